package store

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/zhifa/zhifa/domain"
)

type deviceDoc struct {
	ID         string    `bson:"_id"`
	UserID     string    `bson:"user_id"`
	Token      string    `bson:"token"`
	Platform   string    `bson:"platform"`
	AppVersion string    `bson:"app_version,omitempty"`
	Locale     string    `bson:"locale,omitempty"`
	CreatedAt  time.Time `bson:"created_at"`
	UpdatedAt  time.Time `bson:"updated_at"`
	Version    int64     `bson:"ver"`
}

func fromDeviceDoc(d *deviceDoc) *domain.Device {
	return &domain.Device{ID: d.ID, UserID: d.UserID, Token: d.Token, Platform: d.Platform, AppVersion: d.AppVersion, Locale: d.Locale,
		CreatedAt: d.CreatedAt.UTC(), UpdatedAt: d.UpdatedAt.UTC()}
}

// deviceEntry is a whole device: devices are small, so the embedded engine's index answers
// for them without reading the collection.
type deviceEntry struct {
	ID         string    `json:"i"`
	User       string    `json:"u"`
	Token      string    `json:"t"`
	Platform   string    `json:"p"`
	AppVersion string    `json:"a,omitempty"`
	Locale     string    `json:"l,omitempty"`
	Created    time.Time `json:"c"`
	Updated    time.Time `json:"m"`
	Version    int64     `json:"v"`
}

func (e deviceEntry) entryID() string     { return e.ID }
func (e deviceEntry) entryVersion() int64 { return e.Version }

var deviceEntryFields = bson.D{{Key: "user_id", Value: 1}, {Key: "token", Value: 1}, {Key: "platform", Value: 1}, {Key: "app_version", Value: 1},
	{Key: "locale", Value: 1}, {Key: "created_at", Value: 1}, {Key: "updated_at", Value: 1}, {Key: "ver", Value: 1}}

var deviceEntryPaths = []string{"_id", "user_id", "token", "platform", "app_version", "locale", "created_at", "updated_at", "ver"}

func deviceEntryOf(d *deviceDoc) deviceEntry {
	return deviceEntry{ID: d.ID, User: d.UserID, Token: d.Token, Platform: d.Platform, AppVersion: d.AppVersion, Locale: d.Locale,
		Created: asStored(d.CreatedAt), Updated: asStored(d.UpdatedAt), Version: d.Version}
}

func deviceEntryOfRow(r *sqlRow) deviceEntry {
	return deviceEntry{ID: r.str(0), User: r.str(1), Token: r.str(2), Platform: r.str(3), AppVersion: r.str(4), Locale: r.str(5),
		Created: r.date(6), Updated: r.date(7), Version: r.int(8)}
}

func (e *deviceEntry) device() *domain.Device {
	return &domain.Device{ID: e.ID, UserID: e.User, Token: e.Token, Platform: e.Platform, AppVersion: e.AppVersion, Locale: e.Locale,
		CreatedAt: e.Created, UpdatedAt: e.Updated}
}

// nextVersion numbers a write: increasing in this process, and above what an earlier process
// wrote unless the clock went back.
func (s *Store) nextVersion() int64 {
	for {
		last := s.version.Load()
		v := max(last+1, time.Now().UnixNano())
		if s.version.CompareAndSwap(last, v) {
			return v
		}
	}
}

// deviceID derives a device's id from its token: registering a token again (by another user
// too) writes the same document.
func deviceID(token string) string {
	sum := sha256.Sum256([]byte("device\x00" + token))
	return hex.EncodeToString(sum[:12])
}

// SaveDevice registers d's token for d.UserID, taking it from any other user.
func (s *Store) SaveDevice(ctx context.Context, d *domain.Device) error {
	now := asStored(time.Now())
	d.ID, d.UpdatedAt = deviceID(d.Token), now
	if d.CreatedAt.IsZero() {
		d.CreatedAt = now
	}
	doc := deviceDoc{ID: d.ID, UserID: d.UserID, Token: d.Token, Platform: d.Platform, AppVersion: d.AppVersion, Locale: d.Locale,
		CreatedAt: asStored(d.CreatedAt), UpdatedAt: now}
	return s.serialize("devices/"+d.ID, func() error {
		doc.Version = s.nextVersion()
		_, err := s.db.Collection("devices").ReplaceOne(ctx, bson.D{{Key: "_id", Value: d.ID}}, doc, options.Replace().SetUpsert(true))
		s.idx.devices.wrote(s.db, deviceEntryOf(&doc), err)
		return mapErr(err, "device")
	})
}

// DevicesOf lists the users' devices, ordered by user then id.
func (s *Store) DevicesOf(ctx context.Context, userIDs ...string) ([]*domain.Device, error) {
	if len(userIDs) == 0 {
		return nil, nil
	}
	if x := s.idx.devices; x != nil {
		if err := x.wait(ctx); err != nil {
			return nil, err
		}
		var entries []deviceEntry
		for _, u := range slices.Compact(slices.Sorted(slices.Values(userIDs))) {
			entries = append(entries, x.inGroup("user", u, func(*deviceEntry) bool { return true })...)
		}
		slices.SortFunc(entries, func(a, b deviceEntry) int {
			return cmp.Or(strings.Compare(a.User, b.User), strings.Compare(a.ID, b.ID))
		})
		out := make([]*domain.Device, len(entries))
		for i := range entries {
			out[i] = entries[i].device()
		}
		return out, nil
	}
	filter := bson.D{{Key: "user_id", Value: userIDs[0]}}
	if len(userIDs) > 1 {
		filter = bson.D{{Key: "user_id", Value: bson.D{{Key: "$in", Value: userIDs}}}}
	}
	cur, err := s.db.Collection("devices").Find(ctx, filter, options.Find().SetSort(bson.D{{Key: "user_id", Value: 1}, {Key: "_id", Value: 1}}))
	return findAll(ctx, cur, err, fromDeviceDoc, "devices")
}

// DeleteDevice removes the user's device; NotFound when the user has no such device.
func (s *Store) DeleteDevice(ctx context.Context, userID, id string) error {
	c := s.db.Collection("devices")
	return s.serialize("devices/"+id, func() error {
		filter := bson.D{{Key: "_id", Value: id}, {Key: "user_id", Value: userID}}
		if s.serialWrites {
			// The embedded engine uses its primary key only for a filter that is exactly {_id}.
			var cur deviceDoc
			err := c.FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&cur)
			if errors.Is(err, mongo.ErrNoDocuments) || err == nil && cur.UserID != userID {
				return domain.Errorf(domain.NotFound, "device not found")
			}
			if err != nil {
				return mapErr(err, "device")
			}
			filter = bson.D{{Key: "_id", Value: id}}
		}
		res, err := c.DeleteOne(ctx, filter)
		if err != nil {
			return mapErr(err, "device")
		}
		if res.DeletedCount == 0 {
			return domain.Errorf(domain.NotFound, "device not found")
		}
		if s.idx.devices != nil {
			s.idx.devices.removed(s.db, id)
		}
		return nil
	})
}

// DeleteDevicesOf removes every device of a user (sign-out, a disabled account).
func (s *Store) DeleteDevicesOf(ctx context.Context, userID string) error {
	if s.idx.devices == nil {
		_, err := s.db.Collection("devices").DeleteMany(ctx, bson.D{{Key: "user_id", Value: userID}})
		return mapErr(err, "devices")
	}
	devices, err := s.DevicesOf(ctx, userID)
	if err != nil {
		return err
	}
	for _, d := range devices {
		if err := s.DeleteDevice(ctx, userID, d.ID); err != nil && domain.ErrorCode(err) != domain.NotFound {
			return err
		}
	}
	return nil
}

type notificationDoc struct {
	ID         string     `bson:"_id"`
	UserID     string     `bson:"user_id"`
	AgencyID   string     `bson:"agency_id"`
	Kind       string     `bson:"kind"`
	Title      string     `bson:"title"`
	Body       string     `bson:"body"`
	Link       string     `bson:"link"`
	ObjectKind string     `bson:"object_kind"`
	ObjectID   string     `bson:"object_id"`
	Seq        int64      `bson:"seq"`
	Rank       int64      `bson:"rank"` // unread ones above read ones, newest first in each
	CreatedAt  time.Time  `bson:"created_at"`
	ReadAt     *time.Time `bson:"read_at,omitempty"`
	Push       pushDoc    `bson:"push"`
	Version    int64      `bson:"ver"`
}

type pushDoc struct {
	Status      string            `bson:"status"`
	Attempts    int               `bson:"attempts"`
	NextAttempt time.Time         `bson:"next_attempt"`
	Deadline    time.Time         `bson:"deadline"`
	LeaseHolder string            `bson:"lease_holder,omitempty"`
	LeaseUntil  time.Time         `bson:"lease_until"`
	Results     map[string]string `bson:"results,omitempty"`
	Error       string            `bson:"error,omitempty"`
}

func toPushDoc(p domain.Push) pushDoc {
	return pushDoc{Status: p.Status, Attempts: p.Attempts, NextAttempt: asStored(p.NextAttempt), Deadline: asStored(p.Deadline),
		LeaseHolder: p.LeaseHolder, LeaseUntil: asStored(p.LeaseUntil), Results: p.Results, Error: p.Error}
}

// unreadRank lifts unread notifications above every read one in the inbox's order.
const unreadRank = int64(1) << 60

func fromNotificationDoc(d *notificationDoc) *domain.Notification {
	return &domain.Notification{ID: d.ID, UserID: d.UserID, AgencyID: d.AgencyID, Kind: domain.NotificationKind(d.Kind), Title: d.Title,
		Body: d.Body, Link: d.Link, ObjectKind: d.ObjectKind, ObjectID: d.ObjectID, Seq: d.Seq, CreatedAt: d.CreatedAt.UTC(), ReadAt: timeOf(d.ReadAt),
		Push: domain.Push{Status: d.Push.Status, Attempts: d.Push.Attempts, NextAttempt: d.Push.NextAttempt.UTC(), Deadline: d.Push.Deadline.UTC(),
			LeaseHolder: d.Push.LeaseHolder, LeaseUntil: d.Push.LeaseUntil.UTC(), Results: d.Push.Results, Error: d.Push.Error}}
}

// notificationEntry is what the embedded engine's index holds of a notification: enough to
// find a user's inbox, stream and unread count, and the pushes that are due.
type notificationEntry struct {
	ID      string    `json:"i"`
	User    string    `json:"u"`
	Agency  string    `json:"a"`
	Seq     int64     `json:"q"`
	Rank    int64     `json:"r"`
	Status  string    `json:"s"`
	Next    time.Time `json:"n"`
	Version int64     `json:"v"`
}

func (e notificationEntry) entryID() string     { return e.ID }
func (e notificationEntry) entryVersion() int64 { return e.Version }

var notificationEntryFields = bson.D{{Key: "user_id", Value: 1}, {Key: "agency_id", Value: 1}, {Key: "seq", Value: 1}, {Key: "rank", Value: 1},
	{Key: "push.status", Value: 1}, {Key: "push.next_attempt", Value: 1}, {Key: "ver", Value: 1}}

var notificationEntryPaths = []string{"_id", "user_id", "agency_id", "seq", "rank", "push.status", "push.next_attempt", "ver"}

func notificationEntryOf(d *notificationDoc) notificationEntry {
	return notificationEntry{ID: d.ID, User: d.UserID, Agency: d.AgencyID, Seq: d.Seq, Rank: d.Rank, Status: d.Push.Status,
		Next: asStored(d.Push.NextAttempt), Version: d.Version}
}

func notificationEntryOfRow(r *sqlRow) notificationEntry {
	return notificationEntry{ID: r.str(0), User: r.str(1), Agency: r.str(2), Seq: r.int(3), Rank: r.int(4), Status: r.str(5),
		Next: r.date(6), Version: r.int(7)}
}

// AddNotifications inserts each notification unless one with its id is there: deriving a
// fact's notifications twice writes nothing new.
func (s *Store) AddNotifications(ctx context.Context, ns []*domain.Notification) error {
	if len(ns) == 0 {
		return nil
	}
	docs := make([]notificationDoc, len(ns))
	for i, n := range ns {
		docs[i] = notificationDoc{ID: n.ID, UserID: n.UserID, AgencyID: n.AgencyID, Kind: string(n.Kind), Title: n.Title,
			Body: n.Body, Link: n.Link, ObjectKind: n.ObjectKind, ObjectID: n.ObjectID, Seq: n.Seq, Rank: unreadRank + n.Seq, CreatedAt: asStored(n.CreatedAt),
			Push: toPushDoc(n.Push), Version: s.nextVersion()}
	}
	_, err := s.db.Collection("notifications").InsertMany(ctx, docs, options.InsertMany().SetOrdered(false))
	failed := map[int]error{}
	var bwe mongo.BulkWriteException
	switch {
	case err == nil:
	case errors.As(err, &bwe) && bwe.WriteConcernError == nil:
		for _, we := range bwe.WriteErrors {
			if !mongo.IsDuplicateKeyError(we) {
				failed[we.Index] = we
			} else {
				failed[we.Index] = nil // stored before: its entry is the stored one
			}
		}
		err = nil
	default:
		// Which were written is not known: each entry is read again.
		for i := range docs {
			failed[i] = err
		}
	}
	var errs []error
	for i := range docs {
		werr, bad := failed[i]
		switch {
		case !bad:
			s.idx.notifications.wrote(s.db, notificationEntryOf(&docs[i]), nil)
			s.remember(ns[i])
		case werr != nil:
			s.idx.notifications.wrote(s.db, notificationEntryOf(&docs[i]), werr)
			errs = append(errs, werr)
		}
	}
	if err != nil {
		return mapErr(err, "notification")
	}
	if len(errs) > 0 {
		return mapErr(errs[0], "notification")
	}
	return nil
}

// HaveNotifications says which of ids are stored, reading each by _id.
func (s *Store) HaveNotifications(ctx context.Context, ids []string) (map[string]bool, error) {
	out := map[string]bool{}
	if x := s.idx.notifications; x != nil {
		if err := x.wait(ctx); err != nil {
			return nil, err
		}
		for _, id := range ids {
			if _, ok := x.get(id); ok {
				out[id] = true
			}
		}
		return out, nil
	}
	found, err := readByID(ctx, s.db.Collection("notifications"), ids, func(d *notificationDoc) string { return d.ID }, "notifications",
		options.FindOne().SetProjection(bson.D{{Key: "_id", Value: 1}}))
	if err != nil {
		return nil, err
	}
	for _, id := range found {
		out[id] = true
	}
	return out, nil
}

// inbox returns the user's index entries that match, sorted by cmp; nil index on MongoDB.
func (s *Store) inbox(ctx context.Context, userID string, match func(*notificationEntry) bool, order func(a, b notificationEntry) int) ([]notificationEntry, error) {
	x := s.idx.notifications
	if err := x.wait(ctx); err != nil {
		return nil, err
	}
	entries := x.inGroup("user", userID, match)
	slices.SortFunc(entries, order)
	return entries, nil
}

func byRankDesc(a, b notificationEntry) int {
	return cmp.Or(cmp.Compare(b.Rank, a.Rank), strings.Compare(b.ID, a.ID))
}

func entryIDs(entries []notificationEntry) []string {
	ids := make([]string, len(entries))
	for i, e := range entries {
		ids[i] = e.ID
	}
	return ids
}

// NotificationsOf pages through a user's inbox: unread first, newest first within each.
func (s *Store) NotificationsOf(ctx context.Context, userID string, p domain.Page) ([]*domain.Notification, string, error) {
	p = p.Normalize()
	after := int64(-1)
	if p.Cursor != "" {
		cursor, err := decodeCursor(p.Cursor)
		if err != nil {
			return nil, "", err
		}
		if after, err = strconv.ParseInt(cursor, 10, 64); err != nil {
			return nil, "", domain.Errorf(domain.Invalid, "the cursor is not valid")
		}
	}
	var docs []*domain.Notification
	if s.idx.notifications != nil {
		entries, err := s.inbox(ctx, userID, func(e *notificationEntry) bool { return after < 0 || e.Rank < after }, byRankDesc)
		if err != nil {
			return nil, "", err
		}
		if docs, err = readByID(ctx, s.db.Collection("notifications"), entryIDs(entries[:min(len(entries), p.Limit+1)]), fromNotificationDoc, "notifications"); err != nil {
			return nil, "", err
		}
		s.withSavedPush(docs)
	} else {
		filter := bson.D{{Key: "user_id", Value: userID}}
		if after >= 0 {
			filter = append(filter, bson.E{Key: "rank", Value: bson.D{{Key: "$lt", Value: after}}})
		}
		cur, err := s.db.Collection("notifications").Find(ctx, filter, options.Find().SetSort(bson.D{{Key: "rank", Value: -1}}).SetLimit(int64(p.Limit+1)))
		if docs, err = findAll(ctx, cur, err, fromNotificationDoc, "notifications"); err != nil {
			return nil, "", err
		}
	}
	next := ""
	if len(docs) > p.Limit {
		docs = docs[:p.Limit]
		next = encodeCursor(strconv.FormatInt(rankOf(docs[len(docs)-1]), 10))
	}
	return docs, next, nil
}

// rankOf is a notification's place in the inbox: unread ones above every read one.
func rankOf(n *domain.Notification) int64 {
	if n.ReadAt.IsZero() {
		return unreadRank + n.Seq
	}
	return n.Seq
}

// NotificationsAfter lists a user's notifications with Seq above after, oldest first: what a
// stream resumed with Last-Event-ID has not sent yet.
func (s *Store) NotificationsAfter(ctx context.Context, userID string, after int64, limit int) ([]*domain.Notification, error) {
	if s.idx.notifications != nil {
		entries, err := s.inbox(ctx, userID, func(e *notificationEntry) bool { return e.Seq > after },
			func(a, b notificationEntry) int {
				return cmp.Or(cmp.Compare(a.Seq, b.Seq), strings.Compare(a.ID, b.ID))
			})
		if err != nil {
			return nil, err
		}
		docs, err := readByID(ctx, s.db.Collection("notifications"), entryIDs(entries[:min(len(entries), limit)]), fromNotificationDoc, "notifications")
		s.withSavedPush(docs)
		return docs, err
	}
	cur, err := s.db.Collection("notifications").Find(ctx, bson.D{{Key: "user_id", Value: userID}, {Key: "seq", Value: bson.D{{Key: "$gt", Value: after}}}},
		options.Find().SetSort(bson.D{{Key: "seq", Value: 1}}).SetLimit(int64(limit)))
	return findAll(ctx, cur, err, fromNotificationDoc, "notifications")
}

// LatestSeq is the Seq of the user's newest notification, 0 when there is none.
func (s *Store) LatestSeq(ctx context.Context, userID string) (int64, error) {
	if s.idx.notifications != nil {
		entries, err := s.inbox(ctx, userID, func(*notificationEntry) bool { return true }, func(a, b notificationEntry) int { return cmp.Compare(b.Seq, a.Seq) })
		if err != nil || len(entries) == 0 {
			return 0, err
		}
		return entries[0].Seq, nil
	}
	var d notificationDoc
	err := s.db.Collection("notifications").FindOne(ctx, bson.D{{Key: "user_id", Value: userID}},
		options.FindOne().SetSort(bson.D{{Key: "seq", Value: -1}}).SetProjection(bson.D{{Key: "seq", Value: 1}})).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return 0, nil
	}
	return d.Seq, mapErr(err, "notifications")
}

// markRead marks one notification read, holding the notifications' write lock.
func (s *Store) markRead(ctx context.Context, userID, id string, at time.Time) error {
	c := s.db.Collection("notifications")
	var d notificationDoc
	err := c.FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) || err == nil && d.UserID != userID {
		return domain.Errorf(domain.NotFound, "notification not found")
	}
	if err != nil {
		return mapErr(err, "notification")
	}
	if d.ReadAt != nil {
		return nil
	}
	at, v := asStored(at), s.nextVersion()
	_, err = c.UpdateOne(ctx, bson.D{{Key: "_id", Value: id}}, bson.D{{Key: "$set", Value: bson.D{{Key: "read_at", Value: at}, {Key: "rank", Value: d.Seq}, {Key: "ver", Value: v}}}})
	if x := s.idx.notifications; x != nil {
		// The entry's push state may be newer than the document's (see SavePushes): only the
		// rank changes.
		if e, ok := x.get(id); ok {
			e.Rank, e.Version = d.Seq, v
			x.wrote(s.db, e, err)
		}
	}
	return mapErr(err, "notification")
}

// MarkRead marks one of the user's notifications read; NotFound when it is not theirs.
func (s *Store) MarkRead(ctx context.Context, userID, id string, at time.Time) error {
	defer s.lockNotifications()()
	return s.markRead(ctx, userID, id, at)
}

// MarkAllRead marks every unread notification of the user read and says how many.
func (s *Store) MarkAllRead(ctx context.Context, userID string, at time.Time) (int64, error) {
	var ids []string
	if s.idx.notifications != nil {
		entries, err := s.inbox(ctx, userID, func(e *notificationEntry) bool { return e.Rank >= unreadRank }, byRankDesc)
		if err != nil {
			return 0, err
		}
		ids = entryIDs(entries)
	} else {
		cur, err := s.db.Collection("notifications").Find(ctx, bson.D{{Key: "user_id", Value: userID}, {Key: "rank", Value: bson.D{{Key: "$gte", Value: unreadRank}}}},
			options.Find().SetProjection(bson.D{{Key: "_id", Value: 1}}))
		if ids, err = findAll(ctx, cur, err, func(d *notificationDoc) string { return d.ID }, "notifications"); err != nil {
			return 0, err
		}
	}
	defer s.lockNotifications()()
	for _, id := range ids {
		if err := s.markRead(ctx, userID, id, at); err != nil && domain.ErrorCode(err) != domain.NotFound {
			return 0, err
		}
	}
	return int64(len(ids)), nil
}

// UnreadCount counts the user's unread notifications.
func (s *Store) UnreadCount(ctx context.Context, userID string) (int64, error) {
	if s.idx.notifications != nil {
		entries, err := s.inbox(ctx, userID, func(e *notificationEntry) bool { return e.Rank >= unreadRank }, func(a, b notificationEntry) int { return 0 })
		return int64(len(entries)), err
	}
	n, err := s.db.Collection("notifications").CountDocuments(ctx, bson.D{{Key: "user_id", Value: userID}, {Key: "rank", Value: bson.D{{Key: "$gte", Value: unreadRank}}}})
	return n, mapErr(err, "notifications")
}

// DeriveCursor is how far the agency's change log has been turned into notifications.
func (s *Store) DeriveCursor(ctx context.Context, agencyID string) (int64, error) {
	var d struct {
		Seq int64 `bson:"seq"`
	}
	err := s.db.Collection("notify_cursors").FindOne(ctx, bson.D{{Key: "_id", Value: agencyID}}).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return 0, nil
	}
	return d.Seq, mapErr(err, "cursor")
}

// SetDeriveCursor moves the agency's cursor forward to seq (never back).
func (s *Store) SetDeriveCursor(ctx context.Context, agencyID string, seq int64) error {
	c := s.db.Collection("notify_cursors")
	return mapErr(s.serialize("notify_cursors/"+agencyID, func() error {
		cur, err := s.DeriveCursor(ctx, agencyID)
		if err != nil || cur >= seq {
			return err
		}
		_, err = c.ReplaceOne(ctx, bson.D{{Key: "_id", Value: agencyID}}, bson.D{{Key: "_id", Value: agencyID}, {Key: "seq", Value: seq}}, options.Replace().SetUpsert(true))
		return err
	}), "cursor")
}

// PushFailures pages through an agency's failed pushes.
func (s *Store) PushFailures(ctx context.Context, agencyID string, p domain.Page) ([]*domain.Notification, string, error) {
	if x := s.idx.notifications; x != nil {
		out, next, err := indexedPage(ctx, x, s.db.Collection("notifications"), func(e *notificationEntry) bool { return e.Agency == agencyID && e.Status == domain.PushFailed },
			p, fromNotificationDoc, "notifications")
		s.withSavedPush(out)
		return out, next, err
	}
	return page(ctx, s.db.Collection("notifications"), bson.D{{Key: "agency_id", Value: agencyID}, {Key: "push.status", Value: domain.PushFailed}}, p,
		fromNotificationDoc, func(d *notificationDoc) string { return d.ID })
}
