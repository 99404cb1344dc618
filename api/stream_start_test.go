package api_test

import (
	"bufio"
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestStreamWithoutIDSaysWhereItStarts: a stream opened without Last-Event-ID starts with the
// id it starts after (no data), so a client that reconnects with it gets what arrived between
// the two streams; a stream resumed with an id does not repeat one.
func TestStreamWithoutIDSaysWhereItStarts(t *testing.T) {
	cfg := testConfig()
	cfg.NotifyEvery = 50 * time.Millisecond
	cfg.Stream.Life = 300 * time.Millisecond
	ta := newTestAppWith(t, cfg, nil)
	f := ta.newCaseAgency(t, 0)
	base := ta.serve()
	// first reads the stream's lines until its first event id (or the stream ends).
	first := func(lastID string) (id string, data bool) {
		req, _ := http.NewRequest("GET", base+"/v1/notifications/stream", nil)
		req.Header.Set("Authorization", "Bearer "+f.officer2Tok)
		if lastID != "" {
			req.Header.Set("Last-Event-ID", lastID)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		res, err := http.DefaultClient.Do(req.WithContext(ctx))
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		sc := bufio.NewScanner(res.Body)
		for sc.Scan() {
			if v, ok := strings.CutPrefix(sc.Text(), "id: "); ok {
				id = v
				sc.Scan()
				return id, strings.HasPrefix(sc.Text(), "event: notification")
			}
		}
		return "", false
	}
	c := ta.openCase(t, f)
	ta.act(t, f, c, map[string]any{"action": "register", "officer_ids": f.officers})
	ta.inboxOf(t, f.officer2Tok, 1)
	start, data := first("")
	seq, err := strconv.ParseInt(start, 10, 64)
	if err != nil || data || seq <= 0 {
		t.Fatalf("a fresh stream's first id: %q (an event: %v)", start, data)
	}
	// While no stream is open, another notification: the reconnect from the start id gets it.
	c = ta.openCase(t, f)
	ta.act(t, f, c, map[string]any{"action": "register", "officer_ids": f.officers})
	ta.inboxOf(t, f.officer2Tok, 2)
	next, data := first(start)
	if n, _ := strconv.ParseInt(next, 10, 64); !data || n <= seq {
		t.Fatalf("resumed from %d: first id %q (an event: %v)", seq, next, data)
	}
	if again, data := first(next); again != "" || data {
		t.Fatalf("resumed from the last id, the stream sent %q again", again)
	}
	if r := ta.do("GET", "/v1/notifications/stream", nil, f.officer2Tok, "Last-Event-ID", "-3", "Accept-Language", "zh-CN"); r.Status != 400 || !hasHan(r.str("detail")) {
		t.Fatalf("a bad Last-Event-ID: %d %s", r.Status, r.Body)
	}
}
