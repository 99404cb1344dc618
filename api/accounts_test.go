package api_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// signIn signs in and returns the whole answer.
func (ta *testApp) signIn(username, password string) response {
	ta.t.Helper()
	return ta.do("POST", "/v1/auth/login", map[string]string{"username": username, "password": password}, "")
}

// TestPasswordResetsAreForWhoeverIsOverTheAccount: from the attacker's side, an officer cannot
// reset a colleague, an agency's admin cannot reset another agency's people (404), another
// admin or the sysadmin, nobody resets their own; the admin's reset of an officer ends every
// session of the officer (old password, old refresh token, old access token), and the one-time
// password reaches only the change of itself, which may not keep it.
func TestPasswordResetsAreForWhoeverIsOverTheAccount(t *testing.T) {
	ta := newTestApp(t)
	a, b := ta.newAgency(t, 0), ta.newAgency(t, 1)
	rootID := ta.do("GET", "/v1/me", nil, ta.sysTok).str("id")
	admin2ID := ta.mustCreate("/v1/officers", map[string]any{"username": "a-admin2", "password": testPassword, "name": "副管理员",
		"roles": []string{"agency_admin"}, "agency_id": a.id}, ta.sysTok)
	officer2Tok := ta.login("a-officer2", testPassword)
	reset := func(id string) string { return "/v1/users/" + id + "/password-reset" }

	before := ta.signIn("a-officer", testPassword)
	oldAccess, oldRefresh := before.str("access_token"), before.str("refresh_token")

	ta.run([]scenario{
		{Name: "an officer does not reset a colleague", Method: "POST", URL: reset(a.officerID), Token: officer2Tok, Status: 403},
		{Name: "nor the admin", Method: "POST", URL: reset(a.adminID), Token: a.officerTok, Status: 403},
		{Name: "an admin does not reset another agency's officer", Method: "POST", URL: reset(b.officerID), Token: a.adminTok, Status: 404, NotContains: []string{"b-officer"}},
		{Name: "nor another agency's admin", Method: "POST", URL: reset(b.adminID), Token: a.adminTok, Status: 404},
		{Name: "nor another admin of its own agency", Method: "POST", URL: reset(admin2ID), Token: a.adminTok, Status: 403, Contains: []string{"sysadmin"}},
		{Name: "nor the sysadmin", Method: "POST", URL: reset(rootID), Token: a.adminTok, Status: 404},
		{Name: "an admin does not reset its own", Method: "POST", URL: reset(a.adminID), Token: a.adminTok, Status: 403, Contains: []string{"own"}},
		{Name: "nor does the sysadmin", Method: "POST", URL: reset(rootID), Token: ta.sysTok, Status: 403},
		{Name: "an officer not its own either", Method: "POST", URL: reset(a.officerID), Token: a.officerTok, Status: 403},
		{Name: "an unknown id", Method: "POST", URL: reset("nope"), Token: a.adminTok, Status: 404},
	})
	if r := ta.signIn("a-officer", testPassword); r.Status != 200 {
		t.Fatalf("a refused reset changed the password: %d %s", r.Status, r.Body)
	}

	r := ta.do("POST", reset(a.officerID), nil, a.adminTok)
	once := r.str("one_time_password")
	if r.Status != 200 || len(once) < 10 || r.JSON["password_change_required"] != true || r.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("reset: %d %s", r.Status, r.Body)
	}
	ta.run([]scenario{
		{Name: "the old password no longer signs in", Method: "POST", URL: "/v1/auth/login", Body: map[string]string{"username": "a-officer", "password": testPassword}, Status: 401},
		{Name: "the old refresh token is revoked", Method: "POST", URL: "/v1/auth/refresh", Body: map[string]string{"refresh_token": oldRefresh}, Status: 401},
		{Name: "the old access token opens nothing", Method: "GET", URL: "/v1/cases", Token: oldAccess, Status: 401},
		{Name: "not even the account", Method: "GET", URL: "/v1/me", Token: oldAccess, Status: 401},
	})

	in := ta.signIn("a-officer", once)
	if in.Status != 200 || in.JSON["password_change_required"] != true {
		t.Fatalf("sign-in with the one-time password: %d %s", in.Status, in.Body)
	}
	onceTok := in.str("access_token")
	ta.run([]scenario{
		{Name: "the one-time password reads the account", Method: "GET", URL: "/v1/me", Token: onceTok, Status: 200, Contains: []string{a.officerID}},
		{Name: "but no case", Method: "GET", URL: "/v1/cases", Token: onceTok, Status: 403, Contains: []string{"password_change_required"}},
		{Name: "nor the inbox", Method: "GET", URL: "/v1/notifications", Token: onceTok, Status: 403, Contains: []string{"password_change_required"}},
		{Name: "nor the to-do list", Method: "GET", URL: "/v1/me/todo", Token: onceTok, Status: 403},
		{Name: "nor a device", Method: "POST", URL: "/v1/devices", Body: map[string]any{"token": "fcm-token-x", "platform": "android"}, Token: onceTok, Status: 403},
		{Name: "nor a write", Method: "POST", URL: "/v1/cases", Body: map[string]any{}, Token: onceTok, Status: 403},
		{Name: "the one-time password is not kept", Method: "PUT", URL: "/v1/me/password", Body: map[string]string{"current_password": once, "new_password": once}, Token: onceTok, Status: 400},
		{Name: "it is changed", Method: "PUT", URL: "/v1/me/password", Body: map[string]string{"current_password": once, "new_password": "a brand new secret"}, Token: onceTok, Status: 204},
		{Name: "then the same token works", Method: "GET", URL: "/v1/cases", Token: onceTok, Status: 200},
		{Name: "and the one-time password is gone", Method: "POST", URL: "/v1/auth/login", Body: map[string]string{"username": "a-officer", "password": once}, Status: 401},
	})
	if r := ta.signIn("a-officer", "a brand new secret"); r.Status != 200 || r.JSON["password_change_required"] != nil {
		t.Fatalf("sign-in with the new password: %d %s", r.Status, r.Body)
	}

	t.Run("the sysadmin resets an agency's admin", func(t *testing.T) {
		r := ta.do("POST", reset(a.adminID), nil, ta.sysTok)
		if r.Status != 200 || r.str("username") != "a-admin" {
			t.Fatalf("reset: %d %s", r.Status, r.Body)
		}
		if r := ta.do("GET", "/v1/officers", nil, a.adminTok); r.Status != 401 {
			t.Fatalf("the admin's old token after the reset: %d %s", r.Status, r.Body)
		}
	})
}

// TestSupervisorsResetTheirEnterprisesUsers: a supervisor of the body over the enterprise's
// region resets its user's password; another district's supervisor and the agency's admin
// cannot (404), and the enterprise's own colleague may not either.
func TestSupervisorsResetTheirEnterprisesUsers(t *testing.T) {
	w := newFeedbackWorld(t)
	ta := w.ta
	reset := "/v1/users/" + w.entUser + "/password-reset"
	// The supervisor finds the id to reset in the enterprise's record.
	if r := ta.do("GET", "/v1/enterprises/"+w.entID, nil, w.here); r.Status != 200 || r.str("user_id") != w.entUser {
		t.Fatalf("the enterprise's record names its first user: %d %s", r.Status, r.Body)
	}
	ta.run([]scenario{
		{Name: "another district's supervisor", Method: "POST", URL: reset, Token: w.elsewhere, Status: 404},
		{Name: "the agency's admin", Method: "POST", URL: reset, Token: w.f.adminTok, Status: 404},
		{Name: "an officer", Method: "POST", URL: reset, Token: w.f.officerTok, Status: 404},
		{Name: "the enterprise itself", Method: "POST", URL: reset, Token: w.entTo, Status: 403},
		{Name: "a supervisor does not reset an agency's officer", Method: "POST", URL: "/v1/users/" + w.f.officerID + "/password-reset", Token: w.here, Status: 404},
	})
	r := ta.do("POST", reset, nil, w.here)
	if r.Status != 200 || r.str("username") != strings.ToLower(entUsername) {
		t.Fatalf("the supervisor's reset: %d %s", r.Status, r.Body)
	}
	if r := ta.do("GET", "/v1/enterprise/cases", nil, w.entTo); r.Status != 401 {
		t.Fatalf("the enterprise's old token: %d %s", r.Status, r.Body)
	}
	tok := ta.signIn(entUsername, r.str("one_time_password")).str("access_token")
	if r := ta.do("GET", "/v1/enterprise/cases", nil, tok); r.Status != 403 {
		t.Fatalf("the one-time password reached the enterprise's cases: %d %s", r.Status, r.Body)
	}
}

// TestPendingEnterprisesAreToldTheyWait: the right password of a pending registration answers
// 403 account_pending; a wrong one the generic 401, so a guesser learns nothing.
func TestPendingEnterprisesAreToldTheyWait(t *testing.T) {
	ta := newTestApp(t)
	f := ta.newAgency(t, 0)
	region := ta.do("GET", "/v1/agencies/"+f.id, nil, f.adminTok).str("jurisdiction_id")
	r := ta.do("POST", "/v1/enterprises/register", map[string]any{"uscc": usccs[4], "name": "某某食品有限公司", "legal_representative": "王法人",
		"contact_name": "李", "contact_phone": "13700001111", "jurisdiction_id": region, "password": testPassword}, "")
	if r.Status != 201 {
		t.Fatalf("register: %d %s", r.Status, r.Body)
	}
	ta.run([]scenario{
		{Name: "a wrong password", Method: "POST", URL: "/v1/auth/login", Body: map[string]string{"username": usccs[4], "password": "wrong password!"}, Status: 401,
			NotContains: []string{"pending", "activate"}},
		{Name: "the right one", Method: "POST", URL: "/v1/auth/login", Body: map[string]string{"username": usccs[4], "password": testPassword}, Status: 403,
			Contains: []string{`"code":"account_pending"`, "activate"}, NotContains: []string{"access_token"}},
		{Name: "an unknown account", Method: "POST", URL: "/v1/auth/login", Body: map[string]string{"username": usccs[3], "password": testPassword}, Status: 401},
	})
}

// TestEnterprisesManageTheirColleagues: the first user adds a colleague (a one-time password,
// changed at the first sign-in) and removes it, which ends its sessions; the colleague adds
// and removes nobody; another enterprise's first user cannot remove it (404); an agency's
// member cannot take an enterprise colleague's kind of username.
func TestEnterprisesManageTheirColleagues(t *testing.T) {
	w := newFeedbackWorld(t)
	ta := w.ta
	region := ta.do("GET", "/v1/agencies/"+w.f.id, nil, w.f.adminTok).str("jurisdiction_id")
	r := ta.do("POST", "/v1/enterprises/register", map[string]any{"uscc": usccs[3], "name": "另一家公司", "legal_representative": "赵",
		"contact_name": "钱", "contact_phone": "13700003333", "jurisdiction_id": region, "password": testPassword}, "")
	if r.Status != 201 {
		t.Fatalf("register: %d %s", r.Status, r.Body)
	}
	if r := ta.do("POST", "/v1/enterprises/"+r.str("id")+"/activate", nil, w.here); r.Status != 200 {
		t.Fatalf("activate: %d %s", r.Status, r.Body)
	}
	otherTok := ta.login(usccs[3], testPassword)

	ta.run([]scenario{
		{Name: "a username that is not the enterprise's", Method: "POST", URL: "/v1/enterprise/users", Body: map[string]any{"username": "li-kuaiji", "name": "李会计"},
			Token: w.entTo, Status: 400, Contains: []string{`"username":`}},
		{Name: "another enterprise's code", Method: "POST", URL: "/v1/enterprise/users", Body: map[string]any{"username": usccs[3] + "-li", "name": "李会计"},
			Token: w.entTo, Status: 400, Contains: []string{`"username":`}},
		{Name: "an agency's admin adds none", Method: "POST", URL: "/v1/enterprise/users", Body: map[string]any{"username": usccs[4] + "-x", "name": "某"},
			Token: w.f.adminTok, Status: 403},
	})
	r = ta.do("POST", "/v1/enterprise/users", map[string]any{"username": usccs[4] + "-li", "name": "李会计", "phone": "13700002222"}, w.entTo)
	colleague, once := r.str("id"), r.str("one_time_password")
	if r.Status != 201 || once == "" || r.JSON["first"] != false {
		t.Fatalf("add a colleague: %d %s", r.Status, r.Body)
	}
	if r := ta.do("POST", "/v1/enterprise/users", map[string]any{"username": usccs[4] + "-li", "name": "又一个"}, w.entTo); r.Status != 409 {
		t.Fatalf("the same username twice: %d %s", r.Status, r.Body)
	}
	in := ta.signIn(usccs[4]+"-li", once)
	if in.Status != 200 || in.JSON["password_change_required"] != true {
		t.Fatalf("the colleague's first sign-in: %d %s", in.Status, in.Body)
	}
	if r := ta.do("PUT", "/v1/me/password", map[string]string{"current_password": once, "new_password": "colleague secret 1"}, in.str("access_token")); r.Status != 204 {
		t.Fatalf("the colleague's change: %d %s", r.Status, r.Body)
	}
	signed := ta.signIn(usccs[4]+"-li", "colleague secret 1")
	colTok, colRefresh := signed.str("access_token"), signed.str("refresh_token")

	ta.run([]scenario{
		{Name: "the colleague sees the enterprise's cases", Method: "GET", URL: "/v1/enterprise/cases", Token: colTok, Status: 200},
		{Name: "and its users", Method: "GET", URL: "/v1/enterprise/users", Token: colTok, Status: 200, Contains: []string{colleague, w.entUser, `"first":true`}},
		{Name: "another enterprise does not see them", Method: "GET", URL: "/v1/enterprise/users", Token: otherTok, Status: 200, NotContains: []string{colleague, w.entUser}},
		{Name: "the colleague adds nobody", Method: "POST", URL: "/v1/enterprise/users", Body: map[string]any{"username": usccs[4] + "-wang", "name": "王"}, Token: colTok, Status: 403},
		{Name: "nor removes the first user", Method: "DELETE", URL: "/v1/enterprise/users/" + w.entUser, Token: colTok, Status: 403},
		{Name: "another enterprise does not remove the colleague", Method: "DELETE", URL: "/v1/enterprise/users/" + colleague, Token: otherTok, Status: 404},
		{Name: "nor an agency's officer", Method: "DELETE", URL: "/v1/enterprise/users/" + w.f.officerID, Token: w.entTo, Status: 404},
		{Name: "the first user is not removed", Method: "DELETE", URL: "/v1/enterprise/users/" + w.entUser, Token: w.entTo, Status: 403},
		{Name: "an officer takes no colleague's username", Method: "POST", URL: "/v1/officers", Body: map[string]any{"username": usccs[4] + "-zhang", "password": testPassword,
			"name": "张", "roles": []string{"officer"}}, Token: w.f.adminTok, Status: 400, Contains: []string{`"username":`}},
	})
	if r := ta.do("GET", "/v1/enterprise/cases", nil, colTok); r.Status != 200 {
		t.Fatalf("a refused removal removed: %d %s", r.Status, r.Body)
	}
	if r := ta.do("DELETE", "/v1/enterprise/users/"+colleague, nil, w.entTo); r.Status != 204 {
		t.Fatalf("remove: %d %s", r.Status, r.Body)
	}
	ta.run([]scenario{
		{Name: "the removed colleague's token opens nothing", Method: "GET", URL: "/v1/enterprise/cases", Token: colTok, Status: 401},
		{Name: "its refresh token is revoked", Method: "POST", URL: "/v1/auth/refresh", Body: map[string]string{"refresh_token": colRefresh}, Status: 401},
		{Name: "it signs in no more", Method: "POST", URL: "/v1/auth/login", Body: map[string]string{"username": usccs[4] + "-li", "password": "colleague secret 1"}, Status: 401},
		{Name: "it is not listed", Method: "GET", URL: "/v1/enterprise/users", Token: w.entTo, Status: 200, NotContains: []string{colleague}},
		{Name: "nor removed twice", Method: "DELETE", URL: "/v1/enterprise/users/" + colleague, Token: w.entTo, Status: 404},
		{Name: "the first user still works", Method: "GET", URL: "/v1/enterprise/cases", Token: w.entTo, Status: 200},
	})
}

// TestSignOutEverywhere: two sign-ins of one person; signing out everywhere from one ends both
// (their access and refresh tokens), and nobody else's.
func TestSignOutEverywhere(t *testing.T) {
	ta := newTestApp(t)
	a := ta.newAgency(t, 0)
	phone, browser := ta.signIn("a-officer", testPassword), ta.signIn("a-officer", testPassword)
	if r := ta.do("POST", "/v1/auth/logout-all", nil, ""); r.Status != 401 {
		t.Fatalf("without a token: %d %s", r.Status, r.Body)
	}
	if r := ta.do("POST", "/v1/auth/logout-all", nil, phone.str("access_token")); r.Status != 204 {
		t.Fatalf("sign out everywhere: %d %s", r.Status, r.Body)
	}
	ta.run([]scenario{
		{Name: "the phone's access token", Method: "GET", URL: "/v1/me", Token: phone.str("access_token"), Status: 401},
		{Name: "the browser's access token", Method: "GET", URL: "/v1/cases", Token: browser.str("access_token"), Status: 401},
		{Name: "the browser's write", Method: "POST", URL: "/v1/cases", Body: map[string]any{}, Token: browser.str("access_token"), Status: 401},
		{Name: "the phone's refresh token", Method: "POST", URL: "/v1/auth/refresh", Body: map[string]string{"refresh_token": phone.str("refresh_token")}, Status: 401,
			Contains: []string{"this sign-in has been ended"}, NotContains: []string{"used before"}},
		{Name: "the browser's refresh token", Method: "POST", URL: "/v1/auth/refresh", Body: map[string]string{"refresh_token": browser.str("refresh_token")}, Status: 401},
		{Name: "a colleague is still signed in", Method: "GET", URL: "/v1/me", Token: a.adminTok, Status: 200},
	})
	again := ta.signIn("a-officer", testPassword)
	if r := ta.do("GET", "/v1/cases", nil, again.str("access_token")); r.Status != 200 {
		t.Fatalf("a new sign-in: %d %s", r.Status, r.Body)
	}
	if r := ta.do("POST", "/v1/auth/refresh", map[string]string{"refresh_token": again.str("refresh_token")}, ""); r.Status != 200 {
		t.Fatalf("a new sign-in's refresh: %d %s", r.Status, r.Body)
	}
}

// TestSignOutEverywhereEndsTheStream: a notification stream opened before signing out
// everywhere closes within seconds, long before its life is over.
func TestSignOutEverywhereEndsTheStream(t *testing.T) {
	cfg := testConfig()
	cfg.StandingTTL = 300 * time.Millisecond
	cfg.Stream.Poll, cfg.Stream.Heartbeat, cfg.Stream.Life = 50*time.Millisecond, time.Second, time.Minute
	ta := newTestAppWith(t, cfg, nil)
	ta.newAgency(t, 0)
	base := ta.serve()
	phone, browser := ta.signIn("a-officer", testPassword), ta.signIn("a-officer", testPassword)
	req, _ := http.NewRequest("GET", base+"/v1/notifications/stream", nil)
	req.Header.Set("Authorization", "Bearer "+phone.str("access_token"))
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	res, err := http.DefaultClient.Do(req.WithContext(ctx))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != 200 {
		t.Fatalf("stream: %d", res.StatusCode)
	}
	if r := ta.do("POST", "/v1/auth/logout-all", nil, browser.str("access_token")); r.Status != 204 {
		t.Fatalf("sign out everywhere: %d %s", r.Status, r.Body)
	}
	start := time.Now()
	_, _ = io.Copy(io.Discard, res.Body)
	if took := time.Since(start); took > 10*time.Second {
		t.Fatalf("the stream went on for %v after signing out everywhere", took)
	}
}
