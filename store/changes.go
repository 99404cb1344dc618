package store

import (
	"context"
	"strconv"
	"sync"
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
	seq, err := s.nextChange(ctx, ch.AgencyID)
	if err != nil {
		return err
	}
	ch.Seq, ch.At = seq, time.Now().UTC().Truncate(time.Millisecond)
	_, err = s.db.Collection("changes").InsertOne(ctx, changeDoc{ID: changeID(ch.AgencyID, ch.Seq), AgencyID: ch.AgencyID, Seq: ch.Seq, Kind: ch.Kind,
		ObjectID: ch.ObjectID, EventSeq: ch.EventSeq, At: ch.At})
	if err == nil {
		s.tails.wrote(*ch)
	}
	s.changeWritten(ch.AgencyID)
	return mapErr(err, "change")
}

// changeID keys a change by agency and number, so that a reader finds each by its _id.
func changeID(agencyID string, seq int64) string { return agencyID + ":" + strconv.FormatInt(seq, 10) }

// ChangesSince lists an agency's changes after seq, in order, up to limit. On the embedded
// engine the log is held in process (changetail.go); on MongoDB one query through the
// agency_seq_unique index reads the page. Numbers without a change (in flight, or abandoned)
// are left out; the caller judges them by the times of the changes after them.
func (s *Store) ChangesSince(ctx context.Context, agencyID string, after int64, limit int) ([]domain.Change, error) {
	if s.tails != nil {
		return s.tailSince(ctx, agencyID, after, limit)
	}
	cur, err := s.db.Collection("changes").Find(ctx, bson.D{{Key: "agency_id", Value: agencyID}, {Key: "seq", Value: bson.D{{Key: "$gt", Value: after}}}},
		options.Find().SetSort(bson.D{{Key: "agency_id", Value: 1}, {Key: "seq", Value: 1}}).SetLimit(int64(limit)).SetProjection(bson.D{{Key: "_id", Value: 0}}))
	if err != nil {
		return nil, mapErr(err, "changes")
	}
	defer cur.Close(ctx)
	out := []domain.Change{}
	for cur.Next(ctx) {
		var d changeDoc
		if err := cur.Decode(&d); err != nil {
			return nil, mapErr(err, "changes")
		}
		out = append(out, changeOf(&d))
	}
	return out, mapErr(cur.Err(), "changes")
}

// changeBlock is how many change numbers the embedded engine reserves with one command.
const changeBlock = 64

// changeNumbers are the numbers of each change log this process reserved and handed out, on
// the embedded engine: one counter update per 64 changes, not one per change. A number is
// still handed out only once, across restarts too (a restart starts past the last block);
// the numbers of a block a stopped process did not use are gaps, which readers pass as they
// pass a failed write's.
type changeNumbers struct {
	mu     sync.Mutex
	blocks map[string]*numberBlock
}

type numberBlock struct{ next, last int64 }

// nextChange allocates the next number of a change log and notes it in flight, in order.
func (s *Store) nextChange(ctx context.Context, log string) (int64, error) {
	name := "changes:" + log
	if !s.serialWrites {
		return s.nextThen(ctx, name, func(seq int64) { s.logged(ctx, log, seq) })
	}
	var seq int64
	err := s.serialize("counters/"+name, func() error {
		s.numbers.mu.Lock()
		b := s.numbers.blocks[log]
		s.numbers.mu.Unlock()
		if b == nil || b.next > b.last {
			var d struct {
				N int64 `bson:"n"`
			}
			if err := s.db.Collection("counters").FindOneAndUpdate(ctx, bson.D{{Key: "_id", Value: name}},
				bson.D{{Key: "$inc", Value: bson.D{{Key: "n", Value: int64(changeBlock)}}}},
				options.FindOneAndUpdate().SetUpsert(true).SetReturnDocument(options.After)).Decode(&d); err != nil {
				return err
			}
			b = &numberBlock{next: d.N - changeBlock + 1, last: d.N}
		}
		seq = b.next
		s.logged(ctx, log, seq)
		s.numbers.mu.Lock()
		if s.numbers.blocks == nil {
			s.numbers.blocks = map[string]*numberBlock{}
		}
		s.numbers.blocks[log] = &numberBlock{next: seq + 1, last: b.last}
		s.numbers.mu.Unlock()
		return nil
	})
	return seq, mapErr(err, "counter")
}
