package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/FerretDB/FerretDB/ferretdb"
	_ "modernc.org/sqlite" // the driver FerretDB uses, for IndexIDs
)

// Embedded is an in-process FerretDB on a loopback port, with SQLite files under a directory.
type Embedded struct {
	dir    string // the SQLite files, one per database
	uri    string
	cancel context.CancelFunc
	done   chan struct{}
}

// EmbeddedOptions tune the embedded engine.
type EmbeddedOptions struct {
	// FullSync makes SQLite sync its write-ahead log at every commit (synchronous=FULL): an
	// acknowledged write then survives a power cut too. By default (NORMAL) the log is synced
	// at checkpoints: an acknowledged write survives the process being killed at any point, but
	// the last writes before an operating-system crash or a power cut may be lost (the database
	// stays consistent). That is what SQLite recommends in WAL mode and what PocketBase runs;
	// it saves an fsync per write.
	FullSync bool
}

// StartEmbedded starts FerretDB with its SQLite files in dir/documents.
func StartEmbedded(ctx context.Context, dir string, logger *slog.Logger) (*Embedded, error) {
	return StartEmbeddedWith(ctx, dir, logger, EmbeddedOptions{})
}

// StartEmbeddedWith is StartEmbedded with options.
func StartEmbeddedWith(ctx context.Context, dir string, logger *slog.Logger, opts EmbeddedOptions) (*Embedded, error) {
	dbDir, err := filepath.Abs(filepath.Join(dir, "documents"))
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dbDir, 0o700); err != nil {
		return nil, fmt.Errorf("create %s: %w", dbDir, err)
	}
	if logger == nil {
		logger = slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))
	}
	sync := "normal"
	if opts.FullSync {
		sync = "full"
	}
	q := url.Values{"_txlock": {"immediate"}, "_pragma": {"busy_timeout(10000)", "journal_mode(wal)", "synchronous(" + sync + ")"}}
	f, err := ferretdb.New(&ferretdb.Config{
		Listener: ferretdb.ListenerConfig{TCP: "127.0.0.1:0"},
		Handler:  "sqlite",
		// Writes begin IMMEDIATE: a transaction takes the write lock first, waiting for it under
		// SQLite's busy timeout, instead of failing with SQLITE_BUSY when another writer
		// committed between its read snapshot and its write.
		// synchronous: see EmbeddedOptions.FullSync.
		SQLiteURL: (&url.URL{Scheme: "file", Path: dbDir + "/", RawQuery: q.Encode()}).String(),
		Logger:    logger.With("component", "ferretdb"),
	})
	if err != nil {
		return nil, fmt.Errorf("start embedded FerretDB: %w", err)
	}
	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	e := &Embedded{dir: dbDir, uri: f.MongoDBURI(), cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(e.done)
		_ = f.Run(runCtx)
	}()
	return e, nil
}

// Connect opens database name on the embedded engine, as Connect does, and makes its lookups by
// _id use an index (see IndexIDs).
func (e *Embedded) Connect(ctx context.Context, name string) (*Store, error) {
	return connect(ctx, e.uri, name, e, false)
}

// ConnectAsMongoDB opens database name taking the code paths a MongoDB deployment takes: no
// per-document locks, no in-process list indexes, the database's own queries. Tests run the
// suites this way too, so that the queries production runs are exercised; concurrent
// conditional writes are not safe on the embedded engine like this.
func (e *Embedded) ConnectAsMongoDB(ctx context.Context, name string) (*Store, error) {
	return connect(ctx, e.uri, name, e, true)
}

// IndexIDs gives every collection of database name an SQLite index that FerretDB's lookups by
// _id can use. FerretDB 1.24 indexes _id as `_ferretdb_sjson->"_id"` but queries, updates and
// deletes it as `_ferretdb_sjson->'$._id'`; SQLite matches index expressions as written, so every
// lookup by _id scanned the table (138 ms at 4 000 cases, growing with the table). The extra
// index has the query's expression. SQLite keeps it up to date on every write and drops it with
// its table; FerretDB does not list it and never touches it. Collections created later need
// another call; it is idempotent.
func (e *Embedded) IndexIDs(ctx context.Context, name string) error {
	db, err := e.open(name)
	if err != nil {
		return err
	}
	defer db.Close()
	rows, err := db.QueryContext(ctx, `SELECT table_name FROM _ferretdb_collections`)
	if err != nil {
		return fmt.Errorf("list the tables of %s: %w", name, err)
	}
	var tables []string
	for rows.Next() {
		var t string
		if err := rows.Scan(&t); err != nil {
			rows.Close()
			return err
		}
		tables = append(tables, t)
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return err
	}
	for _, t := range tables {
		q := fmt.Sprintf(`CREATE INDEX IF NOT EXISTS %q ON %q (_ferretdb_sjson->'$._id')`, t+"_zhifa_id", t)
		if _, err := db.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("index _id of %s: %w", t, err)
		}
	}
	return nil
}

// open opens the SQLite file of database name beside the engine; SQLite's WAL lets both work
// on it at once.
func (e *Embedded) open(name string) (*sql.DB, error) {
	return sql.Open("sqlite", (&url.URL{Scheme: "file", Path: filepath.Join(e.dir, name+".sqlite"),
		RawQuery: "_pragma=busy_timeout(10000)"}).String())
}

// scanFields reads the fields at paths of every document of a collection straight from
// SQLite, as the JSON text FerretDB 1.24 stores (strings quoted, dates as Unix milliseconds,
// NULL where a field is missing), and hands each row to row. Rebuilding a list index this way
// takes SQLite's JSON extraction instead of FerretDB decoding each whole document, which costs
// about a millisecond per case with its event chain. paths come from code, never from input.
func (e *Embedded) scanFields(ctx context.Context, name, coll string, paths []string, row func([]sql.NullString) error) error {
	db, err := e.open(name)
	if err != nil {
		return err
	}
	defer db.Close()
	var table string
	switch err := db.QueryRowContext(ctx, `SELECT table_name FROM _ferretdb_collections WHERE name = ?`, coll).Scan(&table); {
	case errors.Is(err, sql.ErrNoRows):
		return nil
	case err != nil:
		return fmt.Errorf("find the table of %s: %w", coll, err)
	}
	cols := make([]string, len(paths))
	for i, p := range paths {
		cols[i] = fmt.Sprintf(`_ferretdb_sjson->'$.%s'`, p)
	}
	rows, err := db.QueryContext(ctx, fmt.Sprintf(`SELECT %s FROM %q`, strings.Join(cols, ", "), table))
	if err != nil {
		return fmt.Errorf("scan %s: %w", coll, err)
	}
	defer rows.Close()
	vals := make([]sql.NullString, len(paths))
	dst := make([]any, len(paths))
	for i := range vals {
		dst[i] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(dst...); err != nil {
			return err
		}
		if err := row(vals); err != nil {
			return fmt.Errorf("scan %s: %w", coll, err)
		}
	}
	return rows.Err()
}

// sqlRow decodes the JSON values scanFields hands over.
type sqlRow struct {
	vals []sql.NullString
	err  error
}

func (r *sqlRow) decode(i int, dst any) {
	if r.err == nil && r.vals[i].Valid {
		r.err = json.Unmarshal([]byte(r.vals[i].String), dst)
	}
}

func (r *sqlRow) str(i int) string {
	var s string
	r.decode(i, &s)
	return s
}

func (r *sqlRow) strs(i int) []string {
	var s []string
	r.decode(i, &s)
	return s
}

func (r *sqlRow) boolean(i int) bool {
	var b bool
	r.decode(i, &b)
	return b
}

func (r *sqlRow) int(i int) int64 {
	var n int64
	r.decode(i, &n)
	return n
}

// date is a BSON date as FerretDB stores it, in Unix milliseconds; zero when missing.
func (r *sqlRow) date(i int) time.Time {
	if !r.vals[i].Valid {
		return time.Time{}
	}
	return time.UnixMilli(r.int(i)).UTC()
}

// URI is the MongoDB connection string of the embedded engine.
func (e *Embedded) URI() string { return e.uri }

// Close stops the engine and waits for it to flush.
func (e *Embedded) Close() {
	e.cancel()
	<-e.done
}

func parseURL(uri string) (string, error) {
	u, err := url.Parse(uri)
	if err != nil {
		return "", err
	}
	return u.Redacted(), nil
}
