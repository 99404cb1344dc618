// The agency admin's pages' rules: the tiers of a discretion benchmark as the table edits them,
// the days a certificate has left in China's calendar, and the Chinese words of the codes.
import { chinaDay } from '../../util/dates';

export type TierCode = 'no_penalty' | 'lighter' | 'normal' | 'heavier';
export const tierOrder: TierCode[] = ['no_penalty', 'lighter', 'normal', 'heavier'];
export const tierNames: Record<string, string> = { no_penalty: '不予处罚', lighter: '从轻', normal: '一般', heavier: '从重' };

export interface TierRow {
  tier: TierCode | '';
  name: string;
  min_fine: number | null;
  max_fine: number | null;
  circumstances: string;
  first_offence: boolean;
}

// The error of one cell: the key is tiers[i].field, as the server names it.
export type CellErrors = Record<string, string>;

// validateTiers finds what the table cannot save: a tier missing or twice, a range upside down,
// a fine in the no-penalty tier, the normal tier missing, and ranges of neighbouring tiers that
// overlap (a lighter tier reaching above the normal tier's lowest fine). Ranges may touch.
export function validateTiers(rows: TierRow[]): CellErrors {
  const errs: CellErrors = {};
  const seen = new Set<string>();
  rows.forEach((r, i) => {
    const at = (f: string) => `tiers[${i}].${f}`;
    if (!r.tier) errs[at('tier')] = '请选择档次';
    else if (seen.has(r.tier)) errs[at('tier')] = '每个档次只能设置一次';
    if (r.tier) seen.add(r.tier);
    if (r.min_fine === null || r.min_fine < 0) errs[at('min_fine')] = '请填写不小于 0 的金额';
    if (r.max_fine === null || r.max_fine < 0) errs[at('max_fine')] = '请填写不小于 0 的金额';
    else if (r.min_fine !== null && r.max_fine < r.min_fine) errs[at('max_fine')] = '最高罚款不能低于最低罚款';
    if (r.tier === 'no_penalty' && (r.max_fine ?? 0) !== 0) errs[at('max_fine')] = '不予处罚档次不设罚款';
  });
  if (!seen.has('normal')) errs.tiers = '须设置“一般”档次';
  const ordered = rows
    .map((r, i) => ({ r, i }))
    .filter(({ r }) => r.tier && r.tier !== 'no_penalty' && r.min_fine !== null && r.max_fine !== null)
    .sort((a, b) => tierOrder.indexOf(a.r.tier as TierCode) - tierOrder.indexOf(b.r.tier as TierCode));
  for (let k = 1; k < ordered.length; k++) {
    const lower = ordered[k - 1];
    const upper = ordered[k];
    if ((lower.r.max_fine as number) > (upper.r.min_fine as number) && !errs[`tiers[${upper.i}].min_fine`]) {
      errs[`tiers[${upper.i}].min_fine`] = `与“${tierNames[lower.r.tier]}”档次的罚款幅度重叠（其最高 ${lower.r.max_fine} 元）`;
    }
  }
  return errs;
}

// toInput is the body's tiers of the table's rows (circumstances one per line or separated by
// 、 or ；).
export function toInput(rows: TierRow[]) {
  return rows.map((r) => ({
    tier: r.tier as TierCode,
    name: r.name.trim() || tierNames[r.tier] || undefined,
    min_fine: r.min_fine ?? 0,
    max_fine: r.max_fine ?? 0,
    circumstances: r.circumstances.split(/[\n、；;]/).map((s) => s.trim()).filter(Boolean),
    first_offence: r.first_offence,
  }));
}

export function fromTiers(tiers: { tier: string; name?: string; min_fine: number; max_fine: number; circumstances?: string[]; first_offence?: boolean }[]): TierRow[] {
  return tiers.map((t) => ({
    tier: t.tier as TierCode, name: t.name ?? '', min_fine: t.min_fine, max_fine: t.max_fine,
    circumstances: (t.circumstances ?? []).join('、'), first_offence: !!t.first_offence,
  }));
}

// daysLeft is how many China calendar days remain until day (a YYYY-MM-DD), counted from today in
// China; negative once passed.
export function daysLeft(day: string, now: Date = new Date()): number {
  const today = chinaDay(now.toISOString());
  const a = Date.UTC(+today.slice(0, 4), +today.slice(5, 7) - 1, +today.slice(8, 10));
  const b = Date.UTC(+day.slice(0, 4), +day.slice(5, 7) - 1, +day.slice(8, 10));
  return Math.round((b - a) / 86400000);
}

export function daysLeftText(day: string, now: Date = new Date()): string {
  const n = daysLeft(day, now);
  if (n < 0) return `已过期 ${-n} 天`;
  if (n === 0) return '今日到期';
  return `剩余 ${n} 天`;
}

export const roleNames: Record<string, string> = {
  agency_admin: '单位管理员', officer: '执法人员', reviewer: '法制审核员', supervisor: '监督人员', sysadmin: '系统管理员', enterprise: '企业',
};
export const penaltyKinds: Record<string, string> = {
  warning: '警告', fine: '罚款', confiscation: '没收违法所得、非法财物', suspension: '暂扣许可证件、降低资质等级',
  licence_revoke: '吊销许可证件', restriction: '限制开展生产经营活动、限制从业', closure: '责令停产停业、责令关闭',
};
export const ruleKinds: Record<string, string> = { fine_above: '罚款数额达到', penalty_kind: '处罚种类', matter: '执法事项' };
export const problemSources: Record<string, string> = { self_check: '自查', review_finding: '案卷评查', complaint: '投诉', feedback: '评价反馈' };
export const problemStatus: Record<string, string> = { open: '待整改', in_progress: '整改中', closed: '已销号' };
export const orderStatus: Record<string, string> = { open: '待答复', answered: '已答复', closed: '已办结' };
export const objectKinds: Record<string, string> = { case: '案件', inspection: '检查', complaint: '投诉' };
export const certStatus: Record<string, string> = { valid: '有效', suspended: '暂扣', revoked: '已注销' };
export const notificationKinds: Record<string, string> = {
  case_assigned: '案件指派', inspection_assigned: '检查指派', review_requested: '待法制审核', review_approved: '审核通过',
  review_rejected: '审核退回', deadline_near: '期限将至', deadline_passed: '已超期', certificate_expiring: '执法证将到期',
  bad_feedback: '差评', new_complaint: '新投诉', complaint_overdue: '投诉超期', complaint_progress: '投诉进展',
  callback_due: '待回访', unsatisfied_callback: '回访不满意', problem_overdue: '整改超期', agency_adjusted: '机构调整',
  awaiting_decision: '待决定', new_problem: '新问题', registration_pending: '待激活注册', warning_red: '红色预警',
  order_issued: '督办下达', order_answered: '督办已答复', order_returned: '督办退回', order_closed: '督办办结',
};
