package handlers

import (
	"slices"
	"time"

	"github.com/zhifa/zhifa/domain"
)

// The forms of the desk: for each action, the fields its transition takes, in Chinese.

var actionLabels = map[domain.Action]string{
	domain.ActRegister: "立案", domain.ActDecline: "不予立案", domain.ActSummaryDecide: "当场作出简易程序决定",
	domain.ActStartInvestigation: "开始调查", domain.ActRecord: "记录调查取证", domain.ActNotify: "事先告知",
	domain.ActRecordStatement: "记录陈述申辩", domain.ActWaive: "记录放弃陈述申辩", domain.ActRequestHearing: "记录听证申请",
	domain.ActConcludeHearing: "听证结束", domain.ActSubmitReview: "提交法制审核", domain.ActApproveReview: "法制审核通过",
	domain.ActRejectReview: "法制审核退回", domain.ActDecide: "作出处罚决定", domain.ActExtendDeadline: "延长办案期限",
	domain.ActTransfer: "移送", domain.ActAcknowledgeTransfer: "确认移送接收", domain.ActServe: "送达",
	domain.ActExecute: "记录执行", domain.ActClose: "结案", domain.ActArchive: "归档", domain.ActRevokeDecision: "撤销决定",
}

var penaltyKindLabels = []actionOptionJSON{
	{Value: "warning", Label: "警告"}, {Value: "fine", Label: "罚款"}, {Value: "confiscation", Label: "没收"},
	{Value: "suspension", Label: "暂扣许可证件、降低资质等级"}, {Value: "licence_revoke", Label: "吊销许可证件"},
	{Value: "restriction", Label: "限制生产经营、责令停产停业"}, {Value: "closure", Label: "责令关闭"},
}

var tierOptions = []actionOptionJSON{
	{Value: "no_penalty", Label: "不予处罚"}, {Value: "lighter", Label: "从轻"}, {Value: "normal", Label: "一般"}, {Value: "heavier", Label: "从重"},
}

// decisionFields are the fields of a decision under prefix ("decision", "notice.proposed"),
// starting from d.
func decisionFields(prefix string, d *domain.Decision) []actionFieldJSON {
	var kinds, tier, basis, fine any
	kind := "penalty"
	if d != nil {
		kind = d.Kind
		ks := make([]string, len(d.PenaltyKinds))
		for i, k := range d.PenaltyKinds {
			ks[i] = string(k)
		}
		kinds, tier, basis, fine = ks, string(d.Tier), d.Basis, d.Fine
	}
	return []actionFieldJSON{
		{Name: prefix + ".kind", Label: "决定类型", Type: "select", Required: true, Value: kind,
			Options: []actionOptionJSON{{Value: "penalty", Label: "给予行政处罚"}, {Value: "no_penalty", Label: "不予行政处罚"}}},
		{Name: prefix + ".penalty_kinds", Label: "处罚种类", Type: "multiselect", Options: penaltyKindLabels, Value: kinds},
		{Name: prefix + ".fine", Label: "罚款金额（元）", Type: "money", Value: fine},
		{Name: prefix + ".tier", Label: "裁量阶次", Type: "select", Options: tierOptions, Value: tier},
		{Name: prefix + ".out_of_range_reason", Label: "超出阶次范围的理由", Type: "textarea", Hint: "罚款超出所选阶次范围时必填"},
		{Name: prefix + ".basis", Label: "处罚依据", Type: "textarea", Required: true, Value: basis},
	}
}

// formOf are the fields of action a's form in case cs; people are the agency's active people.
func formOf(cs *domain.Case, a domain.Action, me string, people []*domain.User, now time.Time) []actionFieldJSON {
	reason := func(label string, required bool) actionFieldJSON {
		return actionFieldJSON{Name: "reason", Label: label, Type: "textarea", Required: required}
	}
	out := []actionFieldJSON{}
	if slices.Contains(actionFields[a], "officer_ids") {
		f := actionFieldJSON{Name: "officer_ids", Label: "执法人员", Type: "multiselect", Required: true,
			Hint: "须包括本人；除事项另有规定外不少于两名持证执法人员", Options: []actionOptionJSON{}}
		for _, u := range people {
			if u.Has(domain.RoleOfficer) {
				f.Options = append(f.Options, actionOptionJSON{Value: u.ID, Label: u.Name})
			}
		}
		ids := []string{me}
		for _, id := range cs.OfficerIDs {
			if !slices.Contains(ids, id) && slices.ContainsFunc(people, func(u *domain.User) bool { return u.ID == id && u.Has(domain.RoleOfficer) }) {
				ids = append(ids, id)
			}
		}
		f.Value = ids
		out = append(out, f)
	}
	switch a {
	case domain.ActDecline:
		out = append(out, reason("不予立案理由", true))
	case domain.ActSummaryDecide:
		out = append(out, actionFieldJSON{Name: "facts", Label: "违法事实", Type: "textarea", Required: true, Value: cs.Facts})
		out = append(out, decisionFields("decision", nil)...)
	case domain.ActNotify:
		out = append(out,
			actionFieldJSON{Name: "notice.facts", Label: "违法事实", Type: "textarea", Required: true, Value: cs.Facts},
			actionFieldJSON{Name: "notice.reasons", Label: "理由", Type: "textarea", Required: true},
			actionFieldJSON{Name: "notice.basis", Label: "依据", Type: "textarea", Required: true})
		out = append(out, decisionFields("notice.proposed", nil)...)
		out = append(out, actionFieldJSON{Name: "notice.statement_days", Label: "陈述申辩期限（日）", Type: "number",
			Hint: "1 至 15 日，不填为 3 日"})
	case domain.ActRecordStatement:
		out = append(out, reason("陈述申辩要点", false))
	case domain.ActWaive:
		out = append(out, reason("说明（书面放弃的情况）", false))
	case domain.ActRequestHearing:
		out = append(out, reason("听证申请情况", false))
	case domain.ActConcludeHearing:
		out = append(out, reason("听证情况", false))
	case domain.ActSubmitReview:
		f := actionFieldJSON{Name: "reviewer_id", Label: "法制审核人员", Type: "select", Required: true, Options: []actionOptionJSON{}}
		for _, u := range people {
			if !u.Has(domain.RoleReviewer) {
				continue
			}
			o := actionOptionJSON{Value: u.ID, Label: u.Name}
			if cs.Investigated(u.ID) {
				o.Disabled, o.Reason = true, "参与了本案调查，不得审核"
			}
			f.Options = append(f.Options, o)
		}
		out = append(out, f)
		out = append(out, decisionFields("decision", proposalOf(cs))...)
	case domain.ActApproveReview:
		out = append(out, reason("审核意见", true))
	case domain.ActRejectReview:
		out = append(out, reason("审核意见（退回理由）", true))
	case domain.ActDecide:
		out = append(out, decisionFields("decision", proposalOf(cs))...)
		out = append(out,
			actionFieldJSON{Name: "collective_discussion.held_on", Label: "集体讨论日期", Type: "date", Hint: "重大执法决定须经机关负责人集体讨论"},
			actionFieldJSON{Name: "collective_discussion.participants", Label: "参加人员", Type: "tags", Hint: "不少于三人"},
			actionFieldJSON{Name: "collective_discussion.conclusion", Label: "讨论结论", Type: "textarea"})
	case domain.ActExtendDeadline:
		out = append(out, actionFieldJSON{Name: "new_deadline", Label: "延长至", Type: "date", Required: true,
			Hint: "至多延长 30 日"}, reason("延长理由", true))
	case domain.ActTransfer:
		out = append(out,
			actionFieldJSON{Name: "transfer_to", Label: "移送去向", Type: "select", Required: true, Options: []actionOptionJSON{
				{Value: "police", Label: "公安机关（涉嫌犯罪）"}, {Value: "other_agency", Label: "其他行政机关"}, {Value: "discipline", Label: "纪检监察机关"}}},
			actionFieldJSON{Name: "transfer_body", Label: "接收单位", Type: "text", Required: true},
			reason("移送理由", true))
	case domain.ActAcknowledgeTransfer:
		out = append(out, actionFieldJSON{Name: "acknowledged_on", Label: "接收单位确认收到日期", Type: "date", Required: true,
			Value: domain.ChinaDate(now).Format(time.DateOnly)})
	case domain.ActServe:
		late := !cs.DecidedAt.IsZero() && now.After(cs.DecidedAt.AddDate(0, 0, 7))
		out = append(out, actionFieldJSON{Name: "reason", Label: "逾期送达理由", Type: "textarea", Required: late, Hint: "决定作出 7 日后送达须说明理由"})
	case domain.ActExecute:
		var due any
		if cs.Decision != nil && !cs.ServedAt.IsZero() {
			due = cs.Decision.Fine + domain.Surcharge(cs.Decision.Fine, cs.ServedAt, domain.ChinaDate(now))
		}
		out = append(out,
			actionFieldJSON{Name: "paid_on", Label: "缴款日期", Type: "date", Required: true, Value: domain.ChinaDate(now).Format(time.DateOnly)},
			actionFieldJSON{Name: "paid", Label: "缴款金额（元）", Type: "money", Required: true, Value: due, Hint: "罚款及加处罚款合计"})
	case domain.ActClose:
		out = append(out, reason("说明", false))
	case domain.ActArchive:
		out = append(out, reason("说明", false))
	case domain.ActRevokeDecision:
		out = append(out, reason("撤销理由", true))
	}
	return out
}

// deskDocuments are the documents a desk offers to issue: the two a penalty decision is served
// with (两书同达), while they are not yet issued.
var deskDocuments = []domain.DocumentKind{domain.DocPenaltyDecision, domain.DocCreditRepairNotice}

// documentActions are the desk's document issues for the case: refused with the reason the
// issue itself would give (fillDocument), or offered with the fields it takes, filled from the
// case where the document would be.
func documentActions(cs *domain.Case, me domain.Standing, now time.Time, lang domain.Lang) []caseActionJSON {
	if _, err := domain.Next(cs.Status, domain.ActIssueDocument); err != nil || !domain.TakesPart(domain.ActIssueDocument, me) ||
		cs.Decision == nil || cs.Decision.Kind != "penalty" {
		return nil
	}
	var out []caseActionJSON
	for _, kind := range deskDocuments {
		if cs.Documents[kind] != "" {
			continue
		}
		item := caseActionJSON{Action: string(domain.ActIssueDocument), DocumentKind: string(kind), Label: "制发" + domain.DocumentTitles[kind],
			Request: "document", Allowed: true, Fields: []actionFieldJSON{}}
		err := domain.CheckActor(domain.ActIssueDocument, me, cs.AgencyID, now)
		if err == nil {
			_, err = fillDocument(kind, nil, cs, me.Agency)
		}
		if e, ok := err.(*domain.Error); ok && len(e.Fields) == 0 {
			item.Allowed = false
			item.Reason, _ = e.Localized(lang)
		}
		for _, fd := range documentFields[kind] {
			if serverFields[fd.Key] {
				continue
			}
			v := defaultField(kind, fd.Key, cs, me.Agency)
			f := actionFieldJSON{Name: "fields." + fd.Key, Label: fd.Label, Type: "textarea", Required: fd.Required}
			if v != "" {
				f.Value = v
			}
			item.Fields = append(item.Fields, f)
		}
		out = append(out, item)
	}
	return out
}
