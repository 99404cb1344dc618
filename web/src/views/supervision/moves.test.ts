import { describe, expect, it } from 'vitest';
import { complaintMoves, replyRequired } from './moves';

describe('complaintMoves', () => {
  it('offers what the status allows', () => {
    expect(complaintMoves('submitted')).toEqual(['accept', 'reject']);
    expect(complaintMoves('accepted')).toEqual(['investigate', 'resolve', 'reject']);
    expect(complaintMoves('investigating')).toEqual(['resolve', 'reject']);
    expect(complaintMoves('resolved')).toEqual([]);
    expect(complaintMoves('rejected')).toEqual([]);
  });
  it('asks for a reply to resolve or reject', () => {
    expect(replyRequired('accept')).toBe(false);
    expect(replyRequired('investigate')).toBe(false);
    expect(replyRequired('resolve')).toBe(true);
    expect(replyRequired('reject')).toBe(true);
  });
});
