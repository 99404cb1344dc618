package handlers

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/zhifa/zhifa/domain"
)

// Complaints (投诉): filed by an enterprise, handled by the supervisors over the agency, seen by
// the agency complained about without anything that tells who complained.

type complaintRequest struct {
	InspectionID  string `json:"inspection_id" limit:"64"`
	CaseID        string `json:"case_id" limit:"64"`
	CertificateNo string `json:"certificate_no" limit:"32"`
	Category      string `json:"category" limit:"64"`
	Description   string `json:"description" limit:"8000"`
}

type complaintEventJSON struct {
	Seq    int       `json:"seq"`
	Action string    `json:"action"`
	Status string    `json:"status"`
	Reply  string    `json:"reply,omitempty"`
	By     string    `json:"by,omitempty"`
	At     time.Time `json:"at"`
}

type complainantJSON struct {
	EnterpriseID string `json:"enterprise_id"`
	Name         string `json:"name"`
	USCC         string `json:"uscc"`
	ContactName  string `json:"contact_name"`
	ContactPhone string `json:"contact_phone"`
	UserID       string `json:"user_id"`
}

type complaintJSON struct {
	ID            string               `json:"id"`
	AgencyID      string               `json:"agency_id"`
	Subject       string               `json:"subject"`
	InspectionID  string               `json:"inspection_id,omitempty"`
	CaseID        string               `json:"case_id,omitempty"`
	OfficerID     string               `json:"officer_id,omitempty"`
	CertificateNo string               `json:"certificate_no,omitempty"`
	Category      string               `json:"category"`
	Description   string               `json:"description,omitempty"`
	EvidenceIDs   []string             `json:"evidence_ids,omitempty"`
	Complainant   *complainantJSON     `json:"complainant,omitempty"`
	Status        string               `json:"status"`
	AcceptBy      time.Time            `json:"accept_by"`
	AnswerBy      *time.Time           `json:"answer_by,omitempty"`
	Overdue       bool                 `json:"overdue"`
	HandlingBody  string               `json:"handling_body_id,omitempty"`
	Events        []complaintEventJSON `json:"events"`
	CreatedAt     time.Time            `json:"created_at"`
	UpdatedAt     time.Time            `json:"updated_at"`
	Version       int64                `json:"version"`
}

// complaintView is who reads a complaint: what each may see differs.
type complaintView int

const (
	viewAgency     complaintView = iota // the agency complained about: nothing that names the complainant
	viewEnterprise                      // the complainant
	viewSupervisor                      // the supervisors over the agency (and sysadmins)
)

func (h *Handlers) toComplaintJSON(ctx context.Context, c *domain.Complaint, view complaintView) (complaintJSON, error) {
	j := complaintJSON{ID: c.ID, AgencyID: c.AgencyID, Subject: c.Subject, Category: c.Category, Status: string(c.Status), AcceptBy: c.AcceptBy,
		Events: []complaintEventJSON{}, CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt, Version: c.Version}
	if !c.AnswerBy.IsZero() {
		t := c.AnswerBy
		j.AnswerBy = &t
	}
	now := h.Now()
	j.Overdue = c.Status == domain.ComplaintSubmitted && !now.Before(c.AcceptBy) ||
		(c.Status == domain.ComplaintAccepted || c.Status == domain.ComplaintInvestigating) && !c.AnswerBy.IsZero() && !now.Before(c.AnswerBy)
	if c.Subject == "officer" {
		j.OfficerID, j.CertificateNo = c.OfficerID, c.CertificateNo
	}
	for _, e := range c.Events {
		ev := complaintEventJSON{Seq: e.Seq, Action: e.Action, Status: string(e.Status), Reply: e.Reply, At: e.At}
		if view == viewSupervisor {
			ev.By = e.By
		}
		j.Events = append(j.Events, ev)
	}
	if view == viewAgency {
		return j, nil
	}
	j.InspectionID, j.CaseID, j.OfficerID, j.CertificateNo, j.Description = c.InspectionID, c.CaseID, c.OfficerID, c.CertificateNo, c.Description
	j.EvidenceIDs = nonNilStrings(c.EvidenceIDs)
	if view == viewSupervisor {
		j.HandlingBody = c.HandlingBody()
		cj := &complainantJSON{EnterpriseID: c.EnterpriseID, UserID: c.UserID}
		e, err := h.Repo.EnterpriseByID(ctx, c.EnterpriseID)
		if err != nil && domain.ErrorCode(err) != domain.NotFound {
			return j, err
		}
		if e != nil {
			cj.Name, cj.USCC, cj.ContactName, cj.ContactPhone = e.Name, e.USCC, e.ContactName, e.ContactPhone
		}
		j.Complainant = cj
	}
	return j, nil
}

func (h *Handlers) complaintDeadlines() domain.ComplaintDeadlines {
	return domain.ComplaintDeadlines{AcceptDays: h.Supervision.AcceptDays, AnswerDays: h.Supervision.AnswerDays}
}

// FileComplaint takes an enterprise's complaint about an inspection or a case of itself, or an
// officer by certificate number. The supervisors over the agency are told through their logs
// before it is stored.
func (h *Handlers) FileComplaint(c *fiber.Ctx) error {
	p := principal(c)
	var req complaintRequest
	if err := Decode(c, &req); err != nil {
		return err
	}
	ctx, cancel := h.ctx(c)
	defer cancel()
	e, err := h.ownEnterprise(c, ctx)
	if err != nil {
		return err
	}
	now := h.Now()
	k, err := keyOf(c)
	if err != nil {
		return err
	}
	id := domain.NewComplaintID(now)
	if k.Key != "" {
		// A retry of a request that got no answer finds the complaint its first attempt filed.
		id = "k" + k.Key
		if old, err := h.Repo.ComplaintByID(ctx, id); err == nil && old.UserID == p.UserID {
			if old.Request != "" && old.Request != k.Request {
				return domain.Errorf(domain.Unprocessable, "this Idempotency-Key was used for a different request")
			}
			c.Set("Idempotent-Replayed", "true")
			out, err := h.toComplaintJSON(ctx, old, viewEnterprise)
			if err != nil {
				return err
			}
			return created(c, "/v1/complaints/"+old.ID, old.Version, out)
		} else if err != nil && domain.ErrorCode(err) != domain.NotFound {
			return err
		}
	}
	open, _, err := h.Repo.ListComplaints(ctx, domain.ComplaintFilter{EnterpriseID: e.ID, OpenOnly: true}, domain.Page{Limit: h.Supervision.MaxOpen})
	if err != nil {
		return err
	}
	if len(open) >= h.Supervision.MaxOpen {
		return domain.Errorf(domain.TooManyRequests, "your enterprise has %d complaints still being handled; file another once one is answered", len(open))
	}
	cp := &domain.Complaint{ID: id, InspectionID: req.InspectionID, CaseID: req.CaseID, Category: req.Category,
		Description: req.Description, EnterpriseID: e.ID, UserID: p.UserID, Request: k.Request}
	if req.CertificateNo != "" {
		no, err := domain.ParseCertificateNumber(req.CertificateNo)
		if err != nil {
			return &domain.Error{Code: domain.Invalid, Message: "not a certificate number", Fields: map[string]string{"certificate_no": "the number on the officer's certificate"}}
		}
		cp.CertificateNo = no
	}
	if err := cp.Submit(p.UserID, h.Supervision.Calendar, h.complaintDeadlines(), now); err != nil {
		return err
	}
	switch cp.Subject {
	case "inspection":
		in, err := h.Repo.InspectionByID(ctx, cp.InspectionID)
		if domain.ErrorCode(err) == domain.NotFound || err == nil && in.EnterpriseUSCC != e.USCC {
			return &domain.Error{Code: domain.Invalid, Message: "no inspection of your enterprise has this id", Fields: map[string]string{"inspection_id": "an inspection of GET /v1/enterprise/inspections"}}
		}
		if err != nil {
			return err
		}
		cp.AgencyID = in.AgencyID
	case "case":
		cs, err := h.Repo.CaseByID(ctx, cp.CaseID)
		if domain.ErrorCode(err) == domain.NotFound || err == nil && (cs.Party.USCC != e.USCC || cs.Status == domain.StatusClue) {
			return &domain.Error{Code: domain.Invalid, Message: "no case of your enterprise has this id", Fields: map[string]string{"case_id": "a case of GET /v1/enterprise/cases"}}
		}
		if err != nil {
			return err
		}
		cp.AgencyID = cs.AgencyID
	default:
		cert, err := h.Repo.CertificateByNumber(ctx, cp.CertificateNo)
		if domain.ErrorCode(err) == domain.NotFound {
			return &domain.Error{Code: domain.Invalid, Message: "no officer holds this certificate", Fields: map[string]string{"certificate_no": "check it at GET /v1/public/certificates/{cert_no}"}}
		}
		if err != nil {
			return err
		}
		cp.AgencyID, cp.OfficerID = cert.AgencyID, cert.OfficerID
	}
	agency, err := h.Repo.AgencyByID(ctx, cp.AgencyID)
	if err != nil {
		return err
	}
	bodies, err := h.Repo.SupervisorsOver(ctx, agency)
	if err != nil {
		return err
	}
	// Nearest first: the body of the deepest region handles it; the one above takes it over
	// when a deadline passes.
	slices.SortFunc(bodies, func(a, b *domain.Agency) int { return len(b.RegionPath) - len(a.RegionPath) })
	for _, b := range bodies {
		cp.BodyIDs = append(cp.BodyIDs, b.ID)
	}
	if len(cp.BodyIDs) == 0 {
		return domain.Errorf(domain.Unprocessable, "no supervisory body covers this agency yet; call 12345")
	}
	if err := h.tellBodies(ctx, cp.AgencyID, "complaint", cp.ID, 1); err != nil {
		return err
	}
	if err := h.Repo.CreateComplaint(ctx, cp); err != nil {
		return err
	}
	out, err := h.toComplaintJSON(ctx, cp, viewEnterprise)
	if err != nil {
		return err
	}
	return created(c, "/v1/complaints/"+cp.ID, cp.Version, out)
}

// scopedComplaint loads the complaint in the path with the view the caller has of it:
// supervisors over its agency and sysadmins, the enterprise that filed it, the admin of the
// agency complained about; NotFound for anyone else.
func (h *Handlers) scopedComplaint(c *fiber.Ctx, ctx context.Context) (*domain.Complaint, complaintView, error) {
	p := principal(c)
	cp, err := h.Repo.ComplaintByID(ctx, c.Params("id"))
	if err != nil {
		return nil, 0, err
	}
	switch {
	case p.Has(domain.RoleSysadmin):
		return cp, viewSupervisor, nil
	case p.AgencyID == cp.EnterpriseID && p.Has(domain.RoleEnterprise):
		return cp, viewEnterprise, nil
	case p.AgencyID == cp.AgencyID && p.Has(domain.RoleAgencyAdmin):
		return cp, viewAgency, nil
	}
	if _, ok, err := h.supervises(ctx, p, cp.AgencyID); err != nil || ok {
		return cp, viewSupervisor, err
	}
	return nil, 0, notFound("complaint")
}

// GetComplaint reads a complaint as the caller may see it.
func (h *Handlers) GetComplaint(c *fiber.Ctx) error {
	ctx, cancel := h.ctx(c)
	defer cancel()
	cp, view, err := h.scopedComplaint(c, ctx)
	if err != nil {
		return err
	}
	out, err := h.toComplaintJSON(ctx, cp, view)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderETag, etag(cp.Version))
	return c.JSON(out)
}

// ListComplaints lists complaints in the order filed: a supervisor's of the agencies covered,
// an enterprise's own, an agency admin's about the agency (without the complainant).
// ?agency_id= ?status= ?category= ?officer_id= ?open=true ?from= ?to= narrow.
func (h *Handlers) ListComplaints(c *fiber.Ctx) error {
	p := principal(c)
	pg, err := pageOf(c)
	if err != nil {
		return err
	}
	f := domain.ComplaintFilter{Status: domain.ComplaintStatus(c.Query("status")), Category: c.Query("category"), OfficerID: c.Query("officer_id"),
		OpenOnly: c.Query("open") == "true"}
	fe := domain.FieldErrors{}
	if _, ok := domain.ComplaintStatusNames[f.Status]; f.Status != "" && !ok {
		fe.Add("status", "submitted, accepted, investigating, resolved or rejected")
	}
	if f.Category != "" && !slices.Contains(domain.ComplaintCategories, f.Category) {
		fe.Add("category", "one of the categories of a complaint")
	}
	f.From, f.To = dateRange(c, fe)
	if err := fe.Err(); err != nil {
		return err
	}
	ctx, cancel := h.ctx(c)
	defer cancel()
	view := viewSupervisor
	body, err := h.supervisingAgency(ctx, p)
	if err != nil {
		return err
	}
	want := c.Query("agency_id")
	switch {
	case body != nil:
		if f.AgencyIDs, err = h.agenciesCovered(ctx, body, want); err != nil {
			return err
		}
		if len(f.AgencyIDs) == 0 {
			return c.JSON(listResponse[complaintJSON]{Items: []complaintJSON{}})
		}
	case p.Has(domain.RoleSysadmin):
		if want != "" {
			f.AgencyIDs = []string{want}
		}
	case p.Has(domain.RoleEnterprise) && domain.IsEnterpriseID(p.AgencyID):
		f.EnterpriseID, view = p.AgencyID, viewEnterprise
	case p.Has(domain.RoleAgencyAdmin):
		if want != "" && want != p.AgencyID {
			return notFound("agency")
		}
		f.AgencyIDs, view = []string{p.AgencyID}, viewAgency
	default:
		return forbidden("complaints are read by the supervisors, the enterprise that filed them and the agency's admin")
	}
	list, next, err := h.Repo.ListComplaints(ctx, f, pg)
	if err != nil {
		return err
	}
	out := listResponse[complaintJSON]{Items: make([]complaintJSON, len(list)), NextCursor: next}
	for i, cp := range list {
		if out.Items[i], err = h.toComplaintJSON(ctx, cp, view); err != nil {
			return err
		}
	}
	return c.JSON(out)
}

type complaintTransitionRequest struct {
	Action string `json:"action" limit:"32"`
	Reply  string `json:"reply" limit:"8000"`
}

// ComplaintTransition is a supervisor's step: accept, investigate, resolve or reject, with a
// reply. The enterprise hears of it through its own log, written before the step is stored.
func (h *Handlers) ComplaintTransition(c *fiber.Ctx) error {
	p := principal(c)
	var req complaintTransitionRequest
	if err := Decode(c, &req); err != nil {
		return err
	}
	ctx, cancel := h.ctx(c)
	defer cancel()
	for attempt := 0; ; attempt++ {
		cp, view, err := h.scopedComplaint(c, ctx)
		if err != nil {
			return err
		}
		if view != viewSupervisor || p.Has(domain.RoleSysadmin) {
			return forbidden("the supervisors over the agency handle its complaints")
		}
		if last := cp.Events[len(cp.Events)-1]; attempt == 0 && last.Action == req.Action && last.By == p.UserID && last.Reply == strings.TrimSpace(req.Reply) {
			// The same step by the same supervisor: a retry of a request that got no answer.
			c.Set("Idempotent-Replayed", "true")
			out, err := h.toComplaintJSON(ctx, cp, viewSupervisor)
			if err != nil {
				return err
			}
			c.Set(fiber.HeaderETag, etag(cp.Version))
			return c.JSON(out)
		}
		if m := c.Get(fiber.HeaderIfMatch); m != "" && m != etag(cp.Version) {
			return domain.Errorf(domain.PreconditionFailed, "the complaint changed since you read it; reload it")
		}
		ev, err := cp.Move(req.Action, req.Reply, p.UserID, h.Supervision.Calendar, h.complaintDeadlines(), h.Now())
		if err != nil {
			return err
		}
		if err := h.Repo.RecordChange(ctx, &domain.Change{AgencyID: cp.EnterpriseID, Kind: "complaint", ObjectID: cp.ID, EventSeq: ev.Seq}); err != nil {
			return err
		}
		err = h.Repo.UpdateComplaint(ctx, cp)
		if domain.ErrorCode(err) == domain.Conflict && attempt < lostRaceRetries && c.Get(fiber.HeaderIfMatch) == "" {
			continue // someone else's step came first: decide again on what is stored
		}
		if err != nil {
			return err
		}
		out, err := h.toComplaintJSON(ctx, cp, viewSupervisor)
		if err != nil {
			return err
		}
		c.Set(fiber.HeaderETag, etag(cp.Version))
		return c.JSON(out)
	}
}

// maxComplaintFiles bounds the files attached to one complaint.
const maxComplaintFiles = 10

// AttachComplaintEvidence records a file the enterprise attaches to its open complaint (a
// photo, a recording, a document); the bytes follow by tus or PUT like any evidence. A retry
// with the same id or Idempotency-Key finds the first attempt's.
func (h *Handlers) AttachComplaintEvidence(c *fiber.Ctx) error {
	p := principal(c)
	e, k, err := h.evidenceRequestOfComplaint(c)
	if err != nil {
		return err
	}
	ctx, cancel := h.ctx(c)
	defer cancel()
	if _, err := h.ownEnterprise(c, ctx); err != nil {
		return err
	}
	unlock := h.lockID(c.Params("id"))
	defer unlock()
	cp, view, err := h.scopedComplaint(c, ctx)
	if err != nil {
		return err
	}
	if view != viewEnterprise {
		return notFound("complaint")
	}
	e.ComplaintID = cp.ID
	existing, err := h.Repo.EvidenceByID(ctx, e.ID)
	switch domain.ErrorCode(err) {
	case "":
		if existing.ComplaintID != cp.ID || existing.AgencyID != p.AgencyID {
			return domain.Errorf(domain.Conflict, "evidence with this id already exists")
		}
		e = existing // a retry: link it below if the first attempt did not get that far
	case domain.NotFound:
		if !cp.Open() {
			return domain.Errorf(domain.Conflict, "the complaint is %s: files are attached while it is handled", cp.Status)
		}
		if len(cp.EvidenceIDs) >= maxComplaintFiles {
			return domain.Errorf(domain.Conflict, "a complaint takes at most %d files", maxComplaintFiles)
		}
		e.Keys = []domain.ActionKey{}
		if k.Key != "" {
			e.Keys = append(e.Keys, domain.ActionKey{Key: k.Key, Request: k.Request, Seq: 1, At: h.Now()})
		}
		id := e.ID
		if err := h.recordChange(ctx, p.AgencyID, "evidence", &id, 0, func() error { return h.Repo.SaveEvidence(ctx, e) }); err != nil {
			return err
		}
	default:
		return err
	}
	if !slices.Contains(cp.EvidenceIDs, e.ID) {
		cp.EvidenceIDs = append(cp.EvidenceIDs, e.ID)
		if err := h.Repo.UpdateComplaint(ctx, cp); err != nil {
			return err
		}
	}
	return created(c, "/v1/evidence/"+e.ID, e.Version, evidenceResponse{Evidence: toEvidenceJSON(e)})
}

// evidenceRequestOfComplaint reads a file's declaration like evidence of a case; the
// enterprise names no officers.
func (h *Handlers) evidenceRequestOfComplaint(c *fiber.Ctx) (*domain.Evidence, actionKey, error) {
	var req evidenceRequest
	if err := Decode(c, &req); err != nil {
		return nil, actionKey{}, err
	}
	if len(req.OfficerIDs) > 0 {
		return nil, actionKey{}, &domain.Error{Code: domain.Invalid, Message: "a complaint's file names no officers", Fields: map[string]string{"officer_ids": "leave it out"}}
	}
	e, err := req.toDomain(principal(c), h.Now())
	if err != nil {
		return nil, actionKey{}, err
	}
	e.ComplaintID, e.CreatedAt = c.Params("id"), domain.Stamp(e.CreatedAt)
	if err := e.Validate(h.Media.MaxSize, h.Now()); err != nil {
		return nil, actionKey{}, err
	}
	k, err := keyOf(c)
	if err != nil {
		return nil, actionKey{}, err
	}
	if e.ID == "" {
		e.ID = k.derivedID()
	}
	return e, k, nil
}

// ListComplaintEvidence lists a complaint's files for the supervisors and the enterprise; the
// agency complained about never reads them (they may name the complainant).
func (h *Handlers) ListComplaintEvidence(c *fiber.Ctx) error {
	ctx, cancel := h.ctx(c)
	defer cancel()
	cp, view, err := h.scopedComplaint(c, ctx)
	if err != nil {
		return err
	}
	if view == viewAgency {
		return notFound("complaint")
	}
	list, err := h.Repo.EvidenceByIDs(ctx, cp.EvidenceIDs)
	if err != nil {
		return err
	}
	out := listResponse[evidenceJSON]{Items: []evidenceJSON{}}
	for _, e := range list {
		out.Items = append(out.Items, toEvidenceJSON(e))
	}
	return c.JSON(out)
}
