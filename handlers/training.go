package handlers

import (
	"context"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/zhifa/zhifa/domain"
)

type trainingRequest struct {
	Topic string  `json:"topic"`
	Hours float64 `json:"hours" limit:"1000"`
	Date  *Date   `json:"date"`
}

type trainingRecordResponse struct {
	ID        string    `json:"id"`
	Topic     string    `json:"topic"`
	Hours     float64   `json:"hours"`
	Date      *Date     `json:"date"`
	CreatedAt time.Time `json:"created_at"`
}

type trainingResponse struct {
	OfficerID string                   `json:"officer_id"`
	Year      int                      `json:"year"`
	Hours     float64                  `json:"hours"`
	PlanHours float64                  `json:"plan_hours"`
	Shortfall float64                  `json:"shortfall"`
	Records   []trainingRecordResponse `json:"records"`
}

type shortfallItem struct {
	OfficerID string  `json:"officer_id"`
	Name      string  `json:"name"`
	Hours     float64 `json:"hours"`
	Shortfall float64 `json:"shortfall"`
}

type shortfallResponse struct {
	AgencyID  string          `json:"agency_id"`
	Year      int             `json:"year"`
	PlanHours float64         `json:"plan_hours"`
	Items     []shortfallItem `json:"items"`
}

func (h *Handlers) yearOf(c *fiber.Ctx) (int, error) {
	s := c.Query("year")
	if s == "" {
		return h.Now().Year(), nil
	}
	y, err := strconv.Atoi(s)
	if err != nil || y < 2000 || y > 2100 {
		return 0, &domain.Error{Code: domain.Invalid, Message: "year is not valid", Fields: map[string]string{"year": "a year such as 2026"}}
	}
	return y, nil
}

// AddTraining records a training an officer attended; admins of its agency only.
func (h *Handlers) AddTraining(c *fiber.Ctx) error {
	p := principal(c)
	u, err := h.scopedOfficer(c)
	if err != nil {
		return err
	}
	if !p.ManagesAgency(u.AgencyID) || u.AgencyID == "" {
		return forbidden("only the agency's admin or a sysadmin records training")
	}
	var req trainingRequest
	if err := Decode(c, &req); err != nil {
		return err
	}
	t := &domain.TrainingRecord{OfficerID: u.ID, AgencyID: u.AgencyID, Topic: strings.TrimSpace(req.Topic), Hours: req.Hours, Date: req.Date.value()}
	if err := t.Validate(h.Now()); err != nil {
		return err
	}
	ctx, cancel := h.ctx(c)
	defer cancel()
	if err := h.Repo.AddTraining(ctx, t); err != nil {
		return err
	}
	return created(c, "/v1/officers/"+t.OfficerID+"/training#"+t.ID, 0, trainingRecordResponse{ID: t.ID, Topic: t.Topic, Hours: t.Hours, Date: dateOf(t.Date), CreatedAt: t.CreatedAt})
}

// GetTraining lists an officer's training in a year (?year=, default this year) with the total
// against the plan; for the officer, the agency's admins and the supervisors over the agency.
func (h *Handlers) GetTraining(c *fiber.Ctx) error {
	p := principal(c)
	year, err := h.yearOf(c)
	if err != nil {
		return err
	}
	ctx, cancel := h.ctx(c)
	defer cancel()
	u, err := h.scopedOfficer(c)
	switch {
	case err == nil && (p.ManagesAgency(u.AgencyID) || p.UserID == u.ID):
	case err == nil || domain.ErrorCode(err) == domain.NotFound:
		if u, err = h.supervisedOfficer(c, ctx); err != nil {
			return err
		}
	default:
		return err
	}
	records, err := h.Repo.TrainingOf(ctx, u.ID, year)
	if err != nil {
		return err
	}
	total := domain.TrainingTotal{OfficerID: u.ID, Year: year}
	out := trainingResponse{OfficerID: u.ID, Year: year, PlanHours: domain.AnnualTrainingPlanHours, Records: make([]trainingRecordResponse, len(records))}
	for i, t := range records {
		total.Hours += t.Hours
		out.Records[i] = trainingRecordResponse{ID: t.ID, Topic: t.Topic, Hours: t.Hours, Date: dateOf(t.Date), CreatedAt: t.CreatedAt}
	}
	out.Hours, out.Shortfall = total.Hours, total.Shortfall()
	return c.JSON(out)
}

// TrainingShortfall lists the officers of an agency below the yearly plan, largest gap first:
// for the agency's admins, and the supervisors over it (?agency_id= required).
func (h *Handlers) TrainingShortfall(c *fiber.Ctx) error {
	p := principal(c)
	agencyID, err := h.listedAgency(c, func(c *fiber.Ctx) (string, error) {
		agencyID := c.Query("agency_id")
		if agencyID == "" {
			agencyID = p.AgencyID
		}
		if agencyID == "" {
			return "", &domain.Error{Code: domain.Invalid, Message: "agency_id is required", Fields: map[string]string{"agency_id": "required"}}
		}
		if !p.ManagesAgency(agencyID) {
			return "", notFound("agency")
		}
		return agencyID, nil
	})
	if err != nil {
		return err
	}
	year, err := h.yearOf(c)
	if err != nil {
		return err
	}
	ctx, cancel := h.ctx(c)
	defer cancel()
	items, err := h.shortfalls(ctx, agencyID, year)
	if err != nil {
		return err
	}
	return c.JSON(shortfallResponse{AgencyID: agencyID, Year: year, PlanHours: domain.AnnualTrainingPlanHours, Items: items})
}

// shortfalls are the active officers of an agency below the yearly plan, largest gap first.
func (h *Handlers) shortfalls(ctx context.Context, agencyID string, year int) ([]shortfallItem, error) {
	hours, err := h.Repo.TrainingHours(ctx, agencyID, year)
	if err != nil {
		return nil, err
	}
	items := []shortfallItem{}
	pg := domain.Page{Limit: domain.MaxPageLimit}
	for {
		users, next, err := h.Repo.ListUsers(ctx, domain.UserFilter{AgencyID: agencyID, Role: domain.RoleOfficer}, pg)
		if err != nil {
			return nil, err
		}
		for _, u := range users {
			t := domain.TrainingTotal{OfficerID: u.ID, Name: u.Name, Year: year, Hours: hours[u.ID]}
			if u.Status == domain.UserActive && t.Shortfall() > 0 {
				items = append(items, shortfallItem{OfficerID: u.ID, Name: u.Name, Hours: t.Hours, Shortfall: t.Shortfall()})
			}
		}
		if next == "" {
			break
		}
		pg.Cursor = next
	}
	sort.SliceStable(items, func(i, j int) bool { return items[i].Shortfall > items[j].Shortfall })
	return items, nil
}

// supervisedOfficer loads the officer in the path for a supervisor of a body over its agency;
// NotFound for anyone else.
func (h *Handlers) supervisedOfficer(c *fiber.Ctx, ctx context.Context) (*domain.User, error) {
	u, err := h.Repo.UserByID(ctx, c.Params("id"))
	if domain.ErrorCode(err) == domain.NotFound {
		return nil, notFound("officer")
	}
	if err != nil {
		return nil, err
	}
	if u.AgencyID == "" || u.Has(domain.RoleSysadmin) {
		return nil, notFound("officer")
	}
	if _, ok, err := h.supervises(ctx, principal(c), u.AgencyID); err != nil || !ok {
		if err == nil {
			err = notFound("officer")
		}
		return nil, err
	}
	return u, nil
}
