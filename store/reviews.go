package store

import (
	"context"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
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
			f.RoundID, f.ID, f.Version = r.ID, reviewFileID(r.ID, f.CaseID), 1
			docs = append(docs, toReviewFileDoc(f))
		}
		if _, err := s.db.Collection("review_files").InsertMany(ctx, docs); err != nil {
			for _, d := range docs {
				s.reviewFiles.forget(d.(reviewFileDoc).ID)
			}
			return mapErr(err, "review file")
		}
		for _, d := range docs {
			s.reviewFiles.keep(d.(reviewFileDoc).ID, 1, d)
		}
	}
	d := reviewRoundDoc{ID: r.ID, BodyID: r.BodyID, Name: r.Name, From: r.From, To: r.To, Seed: r.Seed,
		Commitment: r.Commitment, Candidates: r.Candidates, Sample: r.Sample, Rubric: r.Rubric, RectifyDays: r.RectifyDays, CreatedBy: r.CreatedBy,
		CreatedAt: r.CreatedAt, Version: r.Version}
	_, err := s.db.Collection("review_rounds").InsertOne(ctx, d)
	s.rounds.wrote(&d, err)
	return mapErr(err, "review round")
}

// ReviewRoundByID returns a round or NotFound.
func (s *Store) ReviewRoundByID(ctx context.Context, id string) (*domain.ReviewRound, error) {
	return findOne(ctx, s.db.Collection("review_rounds"), bson.D{{Key: "_id", Value: id}}, fromReviewRoundDoc, "review round")
}

// ListReviewRounds lists a body's rounds in the order made, without their candidates.
func (s *Store) ListReviewRounds(ctx context.Context, bodyID string, p domain.Page) ([]*domain.ReviewRound, string, error) {
	if s.rounds != nil {
		return s.rounds.page(ctx, s.db.Collection("review_rounds"), bodyID, p)
	}
	return pageWith(ctx, s.db.Collection("review_rounds"), bson.D{{Key: "body_id", Value: bodyID}}, p,
		options.Find().SetProjection(bson.D{{Key: "candidates", Value: 0}}), fromReviewRoundDoc, func(d *reviewRoundDoc) string { return d.ID })
}

// heldRounds holds, on the embedded engine, each body's rounds without their candidates once
// listed: the engine would read every round of every body whole (their candidates grow with
// the cases) for each list, and the scorecard lists them. Rounds are written once, by this
// process.
type heldRounds struct {
	mu     sync.Mutex
	byBody map[string][]heldRound // in the order of their ids
}

type heldRound struct {
	id  string
	raw []byte // the reviewRoundDoc without candidates
}

// page is ListReviewRounds from what is held, reading the body's rounds first if they are not.
func (h *heldRounds) page(ctx context.Context, c *mongo.Collection, bodyID string, p domain.Page) ([]*domain.ReviewRound, string, error) {
	p = p.Normalize()
	after := ""
	if p.Cursor != "" {
		var err error
		if after, err = decodeCursor(p.Cursor); err != nil {
			return nil, "", err
		}
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	held, ok := h.byBody[bodyID]
	if !ok {
		cur, err := c.Find(ctx, bson.D{{Key: "body_id", Value: bodyID}}, options.Find().SetProjection(bson.D{{Key: "candidates", Value: 0}}))
		if err != nil {
			return nil, "", mapErr(err, "review round")
		}
		var docs []reviewRoundDoc
		if err := cur.All(ctx, &docs); err != nil {
			return nil, "", mapErr(err, "review round")
		}
		for i := range docs {
			held = insertRound(held, &docs[i])
		}
		if held == nil {
			held = []heldRound{}
		}
		h.byBody[bodyID] = held
	}
	from := sort.Search(len(held), func(i int) bool { return held[i].id > after })
	var out []*domain.ReviewRound
	next := ""
	for _, r := range held[from:] {
		if len(out) == p.Limit {
			next = encodeCursor(out[len(out)-1].ID)
			break
		}
		var d reviewRoundDoc
		if err := bson.Unmarshal(r.raw, &d); err != nil {
			return nil, "", mapErr(err, "review round")
		}
		out = append(out, fromReviewRoundDoc(&d))
	}
	return out, next, nil
}

// insertRound files d among rounds by id, once.
func insertRound(rounds []heldRound, d *reviewRoundDoc) []heldRound {
	i, found := slices.BinarySearchFunc(rounds, d.ID, func(r heldRound, id string) int { return strings.Compare(r.id, id) })
	if found {
		return rounds
	}
	lean := *d
	lean.Candidates = nil
	raw, err := bson.Marshal(lean)
	if err != nil {
		return rounds
	}
	return slices.Insert(rounds, i, heldRound{id: d.ID, raw: raw})
}

// wrote files a round just inserted; an insert whose outcome is unknown makes the body's
// rounds be read again.
func (h *heldRounds) wrote(d *reviewRoundDoc, err error) {
	if h == nil {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	held, ok := h.byBody[d.BodyID]
	switch {
	case !ok:
	case err == nil:
		h.byBody[d.BodyID] = insertRound(held, d)
	case !mongo.IsDuplicateKeyError(err):
		delete(h.byBody, d.BodyID)
	}
}

// ReviewFilesOf lists a round's files by id.
func (s *Store) ReviewFilesOf(ctx context.Context, r *domain.ReviewRound) ([]*domain.ReviewFile, error) {
	if s.serialWrites {
		// The embedded engine answers only a lookup by _id from an index, and a file's _id
		// follows from its round and its case: a query by round would read every round's files.
		// The files the process holds are read from what it holds.
		var ids []string
		for _, sample := range r.Sample {
			for _, caseID := range sample {
				ids = append(ids, reviewFileID(r.ID, caseID))
			}
		}
		slices.Sort(ids)
		out := make([]*domain.ReviewFile, 0, len(ids))
		var missing []string
		for _, id := range ids {
			var d reviewFileDoc
			if s.reviewFiles.get(id, &d) {
				out = append(out, fromReviewFileDoc(&d))
				continue
			}
			missing = append(missing, id)
		}
		if len(missing) == 0 {
			return out, nil
		}
		read, err := readByID(ctx, s.db.Collection("review_files"), missing, func(d *reviewFileDoc) *reviewFileDoc { return d }, "review file")
		if err != nil {
			return nil, err
		}
		for _, d := range read {
			s.reviewFiles.keep(d.ID, d.Version, d)
			out = append(out, fromReviewFileDoc(d))
		}
		slices.SortFunc(out, func(a, b *domain.ReviewFile) int { return strings.Compare(a.ID, b.ID) })
		return out, nil
	}
	cur, err := s.db.Collection("review_files").Find(ctx, bson.D{{Key: "round_id", Value: r.ID}}, options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}).SetLimit(10000))
	return findAll(ctx, cur, err, fromReviewFileDoc, "review file")
}

func reviewFileID(roundID, caseID string) string { return roundID + ":" + caseID }

// ReviewFileByID returns a file or NotFound.
func (s *Store) ReviewFileByID(ctx context.Context, id string) (*domain.ReviewFile, error) {
	var held reviewFileDoc
	if s.reviewFiles.get(id, &held) {
		return fromReviewFileDoc(&held), nil
	}
	d, err := findOne(ctx, s.db.Collection("review_files"), bson.D{{Key: "_id", Value: id}}, func(d *reviewFileDoc) *reviewFileDoc { return d }, "review file")
	if err != nil {
		return nil, err
	}
	s.reviewFiles.keep(d.ID, d.Version, d)
	return fromReviewFileDoc(d), nil
}

// UpdateReviewFile writes f when its stored version is f.Version; Conflict otherwise.
func (s *Store) UpdateReviewFile(ctx context.Context, f *domain.ReviewFile) error {
	doc := toReviewFileDoc(f)
	doc.Version = f.Version + 1
	if err := s.replaceVersioned(ctx, s.db.Collection("review_files"), f.ID, f.Version, doc, "review file"); err != nil {
		if domain.ErrorCode(err) != domain.Conflict {
			s.reviewFiles.forget(f.ID)
		}
		return err
	}
	s.reviewFiles.keep(f.ID, doc.Version, doc)
	f.Version = doc.Version
	return nil
}
