package api_test

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/zhifa/zhifa/casefile"
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
	want := map[string]string{"loginURL": "/console/login", "home": "/console/", "afterReload": "/console/", "afterSignOut": "/console/login", "refusedBeforeSignIn": "0"}
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

// TestConsoleSupervisorReadsACaseFileInChromium: the district's supervisor finds a covered
// agency's case by part of the party's name, reads its process, audit verdict and photo, and
// downloads its case file, which verifies; the agency sees that it looked.
func TestConsoleSupervisorReadsACaseFileInChromium(t *testing.T) {
	ta := newTestApp(t)
	f := ta.newCaseAgency(t, 0)
	ta.supervisoryBody(t, "青山区司法局", usccOf(t, "11370402MB000021"+"0"), "青山区", "console-sup")
	// Another case of the agency, of another party, which the search leaves out.
	if r := ta.do("POST", "/v1/cases", map[string]any{"matter_id": f.matterID, "facts": "无照经营",
		"party": map[string]any{"kind": "organisation", "name": "红星五金商店", "uscc": usccs[3]}}, f.officerTok); r.Status != 201 {
		t.Fatalf("another case: %d %s", r.Status, r.Body)
	}
	caseID := ta.decidedFine(t, f)
	pic := photo(t, 320, 240)
	sum := sha256.Sum256(pic)
	ev := ta.do("POST", "/v1/cases/"+caseID+"/evidence", evidenceBody(f, "photo", "image/png", pic), f.officerTok)
	evID := ev.JSON["evidence"].(map[string]any)["id"].(string)
	if r := ta.do("PUT", "/v1/evidence/"+evID+"/content", pic, f.officerTok, "Content-Type", "application/octet-stream"); r.Status != 200 {
		t.Fatalf("the photo's bytes: %d %s", r.Status, r.Body)
	}
	clip := video(300000)
	ev = ta.do("POST", "/v1/cases/"+caseID+"/evidence", evidenceBody(f, "video", "video/mp4", clip), f.officerTok)
	clipID := ev.JSON["evidence"].(map[string]any)["id"].(string)
	if r := ta.do("PUT", "/v1/evidence/"+clipID+"/content", clip, f.officerTok, "Content-Type", "application/octet-stream"); r.Status != 200 {
		t.Fatalf("the recording's bytes: %d %s", r.Status, r.Body)
	}
	party := ta.do("GET", "/v1/cases/"+caseID, nil, f.adminTok).JSON["party"].(map[string]any)["name"].(string)
	r := runConsole(t, "casefile.cjs", ta.serve(), "console-sup", testPassword, string([]rune(party)[:3]))
	if r.Seen["rowsAfter"] != "1" || r.Seen["audit"] != "记录完整，未被篡改" || r.Seen["thumb"] != "loaded" || !strings.HasSuffix(r.Seen["zipName"], ".zip") ||
		r.Seen["played"] != "206" || !strings.Contains(r.Seen["custody"], "读取原件") || !strings.Contains(r.Seen["custody"], "监督员") {
		t.Fatalf("the supervisor saw %v", r.Seen)
	}
	raw, err := os.ReadFile(r.Seen["zipPath"])
	if err != nil {
		t.Fatal(err)
	}
	keys, err := casefile.KeysOfJWKS(ta.do("GET", "/.well-known/jwks.json", nil, "").Body)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := casefile.Verify(bytes.NewReader(raw), int64(len(raw)), keys)
	if err != nil || !rep.Intact() || rep.CaseID != caseID || rep.ChainHead != ta.do("GET", "/v1/cases/"+caseID, nil, f.adminTok).str("last_hash") {
		t.Fatalf("the downloaded case file: %+v %v", rep, err)
	}
	zr, err := zip.NewReader(bytes.NewReader(raw), int64(len(raw)))
	if err != nil {
		t.Fatal(err)
	}
	var sums []string
	for _, m := range zr.File {
		rc, _ := m.Open()
		h := sha256.New()
		_, _ = io.Copy(h, rc)
		rc.Close()
		sums = append(sums, hex.EncodeToString(h.Sum(nil)))
	}
	if !slices.Contains(sums, hex.EncodeToString(sum[:])) {
		t.Fatalf("the photo is not in the case file: %v", sums)
	}
	reads := ta.do("GET", "/v1/supervision/reads?case_id="+caseID, nil, f.adminTok)
	for _, what := range []string{`"what":"case"`, `"what":"case_file"`, `"what":"audit"`} {
		if !strings.Contains(string(reads.Body), what) {
			t.Fatalf("the agency's log of reads lacks %s: %s", what, reads.Body)
		}
	}
}

// TestConsoleAdminManagesOfficersInChromium: the agency's admin adds an officer through the
// console (a short password is refused at its field), resets its password; the officer signs in
// with the one-time password, is held on the password page until it sets its own, and then
// works with the new one.
func TestConsoleAdminManagesOfficersInChromium(t *testing.T) {
	ta := newTestApp(t)
	ta.newCaseAgency(t, 2)
	r := runConsole(t, "officers.cjs", ta.serve(), "c-admin", testPassword)
	if r.Seen["fieldError"] == "" || r.Seen["otpLength"] < "10" || r.Seen["forced"] != "/console/password" || r.Seen["stillForced"] != "/console/password" ||
		!strings.Contains(r.Seen["changed"], "密码已修改") || r.Seen["home"] != "/console/" {
		t.Fatalf("the admin and the new officer saw %v", r.Seen)
	}
	if !hasHan(r.Seen["fieldError"]) {
		t.Fatalf("the short password's error is not Chinese: %q", r.Seen["fieldError"])
	}
}

// TestConsoleWorkbenchIsLiveInChromium: the supervisor's workbench is open when an enterprise
// rates an inspection one star; the alert appears and the bad ratings' count rises without a
// reload, from the notification stream.
func TestConsoleWorkbenchIsLiveInChromium(t *testing.T) {
	w := newFeedbackWorld(t)
	r := runConsole(t, "live.cjs", w.ta.serve(), "qs-supervisor", testPassword, w.entTo, w.inspection)
	if r.Seen["rating"] != "201" || r.Seen["before"] != "0" || r.Seen["after"] != "1" || r.Seen["reloads"] != "0" || !hasHan(r.Seen["alert"]) {
		t.Fatalf("the supervisor's workbench: %v", r.Seen)
	}
}

// TestConsoleEnterprisePortalOnAPhoneInChromium: the enterprise signs in on a phone with its
// credit code, finds its decided case, and downloads the decision; the pages fit 390 px.
func TestConsoleEnterprisePortalOnAPhoneInChromium(t *testing.T) {
	w := newFeedbackWorld(t)
	w.ta.caseWithFile(t, w.f) // its party is the world's enterprise
	r := runConsole(t, "portal.cjs", w.ta.serve(), entUsername, testPassword)
	cases, _ := strconv.Atoi(r.Seen["cases"])
	width, _ := strconv.Atoi(r.Seen["width"])
	homeWidth, _ := strconv.Atoi(r.Seen["homeWidth"])
	if cases < 1 || r.Seen["decision"] != "yes" || r.Seen["foreign"] != "refused" || width == 0 || width > 390 || homeWidth == 0 || homeWidth > 390 {
		t.Fatalf("the enterprise on its phone: %v", r.Seen)
	}
}
