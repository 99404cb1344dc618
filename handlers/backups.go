package handlers

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/zhifa/zhifa/domain"
)

// Backups lets the sysadmin start the server's own backup (what `zhifa backup DIR` does) into
// one configured directory, a new subdirectory each time, and list those made. One runs at a
// time: a start while one runs is refused, so a flood of requests cannot pile copies of the data
// dir onto the disk. The directory is the operator's, never the request's.
type Backups struct {
	// Dir holds the backups; empty turns backups from the console off.
	Dir string
	// Run copies the data into dir (the backup command's own function).
	Run func(ctx context.Context, dir string) error
	// Timeout bounds one run (0: an hour).
	Timeout time.Duration

	mu       sync.Mutex
	running  bool
	started  time.Time
	finished time.Time
	lastErr  string
}

type backupState struct {
	Configured bool         `json:"configured"`
	Running    bool         `json:"running"`
	StartedAt  *time.Time   `json:"started_at,omitempty"`
	FinishedAt *time.Time   `json:"finished_at,omitempty"`
	LastError  string       `json:"last_error,omitempty"`
	Items      []backupItem `json:"items"`
}

type backupItem struct {
	Name          string     `json:"name"`
	Complete      bool       `json:"complete"`
	CreatedAt     *time.Time `json:"created_at,omitempty"`
	DocumentBytes int64      `json:"document_bytes"`
	Objects       int        `json:"objects"`
	ObjectBytes   int64      `json:"object_bytes"`
}

// maxListedBackups bounds the list: the newest are the ones a person looks for.
const maxListedBackups = 30

func (b *Backups) configured() bool { return b != nil && b.Dir != "" && b.Run != nil }

func (b *Backups) state() backupState {
	s := backupState{Configured: b.configured(), Items: []backupItem{}}
	if !s.Configured {
		return s
	}
	b.mu.Lock()
	s.Running, s.LastError = b.running, b.lastErr
	if !b.started.IsZero() {
		t := b.started
		s.StartedAt = &t
	}
	if !b.finished.IsZero() {
		t := b.finished
		s.FinishedAt = &t
	}
	b.mu.Unlock()
	s.Items = listBackups(b.Dir)
	return s
}

// listBackups reads the manifests of dir's subdirectories, newest first; a subdirectory without
// one is a backup that is running or failed (not complete).
func listBackups(dir string) []backupItem {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return []backupItem{}
	}
	items := []backupItem{}
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		it := backupItem{Name: e.Name()}
		raw, err := os.ReadFile(filepath.Join(dir, e.Name(), "manifest.json"))
		var m struct {
			Format    string    `json:"format"`
			CreatedAt time.Time `json:"created_at"`
			Documents []struct {
				Size int64 `json:"size"`
			} `json:"documents"`
			Objects     int   `json:"objects"`
			ObjectBytes int64 `json:"object_bytes"`
		}
		if err == nil && json.Unmarshal(raw, &m) == nil && m.Format != "" {
			it.Complete, it.CreatedAt, it.Objects, it.ObjectBytes = true, &m.CreatedAt, m.Objects, m.ObjectBytes
			for _, d := range m.Documents {
				it.DocumentBytes += d.Size
			}
		}
		items = append(items, it)
	}
	// The names are UTC times, so the newest sort last.
	slices.SortFunc(items, func(a, b backupItem) int {
		if a.Name > b.Name {
			return -1
		}
		if a.Name < b.Name {
			return 1
		}
		return 0
	})
	if len(items) > maxListedBackups {
		items = items[:maxListedBackups]
	}
	return items
}

// ListBackups answers the backups made into the configured directory and whether one runs;
// sysadmin only.
func (h *Handlers) ListBackups(c *fiber.Ctx) error {
	if !principal(c).Has(domain.RoleSysadmin) {
		return forbidden("only a sysadmin manages backups")
	}
	return c.JSON(h.Backups.state())
}

// StartBackup starts a backup into a new subdirectory of the configured directory and answers
// 202 at once; 409 while one runs or when no directory is configured. Sysadmin only.
func (h *Handlers) StartBackup(c *fiber.Ctx) error {
	if !principal(c).Has(domain.RoleSysadmin) {
		return forbidden("only a sysadmin manages backups")
	}
	b := h.Backups
	if !b.configured() {
		return domain.Errorf(domain.Conflict, "backups from the console need ZHIFA_BACKUP_DIR: run zhifa backup DIR on the server")
	}
	b.mu.Lock()
	if b.running {
		b.mu.Unlock()
		return domain.Errorf(domain.Conflict, "a backup is already running: wait until it has finished")
	}
	now := h.Now().UTC()
	b.running, b.started, b.lastErr = true, now, ""
	b.mu.Unlock()
	dir := filepath.Join(b.Dir, now.Format("20060102T150405Z"))
	timeout := b.Timeout
	if timeout == 0 {
		timeout = time.Hour
	}
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		err := b.Run(ctx, dir)
		b.mu.Lock()
		b.running, b.finished = false, h.Now().UTC()
		if err != nil {
			b.lastErr = err.Error()
		}
		b.mu.Unlock()
		if err != nil {
			h.Log.Error("backup failed", "dir", dir, "err", err)
		} else {
			h.Log.Info("backup made", "dir", dir)
		}
	}()
	return c.Status(fiber.StatusAccepted).JSON(b.state())
}
