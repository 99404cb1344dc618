package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"

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

// StartEmbedded starts FerretDB with its SQLite files in dir/documents.
func StartEmbedded(ctx context.Context, dir string, logger *slog.Logger) (*Embedded, error) {
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
	f, err := ferretdb.New(&ferretdb.Config{
		Listener:  ferretdb.ListenerConfig{TCP: "127.0.0.1:0"},
		Handler:   "sqlite",
		SQLiteURL: (&url.URL{Scheme: "file", Path: dbDir + "/"}).String(),
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
	return connect(ctx, e.uri, name, func(ctx context.Context) error { return e.IndexIDs(ctx, name) })
}

// IndexIDs gives every collection of database name an SQLite index that FerretDB's lookups by
// _id can use. FerretDB 1.24 indexes _id as `_ferretdb_sjson->"_id"` but queries, updates and
// deletes it as `_ferretdb_sjson->'$._id'`; SQLite matches index expressions as written, so every
// lookup by _id scanned the table (138 ms at 4 000 cases, growing with the table). The extra
// index has the query's expression. SQLite keeps it up to date on every write and drops it with
// its table; FerretDB does not list it and never touches it. Collections created later need
// another call; it is idempotent.
func (e *Embedded) IndexIDs(ctx context.Context, name string) error {
	db, err := sql.Open("sqlite", (&url.URL{Scheme: "file", Path: filepath.Join(e.dir, name+".sqlite"),
		RawQuery: "_pragma=busy_timeout(10000)"}).String())
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
