package api_test

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestInspections(t *testing.T) {
	ta := newTestApp(t)
	a := ta.newCaseAgency(t, 0)
	b := ta.newCaseAgency(t, 1)
	day := time.Now().AddDate(0, 0, 3).Format(time.DateOnly)
	plan := func(f caseAgency, date string) map[string]any {
		return map[string]any{"matter_id": f.matterID, "enterprise_uscc": usccs[4], "enterprise_name": "某某食品有限公司", "planned_on": date, "officer_ids": f.officers}
	}
	first := ta.do("POST", "/v1/inspections", plan(a, day), a.officerTok)
	if first.Status != 201 || len(first.JSON["overlaps"].([]any)) != 0 {
		t.Fatalf("first plan: %d %s", first.Status, first.Body)
	}
	id := first.str("id")
	ta.run([]scenario{
		{Name: "another agency planning the same enterprise is told", Method: "POST", URL: "/v1/inspections", Token: b.officerTok, Body: plan(b, time.Now().AddDate(0, 0, 10).Format(time.DateOnly)), Status: 201,
			Contains: []string{"综合查一次", a.id, "区市场监督管理局A"}, NotContains: []string{a.officerID, id}},
		{Name: "far apart in time, no warning", Method: "POST", URL: "/v1/inspections", Token: b.officerTok, Body: plan(b, time.Now().AddDate(0, 3, 0).Format(time.DateOnly)), Status: 201, Contains: []string{`"overlaps":[]`}},
		{Name: "bad enterprise code", Method: "POST", URL: "/v1/inspections", Token: a.officerTok, Body: map[string]any{"matter_id": a.matterID, "enterprise_uscc": "123", "enterprise_name": "x", "planned_on": day, "officer_ids": a.officers}, Status: 400, Contains: []string{"enterprise_uscc"}},
		{Name: "another agency's officer on the plan", Method: "POST", URL: "/v1/inspections", Token: a.officerTok, Body: map[string]any{"matter_id": a.matterID, "enterprise_uscc": usccs[4], "enterprise_name": "x", "planned_on": day, "officer_ids": []string{b.officerID}}, Status: 400},
		{Name: "another agency cannot read it", Method: "GET", URL: "/v1/inspections/" + id, Token: b.officerTok, Status: 404},
		{Name: "another agency cannot check in", Method: "POST", URL: "/v1/inspections/" + id + "/check-ins", Token: b.officerTok, Body: map[string]any{"lat": 30.5, "lng": 114.3}, Status: 404},
		{Name: "no result before officers are on site", Method: "POST", URL: "/v1/inspections/" + id + "/result", Token: a.officerTok, Body: map[string]any{"outcome": "compliant"}, Status: 403},
		{Name: "no check-in before the planned day", Method: "POST", URL: "/v1/inspections/" + id + "/check-ins", Token: a.officerTok, Body: map[string]any{"lat": 30.5, "lng": 114.3}, Status: 409, Contains: []string{"事前报备"}},
		{Name: "a plan with one certified officer where the matter needs two", Method: "POST", URL: "/v1/inspections", Token: a.officerTok,
			Body: map[string]any{"matter_id": a.matterID, "enterprise_uscc": usccs[4], "enterprise_name": "x", "planned_on": day, "officer_ids": []string{a.officerID, a.reviewerID}}, Status: 400, Contains: []string{"at least 2 officers"}},
	})
	plannedDay, _ := time.ParseInLocation(time.DateOnly, day, time.FixedZone("CST", 8*3600))
	ta.clock.Set(plannedDay.Add(9 * time.Hour))
	defer ta.clock.Set(time.Time{})
	ta.run([]scenario{
		{Name: "a check-in needs a position", Method: "POST", URL: "/v1/inspections/" + id + "/check-ins", Token: a.officerTok, Body: map[string]any{"lat": 0, "lng": 0}, Status: 400},
		{Name: "first officer checks in", Method: "POST", URL: "/v1/inspections/" + id + "/check-ins", Token: a.officerTok, Body: map[string]any{"lat": 30.5, "lng": 114.3, "device_id": "p1"}, Status: 200, Contains: []string{`"status":"planned"`}},
		{Name: "twice is refused", Method: "POST", URL: "/v1/inspections/" + id + "/check-ins", Token: a.officerTok, Body: map[string]any{"lat": 30.5, "lng": 114.3}, Status: 409},
		{Name: "an officer not on the plan", Method: "POST", URL: "/v1/inspections/" + id + "/check-ins", Token: a.reviewerTok, Body: map[string]any{"lat": 30.5, "lng": 114.3}, Status: 403},
		{Name: "one officer is not enough", Method: "POST", URL: "/v1/inspections/" + id + "/result", Token: a.officerTok, Body: map[string]any{"outcome": "compliant"}, Status: 409},
		{Name: "second officer checks in", Method: "POST", URL: "/v1/inspections/" + id + "/check-ins", Token: a.officer2Tok, Body: map[string]any{"lat": 30.5001, "lng": 114.3002}, Status: 200, Contains: []string{`"status":"on_site"`}},
		{Name: "unknown outcome", Method: "POST", URL: "/v1/inspections/" + id + "/result", Token: a.officerTok, Body: map[string]any{"outcome": "fine"}, Status: 400},
		{Name: "result", Method: "POST", URL: "/v1/inspections/" + id + "/result", Token: a.officerTok, Body: map[string]any{"outcome": "issues_found", "notes": "标签不规范"}, Status: 200, Contains: []string{`"status":"completed"`, "标签不规范"}},
		{Name: "listed", Method: "GET", URL: "/v1/inspections", Token: a.adminTok, Status: 200, Contains: []string{id}},
	})
	// An officer whose certificate expired may not check in.
	second := ta.do("POST", "/v1/inspections", plan(a, day), a.officerTok).str("id")
	ta.do("PUT", "/v1/officers/"+a.officer2ID+"/certificate", map[string]any{"number": "42010000000002", "issued_on": "2020-01-01", "expires_on": "2024-01-01"}, a.adminTok, "If-Match", "*")
	if r := ta.do("POST", "/v1/inspections/"+second+"/check-ins", map[string]any{"lat": 30.5, "lng": 114.3}, a.officer2Tok); r.Status != 403 || !strings.Contains(string(r.Body), "expired") {
		t.Fatalf("expired certificate check-in: %d %s", r.Status, r.Body)
	}
}

func TestCatalogs(t *testing.T) {
	ta := newTestApp(t)
	a := ta.newCaseAgency(t, 0)
	b := ta.newCaseAgency(t, 1)
	ev := "/v1/benchmarks/" + a.benchmarkID + "/evaluate"
	ta.run([]scenario{
		{Name: "first offence selects no penalty", Method: "POST", URL: ev, Token: a.officerTok, Body: map[string]any{"first_offence": true}, Status: 200, Contains: []string{`"tier":"no_penalty"`, "首违不罚"}},
		{Name: "aggravating", Method: "POST", URL: ev, Token: a.officerTok, Body: map[string]any{"circumstances": []string{"repeat"}}, Status: 200, Contains: []string{`"tier":"heavier"`, `"min_fine":150000`, `"tier_name":"从重"`}},
		{Name: "both cancel out", Method: "POST", URL: ev, Token: a.officerTok, Body: map[string]any{"circumstances": []string{"repeat", "cooperated"}}, Status: 200, Contains: []string{`"tier":"normal"`}},
		{Name: "another agency's benchmark", Method: "POST", URL: ev, Token: b.officerTok, Body: map[string]any{}, Status: 404},
		{Name: "officers read the catalog", Method: "GET", URL: "/v1/matters", Token: a.officerTok, Status: 200, Contains: []string{a.matterID}, NotContains: []string{b.matterID}},
		{Name: "officers cannot change it", Method: "POST", URL: "/v1/matters", Token: a.officerTok, Body: map[string]any{"code": "X", "name": "x", "legal_basis": "x", "penalty_kinds": []string{"fine"}}, Status: 403},
		{Name: "duplicate code", Method: "POST", URL: "/v1/matters", Token: a.adminTok, Body: map[string]any{"code": "SC-001", "name": "x", "legal_basis": "x", "penalty_kinds": []string{"fine"}}, Status: 409},
		{Name: "unknown penalty kind", Method: "POST", URL: "/v1/matters", Token: a.adminTok, Body: map[string]any{"code": "X", "name": "x", "legal_basis": "x", "penalty_kinds": []string{"flogging"}}, Status: 400},
		{Name: "a second benchmark for a matter", Method: "POST", URL: "/v1/benchmarks", Token: a.adminTok, Body: map[string]any{"matter_id": a.matterID, "tiers": []map[string]any{{"tier": "normal", "min_fine": 1, "max_fine": 2}}}, Status: 409},
		{Name: "a benchmark without a normal tier", Method: "PUT", URL: "/v1/benchmarks/" + a.benchmarkID, Token: a.adminTok, Headers: []string{"If-Match", `"1"`}, Body: map[string]any{"tiers": []map[string]any{{"tier": "heavier", "min_fine": 1, "max_fine": 2}}}, Status: 400},
		{Name: "a benchmark on another agency's matter", Method: "POST", URL: "/v1/benchmarks", Token: a.adminTok, Body: map[string]any{"matter_id": b.matterID, "tiers": []map[string]any{{"tier": "normal", "min_fine": 1, "max_fine": 2}}}, Status: 400},
		{Name: "another agency's matter", Method: "GET", URL: "/v1/matters/" + b.matterID, Token: a.officerTok, Status: 404},
		{Name: "review catalog", Method: "GET", URL: "/v1/review-catalog", Token: a.reviewerTok, Status: 200, Contains: []string{"罚款十万元以上", "licence_revoke"}},
		{Name: "a bad rule", Method: "POST", URL: "/v1/review-catalog", Token: a.adminTok, Body: map[string]any{"kind": "fine_above", "description": "x"}, Status: 400, Contains: []string{"threshold"}},
	})
}

// TestSyncNeverSkips pages through the change log while other writers keep changing cases;
// after the writers stop, the client has seen every case at its final version.
func TestSyncNeverSkips(t *testing.T) {
	ta := newTestApp(t)
	f := ta.newCaseAgency(t, 0)
	const n = 12
	ids := make([]string, n)
	for i := range ids {
		ids[i] = ta.openCase(t, f)
	}
	latest := map[string]float64{}
	cursor := ""
	pull := func() {
		for {
			r := ta.do("GET", "/v1/sync?limit=5&cursor="+cursor, nil, f.officerTok)
			if r.Status != 200 {
				t.Fatalf("sync: %d %s", r.Status, r.Body)
			}
			for _, it := range r.JSON["items"].([]any) {
				m := it.(map[string]any)
				if m["kind"] == "case" {
					obj := m["object"].(map[string]any)
					latest[m["id"].(string)] = max(latest[m["id"].(string)], obj["version"].(float64))
				}
			}
			cursor = r.str("next_cursor")
			if r.JSON["more"] != true {
				return
			}
		}
	}
	var wg sync.WaitGroup
	stop := make(chan struct{})
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			ta.do("POST", "/v1/cases/"+ids[i%n]+"/documents", map[string]any{"kind": "inquiry_record", "fields": map[string]string{"time": fmt.Sprint(i), "place": "x", "interviewee": "x", "content": "x"}}, f.officerTok)
		}
	}()
	for i := 0; i < 15; i++ {
		pull()
	}
	close(stop)
	wg.Wait()
	time.Sleep(ta.cfg.SyncSettle + 50*time.Millisecond) // past the settle time of the last writes
	pull()
	for _, id := range ids {
		final := ta.do("GET", "/v1/cases/"+id, nil, f.officerTok).JSON["version"].(float64)
		if latest[id] != final {
			t.Errorf("case %s: sync saw version %v, final is %v", id, latest[id], final)
		}
	}
	ta.run([]scenario{
		{Name: "a bad cursor", Method: "GET", URL: "/v1/sync?cursor=!!", Token: f.officerTok, Status: 400},
		{Name: "a sysadmin has no agency to sync", Method: "GET", URL: "/v1/sync", Token: ta.sysTok, Status: 400},
		{Name: "catalog entries are in the feed", Method: "GET", URL: "/v1/sync?limit=200", Token: f.adminTok, Status: 200, Contains: []string{`"kind":"matter"`, `"kind":"benchmark"`, `"kind":"review_rule"`, `"threshold":100000`, `"events":[{"case_id"`, f.matterID}},
	})
}
