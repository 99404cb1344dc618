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

// TestCitizenPageInChromium: Debian's chromium, driven by playwright-core at a phone's viewport
// with JavaScript off, opens a card's page, rates one star with the integrity tag and a comment
// with markup, and gets the confirmation; the rating is stored as typed, the district's
// supervisor is alerted, nothing is loaded from another host, and screenshots of both pages
// are kept in artifacts/browser. Mandatory in CI (CI=true), where .ci/run installs chromium,
// fonts-noto-cjk and playwright-core.
func TestCitizenPageInChromium(t *testing.T) {
	dir := filepath.Join(testdata, "browser")
	node, nodeErr := exec.LookPath("node")
	chromium, chromeErr := exec.LookPath("chromium")
	_, modErr := os.Stat(filepath.Join(dir, "node_modules", "playwright-core"))
	fonts, _ := exec.Command("fc-list", ":lang=zh").Output()
	if nodeErr != nil || chromeErr != nil || modErr != nil || len(fonts) == 0 {
		if os.Getenv("CI") == "true" {
			t.Fatalf("node, chromium, CJK fonts and playwright-core are required in CI: %v %v %v fonts=%d", nodeErr, chromeErr, modErr, len(fonts))
		}
		t.Skip("node, chromium, fonts-noto-cjk or playwright-core missing; run: npm ci --prefix api/testdata/browser")
	}
	cfg := testConfig()
	cfg.NotifyEvery = 50 * time.Millisecond
	ta := newTestAppWith(t, cfg, nil)
	f := ta.newCaseAgency(t, 0)
	supervisor := ta.supervisoryBody(t, "青山区司法局", usccOf(t, "11370402MB000021"+"0"), "青山区", "browser-supervisor")
	card := ta.cardFor(t, f, usccs[3], nil)
	code := card.str("code")
	base := ta.serve()

	shots := filepath.Join(testdata, "..", "..", "artifacts", "browser")
	if err := os.MkdirAll(shots, 0o755); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, filepath.Join(dir, "cardpage.cjs"), base+"/s/"+card.str("code_shown"), shots)
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
