package api_test

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

func TestLogin(t *testing.T) {
	ta := newTestApp(t)
	ta.run([]scenario{
		{Name: "right password", Method: "POST", URL: "/v1/auth/login", Body: map[string]string{"username": "root", "password": testPassword}, Status: 200, Contains: []string{`"token_type":"Bearer"`, `"expires_in":900`}},
		{Name: "wrong password", Method: "POST", URL: "/v1/auth/login", Body: map[string]string{"username": "root", "password": "nope nope nope"}, Status: 401, Contains: []string{"wrong username or password"}},
		{Name: "unknown user answers the same", Method: "POST", URL: "/v1/auth/login", Body: map[string]string{"username": "ghost", "password": "nope nope nope"}, Status: 401, Contains: []string{"wrong username or password"}},
		{Name: "extra fields are refused", Method: "POST", URL: "/v1/auth/login", Body: map[string]string{"username": "root", "password": testPassword, "role": "sysadmin"}, Status: 400, Contains: []string{`"role":"unknown or not allowed here"`}},
		{Name: "me without token", Method: "GET", URL: "/v1/me", Status: 401},
		{Name: "me", Method: "GET", URL: "/v1/me", Token: ta.sysTok, Status: 200, Contains: []string{`"username":"root"`, `"roles":["sysadmin"]`}, NotContains: []string{"password"}},
	})
}

func TestLoginFailuresAreLimited(t *testing.T) {
	ta := newTestApp(t)
	for i := 0; i < ta.cfg.LoginFailures; i++ {
		if r := ta.do("POST", "/v1/auth/login", map[string]string{"username": "root", "password": "wrong password"}, ""); r.Status != 401 {
			t.Fatalf("attempt %d: %d", i, r.Status)
		}
	}
	r := ta.do("POST", "/v1/auth/login", map[string]string{"username": "root", "password": testPassword}, "")
	if r.Status != 429 || r.Header.Get("Retry-After") == "" || r.str("code") != "too_many_requests" {
		t.Fatalf("after %d failures: %d %q %s", ta.cfg.LoginFailures, r.Status, r.Header.Get("Retry-After"), r.Body)
	}
	// Another username from the same address is not locked out by root's failures.
	if r := ta.do("POST", "/v1/auth/login", map[string]string{"username": "someone", "password": "wrong password"}, ""); r.Status != 401 {
		t.Fatalf("other user: %d", r.Status)
	}
}

// claims builds access-token claims for the root user, shifted by mutate.
func (ta *testApp) forge(method jwt.SigningMethod, key any, mutate func(jwt.MapClaims, map[string]any)) string {
	ta.t.Helper()
	r := ta.do("GET", "/v1/me", nil, ta.sysTok)
	now := time.Now()
	claims := jwt.MapClaims{
		"iss": ta.cfg.Issuer, "aud": ta.cfg.Audience, "sub": r.str("id"), "roles": []string{"sysadmin"},
		"iat": now.Unix(), "exp": now.Add(5 * time.Minute).Unix(),
	}
	tok := jwt.NewWithClaims(method, claims)
	tok.Header["typ"] = "at+jwt"
	if mutate != nil {
		mutate(claims, tok.Header)
	}
	s, err := tok.SignedString(key)
	if err != nil {
		ta.t.Fatal(err)
	}
	return s
}

func TestJWTAttacks(t *testing.T) {
	ta := newTestApp(t)
	pub := ta.key.Public().(ed25519.PublicKey)
	_, otherKey, _ := ed25519.GenerateKey(rand.Reader)
	good := ta.forge(jwt.SigningMethodEdDSA, ta.key, nil)
	parts := strings.Split(good, ".")
	payload, _ := base64.RawURLEncoding.DecodeString(parts[1])
	tampered := parts[0] + "." + base64.RawURLEncoding.EncodeToString([]byte(strings.Replace(string(payload), `"roles":["sysadmin"]`, `"roles":["sysadmin","officer"]`, 1))) + "." + parts[2]
	refresh := ta.do("POST", "/v1/auth/login", map[string]string{"username": "root", "password": testPassword}, "").str("refresh_token")

	ta.run([]scenario{
		{Name: "a well-made token passes (control)", Method: "GET", URL: "/v1/me", Token: good, Status: 200},
		{Name: "alg none", Method: "GET", URL: "/v1/me", Token: ta.forge(jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, nil), Status: 401},
		{Name: "HS256 signed with the public key", Method: "GET", URL: "/v1/me", Token: ta.forge(jwt.SigningMethodHS256, []byte(pub), nil), Status: 401},
		{Name: "signed by another key", Method: "GET", URL: "/v1/me", Token: ta.forge(jwt.SigningMethodEdDSA, otherKey, nil), Status: 401},
		{Name: "wrong audience", Method: "GET", URL: "/v1/me", Token: ta.forge(jwt.SigningMethodEdDSA, ta.key, func(c jwt.MapClaims, _ map[string]any) { c["aud"] = "other-api" }), Status: 401},
		{Name: "wrong issuer", Method: "GET", URL: "/v1/me", Token: ta.forge(jwt.SigningMethodEdDSA, ta.key, func(c jwt.MapClaims, _ map[string]any) { c["iss"] = "evil" }), Status: 401},
		{Name: "missing exp", Method: "GET", URL: "/v1/me", Token: ta.forge(jwt.SigningMethodEdDSA, ta.key, func(c jwt.MapClaims, _ map[string]any) { delete(c, "exp") }), Status: 401},
		{Name: "expired", Method: "GET", URL: "/v1/me", Token: ta.forge(jwt.SigningMethodEdDSA, ta.key, func(c jwt.MapClaims, _ map[string]any) {
			c["iat"], c["exp"] = time.Now().Add(-time.Hour).Unix(), time.Now().Add(-10*time.Minute).Unix()
		}), Status: 401, Contains: []string{"expired"}},
		{Name: "typ JWT is not an access token", Method: "GET", URL: "/v1/me", Token: ta.forge(jwt.SigningMethodEdDSA, ta.key, func(_ jwt.MapClaims, h map[string]any) { h["typ"] = "JWT" }), Status: 401},
		{Name: "no typ", Method: "GET", URL: "/v1/me", Token: ta.forge(jwt.SigningMethodEdDSA, ta.key, func(_ jwt.MapClaims, h map[string]any) { delete(h, "typ") }), Status: 401},
		{Name: "no subject", Method: "GET", URL: "/v1/me", Token: ta.forge(jwt.SigningMethodEdDSA, ta.key, func(c jwt.MapClaims, _ map[string]any) { delete(c, "sub") }), Status: 401},
		{Name: "refresh token used as access token", Method: "GET", URL: "/v1/me", Token: refresh, Status: 401},
		{Name: "tampered payload", Method: "GET", URL: "/v1/me", Token: tampered, Status: 401},
		{Name: "garbage", Method: "GET", URL: "/v1/me", Token: "a.b.c", Status: 401},
		{Name: "basic scheme", Method: "GET", URL: "/v1/me", Headers: []string{"Authorization", "Basic cm9vdDpwdw=="}, Status: 401},
	})
}

// TestHugeDottedHeader sends a 64 KB Authorization header of dots to a real listener: it is
// answered 401 and verifying it allocates next to nothing.
func TestHugeDottedHeader(t *testing.T) {
	ta := newTestApp(t)
	base := ta.serve()
	dots := strings.Repeat(".", 64*1024)
	req, _ := http.NewRequest("GET", base+"/v1/me", nil)
	req.Header.Set("Authorization", "Bearer "+dots)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 401 {
		t.Fatalf("status %d", res.StatusCode)
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	for i := 0; i < 100; i++ {
		r := ta.do("GET", "/v1/me", nil, dots)
		if r.Status != 401 {
			t.Fatalf("status %d", r.Status)
		}
	}
	runtime.ReadMemStats(&after)
	// 100 requests each carrying 64 KB; a verifier that split the dots would allocate
	// 65 536 strings per request (> 100 MB in all).
	if grew := after.TotalAlloc - before.TotalAlloc; grew > 64<<20 {
		t.Fatalf("100 dotted requests allocated %d MB", grew>>20)
	}
}

func TestRefreshRotation(t *testing.T) {
	ta := newTestApp(t)
	login := ta.do("POST", "/v1/auth/login", map[string]string{"username": "root", "password": testPassword}, "")
	first := login.str("refresh_token")

	r1 := ta.do("POST", "/v1/auth/refresh", map[string]string{"refresh_token": first}, "")
	if r1.Status != 200 || r1.str("refresh_token") == first || r1.str("refresh_token") == "" {
		t.Fatalf("refresh: %d %s", r1.Status, r1.Body)
	}
	second := r1.str("refresh_token")
	if r := ta.do("GET", "/v1/me", nil, r1.str("access_token")); r.Status != 200 {
		t.Fatalf("new access token: %d", r.Status)
	}
	// Reusing the first token revokes the family: the second stops working too.
	if r := ta.do("POST", "/v1/auth/refresh", map[string]string{"refresh_token": first}, ""); r.Status != 401 || !strings.Contains(r.str("detail"), "used before") {
		t.Fatalf("reuse: %d %s", r.Status, r.Body)
	}
	if r := ta.do("POST", "/v1/auth/refresh", map[string]string{"refresh_token": second}, ""); r.Status != 401 {
		t.Fatalf("descendant after reuse: %d %s", r.Status, r.Body)
	}
	// Another sign-in is a separate family and is untouched.
	other := ta.do("POST", "/v1/auth/login", map[string]string{"username": "root", "password": testPassword}, "").str("refresh_token")
	if r := ta.do("POST", "/v1/auth/refresh", map[string]string{"refresh_token": other}, ""); r.Status != 200 {
		t.Fatalf("other family: %d", r.Status)
	}
	if r := ta.do("POST", "/v1/auth/refresh", map[string]string{"refresh_token": "never-issued"}, ""); r.Status != 401 {
		t.Fatalf("unknown token: %d", r.Status)
	}
}

// TestConcurrentRefresh: of concurrent refreshes with one token at most one gets new tokens,
// and because the others count as reuse, whatever was issued stops working.
func TestConcurrentRefresh(t *testing.T) {
	needsAtomicWrites(t)
	ta := newTestApp(t)
	token := ta.do("POST", "/v1/auth/login", map[string]string{"username": "root", "password": testPassword}, "").str("refresh_token")
	const n = 8
	var wg sync.WaitGroup
	results := make([]response, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			results[i] = ta.do("POST", "/v1/auth/refresh", map[string]string{"refresh_token": token}, "")
		}(i)
	}
	wg.Wait()
	ok := 0
	for _, r := range results {
		switch r.Status {
		case 200:
			ok++
			if again := ta.do("POST", "/v1/auth/refresh", map[string]string{"refresh_token": r.str("refresh_token")}, ""); again.Status != 401 {
				t.Errorf("token issued during a reuse race still works: %d", again.Status)
			}
		case 401:
		default:
			t.Errorf("unexpected %d %s", r.Status, r.Body)
		}
	}
	if ok > 1 {
		t.Fatalf("%d of %d concurrent refreshes succeeded", ok, n)
	}
}

func TestLogoutEndsTheSignIn(t *testing.T) {
	ta := newTestApp(t)
	token := ta.do("POST", "/v1/auth/login", map[string]string{"username": "root", "password": testPassword}, "").str("refresh_token")
	if r := ta.do("POST", "/v1/auth/logout", map[string]string{"refresh_token": token}, ""); r.Status != 204 {
		t.Fatalf("logout: %d", r.Status)
	}
	if r := ta.do("POST", "/v1/auth/refresh", map[string]string{"refresh_token": token}, ""); r.Status != 401 {
		t.Fatalf("refresh after logout: %d", r.Status)
	}
}

func TestPasswordChangeAndDisabledAccounts(t *testing.T) {
	ta := newTestApp(t)
	a := ta.newAgency(t, 0)
	refresh := ta.do("POST", "/v1/auth/login", map[string]string{"username": "a-officer", "password": testPassword}, "").str("refresh_token")
	ta.run([]scenario{
		{Name: "wrong current password", Method: "PUT", URL: "/v1/me/password", Token: a.officerTok, Body: map[string]string{"current_password": "not it at all", "new_password": "a much better one"}, Status: 403},
		{Name: "too short", Method: "PUT", URL: "/v1/me/password", Token: a.officerTok, Body: map[string]string{"current_password": testPassword, "new_password": "short"}, Status: 400, Contains: []string{`"new_password"`}},
		{Name: "changed", Method: "PUT", URL: "/v1/me/password", Token: a.officerTok, Body: map[string]string{"current_password": testPassword, "new_password": "a much better one"}, Status: 204},
		{Name: "old sessions end", Method: "POST", URL: "/v1/auth/refresh", Body: map[string]string{"refresh_token": refresh}, Status: 401},
		{Name: "old password fails", Method: "POST", URL: "/v1/auth/login", Body: map[string]string{"username": "a-officer", "password": testPassword}, Status: 401},
		{Name: "new password works", Method: "POST", URL: "/v1/auth/login", Body: map[string]string{"username": "a-officer", "password": "a much better one"}, Status: 200},
		{Name: "admin disables the officer", Method: "PATCH", URL: "/v1/officers/" + a.officerID, Token: a.adminTok, Headers: []string{"If-Match", `"3"`}, Body: map[string]string{"status": "disabled"}, Status: 200, Contains: []string{`"status":"disabled"`, `"may_act":false`}},
		{Name: "a disabled officer cannot sign in", Method: "POST", URL: "/v1/auth/login", Body: map[string]string{"username": "a-officer", "password": "a much better one"}, Status: 401},
	})
}
