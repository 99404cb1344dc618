package handlers

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/zhifa/zhifa/domain"
)

type checkInJSON struct {
	OfficerID string    `json:"officer_id"`
	At        time.Time `json:"at"`
	Lat       float64   `json:"lat"`
	Lng       float64   `json:"lng"`
	DeviceID  string    `json:"device_id,omitempty"`
}

type inspectionJSON struct {
	ID             string        `json:"id"`
	AgencyID       string        `json:"agency_id"`
	MatterID       string        `json:"matter_id"`
	EnterpriseUSCC string        `json:"enterprise_uscc"`
	EnterpriseName string        `json:"enterprise_name"`
	PlannedOn      *Date         `json:"planned_on"`
	OfficerIDs     []string      `json:"officer_ids"`
	Status         string        `json:"status"`
	CheckIns       []checkInJSON `json:"check_ins"`
	Outcome        string        `json:"outcome,omitempty"`
	Notes          string        `json:"notes,omitempty"`
	CreatedAt      time.Time     `json:"created_at"`
	UpdatedAt      time.Time     `json:"updated_at"`
	Version        int64         `json:"version"`
}

func toInspectionJSON(in *domain.Inspection) inspectionJSON {
	out := inspectionJSON{ID: in.ID, AgencyID: in.AgencyID, MatterID: in.MatterID, EnterpriseUSCC: in.EnterpriseUSCC, EnterpriseName: in.EnterpriseName,
		PlannedOn: dateOf(in.PlannedOn), OfficerIDs: nonNilStrings(in.OfficerIDs), Status: string(in.Status), CheckIns: []checkInJSON{},
		Outcome: in.Outcome, Notes: in.Notes, CreatedAt: in.CreatedAt, UpdatedAt: in.UpdatedAt, Version: in.Version}
	for _, c := range in.CheckIns {
		out.CheckIns = append(out.CheckIns, checkInJSON{OfficerID: c.OfficerID, At: c.At, Lat: c.Lat, Lng: c.Lng, DeviceID: c.DeviceID})
	}
	return out
}

type inspectionRequest struct {
	ID             string   `json:"id"`
	MatterID       string   `json:"matter_id"`
	EnterpriseUSCC string   `json:"enterprise_uscc"`
	EnterpriseName string   `json:"enterprise_name"`
	PlannedOn      *Date    `json:"planned_on"`
	OfficerIDs     []string `json:"officer_ids" limit:"10,64"`
}

// overlapJSON tells a planning agency of another agency's inspection of the same enterprise,
// so the two can inspect together (综合查一次). It names the agency and the date, never the
// other inspection's id or officers.
type overlapJSON struct {
	AgencyID   string `json:"agency_id"`
	AgencyName string `json:"agency_name"`
	PlannedOn  *Date  `json:"planned_on"`
	Status     string `json:"status"`
}

// inspectionPlanResponse is the planned inspection, with what the plan was warned of.
type inspectionPlanResponse struct {
	inspectionJSON
	Warning  string        `json:"warning,omitempty"`
	Overlaps []overlapJSON `json:"overlaps"`
}

// CreateInspection pre-files an inspection plan (事前报备) and warns of any other agency's
// inspection of the same enterprise within the configured window.
func (h *Handlers) CreateInspection(c *fiber.Ctx) error {
	p := principal(c)
	if p.AgencyID == "" || !p.HasAny(domain.RoleOfficer, domain.RoleAgencyAdmin) {
		return forbidden("inspections are planned by officers of an agency")
	}
	var req inspectionRequest
	if err := Decode(c, &req); err != nil {
		return err
	}
	if req.ID != "" && !validClientID(req.ID) {
		return &domain.Error{Code: domain.Invalid, Message: "invalid id", Fields: map[string]string{"id": "a lower-case UUID, or leave it out"}}
	}
	in := &domain.Inspection{ID: req.ID, AgencyID: p.AgencyID, MatterID: req.MatterID, EnterpriseUSCC: req.EnterpriseUSCC,
		EnterpriseName: strings.TrimSpace(req.EnterpriseName), PlannedOn: req.PlannedOn.value(), OfficerIDs: req.OfficerIDs,
		Status: domain.InspectionPlanned, CreatedBy: p.UserID}
	k, err := keyOf(c)
	if err != nil {
		return err
	}
	if in.ID == "" && k.Key != "" {
		in.ID = k.derivedID() // a retry of the create finds what its first attempt made
	}
	if err := in.Validate(); err != nil {
		return err
	}
	if domain.PlannedDayStart(in.PlannedOn).Add(24 * time.Hour).Before(h.Now()) {
		return &domain.Error{Code: domain.Invalid, Message: "an inspection is filed before it happens (事前报备)", Fields: map[string]string{"planned_on": "today or later"}}
	}
	ctx, cancel := h.ctx(c)
	defer cancel()
	m, err := h.Repo.MatterByID(ctx, in.MatterID)
	if err != nil || m.AgencyID != p.AgencyID {
		if err == nil || domain.ErrorCode(err) == domain.NotFound {
			return &domain.Error{Code: domain.Invalid, Message: "unknown matter", Fields: map[string]string{"matter_id": "no such matter in your agency"}}
		}
		return err
	}
	need := 2
	if m.SingleOfficer {
		need = 1
	}
	certified := 0
	for _, id := range in.OfficerIDs {
		s, err := h.standing(ctx, id)
		if err != nil || s.User.AgencyID != p.AgencyID || !s.User.Has(domain.RoleOfficer) {
			if err == nil || domain.ErrorCode(err) == domain.NotFound {
				return &domain.Error{Code: domain.Invalid, Message: "unknown officer", Fields: map[string]string{"officer_ids": "no officer " + id + " in your agency"}}
			}
			return err
		}
		if domain.MayAct(s.User, s.Certificate, s.Agency, domain.PlannedDayStart(in.PlannedOn)) == nil {
			certified++
		}
	}
	if certified < need {
		return &domain.Error{Code: domain.Invalid, Message: "too few certified officers for this inspection",
			Fields: map[string]string{"officer_ids": fmt.Sprintf("at least %d officers with a certificate valid on the planned day (art. 42)", need)}}
	}
	window := time.Duration(h.InspectionWindowDays) * 24 * time.Hour
	others, err := h.Repo.InspectionsOfEnterprise(ctx, in.EnterpriseUSCC, in.PlannedOn.Add(-window), in.PlannedOn.Add(window))
	if err != nil {
		return err
	}
	answer := func(in *domain.Inspection) error {
		return created(c, "/v1/inspections/"+in.ID, in.Version, h.planResponse(ctx, in, others))
	}
	if in.ID != "" {
		// Nothing is logged for an id that is taken; a retry gets the answer of its first attempt.
		unlock := h.lockID(in.ID)
		defer unlock()
		switch existing, err := h.Repo.InspectionByID(ctx, in.ID); domain.ErrorCode(err) {
		case "":
			if existing.AgencyID == p.AgencyID {
				if _, done, err := replayedWrite(c, existing.Keys, k); done {
					if err != nil {
						return err
					}
					return answer(existing)
				}
			}
			return domain.Errorf(domain.Conflict, "an inspection with this id already exists")
		case domain.NotFound:
		default:
			return err
		}
	}
	in.Remember(domain.ActionKey{Key: k.Key, Request: k.Request, Seq: 1, At: h.Now()})
	if err := h.recordChange(ctx, in.AgencyID, "inspection", &in.ID, 0, func() error { return h.Repo.CreateInspection(ctx, in) }); err != nil {
		return err
	}
	return answer(in)
}

// planResponse is a planned inspection with the other agencies' inspections near it.
func (h *Handlers) planResponse(ctx context.Context, in *domain.Inspection, others []*domain.Inspection) inspectionPlanResponse {
	out := inspectionPlanResponse{inspectionJSON: toInspectionJSON(in), Overlaps: []overlapJSON{}}
	for _, o := range others {
		if o.AgencyID == in.AgencyID || o.Status == domain.InspectionCancelled {
			continue
		}
		name := ""
		if a, err := h.Repo.AgencyByID(ctx, o.AgencyID); err == nil {
			name = a.Name
		}
		out.Overlaps = append(out.Overlaps, overlapJSON{AgencyID: o.AgencyID, AgencyName: name, PlannedOn: dateOf(o.PlannedOn), Status: string(o.Status)})
	}
	if len(out.Overlaps) > 0 {
		out.Warning = "该企业在相近日期已有检查计划，建议联合检查（综合查一次）"
	}
	return out
}

// inspectionWrite applies a change to an inspection once per Idempotency-Key: a retry of a
// change that was written answers with the inspection, the key travelling in the same write.
func (h *Handlers) inspectionWrite(c *fiber.Ctx, ctx context.Context, in *domain.Inspection, change func() error) error {
	k, err := keyOf(c)
	if err != nil {
		return err
	}
	if _, done, err := replayedWrite(c, in.Keys, k); done {
		if err != nil {
			return err
		}
		c.Set(fiber.HeaderETag, etag(in.Version))
		return c.JSON(toInspectionJSON(in))
	}
	if err := change(); err != nil {
		return err
	}
	in.Remember(domain.ActionKey{Key: k.Key, Request: k.Request, Seq: int(in.Version) + 1, At: h.Now()})
	return h.saveInspection(c, ctx, in)
}

// ListInspections lists the agency's inspections, searched by inspectionSearchOf; a
// supervisor's, with ?agency_id= (required), of an agency its body covers.
func (h *Handlers) ListInspections(c *fiber.Ctx) error {
	var f domain.InspectionFilter
	if err := inspectionSearchOf(c, &f); err != nil {
		return err
	}
	return listReadable(h, c, func(ctx context.Context, agencyID string, pg domain.Page) ([]*domain.Inspection, string, error) {
		f.AgencyID = agencyID
		return h.Repo.SearchInspections(ctx, f, pg)
	}, toInspectionJSON)
}

func (h *Handlers) scopedInspection(c *fiber.Ctx, ctx context.Context) (*domain.Inspection, error) {
	return scoped(c, ctx, h.Repo.InspectionByID, func(in *domain.Inspection) string { return in.AgencyID }, "inspection")
}

// GetInspection reads one inspection: the agency's people, and the supervisors over it (logged).
func (h *Handlers) GetInspection(c *fiber.Ctx) error {
	ctx, cancel := h.ctx(c)
	defer cancel()
	in, body, err := h.readableInspection(c, ctx)
	if err != nil {
		return err
	}
	if err := h.noteRead(c, ctx, body, in.AgencyID, "", "inspection", in.ID); err != nil {
		return err
	}
	c.Set(fiber.HeaderETag, etag(in.Version))
	return c.JSON(toInspectionJSON(in))
}

type checkInRequest struct {
	Lat      float64 `json:"lat" limit:"90"`
	Lng      float64 `json:"lng" limit:"180"`
	DeviceID string  `json:"device_id" limit:"128"`
}

// CheckIn records the calling officer on site with GPS and time; the inspection is under way
// once two certified officers (one where the matter allows) have checked in.
func (h *Handlers) CheckIn(c *fiber.Ctx) error {
	var req checkInRequest
	if err := Decode(c, &req); err != nil {
		return err
	}
	ctx, cancel := h.ctx(c)
	defer cancel()
	in, err := h.scopedInspection(c, ctx)
	if err != nil {
		return err
	}
	s, err := h.callerStanding(c, ctx)
	if err != nil {
		return err
	}
	need := 2
	if m, err := h.Repo.MatterByID(ctx, in.MatterID); err == nil && m.SingleOfficer {
		need = 1
	}
	return h.inspectionWrite(c, ctx, in, func() error { return in.CheckInOfficer(s, h.Now(), req.Lat, req.Lng, req.DeviceID, need) })
}

type inspectionResultRequest struct {
	Outcome string `json:"outcome"`
	Notes   string `json:"notes" limit:"5000"`
}

// InspectionResult records the outcome of an inspection under way, by an officer on the plan.
func (h *Handlers) InspectionResult(c *fiber.Ctx) error {
	p := principal(c)
	var req inspectionResultRequest
	if err := Decode(c, &req); err != nil {
		return err
	}
	ctx, cancel := h.ctx(c)
	defer cancel()
	in, err := h.scopedInspection(c, ctx)
	if err != nil {
		return err
	}
	checkedIn := false
	for _, ci := range in.CheckIns {
		checkedIn = checkedIn || ci.OfficerID == p.UserID
	}
	if !checkedIn {
		return forbidden("the result is recorded by an officer who checked in on site")
	}
	return h.inspectionWrite(c, ctx, in, func() error { return in.Complete(req.Outcome, req.Notes) })
}

// saveInspection logs the change, writes the inspection and answers with it.
func (h *Handlers) saveInspection(c *fiber.Ctx, ctx context.Context, in *domain.Inspection) error {
	if err := h.recordChange(ctx, in.AgencyID, "inspection", &in.ID, 0, func() error { return h.Repo.UpdateInspection(ctx, in) }); err != nil {
		return err
	}
	return c.JSON(toInspectionJSON(in))
}
