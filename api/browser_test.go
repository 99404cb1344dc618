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

	"github.com/zhifa/zhifa/domain"
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
	if k := kinds(ta.inboxWith(t, supervisor, "bad_feedback")); strings.Count(strings.Join(k, ","), "bad_feedback") != 1 {
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
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("chromium: %v\n%s\n%s", err, out, stderr.String())
	}
	if stderr.Len() > 0 {
		t.Logf("the browser script said on stderr: %s", stderr.String())
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
	if k := kinds(w.ta.inboxWith(t, w.here, "unsatisfied_callback")); strings.Count(strings.Join(k, ","), "unsatisfied_callback") != 1 {
		t.Fatalf("the supervisor's inbox: %v", k)
	}
}

// TestPublicPagesFitANarrowPhone: every page a person opens from a link or a QR code (a
// card's page and its thanks, a callback's page, the decisions page, a printed document, the
// scorecards and a review report from their page links, and the pages that say a code or a
// link opens nothing) fits a 360 px wide phone in Chromium without sideways scrolling; a
// screenshot of each is kept in artifacts/browser as <name>-360.png.
func TestPublicPagesFitANarrowPhone(t *testing.T) {
	needBrowser(t)
	w := newFeedbackWorld(t)
	ta, f := w.ta, w.f
	card := ta.cardFor(t, f, usccs[3], nil)
	cb := w.callback(t)
	cbURL, _ := url.Parse(cb["url"].(string))
	closed := ta.closedCase(t, f)
	docs := ta.do("GET", "/v1/cases/"+closed+"/documents", nil, f.officerTok)
	docID := docs.JSON["items"].([]any)[0].(map[string]any)["id"].(string)
	print := ta.do("POST", "/v1/cases/"+closed+"/documents/"+docID+"/print-link", nil, f.officerTok)
	decided := time.Date(2026, 12, 1, 20, 0, 0, 0, time.UTC)
	if err := ta.store.CreatePublication(context.Background(), &domain.Publication{ID: "6650f0a1c2d3e4f5a6b7c9d1", AgencyID: f.id,
		AgencyName: "青山区市场监督管理局", CaseNumber: "青市监罚〔2026〕1号", DocumentNumber: "青市监罚决〔2026〕第000123号",
		DocumentHash: strings.Repeat("0123456789abcdef", 4), PartyKind: "organisation", PartyName: "青山区某某食品有限公司", PartyUSCC: usccs[4],
		Violation: "销售不符合食品安全标准的食品", LegalBasis: "《中华人民共和国食品安全法》第一百二十四条第一款第（一）项",
		Penalties: []string{"警告", "罚款", "没收违法所得、非法财物"}, Fine: 15000, DecidedAt: decided, DueBy: decided.AddDate(0, 0, 7), PublishedAt: decided}); err != nil {
		t.Fatal(err)
	}
	round := ta.mustCreate("/v1/review-rounds", map[string]any{"name": "2026年第一轮案卷评查", "from": time.Now().AddDate(0, 0, -1).Format(time.DateOnly), "to": todayInChina(), "sample_size": 1}, w.here)
	period := "from=" + time.Now().AddDate(0, 0, -1).Format(time.DateOnly) + "&to=" + time.Now().AddDate(0, 0, 5).Format(time.DateOnly)
	scorecards := ta.do("POST", "/v1/scorecards/link?"+period, nil, w.here)
	report := ta.do("POST", "/v1/review-rounds/"+round+"/report/link", nil, w.here)
	if print.Status != 201 || scorecards.Status != 201 || report.Status != 201 {
		t.Fatalf("links: %s %s %s", print.Body, scorecards.Body, report.Body)
	}
	base := ta.serve()
	pages := []struct {
		Name   string `json:"name"`
		URL    string `json:"url"`
		status int
		h1     string
	}{
		{"card", base + "/s/" + card.str("code_shown"), 200, "执法监督卡"},
		{"callback", base + cbURL.Path, 200, "执法案件回访"},
		{"decisions", base + "/p/decisions", 200, "行政处罚决定公示"},
		{"print", base + print.str("url"), 200, "行政处罚决定书"},
		{"scorecards", base + scorecards.str("url"), 200, "行政执法评议考核"},
		{"report", base + report.str("url"), 200, "2026年第一轮案卷评查 案卷评查报告"},
		{"card-unknown", base + "/s/0000-0000-0000-0", 404, "未找到该监督卡"},
		{"callback-unknown", base + "/r/unknown-token", 404, ""},
		{"link-invalid", base + report.str("url") + "x", 404, "链接无效"},
	}
	list, _ := json.Marshal(pages)
	shots, out := runBrowser(t, "fits.cjs", string(list))
	var seen []struct {
		Name, H1      string
		Status, Width int
	}
	if err := json.Unmarshal(out, &seen); err != nil || len(seen) != len(pages) {
		t.Fatalf("the browser said %s", out)
	}
	for i, s := range seen {
		p := pages[i]
		if s.Status != p.status || p.h1 != "" && s.H1 != p.h1 {
			t.Errorf("%s: %d %q, want %d %q", p.Name, s.Status, s.H1, p.status, p.h1)
		}
		if s.Width > 360 {
			t.Errorf("%s is %d px wide on a 360 px phone", p.Name, s.Width)
		}
		if st, err := os.Stat(filepath.Join(shots, p.Name+"-360.png")); err != nil || st.Size() < 5000 {
			t.Errorf("screenshot of %s: %v", p.Name, err)
		}
	}
	t.Logf("%+v; screenshots in %s", seen, shots)
}
