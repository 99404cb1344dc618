package store

import (
	"context"
	"sync"
	"sync/atomic"

	"go.mongodb.org/mongo-driver/v2/event"
)

// commandCounts counts the commands this store sends, by command and collection ("find
// cases"), from the driver's command monitor: what a request costs on the engine is mostly how
// many commands it makes, so the count is what benchmarks print and tests hold to. The
// driver's own server monitoring (its heartbeat) runs on other connections and is not counted.
type commandCounts struct {
	mu sync.RWMutex
	n  map[string]*atomic.Int64
}

func (c *commandCounts) monitor() *event.CommandMonitor {
	return &event.CommandMonitor{Started: func(_ context.Context, e *event.CommandStartedEvent) {
		name := e.CommandName
		if v, err := e.Command.Index(0).ValueErr(); err == nil {
			if coll, ok := v.StringValueOK(); ok {
				name += " " + coll
			}
		}
		c.add(name)
	}}
}

func (c *commandCounts) add(name string) {
	c.mu.RLock()
	n, ok := c.n[name]
	c.mu.RUnlock()
	if !ok {
		c.mu.Lock()
		if c.n == nil {
			c.n = map[string]*atomic.Int64{}
		}
		if n, ok = c.n[name]; !ok {
			n = new(atomic.Int64)
			c.n[name] = n
		}
		c.mu.Unlock()
	}
	n.Add(1)
}

// Commands returns how many commands of each kind ("find cases", "insert changes") this store
// has sent since it connected.
func (s *Store) Commands() map[string]int64 {
	s.commands.mu.RLock()
	defer s.commands.mu.RUnlock()
	out := make(map[string]int64, len(s.commands.n))
	for k, v := range s.commands.n {
		out[k] = v.Load()
	}
	return out
}

// CommandsSince is what the store sent since before, a snapshot of Commands, by kind; kinds
// not sent are left out.
func (s *Store) CommandsSince(before map[string]int64) map[string]int64 {
	out := s.Commands()
	for k, v := range out {
		if d := v - before[k]; d > 0 {
			out[k] = d
		} else {
			delete(out, k)
		}
	}
	return out
}
