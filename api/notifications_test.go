package api_test

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// inboxOf waits until the user's inbox holds n notifications (the deriver runs every 50 ms
// once changes have settled) and returns it.
func (ta *testApp) inboxOf(t *testing.T, token string, n int) response {
	t.Helper()
	return ta.inboxUntil(t, token, func(r response) string {
		if have := len(r.JSON["items"].([]any)); have < n {
			return fmt.Sprintf("%d notifications, want %d", have, n)
		}
		return ""
	})
}

// inboxWith waits until the caller's inbox holds a notification of each kind named, and
// returns it. Counting the inbox's entries instead would be early wherever a kind nobody
// expected arrived first (a registration the supervisor is told of before it was approved).
func (ta *testApp) inboxWith(t *testing.T, token string, want ...string) response {
	t.Helper()
	return ta.inboxUntil(t, token, func(r response) string {
		have := kinds(r)
		if missing := slices.DeleteFunc(slices.Clone(want), func(k string) bool { return slices.Contains(have, k) }); len(missing) > 0 {
			return fmt.Sprintf("no %v", missing)
		}
		return ""
	})
}

// inboxUntil reads the inbox until lacking says it lacks nothing, for 15 s at the most.
func (ta *testApp) inboxUntil(t *testing.T, token string, lacking func(response) string) response {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		r := ta.do("GET", "/v1/notifications", nil, token)
		if r.Status != 200 {
			t.Fatalf("inbox: %d %s", r.Status, r.Body)
		}
		lack := lacking(r)
		if lack == "" {
			return r
		}
		if time.Now().After(deadline) {
			t.Fatalf("the inbox has %s: %s", lack, r.Body)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func kinds(r response) []string {
	var out []string
	for _, it := range r.JSON["items"].([]any) {
		out = append(out, it.(map[string]any)["kind"].(string))
	}
	return out
}

// TestAlertsReachTheInboxOnce: an officer added to a case or an inspection, the reviewer of a
// case sent to review, and the officers of a reviewed case each find one notification in their
// inbox, in Chinese, naming the case by its number and never the party; deriving again adds
// nothing; read marks and counts are the user's own.
func TestAlertsReachTheInboxOnce(t *testing.T) {
	cfg := testConfig()
	cfg.NotifyEvery = 50 * time.Millisecond
	ta := newTestAppWith(t, cfg, nil)
	f := ta.newCaseAgency(t, 0)
	other := ta.newCaseAgency(t, 1)
	big := ta.toNotified(t, f, 180000, "fine")
	ta.act(t, f, big, map[string]any{"action": "waive", "reason": "当事人放弃陈述申辩和听证"})
	ta.act(t, f, big, map[string]any{"action": "submit_review", "reviewer_id": f.reviewerID, "decision": decision(180000, "heavier", "fine")})
	ta.actAs(t, f.reviewerTok, big, map[string]any{"action": "approve_review", "reason": "事实清楚，证据确凿，同意"}, 200)
	plan := map[string]any{"matter_id": f.matterID, "enterprise_uscc": usccs[3], "enterprise_name": "某某餐饮有限公司",
		"planned_on": time.Now().AddDate(0, 0, 3).Format(time.DateOnly), "officer_ids": f.officers}
	if r := ta.do("POST", "/v1/inspections", plan, f.officerTok); r.Status != 201 {
		t.Fatalf("inspection: %d %s", r.Status, r.Body)
	}

	reviewer := ta.inboxOf(t, f.reviewerTok, 1)
	if k := kinds(reviewer); len(k) != 1 || k[0] != "review_requested" || !strings.Contains(string(reviewer.Body), "法制审核") {
		t.Fatalf("the reviewer's inbox: %s", reviewer.Body)
	}
	second := ta.inboxOf(t, f.officer2Tok, 3)
	got := strings.Join(kinds(second), ",")
	for _, want := range []string{"case_assigned", "review_approved", "inspection_assigned"} {
		if strings.Count(got, want) != 1 {
			t.Errorf("officer 2's inbox has %q, want one %s", got, want)
		}
	}
	if strings.Contains(string(second.Body), "某某食品") {
		t.Errorf("a notification names the party: %s", second.Body)
	}
	first := ta.do("GET", "/v1/notifications", nil, f.officerTok)
	if strings.Contains(strings.Join(kinds(first), ","), "assigned") {
		t.Errorf("the officer who acted is told of their own assignment: %s", first.Body)
	}
	// Deriving again (a crash before the cursor moved, a second replica) writes nothing new.
	for _, a := range []string{f.id} {
		if err := ta.store.SetDeriveCursor(context.Background(), a, 0); err != nil {
			t.Fatal(err)
		}
	}
	time.Sleep(500 * time.Millisecond)
	if again := ta.do("GET", "/v1/notifications", nil, f.officer2Tok); len(again.JSON["items"].([]any)) != 3 {
		t.Fatalf("a second derivation added notifications: %s", again.Body)
	}

	id := second.JSON["items"].([]any)[0].(map[string]any)["id"].(string)
	if r := ta.do("POST", "/v1/notifications/"+id+"/read", nil, other.officerTok); r.Status != 404 {
		t.Fatalf("another agency's user marks it read: %d", r.Status)
	}
	if r := ta.do("POST", "/v1/notifications/"+id+"/read", nil, f.officer2Tok); r.Status != 204 {
		t.Fatalf("read: %d %s", r.Status, r.Body)
	}
	if r := ta.do("GET", "/v1/notifications/unread-count", nil, f.officer2Tok); r.JSON["unread"].(float64) != 2 {
		t.Fatalf("unread after one read: %s", r.Body)
	}
	// Unread first: the one just read is now last.
	if r := ta.do("GET", "/v1/notifications", nil, f.officer2Tok); r.JSON["items"].([]any)[2].(map[string]any)["id"] != id {
		t.Fatalf("unread ones do not come first: %s", r.Body)
	}
	if r := ta.do("POST", "/v1/notifications/read-all", nil, f.officer2Tok); r.JSON["marked"].(float64) != 2 {
		t.Fatalf("read-all: %s", r.Body)
	}
	if r := ta.do("GET", "/v1/notifications", nil, other.officerTok); len(r.JSON["items"].([]any)) != 0 {
		t.Fatalf("another agency's inbox: %s", r.Body)
	}
	if r := ta.do("GET", "/v1/notifications/failures", nil, f.officerTok); r.Status != 403 {
		t.Fatalf("an officer lists push failures: %d", r.Status)
	}
	if r := ta.do("GET", "/v1/notifications/failures", nil, other.adminTok); r.Status != 200 || len(r.JSON["items"].([]any)) != 0 {
		t.Fatalf("push failures of another agency: %d %s", r.Status, r.Body)
	}
}

// TestStreamResumesWithoutGaps: the stream sends each notification with its seq as event id;
// a client that reconnects with Last-Event-ID gets exactly what came after, nothing twice.
func TestStreamResumesWithoutGaps(t *testing.T) {
	cfg := testConfig()
	cfg.NotifyEvery = 50 * time.Millisecond
	ta := newTestAppWith(t, cfg, nil)
	f := ta.newCaseAgency(t, 0)
	base := ta.serve()
	read := func(lastID string, n int) []string {
		req, _ := http.NewRequest("GET", base+"/v1/notifications/stream", nil)
		req.Header.Set("Authorization", "Bearer "+f.officer2Tok)
		if lastID != "" {
			req.Header.Set("Last-Event-ID", lastID)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		res, err := http.DefaultClient.Do(req.WithContext(ctx))
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		if res.StatusCode != 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/event-stream") {
			t.Fatalf("stream: %d %v", res.StatusCode, res.Header)
		}
		var ids []string
		sc := bufio.NewScanner(res.Body)
		for len(ids) < n && sc.Scan() {
			if id, ok := strings.CutPrefix(sc.Text(), "id: "); ok {
				ids = append(ids, id)
			}
		}
		if len(ids) < n {
			t.Fatalf("the stream gave %d events, want %d", len(ids), n)
		}
		return ids
	}
	// Three cases, each assigning officer 2: three notifications.
	for range 3 {
		id := ta.openCase(t, f)
		ta.act(t, f, id, map[string]any{"action": "register", "officer_ids": f.officers})
	}
	ta.inboxOf(t, f.officer2Tok, 3)
	all := read("0", 3)
	resumed := read(all[0], 2)
	if strings.Join(resumed, ",") != strings.Join(all[1:], ",") {
		t.Fatalf("resumed after %s: %v, want %v", all[0], resumed, all[1:])
	}
	last, _ := strconv.ParseInt(all[2], 10, 64)
	// A notification made while no stream is open arrives on the next, from Last-Event-ID.
	id := ta.openCase(t, f)
	ta.act(t, f, id, map[string]any{"action": "register", "officer_ids": f.officers})
	next := read(strconv.FormatInt(last, 10), 1)
	if n, _ := strconv.ParseInt(next[0], 10, 64); n <= last {
		t.Fatalf("after %d the stream sent %d", last, n)
	}
}

// TestDevicesAreTheirOwners: a token registered again by another user moves to them; nobody
// sees or deletes another's device, and tokens are never shown back.
func TestDevicesAreTheirOwners(t *testing.T) {
	ta := newTestApp(t)
	f := ta.newCaseAgency(t, 0)
	dev := map[string]any{"token": "fcm-token-of-a-phone", "platform": "android", "app_version": "1.4.2", "locale": "zh-CN"}
	r := ta.do("POST", "/v1/devices", dev, f.officerTok)
	if r.Status != 201 || strings.Contains(string(r.Body), "fcm-token") {
		t.Fatalf("register: %d %s", r.Status, r.Body)
	}
	id := r.str("id")
	if r := ta.do("DELETE", "/v1/devices/"+id, nil, f.officer2Tok); r.Status != 404 {
		t.Fatalf("another user deletes the device: %d", r.Status)
	}
	if r := ta.do("POST", "/v1/devices", dev, f.officer2Tok); r.Status != 201 || r.str("id") != id {
		t.Fatalf("the phone passes to officer 2: %d %s", r.Status, r.Body)
	}
	if r := ta.do("GET", "/v1/devices", nil, f.officerTok); len(r.JSON["items"].([]any)) != 0 {
		t.Fatalf("officer 1 still has the device: %s", r.Body)
	}
	if r := ta.do("GET", "/v1/devices", nil, f.officer2Tok); len(r.JSON["items"].([]any)) != 1 || strings.Contains(string(r.Body), "fcm-token") {
		t.Fatalf("officer 2's devices: %s", r.Body)
	}
	ta.run([]scenario{
		{Name: "no token", Method: "POST", URL: "/v1/devices", Token: f.officerTok, Body: map[string]any{"platform": "ios"}, Status: 400, Contains: []string{"token"}},
		{Name: "an unknown platform", Method: "POST", URL: "/v1/devices", Token: f.officerTok, Body: map[string]any{"token": "x", "platform": "symbian"}, Status: 400, Contains: []string{"platform"}},
		{Name: "a token too long", Method: "POST", URL: "/v1/devices", Token: f.officerTok, Body: map[string]any{"token": strings.Repeat("x", 5000), "platform": "ios"}, Status: 400},
		{Name: "anonymous", Method: "POST", URL: "/v1/devices", Body: dev, Status: 401},
	})
	if r := ta.do("DELETE", "/v1/devices/"+id, nil, f.officer2Tok); r.Status != 204 {
		t.Fatalf("delete: %d", r.Status)
	}
	// Disabling an account and signing out remove its devices.
	ta.do("POST", "/v1/devices", dev, f.officer2Tok)
	u := ta.do("GET", "/v1/officers/"+f.officer2ID, nil, f.adminTok)
	if r := ta.do("PATCH", "/v1/officers/"+f.officer2ID, map[string]any{"status": "disabled"}, f.adminTok, "If-Match", u.Header.Get("ETag")); r.Status != 200 {
		t.Fatalf("disable: %d %s", r.Status, r.Body)
	}
	if d, _ := ta.store.DevicesOf(context.Background(), f.officer2ID); len(d) != 0 {
		t.Fatalf("a disabled officer keeps %d devices", len(d))
	}
	// Its access token still lives for minutes: it registers no phone again.
	if r := ta.do("POST", "/v1/devices", map[string]any{"token": "after-disabling", "platform": "android"}, f.officer2Tok); r.Status != 401 {
		t.Fatalf("a disabled officer registers a device: %d %s", r.Status, r.Body)
	}
	// One account keeps its ten latest phones; tokens are what FCM issues.
	for i := range 12 {
		if r := ta.do("POST", "/v1/devices", map[string]any{"token": fmt.Sprintf("phone-%02d:APA91b", i), "platform": "android"}, f.adminTok); r.Status != 201 {
			t.Fatalf("device %d: %d %s", i, r.Status, r.Body)
		}
	}
	if d, _ := ta.store.DevicesOf(context.Background(), f.adminID); len(d) != 10 || d[0].Token == "phone-00:APA91b" || d[1].Token == "phone-01:APA91b" {
		t.Fatalf("the admin's devices: %d", len(d))
	}
	for _, bad := range []string{"line\nbreak", "令牌", "two words"} {
		if r := ta.do("POST", "/v1/devices", map[string]any{"token": bad, "platform": "android"}, f.adminTok); r.Status != 400 {
			t.Errorf("token %q: %d", bad, r.Status)
		}
	}
	login := ta.do("POST", "/v1/auth/login", map[string]string{"username": "a-officer", "password": testPassword}, "")
	if login.Status != 200 {
		t.Fatalf("login: %d %s", login.Status, login.Body)
	}
	ta.do("POST", "/v1/devices", dev, login.str("access_token"))
	if r := ta.do("POST", "/v1/auth/logout", map[string]string{"refresh_token": login.str("refresh_token")}, ""); r.Status != 204 {
		t.Fatalf("logout: %d %s", r.Status, r.Body)
	}
	if d, _ := ta.store.DevicesOf(context.Background(), f.officerID); len(d) != 0 {
		t.Fatalf("a signed-out officer keeps %d devices", len(d))
	}
}

// TestDeadlineAndCertificateAlerts: a case's decision deadline 10 days away, and again once
// passed, reaches its officers and the agency's admin once each; an officer's certificate
// expiring within 30 days reaches the officer and the admin once.
func TestDeadlineAndCertificateAlerts(t *testing.T) {
	cfg := testConfig()
	cfg.WatchEvery = 50 * time.Millisecond
	ta := newTestAppWith(t, cfg, nil)
	f := ta.newCaseAgency(t, 0)
	id := ta.openCase(t, f)
	ta.act(t, f, id, map[string]any{"action": "register", "officer_ids": f.officers})
	soon := time.Now().AddDate(0, 0, 20).Format(time.DateOnly)
	if r := ta.do("PUT", "/v1/officers/"+f.officer2ID+"/certificate", map[string]any{"number": "42010000007777", "issued_on": "2025-01-01", "expires_on": soon}, f.adminTok, "If-Match", "*"); r.Status != 200 {
		t.Fatalf("certificate: %d %s", r.Status, r.Body)
	}
	cert := ta.inboxOf(t, f.officer2Tok, 1)
	if k := kinds(cert); len(k) != 1 || k[0] != "certificate_expiring" || !strings.Contains(string(cert.Body), "42010000007777") {
		t.Fatalf("officer 2's inbox: %s", cert.Body)
	}
	ta.clock.Set(time.Now().AddDate(0, 0, 85)) // five days before the 90-day deadline (art. 60)
	near := ta.inboxOf(t, f.officerTok, 1)
	if k := kinds(near); k[0] != "deadline_near" {
		t.Fatalf("officer 1's inbox: %s", near.Body)
	}
	ta.clock.Set(time.Now().AddDate(0, 0, 91))
	passed := ta.inboxOf(t, f.officerTok, 2)
	time.Sleep(300 * time.Millisecond) // several more rounds of the watcher
	admin := ta.do("GET", "/v1/notifications", nil, f.adminTok)
	got := strings.Join(kinds(admin), ",")
	for _, want := range []string{"deadline_near", "deadline_passed", "certificate_expiring"} {
		if strings.Count(got, want) != 1 {
			t.Errorf("the admin's inbox has %q, want one %s", got, want)
		}
	}
	if k := strings.Join(kinds(ta.do("GET", "/v1/notifications", nil, f.officerTok)), ","); strings.Count(k, "deadline_passed") != 1 || strings.Count(k, "deadline_near") != 1 {
		t.Errorf("officer 1's inbox after many rounds: %q (%s)", k, passed.Body)
	}
}
