package api_test

import (
	"fmt"
	"io"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestConcurrentActionsAndCreates replays what testing the running server from outside
// found: concurrent actions on one case refusing each other, and concurrent creates of one id
// burning case numbers.
func TestConcurrentActionsAndCreates(t *testing.T) {
	needsAtomicWrites(t) // case numbers come from an atomic $inc
	ta := newTestApp(t)
	f := ta.newCaseAgency(t, 0)
	id := ta.openInvestigating(t, f)

	// Eight officers' phones record at once, without If-Match: each lands, once.
	var wg sync.WaitGroup
	statuses := make([]int, 8)
	for i := range statuses {
		wg.Add(1)
		go func() {
			defer wg.Done()
			statuses[i] = ta.do("POST", "/v1/cases/"+id+"/transitions", map[string]any{"action": "record", "officer_ids": f.officers,
				"device_id": fmt.Sprintf("ev-%d", i)}, f.officerTok, "Idempotency-Key", fmt.Sprintf("rec-%d", i)).Status
		}()
	}
	wg.Wait()
	for i, s := range statuses {
		if s != 200 {
			t.Errorf("concurrent record %d: %d", i, s)
		}
	}
	if n := ta.do("GET", "/v1/cases/"+id, nil, f.officerTok).JSON["event_count"].(float64); n != 3+8 {
		t.Errorf("%v events, want 11", n)
	}

	// Ten creates of one case at once (a phone's retries) take one number.
	before := ta.do("POST", "/v1/cases", map[string]any{"matter_id": f.matterID, "party": map[string]any{"kind": "person", "name": "甲"}}, f.officerTok).str("number")
	body := map[string]any{"matter_id": f.matterID, "party": map[string]any{"kind": "person", "name": "乙"}}
	for i := range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			b := body
			if i%2 == 1 {
				b = map[string]any{"id": uuidFor(7777), "matter_id": f.matterID, "party": map[string]any{"kind": "person", "name": "乙"}}
			}
			ta.do("POST", "/v1/cases", b, f.officerTok, "Idempotency-Key", fmt.Sprintf("same-%d", i%2))
		}()
	}
	wg.Wait()
	after := ta.do("POST", "/v1/cases", map[string]any{"matter_id": f.matterID, "party": map[string]any{"kind": "person", "name": "丙"}}, f.officerTok).str("number")
	var b, a int
	fmt.Sscanf(before[5:], "%d", &b)
	fmt.Sscanf(after[5:], "%d", &a)
	if a != b+3 {
		t.Errorf("numbers %s then %s: two cases between them should take two numbers", before, after)
	}
}

// TestInputsTheOutsideTestFound: inputs that were accepted and should not have been.
func TestInputsTheOutsideTestFound(t *testing.T) {
	ta := newTestApp(t)
	f := ta.newCaseAgency(t, 0)
	id := ta.openInvestigating(t, f)
	for i := range 8 {
		ta.act(t, f, id, map[string]any{"action": "record", "officer_ids": f.officers, "device_id": fmt.Sprintf("ev-%d", i)})
	}

	tr := "/v1/cases/" + id + "/transitions"
	day := time.Now().AddDate(0, 0, 3).Format(time.DateOnly)
	ta.run([]scenario{
		{Name: "an empty evidence id", Method: "POST", URL: tr, Token: f.officerTok, Body: map[string]any{"action": "record", "officer_ids": f.officers, "evidence_ids": []string{""}}, Status: 400, Contains: []string{"evidence_ids"}},
		{Name: "an evidence id twice", Method: "POST", URL: tr, Token: f.officerTok, Body: map[string]any{"action": "record", "officer_ids": f.officers, "evidence_ids": []string{"a", "a"}}, Status: 400, Contains: []string{"evidence_ids"}},
		{Name: "facts sent with record would be lost", Method: "POST", URL: tr, Token: f.officerTok, Body: map[string]any{"action": "record", "officer_ids": f.officers, "facts": "x", "paid": 5}, Status: 400,
			Contains: []string{`"facts":"record does not use it"`, `"paid":"record does not use it"`}},
		{Name: "a control character", Method: "POST", URL: tr, Token: f.officerTok, Body: map[string]any{"action": "record", "officer_ids": f.officers, "evidence_ids": []string{"a\u0007"}}, Status: 400, Contains: []string{"control characters"}},
		{Name: "a phone that is no number", Method: "POST", URL: "/v1/cases", Token: f.officerTok, Body: map[string]any{"matter_id": f.matterID, "party": map[string]any{"kind": "person", "name": "丁", "phone": "abc"}}, Status: 400, Contains: []string{"party.phone"}},
		{Name: "an inspection with one officer twice", Method: "POST", URL: "/v1/inspections", Token: f.officerTok, Body: map[string]any{"matter_id": f.matterID, "enterprise_uscc": usccs[4], "enterprise_name": "x", "planned_on": day, "officer_ids": []string{f.officerID, f.officerID}}, Status: 400, Contains: []string{"each officer once"}},
		{Name: "an inspection in the past", Method: "POST", URL: "/v1/inspections", Token: f.officerTok, Body: map[string]any{"matter_id": f.matterID, "enterprise_uscc": usccs[4], "enterprise_name": "x", "planned_on": "2026-01-05", "officer_ids": f.officers}, Status: 400, Contains: []string{"planned_on"}},
		{Name: "events page on with cursor", Method: "GET", URL: "/v1/cases/" + id + "/events?limit=3&cursor=5", Token: f.officerTok, Status: 200, Contains: []string{`"seq":6`, `"next_cursor":"8"`}, NotContains: []string{`"seq":5,`}},
	})
	if r := ta.do("DELETE", "/v1/cases/"+id, nil, f.officerTok); r.Status != 405 || !strings.Contains(r.Header.Get("Allow"), "GET") || !strings.Contains(string(r.Body), `"code":"method_not_allowed"`) {
		t.Errorf("a method the path does not have: %d %q %s", r.Status, r.Header.Get("Allow"), r.Body)
	}
	// A lone surrogate cannot be written by encoding/json: send the bytes.
	if r := ta.doRaw("POST", tr, `{"action":"decline","reason":"a\ud800b"}`, f.officerTok); r.Status != 400 || !strings.Contains(string(r.Body), "valid Unicode") {
		t.Errorf("a lone surrogate: %d %s", r.Status, r.Body)
	}

	// A heavier tier than notified; a payment before service.
	n := ta.toNotified(t, f, 90000, "fine")
	ta.act(t, f, n, map[string]any{"action": "waive"})
	heavier := decision(90000, "heavier", "fine")
	heavier["out_of_range_reason"] = "x"
	ta.actAs(t, f.adminTok, n, map[string]any{"action": "decide", "decision": heavier}, 409)
	ta.actAs(t, f.adminTok, n, map[string]any{"action": "decide", "decision": decision(90000, "normal", "fine")}, 200)
	ta.do("POST", "/v1/cases/"+n+"/documents", map[string]any{"kind": "penalty_decision", "fields": map[string]string{"evidence": "照片", "payment": "十五日内"}}, f.officerTok)
	ta.do("POST", "/v1/cases/"+n+"/documents", map[string]any{"kind": "credit_repair_notice"}, f.officerTok)
	ta.act(t, f, n, map[string]any{"action": "serve", "officer_ids": f.officers})
	r := ta.actAs(t, f.officerTok, n, map[string]any{"action": "execute", "paid": 90000, "paid_on": time.Now().AddDate(0, 0, -20).Format(time.DateOnly)}, 400)
	if !strings.Contains(string(r.Body), "not before the decision was served") {
		t.Errorf("paid before service: %s", r.Body)
	}
}

// doRaw sends a body exactly as written, for bytes encoding/json would not produce.
func (ta *testApp) doRaw(method, url, body, token string) response {
	ta.t.Helper()
	req := httptest.NewRequest(method, url, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept-Language", "en") // as ta.do: the suite reads the English messages
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := ta.app.Test(req, -1)
	if err != nil {
		ta.t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	return response{Status: res.StatusCode, Header: res.Header, Body: raw}
}

// TestInspectionWritesReplay: a phone that lost the answers to its plan and its check-in
// sends both again with their keys and gets the original outcomes, not a conflict.
func TestInspectionWritesReplay(t *testing.T) {
	ta := newTestApp(t)
	f := ta.newCaseAgency(t, 0)
	day := time.Now().In(time.FixedZone("CST", 8*3600)).Format(time.DateOnly) // today where it is planned
	plan := map[string]any{"matter_id": f.matterID, "enterprise_uscc": usccs[4], "enterprise_name": "x", "planned_on": day, "officer_ids": f.officers}
	first := ta.do("POST", "/v1/inspections", plan, f.officerTok, "Idempotency-Key", "plan-1")
	again := ta.do("POST", "/v1/inspections", plan, f.officerTok, "Idempotency-Key", "plan-1")
	if first.Status != 201 || again.Status != 201 || again.str("id") != first.str("id") || again.Header.Get("Idempotent-Replayed") != "true" {
		t.Fatalf("plan retried: %d %d %s %s", first.Status, again.Status, first.str("id"), again.str("id"))
	}
	if r := ta.do("POST", "/v1/inspections", map[string]any{"matter_id": f.matterID, "enterprise_uscc": usccs[4], "enterprise_name": "y", "planned_on": day, "officer_ids": f.officers}, f.officerTok, "Idempotency-Key", "plan-1"); r.Status != 422 {
		t.Fatalf("same key, another plan: %d %s", r.Status, r.Body)
	}
	url := "/v1/inspections/" + first.str("id") + "/check-ins"
	in := map[string]any{"lat": 30.5, "lng": 114.3}
	c1 := ta.do("POST", url, in, f.officerTok, "Idempotency-Key", "ci-1")
	c2 := ta.do("POST", url, in, f.officerTok, "Idempotency-Key", "ci-1")
	if c1.Status != 200 || c2.Status != 200 || c2.Header.Get("Idempotent-Replayed") != "true" || len(c2.JSON["check_ins"].([]any)) != 1 {
		t.Fatalf("check-in retried: %d %d %s", c1.Status, c2.Status, c2.Body)
	}
	if r := ta.do("POST", url, in, f.officerTok, "Idempotency-Key", "ci-2"); r.Status != 409 {
		t.Fatalf("a second check-in with a new key: %d", r.Status)
	}
}
