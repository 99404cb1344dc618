package api_test

import (
	"strings"
	"testing"
)

// TestConsoleJourneyAcrossPeopleInChromium: the officer's case reaches the head's to-do list;
// the head decides it in the console, the officer issues and serves the decision, the
// enterprise downloads it in the portal on its phone and rates its inspection one star, and
// the supervisor's dashboard, open all along, counts the bad rating without a reload.
func TestConsoleJourneyAcrossPeopleInChromium(t *testing.T) {
	w := newFeedbackWorld(t)
	ta, f := w.ta, w.f
	id := ta.toNotified(t, f, 60000, "fine") // its party is the world's enterprise
	ta.act(t, f, id, map[string]any{"action": "waive", "reason": "当事人书面放弃陈述申辩和听证"})
	number := ta.do("GET", "/v1/cases/"+id, nil, f.adminTok).str("number")
	r := runConsole(t, "journey.cjs", ta.serve(), number, "a-admin", "a-officer", entUsername, "qs-supervisor", testPassword)
	s := r.Seen
	if !strings.Contains(s["todo"], "决定") || !strings.Contains(s["tier"], "从轻") {
		t.Errorf("the head's to-do %q and the decision's tier %q", s["todo"], s["tier"])
	}
	if !strings.Contains(s["decided"], "60,000") || s["decision"] != "yes" || !strings.Contains(s["rated"], "1 星") {
		t.Errorf("decided %q, the enterprise's download %q, its rating %q", s["decided"], s["decision"], s["rated"])
	}
	if s["ratingsAfter"] == s["ratingsBefore"] || s["supNavigations"] != "0" {
		t.Errorf("the supervisor's dashboard: bad ratings %q then %q, %s navigations", s["ratingsBefore"], s["ratingsAfter"], s["supNavigations"])
	}
	if cs := ta.do("GET", "/v1/cases/"+id, nil, f.adminTok); cs.str("status") != "served" {
		t.Errorf("the case is %s", cs.str("status"))
	}
}
