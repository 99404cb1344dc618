package api_test

import (
	"encoding/base64"
	"fmt"
	"strings"
	"testing"
)

// TestConsoleSupervisorDashboardInChromium: the supervisor's dashboard is open when an
// enterprise rates an inspection one star and files a complaint; both counts rise and the alert
// shows without a reload. The supervisor rejects a pending registration (asked for a reason at
// the field first), opens the new complaint from the dashboard, accepts it and resolves it (asked
// for a reply at the field first), seeing the photo the enterprise attached; issues a supervision
// order on it (too short a text refused at its field), reads the agency's answer, is asked for
// a reason to send it back, and closes it; records a callback's phone answer (asked to choose
// first); the warnings, complaints,
// callbacks and orders pages open.
func TestConsoleSupervisorDashboardInChromium(t *testing.T) {
	w := newFeedbackWorld(t)
	region := w.ta.do("GET", "/v1/agencies/"+w.f.id, nil, w.f.adminTok).str("jurisdiction_id")
	reg := map[string]any{"uscc": usccs[3], "name": "红星五金商店", "legal_representative": "赵某", "contact_name": "钱某",
		"contact_phone": "13900139000", "jurisdiction_id": region, "password": testPassword}
	r := w.ta.do("POST", "/v1/enterprises/register", reg, "")
	if r.Status != 201 {
		t.Fatalf("register: %d %s", r.Status, r.Body)
	}
	pending := r.str("id")
	pic := base64.StdEncoding.EncodeToString(photo(t, 96, 72))
	cb := w.callback(t)["id"].(string)
	seen := runConsole(t, "supervision-dashboard.cjs", w.ta.serve(), "qs-supervisor", testPassword, w.entTo, w.inspection, pic, w.f.adminTok, cb).Seen
	if seen["rating"] != "201" || seen["complaint"] != "201" || seen["reloads"] != "0" || !hasHan(seen["alert"]) {
		t.Fatalf("the enterprise's rating and complaint, live: %v", seen)
	}
	if seen["photoUpload"] != "201/200" || !strings.Contains(seen["photo"], "现场.png") {
		t.Fatalf("the complaint's photo: %v", seen)
	}
	if seen["ratingsBefore"] != "0" || seen["ratingsAfter"] != "1" || seen["complaintsBefore"] != "0" || seen["complaintsAfter"] != "1" {
		t.Fatalf("the dashboard's counts: %v", seen)
	}
	if seen["registrationsBefore"] != "1" || seen["registration"] != "红星五金商店" || !hasHan(seen["reasonError"]) || seen["registrationsAfter"] != "0" {
		t.Fatalf("the registration: %v", seen)
	}
	if got := w.ta.do("GET", "/v1/enterprises/"+pending, nil, w.here); got.str("status") != "rejected" || got.str("reason") != "营业执照与登记信息不符" {
		t.Fatalf("the registration after the console: %d %s", got.Status, got.Body)
	}
	if !strings.HasPrefix(seen["status0"], "待受理") || !strings.HasPrefix(seen["status1"], "已受理") || !strings.HasPrefix(seen["status2"], "已办结") ||
		!hasHan(seen["replyError"]) || seen["events"] != "3" {
		t.Fatalf("the complaint's steps: %v", seen)
	}
	list := w.ta.do("GET", "/v1/complaints?status=resolved", nil, w.here)
	if !strings.Contains(string(list.Body), "经核查，该局已调整检查计划") {
		t.Fatalf("the resolved complaint's reply: %s", list.Body)
	}
	if !hasHan(seen["orderError"]) || seen["order0"] != "待答复" || seen["answer"] != "200" || !hasHan(seen["returnError"]) || seen["order1"] != "已办结" {
		t.Fatalf("the supervision order: %v", seen)
	}
	if orders := w.ta.do("GET", "/v1/supervision/orders?status=closed", nil, w.here); !strings.Contains(string(orders.Body), "请说明重复检查的原因") {
		t.Fatalf("the closed order: %s", orders.Body)
	}
	if !hasHan(seen["callbackError"]) || seen["callbackAnswer"] != "不满意" {
		t.Fatalf("the callback: %v", seen)
	}
	if got := w.ta.do("GET", "/v1/callbacks/"+cb, nil, w.here); !strings.Contains(string(got.Body), "认为检查时间过长") || !strings.Contains(string(got.Body), `"channel":"phone"`) {
		t.Fatalf("the callback after the console: %s", got.Body)
	}
	t.Logf("the dashboard showed its counts %s ms after the menu click; loaded gzip %s KB", seen["dashboardMs"], seen["loadedKB"])
	if seen["menuFirst"] != "监督看板" {
		t.Logf("the supervisor's first menu entry after 工作台 is %q (the desk's 案件 comes first in areas/index.ts)", seen["menuFirst"])
	}
}

// TestConsoleSupervisorReviewsAndScorecardInChromium: the supervisor starts a review round of
// two closed files, scores one with the case beside the form (a one-character finding refused
// at its field), reads the report, the scorecard's chart and definitions, the statistics, and
// finds the finding on the problem list.
func TestConsoleSupervisorReviewsAndScorecardInChromium(t *testing.T) {
	ta := newTestApp(t)
	f := ta.newCaseAgency(t, 0)
	here := ta.supervisoryBody(t, "青山区司法局", usccOf(t, "11370402MB000011"+"0"), "青山区", "qs-supervisor")
	var numbers []string
	for range 2 {
		id := ta.closedCase(t, f)
		numbers = append(numbers, ta.do("GET", "/v1/cases/"+id, nil, f.adminTok).str("number"))
	}
	seen := runConsole(t, "supervision-review.cjs", ta.serve(), "qs-supervisor", testPassword).Seen
	if seen["rubricItems"] == "" || seen["rubricItems"] == "0" {
		t.Fatalf("the body's rubric: %v", seen)
	}
	if seen["files"] != "2" || !hasHan(seen["findingError"]) || seen["items"] == "0" || !strings.Contains(seen["saved"], "已保存") {
		t.Fatalf("the review: %v", seen)
	}
	if !strings.Contains(seen["beside"], numbers[0]) && !strings.Contains(seen["beside"], numbers[1]) || seen["besideEvents"] == "0" {
		t.Fatalf("the case beside the form: %v (cases %v)", seen, numbers)
	}
	if seen["chart"] != "drawn" || !strings.Contains(seen["chartLabel"], "分") || seen["definitions"] != "10" || !strings.Contains(seen["problem"], "案卷评查") {
		t.Fatalf("the scorecard and the problem list: %v", seen)
	}
	rounds := ta.do("GET", "/v1/review-rounds", nil, here)
	round := rounds.JSON["items"].([]any)[0].(map[string]any)["id"].(string)
	files := ta.do("GET", "/v1/review-rounds/"+round+"/files", nil, here)
	if !strings.Contains(string(files.Body), "询问笔录未逐页签字") || !strings.Contains(string(files.Body), `"scored":true`) {
		t.Fatalf("the scored file: %s", files.Body)
	}
}

// TestConsoleDrawsInChromium: the agency's admin plans a draw of two enterprises and makes it in
// the console, reading who inspects whom by name; the supervisor finds it among the agency's
// draws and reads the same result.
func TestConsoleDrawsInChromium(t *testing.T) {
	ta := newTestApp(t)
	f := ta.newCaseAgency(t, 0)
	ta.supervisoryBody(t, "青山区司法局", usccOf(t, "11370402MB000011"+"0"), "青山区", "qs-supervisor")
	for i, risk := range []string{"low", "medium", "high"} {
		uscc := usccOf(t, fmt.Sprintf("9137040200000%03d1", i))
		if r := ta.do("PUT", "/v1/directory/"+uscc, map[string]any{"name": fmt.Sprintf("企业%d", i), "industry": "餐饮", "risk": risk}, f.adminTok); r.Status != 200 {
			t.Fatalf("directory: %d %s", r.Status, r.Body)
		}
	}
	name := ta.do("GET", "/v1/agencies/"+f.id, nil, f.adminTok).str("name")
	seen := runConsole(t, "supervision-draws.cjs", ta.serve(), "a-admin", "qs-supervisor", testPassword, name).Seen
	if seen["picked"] != "2" || !hasHan(seen["inspectors"]) || seen["supervisorPicked"] != "2" || seen["supervisorInspectors"] != seen["inspectors"] {
		t.Fatalf("the draw: %v", seen)
	}
	draws := ta.do("GET", "/v1/draws", nil, f.adminTok)
	if !strings.Contains(string(draws.Body), `"status":"drawn"`) {
		t.Fatalf("the draw after the console: %s", draws.Body)
	}
}
