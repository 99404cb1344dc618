package store

import (
	"context"
	"errors"
	"strconv"
	"sync"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
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
	s.changeWritten(ch.AgencyID)
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
	if n, ok := s.handedOut(agencyID); ok {
		counter.N = n
	} else if err := s.db.Collection("counters").FindOne(ctx, bson.D{{Key: "_id", Value: "changes:" + agencyID}}).Decode(&counter); err != nil && !errors.Is(err, mongo.ErrNoDocuments) {
		return nil, mapErr(err, "changes")
	} else if s.serialWrites {
		// The counter holds the last block reserved, which a stopped process may not have
		// used up: the last change written is looked for once, below it.
		n, err := s.lastChange(ctx, agencyID, counter.N)
		if err != nil {
			return nil, err
		}
		counter.N = n
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

// lastChange finds the number of the last change of the log at or below n, the counter, and
// keeps it as the log's high-water mark: on the embedded engine no one else writes the log.
// Looking at most a block below n suffices, since every block but the last was used up.
func (s *Store) lastChange(ctx context.Context, log string, n int64) (int64, error) {
	last := max(n-changeBlock, 0)
	for seq := n; seq > last; seq-- {
		err := s.db.Collection("changes").FindOne(ctx, bson.D{{Key: "_id", Value: changeID(log, seq)}}, options.FindOne().SetProjection(bson.D{{Key: "_id", Value: 1}})).Err()
		if err == nil {
			last = seq
			break
		}
		if !errors.Is(err, mongo.ErrNoDocuments) {
			return 0, mapErr(err, "changes")
		}
	}
	err := s.serialize("counters/changes:"+log, func() error {
		s.numbers.mu.Lock()
		defer s.numbers.mu.Unlock()
		if s.numbers.blocks == nil {
			s.numbers.blocks = map[string]*numberBlock{}
		}
		if _, ok := s.numbers.blocks[log]; !ok {
			// No number is handed out from this block: the next takes a new one.
			s.numbers.blocks[log] = &numberBlock{next: last + 1, last: 0}
		}
		return nil
	})
	return last, err
}

// handedOut is the highest number of the change log this process handed out, when it has.
func (s *Store) handedOut(log string) (int64, bool) {
	s.numbers.mu.Lock()
	defer s.numbers.mu.Unlock()
	b, ok := s.numbers.blocks[log]
	if !ok {
		return 0, false
	}
	return b.next - 1, true
}
