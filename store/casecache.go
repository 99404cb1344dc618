package store

import (
	"hash/fnv"
	"sync"
	"sync/atomic"

	"github.com/hashicorp/golang-lru/v2/simplelru"
	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/zhifa/zhifa/domain"
)

// caseCache holds, on the embedded engine, the latest state of the cases last read or written,
// so that reading a case, acting on it and listing a page of them need no command for cases
// the process holds. The embedded engine has no other client: every commit goes through this
// process, which keeps the state it committed. (On MongoDB other instances commit too and
// nothing is held.)
//
// States are kept decoded and unchanged; every read takes its own copy (domain.Case.Clone),
// which costs a few allocations where decoding cost hundreds. A state never replaces a
// later one. A state read from the engine is kept only when no commit to a case of its shard
// began or ended while it was read: otherwise a commit whose outcome the process could not
// learn (a timeout) might leave the read's older state behind it.
type caseCache struct {
	mu  sync.Mutex
	lru *simplelru.LRU[string, cachedCase]
	// commits counts the commits begun and ended per shard of case ids.
	commits [256]atomic.Uint64
}

// cachedCases is how many cases a process holds: a few kilobytes each.
const cachedCases = 20_000

type cachedCase struct {
	state *domain.Case
	// count is the state's number of events; stored is that of the case document in the
	// engine as far as this process knows (0 when it does not).
	count, stored int
	// listed marks a state a list read from the case document, not yet checked for a commit
	// after it (a crash between a commit and its case document leaves one): lists may show it,
	// as they show the document; a read of the case checks first.
	listed bool
}

func newCaseCache() *caseCache {
	l, _ := simplelru.NewLRU[string, cachedCase](cachedCases, nil)
	return &caseCache{lru: l}
}

func (c *caseCache) shard(id string) *atomic.Uint64 {
	h := fnv.New32a()
	h.Write([]byte(id))
	return &c.commits[h.Sum32()%uint32(len(c.commits))]
}

// get returns a copy of the state held for the case and the number of events of its stored
// document; listed says whether the state may lag a commit. withKeys copies the case's recent
// Idempotency-Keys too, which only an action reads.
func (c *caseCache) get(id string, withKeys bool) (cs *domain.Case, stored int, listed, ok bool) {
	if c == nil {
		return nil, 0, false, false
	}
	c.mu.Lock()
	e, ok := c.lru.Get(id)
	c.mu.Unlock()
	if !ok {
		return nil, 0, false, false
	}
	if withKeys {
		return e.state.Clone(), e.stored, e.listed, true
	}
	return e.state.CloneWithoutKeys(), e.stored, e.listed, true
}

// keep holds d unless a later state is held; stored is the number of events of the stored
// document (0 when unknown).
func (c *caseCache) keep(d *caseDoc, stored int) { c.hold(d, stored, false) }

func (c *caseCache) hold(d *caseDoc, stored int, listed bool) {
	if c == nil {
		return
	}
	// Held as the engine would give it back (times to the millisecond), and sharing nothing
	// with d, which its writer may still hold.
	raw, err := bson.Marshal(d)
	if err != nil {
		return
	}
	var back caseDoc
	if err := bson.Unmarshal(raw, &back); err != nil {
		return
	}
	state := fromCaseDoc(&back)
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.lru.Peek(d.ID); ok {
		if e.count > d.EventCount || e.count == d.EventCount && listed {
			return
		}
		stored = max(stored, e.stored)
	}
	c.lru.Add(d.ID, cachedCase{state: state, count: d.EventCount, stored: stored, listed: listed})
}

// storedCount is the number of events of the case document as far as the process knows; 0
// when it does not.
func (c *caseCache) storedCount(id string) int {
	if c == nil {
		return 0
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	e, _ := c.lru.Peek(id)
	return e.stored
}

// storedUpTo records that the case document holds count events.
func (c *caseCache) storedUpTo(id string, count int) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.lru.Peek(id); ok && e.stored < count {
		e.stored = count
		c.lru.Add(id, e)
	}
}

// readStarted is the mark a read from the engine takes before it reads; keepRead keeps what
// it read only if no commit to its shard began or ended since.
func (c *caseCache) readStarted(id string) uint64 {
	if c == nil {
		return 0
	}
	return c.shard(id).Load()
}

func (c *caseCache) keepRead(d *caseDoc, stored int, mark uint64, listed bool) {
	if c == nil || c.shard(d.ID).Load() != mark {
		return
	}
	c.hold(d, stored, listed)
}

// committing marks a commit to the case begun; the function it returns marks it ended.
func (c *caseCache) committing(id string) func() {
	if c == nil {
		return func() {}
	}
	s := c.shard(id)
	s.Add(1)
	return func() { s.Add(1) }
}

func (c *caseCache) forget(id string) {
	if c == nil {
		return
	}
	c.mu.Lock()
	c.lru.Remove(id)
	c.mu.Unlock()
}
