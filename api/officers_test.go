package api_test

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestAgencies(t *testing.T) {
	ta := newTestApp(t)
	a := ta.newAgency(t, 0)
	b := ta.newAgency(t, 1)
	ta.run([]scenario{
		{Name: "duplicate USCC", Method: "POST", URL: "/v1/agencies", Token: ta.sysTok, Body: map[string]any{"name": "又一个局", "uscc": usccs[0], "jurisdiction": map[string]string{"district": "青山区"}, "legal_basis": "《城市管理执法办法》"}, Status: 409},
		{Name: "lower-case USCC is normalised", Method: "POST", URL: "/v1/agencies", Token: ta.sysTok, Body: map[string]any{"name": "城管局", "uscc": strings.ToLower(usccs[2]), "jurisdiction": map[string]string{"district": "青山区", "town": "红卫路街道"}, "legal_basis": "《城市管理执法办法》"}, Status: 201, Contains: []string{`"uscc":"` + usccs[2] + `"`, `"town":"红卫路街道"`}},
		{Name: "an agency admin cannot register agencies", Method: "POST", URL: "/v1/agencies", Token: a.adminTok, Body: map[string]any{"name": "x", "uscc": usccs[3], "jurisdiction": map[string]string{"district": "x"}}, Status: 403},
		{Name: "sysadmin lists all", Method: "GET", URL: "/v1/agencies", Token: ta.sysTok, Status: 200, Contains: []string{a.id, b.id}},
		{Name: "an admin lists only its own", Method: "GET", URL: "/v1/agencies", Token: a.adminTok, Status: 200, Contains: []string{a.id}, NotContains: []string{b.id}},
		{Name: "an admin reads its own", Method: "GET", URL: "/v1/agencies/" + a.id, Token: a.adminTok, Status: 200},
		{Name: "another agency is not found", Method: "GET", URL: "/v1/agencies/" + b.id, Token: a.adminTok, Status: 404, NotContains: []string{usccs[1]}},
		{Name: "an officer cannot change its agency", Method: "PATCH", URL: "/v1/agencies/" + a.id, Token: a.officerTok, Body: map[string]any{"name": "x"}, Status: 403},
		{Name: "an admin cannot change status", Method: "PATCH", URL: "/v1/agencies/" + a.id, Token: a.adminTok, Body: map[string]any{"status": "revoked", "status_announced_on": "2026-01-01"}, Status: 403},
		{Name: "an admin cannot change another agency", Method: "PATCH", URL: "/v1/agencies/" + b.id, Token: a.adminTok, Body: map[string]any{"name": "x"}, Status: 404},
		{Name: "a change without If-Match", Method: "PATCH", URL: "/v1/agencies/" + a.id, Token: a.adminTok, Body: map[string]any{"document_number_pattern": "青市监{kind}〔{year}〕{n}号"}, Status: 428, Contains: []string{`If-Match`}},
		{Name: "an admin cannot rewrite its legal basis", Method: "PATCH", URL: "/v1/agencies/" + a.id, Token: a.adminTok, Headers: []string{"If-Match", `"1"`}, Body: map[string]any{"legal_basis": "《行政处罚法》第十八条"}, Status: 403, Contains: []string{"legal_basis"}},
		{Name: "the sysadmin changes the legal basis", Method: "PATCH", URL: "/v1/agencies/" + a.id, Token: ta.sysTok, Headers: []string{"If-Match", `"1"`}, Body: map[string]any{"legal_basis": "《行政处罚法》第十八条"}, Status: 200, Contains: []string{"第十八条", `"version":2`}},
		{Name: "stale If-Match", Method: "PATCH", URL: "/v1/agencies/" + a.id, Token: a.adminTok, Headers: []string{"If-Match", `"1"`}, Body: map[string]any{"document_number_pattern": "青市监{kind}〔{year}〕{n}号"}, Status: 412},
		{Name: "an active agency keeps its legal basis", Method: "PATCH", URL: "/v1/agencies/" + a.id, Token: ta.sysTok, Headers: []string{"If-Match", `"2"`}, Body: map[string]any{"legal_basis": ""}, Status: 400, Contains: []string{"legal_basis"}},
		{Name: "suspension needs an announcement date", Method: "PATCH", URL: "/v1/agencies/" + b.id, Token: ta.sysTok, Headers: []string{"If-Match", `"1"`}, Body: map[string]any{"status": "suspended"}, Status: 400, Contains: []string{"status_announced_on"}},
		{Name: "sysadmin suspends", Method: "PATCH", URL: "/v1/agencies/" + b.id, Token: ta.sysTok, Headers: []string{"If-Match", `"1"`}, Body: map[string]any{"status": "suspended", "status_announced_on": "2026-03-01"}, Status: 200, Contains: []string{`"status_announced_on":"2026-03-01"`}},
		{Name: "the public list shows adjustments", Method: "GET", URL: "/v1/public/agencies", Status: 200,
			Contains: []string{a.id, b.id, `"status":"suspended","status_announced_on":"2026-03-01"`}, NotContains: []string{`"version"`, "decision_role"}},
		{Name: "the public list of suspended agencies", Method: "GET", URL: "/v1/public/agencies?status=suspended", Status: 200, Contains: []string{b.id}, NotContains: []string{a.id}},
		{Name: "reinstating takes its own announcement", Method: "PATCH", URL: "/v1/agencies/" + b.id, Token: ta.sysTok, Headers: []string{"If-Match", `"2"`}, Body: map[string]any{"status": "revoked"}, Status: 400, Contains: []string{"status_announced_on"}},
		{Name: "sysadmin revokes", Method: "PATCH", URL: "/v1/agencies/" + b.id, Token: ta.sysTok, Headers: []string{"If-Match", `"2"`}, Body: map[string]any{"status": "revoked", "status_announced_on": "2026-04-01"}, Status: 200, Contains: []string{`"status":"revoked"`, "2026-04-01"}},
		{Name: "revocation is final", Method: "PATCH", URL: "/v1/agencies/" + b.id, Token: ta.sysTok, Headers: []string{"If-Match", `"3"`}, Body: map[string]any{"status": "active", "status_announced_on": "2026-05-01"}, Status: 403, Contains: []string{"final"}},
		{Name: "a revoked agency's officers may not act", Method: "GET", URL: "/v1/officers/" + b.officerID, Token: ta.sysTok, Status: 200, Contains: []string{`"may_act":false`, "agency is revoked"}},
	})
}

func TestOfficersAndScope(t *testing.T) {
	ta := newTestApp(t)
	a := ta.newAgency(t, 0)
	b := ta.newAgency(t, 1)
	ta.run([]scenario{
		{Name: "admin reads its officer with private fields", Method: "GET", URL: "/v1/officers/" + a.officerID, Token: a.adminTok, Status: 200, Contains: []string{`"phone":"13800138000"`, `"may_act":true`, a.certNo}},
		{Name: "a colleague without a certificate reads no colleague", Method: "GET", URL: "/v1/officers/" + a.officerID, Token: ta.login("a-officer2", testPassword), Status: 403, NotContains: []string{"13800138000"}},
		{Name: "a colleague sees no phone or ID", Method: "GET", URL: "/v1/officers/" + a.officerID, Token: ta.certifiedColleague(t, a), Status: 200, NotContains: []string{"13800138000", "11010519491231002X"}},
		{Name: "an officer reads itself", Method: "GET", URL: "/v1/officers/" + a.officerID, Token: a.officerTok, Status: 200, Contains: []string{"13800138000"}},
		{Name: "officer of another agency is not found", Method: "GET", URL: "/v1/officers/" + b.officerID, Token: a.officerTok, Status: 404, NotContains: []string{"张三"}},
		{Name: "admin of another agency cannot read", Method: "GET", URL: "/v1/officers/" + b.officerID, Token: a.adminTok, Status: 404},
		{Name: "admin of another agency cannot change", Method: "PATCH", URL: "/v1/officers/" + b.officerID, Token: a.adminTok, Body: map[string]any{"name": "x"}, Status: 404},
		{Name: "admin of another agency cannot certify", Method: "PUT", URL: "/v1/officers/" + b.officerID + "/certificate", Token: a.adminTok, Body: map[string]any{"number": "42010000009999", "issued_on": "2025-01-01", "expires_on": "2030-01-01"}, Status: 404},
		{Name: "admin of another agency cannot add training", Method: "POST", URL: "/v1/officers/" + b.officerID + "/training", Token: a.adminTok, Body: map[string]any{"topic": "x", "hours": 2, "date": "2026-01-05"}, Status: 404},
		{Name: "admin of another agency cannot read training", Method: "GET", URL: "/v1/officers/" + b.officerID + "/training", Token: a.adminTok, Status: 404},
		{Name: "admin of another agency cannot list its officers", Method: "GET", URL: "/v1/officers?agency_id=" + b.id, Token: a.adminTok, Status: 404},
		{Name: "admin of another agency cannot see its shortfall", Method: "GET", URL: "/v1/training/shortfall?agency_id=" + b.id, Token: a.adminTok, Status: 404},
		{Name: "an admin cannot create officers in another agency", Method: "POST", URL: "/v1/officers", Token: a.adminTok, Body: map[string]any{"username": "sneaky", "password": testPassword, "name": "x", "roles": []string{"officer"}, "agency_id": b.id}, Status: 404},
		{Name: "an admin cannot grant sysadmin", Method: "POST", URL: "/v1/officers", Token: a.adminTok, Body: map[string]any{"username": "sneaky", "password": testPassword, "name": "x", "roles": []string{"sysadmin"}}, Status: 403},
		{Name: "an admin cannot promote to sysadmin", Method: "PATCH", URL: "/v1/officers/" + a.officerID, Token: a.adminTok, Headers: []string{"If-Match", `"2"`}, Body: map[string]any{"roles": []string{"officer", "sysadmin"}}, Status: 403},
		{Name: "agency cannot be reassigned", Method: "PATCH", URL: "/v1/officers/" + a.officerID, Token: a.adminTok, Body: map[string]any{"agency_id": b.id}, Status: 400, Contains: []string{`"agency_id":"unknown or not allowed here"`}},
		{Name: "password hash cannot be set", Method: "PATCH", URL: "/v1/officers/" + a.officerID, Token: a.adminTok, Body: map[string]any{"password_hash": "x"}, Status: 400},
		{Name: "an officer cannot create officers", Method: "POST", URL: "/v1/officers", Token: a.officerTok, Body: map[string]any{"username": "sneaky", "password": testPassword, "name": "x", "roles": []string{"officer"}}, Status: 403},
		{Name: "an officer cannot change itself", Method: "PATCH", URL: "/v1/officers/" + a.officerID, Token: a.officerTok, Body: map[string]any{"roles": []string{"agency_admin"}}, Status: 403},
		{Name: "the sysadmin is invisible to agencies", Method: "GET", URL: "/v1/officers?role=sysadmin", Token: a.adminTok, Status: 200, NotContains: []string{`"root"`}},
		{Name: "list own agency", Method: "GET", URL: "/v1/officers", Token: a.adminTok, Status: 200, Contains: []string{a.officerID, a.officer2ID}, NotContains: []string{b.officerID}},
		{Name: "duplicate username", Method: "POST", URL: "/v1/officers", Token: a.adminTok, Body: map[string]any{"username": "b-officer", "password": testPassword, "name": "x", "roles": []string{"officer"}}, Status: 409},
		{Name: "bad phone and ID", Method: "POST", URL: "/v1/officers", Token: a.adminTok, Body: map[string]any{"username": "new-one", "password": testPassword, "name": "x", "phone": "12345", "id_number": "110105194912310021", "roles": []string{"officer"}}, Status: 400, Contains: []string{`"phone"`, `"id_number":"the check character should be X"`}},
		{Name: "uncertified officer may not act", Method: "GET", URL: "/v1/officers/" + a.officer2ID, Token: a.adminTok, Status: 200, Contains: []string{`"may_act":false`, "no enforcement certificate"}},
		{Name: "certificate number taken by another agency", Method: "PUT", URL: "/v1/officers/" + a.officer2ID + "/certificate", Token: a.adminTok, Body: map[string]any{"number": b.certNo, "issued_on": "2025-01-01", "expires_on": "2030-01-01"}, Status: 409},
		{Name: "certificate that ends before it starts", Method: "PUT", URL: "/v1/officers/" + a.officer2ID + "/certificate", Token: a.adminTok, Body: map[string]any{"number": "42010000007777", "issued_on": "2025-01-01", "expires_on": "2024-01-01"}, Status: 400, Contains: []string{"expires_on"}},
		{Name: "certificate with a bad date", Method: "PUT", URL: "/v1/officers/" + a.officer2ID + "/certificate", Token: a.adminTok, Body: map[string]any{"number": "42010000007777", "issued_on": "2025-13-01", "expires_on": "2030-01-01"}, Status: 400, Contains: []string{"YYYY-MM-DD"}},
	})
}

func TestPublicCertificate(t *testing.T) {
	ta := newTestApp(t)
	a := ta.newAgency(t, 0)
	ta.run([]scenario{
		{Name: "anyone verifies a valid certificate", Method: "GET", URL: "/v1/public/certificates/" + a.certNo, Status: 200,
			Contains:    []string{`"officer_name":"张三"`, `"valid_now":true`, `"agency_name":"区市场监督管理局A"`},
			NotContains: []string{"13800138000", "11010519491231002X", a.officerID, a.id}},
		{Name: "unknown number", Method: "GET", URL: "/v1/public/certificates/42010000000000", Status: 404},
		{Name: "not a number at all", Method: "GET", URL: "/v1/public/certificates/abc", Status: 404},
		{Name: "admin suspends the certificate", Method: "PUT", URL: "/v1/officers/" + a.officerID + "/certificate", Token: a.adminTok, Headers: []string{"If-Match", "*"},
			Body: map[string]any{"number": a.certNo, "issued_on": "2025-01-01", "expires_on": "2030-12-31", "status": "suspended", "status_reason": "暂扣"}, Status: 200, Contains: []string{`"may_act":false`}},
		{Name: "suspended shows", Method: "GET", URL: "/v1/public/certificates/" + a.certNo, Status: 200, Contains: []string{`"status":"suspended"`, `"valid_now":false`}},
		{Name: "a new certificate supersedes the old", Method: "PUT", URL: "/v1/officers/" + a.officerID + "/certificate", Token: a.adminTok, Headers: []string{"If-Match", "*"},
			Body: map[string]any{"number": "42010000005555", "issued_on": "2026-01-01", "expires_on": "2031-12-31"}, Status: 200, Contains: []string{`"may_act":true`, "42010000005555"}},
		{Name: "the old one is revoked", Method: "GET", URL: "/v1/public/certificates/" + a.certNo, Status: 200, Contains: []string{`"status":"revoked"`, `"valid_now":false`}},
	})
	// Expiry is judged by the clock: the day after expires_on the officer may not act.
	ta.clock.Set(time.Date(2032, 1, 1, 9, 0, 0, 0, time.UTC))
	ta.run([]scenario{
		{Name: "expired", Method: "GET", URL: "/v1/public/certificates/42010000005555", Status: 200, Contains: []string{`"valid_now":false`, "expired"}},
	})
}

func TestTraining(t *testing.T) {
	ta := newTestApp(t)
	a := ta.newAgency(t, 0)
	year := time.Now().Year()
	day := func(m int) string { return fmt.Sprintf("%d-%02d-10", year, m) }
	ta.run([]scenario{
		{Name: "record 20 hours", Method: "POST", URL: "/v1/officers/" + a.officerID + "/training", Token: a.adminTok, Body: map[string]any{"topic": "行政处罚法专题", "hours": 20, "date": day(1)}, Status: 201},
		{Name: "record 20 more", Method: "POST", URL: "/v1/officers/" + a.officerID + "/training", Token: a.adminTok, Body: map[string]any{"topic": "行政处罚法专题（二）", "hours": 20, "date": day(2)}, Status: 201},
		{Name: "record 24 more", Method: "POST", URL: "/v1/officers/" + a.officerID + "/training", Token: a.adminTok, Body: map[string]any{"topic": "执法文书规范", "hours": 24, "date": day(1)}, Status: 201},
		{Name: "officer2 has 10", Method: "POST", URL: "/v1/officers/" + a.officer2ID + "/training", Token: a.adminTok, Body: map[string]any{"topic": "证据规则", "hours": 10, "date": day(1)}, Status: 201},
		{Name: "too many hours in one record", Method: "POST", URL: "/v1/officers/" + a.officer2ID + "/training", Token: a.adminTok, Body: map[string]any{"topic": "x", "hours": 25, "date": day(1)}, Status: 400, Contains: []string{`"hours"`}},
		{Name: "future date", Method: "POST", URL: "/v1/officers/" + a.officer2ID + "/training", Token: a.adminTok, Body: map[string]any{"topic": "x", "hours": 2, "date": fmt.Sprintf("%d-01-01", year+1)}, Status: 400, Contains: []string{`"date"`}},
		{Name: "an officer cannot record its own training", Method: "POST", URL: "/v1/officers/" + a.officerID + "/training", Token: a.officerTok, Body: map[string]any{"topic": "x", "hours": 2, "date": day(1)}, Status: 403},
		{Name: "the officer sees its total", Method: "GET", URL: "/v1/officers/" + a.officerID + "/training", Token: a.officerTok, Status: 200, Contains: []string{`"hours":64`, `"shortfall":0`, "行政处罚法专题"}},
		{Name: "a colleague cannot", Method: "GET", URL: "/v1/officers/" + a.officerID + "/training", Token: ta.certifiedColleague(t, a), Status: 404},
		{Name: "shortfall lists only officers below 60 hours", Method: "GET", URL: "/v1/training/shortfall", Token: a.adminTok, Status: 200, Contains: []string{a.officer2ID, `"hours":10`, `"shortfall":50`}, NotContains: []string{a.officerID}},
		{Name: "sysadmin must name the agency", Method: "GET", URL: "/v1/training/shortfall", Token: ta.sysTok, Status: 400},
		{Name: "a bad year", Method: "GET", URL: "/v1/training/shortfall?year=abc", Token: a.adminTok, Status: 400},
		{Name: "last year nobody trained", Method: "GET", URL: fmt.Sprintf("/v1/training/shortfall?year=%d", year-1), Token: a.adminTok, Status: 200, Contains: []string{a.officerID, a.officer2ID, `"shortfall":60`}},
	})
}

func TestListPaging(t *testing.T) {
	ta := newTestApp(t)
	a := ta.newAgency(t, 0)
	for i := 0; i < 7; i++ {
		ta.mustCreate("/v1/officers", map[string]any{"username": fmt.Sprintf("p-%d", i), "password": testPassword, "name": "甲", "roles": []string{"officer"}}, a.adminTok)
	}
	seen := map[string]bool{}
	cursor, pages := "", 0
	for {
		r := ta.do("GET", "/v1/officers?limit=4&cursor="+cursor, nil, a.adminTok)
		if r.Status != 200 {
			t.Fatalf("%d %s", r.Status, r.Body)
		}
		for _, it := range r.JSON["items"].([]any) {
			id := it.(map[string]any)["id"].(string)
			if seen[id] {
				t.Fatalf("id %s on two pages", id)
			}
			seen[id] = true
		}
		pages++
		if cursor = r.str("next_cursor"); cursor == "" {
			break
		}
	}
	if len(seen) != 10 || pages != 3 {
		t.Fatalf("saw %d officers in %d pages, want 10 in 3", len(seen), pages)
	}
	ta.run([]scenario{
		{Name: "bad cursor", Method: "GET", URL: "/v1/officers?cursor=%25%25", Token: a.adminTok, Status: 400, Contains: []string{`"cursor"`}},
		{Name: "bad limit", Method: "GET", URL: "/v1/officers?limit=0", Token: a.adminTok, Status: 400, Contains: []string{`"limit"`}},
		{Name: "a limit past 200 is refused", Method: "GET", URL: "/v1/officers?limit=100000", Token: a.adminTok, Status: 400, Contains: []string{"1 to 200"}},
		{Name: "a cursor this server did not issue", Method: "GET", URL: "/v1/officers?cursor=zzz", Token: a.adminTok, Status: 400, Contains: []string{"cursor"}},
	})
}

// TestCertificateChangesNeedIfMatch: the first certificate needs no If-Match; changing or
// replacing an officer's certificate does (428 without, 412 with an ETag read before another
// change), like every PUT.
func TestCertificateChangesNeedIfMatch(t *testing.T) {
	ta := newTestApp(t)
	a := ta.newAgency(t, 0)
	fresh := ta.mustCreate("/v1/officers", map[string]any{"username": "a-fresh", "password": testPassword, "name": "赵新", "roles": []string{"officer"}}, a.adminTok)
	cert := func(number, status string) map[string]any {
		c := map[string]any{"number": number, "issued_on": "2025-01-01", "expires_on": "2030-12-31", "status": status}
		if status != "valid" {
			c["status_reason"] = "暂扣"
		}
		return c
	}
	url := "/v1/officers/" + fresh + "/certificate"
	first := ta.do("PUT", url, cert("42010000006661", "valid"), a.adminTok)
	if first.Status != 200 || first.Header.Get("ETag") == "" {
		t.Fatalf("the first certificate: %d %s", first.Status, first.Body)
	}
	read := ta.do("GET", "/v1/officers/"+fresh, nil, a.adminTok).Header.Get("ETag")
	if read != first.Header.Get("ETag") {
		t.Fatalf("GET says %s, the PUT said %s", read, first.Header.Get("ETag"))
	}
	ta.run([]scenario{
		{Name: "a change without If-Match", Method: "PUT", URL: url, Token: a.adminTok, Body: cert("42010000006661", "suspended"), Status: 428},
		{Name: "a replacement without If-Match", Method: "PUT", URL: url, Token: a.adminTok, Body: cert("42010000006662", "valid"), Status: 428},
		{Name: "suspended with the ETag read", Method: "PUT", URL: url, Token: a.adminTok, Body: cert("42010000006661", "suspended"), Headers: []string{"If-Match", read}, Status: 200, Contains: []string{`"may_act":false`}},
		{Name: "a second admin's change from the same read", Method: "PUT", URL: url, Token: a.adminTok, Body: cert("42010000006661", "valid"), Headers: []string{"If-Match", read}, Status: 412},
		{Name: "still suspended", Method: "GET", URL: "/v1/public/certificates/42010000006661", Status: 200, Contains: []string{`"status":"suspended"`}},
	})
	now := ta.do("GET", "/v1/officers/"+fresh, nil, a.adminTok).Header.Get("ETag")
	ta.run([]scenario{
		{Name: "replaced with the current ETag", Method: "PUT", URL: url, Token: a.adminTok, Body: cert("42010000006662", "valid"), Headers: []string{"If-Match", now}, Status: 200, Contains: []string{"42010000006662", `"may_act":true`}},
	})
}
