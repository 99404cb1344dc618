package store

import (
	"context"
	"errors"
	"slices"
	"sync"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// views keeps in process what every action reads and hardly anything writes: users,
// certificates, agencies, matters, benchmarks and review rules. Who may act is then known
// without a command for each of them on every request (the lifecycle of a case read them 61
// times).
//
// It holds the documents as the engine returned them, so every read decodes its own copy. A
// write through this store empties it. On the embedded engine this process is the only client,
// so that is the whole story. On MongoDB other instances write too: each write also counts up
// a shared epoch (counters/views), and an instance reads the epoch before using what it holds
// when it last looked more than recheck ago, emptying what it holds when the epoch moved. What
// another instance changed is then seen within recheck (one second); what this instance
// changed, at once.
type views struct {
	mu   sync.Mutex
	docs map[string][]bson.Raw
	// gen counts the writes seen; a read that began before one keeps nothing, so that what it
	// read before the write cannot outlive it.
	gen uint64
	// epoch is the shared epoch when last read, at checked (MongoDB only).
	epoch   int64
	checked time.Time
	recheck time.Duration
	shared  bool
}

// maxViewed bounds what the views hold; past it they start again empty.
const maxViewed = 100_000

// viewRecheck is how long an instance on MongoDB trusts what it holds before reading the
// shared epoch again.
const viewRecheck = time.Second

// viewed returns the documents of a query on one of the viewed collections: what the views
// hold under key, or what load returns, which they then keep.
func (s *Store) viewed(ctx context.Context, key string, load func() ([]bson.Raw, error)) ([]bson.Raw, error) {
	v := &s.views
	if err := s.checkViews(ctx); err != nil {
		return nil, err
	}
	v.mu.Lock()
	docs, ok := v.docs[key]
	gen := v.gen
	v.mu.Unlock()
	if ok {
		return docs, nil
	}
	docs, err := load()
	if err != nil {
		return nil, err
	}
	v.mu.Lock()
	if v.gen == gen {
		if v.docs == nil || len(v.docs) >= maxViewed {
			v.docs = map[string][]bson.Raw{}
		}
		v.docs[key] = docs
	}
	v.mu.Unlock()
	return docs, nil
}

// checkViews reads the shared epoch when the views are shared and last looked long enough ago.
func (s *Store) checkViews(ctx context.Context) error {
	v := &s.views
	if !v.shared {
		return nil
	}
	v.mu.Lock()
	fresh := time.Since(v.checked) < v.recheck
	v.mu.Unlock()
	if fresh {
		return nil
	}
	return s.readEpoch(ctx)
}

// FreshViews reads the shared epoch now, when the views are shared: what another instance
// changed (an account disabled) is seen by the next read of a view. One read, for writes.
func (s *Store) FreshViews(ctx context.Context) error {
	if !s.views.shared {
		return nil
	}
	return s.readEpoch(ctx)
}

func (s *Store) readEpoch(ctx context.Context) error {
	v := &s.views
	at := time.Now()
	var d struct {
		N int64 `bson:"n"`
	}
	err := s.db.Collection("counters").FindOne(ctx, bson.D{{Key: "_id", Value: "views"}}).Decode(&d)
	if err != nil && !errors.Is(err, mongo.ErrNoDocuments) {
		return mapErr(err, "views")
	}
	v.mu.Lock()
	if d.N != v.epoch {
		v.docs, v.epoch = nil, d.N
		v.gen++
	}
	if at.After(v.checked) {
		v.checked = at
	}
	v.mu.Unlock()
	return nil
}

// viewsChanged empties the views after a write to a viewed collection, whether the write took
// or not (a write that timed out may have), and tells the other instances.
func (s *Store) viewsChanged(ctx context.Context) {
	v := &s.views
	v.mu.Lock()
	v.docs = nil
	v.gen++
	v.mu.Unlock()
	if v.shared {
		// Best effort under the write's own context: were it lost, the other instances would
		// see the change only with the next one. Detached so that a write that timed out still
		// tells them.
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		_, _ = s.db.Collection("counters").UpdateOne(cctx, bson.D{{Key: "_id", Value: "views"}},
			bson.D{{Key: "$inc", Value: bson.D{{Key: "n", Value: int64(1)}}}}, options.UpdateOne().SetUpsert(true))
	}
}

// viewedOne is one document of a viewed collection by filter, decoded into a D and converted;
// NotFound as what when there is none (which the views keep too).
func viewedOne[D any, T any](ctx context.Context, s *Store, key string, c *mongo.Collection, filter bson.D, conv func(*D) T, what string) (T, error) {
	var zero T
	docs, err := s.viewed(ctx, key, func() ([]bson.Raw, error) {
		raw, err := c.FindOne(ctx, filter).Raw()
		if errors.Is(err, mongo.ErrNoDocuments) {
			return []bson.Raw{}, nil
		}
		if err != nil {
			return nil, err
		}
		return []bson.Raw{slices.Clone(raw)}, nil
	})
	if err != nil {
		return zero, mapErr(err, what)
	}
	if len(docs) == 0 {
		return zero, mapErr(mongo.ErrNoDocuments, what)
	}
	var d D
	if err := bson.Unmarshal(docs[0], &d); err != nil {
		return zero, mapErr(err, what)
	}
	return conv(&d), nil
}

// viewedAll is every document of a viewed collection matching filter, in _id order.
func viewedAll[D any, T any](ctx context.Context, s *Store, key string, c *mongo.Collection, filter bson.D, conv func(*D) T, what string) ([]T, error) {
	docs, err := s.viewed(ctx, key, func() ([]bson.Raw, error) {
		cur, err := c.Find(ctx, filter, options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}))
		if err != nil {
			return nil, err
		}
		defer cur.Close(ctx)
		out := []bson.Raw{}
		for cur.Next(ctx) {
			out = append(out, slices.Clone(cur.Current))
		}
		return out, cur.Err()
	})
	if err != nil {
		return nil, mapErr(err, what)
	}
	out := make([]T, len(docs))
	for i, raw := range docs {
		var d D
		if err := bson.Unmarshal(raw, &d); err != nil {
			return nil, mapErr(err, what)
		}
		out[i] = conv(&d)
	}
	return out, nil
}
