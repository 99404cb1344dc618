package api_test

import (
	"encoding/json"
	"strings"
	"testing"
)

// deskAction is one item of GET /v1/cases/{id}/actions.
type deskAction struct {
	Action       string `json:"action"`
	DocumentKind string `json:"document_kind"`
	Request      string `json:"request"`
	Allowed      bool   `json:"allowed"`
	Reason       string `json:"reason"`
	Fields       []struct {
		Name     string `json:"name"`
		Required bool   `json:"required"`
		Options  []struct {
			Value    string `json:"value"`
			Disabled bool   `json:"disabled"`
		} `json:"options"`
	} `json:"fields"`
	Benchmark *struct {
		Tier  string `json:"tier"`
		Tiers []struct {
			Tier    string `json:"tier"`
			MinFine int64  `json:"min_fine"`
			MaxFine int64  `json:"max_fine"`
		} `json:"tiers"`
	} `json:"benchmark"`
}

func (ta *testApp) deskActions(t *testing.T, token, id string) map[string]deskAction {
	t.Helper()
	r := ta.do("GET", "/v1/cases/"+id+"/actions", nil, token, "Accept-Language", "zh-CN")
	if r.Status != 200 {
		t.Fatalf("actions: %d %s", r.Status, r.Body)
	}
	var out struct {
		Items []deskAction `json:"items"`
	}
	if err := json.Unmarshal(r.Body, &out); err != nil {
		t.Fatal(err)
	}
	m := map[string]deskAction{}
	for _, a := range out.Items {
		key := a.Action
		if a.DocumentKind != "" {
			key += ":" + a.DocumentKind
		}
		m[key] = a
	}
	return m
}

// TestCaseActionsWhoSeesThem: the actions of a case are read by its agency's people only.
func TestCaseActionsWhoSeesThem(t *testing.T) {
	w := newFeedbackWorld(t)
	ta, f := w.ta, w.f
	other := ta.newCaseAgency(t, 1)
	id := ta.openCase(t, f)
	url := "/v1/cases/" + id + "/actions"
	ta.run([]scenario{
		{Name: "another agency's officer", Method: "GET", URL: url, Token: other.officerTok, Status: 404, NotContains: []string{"register"}},
		{Name: "another agency's head", Method: "GET", URL: url, Token: other.adminTok, Status: 404},
		{Name: "an enterprise", Method: "GET", URL: url, Token: w.entTo, Status: 404, NotContains: []string{"register"}},
		{Name: "another district's supervisor", Method: "GET", URL: url, Token: w.elsewhere, Status: 404},
		{Name: "the district's supervisor reads, acts in none", Method: "GET", URL: url, Token: w.here, Status: 200, Contains: []string{`"items":[]`}},
		{Name: "no token", Method: "GET", URL: url, Status: 401},
		{Name: "an unknown case", Method: "GET", URL: "/v1/cases/nope/actions", Token: f.officerTok, Status: 404},
		{Name: "the case's officer", Method: "GET", URL: url, Token: f.officerTok, Status: 200, Contains: []string{`"action":"register"`, `"label":"立案"`, `"name":"officer_ids"`}},
	})
}

// TestCaseActionsAreWhatTheWritePathDoes drives a case from clue to decision and checks at
// every step that what the desk offers is accepted and what it refuses is refused, with the
// reason in Chinese: the decision waits for the party, then for legal review; the reviewer
// writes an opinion; the head sees the benchmark's tier beside the fine.
func TestCaseActionsAreWhatTheWritePathDoes(t *testing.T) {
	ta := newTestApp(t)
	f := ta.newCaseAgency(t, 0)
	offered := func(tok, id, action string, body map[string]any) response {
		t.Helper()
		a, ok := ta.deskActions(t, tok, id)[action]
		if !ok || !a.Allowed {
			t.Fatalf("%s is not offered: %+v", action, a)
		}
		body["action"] = action
		return ta.actAs(t, tok, id, body, 200)
	}
	refused := func(tok, id, action, says string, body map[string]any, status int) {
		t.Helper()
		a, ok := ta.deskActions(t, tok, id)[action]
		if !ok || a.Allowed || !strings.Contains(a.Reason, says) {
			t.Fatalf("%s should be refused saying %q: %+v", action, says, a)
		}
		body["action"] = action
		ta.actAs(t, tok, id, body, status)
	}
	absent := func(tok, id string, actions ...string) {
		t.Helper()
		got := ta.deskActions(t, tok, id)
		for _, a := range actions {
			if _, ok := got[a]; ok {
				t.Errorf("%s is offered to someone whose role does not take it: %+v", a, got[a])
			}
		}
	}
	fine := decision(180000, "heavier", "fine")

	id := ta.openCase(t, f)
	absent(f.adminTok, id, "register", "decline")
	offered(f.officerTok, id, "register", map[string]any{"officer_ids": f.officers})
	absent(f.officerTok, id, "register", "decide", "approve_review")
	offered(f.officerTok, id, "start_investigation", map[string]any{"officer_ids": f.officers})
	offered(f.officerTok, id, "notify", map[string]any{"officer_ids": f.officers, "notice": notice(180000, "fine")})

	// The party may still ask for a hearing: no review, no decision.
	refused(f.adminTok, id, "decide", "听证", map[string]any{"decision": fine}, 409)
	refused(f.officerTok, id, "submit_review", "听证", map[string]any{"decision": fine, "reviewer_id": f.reviewerID}, 409)
	offered(f.officerTok, id, "waive", map[string]any{})

	// Legal review is required for a fine above 100 000 yuan: the head waits for it.
	refused(f.adminTok, id, "decide", "法制审核", map[string]any{"decision": fine}, 403)
	sub := ta.deskActions(t, f.officerTok, id)["submit_review"]
	reviewerOffered := false
	for _, fl := range sub.Fields {
		for _, o := range fl.Options {
			reviewerOffered = reviewerOffered || fl.Name == "reviewer_id" && o.Value == f.reviewerID && !o.Disabled
		}
	}
	if !reviewerOffered || sub.Benchmark == nil || sub.Benchmark.Tier != "heavier" {
		t.Fatalf("submit_review offers the reviewer and the benchmark: %+v", sub)
	}
	offered(f.officerTok, id, "submit_review", map[string]any{"decision": fine, "reviewer_id": f.reviewerID})
	absent(f.officerTok, id, "approve_review", "reject_review")
	absent(f.adminTok, id, "decide")

	// The reviewer writes the opinion, approving too.
	approve := ta.deskActions(t, f.reviewerTok, id)["approve_review"]
	if !approve.Allowed || len(approve.Fields) != 1 || approve.Fields[0].Name != "reason" || !approve.Fields[0].Required {
		t.Fatalf("approve_review takes a required opinion: %+v", approve)
	}
	r := ta.actAs(t, f.reviewerTok, id, map[string]any{"action": "approve_review"}, 400)
	if !strings.Contains(string(r.Body), `"reason":"`) {
		t.Fatalf("the missing opinion is named at its field: %s", r.Body)
	}
	offered(f.reviewerTok, id, "approve_review", map[string]any{"reason": "事实清楚，证据确凿，同意"})

	// Now the head decides, the benchmark's tier beside the fine.
	d := ta.deskActions(t, f.adminTok, id)["decide"]
	if !d.Allowed || d.Benchmark == nil || d.Benchmark.Tier != "heavier" || len(d.Benchmark.Tiers) != 4 {
		t.Fatalf("the decision after review, with its benchmark: %+v", d)
	}
	for _, fl := range d.Fields {
		if strings.HasPrefix(fl.Name, "collective_discussion.") && !fl.Required {
			t.Errorf("a major decision's form leaves %s optional", fl.Name)
		}
	}
	r = ta.actAs(t, f.adminTok, id, map[string]any{"action": "decide", "decision": fine}, 400)
	if !strings.Contains(string(r.Body), "collective_discussion") {
		t.Fatalf("a major decision names the collective discussion's field: %s", r.Body)
	}
	discussion := map[string]any{"held_on": todayInChina(), "participants": []string{"局长", "副局长", "法制科长"}, "conclusion": "同意处罚"}
	offered(f.adminTok, id, "decide", map[string]any{"decision": fine, "collective_discussion": discussion})

	// Decided: service waits for both documents (两书同达); the head may revoke.
	refused(f.officerTok, id, "serve", "两书同达", map[string]any{"officer_ids": f.officers}, 409)
	if a := ta.deskActions(t, f.adminTok, id)["revoke_decision"]; !a.Allowed {
		t.Errorf("the head may revoke the decision: %+v", a)
	}
	absent(f.adminTok, id, "decide")

	// With both documents issued it is served, the fine paid, closed and archived.
	for _, doc := range []map[string]any{{"kind": "penalty_decision", "fields": map[string]string{"evidence": "询问笔录", "payment": "十五日内"}}, {"kind": "credit_repair_notice"}} {
		key := "issue_document:" + doc["kind"].(string)
		if a := ta.deskActions(t, f.officerTok, id)[key]; !a.Allowed || a.Request != "document" {
			t.Fatalf("%s is offered: %+v", key, a)
		}
		if r := ta.do("POST", "/v1/cases/"+id+"/documents", doc, f.officerTok); r.Status != 201 {
			t.Fatalf("%v: %d %s", doc["kind"], r.Status, r.Body)
		}
		if _, ok := ta.deskActions(t, f.officerTok, id)[key]; ok {
			t.Fatalf("%s is offered again once issued", key)
		}
	}
	offered(f.officerTok, id, "serve", map[string]any{"officer_ids": f.officers})
	refused(f.officerTok, id, "close", "罚款", map[string]any{}, 409)
	offered(f.officerTok, id, "execute", map[string]any{"paid_on": todayInChina(), "paid": 180000})
	offered(f.officerTok, id, "close", map[string]any{})
	offered(f.officerTok, id, "archive", map[string]any{})
	if got := ta.deskActions(t, f.officerTok, id); len(got) != 0 {
		t.Errorf("an archived case offers %v", got)
	}
}

// TestCaseActionsKeepReviewAndDecisionApart: a reviewer who investigated sees the review
// refused with the reason, and cannot be chosen; a reviewer who reviewed sees the decision
// refused.
func TestCaseActionsKeepReviewAndDecisionApart(t *testing.T) {
	ta := newTestApp(t)
	f := ta.newCaseAgency(t, 0)
	if r := ta.do("PUT", "/v1/officers/"+f.reviewerID+"/certificate", map[string]any{"number": "42010000000003", "issued_on": "2025-01-01", "expires_on": "2030-12-31"}, f.adminTok); r.Status != 200 {
		t.Fatalf("certify the reviewer: %d %s", r.Status, r.Body)
	}
	second := ta.mustCreate("/v1/officers", map[string]any{"username": "a-reviewer2", "password": testPassword, "name": "赵法审", "roles": []string{"reviewer"}}, f.adminTok)
	secondTok := ta.login("a-reviewer2", testPassword)
	withReviewer := []string{f.officerID, f.reviewerID}
	fine := decision(180000, "heavier", "fine")

	id := ta.openCase(t, f)
	ta.act(t, f, id, map[string]any{"action": "register", "officer_ids": f.officers})
	ta.act(t, f, id, map[string]any{"action": "start_investigation", "officer_ids": withReviewer})
	ta.act(t, f, id, map[string]any{"action": "notify", "officer_ids": withReviewer, "notice": notice(180000, "fine")})
	ta.act(t, f, id, map[string]any{"action": "waive"})
	for _, fl := range ta.deskActions(t, f.officerTok, id)["submit_review"].Fields {
		for _, o := range fl.Options {
			if fl.Name == "reviewer_id" && (o.Value == f.reviewerID) != o.Disabled {
				t.Errorf("the reviewer who investigated is the one not to choose: %+v", fl.Options)
			}
		}
	}
	ta.act(t, f, id, map[string]any{"action": "submit_review", "reviewer_id": second, "decision": fine})
	a := ta.deskActions(t, f.reviewerTok, id)["approve_review"]
	if a.Allowed || !strings.Contains(a.Reason, "参与案件调查") {
		t.Fatalf("the reviewer who investigated is refused with the reason: %+v", a)
	}
	ta.actAs(t, f.reviewerTok, id, map[string]any{"action": "approve_review", "reason": "同意"}, 403)
	if a := ta.deskActions(t, secondTok, id)["approve_review"]; !a.Allowed {
		t.Fatalf("the assigned reviewer may approve: %+v", a)
	}

	// A head who is also the case's reviewer does not decide it.
	ta.mustCreate("/v1/officers", map[string]any{"username": "a-head-reviewer", "password": testPassword, "name": "李局长", "roles": []string{"agency_admin", "reviewer"}, "agency_id": f.id}, ta.sysTok)
	headTok := ta.login("a-head-reviewer", testPassword)
	head := ta.do("GET", "/v1/me", nil, headTok).str("id")
	both := ta.toNotified(t, f, 180000, "fine")
	ta.act(t, f, both, map[string]any{"action": "waive"})
	ta.act(t, f, both, map[string]any{"action": "submit_review", "reviewer_id": head, "decision": fine})
	ta.actAs(t, headTok, both, map[string]any{"action": "approve_review", "reason": "同意"}, 200)
	d := ta.deskActions(t, headTok, both)["decide"]
	if d.Allowed || !strings.Contains(d.Reason, "审核") {
		t.Fatalf("the reviewer's decision is refused with the reason: %+v", d)
	}
	ta.actAs(t, headTok, both, map[string]any{"action": "decide", "decision": fine, "collective_discussion": map[string]any{"held_on": todayInChina(), "participants": []string{"局长", "副局长", "法制科长"}, "conclusion": "同意处罚"}}, 403)
	if d := ta.deskActions(t, f.adminTok, both)["decide"]; !d.Allowed {
		t.Fatalf("another head decides: %+v", d)
	}
}
