package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestBackupUnderWriteLoadThenRestore: while officers keep recording actions and photos on a
// running server, `zhifa backup` copies its data dir; `zhifa restore` makes a new data dir from
// the copy, and a server started on it has every action and photo acknowledged before the
// backup began, every case chain intact and every photo's bytes with their SHA-256. A backup
// that was tampered with, one missing an object, and a restore over existing data are refused.
func TestBackupUnderWriteLoadThenRestore(t *testing.T) {
	const password = "backup test password"
	env := childEnv(t, password)
	c := startChild(t, env)
	w := setUpCase(t, c, password)
	tr := "/v1/cases/" + w.caseID + "/transitions"
	c.must(t, "POST", tr, map[string]any{"action": "register", "officer_ids": w.officers}, w.officerTok, 200)
	c.must(t, "POST", tr, map[string]any{"action": "start_investigation", "officer_ids": w.officers}, w.officerTok, 200)

	// photo stores one photo on the case and returns its id and SHA-256, or "" when refused.
	photo := func(i int) (string, string) {
		pic := jpegOf(t, i)
		sum := sha256.Sum256(pic)
		r := c.call("POST", "/v1/cases/"+w.caseID+"/evidence", map[string]any{"kind": "photo", "sha256": hex.EncodeToString(sum[:]), "size": len(pic),
			"content_type": "image/jpeg", "captured_at": time.Now().Add(-time.Minute).UTC().Format(time.RFC3339), "officer_ids": w.officers}, w.officerTok, fmt.Sprintf("photo-%d", i))
		if r.Status != 201 {
			t.Errorf("photo %d: %d %s", i, r.Status, r.Raw)
			return "", ""
		}
		id := r.Body["evidence"].(map[string]any)["id"].(string)
		req, _ := http.NewRequest("PUT", c.base+"/v1/evidence/"+id+"/content", bytes.NewReader(pic))
		req.Header.Set("Authorization", "Bearer "+w.officerTok)
		req.Header.Set("Content-Type", "application/octet-stream")
		res, err := client.Do(req)
		if err != nil {
			t.Errorf("photo %d bytes: %v", i, err)
			return "", ""
		}
		res.Body.Close()
		if res.StatusCode != 200 {
			t.Errorf("photo %d bytes: %d", i, res.StatusCode)
			return "", ""
		}
		return id, hex.EncodeToString(sum[:])
	}

	// Before the backup: these must all be in it.
	type stored struct{ id, sum string }
	var before []stored
	for i := range 4 {
		id, sum := photo(i)
		before = append(before, stored{id, sum})
	}
	var acked atomic.Int32
	for i := range 6 {
		c.must(t, "POST", tr, map[string]any{"action": "record", "officer_ids": w.officers, "device_id": fmt.Sprintf("pre-%d", i)}, w.officerTok, 200)
		acked.Add(1)
	}
	ackedBefore := int(acked.Load())

	// During it: four phones keep writing until the backup is done.
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var during atomic.Int32
	for wk := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				if wk == 0 {
					if id, _ := photo(100 + i); id != "" {
						during.Add(1)
					}
					continue
				}
				r := c.call("POST", tr, map[string]any{"action": "record", "officer_ids": w.officers, "device_id": fmt.Sprintf("w%d-%d", wk, i)}, w.officerTok, fmt.Sprintf("w%d-%d", wk, i))
				if r.Status == 200 {
					during.Add(1)
				} else if r.Status != 409 && r.Status != 503 {
					t.Errorf("record during the backup: %d %s", r.Status, r.Raw)
					return
				}
			}
		}()
	}
	time.Sleep(300 * time.Millisecond)
	backupDir := filepath.Join(t.TempDir(), "backup")
	getenv := func(k string) string { return env[k] }
	var out strings.Builder
	err := copyCommand(context.Background(), []string{"backup", backupDir}, getenv, &out)
	time.Sleep(200 * time.Millisecond)
	close(stop)
	wg.Wait()
	if err != nil {
		t.Fatalf("backup: %v\n%s", err, out.String())
	}
	t.Logf("%s(%d writes answered while it ran)", out.String(), during.Load())
	if during.Load() == 0 {
		t.Fatal("nothing was written while the backup ran: the test proves nothing")
	}
	if err := copyCommand(context.Background(), []string{"backup", backupDir}, getenv, io.Discard); err == nil || !strings.Contains(err.Error(), "not empty") {
		t.Fatalf("a second backup into the same directory: %v", err)
	}

	// Restore into a new data dir and start a server on it.
	restored := childEnv(t, password)
	if err := copyCommand(context.Background(), []string{"restore", backupDir}, func(k string) string { return restored[k] }, &out); err != nil {
		t.Fatalf("restore: %v", err)
	}
	if err := copyCommand(context.Background(), []string{"restore", backupDir}, func(k string) string { return restored[k] }, io.Discard); err == nil || !strings.Contains(err.Error(), "new directory") {
		t.Fatalf("a restore over a data dir that holds data: %v", err)
	}
	c.kill(t) // the original is gone; the restored server stands alone
	r := startChild(t, restored)
	officer := r.must(t, "POST", "/v1/auth/login", map[string]string{"username": "zhang", "password": password}, "", 200)["access_token"].(string)
	audit := r.must(t, "GET", "/v1/cases/"+w.caseID+"/audit", nil, officer, 200)
	if audit["intact"] != true || len(audit["evidence"].([]any)) != 0 {
		t.Fatalf("the restored case's audit: %v", audit)
	}
	events := r.must(t, "GET", "/v1/cases/"+w.caseID+"/events?limit=200", nil, officer, 200)["items"].([]any)
	records := 0
	for _, e := range events {
		if e.(map[string]any)["action"] == "record" {
			records++
		}
	}
	if records < ackedBefore {
		t.Fatalf("the restored case has %d records; %d were acknowledged before the backup", records, ackedBefore)
	}
	list := r.must(t, "GET", "/v1/cases/"+w.caseID+"/evidence?limit=200", nil, officer, 200)["items"].([]any)
	complete := map[string]string{}
	for _, e := range list {
		ev := e.(map[string]any)
		if ev["status"] == "complete" {
			complete[ev["id"].(string)] = ev["sha256"].(string)
		}
	}
	for _, b := range before {
		if complete[b.id] != b.sum {
			t.Fatalf("photo %s, stored before the backup, is not complete in the restore: %v", b.id, complete)
		}
	}
	for id, sum := range complete {
		req, _ := http.NewRequest("GET", r.base+"/v1/evidence/"+id+"/content", nil)
		req.Header.Set("Authorization", "Bearer "+officer)
		res, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		h := sha256.New()
		_, _ = io.Copy(h, res.Body)
		res.Body.Close()
		if res.StatusCode != 200 || hex.EncodeToString(h.Sum(nil)) != sum {
			t.Fatalf("restored photo %s: %d, another SHA-256", id, res.StatusCode)
		}
	}
	t.Logf("restored: %d records, %d complete photos, chain intact", records, len(complete))

	// A backup whose documents changed, or which lost an object, is not restored.
	docs, _ := filepath.Glob(filepath.Join(backupDir, "documents", "*.sqlite"))
	tampered := filepath.Join(t.TempDir(), "tampered")
	if _, _, err := copyTree(backupDir, tampered); err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(filepath.Join(tampered, "documents", filepath.Base(docs[0])), os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = f.Write([]byte("x"))
	f.Close()
	fresh := childEnv(t, password)
	if err := copyCommand(context.Background(), []string{"restore", tampered}, func(k string) string { return fresh[k] }, io.Discard); err == nil || !strings.Contains(err.Error(), "differs from the manifest") {
		t.Fatalf("restoring changed documents: %v", err)
	}
	lost := filepath.Join(t.TempDir(), "lost")
	if _, _, err := copyTree(backupDir, lost); err != nil {
		t.Fatal(err)
	}
	var objects []string
	_ = filepath.Walk(filepath.Join(lost, "objects"), func(p string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() && strings.Contains(p, before[0].id) && !strings.HasSuffix(p, ".jpg") {
			objects = append(objects, p)
		}
		return nil
	})
	if len(objects) != 1 {
		t.Fatalf("the object of %s in the backup: %v", before[0].id, objects)
	}
	if err := os.Remove(objects[0]); err != nil {
		t.Fatal(err)
	}
	fresh = childEnv(t, password)
	if err := copyCommand(context.Background(), []string{"restore", lost}, func(k string) string { return fresh[k] }, io.Discard); err == nil || !strings.Contains(err.Error(), "missing or damaged") {
		t.Fatalf("restoring a backup without one photo: %v", err)
	}
	// Production stores are not copied this way.
	if err := copyCommand(context.Background(), []string{"backup", t.TempDir()}, func(k string) string {
		if k == "MONGODB_URI" {
			return "mongodb://db.example:27017"
		}
		return env[k]
	}, io.Discard); err == nil || !strings.Contains(err.Error(), "README") {
		t.Fatalf("a backup with MONGODB_URI set: %v", err)
	}
}

// jpegOf is a small JPEG photo, different for each i.
func jpegOf(t *testing.T, i int) []byte {
	img := image.NewRGBA(image.Rect(0, 0, 64, 48))
	for x := range 64 {
		for y := range 48 {
			img.Set(x, y, color.RGBA{uint8(x * 4), uint8(y * 5), uint8(i * 37), 255})
		}
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, nil); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}
