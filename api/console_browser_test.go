package api_test

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// consoleReport is what a journey of web/e2e prints: requests that left the server's origin,
// CSP violations, script errors, axe-core's serious and critical findings, and what it saw.
type consoleReport struct {
	External []string          `json:"external"`
	CSP      []string          `json:"csp"`
	Errors   []string          `json:"errors"`
	Axe      []json.RawMessage `json:"axe"`
	Seen     map[string]string `json:"seen"`
}

// runConsole runs the journey script of web/e2e against base with args, keeping its
// screenshots in artifacts/console, and fails on anything a person should not meet.
func runConsole(t *testing.T, script, base string, args ...string) consoleReport {
	t.Helper()
	web := filepath.Join(testdata, "..", "..", "web")
	_, nodeErr := exec.LookPath("node")
	chromium, chromeErr := exec.LookPath("chromium")
	_, modErr := os.Stat(filepath.Join(web, "node_modules", "playwright-core"))
	fonts, _ := exec.Command("fc-list", ":lang=zh").Output()
	if nodeErr != nil || chromeErr != nil || modErr != nil || len(fonts) == 0 {
		if os.Getenv("CI") == "true" {
			t.Fatalf("node, chromium, CJK fonts and web/node_modules are required in CI: %v %v %v fonts=%d", nodeErr, chromeErr, modErr, len(fonts))
		}
		t.Skip("node, chromium, fonts-noto-cjk or web/node_modules missing; run: npm ci --prefix web")
	}
	shots := filepath.Join(web, "..", "artifacts", "console")
	if err := os.MkdirAll(shots, 0o755); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", append([]string{filepath.Join(web, "e2e", script), base, shots}, args...)...)
	cmd.Dir = web
	cmd.Env = append(os.Environ(), "CHROMIUM="+chromium)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s: %v\n%s\n%s", script, err, out, stderr.String())
	}
	if stderr.Len() > 0 {
		t.Logf("%s said on stderr: %s", script, stderr.String())
	}
	var r consoleReport
	if err := json.Unmarshal(out, &r); err != nil {
		t.Fatalf("%s printed %s", script, out)
	}
	if len(r.External)+len(r.CSP)+len(r.Errors)+len(r.Axe) > 0 {
		axe, _ := json.Marshal(r.Axe)
		t.Fatalf("%s: other hosts %v; CSP violations %v; errors %v; accessibility %s; seen %v", script, r.External, r.CSP, r.Errors, axe, r.Seen)
	}
	t.Logf("screenshots in %s", shots)
	return r
}

// TestConsoleSignInInChromium: the sysadmin opens the server's address in a browser, is led to
// the sign-in page, is told in Chinese that a password is wrong, signs in, keeps the session
// across a reload with nothing in storage a script can read, and signs out for good.
func TestConsoleSignInInChromium(t *testing.T) {
	ta := newTestApp(t)
	r := runConsole(t, "signin.cjs", ta.serve(), "root", testPassword)
	want := map[string]string{"loginURL": "/console/login", "home": "/console/", "afterReload": "/console/", "afterSignOut": "/console/login"}
	for k, v := range want {
		if r.Seen[k] != v {
			t.Errorf("%s: %q, want %q", k, r.Seen[k], v)
		}
	}
	// Storage and document.cookie as a script reads them: no access token, no refresh cookie.
	if strings.Contains(r.Seen["storage"], "eyJ") || strings.Contains(r.Seen["storage"], "zhifa_refresh") {
		t.Errorf("a script can read a token: %s", r.Seen["storage"])
	}
	if !strings.Contains(r.Seen["wrong"], "用户名或密码错误") {
		t.Errorf("a wrong password shows %q", r.Seen["wrong"])
	}
}

// TestConsoleToDoInChromium: the head signs in and finds on the workbench the case that waits
// for its decision, counted and named, in Chinese.
func TestConsoleToDoInChromium(t *testing.T) {
	ta := newTestApp(t)
	f := ta.newCaseAgency(t, 0)
	ready := ta.toNotified(t, f, 90000, "fine")
	ta.act(t, f, ready, map[string]any{"action": "waive", "reason": "当事人放弃陈述申辩"})
	number := ta.do("GET", "/v1/cases/"+ready, nil, f.adminTok).str("number")
	r := runConsole(t, "todo.cjs", ta.serve(), "a-admin", testPassword, "todo-head")
	if got := r.Seen["待作出处罚决定"]; !strings.HasPrefix(got, "1|") || !strings.Contains(got, number) {
		t.Fatalf("the head's decisions on the workbench: %q (seen %v)", got, r.Seen)
	}
	if !strings.Contains(r.Seen["summary"], "待办") {
		t.Fatalf("the summary: %q", r.Seen["summary"])
	}
}
