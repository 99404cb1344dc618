package handlers

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/zhifa/zhifa/domain"
)

// Adjustments (机构和人员调整记录): every change of where an agency sits, its kind, name, legal
// basis or status, of a person's roles or status, and of a certificate is recorded with who made
// it and what it was before and after, for the agency's supervisors.

type adjustmentJSON struct {
	ID          string    `json:"id"`
	AgencyID    string    `json:"agency_id"`
	Subject     string    `json:"subject"`
	SubjectID   string    `json:"subject_id"`
	SubjectName string    `json:"subject_name"`
	Field       string    `json:"field"`
	FieldName   string    `json:"field_name"`
	Before      string    `json:"before"`
	After       string    `json:"after"`
	ActorID     string    `json:"actor_id"`
	ActorName   string    `json:"actor_name"`
	At          time.Time `json:"at"`
}

func toAdjustmentJSON(a *domain.Adjustment) adjustmentJSON {
	return adjustmentJSON{ID: a.ID, AgencyID: a.AgencyID, Subject: string(a.Subject), SubjectID: a.SubjectID, SubjectName: a.SubjectName,
		Field: a.Field, FieldName: domain.AdjustmentFieldNames[a.Field], Before: a.Before, After: a.After, ActorID: a.ActorID,
		ActorName: a.ActorName, At: a.At.UTC()}
}

// ListAdjustments lists an agency's adjustment records for its admins, the supervisors covering
// it and sysadmins.
func (h *Handlers) ListAdjustments(c *fiber.Ctx) error {
	p := principal(c)
	a, err := h.scopedAgency(c)
	if err != nil {
		return err
	}
	if p.AgencyID == a.ID && !p.Has(domain.RoleAgencyAdmin) {
		return forbidden("the agency's admins and its supervisors read its adjustments")
	}
	pg, err := pageOf(c)
	if err != nil {
		return err
	}
	ctx, cancel := h.ctx(c)
	defer cancel()
	list, next, err := h.Repo.AdjustmentsOf(ctx, a.ID, pg)
	if err != nil {
		return err
	}
	return c.JSON(listOf(list, next, toAdjustmentJSON))
}

// adjusting records the adjustments a write is about to make, before it makes them, so that no
// change is ever written without its record; announce also tells the supervisory bodies named in
// each record. The returned undo removes the records when the write then fails.
func (h *Handlers) adjusting(c *fiber.Ctx, ctx context.Context, adjs []*domain.Adjustment, announce bool) (undo func(), err error) {
	p := principal(c)
	actorName := p.UserID
	if s, ok := admitted(c, p.UserID); ok {
		actorName = s.User.Name
		if actorName == "" {
			actorName = s.User.Username
		}
	}
	now := h.Now()
	done := []string{}
	undo = func() {
		for _, id := range done {
			if err := h.Repo.DeleteAdjustment(context.WithoutCancel(ctx), id); err != nil {
				h.Log.Error("remove the record of an adjustment not written", "adjustment", id, "error", err)
			}
		}
	}
	for _, a := range adjs {
		a.ActorID, a.ActorName, a.At = p.UserID, actorName, now
		if err := h.Repo.RecordAdjustment(ctx, a); err != nil {
			undo()
			return nil, err
		}
		done = append(done, a.ID)
		if !announce {
			continue
		}
		for _, body := range a.Bodies {
			if err := h.Repo.RecordChange(ctx, &domain.Change{AgencyID: body, Kind: "adjustment", ObjectID: a.ID}); err != nil {
				undo()
				return nil, err
			}
		}
	}
	return undo, nil
}

// bodiesOver are the ids of the supervisory bodies over each of the agencies.
func (h *Handlers) bodiesOver(ctx context.Context, agencies ...*domain.Agency) ([]string, error) {
	ids := []string{}
	for _, a := range agencies {
		bodies, err := h.Repo.SupervisorsOver(ctx, a)
		if err != nil {
			return nil, err
		}
		for _, b := range bodies {
			if !slices.Contains(ids, b.ID) {
				ids = append(ids, b.ID)
			}
		}
	}
	return ids, nil
}

// agencyAdjustments are the records of what changed from before to after.
func agencyAdjustments(before, after *domain.Agency, bodies []string) []*domain.Adjustment {
	place := func(a *domain.Agency) string {
		return strings.TrimSpace(a.Jurisdiction.District + " " + a.Jurisdiction.Town)
	}
	fields := []struct{ name, before, after string }{
		{"name", before.Name, after.Name},
		{"jurisdiction", place(before) + " (" + before.RegionID + ")", place(after) + " (" + after.RegionID + ")"},
		{"kind", string(before.KindOrDefault()), string(after.KindOrDefault())},
		{"legal_basis", before.LegalBasis, after.LegalBasis},
		{"status", string(before.Status), string(after.Status)},
	}
	var out []*domain.Adjustment
	for _, f := range fields {
		if f.before == f.after {
			continue
		}
		out = append(out, &domain.Adjustment{ID: domain.AdjustmentID(domain.AdjustAgency, after.ID, f.name, after.Version+1), AgencyID: after.ID,
			Subject: domain.AdjustAgency, SubjectID: after.ID, SubjectName: after.Name, Field: f.name, Before: f.before, After: f.after, Bodies: bodies})
	}
	return out
}

// officerAdjustments are the records of a person's changed roles and status.
func officerAdjustments(before, after *domain.User) []*domain.Adjustment {
	var out []*domain.Adjustment
	add := func(field, b, a string) {
		if b != a {
			out = append(out, &domain.Adjustment{ID: domain.AdjustmentID(domain.AdjustOfficer, after.ID, field, after.Version+1), AgencyID: after.AgencyID,
				Subject: domain.AdjustOfficer, SubjectID: after.ID, SubjectName: after.Name, Field: field, Before: b, After: a})
		}
	}
	add("roles", strings.Join(roleStrings(before.Roles), ","), strings.Join(roleStrings(after.Roles), ","))
	add("status", string(before.Status), string(after.Status))
	return out
}

// certificateAdjustments is the record of a certificate issued, replaced or changed.
func certificateAdjustments(u *domain.User, before, after *domain.Certificate, now time.Time) []*domain.Adjustment {
	describe := func(c *domain.Certificate) string {
		if c == nil {
			return ""
		}
		return fmt.Sprintf("%s %s %s–%s", c.Number, c.Status, c.IssuedOn.Format(time.DateOnly), c.ExpiresOn.Format(time.DateOnly))
	}
	b, a := describe(before), describe(after)
	if b == a {
		return nil
	}
	return []*domain.Adjustment{{ID: domain.AdjustmentID(domain.AdjustCertificate, u.ID, "certificate", now.UnixNano()), AgencyID: u.AgencyID,
		Subject: domain.AdjustCertificate, SubjectID: u.ID, SubjectName: u.Name, Field: "certificate", Before: b, After: a}}
}
