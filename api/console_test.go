package api_test

import (
	"net/http"
	"regexp"
	"strings"
	"testing"
)

// TestConsoleIsServedFromTheBinary: / leads to /console/, whose page loads only its own
// assets (no inline script, nothing from another host) under a strict CSP; the assets are
// cached for a year and gzipped; any other path under /console/ is a route of the app and
// answers the page; an unknown asset is 404.
func TestConsoleIsServedFromTheBinary(t *testing.T) {
	ta := newTestApp(t)
	if r := ta.do("GET", "/", nil, ""); r.Status != 302 || r.Header.Get("Location") != "/console/" {
		t.Fatalf("GET /: %d %q", r.Status, r.Header.Get("Location"))
	}
	if r := ta.do("GET", "/console", nil, ""); r.Status != 301 || r.Header.Get("Location") != "/console/" {
		t.Fatalf("GET /console: %d %q", r.Status, r.Header.Get("Location"))
	}
	page := ta.do("GET", "/console/", nil, "")
	csp := page.Header.Get("Content-Security-Policy")
	if page.Status != 200 || !strings.HasPrefix(page.Header.Get("Content-Type"), "text/html") || !strings.Contains(string(page.Body), `lang="zh-CN"`) {
		t.Fatalf("GET /console/: %d %s", page.Status, page.Body)
	}
	for _, want := range []string{"script-src 'self'", "style-src 'self'", "connect-src 'self'", "frame-ancestors 'none'", "default-src 'none'"} {
		if !strings.Contains(csp, want) {
			t.Fatalf("the console's CSP lacks %s: %s", want, csp)
		}
	}
	if strings.Contains(csp, "unsafe") || page.Header.Get("Cache-Control") != "no-cache" {
		t.Fatalf("CSP %q, Cache-Control %q", csp, page.Header.Get("Cache-Control"))
	}
	if regexp.MustCompile(`<script(?:\s[^>]*)?>\s*[^<\s]`).Match(page.Body) || strings.Contains(string(page.Body), "style=") {
		t.Fatalf("the page has inline script or style: %s", page.Body)
	}
	refs := regexp.MustCompile(`(?:src|href)="([^"]+)"`).FindAllStringSubmatch(string(page.Body), -1)
	if len(refs) == 0 {
		t.Fatalf("the page loads nothing: %s", page.Body)
	}
	for _, m := range refs {
		ref := m[1]
		if ref == "/console/favicon.svg" {
			if a := ta.do("GET", ref, nil, ""); a.Status != 200 || a.Header.Get("Content-Type") != "image/svg+xml" || a.Header.Get("Cache-Control") != "no-cache" {
				t.Fatalf("the icon: %d %q", a.Status, a.Header.Get("Content-Type"))
			}
			continue
		}
		if !strings.HasPrefix(ref, "/console/assets/") {
			t.Fatalf("the page loads %s, not one of its own assets", ref)
		}
		a := ta.do("GET", ref, nil, "", "Accept-Encoding", "gzip")
		if a.Status != 200 || a.Header.Get("Cache-Control") != "public, max-age=31536000, immutable" {
			t.Fatalf("GET %s: %d %q", ref, a.Status, a.Header.Get("Cache-Control"))
		}
		if strings.HasSuffix(ref, ".js") && a.Header.Get("Content-Encoding") != "gzip" {
			t.Fatalf("%s is not gzipped", ref)
		}
		if again := ta.do("GET", ref, nil, "", "If-None-Match", a.Header.Get("ETag")); again.Status != 304 {
			t.Fatalf("GET %s again with its ETag: %d", ref, again.Status)
		}
	}
	for _, route := range []string{"/console/login", "/console/cases/6650f0a1c2d3e4f5a6b7c901"} {
		if r := ta.do("GET", route, nil, ""); r.Status != 200 || string(r.Body) != string(page.Body) {
			t.Fatalf("GET %s: %d", route, r.Status)
		}
	}
	if r := ta.do("GET", "/console/assets/nothing-here.js", nil, ""); r.Status != 404 {
		t.Fatalf("an unknown asset: %d", r.Status)
	}
}

// TestConsoleSessionCookie: in cookie mode the refresh token never reaches a script: it is an
// httpOnly, SameSite=Strict cookie on /v1/auth, rotated on every refresh; a refresh from
// another site's page is refused, a used cookie ends the sign-in, and sign-out removes it.
func TestConsoleSessionCookie(t *testing.T) {
	ta := newTestApp(t)
	login := ta.do("POST", "/v1/auth/login", map[string]string{"username": "root", "password": testPassword}, "", "X-Zhifa-Session", "cookie")
	if login.Status != 200 || login.str("access_token") == "" || login.JSON["refresh_token"] != nil {
		t.Fatalf("cookie login: %d %s", login.Status, login.Body)
	}
	first := refreshCookieOf(t, login)
	if r := ta.do("POST", "/v1/auth/login", map[string]string{"username": "root", "password": testPassword}, "", "X-Zhifa-Session", "yes"); r.Status != 400 {
		t.Fatalf("an unknown session mode: %d %s", r.Status, r.Body)
	}

	refresh := func(cookie string, headers ...string) response {
		return ta.do("POST", "/v1/auth/refresh", map[string]any{}, "", append([]string{"Cookie", "zhifa_refresh=" + cookie}, headers...)...)
	}
	// Without the header the cookie is not read (a form of another site could send it).
	if r := refresh(first); r.Status != 401 {
		t.Fatalf("refresh by cookie without the header: %d %s", r.Status, r.Body)
	}
	if r := refresh(first, "X-Zhifa-Session", "cookie", "Origin", "https://evil.example"); r.Status != 403 {
		t.Fatalf("refresh from another origin: %d %s", r.Status, r.Body)
	}
	if r := refresh(first, "X-Zhifa-Session", "cookie", "Sec-Fetch-Site", "cross-site"); r.Status != 403 {
		t.Fatalf("refresh from another site: %d %s", r.Status, r.Body)
	}
	r := refresh(first, "X-Zhifa-Session", "cookie", "Origin", "http://example.com", "Sec-Fetch-Site", "same-origin")
	if r.Status != 200 || r.str("access_token") == "" || r.JSON["refresh_token"] != nil {
		t.Fatalf("refresh by cookie: %d %s", r.Status, r.Body)
	}
	second := refreshCookieOf(t, r)
	if second == first {
		t.Fatal("the refresh cookie was not rotated")
	}
	if me := ta.do("GET", "/v1/me", nil, r.str("access_token")); me.Status != 200 {
		t.Fatalf("the refreshed access token: %d", me.Status)
	}
	// The first cookie again: a leak; the whole sign-in ends, the second cookie with it.
	if r := refresh(first, "X-Zhifa-Session", "cookie"); r.Status != 401 {
		t.Fatalf("a used cookie: %d", r.Status)
	}
	if r := refresh(second, "X-Zhifa-Session", "cookie"); r.Status != 401 || cookieNamed(r, "zhifa_refresh") == nil || cookieNamed(r, "zhifa_refresh").Value != "" ||
		cookieNamed(r, "zhifa_signed_in") == nil || cookieNamed(r, "zhifa_signed_in").Value != "" {
		t.Fatalf("the cookie after its family was revoked: %d, and the cookies are not removed: %v", r.Status, r.Header["Set-Cookie"])
	}

	// Sign-out removes the cookie and ends the sign-in.
	login = ta.do("POST", "/v1/auth/login", map[string]string{"username": "root", "password": testPassword}, "", "X-Zhifa-Session", "cookie")
	third := refreshCookieOf(t, login)
	out := ta.do("POST", "/v1/auth/logout", map[string]any{}, "", "Cookie", "zhifa_refresh="+third, "X-Zhifa-Session", "cookie")
	if out.Status != 204 || !strings.Contains(out.Header.Get("Set-Cookie"), "zhifa_refresh=;") || !strings.Contains(out.Header.Get("Set-Cookie"), "expires=") ||
		cookieNamed(out, "zhifa_signed_in") == nil || cookieNamed(out, "zhifa_signed_in").Value != "" {
		t.Fatalf("sign-out: %d %q", out.Status, out.Header.Get("Set-Cookie"))
	}
	if r := refresh(third, "X-Zhifa-Session", "cookie"); r.Status != 401 {
		t.Fatalf("the cookie after sign-out: %d", r.Status)
	}
}

// refreshCookieOf is the refresh cookie an answer set, after checking its attributes.
func refreshCookieOf(t *testing.T, r response) string {
	t.Helper()
	for _, c := range (&http.Response{Header: r.Header}).Cookies() {
		if c.Name != "zhifa_refresh" {
			continue
		}
		if !c.HttpOnly || c.SameSite != http.SameSiteStrictMode || c.Path != "/v1/auth" || c.MaxAge <= 0 || len(c.Value) < 32 {
			t.Fatalf("the refresh cookie: %+v", c)
		}
		if m := cookieNamed(r, "zhifa_signed_in"); m == nil || m.Value != "1" || m.HttpOnly || m.Path != "/console" || m.MaxAge != c.MaxAge {
			t.Fatalf("the signed-in marker beside the refresh cookie: %+v", m)
		}
		return c.Value
	}
	t.Fatalf("no refresh cookie: %v", r.Header)
	return ""
}

// cookieNamed is the cookie of that name an answer set, or nil.
func cookieNamed(r response, name string) *http.Cookie {
	for _, c := range (&http.Response{Header: r.Header}).Cookies() {
		if c.Name == name {
			return c
		}
	}
	return nil
}
