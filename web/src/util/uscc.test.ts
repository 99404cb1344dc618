import { describe, expect, it } from 'vitest';
import { checkCharacter, usccProblem } from './uscc';

// The same codes domain/uscc_test.go and the API tests use (api/fixtures_test.go's usccs, the
// spec's example), valid on the server too.
const valid = ['91350100M000100Y43', '91110000600037341L', '12110105MB0123456C', '92440300MA5F11110R', '91310115MA1K3YJ12G', '91370402MA3C8K9X29'];

// domain/domain_test.go's TestParseUSCC table, case for case: the server and the page agree.
const goCases: [string, boolean][] = [
  ['91350100M000100Y43', true], ['91110000600037341L', true], [' 91110000600037341l ', true],
  ['12110105MB0123456C', true], ['92440300MA5F11110R', true],
  ['91350100M000100Y44', false], ['91350100M000100Y4', false], ['91350100M000100Y433', false],
  ['91350100M000I00Y43', false], ['91350100O000100Y43', false], ['91990100M000100Y43', false],
  ['913501A0M000100Y43', false], ['', false], ['９１３５０１００Ｍ０００１００Ｙ４３', false],
];

describe('usccProblem', () => {
  it("agrees with domain.ParseUSCC on TestParseUSCC's table", () => {
    for (const [code, ok] of goCases) expect(usccProblem(code) === '', JSON.stringify(code)).toBe(ok);
  });
  it('accepts the valid codes the server accepts', () => {
    for (const c of valid) expect(usccProblem(c), c).toBe('');
    expect(usccProblem(' 91310115ma1k3yj12g ')).toBe('');
  });
  it('names the check character a wrong one should be', () => {
    // api/complaints_test.go: 91310115MA1K3YJ12H is refused for its check character.
    expect(usccProblem('91310115MA1K3YJ12H')).toBe('校验码错误：第 18 位应为“G”，请核对营业执照');
    expect(checkCharacter('91310115MA1K3YJ12')).toBe('G');
  });
  it('refuses what domain.ParseUSCC refuses', () => {
    expect(usccProblem('9131011')).toContain('18 位');
    expect(usccProblem('91310115MA1K3YJ12GX')).toContain('18 位');
    expect(usccProblem('91310115MA1K3YJ1OG')).toContain('第 17 位');
    expect(usccProblem('913A0115MA1K3YJ12G')).toContain('行政区划码');
    expect(usccProblem('91990115MA1K3YJ12G')).toContain('省级');
    expect(usccProblem('')).toBe('请输入统一社会信用代码');
  });
  it('does not call a code wrong while it is still being typed', () => {
    expect(usccProblem('9131', true)).toBe('');
    expect(usccProblem('91310115MA', true)).toBe('');
    expect(usccProblem('', true)).toBe('');
    expect(usccProblem('91I', true)).toContain('第 3 位');
  });
});
