package handlers

import (
	"cmp"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"

	"github.com/zhifa/zhifa/domain"
)

// Case-file review (案卷评查) by a supervisory body: its rubric, rounds that sample closed
// files of the agencies it covers, the files' scores, and each round's report.

// reviewBody is the caller's supervisory body, or the answer for anyone else.
func (h *Handlers) reviewBody(c *fiber.Ctx, ctx context.Context) (*domain.Agency, error) {
	body, err := h.supervisingAgency(ctx, principal(c))
	if err != nil {
		return nil, err
	}
	if body == nil {
		return nil, forbidden("review rounds, rubrics and scorecards are the supervisory bodies' work")
	}
	return body, nil
}

func (h *Handlers) rubricOf(ctx context.Context, body *domain.Agency) ([]domain.RubricItem, error) {
	items, err := h.Repo.RubricOf(ctx, body.ID)
	if err != nil || items != nil {
		return items, err
	}
	return domain.DefaultRubric, nil
}

type rubricJSON struct {
	Items []domain.RubricItem `json:"items"`
}

// GetRubric is the caller's body's rubric (the default until it sets one).
func (h *Handlers) GetRubric(c *fiber.Ctx) error {
	ctx, cancel := h.ctx(c)
	defer cancel()
	body, err := h.reviewBody(c, ctx)
	if err != nil {
		return err
	}
	items, err := h.rubricOf(ctx, body)
	if err != nil {
		return err
	}
	return c.JSON(rubricJSON{Items: items})
}

// PutRubric sets the caller's body's rubric for the rounds it starts from now on.
func (h *Handlers) PutRubric(c *fiber.Ctx) error {
	var req rubricJSON
	if err := Decode(c, &req); err != nil {
		return err
	}
	if err := domain.ValidateRubric(req.Items); err != nil {
		return err
	}
	ctx, cancel := h.ctx(c)
	defer cancel()
	body, err := h.reviewBody(c, ctx)
	if err != nil {
		return err
	}
	if err := h.Repo.PutRubric(ctx, body.ID, req.Items); err != nil {
		return err
	}
	return c.JSON(req)
}

type reviewRoundRequest struct {
	Name        string   `json:"name" limit:"200"`
	From        Date     `json:"from"`
	To          Date     `json:"to"`
	AgencyIDs   []string `json:"agency_ids" limit:"200,64"`
	SampleSize  int      `json:"sample_size"`
	SampleShare float64  `json:"sample_share"`
	RectifyDays int      `json:"rectify_days"`
}

type reviewRoundJSON struct {
	ID          string              `json:"id"`
	Name        string              `json:"name"`
	From        *Date               `json:"from"`
	To          *Date               `json:"to"`
	Seed        string              `json:"seed"`
	Commitment  string              `json:"seed_commitment"`
	Candidates  map[string][]string `json:"candidates,omitempty"`
	Sample      map[string][]string `json:"sample"`
	Rubric      []domain.RubricItem `json:"rubric"`
	RectifyDays int                 `json:"rectify_days"`
	CreatedAt   time.Time           `json:"created_at"`
}

func toReviewRoundJSON(r *domain.ReviewRound) reviewRoundJSON {
	return reviewRoundJSON{ID: r.ID, Name: r.Name, From: dateOf(r.From), To: dateOf(r.To), Seed: r.Seed, Commitment: r.Commitment, Candidates: r.Candidates,
		Sample: r.Sample, Rubric: r.Rubric, RectifyDays: r.RectifyDays, CreatedAt: r.CreatedAt}
}

type reviewFileJSON struct {
	ID         string                        `json:"id"`
	AgencyID   string                        `json:"agency_id"`
	CaseID     string                        `json:"case_id"`
	CaseNumber string                        `json:"case_number"`
	Auto       map[string]domain.CheckResult `json:"auto"`
	Manual     map[string]int                `json:"manual"`
	VetoFailed map[string]bool               `json:"veto_failed,omitempty"`
	Missing    []string                      `json:"missing"`
	Notes      string                        `json:"notes,omitempty"`
	Findings   []string                      `json:"findings"`
	Total      int                           `json:"total"`
	Grade      string                        `json:"grade"`
	Scored     bool                          `json:"scored"`
	Version    int64                         `json:"version"`
}

func toReviewFileJSON(f *domain.ReviewFile, rubric []domain.RubricItem) reviewFileJSON {
	_, _, missing := domain.Score(rubric, f.Auto, f.Manual, f.VetoFailed)
	j := reviewFileJSON{ID: f.ID, AgencyID: f.AgencyID, CaseID: f.CaseID, CaseNumber: f.CaseNumber, Auto: f.Auto, Manual: f.Manual, VetoFailed: f.VetoFailed,
		Missing: nonNilStrings(missing), Notes: f.Notes, Findings: nonNilStrings(f.Findings), Total: f.Total, Grade: f.Grade, Scored: f.Scored, Version: f.Version}
	if j.Manual == nil {
		j.Manual = map[string]int{}
	}
	return j
}

// reviewable says whether a case is a closed file with a decision made in [from, to).
func reviewable(status domain.CaseStatus, decidedAt, from, to time.Time) bool {
	closed := status == domain.StatusClosed || status == domain.StatusArchived
	return closed && !decidedAt.IsZero() && !decidedAt.Before(from) && decidedAt.Before(to)
}

// CreateReviewRound samples, for each agency the caller's body covers (or those named), its
// closed files decided in the period: sample_size files, or a sample_share of them (at least
// one), drawn with a fresh seed that the round publishes with its SHA-256 and the candidates,
// so anyone can draw the sample again. Each file's automatic checks are made at once.
func (h *Handlers) CreateReviewRound(c *fiber.Ctx) error {
	p := principal(c)
	var req reviewRoundRequest
	if err := Decode(c, &req); err != nil {
		return err
	}
	fe := domain.FieldErrors{}
	req.Name = strings.TrimSpace(req.Name)
	if n := utf8.RuneCountInString(req.Name); n < 2 || n > 64 {
		fe.Add("name", "2 to 64 characters")
	}
	if req.From.IsZero() || req.To.IsZero() || req.To.Before(req.From.Time) {
		fe.Add("to", "a period: from and to, to not before from")
	}
	if (req.SampleSize > 0) == (req.SampleShare > 0) || req.SampleSize < 0 || req.SampleSize > 1000 || req.SampleShare < 0 || req.SampleShare > 1 {
		fe.Add("sample_size", "a sample_size of 1 to 1000 files per agency, or a sample_share of (0, 1], not both")
	}
	if req.RectifyDays == 0 {
		req.RectifyDays = 30
	}
	if req.RectifyDays < 1 || req.RectifyDays > 365 {
		fe.Add("rectify_days", "1 to 365")
	}
	if err := fe.Err(); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(c.UserContext(), 10*h.Timeout) // a round reads many files
	defer cancel()
	body, err := h.reviewBody(c, ctx)
	if err != nil {
		return err
	}
	agencies, err := h.agenciesCovered(ctx, body, "")
	if err != nil {
		return err
	}
	if len(req.AgencyIDs) > 0 {
		for _, id := range req.AgencyIDs {
			if !slices.Contains(agencies, id) {
				return notFound("agency")
			}
		}
		agencies = req.AgencyIDs
	}
	rubric, err := h.rubricOf(ctx, body)
	if err != nil {
		return err
	}
	seed := make([]byte, 32)
	_, _ = rand.Read(seed)
	round := &domain.ReviewRound{BodyID: body.ID, Name: req.Name, From: req.From.Time, To: req.To.Time, Seed: hex.EncodeToString(seed),
		Candidates: map[string][]string{}, Sample: map[string][]string{}, Rubric: rubric, RectifyDays: req.RectifyDays, CreatedBy: p.UserID, CreatedAt: h.Now()}
	round.Commitment = domain.SeedCommitment(round.Seed)
	from, to := domain.PlannedDayStart(req.From.Time), domain.PlannedDayStart(req.To.Time).AddDate(0, 0, 1)
	var files []*domain.ReviewFile
	for _, agencyID := range agencies {
		ids := []string{}
		// The candidates come from what the case index holds of each decided case; only the
		// sample is read.
		if err := h.Repo.ScoredCases(ctx, agencyID, from, to, func(cs *domain.ScoredCase) {
			if reviewable(cs.Status, cs.DecidedAt, from, to) {
				ids = append(ids, cs.ID)
			}
		}); err != nil {
			return err
		}
		slices.Sort(ids)
		k := req.SampleSize
		if req.SampleShare > 0 {
			k = int(math.Ceil(req.SampleShare * float64(len(ids))))
		}
		sample, err := domain.SampleCases(round.Seed, agencyID, ids, k)
		if err != nil {
			return err
		}
		round.Candidates[agencyID], round.Sample[agencyID] = ids, sample
		for _, id := range sample {
			f, err := h.reviewFileOf(ctx, id, rubric)
			if err != nil {
				return err
			}
			files = append(files, f)
		}
	}
	if err := h.Repo.CreateReviewRound(ctx, round, files); err != nil {
		return err
	}
	return created(c, "/v1/review-rounds/"+round.ID, 0, toReviewRoundJSON(round))
}

// reviewFileOf reads a file's record and makes its automatic checks.
func (h *Handlers) reviewFileOf(ctx context.Context, caseID string, rubric []domain.RubricItem) (*domain.ReviewFile, error) {
	cs, err := h.Repo.CaseByID(ctx, caseID)
	if err != nil {
		return nil, err
	}
	events, err := h.Repo.EventsOf(ctx, cs.ID, 1, cs.EventCount)
	if err != nil {
		return nil, err
	}
	rec := domain.FileRecord{Case: cs, Events: events, Evidence: map[string]*domain.Evidence{}, Certificates: map[string]*domain.Certificate{}, Now: h.Now()}
	var evIDs []string
	officers := map[string]bool{}
	for _, e := range events {
		evIDs = append(evIDs, e.EvidenceIDs...)
		for _, o := range e.OfficerIDs {
			officers[o] = true
		}
	}
	found, err := h.Repo.EvidenceByIDs(ctx, slices.Compact(slices.Sorted(slices.Values(evIDs))))
	if err != nil {
		return nil, err
	}
	for _, e := range found {
		if e.CaseID == cs.ID {
			rec.Evidence[e.ID] = e
		}
	}
	for o := range officers {
		u, err := h.Repo.UserByID(ctx, o)
		if err != nil || u.CertificateNo == "" {
			continue
		}
		if cert, err := h.Repo.CertificateByNumber(ctx, u.CertificateNo); err == nil {
			rec.Certificates[o] = cert
		}
	}
	if rec.Matter, err = h.Repo.MatterByID(ctx, cs.MatterID); err != nil && domain.ErrorCode(err) != domain.NotFound {
		return nil, err
	}
	if rec.Benchmark, err = h.Repo.BenchmarkOfMatter(ctx, cs.MatterID); err != nil && domain.ErrorCode(err) != domain.NotFound {
		return nil, err
	}
	if rec.ReviewRules, err = h.Repo.ReviewRules(ctx, cs.AgencyID); err != nil {
		return nil, err
	}
	f := &domain.ReviewFile{AgencyID: cs.AgencyID, CaseID: cs.ID, CaseNumber: cs.Number, Auto: domain.AutoCheck(rec)}
	f.Total, f.Grade, _ = domain.Score(rubric, f.Auto, nil, nil)
	return f, nil
}

// scopedRound loads the round in the path for the supervisors of its body; NotFound otherwise.
func (h *Handlers) scopedRound(c *fiber.Ctx, ctx context.Context) (*domain.ReviewRound, error) {
	body, err := h.reviewBody(c, ctx)
	if err != nil {
		return nil, err
	}
	r, err := h.Repo.ReviewRoundByID(ctx, c.Params("id"))
	if err != nil || r.BodyID != body.ID {
		return nil, notFound("review round")
	}
	return r, nil
}

// ListReviewRounds lists the caller's body's rounds.
func (h *Handlers) ListReviewRounds(c *fiber.Ctx) error {
	pg, err := pageOf(c)
	if err != nil {
		return err
	}
	ctx, cancel := h.ctx(c)
	defer cancel()
	body, err := h.reviewBody(c, ctx)
	if err != nil {
		return err
	}
	list, next, err := h.Repo.ListReviewRounds(ctx, body.ID, pg)
	if err != nil {
		return err
	}
	return c.JSON(listOf(list, next, toReviewRoundJSON))
}

// GetReviewRound reads a round with its candidates, seed and sample.
func (h *Handlers) GetReviewRound(c *fiber.Ctx) error {
	ctx, cancel := h.ctx(c)
	defer cancel()
	r, err := h.scopedRound(c, ctx)
	if err != nil {
		return err
	}
	return c.JSON(toReviewRoundJSON(r))
}

// ReviewRoundFiles lists a round's files with their automatic checks and scores.
func (h *Handlers) ReviewRoundFiles(c *fiber.Ctx) error {
	ctx, cancel := h.ctx(c)
	defer cancel()
	r, err := h.scopedRound(c, ctx)
	if err != nil {
		return err
	}
	files, err := h.Repo.ReviewFilesOf(ctx, r)
	if err != nil {
		return err
	}
	out := listResponse[reviewFileJSON]{Items: []reviewFileJSON{}}
	for _, f := range files {
		out.Items = append(out.Items, toReviewFileJSON(f, r.Rubric))
	}
	return c.JSON(out)
}

type scoreRequest struct {
	Scores     map[string]int  `json:"scores"`
	VetoFailed map[string]bool `json:"veto_failed"`
	Notes      string          `json:"notes" limit:"8000"`
	Findings   []string        `json:"findings" limit:"30,400"`
}

// ScoreReviewFile takes the reviewer's points for the items the record cannot answer, the
// manual veto items failed, and the findings. Each new finding becomes a rectification task of
// the agency (a problem, source review_finding) due the round's rectify_days from now.
func (h *Handlers) ScoreReviewFile(c *fiber.Ctx) error {
	p := principal(c)
	var req scoreRequest
	if err := Decode(c, &req); err != nil {
		return err
	}
	ctx, cancel := h.ctx(c)
	defer cancel()
	r, err := h.scopedRound(c, ctx)
	if err != nil {
		return err
	}
	f, err := h.Repo.ReviewFileByID(ctx, r.ID+":"+c.Params("case_id"))
	if err != nil {
		return err
	}
	if err := ifMatch(c, f.Version); err != nil {
		return err
	}
	fe := domain.FieldErrors{}
	items := map[string]domain.RubricItem{}
	for _, it := range r.Rubric {
		items[it.Code] = it
	}
	for code, pts := range req.Scores {
		it, ok := items[code]
		if !ok || it.Veto || it.Check != "" || pts < 0 || pts > it.Points {
			fe.Add("scores."+code, "an item the reviewer scores, 0 to its points")
		}
	}
	for code := range req.VetoFailed {
		if it, ok := items[code]; !ok || !it.Veto || it.Check != "" {
			fe.Add("veto_failed."+code, "a veto item the reviewer judges")
		}
	}
	var fresh []string
	for _, s := range req.Findings {
		s = strings.TrimSpace(s)
		if n := utf8.RuneCountInString(s); n < 2 || n > 100 {
			fe.Add("findings", "each 2 to 100 characters")
		} else if !slices.Contains(f.Findings, s) && !slices.Contains(fresh, s) {
			fresh = append(fresh, s)
		}
	}
	if err := fe.Err(); err != nil {
		return err
	}
	now := domain.Stamp(h.Now())
	f.Findings = append(f.Findings, fresh...)
	f.Manual, f.VetoFailed, f.Notes = req.Scores, req.VetoFailed, strings.TrimSpace(req.Notes)
	var missing []string
	f.Total, f.Grade, missing = domain.Score(r.Rubric, f.Auto, f.Manual, f.VetoFailed)
	f.Scored, f.Reviewer, f.ScoredAt = len(missing) == 0, p.UserID, now
	if err := h.Repo.UpdateReviewFile(ctx, f); err != nil {
		return err
	}
	// Only a saved file's findings become tasks, each once: its id is derived from the file and
	// the finding, so a request that lost the race files nothing and a retry files what a crash
	// left out.
	for _, finding := range f.Findings {
		sum := sha256.Sum256([]byte(f.ID + "\x00" + finding))
		pr := &domain.Problem{ID: "rf" + hex.EncodeToString(sum[:12]), AgencyID: f.AgencyID, Source: "review_finding", SourceRef: r.Name + " " + f.CaseNumber,
			Title: finding, Plan: "按案卷评查意见整改，并对同类案卷开展自查", Owner: "单位负责人", Deadline: domain.ChinaDate(now.AddDate(0, 0, r.RectifyDays)),
			Status: domain.ProblemOpen, CreatedBy: p.UserID, CreatedAt: now, UpdatedAt: now}
		if err := h.Repo.CreateProblem(ctx, pr); err != nil && domain.ErrorCode(err) != domain.Conflict {
			return err
		}
	}
	c.Set(fiber.HeaderETag, etag(f.Version))
	return c.JSON(toReviewFileJSON(f, r.Rubric))
}

type agencyReportJSON struct {
	AgencyID   string         `json:"agency_id"`
	AgencyName string         `json:"agency_name"`
	Files      int            `json:"files"`
	Scored     int            `json:"scored"`
	Average    float64        `json:"average_score"`
	Grades     map[string]int `json:"grades"`
	Problems   []problemCount `json:"common_problems"`
}

type problemCount struct {
	Problem string `json:"problem"`
	Files   int    `json:"files"`
}

// ReviewReport is the round's report per agency: files, scored files, average score of the
// scored ones, grades, and the common problems (failed checks and findings, by how many files
// show them). JSON, CSV (?format=csv) or a printable Chinese page (?format=html).
func (h *Handlers) ReviewReport(c *fiber.Ctx) error {
	ctx, cancel := h.ctx(c)
	defer cancel()
	r, err := h.scopedRound(c, ctx)
	if err != nil {
		return err
	}
	files, err := h.Repo.ReviewFilesOf(ctx, r)
	if err != nil {
		return err
	}
	n := h.names()
	byAgency := map[string]*agencyReportJSON{}
	counts := map[string]map[string]int{}
	var order []string
	for agencyID := range r.Sample {
		order = append(order, agencyID)
	}
	slices.Sort(order)
	for _, id := range order {
		byAgency[id] = &agencyReportJSON{AgencyID: id, AgencyName: n.agency(ctx, id), Grades: map[string]int{}, Problems: []problemCount{}}
		counts[id] = map[string]int{}
	}
	sums := map[string]int{}
	for _, f := range files {
		a := byAgency[f.AgencyID]
		if a == nil {
			continue
		}
		a.Files++
		if f.Scored {
			a.Scored++
			sums[f.AgencyID] += f.Total
			a.Grades[f.Grade]++
		}
		for check, res := range f.Auto {
			if !res.Pass {
				counts[f.AgencyID][domain.AutoCheckNames[check]]++
			}
		}
		for _, finding := range f.Findings {
			counts[f.AgencyID][finding]++
		}
	}
	out := []agencyReportJSON{}
	for _, id := range order {
		a := byAgency[id]
		if a.Scored > 0 {
			a.Average = round2(float64(sums[id]) / float64(a.Scored))
		}
		for problem, k := range counts[id] {
			a.Problems = append(a.Problems, problemCount{Problem: problem, Files: k})
		}
		slices.SortFunc(a.Problems, func(x, y problemCount) int { return cmp.Or(y.Files-x.Files, strings.Compare(x.Problem, y.Problem)) })
		out = append(out, *a)
	}
	switch c.Query("format") {
	case "csv":
		rows := [][]string{{"agency_id", "agency_name", "files", "scored", "average_score", "优秀", "合格", "不合格", "common_problems"}}
		for _, a := range out {
			var ps []string
			for _, p := range a.Problems {
				ps = append(ps, fmt.Sprintf("%s(%d)", p.Problem, p.Files))
			}
			rows = append(rows, []string{a.AgencyID, csvSafe(a.AgencyName), strconv.Itoa(a.Files), strconv.Itoa(a.Scored), fmt.Sprintf("%.2f", a.Average),
				strconv.Itoa(a.Grades["优秀"]), strconv.Itoa(a.Grades["合格"]), strconv.Itoa(a.Grades["不合格"]), csvSafe(strings.Join(ps, "；"))})
		}
		return sendCSV(c, "review-report.csv", rows)
	case "html":
		return h.render(c, fiber.StatusOK, "review_report", reviewReportPage{Title: r.Name + " 案卷评查报告", Round: r.Name, Agencies: out})
	}
	return c.JSON(fiber.Map{"round_id": r.ID, "name": r.Name, "agencies": out})
}

type reviewReportPage struct {
	Title, Round string
	Agencies     []agencyReportJSON
}
