import { describe, expect, it } from 'vitest';
import { fieldErrors, problemText } from './client';

describe('problem answers', () => {
  it('shows the detail, else the title, else a general text', () => {
    expect(problemText({ title: 'Bad Request', detail: '请填写处罚金额' })).toBe('请填写处罚金额');
    expect(problemText({ title: '未找到' })).toBe('未找到');
    expect(problemText(undefined)).toBe('请求失败，请稍后重试');
  });
  it('maps field errors to the form', () => {
    expect(fieldErrors({ errors: { amount: '必须为正数' } })).toEqual({ amount: '必须为正数' });
    expect(fieldErrors({})).toEqual({});
  });
});
