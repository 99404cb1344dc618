package handlers

import (
	"context"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/zhifa/zhifa/domain"
)

type matterJSON struct {
	ID              string    `json:"id,omitempty"`
	AgencyID        string    `json:"agency_id,omitempty"`
	Code            string    `json:"code"`
	Name            string    `json:"name"`
	LegalBasis      string    `json:"legal_basis"`
	PenaltyKinds    []string  `json:"penalty_kinds"`
	SingleOfficer   bool      `json:"single_officer"`
	LimitationYears int       `json:"limitation_years"`
	UpdatedAt       time.Time `json:"updated_at"`
	Version         int64     `json:"version,omitempty"`
}

type matterRequest struct {
	Code            string   `json:"code"`
	Name            string   `json:"name"`
	LegalBasis      string   `json:"legal_basis" limit:"2000"`
	PenaltyKinds    []string `json:"penalty_kinds" limit:"7,32"`
	SingleOfficer   bool     `json:"single_officer"`
	LimitationYears int      `json:"limitation_years" limit:"50"`
}

func kindsOf(ss []string) []domain.PenaltyKind {
	out := make([]domain.PenaltyKind, len(ss))
	for i, s := range ss {
		out[i] = domain.PenaltyKind(s)
	}
	return out
}

func kindStrings(ks []domain.PenaltyKind) []string {
	out := make([]string, len(ks))
	for i, k := range ks {
		out[i] = string(k)
	}
	return out
}

func toMatterJSON(m *domain.Matter) matterJSON {
	return matterJSON{ID: m.ID, AgencyID: m.AgencyID, Code: m.Code, Name: m.Name, LegalBasis: m.LegalBasis, PenaltyKinds: kindStrings(m.PenaltyKinds),
		SingleOfficer: m.SingleOfficer, LimitationYears: m.LimitationYears, UpdatedAt: m.UpdatedAt, Version: m.Version}
}

func (r matterRequest) apply(m *domain.Matter) {
	m.Code, m.Name, m.LegalBasis = strings.TrimSpace(r.Code), strings.TrimSpace(r.Name), r.LegalBasis
	m.PenaltyKinds, m.SingleOfficer, m.LimitationYears = kindsOf(r.PenaltyKinds), r.SingleOfficer, r.LimitationYears
}

// catalogAgency is the agency whose catalog the caller works on: its own; a sysadmin names one
// with ?agency_id=.
func catalogAgency(c *fiber.Ctx) (string, error) {
	p := principal(c)
	if p.Has(domain.RoleSysadmin) {
		if id := c.Query("agency_id"); id != "" {
			return id, nil
		}
		return "", &domain.Error{Code: domain.Invalid, Message: "agency_id is required", Fields: map[string]string{"agency_id": "required for a sysadmin"}}
	}
	// Another agency named is not quietly replaced by the caller's own (an export of it would
	// be the wrong file): it is not found, as the agency's other lists answer.
	if a := c.Query("agency_id"); p.AgencyID == "" || a != "" && a != p.AgencyID {
		return "", notFound("agency")
	}
	return p.AgencyID, nil
}

// requireCatalogAdmin: catalogs are managed by the agency's admin (or a sysadmin).
func requireCatalogAdmin(c *fiber.Ctx, agencyID string) error {
	if !principal(c).ManagesAgency(agencyID) {
		return forbidden("only the agency's admin manages its catalogs")
	}
	return nil
}

// CreateMatter adds a matter to the agency's catalog.
func (h *Handlers) CreateMatter(c *fiber.Ctx) error {
	agencyID, err := catalogAgency(c)
	if err != nil {
		return err
	}
	if err := requireCatalogAdmin(c, agencyID); err != nil {
		return err
	}
	var req matterRequest
	if err := Decode(c, &req); err != nil {
		return err
	}
	m := &domain.Matter{AgencyID: agencyID}
	req.apply(m)
	if err := m.Validate(); err != nil {
		return err
	}
	ctx, cancel := h.ctx(c)
	defer cancel()
	if err := h.recordChange(ctx, agencyID, "matter", &m.ID, 0, func() error { return h.Repo.CreateMatter(ctx, m) }); err != nil {
		return err
	}
	return created(c, "/v1/matters/"+m.ID, m.Version, toMatterJSON(m))
}

// ListMatters lists the caller's agency's matters.
func (h *Handlers) ListMatters(c *fiber.Ctx) error {
	return listInAgency(h, c, h.Repo.ListMatters, toMatterJSON)
}

// listInAgency pages through one of the caller's agency's collections.
func listInAgency[T any, R any](h *Handlers, c *fiber.Ctx, list func(context.Context, string, domain.Page) ([]T, string, error), conv func(T) R) error {
	return listAgencyOf(h, c, catalogAgency, list, conv)
}

// listAgencyOf pages through the collection of the agency that agency names for the request.
func listAgencyOf[T any, R any](h *Handlers, c *fiber.Ctx, agency func(*fiber.Ctx) (string, error), list func(context.Context, string, domain.Page) ([]T, string, error), conv func(T) R) error {
	agencyID, err := agency(c)
	if err != nil {
		return err
	}
	pg, err := pageOf(c)
	if err != nil {
		return err
	}
	ctx, cancel := h.ctx(c)
	defer cancel()
	items, next, err := list(ctx, agencyID, pg)
	if err != nil {
		return err
	}
	return c.JSON(listOf(items, next, conv))
}

// GetMatter reads one matter of the caller's agency.
func (h *Handlers) GetMatter(c *fiber.Ctx) error {
	ctx, cancel := h.ctx(c)
	defer cancel()
	m, err := h.scopedMatter(c, ctx)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderETag, etag(m.Version))
	return c.JSON(toMatterJSON(m))
}

// UpdateMatter replaces a matter's fields.
func (h *Handlers) UpdateMatter(c *fiber.Ctx) error {
	ctx, cancel := h.ctx(c)
	defer cancel()
	m, err := h.scopedMatter(c, ctx)
	if err != nil {
		return err
	}
	if err := requireCatalogAdmin(c, m.AgencyID); err != nil {
		return err
	}
	var req matterRequest
	if err := Decode(c, &req); err != nil {
		return err
	}
	if err := ifMatch(c, m.Version); err != nil {
		return err
	}
	req.apply(m)
	if err := m.Validate(); err != nil {
		return err
	}
	if err := h.recordChange(ctx, m.AgencyID, "matter", &m.ID, 0, func() error { return h.Repo.UpdateMatter(ctx, m) }); err != nil {
		return err
	}
	c.Set(fiber.HeaderETag, etag(m.Version))
	return c.JSON(toMatterJSON(m))
}

func (h *Handlers) scopedMatter(c *fiber.Ctx, ctx context.Context) (*domain.Matter, error) {
	return scoped(c, ctx, h.Repo.MatterByID, func(m *domain.Matter) string { return m.AgencyID }, "matter")
}

// scoped loads the object named by the path's :id and answers NotFound when it belongs to an
// agency other than the caller's.
func scoped[T any](c *fiber.Ctx, ctx context.Context, load func(context.Context, string) (T, error), agencyOf func(T) string, what string) (T, error) {
	v, err := load(ctx, c.Params("id"))
	if err != nil {
		return v, err
	}
	if !inAgency(c, agencyOf(v)) {
		var zero T
		return zero, notFound(what)
	}
	return v, nil
}

// inAgency: the caller belongs to the agency, or is a sysadmin.
func inAgency(c *fiber.Ctx, agencyID string) bool {
	p := principal(c)
	return p.Has(domain.RoleSysadmin) || (p.AgencyID != "" && p.AgencyID == agencyID)
}

type tierJSON struct {
	Tier          string   `json:"tier"`
	Name          string   `json:"name,omitempty"`
	MinFine       int64    `json:"min_fine" limit:"1000000000"`
	MaxFine       int64    `json:"max_fine" limit:"1000000000"`
	Circumstances []string `json:"circumstances"`
	FirstOffence  bool     `json:"first_offence"`
}

type benchmarkRequest struct {
	MatterID string     `json:"matter_id"`
	Tiers    []tierJSON `json:"tiers"`
}

type benchmarkJSON struct {
	ID        string     `json:"id"`
	AgencyID  string     `json:"agency_id"`
	MatterID  string     `json:"matter_id"`
	Tiers     []tierJSON `json:"tiers"`
	UpdatedAt time.Time  `json:"updated_at"`
	Version   int64      `json:"version"`
}

func toBenchmarkJSON(b *domain.Benchmark) benchmarkJSON {
	out := benchmarkJSON{ID: b.ID, AgencyID: b.AgencyID, MatterID: b.MatterID, Tiers: []tierJSON{}, UpdatedAt: b.UpdatedAt, Version: b.Version}
	for _, t := range b.Tiers {
		out.Tiers = append(out.Tiers, tierJSON{Tier: string(t.Tier), Name: domain.TierName(t.Tier), MinFine: t.MinFine, MaxFine: t.MaxFine,
			Circumstances: nonNilStrings(t.Circumstances), FirstOffence: t.FirstOffence})
	}
	return out
}

func nonNilStrings(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func (r benchmarkRequest) tiers() []domain.BenchmarkTier {
	out := make([]domain.BenchmarkTier, len(r.Tiers))
	for i, t := range r.Tiers {
		out[i] = domain.BenchmarkTier{Tier: domain.Tier(t.Tier), MinFine: t.MinFine, MaxFine: t.MaxFine, Circumstances: t.Circumstances, FirstOffence: t.FirstOffence}
	}
	return out
}

// CreateBenchmark sets the discretion benchmark of a matter of the agency.
func (h *Handlers) CreateBenchmark(c *fiber.Ctx) error {
	var req benchmarkRequest
	if err := Decode(c, &req); err != nil {
		return err
	}
	ctx, cancel := h.ctx(c)
	defer cancel()
	m, err := h.Repo.MatterByID(ctx, req.MatterID)
	if err != nil || !inAgency(c, m.AgencyID) {
		if err == nil || domain.ErrorCode(err) == domain.NotFound {
			return &domain.Error{Code: domain.Invalid, Message: "unknown matter", Fields: map[string]string{"matter_id": "no such matter in your agency"}}
		}
		return err
	}
	if err := requireCatalogAdmin(c, m.AgencyID); err != nil {
		return err
	}
	b := &domain.Benchmark{AgencyID: m.AgencyID, MatterID: m.ID, Tiers: req.tiers()}
	if err := b.Validate(); err != nil {
		return err
	}
	if err := h.recordChange(ctx, b.AgencyID, "benchmark", &b.ID, 0, func() error { return h.Repo.CreateBenchmark(ctx, b) }); err != nil {
		return err
	}
	return created(c, "/v1/benchmarks/"+b.ID, b.Version, toBenchmarkJSON(b))
}

// ListBenchmarks lists the agency's benchmarks.
func (h *Handlers) ListBenchmarks(c *fiber.Ctx) error {
	return listInAgency(h, c, h.Repo.ListBenchmarks, toBenchmarkJSON)
}

func (h *Handlers) scopedBenchmark(c *fiber.Ctx, ctx context.Context) (*domain.Benchmark, error) {
	return scoped(c, ctx, h.Repo.BenchmarkByID, func(b *domain.Benchmark) string { return b.AgencyID }, "benchmark")
}

// GetBenchmark reads one benchmark.
func (h *Handlers) GetBenchmark(c *fiber.Ctx) error {
	ctx, cancel := h.ctx(c)
	defer cancel()
	b, err := h.scopedBenchmark(c, ctx)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderETag, etag(b.Version))
	return c.JSON(toBenchmarkJSON(b))
}

// UpdateBenchmark replaces a benchmark's tiers.
func (h *Handlers) UpdateBenchmark(c *fiber.Ctx) error {
	ctx, cancel := h.ctx(c)
	defer cancel()
	b, err := h.scopedBenchmark(c, ctx)
	if err != nil {
		return err
	}
	if err := requireCatalogAdmin(c, b.AgencyID); err != nil {
		return err
	}
	var req benchmarkRequest
	if err := Decode(c, &req); err != nil {
		return err
	}
	if err := ifMatch(c, b.Version); err != nil {
		return err
	}
	if req.MatterID != "" && req.MatterID != b.MatterID {
		return &domain.Error{Code: domain.Invalid, Message: "a benchmark stays with its matter", Fields: map[string]string{"matter_id": "cannot change"}}
	}
	b.Tiers = req.tiers()
	if err := b.Validate(); err != nil {
		return err
	}
	if err := h.recordChange(ctx, b.AgencyID, "benchmark", &b.ID, 0, func() error { return h.Repo.UpdateBenchmark(ctx, b) }); err != nil {
		return err
	}
	c.Set(fiber.HeaderETag, etag(b.Version))
	return c.JSON(toBenchmarkJSON(b))
}

type evaluateRequest struct {
	Circumstances []string `json:"circumstances"`
	FirstOffence  bool     `json:"first_offence"`
}

type evaluationJSON struct {
	Tier     string   `json:"tier"`
	TierName string   `json:"tier_name"`
	MinFine  int64    `json:"min_fine"`
	MaxFine  int64    `json:"max_fine"`
	Reasons  []string `json:"reasons"`
}

// EvaluateBenchmark returns the tier, range and reasons that the facts select.
func (h *Handlers) EvaluateBenchmark(c *fiber.Ctx) error {
	ctx, cancel := h.ctx(c)
	defer cancel()
	b, err := h.scopedBenchmark(c, ctx)
	if err != nil {
		return err
	}
	var req evaluateRequest
	if err := Decode(c, &req); err != nil {
		return err
	}
	e := b.Evaluate(req.Circumstances, req.FirstOffence)
	return c.JSON(evaluationJSON{Tier: string(e.Tier), TierName: domain.TierName(e.Tier), MinFine: e.MinFine, MaxFine: e.MaxFine, Reasons: nonNilStrings(e.Reasons)})
}

type reviewRuleJSON struct {
	ID          string    `json:"id,omitempty"`
	Kind        string    `json:"kind"`
	Threshold   int64     `json:"threshold,omitempty"`
	PenaltyKind string    `json:"penalty_kind,omitempty"`
	MatterID    string    `json:"matter_id,omitempty"`
	Description string    `json:"description"`
	CreatedAt   time.Time `json:"created_at"`
}

type reviewRuleRequest struct {
	Kind        string `json:"kind"`
	Threshold   int64  `json:"threshold" limit:"1000000000"`
	PenaltyKind string `json:"penalty_kind"`
	MatterID    string `json:"matter_id"`
	Description string `json:"description" limit:"500"`
}

func toReviewRuleJSON(r domain.ReviewRule) reviewRuleJSON {
	return reviewRuleJSON{ID: r.ID, Kind: string(r.Kind), Threshold: r.Threshold, PenaltyKind: string(r.PenaltyKind), MatterID: r.MatterID, Description: r.Description, CreatedAt: r.CreatedAt}
}

// CreateReviewRule adds an entry to the legal-review catalog.
func (h *Handlers) CreateReviewRule(c *fiber.Ctx) error {
	agencyID, err := catalogAgency(c)
	if err != nil {
		return err
	}
	if err := requireCatalogAdmin(c, agencyID); err != nil {
		return err
	}
	var req reviewRuleRequest
	if err := Decode(c, &req); err != nil {
		return err
	}
	r := &domain.ReviewRule{AgencyID: agencyID, Kind: domain.ReviewRuleKind(req.Kind), Threshold: req.Threshold,
		PenaltyKind: domain.PenaltyKind(req.PenaltyKind), MatterID: req.MatterID, Description: req.Description}
	if err := r.Validate(); err != nil {
		return err
	}
	ctx, cancel := h.ctx(c)
	defer cancel()
	if r.Kind == domain.ReviewMatter {
		if m, err := h.Repo.MatterByID(ctx, r.MatterID); err != nil || m.AgencyID != agencyID {
			if err == nil || domain.ErrorCode(err) == domain.NotFound {
				return &domain.Error{Code: domain.Invalid, Message: "unknown matter", Fields: map[string]string{"matter_id": "no such matter in your agency"}}
			}
			return err
		}
	}
	if err := h.recordChange(ctx, agencyID, "review_rule", &r.ID, 0, func() error { return h.Repo.CreateReviewRule(ctx, r) }); err != nil {
		return err
	}
	return created(c, "/v1/review-catalog#"+r.ID, r.Version, toReviewRuleJSON(*r))
}

// ListReviewRules lists the agency's legal-review catalog.
func (h *Handlers) ListReviewRules(c *fiber.Ctx) error {
	agencyID, err := catalogAgency(c)
	if err != nil {
		return err
	}
	ctx, cancel := h.ctx(c)
	defer cancel()
	rules, err := h.Repo.ReviewRules(ctx, agencyID)
	if err != nil {
		return err
	}
	out := listResponse[reviewRuleJSON]{Items: make([]reviewRuleJSON, len(rules))}
	for i, r := range rules {
		out.Items[i] = toReviewRuleJSON(r)
	}
	return c.JSON(out)
}
