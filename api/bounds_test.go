package api_test

import (
	"bufio"
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
