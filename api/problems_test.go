package api_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/zhifa/zhifa/notify"
)

// TestProblemListsAreTrackedToClosure: an agency registers a problem and a supervisor one for
// it; the supervisors of its district see both and another district's none; the agency closes
// one with what was done; an overdue one is flagged in the lists and its admins are alerted
// once.
func TestProblemListsAreTrackedToClosure(t *testing.T) {
	cfg := testConfig()
	cfg.NotifyEvery = 50 * time.Millisecond
	ta := newTestAppWith(t, cfg, nil)
	f := ta.newCaseAgency(t, 0)
	here := ta.supervisoryBody(t, "青山区司法局", usccOf(t, "11370402MB000011"+"0"), "青山区", "qs-supervisor")
	elsewhere := ta.supervisoryBody(t, "红山区司法局", usccOf(t, "11370402MB000012"+"0"), "红山区", "hs-supervisor")
	soon := time.Now().AddDate(0, 0, 10).Format(time.DateOnly)
	own := ta.do("POST", "/v1/problems", map[string]any{"source": "self_check", "title": "执法记录仪使用不规范", "plan": "每周抽查记录仪视频", "owner": "执法一队队长", "deadline": soon}, f.adminTok)
	found := ta.do("POST", "/v1/problems", map[string]any{"agency_id": f.id, "source": "review_finding", "source_ref": "2026年第一轮案卷评查",
		"title": "询问笔录未逐页签字", "plan": "建立笔录复核制度", "owner": "法制科科长", "deadline": soon}, here)
	if own.Status != 201 || found.Status != 201 {
		t.Fatalf("register: %d %s / %d %s", own.Status, own.Body, found.Status, found.Body)
	}
	id := own.str("id")
	ta.run([]scenario{
		{Name: "every field is checked", Method: "POST", URL: "/v1/problems", Token: f.adminTok, Body: map[string]any{"source": "rumour"}, Status: 400,
			Contains: []string{`"source":`, `"title":`, `"plan":`, `"owner":`, `"deadline":`}},
		{Name: "an officer registers none", Method: "POST", URL: "/v1/problems", Token: f.officerTok, Body: map[string]any{"source": "self_check", "title": "x问题", "plan": "y", "owner": "z", "deadline": soon}, Status: 403},
		{Name: "another district's supervisor registers none here", Method: "POST", URL: "/v1/problems", Token: elsewhere, Body: map[string]any{"agency_id": f.id, "source": "self_check", "title": "x问题", "plan": "y", "owner": "z", "deadline": soon}, Status: 404},
		{Name: "the supervisor sees both", Method: "GET", URL: "/v1/problems", Token: here, Status: 200, Contains: []string{id, found.str("id")}},
		{Name: "another district's supervisor sees none", Method: "GET", URL: "/v1/problems", Token: elsewhere, Status: 200, NotContains: []string{id}},
		{Name: "nor reads one", Method: "GET", URL: "/v1/problems/" + id, Token: elsewhere, Status: 404},
		{Name: "the officer reads the agency's", Method: "GET", URL: "/v1/problems?source=review_finding", Token: f.officerTok, Status: 200, Contains: []string{found.str("id")}, NotContains: []string{id}},
		{Name: "the supervisor does not rectify", Method: "PATCH", URL: "/v1/problems/" + id, Token: here, Body: map[string]any{"status": "in_progress"}, Headers: []string{"If-Match", `"1"`}, Status: 403},
		{Name: "If-Match is required", Method: "PATCH", URL: "/v1/problems/" + id, Token: f.adminTok, Body: map[string]any{"status": "in_progress"}, Status: 428},
		{Name: "closing says what was done", Method: "PATCH", URL: "/v1/problems/" + id, Token: f.adminTok, Body: map[string]any{"status": "closed"}, Headers: []string{"If-Match", `"1"`}, Status: 400, Contains: []string{`"closure":`}},
		{Name: "closed", Method: "PATCH", URL: "/v1/problems/" + id, Token: f.adminTok, Body: map[string]any{"status": "closed", "closure": "已建立每周抽查制度"}, Headers: []string{"If-Match", `"1"`}, Status: 200, Contains: []string{`"status":"closed"`, `"closed_at":`}},
		{Name: "a stale version", Method: "PATCH", URL: "/v1/problems/" + id, Token: f.adminTok, Body: map[string]any{"owner": "x"}, Headers: []string{"If-Match", `"1"`}, Status: 412},
		{Name: "open ones", Method: "GET", URL: "/v1/problems?open=true", Token: here, Status: 200, Contains: []string{found.str("id")}, NotContains: []string{id}},
	})
	// Past its deadline the open problem is flagged, and the agency's admins hear of it once.
	late := time.Now().AddDate(0, 0, 12)
	w := &notify.Watcher{Repo: ta.store, Now: func() time.Time { return late }, Log: discardLog()}
	for range 2 {
		if _, err := w.WatchOnce(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	ta.clock.Set(late)
	r := ta.do("GET", "/v1/problems?overdue=true", nil, here)
	ta.clock.Set(time.Time{})
	if !strings.Contains(string(r.Body), found.str("id")) || strings.Contains(string(r.Body), id) || !strings.Contains(string(r.Body), `"overdue":true`) {
		t.Fatalf("overdue: %s", r.Body)
	}
	inbox := ta.inboxOf(t, f.adminTok, 1)
	if n := strings.Count(string(inbox.Body), `"kind":"problem_overdue"`); n != 1 || !strings.Contains(string(inbox.Body), "询问笔录未逐页签字") {
		t.Fatalf("the admin's inbox: %s", inbox.Body)
	}
}
