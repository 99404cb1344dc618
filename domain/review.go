package domain

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// Case-file review (案卷评查): a supervisory body samples closed case files of the agencies it
// covers and scores each against its rubric. The checks the record can answer are made by the
// system with their evidence; the reviewer scores the rest. A veto item failed makes the file
// 不合格 (score 0); otherwise the score is the sum of the items' points.

// RubricItem is one item of a rubric: veto items pass or fail; the others carry points. Check
// names the automatic check that answers it; an item without one is scored by the reviewer.
type RubricItem struct {
	Code   string `json:"code"`
	Name   string `json:"name"`
	Points int    `json:"points"`
	Veto   bool   `json:"veto"`
	Check  string `json:"check,omitempty"`
}

// AutoCheckNames are the checks the record answers, in words.
var AutoCheckNames = map[string]string{
	"chain_intact":           "全过程记录链完整",
	"evidence_complete":      "证据齐全且哈希校验一致",
	"two_officers":           "两名以上执法人员",
	"certified_officers":     "执法人员持有效证件",
	"limitation":             "未超过追责时效",
	"notice_before_decision": "决定前告知并听取陈述申辩",
	"hearing_held":           "依申请举行听证",
	"legal_review":           "依目录进行法制审核",
	"within_benchmark":       "裁量在基准档次内或说明理由",
	"decided_in_time":        "在法定期限内作出决定",
	"two_documents":          "两书同达",
	"served_in_time":         "七日内送达",
}

// DefaultRubric is the rubric of a body that has not set its own, after the common provincial
// standards (see REVIEW-RUBRIC): veto items, then 100 points.
var DefaultRubric = []RubricItem{
	{Code: "V1", Name: "执法主体合法", Veto: true},
	{Code: "V2", Name: "执法人员持有效证件", Veto: true, Check: "certified_officers"},
	{Code: "V3", Name: "两名以上执法人员调查取证", Veto: true, Check: "two_officers"},
	{Code: "V4", Name: "未超过追责时效", Veto: true, Check: "limitation"},
	{Code: "V5", Name: "决定前告知并听取陈述申辩", Veto: true, Check: "notice_before_decision"},
	{Code: "V6", Name: "依目录进行法制审核", Veto: true, Check: "legal_review"},
	{Code: "C1", Name: "事实清楚、证据充分", Points: 20},
	{Code: "C2", Name: "适用依据正确", Points: 15},
	{Code: "C3", Name: "裁量适当", Points: 10, Check: "within_benchmark"},
	{Code: "C4", Name: "全过程记录完整", Points: 15, Check: "chain_intact"},
	{Code: "C5", Name: "证据齐全可核验", Points: 10, Check: "evidence_complete"},
	{Code: "C6", Name: "按期作出决定", Points: 10, Check: "decided_in_time"},
	{Code: "C7", Name: "两书同达、及时送达", Points: 10, Check: "two_documents"},
	{Code: "C8", Name: "文书规范", Points: 10},
}

// ValidateRubric checks a rubric: codes unique, points 0–100 summing to at most 100, checks
// known; Invalid with the fields.
func ValidateRubric(items []RubricItem) error {
	f := FieldErrors{}
	if len(items) == 0 || len(items) > 50 {
		f.Add("items", "1 to 50 items")
	}
	seen, total := map[string]bool{}, 0
	for i, it := range items {
		field := fmt.Sprintf("items[%d]", i)
		if it.Code == "" || len(it.Code) > 16 || seen[it.Code] {
			f.Add(field+".code", "a short code, each once")
		}
		seen[it.Code] = true
		if n := utf8.RuneCountInString(it.Name); n < 2 || n > 64 {
			f.Add(field+".name", "2 to 64 characters")
		}
		if it.Points < 0 || it.Points > 100 || it.Veto && it.Points != 0 {
			f.Add(field+".points", "0 to 100; a veto item has none")
		}
		if _, ok := AutoCheckNames[it.Check]; it.Check != "" && !ok {
			f.Add(field+".check", "one of the automatic checks, or none")
		}
		total += it.Points
	}
	if total > 100 {
		f.Add("items", "the points sum to at most 100")
	}
	return f.Err()
}

// FileRecord is everything the automatic checks read of one case file.
type FileRecord struct {
	Case         *Case
	Events       []Event
	Evidence     map[string]*Evidence
	Certificates map[string]*Certificate // by officer id
	Matter       *Matter
	Benchmark    *Benchmark
	ReviewRules  []ReviewRule
	Now          time.Time
}

// CheckResult is what an automatic check found, with its evidence.
type CheckResult struct {
	Check  string `json:"check"`
	Pass   bool   `json:"pass"`
	Detail string `json:"detail"`
}

// AutoCheck runs every automatic check on a file.
func AutoCheck(r FileRecord) map[string]CheckResult {
	c := r.Case
	out := map[string]CheckResult{}
	put := func(check string, pass bool, detail string, args ...any) {
		out[check] = CheckResult{Check: check, Pass: pass, Detail: fmt.Sprintf(detail, args...)}
	}
	first := func(a Action) *Event {
		for i := range r.Events {
			if r.Events[i].Action == a {
				return &r.Events[i]
			}
		}
		return nil
	}
	decide := first(ActDecide)
	if decide == nil {
		decide = first(ActSummaryDecide)
	}

	audit := AuditCase(c, r.Events)
	put("chain_intact", audit.Intact, "共 %d 条记录；%s", audit.Events, cmpText(Translate(audit.Problem), "每条记录的哈希均已重算并前后相接，末条 "+shortHash(c.HeadHash)))

	findings := AuditEvidence(r.Events, r.Evidence, r.Now, 24*time.Hour)
	if len(findings) == 0 {
		put("evidence_complete", true, "证据 %d 份，均已完整上传且 SHA-256 校验一致", len(r.Evidence))
	} else {
		put("evidence_complete", false, "证据 %s：%s", findings[0].EvidenceID, translateValue(findings[0].Problem))
	}

	need := 2
	if r.Matter != nil && r.Matter.SingleOfficer {
		need = 1
	}
	short, uncertified, acts := "", "", 0
	for _, e := range r.Events {
		if !slices.Contains(officerActions, e.Action) || e.Action == ActAddEvidence && len(e.OfficerIDs) == 0 {
			continue
		}
		acts++
		if len(e.OfficerIDs) < need && short == "" {
			short = fmt.Sprintf("第 %d 条记录（%s）仅有 %d 名执法人员", e.Seq, translateValue(string(e.Action)), len(e.OfficerIDs))
		}
		for _, o := range e.OfficerIDs {
			cert := r.Certificates[o]
			if cert == nil {
				if uncertified == "" {
					uncertified = fmt.Sprintf("第 %d 条记录（%s）：执法人员 %s 未持执法证", e.Seq, translateValue(string(e.Action)), o)
				}
				continue
			}
			if ok, why := cert.ValidAt(e.At); !ok && uncertified == "" {
				uncertified = fmt.Sprintf("第 %d 条记录（%s）：执法证 %s %s", e.Seq, translateValue(string(e.Action)), cert.Number, Translate(why))
			}
		}
	}
	put("two_officers", short == "", "%s", cmpText(short, fmt.Sprintf("%d 项执法行为，每项均有 %d 名以上执法人员", acts, need)))
	put("certified_officers", uncertified == "", "%s", cmpText(uncertified, fmt.Sprintf("%d 项执法行为中每名执法人员的执法证均有效", acts)))

	if reg := first(ActRegister); reg != nil && !c.ViolationOn.IsZero() {
		years := c.limitation(r.Matter)
		limit := c.ViolationOn.AddDate(years, 0, 0)
		put("limitation", !reg.At.After(limit), "违法行为发生于 %s，%s 立案，追责时效 %d 年", c.ViolationOn.Format(time.DateOnly), ChinaDate(reg.At).Format(time.DateOnly), years)
	} else {
		put("limitation", true, "无立案环节（简易程序或未立案）")
	}

	switch {
	case decide == nil:
		put("notice_before_decision", true, "尚未作出决定")
		put("hearing_held", true, "尚未作出决定")
		put("legal_review", true, "尚未作出决定")
		put("within_benchmark", true, "尚未作出决定")
		put("decided_in_time", true, "尚未作出决定")
	default:
		if decide.Action == ActSummaryDecide {
			put("notice_before_decision", true, "简易程序：当场告知")
		} else {
			ok, detail := waitedForTheParty(r.Events, decide, c.Notice)
			put("notice_before_decision", ok, "%s", detail)
		}
		if req := first(ActRequestHearing); req != nil {
			held := first(ActConcludeHearing)
			put("hearing_held", held != nil && held.Seq < decide.Seq, "申请听证：%s；听证结束：%s", eventWhen(req), eventWhen(held))
		} else {
			put("hearing_held", true, "当事人未申请听证")
		}
		if rule := ReviewRequired(c.MatterID, c.Decision, r.ReviewRules); rule != nil {
			var approve *Event
			for i := range r.Events {
				if e := &r.Events[i]; e.Action == ActApproveReview && e.Seq < decide.Seq {
					approve = e // the approval the decision followed
				}
			}
			investigated, reviewer := "", c.ReviewerID
			if approve != nil {
				reviewer = approve.ActorID
			}
			for _, e := range r.Events {
				if slices.Contains(InvestigatingActions, e.Action) && (e.ActorID == reviewer || slices.Contains(e.OfficerIDs, reviewer)) && investigated == "" {
					investigated = fmt.Sprintf("；审核人员参与了第 %d 条记录（%s）", e.Seq, translateValue(string(e.Action)))
				}
			}
			if reviewer != "" && slices.Contains(c.OfficerIDs, reviewer) && investigated == "" {
				investigated = "；审核人员是本案承办人员"
			}
			if reviewer != "" && reviewer == decide.ActorID {
				investigated += "；审核人员同时作出了决定"
			}
			independent := reviewer != "" && investigated == ""
			put("legal_review", approve != nil && independent, "属于法制审核目录（%s）；审核通过：%s；审核人员未参与调查且未作出决定：%s%s",
				rule.Description, eventWhen(approve), yesNo(independent), investigated)
		} else {
			put("legal_review", true, "不属于法制审核目录范围")
		}
		put("within_benchmark", withinBenchmark(c.Decision, r.Benchmark), "%s", benchmarkDetail(c.Decision, r.Benchmark))
		if c.Procedure == ProcedureGeneral && !c.Deadline.IsZero() {
			put("decided_in_time", !decide.At.After(c.Deadline), "决定：%s；期限：%s", eventWhen(decide), ChinaDate(c.Deadline).Format(time.DateOnly))
		} else {
			put("decided_in_time", true, "简易程序：当场作出决定")
		}
	}

	serve := first(ActServe)
	switch {
	case serve == nil || decide == nil:
		put("two_documents", serve == nil, "尚未送达")
		put("served_in_time", serve == nil, "尚未送达")
	default:
		both := true
		if c.Decision != nil && c.Decision.Kind == "penalty" {
			both = c.Documents[DocPenaltyDecision] != "" && c.Documents[DocCreditRepairNotice] != ""
		}
		put("two_documents", both, "送达前已制作处罚决定书和信用修复告知书：%s", yesNo(both))
		days := serve.At.Sub(decide.At).Hours() / 24
		put("served_in_time", days <= 7, "决定后 %.1f 日送达", days)
	}
	if !out["served_in_time"].Pass {
		r := out["two_documents"]
		r.Pass, r.Detail = false, r.Detail+"; "+out["served_in_time"].Detail
		out["two_documents"] = r
	}
	return out
}

// waitedForTheParty: the decision followed the notice and waited until the party had waived in
// writing or been heard, or else until the statement-and-defence period the notice stated had
// ended and, with a right to a hearing, the 5 days to ask for one had passed (arts. 44–45,
// 62–64). It returns the result and its evidence.
func waitedForTheParty(events []Event, decide *Event, n *Notice) (bool, string) {
	var notify, waived, heard, stated *Event
	for i := range events {
		e := &events[i]
		if e.Seq >= decide.Seq {
			break
		}
		switch e.Action {
		case ActNotify:
			notify, waived, heard, stated = e, nil, nil, nil // a new notice starts the periods again
		case ActWaive:
			waived = e
		case ActConcludeHearing:
			heard = e
		case ActRecordStatement:
			stated = e
		}
	}
	if notify == nil || n == nil {
		return false, fmt.Sprintf("决定（%s）前未告知", eventWhen(decide))
	}
	at := *n
	at.At = notify.At
	detail := fmt.Sprintf("告知：%s；陈述申辩：%s；书面放弃：%s；听证结束：%s；决定：%s；陈述申辩期限至 %s",
		eventWhen(notify), eventWhen(stated), eventWhen(waived), eventWhen(heard), eventWhen(decide), chinaTimeText(at.StatementEnds()))
	if n.HearingEligible {
		detail += "，可申请听证至 " + chinaTimeText(at.HearingRequestEnds())
	}
	if waived != nil || heard != nil {
		return true, detail
	}
	ok := decide.At.After(at.StatementEnds()) && (!n.HearingEligible || decide.At.After(at.HearingRequestEnds()))
	if !ok {
		detail += "：当事人期限届满前且未书面放弃即作出决定"
	}
	return ok, detail
}

func yesNo(b bool) string {
	if b {
		return "是"
	}
	return "否"
}

func cmpText(s, otherwise string) string {
	if s == "" {
		return otherwise
	}
	return s
}

func shortHash(h string) string {
	if len(h) > 12 {
		return h[:12]
	}
	return h
}

func eventWhen(e *Event) string {
	if e == nil {
		return "无"
	}
	return fmt.Sprintf("第 %d 条记录（%s）", e.Seq, e.At.In(chinaTime).Format("2006-01-02 15:04"))
}

func withinBenchmark(d *Decision, b *Benchmark) bool {
	if d == nil || d.Kind != "penalty" || b == nil || strings.TrimSpace(d.OutOfRangeReason) != "" {
		return true
	}
	for _, t := range b.Tiers {
		if t.Tier == d.Tier {
			return d.Fine >= t.MinFine && d.Fine <= t.MaxFine
		}
	}
	return false
}

func benchmarkDetail(d *Decision, b *Benchmark) string {
	switch {
	case d == nil || d.Kind != "penalty":
		return "未作出处罚"
	case b == nil:
		return "该事项无裁量基准"
	case strings.TrimSpace(d.OutOfRangeReason) != "":
		return fmt.Sprintf("罚款 %d 元，档次 %s，已说明理由：%s", d.Fine, TierName(d.Tier), d.OutOfRangeReason)
	}
	for _, t := range b.Tiers {
		if t.Tier == d.Tier && (d.Fine < t.MinFine || d.Fine > t.MaxFine) {
			return fmt.Sprintf("罚款 %d 元超出 %s 档（%d–%d 元），且未说明理由", d.Fine, TierName(d.Tier), t.MinFine, t.MaxFine)
		}
	}
	if !withinBenchmark(d, b) {
		return fmt.Sprintf("裁量基准无 %s 档", TierName(d.Tier))
	}
	return fmt.Sprintf("罚款 %d 元，在 %s 档范围内", d.Fine, TierName(d.Tier))
}

// Score scores a file: the rubric's items from the automatic checks and the reviewer's points
// (manual, by item code, each at most the item's points). A veto item failed makes the file
// 不合格 with 0. Missing says which manual items are not scored yet.
func Score(rubric []RubricItem, auto map[string]CheckResult, manual map[string]int, vetoFailed map[string]bool) (total int, grade string, missing []string) {
	veto := false
	for _, it := range rubric {
		switch {
		case it.Veto && it.Check != "":
			veto = veto || !auto[it.Check].Pass
		case it.Veto:
			veto = veto || vetoFailed[it.Code]
		case it.Check != "":
			if auto[it.Check].Pass {
				total += it.Points
			}
		default:
			p, ok := manual[it.Code]
			if !ok {
				missing = append(missing, it.Code)
			}
			total += min(max(p, 0), it.Points)
		}
	}
	switch {
	case veto:
		return 0, "不合格", missing
	case total >= 90:
		return total, "优秀", missing
	case total >= 60:
		return total, "合格", missing
	}
	return total, "不合格", missing
}

// ReviewRound is one round of case-file review by a supervisory body.
type ReviewRound struct {
	ID       string
	BodyID   string
	Name     string
	From, To time.Time
	// Seed drew the sample (its SHA-256 is Commitment); Candidates are each agency's closed
	// cases decided in the period, by id, and Sample what was drawn of them.
	Seed        string
	Commitment  string
	Candidates  map[string][]string
	Sample      map[string][]string
	Rubric      []RubricItem
	RectifyDays int
	CreatedBy   string
	CreatedAt   time.Time
	Version     int64
}

// ReviewFile is one sampled file and its scores.
type ReviewFile struct {
	ID         string // round id and case id
	RoundID    string
	AgencyID   string
	CaseID     string
	CaseNumber string
	Auto       map[string]CheckResult
	Manual     map[string]int
	VetoFailed map[string]bool
	Notes      string
	Findings   []string
	Total      int
	Grade      string
	Scored     bool
	Reviewer   string
	ScoredAt   time.Time
	Version    int64
}

// SampleCases draws k of ids (sorted) with the draw stream of seed and the label (the
// agency's id): uniform(remaining) picks one and removes it, k times.
func SampleCases(seedHex, label string, ids []string, k int) ([]string, error) {
	in := DrawInputs{Count: min(k, len(ids))}
	for _, id := range ids {
		in.Candidates = append(in.Candidates, DrawCandidate{USCC: id, Weight: 1})
	}
	if in.Count == 0 {
		return []string{}, nil
	}
	picks, err := drawCandidates(in, seedHex, label)
	if err != nil {
		return nil, err
	}
	out := make([]string, len(picks))
	for i, p := range picks {
		out[i] = p.USCC
	}
	return out, nil
}

// Reviews stores rubrics, review rounds and their files.
type Reviews interface {
	// RubricOf returns a body's rubric, nil when it has none.
	RubricOf(ctx context.Context, bodyID string) ([]RubricItem, error)
	PutRubric(ctx context.Context, bodyID string, items []RubricItem) error
	CreateReviewRound(ctx context.Context, r *ReviewRound, files []*ReviewFile) error
	ReviewRoundByID(ctx context.Context, id string) (*ReviewRound, error)
	ListReviewRounds(ctx context.Context, bodyID string, p Page) ([]*ReviewRound, string, error)
	ReviewFilesOf(ctx context.Context, r *ReviewRound) ([]*ReviewFile, error)
	ReviewFileByID(ctx context.Context, id string) (*ReviewFile, error)
	// UpdateReviewFile writes f when its stored version is f.Version; Conflict otherwise.
	UpdateReviewFile(ctx context.Context, f *ReviewFile) error
}
