package store

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/zhifa/zhifa/domain"
)

// The push outbox on the embedded engine. That engine has one client, this process, and costs
// about a millisecond per document read or written, which a dispatcher sending thousands of
// messages a second cannot pay per notification. So, there:
//   - a claim is held in this process, not written: a crash, which ends every claim, loses
//     none that matters;
//   - the notifications this process added and whose push is not final are kept here, so a
//     claim need not read them back (up to pendingCap of them);
//   - a dispatched batch's outcome is written as one receipt document (push_receipts), durable
//     before the batch is released, and folded into its notifications in the background; until
//     then the state saved here is the notification's push state. Receipts an earlier process
//     left are folded before this one claims anything.
//
// With MongoDB each claim is a conditional write on the notification and a batch's outcome a
// bulk update, so several replicas can share one database.
type pushClaims struct {
	mu       sync.Mutex // also serializes writes to notifications on the embedded engine
	held     map[string]pushClaim
	pending  map[string]*domain.Notification
	unfolded map[string]foldedPush
	ready    bool // receipts of an earlier process are folded
	folding  sync.Mutex
	// receipts counts the receipt writes this process attempted; folded is one more than that
	// count as it was when the folder last found no receipt (zero until it looked once: an
	// earlier process may have left some). While nothing was written since, the folder need
	// not look: an idle server reads nothing.
	receipts atomic.Int64
	folded   int64
}

type pushClaim struct {
	holder string
	until  time.Time
}

// foldedPush is a push state saved in a receipt and not yet in its notification.
type foldedPush struct {
	push    domain.Push
	version int64
}

// pendingCap bounds the notifications kept in memory for claims; beyond it they are read.
const pendingCap = 50_000

// receiptDoc is a dispatched batch's outcome. The entries are packed in one binary value
// (JSON), which the embedded engine stores and reads far cheaper than as nested documents.
type receiptDoc struct {
	ID     string `bson:"_id"` // sorts by time: receipts fold in the order written
	Pushes []byte `bson:"pushes"`
}

type receiptEntry struct {
	ID      string      `json:"id"`
	Push    domain.Push `json:"push"`
	Version int64       `json:"ver"`
}

// lockNotifications serializes writes to notifications where the engine needs it.
func (s *Store) lockNotifications() func() {
	if !s.serialWrites {
		return func() {}
	}
	s.pushes.mu.Lock()
	return s.pushes.mu.Unlock
}

// remember keeps a notification just added for the claim that will send it.
func (s *Store) remember(n *domain.Notification) {
	if s.idx.notifications == nil || n.Push.Status != domain.PushPending {
		return
	}
	s.pushes.mu.Lock()
	defer s.pushes.mu.Unlock()
	if s.pushes.pending == nil {
		s.pushes.pending = map[string]*domain.Notification{}
	}
	if len(s.pushes.pending) < pendingCap {
		s.pushes.pending[n.ID] = clonePush(n)
	}
}

// clonePush copies n deeply enough that its push state can change independently.
func clonePush(n *domain.Notification) *domain.Notification {
	c := *n
	c.Push.Results = maps.Clone(n.Push.Results)
	return &c
}

// ClaimPushes leases up to limit due pushes to holder, the earliest due first.
func (s *Store) ClaimPushes(ctx context.Context, holder string, now, until time.Time, limit int) ([]*domain.Notification, error) {
	now, until = asStored(now), asStored(until)
	x := s.idx.notifications
	if x == nil {
		return s.claimWritten(ctx, holder, now, until, limit)
	}
	if err := x.wait(ctx); err != nil {
		return nil, err
	}
	if err := s.foldEarlier(ctx); err != nil {
		return nil, err
	}
	p := &s.pushes
	p.mu.Lock()
	if p.held == nil {
		p.held = map[string]pushClaim{}
	}
	due := x.inGroup("push", "pending", func(e *notificationEntry) bool {
		c, held := p.held[e.ID]
		return e.Status == domain.PushPending && !e.Next.After(now) && (!held || c.until.Before(now))
	})
	slices.SortFunc(due, func(a, b notificationEntry) int { return cmp.Or(a.Next.Compare(b.Next), strings.Compare(a.ID, b.ID)) })
	due = due[:min(len(due), limit)]
	var out []*domain.Notification
	var unread []string
	for _, e := range due {
		p.held[e.ID] = pushClaim{holder: holder, until: until}
		if n, ok := p.pending[e.ID]; ok {
			out = append(out, clonePush(n))
		} else {
			unread = append(unread, e.ID)
		}
	}
	p.mu.Unlock()
	read, err := readByID(ctx, s.db.Collection("notifications"), unread, fromNotificationDoc, "notifications")
	if err != nil {
		s.release(entryIDs(due), holder)
		return nil, err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, n := range read {
		if f, ok := p.unfolded[n.ID]; ok {
			n.Push = f.push
			n.Push.Results = maps.Clone(f.push.Results)
		}
		out = append(out, n)
	}
	kept := out[:0]
	for _, n := range out {
		if n.Push.Status != domain.PushPending {
			delete(p.held, n.ID)
			continue
		}
		n.Push.LeaseHolder, n.Push.LeaseUntil = holder, until
		kept = append(kept, n)
	}
	return kept, nil
}

// claimWritten claims on MongoDB: each notification by one conditional write, so that two
// replicas never hold the same one.
func (s *Store) claimWritten(ctx context.Context, holder string, now, until time.Time, limit int) ([]*domain.Notification, error) {
	c := s.db.Collection("notifications")
	cur, err := c.Find(ctx, bson.D{{Key: "push.status", Value: domain.PushPending}, {Key: "push.next_attempt", Value: bson.D{{Key: "$lte", Value: now}}},
		{Key: "push.lease_until", Value: bson.D{{Key: "$lt", Value: now}}}}, options.Find().SetSort(bson.D{{Key: "push.next_attempt", Value: 1}}).SetLimit(int64(limit)))
	candidates, err := findAll(ctx, cur, err, fromNotificationDoc, "notifications")
	if err != nil {
		return nil, err
	}
	var out []*domain.Notification
	for _, n := range candidates {
		res, err := c.UpdateOne(ctx, bson.D{{Key: "_id", Value: n.ID}, {Key: "push.status", Value: domain.PushPending}, {Key: "push.lease_until", Value: bson.D{{Key: "$lt", Value: now}}}},
			bson.D{{Key: "$set", Value: bson.D{{Key: "push.lease_holder", Value: holder}, {Key: "push.lease_until", Value: until}}}})
		if err != nil {
			return out, mapErr(err, "notification")
		}
		if res.ModifiedCount == 1 {
			n.Push.LeaseHolder, n.Push.LeaseUntil = holder, until
			out = append(out, n)
		}
	}
	return out, nil
}

func entryIDsOf(ns []*domain.Notification) []string {
	ids := make([]string, len(ns))
	for i, n := range ns {
		ids[i] = n.ID
	}
	return ids
}

// release ends holder's embedded claims on ids.
func (s *Store) release(ids []string, holder string) {
	s.pushes.mu.Lock()
	defer s.pushes.mu.Unlock()
	for _, id := range ids {
		if c, ok := s.pushes.held[id]; ok && c.holder == holder {
			delete(s.pushes.held, id)
		}
	}
}

// SavePushes writes the push state of notifications holder claimed and releases them. A
// notification whose lease holder lost is left to its new holder.
func (s *Store) SavePushes(ctx context.Context, ns []*domain.Notification, holder string) error {
	if len(ns) == 0 {
		return nil
	}
	x := s.idx.notifications
	if x == nil {
		models := make([]mongo.WriteModel, len(ns))
		for i, n := range ns {
			models[i] = mongo.NewUpdateOneModel().SetFilter(bson.D{{Key: "_id", Value: n.ID}, {Key: "push.lease_holder", Value: holder}}).
				SetUpdate(bson.D{{Key: "$set", Value: bson.D{{Key: "push", Value: toPushDoc(n.Push)}, {Key: "ver", Value: s.nextVersion()}}}})
		}
		_, err := s.db.Collection("notifications").BulkWrite(ctx, models, options.BulkWrite().SetOrdered(false))
		return mapErr(err, "notifications")
	}
	p := &s.pushes
	p.mu.Lock()
	var mine []*domain.Notification
	var entries []receiptEntry
	for _, n := range ns {
		if c, held := p.held[n.ID]; held && c.holder == holder {
			n.Push.LeaseHolder, n.Push.LeaseUntil = "", time.Time{}
			mine = append(mine, n)
			entries = append(entries, receiptEntry{ID: n.ID, Push: n.Push, Version: s.nextVersion()})
		}
	}
	p.mu.Unlock()
	if len(mine) == 0 {
		return nil
	}
	packed, err := json.Marshal(entries)
	if err != nil {
		s.release(entryIDsOf(mine), holder)
		return err
	}
	// The claims stay held while the receipt is written, so nobody sends these meanwhile.
	_, err = s.db.Collection("push_receipts").InsertOne(ctx, receiptDoc{ID: newID(), Pushes: packed})
	p.receipts.Add(1) // written or not, the folder looks again
	p.mu.Lock()
	defer p.mu.Unlock()
	if err != nil {
		for _, n := range mine {
			delete(p.held, n.ID) // not saved: due again, and sent only where no device answered
		}
		return mapErr(err, "push receipt")
	}
	if p.unfolded == nil {
		p.unfolded = map[string]foldedPush{}
	}
	for i, n := range mine {
		v := entries[i].Version
		delete(p.held, n.ID)
		p.unfolded[n.ID] = foldedPush{push: n.Push, version: v}
		if n.Push.Status == domain.PushPending {
			if c, ok := p.pending[n.ID]; ok {
				c.Push = n.Push
				c.Push.Results = maps.Clone(n.Push.Results)
			}
		} else {
			delete(p.pending, n.ID)
		}
		if e, ok := x.get(n.ID); ok {
			e.Status, e.Next, e.Version = n.Push.Status, asStored(n.Push.NextAttempt), v
			x.wrote(s.db, e, nil)
		}
	}
	return nil
}

// foldEarlier folds, once, the receipts a process before this one left.
func (s *Store) foldEarlier(ctx context.Context) error {
	s.pushes.mu.Lock()
	ready := s.pushes.ready
	s.pushes.mu.Unlock()
	if ready {
		return nil
	}
	for {
		n, err := s.FoldPushes(ctx)
		if err != nil {
			return err
		}
		if n == 0 {
			break
		}
	}
	s.pushes.mu.Lock()
	s.pushes.ready = true
	s.pushes.mu.Unlock()
	return nil
}

// FoldPushes writes the push states of the oldest receipts into their notifications and
// deletes the receipts; it says how many notifications it wrote. Nothing to do on MongoDB.
func (s *Store) FoldPushes(ctx context.Context) (int, error) {
	x := s.idx.notifications
	if x == nil {
		return 0, nil
	}
	p := &s.pushes
	p.folding.Lock()
	defer p.folding.Unlock()
	attempted := p.receipts.Load()
	if p.folded == attempted+1 {
		return 0, nil // none written since the last look found none
	}
	c := s.db.Collection("push_receipts")
	cur, err := c.Find(ctx, bson.D{}, options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}).SetLimit(1))
	receipts, err := findAll(ctx, cur, err, func(d *receiptDoc) *receiptDoc { return d }, "push receipts")
	if err != nil {
		return 0, err
	}
	if len(receipts) == 0 {
		p.folded = attempted + 1
	}
	notifications := s.db.Collection("notifications")
	written := 0
	for _, r := range receipts {
		var entries []receiptEntry
		if err := json.Unmarshal(r.Pushes, &entries); err != nil {
			return written, fmt.Errorf("push receipt %s: %w", r.ID, err)
		}
		for _, e := range entries {
			err := func() error {
				p.mu.Lock()
				defer p.mu.Unlock()
				_, err := notifications.UpdateOne(ctx, bson.D{{Key: "_id", Value: e.ID}}, bson.D{{Key: "$set", Value: bson.D{{Key: "push", Value: toPushDoc(e.Push)}, {Key: "ver", Value: e.Version}}}})
				if err != nil {
					return err
				}
				f, saved := p.unfolded[e.ID]
				switch {
				case saved && f.version == e.Version:
					delete(p.unfolded, e.ID)
				case !saved:
					// A receipt of an earlier process: the index, built from the
					// notifications, learns the state now.
					if entry, ok := x.get(e.ID); ok {
						entry.Status, entry.Next, entry.Version = e.Push.Status, asStored(e.Push.NextAttempt), s.nextVersion()
						x.wrote(s.db, entry, nil)
					}
				}
				return nil
			}()
			if err != nil {
				return written, mapErr(err, "notification")
			}
			written++
		}
		if _, err := c.DeleteOne(ctx, bson.D{{Key: "_id", Value: r.ID}}); err != nil {
			return written, mapErr(err, "push receipt")
		}
	}
	return written, nil
}

// withSavedPush gives notifications read from the collection the push state saved since.
func (s *Store) withSavedPush(ns []*domain.Notification) {
	if s.idx.notifications == nil {
		return
	}
	s.pushes.mu.Lock()
	defer s.pushes.mu.Unlock()
	for _, n := range ns {
		if f, ok := s.pushes.unfolded[n.ID]; ok {
			n.Push = f.push
			n.Push.Results = maps.Clone(f.push.Results)
		}
	}
}
