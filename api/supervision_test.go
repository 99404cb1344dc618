package api_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/zhifa/zhifa/domain"
	"github.com/zhifa/zhifa/notify"
)

// sweeperOf is a supervision sweep over the test app's store with its own clock.
func sweeperOf(ta *testApp, repo domain.Repository, holder string, now func() time.Time) *notify.Sweeper {
	return &notify.Sweeper{Repo: repo, Rules: domain.DefaultWarningRules, Holder: holder, Lease: time.Minute, Now: now, Log: discardLog()}
}

func (ta *testApp) sweep(t *testing.T, s *notify.Sweeper) int {
	t.Helper()
	n, err := s.SweepOnce(context.Background())
	if err != nil {
		t.Fatalf("sweep: %v", err)
	}
	return n
}

// warningsOf lists the warnings the token sees at url, by kind.
func (ta *testApp) warningsOf(t *testing.T, url, token string) map[string]map[string]any {
	t.Helper()
	r := ta.do("GET", url, nil, token)
	if r.Status != 200 {
		t.Fatalf("%s: %d %s", url, r.Status, r.Body)
	}
	out := map[string]map[string]any{}
	for _, it := range r.JSON["items"].([]any) {
		w := it.(map[string]any)
		out[w["kind"].(string)+":"+w["object_id"].(string)] = w
	}
	return out
}

func bodyOf(ta *testApp, token string) string {
	return ta.do("GET", "/v1/me", nil, token).str("agency_id")
}

// TestWarningsFollowTheDeadlines: the deadlines of a case (decision, service, payment), a
// complaint, a problem and a callback are yellow in their last days and red once passed, and
// go when the step is done; the supervisors over the agency list them with the filters, the
// agency's admin its own, and nobody else.
func TestWarningsFollowTheDeadlines(t *testing.T) {
	w := newFeedbackWorld(t)
	ta, f := w.ta, w.f
	registered := ta.openCase(t, f)
	ta.act(t, f, registered, map[string]any{"action": "register", "officer_ids": f.officers})
	decided := ta.decidedFine(t, f)
	tomorrow := time.Now().In(time.FixedZone("CST", 8*3600)).AddDate(0, 0, 1).Format(time.DateOnly)
	problem := ta.mustCreate("/v1/problems", map[string]any{"source": "self_check", "title": "案卷装订不规范", "plan": "逐卷整改", "owner": "法制科",
		"deadline": tomorrow}, f.adminTok)
	r := ta.do("POST", "/v1/complaints", map[string]any{"inspection_id": w.inspection, "category": "吃拿卡要", "description": complaintWords}, w.entTo)
	if r.Status != 201 {
		t.Fatalf("complaint: %d %s", r.Status, r.Body)
	}
	complaint := r.str("id")
	cb := w.callback(t)["id"].(string)
	other := ta.newCaseAgency(t, 1)

	start := time.Now()
	at := start
	s := sweeperOf(ta, ta.store, "one", func() time.Time { return at })
	ta.sweep(t, s)
	got := ta.warningsOf(t, "/v1/supervision/warnings", w.here)
	// Today only the problem due tomorrow is in its last three days; the decision's 90 days,
	// the service's 7 and the complaint's three working days are ahead, the callback not due.
	if len(got) != 1 || got["rectification:"+problem]["level"] != "yellow" || got["rectification:"+problem]["last_day"] != tomorrow {
		t.Fatalf("today's warnings: %v", got)
	}

	// Six days on: the service is in its last two days, the problem and the complaint's
	// acceptance have passed, the callback has come due.
	at = start.Add(6 * 24 * time.Hour)
	ta.clock.Set(at)
	defer ta.clock.Set(time.Time{})
	ta.sweep(t, s)
	got = ta.warningsOf(t, "/v1/supervision/warnings", w.here)
	want := map[string]string{"service:" + decided: "yellow", "rectification:" + problem: "red", "complaint_accept:" + complaint: "red", "callback:" + cb: "yellow"}
	if len(got) != len(want) {
		t.Fatalf("warnings after six days: %v", got)
	}
	for k, level := range want {
		if got[k] == nil || got[k]["level"] != level || got[k]["agency_id"] != f.id {
			t.Errorf("%s: %v, want %s", k, got[k], level)
		}
	}
	if got["complaint_accept:"+complaint]["label"] != "吃拿卡要" || strings.Contains(ta.do("GET", "/v1/supervision/warnings", nil, w.here).str(""), complaintWords) {
		t.Errorf("a complaint's warning names its category only: %v", got["complaint_accept:"+complaint])
	}
	red := ta.warningsOf(t, "/v1/supervision/warnings?level=red", w.here)
	yellow := ta.warningsOf(t, "/v1/supervision/warnings?level=yellow&kind=service&agency_id="+f.id, w.here)
	if len(red) != 2 || red["rectification:"+problem] == nil || len(yellow) != 1 || yellow["service:"+decided] == nil {
		t.Fatalf("filtered: red %v, yellow service %v", red, yellow)
	}
	// The agency reads its own, but not the supervisors' callback to its party.
	if own := ta.warningsOf(t, "/v1/supervision/warnings", f.adminTok); len(own) != len(want)-1 || own["callback:"+cb] != nil {
		t.Errorf("the agency's admin reads its own: %v", own)
	}
	if own := ta.warningsOf(t, "/v1/supervision/warnings?kind=callback", f.adminTok); len(own) != 0 {
		t.Errorf("the agency's admin reads the callback's warning: %v", own)
	}
	page := ta.do("GET", "/v1/supervision/warnings?limit=3", nil, w.here)
	rest := ta.do("GET", "/v1/supervision/warnings?limit=3&cursor="+page.str("next_cursor"), nil, w.here)
	if len(page.JSON["items"].([]any)) != 3 || len(rest.JSON["items"].([]any)) != 1 || rest.str("next_cursor") != "" {
		t.Errorf("pages of 3: %s then %s", page.Body, rest.Body)
	}
	ta.run([]scenario{
		{Name: "another district's supervisor sees none", Method: "GET", URL: "/v1/supervision/warnings", Token: w.elsewhere, Status: 200, NotContains: []string{f.id}},
		{Name: "another district's supervisor names the agency", Method: "GET", URL: "/v1/supervision/warnings?agency_id=" + f.id, Token: w.elsewhere, Status: 404},
		{Name: "another agency's admin names the agency", Method: "GET", URL: "/v1/supervision/warnings?agency_id=" + f.id, Token: other.adminTok, Status: 404},
		{Name: "another agency's admin sees only its own", Method: "GET", URL: "/v1/supervision/warnings", Token: other.adminTok, Status: 200, NotContains: []string{f.id}},
		{Name: "an officer", Method: "GET", URL: "/v1/supervision/warnings", Token: f.officerTok, Status: 403},
		{Name: "the enterprise", Method: "GET", URL: "/v1/supervision/warnings", Token: w.entTo, Status: 403},
		{Name: "an unknown level", Method: "GET", URL: "/v1/supervision/warnings?level=green", Token: w.here, Status: 400},
		{Name: "an unknown kind", Method: "GET", URL: "/v1/supervision/warnings?kind=nope", Token: w.here, Status: 400},
	})

	// Steps done: the decision served (its payment's 15 days begin), the problem closed, the
	// complaint accepted (its answer's days begin), the callback answered.
	ta.do("POST", "/v1/cases/"+decided+"/documents", map[string]any{"kind": "penalty_decision", "fields": map[string]string{"evidence": "照片", "payment": "十五日内"}}, f.officerTok)
	ta.do("POST", "/v1/cases/"+decided+"/documents", map[string]any{"kind": "credit_repair_notice"}, f.officerTok)
	ta.act(t, f, decided, map[string]any{"action": "serve", "officer_ids": f.officers})
	pr := ta.do("GET", "/v1/problems/"+problem, nil, f.adminTok)
	if r := ta.do("PATCH", "/v1/problems/"+problem, map[string]any{"status": "closed", "closure": "已整改"}, f.adminTok, "If-Match", pr.Header.Get("ETag")); r.Status != 200 {
		t.Fatalf("close the problem: %d %s", r.Status, r.Body)
	}
	if r := ta.do("POST", "/v1/complaints/"+complaint+"/transitions", map[string]any{"action": "accept"}, w.here); r.Status != 200 {
		t.Fatalf("accept: %d %s", r.Status, r.Body)
	}
	if r := ta.do("POST", "/v1/callbacks/"+cb+"/responses", map[string]any{"satisfied": true, "channel": "phone"}, w.here); r.Status != 201 && r.Status != 200 {
		t.Fatalf("callback: %d %s", r.Status, r.Body)
	}
	// The list follows the objects at once, before the next sweep.
	if got := ta.warningsOf(t, "/v1/supervision/warnings", w.here); len(got) != 0 {
		t.Fatalf("the steps are done, yet before the sweep: %v", got)
	}
	for until := time.Now().Add(15 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		if r := ta.do("GET", "/v1/callbacks", nil, w.here); len(r.JSON["items"].([]any)) == 2 {
			break
		} else if time.Now().After(until) {
			t.Fatalf("the service scheduled no callback: %s", r.Body)
		}
	}
	ta.sweep(t, s)
	// What is left is the callback the service scheduled (an hour after it, in this world).
	got = ta.warningsOf(t, "/v1/supervision/warnings", w.here)
	var served string
	for _, it := range got {
		if it["kind"] == "callback" && it["object_id"] != cb {
			served = it["object_id"].(string)
		}
	}
	if len(got) != 1 || served == "" {
		t.Fatalf("the steps are done, yet: %v", got)
	}
	// Twenty-six days on: the registered case's decision is far; the payment and the new
	// callback have passed; the complaint's fifteen working days are in their last three.
	at = start.Add(26 * 24 * time.Hour)
	ta.clock.Set(at)
	ta.sweep(t, s)
	got = ta.warningsOf(t, "/v1/supervision/warnings", w.here)
	if len(got) != 3 || got["payment:"+decided]["level"] != "red" || got["complaint_answer:"+complaint]["level"] != "yellow" || got["callback:"+served]["level"] != "red" {
		t.Fatalf("after 26 days: %v", got)
	}
	// Eighty-five days on, the decision of the registered case is in its last ten days.
	at = start.Add(85 * 24 * time.Hour)
	ta.clock.Set(at)
	ta.sweep(t, s)
	if got := ta.warningsOf(t, "/v1/supervision/warnings?kind=decision", w.here); got["decision:"+registered]["level"] != "yellow" {
		t.Fatalf("the decision's last days: %v", got)
	}
	// Extended by 30 days, it is no longer in them.
	ext := domain.ChinaDate(at).AddDate(0, 0, 30).Format(time.DateOnly)
	ta.actAs(t, f.adminTok, registered, map[string]any{"action": "extend_deadline", "reason": "案情复杂，经负责人批准延长", "new_deadline": ext}, 200)
	if got := ta.warningsOf(t, "/v1/supervision/warnings?kind=decision", w.here); len(got) != 0 {
		t.Fatalf("extended, the decision warns before the sweep: %v", got)
	}
	ta.sweep(t, s)
	if got := ta.warningsOf(t, "/v1/supervision/warnings?kind=decision", w.here); len(got) != 0 {
		t.Fatalf("extended, the decision warns: %v", got)
	}
}

// forgetfulRepo dies, as a SIGKILL would, after the red's changes are written and before the
// warning is marked told.
type forgetfulRepo struct{ domain.Repository }

func (forgetfulRepo) MarkAlerted(context.Context, string, time.Time) error {
	return errors.New("killed")
}

// TestRedWarningsAlertOnceOnOneInstance: a red warning alerts the supervisors of the body over
// the agency once, in Chinese, though the sweep that wrote its changes died before marking it
// and the next one wrote them again; sweeping again tells nothing; the agency's admin and
// another district hear nothing. The sweep runs on the one instance holding its lease, until
// the lease runs out.
func TestRedWarningsAlertOnceOnOneInstance(t *testing.T) {
	w := newFeedbackWorld(t)
	ta, f := w.ta, w.f
	yesterday := time.Now().In(time.FixedZone("CST", 8*3600)).AddDate(0, 0, -1).Format(time.DateOnly)
	problem := ta.mustCreate("/v1/problems", map[string]any{"source": "self_check", "title": "执法记录仪未全程使用", "plan": "逐人培训", "owner": "法制科",
		"deadline": yesterday}, f.adminTok)

	start := time.Now()
	killed := sweeperOf(ta, forgetfulRepo{ta.store}, "one", time.Now)
	if _, err := killed.SweepOnce(context.Background()); err == nil {
		t.Fatal("the dying sweep marked the warning")
	}
	// Another instance waits while the lease lives.
	other := sweeperOf(ta, ta.store, "two", time.Now)
	if n := ta.sweep(t, other); n != 0 {
		t.Fatalf("a second instance swept under the first's lease: %d", n)
	}
	// The restarted instance (same name) takes its lease again at once and tells the red again.
	one := sweeperOf(ta, ta.store, "one", time.Now)
	if n := ta.sweep(t, one); n != 1 {
		t.Fatalf("the restarted sweep told %d", n)
	}
	if n := ta.sweep(t, one); n != 0 {
		t.Fatalf("a third sweep did something: %d", n)
	}
	body := bodyOf(ta, w.here)
	changes, err := ta.store.ChangesSince(context.Background(), body, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	told := 0
	for _, ch := range changes {
		if ch.Kind == "warning" {
			told++
		}
	}
	if told != 2 {
		t.Fatalf("the body's log has %d warning entries, want the two the sweeps wrote", told)
	}
	inbox := ta.inboxOf(t, w.here, 1)
	time.Sleep(2500 * time.Millisecond) // the second entry settles and is derived too
	inbox = ta.inboxOf(t, w.here, 1)
	n := 0
	for _, it := range inbox.JSON["items"].([]any) {
		if it.(map[string]any)["kind"] == "warning_red" {
			n++
		}
	}
	if n != 1 || !strings.Contains(string(inbox.Body), "监督预警：期限已过") || !strings.Contains(string(inbox.Body), "区市场监督管理局A：整改任务“执法记录仪未全程使用”的整改期限已过") {
		t.Fatalf("the supervisor's inbox (%d red alerts): %s", n, inbox.Body)
	}
	for name, tok := range map[string]string{"another district": w.elsewhere, "the agency's admin": f.adminTok} {
		if r := ta.do("GET", "/v1/notifications", nil, tok); strings.Contains(string(r.Body), "warning_red") {
			t.Errorf("%s was told: %s", name, r.Body)
		}
	}
	if got := ta.warningsOf(t, "/v1/supervision/warnings?level=red", w.here); got["rectification:"+problem]["alerted"] != true {
		t.Errorf("the warning says it was told: %v", got)
	}
	// Once the lease runs out, the other instance sweeps.
	later := start.Add(2 * time.Minute)
	other.Now = func() time.Time { return later }
	ta.sweep(t, other)
	if n := ta.sweep(t, one); n != 0 {
		t.Fatalf("the first instance swept under the second's lease: %d", n)
	}
}

// TestSupervisionOrders: a supervisor issues an order on a case, an inspection and a complaint
// of an agency the body covers (a retry replays), the agency's admin is alerted and answers,
// the supervisor is alerted, sends it back, and closes the second answer; each step says who
// and when; both sides list it until closed; nobody else reads or moves it; the scorecard
// counts the answers on time.
func TestSupervisionOrders(t *testing.T) {
	w := newFeedbackWorld(t)
	ta, f := w.ta, w.f
	other := ta.newCaseAgency(t, 1)
	caseID := ta.openCase(t, f)
	r := ta.do("POST", "/v1/complaints", map[string]any{"inspection_id": w.inspection, "category": "吃拿卡要", "description": complaintWords}, w.entTo)
	if r.Status != 201 {
		t.Fatalf("complaint: %d %s", r.Status, r.Body)
	}
	complaint := r.str("id")
	today := todayInChina()
	order := map[string]any{"object_kind": "case", "object_id": caseID, "text": "请说明该案件久拖未决的原因并限期办结。", "deadline": today}
	first := ta.do("POST", "/v1/supervision/orders", order, w.here, "Idempotency-Key", "order-1")
	again := ta.do("POST", "/v1/supervision/orders", order, w.here, "Idempotency-Key", "order-1")
	if first.Status != 201 || again.Status != 201 || again.str("id") != first.str("id") || again.Header.Get("Idempotent-Replayed") != "true" {
		t.Fatalf("issue and retry: %d %s / %d %s", first.Status, first.Body, again.Status, again.Body)
	}
	id := first.str("id")
	if first.str("status") != "open" || first.str("agency_id") != f.id || first.str("body_id") != bodyOf(ta, w.here) {
		t.Fatalf("the order: %s", first.Body)
	}
	changed := map[string]any{"object_kind": "case", "object_id": caseID, "text": "另一份督办内容文字", "deadline": today}
	if r := ta.do("POST", "/v1/supervision/orders", changed, w.here, "Idempotency-Key", "order-1"); r.Status != 422 {
		t.Fatalf("the key with another body: %d %s", r.Status, r.Body)
	}
	inspectionOrder := ta.mustCreate("/v1/supervision/orders", map[string]any{"object_kind": "inspection", "object_id": w.inspection, "text": "请报告该次检查的依据。", "deadline": today}, w.here)
	complaintOrder := ta.mustCreate("/v1/supervision/orders", map[string]any{"object_kind": "complaint", "object_id": complaint, "text": "请就投诉反映的问题说明情况。", "deadline": today}, w.here)

	orderOn := func(kind, obj string) map[string]any {
		return map[string]any{"object_kind": kind, "object_id": obj, "text": "越权督办的内容文字", "deadline": today}
	}
	url := "/v1/supervision/orders/" + id
	ta.run([]scenario{
		{Name: "another district's supervisor on the case", Method: "POST", URL: "/v1/supervision/orders", Token: w.elsewhere, Body: orderOn("case", caseID), Status: 404},
		{Name: "another district's supervisor on the inspection", Method: "POST", URL: "/v1/supervision/orders", Token: w.elsewhere, Body: orderOn("inspection", w.inspection), Status: 404},
		{Name: "another district's supervisor on the complaint", Method: "POST", URL: "/v1/supervision/orders", Token: w.elsewhere, Body: orderOn("complaint", complaint), Status: 404},
		{Name: "the agency's admin issues", Method: "POST", URL: "/v1/supervision/orders", Token: f.adminTok, Body: orderOn("case", caseID), Status: 403},
		{Name: "an officer issues", Method: "POST", URL: "/v1/supervision/orders", Token: f.officerTok, Body: orderOn("case", caseID), Status: 403},
		{Name: "the enterprise issues", Method: "POST", URL: "/v1/supervision/orders", Token: w.entTo, Body: orderOn("case", caseID), Status: 403},
		{Name: "an unknown subject", Method: "POST", URL: "/v1/supervision/orders", Token: w.here, Body: orderOn("problem", caseID), Status: 400},
		{Name: "a day gone", Method: "POST", URL: "/v1/supervision/orders", Token: w.here, Body: map[string]any{"object_kind": "case", "object_id": caseID, "text": "过期的督办文字", "deadline": "2020-01-01"}, Status: 400},
		{Name: "another district's supervisor reads", Method: "GET", URL: url, Token: w.elsewhere, Status: 404},
		{Name: "another district's supervisor lists", Method: "GET", URL: "/v1/supervision/orders", Token: w.elsewhere, Status: 200, NotContains: []string{id}},
		{Name: "an officer of the agency reads", Method: "GET", URL: url, Token: f.officerTok, Status: 404},
		{Name: "an officer of the agency lists", Method: "GET", URL: "/v1/supervision/orders", Token: f.officerTok, Status: 403},
		{Name: "the enterprise reads", Method: "GET", URL: url, Token: w.entTo, Status: 404},
		{Name: "another agency's admin reads", Method: "GET", URL: url, Token: other.adminTok, Status: 404},
		{Name: "another agency's admin lists", Method: "GET", URL: "/v1/supervision/orders", Token: other.adminTok, Status: 200, NotContains: []string{id}},
		{Name: "another agency's admin answers", Method: "POST", URL: url + "/transitions", Token: other.adminTok, Body: map[string]any{"action": "answer", "text": "代为办复"}, Status: 404},
		{Name: "an officer answers", Method: "POST", URL: url + "/transitions", Token: f.officerTok, Body: map[string]any{"action": "answer", "text": "代为办复"}, Status: 404},
		{Name: "the enterprise answers", Method: "POST", URL: url + "/transitions", Token: w.entTo, Body: map[string]any{"action": "answer", "text": "代为办复"}, Status: 404},
		{Name: "the issuer answers their own order", Method: "POST", URL: url + "/transitions", Token: w.here, Body: map[string]any{"action": "answer", "text": "自己办复"}, Status: 403},
		{Name: "closed before it is answered", Method: "POST", URL: url + "/transitions", Token: w.here, Body: map[string]any{"action": "close"}, Status: 409},
		{Name: "the agency's admin closes", Method: "POST", URL: url + "/transitions", Token: f.adminTok, Body: map[string]any{"action": "close"}, Status: 403},
		{Name: "an answer without text", Method: "POST", URL: url + "/transitions", Token: f.adminTok, Body: map[string]any{"action": "answer"}, Status: 400},
	})
	both := func(status string, want int) {
		t.Helper()
		for name, tok := range map[string]string{"supervisor": w.here, "admin": f.adminTok} {
			q := "/v1/supervision/orders?agency_id=" + f.id
			if status != "" {
				q += "&status=" + status
			}
			r := ta.do("GET", q, nil, tok)
			if r.Status != 200 || len(r.JSON["items"].([]any)) != want {
				t.Fatalf("%s lists %q: %d %s, want %d", name, status, r.Status, r.Body, want)
			}
		}
	}
	both("", 3)
	inbox := ta.inboxOf(t, f.adminTok, 3)
	if !strings.Contains(string(inbox.Body), "order_issued") || !strings.Contains(string(inbox.Body), "收到督办事项") || !strings.Contains(string(inbox.Body), "青山区司法局对案件") {
		t.Fatalf("the admin's inbox: %s", inbox.Body)
	}
	if strings.Contains(string(inbox.Body), complaintWords) || strings.Contains(string(inbox.Body), entContact) {
		t.Fatalf("the complainant leaks to the agency: %s", inbox.Body)
	}

	answer := map[string]any{"action": "answer", "text": "已查明原因，将于本周内作出决定。"}
	a1 := ta.do("POST", url+"/transitions", answer, f.adminTok, "Idempotency-Key", "answer-1")
	a2 := ta.do("POST", url+"/transitions", answer, f.adminTok, "Idempotency-Key", "answer-1")
	if a1.Status != 200 || a1.str("status") != "answered" || a2.Header.Get("Idempotent-Replayed") != "true" || len(a2.JSON["events"].([]any)) != 2 {
		t.Fatalf("answer and its retry: %d %s / %s", a1.Status, a1.Body, a2.Body)
	}
	if a1.JSON["answered_on_time"] != true {
		t.Errorf("answered today, on time: %s", a1.Body)
	}
	sup := ta.inboxWith(t, w.here, "order_answered")
	if !strings.Contains(string(sup.Body), "order_answered") || !strings.Contains(string(sup.Body), "区市场监督管理局A已办复青山区司法局对案件") {
		t.Fatalf("the supervisor's inbox: %s", sup.Body)
	}
	if r := ta.do("POST", url+"/transitions", map[string]any{"action": "return", "text": "说明不充分，请补充办理措施。"}, w.here); r.Status != 200 || r.str("status") != "open" {
		t.Fatalf("return: %d %s", r.Status, r.Body)
	}
	if r := ta.do("POST", url+"/transitions", map[string]any{"action": "answer", "text": "已于今日作出处罚决定。"}, f.adminTok); r.Status != 200 {
		t.Fatalf("answer again: %d %s", r.Status, r.Body)
	}
	if r := ta.do("POST", url+"/transitions", map[string]any{"action": "close"}, w.elsewhere); r.Status != 404 {
		t.Fatalf("another district closes: %d %s", r.Status, r.Body)
	}
	closed := ta.do("POST", url+"/transitions", map[string]any{"action": "close", "text": "同意办结"}, w.here)
	if closed.Status != 200 || closed.str("status") != "closed" {
		t.Fatalf("close: %d %s", closed.Status, closed.Body)
	}
	events := closed.JSON["events"].([]any)
	wantSteps := []string{"issue", "answer", "return", "answer", "close"}
	if len(events) != len(wantSteps) {
		t.Fatalf("steps: %s", closed.Body)
	}
	for i, e := range events {
		ev := e.(map[string]any)
		if ev["action"] != wantSteps[i] || ev["by"] == "" || ev["at"] == "" {
			t.Errorf("step %d: %v, want %s with who and when", i+1, ev, wantSteps[i])
		}
	}
	both("", 2)
	both("closed", 1)
	if r := ta.do("GET", url, nil, f.adminTok); r.Status != 200 || r.str("status") != "closed" {
		t.Fatalf("the admin reads the closed order: %d %s", r.Status, r.Body)
	}
	admin := ta.inboxOf(t, f.adminTok, 5)
	for _, k := range []string{"order_returned", "order_closed"} {
		if !strings.Contains(string(admin.Body), k) {
			t.Errorf("the admin was not told %s: %s", k, admin.Body)
		}
	}

	// The scorecard: of the three orders due today, two were answered by their day.
	if r := ta.do("POST", "/v1/supervision/orders/"+inspectionOrder+"/transitions", map[string]any{"action": "answer", "text": "检查依据为年度抽查计划。"}, f.adminTok); r.Status != 200 {
		t.Fatalf("answer the inspection's order: %d %s", r.Status, r.Body)
	}
	_ = complaintOrder
	sc := ta.do("GET", "/v1/scorecards?from="+today+"&to="+today, nil, w.here)
	if sc.Status != 200 {
		t.Fatalf("scorecards: %d %s", sc.Status, sc.Body)
	}
	for _, it := range sc.JSON["items"].([]any) {
		card := it.(map[string]any)
		for _, ind := range card["indicators"].([]any) {
			x := ind.(map[string]any)
			if x["code"] != "orders_on_time" {
				continue
			}
			switch card["agency_id"] {
			case f.id:
				if x["numerator"] != 2.0 || x["denominator"] != 3.0 || x["assessable"] != true || x["points"] != 3.33 {
					t.Errorf("the agency's orders on time: %v", x)
				}
			case other.id:
				if x["assessable"] != false || x["value"] != nil {
					t.Errorf("an agency without orders: %v", x)
				}
			}
		}
	}
}

// TestLiveSupervisionIsOnTheToDoLists: a red warning is on the to-do list of the supervisors
// over the agency (not another district's), a supervision order on the agency admin's until it
// is answered, then on the issuing supervisor's until it is closed; another agency's admin
// never sees it.
func TestLiveSupervisionIsOnTheToDoLists(t *testing.T) {
	w := newFeedbackWorld(t)
	ta, f := w.ta, w.f
	other := ta.newCaseAgency(t, 1)
	yesterday := time.Now().In(time.FixedZone("CST", 8*3600)).AddDate(0, 0, -1).Format(time.DateOnly)
	problem := ta.mustCreate("/v1/problems", map[string]any{"source": "self_check", "title": "执法记录仪未全程使用", "plan": "逐人培训", "owner": "法制科",
		"deadline": yesterday}, f.adminTok)
	ta.sweep(t, sweeperOf(ta, ta.store, "one", time.Now))
	red := ta.todoGroups(t, w.here)["red_warnings"]
	if count(red) != 1 {
		t.Fatalf("the supervisor's red warnings: %v", red)
	}
	item := red["items"].([]any)[0].(map[string]any)
	if item["link"] != "/v1/problems/"+problem || !strings.Contains(item["title"].(string), "执法记录仪未全程使用") {
		t.Fatalf("the red warning's item: %v", item)
	}
	if g := ta.todoGroups(t, w.elsewhere)["red_warnings"]; count(g) != 0 {
		t.Fatalf("another district's supervisor: %v", g)
	}

	caseID := ta.openCase(t, f)
	order := ta.mustCreate("/v1/supervision/orders", map[string]any{"object_kind": "case", "object_id": caseID, "text": "请说明该案件久拖未决的原因并限期办结。", "deadline": todayInChina()}, w.here)
	if g := ta.todoGroups(t, f.adminTok)["orders_to_answer"]; count(g) != 1 || g["items"].([]any)[0].(map[string]any)["link"] != "/v1/supervision/orders/"+order ||
		g["items"].([]any)[0].(map[string]any)["due"] != todayInChina()+"T16:00:00Z" {
		t.Fatalf("the admin's orders to answer (due at the end of the China day): %v", g)
	}
	if g := ta.todoGroups(t, other.adminTok)["orders_to_answer"]; count(g) != 0 {
		t.Fatalf("another agency's admin: %v", g)
	}
	if g := ta.todoGroups(t, w.here)["orders_answered"]; count(g) != 0 {
		t.Fatalf("before the answer, the supervisor's: %v", g)
	}
	if r := ta.do("POST", "/v1/supervision/orders/"+order+"/transitions", map[string]any{"action": "answer", "text": "已查明原因，将于本周内作出决定。"}, f.adminTok); r.Status != 200 {
		t.Fatalf("answer: %d %s", r.Status, r.Body)
	}
	if g := ta.todoGroups(t, f.adminTok)["orders_to_answer"]; count(g) != 0 {
		t.Fatalf("answered, the admin's: %v", g)
	}
	if g := ta.todoGroups(t, w.here)["orders_answered"]; count(g) != 1 {
		t.Fatalf("answered, the supervisor's: %v", g)
	}
	if g := ta.todoGroups(t, w.elsewhere)["orders_answered"]; count(g) != 0 {
		t.Fatalf("another district's supervisor: %v", g)
	}
	if r := ta.do("POST", "/v1/supervision/orders/"+order+"/transitions", map[string]any{"action": "close", "text": "办复属实，予以办结。"}, w.here); r.Status != 200 {
		t.Fatalf("close: %d %s", r.Status, r.Body)
	}
	if g := ta.todoGroups(t, w.here)["orders_answered"]; count(g) != 0 {
		t.Fatalf("closed, the supervisor's: %v", g)
	}
}
