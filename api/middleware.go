package api

import (
	"context"
	"log/slog"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/zhifa/zhifa/domain"
	"github.com/zhifa/zhifa/handlers"
)

const requestIDKey = "zhifa.request_id"

// requestIDMiddleware keeps a client's X-Request-ID when it is short and plain, else makes one.
func requestIDMiddleware(c *fiber.Ctx) error {
	id := c.Get(fiber.HeaderXRequestID)
	if !plainID(id) {
		id = domain.RandomToken(12)
	} else {
		id = string([]byte(id))
	}
	c.Locals(requestIDKey, id)
	c.Set(fiber.HeaderXRequestID, id)
	return c.Next()
}

func plainID(s string) bool {
	if len(s) == 0 || len(s) > 64 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.') {
			return false
		}
	}
	return true
}

func requestID(c *fiber.Ctx) string {
	id, _ := c.Locals(requestIDKey).(string)
	return id
}

// accessLog writes one JSON line per request.
func accessLog(log *slog.Logger) fiber.Handler {
	return func(c *fiber.Ctx) error {
		start := time.Now()
		err := c.Next()
		if err != nil {
			if herr := c.App().ErrorHandler(c, err); herr != nil {
				_ = c.SendStatus(fiber.StatusInternalServerError)
			}
		}
		attrs := []any{
			"request_id", requestID(c), "method", c.Method(), "path", c.Path(),
			"status", c.Response().StatusCode(), "duration_ms", float64(time.Since(start).Microseconds()) / 1000,
			"ip", handlers.ClientIP(c), "bytes", responseSize(c),
		}
		if p, ok := handlers.PrincipalOf(c); ok {
			attrs = append(attrs, "user_id", p.UserID)
		}
		log.Info("request", attrs...)
		return nil
	}
}

// responseSize is the size of the response body, without reading a streamed body (evidence
// content) into memory to count it.
func responseSize(c *fiber.Ctx) int {
	if c.Response().IsBodyStream() {
		return c.Response().Header.ContentLength()
	}
	return len(c.Response().Body())
}

// changeTracker is the store's knowledge of its own change-log writes (store.changeTrack).
type changeTracker interface {
	TrackChanges(settle time.Duration)
	WithChangeScope(ctx context.Context) (context.Context, func(ok bool))
}

// settleChanges gives each request a change scope: once it has answered without a server
// error, the changes it logged are settled, and sync and the deriver pass them at once instead
// of waiting for them to age. It sits outside the access log, which writes the final status.
func settleChanges(t changeTracker) fiber.Handler {
	return func(c *fiber.Ctx) error {
		ctx, end := t.WithChangeScope(c.UserContext())
		c.SetUserContext(ctx)
		err := c.Next()
		end(err == nil && c.Response().StatusCode() < 500)
		return err
	}
}
