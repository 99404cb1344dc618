package handlers

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/zhifa/zhifa/casefile"
	"github.com/zhifa/zhifa/domain"
)

type partyJSON struct {
	Kind     string `json:"kind"`
	Name     string `json:"name"`
	IDNumber string `json:"id_number,omitempty"`
	USCC     string `json:"uscc,omitempty"`
	Phone    string `json:"phone,omitempty" limit:"32"`
	Address  string `json:"address,omitempty" limit:"500"`
	// LegalRepresentative is an organisation's 法定代表人.
	LegalRepresentative string `json:"legal_representative,omitempty" limit:"64"`
}

type decisionJSON struct {
	Kind             string   `json:"kind"`
	PenaltyKinds     []string `json:"penalty_kinds" limit:"7,32"`
	Fine             int64    `json:"fine" limit:"1000000000"`
	Tier             string   `json:"tier,omitempty" limit:"32"`
	OutOfRangeReason string   `json:"out_of_range_reason,omitempty" limit:"2000"`
	Basis            string   `json:"basis" limit:"2000"`
	FirstOffence     bool     `json:"first_offence,omitempty"`
	ConfiscatedValue int64    `json:"confiscated_value,omitempty" limit:"10000000000"`
}

type noticeJSON struct {
	At              *time.Time   `json:"at,omitempty"`
	Facts           string       `json:"facts"`
	Reasons         string       `json:"reasons"`
	Basis           string       `json:"basis"`
	Proposed        decisionJSON `json:"proposed"`
	HearingEligible bool         `json:"hearing_eligible"`
	// HearingReason says why the party may, or may not, ask for a hearing (art. 63).
	HearingReason string `json:"hearing_reason,omitempty"`
	// StatementDays is the statement-and-defence period the notice states, in days.
	StatementDays int `json:"statement_days,omitempty"`
}

// noticeRequest is what an officer gives of a notice; the time and the right to a hearing are
// the server's to determine.
type noticeRequest struct {
	Facts    string       `json:"facts" limit:"5000"`
	Reasons  string       `json:"reasons" limit:"5000"`
	Basis    string       `json:"basis" limit:"2000"`
	Proposed decisionJSON `json:"proposed"`
	// StatementDays is the statement-and-defence period the notice gives; the default when 0.
	StatementDays int `json:"statement_days,omitempty" limit:"15"`
}

type discussionJSON struct {
	HeldOn       *Date    `json:"held_on"`
	Participants []string `json:"participants" limit:"30,64"`
	Conclusion   string   `json:"conclusion" limit:"5000"`
}

type executionJSON struct {
	PaidOn    *Date `json:"paid_on"`
	Paid      int64 `json:"paid"`
	Surcharge int64 `json:"surcharge"`
}

type caseJSON struct {
	ID               string            `json:"id"`
	AgencyID         string            `json:"agency_id"`
	Number           string            `json:"number"`
	MatterID         string            `json:"matter_id"`
	Procedure        string            `json:"procedure"`
	Status           string            `json:"status"`
	Party            partyJSON         `json:"party"`
	Facts            string            `json:"facts,omitempty"`
	ViolationOn      *Date             `json:"violation_on,omitempty"`
	OfficerIDs       []string          `json:"officer_ids"`
	ReviewerID       string            `json:"reviewer_id,omitempty"`
	RegisteredAt     *time.Time        `json:"registered_at,omitempty"`
	Deadline         *time.Time        `json:"deadline,omitempty"`
	Overdue          bool              `json:"overdue"`
	Notice           *noticeJSON       `json:"notice,omitempty"`
	Answered         bool              `json:"answered"`
	Waived           bool              `json:"waived"`
	HearingRequested bool              `json:"hearing_requested"`
	HearingHeld      bool              `json:"hearing_held"`
	Proposed         *decisionJSON     `json:"proposed,omitempty"`
	ReviewApproved   bool              `json:"review_approved"`
	Decision         *decisionJSON     `json:"decision,omitempty"`
	DecidedAt        *time.Time        `json:"decided_at,omitempty"`
	ServedAt         *time.Time        `json:"served_at,omitempty"`
	Execution        *executionJSON    `json:"execution,omitempty"`
	TransferTo       string            `json:"transfer_to,omitempty"`
	TransferBody     string            `json:"transfer_body,omitempty"`
	TransferAckOn    *Date             `json:"transfer_acknowledged_on,omitempty"`
	Discussion       *discussionJSON   `json:"collective_discussion,omitempty"`
	Reason           string            `json:"reason,omitempty"`
	Documents        map[string]string `json:"documents"`
	EventCount       int               `json:"event_count"`
	LastHash         string            `json:"last_hash,omitempty"`
	CreatedAt        time.Time         `json:"created_at"`
	UpdatedAt        time.Time         `json:"updated_at"`
	Version          int64             `json:"version"`
}

// eventJSON is an event of a case as the API shows it: the case file's event, with its case.
type eventJSON struct {
	CaseID string `json:"case_id"`
	casefile.Event
}

func timeRef(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

func toDecisionJSON(d *domain.Decision) *decisionJSON {
	if d == nil {
		return nil
	}
	return &decisionJSON{Kind: d.Kind, PenaltyKinds: kindStrings(d.PenaltyKinds), Fine: d.Fine, Tier: string(d.Tier),
		OutOfRangeReason: d.OutOfRangeReason, Basis: d.Basis, FirstOffence: d.FirstOffence, ConfiscatedValue: d.ConfiscatedValue}
}

func (d *decisionJSON) toDomain() *domain.Decision {
	if d == nil {
		return nil
	}
	return &domain.Decision{Kind: d.Kind, PenaltyKinds: kindsOf(d.PenaltyKinds), Fine: d.Fine, Tier: domain.Tier(d.Tier),
		OutOfRangeReason: d.OutOfRangeReason, Basis: d.Basis, FirstOffence: d.FirstOffence, ConfiscatedValue: d.ConfiscatedValue}
}

func toCaseJSON(c *domain.Case, now time.Time) caseJSON {
	out := caseJSON{
		ID: c.ID, AgencyID: c.AgencyID, Number: c.Number, MatterID: c.MatterID, Procedure: string(c.Procedure), Status: string(c.Status),
		Party: partyJSON{Kind: c.Party.Kind, Name: c.Party.Name, IDNumber: c.Party.IDNumber, USCC: c.Party.USCC, Phone: c.Party.Phone, Address: c.Party.Address,
			LegalRepresentative: c.Party.LegalRepresentative},
		Facts: c.Facts, ViolationOn: dateOf(c.ViolationOn), OfficerIDs: nonNilStrings(c.OfficerIDs), ReviewerID: c.ReviewerID,
		RegisteredAt: timeRef(c.RegisteredAt), Deadline: timeRef(c.Deadline), Overdue: c.Overdue(now), Answered: c.Answered, Waived: c.Waived,
		HearingRequested: c.HearingRequested, HearingHeld: c.HearingHeld, Proposed: toDecisionJSON(c.Proposed),
		ReviewApproved: c.ReviewApproved, Decision: toDecisionJSON(c.Decision), DecidedAt: timeRef(c.DecidedAt),
		ServedAt: timeRef(c.ServedAt), TransferTo: c.TransferTo, TransferBody: c.TransferBody, TransferAckOn: dateOf(c.TransferAckOn),
		Reason: c.Reason, Documents: map[string]string{},
		EventCount: c.EventCount, LastHash: c.HeadHash, CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt, Version: c.Version,
	}
	if n := c.Notice; n != nil {
		out.Notice = &noticeJSON{At: timeRef(n.At), Facts: n.Facts, Reasons: n.Reasons, Basis: n.Basis, Proposed: *toDecisionJSON(&n.Proposed),
			HearingEligible: n.HearingEligible, HearingReason: n.HearingReason, StatementDays: n.StatementDays}
	}
	if d := c.Discussion; d != nil {
		out.Discussion = &discussionJSON{HeldOn: dateOf(d.HeldOn), Participants: d.Participants, Conclusion: d.Conclusion}
	}
	if e := c.Execution; e != nil {
		out.Execution = &executionJSON{PaidOn: dateOf(e.PaidOn), Paid: e.Paid, Surcharge: e.Surcharge}
	}
	for k, v := range c.Documents {
		out.Documents[string(k)] = v
	}
	return out
}

func toEventJSON(caseID string, e domain.Event) eventJSON {
	return eventJSON{CaseID: caseID, Event: casefile.EventOf(e)}
}

type caseCreateRequest struct {
	// ID lets an offline phone name the case itself (a UUID), so later queued actions can
	// refer to it before the server has answered.
	ID          string    `json:"id"`
	MatterID    string    `json:"matter_id"`
	Party       partyJSON `json:"party"`
	Facts       string    `json:"facts" limit:"5000"`
	ViolationOn *Date     `json:"violation_on"`
	Lat         *float64  `json:"lat" limit:"90"`
	Lng         *float64  `json:"lng" limit:"180"`
	DeviceID    string    `json:"device_id"`
}

type caseResponse struct {
	Case  caseJSON   `json:"case"`
	Event *eventJSON `json:"event,omitempty"`
}

func validClientID(id string) bool {
	if len(id) != 36 {
		return false
	}
	for i, r := range id {
		switch i {
		case 8, 13, 18, 23:
			if r != '-' {
				return false
			}
		default:
			if !(r >= '0' && r <= '9' || r >= 'a' && r <= 'f') {
				return false
			}
		}
	}
	return true
}

// CreateCase opens a case as a clue (线索); the creation is the first event of its record.
func (h *Handlers) CreateCase(c *fiber.Ctx) error {
	p := principal(c)
	if p.AgencyID == "" || !p.HasAny(domain.RoleOfficer, domain.RoleAgencyAdmin) {
		return forbidden("cases are opened by officers of an agency")
	}
	var req caseCreateRequest
	if err := Decode(c, &req); err != nil {
		return err
	}
	f := domain.FieldErrors{}
	if req.ID != "" && !validClientID(req.ID) {
		f.Add("id", "a lower-case UUID, or leave it out")
	}
	cs := &domain.Case{
		ID: req.ID, AgencyID: p.AgencyID, MatterID: req.MatterID, Status: domain.StatusClue, Procedure: domain.ProcedureGeneral,
		Party: domain.Party{Kind: req.Party.Kind, Name: strings.TrimSpace(req.Party.Name), IDNumber: req.Party.IDNumber, USCC: req.Party.USCC, Phone: req.Party.Phone,
			Address: req.Party.Address, LegalRepresentative: strings.TrimSpace(req.Party.LegalRepresentative)},
		Facts: req.Facts, ViolationOn: req.ViolationOn.value(), CreatedBy: p.UserID,
	}
	cs.Party.Validate(f)
	if cs.ViolationOn.After(domain.ChinaDate(h.Now())) {
		f.Add("violation_on", "cannot be in the future")
	}
	if err := f.Err(); err != nil {
		return err
	}
	k, err := keyOf(c)
	if err != nil {
		return err
	}
	if cs.ID == "" {
		cs.ID = k.derivedID()
	}
	answer := func(cs *domain.Case, _ domain.Event) error {
		return created(c, "/v1/cases/"+cs.ID, cs.Version, toCaseJSON(cs, h.Now()))
	}
	ctx, cancel := h.ctx(c)
	defer cancel()
	// Nothing is allocated or logged for an id that is taken: a retry finds its own case, anyone
	// else a conflict that names nothing of the case. Requests creating one id take turns, so
	// that a retry racing its first attempt finds the case instead of taking a number for
	// nothing.
	unlock := h.lockID(cs.ID)
	defer unlock()
	actor, err := h.callerStanding(c, ctx)
	if err != nil {
		return err
	}
	if err := domain.CheckActor(domain.ActCreate, actor, p.AgencyID, h.Now()); err != nil {
		return err
	}
	existing, err := h.Repo.CaseByID(ctx, cs.ID)
	switch domain.ErrorCode(err) {
	case "":
		if existing.AgencyID == p.AgencyID {
			if done, err := h.replayed(c, ctx, existing, k, answer); done {
				return err
			}
		}
		return domain.Errorf(domain.Conflict, "a case with this id already exists")
	case domain.NotFound:
	default:
		return err
	}
	m, err := h.Repo.MatterByID(ctx, req.MatterID)
	if err != nil || m.AgencyID != p.AgencyID {
		if err == nil || domain.ErrorCode(err) == domain.NotFound {
			return &domain.Error{Code: domain.Invalid, Message: "unknown matter", Fields: map[string]string{"matter_id": "no such matter in your agency"}}
		}
		return err
	}
	year := h.Now().Year()
	n, err := h.Repo.NextCaseNumber(ctx, p.AgencyID, year)
	if err != nil {
		return err
	}
	cs.Number = formatCaseNumber(year, n)
	ev := cs.Seed(domain.Event{Action: domain.ActCreate, To: domain.StatusClue, ActorID: p.UserID, At: h.Now(),
		Lat: req.Lat, Lng: req.Lng, DeviceID: req.DeviceID, PayloadDigest: domain.Digest(req)})
	return h.commitCase(c, ctx, cs, ev, domain.Attached{}, k, answer)
}

func etag(version int64) string { return `"` + itoa64(version) + `"` }

func formatCaseNumber(year int, n int64) string {
	s := strings.Repeat("0", 6) + itoa64(n)
	return itoa64(int64(year)) + "-" + s[len(s)-6:]
}

// scopedCase loads the case named in the path; another agency's case answers NotFound.
func (h *Handlers) scopedCase(c *fiber.Ctx, ctx context.Context) (*domain.Case, error) {
	return scoped(c, ctx, h.Repo.CaseByID, func(cs *domain.Case) string { return cs.AgencyID }, "case")
}

// GetCase reads a case: the agency's people, and the supervisors over it (logged).
func (h *Handlers) GetCase(c *fiber.Ctx) error {
	ctx, cancel := h.ctx(c)
	defer cancel()
	cs, body, err := h.readableCase(c, ctx)
	if err != nil {
		return err
	}
	if err := h.noteRead(c, ctx, body, cs.AgencyID, cs.ID, "case", cs.ID); err != nil {
		return err
	}
	c.Set(fiber.HeaderETag, etag(cs.Version))
	return c.JSON(toCaseJSON(cs, h.Now()))
}

// ListCases lists the agency's cases: ?status= ?officer_id= ?overdue=true ?created_from=
// ?created_to= (dates), a sysadmin also ?agency_id=, a supervisor ?agency_id= of an agency its
// body covers (required); and searches them (caseSearchOf).
func (h *Handlers) ListCases(c *fiber.Ctx) error {
	pg, err := pageOf(c)
	if err != nil {
		return err
	}
	f := domain.CaseFilter{Status: domain.CaseStatus(c.Query("status")), OfficerID: c.Query("officer_id")}
	if err := caseSearchOf(c, &f); err != nil {
		return err
	}
	if f.AgencyID, err = h.listedAgency(c, casesAgency); err != nil {
		return err
	}
	fe := domain.FieldErrors{}
	if f.Status != "" && !slices.Contains(domain.CaseStatuses, f.Status) {
		fe.Add("status", "unknown status")
	}
	switch c.Query("overdue") {
	case "":
	case "true":
		f.OverdueAt = h.Now()
	default:
		fe.Add("overdue", "true or leave it out")
	}
	for name, dst := range map[string]*time.Time{"created_from": &f.CreatedFrom, "created_to": &f.CreatedTo} {
		if s := c.Query(name); s != "" {
			t, err := time.Parse(time.DateOnly, s)
			if err != nil {
				fe.Add(name, "a date YYYY-MM-DD")
			}
			*dst = t
		}
	}
	if err := fe.Err(); err != nil {
		return err
	}
	ctx, cancel := h.ctx(c)
	defer cancel()
	list, next, err := h.Repo.ListCases(ctx, f, pg)
	if err != nil {
		return err
	}
	body, err := h.caseBodies.list(list, next, h.Now())
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSON)
	return c.Send(body)
}

// casesAgency is the agency whose cases the caller lists: a sysadmin's ?agency_id= (all when
// empty), anyone else's own.
func casesAgency(c *fiber.Ctx) (string, error) {
	p := principal(c)
	if p.Has(domain.RoleSysadmin) {
		return c.Query("agency_id"), nil
	}
	if a := c.Query("agency_id"); a != "" && a != p.AgencyID {
		return "", notFound("agency")
	}
	return p.AgencyID, nil
}

// CaseEvents lists a case's whole-process record: ?after= (an event number) and ?limit= page
// through it.
func (h *Handlers) CaseEvents(c *fiber.Ctx) error {
	after, limit := 0, domain.MaxPageLimit
	f := domain.FieldErrors{}
	for name, dst := range map[string]*int{"cursor": &after, "after": &after, "limit": &limit} {
		if s := c.Query(name); s != "" {
			n, err := strconv.Atoi(s)
			if err != nil || n < 0 || name == "limit" && (n < 1 || n > domain.MaxPageLimit) {
				f.Add(name, fmt.Sprintf("a whole number (limit 1 to %d)", domain.MaxPageLimit))
			}
			*dst = n
		}
	}
	if err := f.Err(); err != nil {
		return err
	}
	ctx, cancel := h.ctx(c)
	defer cancel()
	cs, body, err := h.readableCase(c, ctx)
	if err != nil {
		return err
	}
	if err := h.noteRead(c, ctx, body, cs.AgencyID, cs.ID, "events", cs.ID); err != nil {
		return err
	}
	to := min(cs.EventCount, after+limit)
	events, err := h.Repo.EventsOf(ctx, cs.ID, after+1, to)
	if err != nil {
		return err
	}
	out := listResponse[eventJSON]{Items: make([]eventJSON, len(events))}
	for i, e := range events {
		out.Items[i] = toEventJSON(cs.ID, e)
	}
	if to < cs.EventCount {
		out.NextCursor = strconv.Itoa(to)
	}
	return c.JSON(out)
}

type auditJSON struct {
	CaseID    string `json:"case_id"`
	Intact    bool   `json:"intact"`
	Events    int    `json:"events"`
	BrokenSeq int    `json:"broken_seq,omitempty"`
	Problem   string `json:"problem,omitempty"`
	// Evidence lists evidence the record names that is missing, rejected, or still pending
	// past its time.
	Evidence []evidenceFindingJSON `json:"evidence"`
}

type evidenceFindingJSON struct {
	EvidenceID string `json:"evidence_id"`
	Problem    string `json:"problem"`
	Detail     string `json:"detail"`
}

// CaseAudit recomputes the hash chain and names the first broken link.
func (h *Handlers) CaseAudit(c *fiber.Ctx) error {
	ctx, cancel := h.ctx(c)
	defer cancel()
	cs, body, err := h.readableCase(c, ctx)
	if err != nil {
		return err
	}
	if err := h.noteRead(c, ctx, body, cs.AgencyID, cs.ID, "audit", cs.ID); err != nil {
		return err
	}
	events, err := h.Repo.StoredEventsOf(ctx, cs.ID, 1, cs.EventCount)
	if err != nil {
		return err
	}
	r := domain.AuditCase(cs, events)
	var ids []string
	for _, e := range events {
		ids = append(ids, e.EvidenceIDs...)
	}
	found, err := h.Repo.EvidenceByIDs(ctx, slices.Compact(slices.Sorted(slices.Values(ids))))
	if err != nil {
		return err
	}
	byID := map[string]*domain.Evidence{}
	for _, e := range found {
		if e.CaseID == cs.ID {
			byID[e.ID] = e
		}
	}
	out := auditJSON{CaseID: cs.ID, Intact: r.Intact, Events: r.Events, BrokenSeq: r.BrokenSeq, Problem: r.Problem, Evidence: []evidenceFindingJSON{}}
	for _, f := range domain.AuditEvidence(events, byID, h.Now(), h.Media.PendingAfter) {
		out.Evidence = append(out.Evidence, evidenceFindingJSON{EvidenceID: f.EvidenceID, Problem: f.Problem, Detail: f.Detail})
	}
	// Complete evidence must still have its bytes.
	for _, e := range found {
		if e.CaseID != cs.ID || e.Status != domain.EvidenceComplete || h.Objects == nil {
			continue
		}
		size, err := h.Objects.Stat(ctx, e.ObjectKey)
		switch {
		case domain.ErrorCode(err) == domain.NotFound:
			out.Evidence = append(out.Evidence, evidenceFindingJSON{EvidenceID: e.ID, Problem: "missing", Detail: "complete, but its object is not in the store"})
		case err != nil:
			return err
		case size != e.Size:
			out.Evidence = append(out.Evidence, evidenceFindingJSON{EvidenceID: e.ID, Problem: "missing", Detail: fmt.Sprintf("its object has %d bytes, not %d", size, e.Size)})
		}
	}
	return c.JSON(out)
}

type transitionRequest struct {
	Action         string          `json:"action"`
	OfficerIDs     []string        `json:"officer_ids" limit:"10,64"`
	Lat            *float64        `json:"lat" limit:"90"`
	Lng            *float64        `json:"lng" limit:"180"`
	DeviceID       string          `json:"device_id" limit:"128"`
	EvidenceIDs    []string        `json:"evidence_ids" limit:"50,64"`
	Reason         string          `json:"reason" limit:"2000"`
	Facts          string          `json:"facts" limit:"5000"`
	Decision       *decisionJSON   `json:"decision"`
	Notice         *noticeRequest  `json:"notice"`
	ReviewerID     string          `json:"reviewer_id"`
	TransferTo     string          `json:"transfer_to"`
	TransferBody   string          `json:"transfer_body"`
	AcknowledgedOn *Date           `json:"acknowledged_on"`
	Discussion     *discussionJSON `json:"collective_discussion"`
	NewDeadline    *Date           `json:"new_deadline"`
	PaidOn         *Date           `json:"paid_on"`
	Paid           int64           `json:"paid" limit:"10000000000"`
}

// Transition applies one action to a case under every rule of the procedure, and appends the
// event to the case's chain in the same write.
func (h *Handlers) Transition(c *fiber.Ctx) error {
	p := principal(c)
	var req transitionRequest
	if err := Decode(c, &req); err != nil {
		return err
	}
	if req.Action == string(domain.ActIssueDocument) || req.Action == string(domain.ActCreate) {
		return &domain.Error{Code: domain.Invalid, Message: "unknown action", Fields: map[string]string{"action": "use the documents endpoint to issue documents"}}
	}
	if err := fieldsOfAction(domain.Action(req.Action), c.Body()); err != nil {
		return err
	}
	ctx, cancel := h.ctx(c)
	defer cancel()
	cs, err := h.scopedCase(c, ctx)
	if err != nil {
		return err
	}
	return h.caseAction(c, ctx, cs, func(cs *domain.Case) (domain.Event, domain.Attached, error) {
		if err := ifMatch(c, cs.Version); err != nil {
			return domain.Event{}, domain.Attached{}, err
		}
		t := domain.Transition{
			Action: domain.Action(req.Action), ActorID: p.UserID, OfficerIDs: req.OfficerIDs, Lat: req.Lat, Lng: req.Lng, DeviceID: req.DeviceID,
			EvidenceIDs: req.EvidenceIDs, PayloadDigest: domain.Digest(req), Reason: req.Reason, Facts: req.Facts,
			Decision: req.Decision.toDomain(), ReviewerID: req.ReviewerID, TransferTo: req.TransferTo,
			NewDeadline: req.NewDeadline.value(), PaidOn: req.PaidOn.value(), Paid: req.Paid,
			TransferBody: req.TransferBody, AcknowledgedOn: req.AcknowledgedOn.value(),
		}
		if d := req.Discussion; d != nil {
			t.Discussion = &domain.Discussion{HeldOn: d.HeldOn.value(), Participants: d.Participants, Conclusion: d.Conclusion}
		}
		if n := req.Notice; n != nil {
			t.Notice = &domain.Notice{Facts: n.Facts, Reasons: n.Reasons, Basis: n.Basis, Proposed: *n.Proposed.toDomain(), StatementDays: n.StatementDays}
		}
		if t.EvidenceHashes, err = h.evidenceHashes(ctx, cs, t.EvidenceIDs); err != nil {
			return domain.Event{}, domain.Attached{}, err
		}
		g, err := h.guards(ctx, cs, &t)
		if err != nil {
			return domain.Event{}, domain.Attached{}, err
		}
		ev, err := cs.Apply(t, g)
		return ev, domain.Attached{}, err
	}, func(cs *domain.Case, ev domain.Event) error {
		c.Set(fiber.HeaderETag, etag(cs.Version))
		evj := toEventJSON(cs.ID, ev)
		return c.JSON(caseResponse{Case: toCaseJSON(cs, h.Now()), Event: &evj})
	})
}

// actionFields are the request fields each action uses besides those every action may carry
// (where and on which device it happened, the evidence taken): a field an action would not use
// is refused rather than dropped, so nothing a client sends is lost without its knowing.
var actionFields = map[domain.Action][]string{
	domain.ActRegister:            {"officer_ids"},
	domain.ActDecline:             {"reason"},
	domain.ActSummaryDecide:       {"officer_ids", "facts", "decision"},
	domain.ActStartInvestigation:  {"officer_ids"},
	domain.ActRecord:              {"officer_ids"},
	domain.ActNotify:              {"officer_ids", "notice"},
	domain.ActRecordStatement:     {"reason"},
	domain.ActWaive:               {"reason"},
	domain.ActRequestHearing:      {"reason"},
	domain.ActConcludeHearing:     {"reason"},
	domain.ActSubmitReview:        {"decision", "reviewer_id"},
	domain.ActApproveReview:       {"reason"},
	domain.ActRejectReview:        {"reason"},
	domain.ActDecide:              {"decision", "collective_discussion"},
	domain.ActTransfer:            {"reason", "transfer_to", "transfer_body"},
	domain.ActAcknowledgeTransfer: {"acknowledged_on"},
	domain.ActExtendDeadline:      {"reason", "new_deadline"},
	domain.ActServe:               {"officer_ids", "reason"},
	domain.ActExecute:             {"paid_on", "paid"},
	domain.ActClose:               {"reason"},
	domain.ActArchive:             {"reason"},
}

var everyActionFields = []string{"action", "lat", "lng", "device_id", "evidence_ids"}

func fieldsOfAction(a domain.Action, body []byte) error {
	uses, ok := actionFields[a]
	if !ok {
		return nil // the procedure names the unknown action
	}
	var sent map[string]json.RawMessage
	if err := json.Unmarshal(body, &sent); err != nil {
		return nil // Decode has accepted the body; nothing to add
	}
	f := domain.FieldErrors{}
	for k := range sent {
		if !slices.Contains(uses, k) && !slices.Contains(everyActionFields, k) {
			f.Add(k, fmt.Sprintf("%s does not use it", a))
		}
	}
	return f.Err()
}

// guards loads what the rules of a transition need, and nothing more.
func (h *Handlers) guards(ctx context.Context, cs *domain.Case, t *domain.Transition) (domain.Guards, error) {
	g := domain.Guards{Now: h.Now(), Hearing: h.Hearing}
	agencies := map[string]*domain.Agency{} // the acting officers share one agency: read it once
	var err error
	if g.Actor, err = h.standingIn(ctx, t.ActorID, agencies); err != nil {
		return g, err
	}
	seen := map[string]bool{}
	for _, id := range t.OfficerIDs {
		if seen[id] {
			continue
		}
		seen[id] = true
		if id == t.ActorID {
			g.Officers = append(g.Officers, g.Actor)
			continue
		}
		s, err := h.standingIn(ctx, id, agencies)
		if domain.ErrorCode(err) == domain.NotFound {
			return g, &domain.Error{Code: domain.Invalid, Message: "unknown officer", Fields: map[string]string{"officer_ids": "no officer " + id}}
		}
		if err != nil {
			return g, err
		}
		g.Officers = append(g.Officers, s)
	}
	if t.ReviewerID != "" {
		s, err := h.standing(ctx, t.ReviewerID)
		if err != nil && domain.ErrorCode(err) != domain.NotFound {
			return g, err
		}
		if err == nil {
			g.Reviewer = &s
		}
	}
	needMatter, needCatalog := domain.GuardNeeds(t.Action)
	if needMatter {
		if g.Matter, err = h.Repo.MatterByID(ctx, cs.MatterID); err != nil && domain.ErrorCode(err) != domain.NotFound {
			return g, err
		}
	}
	if needCatalog {
		if g.Benchmark, err = h.Repo.BenchmarkOfMatter(ctx, cs.MatterID); err != nil && domain.ErrorCode(err) != domain.NotFound {
			return g, err
		}
		if g.ReviewRules, err = h.Repo.ReviewRules(ctx, cs.AgencyID); err != nil {
			return g, err
		}
	}
	return g, nil
}

// standing loads a user with its certificate and agency.
func (h *Handlers) standing(ctx context.Context, userID string) (domain.Standing, error) {
	return h.standingIn(ctx, userID, nil)
}

// standingIn is standing, taking agencies already read from agencies and adding to it.
func (h *Handlers) standingIn(ctx context.Context, userID string, agencies map[string]*domain.Agency) (domain.Standing, error) {
	u, err := h.Repo.UserByID(ctx, userID)
	if err != nil {
		return domain.Standing{}, err
	}
	v, err := h.view(ctx, u, agencies)
	if err != nil {
		return domain.Standing{}, err
	}
	return domain.Standing{User: u, Certificate: v.cert, Agency: v.agency}, nil
}
