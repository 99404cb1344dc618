package api_test

import (
	"bytes"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// TestEveryClientFieldIsBounded sends fields past their limits, unknown and wrongly-cased
// names, invalid UTF-8 and NUL characters: each is refused with 400 naming every bad field at
// once, and nothing is written.
func TestEveryClientFieldIsBounded(t *testing.T) {
	ta := newTestApp(t)
	f := ta.newCaseAgency(t, 0)
	id := ta.openCase(t, f)
	tr := "/v1/cases/" + id + "/transitions"
	many := func(n, size int) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = strings.Repeat("e", size-3) + fmt.Sprintf("%03d", i)
		}
		return out
	}
	ta.run([]scenario{
		{Name: "51 evidence ids", Method: "POST", URL: tr, Token: f.officerTok, Status: 400,
			Body:     map[string]any{"action": "record", "officer_ids": f.officers, "evidence_ids": many(51, 10)},
			Contains: []string{`"evidence_ids":"at most 50 items"`}},
		{Name: "an evidence id of 65 characters", Method: "POST", URL: tr, Token: f.officerTok, Status: 400,
			Body:     map[string]any{"action": "record", "officer_ids": f.officers, "evidence_ids": many(1, 65)},
			Contains: []string{`"evidence_ids":"at most 64 characters"`}},
		{Name: "every bad field at once", Method: "POST", URL: tr, Token: f.officerTok, Status: 400,
			Body: map[string]any{"action": "record", "officer_ids": many(11, 5), "reason": strings.Repeat("理", 2001), "lat": 91.5,
				"decision": map[string]any{"fine": 2e9, "basis": strings.Repeat("b", 2001)}, "paid": 1e11, "Device_ID": "x"},
			Contains: []string{`"officer_ids":"at most 10 items"`, `"reason":"at most 2000 characters"`, `"lat":"at most 90 in magnitude"`,
				`"decision.fine":"at most 1000000000 in magnitude"`, `"decision.basis":"at most 2000 characters"`, `"paid":"at most 10000000000 in magnitude"`,
				`"Device_ID":"unknown field; field names are case-sensitive: did you mean device_id?"`}},
		{Name: "a party name of 201 characters", Method: "POST", URL: "/v1/cases", Token: f.officerTok, Status: 400,
			Body:     map[string]any{"matter_id": f.matterID, "party": map[string]any{"kind": "person", "name": strings.Repeat("张", 201)}},
			Contains: []string{`"party.name":"at most 200 characters"`}},
		{Name: "a document with too many fields", Method: "POST", URL: "/v1/cases/" + id + "/documents", Token: f.officerTok, Status: 400,
			Body: map[string]any{"kind": "inquiry_record", "fields": func() map[string]string {
				m := map[string]string{}
				for i := range 21 {
					m[fmt.Sprint(i)] = "x"
				}
				return m
			}()}, Contains: []string{`"fields":"at most 20 items"`}},
		{Name: "a NUL character", Method: "POST", URL: tr, Token: f.officerTok, Status: 400,
			Body: map[string]any{"action": "decline", "reason": "a\u0000b"}, Contains: []string{`"reason":"must not contain NUL characters"`}},
		{Name: "a login with upper-case names", Method: "POST", URL: "/v1/auth/login", Status: 400,
			Body: map[string]any{"USERNAME": "a-officer", "Password": testPassword}, Contains: []string{"USERNAME", "did you mean username?"}},
	})
	// Invalid UTF-8 cannot be built with a map: send the bytes.
	req := httptest.NewRequest("POST", tr, bytes.NewReader([]byte("{\"action\":\"decline\",\"reason\":\"\xff\xfe\"}")))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+f.officerTok)
	res, err := ta.app.Test(req, -1)
	if err != nil || res.StatusCode != 400 {
		t.Fatalf("invalid UTF-8: %v %v", res.StatusCode, err)
	}
	if r := ta.do("GET", "/v1/cases/"+id, nil, f.officerTok); r.JSON["status"] != "clue" || r.JSON["version"].(float64) != 1 {
		t.Fatalf("a refused request changed the case: %s", r.Body)
	}
}

// TestHeadersUsernamesMethodsAndCatalogScope: security headers and no-store on responses with
// personal data, usernames unique without regard to case, unknown methods answered as
// problems, and a review rule only on a matter of its own agency.
func TestHeadersUsernamesMethodsAndCatalogScope(t *testing.T) {
	ta := newTestApp(t)
	a, b := ta.newCaseAgency(t, 0), ta.newCaseAgency(t, 1)
	me := ta.do("GET", "/v1/me", nil, a.officerTok)
	for h, want := range map[string]string{"X-Content-Type-Options": "nosniff", "Cache-Control": "no-store", "Referrer-Policy": "no-referrer", "X-Frame-Options": "DENY"} {
		if got := me.Header.Get(h); got != want {
			t.Errorf("%s: %q, want %q", h, got, want)
		}
	}
	if csp := me.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "frame-ancestors 'none'") {
		t.Errorf("CSP %q", csp)
	}
	if jwks := ta.do("GET", "/.well-known/jwks.json", nil, ""); jwks.Header.Get("Cache-Control") != "public, max-age=300" {
		t.Errorf("a public document keeps its own caching: %q", jwks.Header.Get("Cache-Control"))
	}
	ta.run([]scenario{
		{Name: "a username differing only in case", Method: "POST", URL: "/v1/officers", Token: a.adminTok, Status: 409,
			Body: map[string]any{"username": "A-Officer", "password": testPassword, "name": "冒名", "roles": []string{"officer"}}},
		{Name: "signing in ignores case", Method: "POST", URL: "/v1/auth/login", Body: map[string]any{"username": "A-OFFICER", "password": testPassword}, Status: 200},
		{Name: "a review rule on another agency's matter", Method: "POST", URL: "/v1/review-catalog", Token: a.adminTok, Status: 400,
			Body: map[string]any{"kind": "matter", "matter_id": b.matterID, "description": "x"}, Contains: []string{"matter_id"}},
		{Name: "a review rule on its own matter", Method: "POST", URL: "/v1/review-catalog", Token: a.adminTok, Status: 201,
			Body: map[string]any{"kind": "matter", "matter_id": a.matterID, "description": "本事项全部法制审核"}},
	})
	req := httptest.NewRequest("BREW", "/v1/cases", nil)
	res, err := ta.app.Test(req, -1)
	if err != nil {
		t.Fatal(err)
	}
	body := new(bytes.Buffer)
	_, _ = body.ReadFrom(res.Body)
	if res.StatusCode != 501 || res.Header.Get("Content-Type") != "application/problem+json" || !strings.Contains(body.String(), `"code":"not_implemented"`) {
		t.Fatalf("unknown method: %d %s %s", res.StatusCode, res.Header.Get("Content-Type"), body)
	}
}

// TestEveryCreateAnswersTheSameWay: 201 with the object itself, its Location and, for what has
// versions, an ETag; times carry the millisecond precision they are read back with.
func TestEveryCreateAnswersTheSameWay(t *testing.T) {
	ta := newTestApp(t)
	f := ta.newCaseAgency(t, 0)
	day := time.Now().AddDate(0, 0, 3).Format(time.DateOnly)
	for _, c := range []struct {
		url, token string
		body       map[string]any
		versioned  bool
	}{
		{"/v1/agencies", ta.sysTok, map[string]any{"name": "区城管局", "uscc": usccs[2], "jurisdiction": map[string]string{"district": "青山区"}, "legal_basis": "《城市管理执法办法》"}, true},
		{"/v1/officers", f.adminTok, map[string]any{"username": "a-new", "password": testPassword, "name": "新人", "roles": []string{"officer"}}, true},
		{"/v1/matters", f.adminTok, map[string]any{"code": "X-9", "name": "x", "legal_basis": "x", "penalty_kinds": []string{"fine"}}, true},
		{"/v1/cases", f.officerTok, map[string]any{"matter_id": f.matterID, "party": map[string]any{"kind": "person", "name": "甲"}}, true},
		{"/v1/inspections", f.officerTok, map[string]any{"matter_id": f.matterID, "enterprise_uscc": usccs[4], "enterprise_name": "x", "planned_on": day, "officer_ids": f.officers}, true},
		{"/v1/cases/" + ta.openCase(t, f) + "/documents", f.officerTok, map[string]any{"kind": "inquiry_record", "fields": map[string]string{"time": "x", "place": "x", "interviewee": "x", "content": "x"}}, false},
	} {
		r := ta.do("POST", c.url, c.body, c.token)
		loc := r.Header.Get("Location")
		if r.Status != 201 || loc == "" || r.str("id") == "" || !strings.HasSuffix(loc, r.str("id")) || c.versioned != (r.Header.Get("ETag") != "") {
			t.Errorf("POST %s: %d Location %q ETag %q %s", c.url, r.Status, loc, r.Header.Get("ETag"), r.Body)
			continue
		}
		for _, k := range []string{"created_at", "updated_at", "issued_at"} {
			if v := r.str(k); v != "" && len(v) > len("2006-01-02T15:04:05.000Z") {
				t.Errorf("POST %s: %s %q has more than millisecond precision", c.url, k, v)
			}
		}
		got := ta.do("GET", loc, nil, c.token)
		for _, k := range []string{"created_at", "updated_at", "issued_at"} {
			if got.str(k) != r.str(k) {
				t.Errorf("GET %s: %s %q, the create answered %q", loc, k, got.str(k), r.str(k))
			}
		}
	}
}
