package api_test

import (
	"strings"
	"testing"
	"time"
)

// TestWhatTheLawDoesNotAllow drives the procedure where the API used to accept what the
// 行政处罚法 does not: amounts beyond the notice, the benchmark or what is due, dates in the
// future, unbounded extensions, transfers without a receiving body, and people without standing.
func TestWhatTheLawDoesNotAllow(t *testing.T) {
	ta := newTestApp(t)
	f := ta.newCaseAgency(t, 0)
	supervisorTok := func() string {
		ta.mustCreate("/v1/officers", map[string]any{"username": "a-supervisor", "password": testPassword, "name": "监督员", "roles": []string{"supervisor"}}, f.adminTok)
		return ta.login("a-supervisor", testPassword)
	}()
	tr := func(id string) string { return "/v1/cases/" + id + "/transitions" }
	today := todayInChina()

	id := ta.toNotified(t, f, 90000, "fine")
	ta.act(t, f, id, map[string]any{"action": "waive"})
	out := decision(90000, "normal", "fine")
	out["out_of_range_reason"] = "x"
	ta.run([]scenario{
		{Name: "the notice says why a hearing may not be asked for", Method: "GET", URL: "/v1/cases/" + id, Token: f.officerTok, Status: 200,
			Contains: []string{`"hearing_eligible":false`, `"hearing_reason":"拟作出的处罚未达到听证标准`}},
		{Name: "a notice outside the benchmark tier without a reason", Method: "POST", URL: tr(ta.openInvestigating(t, f)), Token: f.officerTok,
			Body:   map[string]any{"action": "notify", "officer_ids": f.officers, "notice": map[string]any{"facts": "x", "reasons": "x", "basis": "x", "proposed": decision(30000, "normal", "fine")}},
			Status: 400, Contains: []string{"notice.proposed.out_of_range_reason", "80000–150000"}},
		{Name: "a notice may not set its own right to a hearing", Method: "POST", URL: tr(id), Token: f.officerTok,
			Body:   map[string]any{"action": "notify", "officer_ids": f.officers, "notice": map[string]any{"facts": "x", "reasons": "x", "basis": "x", "proposed": decision(90000, "normal", "fine"), "hearing_eligible": true}},
			Status: 400, Contains: []string{"notice.hearing_eligible"}},
		{Name: "a supervisor does not decide", Method: "POST", URL: tr(id), Token: supervisorTok, Body: map[string]any{"action": "decide", "decision": out}, Status: 403},
		{Name: "an officer does not decide (the head does, art. 57)", Method: "POST", URL: tr(id), Token: f.officerTok, Body: map[string]any{"action": "decide", "decision": out}, Status: 403, Contains: []string{"agency_admin"}},
		{Name: "a heavier fine than notified", Method: "POST", URL: tr(id), Token: f.adminTok, Body: map[string]any{"action": "decide", "decision": decision(100000, "normal", "fine")}, Status: 409, Contains: []string{"notify the party of it again"}},
		{Name: "a penalty the notice did not name", Method: "POST", URL: tr(id), Token: f.adminTok, Body: map[string]any{"action": "decide", "decision": decision(90000, "normal", "fine", "warning")}, Status: 409, Contains: []string{"heavier"}},
		{Name: "an unknown tier", Method: "POST", URL: tr(id), Token: f.adminTok, Body: map[string]any{"action": "decide", "decision": decision(90000, "Normal", "fine")}, Status: 400, Contains: []string{"decision.tier"}},
		{Name: "the head decides what was notified", Method: "POST", URL: tr(id), Token: f.adminTok, Body: map[string]any{"action": "decide", "decision": decision(80000, "normal", "fine")}, Status: 200},
		{Name: "a supervisor does not serve", Method: "POST", URL: tr(id), Token: supervisorTok, Body: map[string]any{"action": "serve", "officer_ids": f.officers}, Status: 403},
	})
	ta.do("POST", "/v1/cases/"+id+"/documents", map[string]any{"kind": "penalty_decision", "fields": map[string]string{"evidence": "照片", "payment": "十五日内"}}, f.officerTok)
	ta.do("POST", "/v1/cases/"+id+"/documents", map[string]any{"kind": "credit_repair_notice"}, f.officerTok)
	ta.act(t, f, id, map[string]any{"action": "serve", "officer_ids": f.officers})
	ta.run([]scenario{
		{Name: "paid more than is due", Method: "POST", URL: tr(id), Token: f.officerTok, Body: map[string]any{"action": "execute", "paid_on": today, "paid": 99999}, Status: 400, Contains: []string{"exactly what is due", "80000 yuan"}},
		{Name: "paid tomorrow", Method: "POST", URL: tr(id), Token: f.officerTok, Body: map[string]any{"action": "execute", "paid_on": time.Now().AddDate(0, 0, 2).Format(time.DateOnly), "paid": 80000}, Status: 400, Contains: []string{"paid_on"}},
		{Name: "a supervisor does not execute", Method: "POST", URL: tr(id), Token: supervisorTok, Body: map[string]any{"action": "execute", "paid_on": today, "paid": 80000}, Status: 403},
		{Name: "paid what is due", Method: "POST", URL: tr(id), Token: f.officerTok, Body: map[string]any{"action": "execute", "paid_on": today, "paid": 80000}, Status: 200},
		{Name: "a supervisor does not close", Method: "POST", URL: tr(id), Token: supervisorTok, Body: map[string]any{"action": "close"}, Status: 403},
		{Name: "closed", Method: "POST", URL: tr(id), Token: f.officerTok, Body: map[string]any{"action": "close"}, Status: 200},
		{Name: "the head does not archive (an officer does)", Method: "POST", URL: tr(id), Token: f.adminTok, Body: map[string]any{"action": "archive"}, Status: 403},
	})

	// Transfers name the receiving body; the case is archived once it acknowledged.
	x := ta.openCase(t, f)
	ta.run([]scenario{
		{Name: "a transfer names the receiving body", Method: "POST", URL: tr(x), Token: f.officerTok, Body: map[string]any{"action": "transfer", "transfer_to": "police", "reason": "涉嫌犯罪"}, Status: 400, Contains: []string{"transfer_body"}},
		{Name: "a supervisor does not transfer", Method: "POST", URL: tr(x), Token: supervisorTok, Body: map[string]any{"action": "transfer", "transfer_to": "police", "transfer_body": "青山分局", "reason": "涉嫌犯罪"}, Status: 403},
		{Name: "transferred", Method: "POST", URL: tr(x), Token: f.officerTok, Body: map[string]any{"action": "transfer", "transfer_to": "police", "transfer_body": "青山公安分局", "reason": "涉嫌犯罪"}, Status: 200, Contains: []string{"青山公安分局"}},
		{Name: "not archived before the receiver acknowledged", Method: "POST", URL: tr(x), Token: f.officerTok, Body: map[string]any{"action": "archive"}, Status: 409, Contains: []string{"acknowledged"}},
		{Name: "an acknowledgement from the future", Method: "POST", URL: tr(x), Token: f.officerTok, Body: map[string]any{"action": "acknowledge_transfer", "acknowledged_on": time.Now().AddDate(0, 0, 3).Format(time.DateOnly)}, Status: 400},
		{Name: "acknowledged", Method: "POST", URL: tr(x), Token: f.officerTok, Body: map[string]any{"action": "acknowledge_transfer", "acknowledged_on": today}, Status: 200, Contains: []string{`"transfer_acknowledged_on":"` + today}},
		{Name: "archived", Method: "POST", URL: tr(x), Token: f.officerTok, Body: map[string]any{"action": "archive"}, Status: 200},
	})

	// Extensions are bounded and give a reason.
	late := ta.openInvestigating(t, f)
	ta.run([]scenario{
		{Name: "an extension of 60 days", Method: "POST", URL: tr(late), Token: f.adminTok, Body: map[string]any{"action": "extend_deadline", "reason": "案情复杂", "new_deadline": time.Now().AddDate(0, 0, 150).Format(time.DateOnly)}, Status: 400, Contains: []string{"at most 30 days"}},
		{Name: "an extension without a reason", Method: "POST", URL: tr(late), Token: f.adminTok, Body: map[string]any{"action": "extend_deadline", "new_deadline": time.Now().AddDate(0, 0, 100).Format(time.DateOnly)}, Status: 400, Contains: []string{"reason"}},
		{Name: "an extension of 10 days", Method: "POST", URL: tr(late), Token: f.adminTok, Body: map[string]any{"action": "extend_deadline", "reason": "案情复杂", "new_deadline": time.Now().AddDate(0, 0, 100).Format(time.DateOnly)}, Status: 200},
	})

	// Nobody without standing opens or moves a case.
	ta.do("PUT", "/v1/officers/"+f.officer2ID+"/certificate", map[string]any{"number": "42010000000002", "issued_on": "2020-01-01", "expires_on": "2021-12-31"}, f.adminTok, "If-Match", "*")
	expiredTok := f.officer2Tok
	body := map[string]any{"matter_id": f.matterID, "party": map[string]any{"kind": "person", "name": "乙"}}
	before := ta.do("GET", "/v1/cases", nil, f.adminTok)
	ta.run([]scenario{
		{Name: "the head does not open cases", Method: "POST", URL: "/v1/cases", Token: f.adminTok, Body: body, Status: 403},
		{Name: "a supervisor does not open cases", Method: "POST", URL: "/v1/cases", Token: supervisorTok, Body: body, Status: 403},
		{Name: "an officer with an expired certificate does not open cases", Method: "POST", URL: "/v1/cases", Token: expiredTok, Body: body, Status: 403, Contains: []string{"expired"}},
		{Name: "nor declines one", Method: "POST", URL: tr(ta.openCase(t, f)), Token: expiredTok, Body: map[string]any{"action": "decline", "reason": "x"}, Status: 403},
	})
	after := ta.do("GET", "/v1/cases", nil, f.adminTok)
	if n, m := len(before.JSON["items"].([]any)), len(after.JSON["items"].([]any)); m != n+1 {
		t.Errorf("refused opens changed the cases: %d then %d", n, m)
	}
	r := ta.do("POST", "/v1/cases", body, f.officerTok)
	want := time.Now().Format("2006") + "-000006" // five opened above; refused opens take no number
	if r.Status != 201 || !strings.Contains(string(r.Body), want) {
		t.Errorf("next case number: %d %s", r.Status, r.Body)
	}
}

// TestHearingThresholdsAreConfigured: a province's own amount decides the right to a hearing.
func TestHearingThresholdsAreConfigured(t *testing.T) {
	cfg := testConfig()
	cfg.Hearing.FinePerson, cfg.Hearing.FineOrganisation, cfg.Hearing.ConfiscationPerson, cfg.Hearing.ConfiscationOrganisation = 2000, 50000, 2000, 50000
	ta := newTestAppWith(t, cfg, nil)
	f := ta.newCaseAgency(t, 0)
	id := ta.toNotified(t, f, 90000, "fine")
	r := ta.do("GET", "/v1/cases/"+id, nil, f.officerTok)
	if !strings.Contains(string(r.Body), `"hearing_eligible":true`) || !strings.Contains(string(r.Body), "较大数额（50000元）") {
		t.Fatalf("a fine of 90000 against a threshold of 50000: %s", r.Body)
	}
}

// openInvestigating opens a case and starts its investigation.
func (ta *testApp) openInvestigating(t *testing.T, f caseAgency) string {
	t.Helper()
	id := ta.openCase(t, f)
	ta.act(t, f, id, map[string]any{"action": "register", "officer_ids": f.officers})
	ta.act(t, f, id, map[string]any{"action": "start_investigation", "officer_ids": f.officers})
	return id
}
