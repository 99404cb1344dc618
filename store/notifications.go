package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strconv"
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
}

func fromDeviceDoc(d *deviceDoc) *domain.Device {
	return &domain.Device{ID: d.ID, UserID: d.UserID, Token: d.Token, Platform: d.Platform, AppVersion: d.AppVersion, Locale: d.Locale,
		CreatedAt: d.CreatedAt.UTC(), UpdatedAt: d.UpdatedAt.UTC()}
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
	_, err := s.db.Collection("devices").ReplaceOne(ctx, bson.D{{Key: "_id", Value: d.ID}}, deviceDoc{ID: d.ID, UserID: d.UserID, Token: d.Token,
		Platform: d.Platform, AppVersion: d.AppVersion, Locale: d.Locale, CreatedAt: asStored(d.CreatedAt), UpdatedAt: now}, options.Replace().SetUpsert(true))
	return mapErr(err, "device")
}

// DevicesOf lists a user's devices.
func (s *Store) DevicesOf(ctx context.Context, userID string) ([]*domain.Device, error) {
	cur, err := s.db.Collection("devices").Find(ctx, bson.D{{Key: "user_id", Value: userID}}, options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}).SetLimit(100))
	return findAll(ctx, cur, err, fromDeviceDoc, "devices")
}

// DeleteDevice removes the user's device; NotFound when the user has no such device.
func (s *Store) DeleteDevice(ctx context.Context, userID, id string) error {
	res, err := s.db.Collection("devices").DeleteOne(ctx, bson.D{{Key: "_id", Value: id}, {Key: "user_id", Value: userID}})
	if err != nil {
		return mapErr(err, "device")
	}
	if res.DeletedCount == 0 {
		return domain.Errorf(domain.NotFound, "device not found")
	}
	return nil
}

// DeleteDevicesOf removes every device of a user (sign-out, a disabled account).
func (s *Store) DeleteDevicesOf(ctx context.Context, userID string) error {
	_, err := s.db.Collection("devices").DeleteMany(ctx, bson.D{{Key: "user_id", Value: userID}})
	return mapErr(err, "devices")
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

// AddNotifications inserts each notification unless one with its id is there: deriving a
// fact's notifications twice writes nothing new.
func (s *Store) AddNotifications(ctx context.Context, ns []*domain.Notification) error {
	c := s.db.Collection("notifications")
	for _, n := range ns {
		_, err := c.InsertOne(ctx, notificationDoc{ID: n.ID, UserID: n.UserID, AgencyID: n.AgencyID, Kind: string(n.Kind), Title: n.Title,
			Body: n.Body, Link: n.Link, ObjectKind: n.ObjectKind, ObjectID: n.ObjectID, Seq: n.Seq, Rank: unreadRank + n.Seq, CreatedAt: asStored(n.CreatedAt),
			Push: toPushDoc(n.Push)})
		if err != nil && !mongo.IsDuplicateKeyError(err) {
			return mapErr(err, "notification")
		}
	}
	return nil
}

// HaveNotifications says which of ids are stored, reading each by _id.
func (s *Store) HaveNotifications(ctx context.Context, ids []string) (map[string]bool, error) {
	found, err := readByID(ctx, s.db.Collection("notifications"), ids, func(d *notificationDoc) string { return d.ID }, "notifications",
		options.FindOne().SetProjection(bson.D{{Key: "_id", Value: 1}}))
	if err != nil {
		return nil, err
	}
	out := map[string]bool{}
	for _, id := range found {
		out[id] = true
	}
	return out, nil
}

// NotificationsOf pages through a user's inbox: unread first, newest first within each.
func (s *Store) NotificationsOf(ctx context.Context, userID string, p domain.Page) ([]*domain.Notification, string, error) {
	p = p.Normalize()
	filter := bson.D{{Key: "user_id", Value: userID}}
	if p.Cursor != "" {
		after, err := decodeCursor(p.Cursor)
		if err != nil {
			return nil, "", err
		}
		rank, err := strconv.ParseInt(after, 10, 64)
		if err != nil {
			return nil, "", domain.Errorf(domain.Invalid, "the cursor is not valid")
		}
		filter = append(filter, bson.E{Key: "rank", Value: bson.D{{Key: "$lt", Value: rank}}})
	}
	cur, err := s.db.Collection("notifications").Find(ctx, filter, options.Find().SetSort(bson.D{{Key: "rank", Value: -1}}).SetLimit(int64(p.Limit+1)))
	docs, err := findAll(ctx, cur, err, func(d *notificationDoc) *notificationDoc { return d }, "notifications")
	if err != nil {
		return nil, "", err
	}
	next := ""
	if len(docs) > p.Limit {
		docs = docs[:p.Limit]
		next = encodeCursor(strconv.FormatInt(docs[len(docs)-1].Rank, 10))
	}
	out := make([]*domain.Notification, len(docs))
	for i, d := range docs {
		out[i] = fromNotificationDoc(d)
	}
	return out, next, nil
}

// NotificationsAfter lists a user's notifications with Seq above after, oldest first: what a
// stream resumed with Last-Event-ID has not sent yet.
func (s *Store) NotificationsAfter(ctx context.Context, userID string, after int64, limit int) ([]*domain.Notification, error) {
	cur, err := s.db.Collection("notifications").Find(ctx, bson.D{{Key: "user_id", Value: userID}, {Key: "seq", Value: bson.D{{Key: "$gt", Value: after}}}},
		options.Find().SetSort(bson.D{{Key: "seq", Value: 1}}).SetLimit(int64(limit)))
	return findAll(ctx, cur, err, fromNotificationDoc, "notifications")
}

// LatestSeq is the Seq of the user's newest notification, 0 when there is none.
func (s *Store) LatestSeq(ctx context.Context, userID string) (int64, error) {
	var d notificationDoc
	err := s.db.Collection("notifications").FindOne(ctx, bson.D{{Key: "user_id", Value: userID}},
		options.FindOne().SetSort(bson.D{{Key: "seq", Value: -1}}).SetProjection(bson.D{{Key: "seq", Value: 1}})).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return 0, nil
	}
	return d.Seq, mapErr(err, "notifications")
}

// MarkRead marks one of the user's notifications read; NotFound when it is not theirs.
func (s *Store) MarkRead(ctx context.Context, userID, id string, at time.Time) error {
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
	at = asStored(at)
	_, err = c.UpdateOne(ctx, bson.D{{Key: "_id", Value: id}}, bson.D{{Key: "$set", Value: bson.D{{Key: "read_at", Value: at}, {Key: "rank", Value: d.Seq}}}})
	return mapErr(err, "notification")
}

// MarkAllRead marks every unread notification of the user read and says how many.
func (s *Store) MarkAllRead(ctx context.Context, userID string, at time.Time) (int64, error) {
	c := s.db.Collection("notifications")
	cur, err := c.Find(ctx, bson.D{{Key: "user_id", Value: userID}, {Key: "rank", Value: bson.D{{Key: "$gte", Value: unreadRank}}}},
		options.Find().SetProjection(bson.D{{Key: "seq", Value: 1}}))
	docs, err := findAll(ctx, cur, err, func(d *notificationDoc) *notificationDoc { return d }, "notifications")
	if err != nil {
		return 0, err
	}
	at = asStored(at)
	for _, d := range docs {
		if _, err := c.UpdateOne(ctx, bson.D{{Key: "_id", Value: d.ID}}, bson.D{{Key: "$set", Value: bson.D{{Key: "read_at", Value: at}, {Key: "rank", Value: d.Seq}}}}); err != nil {
			return 0, mapErr(err, "notification")
		}
	}
	return int64(len(docs)), nil
}

// UnreadCount counts the user's unread notifications.
func (s *Store) UnreadCount(ctx context.Context, userID string) (int64, error) {
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

// ClaimPushes leases due pushes to holder: each is taken by one conditional write, so two
// dispatchers never hold the same notification.
func (s *Store) ClaimPushes(ctx context.Context, holder string, now, until time.Time, limit int) ([]*domain.Notification, error) {
	c := s.db.Collection("notifications")
	now = asStored(now)
	cur, err := c.Find(ctx, bson.D{{Key: "push.status", Value: domain.PushPending}, {Key: "push.next_attempt", Value: bson.D{{Key: "$lte", Value: now}}},
		{Key: "push.lease_until", Value: bson.D{{Key: "$lt", Value: now}}}}, options.Find().SetSort(bson.D{{Key: "push.next_attempt", Value: 1}}).SetLimit(int64(limit)))
	candidates, err := findAll(ctx, cur, err, func(d *notificationDoc) *notificationDoc { return d }, "notifications")
	if err != nil {
		return nil, err
	}
	var out []*domain.Notification
	for _, d := range candidates {
		var claimed bool
		err := s.serialize("notifications/"+d.ID, func() error {
			filter := bson.D{{Key: "_id", Value: d.ID}, {Key: "push.status", Value: domain.PushPending}, {Key: "push.lease_until", Value: bson.D{{Key: "$lt", Value: now}}}}
			if s.serialWrites {
				// Under the lock, the read above is still true unless another write came
				// between: read again by _id, the one filter the embedded engine indexes.
				var cur notificationDoc
				if err := c.FindOne(ctx, bson.D{{Key: "_id", Value: d.ID}}).Decode(&cur); err != nil {
					return err
				}
				if cur.Push.Status != domain.PushPending || !cur.Push.LeaseUntil.Before(now) {
					return nil
				}
				filter = bson.D{{Key: "_id", Value: d.ID}}
			}
			res, err := c.UpdateOne(ctx, filter, bson.D{{Key: "$set", Value: bson.D{{Key: "push.lease_holder", Value: holder}, {Key: "push.lease_until", Value: asStored(until)}}}})
			claimed = err == nil && res.ModifiedCount == 1
			return err
		})
		if err != nil {
			return out, mapErr(err, "notification")
		}
		if claimed {
			d.Push.LeaseHolder, d.Push.LeaseUntil = holder, asStored(until)
			out = append(out, fromNotificationDoc(d))
		}
	}
	return out, nil
}

// SavePush writes n's push state if holder still holds its lease.
func (s *Store) SavePush(ctx context.Context, n *domain.Notification, holder string) error {
	c := s.db.Collection("notifications")
	var matched bool
	err := s.serialize("notifications/"+n.ID, func() error {
		filter := bson.D{{Key: "_id", Value: n.ID}, {Key: "push.lease_holder", Value: holder}}
		if s.serialWrites {
			var cur notificationDoc
			if err := c.FindOne(ctx, bson.D{{Key: "_id", Value: n.ID}}).Decode(&cur); err != nil {
				return err
			}
			if cur.Push.LeaseHolder != holder {
				return nil
			}
			filter = bson.D{{Key: "_id", Value: n.ID}}
		}
		res, err := c.UpdateOne(ctx, filter, bson.D{{Key: "$set", Value: bson.D{{Key: "push", Value: toPushDoc(n.Push)}}}})
		matched = err == nil && res.MatchedCount == 1
		return err
	})
	if err != nil {
		return mapErr(err, "notification")
	}
	if !matched {
		return domain.Errorf(domain.Conflict, "another dispatcher holds this notification")
	}
	return nil
}

// PushFailures pages through an agency's failed pushes.
func (s *Store) PushFailures(ctx context.Context, agencyID string, p domain.Page) ([]*domain.Notification, string, error) {
	return page(ctx, s.db.Collection("notifications"), bson.D{{Key: "agency_id", Value: agencyID}, {Key: "push.status", Value: domain.PushFailed}}, p,
		fromNotificationDoc, func(d *notificationDoc) string { return d.ID })
}
