package store

import (
	"context"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/zhifa/zhifa/domain"
)

type matterDoc struct {
	ID              string    `bson:"_id"`
	AgencyID        string    `bson:"agency_id"`
	Code            string    `bson:"code"`
	Name            string    `bson:"name"`
	LegalBasis      string    `bson:"legal_basis"`
	PenaltyKinds    []string  `bson:"penalty_kinds"`
	SingleOfficer   bool      `bson:"single_officer"`
	LimitationYears int       `bson:"limitation_years"`
	CreatedAt       time.Time `bson:"created_at"`
	UpdatedAt       time.Time `bson:"updated_at"`
	Version         int64     `bson:"version"`
}

func kindsToStrings(ks []domain.PenaltyKind) []string {
	out := make([]string, len(ks))
	for i, k := range ks {
		out[i] = string(k)
	}
	return out
}

func stringsToKinds(ss []string) []domain.PenaltyKind {
	out := make([]domain.PenaltyKind, len(ss))
	for i, s := range ss {
		out[i] = domain.PenaltyKind(s)
	}
	return out
}

func toMatterDoc(m *domain.Matter) matterDoc {
	return matterDoc{ID: m.ID, AgencyID: m.AgencyID, Code: m.Code, Name: m.Name, LegalBasis: m.LegalBasis,
		PenaltyKinds: kindsToStrings(m.PenaltyKinds), SingleOfficer: m.SingleOfficer, LimitationYears: m.LimitationYears,
		CreatedAt: m.CreatedAt, UpdatedAt: m.UpdatedAt, Version: m.Version}
}

func fromMatterDoc(d *matterDoc) *domain.Matter {
	return &domain.Matter{ID: d.ID, AgencyID: d.AgencyID, Code: d.Code, Name: d.Name, LegalBasis: d.LegalBasis,
		PenaltyKinds: stringsToKinds(d.PenaltyKinds), SingleOfficer: d.SingleOfficer, LimitationYears: d.LimitationYears,
		CreatedAt: d.CreatedAt.UTC(), UpdatedAt: d.UpdatedAt.UTC(), Version: d.Version}
}

// CreateMatter inserts m; Conflict on a code the agency already uses.
func (s *Store) CreateMatter(ctx context.Context, m *domain.Matter) error {
	now := now()
	if m.ID == "" {
		m.ID = newID()
	}
	m.CreatedAt, m.UpdatedAt, m.Version = now, now, 1
	_, err := s.db.Collection("matters").InsertOne(ctx, toMatterDoc(m))
	s.viewsChanged(ctx)
	return mapErr(err, "a matter with this code")
}

// MatterByID returns the matter or NotFound.
func (s *Store) MatterByID(ctx context.Context, id string) (*domain.Matter, error) {
	return viewedOne(ctx, s, "matters/"+id, s.db.Collection("matters"), bson.D{{Key: "_id", Value: id}}, fromMatterDoc, "matter")
}

// UpdateMatter replaces m at its version.
func (s *Store) UpdateMatter(ctx context.Context, m *domain.Matter) error {
	m.UpdatedAt = now()
	d := toMatterDoc(m)
	d.Version++
	err := s.replaceVersioned(ctx, s.db.Collection("matters"), m.ID, m.Version, d, "matter")
	s.viewsChanged(ctx)
	if err != nil {
		return err
	}
	m.Version = d.Version
	return nil
}

// ListMatters lists an agency's matters.
func (s *Store) ListMatters(ctx context.Context, agencyID string, p domain.Page) ([]*domain.Matter, string, error) {
	return page(ctx, s.db.Collection("matters"), bson.D{{Key: "agency_id", Value: agencyID}}, p, fromMatterDoc, func(d *matterDoc) string { return d.ID })
}

type tierDoc struct {
	Tier          string   `bson:"tier"`
	MinFine       int64    `bson:"min_fine"`
	MaxFine       int64    `bson:"max_fine"`
	Circumstances []string `bson:"circumstances"`
	FirstOffence  bool     `bson:"first_offence"`
}

type benchmarkDoc struct {
	ID        string    `bson:"_id"`
	AgencyID  string    `bson:"agency_id"`
	MatterID  string    `bson:"matter_id"`
	Tiers     []tierDoc `bson:"tiers"`
	CreatedAt time.Time `bson:"created_at"`
	UpdatedAt time.Time `bson:"updated_at"`
	Version   int64     `bson:"version"`
}

func toBenchmarkDoc(b *domain.Benchmark) benchmarkDoc {
	d := benchmarkDoc{ID: b.ID, AgencyID: b.AgencyID, MatterID: b.MatterID, CreatedAt: b.CreatedAt, UpdatedAt: b.UpdatedAt, Version: b.Version}
	for _, t := range b.Tiers {
		d.Tiers = append(d.Tiers, tierDoc{Tier: string(t.Tier), MinFine: t.MinFine, MaxFine: t.MaxFine, Circumstances: t.Circumstances, FirstOffence: t.FirstOffence})
	}
	return d
}

func fromBenchmarkDoc(d *benchmarkDoc) *domain.Benchmark {
	b := &domain.Benchmark{ID: d.ID, AgencyID: d.AgencyID, MatterID: d.MatterID, CreatedAt: d.CreatedAt.UTC(), UpdatedAt: d.UpdatedAt.UTC(), Version: d.Version}
	for _, t := range d.Tiers {
		b.Tiers = append(b.Tiers, domain.BenchmarkTier{Tier: domain.Tier(t.Tier), MinFine: t.MinFine, MaxFine: t.MaxFine, Circumstances: t.Circumstances, FirstOffence: t.FirstOffence})
	}
	return b
}

// CreateBenchmark inserts b; Conflict when the matter has a benchmark already.
func (s *Store) CreateBenchmark(ctx context.Context, b *domain.Benchmark) error {
	now := now()
	if b.ID == "" {
		b.ID = newID()
	}
	b.CreatedAt, b.UpdatedAt, b.Version = now, now, 1
	_, err := s.db.Collection("benchmarks").InsertOne(ctx, toBenchmarkDoc(b))
	s.viewsChanged(ctx)
	return mapErr(err, "a benchmark for this matter")
}

// BenchmarkByID returns the benchmark or NotFound.
func (s *Store) BenchmarkByID(ctx context.Context, id string) (*domain.Benchmark, error) {
	return findOne(ctx, s.db.Collection("benchmarks"), bson.D{{Key: "_id", Value: id}}, fromBenchmarkDoc, "benchmark")
}

// BenchmarkOfMatter returns the matter's benchmark or NotFound.
func (s *Store) BenchmarkOfMatter(ctx context.Context, matterID string) (*domain.Benchmark, error) {
	return viewedOne(ctx, s, "benchmarks/of/"+matterID, s.db.Collection("benchmarks"), bson.D{{Key: "matter_id", Value: matterID}}, fromBenchmarkDoc, "benchmark")
}

// UpdateBenchmark replaces b at its version.
func (s *Store) UpdateBenchmark(ctx context.Context, b *domain.Benchmark) error {
	b.UpdatedAt = now()
	d := toBenchmarkDoc(b)
	d.Version++
	err := s.replaceVersioned(ctx, s.db.Collection("benchmarks"), b.ID, b.Version, d, "benchmark")
	s.viewsChanged(ctx)
	if err != nil {
		return err
	}
	b.Version = d.Version
	return nil
}

// ListBenchmarks lists an agency's benchmarks.
func (s *Store) ListBenchmarks(ctx context.Context, agencyID string, p domain.Page) ([]*domain.Benchmark, string, error) {
	return page(ctx, s.db.Collection("benchmarks"), bson.D{{Key: "agency_id", Value: agencyID}}, p, fromBenchmarkDoc, func(d *benchmarkDoc) string { return d.ID })
}

type reviewRuleDoc struct {
	ID          string    `bson:"_id"`
	AgencyID    string    `bson:"agency_id"`
	Kind        string    `bson:"kind"`
	Threshold   int64     `bson:"threshold"`
	PenaltyKind string    `bson:"penalty_kind,omitempty"`
	MatterID    string    `bson:"matter_id,omitempty"`
	Description string    `bson:"description"`
	CreatedAt   time.Time `bson:"created_at"`
	Version     int64     `bson:"version"`
}

func fromReviewRuleDoc(d *reviewRuleDoc) domain.ReviewRule {
	return domain.ReviewRule{ID: d.ID, AgencyID: d.AgencyID, Kind: domain.ReviewRuleKind(d.Kind), Threshold: d.Threshold,
		PenaltyKind: domain.PenaltyKind(d.PenaltyKind), MatterID: d.MatterID, Description: d.Description, CreatedAt: d.CreatedAt.UTC(), Version: d.Version}
}

// CreateReviewRule inserts r.
func (s *Store) CreateReviewRule(ctx context.Context, r *domain.ReviewRule) error {
	if r.ID == "" {
		r.ID = newID()
	}
	r.CreatedAt, r.Version = now(), 1
	_, err := s.db.Collection("review_rules").InsertOne(ctx, reviewRuleDoc{ID: r.ID, AgencyID: r.AgencyID, Kind: string(r.Kind),
		Threshold: r.Threshold, PenaltyKind: string(r.PenaltyKind), MatterID: r.MatterID, Description: r.Description, CreatedAt: r.CreatedAt, Version: r.Version})
	s.viewsChanged(ctx)
	return mapErr(err, "review rule")
}

// ReviewRules lists an agency's legal-review catalog.
func (s *Store) ReviewRules(ctx context.Context, agencyID string) ([]domain.ReviewRule, error) {
	return viewedAll(ctx, s, "review_rules/of/"+agencyID, s.db.Collection("review_rules"), bson.D{{Key: "agency_id", Value: agencyID}}, fromReviewRuleDoc, "review rules")
}

// ReviewRuleByID returns one rule of a legal-review catalog, or NotFound.
func (s *Store) ReviewRuleByID(ctx context.Context, id string) (*domain.ReviewRule, error) {
	return findOne(ctx, s.db.Collection("review_rules"), bson.D{{Key: "_id", Value: id}}, func(d *reviewRuleDoc) *domain.ReviewRule {
		r := fromReviewRuleDoc(d)
		return &r
	}, "review rule")
}
