package handlers

import (
	"context"
	"slices"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/zhifa/zhifa/domain"
)

// Problem lists (突出问题清单): registered by an agency (or by a supervisor for an agency it
// covers), rectified by the agency, watched by the supervisory bodies.

type problemRequest struct {
	AgencyID    string  `json:"agency_id" limit:"64"`
	Source      string  `json:"source" limit:"32"`
	SourceRef   string  `json:"source_ref" limit:"128"`
	Title       string  `json:"title" limit:"400"`
	Description string  `json:"description" limit:"8000"`
	Plan        string  `json:"plan" limit:"8000"`
	Owner       string  `json:"owner" limit:"256"`
	Deadline    Date    `json:"deadline"`
	Status      string  `json:"status" limit:"16"`
	Closure     *string `json:"closure" limit:"8000"`
}

type problemJSON struct {
	ID          string     `json:"id"`
	AgencyID    string     `json:"agency_id"`
	Source      string     `json:"source"`
	SourceRef   string     `json:"source_ref,omitempty"`
	Title       string     `json:"title"`
	Description string     `json:"description,omitempty"`
	Plan        string     `json:"plan"`
	Owner       string     `json:"owner"`
	Deadline    *Date      `json:"deadline"`
	Status      string     `json:"status"`
	Overdue     bool       `json:"overdue"`
	ClosedAt    *time.Time `json:"closed_at,omitempty"`
	Closure     string     `json:"closure,omitempty"`
	CreatedAt   time.Time  `json:"created_at"`
	UpdatedAt   time.Time  `json:"updated_at"`
	Version     int64      `json:"version"`
}

func (h *Handlers) toProblemJSON(p *domain.Problem) problemJSON {
	j := problemJSON{ID: p.ID, AgencyID: p.AgencyID, Source: p.Source, SourceRef: p.SourceRef, Title: p.Title, Description: p.Description, Plan: p.Plan,
		Owner: p.Owner, Deadline: dateOf(p.Deadline), Status: string(p.Status), Overdue: p.OverdueAt(h.Now()), Closure: p.Closure,
		CreatedAt: p.CreatedAt, UpdatedAt: p.UpdatedAt, Version: p.Version}
	if !p.ClosedAt.IsZero() {
		t := p.ClosedAt
		j.ClosedAt = &t
	}
	return j
}

// problemScope is the agencies whose problems the caller reads: a supervisor's covered ones,
// an agency member's own; write says whether the caller may register and rectify (an agency
// admin its own; a supervisor registers for a covered agency but does not rectify).
func (h *Handlers) problemScope(ctx context.Context, p domain.Principal, want string) ([]string, bool, error) {
	body, err := h.supervisingAgency(ctx, p)
	if err != nil {
		return nil, false, err
	}
	if body != nil {
		ids, err := h.agenciesCovered(ctx, body, want)
		return ids, true, err
	}
	if p.AgencyID == "" || domain.IsEnterpriseID(p.AgencyID) || want != "" && want != p.AgencyID {
		return nil, false, notFound("agency")
	}
	return []string{p.AgencyID}, false, nil
}

// CreateProblem registers a problem of the caller's agency (an agency admin), or of an agency
// a supervisor covers (agency_id).
func (h *Handlers) CreateProblem(c *fiber.Ctx) error {
	p := principal(c)
	var req problemRequest
	if err := Decode(c, &req); err != nil {
		return err
	}
	ctx, cancel := h.ctx(c)
	defer cancel()
	agency := req.AgencyID
	body, err := h.supervisingAgency(ctx, p)
	if err != nil {
		return err
	}
	switch {
	case body != nil:
		if agency == "" {
			return &domain.Error{Code: domain.Invalid, Message: "name the agency", Fields: map[string]string{"agency_id": "an agency you supervise"}}
		}
		if _, err := h.agenciesCovered(ctx, body, agency); err != nil {
			return err
		}
	case p.Has(domain.RoleAgencyAdmin) && !domain.IsEnterpriseID(p.AgencyID):
		if agency != "" && agency != p.AgencyID {
			return notFound("agency")
		}
		agency = p.AgencyID
	default:
		return forbidden("problems are registered by an agency's admin or a supervisor")
	}
	if req.Status != "" && req.Status != string(domain.ProblemOpen) || req.Closure != nil {
		return &domain.Error{Code: domain.Invalid, Message: "a problem is registered open", Fields: map[string]string{"status": "leave it out; close the problem with PATCH"}}
	}
	now := domain.Stamp(h.Now())
	pr := &domain.Problem{AgencyID: agency, Source: req.Source, SourceRef: req.SourceRef, Title: req.Title, Description: req.Description, Plan: req.Plan,
		Owner: req.Owner, Deadline: req.Deadline.Time, Status: domain.ProblemOpen, CreatedBy: p.UserID, CreatedAt: now, UpdatedAt: now}
	if err := pr.Validate(); err != nil {
		return err
	}
	// The agency's log hears of it first: its admins' alert is derived from there.
	if err := h.recordChange(ctx, agency, "problem", &pr.ID, 0, func() error { return h.Repo.CreateProblem(ctx, pr) }); err != nil {
		return err
	}
	return created(c, "/v1/problems/"+pr.ID, pr.Version, h.toProblemJSON(pr))
}

// ListProblems lists problems in the order registered: a supervisor's of the agencies covered,
// an agency member's of its own. ?agency_id= ?status= ?source= ?open=true ?overdue=true.
func (h *Handlers) ListProblems(c *fiber.Ctx) error {
	pg, err := pageOf(c)
	if err != nil {
		return err
	}
	f := domain.ProblemFilter{Status: domain.ProblemStatus(c.Query("status")), Source: c.Query("source"), OpenOnly: c.Query("open") == "true" || c.Query("overdue") == "true"}
	fe := domain.FieldErrors{}
	if f.Status != "" && !slices.Contains([]domain.ProblemStatus{domain.ProblemOpen, domain.ProblemInProgress, domain.ProblemClosed}, f.Status) {
		fe.Add("status", "open, in_progress or closed")
	}
	if f.Source != "" && !slices.Contains(domain.ProblemSources, f.Source) {
		fe.Add("source", "self_check, review_finding, complaint or feedback")
	}
	if err := fe.Err(); err != nil {
		return err
	}
	ctx, cancel := h.ctx(c)
	defer cancel()
	if f.AgencyIDs, _, err = h.problemScope(ctx, principal(c), c.Query("agency_id")); err != nil {
		return err
	}
	list, next, err := h.Repo.ListProblems(ctx, f, pg)
	if err != nil {
		return err
	}
	out := listResponse[problemJSON]{Items: []problemJSON{}, NextCursor: next}
	for _, pr := range list {
		if j := h.toProblemJSON(pr); c.Query("overdue") != "true" || j.Overdue {
			out.Items = append(out.Items, j)
		}
	}
	return c.JSON(out)
}

func (h *Handlers) scopedProblem(c *fiber.Ctx, ctx context.Context) (*domain.Problem, bool, error) {
	pr, err := h.Repo.ProblemByID(ctx, c.Params("id"))
	if err != nil {
		return nil, false, err
	}
	ids, supervisor, err := h.problemScope(ctx, principal(c), "")
	if err != nil || !slices.Contains(ids, pr.AgencyID) {
		return nil, false, notFound("problem")
	}
	return pr, supervisor, nil
}

// GetProblem reads a problem.
func (h *Handlers) GetProblem(c *fiber.Ctx) error {
	ctx, cancel := h.ctx(c)
	defer cancel()
	pr, _, err := h.scopedProblem(c, ctx)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderETag, etag(pr.Version))
	return c.JSON(h.toProblemJSON(pr))
}

// UpdateProblem is the agency admin's rectification: the plan, owner, deadline and status; a
// problem is closed with what was done. If-Match required.
func (h *Handlers) UpdateProblem(c *fiber.Ctx) error {
	p := principal(c)
	var req problemRequest
	if err := Decode(c, &req); err != nil {
		return err
	}
	ctx, cancel := h.ctx(c)
	defer cancel()
	pr, supervisor, err := h.scopedProblem(c, ctx)
	if err != nil {
		return err
	}
	if supervisor || !p.Has(domain.RoleAgencyAdmin) {
		return forbidden("the agency's admin rectifies its problems")
	}
	if err := ifMatch(c, pr.Version); err != nil {
		return err
	}
	if req.AgencyID != "" || req.Source != "" || req.SourceRef != "" || req.Title != "" {
		return &domain.Error{Code: domain.Invalid, Message: "a problem's agency, source and title stay as registered",
			Fields: map[string]string{"agency_id": "not changed by PATCH; register another problem instead"}}
	}
	if req.Plan != "" {
		pr.Plan = req.Plan
	}
	if req.Owner != "" {
		pr.Owner = req.Owner
	}
	if !req.Deadline.IsZero() {
		pr.Deadline = req.Deadline.Time
	}
	if req.Description != "" {
		pr.Description = req.Description
	}
	if req.Closure != nil {
		pr.Closure = *req.Closure
	}
	if req.Status != "" {
		pr.Status = domain.ProblemStatus(req.Status)
	}
	now := domain.Stamp(h.Now())
	pr.UpdatedAt = now
	if pr.Status == domain.ProblemClosed && pr.ClosedAt.IsZero() {
		pr.ClosedAt = now
	} else if pr.Status != domain.ProblemClosed {
		pr.ClosedAt = time.Time{}
	}
	if err := pr.Validate(); err != nil {
		return err
	}
	if err := h.Repo.UpdateProblem(ctx, pr); err != nil {
		return err
	}
	c.Set(fiber.HeaderETag, etag(pr.Version))
	return c.JSON(h.toProblemJSON(pr))
}
