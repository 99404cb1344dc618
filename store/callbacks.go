package store

import (
	"context"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/zhifa/zhifa/domain"
)

type callbackAnswerDoc struct {
	Satisfied bool      `bson:"satisfied"`
	Notes     string    `bson:"notes,omitempty"`
	Channel   string    `bson:"channel"`
	By        string    `bson:"by,omitempty"`
	At        time.Time `bson:"at"`
}

type callbackDoc struct {
	ID         string             `bson:"_id"`
	AgencyID   string             `bson:"agency_id"`
	CaseID     string             `bson:"case_id"`
	CaseNumber string             `bson:"case_number"`
	MatterName string             `bson:"matter_name,omitempty"`
	OfficerIDs []string           `bson:"officer_ids"`
	Trigger    string             `bson:"trigger"`
	DueAt      time.Time          `bson:"due_at"`
	PartyKind  string             `bson:"party_kind,omitempty"`
	PartyName  string             `bson:"party_name,omitempty"`
	PartyPhone string             `bson:"party_phone,omitempty"`
	PartyUSCC  string             `bson:"party_uscc,omitempty"`
	Notified   bool               `bson:"notified"`
	NotifiedAt time.Time          `bson:"notified_at,omitempty"`
	Answered   bool               `bson:"answered"`
	Answer     *callbackAnswerDoc `bson:"answer,omitempty"`
	CreatedAt  time.Time          `bson:"created_at"`
	Version    int64              `bson:"version"`
}

func toCallbackDoc(cb *domain.Callback) callbackDoc {
	d := callbackDoc{ID: cb.ID, AgencyID: cb.AgencyID, CaseID: cb.CaseID, CaseNumber: cb.CaseNumber, MatterName: cb.MatterName, OfficerIDs: cb.OfficerIDs,
		Trigger: string(cb.Trigger), DueAt: asStored(cb.DueAt), PartyKind: cb.PartyKind, PartyName: cb.PartyName, PartyPhone: cb.PartyPhone,
		PartyUSCC: cb.PartyUSCC, Notified: !cb.NotifiedAt.IsZero(), NotifiedAt: asStored(cb.NotifiedAt), CreatedAt: asStored(cb.CreatedAt), Version: cb.Version}
	if a := cb.Answer; a != nil {
		d.Answered = true
		d.Answer = &callbackAnswerDoc{Satisfied: a.Satisfied, Notes: a.Notes, Channel: a.Channel, By: a.By, At: asStored(a.At)}
	}
	return d
}

func fromCallbackDoc(d *callbackDoc) *domain.Callback {
	cb := &domain.Callback{ID: d.ID, AgencyID: d.AgencyID, CaseID: d.CaseID, CaseNumber: d.CaseNumber, MatterName: d.MatterName, OfficerIDs: d.OfficerIDs,
		Trigger: domain.CaseStatus(d.Trigger), DueAt: d.DueAt.UTC(), PartyKind: d.PartyKind, PartyName: d.PartyName, PartyPhone: d.PartyPhone,
		PartyUSCC: d.PartyUSCC, CreatedAt: d.CreatedAt.UTC(), Version: d.Version}
	if d.Notified {
		cb.NotifiedAt = d.NotifiedAt.UTC()
	}
	if a := d.Answer; a != nil {
		cb.Answer = &domain.CallbackAnswer{Satisfied: a.Satisfied, Notes: a.Notes, Channel: a.Channel, By: a.By, At: a.At.UTC()}
	}
	return cb
}

// CreateCallback stores a case's callback; Conflict when the case has one (its id is the
// case's).
func (s *Store) CreateCallback(ctx context.Context, cb *domain.Callback) error {
	cb.Version = 1
	_, err := s.db.Collection("callbacks").InsertOne(ctx, toCallbackDoc(cb))
	return mapErr(err, "callback")
}

// CallbackByID returns a callback or NotFound.
func (s *Store) CallbackByID(ctx context.Context, id string) (*domain.Callback, error) {
	return findOne(ctx, s.db.Collection("callbacks"), bson.D{{Key: "_id", Value: id}}, fromCallbackDoc, "callback")
}

// UpdateCallback writes cb when its stored version is cb.Version; Conflict otherwise.
func (s *Store) UpdateCallback(ctx context.Context, cb *domain.Callback) error {
	doc := toCallbackDoc(cb)
	doc.Version = cb.Version + 1
	if err := s.replaceVersioned(ctx, s.db.Collection("callbacks"), cb.ID, cb.Version, doc, "callback"); err != nil {
		return err
	}
	cb.Version = doc.Version
	return nil
}

// ListCallbacks lists callbacks in a stable order (by id) for paging.
func (s *Store) ListCallbacks(ctx context.Context, f domain.CallbackFilter, p domain.Page) ([]*domain.Callback, string, error) {
	return page(ctx, s.db.Collection("callbacks"), callbackQuery(f), p, fromCallbackDoc, func(d *callbackDoc) string { return d.ID })
}

// callbackQuery is the filter of f, for the list and its count.
func callbackQuery(f domain.CallbackFilter) bson.D {
	filter := bson.D{}
	if f.AgencyIDs != nil {
		filter = append(filter, bson.E{Key: "agency_id", Value: bson.D{{Key: "$in", Value: f.AgencyIDs}}})
	}
	if f.PartyUSCC != "" {
		filter = append(filter, bson.E{Key: "party_uscc", Value: f.PartyUSCC})
	}
	switch f.State {
	case domain.CallbackAnswered:
		filter = append(filter, bson.E{Key: "answered", Value: true})
	case domain.CallbackDue:
		filter = append(filter, bson.E{Key: "answered", Value: false}, bson.E{Key: "due_at", Value: bson.D{{Key: "$lte", Value: f.Now}}})
	case domain.CallbackScheduled:
		filter = append(filter, bson.E{Key: "answered", Value: false}, bson.E{Key: "due_at", Value: bson.D{{Key: "$gt", Value: f.Now}}})
	}
	if f.Satisfied != nil {
		filter = append(filter, bson.E{Key: "answer.satisfied", Value: *f.Satisfied})
	}
	if created := timeRange(f.From, f.To); created != nil {
		filter = append(filter, bson.E{Key: "created_at", Value: created})
	}
	return filter
}

// DueUnnotified lists unanswered callbacks due at now whose party was not told yet.
func (s *Store) DueUnnotified(ctx context.Context, now time.Time, limit int) ([]*domain.Callback, error) {
	cur, err := s.db.Collection("callbacks").Find(ctx, bson.D{{Key: "notified", Value: false}, {Key: "answered", Value: false},
		{Key: "party_uscc", Value: bson.D{{Key: "$gt", Value: ""}}}, {Key: "due_at", Value: bson.D{{Key: "$lte", Value: now}}}},
		options.Find().SetLimit(int64(limit)))
	return findAll(ctx, cur, err, fromCallbackDoc, "callback")
}
