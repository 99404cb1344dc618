package store

import (
	"context"
	"slices"
	"sync"

	"github.com/hashicorp/golang-lru/v2/simplelru"
	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/zhifa/zhifa/domain"
)

// eventCache holds, on the embedded engine, the events last committed or read, encoded, so
// that a sync page or a case's event list does not read each event by _id again. An event
// never changes once committed: what is held is what was stored, and a commit is held only
// once its insert landed. The audit reads the engine (StoredEventsOf), so that a record
// changed behind Zhifa's back is found.
type eventCache struct {
	mu  sync.Mutex
	lru *simplelru.LRU[string, []byte]
}

// cachedEvents is how many events a process holds: a few hundred bytes each.
const cachedEvents = 100_000

func newEventCache() *eventCache {
	l, _ := simplelru.NewLRU[string, []byte](cachedEvents, nil)
	return &eventCache{lru: l}
}

func (c *eventCache) keep(id string, e *eventDoc) {
	if c == nil {
		return
	}
	raw, err := bson.Marshal(e)
	if err != nil {
		return
	}
	c.mu.Lock()
	c.lru.Add(id, raw)
	c.mu.Unlock()
}

func (c *eventCache) get(id string) (domain.Event, bool) {
	c.mu.Lock()
	raw, ok := c.lru.Get(id)
	c.mu.Unlock()
	if !ok {
		return domain.Event{}, false
	}
	var d eventDoc
	if err := bson.Unmarshal(raw, &d); err != nil {
		return domain.Event{}, false
	}
	return fromEventDoc(&d), true
}

// heldEventsOf is EventsOf on the embedded engine: what is held, and the rest read by _id.
func (s *Store) heldEventsOf(ctx context.Context, caseID string, from, to int) ([]domain.Event, error) {
	out := make([]domain.Event, 0, to-from+1)
	var missing []string
	for seq := from; seq <= to; seq++ {
		id := commitID(caseID, seq)
		if e, ok := s.events.get(id); ok {
			out = append(out, e)
		} else {
			missing = append(missing, id)
		}
	}
	if len(missing) == 0 {
		return out, nil
	}
	read, err := s.readEvents(ctx, missing)
	if err != nil {
		return nil, err
	}
	for _, e := range read {
		ed := toEventDoc(e)
		s.events.keep(commitID(caseID, e.Seq), &ed)
	}
	out = append(out, read...)
	slices.SortFunc(out, func(a, b domain.Event) int { return a.Seq - b.Seq })
	return out, nil
}
