package api_test

import (
	"strings"
	"testing"
	"time"
)

// versionOf is the ETag of a GET, for the If-Match of the next change.
func (ta *testApp) versionOf(t *testing.T, url, token string) string {
	t.Helper()
	r := ta.do("GET", url, nil, token)
	if r.Status != 200 || r.Header.Get("ETag") == "" {
		t.Fatalf("GET %s: %d %s", url, r.Status, r.Body)
	}
	return r.Header.Get("ETag")
}

// TestAgenciesAreAdjustedOnlyByTheGovernment: an agency's admin cannot move its agency out from
// under its supervisors (by id or by names, which once created a district on the fly), rename it
// or change its legal basis; a body's admin cannot move its body over another district. The
// sysadmin can, to an existing jurisdiction only; the move is recorded with who, before and
// after, and announced to the supervisors of the body it left and of the body it joined.
func TestAgenciesAreAdjustedOnlyByTheGovernment(t *testing.T) {
	cfg := testConfig()
	cfg.NotifyEvery = 50 * time.Millisecond
	ta := newTestAppWith(t, cfg, nil)
	f := ta.newCaseAgency(t, 0) // in 青山区
	here := ta.supervisoryBody(t, "青山区司法局", usccOf(t, "11370402MB000031"+"0"), "青山区", "sep-qs-supervisor")
	there := ta.supervisoryBody(t, "红山区司法局", usccOf(t, "11370402MB000032"+"0"), "红山区", "sep-hs-supervisor")
	other := ta.newAgency(t, 1)
	bodies := ta.do("GET", "/v1/agencies", nil, there)
	var thereBody, thereRegion string
	for _, it := range bodies.JSON["items"].([]any) {
		a := it.(map[string]any)
		if a["name"] == "红山区司法局" {
			thereBody, thereRegion = a["id"].(string), a["jurisdiction_id"].(string)
		}
	}
	if thereRegion == "" {
		t.Fatalf("the body's own agency list: %s", bodies.Body)
	}
	ta.mustCreate("/v1/officers", map[string]any{"username": "sep-hs-admin", "password": testPassword, "name": "司法局管理员",
		"roles": []string{"agency_admin"}, "agency_id": thereBody}, ta.sysTok)
	bodyAdmin := ta.login("sep-hs-admin", testPassword)
	roots := func() int {
		r := ta.do("GET", "/v1/jurisdictions", nil, ta.sysTok)
		return len(r.JSON["items"].([]any))
	}
	regions := roots()

	agencyURL := "/v1/agencies/" + f.id
	v := ta.versionOf(t, agencyURL, f.adminTok)
	ta.run([]scenario{
		{Name: "the admin moves its agency by id", Method: "PATCH", URL: agencyURL, Token: f.adminTok, Headers: []string{"If-Match", v},
			Body: map[string]any{"jurisdiction_id": thereRegion}, Status: 403, Contains: []string{"jurisdiction_id"}},
		{Name: "the admin moves its agency to a new district by names", Method: "PATCH", URL: agencyURL, Token: f.adminTok, Headers: []string{"If-Match", v},
			Body: map[string]any{"jurisdiction": map[string]string{"district": "逃避区"}}, Status: 403, Contains: []string{"jurisdiction"}},
		{Name: "the admin renames its agency", Method: "PATCH", URL: agencyURL, Token: f.adminTok, Headers: []string{"If-Match", v},
			Body: map[string]any{"name": "别的名字"}, Status: 403, Contains: []string{"name"}},
		{Name: "the admin rewrites its legal basis", Method: "PATCH", URL: agencyURL, Token: f.adminTok, Headers: []string{"If-Match", v},
			Body: map[string]any{"legal_basis": "无"}, Status: 403, Contains: []string{"legal_basis"}},
		{Name: "a body's admin moves its body over another district", Method: "PATCH", URL: "/v1/agencies/" + thereBody, Token: bodyAdmin,
			Headers: []string{"If-Match", ta.versionOf(t, "/v1/agencies/"+thereBody, bodyAdmin)}, Body: map[string]any{"jurisdiction": map[string]string{"district": "青山区"}}, Status: 403},
		{Name: "the sysadmin names a district that does not exist", Method: "PATCH", URL: agencyURL, Token: ta.sysTok, Headers: []string{"If-Match", v},
			Body: map[string]any{"jurisdiction": map[string]string{"district": "新设区"}}, Status: 400, Contains: []string{"jurisdiction_id"}},
		{Name: "the admin sets how its documents are numbered", Method: "PATCH", URL: agencyURL, Token: f.adminTok, Headers: []string{"If-Match", v},
			Body: map[string]any{"document_number_pattern": "青市监{kind}〔{year}〕{n}号"}, Status: 200},
	})
	if n := roots(); n != regions {
		t.Fatalf("%d jurisdictions at the top before, %d after: a PATCH created a region", regions, n)
	}
	// Still under 青山区: its supervisors see it, the other district's do not.
	if r := ta.do("GET", agencyURL, nil, here); r.Status != 200 {
		t.Fatalf("the covering supervisor reads the agency: %d %s", r.Status, r.Body)
	}

	r := ta.do("PATCH", agencyURL, map[string]any{"jurisdiction_id": thereRegion}, ta.sysTok, "If-Match", ta.versionOf(t, agencyURL, ta.sysTok))
	if r.Status != 200 || r.JSON["jurisdiction_id"] != thereRegion {
		t.Fatalf("the sysadmin moves the agency: %d %s", r.Status, r.Body)
	}
	ta.run([]scenario{
		{Name: "the body it joined reads the record", Method: "GET", URL: agencyURL + "/adjustments", Token: there, Status: 200,
			Contains: []string{`"field":"jurisdiction"`, "青山区", "红山区", `"field_name":"管辖区域"`}},
		{Name: "the agency's admin reads its records", Method: "GET", URL: agencyURL + "/adjustments", Token: f.adminTok, Status: 200, Contains: []string{`"field":"jurisdiction"`}},
		{Name: "an officer does not", Method: "GET", URL: agencyURL + "/adjustments", Token: f.officerTok, Status: 403},
		{Name: "another agency's admin does not learn it exists", Method: "GET", URL: agencyURL + "/adjustments", Token: other.adminTok, Status: 404},
		{Name: "the body it left no longer covers it", Method: "GET", URL: agencyURL + "/adjustments", Token: here, Status: 404},
	})
	for _, tok := range []string{here, there} {
		inbox := ta.inboxOf(t, tok, 1)
		if k := kinds(inbox); len(k) != 1 || k[0] != "agency_adjusted" || !strings.Contains(string(inbox.Body), "区市场监督管理局A的管辖区域") {
			t.Fatalf("a supervisor's inbox after the move: %s", inbox.Body)
		}
	}
	if inbox := ta.do("GET", "/v1/notifications", nil, other.adminTok); strings.Contains(string(inbox.Body), "agency_adjusted") {
		t.Fatalf("another agency heard of the move: %s", inbox.Body)
	}
}

// TestNobodyGrantsThemselvesPower: the head cannot give itself the reviewer or officer role,
// change its own status or issue itself a certificate; another admin's changes are recorded
// (who, when, before and after) and readable by the agency's supervisors.
func TestNobodyGrantsThemselvesPower(t *testing.T) {
	ta := newTestApp(t)
	f := ta.newCaseAgency(t, 0)
	super := ta.supervisoryBody(t, "青山区司法局", usccOf(t, "11370402MB000033"+"0"), "青山区", "sep-self-supervisor")
	self := "/v1/officers/" + f.adminID
	ta.run([]scenario{
		{Name: "the head gives itself the reviewer and officer roles", Method: "PATCH", URL: self, Token: f.adminTok,
			Headers: []string{"If-Match", ta.versionOf(t, self, f.adminTok)}, Body: map[string]any{"roles": []string{"agency_admin", "reviewer", "officer"}}, Status: 403},
		{Name: "the head disables itself", Method: "PATCH", URL: self, Token: f.adminTok,
			Headers: []string{"If-Match", ta.versionOf(t, self, f.adminTok)}, Body: map[string]any{"status": "disabled"}, Status: 403},
		{Name: "the head issues itself a certificate", Method: "PUT", URL: self + "/certificate", Token: f.adminTok,
			Body: map[string]any{"number": "42010000099901", "issued_on": "2025-01-01", "expires_on": "2030-12-31"}, Status: 403},
		{Name: "the head changes its own name", Method: "PATCH", URL: self, Token: f.adminTok,
			Headers: []string{"If-Match", ta.versionOf(t, self, f.adminTok)}, Body: map[string]any{"name": "局长"}, Status: 200},
	})
	if r := ta.do("GET", self, nil, f.adminTok); strings.Contains(string(r.Body), "reviewer") || r.JSON["certificate"] != nil {
		t.Fatalf("the head after its attempts: %s", r.Body)
	}
	// Nor through a stand-in: the head may not make another admin, nor touch one the
	// government made.
	ta.mustCreate("/v1/officers", map[string]any{"username": "sep-deputy", "password": testPassword, "name": "副局长", "roles": []string{"agency_admin"}, "agency_id": f.id}, ta.sysTok)
	deputy := ta.login("sep-deputy", testPassword)
	ta.run([]scenario{
		{Name: "the head makes a stand-in admin", Method: "POST", URL: "/v1/officers", Token: f.adminTok,
			Body: map[string]any{"username": "sep-puppet", "password": testPassword, "name": "傀儡", "roles": []string{"agency_admin"}}, Status: 403},
		{Name: "another admin issues the head a certificate", Method: "PUT", URL: self + "/certificate", Token: deputy,
			Body: map[string]any{"number": "42010000099901", "issued_on": "2025-01-01", "expires_on": "2030-12-31"}, Status: 403},
		{Name: "another admin gives the head the reviewer role", Method: "PATCH", URL: self, Token: deputy,
			Headers: []string{"If-Match", ta.versionOf(t, self, deputy)}, Body: map[string]any{"roles": []string{"agency_admin", "reviewer"}}, Status: 403},
		{Name: "the head promotes an officer to admin", Method: "PATCH", URL: "/v1/officers/" + f.officerID, Token: f.adminTok,
			Headers: []string{"If-Match", ta.versionOf(t, "/v1/officers/"+f.officerID, f.adminTok)}, Body: map[string]any{"roles": []string{"officer", "agency_admin"}}, Status: 403},
	})
	officer2 := "/v1/officers/" + f.officer2ID
	if r := ta.do("PATCH", officer2, map[string]any{"roles": []string{"officer", "reviewer"}}, f.adminTok, "If-Match", ta.versionOf(t, officer2, f.adminTok)); r.Status != 200 {
		t.Fatalf("the head grants another the reviewer role: %d %s", r.Status, r.Body)
	}
	r := ta.do("GET", "/v1/agencies/"+f.id+"/adjustments?limit=200", nil, super)
	if r.Status != 200 {
		t.Fatalf("the supervisor reads the records: %d %s", r.Status, r.Body)
	}
	var grant, cert map[string]any
	for _, it := range r.JSON["items"].([]any) {
		a := it.(map[string]any)
		if a["subject_id"] == f.officer2ID && a["field"] == "roles" && a["after"] == "officer,reviewer" {
			grant = a
		}
		if a["subject_id"] == f.officerID && a["field"] == "certificate" {
			cert = a
		}
	}
	if grant == nil || grant["before"] != "officer" || grant["actor_id"] != f.adminID || grant["actor_name"] != "局长" || grant["at"] == "" {
		t.Fatalf("the record of the grant: %v in %s", grant, r.Body)
	}
	if cert == nil || cert["before"] != "" || !strings.Contains(cert["after"].(string), f.certNo) {
		t.Fatalf("the record of the certificate: %v in %s", cert, r.Body)
	}
	for _, it := range r.JSON["items"].([]any) {
		if a := it.(map[string]any); a["subject_id"] == f.adminID && a["field"] == "roles" && strings.Contains(a["after"].(string), "reviewer") {
			t.Fatalf("a refused change was recorded: %v", a)
		}
	}
}

// TestDisabledRevokedAndSuspendedStop: a token outlives the standing it was signed for. A
// disabled admin's next write is refused at once (it once created a new admin that signed in)
// and its reads within the standing's few seconds; an officer whose certificate was revoked
// issues no card and starts no upload at once, and reads no case soon after, but still reaches
// its own account; a suspended agency's admin writes nothing at once.
func TestDisabledRevokedAndSuspendedStop(t *testing.T) {
	cfg := testConfig()
	cfg.StandingTTL = 300 * time.Millisecond
	ta := newTestAppWith(t, cfg, nil)
	f := ta.newCaseAgency(t, 0)
	caseID := ta.openCase(t, f)
	ta.mustCreate("/v1/officers", map[string]any{"username": "sep-admin2", "password": testPassword, "name": "副局长", "roles": []string{"agency_admin"}, "agency_id": f.id}, ta.sysTok)
	admin2 := ta.login("sep-admin2", testPassword)
	var admin2ID string
	for _, it := range ta.do("GET", "/v1/officers?limit=200", nil, f.adminTok).JSON["items"].([]any) {
		if o := it.(map[string]any); o["username"] == "sep-admin2" {
			admin2ID = o["id"].(string)
		}
	}
	if r := ta.do("GET", "/v1/cases/"+caseID, nil, admin2); r.Status != 200 {
		t.Fatalf("the second admin reads a case: %d %s", r.Status, r.Body)
	}
	u := "/v1/officers/" + admin2ID
	if r := ta.do("PATCH", u, map[string]any{"status": "disabled"}, ta.sysTok, "If-Match", ta.versionOf(t, u, ta.sysTok)); r.Status != 200 {
		t.Fatalf("disable: %d %s", r.Status, r.Body)
	}
	ta.run([]scenario{
		{Name: "the disabled admin creates an admin", Method: "POST", URL: "/v1/officers", Token: admin2,
			Body: map[string]any{"username": "sep-backdoor", "password": testPassword, "name": "后门", "roles": []string{"agency_admin"}}, Status: 401},
	})
	if r := ta.do("POST", "/v1/auth/login", map[string]string{"username": "sep-backdoor", "password": testPassword}, ""); r.Status != 401 {
		t.Fatalf("the back door signs in: %d %s", r.Status, r.Body)
	}
	time.Sleep(cfg.StandingTTL + 50*time.Millisecond)
	ta.run([]scenario{
		{Name: "the disabled admin reads a case", Method: "GET", URL: "/v1/cases/" + caseID, Token: admin2, Status: 401},
		{Name: "the disabled admin syncs", Method: "GET", URL: "/v1/sync", Token: admin2, Status: 401},
	})

	if r := ta.do("GET", "/v1/cases/"+caseID, nil, f.officerTok); r.Status != 200 {
		t.Fatalf("the officer reads its case: %d %s", r.Status, r.Body)
	}
	if r := ta.do("PUT", "/v1/officers/"+f.officerID+"/certificate", map[string]any{"number": f.certNo, "issued_on": "2025-01-01", "expires_on": "2030-12-31",
		"status": "revoked", "status_reason": "违法违纪"}, f.adminTok, "If-Match", ta.versionOf(t, "/v1/officers/"+f.officerID, f.adminTok)); r.Status != 200 {
		t.Fatalf("revoke: %d %s", r.Status, r.Body)
	}
	ta.run([]scenario{
		{Name: "the revoked officer issues a card", Method: "POST", URL: "/v1/cards", Token: f.officerTok, Body: map[string]any{"case_id": caseID}, Status: 403},
		{Name: "the revoked officer starts an upload", Method: "POST", URL: "/v1/uploads", Token: f.officerTok,
			Headers: []string{"Tus-Resumable", "1.0.0", "Upload-Length", "10"}, Status: 403},
		{Name: "the revoked officer acts in its case", Method: "POST", URL: "/v1/cases/" + caseID + "/transitions", Token: f.officerTok,
			Body: map[string]any{"action": "register", "officer_ids": f.officers}, Status: 403},
	})
	time.Sleep(cfg.StandingTTL + 50*time.Millisecond)
	ta.run([]scenario{
		{Name: "the revoked officer reads its case", Method: "GET", URL: "/v1/cases/" + caseID, Token: f.officerTok, Status: 403},
		{Name: "the revoked officer lists cases", Method: "GET", URL: "/v1/cases", Token: f.officerTok, Status: 403},
		{Name: "the revoked officer still reads its own account", Method: "GET", URL: "/v1/me", Token: f.officerTok, Status: 200},
		{Name: "and its inbox", Method: "GET", URL: "/v1/notifications", Token: f.officerTok, Status: 200},
	})

	agencyURL := "/v1/agencies/" + f.id
	if r := ta.do("PATCH", agencyURL, map[string]any{"status": "suspended", "status_announced_on": "2026-03-01"}, ta.sysTok,
		"If-Match", ta.versionOf(t, agencyURL, ta.sysTok)); r.Status != 200 {
		t.Fatalf("suspend: %d %s", r.Status, r.Body)
	}
	ta.run([]scenario{
		{Name: "the suspended agency's admin creates an officer", Method: "POST", URL: "/v1/officers", Token: f.adminTok,
			Body: map[string]any{"username": "sep-late", "password": testPassword, "name": "迟到", "roles": []string{"officer"}}, Status: 403},
		{Name: "the suspended agency's reviewer acts", Method: "POST", URL: "/v1/cases/" + caseID + "/transitions", Token: f.reviewerTok,
			Body: map[string]any{"action": "approve_review", "reason": "事实清楚，证据确凿，同意"}, Status: 403},
	})
	time.Sleep(cfg.StandingTTL + 50*time.Millisecond)
	ta.run([]scenario{
		{Name: "the suspended agency's admin reads its cases", Method: "GET", URL: "/v1/cases", Token: f.adminTok, Status: 403},
		{Name: "and its own account", Method: "GET", URL: "/v1/me", Token: f.adminTok, Status: 200},
	})
}

// certifiedColleague adds a certified officer to the fixture's agency and returns its token.
func (ta *testApp) certifiedColleague(t *testing.T, f agencyFixture) string {
	t.Helper()
	username := randomName("colleague-")
	id := ta.mustCreate("/v1/officers", map[string]any{"username": username, "password": testPassword, "name": "赵六", "roles": []string{"officer"}}, f.adminTok)
	if r := ta.do("PUT", "/v1/officers/"+id+"/certificate", map[string]any{
		"number": "42010000077701", "issued_on": "2025-01-01", "expires_on": "2030-12-31"}, f.adminTok); r.Status != 200 {
		t.Fatalf("certify the colleague: %d %s", r.Status, r.Body)
	}
	return ta.login(username, testPassword)
}
