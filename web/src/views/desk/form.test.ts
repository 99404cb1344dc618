import { describe, expect, it } from 'vitest';
import { bodyOf, errorsAt, initialValues, outsideRange, rangeText, tierOf, type Benchmark, type DeskField } from './form';

const fields: DeskField[] = [
  { name: 'decision.fine', label: '罚款金额（元）', type: 'money', required: false, value: 180000 },
  { name: 'decision.penalty_kinds', label: '处罚种类', type: 'multiselect', required: false, value: ['fine'] },
  { name: 'decision.tier', label: '裁量阶次', type: 'select', required: false, value: 'heavier' },
  { name: 'collective_discussion.held_on', label: '集体讨论日期', type: 'date', required: false },
  { name: 'collective_discussion.participants', label: '参加人员', type: 'tags', required: false },
  { name: 'reason', label: '审核意见', type: 'textarea', required: true },
];

const bench: Benchmark = {
  tier: 'heavier',
  reasons: [],
  tiers: [
    { tier: 'normal', label: '一般', min_fine: 80000, max_fine: 150000 },
    { tier: 'heavier', label: '从重', min_fine: 150000, max_fine: 200000 },
    { tier: 'no_penalty', label: '不予处罚', min_fine: 0, max_fine: 0 },
  ],
};

describe('desk forms', () => {
  it('start from the server values, empty of each type otherwise', () => {
    const v = initialValues(fields);
    expect(v['decision.fine']).toBe(180000);
    expect(v['decision.penalty_kinds']).toEqual(['fine']);
    expect(v['collective_discussion.participants']).toBe('');
    expect(v['reason']).toBe('');
  });

  it('nest the values at their paths and leave out what is empty', () => {
    const v = initialValues(fields);
    v['reason'] = '  同意  ';
    expect(bodyOf('decide', v)).toEqual({
      action: 'decide',
      decision: { fine: 180000, penalty_kinds: ['fine'], tier: 'heavier' },
      reason: '同意',
    });
  });

  it('read a list of names written in one line', () => {
    const v = initialValues(fields);
    v['collective_discussion.participants'] = '局长、副局长, 法制科长 ';
    expect(bodyOf('decide', v, fields).collective_discussion).toEqual({ participants: ['局长', '副局长', '法制科长'] });
  });

  it('place field errors at the fields, an object error at its first field', () => {
    const { at, rest } = errorsAt(fields, { reason: '请填写审核意见', collective_discussion: '须记录集体讨论', other: '其他' });
    expect(at).toEqual({ reason: '请填写审核意见', 'collective_discussion.held_on': '须记录集体讨论' });
    expect(rest).toEqual(['其他']);
  });

  it('set the fine against the tier', () => {
    const t = tierOf(bench, 'heavier');
    expect(rangeText(t!)).toBe('从重：150,000–200,000 元');
    expect(rangeText(tierOf(bench, 'no_penalty')!)).toBe('不予处罚：不予罚款');
    expect(outsideRange(t, 180000)).toBe(false);
    expect(outsideRange(t, 250000)).toBe(true);
    expect(outsideRange(t, undefined)).toBe(false);
    expect(tierOf(bench, 'lighter')).toBeUndefined();
  });
});
