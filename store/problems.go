package store

import (
	"context"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/zhifa/zhifa/domain"
)

type problemDoc struct {
	ID          string    `bson:"_id"`
	AgencyID    string    `bson:"agency_id"`
	Source      string    `bson:"source"`
	SourceRef   string    `bson:"source_ref,omitempty"`
	Title       string    `bson:"title"`
	Description string    `bson:"description,omitempty"`
	Plan        string    `bson:"plan"`
	Owner       string    `bson:"owner"`
	Deadline    time.Time `bson:"deadline"`
	Status      string    `bson:"status"`
	Open        bool      `bson:"open"`
	ClosedAt    time.Time `bson:"closed_at,omitempty"`
	Closure     string    `bson:"closure,omitempty"`
	CreatedBy   string    `bson:"created_by"`
	CreatedAt   time.Time `bson:"created_at"`
	UpdatedAt   time.Time `bson:"updated_at"`
	Version     int64     `bson:"version"`
}

func toProblemDoc(p *domain.Problem) problemDoc {
	return problemDoc{ID: p.ID, AgencyID: p.AgencyID, Source: p.Source, SourceRef: p.SourceRef, Title: p.Title, Description: p.Description, Plan: p.Plan,
		Owner: p.Owner, Deadline: p.Deadline, Status: string(p.Status), Open: p.Status != domain.ProblemClosed, ClosedAt: asStored(p.ClosedAt), Closure: p.Closure,
		CreatedBy: p.CreatedBy, CreatedAt: asStored(p.CreatedAt), UpdatedAt: asStored(p.UpdatedAt), Version: p.Version}
}

func fromProblemDoc(d *problemDoc) *domain.Problem {
	p := &domain.Problem{ID: d.ID, AgencyID: d.AgencyID, Source: d.Source, SourceRef: d.SourceRef, Title: d.Title, Description: d.Description, Plan: d.Plan,
		Owner: d.Owner, Deadline: d.Deadline.UTC(), Status: domain.ProblemStatus(d.Status), Closure: d.Closure, CreatedBy: d.CreatedBy,
		CreatedAt: d.CreatedAt.UTC(), UpdatedAt: d.UpdatedAt.UTC(), Version: d.Version}
	if !d.ClosedAt.IsZero() {
		p.ClosedAt = d.ClosedAt.UTC()
	}
	return p
}

// CreateProblem stores a new problem, with a new id unless it has one; Conflict when its id is
// taken.
func (s *Store) CreateProblem(ctx context.Context, p *domain.Problem) error {
	if p.ID == "" {
		p.ID = newID()
	}
	p.Version = 1
	_, err := s.db.Collection("problems").InsertOne(ctx, toProblemDoc(p))
	return mapErr(err, "problem")
}

// ProblemByID returns a problem or NotFound.
func (s *Store) ProblemByID(ctx context.Context, id string) (*domain.Problem, error) {
	return findOne(ctx, s.db.Collection("problems"), bson.D{{Key: "_id", Value: id}}, fromProblemDoc, "problem")
}

// UpdateProblem writes p when its stored version is p.Version; Conflict otherwise.
func (s *Store) UpdateProblem(ctx context.Context, p *domain.Problem) error {
	doc := toProblemDoc(p)
	doc.Version = p.Version + 1
	if err := s.replaceVersioned(ctx, s.db.Collection("problems"), p.ID, p.Version, doc, "problem"); err != nil {
		return err
	}
	p.Version = doc.Version
	return nil
}

// ListProblems lists problems in the order registered.
func (s *Store) ListProblems(ctx context.Context, f domain.ProblemFilter, p domain.Page) ([]*domain.Problem, string, error) {
	return page(ctx, s.db.Collection("problems"), problemQuery(f), p, fromProblemDoc, func(d *problemDoc) string { return d.ID })
}

// problemQuery is the filter of f, for the list and its count.
func problemQuery(f domain.ProblemFilter) bson.D {
	filter := bson.D{{Key: "agency_id", Value: bson.D{{Key: "$in", Value: f.AgencyIDs}}}}
	if f.Status != "" {
		filter = append(filter, bson.E{Key: "status", Value: string(f.Status)})
	}
	if f.Source != "" {
		filter = append(filter, bson.E{Key: "source", Value: f.Source})
	}
	if f.OpenOnly {
		filter = append(filter, bson.E{Key: "open", Value: true})
	}
	return filter
}
