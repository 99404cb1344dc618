package store

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/zhifa/zhifa/domain"
)

// caseIndex keeps, in this process, what case lists filter and page on, sorted by id. The
// embedded FerretDB uses an index only for a filter that is exactly {_id}, so a filtered list
// would scan every case in the database; with this index a list reads only its own page, each
// case by _id. It is exact because the store writes every case and the embedded engine has no
// other clients. It is rebuilt at start from a snapshot the last clean shutdown left, or by
// scanning the cases when there is none.
type caseIndex struct {
	mu      sync.RWMutex
	entries []caseEntry // sorted by id
	ready   chan struct{}
	err     error // why the build failed; set before ready closes
	built   indexBuild
}

// caseEntry is one case as lists see it. Field names are short because a snapshot holds one
// entry per case.
type caseEntry struct {
	ID       string    `json:"i"`
	Agency   string    `json:"a"`
	Status   string    `json:"s"`
	USCC     string    `json:"u,omitempty"`
	Officers []string  `json:"o,omitempty"`
	Deadline time.Time `json:"d,omitzero"`
	Created  time.Time `json:"c"`
	Version  int64     `json:"v"`
}

// indexBuild says how the index was built, for the start-up log and the benchmark.
type indexBuild struct {
	From  string // "snapshot" or "scan"
	Cases int
	Took  time.Duration
}

func newCaseIndex() *caseIndex { return &caseIndex{ready: make(chan struct{})} }

func entryOf(d *caseDoc) caseEntry {
	return caseEntry{ID: d.ID, Agency: d.AgencyID, Status: d.Status, USCC: d.Party.USCC, Officers: d.OfficerIDs,
		Deadline: asStored(timeOf(d.Deadline)), Created: asStored(d.CreatedAt), Version: d.Version}
}

// asStored is t at the millisecond precision of a BSON date, so that the index compares times
// as the database does.
func asStored(t time.Time) time.Time { return t.UTC().Truncate(time.Millisecond) }

// put records e unless the index holds the case at a newer version, so a scan that read a case
// before a write landed cannot undo the write.
func (x *caseIndex) put(e caseEntry) {
	x.mu.Lock()
	defer x.mu.Unlock()
	i, found := slices.BinarySearchFunc(x.entries, e.ID, func(a caseEntry, id string) int { return strings.Compare(a.ID, id) })
	switch {
	case !found:
		x.entries = slices.Insert(x.entries, i, e)
	case x.entries[i].Version < e.Version:
		x.entries[i] = e
	}
}

// load fills the index with a build, sorted by id, and marks it ready.
func (x *caseIndex) load(entries []caseEntry, b indexBuild) {
	x.replace(entries)
	x.built = b
	close(x.ready)
}

// replace swaps in a fresh scan, keeping any entry at a newer version than the scan read (cases
// are never deleted, so every entry held stays).
func (x *caseIndex) replace(entries []caseEntry) {
	x.mu.Lock()
	old := x.entries
	x.entries = entries
	x.mu.Unlock()
	for _, e := range old {
		x.put(e)
	}
}

func (x *caseIndex) fail(err error) {
	x.err = err
	close(x.ready)
}

// wait blocks until the index is built; Unavailable when ctx ends first or the build failed.
func (x *caseIndex) wait(ctx context.Context) error {
	select {
	case <-x.ready:
		if x.err != nil {
			return &domain.Error{Code: domain.Unavailable, Message: "the case list index could not be built", Err: x.err}
		}
		return nil
	case <-ctx.Done():
		return &domain.Error{Code: domain.Unavailable, Message: "the case list index is still being built after a restart; try again shortly", Err: ctx.Err()}
	}
}

func (x *caseIndex) isReady() bool {
	select {
	case <-x.ready:
		return x.err == nil
	default:
		return false
	}
}

// match reports whether e passes f, with the meaning the database query gives f.
func (e *caseEntry) match(f domain.CaseFilter) bool {
	switch {
	case f.AgencyID != "" && e.Agency != f.AgencyID,
		f.Status != "" && e.Status != string(f.Status),
		f.OfficerID != "" && !slices.Contains(e.Officers, f.OfficerID),
		f.EnterpriseUSCC != "" && e.USCC != f.EnterpriseUSCC,
		!f.CreatedFrom.IsZero() && e.Created.Before(asStored(f.CreatedFrom)),
		!f.CreatedTo.IsZero() && !e.Created.Before(asStored(f.CreatedTo)):
		return false
	}
	if !f.OverdueAt.IsZero() {
		if f.Status == "" && !slices.Contains(domain.OpenStatuses, domain.CaseStatus(e.Status)) {
			return false
		}
		if e.Deadline.IsZero() || !e.Deadline.Before(asStored(f.OverdueAt)) {
			return false
		}
	}
	return true
}

// page returns the ids of up to limit cases after the id after that pass f, and whether more
// follow.
func (x *caseIndex) page(f domain.CaseFilter, after string, limit int) ([]string, bool) {
	x.mu.RLock()
	defer x.mu.RUnlock()
	i, found := slices.BinarySearchFunc(x.entries, after, func(a caseEntry, id string) int { return strings.Compare(a.ID, id) })
	if found {
		i++
	}
	ids := make([]string, 0, limit)
	for ; i < len(x.entries); i++ {
		if !x.entries[i].match(f) {
			continue
		}
		if len(ids) == limit {
			return ids, true
		}
		ids = append(ids, x.entries[i].ID)
	}
	return ids, false
}

// The snapshot lives in the case_index collection: chunks of JSON-encoded entries as binary
// values (one value each, so the engine decodes them cheaply), and a head naming the chunks'
// generation, written last. Opening the store takes the snapshot and deletes the head, so a
// crash before the next clean shutdown leaves none and the next start scans.
const (
	snapshotHead  = "snapshot"
	snapshotChunk = 4 << 20
)

type snapshotHeadDoc struct {
	ID         string    `bson:"_id"`
	Generation string    `bson:"generation"`
	Chunks     int       `bson:"chunks"`
	Cases      int       `bson:"cases"`
	WrittenAt  time.Time `bson:"written_at"`
}

type snapshotChunkDoc struct {
	ID         string `bson:"_id"`
	Generation string `bson:"generation"`
	Entries    []byte `bson:"entries"`
}

func chunkID(i int) string { return fmt.Sprintf("%s:%d", snapshotHead, i) }

// buildCaseIndex fills the index from the snapshot or, without a usable one, from the cases.
func (s *Store) buildCaseIndex(ctx context.Context) {
	start := time.Now()
	entries, err := s.takeSnapshot(ctx)
	from := "snapshot"
	if err == nil && entries == nil {
		from = "scan"
		entries, err = s.scanCases(ctx)
	}
	if err != nil {
		s.cases.fail(err)
		return
	}
	s.cases.load(entries, indexBuild{From: from, Cases: len(entries), Took: time.Since(start)})
}

// takeSnapshot reads and invalidates the snapshot; nil entries when there is none.
func (s *Store) takeSnapshot(ctx context.Context) ([]caseEntry, error) {
	c := s.db.Collection("case_index")
	var head snapshotHeadDoc
	if err := c.FindOne(ctx, bson.D{{Key: "_id", Value: snapshotHead}}).Decode(&head); err != nil {
		if errors.Is(err, mongo.ErrNoDocuments) {
			return nil, nil
		}
		return nil, err
	}
	if _, err := c.DeleteOne(ctx, bson.D{{Key: "_id", Value: snapshotHead}}); err != nil {
		return nil, err
	}
	entries := make([]caseEntry, 0, head.Cases)
	for i := range head.Chunks {
		var chunk snapshotChunkDoc
		if err := c.FindOne(ctx, bson.D{{Key: "_id", Value: chunkID(i)}}).Decode(&chunk); err != nil {
			return nil, err
		}
		if chunk.Generation != head.Generation {
			return nil, nil
		}
		var part []caseEntry
		if err := json.Unmarshal(chunk.Entries, &part); err != nil {
			return nil, fmt.Errorf("case index snapshot chunk %d: %w", i, err)
		}
		entries = append(entries, part...)
	}
	if len(entries) != head.Cases || !slices.IsSortedFunc(entries, func(a, b caseEntry) int { return strings.Compare(a.ID, b.ID) }) {
		return nil, nil
	}
	return entries, nil
}

// scanCases reads what the index needs of every case.
func (s *Store) scanCases(ctx context.Context) ([]caseEntry, error) {
	proj := bson.D{{Key: "agency_id", Value: 1}, {Key: "status", Value: 1}, {Key: "party.uscc", Value: 1}, {Key: "officer_ids", Value: 1},
		{Key: "deadline", Value: 1}, {Key: "created_at", Value: 1}, {Key: "version", Value: 1}}
	cur, err := s.db.Collection("cases").Find(ctx, bson.D{}, options.Find().SetProjection(proj).SetBatchSize(1000))
	if err != nil {
		return nil, err
	}
	defer cur.Close(ctx)
	var entries []caseEntry
	for cur.Next(ctx) {
		var d caseDoc
		if err := cur.Decode(&d); err != nil {
			return nil, err
		}
		entries = append(entries, entryOf(&d))
	}
	if err := cur.Err(); err != nil {
		return nil, err
	}
	slices.SortFunc(entries, func(a, b caseEntry) int { return strings.Compare(a.ID, b.ID) })
	return entries, nil
}

// writeSnapshot stores the index for the next start; chunks first, the head last.
func (s *Store) writeSnapshot(ctx context.Context) error {
	if !s.cases.isReady() {
		return nil
	}
	s.cases.mu.RLock()
	var chunks [][]byte
	var buf bytes.Buffer
	flush := func() {
		buf.WriteByte(']')
		chunks = append(chunks, bytes.Clone(buf.Bytes()))
		buf.Reset()
	}
	for i := range s.cases.entries {
		b, err := json.Marshal(&s.cases.entries[i])
		if err != nil {
			s.cases.mu.RUnlock()
			return err
		}
		if buf.Len() > 0 && buf.Len()+len(b) > snapshotChunk {
			flush()
		}
		if buf.Len() == 0 {
			buf.WriteByte('[')
		} else {
			buf.WriteByte(',')
		}
		buf.Write(b)
	}
	if buf.Len() > 0 {
		flush()
	}
	n := len(s.cases.entries)
	s.cases.mu.RUnlock()

	var g [8]byte
	_, _ = rand.Read(g[:])
	gen := hex.EncodeToString(g[:])
	c := s.db.Collection("case_index")
	upsert := options.Replace().SetUpsert(true)
	for i, b := range chunks {
		if _, err := c.ReplaceOne(ctx, bson.D{{Key: "_id", Value: chunkID(i)}}, snapshotChunkDoc{ID: chunkID(i), Generation: gen, Entries: b}, upsert); err != nil {
			return err
		}
	}
	head := snapshotHeadDoc{ID: snapshotHead, Generation: gen, Chunks: len(chunks), Cases: n, WrittenAt: time.Now().UTC()}
	_, err := c.ReplaceOne(ctx, bson.D{{Key: "_id", Value: snapshotHead}}, head, upsert)
	return err
}

// RebuildCaseIndex scans the cases again and replaces the in-process index, for cases written
// into the database by something other than this store (an import, a benchmark's bulk load).
// It returns the number of cases and the time the scan took; on MongoDB it does nothing.
func (s *Store) RebuildCaseIndex(ctx context.Context) (int, time.Duration, error) {
	if s.cases == nil {
		return 0, 0, nil
	}
	if err := s.cases.wait(ctx); err != nil {
		return 0, 0, err
	}
	start := time.Now()
	entries, err := s.scanCases(ctx)
	if err != nil {
		return 0, 0, mapErr(err, "cases")
	}
	s.cases.replace(entries)
	return len(entries), time.Since(start), nil
}

// refreshCase rereads one case into the index after a write whose outcome is unknown.
func (s *Store) refreshCase(id string) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var d caseDoc
	if err := s.db.Collection("cases").FindOne(ctx, bson.D{{Key: "_id", Value: id}}, options.FindOne().SetProjection(bson.D{{Key: "events", Value: 0}})).Decode(&d); err == nil {
		s.cases.put(entryOf(&d))
	}
}
