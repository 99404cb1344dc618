package handlers

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/zhifa/zhifa/domain"
)

// actionKey is a request's Idempotency-Key, hashed with the caller so that two users' keys
// never meet, and the hash of the request itself. A case action stores both in the write that
// commits it, so that a retry after any failure finds its outcome in the case.
type actionKey struct {
	Key     string
	Request string
}

// MaxIdempotencyKey is the longest Idempotency-Key accepted.
const MaxIdempotencyKey = 255

// keyOf reads the Idempotency-Key of a request; the zero actionKey when there is none.
func keyOf(c *fiber.Ctx) (actionKey, error) {
	key := c.Get("Idempotency-Key")
	if key == "" {
		return actionKey{}, nil
	}
	if len(key) > MaxIdempotencyKey {
		return actionKey{}, &domain.Error{Code: domain.Invalid, Message: "the Idempotency-Key is too long",
			Fields: map[string]string{"Idempotency-Key": fmt.Sprintf("at most %d characters", MaxIdempotencyKey)}}
	}
	p := principal(c)
	k := sha256.Sum256([]byte(p.UserID + "\x00" + key))
	r := sha256.New()
	r.Write([]byte(c.Method() + " " + c.Path() + "\n"))
	r.Write(c.Body())
	return actionKey{Key: base64.RawURLEncoding.EncodeToString(k[:12]), Request: base64.RawURLEncoding.EncodeToString(r.Sum(nil)[:12])}, nil
}

// derivedID is the id an object created under key gets when the client names none, so that a
// retry of the create finds what its first attempt made.
func (k actionKey) derivedID() string {
	if k.Key == "" {
		return domain.NewID()
	}
	sum := sha256.Sum256([]byte("id\x00" + k.Key))
	b := sum[:16]
	b[6] = b[6]&0x0f | 0x80 // version 8: a name-based UUID of our own hashing
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// caseAnswer writes the response of a case action from the case after it and its event.
type caseAnswer func(cs *domain.Case, ev domain.Event) error

// replayed answers a repeated action from the case: when key made one of its recent events,
// the answer is what that action answered. done says whether the request is answered.
func (h *Handlers) replayed(c *fiber.Ctx, ctx context.Context, cs *domain.Case, k actionKey, answer caseAnswer) (done bool, err error) {
	ak, done, err := replayedWrite(c, cs.Keys, k)
	if !done || err != nil {
		return done, err
	}
	at, ev, err := h.Repo.CaseAt(ctx, cs.ID, ak.Seq)
	if err != nil {
		return true, err
	}
	return true, answer(at, ev)
}

// replayedWrite finds k among the keys of an object's recent writes: then the request repeats
// one of them and is answered as a replay (err is 422 when the key came with another request).
func replayedWrite(c *fiber.Ctx, keys []domain.ActionKey, k actionKey) (domain.ActionKey, bool, error) {
	if k.Key == "" {
		return domain.ActionKey{}, false, nil
	}
	ak, ok := domain.FindKey(keys, k.Key)
	if !ok {
		return ak, false, nil
	}
	if ak.Request != k.Request {
		return ak, true, domain.Errorf(domain.Unprocessable, "this Idempotency-Key was used for a different request")
	}
	c.Set("Idempotent-Replayed", "true")
	return ak, true, nil
}

// lostRaceRetries is how often an action without If-Match is applied again to the case as
// another action left it, when that action committed first.
const lostRaceRetries = 10

// caseAction is one action on an existing case, whichever entry point asks for it: it answers
// a retry from the case, or applies act to the case and commits the event act appended with
// the case's new state, the change-log entry for sync and the Idempotency-Key in one insert.
// Two officers recording at once do not refuse each other: when another action committed
// first, this one is applied again to the case as it is now, unless the client named the
// version it meant (If-Match).
func (h *Handlers) caseAction(c *fiber.Ctx, ctx context.Context, cs *domain.Case, act func(*domain.Case) (domain.Event, domain.Attached, error), answer caseAnswer) error {
	k, err := keyOf(c)
	if err != nil {
		return err
	}
	for attempt := 0; ; attempt++ {
		if done, err := h.replayed(c, ctx, cs, k, answer); done {
			return err
		}
		ev, with, err := act(cs)
		if err != nil {
			return err
		}
		err = h.commitCase(c, ctx, cs, ev, with, k, answer)
		if domain.ErrorCode(err) != domain.Conflict {
			return err
		}
		// The commit lost to another action (what act refused returned above).
		if c.Get(fiber.HeaderIfMatch) != "" || attempt == lostRaceRetries {
			c.Set(fiber.HeaderRetryAfter, "1")
			return err
		}
		// Writers that collided spread out before they try again.
		time.Sleep(time.Duration(1+rand.IntN(10*(attempt+1))) * time.Millisecond)
		if cs, err = h.Repo.CaseByID(ctx, cs.ID); err != nil {
			return err
		}
	}
}

// commitCase logs the change for sync, then commits. When the commit loses to another writer,
// that writer may be this request's own first attempt: the case is read again and, if so, its
// answer replayed.
func (h *Handlers) commitCase(c *fiber.Ctx, ctx context.Context, cs *domain.Case, ev domain.Event, with domain.Attached, k actionKey, answer caseAnswer) error {
	cs.Remember(domain.ActionKey{Key: k.Key, Request: k.Request, Seq: ev.Seq, At: ev.At})
	err := h.commitEvent(ctx, cs, ev, with)
	if domain.ErrorCode(err) == domain.Conflict && k.Key != "" {
		if now, lerr := h.Repo.CaseByID(ctx, cs.ID); lerr == nil && now.AgencyID == cs.AgencyID {
			if done, rerr := h.replayed(c, ctx, now, k, answer); done {
				return rerr
			}
		}
	}
	if err != nil {
		return err
	}
	return answer(cs, ev)
}

// commitEvent logs the change for sync, then commits the event with what it attaches: every
// case write goes through here, whether a request, an upload or the sweeper makes it.
func (h *Handlers) commitEvent(ctx context.Context, cs *domain.Case, ev domain.Event, with domain.Attached) error {
	ch := &domain.Change{AgencyID: cs.AgencyID, Kind: "case", ObjectID: cs.ID, EventSeq: ev.Seq}
	if err := h.Repo.RecordChange(ctx, ch); err != nil {
		return err
	}
	// Sync passes over a change once it has settled: a commit must not land after that.
	cctx, cancel := context.WithDeadline(ctx, ch.At.Add(h.SyncSettle/2))
	defer cancel()
	return h.Repo.CommitCase(cctx, cs, ev, with)
}
