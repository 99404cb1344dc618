package store

import (
	"slices"
	"sync"
	"sync/atomic"

	"github.com/hashicorp/golang-lru/v2/simplelru"
)

// evidenceCache holds, on the embedded engine, the evidence last read or written, so that an
// action naming ten photos does not read ten documents (the engine answers a find by _id at
// about a third of a millisecond, and pushes nothing else down). This process is the engine's
// only client and every write of evidence goes through writeEvidence or SaveEvidence, under
// the evidence's lock: a write forgets the evidence before it starts and keeps what it wrote
// once it landed. A write whose outcome is not known keeps nothing.
//
// A read keeps what it read only when no write began or ended while it read (writes counts
// both), and never over a later version.
type evidenceCache struct {
	mu     sync.Mutex
	lru    *simplelru.LRU[string, evidenceDoc]
	writes atomic.Uint64
}

// cachedEvidence is how many evidence documents a process holds: under a kilobyte each.
const cachedEvidence = 50_000

func newEvidenceCache() *evidenceCache {
	l, _ := simplelru.NewLRU[string, evidenceDoc](cachedEvidence, nil)
	return &evidenceCache{lru: l}
}

// get returns a copy of the evidence held.
func (c *evidenceCache) get(id string) (*evidenceDoc, bool) {
	if c == nil {
		return nil, false
	}
	c.mu.Lock()
	d, ok := c.lru.Get(id)
	c.mu.Unlock()
	if !ok {
		return nil, false
	}
	return copyEvidence(d), true
}

// copyEvidence gives the caller a document that shares nothing with the one held.
func copyEvidence(d evidenceDoc) *evidenceDoc {
	d.OfficerIDs = slices.Clone(d.OfficerIDs)
	d.KeyRing = slices.Clone(d.KeyRing)
	d.Lat, d.Lng = clonePtr(d.Lat), clonePtr(d.Lng)
	d.RetainUntil, d.SettledAt = clonePtr(d.RetainUntil), clonePtr(d.SettledAt)
	return &d
}

// clonePtr is a pointer to a copy of what p points at, or nil.
func clonePtr[T any](p *T) *T {
	if p == nil {
		return nil
	}
	v := *p
	return &v
}

// reading is taken before a read; keep, with it, keeps what the read found.
func (c *evidenceCache) reading() uint64 {
	if c == nil {
		return 0
	}
	return c.writes.Load()
}

func (c *evidenceCache) keep(began uint64, docs ...*evidenceDoc) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.writes.Load() != began {
		return
	}
	for _, d := range docs {
		if cur, ok := c.lru.Peek(d.ID); !ok || cur.Version <= d.Version {
			c.lru.Add(d.ID, *copyEvidence(*d))
		}
	}
}

// writing is called under the evidence's lock before a write; the write then calls done with
// what it stored (nil: nothing, or not known).
func (c *evidenceCache) writing(id string) (done func(stored *evidenceDoc)) {
	if c == nil {
		return func(*evidenceDoc) {}
	}
	c.mu.Lock()
	began := c.writes.Add(1)
	c.lru.Remove(id)
	c.mu.Unlock()
	return func(stored *evidenceDoc) {
		c.mu.Lock()
		defer c.mu.Unlock()
		// Another write that began meanwhile may have landed after this one, its outcome
		// unknown: then nothing is kept.
		alone := c.writes.Load() == began
		c.writes.Add(1)
		if stored == nil || !alone {
			c.lru.Remove(id)
			return
		}
		c.lru.Add(id, *copyEvidence(*stored))
	}
}
