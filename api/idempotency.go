package api

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/zhifa/zhifa/domain"
	"github.com/zhifa/zhifa/handlers"
)

// idempotency implements the Idempotency-Key header (IETF httpapi draft) for writes a phone may
// retry. Keys are scoped to the caller. The same key with the same request replays the stored
// response; with another request it answers 422; while the first is still running, 409.
// Only successful responses are kept: a failed request releases its key so that a retry,
// perhaps after the actions it depended on arrived, runs again.
func idempotency(store domain.Idempotency, claimant domain.Claimant, timeout time.Duration, now func() time.Time) fiber.Handler {
	return func(c *fiber.Ctx) error {
		key := c.Get("Idempotency-Key")
		if key == "" {
			return c.Next()
		}
		if len(key) > 255 {
			return &domain.Error{Code: domain.Invalid, Message: "the Idempotency-Key is too long", Fields: map[string]string{"Idempotency-Key": "at most 255 characters"}}
		}
		p, _ := handlers.PrincipalOf(c)
		scoped := ScopedKey(p.UserID, key)
		sum := sha256.New()
		sum.Write([]byte(c.Method() + " " + c.Path() + "\n"))
		sum.Write(c.Body())
		hash := hex.EncodeToString(sum.Sum(nil))

		ctx, cancel := context.WithTimeout(c.UserContext(), timeout)
		defer cancel()
		rec, err := store.BeginRequest(ctx, scoped, hash, claimant, now(), 2*timeout)
		if err != nil {
			return err
		}
		if rec != nil {
			switch {
			case rec.RequestHash != hash:
				return domain.Errorf(domain.Unprocessable, "this Idempotency-Key was used for a different request")
			case !rec.Done:
				c.Set(fiber.HeaderRetryAfter, "1")
				return domain.Errorf(domain.Conflict, "a request with this Idempotency-Key is still being processed")
			}
			c.Set("Idempotent-Replayed", "true")
			if rec.Location != "" {
				c.Set(fiber.HeaderLocation, rec.Location)
			}
			c.Set(fiber.HeaderContentType, rec.ContentType)
			return c.Status(rec.Status).Send(rec.Body)
		}

		if err := c.Next(); err != nil {
			if herr := c.App().ErrorHandler(c, err); herr != nil {
				return herr
			}
		}
		// The request's own context may be done; finishing must still be recorded.
		fctx, fcancel := context.WithTimeout(context.WithoutCancel(c.UserContext()), timeout)
		defer fcancel()
		status := c.Response().StatusCode()
		if status < 200 || status > 299 {
			return store.ReleaseRequest(fctx, scoped)
		}
		return store.FinishRequest(fctx, &domain.IdempotentRecord{
			Key: scoped, RequestHash: hash, Done: true, Status: status,
			ContentType: string(c.Response().Header.ContentType()), Location: string(c.Response().Header.Peek(fiber.HeaderLocation)),
			Body: bytes.Clone(c.Response().Body()),
		})
	}
}

// ScopedKey is what an Idempotency-Key of a user is stored under: its digest with the user's
// id, so that keys belong to their callers and any bytes a client sends become an _id every
// engine stores (PostgreSQL under FerretDB refuses a NUL in a document).
func ScopedKey(userID, key string) string {
	digest := sha256.Sum256([]byte(userID + "\x00" + key))
	return base64.RawURLEncoding.EncodeToString(digest[:])
}
