package api_test

import (
	"strings"
	"testing"
)

// TestConsoleDeskReviewAndDecisionInChromium: the reviewer approves the legal review in the
// console, told first at the field that the opinion is missing; the head decides seeing the
// benchmark's tier beside the fine and the warning when the fine leaves it; the timeline then
// shows the decision, recorded once for a double click; the officer issues the two documents
// and serves them together.
func TestConsoleDeskReviewAndDecisionInChromium(t *testing.T) {
	ta := newTestApp(t)
	f := ta.newCaseAgency(t, 0)
	id := ta.toNotified(t, f, 180000, "fine")
	ta.act(t, f, id, map[string]any{"action": "waive", "reason": "当事人书面放弃陈述申辩和听证"})
	ta.act(t, f, id, map[string]any{"action": "submit_review", "reviewer_id": f.reviewerID, "decision": decision(180000, "heavier", "fine")})
	r := runConsole(t, "desk-review.cjs", ta.serve(), id, "a-reviewer", "a-admin", "a-officer", testPassword)
	s := r.Seen
	if !strings.Contains(s["reviewerActions"], "法制审核通过") || !strings.Contains(s["reviewerActions"], "法制审核退回") {
		t.Errorf("the reviewer's actions: %q", s["reviewerActions"])
	}
	if !hasHan(s["opinionError"]) {
		t.Errorf("the missing opinion's error at its field: %q", s["opinionError"])
	}
	if !strings.Contains(s["reviewTimeline"], "审核通过") || strings.Contains(s["reviewerAfter"], "法制审核退回") {
		t.Errorf("after the review: timeline %q, actions %q", s["reviewTimeline"], s["reviewerAfter"])
	}
	if s["tier"] != "从重：150,000–200,000 元" || s["fine"] != "180000" || !strings.Contains(s["benchNote"], "从重") || !strings.Contains(s["outside"], "理由") {
		t.Errorf("the decision's form: tier %q, fine %q, note %q, outside %q", s["tier"], s["fine"], s["benchNote"], s["outside"])
	}
	if !strings.Contains(s["decisionTimeline"], "作出决定") || !strings.Contains(s["decided"], "180,000") {
		t.Errorf("after the decision: timeline %q, case %q", s["decisionTimeline"], s["decided"])
	}
	if !strings.Contains(s["serveBefore"], "两书同达") || !strings.Contains(s["documents"], "行政处罚决定书") || !strings.Contains(s["documents"], "信用修复告知书") ||
		!strings.Contains(s["servedTimeline"], "送达") {
		t.Errorf("the officer's service: before %q, documents %q, timeline %q", s["serveBefore"], s["documents"], s["servedTimeline"])
	}
	cs := ta.do("GET", "/v1/cases/"+id, nil, f.adminTok)
	if cs.str("status") != "served" {
		t.Fatalf("the case is %s", cs.str("status"))
	}
	events := ta.do("GET", "/v1/cases/"+id+"/events?limit=200", nil, f.adminTok)
	if n := strings.Count(string(events.Body), `"action":"approve_review"`); n != 1 {
		t.Errorf("the double-clicked approval was recorded %d times", n)
	}
}
