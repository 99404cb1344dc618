package api_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/zhifa/zhifa/domain"
)

// TestSupervisorPagesOpenFromALink: a supervisor's app asks for a page link to the scorecards
// and to a review round's report and a browser opens them without an Authorization header;
// the link opens only the page it names (not another period, not the JSON, not another
// round), not after five minutes, and is handed only to the body's own users.
func TestSupervisorPagesOpenFromALink(t *testing.T) {
	ta := newTestApp(t)
	f := ta.newCaseAgency(t, 0)
	here := ta.supervisoryBody(t, "青山区司法局", usccOf(t, "11370402MB000011"+"0"), "青山区", "qs-supervisor")
	elsewhere := ta.supervisoryBody(t, "红山区司法局", usccOf(t, "11370402MB000012"+"0"), "红山区", "hs-supervisor")
	ta.closedCase(t, f)
	today := todayInChina()
	round := ta.mustCreate("/v1/review-rounds", map[string]any{"name": "2026年第一轮案卷评查", "from": time.Now().AddDate(0, 0, -1).Format(time.DateOnly), "to": today, "sample_size": 1}, here)
	from, to := time.Now().AddDate(0, 0, -1).Format(time.DateOnly), time.Now().AddDate(0, 0, 5).Format(time.DateOnly)
	period := "from=" + from + "&to=" + to

	ta.run([]scenario{
		{Name: "no link without a token", Method: "POST", URL: "/v1/scorecards/link?" + period, Status: 401},
		{Name: "an agency has no scorecards page", Method: "POST", URL: "/v1/scorecards/link?" + period, Token: f.adminTok, Status: 403},
		{Name: "a period is required", Method: "POST", URL: "/v1/scorecards/link?from=" + from, Token: here, Status: 400},
		{Name: "another district's round", Method: "POST", URL: "/v1/review-rounds/" + round + "/report/link", Token: elsewhere, Status: 404},
		{Name: "the JSON still needs a token", Method: "GET", URL: "/v1/scorecards?" + period, Status: 401},
	})
	r := ta.do("POST", "/v1/scorecards/link?"+period, nil, here)
	if r.Status != 201 || !strings.HasPrefix(r.str("url"), "/v1/scorecards?") || !strings.Contains(r.str("url"), "format=html") {
		t.Fatalf("scorecards link: %d %s", r.Status, r.Body)
	}
	cards := r.str("url")
	r = ta.do("POST", "/v1/review-rounds/"+round+"/report/link", nil, here)
	if r.Status != 201 {
		t.Fatalf("report link: %d %s", r.Status, r.Body)
	}
	report := r.str("url")
	token := report[strings.Index(report, "link=")+len("link="):]
	ta.run([]scenario{
		{Name: "the scorecards in a browser", Method: "GET", URL: cards, Status: 200, Contains: []string{"行政执法评议考核", "<svg", "区市场监督管理局A", "考核期间：" + chinaDay(from)}},
		{Name: "the report in a browser", Method: "GET", URL: report, Status: 200, Contains: []string{"2026年第一轮案卷评查 案卷评查报告", "区市场监督管理局A"}},
		{Name: "another period", Method: "GET", URL: strings.Replace(cards, "from="+from, "from=2020-01-01", 1), Status: 404, Contains: []string{"链接无效"}, NotContains: []string{"区市场监督管理局A"}},
		{Name: "the JSON with the page's link", Method: "GET", URL: strings.Replace(cards, "format=html", "format=json", 1), Status: 404, Contains: []string{"链接无效"}},
		{Name: "the report's link on the scorecards", Method: "GET", URL: "/v1/scorecards?format=html&" + period + "&link=" + token, Status: 404, NotContains: []string{"区市场监督管理局A"}},
		{Name: "a forged link", Method: "GET", URL: report[:len(report)-3] + "abc", Status: 404, Contains: []string{"链接无效"}},
	})
	ta.clock.Set(time.Now().Add(6 * time.Minute))
	defer ta.clock.Set(time.Time{})
	ta.run([]scenario{
		{Name: "expired", Method: "GET", URL: report, Status: 410, Contains: []string{"链接已过期"}, NotContains: []string{"区市场监督管理局A"}},
	})
}

// TestDecisionsPageReadsAsChinese: the public decisions page gives the day of the decision on
// China's calendar (decided at 04:00 on 2 December in China, 20:00 on 1 December UTC) and the
// fine once, with its amount, among the penalties.
func TestDecisionsPageReadsAsChinese(t *testing.T) {
	ta := newTestApp(t)
	decided := time.Date(2026, 12, 1, 20, 0, 0, 0, time.UTC)
	p := &domain.Publication{ID: "6650f0a1c2d3e4f5a6b7c9d1", AgencyID: "6650f0a1c2d3e4f5a6b7c801", AgencyName: "青山区市场监督管理局", CaseNumber: "青市监罚〔2026〕1号",
		PartyKind: "organisation", PartyName: "青山区某某食品店", Violation: "销售不符合食品安全标准的食品", LegalBasis: "《食品安全法》第一百二十四条",
		Penalties: []string{"警告", "罚款"}, Fine: 15000, DecidedAt: decided, DueBy: decided.AddDate(0, 0, 7), PublishedAt: decided}
	if err := ta.store.CreatePublication(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	ta.run([]scenario{
		{Name: "the page", Method: "GET", URL: "/p/decisions", Status: 200, Contains: []string{"决定日期：2026年12月2日", "处罚内容：警告、罚款 15000 元</p>"},
			NotContains: []string{"2026-12-01", "罚款，罚款"}},
	})
}

// chinaDay writes a YYYY-MM-DD date as a page does (2026年12月2日).
func chinaDay(date string) string {
	d, _ := time.Parse(time.DateOnly, date)
	return d.Format("2006年1月2日")
}
