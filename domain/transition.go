package domain

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
)

// Standing is what the guards know about one person acting in a case.
type Standing struct {
	User        *User
	Certificate *Certificate
	Agency      *Agency
}

// Transition is one requested action with what it carries.
type Transition struct {
	Action      Action
	ActorID     string
	OfficerIDs  []string
	At          time.Time
	Lat, Lng    *float64
	DeviceID    string
	EvidenceIDs []string
	// EvidenceHashes are the declared SHA-256 of EvidenceIDs, which the caller looked up.
	EvidenceHashes []string
	// PayloadDigest is the digest of the request payload, recorded in the event.
	PayloadDigest string

	Reason     string
	Facts      string
	Decision   *Decision
	Notice     *Notice
	ReviewerID string
	TransferTo string
	// TransferBody names the body a case is transferred to; AcknowledgedOn is the day it
	// acknowledged receipt.
	TransferBody   string
	AcknowledgedOn time.Time
	// Discussion is the collective discussion a major decision records.
	Discussion  *Discussion
	NewDeadline time.Time
	PaidOn      time.Time
	Paid        int64
	// Document is the document an issue_document event records.
	Document *Document
}

// Guards is everything outside the case that the law's checks need, loaded by the caller.
type Guards struct {
	Now         time.Time
	Actor       Standing
	Officers    []Standing
	Reviewer    *Standing
	Matter      *Matter
	Benchmark   *Benchmark
	ReviewRules []ReviewRule
	// Hearing are the province's thresholds for a right to a hearing; zero means the defaults.
	Hearing HearingThresholds
}

// officerActions need certified officers, two unless the matter allows one (art. 42).
var officerActions = []Action{ActRegister, ActSummaryDecide, ActStartInvestigation, ActRecord, ActNotify, ActServe, ActAddEvidence}

// InvestigatingActions are the acts of investigation and evidence taking: whoever is named in
// one (or takes it) is an investigator of the case.
var InvestigatingActions = []Action{ActRegister, ActStartInvestigation, ActRecord, ActNotify, ActAddEvidence}

// decisionActions carry a decision that the benchmark and the legal-review catalog judge.
var decisionActions = []Action{ActSummaryDecide, ActNotify, ActSubmitReview, ActDecide}

// GuardNeeds says which catalog entries an action's rules read: the matter (officer count,
// limitation period) and the benchmark with the legal-review catalog (decisions). Callers load
// only those.
func GuardNeeds(a Action) (matter, catalog bool) {
	return slices.Contains(officerActions, a), slices.Contains(decisionActions, a)
}

// Limits of the procedure's dates.
const (
	// MaxExtensionDays is the most one extension adds to the decision deadline; the deadline
	// never goes beyond MaxDecisionDays after registration.
	MaxExtensionDays = 30
	MaxDecisionDays  = 365
)

// Apply checks every rule for the transition, changes the case and appends the sealed event.
// It returns Invalid, Forbidden or Conflict with the reason and leaves the case unchanged.
func (c *Case) Apply(t Transition, g Guards) (Event, error) {
	to, err := Next(c.Status, t.Action)
	if err != nil {
		return Event{}, err
	}
	if err := t.checkIDs(); err != nil {
		return Event{}, err
	}
	next := *c
	if err := next.check(&t, &g, to); err != nil {
		return Event{}, err
	}
	from := next.Status
	next.Status = to
	ev := next.appendEvent(Event{
		Action: t.Action, From: from, To: to, ActorID: t.ActorID, OfficerIDs: t.OfficerIDs, At: g.Now,
		Lat: t.Lat, Lng: t.Lng, DeviceID: t.DeviceID, PayloadDigest: t.PayloadDigest, EvidenceIDs: t.EvidenceIDs,
		EvidenceHashes: t.EvidenceHashes, DocumentHash: docHash(t.Document), DocumentID: docID(t.Document),
	})
	*c = next
	return ev, nil
}

// checkIDs: the ids a transition names are given once each, none empty.
func (t *Transition) checkIDs() error {
	f := FieldErrors{}
	for field, ids := range map[string][]string{"officer_ids": t.OfficerIDs, "evidence_ids": t.EvidenceIDs} {
		seen := map[string]bool{}
		for _, id := range ids {
			if strings.TrimSpace(id) == "" || seen[id] {
				f.Add(field, "each id once, none empty")
			}
			seen[id] = true
		}
	}
	if len(t.EvidenceHashes) != len(t.EvidenceIDs) {
		f.Add("evidence_ids", "each evidence's declared SHA-256 must be looked up (CheckEvidenceRefs)")
	}
	return f.Err()
}

func docID(d *Document) string {
	if d == nil {
		return ""
	}
	return d.ID
}

func docHash(d *Document) string {
	if d == nil {
		return ""
	}
	return d.Hash
}

// Check answers whether Apply would accept the transition now, with the same rules, leaving the
// case unchanged: what a person's desk offers and refuses is what the write path does.
func (c *Case) Check(t Transition, g Guards) error {
	probe := *c
	probe.Documents = maps.Clone(c.Documents)
	probe.Investigators = slices.Clip(c.Investigators)
	if t.Notice != nil {
		n := *t.Notice
		t.Notice = &n
	}
	_, err := probe.Apply(t, g)
	return err
}

func (c *Case) check(t *Transition, g *Guards, to CaseStatus) error {
	if err := CheckActor(t.Action, g.Actor, c.AgencyID, g.Now); err != nil {
		return err
	}
	if g.Hearing == (HearingThresholds{}) {
		g.Hearing = DefaultHearingThresholds
	}
	if slices.Contains(officerActions, t.Action) {
		if err := c.checkOfficers(t, g); err != nil {
			return err
		}
	}
	if slices.Contains(InvestigatingActions, t.Action) {
		if err := c.addInvestigators(t); err != nil {
			return err
		}
	}
	f := FieldErrors{}
	switch t.Action {
	case ActRegister:
		if limit := c.limitation(g.Matter); !c.ViolationOn.IsZero() && g.Now.After(c.ViolationOn.AddDate(limit, 0, 0)) {
			return Errorf(Forbidden, "the violation is older than %d years and is no longer pursued (art. 36)", limit)
		}
		c.RegisteredAt = g.Now
		c.Deadline = g.Now.AddDate(0, 0, DecisionDays)
		c.OfficerIDs = slices.Clone(t.OfficerIDs)
		c.Procedure = ProcedureGeneral
	case ActDecline, ActTransfer, ActRevokeDecision:
		if strings.TrimSpace(t.Reason) == "" {
			f.Add("reason", "required")
		}
		if t.Action == ActTransfer {
			if !slices.Contains([]string{"police", "other_agency", "discipline"}, t.TransferTo) {
				f.Add("transfer_to", "police, other_agency or discipline")
			}
			if strings.TrimSpace(t.TransferBody) == "" {
				f.Add("transfer_body", "the name of the body that receives the case")
			}
			c.TransferTo, c.TransferBody = t.TransferTo, strings.TrimSpace(t.TransferBody)
		}
		c.Reason = t.Reason
	case ActAcknowledgeTransfer:
		switch {
		case t.AcknowledgedOn.IsZero():
			f.Add("acknowledged_on", "the day the receiving body acknowledged receipt")
		case t.AcknowledgedOn.After(ChinaDate(g.Now)):
			f.Add("acknowledged_on", "cannot be in the future")
		case !c.TransferAckOn.IsZero():
			return Errorf(Conflict, "the receipt of the transfer is already recorded")
		}
		c.TransferAckOn = t.AcknowledgedOn
	case ActSummaryDecide:
		if err := c.checkSummary(t, f); err != nil {
			return err
		}
		if t.Decision != nil {
			checkBenchmark(t.Decision, g.Benchmark, f, "decision")
		}
		c.Procedure, c.Decision, c.DecidedAt, c.OfficerIDs = ProcedureSummary, t.Decision, g.Now, slices.Clone(t.OfficerIDs)
	case ActNotify:
		n := t.Notice
		if n == nil {
			f.Add("notice", "required: facts, reasons, basis and the proposed decision")
			break
		}
		if strings.TrimSpace(n.Facts) == "" {
			f.Add("notice.facts", "required")
		}
		if strings.TrimSpace(n.Reasons) == "" {
			f.Add("notice.reasons", "required")
		}
		if strings.TrimSpace(n.Basis) == "" {
			f.Add("notice.basis", "required")
		}
		n.Proposed.Validate(f, "notice.proposed")
		if len(f) == 0 {
			checkBenchmark(&n.Proposed, g.Benchmark, f, "notice.proposed")
		}
		if n.StatementDays != 0 && (n.StatementDays < MinStatementDays || n.StatementDays > MaxStatementDays) {
			f.Add("notice.statement_days", fmt.Sprintf("%d to %d days; %d when not given", MinStatementDays, MaxStatementDays, DefaultStatementDays))
		}
		if n.StatementDays == 0 {
			n.StatementDays = DefaultStatementDays
		}
		n.At = g.Now
		n.HearingEligible, n.HearingReason = g.Hearing.Hearing(c.Party, &n.Proposed)
		c.Notice, c.Answered, c.Waived, c.HearingRequested, c.HearingHeld = n, false, false, false, false
	case ActRecordStatement:
		c.Answered = true
	case ActWaive:
		c.Answered, c.Waived = true, true
	case ActRequestHearing:
		if c.Notice == nil || !c.Notice.HearingEligible {
			return Errorf(Forbidden, "the proposed decision does not carry a right to a hearing")
		}
		if c.Waived {
			return Errorf(Forbidden, "the party waived the hearing in writing")
		}
		if g.Now.After(c.Notice.HearingRequestEnds()) {
			return Errorf(Forbidden, "a hearing must be requested within 5 days of the notice (art. 64)")
		}
		c.HearingRequested = true
	case ActConcludeHearing:
		c.HearingHeld, c.Answered = true, true
	case ActSubmitReview:
		if err := c.checkAnswered(g.Now); err != nil {
			return err
		}
		if t.Decision == nil {
			f.Add("decision", "the proposed decision to review is required")
			break
		}
		t.Decision.Validate(f, "decision")
		if len(f) == 0 {
			checkBenchmark(t.Decision, g.Benchmark, f, "decision")
		}
		if err := c.checkReviewer(t, g); err != nil {
			return err
		}
		c.ReviewerID, c.Proposed, c.ReviewApproved = t.ReviewerID, t.Decision, false
	case ActApproveReview, ActRejectReview:
		if c.Investigated(t.ActorID) {
			return Errorf(Forbidden, "a reviewer who investigated the case may not review it (art. 58)")
		}
		if t.ActorID != c.ReviewerID {
			return Errorf(Forbidden, "only the assigned reviewer decides the review")
		}
		c.ReviewApproved = t.Action == ActApproveReview
		// Approving or sending back, the reviewer writes the opinion (审核意见).
		if strings.TrimSpace(t.Reason) == "" {
			f.Add("reason", "the review opinion is required")
		}
	case ActDecide:
		if err := c.checkDecision(t, g, f); err != nil {
			return err
		}
		c.Decision, c.DecidedAt, c.Discussion = t.Decision, g.Now, t.Discussion
	case ActExtendDeadline:
		if strings.TrimSpace(t.Reason) == "" {
			f.Add("reason", "required")
		}
		switch {
		case !t.NewDeadline.After(c.Deadline):
			f.Add("new_deadline", "later than the current deadline")
		case t.NewDeadline.After(c.Deadline.AddDate(0, 0, MaxExtensionDays)):
			f.Add("new_deadline", fmt.Sprintf("at most %d days after the current deadline", MaxExtensionDays))
		case t.NewDeadline.After(c.RegisteredAt.AddDate(0, 0, MaxDecisionDays)):
			f.Add("new_deadline", fmt.Sprintf("at most %d days after registration", MaxDecisionDays))
		}
		c.Deadline = t.NewDeadline
	case ActServe:
		if c.Decision != nil && c.Decision.Kind == "penalty" {
			for _, k := range []DocumentKind{DocPenaltyDecision, DocCreditRepairNotice} {
				if c.Documents[k] == "" {
					return Errorf(Conflict, "a penalty decision is served together with the credit-repair notice (两书同达): issue the %s first", DocumentTitles[k])
				}
			}
		}
		if g.Now.After(c.DecidedAt.AddDate(0, 0, 7)) && strings.TrimSpace(t.Reason) == "" {
			f.Add("reason", "service more than 7 days after the decision (art. 61) needs a reason")
		}
		c.ServedAt = g.Now
	case ActExecute:
		if c.Decision == nil || c.Decision.Fine == 0 {
			return Errorf(Conflict, "the decision has no fine to execute")
		}
		if t.PaidOn.IsZero() {
			f.Add("paid_on", "required")
			break
		}
		if t.PaidOn.After(ChinaDate(g.Now)) {
			f.Add("paid_on", "cannot be in the future")
			break
		}
		if t.PaidOn.Before(ChinaDate(c.ServedAt)) {
			f.Add("paid_on", "not before the decision was served ("+c.ServedAt.In(chinaTime).Format(time.DateOnly)+")")
			break
		}
		s := Surcharge(c.Decision.Fine, c.ServedAt, t.PaidOn)
		if t.Paid != c.Decision.Fine+s {
			f.Add("paid", fmt.Sprintf("exactly what is due: the fine of %d yuan and a late surcharge of %d yuan, %d yuan", c.Decision.Fine, s, c.Decision.Fine+s))
		}
		c.Execution = &Execution{PaidOn: t.PaidOn, Paid: t.Paid, Surcharge: s}
	case ActClose:
		if c.Status == StatusServed && c.Decision != nil && c.Decision.Fine > 0 {
			return Errorf(Conflict, "a fine must be executed before the case closes")
		}
	case ActArchive:
		if c.Status == StatusTransferred && c.TransferAckOn.IsZero() {
			return Errorf(Conflict, "a transferred case is archived once the receiving body has acknowledged receipt")
		}
	case ActIssueDocument:
		if t.Document == nil {
			return Errorf(Invalid, "no document")
		}
		if c.Documents == nil {
			c.Documents = map[DocumentKind]string{}
		}
		c.Documents[t.Document.Kind] = t.Document.Hash
	}
	return f.Err()
}

func (c *Case) limitation(m *Matter) int {
	if m != nil && m.LimitationYears > 0 {
		return m.LimitationYears
	}
	return 2
}

// checkOfficers: the actor is one of the acting officers, all certified now and of this agency,
// and there are two unless the matter allows one.
func (c *Case) checkOfficers(t *Transition, g *Guards) error {
	if !slices.Contains(t.OfficerIDs, t.ActorID) {
		return &Error{Code: Invalid, Message: "the caller must be one of the acting officers", Fields: map[string]string{"officer_ids": "include yourself"}}
	}
	need := 2
	if g.Matter != nil && g.Matter.SingleOfficer {
		need = 1
	}
	if len(g.Officers) < need {
		return Errorf(Forbidden, "at least %d certified officers must act (art. 42)", need)
	}
	for _, s := range g.Officers {
		if s.User == nil || s.User.AgencyID != c.AgencyID {
			return Errorf(Forbidden, "an acting officer is not of the case's agency")
		}
		if err := MayAct(s.User, s.Certificate, s.Agency, g.Now); err != nil {
			return Errorf(Forbidden, "%s may not act: %s", s.User.Name, err.(*Error).Message)
		}
	}
	return nil
}

func (c *Case) checkSummary(t *Transition, f FieldErrors) error {
	d := t.Decision
	if d == nil {
		f.Add("decision", "required")
		return nil
	}
	d.Validate(f, "decision")
	if strings.TrimSpace(t.Facts) == "" {
		f.Add("facts", "the facts are required")
	}
	limit := int64(SummaryMaxFinePerson)
	if c.Party.Kind == "organisation" {
		limit = SummaryMaxFineOrganisation
	}
	if d.Kind != "penalty" || d.Fine > limit {
		return Errorf(Forbidden, "the summary procedure is for a warning or a fine up to %d yuan (art. 51)", limit)
	}
	for _, k := range d.PenaltyKinds {
		if k != PenaltyWarning && k != PenaltyFine {
			return Errorf(Forbidden, "the summary procedure is for a warning or a fine (art. 51)")
		}
	}
	c.Facts = t.Facts
	return nil
}

// checkAnswered: no decision without the notice and the party's chance to answer (art. 62).
func (c *Case) checkAnswered(now time.Time) error {
	if c.Notice == nil {
		return Errorf(Conflict, "no decision before the pre-decision notice (art. 62)")
	}
	if c.HearingRequested && !c.HearingHeld {
		return Errorf(Conflict, "the requested hearing has not been held (art. 63)")
	}
	if c.Waived || c.HearingHeld {
		return nil
	}
	if c.Notice.HearingEligible && !now.After(c.Notice.HearingRequestEnds()) {
		return Errorf(Conflict, "the party may ask for a hearing until %s and has not waived it in writing (arts. 63–64)", chinaTimeText(c.Notice.HearingRequestEnds()))
	}
	if !now.After(c.Notice.StatementEnds()) {
		return Errorf(Conflict, "the statement-and-defence period of the notice runs until %s and the party has not waived it (arts. 44–45, 62)", chinaTimeText(c.Notice.StatementEnds()))
	}
	return nil
}

func (c *Case) checkReviewer(t *Transition, g *Guards) error {
	r := g.Reviewer
	if t.ReviewerID == "" || r == nil || r.User == nil {
		return &Error{Code: Invalid, Message: "a reviewer is required", Fields: map[string]string{"reviewer_id": "required"}}
	}
	if r.User.AgencyID != c.AgencyID || !r.User.Has(RoleReviewer) || r.User.Status != UserActive {
		return Errorf(Forbidden, "the reviewer must be an active reviewer of the case's agency")
	}
	if c.Investigated(r.User.ID) {
		return Errorf(Forbidden, "a reviewer who investigated the case may not review it (art. 58)")
	}
	return nil
}

// Investigated reports whether the user took part in an investigating act of the case or took
// its evidence. Cases stored before Investigators was kept name their investigators in
// OfficerIDs.
func (c *Case) Investigated(userID string) bool {
	return slices.Contains(c.Investigators, userID) || slices.Contains(c.OfficerIDs, userID)
}

// addInvestigators records the officers of an investigating act; the assigned reviewer may take
// no part in one (art. 58).
func (c *Case) addInvestigators(t *Transition) error {
	for _, id := range append([]string{t.ActorID}, t.OfficerIDs...) {
		if id == "" || slices.Contains(c.Investigators, id) {
			continue
		}
		if c.ReviewerID != "" && id == c.ReviewerID && slices.Contains([]CaseStatus{StatusReview, StatusReviewed}, c.Status) {
			return Errorf(Forbidden, "the reviewer of the case may take no part in its investigation (art. 58)")
		}
		c.Investigators = append(slices.Clip(c.Investigators), id)
	}
	return nil
}

// ReviewRequired reports the first catalog rule that makes legal review mandatory, or nil.
func ReviewRequired(matterID string, d *Decision, rules []ReviewRule) *ReviewRule {
	for i := range rules {
		if rules[i].Matches(matterID, d) {
			return &rules[i]
		}
	}
	return nil
}

func (c *Case) checkDecision(t *Transition, g *Guards, f FieldErrors) error {
	if err := c.checkAnswered(g.Now); err != nil {
		return err
	}
	if c.ReviewerID != "" && t.ActorID == c.ReviewerID {
		return Errorf(Forbidden, "the reviewer of the case may not decide it: review and decision are made by different people (art. 58)")
	}
	if !c.Deadline.IsZero() && g.Now.After(c.Deadline) {
		return Errorf(Forbidden, "the 90-day decision period (art. 60) has passed; the agency head must extend it first")
	}
	d := t.Decision
	if d == nil {
		f.Add("decision", "required")
		return nil
	}
	d.Validate(f, "decision")
	if len(f) > 0 {
		return nil
	}
	if heavierThan(d, &c.Notice.Proposed) {
		return Errorf(Conflict, "the decision is heavier than the pre-decision notice; notify the party of it again first (arts. 44, 45, 62)")
	}
	if rule := ReviewRequired(c.MatterID, d, g.ReviewRules); rule != nil {
		if c.Status != StatusReviewed || !c.ReviewApproved {
			return Errorf(Forbidden, "legal review is required (%s) and has not approved this case (art. 58)", rule.Description)
		}
		if c.Proposed != nil && (c.Proposed.Fine != d.Fine || !slices.Equal(c.Proposed.PenaltyKinds, d.PenaltyKinds)) {
			return Errorf(Conflict, "the decision differs from what legal review approved; submit it for review again")
		}
		// A major decision (重大执法决定) is decided by the agency's heads together (art. 57).
		checkDiscussion(t.Discussion, g.Now, f)
	}
	checkBenchmark(d, g.Benchmark, f, "decision")
	return nil
}

// heavierThan reports whether d punishes more than notified: a larger fine or confiscation, or
// a kind of penalty the notice did not name.
func heavierThan(d, notified *Decision) bool {
	if d.Fine > notified.Fine || d.ConfiscatedValue > notified.ConfiscatedValue || tierRank[d.Tier] > tierRank[notified.Tier] {
		return true
	}
	for _, k := range d.PenaltyKinds {
		if !slices.Contains(notified.PenaltyKinds, k) {
			return true
		}
	}
	return false
}

// tierRank orders the tiers from the lightest.
var tierRank = map[Tier]int{TierNoPenalty: 0, TierLighter: 1, TierNormal: 2, TierHeavier: 3}

// MinDiscussants is the fewest heads a collective discussion takes.
const MinDiscussants = 3

func checkDiscussion(d *Discussion, now time.Time, f FieldErrors) {
	switch {
	case d == nil:
		f.Add("collective_discussion", "a major decision records the collective discussion of the agency's heads (集体讨论, art. 57)")
	case d.HeldOn.IsZero() || d.HeldOn.After(ChinaDate(now)):
		f.Add("collective_discussion.held_on", "the day it was held, not in the future")
	case len(d.Participants) < MinDiscussants:
		f.Add("collective_discussion.participants", fmt.Sprintf("at least %d participants", MinDiscussants))
	case strings.TrimSpace(d.Conclusion) == "":
		f.Add("collective_discussion.conclusion", "required")
	}
}

// checkBenchmark: a penalty names the tier of the matter's benchmark it applies and stays within
// its range, or gives the reason (行政裁量权基准).
func checkBenchmark(d *Decision, b *Benchmark, f FieldErrors, field string) {
	if b == nil || d.Kind != "penalty" {
		return
	}
	var tier *BenchmarkTier
	for i := range b.Tiers {
		if b.Tiers[i].Tier == d.Tier {
			tier = &b.Tiers[i]
		}
	}
	if tier == nil {
		f.Add(field+".tier", "name the benchmark tier the decision applies")
		return
	}
	// The range is of fines: a decision without one (a warning, a licence revoked) names only
	// its tier.
	if slices.Contains(d.PenaltyKinds, PenaltyFine) && (d.Fine < tier.MinFine || d.Fine > tier.MaxFine) && strings.TrimSpace(d.OutOfRangeReason) == "" {
		f.Add(field+".out_of_range_reason", fmt.Sprintf("the fine is outside the %s range %d–%d yuan: give the reason", TierName(tier.Tier), tier.MinFine, tier.MaxFine))
	}
}

// chinaTimeText is t as a person in China reads it, to the minute.
func chinaTimeText(t time.Time) string { return t.In(chinaTime).Format("2006-01-02 15:04") }
