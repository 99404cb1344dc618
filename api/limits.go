package api

import (
	"context"
	"strconv"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"
)

// hitCounter is what a database shared by several instances keeps for rate limits: a count
// per key and fixed window (store/limits.go).
type hitCounter interface {
	CountHit(ctx context.Context, key string, from, until time.Time) (int, error)
	Hits(ctx context.Context, key string, from time.Time) (int, error)
	ForgetHits(ctx context.Context, now time.Time) (int, error)
}

// sharedLimit holds a limit across the instances on one database, in fixed windows. What the
// instance counted itself comes first and turns a flood from one address away without asking
// the database: each instance sends at most max counts per key and window. With
// failuresOnly it counts only answers of 400 and above (sign-ins, guessed card codes) and
// refuses once max were counted; otherwise it counts every request and refuses past max.
type sharedLimit struct {
	hits         hitCounter
	name         string
	max          int
	window       time.Duration
	key          func(*fiber.Ctx) string
	failuresOnly bool
	reached      fiber.Handler

	// What this instance counted in the current window (from): a key at max here is
	// refused without asking the database.
	mu    sync.Mutex
	from  time.Time
	local map[string]int
}

// counted adds n to key's count of this instance in the window from, and returns it.
func (l *sharedLimit) counted(key string, from time.Time, n int) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.from.Equal(from) {
		l.from, l.local = from, map[string]int{}
	}
	l.local[key] += n
	return l.local[key]
}

func (l *sharedLimit) handler(c *fiber.Ctx) error {
	now := time.Now()
	from := now.Truncate(l.window)
	key := l.name + "/" + l.key(c)
	refuse := func() error {
		c.Set(fiber.HeaderRetryAfter, strconv.Itoa(int(from.Add(l.window).Sub(now)/time.Second)+1))
		return l.reached(c)
	}
	if l.failuresOnly && l.counted(key, from, 0) >= l.max || !l.failuresOnly && l.counted(key, from, 1) > l.max {
		return refuse()
	}
	ctx, cancel := context.WithTimeout(c.UserContext(), 5*time.Second)
	defer cancel()
	if !l.failuresOnly {
		n, err := l.hits.CountHit(ctx, key, from, from.Add(l.window))
		if err != nil {
			return err
		}
		if n > l.max {
			return refuse()
		}
		return c.Next()
	}
	n, err := l.hits.Hits(ctx, key, from)
	if err != nil {
		return err
	}
	if n >= l.max {
		return refuse()
	}
	err = c.Next()
	if c.Response().StatusCode() >= fiber.StatusBadRequest {
		l.counted(key, from, 1)
		if _, cerr := l.hits.CountHit(ctx, key, from, from.Add(l.window)); cerr != nil && err == nil {
			err = cerr
		}
	}
	return err
}
