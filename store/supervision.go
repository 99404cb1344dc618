package store

import (
	"context"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/zhifa/zhifa/domain"
)

// Warnings are kept by one writer, the supervision sweep (notify.Sweeper), which holds the
// "supervision" lease; only open deadlines are stored, so the collection stays as large as
// the open objects, not the history.

type warningDoc struct {
	ID         string    `bson:"_id"`
	Kind       string    `bson:"kind"`
	AgencyID   string    `bson:"agency_id"`
	ObjectKind string    `bson:"object_kind"`
	ObjectID   string    `bson:"object_id"`
	Label      string    `bson:"label"`
	Deadline   time.Time `bson:"deadline"`
	YellowAt   time.Time `bson:"yellow_at"`
	AlertedFor time.Time `bson:"alerted_for,omitempty"`
	// AlertAt is the deadline while its red is still to be told, and never afterwards: the
	// sweep finds what to tell with one range.
	AlertAt   time.Time `bson:"alert_at"`
	UpdatedAt time.Time `bson:"updated_at"`
}

// never is the alert time of a warning whose red was told.
var never = time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)

func toWarningDoc(w *domain.Warning) warningDoc {
	d := warningDoc{ID: w.ID, Kind: string(w.Kind), AgencyID: w.AgencyID, ObjectKind: w.ObjectKind, ObjectID: w.ObjectID, Label: w.Label,
		Deadline: asStored(w.Deadline), YellowAt: asStored(w.YellowAt), AlertAt: asStored(w.Deadline), UpdatedAt: asStored(w.UpdatedAt)}
	if !w.AlertedFor.IsZero() {
		d.AlertedFor = asStored(w.AlertedFor)
		if d.AlertedFor.Equal(d.Deadline) {
			d.AlertAt = never
		}
	}
	return d
}

func fromWarningDoc(d *warningDoc) *domain.Warning {
	w := &domain.Warning{ID: d.ID, Kind: domain.WarningKind(d.Kind), AgencyID: d.AgencyID, ObjectKind: d.ObjectKind, ObjectID: d.ObjectID, Label: d.Label,
		Deadline: d.Deadline.UTC(), YellowAt: d.YellowAt.UTC(), UpdatedAt: d.UpdatedAt.UTC()}
	if !d.AlertedFor.IsZero() {
		w.AlertedFor = d.AlertedFor.UTC()
	}
	return w
}

// PutWarning writes a warning; when it was stored, its alert state is kept.
func (s *Store) PutWarning(ctx context.Context, w *domain.Warning) error {
	c := s.db.Collection("warnings")
	return s.serialize("warnings/"+w.ID, func() error {
		old, err := s.WarningByID(ctx, w.ID)
		switch {
		case err == nil:
			w.AlertedFor = old.AlertedFor
		case domain.ErrorCode(err) != domain.NotFound:
			return err
		}
		_, err = c.ReplaceOne(ctx, bson.D{{Key: "_id", Value: w.ID}}, toWarningDoc(w), options.Replace().SetUpsert(true))
		return mapErr(err, "warning")
	})
}

// DeleteWarning forgets a warning whose step was done; one not stored is no error.
func (s *Store) DeleteWarning(ctx context.Context, id string) error {
	_, err := s.db.Collection("warnings").DeleteOne(ctx, bson.D{{Key: "_id", Value: id}})
	return mapErr(err, "warning")
}

// WarningByID returns a warning or NotFound.
func (s *Store) WarningByID(ctx context.Context, id string) (*domain.Warning, error) {
	return findOne(ctx, s.db.Collection("warnings"), bson.D{{Key: "_id", Value: id}}, fromWarningDoc, "warning")
}

// WarningsOfAgency lists every stored warning of an agency ("" for all): the open deadlines,
// as many as the open objects.
func (s *Store) WarningsOfAgency(ctx context.Context, agencyID string) ([]*domain.Warning, error) {
	filter := bson.D{}
	if agencyID != "" {
		filter = bson.D{{Key: "agency_id", Value: agencyID}}
	}
	cur, err := s.db.Collection("warnings").Find(ctx, filter)
	return findAll(ctx, cur, err, fromWarningDoc, "warning")
}

// ListWarnings lists the warnings yellow or red at f.Now, earliest deadline first.
func (s *Store) ListWarnings(ctx context.Context, f domain.WarningFilter, p domain.Page) ([]*domain.Warning, string, error) {
	now := asStored(f.Now)
	filter := bson.D{}
	if f.AgencyIDs != nil {
		filter = append(filter, bson.E{Key: "agency_id", Value: bson.D{{Key: "$in", Value: f.AgencyIDs}}})
	}
	if f.Kinds != nil {
		kinds := make([]string, len(f.Kinds))
		for i, k := range f.Kinds {
			kinds[i] = string(k)
		}
		filter = append(filter, bson.E{Key: "kind", Value: bson.D{{Key: "$in", Value: kinds}}})
	}
	switch f.Level {
	case domain.LevelRed:
		filter = append(filter, bson.E{Key: "deadline", Value: bson.D{{Key: "$lte", Value: now}}})
	case domain.LevelYellow:
		filter = append(filter, bson.E{Key: "yellow_at", Value: bson.D{{Key: "$lte", Value: now}}}, bson.E{Key: "deadline", Value: bson.D{{Key: "$gt", Value: now}}})
	default:
		filter = append(filter, bson.E{Key: "yellow_at", Value: bson.D{{Key: "$lte", Value: now}}})
	}
	return pageByTime(ctx, s.db.Collection("warnings"), filter, "deadline", 1, p, fromWarningDoc, func(d *warningDoc) (time.Time, string) { return d.Deadline, d.ID })
}

// RedUnalerted lists red warnings not told yet, the oldest deadline first.
func (s *Store) RedUnalerted(ctx context.Context, now time.Time, limit int) ([]*domain.Warning, error) {
	cur, err := s.db.Collection("warnings").Find(ctx, bson.D{{Key: "alert_at", Value: bson.D{{Key: "$lte", Value: asStored(now)}}}},
		options.Find().SetSort(bson.D{{Key: "alert_at", Value: 1}, {Key: "_id", Value: 1}}).SetLimit(int64(limit)))
	return findAll(ctx, cur, err, fromWarningDoc, "warning")
}

// MarkAlerted records that the supervisors were told deadline passed.
func (s *Store) MarkAlerted(ctx context.Context, id string, deadline time.Time) error {
	return s.serialize("warnings/"+id, func() error {
		_, err := s.db.Collection("warnings").UpdateOne(ctx, bson.D{{Key: "_id", Value: id}},
			bson.D{{Key: "$set", Value: bson.D{{Key: "alerted_for", Value: asStored(deadline)}, {Key: "alert_at", Value: never}}}})
		return mapErr(err, "warning")
	})
}

// TakeLease gives holder the lease name until the given time, when it is free, expired or
// holder's already. Two instances racing for a free lease: the unique _id lets one insert.
func (s *Store) TakeLease(ctx context.Context, name, holder string, now, until time.Time) (bool, error) {
	c := s.db.Collection("leases")
	took := false
	err := s.serialize("leases/"+name, func() error {
		res, err := c.UpdateOne(ctx, bson.D{{Key: "_id", Value: name}, {Key: "$or", Value: bson.A{
			bson.D{{Key: "holder", Value: holder}}, bson.D{{Key: "until", Value: bson.D{{Key: "$lt", Value: asStored(now)}}}},
		}}}, bson.D{{Key: "$set", Value: bson.D{{Key: "holder", Value: holder}, {Key: "until", Value: asStored(until)}}}})
		if err != nil {
			return mapErr(err, "lease")
		}
		if res.MatchedCount > 0 {
			took = true
			return nil
		}
		_, err = c.InsertOne(ctx, bson.D{{Key: "_id", Value: name}, {Key: "holder", Value: holder}, {Key: "until", Value: asStored(until)}})
		if mongo.IsDuplicateKeyError(err) {
			return nil
		}
		took = err == nil
		return mapErr(err, "lease")
	})
	return took, err
}

type orderEventDoc struct {
	Seq    int       `bson:"seq"`
	Action string    `bson:"action"`
	Status string    `bson:"status"`
	Text   string    `bson:"text,omitempty"`
	By     string    `bson:"by"`
	At     time.Time `bson:"at"`
}

type orderDoc struct {
	ID         string          `bson:"_id"`
	BodyID     string          `bson:"body_id"`
	AgencyID   string          `bson:"agency_id"`
	ObjectKind string          `bson:"object_kind"`
	ObjectID   string          `bson:"object_id"`
	Label      string          `bson:"label"`
	Text       string          `bson:"text"`
	Deadline   time.Time       `bson:"deadline"`
	Status     string          `bson:"status"`
	Open       bool            `bson:"open"`
	Answer     string          `bson:"answer,omitempty"`
	AnsweredAt time.Time       `bson:"answered_at,omitempty"`
	AnsweredBy string          `bson:"answered_by,omitempty"`
	Events     []orderEventDoc `bson:"events"`
	CreatedBy  string          `bson:"created_by"`
	CreatedAt  time.Time       `bson:"created_at"`
	UpdatedAt  time.Time       `bson:"updated_at"`
	Version    int64           `bson:"version"`
	// Request is the hash of the issuing request that came with an Idempotency-Key.
	Request string `bson:"request,omitempty"`
}

func toOrderDoc(o *domain.SupervisionOrder) orderDoc {
	d := orderDoc{ID: o.ID, BodyID: o.BodyID, AgencyID: o.AgencyID, ObjectKind: o.ObjectKind, ObjectID: o.ObjectID, Label: o.Label, Text: o.Text,
		Deadline: o.Deadline, Status: string(o.Status), Open: o.Status != domain.OrderClosed, Answer: o.Answer, AnsweredAt: asStored(o.AnsweredAt),
		AnsweredBy: o.AnsweredBy, CreatedBy: o.CreatedBy, CreatedAt: asStored(o.CreatedAt), UpdatedAt: asStored(o.UpdatedAt), Version: o.Version,
		Request: o.Request}
	for _, e := range o.Events {
		d.Events = append(d.Events, orderEventDoc{Seq: e.Seq, Action: e.Action, Status: string(e.Status), Text: e.Text, By: e.By, At: asStored(e.At)})
	}
	return d
}

func fromOrderDoc(d *orderDoc) *domain.SupervisionOrder {
	o := &domain.SupervisionOrder{ID: d.ID, Request: d.Request, BodyID: d.BodyID, AgencyID: d.AgencyID, ObjectKind: d.ObjectKind, ObjectID: d.ObjectID, Label: d.Label,
		Text: d.Text, Deadline: d.Deadline.UTC(), Status: domain.OrderStatus(d.Status), Answer: d.Answer, AnsweredBy: d.AnsweredBy,
		CreatedBy: d.CreatedBy, CreatedAt: d.CreatedAt.UTC(), UpdatedAt: d.UpdatedAt.UTC(), Version: d.Version}
	if !d.AnsweredAt.IsZero() {
		o.AnsweredAt = d.AnsweredAt.UTC()
	}
	for _, e := range d.Events {
		o.Events = append(o.Events, domain.OrderEvent{Seq: e.Seq, Action: e.Action, Status: domain.OrderStatus(e.Status), Text: e.Text, By: e.By, At: e.At.UTC()})
	}
	return o
}

// CreateOrder stores a new supervision order; Conflict when its id is taken.
func (s *Store) CreateOrder(ctx context.Context, o *domain.SupervisionOrder) error {
	o.Version = 1
	_, err := s.db.Collection("orders").InsertOne(ctx, toOrderDoc(o))
	return mapErr(err, "supervision order")
}

// OrderByID returns a supervision order or NotFound.
func (s *Store) OrderByID(ctx context.Context, id string) (*domain.SupervisionOrder, error) {
	return findOne(ctx, s.db.Collection("orders"), bson.D{{Key: "_id", Value: id}}, fromOrderDoc, "supervision order")
}

// UpdateOrder writes o when its stored version is o.Version; Conflict otherwise.
func (s *Store) UpdateOrder(ctx context.Context, o *domain.SupervisionOrder) error {
	doc := toOrderDoc(o)
	doc.Version = o.Version + 1
	if err := s.replaceVersioned(ctx, s.db.Collection("orders"), o.ID, o.Version, doc, "supervision order"); err != nil {
		return err
	}
	o.Version = doc.Version
	return nil
}

// ListOrders lists supervision orders in the order they were issued.
func (s *Store) ListOrders(ctx context.Context, f domain.OrderFilter, p domain.Page) ([]*domain.SupervisionOrder, string, error) {
	filter := bson.D{}
	if f.AgencyIDs != nil {
		filter = append(filter, bson.E{Key: "agency_id", Value: bson.D{{Key: "$in", Value: f.AgencyIDs}}})
	}
	if f.BodyID != "" {
		filter = append(filter, bson.E{Key: "body_id", Value: f.BodyID})
	}
	if f.Status != "" {
		filter = append(filter, bson.E{Key: "status", Value: string(f.Status)})
	}
	if f.OpenOnly {
		filter = append(filter, bson.E{Key: "open", Value: true})
	}
	if r := timeRange(f.DueFrom, f.DueTo); r != nil {
		filter = append(filter, bson.E{Key: "deadline", Value: r})
	}
	return page(ctx, s.db.Collection("orders"), filter, p, fromOrderDoc, func(d *orderDoc) string { return d.ID })
}
