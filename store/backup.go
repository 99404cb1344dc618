package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/zhifa/zhifa/domain"
)

// The embedded engine's backup: its documents are SQLite files, one per database, which SQLite
// copies consistently while FerretDB keeps writing (VACUUM INTO reads in one transaction, and
// WAL lets the writers go on meanwhile). The objects are files of the embedded gateway; which
// of them a copy needs, NamedObjects says.

// DocumentsDir is where the embedded engine keeps its SQLite files under a data dir.
func DocumentsDir(dataDir string) string { return filepath.Join(dataDir, "documents") }

// BackupDocuments copies every database under dataDir's documents into dst's documents, each
// as one consistent snapshot, and returns the file names it wrote. dst's documents must not
// hold them already.
func BackupDocuments(ctx context.Context, dataDir, dst string) ([]string, error) {
	src := DocumentsDir(dataDir)
	files, err := filepath.Glob(filepath.Join(src, "*.sqlite"))
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("%s holds no documents: is ZHIFA_DATA the server's data dir?", src)
	}
	out := DocumentsDir(dst)
	if err := os.MkdirAll(out, 0o700); err != nil {
		return nil, err
	}
	sort.Strings(files)
	var names []string
	for _, f := range files {
		name := filepath.Base(f)
		target := filepath.Join(out, name)
		if _, err := os.Stat(target); err == nil {
			return nil, fmt.Errorf("%s exists already", target)
		}
		if err := vacuumInto(ctx, f, target); err != nil {
			return nil, err
		}
		names = append(names, name)
	}
	return names, nil
}

func vacuumInto(ctx context.Context, src, dst string) error {
	db, err := sql.Open("sqlite", (&url.URL{Scheme: "file", Path: src, RawQuery: "_pragma=busy_timeout(30000)"}).String())
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, `VACUUM INTO ?`, dst); err != nil {
		_ = os.Remove(dst)
		return fmt.Errorf("copy %s: %w", filepath.Base(src), err)
	}
	return os.Chmod(dst, 0o600)
}

// NamedObject is an object that a database's documents say is stored, with the size it has.
type NamedObject struct {
	Key  string
	Size int64 // -1 when the documents do not say
	// SHA256 is the hex digest the bytes have, when the documents say.
	SHA256 string
}

// NamedObjects lists the objects database name under dataDir's documents names as stored: the
// bytes of every complete evidence, and the thumbnails made of them. It reads the SQLite file
// directly and never writes it.
func NamedObjects(ctx context.Context, dataDir, name string) ([]NamedObject, error) {
	e := &Embedded{dir: DocumentsDir(dataDir)}
	if _, err := os.Stat(filepath.Join(e.dir, name+".sqlite")); err != nil {
		return nil, err
	}
	var out []NamedObject
	paths := []string{"_id", "agency_id", "status", "object_key", "size", "thumbnail", "sha256"}
	err := e.scanFields(ctx, name, "evidence", paths, func(vals []sql.NullString) error {
		r := &sqlRow{vals: vals}
		id, agency, status, key, size := r.str(0), r.str(1), r.str(2), r.str(3), r.int(4)
		var thumb bool
		r.decode(5, &thumb)
		if r.err != nil {
			return r.err
		}
		if status != string(domain.EvidenceComplete) || key == "" {
			return nil
		}
		out = append(out, NamedObject{Key: key, Size: size, SHA256: r.str(6)})
		if thumb {
			out = append(out, NamedObject{Key: "thumbnails/" + agency + "/" + id + ".jpg", Size: -1})
		}
		return nil
	})
	return out, err
}

// CheckDocuments opens each SQLite file under dataDir's documents and runs SQLite's
// integrity check on it.
func CheckDocuments(ctx context.Context, dataDir string) error {
	files, err := filepath.Glob(filepath.Join(DocumentsDir(dataDir), "*.sqlite"))
	if err != nil {
		return err
	}
	if len(files) == 0 {
		return errors.New("no documents")
	}
	for _, f := range files {
		db, err := sql.Open("sqlite", (&url.URL{Scheme: "file", Path: f, RawQuery: "mode=ro"}).String())
		if err != nil {
			return err
		}
		var res string
		err = db.QueryRowContext(ctx, `PRAGMA integrity_check`).Scan(&res)
		db.Close()
		if err != nil {
			return fmt.Errorf("check %s: %w", filepath.Base(f), err)
		}
		if !strings.EqualFold(res, "ok") {
			return fmt.Errorf("%s is damaged: %s", filepath.Base(f), res)
		}
	}
	return nil
}
