package domain

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// CaseStatus is where a case stands in the procedure of the 行政处罚法.
type CaseStatus string

const (
	StatusClue          CaseStatus = "clue"           // 线索
	StatusRegistered    CaseStatus = "registered"     // 立案 (art. 54)
	StatusInvestigating CaseStatus = "investigating"  // 调查取证
	StatusNotified      CaseStatus = "notified"       // 告知 (arts. 44–45)
	StatusHearing       CaseStatus = "hearing"        // 听证 (arts. 63–64)
	StatusReview        CaseStatus = "review"         // 法制审核中 (art. 58)
	StatusReviewed      CaseStatus = "reviewed"       // 法制审核通过
	StatusDecided       CaseStatus = "decided"        // 作出决定
	StatusServed        CaseStatus = "served"         // 送达 (art. 61)
	StatusExecuted      CaseStatus = "executed"       // 执行 (art. 72)
	StatusClosed        CaseStatus = "closed"         // 结案
	StatusArchived      CaseStatus = "archived"       // 归档
	StatusNotRegistered CaseStatus = "not_registered" // 不予立案
	StatusTransferred   CaseStatus = "transferred"    // 移送
	StatusRevoked       CaseStatus = "revoked"        // 撤销 (by the agency, or after reconsideration or a court)
)

// CaseStatuses lists every status, in procedure order.
var CaseStatuses = []CaseStatus{StatusClue, StatusRegistered, StatusInvestigating, StatusNotified, StatusHearing,
	StatusReview, StatusReviewed, StatusDecided, StatusServed, StatusExecuted, StatusClosed, StatusArchived,
	StatusNotRegistered, StatusTransferred, StatusRevoked}

// OpenStatuses are the statuses a case is still being decided in; the 90-day limit runs here.
var OpenStatuses = []CaseStatus{StatusRegistered, StatusInvestigating, StatusNotified, StatusHearing, StatusReview, StatusReviewed}

// Action moves a case or records something in it.
type Action string

const (
	ActCreate             Action = "create"
	ActRegister           Action = "register"
	ActDecline            Action = "decline"
	ActSummaryDecide      Action = "summary_decide"
	ActStartInvestigation Action = "start_investigation"
	ActRecord             Action = "record"
	ActNotify             Action = "notify"
	ActRecordStatement    Action = "record_statement"
	ActWaive              Action = "waive"
	ActRequestHearing     Action = "request_hearing"
	ActConcludeHearing    Action = "conclude_hearing"
	ActSubmitReview       Action = "submit_review"
	ActApproveReview      Action = "approve_review"
	ActRejectReview       Action = "reject_review"
	ActDecide             Action = "decide"
	ActTransfer           Action = "transfer"
	ActExtendDeadline     Action = "extend_deadline"
	ActServe              Action = "serve"
	ActExecute            Action = "execute"
	ActClose              Action = "close"
	ActArchive            Action = "archive"
	// ActRevokeDecision revokes a decision (撤销): the agency's own correction, or one a
	// reconsideration body or a court ordered; its publication is withdrawn.
	ActRevokeDecision Action = "revoke_decision"
	ActIssueDocument  Action = "issue_document"
	// ActAcknowledgeTransfer records that the receiving body acknowledged a transferred case.
	ActAcknowledgeTransfer Action = "acknowledge_transfer"
	// ActAddEvidence records evidence taken in the case (POST /v1/cases/{id}/evidence);
	// ActCompleteEvidence and ActRejectEvidence record what became of its upload.
	ActAddEvidence      Action = "add_evidence"
	ActCompleteEvidence Action = "complete_evidence"
	ActRejectEvidence   Action = "reject_evidence"
)

// move is where an action may start and where it leads ("" stays).
type move struct {
	from []CaseStatus
	to   CaseStatus
}

var recordable = []CaseStatus{StatusRegistered, StatusInvestigating, StatusNotified, StatusHearing, StatusReview, StatusReviewed}

var moves = map[Action]move{
	ActRegister:            {[]CaseStatus{StatusClue}, StatusRegistered},
	ActDecline:             {[]CaseStatus{StatusClue}, StatusNotRegistered},
	ActSummaryDecide:       {[]CaseStatus{StatusClue}, StatusDecided},
	ActStartInvestigation:  {[]CaseStatus{StatusRegistered}, StatusInvestigating},
	ActRecord:              {recordable, ""},
	ActNotify:              {[]CaseStatus{StatusInvestigating}, StatusNotified},
	ActRecordStatement:     {[]CaseStatus{StatusNotified}, ""},
	ActWaive:               {[]CaseStatus{StatusNotified}, ""},
	ActRequestHearing:      {[]CaseStatus{StatusNotified}, StatusHearing},
	ActConcludeHearing:     {[]CaseStatus{StatusHearing}, StatusNotified},
	ActSubmitReview:        {[]CaseStatus{StatusNotified}, StatusReview},
	ActApproveReview:       {[]CaseStatus{StatusReview}, StatusReviewed},
	ActRejectReview:        {[]CaseStatus{StatusReview}, StatusInvestigating},
	ActDecide:              {[]CaseStatus{StatusNotified, StatusReviewed}, StatusDecided},
	ActTransfer:            {[]CaseStatus{StatusClue, StatusRegistered, StatusInvestigating}, StatusTransferred},
	ActAcknowledgeTransfer: {[]CaseStatus{StatusTransferred}, ""},
	ActExtendDeadline:      {recordable, ""},
	ActServe:               {[]CaseStatus{StatusDecided}, StatusServed},
	ActExecute:             {[]CaseStatus{StatusServed}, StatusExecuted},
	ActClose:               {[]CaseStatus{StatusServed, StatusExecuted}, StatusClosed},
	ActArchive:             {[]CaseStatus{StatusClosed, StatusNotRegistered, StatusTransferred, StatusRevoked}, StatusArchived},
	ActRevokeDecision:      {[]CaseStatus{StatusDecided, StatusServed, StatusExecuted, StatusClosed}, StatusRevoked},
	ActIssueDocument:       {openStatuses, ""},
	ActAddEvidence:         {openStatuses, ""},
}

// openStatuses are those in which documents are issued and evidence taken.
var openStatuses = []CaseStatus{StatusClue, StatusRegistered, StatusInvestigating, StatusNotified, StatusHearing, StatusReview, StatusReviewed, StatusDecided, StatusServed, StatusExecuted}

// Actions lists the actions a client may request, sorted.
func Actions() []Action {
	out := make([]Action, 0, len(moves))
	for a := range moves {
		if a != ActIssueDocument && a != ActAddEvidence {
			out = append(out, a)
		}
	}
	slices.Sort(out)
	return out
}

// Next says where action leads from status; Conflict when it is not allowed there.
func Next(status CaseStatus, a Action) (CaseStatus, error) {
	m, ok := moves[a]
	if !ok {
		return "", &Error{Code: Invalid, Message: "unknown action", Fields: map[string]string{"action": "unknown action " + string(a)}}
	}
	if !slices.Contains(m.from, status) {
		return "", Errorf(Conflict, "%s is not possible in a case that is %s", a, status)
	}
	if m.to == "" {
		return status, nil
	}
	return m.to, nil
}

// Procedure is summary (简易程序) or general (普通程序).
type Procedure string

const (
	ProcedureGeneral Procedure = "general"
	ProcedureSummary Procedure = "summary"
)

// Party is who the case is against (当事人).
type Party struct {
	Kind     string // person or organisation
	Name     string
	IDNumber string
	USCC     string
	Phone    string
	Address  string
	// LegalRepresentative is an organisation's 法定代表人 (负责人).
	LegalRepresentative string
}

// Validate checks a party; Invalid with the fields, prefixed "party.".
func (p *Party) Validate(f FieldErrors) {
	switch p.Kind {
	case "person":
		if p.IDNumber != "" {
			if id, err := ParseIDNumber(p.IDNumber); err != nil {
				f.Add("party.id_number", err.(*Error).Message)
			} else {
				p.IDNumber = id
			}
		}
	case "organisation":
		if code, err := ParseUSCC(p.USCC); err != nil {
			f.Add("party.uscc", err.(*Error).Message)
		} else {
			p.USCC = code
		}
	default:
		f.Add("party.kind", "person or organisation")
	}
	if n := utf8.RuneCountInString(strings.TrimSpace(p.Name)); n == 0 || n > 200 {
		f.Add("party.name", "required, at most 200 characters")
	}
	if p.Phone != "" && !validTelephone(p.Phone) {
		f.Add("party.phone", "a telephone number: digits, with +, -, spaces or parentheses")
	}
}

// validTelephone accepts a mobile or a landline number (0531-12345678, +86 138 …).
func validTelephone(s string) bool {
	digits := 0
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case strings.ContainsRune("+- ()", r):
		default:
			return false
		}
	}
	return digits >= 3
}

// Decision is a penalty decision or a decision not to punish.
type Decision struct {
	Kind         string // penalty or no_penalty
	PenaltyKinds []PenaltyKind
	Fine         int64 // yuan
	Tier         Tier
	// OutOfRangeReason explains a fine outside the benchmark tier's range.
	OutOfRangeReason string
	Basis            string
	FirstOffence     bool
	// ConfiscatedValue is the value in yuan of what a confiscation takes.
	ConfiscatedValue int64
}

// Validate checks a decision's shape.
func (d *Decision) Validate(f FieldErrors, field string) {
	switch d.Kind {
	case "penalty":
		if len(d.PenaltyKinds) == 0 {
			f.Add(field+".penalty_kinds", "at least one")
		}
		for _, k := range d.PenaltyKinds {
			if !ValidPenaltyKind(k) {
				f.Add(field+".penalty_kinds", "unknown penalty kind "+string(k))
			}
		}
		if slices.Contains(d.PenaltyKinds, PenaltyFine) != (d.Fine > 0) {
			f.Add(field+".fine", "a fine is given exactly when the kinds include fine")
		}
	case "no_penalty":
		if len(d.PenaltyKinds) > 0 || d.Fine != 0 {
			f.Add(field+".penalty_kinds", "a decision not to punish has no penalty")
		}
	default:
		f.Add(field+".kind", "penalty or no_penalty")
	}
	if d.Fine < 0 {
		f.Add(field+".fine", "not negative")
	}
	if d.ConfiscatedValue < 0 || d.ConfiscatedValue > 0 && !slices.Contains(d.PenaltyKinds, PenaltyConfiscation) {
		f.Add(field+".confiscated_value", "the value of a confiscation, only with the kind confiscation")
	}
	if d.Tier != "" && TierName(d.Tier) == "" {
		f.Add(field+".tier", "no_penalty, lighter, normal or heavier")
	}
	if strings.TrimSpace(d.Basis) == "" {
		f.Add(field+".basis", "the legal basis is required")
	}
}

// Notice is the pre-decision notice (行政处罚事先告知).
type Notice struct {
	At       time.Time
	Facts    string
	Reasons  string
	Basis    string
	Proposed Decision
	// HearingEligible: the party may ask for a hearing (art. 63); HearingReason says why or
	// why not.
	HearingEligible bool
	HearingReason   string
	// StatementDays is the statement-and-defence period (陈述申辩期限) the notice states, in
	// days from the notice; 0 means DefaultStatementDays.
	StatementDays int
}

// The statement-and-defence period a notice states: DefaultStatementDays unless the notice
// says otherwise, within MinStatementDays–MaxStatementDays. The hearing is asked for within
// HearingRequestDays of the notice (art. 64).
const (
	DefaultStatementDays = 3
	MinStatementDays     = 1
	MaxStatementDays     = 15
	HearingRequestDays   = 5
)

// StatementEnds is when the notice's statement-and-defence period ends.
func (n *Notice) StatementEnds() time.Time {
	days := n.StatementDays
	if days == 0 {
		days = DefaultStatementDays
	}
	return n.At.AddDate(0, 0, days)
}

// HearingRequestEnds is when the party's time to ask for a hearing ends.
func (n *Notice) HearingRequestEnds() time.Time { return n.At.AddDate(0, 0, HearingRequestDays) }

// Discussion records a collective discussion (集体讨论): when, who took part, what was concluded.
type Discussion struct {
	HeldOn       time.Time
	Participants []string
	Conclusion   string
}

// Execution records payment of a fine (art. 72).
type Execution struct {
	PaidOn    time.Time
	Paid      int64
	Surcharge int64
}

// Case is an administrative penalty case with its whole-process record.
type Case struct {
	ID          string
	AgencyID    string
	Number      string
	MatterID    string
	Procedure   Procedure
	Status      CaseStatus
	Party       Party
	Facts       string
	ViolationOn time.Time
	OfficerIDs  []string // the officers named at registration
	// Investigators are everyone who took part in an investigating act of the case or took
	// its evidence (InvestigatingActions): none of them may review it (art. 58). At most the
	// agency's officers, each once.
	Investigators []string
	ReviewerID    string
	RegisteredAt  time.Time
	Deadline      time.Time
	Notice        *Notice
	Answered      bool
	// Waived: the party waived in writing the rest of the statement-and-defence period and the
	// hearing (ActWaive).
	Waived           bool
	HearingRequested bool
	HearingHeld      bool
	Proposed         *Decision
	ReviewApproved   bool
	Decision         *Decision
	DecidedAt        time.Time
	ServedAt         time.Time
	Execution        *Execution
	// Discussion is the collective discussion of the agency's heads that a major decision
	// takes (集体讨论, art. 57).
	Discussion *Discussion
	// TransferTo is the kind of body a transferred case went to; TransferBody names it and
	// TransferAckOn is the day it acknowledged receipt.
	TransferTo    string
	TransferBody  string
	TransferAckOn time.Time
	Reason        string
	Documents     map[DocumentKind]string // kind -> hash of the latest issued version
	// EventCount and HeadHash are the length and the newest hash of the case's record; the
	// events themselves are stored one by one, each with the state it led to.
	EventCount int
	HeadHash   string
	// Keys are the Idempotency-Keys of the case's recent actions, newest last, so that a retry
	// finds the outcome of the action it repeats in the case itself.
	Keys      []ActionKey
	CreatedBy string
	CreatedAt time.Time
	UpdatedAt time.Time
	Version   int64
}

// Clone is a copy of the case that shares nothing with it: a holder of cases hands out clones
// and keeps its own unchanged.
func (c *Case) Clone() *Case {
	out := c.CloneWithoutKeys()
	out.Keys = slices.Clone(c.Keys)
	return out
}

// CloneWithoutKeys is Clone without the case's recent Idempotency-Keys, which only an action
// on the case reads: what a list shows.
func (c *Case) CloneWithoutKeys() *Case {
	out := *c
	out.Keys = nil
	out.OfficerIDs = slices.Clone(c.OfficerIDs)
	out.Investigators = slices.Clone(c.Investigators)
	out.Proposed = c.Proposed.clone()
	out.Decision = c.Decision.clone()
	if n := c.Notice; n != nil {
		nc := *n
		nc.Proposed = *n.Proposed.clone()
		out.Notice = &nc
	}
	if e := c.Execution; e != nil {
		ec := *e
		out.Execution = &ec
	}
	if d := c.Discussion; d != nil {
		dc := *d
		dc.Participants = slices.Clone(d.Participants)
		out.Discussion = &dc
	}
	out.Documents = maps.Clone(c.Documents)
	return &out
}

func (d *Decision) clone() *Decision {
	if d == nil {
		return nil
	}
	out := *d
	out.PenaltyKinds = slices.Clone(d.PenaltyKinds)
	return &out
}

// Overdue reports whether the 90-day decision limit (art. 60) has passed undecided at now.
func (c *Case) Overdue(now time.Time) bool {
	return slices.Contains(OpenStatuses, c.Status) && !c.Deadline.IsZero() && now.After(c.Deadline)
}

// ActionKey ties a client's Idempotency-Key (hashed with its user) and the hash of the request
// to the event the request appended.
type ActionKey struct {
	Key     string
	Request string
	Seq     int
	At      time.Time
}

// A case keeps the keys of its actions of the last KeyWindow, at most RecentKeys of them: a
// retry repeats one of those. The bound keeps the case document's size independent of its
// history.
const (
	RecentKeys = 200
	KeyWindow  = 24 * time.Hour
)

// Remember records k, the key of the newest event, and forgets keys past the window or the
// count.
func (c *Case) Remember(k ActionKey) { c.Keys = rememberKey(c.Keys, k) }

// FindKey finds, among the keys of an object's recent writes, the one made with key.
func FindKey(keys []ActionKey, key string) (ActionKey, bool) {
	for _, k := range keys {
		if k.Key == key {
			return k, true
		}
	}
	return ActionKey{}, false
}

func rememberKey(keys []ActionKey, k ActionKey) []ActionKey {
	if k.Key == "" {
		return keys
	}
	keep := keys[:0:0]
	for _, old := range keys {
		if old.At.After(k.At.Add(-KeyWindow)) {
			keep = append(keep, old)
		}
	}
	keep = append(keep, k)
	return keep[max(0, len(keep)-RecentKeys):]
}

// DecisionDays is the time from registration to decision that art. 60 allows.
const DecisionDays = 90

// Summary-procedure fine ceilings (art. 51), yuan.
const (
	SummaryMaxFinePerson       = 200
	SummaryMaxFineOrganisation = 3000
)

// HearingThresholds are the "large amounts" of art. 63 in yuan, which each province sets: a
// fine, or a confiscation's value, at or above them gives the party the right to a hearing.
type HearingThresholds struct {
	FinePerson, FineOrganisation                 int64
	ConfiscationPerson, ConfiscationOrganisation int64
}

// DefaultHearingThresholds are common provincial figures (个人一万元、单位十万元).
var DefaultHearingThresholds = HearingThresholds{FinePerson: 10000, FineOrganisation: 100000, ConfiscationPerson: 10000, ConfiscationOrganisation: 100000}

// severePenalties give a right to a hearing whatever their amount (art. 63 (三)(四)(五)).
var severePenalties = map[PenaltyKind]string{
	PenaltySuspension:    "暂扣许可证件、降低资质等级",
	PenaltyLicenceRevoke: "吊销许可证件",
	PenaltyRestriction:   "责令停产停业、限制从业",
	PenaltyClosure:       "责令关闭",
}

// Hearing says whether a proposed decision lets the party ask for a hearing, and why.
func (th HearingThresholds) Hearing(p Party, d *Decision) (bool, string) {
	fine, conf, who := th.FinePerson, th.ConfiscationPerson, "个人"
	if p.Kind == "organisation" {
		fine, conf, who = th.FineOrganisation, th.ConfiscationOrganisation, "单位"
	}
	for _, k := range d.PenaltyKinds {
		if name, ok := severePenalties[k]; ok {
			return true, "拟作出" + name + "的决定，当事人有权要求听证（《行政处罚法》第六十三条）"
		}
	}
	if d.Fine >= fine {
		return true, fmt.Sprintf("拟对%s罚款%d元，达到较大数额（%d元）标准，当事人有权要求听证（第六十三条）", who, d.Fine, fine)
	}
	if slices.Contains(d.PenaltyKinds, PenaltyConfiscation) && d.ConfiscatedValue >= conf {
		return true, fmt.Sprintf("拟没收价值%d元，达到较大数额（%d元）标准，当事人有权要求听证（第六十三条）", d.ConfiscatedValue, conf)
	}
	return false, fmt.Sprintf("拟作出的处罚未达到听证标准（对%s罚款、没收%d元以上，或暂扣、吊销许可证件、责令停产停业、责令关闭、限制从业）", who, fine)
}

// Surcharge is the late-payment surcharge (加处罚款) for a fine paid on paidOn when it was
// served on servedOn: 3 % of the fine per day after the 15-day period, never above the fine.
func Surcharge(fine int64, servedOn, paidOn time.Time) int64 {
	due := servedOn.UTC().Truncate(24*time.Hour).AddDate(0, 0, 15)
	days := int64(paidOn.UTC().Truncate(24*time.Hour).Sub(due) / (24 * time.Hour))
	if days <= 0 {
		return 0
	}
	return min(fine, fine*3*days/100)
}
