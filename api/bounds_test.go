package api_test

import (
	"bufio"
	"encoding/base64"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/zhifa/zhifa/handlers"
)

// openStream opens the notification stream on a real server and reads its first line; the
// caller closes the body.
func openStream(t *testing.T, base, token string) *http.Response {
	t.Helper()
	req, _ := http.NewRequest("GET", base+"/v1/notifications/stream", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusCode == 200 {
		if line, err := bufio.NewReader(res.Body).ReadString('\n'); err != nil || !strings.HasPrefix(line, "retry:") {
			t.Fatalf("the stream's first line: %q %v", line, err)
		}
	}
	return res
}

// TestStreamsPerPersonAreBounded: one officer once held 1 500 streams (RSS 110 → 402 MiB);
// now the streams past the bound answer 429 with Retry-After, others' streams are untouched,
// and a closed stream frees its place.
func TestStreamsPerPersonAreBounded(t *testing.T) {
	cfg := testConfig()
	cfg.Stream = handlers.StreamConfig{Poll: 50 * time.Millisecond, Heartbeat: time.Second, Life: 30 * time.Second, PerUser: 2}
	ta := newTestAppWith(t, cfg, nil)
	f := ta.newCaseAgency(t, 0)
	base := ta.serve()
	first, second := openStream(t, base, f.officerTok), openStream(t, base, f.officerTok)
	defer second.Body.Close()
	if first.StatusCode != 200 || second.StatusCode != 200 {
		t.Fatalf("two streams: %d %d", first.StatusCode, second.StatusCode)
	}
	third := openStream(t, base, f.officerTok)
	third.Body.Close()
	if third.StatusCode != 429 || third.Header.Get("Retry-After") == "" {
		t.Fatalf("a third stream: %d %v", third.StatusCode, third.Header)
	}
	other := openStream(t, base, f.officer2Tok)
	other.Body.Close()
	if other.StatusCode != 200 {
		t.Fatalf("a colleague's stream: %d", other.StatusCode)
	}
	first.Body.Close()
	deadline := time.Now().Add(5 * time.Second)
	for {
		again := openStream(t, base, f.officerTok)
		again.Body.Close()
		if again.StatusCode == 200 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("a closed stream never freed its place: %d", again.StatusCode)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestUnfinishedUploadsAreBounded: 300 uploads were once accepted for one evidence, and 20
// partial ones of one person stored 100 MiB in half a second. Now an evidence takes a few
// unfinished uploads, a person a bounded number and size of them, and a deleted upload frees
// its place.
func TestUnfinishedUploadsAreBounded(t *testing.T) {
	cfg := testConfig()
	cfg.Media.PerEvidence, cfg.Media.PerUser, cfg.Media.PartialMax = 2, 3, 1<<20
	ta := newTestAppWith(t, cfg, nil)
	f := ta.newCaseAgency(t, 0)
	id := ta.openInvestigating(t, f)
	evidence := func(size int) string {
		r := ta.do("POST", "/v1/cases/"+id+"/evidence", evidenceBody(f, "photo", "image/png", make([]byte, size)), f.officerTok)
		if r.Status != 201 {
			t.Fatalf("evidence: %d %s", r.Status, r.Body)
		}
		return r.JSON["evidence"].(map[string]any)["id"].(string)
	}
	start := func(evID string, size int) response {
		return ta.do("POST", "/v1/uploads", nil, f.officerTok, "Tus-Resumable", "1.0.0", "Upload-Length", fmt.Sprint(size),
			"Upload-Metadata", "evidence_id "+base64.StdEncoding.EncodeToString([]byte(evID)))
	}
	one := evidence(1000)
	for i := range 2 {
		if r := start(one, 1000); r.Status != 201 {
			t.Fatalf("upload %d of one evidence: %d %s", i, r.Status, r.Body)
		}
	}
	third := start(one, 1000)
	if third.Status != 429 || third.Header.Get("Retry-After") == "" {
		t.Fatalf("a third upload of one evidence: %d %s", third.Status, third.Body)
	}
	big := evidence(1<<20 - 1000)
	if r := start(big, 1<<20-1000); r.Status != 429 {
		t.Fatalf("an upload past the person's bytes: %d %s", r.Status, r.Body)
	}
	other := evidence(1000)
	r := start(other, 1000)
	if r.Status != 201 {
		t.Fatalf("a third upload of the person: %d %s", r.Status, r.Body)
	}
	if r := start(evidence(1000), 1000); r.Status != 429 {
		t.Fatalf("a fourth upload of the person: %d %s", r.Status, r.Body)
	}
	if d := ta.do("DELETE", r.Header.Get("Location"), nil, f.officerTok, "Tus-Resumable", "1.0.0"); d.Status != 204 {
		t.Fatalf("delete an upload: %d %s", d.Status, d.Body)
	}
	if r := start(other, 1000); r.Status != 201 {
		t.Fatalf("an upload after one was deleted: %d %s", r.Status, r.Body)
	}
}
