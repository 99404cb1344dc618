// Package store keeps Zhifa's documents in MongoDB, or in an embedded FerretDB when no
// MongoDB URI is configured. It returns domain errors, never driver errors.
package store

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"net"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/zhifa/zhifa/domain"
)

// Config says where the documents live.
type Config struct {
	// URI of a MongoDB deployment; empty starts the embedded engine under DataDir.
	URI      string
	Database string
	DataDir  string
	// FullSync: see EmbeddedOptions.
	FullSync bool
	Logger   *slog.Logger
}

// Store is the MongoDB-backed implementation of the domain's storage ports.
type Store struct {
	client   *mongo.Client
	db       *mongo.Database
	embedded *Embedded
	engine   string
	// serialWrites is set on FerretDB, whose updates and findAndModify read and then write
	// without a transaction: two conditional writes racing on one document can both match.
	// Conditional writes then hold a lock per document in this process, which suffices because
	// the embedded engine has no other clients.
	serialWrites bool
	locks        [64]sync.Mutex
	idx          listIndexes
	// pushes holds the embedded engine's push claims, in this process (see ClaimPushes).
	pushes pushClaims
	// version numbers the writes of objects whose index entries have no version of their own.
	version atomic.Int64
	// files is the embedded engine this store's database lives in, for what is faster done on
	// its SQLite files; nil when connected by URI.
	files *Embedded
	// commands counts what the store sends to the engine (commands.go).
	commands commandCounts
	// cases holds the latest state of recent cases, on the embedded engine only (casecache.go).
	cases *caseCache
	// evidence holds recent evidence, on the embedded engine only (evidencecache.go).
	evidence *evidenceCache
	// numbers are the change numbers reserved in blocks (changes.go).
	numbers changeNumbers
	// reviewFiles holds recent review files, on the embedded engine only (doccache.go).
	reviewFiles *docCache
	// rounds holds the bodies' review rounds once listed, on the embedded engine only
	// (reviews.go).
	rounds *heldRounds
	// events holds recent events, on the embedded engine only (eventcache.go).
	events *eventCache
	// tails holds the change logs read since the start, on the embedded engine only
	// (changetail.go).
	tails *changeTails
	// track is what the process knows of its own change-log writes (changetrack.go).
	track changeTrack
	// views hold what every action reads and hardly anything writes (views.go).
	views views
}

// Open connects to MongoDB, or starts the embedded engine, and creates the indexes.
func Open(ctx context.Context, cfg Config) (*Store, error) {
	uri, engine := cfg.URI, "mongodb"
	var emb *Embedded
	if uri == "" {
		var err error
		emb, err = StartEmbeddedWith(ctx, cfg.DataDir, cfg.Logger, EmbeddedOptions{FullSync: cfg.FullSync})
		if err != nil {
			return nil, err
		}
		uri, engine = emb.URI(), "ferretdb-embedded"
	}
	var s *Store
	var err error
	if emb != nil {
		s, err = emb.Connect(ctx, cfg.Database)
	} else {
		s, err = Connect(ctx, uri, cfg.Database)
	}
	if err != nil {
		if emb != nil {
			emb.Close()
		}
		return nil, err
	}
	s.embedded, s.engine = emb, engine
	return s, nil
}

// Connect opens database name at uri and makes sure its indexes exist.
func Connect(ctx context.Context, uri, name string) (*Store, error) {
	return connect(ctx, uri, name, nil, false)
}

// connect is Connect, with the embedded engine's files when emb is not nil.
func connect(ctx context.Context, uri, name string, emb *Embedded, asMongoDB bool) (*Store, error) {
	s := &Store{engine: "mongodb"}
	client, err := mongo.Connect(options.Client().ApplyURI(uri).SetAppName("zhifa").SetMonitor(s.commands.monitor()))
	if err != nil {
		return nil, fmt.Errorf("connect to %s: %w", redactURI(uri), err)
	}
	s.client, s.db = client, client.Database(name)
	if err := s.Ping(ctx); err != nil {
		_ = client.Disconnect(context.Background())
		return nil, err
	}
	var info bson.M
	if err := s.db.RunCommand(ctx, bson.D{{Key: "buildInfo", Value: 1}}).Decode(&info); err == nil {
		_, s.serialWrites = info["ferretdbVersion"]
		s.serialWrites = s.serialWrites && !asMongoDB
	}
	if err := s.ensureIndexes(ctx); err != nil {
		_ = client.Disconnect(context.Background())
		return nil, err
	}
	if err := s.lowerUsernames(ctx); err != nil {
		_ = client.Disconnect(context.Background())
		return nil, fmt.Errorf("usernames to lower case: %w", err)
	}
	if err := s.placeAgencies(ctx); err != nil {
		_ = client.Disconnect(context.Background())
		return nil, fmt.Errorf("agencies into the jurisdiction tree: %w", err)
	}
	if !s.serialWrites {
		if err := s.fillCaseSearchFields(ctx); err != nil {
			_ = client.Disconnect(context.Background())
			return nil, fmt.Errorf("search fields of cases: %w", err)
		}
	}
	if emb != nil {
		if err := emb.IndexIDs(ctx, name); err != nil {
			_ = client.Disconnect(context.Background())
			return nil, err
		}
		s.files = emb
	}
	if s.serialWrites {
		s.startIndexes()
	}
	s.views.shared, s.views.recheck = !s.serialWrites, viewRecheck
	return s, nil
}

// Engine names the document engine in use, for the start-up log and /readyz.
func (s *Store) Engine() string { return s.engine }

// Ping reports whether the database answers; Unavailable when it does not.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.db.RunCommand(ctx, bson.D{{Key: "ping", Value: 1}}).Err(); err != nil {
		return &domain.Error{Code: domain.Unavailable, Message: "the document store does not answer", Err: err}
	}
	return nil
}

// Drop removes the whole database; tests use it to clean up. Close then leaves no snapshots.
func (s *Store) Drop(ctx context.Context) error {
	if s.idx.stop != nil {
		s.idx.stop()
		s.idx.builds.Wait()
		s.idx.dropped = true
	}
	return s.db.Drop(ctx)
}

// Close leaves snapshots of the list indexes for the next start, disconnects and stops the
// embedded engine, if any. Call it after the last request has finished.
func (s *Store) Close(ctx context.Context) error {
	err := errors.Join(s.closeIndexes(ctx), s.client.Disconnect(ctx))
	if s.embedded != nil {
		s.embedded.Close()
	}
	return err
}

func (s *Store) ensureIndexes(ctx context.Context) error {
	idx := map[string][]mongo.IndexModel{
		"adjustments": {
			{Keys: bson.D{{Key: "key", Value: 1}}, Options: options.Index().SetUnique(true).SetName("key_unique")},
			{Keys: bson.D{{Key: "agency_id", Value: 1}, {Key: "_id", Value: 1}}, Options: options.Index().SetName("agency_id")},
		},
		"users": {
			{Keys: bson.D{{Key: "username", Value: 1}}, Options: options.Index().SetUnique(true).SetName("username_unique")},
			{Keys: bson.D{{Key: "agency_id", Value: 1}, {Key: "_id", Value: 1}}, Options: options.Index().SetName("agency_id")},
			{Keys: bson.D{{Key: "certificate_no", Value: 1}}, Options: options.Index().SetName("certificate_no")},
		},
		"feedback": {
			{Keys: bson.D{{Key: "agency_id", Value: 1}, {Key: "created_at", Value: -1}, {Key: "_id", Value: -1}}, Options: options.Index().SetName("agency_created")},
			{Keys: bson.D{{Key: "card_code", Value: 1}}, Options: options.Index().SetName("card_code")},
		},
		"cards": {
			{Keys: bson.D{{Key: "agency_id", Value: 1}}, Options: options.Index().SetName("agency_id")},
			{Keys: bson.D{{Key: "case_id", Value: 1}, {Key: "issued_at", Value: -1}}, Options: options.Index().SetName("case_issued")},
		},
		"regions": {
			{Keys: bson.D{{Key: "parent_id", Value: 1}, {Key: "name", Value: 1}}, Options: options.Index().SetUnique(true).SetName("parent_name_unique")},
		},
		"agencies": {
			{Keys: bson.D{{Key: "region_path", Value: 1}, {Key: "_id", Value: 1}}, Options: options.Index().SetName("region_path")},
			{Keys: bson.D{{Key: "uscc", Value: 1}}, Options: options.Index().SetUnique(true).SetName("uscc_unique")},
			{Keys: bson.D{{Key: "status", Value: 1}, {Key: "_id", Value: 1}}, Options: options.Index().SetName("status")},
		},
		"certificates": {
			{Keys: bson.D{{Key: "officer_id", Value: 1}}, Options: options.Index().SetName("officer_id")},
		},
		"training": {
			{Keys: bson.D{{Key: "officer_id", Value: 1}, {Key: "year", Value: 1}}, Options: options.Index().SetName("officer_year")},
			{Keys: bson.D{{Key: "agency_id", Value: 1}, {Key: "year", Value: 1}}, Options: options.Index().SetName("agency_year")},
		},
		"matters": {
			{Keys: bson.D{{Key: "agency_id", Value: 1}, {Key: "code", Value: 1}}, Options: options.Index().SetUnique(true).SetName("agency_code_unique")},
		},
		"benchmarks": {
			{Keys: bson.D{{Key: "matter_id", Value: 1}}, Options: options.Index().SetUnique(true).SetName("matter_unique")},
			{Keys: bson.D{{Key: "agency_id", Value: 1}, {Key: "_id", Value: 1}}, Options: options.Index().SetName("agency_id")},
		},
		"review_rules": {
			{Keys: bson.D{{Key: "agency_id", Value: 1}}, Options: options.Index().SetName("agency_id")},
		},
		"cases": {
			{Keys: bson.D{{Key: "agency_id", Value: 1}, {Key: "_id", Value: 1}}, Options: options.Index().SetName("agency_id")},
			{Keys: bson.D{{Key: "agency_id", Value: 1}, {Key: "status", Value: 1}, {Key: "_id", Value: 1}}, Options: options.Index().SetName("agency_status")},
			// The scorecard's decisions of a period (ScoredCases).
			{Keys: bson.D{{Key: "agency_id", Value: 1}, {Key: "decided_at", Value: 1}}, Options: options.Index().SetName("agency_decided")},
			{Keys: bson.D{{Key: "agency_id", Value: 1}, {Key: "served_at", Value: 1}}, Options: options.Index().SetName("agency_served")},
			{Keys: bson.D{{Key: "officer_ids", Value: 1}}, Options: options.Index().SetName("officer_ids")},
			{Keys: bson.D{{Key: "party.uscc", Value: 1}}, Options: options.Index().SetName("party_uscc")},
			{Keys: bson.D{{Key: "agency_id", Value: 1}, {Key: "number", Value: 1}, {Key: "_id", Value: 1}}, Options: options.Index().SetName("agency_number")},
			{Keys: bson.D{{Key: "agency_id", Value: 1}, {Key: "party.id_hash", Value: 1}, {Key: "_id", Value: 1}}, Options: options.Index().SetName("agency_party_id_hash")},
			{Keys: bson.D{{Key: "agency_id", Value: 1}, {Key: "party.name_grams", Value: 1}, {Key: "_id", Value: 1}}, Options: options.Index().SetName("agency_party_name_grams")},
			// A sysadmin's search of every agency.
			{Keys: bson.D{{Key: "number", Value: 1}, {Key: "_id", Value: 1}}, Options: options.Index().SetName("number")},
			{Keys: bson.D{{Key: "party.id_hash", Value: 1}, {Key: "_id", Value: 1}}, Options: options.Index().SetName("party_id_hash")},
			{Keys: bson.D{{Key: "party.name_grams", Value: 1}, {Key: "_id", Value: 1}}, Options: options.Index().SetName("party_name_grams")},
			{Keys: bson.D{{Key: "deadline", Value: 1}}, Options: options.Index().SetName("deadline")},
			// The supervision sweep reads the cases of each deadline's status across agencies.
			{Keys: bson.D{{Key: "status", Value: 1}, {Key: "_id", Value: 1}}, Options: options.Index().SetName("status")},
		},
		"documents": {
			{Keys: bson.D{{Key: "case_id", Value: 1}, {Key: "kind", Value: 1}, {Key: "version", Value: 1}}, Options: options.Index().SetUnique(true).SetName("case_kind_version_unique")},
			{Keys: bson.D{{Key: "agency_id", Value: 1}, {Key: "fields.number", Value: 1}}, Options: options.Index().SetName("agency_number")},
		},
		"changes": {
			{Keys: bson.D{{Key: "agency_id", Value: 1}, {Key: "seq", Value: 1}}, Options: options.Index().SetUnique(true).SetName("agency_seq_unique")},
		},
		"limits": {
			{Keys: bson.D{{Key: "until", Value: 1}}, Options: options.Index().SetName("until")},
		},
		"idempotency": {
			{Keys: bson.D{{Key: "expires_at", Value: 1}}, Options: options.Index().SetName("expires_at")},
		},
		"inspections": {
			{Keys: bson.D{{Key: "agency_id", Value: 1}, {Key: "_id", Value: 1}}, Options: options.Index().SetName("agency_id")},
			{Keys: bson.D{{Key: "enterprise_uscc", Value: 1}, {Key: "planned_on", Value: 1}}, Options: options.Index().SetName("enterprise_planned")},
			{Keys: bson.D{{Key: "agency_id", Value: 1}, {Key: "enterprise_uscc", Value: 1}, {Key: "_id", Value: 1}}, Options: options.Index().SetName("agency_enterprise")},
			{Keys: bson.D{{Key: "agency_id", Value: 1}, {Key: "officer_ids", Value: 1}, {Key: "_id", Value: 1}}, Options: options.Index().SetName("agency_officer")},
			{Keys: bson.D{{Key: "agency_id", Value: 1}, {Key: "status", Value: 1}, {Key: "_id", Value: 1}}, Options: options.Index().SetName("agency_status")},
		},
		"evidence": {
			{Keys: bson.D{{Key: "case_id", Value: 1}, {Key: "_id", Value: 1}}, Options: options.Index().SetName("case_id")},
			{Keys: bson.D{{Key: "inspection_id", Value: 1}, {Key: "_id", Value: 1}}, Options: options.Index().SetName("inspection_id")},
		},
		"evidence_access": {
			{Keys: bson.D{{Key: "evidence_id", Value: 1}, {Key: "_id", Value: 1}}, Options: options.Index().SetName("evidence_id")},
		},
		"supervisor_reads": {
			{Keys: bson.D{{Key: "agency_id", Value: 1}, {Key: "_id", Value: 1}}, Options: options.Index().SetName("agency_id")},
			{Keys: bson.D{{Key: "body_id", Value: 1}, {Key: "_id", Value: 1}}, Options: options.Index().SetName("body_id")},
			{Keys: bson.D{{Key: "case_id", Value: 1}, {Key: "_id", Value: 1}}, Options: options.Index().SetName("case_id")},
		},
		"uploads": {
			{Keys: bson.D{{Key: "expires_at", Value: 1}}, Options: options.Index().SetName("expires_at")},
			{Keys: bson.D{{Key: "status", Value: 1}, {Key: "updated_at", Value: 1}}, Options: options.Index().SetName("status_updated")},
			{Keys: bson.D{{Key: "evidence_id", Value: 1}}, Options: options.Index().SetName("evidence_id")},
			{Keys: bson.D{{Key: "user_id", Value: 1}}, Options: options.Index().SetName("user_id")},
		},
		"devices": {
			{Keys: bson.D{{Key: "user_id", Value: 1}}, Options: options.Index().SetName("user_id")},
		},
		"notifications": {
			{Keys: bson.D{{Key: "user_id", Value: 1}, {Key: "rank", Value: -1}}, Options: options.Index().SetName("user_rank")},
			{Keys: bson.D{{Key: "user_id", Value: 1}, {Key: "seq", Value: 1}}, Options: options.Index().SetName("user_seq")},
			{Keys: bson.D{{Key: "push.status", Value: 1}, {Key: "push.next_attempt", Value: 1}}, Options: options.Index().SetName("push_due")},
		},
		"refresh_tokens": {
			{Keys: bson.D{{Key: "family_id", Value: 1}}, Options: options.Index().SetName("family_id")},
			{Keys: bson.D{{Key: "user_id", Value: 1}}, Options: options.Index().SetName("user_id")},
		},
		"enterprises": {
			{Keys: bson.D{{Key: "uscc_key", Value: 1}}, Options: options.Index().SetUnique(true).SetName("uscc_key_unique")},
			{Keys: bson.D{{Key: "uscc", Value: 1}, {Key: "_id", Value: 1}}, Options: options.Index().SetName("uscc")},
			{Keys: bson.D{{Key: "region_path", Value: 1}, {Key: "_id", Value: 1}}, Options: options.Index().SetName("region_path")},
		},
		"callbacks": {
			{Keys: bson.D{{Key: "agency_id", Value: 1}, {Key: "_id", Value: 1}}, Options: options.Index().SetName("agency_id")},
			{Keys: bson.D{{Key: "notified", Value: 1}, {Key: "due_at", Value: 1}}, Options: options.Index().SetName("notified_due")},
		},
		"directory": {
			{Keys: bson.D{{Key: "region_path", Value: 1}, {Key: "_id", Value: 1}}, Options: options.Index().SetName("region_path")},
		},
		"publications": {
			{Keys: bson.D{{Key: "published_at", Value: -1}, {Key: "_id", Value: -1}}, Options: options.Index().SetName("published")},
			{Keys: bson.D{{Key: "document_hash", Value: 1}}, Options: options.Index().SetName("document_hash")},
		},
		"review_rounds": {
			{Keys: bson.D{{Key: "body_id", Value: 1}, {Key: "_id", Value: 1}}, Options: options.Index().SetName("body_id")},
			{Keys: bson.D{{Key: "status", Value: 1}, {Key: "_id", Value: 1}}, Options: options.Index().SetName("status")},
		},
		"review_files": {
			{Keys: bson.D{{Key: "round_id", Value: 1}, {Key: "_id", Value: 1}}, Options: options.Index().SetName("round_id")},
		},
		"problems": {
			{Keys: bson.D{{Key: "agency_id", Value: 1}, {Key: "_id", Value: 1}}, Options: options.Index().SetName("agency_id")},
		},
		"draws": {
			{Keys: bson.D{{Key: "agency_id", Value: 1}, {Key: "_id", Value: 1}}, Options: options.Index().SetName("agency_id")},
		},
		"warnings": {
			{Keys: bson.D{{Key: "agency_id", Value: 1}, {Key: "deadline", Value: 1}, {Key: "_id", Value: 1}}, Options: options.Index().SetName("agency_deadline")},
			{Keys: bson.D{{Key: "alert_at", Value: 1}}, Options: options.Index().SetName("alert_at")},
		},
		"orders": {
			{Keys: bson.D{{Key: "agency_id", Value: 1}, {Key: "_id", Value: 1}}, Options: options.Index().SetName("agency_id")},
			{Keys: bson.D{{Key: "body_id", Value: 1}, {Key: "_id", Value: 1}}, Options: options.Index().SetName("body_id")},
			{Keys: bson.D{{Key: "status", Value: 1}, {Key: "_id", Value: 1}}, Options: options.Index().SetName("status")},
		},
		"complaints": {
			{Keys: bson.D{{Key: "agency_id", Value: 1}, {Key: "_id", Value: 1}}, Options: options.Index().SetName("agency_id")},
			{Keys: bson.D{{Key: "enterprise_id", Value: 1}, {Key: "_id", Value: 1}}, Options: options.Index().SetName("enterprise_id")},
			{Keys: bson.D{{Key: "open", Value: 1}}, Options: options.Index().SetName("open")},
		},
	}
	// One index per command: FerretDB 1.24 panics when a createIndexes command names several
	// indexes of which more than one exists already.
	for coll, models := range idx {
		for _, m := range models {
			if _, err := s.db.Collection(coll).Indexes().CreateOne(ctx, m); err != nil {
				return fmt.Errorf("create index on %s: %w", coll, err)
			}
		}
	}
	// The collections without secondary indexes are created now too, so that every collection
	// exists before the embedded engine's _id indexes are made (Embedded.IndexIDs).
	have, err := s.db.ListCollectionNames(ctx, bson.D{})
	if err != nil {
		return fmt.Errorf("list collections: %w", err)
	}
	for _, coll := range []string{"counters", "list_index", "case_events", "notify_cursors", "rubrics", "leases"} {
		if !slices.Contains(have, coll) {
			if err := s.db.CreateCollection(ctx, coll); err != nil {
				return fmt.Errorf("create collection %s: %w", coll, err)
			}
		}
	}
	return nil
}

// timeRange is the filter value of from <= t < to (either end may be zero: open); nil when
// both are.
func timeRange(from, to time.Time) bson.D {
	var r bson.D
	if !from.IsZero() {
		r = append(r, bson.E{Key: "$gte", Value: from})
	}
	if !to.IsZero() {
		r = append(r, bson.E{Key: "$lt", Value: to})
	}
	return r
}

// serialize runs a conditional write holding the lock for key where the engine needs it.
func (s *Store) serialize(key string, fn func() error) error {
	if !s.serialWrites {
		return fn()
	}
	h := fnv.New32a()
	h.Write([]byte(key))
	m := &s.locks[h.Sum32()%uint32(len(s.locks))]
	m.Lock()
	defer m.Unlock()
	return fn()
}

// newID returns a new opaque id that sorts by creation time, for keyset paging.
func newID() string { return bson.NewObjectID().Hex() }

// mapErr turns a driver error into a domain error; what names the object for NotFound.
func mapErr(err error, what string) error {
	var de *domain.Error
	switch {
	case err == nil:
		return nil
	case errors.As(err, &de):
		return err
	case errors.Is(err, mongo.ErrNoDocuments):
		return domain.Errorf(domain.NotFound, "%s not found", what)
	case mongo.IsDuplicateKeyError(err):
		e := domain.Errorf(domain.Conflict, "%s already exists", what)
		e.Err = err
		return e
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled),
		errors.Is(err, mongo.ErrClientDisconnected), mongo.IsTimeout(err), mongo.IsNetworkError(err):
		return &domain.Error{Code: domain.Unavailable, Message: "the document store did not answer in time", Err: err}
	}
	if busy(err) {
		return &domain.Error{Code: domain.Unavailable, Message: "the document store is busy", Err: err}
	}
	var ne net.Error
	if errors.As(err, &ne) {
		return &domain.Error{Code: domain.Unavailable, Message: "the document store is unreachable", Err: err}
	}
	return &domain.Error{Code: domain.Internal, Message: "document store error", Err: err}
}

// busy tells a write refused for contention and not applied: SQLite's lock or interrupt under
// the embedded engine, a write conflict or transient transaction error on MongoDB. Retrying it
// is safe.
func busy(err error) bool {
	var se mongo.ServerError
	if errors.As(err, &se) && (se.HasErrorCode(112) || se.HasErrorLabel("TransientTransactionError")) {
		return true
	}
	msg := err.Error()
	// SQLite's interrupt (code 9) rolls the statement back: the write was not applied.
	return strings.Contains(msg, "SQLITE_BUSY") || strings.Contains(msg, "database is locked") || strings.Contains(msg, "interrupted (9)")
}

// encodeCursor and decodeCursor keep keyset cursors opaque to clients.
func encodeCursor(lastID string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(lastID))
}

func decodeCursor(c string) (string, error) {
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil || len(b) == 0 || len(b) > 64 || strings.IndexFunc(string(b), func(r rune) bool {
		return !(r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r == '-' || r == '_')
	}) >= 0 {
		return "", &domain.Error{Code: domain.Invalid, Message: "the cursor is not valid", Fields: map[string]string{"cursor": "not a cursor this server issued"}}
	}
	return string(b), nil
}

// page runs a keyset query on _id ascending and returns the items and the next cursor.
func page[D any, T any](ctx context.Context, c *mongo.Collection, filter bson.D, p domain.Page, conv func(*D) T, idOf func(*D) string) ([]T, string, error) {
	return pageWith(ctx, c, filter, p, options.Find(), conv, idOf)
}

// pageWith is page with extra find options, such as a projection.
func pageWith[D any, T any](ctx context.Context, c *mongo.Collection, filter bson.D, p domain.Page, opts *options.FindOptionsBuilder, conv func(*D) T, idOf func(*D) string) ([]T, string, error) {
	p = p.Normalize()
	if p.Cursor != "" {
		after, err := decodeCursor(p.Cursor)
		if err != nil {
			return nil, "", err
		}
		filter = append(filter, bson.E{Key: "_id", Value: bson.D{{Key: "$gt", Value: after}}})
	}
	opts.SetSort(bson.D{{Key: "_id", Value: 1}}).SetLimit(int64(p.Limit + 1))
	cur, err := c.Find(ctx, filter, opts)
	if err != nil {
		return nil, "", mapErr(err, c.Name())
	}
	var docs []D
	if err := cur.All(ctx, &docs); err != nil {
		return nil, "", mapErr(err, c.Name())
	}
	next := ""
	if len(docs) > p.Limit {
		docs = docs[:p.Limit]
		next = encodeCursor(idOf(&docs[len(docs)-1]))
	}
	out := make([]T, len(docs))
	for i := range docs {
		out[i] = conv(&docs[i])
	}
	return out, next, nil
}

// next increments and returns the named counter.
func (s *Store) next(ctx context.Context, name string) (int64, error) {
	return s.nextThen(ctx, name, nil)
}

// nextThen is next, calling then with the number before the counter's lock is let go (on the
// embedded engine), so that numbers reach then in order.
func (s *Store) nextThen(ctx context.Context, name string, then func(int64)) (int64, error) {
	var d struct {
		N int64 `bson:"n"`
	}
	err := s.serialize("counters/"+name, func() error {
		err := s.db.Collection("counters").FindOneAndUpdate(ctx, bson.D{{Key: "_id", Value: name}},
			bson.D{{Key: "$inc", Value: bson.D{{Key: "n", Value: int64(1)}}}},
			options.FindOneAndUpdate().SetUpsert(true).SetReturnDocument(options.After)).Decode(&d)
		if err == nil && then != nil {
			then(d.N)
		}
		return err
	})
	return d.N, mapErr(err, "counter")
}

func itoa(n int) string { return strconv.Itoa(n) }

func redactURI(uri string) string {
	if u, err := parseURL(uri); err == nil {
		return u
	}
	return "the configured MongoDB URI"
}

// now is the time a write stamps on an object, at the millisecond precision a BSON date keeps,
// so that what a write answers is what a read returns.
func now() time.Time { return asStored(time.Now()) }

// pageByTime is one page of the documents matching filter ordered by the time field and then
// _id (dir 1 oldest first, -1 newest first): the page key for ids that do not sort by time.
func pageByTime[D any, T any](ctx context.Context, c *mongo.Collection, filter bson.D, field string, dir int, p domain.Page, conv func(*D) T,
	keyOf func(*D) (time.Time, string)) ([]T, string, error) {
	p = p.Normalize()
	if p.Cursor != "" {
		after, err := decodeCursor(p.Cursor)
		if err != nil {
			return nil, "", err
		}
		ms, id, ok := strings.Cut(after, "-") // the time's digits, then the id
		n, err := strconv.ParseInt(ms, 10, 64)
		if !ok || err != nil {
			return nil, "", domain.Errorf(domain.Invalid, "the cursor is not valid")
		}
		at, op := time.UnixMilli(n).UTC(), "$gt"
		if dir < 0 {
			op = "$lt"
		}
		filter = append(filter, bson.E{Key: "$or", Value: bson.A{
			bson.D{{Key: field, Value: bson.D{{Key: op, Value: at}}}},
			bson.D{{Key: field, Value: at}, {Key: "_id", Value: bson.D{{Key: op, Value: id}}}},
		}})
	}
	cur, err := c.Find(ctx, filter, options.Find().SetSort(bson.D{{Key: field, Value: dir}, {Key: "_id", Value: dir}}).SetLimit(int64(p.Limit+1)))
	if err != nil {
		return nil, "", mapErr(err, c.Name())
	}
	var docs []D
	if err := cur.All(ctx, &docs); err != nil {
		return nil, "", mapErr(err, c.Name())
	}
	next := ""
	if len(docs) > p.Limit {
		docs = docs[:p.Limit]
		at, id := keyOf(&docs[len(docs)-1])
		next = encodeCursor(strconv.FormatInt(at.UnixMilli(), 10) + "-" + id)
	}
	out := make([]T, len(docs))
	for i := range docs {
		out[i] = conv(&docs[i])
	}
	return out, next, nil
}
