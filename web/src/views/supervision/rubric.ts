// The review rubric as the form shows it: the reviewer's items (points to give, veto items to
// judge) apart from those the record answers, and the total the server will compute.
export interface RubricItem { code: string; name: string; points: number; veto: boolean; check?: string }
export interface AutoResult { check: string; pass: boolean; detail: string }

export function manualItems(items: RubricItem[]): RubricItem[] {
  return items.filter((i) => !i.check);
}

export function autoItems(items: RubricItem[]): RubricItem[] {
  return items.filter((i) => !!i.check);
}

// previewTotal mirrors domain.Score: any veto failed (by the record or the reviewer) makes the
// file 0; otherwise the points of passed automatic items plus the reviewer's points.
export function previewTotal(items: RubricItem[], auto: Record<string, AutoResult>, scores: Record<string, number>, vetoFailed: Record<string, boolean>): number {
  let total = 0;
  for (const it of items) {
    if (it.check) {
      const r = auto[it.check];
      if (it.veto && !r?.pass) return 0;
      if (!it.veto && r?.pass) total += it.points;
    } else if (it.veto) {
      if (vetoFailed[it.code]) return 0;
    } else {
      total += Math.max(0, Math.min(it.points, scores[it.code] ?? 0));
    }
  }
  return total;
}

// grade names the bands of domain.Score (a veto failed is 不合格 whatever the points).
export function grade(total: number, vetoed: boolean): string {
  if (vetoed) return '不合格';
  if (total >= 90) return '优秀';
  if (total >= 60) return '合格';
  return '不合格';
}
