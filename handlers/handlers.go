// Package handlers turns HTTP requests into domain calls and domain results into JSON: one file
// per resource, with its request and response types.
package handlers

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/zhifa/zhifa/domain"
)

// Handlers serves the resources. Every field is required.
type Handlers struct {
	Repo      domain.Repository
	Passwords *domain.Passwords
	Now       func() time.Time
	Log       *slog.Logger
	// Timeout bounds each request's calls to the store.
	Timeout time.Duration
	// SyncSettle is how old a change must be before sync delivers it; longer than any write.
	SyncSettle time.Duration
	// InspectionWindowDays: a plan warns of another inspection of the same enterprise this
	// many days around its date (综合查一次).
	InspectionWindowDays int
	// Hearing are the province's amounts that give a right to a hearing (art. 63).
	Hearing domain.HearingThresholds
	// PublicURL is the address the QR codes of supervision cards carry; empty uses the
	// request's.
	PublicURL string
	// PrintKey signs the short-lived links that open a document's printable page.
	PrintKey []byte
	// FileKey signs the manifests of case files, verifiable with the JWKS (nil: unsigned).
	FileKey ed25519.PrivateKey
	// Objects keeps evidence bytes; Media bounds and times their uploads.
	Objects domain.Objects
	Media   MediaConfig
	// StreamTimes time the notification stream.
	StreamTimes StreamConfig
	// Supervision times complaints and callbacks.
	Supervision SupervisionConfig
	// WarningRules time the supervision warnings (the sweep's, notify.Sweeper).
	WarningRules domain.WarningRules
	// Thumbnail renders a photo's thumbnail as JPEG; nil makes none.
	Thumbnail func(io.Reader) ([]byte, error)
	// Instance names this server among those sharing the database, the same across its
	// restarts (a lease its dead predecessor held is released at once); boot names this process.
	Instance string
	boot     string
	// Standings keeps each person's standing for reads for a few seconds.
	Standings Standings
	// caseBodies holds the JSON of the cases last listed.
	caseBodies caseBodies
	// Backups are the sysadmin's backups from the console (nil: none).
	Backups *Backups

	streams openStreams

	idLocks [64]sync.Mutex
}

// lockID holds a lock for id in this process until the returned func is called.
func (h *Handlers) lockID(id string) func() {
	f := fnv.New32a()
	f.Write([]byte(id))
	m := &h.idLocks[f.Sum32()%uint32(len(h.idLocks))]
	m.Lock()
	return m.Unlock
}

// SupervisionConfig times the public-feedback procedures: complaint deadlines in working days
// of the calendar.
type SupervisionConfig struct {
	Calendar   domain.Calendar
	AcceptDays int
	AnswerDays int
	// MaxOpen bounds the open complaints of one enterprise: each alerts the supervisors.
	MaxOpen int
	// RegistrationTTL is how long an enterprise's registration waits for activation before it
	// expires and frees its credit code (0: seven days).
	RegistrationTTL time.Duration
}

const principalKey = "zhifa.principal"

// SetPrincipal records the authenticated caller for the handlers.
func SetPrincipal(c *fiber.Ctx, p domain.Principal) { c.Locals(principalKey, p) }

// PrincipalOf returns the caller that the auth middleware recorded.
func PrincipalOf(c *fiber.Ctx) (domain.Principal, bool) {
	p, ok := c.Locals(principalKey).(domain.Principal)
	return p, ok
}

func principal(c *fiber.Ctx) domain.Principal {
	p, _ := PrincipalOf(c)
	return p
}

// langOf is the language the request's reader reads messages in.
func langOf(c *fiber.Ctx) domain.Lang { return domain.LangOf(c.Get(fiber.HeaderAcceptLanguage)) }

// ctx derives the context for store calls from the request's user context, with the timeout.
func (h *Handlers) ctx(c *fiber.Ctx) (context.Context, context.CancelFunc) {
	return context.WithTimeout(c.UserContext(), h.Timeout)
}

func decodeError(err error) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	var de *domain.Error
	switch {
	case errors.As(err, &de):
		return de
	case errors.Is(err, io.EOF):
		return domain.Errorf(domain.Invalid, "the body is empty")
	case errors.As(err, &syn):
		return domain.Errorf(domain.Invalid, "the body is not valid JSON (at byte %d)", syn.Offset)
	case errors.As(err, &typ):
		field := typ.Field
		if field == "" {
			field = "body"
		}
		return &domain.Error{Code: domain.Invalid, Message: "a field has the wrong type",
			Fields: map[string]string{field: "must be " + jsonType(typ.Type.Kind().String())}}
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return &domain.Error{Code: domain.Invalid, Message: "the body has a field this endpoint does not accept",
			Fields: map[string]string{name: "unknown or not allowed here"}}
	}
	return domain.Errorf(domain.Invalid, "the body is not valid JSON")
}

func jsonType(kind string) string {
	switch kind {
	case "string":
		return "a string"
	case "slice", "array":
		return "an array"
	case "struct", "map":
		return "an object"
	case "bool":
		return "true or false"
	}
	return "a number"
}

// pageOf reads ?limit= and ?cursor=.
func pageOf(c *fiber.Ctx) (domain.Page, error) {
	p := domain.Page{Cursor: c.Query("cursor")}
	if s := c.Query("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > domain.MaxPageLimit {
			return p, &domain.Error{Code: domain.Invalid, Message: "limit is not valid",
				Fields: map[string]string{"limit": fmt.Sprintf("a whole number from 1 to %d", domain.MaxPageLimit)}}
		}
		p.Limit = n
	}
	return p.Normalize(), nil
}

// listResponse is the shape of every list.
type listResponse[T any] struct {
	Items      []T    `json:"items"`
	NextCursor string `json:"next_cursor,omitempty"`
}

// Date is a calendar day, written as YYYY-MM-DD.
type Date struct{ time.Time }

// UnmarshalJSON reads YYYY-MM-DD.
func (d *Date) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return domain.Errorf(domain.Invalid, "%q is not a date; write dates as YYYY-MM-DD", s)
	}
	d.Time = t
	return nil
}

// MarshalJSON writes YYYY-MM-DD.
func (d Date) MarshalJSON() ([]byte, error) {
	if d.IsZero() {
		return []byte("null"), nil
	}
	return json.Marshal(d.Format(time.DateOnly))
}

func dateOf(t time.Time) *Date {
	if t.IsZero() {
		return nil
	}
	return &Date{t}
}

func (d *Date) value() time.Time {
	if d == nil {
		return time.Time{}
	}
	return d.Time
}

// created answers every create the same way: 201 with the object, its Location and, for an
// object with versions, its ETag for the If-Match of the next change.
func created(c *fiber.Ctx, location string, version int64, object any) error {
	c.Location(location)
	if version > 0 {
		c.Set(fiber.HeaderETag, etag(version))
	}
	return c.Status(fiber.StatusCreated).JSON(object)
}

func notFound(what string) error { return domain.Errorf(domain.NotFound, "%s not found", what) }

func forbidden(format string, args ...any) error {
	return domain.Errorf(domain.Forbidden, format, args...)
}

func itoa64(n int64) string { return strconv.FormatInt(n, 10) }

// Boot gives this process its name among the instance's restarts.
func (h *Handlers) Boot() { h.boot = domain.RandomToken(8) }
