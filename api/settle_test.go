package api_test

import (
	"context"
	"testing"
	"time"

	"github.com/zhifa/zhifa/domain"
)

// TestAnsweredWritesNeedNotAge: on the embedded engine, where the process is the only writer, a
// change logged by a request that has answered is delivered by sync and turned into its
// notifications at once, though the settle time is an hour; a change logged outside a request
// (background work, whose write may still be running) still waits for it. On the MongoDB code
// path, where other instances write too, every change waits.
func TestAnsweredWritesNeedNotAge(t *testing.T) {
	cfg := testConfig()
	cfg.SyncSettle = time.Hour
	cfg.NotifyEvery = 20 * time.Millisecond
	ta := newTestAppWith(t, cfg, nil)
	f := ta.newCaseAgency(t, 0)
	early := !asMongoDB
	r := ta.do("GET", "/v1/sync?limit=200", nil, f.officerTok)
	items := r.JSON["items"].([]any)
	if early != (len(items) > 0) {
		t.Fatalf("early %v: sync delivered %d items: %s", early, len(items), r.Body)
	}
	cursor := r.str("next_cursor")

	// A case registered through the API reaches the assigned officer's inbox well before the
	// hour.
	id := ta.mustCreate("/v1/cases", map[string]any{"matter_id": f.matterID, "facts": "现场检查", "party": map[string]any{"kind": "person", "name": "张三"}}, f.officerTok)
	ta.do("POST", "/v1/cases/"+id+"/transitions", map[string]any{"action": "register", "officer_ids": []string{f.officerID, f.officer2ID}}, f.officerTok).mustStatus(t, 200)
	var got int
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		r := ta.do("GET", "/v1/notifications", nil, f.officer2Tok)
		if got = len(r.JSON["items"].([]any)); got > 0 || !early {
			break
		}
	}
	if early != (got > 0) {
		t.Fatalf("early %v: %d notifications", early, got)
	}

	// A change logged outside a request waits, and so does everything after it.
	ch := &domain.Change{AgencyID: f.id, Kind: "case", ObjectID: id, EventSeq: 99}
	if err := ta.store.RecordChange(context.Background(), ch); err != nil {
		t.Fatal(err)
	}
	ta.do("POST", "/v1/cases/"+id+"/transitions", map[string]any{"action": "start_investigation", "officer_ids": []string{f.officerID, f.officer2ID}}, f.officerTok).mustStatus(t, 200)
	r = ta.do("GET", "/v1/sync?limit=200&cursor="+cursor, nil, f.officerTok)
	for _, it := range r.JSON["items"].([]any) {
		if seq, _ := it.(map[string]any)["seq"].(float64); int64(seq) >= ch.Seq {
			t.Fatalf("sync passed change %d, logged outside a request an instant ago: %s", ch.Seq, r.Body)
		}
	}
	ta.clock.Set(time.Now().Add(2 * time.Hour))
	r = ta.do("GET", "/v1/sync?limit=200&cursor="+cursor, nil, f.officerTok)
	if n := len(r.JSON["items"].([]any)); n == 0 {
		t.Fatalf("settled changes not delivered: %s", r.Body)
	}
}

func (r response) mustStatus(t *testing.T, status int) response {
	t.Helper()
	if r.Status != status {
		t.Fatalf("status %d, want %d: %s", r.Status, status, r.Body)
	}
	return r
}
