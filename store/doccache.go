package store

import (
	"sync"

	"github.com/hashicorp/golang-lru/v2/simplelru"
	"go.mongodb.org/mongo-driver/v2/bson"
)

// docCache holds, on the embedded engine, the latest stored version of recent documents of
// one collection, encoded, so that reading them again costs no command. As with the case
// cache, the embedded engine has no other client, so what the process wrote or read is what
// is stored; a version never replaces a later one, and a write whose outcome is unknown
// forgets the document.
type docCache struct {
	mu  sync.Mutex
	lru *simplelru.LRU[string, heldDoc]
}

type heldDoc struct {
	version int64
	raw     []byte
}

func newDocCache(size int) *docCache {
	l, _ := simplelru.NewLRU[string, heldDoc](size, nil)
	return &docCache{lru: l}
}

// get decodes the document held under id into dst.
func (c *docCache) get(id string, dst any) bool {
	if c == nil {
		return false
	}
	c.mu.Lock()
	e, ok := c.lru.Get(id)
	c.mu.Unlock()
	return ok && bson.Unmarshal(e.raw, dst) == nil
}

// keep holds doc, stored at version, unless a later version is held.
func (c *docCache) keep(id string, version int64, doc any) {
	if c == nil {
		return
	}
	raw, err := bson.Marshal(doc)
	if err != nil {
		c.forget(id)
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.lru.Peek(id); ok && e.version > version {
		return
	}
	c.lru.Add(id, heldDoc{version: version, raw: raw})
}

func (c *docCache) forget(id string) {
	if c == nil {
		return
	}
	c.mu.Lock()
	c.lru.Remove(id)
	c.mu.Unlock()
}
