package api_test

import (
	"strings"
	"testing"
	"time"
)

// TestDocumentsPrintAsTheLawWants: a 文号 from the agency's pattern, kept by a new version;
// the fine in figures and in capitals; the party's address and legal representative; a seal
// area and fonts phones and Linux have; a short-lived signed link that opens the page without
// a token, and nothing else.
func TestDocumentsPrintAsTheLawWants(t *testing.T) {
	ta := newTestApp(t)
	f, other := ta.newCaseAgency(t, 0), ta.newCaseAgency(t, 1)
	agency := ta.do("GET", "/v1/agencies/"+f.id, nil, f.adminTok)
	if r := ta.do("PATCH", "/v1/agencies/"+f.id, map[string]any{"document_number_pattern": "青山市监{kind}〔{year}〕{n}号"}, f.adminTok, "If-Match", agency.Header.Get("ETag")); r.Status != 200 {
		t.Fatalf("pattern: %d %s", r.Status, r.Body)
	}
	decided := func() string { return ta.decidedFine(t, f) }
	id := decided()
	issue := map[string]any{"kind": "penalty_decision", "fields": map[string]string{"evidence": "照片", "payment": "十五日内"}}
	year := time.Now().In(time.FixedZone("CST", 8*3600)).Format("2006")
	first := ta.do("POST", "/v1/cases/"+id+"/documents", issue, f.officerTok)
	if first.Status != 201 || !strings.Contains(string(first.Body), `"number":"青山市监罚〔`+year+`〕1号"`) || !strings.Contains(string(first.Body), "罚款人民币90000元（人民币玖万元整）") {
		t.Fatalf("first: %d %s", first.Status, first.Body)
	}
	if again := ta.do("POST", "/v1/cases/"+id+"/documents", issue, f.officerTok); !strings.Contains(string(again.Body), `〕1号"`) || !strings.Contains(string(again.Body), `"version":2`) {
		t.Fatalf("a new version keeps the number: %s", again.Body)
	}
	second := decided()
	if r := ta.do("POST", "/v1/cases/"+second+"/documents", issue, f.reviewerTok); r.Status != 403 {
		t.Fatalf("a reviewer without a certificate issues: %d %s", r.Status, r.Body)
	}
	if next := ta.do("POST", "/v1/cases/"+second+"/documents", issue, f.officerTok); !strings.Contains(string(next.Body), `〕2号"`) { // the refusal took no number
		t.Fatalf("the next case's decision: %s", next.Body)
	}
	if r := ta.do("POST", "/v1/cases/"+id+"/documents", map[string]any{"kind": "penalty_decision", "fields": map[string]string{}}, f.officerTok); !strings.Contains(string(r.Body), `"fields.evidence":"required"`) {
		t.Errorf("a missing field: %s", r.Body)
	}
	doc := first.str("id")
	printURL := "/v1/cases/" + id + "/documents/" + doc + "/print"
	page := ta.do("GET", printURL, nil, f.officerTok)
	for _, want := range []string{"青山市监罚〔" + year + "〕1号", "住所（地址）：青山区红卫路1号", "法定代表人（负责人）：王五", "（印章）", `"Noto Serif CJK SC"`, "人民币玖万元整"} {
		if !strings.Contains(string(page.Body), want) {
			t.Errorf("the printed page lacks %s", want)
		}
	}
	if strings.Contains(string(page.Body), "<svg") {
		t.Fatal("a QR code without a card")
	}
	// With a supervision card for the case, the printed page carries its QR code.
	card := ta.do("POST", "/v1/cards", map[string]any{"case_id": id}, f.officerTok)
	if card.Status != 201 {
		t.Fatalf("a card for the case: %d %s", card.Status, card.Body)
	}
	if withCard := ta.do("GET", printURL, nil, f.officerTok); !strings.Contains(string(withCard.Body), "<svg") || !strings.Contains(string(withCard.Body), "监督卡 "+card.str("code_shown")) {
		t.Fatalf("the printed page lacks the card's QR code: %s", withCard.Body)
	}
	link := ta.do("POST", printURL+"-link", nil, f.officerTok)
	url := link.str("url")
	if link.Status != 201 || !strings.HasPrefix(url, "/v1/print/") {
		t.Fatalf("print link: %d %s", link.Status, link.Body)
	}
	ta.run([]scenario{
		{Name: "the link opens the page without a token", Method: "GET", URL: url, Status: 200, Contains: []string{"青山市监罚〔" + year + "〕1号", "行政处罚决定书"}},
		{Name: "a tampered link", Method: "GET", URL: url[:len(url)-3] + "AAA", Status: 404},
		{Name: "another agency cannot make a link to it", Method: "POST", URL: printURL + "-link", Token: other.officerTok, Status: 404},
	})
	ta.clock.Set(time.Now().Add(6 * time.Minute))
	defer ta.clock.Set(time.Time{})
	if r := ta.do("GET", url, nil, ""); r.Status != 404 || !strings.Contains(string(r.Body), "expired") {
		t.Fatalf("an expired link: %d %s", r.Status, r.Body)
	}
}

// TestPenaltyDecisionNamesEveryElement: the printed 行政处罚决定书 carries every element of
// art. 59 — the party's name and address, the facts and evidence, the provisions violated, the
// penalty and its basis, the manner and time of performance, where and within what time to seek
// reconsideration (60 days, the body the agency's settings name) or sue (6 months, the court),
// the agency's name and the date, with its seal — and is not issued while the agency's
// settings do not name the body and the court.
func TestPenaltyDecisionNamesEveryElement(t *testing.T) {
	ta := newTestApp(t)
	f := ta.newCaseAgency(t, 0)
	settings := func(body, court string) response {
		t.Helper()
		a := ta.do("GET", "/v1/agencies/"+f.id, nil, f.adminTok)
		r := ta.do("PATCH", "/v1/agencies/"+f.id, map[string]any{"reconsideration_body": body, "court": court}, f.adminTok, "If-Match", a.Header.Get("ETag"))
		if r.Status != 200 {
			t.Fatalf("settings: %d %s", r.Status, r.Body)
		}
		return r
	}
	id := ta.decidedFine(t, f)
	issue := map[string]any{"kind": "penalty_decision", "fields": map[string]string{"evidence": "询问笔录、现场照片", "payment": "自收到本决定书之日起十五日内缴纳罚款"}}

	settings("", "")
	if r := ta.do("POST", "/v1/cases/"+id+"/documents", issue, f.officerTok); r.Status != 409 || !strings.Contains(string(r.Body), "reconsideration_body") {
		t.Fatalf("issued without the agency's reconsideration body: %d %s", r.Status, r.Body)
	}
	agency := settings("枣庄市市中区人民政府", "枣庄市市中区人民法院")
	if !strings.Contains(string(agency.Body), `"reconsideration_body":"枣庄市市中区人民政府"`) || !strings.Contains(string(agency.Body), `"court":"枣庄市市中区人民法院"`) {
		t.Fatalf("the agency's settings: %s", agency.Body)
	}
	own := map[string]any{"kind": "penalty_decision", "fields": map[string]string{"evidence": "照片", "payment": "十五日内", "remedies": "不得申请复议"}}
	if r := ta.do("POST", "/v1/cases/"+id+"/documents", own, f.officerTok); r.Status != 400 || !strings.Contains(string(r.Body), "fields.remedies") {
		t.Fatalf("remedies written by the issuer: %d %s", r.Status, r.Body)
	}
	doc := ta.do("POST", "/v1/cases/"+id+"/documents", issue, f.officerTok)
	if doc.Status != 201 {
		t.Fatalf("issue: %d %s", doc.Status, doc.Body)
	}
	page := string(ta.do("GET", "/v1/cases/"+id+"/documents/"+doc.str("id")+"/print", nil, f.officerTok).Body)
	issued, _ := time.Parse(time.RFC3339, doc.str("issued_at"))
	for element, want := range map[string]string{
		"the party's name":           "某某食品有限公司",
		"the party's address":        "住所（地址）：青山区红卫路1号",
		"the facts":                  "经查，当事人销售过期食品。",
		"the evidence":               "询问笔录、现场照片",
		"the provisions violated":    "<dt>违反的法律、法规、规章</dt><dd>违反《食品安全法》第三十四条</dd>",
		"the penalty":                "罚款人民币90000元（人民币玖万元整）",
		"its basis":                  "<dt>处罚依据</dt><dd>《食品安全法》第一百二十四条第一款</dd>",
		"manner and time to perform": "<dt>履行方式和期限</dt><dd>自收到本决定书之日起十五日内缴纳罚款</dd>",
		"reconsideration":            "六十日内向枣庄市市中区人民政府申请行政复议",
		"litigation":                 "六个月内依法向枣庄市市中区人民法院提起行政诉讼",
		"the agency":                 "<div class=\"agency\">" + agency.str("name") + "</div>",
		"the date":                   issued.In(time.FixedZone("CST", 8*3600)).Format("2006年1月2日"),
		"the seal":                   "（印章）",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("the decision lacks %s (%s)", element, want)
		}
	}
}

// decidedFine is a case against an organisation with an address and a legal representative,
// notified, waived and decided: a 90 000-yuan fine.
func (ta *testApp) decidedFine(t *testing.T, f caseAgency) string {
	t.Helper()
	r := ta.do("POST", "/v1/cases", map[string]any{"matter_id": f.matterID, "facts": "销售过期食品",
		"party": map[string]any{"kind": "organisation", "name": "某某食品有限公司", "uscc": usccs[4], "address": "青山区红卫路1号", "legal_representative": "王五"}}, f.officerTok)
	id := r.str("id")
	for _, body := range []map[string]any{
		{"action": "register", "officer_ids": f.officers}, {"action": "start_investigation", "officer_ids": f.officers},
		{"action": "notify", "officer_ids": f.officers, "notice": notice(90000, "fine")}, {"action": "waive"},
	} {
		ta.act(t, f, id, body)
	}
	ta.actAs(t, f.adminTok, id, map[string]any{"action": "decide", "decision": decision(90000, "normal", "fine")}, 200)
	return id
}
