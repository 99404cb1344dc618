package api_test

import (
	"encoding/csv"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestScorecardsFromTheRecords: two agencies of a district with records made for the test;
// every indicator's value, the totals and the ranking are computed here by hand.
func TestScorecardsFromTheRecords(t *testing.T) {
	ta := newTestAppWith(t, raterConfig(), nil)
	a := ta.newCaseAgency(t, 0)
	b := ta.newCaseAgency(t, 1)
	here := ta.supervisoryBody(t, "青山区司法局", usccOf(t, "11370402MB000011"+"0"), "青山区", "qs-supervisor")
	year := time.Now().Format("2006")
	for id, sessions := range map[string]int{a.officerID: 3, a.officer2ID: 6} {
		for range sessions {
			if r := ta.do("POST", "/v1/officers/"+id+"/training", map[string]any{"topic": "行政处罚法", "hours": 10, "date": year + "-01-10"}, a.adminTok); r.Status != 201 {
				t.Fatalf("training: %d %s", r.Status, r.Body)
			}
		}
	}
	ta.closedCase(t, a)
	for _, stars := range []int{5, 2} {
		card := ta.cardFor(t, a, usccs[3], nil)
		if r := ta.do("POST", "/v1/public/cards/"+card.str("code")+"/feedback", map[string]any{"rating": stars}, "", "X-Forwarded-For", fmt.Sprintf("198.51.100.%d", stars)); r.Status != 201 {
			t.Fatalf("rating: %d %s", r.Status, r.Body)
		}
	}
	tomorrow := time.Now().AddDate(0, 0, 1).Format(time.DateOnly)
	var problems []string
	for _, title := range []string{"笔录不规范", "记录仪未全程开启"} {
		problems = append(problems, ta.mustCreate("/v1/problems", map[string]any{"source": "self_check", "title": title, "plan": "整改", "owner": "队长", "deadline": tomorrow}, a.adminTok))
	}
	if r := ta.do("PATCH", "/v1/problems/"+problems[0], map[string]any{"status": "closed", "closure": "已整改"}, a.adminTok, "If-Match", `"1"`); r.Status != 200 {
		t.Fatalf("close: %d %s", r.Status, r.Body)
	}
	from, to := time.Now().AddDate(0, 0, -1).Format(time.DateOnly), time.Now().AddDate(0, 0, 5).Format(time.DateOnly)
	r := ta.do("GET", "/v1/scorecards?from="+from+"&to="+to, nil, here)
	if r.Status != 200 {
		t.Fatalf("scorecards: %d %s", r.Status, r.Body)
	}
	// By hand. A: 3 active officers (two certified; the reviewer is an officer without one):
	// 15 × 2/3 = 10; training (30 + 60 + 0) / 3 = 30 of 60 hours: 10 × 0.5 = 5; one decision,
	// in time: 15; legal review not required (90 000 < 100 000): not assessable, 0; served with
	// both documents: 10; no review round: not assessable, 0; ratings 5 and 2: 10 × 1/2 = 5; no
	// complaints over two inspections: 5; two problems due tomorrow, one closed: 10 × 1/2 = 5.
	// Total 55 of 75 assessable. B, which did nothing: 15 × 2/3 = 10, no training 0, nothing to
	// measure elsewhere: 10 of 25 (it had 85 when no data scored full weight). An idle agency
	// scores nothing for the records it does not have, so it ranks below the working one.
	want := map[string]map[string]float64{
		a.id: {"total": 55, "assessed_weight": 75, "certified_share": 10, "training": 5, "decided_in_time": 15, "legal_review": 0, "two_documents": 10, "review_score": 0,
			"satisfaction": 5, "complaints": 5, "rectification": 5},
		b.id: {"total": 10, "assessed_weight": 25, "certified_share": 10, "training": 0, "decided_in_time": 0, "legal_review": 0, "two_documents": 0, "review_score": 0,
			"satisfaction": 0, "complaints": 0, "rectification": 0},
	}
	notAssessable := map[string][]string{a.id: {"legal_review", "review_score", "orders_on_time"}, b.id: {"decided_in_time", "legal_review", "two_documents", "review_score", "satisfaction", "complaints", "rectification", "orders_on_time"}}
	items := r.JSON["items"].([]any)
	if !strings.Contains(string(r.Body), `"complaint_outcomes":{}`) {
		t.Fatalf("no complaints, no outcomes: %s", r.Body)
	}
	if len(items) != 2 || items[0].(map[string]any)["agency_id"] != a.id || items[0].(map[string]any)["rank"] != 1.0 || items[1].(map[string]any)["rank"] != 2.0 {
		t.Fatalf("the ranking: %s", r.Body)
	}
	for _, it := range items {
		card := it.(map[string]any)
		w := want[card["agency_id"].(string)]
		if card["total"] != w["total"] || card["assessed_weight"] != w["assessed_weight"] {
			t.Errorf("%s total %v of %v, want %v of %v", card["agency_name"], card["total"], card["assessed_weight"], w["total"], w["assessed_weight"])
		}
		for _, ind := range card["indicators"].([]any) {
			x := ind.(map[string]any)
			na := slices.Contains(notAssessable[card["agency_id"].(string)], x["code"].(string))
			if x["assessable"] != !na || na && x["value"] != nil {
				t.Errorf("%s %s: assessable %v, value %v; want assessable %t (a value only then)", card["agency_name"], x["code"], x["assessable"], x["value"], !na)
			}
			if x["points"] != w[x["code"].(string)] {
				t.Errorf("%s %s: %v points (%v/%v), want %v", card["agency_name"], x["code"], x["points"], x["numerator"], x["denominator"], w[x["code"].(string)])
			}
		}
	}
	c := ta.do("GET", "/v1/scorecards?format=csv&from="+from+"&to="+to, nil, here)
	rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(string(c.Body), "\ufeff"))).ReadAll()
	if err != nil || len(rows) != 3 || rows[1][1] != a.id || rows[1][3] != "55.00" || rows[2][3] != "10.00" || rows[2][6] != "" {
		t.Fatalf("CSV: %v %q", err, c.Body)
	}
	ta.run([]scenario{
		{Name: "the printable page with its chart", Method: "GET", URL: "/v1/scorecards?format=html&from=" + from + "&to=" + to, Token: here, Status: 200,
			Contains: []string{"行政执法评议考核", "<svg", "55.00", "持证执法率", "不予评估"}, NotContains: []string{"http://", "https://"}},
		{Name: "an agency scores none", Method: "GET", URL: "/v1/scorecards?from=" + from + "&to=" + to, Token: a.adminTok, Status: 403},
		{Name: "a period is needed", Method: "GET", URL: "/v1/scorecards", Token: here, Status: 400},
	})
}
