package store

import (
	"context"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/zhifa/zhifa/domain"
)

type changeDoc struct {
	ID       string    `bson:"_id"`
	AgencyID string    `bson:"agency_id"`
	Seq      int64     `bson:"seq"`
	Kind     string    `bson:"kind"`
	ObjectID string    `bson:"object_id"`
	EventSeq int       `bson:"event_seq,omitempty"`
	At       time.Time `bson:"at"`
}

// RecordChange allocates the agency's next change number, then stores the change stamped with
// a time taken after the allocation, which is what lets a reader judge how old a gap is.
func (s *Store) RecordChange(ctx context.Context, ch *domain.Change) error {
	seq, err := s.next(ctx, "changes:"+ch.AgencyID)
	if err != nil {
		return err
	}
	ch.Seq, ch.At = seq, time.Now().UTC().Truncate(time.Millisecond)
	_, err = s.db.Collection("changes").InsertOne(ctx, changeDoc{ID: newID(), AgencyID: ch.AgencyID, Seq: ch.Seq, Kind: ch.Kind,
		ObjectID: ch.ObjectID, EventSeq: ch.EventSeq, At: ch.At})
	return mapErr(err, "change")
}

// ChangesSince lists an agency's changes after seq, in order.
func (s *Store) ChangesSince(ctx context.Context, agencyID string, after int64, limit int) ([]domain.Change, error) {
	cur, err := s.db.Collection("changes").Find(ctx,
		bson.D{{Key: "agency_id", Value: agencyID}, {Key: "seq", Value: bson.D{{Key: "$gt", Value: after}}}},
		options.Find().SetSort(bson.D{{Key: "seq", Value: 1}}).SetLimit(int64(limit)))
	return findAll(ctx, cur, err, func(d *changeDoc) domain.Change {
		return domain.Change{AgencyID: d.AgencyID, Seq: d.Seq, Kind: d.Kind, ObjectID: d.ObjectID, EventSeq: d.EventSeq, At: d.At.UTC()}
	}, "changes")
}
