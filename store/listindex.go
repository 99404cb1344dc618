package store

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/btree"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/zhifa/zhifa/domain"
)

// listIndex keeps, in this process, what the lists of one collection filter on, sorted by id.
// The embedded FerretDB uses an index only for a filter that is exactly {_id}, so any other
// query scans and decodes the whole collection; with this index a list finds its page here and
// reads each object by _id. It is exact because the store makes every write and the embedded
// engine has no other clients (the premise of the store's per-document write locks too). It is
// rebuilt at start from the snapshot the last clean shutdown left, or by a scan.
type listIndex[E indexEntry] struct {
	coll   string
	proj   bson.D // the fields an entry is made of
	decode func(bson.Raw) (E, error)
	// scanFiles, when set, scans the embedded engine's SQLite file instead of the driver.
	scanFiles func(context.Context) ([]E, error)
	// format names the shape of the entries; a snapshot of another shape is not used.
	format string
	// terms, when set, are what an entry is searched by (searchindex.go); terms holds, per
	// term, the ids of the entries that have it.
	scope    func(*E) string
	terms    func(*E) []string
	postings map[string]*posting
	scopes   map[string]int // entries per scope
	// groups hold the entries apart as well, each by a key (an entry with the key "" is in no
	// group), so that inGroup walks a group instead of the whole index: a user's notifications,
	// those whose push is pending, of all ever made.
	groups map[string]*grouping[E]

	mu      sync.RWMutex
	entries *btree.BTreeG[keyed[E]] // by id: a sorted slice cost a memmove of the index per new case with a client-chosen id
	ready   chan struct{}
	err     error // why the build failed; set before ready closes
	built   IndexBuild
	// saved is set once the snapshot is written: a write after it would be missing from the
	// snapshot, so it takes the snapshot away and the next start scans.
	saved atomic.Bool
}

// indexEntry is what a listIndex holds of one object. Entries are JSON in the snapshot.
type indexEntry interface {
	entryID() string
	entryVersion() int64
}

// IndexBuild says how a collection's list index was built.
type IndexBuild struct {
	Collection string
	From       string // "snapshot" or "scan"
	Entries    int
	Took       time.Duration
}

// keyed is an entry under its id, so that the tree can be searched by an id alone.
type keyed[E indexEntry] struct {
	id string
	e  E
}

func byID[E indexEntry](a, b keyed[E]) bool { return a.id < b.id }

func newTree[E indexEntry]() *btree.BTreeG[keyed[E]] { return btree.NewG(32, byID[E]) }

func newListIndex[D any, E indexEntry](coll string, proj bson.D, conv func(*D) E) *listIndex[E] {
	return &listIndex[E]{coll: coll, proj: proj, entries: newTree[E](), ready: make(chan struct{}), decode: func(raw bson.Raw) (E, error) {
		var d D
		if err := bson.Unmarshal(raw, &d); err != nil {
			var zero E
			return zero, err
		}
		return conv(&d), nil
	}}
}

// put records e unless the index holds the object at a newer version, so a scan that read an
// object before a write landed cannot undo the write.
func (x *listIndex[E]) put(e E) {
	x.mu.Lock()
	defer x.mu.Unlock()
	k := keyed[E]{id: e.entryID(), e: e}
	if held, found := x.entries.Get(k); !found || held.e.entryVersion() < e.entryVersion() {
		if found {
			x.unpost(&held)
		}
		x.entries.ReplaceOrInsert(k)
		x.post(&k)
		x.regroup(k.id, &k.e)
	}
}

// grouping is one way of holding an index's entries apart: by key, then by id.
type grouping[E indexEntry] struct {
	key  func(*E) string
	held map[string]map[string]E
	of   map[string]string // id -> the key it is held under
}

// groupedBy makes the index hold its entries apart by key under name as well.
func (x *listIndex[E]) groupedBy(name string, key func(*E) string) *listIndex[E] {
	if x.groups == nil {
		x.groups = map[string]*grouping[E]{}
	}
	x.groups[name] = &grouping[E]{key: key, held: map[string]map[string]E{}, of: map[string]string{}}
	return x
}

// regroup files the entry e under id (nil: deleted) in every grouping; x.mu is held.
func (x *listIndex[E]) regroup(id string, e *E) {
	for _, g := range x.groups {
		g.file(id, e)
	}
}

func (g *grouping[E]) file(id string, e *E) {
	if was, ok := g.of[id]; ok {
		delete(g.held[was], id)
		if len(g.held[was]) == 0 {
			delete(g.held, was)
		}
		delete(g.of, id)
	}
	if e == nil {
		return
	}
	if k := g.key(e); k != "" {
		if g.held[k] == nil {
			g.held[k] = map[string]E{}
		}
		g.held[k][id], g.of[id] = *e, k
	}
}

// inGroup returns the entries of grouping name under key that match, in no order.
func (x *listIndex[E]) inGroup(name, key string, match func(*E) bool) []E {
	x.mu.RLock()
	defer x.mu.RUnlock()
	var out []E
	for _, e := range x.groups[name].held[key] {
		if match(&e) {
			out = append(out, e)
		}
	}
	return out
}

// eachInGroup calls fn with each entry of grouping name under key, in no order, holding the
// index's read lock: fn must be quick and must not use the index.
func (x *listIndex[E]) eachInGroup(name, key string, fn func(*E)) {
	x.mu.RLock()
	defer x.mu.RUnlock()
	for _, e := range x.groups[name].held[key] {
		fn(&e)
	}
}

// get returns the entry under id.
func (x *listIndex[E]) get(id string) (E, bool) {
	x.mu.RLock()
	defer x.mu.RUnlock()
	k, ok := x.entries.Get(keyed[E]{id: id})
	return k.e, ok
}

// removed drops the entry of an object deleted from the collection.
func (x *listIndex[E]) removed(db *mongo.Database, id string) {
	x.dropSnapshot(db)
	x.mu.Lock()
	defer x.mu.Unlock()
	if held, found := x.entries.Delete(keyed[E]{id: id}); found {
		x.unpost(&held)
		x.regroup(id, nil)
	}
}

// dropSnapshot takes the saved snapshot away once the index changed after it.
func (x *listIndex[E]) dropSnapshot(db *mongo.Database) {
	if x.saved.Load() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_, _ = db.Collection("list_index").DeleteOne(ctx, bson.D{{Key: "_id", Value: x.coll}})
	}
}

// replace swaps in a fresh build, keeping any entry at a newer version than the build read.
// Every entry held stays: objects are deleted only in the rare case readByID allows for.
func (x *listIndex[E]) replace(entries []E) {
	fresh := newTree[E]()
	for _, e := range entries {
		fresh.ReplaceOrInsert(keyed[E]{id: e.entryID(), e: e})
	}
	postings, scopes := x.postingsOf(fresh)
	groups := map[string]*grouping[E]{}
	for name, g := range x.groups {
		fg := &grouping[E]{key: g.key, held: map[string]map[string]E{}, of: map[string]string{}}
		fresh.Ascend(func(k keyed[E]) bool {
			fg.file(k.id, &k.e)
			return true
		})
		groups[name] = fg
	}
	x.mu.Lock()
	old := x.entries
	x.entries, x.postings, x.scopes = fresh, postings, scopes
	if x.groups != nil {
		x.groups = groups
	}
	x.mu.Unlock()
	old.Ascend(func(k keyed[E]) bool {
		x.put(k.e)
		return true
	})
}

// wait blocks until the index is built; Unavailable when ctx ends first or the build failed.
func (x *listIndex[E]) wait(ctx context.Context) error {
	select {
	case <-x.ready:
		if x.err != nil {
			return domain.Errorf(domain.Unavailable, "the %s list index could not be built", x.coll).With(nil, x.err)
		}
		return nil
	case <-ctx.Done():
		return domain.Errorf(domain.Unavailable, "the %s list index is still being built after a restart; try again shortly", x.coll).With(nil, ctx.Err())
	}
}

func (x *listIndex[E]) isReady() bool {
	select {
	case <-x.ready:
		return x.err == nil
	default:
		return false
	}
}

// page returns the ids of up to limit entries after the id after that match, and whether more
// follow.
func (x *listIndex[E]) page(match func(*E) bool, after string, limit int) ([]string, bool) {
	x.mu.RLock()
	defer x.mu.RUnlock()
	ids := make([]string, 0, limit)
	more := false
	x.entries.AscendGreaterOrEqual(keyed[E]{id: after}, func(k keyed[E]) bool {
		switch {
		case k.id == after || !match(&k.e):
			return true
		case len(ids) == limit:
			more = true
			return false
		}
		ids = append(ids, k.id)
		return true
	})
	return ids, more
}

// build fills the index from its snapshot or, without a usable one, by a scan.
func (x *listIndex[E]) build(ctx context.Context, db *mongo.Database) {
	start := time.Now()
	entries, err := x.takeSnapshot(ctx, db)
	from := "snapshot"
	if err == nil && entries == nil {
		from = "scan"
		entries, err = x.scan(ctx, db)
	}
	if err != nil {
		x.err = err
		close(x.ready)
		return
	}
	x.replace(entries)
	x.built = IndexBuild{Collection: x.coll, From: from, Entries: len(entries), Took: time.Since(start)}
	close(x.ready)
}

// fromFiles makes scans read the embedded engine's SQLite file: paths are the entry's fields
// and fromRow makes an entry of them.
func (x *listIndex[E]) fromFiles(emb *Embedded, dbName string, paths []string, fromRow func(*sqlRow) E) *listIndex[E] {
	if emb == nil {
		return x
	}
	x.scanFiles = func(ctx context.Context) ([]E, error) {
		var entries []E
		err := emb.scanFields(ctx, dbName, x.coll, paths, func(vals []sql.NullString) error {
			r := sqlRow{vals: vals}
			e := fromRow(&r)
			entries = append(entries, e)
			return r.err
		})
		return entries, err
	}
	return x
}

// scan reads the indexed fields of every object.
func (x *listIndex[E]) scan(ctx context.Context, db *mongo.Database) ([]E, error) {
	if x.scanFiles != nil {
		return x.scanFiles(ctx)
	}
	return x.scanDriver(ctx, db)
}

func (x *listIndex[E]) scanDriver(ctx context.Context, db *mongo.Database) ([]E, error) {
	cur, err := db.Collection(x.coll).Find(ctx, bson.D{}, options.Find().SetProjection(x.proj).SetBatchSize(1000))
	if err != nil {
		return nil, err
	}
	defer cur.Close(ctx)
	var entries []E
	for cur.Next(ctx) {
		e, err := x.decode(cur.Current)
		if err != nil {
			return nil, err
		}
		entries = append(entries, e)
	}
	if err := cur.Err(); err != nil {
		return nil, err
	}
	return entries, nil
}

// refresh rereads one object after a write whose outcome is unknown (a timeout, a dropped
// connection): it may have landed after all.
func (x *listIndex[E]) refresh(db *mongo.Database, id string) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	raw, err := db.Collection(x.coll).FindOne(ctx, bson.D{{Key: "_id", Value: id}}, options.FindOne().SetProjection(x.proj)).Raw()
	if err != nil {
		return
	}
	if e, err := x.decode(raw); err == nil {
		x.put(e)
	}
}

// wrote keeps the index in step with a write of e that returned err.
func (x *listIndex[E]) wrote(db *mongo.Database, e E, err error) {
	if x == nil {
		return
	}
	x.dropSnapshot(db)
	switch domain.ErrorCode(mapErr(err, x.coll)) {
	case "":
		x.put(e)
	case domain.Conflict, domain.NotFound, domain.Invalid:
	default:
		go x.refresh(db, e.entryID())
	}
}

// The snapshots live in the list_index collection: per indexed collection, chunks of JSON
// entries stored as binary values (one value each, which the engine decodes cheaply) and a
// head, written last, naming the chunks' generation. Starting takes the snapshot and deletes
// its head, so a crash before the next clean shutdown leaves none and the next start scans.
const snapshotChunk = 4 << 20

type snapshotHeadDoc struct {
	ID         string    `bson:"_id"`
	Generation string    `bson:"generation"`
	Format     string    `bson:"format,omitempty"`
	Chunks     int       `bson:"chunks"`
	Entries    int       `bson:"entries"`
	WrittenAt  time.Time `bson:"written_at"`
}

type snapshotChunkDoc struct {
	ID         string `bson:"_id"`
	Generation string `bson:"generation"`
	Entries    []byte `bson:"entries"`
}

func (x *listIndex[E]) chunkID(i int) string { return fmt.Sprintf("%s:%d", x.coll, i) }

// takeSnapshot reads and invalidates the snapshot; nil entries when there is none usable.
func (x *listIndex[E]) takeSnapshot(ctx context.Context, db *mongo.Database) ([]E, error) {
	c := db.Collection("list_index")
	var head snapshotHeadDoc
	if err := c.FindOne(ctx, bson.D{{Key: "_id", Value: x.coll}}).Decode(&head); err != nil {
		if errors.Is(err, mongo.ErrNoDocuments) {
			return nil, nil
		}
		return nil, err
	}
	if _, err := c.DeleteOne(ctx, bson.D{{Key: "_id", Value: x.coll}}); err != nil {
		return nil, err
	}
	if head.Format != x.format {
		return nil, nil
	}
	entries := make([]E, 0, head.Entries)
	for i := range head.Chunks {
		var chunk snapshotChunkDoc
		if err := c.FindOne(ctx, bson.D{{Key: "_id", Value: x.chunkID(i)}}).Decode(&chunk); err != nil {
			return nil, err
		}
		if chunk.Generation != head.Generation {
			return nil, nil
		}
		var part []E
		if err := json.Unmarshal(chunk.Entries, &part); err != nil {
			return nil, fmt.Errorf("%s index snapshot chunk %d: %w", x.coll, i, err)
		}
		entries = append(entries, part...)
	}
	if len(entries) != head.Entries {
		return nil, nil
	}
	return entries, nil
}

// writeSnapshot stores the index for the next start: chunks first, the head last.
func (x *listIndex[E]) writeSnapshot(ctx context.Context, db *mongo.Database) error {
	if !x.isReady() {
		return nil
	}
	// A clone is copy-on-write: taking one holds the lock for an instant, not for the encoding.
	x.mu.Lock()
	entries := x.entries.Clone()
	x.mu.Unlock()
	var chunks [][]byte
	var buf bytes.Buffer
	var err error
	entries.Ascend(func(k keyed[E]) bool {
		var b []byte
		if b, err = json.Marshal(k.e); err != nil {
			return false
		}
		if buf.Len() > 0 && buf.Len()+len(b) >= snapshotChunk {
			buf.WriteByte(']')
			chunks = append(chunks, bytes.Clone(buf.Bytes()))
			buf.Reset()
		}
		if buf.Len() == 0 {
			buf.WriteByte('[')
		} else {
			buf.WriteByte(',')
		}
		buf.Write(b)
		return true
	})
	if err != nil {
		return err
	}
	n := entries.Len()
	if buf.Len() > 0 {
		buf.WriteByte(']')
		chunks = append(chunks, buf.Bytes())
	}

	var g [8]byte
	_, _ = rand.Read(g[:])
	gen := hex.EncodeToString(g[:])
	c := db.Collection("list_index")
	upsert := options.Replace().SetUpsert(true)
	for i, b := range chunks {
		doc := snapshotChunkDoc{ID: x.chunkID(i), Generation: gen, Entries: b}
		if _, err := c.ReplaceOne(ctx, bson.D{{Key: "_id", Value: doc.ID}}, doc, upsert); err != nil {
			return err
		}
	}
	head := snapshotHeadDoc{ID: x.coll, Generation: gen, Format: x.format, Chunks: len(chunks), Entries: n, WrittenAt: time.Now().UTC()}
	_, err = c.ReplaceOne(ctx, bson.D{{Key: "_id", Value: head.ID}}, head, upsert)
	x.saved.Store(err == nil)
	return err
}

// listIndexes is the store's set of list indexes, kept on FerretDB only; on MongoDB they are
// nil and its own indexes serve the queries.
type listIndexes struct {
	cases         *listIndex[caseEntry]
	inspections   *listIndex[inspectionEntry]
	documents     *listIndex[documentEntry]
	devices       *listIndex[deviceEntry]
	notifications *listIndex[notificationEntry]
	stop          context.CancelFunc
	builds        sync.WaitGroup
	dropped       bool // the database is gone: leave no snapshots
}

type anyIndex interface {
	build(ctx context.Context, db *mongo.Database)
	wait(ctx context.Context) error
	writeSnapshot(ctx context.Context, db *mongo.Database) error
	rebuild(ctx context.Context, db *mongo.Database) (IndexBuild, error)
	builtAs() IndexBuild
}

func (x *listIndex[E]) builtAs() IndexBuild { return x.built }

// rebuild scans again and replaces the index.
func (x *listIndex[E]) rebuild(ctx context.Context, db *mongo.Database) (IndexBuild, error) {
	if err := x.wait(ctx); err != nil {
		return IndexBuild{}, err
	}
	start := time.Now()
	entries, err := x.scan(ctx, db)
	if err != nil {
		return IndexBuild{}, mapErr(err, x.coll)
	}
	x.replace(entries)
	return IndexBuild{Collection: x.coll, From: "scan", Entries: len(entries), Took: time.Since(start)}, nil
}

func (s *Store) indexList() []anyIndex {
	if s.idx.cases == nil {
		return nil
	}
	return []anyIndex{s.idx.cases, s.idx.inspections, s.idx.documents, s.idx.devices, s.idx.notifications}
}

// startIndexes builds the list indexes in the background.
func (s *Store) startIndexes() {
	name := s.db.Name()
	s.idx.cases = newListIndex("cases", caseEntryFields, caseEntryOf).fromFiles(s.files, name, caseEntryPaths, caseEntryOfRow).
		searchable(caseIndexFormat, caseScope, caseTerms).
		groupedBy("scored", func(e *caseEntry) string {
			if e.Score == nil {
				return ""
			}
			return e.Agency
		})
	s.idx.inspections = newListIndex("inspections", inspectionEntryFields, inspectionEntryOf).fromFiles(s.files, name, inspectionEntryPaths, inspectionEntryOfRow).
		searchable(inspectionIndexFormat, inspectionScope, inspectionTerms).
		groupedBy("enterprise", func(e *inspectionEntry) string { return e.USCC }).
		groupedBy("agency", func(e *inspectionEntry) string { return e.Agency })
	s.idx.documents = newListIndex("documents", documentEntryFields, documentEntryOf).fromFiles(s.files, name, documentEntryPaths, documentEntryOfRow).
		searchable(documentIndexFormat, documentScope, documentTerms).
		groupedBy("case", func(e *documentEntry) string { return e.CaseID })
	s.idx.devices = newListIndex("devices", deviceEntryFields, deviceEntryOf).fromFiles(s.files, name, deviceEntryPaths, deviceEntryOfRow).
		groupedBy("user", func(e *deviceEntry) string { return e.User })
	s.idx.notifications = newListIndex("notifications", notificationEntryFields, notificationEntryOf).fromFiles(s.files, name, notificationEntryPaths, notificationEntryOfRow).
		groupedBy("user", func(e *notificationEntry) string { return e.User }).
		groupedBy("push", func(e *notificationEntry) string {
			if e.Status == domain.PushPending {
				return "pending"
			}
			return ""
		})
	s.cases = newCaseCache()
	s.evidence = newEvidenceCache()
	s.reviewFiles = newDocCache(50_000)
	s.rounds = &heldRounds{byBody: map[string][]heldRound{}}
	s.tails = &changeTails{logs: map[string]*changeTail{}}
	s.events = newEventCache()
	var ctx context.Context
	ctx, s.idx.stop = context.WithCancel(context.Background())
	for _, x := range s.indexList() {
		s.idx.builds.Add(1)
		go func() {
			defer s.idx.builds.Done()
			x.build(ctx, s.db)
		}()
	}
}

// closeIndexes stops a build still running and leaves snapshots for the next start.
func (s *Store) closeIndexes(ctx context.Context) error {
	if s.idx.stop == nil {
		return nil
	}
	s.idx.stop()
	s.idx.builds.Wait()
	if s.idx.dropped {
		return nil
	}
	var errs []error
	for _, x := range s.indexList() {
		errs = append(errs, x.writeSnapshot(ctx, s.db))
	}
	return errors.Join(errs...)
}

// ListIndexes waits until the in-process list indexes are built and says how each was built.
// On MongoDB, which needs none, it returns none at once.
func (s *Store) ListIndexes(ctx context.Context) ([]IndexBuild, error) {
	var out []IndexBuild
	for _, x := range s.indexList() {
		if err := x.wait(ctx); err != nil {
			return nil, err
		}
		out = append(out, x.builtAs())
	}
	return out, nil
}

// RebuildListIndexes scans again and replaces the in-process list indexes, for objects written
// into the database by something other than this store (an import, a benchmark's bulk load).
func (s *Store) RebuildListIndexes(ctx context.Context) ([]IndexBuild, error) {
	var out []IndexBuild
	for _, x := range s.indexList() {
		b, err := x.rebuild(ctx, s.db)
		if err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	return out, nil
}

// indexedPage is one keyset page of a list: the index picks the ids, each object is read by _id.
func indexedPage[E indexEntry, D any, T any](ctx context.Context, x *listIndex[E], c *mongo.Collection, match func(*E) bool, p domain.Page, conv func(*D) T, what string, opts ...options.Lister[options.FindOneOptions]) ([]T, string, error) {
	ids, next, err := indexedIDs(ctx, x, match, p)
	if err != nil {
		return nil, "", err
	}
	out, err := readByID(ctx, c, ids, conv, what, opts...)
	return out, next, err
}

// indexedIDs is the ids of one keyset page of the objects the index holds, and the next
// cursor.
func indexedIDs[E indexEntry](ctx context.Context, x *listIndex[E], match func(*E) bool, p domain.Page) ([]string, string, error) {
	p = p.Normalize()
	after := ""
	if p.Cursor != "" {
		var err error
		if after, err = decodeCursor(p.Cursor); err != nil {
			return nil, "", err
		}
	}
	if err := x.wait(ctx); err != nil {
		return nil, "", err
	}
	ids, more := x.page(match, after, p.Limit)
	if !more {
		return ids, "", nil
	}
	return ids, encodeCursor(ids[len(ids)-1]), nil
}

// readByID reads the objects with ids, concurrently and in order, each by _id: the one lookup
// the embedded engine answers from an index. An object deleted since the index named it (a
// document taken back after its case write lost a race) is left out.
func readByID[D any, T any](ctx context.Context, c *mongo.Collection, ids []string, conv func(*D) T, what string, opts ...options.Lister[options.FindOneOptions]) ([]T, error) {
	const readers = 4
	out := make([]T, len(ids))
	errs := make([]error, len(ids))
	sem := make(chan struct{}, readers)
	var wg sync.WaitGroup
	for i, id := range ids {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			out[i], errs[i] = findOne(ctx, c, bson.D{{Key: "_id", Value: id}}, conv, what, opts...)
		}()
	}
	wg.Wait()
	kept := out[:0]
	for i, err := range errs {
		switch domain.ErrorCode(err) {
		case "":
			kept = append(kept, out[i])
		case domain.NotFound:
		default:
			return nil, err
		}
	}
	return kept, nil
}
