package api_test

import (
	"context"
	"encoding/json"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestCitizenPageInChromium: Debian's chromium, driven by playwright-core at a phone's viewport
// with JavaScript off, opens a card's page, rates one star with the integrity tag and a comment
// with markup, and gets the confirmation; the rating is stored as typed, the district's
// supervisor is alerted, nothing is loaded from another host, and screenshots of both pages
// are kept in artifacts/browser. Mandatory in CI (CI=true), where .ci/run installs chromium,
// fonts-noto-cjk and playwright-core.
func TestCitizenPageInChromium(t *testing.T) {
	needBrowser(t)
	cfg := testConfig()
	cfg.NotifyEvery = 50 * time.Millisecond
	ta := newTestAppWith(t, cfg, nil)
	f := ta.newCaseAgency(t, 0)
	supervisor := ta.supervisoryBody(t, "青山区司法局", usccOf(t, "11370402MB000021"+"0"), "青山区", "browser-supervisor")
	card := ta.cardFor(t, f, usccs[3], nil)
	code := card.str("code")
	base := ta.serve()

	shots, out := runBrowser(t, "cardpage.cjs", base+"/s/"+card.str("code_shown"))
	var seen struct {
		Heading, Officers, Thanks string
		External                  []string
	}
	if err := json.Unmarshal(out, &seen); err != nil {
		t.Fatalf("the browser said %s", out)
	}
	if seen.Heading != "执法监督卡" || !strings.Contains(seen.Officers, "张三") || !strings.Contains(seen.Officers, "证件有效") || seen.Thanks != "感谢您的评价" || len(seen.External) > 0 {
		t.Fatalf("in the browser: %+v", seen)
	}
	for _, name := range []string{"card-form.png", "card-thanks.png"} {
		if st, err := os.Stat(filepath.Join(shots, name)); err != nil || st.Size() < 10000 {
			t.Fatalf("screenshot %s: %v", name, err)
		}
	}
	stored, err := ta.store.FeedbackOfCard(context.Background(), code)
	if err != nil || len(stored) != 1 || stored[0].Rating != 1 || stored[0].Comment != "<b>态度粗暴</b>，索要好处" || stored[0].Phone != "13912345678" ||
		strings.Join(stored[0].Tags, ",") != "廉洁" {
		t.Fatalf("stored: %+v %v", stored, err)
	}
	if k := kinds(ta.inboxOf(t, supervisor, 1)); len(k) != 1 || k[0] != "bad_feedback" {
		t.Fatalf("the supervisor's inbox: %v", k)
	}
	t.Logf("screenshots in %s", shots)
}

// needBrowser skips a browser test where node, chromium, CJK fonts or playwright-core are
// missing, and fails it in CI, where .ci/run installs them.
func needBrowser(t *testing.T) {
	t.Helper()
	_, nodeErr := exec.LookPath("node")
	_, chromeErr := exec.LookPath("chromium")
	_, modErr := os.Stat(filepath.Join(testdata, "browser", "node_modules", "playwright-core"))
	fonts, _ := exec.Command("fc-list", ":lang=zh").Output()
	if nodeErr != nil || chromeErr != nil || modErr != nil || len(fonts) == 0 {
		if os.Getenv("CI") == "true" {
			t.Fatalf("node, chromium, CJK fonts and playwright-core are required in CI: %v %v %v fonts=%d", nodeErr, chromeErr, modErr, len(fonts))
		}
		t.Skip("node, chromium, fonts-noto-cjk or playwright-core missing; run: npm ci --prefix api/testdata/browser")
	}
}

// runBrowser runs a script of testdata/browser on a page and returns the screenshot
// directory and what the script printed.
func runBrowser(t *testing.T, script, pageURL string) (string, []byte) {
	t.Helper()
	dir := filepath.Join(testdata, "browser")
	node, _ := exec.LookPath("node")
	chromium, _ := exec.LookPath("chromium")
	shots := filepath.Join(testdata, "..", "..", "artifacts", "browser")
	if err := os.MkdirAll(shots, 0o755); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, filepath.Join(dir, script), pageURL, shots)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "CHROMIUM="+chromium)
	out, err := cmd.Output()
	if err != nil {
		var stderr []byte
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = ee.Stderr
		}
		t.Fatalf("chromium: %v\n%s\n%s", err, out, stderr)
	}
	return shots, out
}

// TestCallbackPageInChromium: the same for the page of a case's callback: the party answers
// 不满意 with notes carrying markup; the answer is stored as typed and the district's
// supervisor is alerted.
func TestCallbackPageInChromium(t *testing.T) {
	needBrowser(t)
	w := newFeedbackWorld(t)
	cb := w.callback(t)
	u, _ := url.Parse(cb["url"].(string))
	shots, out := runBrowser(t, "callbackpage.cjs", w.ta.serve()+u.Path)
	var seen struct {
		Heading, Who, Thanks string
		External             []string
	}
	if err := json.Unmarshal(out, &seen); err != nil {
		t.Fatalf("the browser said %s", out)
	}
	if seen.Heading != "执法案件回访" || !strings.Contains(seen.Who, "区市场监督管理局A") || seen.Thanks != "感谢您的回访意见" || len(seen.External) > 0 {
		t.Fatalf("in the browser: %+v", seen)
	}
	for _, name := range []string{"callback-form.png", "callback-thanks.png"} {
		if st, err := os.Stat(filepath.Join(shots, name)); err != nil || st.Size() < 10000 {
			t.Fatalf("screenshot %s: %v", name, err)
		}
	}
	stored, err := w.ta.store.CallbackByID(context.Background(), cb["id"].(string))
	if err != nil || stored.Answer == nil || stored.Answer.Satisfied || stored.Answer.Notes != "<i>处罚过重</i>，希望复核" || stored.Answer.Channel != "web" {
		t.Fatalf("stored: %+v %v", stored, err)
	}
	if k := kinds(w.ta.inboxOf(t, w.here, 1)); len(k) != 1 || k[0] != "unsatisfied_callback" {
		t.Fatalf("the supervisor's inbox: %v", k)
	}
}
