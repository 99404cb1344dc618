package main

import (
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestTheSysadminBacksUpFromTheConsole: the real embedded server with ZHIFA_BACKUP_DIR makes the
// same backup as `zhifa backup DIR` when the sysadmin asks (POST /v1/system/backups), into a
// new subdirectory with its manifest, and lists it complete.
func TestTheSysadminBacksUpFromTheConsole(t *testing.T) {
	backups := t.TempDir()
	env := map[string]string{"ZHIFA_DATA": t.TempDir(), "ZHIFA_ADDR": freeAddr(t), "ZHIFA_ADMIN_PASSWORD": "first start password", "ZHIFA_BACKUP_DIR": backups}
	s := start(t, env)
	defer func() {
		s.stop()
		<-s.done
	}()
	code, tokens := post(t, s.base+"/v1/auth/login", `{"username":"admin","password":"first start password"}`, "")
	if code != 200 {
		t.Fatalf("login: %d", code)
	}
	access := tokens["access_token"].(string)
	if code, body := post(t, s.base+"/v1/system/backups", "", access); code != 202 {
		t.Fatalf("start: %d %v", code, body)
	}
	var state map[string]any
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		req, _ := http.NewRequest("GET", s.base+"/v1/system/backups", nil)
		req.Header.Set("Authorization", "Bearer "+access)
		_, state = send(t, req)
		if state["running"] == false {
			break
		}
	}
	items, _ := state["items"].([]any)
	if state["running"] != false || state["last_error"] != nil || len(items) != 1 || items[0].(map[string]any)["complete"] != true {
		t.Fatalf("after the backup: %v\n%s", state, s.log.String())
	}
	name := items[0].(map[string]any)["name"].(string)
	if _, err := os.Stat(filepath.Join(backups, name, "manifest.json")); err != nil {
		t.Fatal(err)
	}
}
