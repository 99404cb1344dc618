package handlers

import (
	"context"

	"github.com/zhifa/zhifa/domain"
)

// Who may see the public-feedback records: the supervisory bodies over an agency, and the
// enterprise that gave them.

// agenciesCovered lists the ids of the agencies a supervisory body covers (its region and
// below), all of them or, with want, that one only; NotFound when want is not among them.
//
// The list is never nil: an empty one filters everything out, where nil would filter nothing.
func (h *Handlers) agenciesCovered(ctx context.Context, body *domain.Agency, want string) ([]string, error) {
	ids := []string{}
	page := domain.Page{Limit: domain.MaxPageLimit}
	for {
		list, next, err := h.Repo.AgenciesUnder(ctx, body.RegionID, page)
		if err != nil {
			return nil, err
		}
		for _, a := range list {
			if a.ID != body.ID && (want == "" || a.ID == want) {
				ids = append(ids, a.ID)
			}
		}
		if next == "" {
			break
		}
		page.Cursor = next
	}
	if want != "" && len(ids) == 0 {
		return nil, notFound("agency")
	}
	return ids, nil
}

// supervises says whether the caller is a supervisor of a body over the agency, and which.
func (h *Handlers) supervises(ctx context.Context, p domain.Principal, agencyID string) (*domain.Agency, bool, error) {
	body, err := h.supervisingAgency(ctx, p)
	if err != nil || body == nil {
		return nil, false, err
	}
	a, err := h.Repo.AgencyByID(ctx, agencyID)
	if domain.ErrorCode(err) == domain.NotFound {
		return body, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	return body, body.Supervises(a), nil
}

// tellBodies writes a change into the log of each supervisory body over the agency before the
// fact it announces is stored: the supervisors' alerts are derived from there, each user's in
// one log. eventSeq names the step of a complaint.
func (h *Handlers) tellBodies(ctx context.Context, agencyID, kind, objectID string, eventSeq int) error {
	agency, err := h.Repo.AgencyByID(ctx, agencyID)
	if err != nil {
		return err
	}
	bodies, err := h.Repo.SupervisorsOver(ctx, agency)
	if err != nil {
		return err
	}
	for _, b := range bodies {
		if err := h.Repo.RecordChange(ctx, &domain.Change{AgencyID: b.ID, Kind: kind, ObjectID: objectID, EventSeq: eventSeq}); err != nil {
			return err
		}
	}
	return nil
}

// callerEnterprise is the active enterprise whose user the caller is; nil for anyone else.
func (h *Handlers) callerEnterprise(ctx context.Context, p domain.Principal) (*domain.Enterprise, error) {
	if !p.Has(domain.RoleEnterprise) || !domain.IsEnterpriseID(p.AgencyID) {
		return nil, nil
	}
	e, err := h.Repo.EnterpriseByID(ctx, p.AgencyID)
	if domain.ErrorCode(err) == domain.NotFound {
		return nil, nil
	}
	if err != nil || e.Status != domain.EnterpriseActive {
		return nil, err
	}
	return e, nil
}

// enterpriseOnly answers a route of the enterprise app for anyone else.
func enterpriseOnly() error {
	return forbidden("this is the enterprise app's route: sign in as the user of an activated enterprise")
}
