package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/zhifa/zhifa/store"
)

// zhifa backup DIR and zhifa restore DIR: a consistent copy of an embedded server's data dir,
// taken while it runs, and a fresh data dir made from one. README.md ("Backup and restore")
// says what production deployments back up instead.

const backupFormat = "zhifa-backup-v1"

// backupManifest is DIR/manifest.json: what the backup holds and how to check it.
type backupManifest struct {
	Format    string       `json:"format"`
	CreatedAt time.Time    `json:"created_at"`
	Source    string       `json:"source"`
	Database  string       `json:"database"`
	Bucket    string       `json:"bucket"`
	Documents []backupFile `json:"documents"`
	// Objects counts the object files copied; Named of them are what the documents name.
	Objects     int   `json:"objects"`
	ObjectBytes int64 `json:"object_bytes"`
	Named       int   `json:"named_objects"`
	SigningKey  bool  `json:"signing_key"`
}

type backupFile struct {
	Name   string `json:"name"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

// The embedded gateway's directories under a data dir (media.StartEmbedded), copied as they
// are; and the JWT key, so that sessions and print links outlive a restore. The instance id
// is not copied: a restored server is a new instance.
var objectDirs = []string{"objects", "sidecar"}

const signingKeyFile = "jwt-ed25519.pem"

// copyCommand runs `zhifa backup DIR` or `zhifa restore DIR` (args[0] names which) with the
// server's configuration from getenv.
func copyCommand(ctx context.Context, args []string, getenv func(string) string, out io.Writer) error {
	if len(args) != 2 || args[1] == "" || strings.HasPrefix(args[1], "-") {
		return fmt.Errorf("usage: zhifa %s DIR (with the server's ZHIFA_DATA)", args[0])
	}
	cfg, err := loadConfig(getenv)
	if err != nil {
		return err
	}
	dir, err := filepath.Abs(args[1])
	if err != nil {
		return err
	}
	if args[0] == "backup" {
		return backupCommand(ctx, cfg, dir, out)
	}
	return restoreCommand(ctx, cfg, dir, out)
}

// backupCommand copies the data dir cfg names into dir: first the documents (one consistent
// snapshot per database), then the objects, then a check that every object the snapshot names
// was copied with its size. Objects stored after the snapshot are copied too, and are named
// by nothing; an upload still under way when it ran starts again after a restore.
func backupCommand(ctx context.Context, cfg config, dir string, out io.Writer) error {
	if cfg.MongoURI != "" || cfg.S3Endpoint != "" {
		return errors.New("zhifa backup copies the embedded stores; with MONGODB_URI or S3_ENDPOINT set, back up MongoDB and the bucket as README.md (Backup and restore) says")
	}
	if err := emptyDir(dir); err != nil {
		return err
	}
	started := time.Now()
	names, err := store.BackupDocuments(ctx, cfg.DataDir, dir)
	if err != nil {
		return err
	}
	m := backupManifest{Format: backupFormat, CreatedAt: started.UTC().Truncate(time.Millisecond), Source: cfg.DataDir,
		Database: cfg.MongoDatabase, Bucket: cfg.S3Bucket}
	for _, n := range names {
		f, err := fileOf(filepath.Join(store.DocumentsDir(dir), n))
		if err != nil {
			return err
		}
		m.Documents = append(m.Documents, f)
	}
	fmt.Fprintf(out, "documents: %d database(s) copied\n", len(names))
	for _, d := range objectDirs {
		n, size, err := copyTree(filepath.Join(cfg.DataDir, d), filepath.Join(dir, d))
		if err != nil {
			return err
		}
		m.Objects, m.ObjectBytes = m.Objects+n, m.ObjectBytes+size
	}
	if cfg.JWTPrivateKey == "" {
		switch _, err := copyFile(filepath.Join(cfg.DataDir, signingKeyFile), filepath.Join(dir, signingKeyFile)); {
		case err == nil:
			m.SigningKey = true
		case !errors.Is(err, fs.ErrNotExist):
			return err
		}
	}
	named, err := checkObjects(ctx, dir, cfg.MongoDatabase, cfg.S3Bucket, false)
	if err != nil {
		return fmt.Errorf("the copy is incomplete: %w", err)
	}
	m.Named = named
	if err := writeJSON(filepath.Join(dir, "manifest.json"), m); err != nil {
		return err
	}
	fmt.Fprintf(out, "objects: %d files, %d bytes; the documents name %d, all present\nbackup complete in %s: %s\n",
		m.Objects, m.ObjectBytes, named, time.Since(started).Round(time.Millisecond), dir)
	return nil
}

// restoreCommand makes the data dir cfg names, which must be new or empty, from the backup in
// dir: the documents are checked against the manifest and by SQLite, every evidence's bytes
// against its SHA-256, before the copy is called done.
func restoreCommand(ctx context.Context, cfg config, dir string, out io.Writer) error {
	if cfg.MongoURI != "" || cfg.S3Endpoint != "" {
		return errors.New("zhifa restore makes an embedded data dir; unset MONGODB_URI and S3_ENDPOINT, or restore MongoDB and the bucket as README.md (Backup and restore) says")
	}
	var m backupManifest
	raw, err := os.ReadFile(filepath.Join(dir, "manifest.json"))
	if err != nil {
		return fmt.Errorf("%s is not a complete backup: %w", dir, err)
	}
	if err := json.Unmarshal(raw, &m); err != nil || m.Format != backupFormat {
		return fmt.Errorf("%s/manifest.json is not a %s manifest", dir, backupFormat)
	}
	if err := emptyDir(cfg.DataDir); err != nil {
		return fmt.Errorf("ZHIFA_DATA: %w; restore into a new directory", err)
	}
	for _, want := range m.Documents {
		got, err := fileOf(filepath.Join(store.DocumentsDir(dir), want.Name))
		if err != nil {
			return err
		}
		if got != want {
			return fmt.Errorf("documents/%s differs from the manifest (size %d, sha256 %s; the manifest says %d, %s)", want.Name, got.Size, got.SHA256, want.Size, want.SHA256)
		}
	}
	if err := store.CheckDocuments(ctx, dir); err != nil {
		return err
	}
	if _, _, err := copyTree(store.DocumentsDir(dir), store.DocumentsDir(cfg.DataDir)); err != nil {
		return err
	}
	for _, d := range objectDirs {
		if _, _, err := copyTree(filepath.Join(dir, d), filepath.Join(cfg.DataDir, d)); err != nil {
			return err
		}
	}
	if m.SigningKey {
		if _, err := copyFile(filepath.Join(dir, signingKeyFile), filepath.Join(cfg.DataDir, signingKeyFile)); err != nil {
			return err
		}
	}
	named, err := checkObjects(ctx, cfg.DataDir, m.Database, m.Bucket, true)
	if err != nil {
		return fmt.Errorf("the restored data dir is incomplete: %w", err)
	}
	fmt.Fprintf(out, "restored %s (taken %s) into %s: %d database(s), %d object files, %d evidence objects checked by SHA-256\n",
		dir, m.CreatedAt.Format(time.RFC3339), cfg.DataDir, len(m.Documents), m.Objects, named)
	return nil
}

// checkObjects finds every object the documents under dataDir name among its object files,
// with the size they say and, with hashes, the SHA-256; it returns how many it checked.
func checkObjects(ctx context.Context, dataDir, database, bucket string, hashes bool) (int, error) {
	named, err := store.NamedObjects(ctx, dataDir, database)
	if err != nil {
		return 0, err
	}
	var missing []string
	for _, o := range named {
		path := filepath.Join(dataDir, "objects", bucket, filepath.FromSlash(o.Key))
		st, err := os.Stat(path)
		switch {
		case err != nil:
			missing = append(missing, o.Key)
		case o.Size >= 0 && st.Size() != o.Size:
			missing = append(missing, fmt.Sprintf("%s (%d bytes, not %d)", o.Key, st.Size(), o.Size))
		case hashes && o.SHA256 != "":
			f, err := fileOf(path)
			if err != nil {
				return 0, err
			}
			if f.SHA256 != o.SHA256 {
				missing = append(missing, o.Key+" (another SHA-256)")
			}
		}
	}
	if len(missing) > 0 {
		if len(missing) > 10 {
			missing = append(missing[:10], fmt.Sprintf("and %d more", len(missing)-10))
		}
		return 0, fmt.Errorf("%d object(s) missing or damaged: %s", len(missing), strings.Join(missing, ", "))
	}
	return len(named), nil
}

// emptyDir makes dir, or accepts it when it exists and is empty.
func emptyDir(dir string) error {
	entries, err := os.ReadDir(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return os.MkdirAll(dir, 0o700)
	case err != nil:
		return err
	case len(entries) > 0:
		return fmt.Errorf("%s is not empty", dir)
	}
	return nil
}

// copyTree copies the regular files under src into dst, keeping the tree; a missing src
// copies nothing. It returns the files and bytes copied.
func copyTree(src, dst string) (int, int64, error) {
	files, total := 0, int64(0)
	err := filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil // gone since it was listed (a finished upload's parts), or no src
			}
			return err
		}
		rel, err := filepath.Rel(src, path)
		if err != nil {
			return err
		}
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o700)
		}
		if !d.Type().IsRegular() {
			return nil
		}
		n, err := copyFile(path, target)
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		files, total = files+1, total+n
		return err
	})
	return files, total, err
}

func copyFile(src, dst string) (int64, error) {
	in, err := os.Open(src)
	if err != nil {
		return 0, err
	}
	defer in.Close()
	if err := os.MkdirAll(filepath.Dir(dst), 0o700); err != nil {
		return 0, err
	}
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return 0, err
	}
	n, err := io.Copy(out, in)
	if err == nil {
		err = out.Sync()
	}
	return n, errors.Join(err, out.Close())
}

func fileOf(path string) (backupFile, error) {
	f, err := os.Open(path)
	if err != nil {
		return backupFile{}, err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	return backupFile{Name: filepath.Base(path), Size: n, SHA256: hex.EncodeToString(h.Sum(nil))}, err
}

func writeJSON(path string, v any) error {
	raw, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	_, err = f.Write(append(raw, '\n'))
	if err == nil {
		err = f.Sync()
	}
	return errors.Join(err, f.Close())
}
