import { describe, expect, it } from 'vitest';
import { autoItems, grade, manualItems, previewTotal, type RubricItem } from './rubric';

const items: RubricItem[] = [
  { code: 'V1', name: '执法人员持有效证件', points: 0, veto: true, check: 'certified_officers' },
  { code: 'V2', name: '事实清楚', points: 0, veto: true },
  { code: 'A1', name: '按时送达', points: 10, veto: false, check: 'served_in_time' },
  { code: 'C1', name: '笔录签字', points: 20, veto: false },
  { code: 'C2', name: '说理充分', points: 70, veto: false },
];
const pass = { certified_officers: { check: 'certified_officers', pass: true, detail: '' }, served_in_time: { check: 'served_in_time', pass: true, detail: '' } };

describe('the rubric form', () => {
  it('splits the reviewer items from the automatic ones', () => {
    expect(manualItems(items).map((i) => i.code)).toEqual(['V2', 'C1', 'C2']);
    expect(autoItems(items).map((i) => i.code)).toEqual(['V1', 'A1']);
  });
  it('totals as the server does, points capped, vetoes zeroing', () => {
    expect(previewTotal(items, pass, { C1: 18, C2: 99 }, {})).toBe(10 + 18 + 70);
    expect(previewTotal(items, pass, { C1: 18 }, { V2: true })).toBe(0);
    expect(previewTotal(items, { served_in_time: pass.served_in_time }, { C1: 18 }, {})).toBe(0);
    expect(previewTotal(items, { ...pass, served_in_time: { check: 'served_in_time', pass: false, detail: '' } }, { C1: 20, C2: 50 }, {})).toBe(70);
  });
  it('grades by bands', () => {
    expect(grade(95, false)).toBe('优秀');
    expect(grade(60, false)).toBe('合格');
    expect(grade(59, false)).toBe('不合格');
    expect(grade(95, true)).toBe('不合格');
  });
});
