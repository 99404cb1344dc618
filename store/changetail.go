package store

import (
	"cmp"
	"context"
	"slices"
	"sync"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/zhifa/zhifa/domain"
)

// changeTails holds, on the embedded engine, the change logs read since the start: the first
// read of a log takes its changes in one query (a scan on FerretDB's SQLite backend, which
// pushes no filter but {_id} down), and every change this process writes after that is added
// as it lands. No one else writes the engine, so what is held is the log: a sync page and the
// deriver's round read none of it from the engine. Past maxTailed changes held in all, the
// logs are let go and read again when asked for.
type changeTails struct {
	mu    sync.Mutex
	logs  map[string]*changeTail
	total int
}

// maxTailed bounds the changes held (about 150 bytes each).
const maxTailed = 1_000_000

type changeTail struct {
	ready   chan struct{} // closed once loaded (or failed)
	err     error
	loading bool
	entries []domain.Change // in order of Seq
	pending []domain.Change // written while the log was being read
}

// wrote adds a change that landed to its log, if the log is held or being read.
func (c *changeTails) wrote(ch domain.Change) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	t := c.logs[ch.AgencyID]
	switch {
	case t == nil:
		// Not held: its first read will find the change in the engine.
	case t.loading:
		t.pending = append(t.pending, ch)
	default:
		t.entries = insertChange(t.entries, ch)
		c.total++
	}
}

func insertChange(entries []domain.Change, ch domain.Change) []domain.Change {
	i, found := slices.BinarySearchFunc(entries, ch.Seq, func(e domain.Change, seq int64) int { return cmp.Compare(e.Seq, seq) })
	if found {
		return entries
	}
	return slices.Insert(entries, i, ch)
}

// since returns up to limit changes of the log after seq, reading the log once if it is not
// held.
func (s *Store) tailSince(ctx context.Context, log string, after int64, limit int) ([]domain.Change, error) {
	c := s.tails
	c.mu.Lock()
	t := c.logs[log]
	if t == nil {
		t = &changeTail{ready: make(chan struct{}), loading: true}
		c.logs[log] = t
		c.mu.Unlock()
		entries, err := s.readLog(ctx, log)
		c.mu.Lock()
		t.err, t.loading = err, false
		if err != nil {
			delete(c.logs, log)
		} else {
			for _, ch := range t.pending {
				entries = insertChange(entries, ch)
			}
			t.entries, t.pending = entries, nil
			c.total += len(entries)
			if c.total > maxTailed {
				c.logs, c.total = map[string]*changeTail{log: t}, len(entries)
			}
		}
		close(t.ready)
	} else if t.loading {
		c.mu.Unlock()
		select {
		case <-t.ready:
		case <-ctx.Done():
			return nil, mapErr(ctx.Err(), "changes")
		}
		c.mu.Lock()
	}
	defer c.mu.Unlock()
	if t.err != nil {
		return nil, t.err
	}
	i, _ := slices.BinarySearchFunc(t.entries, after+1, func(e domain.Change, seq int64) int { return cmp.Compare(e.Seq, seq) })
	return slices.Clone(t.entries[i:min(len(t.entries), i+limit)]), nil
}

// readLog reads all the changes of a log, in order.
func (s *Store) readLog(ctx context.Context, log string) ([]domain.Change, error) {
	cur, err := s.db.Collection("changes").Find(ctx, bson.D{{Key: "agency_id", Value: log}}, options.Find().SetProjection(bson.D{{Key: "_id", Value: 0}}))
	if err != nil {
		return nil, mapErr(err, "changes")
	}
	defer cur.Close(ctx)
	var out []domain.Change
	for cur.Next(ctx) {
		var d changeDoc
		if err := cur.Decode(&d); err != nil {
			return nil, mapErr(err, "changes")
		}
		out = append(out, changeOf(&d))
	}
	if err := cur.Err(); err != nil {
		return nil, mapErr(err, "changes")
	}
	slices.SortFunc(out, func(a, b domain.Change) int { return cmp.Compare(a.Seq, b.Seq) })
	return out, nil
}

func changeOf(d *changeDoc) domain.Change {
	return domain.Change{AgencyID: d.AgencyID, Seq: d.Seq, Kind: d.Kind, ObjectID: d.ObjectID, EventSeq: d.EventSeq, At: d.At.UTC()}
}
