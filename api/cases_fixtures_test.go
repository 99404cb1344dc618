package api_test

import (
	"fmt"
	"testing"
	"time"
)

// caseAgency is an agency ready for cases: two certified officers, a reviewer, a matter with a
// benchmark, and a legal-review catalog.
type caseAgency struct {
	agencyFixture
	officer2Tok             string
	reviewerID, reviewerTok string
	matterID, benchmarkID   string
	officers                []string
}

func (ta *testApp) newCaseAgency(t *testing.T, n int) caseAgency {
	t.Helper()
	f := caseAgency{agencyFixture: ta.newAgency(t, n)}
	prefix := string(rune('a' + n))
	if r := ta.do("PUT", "/v1/officers/"+f.officer2ID+"/certificate", map[string]any{
		"number": fmt.Sprintf("42010000%d0002", n), "issued_on": "2025-01-01", "expires_on": "2030-12-31"}, f.adminTok); r.Status != 200 {
		t.Fatalf("certify officer2: %d %s", r.Status, r.Body)
	}
	f.officer2Tok = ta.login(prefix+"-officer2", testPassword)
	f.reviewerID = ta.mustCreate("/v1/officers", map[string]any{"username": prefix + "-reviewer", "password": testPassword, "name": "王法审", "roles": []string{"reviewer", "officer"}}, f.adminTok)
	f.reviewerTok = ta.login(prefix+"-reviewer", testPassword)
	f.matterID = ta.mustCreate("/v1/matters", map[string]any{
		"code": "SC-001", "name": "销售不符合食品安全标准的食品", "legal_basis": "《中华人民共和国食品安全法》第一百二十四条",
		"penalty_kinds": []string{"warning", "fine", "confiscation", "licence_revoke"}, "limitation_years": 5}, f.adminTok)
	f.benchmarkID = ta.mustCreate("/v1/benchmarks", map[string]any{"matter_id": f.matterID, "tiers": []map[string]any{
		{"tier": "no_penalty", "min_fine": 0, "max_fine": 0, "first_offence": true},
		{"tier": "lighter", "min_fine": 50000, "max_fine": 80000, "circumstances": []string{"cooperated"}},
		{"tier": "normal", "min_fine": 80000, "max_fine": 150000},
		{"tier": "heavier", "min_fine": 150000, "max_fine": 200000, "circumstances": []string{"repeat"}},
	}}, f.adminTok)
	for _, rule := range []map[string]any{
		{"kind": "fine_above", "threshold": 100000, "description": "罚款十万元以上"},
		{"kind": "penalty_kind", "penalty_kind": "licence_revoke", "description": "吊销许可证件"},
	} {
		if r := ta.do("POST", "/v1/review-catalog", rule, f.adminTok); r.Status != 201 {
			t.Fatalf("review rule: %d %s", r.Status, r.Body)
		}
	}
	// Penalty decisions name where to seek reconsideration or sue (art. 59).
	agency := ta.do("GET", "/v1/agencies/"+f.id, nil, f.adminTok)
	if r := ta.do("PATCH", "/v1/agencies/"+f.id, map[string]any{"reconsideration_body": "青山区人民政府", "court": "青山区人民法院"}, f.adminTok, "If-Match", agency.Header.Get("ETag")); r.Status != 200 {
		t.Fatalf("agency settings: %d %s", r.Status, r.Body)
	}
	f.officers = []string{f.officerID, f.officer2ID}
	return f
}

// openCase opens a clue against an organisation and returns its id.
func (ta *testApp) openCase(t *testing.T, f caseAgency) string {
	t.Helper()
	r := ta.do("POST", "/v1/cases", map[string]any{
		"matter_id": f.matterID, "facts": "销售过期食品",
		"party":        map[string]any{"kind": "organisation", "name": "某某食品有限公司", "uscc": usccs[4]},
		"violation_on": "2026-01-15", "lat": 30.59, "lng": 114.30, "device_id": "phone-1",
	}, f.officerTok)
	if r.Status != 201 {
		t.Fatalf("open case: %d %s", r.Status, r.Body)
	}
	return r.str("id")
}

// act applies an action as the first officer with both officers acting, failing on anything
// but 200.
func (ta *testApp) act(t *testing.T, f caseAgency, id string, body map[string]any) response {
	t.Helper()
	return ta.actAs(t, f.officerTok, id, body, 200)
}

func (ta *testApp) actAs(t *testing.T, token, id string, body map[string]any, want int) response {
	t.Helper()
	r := ta.do("POST", "/v1/cases/"+id+"/transitions", body, token)
	if r.Status != want {
		t.Fatalf("%v: %d, want %d: %s", body["action"], r.Status, want, r.Body)
	}
	return r
}

// todayInChina is today's date where the cases happen: date fields are China's calendar days.
func todayInChina() string {
	return time.Now().In(time.FixedZone("CST", 8*3600)).Format(time.DateOnly)
}

func decision(fine int, tier string, kinds ...string) map[string]any {
	return map[string]any{"kind": "penalty", "penalty_kinds": kinds, "fine": fine, "tier": tier, "basis": "《食品安全法》第一百二十四条第一款"}
}

func notice(fine int, kinds ...string) map[string]any {
	return map[string]any{"facts": "经查，当事人销售过期食品。", "reasons": "违反《食品安全法》第三十四条", "basis": "《食品安全法》第一百二十四条",
		"proposed": decision(fine, tierOf(fine), kinds...)}
}

// tierOf is the tier of the fixture's benchmark that a fine falls in.
func tierOf(fine int) string {
	switch {
	case fine > 150000:
		return "heavier"
	case fine > 0 && fine < 80000:
		return "lighter"
	}
	return "normal"
}

// toNotified drives a fresh case to notified with a proposed fine.
func (ta *testApp) toNotified(t *testing.T, f caseAgency, fine int, kinds ...string) string {
	t.Helper()
	id := ta.openCase(t, f)
	ta.act(t, f, id, map[string]any{"action": "register", "officer_ids": f.officers})
	ta.act(t, f, id, map[string]any{"action": "start_investigation", "officer_ids": f.officers})
	ev := ta.addEvidence(t, f, id, []byte("%PDF-1.4 inquiry record"))
	ta.act(t, f, id, map[string]any{"action": "record", "officer_ids": f.officers, "evidence_ids": []string{ev}, "lat": 30.5, "lng": 114.3})
	ta.act(t, f, id, map[string]any{"action": "notify", "officer_ids": f.officers, "notice": notice(fine, kinds...)})
	return id
}
