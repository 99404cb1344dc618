package api_test

import (
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// phoneWidth fails unless every width the journey measured (seen keys ending in Width) fits
// the phone's 390 px.
func phoneWidth(t *testing.T, seen map[string]string) {
	t.Helper()
	n := 0
	for k, v := range seen {
		if !strings.HasSuffix(k, "Width") {
			continue
		}
		n++
		if w, err := strconv.Atoi(v); err != nil || w == 0 || w > 390 {
			t.Errorf("%s is %q px wide on a 390 px phone", k, v)
		}
	}
	if n == 0 {
		t.Errorf("no width was measured: %v", seen)
	}
}

// TestConsolePortalRegistersOnAPhoneInChromium: an enterprise registers on a phone. A credit
// code with a wrong check character is refused as it is typed, naming the right one (as
// domain.ParseUSCC would); corrected, it passes; a name the server refuses shows the server's
// Chinese error at the name's field; the registration then waits for activation,
// and signing in before it is activated shows that state, not an error. Every page fits 390 px.
func TestConsolePortalRegistersOnAPhoneInChromium(t *testing.T) {
	ta := newTestApp(t)
	ta.newCaseAgency(t, 0) // its jurisdiction is a region to register in
	const right = "91310115MA1K3YJ12G"
	r := runConsole(t, "portal-register.cjs", ta.serve(), "91310115MA1K3YJ12H", right, testPassword)
	if !strings.Contains(r.Seen["wrong"], "校验码") || !strings.Contains(r.Seen["wrong"], "G") {
		t.Errorf("the wrong check character showed %q", r.Seen["wrong"])
	}
	if !hasHan(r.Seen["serverField"]) || !strings.Contains(r.Seen["serverField"], "128") {
		t.Errorf("the server's error at the name: %q", r.Seen["serverField"])
	}
	if r.Seen["rightError"] != "0" || r.Seen["levels"] == "0" || r.Seen["registerURL"] != "/console/register" {
		t.Errorf("the corrected code or the jurisdiction: %v", r.Seen)
	}
	if !strings.Contains(r.Seen["pending"], "等待") || r.Seen["signInURL"] != "/console/register/pending" || r.Seen["signInAlerts"] != "0" {
		t.Errorf("the pending state: %v", r.Seen)
	}
	phoneWidth(t, r.Seen)
	// The server holds the registration, pending.
	list := ta.do("GET", "/v1/enterprises?status=pending&uscc="+right, nil, ta.sysTok)
	if list.Status != 200 || !strings.Contains(string(list.Body), "青山区某某餐饮有限公司") {
		t.Fatalf("the registration on the server: %d %s", list.Status, list.Body)
	}
}

// TestConsolePortalEnterpriseOnAPhoneInChromium: a signed-in enterprise, on a phone, rates its
// inspection one star and is then shown it cannot rate it again; files a complaint about it
// with a photo sent by tus, the upload cut once and resumed from the server's offset, and
// finds it in its list; answers its callback; adds a colleague. Every page fits 390 px.
func TestConsolePortalEnterpriseOnAPhoneInChromium(t *testing.T) {
	w := newFeedbackWorld(t)
	w.callback(t) // the declined case's callback is scheduled
	// An earlier complaint about the declined case, which the supervisors accepted with a reply.
	earlier := w.ta.do("POST", "/v1/complaints", map[string]any{"case_id": w.caseID, "category": "程序违法", "description": "不予立案未告知理由"}, w.entTo)
	if earlier.Status != 201 {
		t.Fatalf("the earlier complaint: %d %s", earlier.Status, earlier.Body)
	}
	if r := w.ta.do("POST", "/v1/complaints/"+earlier.str("id")+"/transitions", map[string]any{"action": "accept", "reply": "已受理，将在十五个工作日内答复"}, w.here); r.Status != 200 {
		t.Fatalf("accept: %d %s", r.Status, r.Body)
	}
	pic := filepath.Join(t.TempDir(), "现场照片.png")
	if err := os.WriteFile(pic, photo(t, 320, 240), 0o644); err != nil {
		t.Fatal(err)
	}
	r := runConsole(t, "portal-enterprise.cjs", w.ta.serve(), entUsername, testPassword, pic)
	t.Logf("seen: %v", r.Seen)
	if !strings.Contains(r.Seen["rated"], "1 星") || r.Seen["formsAfter"] != "0" || !strings.Contains(r.Seen["once"], "只能评价一次") {
		t.Errorf("the rating: %v", r.Seen)
	}
	if r.Seen["aborted"] != "1" || r.Seen["resumedAt"] == "" || r.Seen["resumedAt"] == "0" || r.Seen["photo"] != "已存证" || r.Seen["resumingShown"] != "yes" {
		t.Errorf("the resumable upload: %v", r.Seen)
	}
	if !strings.Contains(r.Seen["listed"], "重复检查") || !strings.Contains(r.Seen["reply"], "已受理，将在十五个工作日内答复") {
		t.Errorf("the complaint in the list: %v", r.Seen)
	}
	if !strings.Contains(r.Seen["callback"], "已回复") {
		t.Errorf("the callback: %v", r.Seen)
	}
	if len(r.Seen["otp"]) < 8 {
		t.Errorf("the colleague's one-time password: %v", r.Seen)
	}
	phoneWidth(t, r.Seen)
	if w, _ := strconv.Atoi(r.Seen["desktopScroll"]); w == 0 || w > 1366 {
		t.Errorf("the portal on a desktop is %q px wide", r.Seen["desktopScroll"])
	}

	// What the server holds: one rating of one star, the complaint with its complete photo, the
	// callback answered unsatisfied in the app.
	if again := w.ta.do("POST", "/v1/enterprise/inspections/"+w.inspection+"/rating", map[string]any{"rating": 5}, w.entTo); again.Status != 409 {
		t.Fatalf("a second rating: %d %s", again.Status, again.Body)
	}
	list := w.ta.do("GET", "/v1/complaints?category="+url.QueryEscape("重复检查"), nil, w.here)
	items, _ := list.JSON["items"].([]any)
	if len(items) != 1 {
		t.Fatalf("complaints: %s", list.Body)
	}
	id := items[0].(map[string]any)["id"].(string)
	ev := w.ta.do("GET", "/v1/complaints/"+id+"/evidence", nil, w.here)
	if !strings.Contains(string(ev.Body), `"status":"complete"`) {
		t.Fatalf("the complaint's photo: %s", ev.Body)
	}
	cb := w.callback(t)
	if ans, _ := cb["answer"].(map[string]any); ans == nil || ans["satisfied"] != false || ans["channel"] != "app" {
		t.Fatalf("the callback's answer: %v", cb)
	}
}
