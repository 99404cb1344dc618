package handlers

import (
	"cmp"
	"context"
	"fmt"
	"html/template"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/zhifa/zhifa/domain"
)

// The scorecard (评议考核) of the agencies a supervisory body covers over a period.

type indicatorJSON struct {
	Code   string  `json:"code"`
	Name   string  `json:"name"`
	Weight float64 `json:"weight"`
	// Value is nil when the indicator is not assessable (nothing to measure in the period).
	Value      *float64 `json:"value"`
	Num        float64  `json:"numerator"`
	Den        float64  `json:"denominator"`
	Points     float64  `json:"points"`
	NoData     bool     `json:"no_data"`
	Assessable bool     `json:"assessable"`
}

type scorecardJSON struct {
	AgencyID   string  `json:"agency_id"`
	AgencyName string  `json:"agency_name"`
	Total      float64 `json:"total"`
	// AssessedWeight is the weight of the assessable indicators: the most the total could be.
	AssessedWeight float64         `json:"assessed_weight"`
	Rank           int             `json:"rank"`
	Indicators     []indicatorJSON `json:"indicators"`
	// ComplaintOutcomes counts the period's complaints by where they stand.
	ComplaintOutcomes map[string]int `json:"complaint_outcomes"`
}

// Scorecards computes the scorecard of every agency the caller's body covers over ?from= ?to=
// (dates, China time), ranked by total: JSON, CSV (?format=csv) or a printable page with a
// chart (?format=html).
func (h *Handlers) Scorecards(c *fiber.Ctx) error {
	from, to, err := scorecardPeriod(c)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(c.UserContext(), 10*h.Timeout)
	defer cancel()
	body, err := h.reviewBody(c, ctx)
	if err != nil {
		return err
	}
	agencies, err := h.agenciesCovered(ctx, body, c.Query("agency_id"))
	if err != nil {
		return err
	}
	reviewScores, err := h.reviewScores(ctx, body, from, to)
	if err != nil {
		return err
	}
	n := h.names()
	out := []scorecardJSON{}
	for _, a := range agencies {
		outcomes := map[string]int{}
		values, err := h.indicatorsOf(ctx, a, from, to, reviewScores[a], outcomes)
		if err != nil {
			return err
		}
		card := scorecardJSON{AgencyID: a, AgencyName: n.agency(ctx, a), ComplaintOutcomes: outcomes}
		for _, ind := range domain.Indicators {
			r := values[ind.Code]
			v := r.Value()
			if ind.Code == "complaints" && r.Den > 0 {
				v = domain.ComplaintsValue(int(r.Num), int(r.Den))
			}
			x := indicatorJSON{Code: ind.Code, Name: ind.Name, Weight: ind.Weight, Num: r.Num, Den: r.Den, NoData: !r.Assessable(), Assessable: r.Assessable()}
			if x.Assessable {
				x.Points = round2(ind.Weight * v)
				v = round2(v)
				x.Value = &v
				card.AssessedWeight += ind.Weight
			}
			card.Total += x.Points
			card.Indicators = append(card.Indicators, x)
		}
		card.Total = round2(card.Total)
		out = append(out, card)
	}
	slices.SortStableFunc(out, func(x, y scorecardJSON) int {
		return cmp.Or(cmp.Compare(y.Total, x.Total), cmp.Compare(x.AgencyID, y.AgencyID))
	})
	for i := range out {
		out[i].Rank = i + 1
		if i > 0 && out[i].Total == out[i-1].Total {
			out[i].Rank = out[i-1].Rank
		}
	}
	switch c.Query("format") {
	case "csv":
		return sendScorecardCSV(c, out)
	case "html":
		return h.render(c, fiber.StatusOK, "scorecards", scorecardPage{Title: "行政执法评议考核", From: domain.ChinaDate(from).Format("2006年1月2日"),
			To: domain.ChinaDate(to.AddDate(0, 0, -1)).Format("2006年1月2日"), Cards: out, Chart: scorecardChart(out)})
	}
	return c.JSON(fiber.Map{"from": domain.ChinaDate(from).Format(time.DateOnly), "to": domain.ChinaDate(to.AddDate(0, 0, -1)).Format(time.DateOnly), "items": out})
}

// reviewScores collects, per agency, the scores of its files scored in the body's rounds
// started in the period.
func (h *Handlers) reviewScores(ctx context.Context, body *domain.Agency, from, to time.Time) (map[string]domain.Ratio, error) {
	out := map[string]domain.Ratio{}
	for pg := (domain.Page{Limit: domain.MaxPageLimit}); ; {
		rounds, next, err := h.Repo.ListReviewRounds(ctx, body.ID, pg)
		if err != nil {
			return nil, err
		}
		for _, r := range rounds {
			if r.CreatedAt.Before(from) || !r.CreatedAt.Before(to) {
				continue
			}
			files, err := h.Repo.ReviewFilesOf(ctx, r)
			if err != nil {
				return nil, err
			}
			for _, f := range files {
				if f.Scored {
					x := out[f.AgencyID]
					x.Num, x.Den = x.Num+float64(f.Total), x.Den+100
					out[f.AgencyID] = x
				}
			}
		}
		if next == "" {
			return out, nil
		}
		pg.Cursor = next
	}
}

// indicatorsOf reads an agency's records of the period once and counts each indicator.
func (h *Handlers) indicatorsOf(ctx context.Context, agencyID string, from, to time.Time, review domain.Ratio, outcomes map[string]int) (map[string]domain.Ratio, error) {
	v := map[string]domain.Ratio{"review_score": review}
	in := func(t time.Time) bool { return !t.IsZero() && !t.Before(from) && t.Before(to) }
	end := to.Add(-time.Millisecond)
	agency, err := h.Repo.AgencyByID(ctx, agencyID)
	if err != nil {
		return nil, err
	}
	year := domain.ChinaDate(end).Year()
	hours, err := h.Repo.TrainingHours(ctx, agencyID, year)
	if err != nil {
		return nil, err
	}
	var certified, officers, trained float64
	for pg := (domain.Page{Limit: domain.MaxPageLimit}); ; {
		users, next, err := h.Repo.ListUsers(ctx, domain.UserFilter{AgencyID: agencyID, Role: domain.RoleOfficer}, pg)
		if err != nil {
			return nil, err
		}
		for _, u := range users {
			if u.Status != domain.UserActive {
				continue
			}
			officers++
			trained += hours[u.ID]
			if u.CertificateNo == "" {
				continue
			}
			cert, err := h.Repo.CertificateByNumber(ctx, u.CertificateNo)
			if err != nil && domain.ErrorCode(err) != domain.NotFound {
				return nil, err
			}
			if cert != nil && domain.MayAct(u, cert, agency, end) == nil {
				certified++
			}
		}
		if next == "" {
			break
		}
		pg.Cursor = next
	}
	v["certified_share"] = domain.Ratio{Num: certified, Den: officers}
	if officers > 0 {
		v["training"] = domain.Ratio{Num: math.Min(trained/officers, domain.AnnualTrainingPlanHours), Den: domain.AnnualTrainingPlanHours}
	}
	rules, err := h.Repo.ReviewRules(ctx, agencyID)
	if err != nil {
		return nil, err
	}
	var inTime, legal, twoDocs domain.Ratio
	// Only cases with a decision count, from what the case index holds of each: no case is read.
	if err := h.Repo.ScoredCases(ctx, agencyID, from, to, func(cs *domain.ScoredCase) {
		if in(cs.DecidedAt) {
			if cs.Procedure == domain.ProcedureGeneral && !cs.Deadline.IsZero() {
				inTime.Den++
				if !cs.DecidedAt.After(cs.Deadline) {
					inTime.Num++
				}
			}
			if domain.ReviewRequired(cs.MatterID, &cs.Decision, rules) != nil {
				legal.Den++
				if cs.ReviewApproved {
					legal.Num++
				}
			}
		}
		if cs.Decision.Kind == "penalty" && in(cs.ServedAt) {
			twoDocs.Den++
			if cs.TwoDocuments {
				twoDocs.Num++
			}
		}
	}); err != nil {
		return nil, err
	}
	v["decided_in_time"], v["legal_review"], v["two_documents"] = inTime, legal, twoDocs
	// Satisfaction counts raters, not submissions: a rater (an address, else a phone, else an
	// enterprise) is satisfied when their ratings average four stars or more.
	raters := map[string][2]int{}
	for pg := (domain.Page{Limit: domain.MaxPageLimit}); ; {
		list, next, err := h.Repo.ListFeedback(ctx, domain.FeedbackFilter{AgencyIDs: []string{agencyID}, From: from, To: to}, pg)
		if err != nil {
			return nil, err
		}
		for _, f := range list {
			who := "r:" + f.Rater
			switch {
			case f.Rater != "":
			case f.EnterpriseID != "":
				who = "e:" + f.EnterpriseID
			case f.Phone != "":
				who = "p:" + f.Phone
			default:
				who = "f:" + f.ID
			}
			r := raters[who]
			raters[who] = [2]int{r[0] + f.Rating, r[1] + 1}
		}
		if next == "" {
			break
		}
		pg.Cursor = next
	}
	var sat domain.Ratio
	for _, r := range raters {
		sat.Den++
		if r[0] >= 4*r[1] {
			sat.Num++
		}
	}
	v["satisfaction"] = sat
	complaints, inspections := 0, 0
	for pg := (domain.Page{Limit: domain.MaxPageLimit}); ; {
		list, next, err := h.Repo.ListComplaints(ctx, domain.ComplaintFilter{AgencyIDs: []string{agencyID}, From: from, To: to}, pg)
		if err != nil {
			return nil, err
		}
		complaints += len(list)
		for _, cp := range list {
			outcomes[string(cp.Status)]++
		}
		if next == "" {
			break
		}
		pg.Cursor = next
	}
	for pg := (domain.Page{Limit: domain.MaxPageLimit}); ; {
		list, next, err := h.Repo.ListInspections(ctx, agencyID, pg)
		if err != nil {
			return nil, err
		}
		for _, i := range list {
			if i.Status != domain.InspectionCancelled && !i.PlannedOn.Before(domain.ChinaDate(from)) && i.PlannedOn.Before(domain.ChinaDate(to)) {
				inspections++
			}
		}
		if next == "" {
			break
		}
		pg.Cursor = next
	}
	if complaints > 0 || inspections > 0 {
		v["complaints"] = domain.Ratio{Num: float64(complaints), Den: float64(max(inspections, 1))}
	}
	var rect domain.Ratio
	for pg := (domain.Page{Limit: domain.MaxPageLimit}); ; {
		list, next, err := h.Repo.ListProblems(ctx, domain.ProblemFilter{AgencyIDs: []string{agencyID}}, pg)
		if err != nil {
			return nil, err
		}
		for _, p := range list {
			if p.Deadline.Before(domain.ChinaDate(from)) || !p.Deadline.Before(domain.ChinaDate(to)) {
				continue // not due in the period
			}
			due := domain.PlannedDayStart(p.Deadline).AddDate(0, 0, 1)
			rect.Den++
			if p.Status == domain.ProblemClosed && p.ClosedAt.Before(due) {
				rect.Num++
			}
		}
		if next == "" {
			break
		}
		pg.Cursor = next
	}
	v["rectification"] = rect
	var orders domain.Ratio
	for pg := (domain.Page{Limit: domain.MaxPageLimit}); ; {
		list, next, err := h.Repo.ListOrders(ctx, domain.OrderFilter{AgencyIDs: []string{agencyID}, DueFrom: domain.ChinaDate(from), DueTo: domain.ChinaDate(to)}, pg)
		if err != nil {
			return nil, err
		}
		for _, o := range list {
			orders.Den++
			if o.AnsweredOnTime() {
				orders.Num++
			}
		}
		if next == "" {
			break
		}
		pg.Cursor = next
	}
	v["orders_on_time"] = orders
	return v, nil
}

func sendScorecardCSV(c *fiber.Ctx, cards []scorecardJSON) error {
	head := []string{"rank", "agency_id", "agency_name", "total"}
	for _, ind := range domain.Indicators {
		head = append(head, ind.Code)
	}
	rows := [][]string{head}
	for _, card := range cards {
		line := []string{strconv.Itoa(card.Rank), card.AgencyID, csvSafe(card.AgencyName), fmt.Sprintf("%.2f", card.Total)}
		for _, ind := range card.Indicators {
			if !ind.Assessable {
				line = append(line, "")
				continue
			}
			line = append(line, fmt.Sprintf("%.2f", ind.Points))
		}
		rows = append(rows, line)
	}
	return sendCSV(c, "scorecards.csv", rows)
}

type scorecardPage struct {
	Title, From, To string
	Cards           []scorecardJSON
	Chart           template.HTML
}

// scorecardChart draws the totals as horizontal bars, an inline SVG with no external assets.
func scorecardChart(cards []scorecardJSON) template.HTML {
	var b strings.Builder
	rowH, width := 28, 640
	fmt.Fprintf(&b, `<svg viewBox="0 0 %d %d" role="img" aria-label="总分排名">`, width, rowH*len(cards)+10)
	for i, c := range cards {
		y := 5 + i*rowH
		bar := int(c.Total / 100 * float64(width-260))
		fmt.Fprintf(&b, `<text x="0" y="%d" font-size="13">%s</text>`, y+17, template.HTMLEscapeString(truncateRunes(c.AgencyName, 14)))
		fmt.Fprintf(&b, `<rect x="200" y="%d" width="%d" height="18" fill="#b71c1c"/>`, y+3, bar)
		fmt.Fprintf(&b, `<text x="%d" y="%d" font-size="13">%.2f</text>`, 206+bar, y+17, c.Total)
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

func truncateRunes(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}

// scorecardPeriod reads the ?from= ?to= a scorecard covers; both are required, from before to.
func scorecardPeriod(c *fiber.Ctx) (from, to time.Time, err error) {
	fe := domain.FieldErrors{}
	from, to = dateRange(c, fe)
	if from.IsZero() || to.IsZero() || !from.Before(to) {
		fe.Add("from", "a period: from and to, from not after to")
	}
	return from, to, fe.Err()
}
