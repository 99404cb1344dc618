package api_test

import (
	"slices"
	"strings"
	"testing"
	"time"
)

// todoGroups reads the caller's to-do list as kind -> group.
func (ta *testApp) todoGroups(t *testing.T, token string) map[string]map[string]any {
	t.Helper()
	r := ta.do("GET", "/v1/me/todo", nil, token)
	if r.Status != 200 {
		t.Fatalf("to-do: %d %s", r.Status, r.Body)
	}
	out := map[string]map[string]any{}
	for _, g := range r.JSON["groups"].([]any) {
		m := g.(map[string]any)
		out[m["kind"].(string)] = m
	}
	return out
}

func count(g map[string]any) int {
	if g == nil {
		return -1
	}
	return int(g["count"].(float64))
}

// links are the links of a group's items.
func links(g map[string]any) string {
	var out []string
	for _, it := range g["items"].([]any) {
		out = append(out, it.(map[string]any)["link"].(string))
	}
	return strings.Join(out, " ")
}

// waitForKind waits until the inbox holds a notification of kind and answers how many.
func (ta *testApp) waitForKind(t *testing.T, token, kind string) int {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		r := ta.do("GET", "/v1/notifications", nil, token)
		n := strings.Count(strings.Join(kinds(r), ","), kind)
		if n > 0 {
			return n
		}
		if time.Now().After(deadline) {
			t.Fatalf("no %s reached the inbox: %s", kind, r.Body)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestTodoListsGiveEachPersonWhatWaits: the head, the reviewer, an officer, the agency's admin,
// a supervisor and an enterprise each find what waits on them, counted and linked; another
// agency's people and another district's supervisor find none of it; the three alerts that
// did not exist before (a case waiting for decision, a new rectification task, a pending
// registration) reach their people once.
func TestTodoListsGiveEachPersonWhatWaits(t *testing.T) {
	w := newFeedbackWorld(t)
	ta, f := w.ta, w.f
	other := ta.newCaseAgency(t, 1)

	// A case in review, and one whose review passed: the reviewer's and the head's.
	inReview := ta.toNotified(t, f, 180000, "fine")
	ta.act(t, f, inReview, map[string]any{"action": "waive", "reason": "当事人放弃陈述申辩和听证"})
	ta.act(t, f, inReview, map[string]any{"action": "submit_review", "reviewer_id": f.reviewerID, "decision": decision(180000, "heavier", "fine")})
	reviewed := ta.toNotified(t, f, 180000, "fine")
	ta.act(t, f, reviewed, map[string]any{"action": "waive", "reason": "当事人放弃陈述申辩和听证"})
	ta.act(t, f, reviewed, map[string]any{"action": "submit_review", "reviewer_id": f.reviewerID, "decision": decision(180000, "heavier", "fine")})
	ta.actAs(t, f.reviewerTok, reviewed, map[string]any{"action": "approve_review", "reason": "事实清楚，证据确凿，同意"}, 200)
	// A case the catalog sends to no review, whose party waived its answer: the head's too.
	ready := ta.toNotified(t, f, 90000, "fine")
	ta.act(t, f, ready, map[string]any{"action": "waive", "reason": "当事人放弃陈述申辩"})
	// A decided case to serve, evidence whose bytes never came, an inspection for today.
	decided := ta.decidedFine(t, f)
	open := ta.openCase(t, f)
	ta.act(t, f, open, map[string]any{"action": "register", "officer_ids": f.officers})
	pending := ta.addEvidence(t, f, open, []byte("bytes that are never sent"))
	today := ta.mustCreate("/v1/inspections", map[string]any{"matter_id": f.matterID, "enterprise_uscc": usccs[3], "enterprise_name": "某某餐饮有限公司",
		"planned_on": todayInChina(), "officer_ids": f.officers}, f.officerTok)
	// The admin's: a certificate that expires in ten days, a task the supervisor registered.
	if r := ta.do("PUT", "/v1/officers/"+f.reviewerID+"/certificate", map[string]any{"number": "42010000000777", "issued_on": "2025-01-01",
		"expires_on": time.Now().AddDate(0, 0, 10).Format(time.DateOnly)}, f.adminTok); r.Status != 200 {
		t.Fatalf("certificate: %d %s", r.Status, r.Body)
	}
	problem := ta.mustCreate("/v1/problems", map[string]any{"agency_id": f.id, "source": "review_finding", "title": "询问笔录未逐页签字",
		"plan": "建立笔录复核制度", "owner": "法制科科长", "deadline": time.Now().AddDate(0, 0, 10).Format(time.DateOnly)}, w.here)
	// The supervisor's: a registration, a complaint, a bad rating.
	region := ta.do("GET", "/v1/agencies/"+f.id, nil, f.adminTok).str("jurisdiction_id")
	reg := ta.do("POST", "/v1/enterprises/register", map[string]any{"uscc": usccs[3], "name": "待审核有限公司", "legal_representative": "赵",
		"contact_name": "钱", "contact_phone": "13700003333", "jurisdiction_id": region, "password": testPassword}, "")
	if reg.Status != 201 {
		t.Fatalf("register: %d %s", reg.Status, reg.Body)
	}
	complaint := ta.mustCreate("/v1/complaints", map[string]any{"inspection_id": w.inspection, "category": "吃拿卡要", "description": complaintWords}, w.entTo)
	if r := ta.do("POST", "/v1/enterprise/inspections/"+w.inspection+"/rating", map[string]any{"rating": 1, "tags": []string{"态度"}}, w.entTo); r.Status != 201 {
		t.Fatalf("rating: %d %s", r.Status, r.Body)
	}

	t.Run("the head", func(t *testing.T) {
		g := ta.todoGroups(t, f.adminTok)["decisions"]
		if count(g) != 2 || !strings.Contains(links(g), "/v1/cases/"+reviewed) || !strings.Contains(links(g), "/v1/cases/"+ready) ||
			strings.Contains(links(g), inReview) || g["label"] != "待作出处罚决定" {
			t.Fatalf("the head's decisions: %v", g)
		}
	})
	t.Run("the reviewer", func(t *testing.T) {
		groups := ta.todoGroups(t, f.reviewerTok)
		if g := groups["reviews"]; count(g) != 1 || links(g) != "/v1/cases/"+inReview {
			t.Fatalf("the reviewer's reviews: %v", g)
		}
		if _, ok := groups["decisions"]; ok {
			t.Fatalf("a reviewer was given decisions: %v", groups)
		}
	})
	t.Run("an officer", func(t *testing.T) {
		groups := ta.todoGroups(t, f.officerTok)
		if g := groups["services"]; count(g) != 1 || links(g) != "/v1/cases/"+decided {
			t.Errorf("services: %v", g)
		} else if due, err := time.Parse(time.RFC3339, g["items"].([]any)[0].(map[string]any)["due"].(string)); err != nil || due.Sub(time.Now()) < 6*24*time.Hour || due.Sub(time.Now()) > 7*24*time.Hour {
			t.Errorf("a decision is served within 7 days (art. 61): %v", g)
		}
		if g := groups["pending_evidence"]; count(g) < 1 || !strings.Contains(links(g), "/v1/evidence/"+pending) {
			t.Errorf("pending evidence: %v", g)
		}
		if g := groups["inspections_today"]; count(g) != 1 || links(g) != "/v1/inspections/"+today {
			t.Errorf("inspections today: %v", g)
		}
		for _, k := range []string{"decisions", "problems", "registrations", "callbacks_to_answer"} {
			if _, ok := groups[k]; ok {
				t.Errorf("an officer has %s", k)
			}
		}
	})
	t.Run("the agency's admin", func(t *testing.T) {
		groups := ta.todoGroups(t, f.adminTok)
		if g := groups["expiring_certificates"]; count(g) != 1 || links(g) != "/v1/officers/"+f.reviewerID || !strings.Contains(g["items"].([]any)[0].(map[string]any)["title"].(string), "到期") {
			t.Errorf("expiring certificates: %v", g)
		}
		if g := groups["problems"]; count(g) != 1 || links(g) != "/v1/problems/"+problem {
			t.Errorf("problems: %v", g)
		}
		if g := groups["training_shortfall"]; count(g) < 2 {
			t.Errorf("training shortfall: %v", g)
		}
		if g := groups["push_failures"]; count(g) != 0 {
			t.Errorf("push failures: %v", g)
		}
	})
	t.Run("the supervisor", func(t *testing.T) {
		groups := ta.todoGroups(t, w.here)
		if g := groups["registrations"]; count(g) != 1 || links(g) != "/v1/enterprises/"+reg.str("id") {
			t.Errorf("registrations: %v", g)
		}
		if g := groups["complaints_to_accept"]; count(g) != 1 || links(g) != "/v1/complaints/"+complaint {
			t.Errorf("complaints: %v", g)
		}
		if g := groups["bad_ratings"]; count(g) != 1 {
			t.Errorf("bad ratings: %v", g)
		}
		if g := groups["callbacks_due"]; count(g) != 0 {
			t.Errorf("callbacks not yet due: %v", g)
		}
	})
	t.Run("the enterprise", func(t *testing.T) {
		groups := ta.todoGroups(t, w.entTo)
		if len(groups) != 2 || count(groups["callbacks_to_answer"]) != 0 || count(groups["complaint_replies"]) != 0 {
			t.Errorf("the enterprise's to-do: %v", groups)
		}
	})
	t.Run("nobody else sees any of it", func(t *testing.T) {
		for name, tok := range map[string]string{"another agency's admin": other.adminTok, "another agency's officer": other.officerTok,
			"another agency's reviewer": other.reviewerTok, "another district's supervisor": w.elsewhere, "the sysadmin": ta.sysTok} {
			r := ta.do("GET", "/v1/me/todo", nil, tok)
			for kind, g := range ta.todoGroups(t, tok) {
				// The other agency's officers are short of training hours: its own.
				if kind != "training_shortfall" && count(g) != 0 {
					t.Errorf("%s has %s: %v", name, kind, g)
				}
			}
			for _, id := range []string{reviewed, ready, inReview, decided, pending, today, problem, reg.str("id"), complaint, f.reviewerID} {
				if strings.Contains(string(r.Body), id) {
					t.Errorf("%s sees %s: %s", name, id, r.Body)
				}
			}
		}
	})
	t.Run("limits", func(t *testing.T) {
		if r := ta.do("GET", "/v1/me/todo?limit=0", nil, f.adminTok); r.Status != 200 || strings.Contains(string(r.Body), "/v1/cases/") {
			t.Errorf("limit=0: %d %s", r.Status, r.Body)
		}
		if r := ta.do("GET", "/v1/me/todo?limit=21", nil, f.adminTok); r.Status != 400 {
			t.Errorf("limit=21: %d %s", r.Status, r.Body)
		}
	})

	t.Run("answered complaints and due callbacks", func(t *testing.T) {
		tr := "/v1/complaints/" + complaint + "/transitions"
		for _, body := range []map[string]any{{"action": "accept", "reply": "已受理"}, {"action": "investigate"}, {"action": "resolve", "reply": "已责令整改"}} {
			if r := ta.do("POST", tr, body, w.here); r.Status != 200 {
				t.Fatalf("%v: %d %s", body, r.Status, r.Body)
			}
		}
		cb := w.callback(t)["id"].(string)
		ta.clock.Set(time.Now().Add(2 * time.Hour)) // the callback is due an hour after the case closed
		defer ta.clock.Set(time.Time{})
		ent := ta.todoGroups(t, w.entTo)
		if g := ent["complaint_replies"]; count(g) != 1 || links(g) != "/v1/complaints/"+complaint {
			t.Errorf("the enterprise's replies: %v", g)
		}
		if g := ent["callbacks_to_answer"]; count(g) != 1 || links(g) != "/v1/callbacks/"+cb {
			t.Errorf("the enterprise's callbacks: %v", g)
		}
		sup := ta.todoGroups(t, w.here)
		if g := sup["callbacks_due"]; count(g) != 1 || links(g) != "/v1/callbacks/"+cb {
			t.Errorf("the supervisor's callbacks: %v", g)
		}
		if g := sup["complaints_to_accept"]; count(g) != 0 {
			t.Errorf("an accepted complaint is still to accept: %v", g)
		}
		if g := ta.todoGroups(t, w.elsewhere)["callbacks_due"]; count(g) != 0 {
			t.Errorf("another district's supervisor: %v", g)
		}
	})

	t.Run("the new items alert their people once", func(t *testing.T) {
		for deadline := time.Now().Add(15 * time.Second); ta.waitForKind(t, f.adminTok, "awaiting_decision") < 2 && time.Now().Before(deadline); {
			time.Sleep(50 * time.Millisecond)
		}
		if n := ta.waitForKind(t, f.adminTok, "new_problem"); n != 1 {
			t.Errorf("the admin has %d new_problem", n)
		}
		if n := ta.waitForKind(t, w.here, "registration_pending"); n < 1 {
			t.Errorf("the supervisor has %d registration_pending", n)
		}
		inbox := ta.do("GET", "/v1/notifications", nil, f.adminTok)
		if !strings.Contains(string(inbox.Body), "已通过法制审核，请及时作出决定") || !strings.Contains(string(inbox.Body), "新增整改任务“询问笔录未逐页签字”") {
			t.Errorf("the admin's inbox: %s", inbox.Body)
		}
		time.Sleep(300 * time.Millisecond) // a second derivation would have landed by now
		for name, check := range map[string]struct{ tok, kind string }{
			"the head, again":                        {f.adminTok, "awaiting_decision"},
			"the supervisor, again":                  {w.here, "registration_pending"},
			"another district's supervisor":          {w.elsewhere, "registration_pending"},
			"another agency's admin, of the task":    {other.adminTok, "new_problem"},
			"another agency's admin, of the case":    {other.adminTok, "awaiting_decision"},
			"the reviewer who approved":              {f.reviewerTok, "awaiting_decision"},
			"the supervisor who registered the task": {w.here, "new_problem"},
		} {
			r := ta.do("GET", "/v1/notifications", nil, check.tok)
			want := 0
			switch name {
			case "the head, again":
				want = 2 // the reviewed case and the one waived
			case "the supervisor, again":
				want = 1
			}
			// Counted among this test's own objects: the world's enterprise and decided case
			// may alert too, when the alert is read before they were approved or decided.
			n := kindsOf(r, check.kind, reviewed, ready, problem, reg.str("id"))
			if want == 0 {
				n = strings.Count(strings.Join(kinds(r), ","), check.kind)
			}
			if n != want {
				t.Errorf("%s: %d %s, want %d", name, n, check.kind, want)
			}
		}
	})
}

// kindsOf counts the notifications of one kind about the given objects.
func kindsOf(r response, kind string, objects ...string) int {
	n := 0
	for _, it := range r.JSON["items"].([]any) {
		m := it.(map[string]any)
		if m["kind"] == kind && slices.Contains(objects, m["object_id"].(string)) {
			n++
		}
	}
	return n
}
