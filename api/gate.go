package api

import (
	"context"
	"sync"

	"github.com/gofiber/fiber/v2"

	"github.com/zhifa/zhifa/domain"
)

// Gate counts the requests being handled. Once closed it turns new ones away with 503, so that
// after shutdown has waited for the requests in flight nothing reaches the stores being closed:
// a server whose shutdown deadline passed keeps its open connections, and clients on them keep
// sending.
type Gate struct {
	mu       sync.Mutex
	inFlight int
	closed   bool
	idle     chan struct{}
}

// NewGate returns an open gate.
func NewGate() *Gate { return &Gate{} }

func (g *Gate) enter() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closed {
		return false
	}
	g.inFlight++
	return true
}

func (g *Gate) leave() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.inFlight--
	if g.inFlight == 0 && g.idle != nil {
		close(g.idle)
		g.idle = nil
	}
}

// Close turns away every request from now on and waits until those in flight have finished,
// or ctx is done.
func (g *Gate) Close(ctx context.Context) error {
	g.mu.Lock()
	g.closed = true
	if g.inFlight == 0 {
		g.mu.Unlock()
		return nil
	}
	if g.idle == nil {
		g.idle = make(chan struct{})
	}
	idle := g.idle
	g.mu.Unlock()
	select {
	case <-idle:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (g *Gate) middleware(c *fiber.Ctx) error {
	if !g.enter() {
		c.Set(fiber.HeaderConnection, "close")
		return domain.Errorf(domain.Unavailable, "the server is shutting down; retry after the time in Retry-After")
	}
	defer g.leave()
	return c.Next()
}
