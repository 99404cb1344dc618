package handlers

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/zhifa/zhifa/domain"
)

// 双随机、一公开: the enterprise directory of a jurisdiction, and random inspection plans that
// draw enterprises and officers verifiably and publish the draw.

type directoryRequest struct {
	Name     string `json:"name" limit:"512"`
	Industry string `json:"industry" limit:"128"`
	Risk     string `json:"risk" limit:"16"`
}

type directoryJSON struct {
	USCC           string    `json:"uscc"`
	Name           string    `json:"name"`
	Industry       string    `json:"industry"`
	Risk           string    `json:"risk"`
	JurisdictionID string    `json:"jurisdiction_id"`
	UpdatedAt      time.Time `json:"updated_at"`
}

func toDirectoryJSON(e *domain.DirectoryEntry) directoryJSON {
	return directoryJSON{USCC: e.USCC, Name: e.Name, Industry: e.Industry, Risk: string(e.Risk), JurisdictionID: e.RegionID, UpdatedAt: e.UpdatedAt}
}

// callerAgency is the agency of a member (admin, officer, supervisor) of an agency or a
// supervisory body: its region is the directory the caller keeps and reads.
func (h *Handlers) callerAgency(ctx context.Context, p domain.Principal) (*domain.Agency, error) {
	if p.AgencyID == "" || domain.IsEnterpriseID(p.AgencyID) || !p.HasAny(domain.RoleAgencyAdmin, domain.RoleOfficer, domain.RoleSupervisor) {
		return nil, forbidden("the directory is kept by the agencies and supervisory bodies")
	}
	return h.Repo.AgencyByID(ctx, p.AgencyID)
}

// PutDirectoryEntry adds or replaces an enterprise in the directory of the caller's region (an
// agency admin's, or a supervisor's of a supervisory body).
func (h *Handlers) PutDirectoryEntry(c *fiber.Ctx) error {
	p := principal(c)
	var req directoryRequest
	if err := Decode(c, &req); err != nil {
		return err
	}
	ctx, cancel := h.ctx(c)
	defer cancel()
	a, err := h.callerAgency(ctx, p)
	if err != nil {
		return err
	}
	body, err := h.supervisingAgency(ctx, p)
	if err != nil {
		return err
	}
	if !p.Has(domain.RoleAgencyAdmin) && body == nil {
		return forbidden("an agency admin or a supervisor keeps the directory")
	}
	e := &domain.DirectoryEntry{USCC: c.Params("uscc"), Name: req.Name, Industry: req.Industry, Risk: domain.RiskLevel(req.Risk), RegionID: a.RegionID,
		RegionPath: a.RegionPath, UpdatedBy: p.UserID, UpdatedAt: h.Now()}
	if err := e.Validate(); err != nil {
		return err
	}
	if err := h.Repo.PutDirectoryEntry(ctx, e); err != nil {
		return err
	}
	return c.JSON(toDirectoryJSON(e))
}

// ListDirectory lists the directory of the caller's region and below (?industry= narrows).
func (h *Handlers) ListDirectory(c *fiber.Ctx) error {
	pg, err := pageOf(c)
	if err != nil {
		return err
	}
	ctx, cancel := h.ctx(c)
	defer cancel()
	a, err := h.callerAgency(ctx, principal(c))
	if err != nil {
		return err
	}
	list, next, err := h.Repo.DirectoryUnder(ctx, a.RegionID, c.Query("industry"), pg)
	if err != nil {
		return err
	}
	return c.JSON(listOf(list, next, toDirectoryJSON))
}

type drawRequest struct {
	MatterID      string `json:"matter_id" limit:"64"`
	Count         int    `json:"count"`
	Industry      string `json:"industry" limit:"128"`
	Weighted      bool   `json:"weighted"`
	ExcludeMonths *int   `json:"exclude_months"`
	PlannedOn     Date   `json:"planned_on"`
	Description   string `json:"description" limit:"1000"`
}

type drawJSON struct {
	ID            string            `json:"id"`
	AgencyID      string            `json:"agency_id"`
	MatterID      string            `json:"matter_id"`
	PlannedOn     *Date             `json:"planned_on"`
	Algorithm     string            `json:"algorithm"`
	InputsJSON    string            `json:"inputs_json"`
	InputsHash    string            `json:"inputs_hash"`
	Commitment    string            `json:"seed_commitment"`
	Seed          string            `json:"seed,omitempty"`
	Status        string            `json:"status"`
	Result        []domain.DrawPick `json:"result"`
	InspectionIDs []string          `json:"inspection_ids,omitempty"`
	PublicURL     string            `json:"public_url"`
	CreatedAt     time.Time         `json:"created_at"`
	DrawnAt       *time.Time        `json:"drawn_at,omitempty"`
	Version       int64             `json:"version"`
}

// toDrawJSON shows a draw; the seed only once drawn, to anyone (the agency included: the seed
// decides the draw, so nobody may know it before).
func toDrawJSON(d *domain.Draw, withInspections bool) drawJSON {
	j := drawJSON{ID: d.ID, AgencyID: d.AgencyID, MatterID: d.MatterID, PlannedOn: dateOf(d.PlannedOn), Algorithm: domain.DrawAlgorithm, InputsJSON: d.InputsJSON,
		InputsHash: d.InputsHash, Commitment: d.Commitment, Status: string(d.Status), Result: d.Result, PublicURL: "/v1/public/draws/" + d.ID,
		CreatedAt: d.CreatedAt, Version: d.Version}
	if j.Result == nil {
		j.Result = []domain.DrawPick{}
	}
	if d.Status == domain.DrawDrawn {
		j.Seed = d.Seed
		t := d.DrawnAt
		j.DrawnAt = &t
	}
	if withInspections {
		j.InspectionIDs = d.InspectionIDs
	}
	return j
}

// maxDrawCandidates bounds a draw's inputs, which are one document and one public page.
const maxDrawCandidates = 20000

// CreateDraw fixes a random plan's inputs and commits to its seed: the enterprises of the
// directory under the agency's region (one industry, if named), weighted by risk if asked, and
// the agency's officers with a certificate valid on the planned day, each excluded from the
// enterprises they inspected in the last exclude_months (6 unless said). The inputs and the
// seed's hash are public from now on; the seed is revealed when the draw is made.
func (h *Handlers) CreateDraw(c *fiber.Ctx) error {
	p := principal(c)
	var req drawRequest
	if err := Decode(c, &req); err != nil {
		return err
	}
	if !p.Has(domain.RoleAgencyAdmin) || domain.IsEnterpriseID(p.AgencyID) {
		return forbidden("an agency admin makes random inspection plans")
	}
	months := 6
	if req.ExcludeMonths != nil {
		months = *req.ExcludeMonths
	}
	fe := domain.FieldErrors{}
	if req.MatterID == "" {
		fe.Add("matter_id", "required")
	}
	if req.Count < 1 || req.Count > 500 {
		fe.Add("count", "1 to 500 enterprises")
	}
	if months < 0 || months > 36 {
		fe.Add("exclude_months", "0 to 36")
	}
	if req.PlannedOn.IsZero() {
		fe.Add("planned_on", "the day the inspections are planned for")
	} else if domain.PlannedDayStart(req.PlannedOn.Time).Add(24 * time.Hour).Before(h.Now()) {
		fe.Add("planned_on", "today or later")
	}
	if err := fe.Err(); err != nil {
		return err
	}
	ctx, cancel := h.ctx(c)
	defer cancel()
	agency, err := h.Repo.AgencyByID(ctx, p.AgencyID)
	if err != nil {
		return err
	}
	m, err := h.Repo.MatterByID(ctx, req.MatterID)
	if domain.ErrorCode(err) == domain.NotFound || err == nil && m.AgencyID != p.AgencyID {
		return &domain.Error{Code: domain.Invalid, Message: "unknown matter", Fields: map[string]string{"matter_id": "no such matter in your agency"}}
	}
	if err != nil {
		return err
	}
	in := domain.DrawInputs{Count: req.Count, PerInspect: 2, Description: strings.TrimSpace(req.Description)}
	for pg := (domain.Page{Limit: domain.MaxPageLimit}); ; {
		list, next, err := h.Repo.DirectoryUnder(ctx, agency.RegionID, strings.TrimSpace(req.Industry), pg)
		if err != nil {
			return err
		}
		for _, e := range list {
			w := 1
			if req.Weighted {
				w = domain.RiskWeights[e.Risk]
			}
			in.Candidates = append(in.Candidates, domain.DrawCandidate{USCC: e.USCC, Name: e.Name, Weight: w})
		}
		if len(in.Candidates) > maxDrawCandidates {
			return domain.Errorf(domain.Unprocessable, "the directory has more than %d enterprises here: name an industry", maxDrawCandidates)
		}
		if next == "" {
			break
		}
		pg.Cursor = next
	}
	if len(in.Candidates) < req.Count {
		return &domain.Error{Code: domain.Invalid, Message: "the directory has too few enterprises", Fields: map[string]string{"count": "at most the enterprises in the directory"}}
	}
	slices.SortFunc(in.Candidates, func(a, b domain.DrawCandidate) int { return strings.Compare(a.USCC, b.USCC) })
	day := domain.PlannedDayStart(req.PlannedOn.Time)
	if in.Officers, err = h.drawOfficers(ctx, p.AgencyID, day, months); err != nil {
		return err
	}
	// An enterprise that too few officers may inspect cannot be drawn: it is left out of the
	// candidates now, so that a draw once committed always runs.
	in.Candidates = slices.DeleteFunc(in.Candidates, func(c domain.DrawCandidate) bool {
		eligible := 0
		for _, o := range in.Officers {
			if !slices.Contains(o.Excluded, c.USCC) {
				eligible++
			}
		}
		return eligible < in.PerInspect
	})
	if len(in.Candidates) < req.Count {
		return &domain.Error{Code: domain.Invalid, Message: "too few enterprises of the directory may be inspected by two officers who have not inspected them lately",
			Fields: map[string]string{"count": fmt.Sprintf("at most %d here", len(in.Candidates))}}
	}
	seed := make([]byte, 32)
	_, _ = rand.Read(seed)
	d, err := domain.NewDraw(in, hex.EncodeToString(seed))
	if err != nil {
		return err
	}
	d.AgencyID, d.MatterID, d.PlannedOn, d.CreatedBy, d.CreatedAt = p.AgencyID, m.ID, req.PlannedOn.Time, p.UserID, domain.Stamp(h.Now())
	if err := h.Repo.CreateDraw(ctx, d); err != nil {
		return err
	}
	return created(c, "/v1/draws/"+d.ID, d.Version, toDrawJSON(d, true))
}

// drawOfficers are the agency's officers who may act on the planned day, by id, each with the
// enterprises it inspected (or is planned to) in the months before the day, cancelled
// inspections aside; months 0 excludes nothing.
func (h *Handlers) drawOfficers(ctx context.Context, agencyID string, day time.Time, months int) ([]domain.DrawOfficer, error) {
	excluded := map[string][]string{}
	since := day.AddDate(0, -months, 0)
	for pg := (domain.Page{Limit: domain.MaxPageLimit}); months > 0; {
		list, next, err := h.Repo.ListInspections(ctx, agencyID, pg)
		if err != nil {
			return nil, err
		}
		for _, in := range list {
			if in.Status == domain.InspectionCancelled || in.PlannedOn.Before(domain.ChinaDate(since)) {
				continue
			}
			for _, o := range in.OfficerIDs {
				if !slices.Contains(excluded[o], in.EnterpriseUSCC) {
					excluded[o] = append(excluded[o], in.EnterpriseUSCC)
				}
			}
		}
		if next == "" {
			break
		}
		pg.Cursor = next
	}
	var out []domain.DrawOfficer
	for pg := (domain.Page{Limit: domain.MaxPageLimit}); ; {
		users, next, err := h.Repo.ListUsers(ctx, domain.UserFilter{AgencyID: agencyID, Role: domain.RoleOfficer}, pg)
		if err != nil {
			return nil, err
		}
		for _, u := range users {
			s, err := h.standing(ctx, u.ID)
			if err != nil {
				return nil, err
			}
			if domain.MayAct(s.User, s.Certificate, s.Agency, day) != nil {
				continue
			}
			ex := excluded[u.ID]
			slices.Sort(ex)
			out = append(out, domain.DrawOfficer{ID: u.ID, Name: u.Name, Excluded: ex})
		}
		if next == "" {
			break
		}
		pg.Cursor = next
	}
	slices.SortFunc(out, func(a, b domain.DrawOfficer) int { return strings.Compare(a.ID, b.ID) })
	if len(out) < 2 {
		return nil, domain.Errorf(domain.Unprocessable, "the agency has %d officers with a valid certificate on that day; a draw needs at least two", len(out))
	}
	return out, nil
}

// scopedDraw loads the draw in the path for its agency's members; NotFound otherwise.
func (h *Handlers) scopedDraw(c *fiber.Ctx, ctx context.Context) (*domain.Draw, error) {
	return scoped(c, ctx, h.Repo.DrawByID, func(d *domain.Draw) string { return d.AgencyID }, "draw")
}

// RunDraw makes the draw: reveals the seed, draws the enterprises and their officers, and
// files each pick as a planned inspection (涉企检查). A retry after a crash files what the
// first attempt did not; the inspections' ids are derived from the draw's.
func (h *Handlers) RunDraw(c *fiber.Ctx) error {
	p := principal(c)
	ctx, cancel := h.ctx(c)
	defer cancel()
	unlock := h.lockID(c.Params("id"))
	defer unlock()
	d, err := h.scopedDraw(c, ctx)
	if err != nil {
		return err
	}
	if !p.Has(domain.RoleAgencyAdmin) {
		return forbidden("an agency admin makes the draw")
	}
	if d.Status == domain.DrawCommitted {
		if err := d.Run(h.Now()); err != nil {
			return err
		}
		for i := range d.Result {
			d.InspectionIDs = append(d.InspectionIDs, actionKey{Key: d.ID + "/" + itoa64(int64(i))}.derivedID())
		}
		if err := h.Repo.UpdateDraw(ctx, d); err != nil {
			return err
		}
	}
	for i, pick := range d.Result {
		id := d.InspectionIDs[i]
		if _, err := h.Repo.InspectionByID(ctx, id); err == nil {
			continue
		} else if domain.ErrorCode(err) != domain.NotFound {
			return err
		}
		in := &domain.Inspection{ID: id, AgencyID: d.AgencyID, MatterID: d.MatterID, EnterpriseUSCC: pick.USCC, EnterpriseName: pick.Name,
			PlannedOn: d.PlannedOn, OfficerIDs: pick.OfficerIDs, Status: domain.InspectionPlanned, CreatedBy: d.CreatedBy,
			Notes: "双随机抽查 " + d.ID}
		if err := h.recordChange(ctx, d.AgencyID, "inspection", &in.ID, 0, func() error { return h.Repo.CreateInspection(ctx, in) }); err != nil &&
			domain.ErrorCode(err) != domain.Conflict {
			return err
		}
	}
	return c.JSON(toDrawJSON(d, true))
}

// GetDraw reads a draw of the caller's agency.
func (h *Handlers) GetDraw(c *fiber.Ctx) error {
	ctx, cancel := h.ctx(c)
	defer cancel()
	d, err := h.scopedDraw(c, ctx)
	if err != nil {
		return err
	}
	return c.JSON(toDrawJSON(d, true))
}

// ListDraws lists the caller's agency's draws in the order made.
func (h *Handlers) ListDraws(c *fiber.Ctx) error {
	p := principal(c)
	pg, err := pageOf(c)
	if err != nil {
		return err
	}
	if p.AgencyID == "" || domain.IsEnterpriseID(p.AgencyID) {
		return forbidden("draws are an agency's")
	}
	ctx, cancel := h.ctx(c)
	defer cancel()
	list, next, err := h.Repo.ListDraws(ctx, p.AgencyID, pg)
	if err != nil {
		return err
	}
	return c.JSON(listOf(list, next, func(d *domain.Draw) drawJSON { return toDrawJSON(d, true) }))
}

// PublicDraw is a draw as anyone sees it (一公开): the inputs byte for byte with their hash,
// the seed's commitment, and once drawn the seed and the result, enough to recompute it.
func (h *Handlers) PublicDraw(c *fiber.Ctx) error {
	ctx, cancel := h.ctx(c)
	defer cancel()
	d, err := h.Repo.DrawByID(ctx, c.Params("id"))
	if err != nil {
		return err
	}
	return c.JSON(toDrawJSON(d, false))
}

// PublicDraws lists every draw of an agency (?agency_id=, required), made or not: a plan drawn
// again and again until it pleased would show.
func (h *Handlers) PublicDraws(c *fiber.Ctx) error {
	pg, err := pageOf(c)
	if err != nil {
		return err
	}
	agency := c.Query("agency_id")
	if agency == "" {
		return &domain.Error{Code: domain.Invalid, Message: "name the agency", Fields: map[string]string{"agency_id": "required"}}
	}
	ctx, cancel := h.ctx(c)
	defer cancel()
	list, next, err := h.Repo.ListDraws(ctx, agency, pg)
	if err != nil {
		return err
	}
	return c.JSON(listOf(list, next, func(d *domain.Draw) drawJSON { return toDrawJSON(d, false) }))
}
