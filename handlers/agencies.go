package handlers

import (
	"context"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/zhifa/zhifa/domain"
)

type jurisdictionJSON struct {
	District string `json:"district"`
	Town     string `json:"town,omitempty"`
}

type agencyRequest struct {
	Name              *string           `json:"name"`
	USCC              *string           `json:"uscc"`
	Jurisdiction      *jurisdictionJSON `json:"jurisdiction"`
	JurisdictionID    *string           `json:"jurisdiction_id" limit:"64"`
	Kind              *string           `json:"kind"`
	LegalBasis        *string           `json:"legal_basis" limit:"2000"`
	Status            *string           `json:"status"`
	StatusAnnouncedOn *Date             `json:"status_announced_on"`
	DecisionRole      *string           `json:"decision_role"`
	DocNumberPattern  *string           `json:"document_number_pattern" limit:"64"`
	// Reconsideration and Court are named by the agency's penalty decisions (art. 59).
	Reconsideration *string `json:"reconsideration_body" limit:"128"`
	Court           *string `json:"court" limit:"128"`
}

type agencyResponse struct {
	ID                string           `json:"id"`
	Name              string           `json:"name"`
	USCC              string           `json:"uscc"`
	Kind              string           `json:"kind"`
	Jurisdiction      jurisdictionJSON `json:"jurisdiction"`
	JurisdictionID    string           `json:"jurisdiction_id,omitempty"`
	LegalBasis        string           `json:"legal_basis" limit:"2000"`
	Status            string           `json:"status"`
	StatusAnnouncedOn *Date            `json:"status_announced_on"`
	DecisionRole      string           `json:"decision_role,omitempty"`
	DocNumberPattern  string           `json:"document_number_pattern,omitempty"`
	Reconsideration   string           `json:"reconsideration_body,omitempty"`
	Court             string           `json:"court,omitempty"`
	CreatedAt         *time.Time       `json:"created_at,omitempty"`
	UpdatedAt         *time.Time       `json:"updated_at,omitempty"`
	Version           int64            `json:"version,omitempty"`
}

func toAgencyResponse(a *domain.Agency) agencyResponse {
	return agencyResponse{
		ID: a.ID, Name: a.Name, USCC: a.USCC, Kind: string(a.KindOrDefault()), JurisdictionID: a.RegionID,
		Jurisdiction: jurisdictionJSON{District: a.Jurisdiction.District, Town: a.Jurisdiction.Town},
		LegalBasis:   a.LegalBasis, Status: string(a.Status), StatusAnnouncedOn: dateOf(a.StatusAnnouncedOn),
		DecisionRole: string(a.Decider()), DocNumberPattern: a.DocumentNumberPattern,
		Reconsideration: a.ReconsiderationBody, Court: a.Court, CreatedAt: &a.CreatedAt, UpdatedAt: &a.UpdatedAt, Version: a.Version,
	}
}

// toPublicAgency leaves out what the public list does not need.
func toPublicAgency(a *domain.Agency) agencyResponse {
	r := toAgencyResponse(a)
	r.CreatedAt, r.UpdatedAt, r.Version, r.DecisionRole, r.DocNumberPattern = nil, nil, 0, "", ""
	return r
}

// apply copies the fields present in the request onto a.
func (r *agencyRequest) apply(a *domain.Agency) {
	if r.Name != nil {
		a.Name = *r.Name
	}
	if r.USCC != nil {
		a.USCC = *r.USCC
	}
	if r.Jurisdiction != nil {
		a.Jurisdiction = domain.Jurisdiction{District: r.Jurisdiction.District, Town: r.Jurisdiction.Town}
	}
	if r.Kind != nil {
		a.Kind = domain.AgencyKind(*r.Kind)
	}
	if r.LegalBasis != nil {
		a.LegalBasis = *r.LegalBasis
	}
	if r.Status != nil {
		a.Status = domain.AgencyStatus(*r.Status)
	}
	if r.StatusAnnouncedOn != nil {
		a.StatusAnnouncedOn = r.StatusAnnouncedOn.Time
	}
	if r.DecisionRole != nil {
		a.DecisionRole = domain.Role(*r.DecisionRole)
	}
	if r.DocNumberPattern != nil {
		a.DocumentNumberPattern = strings.TrimSpace(*r.DocNumberPattern)
	}
	if r.Reconsideration != nil {
		a.ReconsiderationBody = strings.TrimSpace(*r.Reconsideration)
	}
	if r.Court != nil {
		a.Court = strings.TrimSpace(*r.Court)
	}
}

// CreateAgency registers an enforcement agency; sysadmin only.
func (h *Handlers) CreateAgency(c *fiber.Ctx) error {
	if !principal(c).Has(domain.RoleSysadmin) {
		return forbidden("only a sysadmin registers agencies")
	}
	var req agencyRequest
	if err := Decode(c, &req); err != nil {
		return err
	}
	a := &domain.Agency{Status: domain.AgencyActive, Kind: domain.AgencyEnforcement}
	req.apply(a)
	ctx, cancel := h.ctx(c)
	defer cancel()
	if err := h.placeAgency(ctx, a, &req, true); err != nil {
		return err
	}
	if err := a.Validate(); err != nil {
		return err
	}
	if err := h.Repo.CreateAgency(ctx, a); err != nil {
		return err
	}
	return created(c, "/v1/agencies/"+a.ID, a.Version, toAgencyResponse(a))
}

// ListAgencies lists every agency for a sysadmin and the caller's own agency for anyone else.
func (h *Handlers) ListAgencies(c *fiber.Ctx) error {
	p := principal(c)
	pg, err := pageOf(c)
	if err != nil {
		return err
	}
	ctx, cancel := h.ctx(c)
	defer cancel()
	if own, err := h.supervisingAgency(ctx, p); err != nil {
		return err
	} else if own != nil {
		list, next, err := h.Repo.AgenciesUnder(ctx, own.RegionID, pg)
		if err != nil {
			return err
		}
		return c.JSON(listOf(list, next, toAgencyResponse))
	}
	if !p.Has(domain.RoleSysadmin) {
		items := []agencyResponse{}
		// An enterprise's user belongs to no agency: an empty list, not its account's 404.
		if p.AgencyID != "" && !domain.IsEnterpriseID(p.AgencyID) && pg.Cursor == "" {
			a, err := h.Repo.AgencyByID(ctx, p.AgencyID)
			if err != nil {
				return err
			}
			items = append(items, toAgencyResponse(a))
		}
		return c.JSON(listResponse[agencyResponse]{Items: items})
	}
	status := domain.AgencyStatus(c.Query("status"))
	list, next, err := h.Repo.ListAgencies(ctx, status, pg)
	if err != nil {
		return err
	}
	return c.JSON(listOf(list, next, toAgencyResponse))
}

// PublicAgencies lists the agencies for anyone (执法主体公示) with their adjustments: a suspended
// or revoked agency is listed with its status and the date it was announced. ?status= narrows.
func (h *Handlers) PublicAgencies(c *fiber.Ctx) error {
	pg, err := pageOf(c)
	if err != nil {
		return err
	}
	status := domain.AgencyStatus(c.Query("status"))
	switch status {
	case "", domain.AgencyActive, domain.AgencySuspended, domain.AgencyRevoked:
	default:
		return &domain.Error{Code: domain.Invalid, Message: "unknown status", Fields: map[string]string{"status": "active, suspended or revoked"}}
	}
	ctx, cancel := h.ctx(c)
	defer cancel()
	list, next, err := h.Repo.ListAgencies(ctx, status, pg)
	if err != nil {
		return err
	}
	return c.JSON(listOf(list, next, toPublicAgency))
}

// GetAgency reads one agency within the caller's scope.
func (h *Handlers) GetAgency(c *fiber.Ctx) error {
	a, err := h.scopedAgency(c)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderETag, etag(a.Version))
	return c.JSON(toAgencyResponse(a))
}

// UpdateAgency changes an agency. Where an agency sits, its kind, name, legal basis, status and
// code are the government's act (the sysadmin's here), recorded and announced to the supervisory
// bodies over it before and after; the agency's admin sets how it works: who decides and how its
// documents are numbered.
func (h *Handlers) UpdateAgency(c *fiber.Ctx) error {
	p := principal(c)
	a, err := h.scopedAgency(c)
	if err != nil {
		return err
	}
	if !p.ManagesAgency(a.ID) {
		return forbidden("only the agency's admin or a sysadmin changes an agency")
	}
	var req agencyRequest
	if err := Decode(c, &req); err != nil {
		return err
	}
	if !p.Has(domain.RoleSysadmin) {
		f := domain.FieldErrors{}
		for name, set := range map[string]bool{"name": req.Name != nil, "uscc": req.USCC != nil, "jurisdiction": req.Jurisdiction != nil,
			"jurisdiction_id": req.JurisdictionID != nil, "kind": req.Kind != nil, "legal_basis": req.LegalBasis != nil,
			"status": req.Status != nil, "status_announced_on": req.StatusAnnouncedOn != nil} {
			if set {
				f.Add(name, "set by the government (a sysadmin), not by the agency itself")
			}
		}
		if len(f) > 0 {
			return &domain.Error{Code: domain.Forbidden, Message: "where an agency sits, its kind, name, legal basis, status and code are the government's act", Fields: f}
		}
	}
	if req.Jurisdiction != nil {
		return &domain.Error{Code: domain.Invalid, Message: "an agency moves to an existing jurisdiction by its id",
			Fields: map[string]string{"jurisdiction": "name the jurisdiction with jurisdiction_id (GET /v1/jurisdictions); a change creates no region"}}
	}
	if err := ifMatch(c, a.Version); err != nil {
		return err
	}
	before := *a
	status, announced := req.Status, req.StatusAnnouncedOn
	req.Status, req.StatusAnnouncedOn = nil, nil
	req.apply(a)
	if status != nil || announced != nil {
		next := a.Status
		if status != nil {
			next = domain.AgencyStatus(*status)
		}
		if err := a.ChangeStatus(next, announced.value()); err != nil {
			return err
		}
	}
	ctx, cancel := h.ctx(c)
	defer cancel()
	if err := h.placeAgency(ctx, a, &req, false); err != nil {
		return err
	}
	if err := a.Validate(); err != nil {
		return err
	}
	bodies, err := h.bodiesOver(ctx, &before, a)
	if err != nil {
		return err
	}
	undo, err := h.adjusting(c, ctx, agencyAdjustments(&before, a, bodies), true)
	if err != nil {
		return err
	}
	if err := h.Repo.UpdateAgency(ctx, a); err != nil {
		undo()
		return err
	}
	c.Set(fiber.HeaderETag, etag(a.Version))
	return c.JSON(toAgencyResponse(a))
}

// scopedAgency loads the agency named in the path, answering NotFound outside the caller's scope.
func (h *Handlers) scopedAgency(c *fiber.Ctx) (*domain.Agency, error) {
	p := principal(c)
	id := c.Params("id")
	ctx, cancel := h.ctx(c)
	defer cancel()
	if p.Has(domain.RoleSysadmin) || p.AgencyID == id {
		return h.Repo.AgencyByID(ctx, id)
	}
	if own, err := h.supervisingAgency(ctx, p); err == nil && own != nil {
		a, err := h.Repo.AgencyByID(ctx, id)
		if err == nil && own.Supervises(a) {
			return a, nil
		}
	}
	return nil, notFound("agency")
}

// supervisingAgency is the caller's agency when it is a supervisory body and the caller one of
// its supervisors; nil otherwise.
func (h *Handlers) supervisingAgency(ctx context.Context, p domain.Principal) (*domain.Agency, error) {
	if p.AgencyID == "" || !p.Has(domain.RoleSupervisor) {
		return nil, nil
	}
	a, err := h.Repo.AgencyByID(ctx, p.AgencyID)
	if err != nil || a.KindOrDefault() != domain.AgencySupervisory {
		return nil, err
	}
	return a, nil
}

// placeAgency puts a into the jurisdiction tree: at the region the request names, or by its
// district and town names (found or created), which an agency registered by names keeps.
func (h *Handlers) placeAgency(ctx context.Context, a *domain.Agency, req *agencyRequest, creating bool) error {
	switch {
	case req.JurisdictionID != nil:
		r, err := h.Repo.RegionByID(ctx, *req.JurisdictionID)
		if domain.ErrorCode(err) == domain.NotFound {
			return &domain.Error{Code: domain.Invalid, Message: "no such jurisdiction", Fields: map[string]string{"jurisdiction_id": "not a jurisdiction"}}
		}
		if err != nil {
			return err
		}
		a.RegionID, a.RegionPath = r.ID, r.Path
		a.Jurisdiction = domain.Jurisdiction{}
		for _, id := range r.Path {
			n, err := h.Repo.RegionByID(ctx, id)
			if err != nil {
				return err
			}
			switch n.Level {
			case domain.LevelTown:
				a.Jurisdiction.Town = n.Name
			default:
				a.Jurisdiction.District = n.Name // the lowest level above a town
			}
		}
	case req.Jurisdiction != nil || creating:
		if strings.TrimSpace(a.Jurisdiction.District) == "" {
			return nil // Validate names the field
		}
		r, err := h.Repo.PlaceAgency(ctx, a.Jurisdiction)
		if err != nil {
			return err
		}
		a.RegionID, a.RegionPath = r.ID, r.Path
	}
	return nil
}

func listOf[T any, R any](list []T, next string, conv func(T) R) listResponse[R] {
	out := listResponse[R]{Items: make([]R, len(list)), NextCursor: next}
	for i, v := range list {
		out.Items[i] = conv(v)
	}
	return out
}
