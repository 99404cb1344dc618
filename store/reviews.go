package store

import (
	"context"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/zhifa/zhifa/domain"
)

type rubricDoc struct {
	ID    string              `bson:"_id"` // the body
	Items []domain.RubricItem `bson:"items"`
}

// RubricOf returns a body's rubric, nil when it has none.
func (s *Store) RubricOf(ctx context.Context, bodyID string) ([]domain.RubricItem, error) {
	items, err := findOne(ctx, s.db.Collection("rubrics"), bson.D{{Key: "_id", Value: bodyID}}, func(d *rubricDoc) []domain.RubricItem { return d.Items }, "rubric")
	if domain.ErrorCode(err) == domain.NotFound {
		return nil, nil
	}
	return items, err
}

// PutRubric sets a body's rubric.
func (s *Store) PutRubric(ctx context.Context, bodyID string, items []domain.RubricItem) error {
	_, err := s.db.Collection("rubrics").ReplaceOne(ctx, bson.D{{Key: "_id", Value: bodyID}}, rubricDoc{ID: bodyID, Items: items}, options.Replace().SetUpsert(true))
	return mapErr(err, "rubric")
}

type reviewRoundDoc struct {
	ID          string              `bson:"_id"`
	BodyID      string              `bson:"body_id"`
	Name        string              `bson:"name"`
	From        time.Time           `bson:"from"`
	To          time.Time           `bson:"to"`
	Seed        string              `bson:"seed"`
	Commitment  string              `bson:"commitment"`
	Candidates  map[string][]string `bson:"candidates"`
	Sample      map[string][]string `bson:"sample"`
	Rubric      []domain.RubricItem `bson:"rubric"`
	RectifyDays int                 `bson:"rectify_days"`
	CreatedBy   string              `bson:"created_by"`
	CreatedAt   time.Time           `bson:"created_at"`
	Version     int64               `bson:"version"`
}

func fromReviewRoundDoc(d *reviewRoundDoc) *domain.ReviewRound {
	return &domain.ReviewRound{ID: d.ID, BodyID: d.BodyID, Name: d.Name, From: d.From.UTC(), To: d.To.UTC(), Seed: d.Seed, Commitment: d.Commitment,
		Candidates: d.Candidates, Sample: d.Sample, Rubric: d.Rubric, RectifyDays: d.RectifyDays, CreatedBy: d.CreatedBy, CreatedAt: d.CreatedAt.UTC(), Version: d.Version}
}

type reviewFileDoc struct {
	ID         string                        `bson:"_id"`
	RoundID    string                        `bson:"round_id"`
	AgencyID   string                        `bson:"agency_id"`
	CaseID     string                        `bson:"case_id"`
	CaseNumber string                        `bson:"case_number"`
	Auto       map[string]domain.CheckResult `bson:"auto"`
	Manual     map[string]int                `bson:"manual,omitempty"`
	VetoFailed map[string]bool               `bson:"veto_failed,omitempty"`
	Notes      string                        `bson:"notes,omitempty"`
	Findings   []string                      `bson:"findings,omitempty"`
	Total      int                           `bson:"total"`
	Grade      string                        `bson:"grade"`
	Scored     bool                          `bson:"scored"`
	Reviewer   string                        `bson:"reviewer,omitempty"`
	ScoredAt   time.Time                     `bson:"scored_at,omitempty"`
	Version    int64                         `bson:"version"`
}

func toReviewFileDoc(f *domain.ReviewFile) reviewFileDoc {
	return reviewFileDoc{ID: f.ID, RoundID: f.RoundID, AgencyID: f.AgencyID, CaseID: f.CaseID, CaseNumber: f.CaseNumber, Auto: f.Auto, Manual: f.Manual,
		VetoFailed: f.VetoFailed, Notes: f.Notes, Findings: f.Findings, Total: f.Total, Grade: f.Grade, Scored: f.Scored, Reviewer: f.Reviewer,
		ScoredAt: asStored(f.ScoredAt), Version: f.Version}
}

func fromReviewFileDoc(d *reviewFileDoc) *domain.ReviewFile {
	f := &domain.ReviewFile{ID: d.ID, RoundID: d.RoundID, AgencyID: d.AgencyID, CaseID: d.CaseID, CaseNumber: d.CaseNumber, Auto: d.Auto, Manual: d.Manual,
		VetoFailed: d.VetoFailed, Notes: d.Notes, Findings: d.Findings, Total: d.Total, Grade: d.Grade, Scored: d.Scored, Reviewer: d.Reviewer, Version: d.Version}
	if !d.ScoredAt.IsZero() {
		f.ScoredAt = d.ScoredAt.UTC()
	}
	return f
}

// CreateReviewRound stores a round's files, then the round: a crash between leaves files no
// round shows.
func (s *Store) CreateReviewRound(ctx context.Context, r *domain.ReviewRound, files []*domain.ReviewFile) error {
	r.ID, r.Version = newID(), 1
	r.CreatedAt = asStored(r.CreatedAt)
	for start := 0; start < len(files); start += 50 {
		var docs []any
		for _, f := range files[start:min(start+50, len(files))] {
			f.RoundID, f.ID, f.Version = r.ID, r.ID+":"+f.CaseID, 1
			docs = append(docs, toReviewFileDoc(f))
		}
		if _, err := s.db.Collection("review_files").InsertMany(ctx, docs); err != nil {
			return mapErr(err, "review file")
		}
	}
	_, err := s.db.Collection("review_rounds").InsertOne(ctx, reviewRoundDoc{ID: r.ID, BodyID: r.BodyID, Name: r.Name, From: r.From, To: r.To, Seed: r.Seed,
		Commitment: r.Commitment, Candidates: r.Candidates, Sample: r.Sample, Rubric: r.Rubric, RectifyDays: r.RectifyDays, CreatedBy: r.CreatedBy,
		CreatedAt: r.CreatedAt, Version: r.Version})
	return mapErr(err, "review round")
}

// ReviewRoundByID returns a round or NotFound.
func (s *Store) ReviewRoundByID(ctx context.Context, id string) (*domain.ReviewRound, error) {
	return findOne(ctx, s.db.Collection("review_rounds"), bson.D{{Key: "_id", Value: id}}, fromReviewRoundDoc, "review round")
}

// ListReviewRounds lists a body's rounds in the order made.
func (s *Store) ListReviewRounds(ctx context.Context, bodyID string, p domain.Page) ([]*domain.ReviewRound, string, error) {
	return pageWith(ctx, s.db.Collection("review_rounds"), bson.D{{Key: "body_id", Value: bodyID}}, p,
		options.Find().SetProjection(bson.D{{Key: "candidates", Value: 0}}), fromReviewRoundDoc, func(d *reviewRoundDoc) string { return d.ID })
}

// ReviewFilesOf lists a round's files by id.
func (s *Store) ReviewFilesOf(ctx context.Context, roundID string) ([]*domain.ReviewFile, error) {
	cur, err := s.db.Collection("review_files").Find(ctx, bson.D{{Key: "round_id", Value: roundID}}, options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}).SetLimit(10000))
	return findAll(ctx, cur, err, fromReviewFileDoc, "review file")
}

// ReviewFileByID returns a file or NotFound.
func (s *Store) ReviewFileByID(ctx context.Context, id string) (*domain.ReviewFile, error) {
	return findOne(ctx, s.db.Collection("review_files"), bson.D{{Key: "_id", Value: id}}, fromReviewFileDoc, "review file")
}

// UpdateReviewFile writes f when its stored version is f.Version; Conflict otherwise.
func (s *Store) UpdateReviewFile(ctx context.Context, f *domain.ReviewFile) error {
	doc := toReviewFileDoc(f)
	doc.Version = f.Version + 1
	if err := s.replaceVersioned(ctx, s.db.Collection("review_files"), f.ID, f.Version, doc, "review file"); err != nil {
		return err
	}
	f.Version = doc.Version
	return nil
}
