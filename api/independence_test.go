package api_test

import (
	"strings"
	"testing"
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
	ta.actAs(t, f.reviewerTok, clean, map[string]any{"action": "approve_review"}, 200)
	head := ta.mustCreate("/v1/officers", map[string]any{"username": "a-head-reviewer", "password": testPassword, "name": "李局长", "roles": []string{"agency_admin", "reviewer"}}, f.adminTok)
	headTok := ta.login("a-head-reviewer", testPassword)
	discussion := map[string]any{"held_on": todayInChina(), "participants": []string{"局长", "副局长", "法制科长"}, "conclusion": "同意处罚"}
	both := ta.toNotified(t, f, 180000, "fine")
	ta.act(t, f, both, map[string]any{"action": "waive"})
	ta.act(t, f, both, map[string]any{"action": "submit_review", "reviewer_id": head, "decision": decision(180000, "heavier", "fine")})
	ta.actAs(t, headTok, both, map[string]any{"action": "approve_review"}, 200)
	r = ta.actAs(t, headTok, both, map[string]any{"action": "decide", "decision": decision(180000, "heavier", "fine"), "collective_discussion": discussion}, 403)
	if !strings.Contains(string(r.Body), "different people") {
		t.Errorf("the reviewer decides: %s", r.Body)
	}
	ta.actAs(t, f.adminTok, both, map[string]any{"action": "decide", "decision": decision(180000, "heavier", "fine"), "collective_discussion": discussion}, 200)
}
