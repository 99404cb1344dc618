// The Chinese words a person reads for the API's codes.
export const caseStatus: Record<string, string> = {
  clue: '线索', registered: '已立案', investigating: '调查取证', notified: '已告知', hearing: '听证',
  review: '法制审核中', reviewed: '审核通过', decided: '已决定', served: '已送达', executed: '已执行',
  closed: '已结案', archived: '已归档', not_registered: '不予立案', transferred: '已移送', revoked: '已撤销',
};

export const action: Record<string, string> = {
  create: '创建案件', register: '立案', decline: '不予立案', summary_decide: '当场处罚', start_investigation: '开始调查',
  record: '现场记录', notify: '告知', record_statement: '陈述申辩', waive: '放弃陈述申辩', request_hearing: '申请听证',
  conclude_hearing: '听证结束', submit_review: '提交法制审核', approve_review: '审核通过', reject_review: '审核退回',
  decide: '作出决定', transfer: '移送', extend_deadline: '延长期限', serve: '送达', execute: '执行', close: '结案',
  archive: '归档', revoke_decision: '撤销决定', issue_document: '制作文书', acknowledge_transfer: '确认移送',
  add_evidence: '登记证据', complete_evidence: '证据存证', reject_evidence: '证据拒收',
};

export const evidenceKind: Record<string, string> = {
  photo: '照片', video: '视频', audio: '录音', document: '书证', record: '笔录', other: '其他',
};

export const evidenceStatus: Record<string, string> = { pending: '待上传', complete: '已存证', rejected: '已拒收' };

export function word(dict: Record<string, string>, code?: string | null): string {
  if (!code) return '';
  return dict[code] ?? code;
}

// The supervisor's pages (司法局); sup* where the enterprise portal words the same codes for the
// enterprise.
export const supComplaintStatus: Record<string, string> = {
  submitted: '待受理', accepted: '已受理', investigating: '调查中', resolved: '已办结', rejected: '不予受理',
};

export const supComplaintAction: Record<string, string> = {
  submit: '提交投诉', accept: '受理', investigate: '开始调查', resolve: '办结答复', reject: '不予受理', escalate: '逾期移交上级',
};

export const complaintSubject: Record<string, string> = { inspection: '涉企检查', case: '案件', officer: '执法人员' };

export const warningKind: Record<string, string> = {
  decision: '案件决定期限', service: '文书送达期限', payment: '罚款缴纳期限', complaint_accept: '投诉受理期限',
  complaint_answer: '投诉答复期限', rectification: '问题整改期限', callback: '案件回访', order: '督办答复期限',
};

export const warningLevel: Record<string, string> = { yellow: '黄色预警', red: '红色预警' };

export const supCallbackState: Record<string, string> = { scheduled: '未到期', due: '待回访', answered: '已回访' };

export const supCallbackTrigger: Record<string, string> = { served: '文书送达', closed: '案件结案', not_registered: '不予立案' };

export const answerChannel: Record<string, string> = { phone: '电话回访', web: '网页回复', app: '企业端回复' };

export const orderStatus: Record<string, string> = { open: '待答复', answered: '已答复', closed: '已办结' };

export const orderAction: Record<string, string> = { issue: '下发督办', answer: '答复', return: '退回重办', close: '办结' };

export const objectKind: Record<string, string> = {
  case: '案件', inspection: '涉企检查', complaint: '投诉', problem: '问题', callback: '回访', order: '督办',
};

export const enterpriseStatus: Record<string, string> = { pending: '待激活', active: '已激活', rejected: '已驳回' };

export const feedbackSource: Record<string, string> = { card: '监督卡评价', enterprise: '企业评价' };

export const problemSource: Record<string, string> = { self_check: '自查', review_finding: '案卷评查', complaint: '投诉', feedback: '评价' };

export const problemStatus: Record<string, string> = { open: '待整改', in_progress: '整改中', closed: '已整改' };

// The discretion benchmark's tiers (裁量阶次).
export const tier: Record<string, string> = { no_penalty: '不予处罚', lighter: '从轻', normal: '一般', heavier: '从重' };
// The enterprise portal's words (inspections, complaints, callbacks).
export const inspectionStatus: Record<string, string> = { planned: '已计划', on_site: '检查中', completed: '已完成', cancelled: '已取消' };
export const inspectionOutcome: Record<string, string> = { compliant: '未发现问题', issues_found: '发现问题，责令整改', case_opened: '已立案查处' };
export const complaintStatus: Record<string, string> = { submitted: '已提交，待受理', accepted: '已受理', investigating: '调查核实中', resolved: '已办结', rejected: '不予受理' };
export const complaintAction: Record<string, string> = { submit: '提交投诉', accept: '受理', investigate: '开始调查核实', resolve: '办结答复', reject: '不予受理', escalate: '逾期，上级机关接办' };
export const callbackState: Record<string, string> = { scheduled: '待答复', due: '请答复', answered: '已回复' };
export const callbackTrigger: Record<string, string> = { served: '处罚决定送达后', closed: '案件办结后', not_registered: '不予立案后' };
export const callbackChannel: Record<string, string> = { phone: '电话回访', web: '网页', app: '企业端' };
