package api_test

import (
	"strings"
	"testing"
	"time"
)

// TestReviewerIndependence: whoever took part in an investigating act of the case or took its
// evidence may not review it, whatever the officers named at registration; the assigned
// reviewer takes no part in the investigation afterwards; and the reviewer does not decide
// the case (art. 58).
func TestReviewerIndependence(t *testing.T) {
	ta := newTestApp(t)
	f := ta.newCaseAgency(t, 0)
	// The reviewer is a certified officer too, so that the rule, not the certificate, refuses.
	if r := ta.do("PUT", "/v1/officers/"+f.reviewerID+"/certificate", map[string]any{"number": "42010000000003", "issued_on": "2025-01-01", "expires_on": "2030-12-31"}, f.adminTok); r.Status != 200 {
		t.Fatalf("certify the reviewer: %d %s", r.Status, r.Body)
	}
	withReviewer := []string{f.officerID, f.reviewerID}
	submit := map[string]any{"action": "submit_review", "reviewer_id": f.reviewerID, "decision": decision(180000, "heavier", "fine")}
	refused := func(id, why string) {
		t.Helper()
		r := ta.actAs(t, f.officerTok, id, submit, 403)
		if !strings.Contains(string(r.Body), "investigated") {
			t.Errorf("%s: %s", why, r.Body)
		}
	}

	// The reviewer acted in start_investigation, record and notify, not in register.
	acted := ta.openCase(t, f)
	ta.act(t, f, acted, map[string]any{"action": "register", "officer_ids": f.officers})
	ta.act(t, f, acted, map[string]any{"action": "start_investigation", "officer_ids": withReviewer})
	ta.act(t, f, acted, map[string]any{"action": "record", "officer_ids": withReviewer})
	ta.act(t, f, acted, map[string]any{"action": "notify", "officer_ids": withReviewer, "notice": notice(180000, "fine")})
	ta.act(t, f, acted, map[string]any{"action": "waive"})
	refused(acted, "a reviewer who investigated")

	// The reviewer only took a piece of evidence.
	took := ta.openCase(t, f)
	ta.act(t, f, took, map[string]any{"action": "register", "officer_ids": f.officers})
	ta.act(t, f, took, map[string]any{"action": "start_investigation", "officer_ids": f.officers})
	body := evidenceBody(f, "document", "application/pdf", []byte("%PDF-1.4 site record"))
	body["officer_ids"] = withReviewer
	if r := ta.do("POST", "/v1/cases/"+took+"/evidence", body, f.reviewerTok); r.Status != 201 {
		t.Fatalf("evidence taken by the reviewer: %d %s", r.Status, r.Body)
	}
	ta.act(t, f, took, map[string]any{"action": "notify", "officer_ids": f.officers, "notice": notice(180000, "fine")})
	ta.act(t, f, took, map[string]any{"action": "waive"})
	refused(took, "a reviewer who took evidence")

	// An independent reviewer, once assigned, takes no part in the investigation, and does not
	// decide what they reviewed.
	clean := ta.toNotified(t, f, 180000, "fine")
	ta.act(t, f, clean, map[string]any{"action": "waive"})
	ta.act(t, f, clean, submit)
	r := ta.actAs(t, f.reviewerTok, clean, map[string]any{"action": "record", "officer_ids": []string{f.reviewerID, f.officerID}}, 403)
	if !strings.Contains(string(r.Body), "reviewer") {
		t.Errorf("the reviewer records in the case under review: %s", r.Body)
	}
	ta.actAs(t, f.reviewerTok, clean, map[string]any{"action": "approve_review", "reason": "事实清楚，证据确凿，同意"}, 200)
	head := ta.mustCreate("/v1/officers", map[string]any{"username": "a-head-reviewer", "password": testPassword, "name": "李局长", "roles": []string{"agency_admin", "reviewer"}, "agency_id": f.id}, ta.sysTok)
	headTok := ta.login("a-head-reviewer", testPassword)
	discussion := map[string]any{"held_on": todayInChina(), "participants": []string{"局长", "副局长", "法制科长"}, "conclusion": "同意处罚"}
	both := ta.toNotified(t, f, 180000, "fine")
	ta.act(t, f, both, map[string]any{"action": "waive"})
	ta.act(t, f, both, map[string]any{"action": "submit_review", "reviewer_id": head, "decision": decision(180000, "heavier", "fine")})
	ta.actAs(t, headTok, both, map[string]any{"action": "approve_review", "reason": "事实清楚，证据确凿，同意"}, 200)
	r = ta.actAs(t, headTok, both, map[string]any{"action": "decide", "decision": decision(180000, "heavier", "fine"), "collective_discussion": discussion}, 403)
	if !strings.Contains(string(r.Body), "different people") {
		t.Errorf("the reviewer decides: %s", r.Body)
	}
	ta.actAs(t, f.adminTok, both, map[string]any{"action": "decide", "decision": decision(180000, "heavier", "fine"), "collective_discussion": discussion}, 200)
}

// TestDecisionWaitsForTheParty: after the notice a decision waits until the party waived in
// writing, or the hearing concluded, or else until the statement-and-defence period the
// notice states has ended and, with a right to a hearing, the 5 days to ask for one have
// passed (arts. 44–45, 62–64); a recorded statement does not cut either short.
func TestDecisionWaitsForTheParty(t *testing.T) {
	ta := newTestApp(t)
	f := ta.newCaseAgency(t, 0)
	start := time.Now()
	ta.clock.Set(start)
	notified := func(n map[string]any) string {
		t.Helper()
		r := ta.do("POST", "/v1/cases", map[string]any{"matter_id": f.matterID, "facts": "销售过期食品", "violation_on": "2026-01-15",
			"party": map[string]any{"kind": "person", "name": "张三"}}, f.officerTok)
		if r.Status != 201 {
			t.Fatalf("open: %d %s", r.Status, r.Body)
		}
		id := r.str("id")
		ta.act(t, f, id, map[string]any{"action": "register", "officer_ids": f.officers})
		ta.act(t, f, id, map[string]any{"action": "start_investigation", "officer_ids": f.officers})
		ta.act(t, f, id, map[string]any{"action": "notify", "officer_ids": f.officers, "notice": n})
		return id
	}
	decide := func(id string, fine, want int, says string) {
		t.Helper()
		r := ta.actAs(t, f.adminTok, id, map[string]any{"action": "decide", "decision": decision(fine, tierOf(fine), "fine")}, want)
		if !strings.Contains(string(r.Body), says) {
			t.Errorf("decide: %s", r.Body)
		}
	}
	// The case of the issue: a person facing 60 000 yuan may ask for a hearing.
	heard := notified(notice(60000, "fine"))
	ta.act(t, f, heard, map[string]any{"action": "record_statement", "reason": "当事人陈述：系初次"})
	decide(heard, 60000, 409, "hearing")
	ta.clock.Set(start.Add(4 * 24 * time.Hour)) // the 3-day statement period is over, not the 5 days
	decide(heard, 60000, 409, "hearing")
	ta.clock.Set(start.Add(5*24*time.Hour + time.Minute))
	decide(heard, 60000, 200, `"status":"decided"`)

	// Without a right to a hearing, the period the notice states.
	ta.clock.Set(start)
	long := notice(5000, "fine")
	long["proposed"].(map[string]any)["out_of_range_reason"] = "从轻"
	long["statement_days"] = 7
	stated := notified(long)
	if r := ta.do("GET", "/v1/cases/"+stated, nil, f.officerTok); !strings.Contains(string(r.Body), `"statement_days":7`) || !strings.Contains(string(r.Body), `"hearing_eligible":false`) {
		t.Fatalf("the notice: %s", r.Body)
	}
	ta.clock.Set(start.Add(6 * 24 * time.Hour))
	r := ta.actAs(t, f.adminTok, stated, map[string]any{"action": "decide", "decision": map[string]any{"kind": "penalty", "penalty_kinds": []string{"fine"}, "fine": 5000,
		"tier": "lighter", "out_of_range_reason": "从轻", "basis": "《食品安全法》第一百二十四条第一款"}}, 409)
	if !strings.Contains(string(r.Body), "statement-and-defence period") {
		t.Errorf("decided inside the notice's period: %s", r.Body)
	}
	bad := notice(5000, "fine")
	bad["statement_days"] = 40
	ta.clock.Set(start)
	id := ta.openCase(t, f)
	ta.act(t, f, id, map[string]any{"action": "register", "officer_ids": f.officers})
	ta.act(t, f, id, map[string]any{"action": "start_investigation", "officer_ids": f.officers})
	ta.actAs(t, f.officerTok, id, map[string]any{"action": "notify", "officer_ids": f.officers, "notice": bad}, 400)

	// A written waiver ends both at once, and no hearing is asked for after it.
	waived := notified(notice(60000, "fine"))
	ta.act(t, f, waived, map[string]any{"action": "waive", "reason": "当事人书面放弃陈述申辩和听证"})
	ta.actAs(t, f.officerTok, waived, map[string]any{"action": "request_hearing"}, 403)
	decide(waived, 60000, 200, `"waived":true`)
}
