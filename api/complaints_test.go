package api_test

import (
	"context"
	"encoding/csv"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/zhifa/zhifa/domain"
	"github.com/zhifa/zhifa/notify"
)

// feedbackWorld is a district with an enforcement agency, its supervisory body, another
// district's body, and an activated enterprise that was inspected and had a case.
type feedbackWorld struct {
	ta                    *testApp
	f                     caseAgency
	here, elsewhere       string // supervisors' tokens
	entID, entUser, entTo string // the enterprise, its user's id and token
	inspection            string // completed, of the enterprise
	other                 string // an inspection of another enterprise
	caseID                string // declined: its callback is scheduled
	watcher               *notify.Watcher
}

// What only the complainant's registration and complaints carry: the agency complained about
// must never read any of it.
const (
	entUsername    = "91310115MA1K3YJ12G" // an enterprise signs in with its USCC (usccs[4])
	entContact     = "李投诉"
	entPhone       = "13700001111"
	entLegalRep    = "王法人"
	complaintWords = "描述标记：检查人员索要好处"
	callbackWords  = "回访意见标记"
	cardPhone      = "13912345678"
)

func newFeedbackWorld(t *testing.T) *feedbackWorld {
	t.Helper()
	cfg := testConfig()
	cfg.NotifyEvery = 50 * time.Millisecond
	cfg.CallbackDelay = time.Hour
	cfg.Supervision.MaxOpen = 4
	cfg.Stream.Poll, cfg.Stream.Heartbeat, cfg.Stream.Life = 50*time.Millisecond, time.Second, 300*time.Millisecond
	ta := newTestAppWith(t, cfg, nil)
	w := &feedbackWorld{ta: ta, f: ta.newCaseAgency(t, 0)}
	w.watcher = &notify.Watcher{Repo: ta.store, Now: ta.clock.Now, Log: discardLog()}
	w.here = ta.supervisoryBody(t, "青山区司法局", usccOf(t, "11370402MB000011"+"0"), "青山区", "qs-supervisor")
	w.elsewhere = ta.supervisoryBody(t, "红山区司法局", usccOf(t, "11370402MB000012"+"0"), "红山区", "hs-supervisor")
	region := ta.do("GET", "/v1/agencies/"+w.f.id, nil, w.f.adminTok).str("jurisdiction_id")
	reg := map[string]any{"uscc": usccs[4], "name": "某某食品有限公司", "legal_representative": entLegalRep, "contact_name": entContact,
		"contact_phone": entPhone, "jurisdiction_id": region, "password": testPassword}
	r := ta.do("POST", "/v1/enterprises/register", reg, "")
	if r.Status != 201 || r.str("status") != "pending" {
		t.Fatalf("register: %d %s", r.Status, r.Body)
	}
	w.entID = r.str("id")
	if r := ta.do("POST", "/v1/auth/login", map[string]string{"username": entUsername, "password": testPassword}, ""); r.Status != 403 || r.str("code") != "account_pending" {
		t.Fatalf("a pending registration signed in: %d %s", r.Status, r.Body)
	}
	if r := ta.do("POST", "/v1/enterprises/"+w.entID+"/activate", nil, w.elsewhere); r.Status != 404 {
		t.Fatalf("another district's supervisor activated: %d %s", r.Status, r.Body)
	}
	if r := ta.do("POST", "/v1/enterprises/"+w.entID+"/activate", nil, w.f.adminTok); r.Status != 404 {
		t.Fatalf("an agency's admin activated: %d %s", r.Status, r.Body)
	}
	if r := ta.do("POST", "/v1/enterprises/"+w.entID+"/activate", map[string]any{"reason": "营业执照已核验"}, w.here); r.Status != 200 || r.str("status") != "active" {
		t.Fatalf("activate: %d %s", r.Status, r.Body)
	}
	w.entTo = ta.login(entUsername, testPassword)
	w.entUser = ta.do("GET", "/v1/me", nil, w.entTo).str("id")

	w.inspection = ta.completedInspection(t, w.f, usccs[4])
	w.other = ta.completedInspection(t, w.f, usccs[3])
	w.caseID = ta.openCase(t, w.f) // its party is usccs[4]
	ta.act(t, w.f, w.caseID, map[string]any{"action": "decline", "reason": "证据不足，不予立案"})
	return w
}

// completedInspection plans an inspection of uscc for today, checks both officers in and
// records its result.
func (ta *testApp) completedInspection(t *testing.T, f caseAgency, uscc string) string {
	t.Helper()
	id := ta.mustCreate("/v1/inspections", map[string]any{"matter_id": f.matterID, "enterprise_uscc": uscc, "enterprise_name": "某某食品有限公司",
		"planned_on": todayInChina(), "officer_ids": f.officers}, f.officerTok)
	for _, tok := range []string{f.officerTok, f.officer2Tok} {
		if r := ta.do("POST", "/v1/inspections/"+id+"/check-ins", map[string]any{"lat": 30.5, "lng": 114.3}, tok); r.Status != 200 {
			t.Fatalf("check in: %d %s", r.Status, r.Body)
		}
	}
	if r := ta.do("POST", "/v1/inspections/"+id+"/result", map[string]any{"outcome": "compliant"}, f.officerTok); r.Status != 200 {
		t.Fatalf("result: %d %s", r.Status, r.Body)
	}
	return id
}

// deriveCallbacks waits until the deriver has scheduled the case's callback.
func (w *feedbackWorld) callback(t *testing.T) map[string]any {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		r := w.ta.do("GET", "/v1/callbacks", nil, w.here)
		if items := r.JSON["items"].([]any); len(items) == 1 {
			return items[0].(map[string]any)
		}
		if time.Now().After(deadline) {
			t.Fatalf("no callback was scheduled: %s", r.Body)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestEnterprisesComplainAndAreCalledBack walks the enterprise's side and the supervisors':
// registration and activation, its own inspections and cases, a rating of an inspection, a
// complaint through its whole workflow with the deadlines, and the callback of its case
// through the app, the page and the phone.
func TestEnterprisesComplainAndAreCalledBack(t *testing.T) {
	w := newFeedbackWorld(t)
	ta, f := w.ta, w.f

	t.Run("registration", func(t *testing.T) {
		region := ta.do("GET", "/v1/agencies/"+f.id, nil, f.adminTok).str("jurisdiction_id")
		ta.run([]scenario{
			{Name: "a USCC with a wrong check character", Method: "POST", URL: "/v1/enterprises/register", Body: map[string]any{"uscc": "91310115MA1K3YJ12H", "name": "某某公司",
				"legal_representative": "王", "contact_name": "李", "contact_phone": "13700002222", "jurisdiction_id": region, "password": testPassword},
				Status: 400, Contains: []string{`"uscc":`}},
			{Name: "every field is named", Method: "POST", URL: "/v1/enterprises/register", Body: map[string]any{"uscc": "x"}, Status: 400,
				Contains: []string{`"name":`, `"contact_phone":`, `"jurisdiction_id":`, `"password":`}},
			{Name: "a USCC held by a registration", Method: "POST", URL: "/v1/enterprises/register", Body: map[string]any{"uscc": usccs[4], "name": "冒名公司",
				"legal_representative": "王", "contact_name": "李", "contact_phone": "13700002222", "jurisdiction_id": region, "password": testPassword},
				Status: 409, Contains: []string{"registered already"}},
			{Name: "an unknown jurisdiction", Method: "POST", URL: "/v1/enterprises/register", Body: map[string]any{"uscc": usccs[2], "name": "某某公司",
				"legal_representative": "王", "contact_name": "李", "contact_phone": "13700002222", "jurisdiction_id": "nope", "password": testPassword},
				Status: 400, Contains: []string{`"jurisdiction_id":`}},
			{Name: "the supervisor lists it", Method: "GET", URL: "/v1/enterprises?status=active", Token: w.here, Status: 200, Contains: []string{w.entID, entContact}},
			{Name: "another district's supervisor does not", Method: "GET", URL: "/v1/enterprises", Token: w.elsewhere, Status: 200, NotContains: []string{w.entID}},
			{Name: "nor reads it", Method: "GET", URL: "/v1/enterprises/" + w.entID, Token: w.elsewhere, Status: 404},
			{Name: "an agency's admin lists none", Method: "GET", URL: "/v1/enterprises", Token: f.adminTok, Status: 403},
			{Name: "decided once", Method: "POST", URL: "/v1/enterprises/" + w.entID + "/reject", Token: w.here, Body: map[string]any{"reason": "x"}, Status: 409},
			{Name: "the enterprise reads itself", Method: "GET", URL: "/v1/enterprises/" + w.entID, Token: w.entTo, Status: 200, Contains: []string{`"status":"active"`}},
		})
		// A rejection frees the USCC for the real enterprise.
		fake := ta.do("POST", "/v1/enterprises/register", map[string]any{"uscc": usccs[2], "name": "冒名公司", "legal_representative": "王", "contact_name": "李",
			"contact_phone": "13700002222", "jurisdiction_id": region, "password": testPassword}, "")
		ta.run([]scenario{
			{Name: "a rejection needs a reason", Method: "POST", URL: "/v1/enterprises/" + fake.str("id") + "/reject", Token: w.here, Body: map[string]any{}, Status: 400},
			{Name: "rejected", Method: "POST", URL: "/v1/enterprises/" + fake.str("id") + "/reject", Token: w.here, Body: map[string]any{"reason": "营业执照不符"}, Status: 200, Contains: []string{`"status":"rejected"`}},
			{Name: "the USCC is free again", Method: "POST", URL: "/v1/enterprises/register", Body: map[string]any{"uscc": usccs[2], "name": "真实公司", "legal_representative": "王",
				"contact_name": "李", "contact_phone": "13700002222", "jurisdiction_id": region, "password": testPassword}, Status: 201},
		})
		// The code signs in as the new registration, which waits: not as the rejected one.
		if r := ta.do("POST", "/v1/auth/login", map[string]string{"username": usccs[2], "password": testPassword}, ""); r.Status != 403 || r.str("code") != "account_pending" {
			t.Fatalf("a rejected registration signed in: %d", r.Status)
		}
		// A registration a crash left without its account holds the USCC only for a moment.
		orphan := &domain.Enterprise{USCC: usccs[1], Name: "某某公司", LegalRepresentative: "王", ContactName: "李", ContactPhone: "13700003333",
			RegionID: region, Status: domain.EnterprisePending, CreatedAt: time.Now().Add(-time.Hour)}
		if err := ta.store.CreateEnterprise(context.Background(), orphan); err != nil {
			t.Fatal(err)
		}
		again := ta.do("POST", "/v1/enterprises/register", map[string]any{"uscc": usccs[1], "name": "某某公司", "legal_representative": "王", "contact_name": "李",
			"contact_phone": "13700003333", "jurisdiction_id": region, "password": testPassword}, "")
		if again.Status != 201 || again.str("id") == orphan.ID {
			t.Fatalf("the retry after a crash: %d %s", again.Status, again.Body)
		}
		if r := ta.do("POST", "/v1/enterprises/"+again.str("id")+"/activate", nil, w.here); r.Status != 200 {
			t.Fatalf("activate the retry: %d %s", r.Status, r.Body)
		}
		ta.login(usccs[1], testPassword)
	})

	t.Run("own inspections, cases and ratings", func(t *testing.T) {
		ta.run([]scenario{
			{Name: "its inspection, not another's", Method: "GET", URL: "/v1/enterprise/inspections", Token: w.entTo, Status: 200, Contains: []string{w.inspection, "张三", `"rated":false`}, NotContains: []string{w.other}},
			{Name: "its case", Method: "GET", URL: "/v1/enterprise/cases", Token: w.entTo, Status: 200, Contains: []string{w.caseID, `"status":"not_registered"`}},
			{Name: "an agency's inspection by id", Method: "GET", URL: "/v1/inspections/" + w.inspection, Token: w.entTo, Status: 404},
			{Name: "an agency's list", Method: "GET", URL: "/v1/inspections", Token: w.entTo, Status: 200, NotContains: []string{w.inspection}},
			{Name: "an agency's case", Method: "GET", URL: "/v1/cases/" + w.caseID, Token: w.entTo, Status: 404},
			{Name: "an officer has no enterprise app", Method: "GET", URL: "/v1/enterprise/inspections", Token: f.officerTok, Status: 403},
			{Name: "another enterprise's inspection is not rated", Method: "POST", URL: "/v1/enterprise/inspections/" + w.other + "/rating", Token: w.entTo, Body: map[string]any{"rating": 1}, Status: 404},
			{Name: "a rating", Method: "POST", URL: "/v1/enterprise/inspections/" + w.inspection + "/rating", Token: w.entTo, Body: map[string]any{"rating": 2, "tags": []string{"态度"}, "comment": "<b>态度生硬</b>"}, Status: 201, Contains: []string{`"source":"enterprise"`}},
			{Name: "once", Method: "POST", URL: "/v1/enterprise/inspections/" + w.inspection + "/rating", Token: w.entTo, Body: map[string]any{"rating": 5}, Status: 409},
			{Name: "rated", Method: "GET", URL: "/v1/enterprise/inspections", Token: w.entTo, Status: 200, Contains: []string{`"rated":true`}},
			{Name: "the supervisor sees who rated", Method: "GET", URL: "/v1/feedback", Token: w.here, Status: 200, Contains: []string{w.entID, w.inspection}},
			{Name: "the agency sees the rating, not which inspection", Method: "GET", URL: "/v1/feedback", Token: f.adminTok, Status: 200, Contains: []string{`"source":"enterprise"`}, NotContains: []string{w.entID, w.inspection}},
		})
		// Beside it, the registration of 真实公司, which waits for the supervisor.
		inbox := ta.inboxWith(t, w.here, "bad_feedback")
		if !strings.Contains(string(inbox.Body), "bad_feedback") || strings.Contains(string(inbox.Body), "态度生硬") {
			t.Fatalf("the supervisor's alert of a two-star rating: %s", inbox.Body)
		}
	})

	t.Run("a complaint through its workflow", func(t *testing.T) {
		r := ta.do("POST", "/v1/complaints", map[string]any{"inspection_id": w.inspection, "category": "吃拿卡要", "description": complaintWords}, w.entTo)
		if r.Status != 201 || r.str("status") != "submitted" {
			t.Fatalf("file: %d %s", r.Status, r.Body)
		}
		complaint := r.str("id")
		tr := "/v1/complaints/" + complaint + "/transitions"
		ta.run([]scenario{
			{Name: "about another enterprise's inspection", Method: "POST", URL: "/v1/complaints", Token: w.entTo, Body: map[string]any{"inspection_id": w.other, "category": "其他", "description": "不是我的检查"}, Status: 400},
			{Name: "an unknown category", Method: "POST", URL: "/v1/complaints", Token: w.entTo, Body: map[string]any{"inspection_id": w.inspection, "category": "x", "description": "说明情况"}, Status: 400, Contains: []string{`"category":`}},
			{Name: "an officer files none", Method: "POST", URL: "/v1/complaints", Token: f.officerTok, Body: map[string]any{"inspection_id": w.inspection, "category": "其他", "description": "说明情况"}, Status: 403},
			{Name: "the supervisor reads the complainant", Method: "GET", URL: "/v1/complaints/" + complaint, Token: w.here, Status: 200, Contains: []string{entContact, entPhone, complaintWords, w.inspection}},
			{Name: "the agency's admin reads that there is one", Method: "GET", URL: "/v1/complaints/" + complaint, Token: f.adminTok, Status: 200, Contains: []string{"吃拿卡要"},
				NotContains: []string{entContact, entPhone, complaintWords, w.inspection, w.entID, w.entUser}},
			{Name: "an officer reads none", Method: "GET", URL: "/v1/complaints/" + complaint, Token: f.officerTok, Status: 404},
			{Name: "another district's supervisor reads none", Method: "GET", URL: "/v1/complaints/" + complaint, Token: w.elsewhere, Status: 404},
			{Name: "nor lists it", Method: "GET", URL: "/v1/complaints", Token: w.elsewhere, Status: 200, NotContains: []string{complaint}},
			{Name: "the enterprise does not move it", Method: "POST", URL: tr, Token: w.entTo, Body: map[string]any{"action": "accept"}, Status: 403},
			{Name: "nor the agency", Method: "POST", URL: tr, Token: f.adminTok, Body: map[string]any{"action": "accept"}, Status: 403},
			{Name: "resolved only once accepted", Method: "POST", URL: tr, Token: w.here, Body: map[string]any{"action": "investigate"}, Status: 409},
			{Name: "accepted", Method: "POST", URL: tr, Token: w.here, Body: map[string]any{"action": "accept", "reply": "已受理"}, Status: 200, Contains: []string{`"status":"accepted"`, `"answer_by":`}},
			{Name: "the same step again is a retry", Method: "POST", URL: tr, Token: w.here, Body: map[string]any{"action": "accept", "reply": "已受理"}, Status: 200, Contains: []string{`"status":"accepted"`}},
			{Name: "a stale If-Match", Method: "POST", URL: tr, Token: w.here, Body: map[string]any{"action": "investigate"}, Headers: []string{"If-Match", `"1"`}, Status: 412},
			{Name: "investigating", Method: "POST", URL: tr, Token: w.here, Body: map[string]any{"action": "investigate"}, Status: 200},
			{Name: "resolving needs a reply", Method: "POST", URL: tr, Token: w.here, Body: map[string]any{"action": "resolve"}, Status: 400, Contains: []string{`"reply":`}},
			{Name: "resolved", Method: "POST", URL: tr, Token: w.here, Body: map[string]any{"action": "resolve", "reply": "经调查属实，已责令整改并约谈相关人员"}, Status: 200, Contains: []string{`"status":"resolved"`}},
			{Name: "then closed", Method: "POST", URL: tr, Token: w.here, Body: map[string]any{"action": "reject", "reply": "x"}, Status: 409},
			{Name: "filter", Method: "GET", URL: "/v1/complaints?status=resolved&category=吃拿卡要", Token: w.here, Status: 200, Contains: []string{complaint}},
			{Name: "filter out", Method: "GET", URL: "/v1/complaints?open=true", Token: w.here, Status: 200, NotContains: []string{complaint}},
			{Name: "the enterprise reads the reply", Method: "GET", URL: "/v1/complaints", Token: w.entTo, Status: 200, Contains: []string{complaint, "已责令整改"}},
		})
		// The supervisor heard of it when filed; the enterprise of each of the three steps.
		here := ta.inboxWith(t, w.here, "new_complaint")
		if strings.Contains(string(here.Body), entContact) {
			t.Fatalf("the supervisor's inbox: %s", here.Body)
		}
		ent := ta.inboxOf(t, w.entTo, 3)
		if k := kinds(ent); len(k) != 3 || k[0] != "complaint_progress" || !strings.Contains(string(ent.Body), "已办结") {
			t.Fatalf("the enterprise's inbox: %s", ent.Body)
		}
		for name, tok := range map[string]string{"the agency's admin": f.adminTok, "the officer": f.officerTok, "the reviewer": f.reviewerTok} {
			if r := ta.do("GET", "/v1/notifications", nil, tok); strings.Contains(string(r.Body), "complaint") || strings.Contains(string(r.Body), "投诉") {
				t.Errorf("%s heard of the complaint: %s", name, r.Body)
			}
		}
	})

	t.Run("a passed deadline escalates once", func(t *testing.T) {
		r := ta.do("POST", "/v1/complaints", map[string]any{"certificate_no": f.certNo, "category": "未出示证件", "description": "执法人员未出示执法证件"}, w.entTo)
		if r.Status != 201 || r.str("subject") != "officer" || r.str("officer_id") != f.officerID {
			t.Fatalf("about an officer: %d %s", r.Status, r.Body)
		}
		id := r.str("id")
		acceptBy, _ := time.Parse(time.RFC3339, r.str("accept_by"))
		if days := acceptBy.Sub(time.Now()).Hours() / 24; days < 3 || days > 6 {
			t.Fatalf("3 working days from now end in %.1f days", days)
		}
		if n, err := w.watcher.EscalateComplaints(context.Background()); err != nil || n != 0 {
			t.Fatalf("escalated before the deadline: %d %v", n, err)
		}
		// The watcher looks after the deadline; the app's clock stays, so that the deriver
		// still waits for changes to settle.
		later := &notify.Watcher{Repo: ta.store, Now: func() time.Time { return acceptBy.Add(time.Minute) }, Log: discardLog()}
		for range 2 {
			if _, err := later.EscalateComplaints(context.Background()); err != nil {
				t.Fatal(err)
			}
		}
		// Waited for by kind: the supervisor's inbox also holds the registration's alert, so a
		// count of items may be reached before this one is derived.
		if n := ta.waitForKind(t, w.here, "complaint_overdue"); n != 1 {
			t.Fatalf("the supervisor was told of the passed deadline %d times", n)
		}
		if ent := ta.inboxOf(t, w.entTo, 4); !strings.Contains(string(ent.Body), "提级督办") {
			t.Fatalf("the enterprise was not told of the escalation: %s", ent.Body)
		}
		ta.clock.Set(acceptBy.Add(time.Minute))
		got := ta.do("GET", "/v1/complaints/"+id, nil, w.here)
		ta.clock.Set(time.Time{})
		if strings.Count(string(got.Body), `"action":"escalate"`) != 1 || !strings.Contains(string(got.Body), `"overdue":true`) {
			t.Fatalf("escalated: %s", got.Body)
		}
		// Pages of one, in the order filed.
		first := ta.do("GET", "/v1/complaints?limit=1", nil, w.here)
		second := ta.do("GET", "/v1/complaints?limit=1&cursor="+first.str("next_cursor"), nil, w.here)
		if first.Status != 200 || second.Status != 200 || !strings.Contains(string(second.Body), id) || strings.Contains(string(first.Body), id) {
			t.Fatalf("paging: %s / %s", first.Body, second.Body)
		}
		if r := ta.do("GET", "/v1/feedback?limit=1&cursor="+ta.do("GET", "/v1/feedback?limit=1", nil, w.here).str("next_cursor"), nil, w.here); r.Status != 200 {
			t.Fatalf("the second page of ratings: %d %s", r.Status, r.Body)
		}
		if r := ta.do("GET", "/v1/complaints?officer_id="+f.officerID, nil, f.adminTok); !strings.Contains(string(r.Body), id) || strings.Contains(string(r.Body), "未出示执法证件") {
			t.Fatalf("the agency's list: %s", r.Body)
		}
	})

	t.Run("the callback of a case", func(t *testing.T) {
		cb := w.callback(t)
		id, link := cb["id"].(string), cb["url"].(string)
		if cb["state"] != "scheduled" || cb["trigger"] != "not_registered" || cb["party_uscc"] != usccs[4] {
			t.Fatalf("the callback: %v", cb)
		}
		ta.run([]scenario{
			{Name: "not yet due", Method: "GET", URL: "/v1/callbacks?state=due", Token: w.here, Status: 200, NotContains: []string{id}},
			{Name: "the agency lists none", Method: "GET", URL: "/v1/callbacks", Token: f.adminTok, Status: 403},
			{Name: "another district's supervisor", Method: "GET", URL: "/v1/callbacks/" + id, Token: w.elsewhere, Status: 404},
			{Name: "a body that covers no agency lists none", Method: "GET", URL: "/v1/callbacks", Token: w.elsewhere, Status: 200, NotContains: []string{id}},
			{Name: "nor counts any", Method: "GET", URL: "/v1/supervision/stats", Token: w.elsewhere, Status: 200, Contains: []string{`"items":[]`}},
			{Name: "a sysadmin lists them", Method: "GET", URL: "/v1/callbacks?agency_id=" + f.id, Token: ta.sysTok, Status: 200, Contains: []string{id}},
			{Name: "the enterprise reads its own, without the link", Method: "GET", URL: "/v1/callbacks/" + id, Token: w.entTo, Status: 200, NotContains: []string{"/r/"}},
		})
		// Due an hour later: the enterprise is asked in its app, once.
		// The watcher looks two hours on; the app's clock stays, so that the deriver still
		// waits for changes to settle.
		later := &notify.Watcher{Repo: ta.store, Now: func() time.Time { return time.Now().Add(2 * time.Hour) }, Log: discardLog()}
		for range 2 {
			if _, err := later.AnnounceCallbacks(context.Background()); err != nil {
				t.Fatal(err)
			}
		}
		ta.clock.Set(time.Now().Add(2 * time.Hour))
		due := ta.do("GET", "/v1/callbacks?state=due", nil, w.here)
		ta.clock.Set(time.Time{})
		if !strings.Contains(string(due.Body), id) {
			t.Fatalf("due: %s", due.Body)
		}
		ent := ta.inboxOf(t, w.entTo, 5)
		if n := strings.Count(string(ent.Body), `"kind":"callback_due"`); n != 1 {
			t.Fatalf("the enterprise was asked %d times: %s", n, ent.Body)
		}
		// The page: a forged token is a friendly 404; the real one shows the case.
		u, _ := url.Parse(link)
		token := strings.TrimPrefix(u.Path, "/r/")
		if r := ta.do("GET", "/r/"+id+".AAAAAAAAAAAAAAAAAAAAAA", nil, ""); r.Status != 404 || !strings.Contains(string(r.Body), "未找到该回访") {
			t.Fatalf("a forged token: %d %s", r.Status, r.Body)
		}
		page, cookie := ta.openCallbackPage(t, token)
		number := ta.do("GET", "/v1/cases/"+w.caseID, nil, f.adminTok).str("number")
		if page.Status != 200 || !strings.Contains(string(page.Body), "执法案件回访") || number == "" || !strings.Contains(string(page.Body), number) {
			t.Fatalf("the page: %d %s", page.Status, page.Body)
		}
		ft := formToken.FindStringSubmatch(string(page.Body))[1]
		if r := ta.postCallbackForm(token, url.Values{"satisfied": {"false"}, "notes": {"x"}, "form_token": {ft}}, ""); r.Status != 403 {
			t.Fatalf("without the cookie: %d", r.Status)
		}
		if r := ta.postCallbackForm(token, url.Values{"notes": {"<script>alert(1)</script>"}, "form_token": {ft}}, cookie); r.Status != 422 ||
			!strings.Contains(string(r.Body), "请选择满意或不满意") || strings.Contains(string(r.Body), "<script>alert") || !strings.Contains(string(r.Body), "&lt;script&gt;") {
			t.Fatalf("no choice: %d %s", r.Status, r.Body)
		}
		if r := ta.postCallbackForm(token, url.Values{"satisfied": {"false"}, "notes": {callbackWords + "<b>处罚过重</b>"}, "form_token": {ft}}, cookie); r.Status != 200 ||
			!strings.Contains(string(r.Body), "感谢您的回访意见") {
			t.Fatalf("answer: %d %s", r.Status, r.Body)
		}
		ta.run([]scenario{
			{Name: "answered once", Method: "POST", URL: "/v1/callbacks/" + id + "/responses", Token: w.here, Body: map[string]any{"satisfied": true}, Status: 409},
			{Name: "the page says so", Method: "GET", URL: "/r/" + token, Status: 410, Contains: []string{"本案已完成回访"}},
			{Name: "the JSON form too", Method: "POST", URL: "/v1/public/callbacks/" + token, Body: map[string]any{"satisfied": true}, Status: 410},
			{Name: "stored as typed", Method: "GET", URL: "/v1/callbacks?state=answered&satisfied=false", Token: w.here, Status: 200, Contains: []string{id, `\u003cb\u003e处罚过重`}},
		})
		ta.waitForKind(t, w.here, "unsatisfied_callback")
		if here := ta.do("GET", "/v1/notifications", nil, w.here); strings.Contains(string(here.Body), callbackWords) {
			t.Fatalf("the unsatisfied answer: %s", here.Body)
		}
	})

	t.Run("statistics", func(t *testing.T) {
		r := ta.do("GET", "/v1/supervision/stats", nil, w.here)
		if r.Status != 200 {
			t.Fatalf("stats: %d %s", r.Status, r.Body)
		}
		items := r.JSON["items"].([]any)
		if len(items) != 1 {
			t.Fatalf("one agency in the district: %s", r.Body)
		}
		row := items[0].(map[string]any)
		for k, want := range map[string]float64{"ratings": 1, "average_rating": 2, "bad_ratings": 1, "bad_share": 1, "complaints": 2, "callbacks_answered": 1, "callbacks_satisfied": 0} {
			if row[k] != want {
				t.Errorf("%s = %v, want %v", k, row[k], want)
			}
		}
		if row["complaints_by_category"].(map[string]any)["吃拿卡要"] != 1.0 || row["complaints_by_status"].(map[string]any)["resolved"] != 1.0 {
			t.Errorf("complaints by category and status: %v", row)
		}
		byOfficer := ta.do("GET", "/v1/supervision/stats?by=officer", nil, w.here)
		if !strings.Contains(string(byOfficer.Body), f.officerID) || !strings.Contains(string(byOfficer.Body), "张三") {
			t.Fatalf("per officer: %s", byOfficer.Body)
		}
		c := ta.do("GET", "/v1/supervision/stats?format=csv", nil, w.here)
		rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(string(c.Body), "\ufeff"))).ReadAll()
		if c.Status != 200 || err != nil || len(rows) != 2 || rows[0][0] != "agency_id" || rows[1][0] != f.id || rows[1][2] != "1" {
			t.Fatalf("CSV: %d %v %q", c.Status, err, c.Body)
		}
		ta.run([]scenario{
			{Name: "not the agency's", Method: "GET", URL: "/v1/supervision/stats", Token: f.adminTok, Status: 403},
			{Name: "another district's agency", Method: "GET", URL: "/v1/supervision/stats?agency_id=" + f.id, Token: w.elsewhere, Status: 404},
			{Name: "a bad date", Method: "GET", URL: "/v1/supervision/stats?from=2026-13-01", Token: w.here, Status: 400},
			{Name: "an empty period", Method: "GET", URL: "/v1/supervision/stats?from=2020-01-01&to=2020-12-31", Token: w.here, Status: 200, Contains: []string{`"ratings":0`}},
		})
	})
}

var tokenInPath = regexp.MustCompile(`^[A-Za-z0-9_.-]+$`)

func (ta *testApp) openCallbackPage(t *testing.T, token string) (response, string) {
	t.Helper()
	if !tokenInPath.MatchString(token) {
		t.Fatalf("a callback token with odd characters: %q", token)
	}
	page := ta.do("GET", "/r/"+token, nil, "")
	cookie := ""
	for _, c := range page.Header.Values("Set-Cookie") {
		if strings.HasPrefix(c, "zf_form=") {
			cookie = strings.SplitN(c, ";", 2)[0]
		}
	}
	return page, cookie
}

func (ta *testApp) postCallbackForm(token string, form url.Values, cookie string) response {
	ta.t.Helper()
	headers := []string{"Content-Type", "application/x-www-form-urlencoded"}
	if cookie != "" {
		headers = append(headers, "Cookie", cookie)
	}
	return ta.do("POST", "/r/"+token, form.Encode(), "", headers...)
}

// TestEnterpriseRetriesReplay: an enterprise's rating retried with its Idempotency-Key is
// answered as the first (not 409), the key with another body is refused, and so is a
// complaint's.
func TestEnterpriseRetriesReplay(t *testing.T) {
	w := newFeedbackWorld(t)
	ta := w.ta
	url := "/v1/enterprise/inspections/" + w.inspection + "/rating"
	first := ta.do("POST", url, map[string]any{"rating": 2}, w.entTo, "Idempotency-Key", "r-1")
	again := ta.do("POST", url, map[string]any{"rating": 2}, w.entTo, "Idempotency-Key", "r-1")
	if first.Status != 201 || again.Status != 201 || again.Header.Get("Idempotent-Replayed") != "true" {
		t.Fatalf("the retried rating: %d %s / %d %s", first.Status, first.Body, again.Status, again.Body)
	}
	if r := ta.do("POST", url, map[string]any{"rating": 5}, w.entTo, "Idempotency-Key", "r-1"); r.Status != 422 {
		t.Fatalf("the key with another rating: %d %s", r.Status, r.Body)
	}
	if r := ta.do("POST", url, map[string]any{"rating": 2}, w.entTo, "Idempotency-Key", "r-2"); r.Status != 409 {
		t.Fatalf("a second rating: %d %s", r.Status, r.Body)
	}
	body := map[string]any{"inspection_id": w.inspection, "category": "吃拿卡要", "description": complaintWords}
	if r := ta.do("POST", "/v1/complaints", body, w.entTo, "Idempotency-Key", "c-1"); r.Status != 201 {
		t.Fatalf("file: %d %s", r.Status, r.Body)
	}
	body["description"] = complaintWords + "，另一件事"
	if r := ta.do("POST", "/v1/complaints", body, w.entTo, "Idempotency-Key", "c-1"); r.Status != 422 {
		t.Fatalf("the key with another complaint: %d %s", r.Status, r.Body)
	}
}
