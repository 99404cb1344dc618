package api_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/zhifa/zhifa/api"
)

// TestBackupsFromTheConsoleAreTheSysadminsOnly: only a sysadmin lists and starts backups (an
// agency's admin and an officer get 403 in Chinese); a start answers 202 and the backup runs
// into a new subdirectory of the configured directory, never one the request names; a flood of
// starts while it runs is refused (409 in Chinese) and runs nothing; once it ends the list shows
// it complete; without ZHIFA_BACKUP_DIR a start is refused with what to do instead.
func TestBackupsFromTheConsoleAreTheSysadminsOnly(t *testing.T) {
	cfg := testConfig()
	cfg.BackupDir = t.TempDir()
	release := make(chan struct{})
	var runs atomic.Int32
	var into atomic.Value
	ta := newTestAppWith(t, cfg, nil, func(d *api.Deps) {
		d.Backup = func(ctx context.Context, dir string) error {
			runs.Add(1)
			into.Store(dir)
			return fakeBackup(ctx, dir, release)
		}
	})
	f := ta.newAgency(t, 1)
	for _, tok := range []string{f.adminTok, f.officerTok} {
		for _, m := range []string{"GET", "POST"} {
			r := ta.do(m, "/v1/system/backups", nil, tok, "Accept-Language", "zh-CN")
			if r.Status != 403 || !strings.Contains(string(r.Body), "只有系统管理员可以管理备份") {
				t.Fatalf("%s by a non-sysadmin: %d %s", m, r.Status, r.Body)
			}
		}
	}
	if runs.Load() != 0 {
		t.Fatal("a refused start ran a backup")
	}

	// The request names a directory of its own: it is not heard.
	evil := filepath.Join(t.TempDir(), "evil")
	r := ta.do("POST", "/v1/system/backups", map[string]any{"dir": evil}, ta.sysTok)
	if r.Status != 202 || r.JSON["running"] != true {
		t.Fatalf("start: %d %s", r.Status, r.Body)
	}
	for i := 0; i < 20; i++ {
		r := ta.do("POST", "/v1/system/backups", nil, ta.sysTok, "Accept-Language", "zh-CN")
		if r.Status != 409 || !strings.Contains(string(r.Body), "已有备份正在进行") {
			t.Fatalf("start %d while one runs: %d %s", i, r.Status, r.Body)
		}
	}
	close(release)
	deadline := time.Now().Add(10 * time.Second)
	for {
		r = ta.do("GET", "/v1/system/backups", nil, ta.sysTok)
		if r.JSON["running"] == false || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if runs.Load() != 1 || r.JSON["running"] != false || r.JSON["last_error"] != nil {
		t.Fatalf("after the flood: %d runs, %s", runs.Load(), r.Body)
	}
	items, _ := r.JSON["items"].([]any)
	if len(items) != 1 {
		t.Fatalf("the list: %s", r.Body)
	}
	it := items[0].(map[string]any)
	if it["complete"] != true || it["objects"] != float64(3) || it["document_bytes"] != float64(100) {
		t.Fatalf("the backup listed: %s", r.Body)
	}
	if dir, _ := into.Load().(string); filepath.Dir(dir) != cfg.BackupDir || filepath.Base(dir) != it["name"] {
		t.Fatalf("the backup went to %q, not a new subdirectory of %q", dir, cfg.BackupDir)
	}
	if _, err := os.Stat(evil); !os.IsNotExist(err) {
		t.Fatalf("the directory the request named exists: %v", err)
	}

	// Without ZHIFA_BACKUP_DIR the console says how instead.
	off := newTestApp(t)
	if r := off.do("POST", "/v1/system/backups", nil, off.sysTok, "Accept-Language", "zh-CN"); r.Status != 409 || !strings.Contains(string(r.Body), "zhifa backup") || !strings.Contains(string(r.Body), "ZHIFA_BACKUP_DIR") {
		t.Fatalf("unconfigured start: %d %s", r.Status, r.Body)
	}
	if r := off.do("GET", "/v1/system/backups", nil, off.sysTok); r.Status != 200 || r.JSON["configured"] != false {
		t.Fatalf("unconfigured list: %d %s", r.Status, r.Body)
	}
}

// fakeBackup stands for zhifa backup (cmd/zhifa, tested there with the real stores): it makes
// dir, waits for release, and writes a manifest.
func fakeBackup(ctx context.Context, dir string, release <-chan struct{}) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	select {
	case <-release:
	case <-ctx.Done():
		return ctx.Err()
	}
	return os.WriteFile(filepath.Join(dir, "manifest.json"), []byte(`{"format":"zhifa-backup-v1","created_at":"2026-12-02T01:00:41Z","documents":[{"name":"a","size":100,"sha256":"x"}],"objects":3,"object_bytes":4096}`), 0o600)
}

// TestTheSystemSummaryIsTheSysadminsOnly: the health page's summary counts the requests and
// errors answered, for the sysadmin only (403 in Chinese for an agency's admin), and carries
// nothing of the metrics token.
func TestTheSystemSummaryIsTheSysadminsOnly(t *testing.T) {
	ta := newTestApp(t)
	f := ta.newAgency(t, 1)
	if r := ta.do("GET", "/v1/system/summary", nil, f.adminTok, "Accept-Language", "zh-CN"); r.Status != 403 || !strings.Contains(string(r.Body), "只有系统管理员可以查看系统运行指标") {
		t.Fatalf("an agency's admin: %d %s", r.Status, r.Body)
	}
	ta.do("GET", "/v1/agencies/nope", nil, ta.sysTok)
	r := ta.do("GET", "/v1/system/summary", nil, ta.sysTok)
	if r.Status != 200 || r.JSON["requests"].(float64) < 3 || r.JSON["client_errors"].(float64) < 2 || r.JSON["metrics_endpoint"] != true || r.JSON["goroutines"].(float64) < 1 {
		t.Fatalf("the summary: %d %s", r.Status, r.Body)
	}
	if strings.Contains(string(r.Body), ta.cfg.MetricsToken) {
		t.Fatalf("the summary carries the metrics token: %s", r.Body)
	}
}
