package handlers

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/zhifa/zhifa/domain"
)

// Statistics of public feedback per agency or officer over a period, for the supervisors.

type statsRow struct {
	AgencyID     string         `json:"agency_id"`
	AgencyName   string         `json:"agency_name"`
	OfficerID    string         `json:"officer_id,omitempty"`
	OfficerName  string         `json:"officer_name,omitempty"`
	Ratings      int            `json:"ratings"`
	Average      float64        `json:"average_rating"`
	BadRatings   int            `json:"bad_ratings"`
	BadShare     float64        `json:"bad_share"`
	Complaints   int            `json:"complaints"`
	ByCategory   map[string]int `json:"complaints_by_category"`
	ByOutcome    map[string]int `json:"complaints_by_status"`
	Callbacks    int            `json:"callbacks_answered"`
	Satisfied    int            `json:"callbacks_satisfied"`
	Satisfaction float64        `json:"callback_satisfaction"`
	sum          int
}

type statsResponse struct {
	From  *Date      `json:"from,omitempty"`
	To    *Date      `json:"to,omitempty"`
	By    string     `json:"by"`
	Items []statsRow `json:"items"`
}

// Stats computes, for the agencies a supervisor covers (?agency_id= one of them), per agency
// or per officer (?by=officer) over ?from= ?to=: ratings, their average and share of two stars
// or fewer, complaints by category and status, answered callbacks and the share satisfied. As
// CSV with ?format=csv or Accept: text/csv.
func (h *Handlers) Stats(c *fiber.Ctx) error {
	p := principal(c)
	fe := domain.FieldErrors{}
	by := c.Query("by", "agency")
	if by != "agency" && by != "officer" {
		fe.Add("by", "agency or officer")
	}
	from, to := dateRange(c, fe)
	if err := fe.Err(); err != nil {
		return err
	}
	ctx, cancel := h.ctx(c)
	defer cancel()
	body, err := h.supervisingAgency(ctx, p)
	if err != nil {
		return err
	}
	var agencies []string
	switch {
	case body != nil:
		if agencies, err = h.agenciesCovered(ctx, body, c.Query("agency_id")); err != nil {
			return err
		}
	case p.Has(domain.RoleSysadmin):
		want := c.Query("agency_id")
		if want == "" {
			return &domain.Error{Code: domain.Invalid, Message: "name the agency", Fields: map[string]string{"agency_id": "required for a sysadmin"}}
		}
		if _, err := h.Repo.AgencyByID(ctx, want); err != nil {
			return err
		}
		agencies = []string{want}
	default:
		return forbidden("statistics are the supervisors'")
	}
	rows, err := h.statsOf(ctx, agencies, by == "officer", from, to)
	if err != nil {
		return err
	}
	if c.Query("format") == "csv" || c.Query("format") == "" && c.Accepts(fiber.MIMEApplicationJSON, "text/csv") == "text/csv" {
		return sendStatsCSV(c, rows, by == "officer")
	}
	out := statsResponse{By: by, Items: rows}
	if !from.IsZero() {
		out.From = &Date{domain.ChinaDate(from)}
	}
	if !to.IsZero() {
		out.To = &Date{domain.ChinaDate(to.AddDate(0, 0, -1))}
	}
	return c.JSON(out)
}

// statsOf reads the period's ratings, complaints and callbacks of the agencies once and counts
// them per agency, or per officer of the agency.
func (h *Handlers) statsOf(ctx context.Context, agencies []string, perOfficer bool, from, to time.Time) ([]statsRow, error) {
	if len(agencies) == 0 {
		return []statsRow{}, nil
	}
	rows := map[string]*statsRow{}
	var order []string
	n := h.names()
	row := func(agencyID, officerID string) *statsRow {
		key := agencyID + "/" + officerID
		r, ok := rows[key]
		if !ok {
			r = &statsRow{AgencyID: agencyID, AgencyName: n.agency(ctx, agencyID), OfficerID: officerID, ByCategory: map[string]int{}, ByOutcome: map[string]int{}}
			if officerID != "" {
				r.OfficerName = n.officersOf(ctx, []string{officerID})[0].Name
			}
			rows[key] = r
			order = append(order, key)
		}
		return r
	}
	targets := func(agencyID string, officers []string) []*statsRow {
		if !perOfficer {
			return []*statsRow{row(agencyID, "")}
		}
		var out []*statsRow
		for _, o := range officers {
			out = append(out, row(agencyID, o))
		}
		return out
	}
	if !perOfficer {
		for _, a := range agencies {
			row(a, "")
		}
	}
	for pg := (domain.Page{Limit: domain.MaxPageLimit}); ; {
		list, next, err := h.Repo.ListFeedback(ctx, domain.FeedbackFilter{AgencyIDs: agencies, From: from, To: to}, pg)
		if err != nil {
			return nil, err
		}
		for _, f := range list {
			for _, r := range targets(f.AgencyID, f.OfficerIDs) {
				r.Ratings++
				r.sum += f.Rating
				if f.Rating <= 2 {
					r.BadRatings++
				}
			}
		}
		if next == "" {
			break
		}
		pg.Cursor = next
	}
	for pg := (domain.Page{Limit: domain.MaxPageLimit}); ; {
		list, next, err := h.Repo.ListComplaints(ctx, domain.ComplaintFilter{AgencyIDs: agencies, From: from, To: to}, pg)
		if err != nil {
			return nil, err
		}
		for _, cp := range list {
			var officers []string
			if cp.OfficerID != "" {
				officers = []string{cp.OfficerID}
			}
			for _, r := range targets(cp.AgencyID, officers) {
				r.Complaints++
				r.ByCategory[cp.Category]++
				r.ByOutcome[string(cp.Status)]++
			}
		}
		if next == "" {
			break
		}
		pg.Cursor = next
	}
	for pg := (domain.Page{Limit: domain.MaxPageLimit}); ; {
		list, next, err := h.Repo.ListCallbacks(ctx, domain.CallbackFilter{AgencyIDs: agencies, State: domain.CallbackAnswered, From: from, To: to}, pg)
		if err != nil {
			return nil, err
		}
		for _, cb := range list {
			for _, r := range targets(cb.AgencyID, cb.OfficerIDs) {
				r.Callbacks++
				if cb.Answer.Satisfied {
					r.Satisfied++
				}
			}
		}
		if next == "" {
			break
		}
		pg.Cursor = next
	}
	out := make([]statsRow, 0, len(order))
	for _, k := range order {
		r := rows[k]
		if r.Ratings > 0 {
			r.Average = round2(float64(r.sum) / float64(r.Ratings))
			r.BadShare = round2(float64(r.BadRatings) / float64(r.Ratings))
		}
		if r.Callbacks > 0 {
			r.Satisfaction = round2(float64(r.Satisfied) / float64(r.Callbacks))
		}
		out = append(out, *r)
	}
	slices.SortStableFunc(out, func(a, b statsRow) int {
		return cmp.Or(cmp.Compare(a.AgencyID, b.AgencyID), cmp.Compare(a.OfficerID, b.OfficerID))
	})
	return out, nil
}

// sendStatsCSV writes the rows as CSV with a header, a column per category and status, and a
// byte-order mark so that spreadsheet programs read the Chinese right.
func sendStatsCSV(c *fiber.Ctx, rows []statsRow, perOfficer bool) error {
	head := []string{"agency_id", "agency_name"}
	if perOfficer {
		head = append(head, "officer_id", "officer_name")
	}
	head = append(head, "ratings", "average_rating", "bad_ratings", "bad_share", "complaints")
	for _, cat := range domain.ComplaintCategories {
		head = append(head, "complaints_"+cat)
	}
	statuses := []domain.ComplaintStatus{domain.ComplaintSubmitted, domain.ComplaintAccepted, domain.ComplaintInvestigating, domain.ComplaintResolved, domain.ComplaintRejected}
	for _, s := range statuses {
		head = append(head, "complaints_"+string(s))
	}
	head = append(head, "callbacks_answered", "callbacks_satisfied", "callback_satisfaction")
	out := [][]string{head}
	for _, r := range rows {
		line := []string{r.AgencyID, csvSafe(r.AgencyName)}
		if perOfficer {
			line = append(line, r.OfficerID, csvSafe(r.OfficerName))
		}
		line = append(line, strconv.Itoa(r.Ratings), fmt.Sprintf("%.2f", r.Average), strconv.Itoa(r.BadRatings), fmt.Sprintf("%.2f", r.BadShare), strconv.Itoa(r.Complaints))
		for _, cat := range domain.ComplaintCategories {
			line = append(line, strconv.Itoa(r.ByCategory[cat]))
		}
		for _, s := range statuses {
			line = append(line, strconv.Itoa(r.ByOutcome[string(s)]))
		}
		line = append(line, strconv.Itoa(r.Callbacks), strconv.Itoa(r.Satisfied), fmt.Sprintf("%.2f", r.Satisfaction))
		out = append(out, line)
	}
	return sendCSV(c, "supervision-stats.csv", out)
}
