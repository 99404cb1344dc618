package handlers

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/zhifa/zhifa/domain"
)

type deviceRequest struct {
	Token      string `json:"token" limit:"4096"`
	Platform   string `json:"platform"`
	AppVersion string `json:"app_version" limit:"40"`
	Locale     string `json:"locale" limit:"20"`
}

type deviceJSON struct {
	ID         string    `json:"id"`
	Platform   string    `json:"platform"`
	AppVersion string    `json:"app_version,omitempty"`
	Locale     string    `json:"locale,omitempty"`
	CreatedAt  time.Time `json:"created_at"`
	UpdatedAt  time.Time `json:"updated_at"`
}

func toDeviceJSON(d *domain.Device) deviceJSON {
	return deviceJSON{ID: d.ID, Platform: d.Platform, AppVersion: d.AppVersion, Locale: d.Locale, CreatedAt: d.CreatedAt, UpdatedAt: d.UpdatedAt}
}

// Platforms a device may report.
var platforms = []string{"android", "ios", "harmony", "web"}

// RegisterDevice registers the caller's phone for push. The same token registered again, by
// anyone, is the same device: it moves to whoever registered it last. The token itself is
// never shown again.
func (h *Handlers) RegisterDevice(c *fiber.Ctx) error {
	p := principal(c)
	var req deviceRequest
	if err := Decode(c, &req); err != nil {
		return err
	}
	f := domain.FieldErrors{}
	if !fcmToken.MatchString(req.Token) {
		f.Add("token", "the FCM registration token (letters, digits and - _ : .)")
	}
	if !slices.Contains(platforms, req.Platform) {
		f.Add("platform", strings.Join(platforms, ", "))
	}
	if err := f.Err(); err != nil {
		return err
	}
	ctx, cancel := h.ctx(c)
	defer cancel()
	// An access token outlives the disabling of its account by minutes; a disabled account
	// registers no phone.
	u, err := h.Repo.UserByID(ctx, p.UserID)
	if err != nil {
		return err
	}
	if u.Status != domain.UserActive {
		return forbidden("this account is disabled")
	}
	d := &domain.Device{UserID: p.UserID, Token: req.Token, Platform: req.Platform, AppVersion: req.AppVersion, Locale: req.Locale}
	if err := h.Repo.SaveDevice(ctx, d); err != nil {
		return err
	}
	// A user keeps the MaxDevices phones registered last; older ones stop getting pushes.
	if list, err := h.Repo.DevicesOf(ctx, p.UserID); err == nil && len(list) > domain.MaxDevices {
		slices.SortFunc(list, func(a, b *domain.Device) int { return b.UpdatedAt.Compare(a.UpdatedAt) })
		for _, old := range list[domain.MaxDevices:] {
			if err := h.Repo.DeleteDevice(ctx, p.UserID, old.ID); err != nil && domain.ErrorCode(err) != domain.NotFound {
				return err
			}
		}
	} else if err != nil {
		return err
	}
	return created(c, "/v1/devices/"+d.ID, 0, toDeviceJSON(d))
}

// fcmToken is what FCM and APNs registration tokens are made of.
var fcmToken = regexp.MustCompile(`^[A-Za-z0-9_:.\-]+$`) // its length is bounded by the field's limit

// ListDevices lists the caller's own devices (at most domain.MaxDevices).
func (h *Handlers) ListDevices(c *fiber.Ctx) error {
	ctx, cancel := h.ctx(c)
	defer cancel()
	list, err := h.Repo.DevicesOf(ctx, principal(c).UserID)
	if err != nil {
		return err
	}
	return c.JSON(listOf(list, "", toDeviceJSON))
}

// DeleteDevice stops push to one of the caller's devices.
func (h *Handlers) DeleteDevice(c *fiber.Ctx) error {
	ctx, cancel := h.ctx(c)
	defer cancel()
	if err := h.Repo.DeleteDevice(ctx, principal(c).UserID, c.Params("id")); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

type notificationJSON struct {
	ID         string     `json:"id"`
	Kind       string     `json:"kind"`
	Title      string     `json:"title"`
	Body       string     `json:"body"`
	Link       string     `json:"link"`
	ObjectKind string     `json:"object_kind"`
	ObjectID   string     `json:"object_id"`
	Seq        int64      `json:"seq"`
	CreatedAt  time.Time  `json:"created_at"`
	ReadAt     *time.Time `json:"read_at,omitempty"`
}

func toNotificationJSON(n *domain.Notification) notificationJSON {
	return notificationJSON{ID: n.ID, Kind: string(n.Kind), Title: n.Title, Body: n.Body, Link: n.Link, ObjectKind: n.ObjectKind,
		ObjectID: n.ObjectID, Seq: n.Seq, CreatedAt: n.CreatedAt, ReadAt: timeRef(n.ReadAt)}
}

type inboxJSON struct {
	Items      []notificationJSON `json:"items"`
	NextCursor string             `json:"next_cursor,omitempty"`
	Unread     int64              `json:"unread"`
}

// Inbox lists the caller's notifications, unread first, newest first within each, with the
// unread count.
func (h *Handlers) Inbox(c *fiber.Ctx) error {
	pg, err := pageOf(c)
	if err != nil {
		return err
	}
	p := principal(c)
	ctx, cancel := h.ctx(c)
	defer cancel()
	list, next, err := h.Repo.NotificationsOf(ctx, p.UserID, pg)
	if err != nil {
		return err
	}
	unread, err := h.Repo.UnreadCount(ctx, p.UserID)
	if err != nil {
		return err
	}
	out := inboxJSON{Items: make([]notificationJSON, len(list)), NextCursor: next, Unread: unread}
	for i, n := range list {
		out.Items[i] = toNotificationJSON(n)
	}
	return c.JSON(out)
}

// UnreadCount answers the caller's number of unread notifications (for a badge).
func (h *Handlers) UnreadCount(c *fiber.Ctx) error {
	ctx, cancel := h.ctx(c)
	defer cancel()
	n, err := h.Repo.UnreadCount(ctx, principal(c).UserID)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"unread": n})
}

// MarkRead marks one of the caller's notifications read.
func (h *Handlers) MarkRead(c *fiber.Ctx) error {
	ctx, cancel := h.ctx(c)
	defer cancel()
	if err := h.Repo.MarkRead(ctx, principal(c).UserID, c.Params("id"), h.Now()); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

// MarkAllRead marks every notification of the caller read.
func (h *Handlers) MarkAllRead(c *fiber.Ctx) error {
	ctx, cancel := h.ctx(c)
	defer cancel()
	n, err := h.Repo.MarkAllRead(ctx, principal(c).UserID, h.Now())
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"marked": n})
}

// StreamConfig times the notification stream.
type StreamConfig struct {
	// Poll is how often the stream looks for new notifications; Heartbeat how often an idle
	// stream sends a comment (so proxies keep it open); Life how long one stream lasts before
	// the client reconnects with Last-Event-ID.
	Poll, Heartbeat, Life time.Duration
	// PerUser bounds the streams one person holds open on this instance (each holds a
	// connection and its buffers); one more answers 429.
	PerUser int
}

// openStreams counts each person's open streams on this instance.
type openStreams struct {
	mu sync.Mutex
	n  map[string]int
}

// take counts a stream of userID, false when the person holds max already.
func (o *openStreams) take(userID string, max int) bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.n == nil {
		o.n = map[string]int{}
	}
	if o.n[userID] >= max {
		return false
	}
	o.n[userID]++
	return true
}

func (o *openStreams) release(userID string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.n[userID]--; o.n[userID] <= 0 {
		delete(o.n, userID)
	}
}

// Stream sends the caller's notifications as Server-Sent Events as they arrive. Each event's
// id is the notification's seq: a client that reconnects with Last-Event-ID (or ?after=) gets
// every notification after it, so nothing is missed; without one the stream starts now, and
// its first block carries the id it starts after.
func (h *Handlers) Stream(c *fiber.Ctx) error {
	p := principal(c)
	after := int64(-1)
	for _, s := range []string{c.Get("Last-Event-ID"), c.Query("after")} {
		if s == "" {
			continue
		}
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n < 0 {
			return &domain.Error{Code: domain.Invalid, Message: "not an event id", Fields: map[string]string{"Last-Event-ID": "the id of the last event received"}}
		}
		after = n
	}
	// A stream opened without an id says where it starts (an id field with no data), so the
	// client's reconnect resumes from there: otherwise whatever arrives between one stream's end
	// and the next one's start would be lost.
	fresh := after < 0
	if after < 0 {
		ctx, cancel := h.ctx(c)
		defer cancel()
		var err error
		if after, err = h.Repo.LatestSeq(ctx, p.UserID); err != nil {
			return err
		}
	}
	perUser := h.StreamTimes.PerUser
	if perUser <= 0 {
		perUser = 4
	}
	if !h.streams.take(p.UserID, perUser) {
		return domain.Errorf(domain.TooManyRequests, "at most %d notification streams at once per person; close one or retry after the time in Retry-After", perUser)
	}
	c.Set(fiber.HeaderContentType, "text/event-stream; charset=utf-8")
	c.Set(fiber.HeaderCacheControl, "no-store")
	c.Set("X-Accel-Buffering", "no")
	cfg, repo, timeout := h.StreamTimes, h.Repo, h.Timeout
	base := context.WithoutCancel(c.UserContext())
	c.Context().SetBodyStreamWriter(func(w *bufio.Writer) {
		defer h.streams.release(p.UserID)
		end := time.Now().Add(cfg.Life)
		beat := time.Now()
		if fresh {
			fmt.Fprintf(w, "retry: 2000\nid: %d\n: connected\n\n", after)
		} else {
			fmt.Fprintf(w, "retry: 2000\n: connected\n\n")
		}
		if w.Flush() != nil {
			return
		}
		checked := time.Now()
		for time.Now().Before(end) {
			// A person disabled while listening hears nothing more within seconds.
			if time.Since(checked) >= h.Standings.TTL {
				if !h.StillActive(base, p) {
					return
				}
				checked = time.Now()
			}
			ctx, cancel := context.WithTimeout(base, timeout)
			list, err := repo.NotificationsAfter(ctx, p.UserID, after, 100)
			// Only what the deriver has passed is final: a notification the watcher stored
			// for a later change must not be sent before one the deriver will still store for
			// an earlier change, or a client resuming after the later would miss the earlier.
			settled := int64(math.MaxInt64)
			if err == nil && p.AgencyID != "" {
				var cursor int64
				cursor, err = repo.DeriveCursor(ctx, p.AgencyID)
				settled = cursor*100 + 99
			}
			cancel()
			if err != nil {
				return
			}
			for _, n := range list {
				if n.Seq > settled {
					list = nil // wait for the deriver
					break
				}
				b, _ := json.Marshal(toNotificationJSON(n))
				fmt.Fprintf(w, "id: %d\nevent: notification\ndata: %s\n\n", n.Seq, b)
				after = n.Seq
			}
			if len(list) == 0 && time.Since(beat) >= cfg.Heartbeat {
				fmt.Fprintf(w, ": heartbeat\n\n")
				beat = time.Now()
			}
			if w.Flush() != nil {
				return // the client went away
			}
			if len(list) < 100 {
				time.Sleep(cfg.Poll)
			}
		}
	})
	return nil
}

type pushFailureJSON struct {
	notificationJSON
	UserID   string `json:"user_id"`
	Attempts int    `json:"attempts"`
	Error    string `json:"error,omitempty"`
}

// PushFailures lists the agency's notifications whose push failed, for its admins (a
// sysadmin names the agency with ?agency_id=).
func (h *Handlers) PushFailures(c *fiber.Ctx) error {
	p := principal(c)
	agency := p.AgencyID
	switch {
	case p.Has(domain.RoleSysadmin):
		agency = c.Query("agency_id")
	case !p.Has(domain.RoleAgencyAdmin):
		return forbidden("push failures are for the agency's admins")
	}
	pg, err := pageOf(c)
	if err != nil {
		return err
	}
	ctx, cancel := h.ctx(c)
	defer cancel()
	list, next, err := h.Repo.PushFailures(ctx, agency, pg)
	if err != nil {
		return err
	}
	return c.JSON(listOf(list, next, func(n *domain.Notification) pushFailureJSON {
		return pushFailureJSON{notificationJSON: toNotificationJSON(n), UserID: n.UserID, Attempts: n.Push.Attempts, Error: n.Push.Error}
	}))
}
