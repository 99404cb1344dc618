package handlers

import (
	"context"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/zhifa/zhifa/domain"
)

// Supervisors read the files of the agencies their body covers (its region and below), and
// only read them: the read routes of cases, documents, evidence, inspections and training take
// the readable* loaders here, every write keeps scopedCase and its kin, which answer a
// supervisor 404 as they answer anyone outside the agency. Each file a supervisor opens is
// logged for the agency (noteRead); lists are not logged row by row.

// fileReader says whether the caller reads the agency's files: a member of it or a sysadmin
// (body nil), or a supervisor of a body over it (body that body); NotFound naming what for
// anyone else.
func (h *Handlers) fileReader(c *fiber.Ctx, ctx context.Context, agencyID, what string) (*domain.Agency, error) {
	if inAgency(c, agencyID) {
		return nil, nil
	}
	body, ok, err := h.supervises(ctx, principal(c), agencyID)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, notFound(what)
	}
	return body, nil
}

// readableCase loads the case in the path for a reader of its agency's files.
func (h *Handlers) readableCase(c *fiber.Ctx, ctx context.Context) (*domain.Case, *domain.Agency, error) {
	cs, err := h.Repo.CaseByID(ctx, c.Params("id"))
	if err != nil {
		return nil, nil, err
	}
	body, err := h.fileReader(c, ctx, cs.AgencyID, "case")
	if err != nil {
		return nil, nil, err
	}
	return cs, body, nil
}

// readableInspection loads the inspection in the path for a reader of its agency's files.
func (h *Handlers) readableInspection(c *fiber.Ctx, ctx context.Context) (*domain.Inspection, *domain.Agency, error) {
	in, err := h.Repo.InspectionByID(ctx, c.Params("id"))
	if err != nil {
		return nil, nil, err
	}
	body, err := h.fileReader(c, ctx, in.AgencyID, "inspection")
	if err != nil {
		return nil, nil, err
	}
	return in, body, nil
}

// readableEvidence loads the evidence in the path for a reader: a reader of the files of the
// agency whose case or inspection it is in, or one of scopedEvidence's readers of a complaint's
// file. body is the reader's supervisory body, for the access log.
func (h *Handlers) readableEvidence(c *fiber.Ctx, ctx context.Context) (*domain.Evidence, *domain.Agency, error) {
	e, err := h.Repo.EvidenceByID(ctx, c.Params("id"))
	if err != nil {
		return nil, nil, err
	}
	if e.ComplaintID == "" {
		body, err := h.fileReader(c, ctx, e.AgencyID, "evidence")
		if err != nil {
			return nil, nil, err
		}
		return e, body, nil
	}
	if ok, err := h.evidenceInScope(c, ctx, e); err != nil || !ok {
		if err == nil {
			err = notFound("evidence")
		}
		return nil, nil, err
	}
	body, err := h.supervisingAgency(ctx, principal(c))
	if err != nil {
		return nil, nil, err
	}
	return e, body, nil
}

// noteRead logs a supervisor's opening of a file of agencyID (of caseID, when it is a case's);
// nothing for the agency's own people (body nil).
func (h *Handlers) noteRead(c *fiber.Ctx, ctx context.Context, body *domain.Agency, agencyID, caseID, what, objectID string) error {
	if body == nil {
		return nil
	}
	p := principal(c)
	name := ""
	if s, ok := admitted(c, p.UserID); ok {
		name = s.User.Name
	}
	return h.Repo.RecordSupervisorRead(ctx, &domain.SupervisorRead{AgencyID: agencyID, CaseID: caseID, What: what, ObjectID: objectID,
		UserID: p.UserID, UserName: name, BodyID: body.ID, BodyName: body.Name, At: h.Now()})
}

// noteEvidenceRead logs a supervisor's read of evidence of an agency's case or inspection; a
// complaint's file is the enterprise's and the supervisors', and its agency never hears of it.
func (h *Handlers) noteEvidenceRead(c *fiber.Ctx, ctx context.Context, body *domain.Agency, e *domain.Evidence, what string) error {
	if e.ComplaintID != "" {
		return nil
	}
	return h.noteRead(c, ctx, body, e.AgencyID, e.CaseID, what, e.ID)
}

// listedAgency is the agency whose files a list reads: a supervisor's ?agency_id= (required,
// one its body covers), or what own says for anyone else.
func (h *Handlers) listedAgency(c *fiber.Ctx, own func(*fiber.Ctx) (string, error)) (string, error) {
	ctx, cancel := h.ctx(c)
	defer cancel()
	body, err := h.supervisingAgency(ctx, principal(c))
	if err != nil {
		return "", err
	}
	if body == nil {
		return own(c)
	}
	return h.coveredAgency(c, ctx, body)
}

// listReadable pages through one agency's collection for a reader of its files: listInAgency's
// readers, and a supervisor over the agency that ?agency_id= names.
func listReadable[T any, R any](h *Handlers, c *fiber.Ctx, list func(context.Context, string, domain.Page) ([]T, string, error), conv func(T) R) error {
	return listAgencyOf(h, c, func(c *fiber.Ctx) (string, error) { return h.listedAgency(c, catalogAgency) }, list, conv)
}

// coveredAgency is the agency a list of a supervisor names with ?agency_id=: one its body
// covers (NotFound otherwise), required since the lists are per agency.
func (h *Handlers) coveredAgency(c *fiber.Ctx, ctx context.Context, body *domain.Agency) (string, error) {
	want := c.Query("agency_id")
	if want == "" {
		return "", &domain.Error{Code: domain.Invalid, Message: "a supervisor lists one agency's files at a time",
			Fields: map[string]string{"agency_id": "required: one of the agencies your body covers (GET /v1/agencies)"}}
	}
	if err := h.covers(ctx, body, want); err != nil {
		return "", err
	}
	return want, nil
}

// covers answers NotFound unless body supervises the agency.
func (h *Handlers) covers(ctx context.Context, body *domain.Agency, agencyID string) error {
	a, err := h.Repo.AgencyByID(ctx, agencyID)
	if err != nil && domain.ErrorCode(err) != domain.NotFound {
		return err
	}
	if a == nil || !body.Supervises(a) {
		return notFound("agency")
	}
	return nil
}

type supervisorReadJSON struct {
	ID       string    `json:"id"`
	At       time.Time `json:"at"`
	AgencyID string    `json:"agency_id"`
	CaseID   string    `json:"case_id,omitempty"`
	What     string    `json:"what"`
	ObjectID string    `json:"object_id"`
	UserID   string    `json:"user_id"`
	UserName string    `json:"user_name,omitempty"`
	BodyID   string    `json:"body_id"`
	BodyName string    `json:"body_name"`
}

// ListSupervisorReads lists the files supervisors opened, oldest first (?case_id= narrows):
// an agency's admins read those of their agency, a supervisor those its own body opened in the
// agencies it covers (?agency_id= one of them), a sysadmin any (?agency_id=).
func (h *Handlers) ListSupervisorReads(c *fiber.Ctx) error {
	p := principal(c)
	pg, err := pageOf(c)
	if err != nil {
		return err
	}
	ctx, cancel := h.ctx(c)
	defer cancel()
	f := domain.SupervisorReadFilter{AgencyID: c.Query("agency_id"), CaseID: c.Query("case_id")}
	body, err := h.supervisingAgency(ctx, p)
	if err != nil {
		return err
	}
	switch {
	case p.Has(domain.RoleSysadmin):
	case body != nil:
		f.BodyID = body.ID
		if f.AgencyID != "" {
			if err := h.covers(ctx, body, f.AgencyID); err != nil {
				return err
			}
		}
	case p.Has(domain.RoleAgencyAdmin) && p.AgencyID != "":
		if f.AgencyID != "" && f.AgencyID != p.AgencyID {
			return notFound("agency")
		}
		f.AgencyID = p.AgencyID
	default:
		return forbidden("the agency's admins and its supervisors read which files the supervisors opened")
	}
	list, next, err := h.Repo.ListSupervisorReads(ctx, f, pg)
	if err != nil {
		return err
	}
	return c.JSON(listOf(list, next, func(r *domain.SupervisorRead) supervisorReadJSON {
		return supervisorReadJSON{ID: r.ID, At: r.At, AgencyID: r.AgencyID, CaseID: r.CaseID, What: r.What,
			ObjectID: r.ObjectID, UserID: r.UserID, UserName: r.UserName, BodyID: r.BodyID, BodyName: r.BodyName}
	}))
}
