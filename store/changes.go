package store

import (
	"context"
	"errors"
	"strconv"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

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
	seq, err := s.nextThen(ctx, "changes:"+ch.AgencyID, func(seq int64) { s.logged(ctx, ch.AgencyID, seq) })
	if err != nil {
		return err
	}
	ch.Seq, ch.At = seq, time.Now().UTC().Truncate(time.Millisecond)
	_, err = s.db.Collection("changes").InsertOne(ctx, changeDoc{ID: changeID(ch.AgencyID, ch.Seq), AgencyID: ch.AgencyID, Seq: ch.Seq, Kind: ch.Kind,
		ObjectID: ch.ObjectID, EventSeq: ch.EventSeq, At: ch.At})
	return mapErr(err, "change")
}

// changeID keys a change by agency and number, so that a reader finds each by its _id.
func changeID(agencyID string, seq int64) string { return agencyID + ":" + strconv.FormatInt(seq, 10) }

// ChangesSince lists an agency's changes after seq, in order. It looks each number up by _id up
// to the agency's counter: the cost is the page, not the log, on both engines (FerretDB's SQLite
// backend would scan the whole log for a range query). Numbers without a change (in flight, or
// abandoned) are left out; the caller judges them by the times of the changes after them.
func (s *Store) ChangesSince(ctx context.Context, agencyID string, after int64, limit int) ([]domain.Change, error) {
	var counter struct {
		N int64 `bson:"n"`
	}
	err := s.db.Collection("counters").FindOne(ctx, bson.D{{Key: "_id", Value: "changes:" + agencyID}}).Decode(&counter)
	if err != nil && !errors.Is(err, mongo.ErrNoDocuments) {
		return nil, mapErr(err, "changes")
	}
	var out []domain.Change
	for seq := after + 1; seq <= counter.N && len(out) < limit; seq++ {
		var d changeDoc
		err := s.db.Collection("changes").FindOne(ctx, bson.D{{Key: "_id", Value: changeID(agencyID, seq)}}).Decode(&d)
		if errors.Is(err, mongo.ErrNoDocuments) {
			continue
		}
		if err != nil {
			return nil, mapErr(err, "changes")
		}
		out = append(out, domain.Change{AgencyID: d.AgencyID, Seq: d.Seq, Kind: d.Kind, ObjectID: d.ObjectID, EventSeq: d.EventSeq, At: d.At.UTC()})
	}
	return out, nil
}
