package api_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/zhifa/zhifa/notify"
)

// The person fined in the publicity test: none of this may appear on a public route.
const (
	personName    = "赵六六"
	personID      = "11010519491231002X"
	personPhone   = "13655556666"
	personAddress = "青山区幸福路88号"
)

// servedPersonCase drives a case against a natural person to a served penalty decision.
func (ta *testApp) servedPersonCase(t *testing.T, f caseAgency) string {
	t.Helper()
	r := ta.do("POST", "/v1/cases", map[string]any{"matter_id": f.matterID, "facts": "当事人" + personName + "销售过期食品，住" + personAddress,
		"party":        map[string]any{"kind": "person", "name": personName, "id_number": personID, "phone": personPhone, "address": personAddress},
		"violation_on": "2026-01-15"}, f.officerTok)
	if r.Status != 201 {
		t.Fatalf("open: %d %s", r.Status, r.Body)
	}
	id := r.str("id")
	ta.act(t, f, id, map[string]any{"action": "register", "officer_ids": f.officers})
	ta.act(t, f, id, map[string]any{"action": "start_investigation", "officer_ids": f.officers})
	ev := ta.addEvidence(t, f, id, []byte("%PDF-1.4 inquiry record "+personName))
	ta.act(t, f, id, map[string]any{"action": "record", "officer_ids": f.officers, "evidence_ids": []string{ev}})
	ta.act(t, f, id, map[string]any{"action": "notify", "officer_ids": f.officers, "notice": notice(60000, "fine")})
	ta.act(t, f, id, map[string]any{"action": "waive"})
	// The decision's own words name the party: they stay in the case, never in the publication.
	d := decision(60000, "lighter", "fine")
	d["basis"] = "依据《食品安全法》第一百二十四条，对" + personName + "（" + personAddress + "）罚款"
	ta.actAs(t, f.adminTok, id, map[string]any{"action": "decide", "decision": d}, 200)
	for _, doc := range []map[string]any{{"kind": "penalty_decision", "fields": map[string]string{"evidence": "询问笔录", "payment": "十五日内"}}, {"kind": "credit_repair_notice"}} {
		if r := ta.do("POST", "/v1/cases/"+id+"/documents", doc, f.officerTok); r.Status != 201 {
			t.Fatalf("%v: %d %s", doc["kind"], r.Status, r.Body)
		}
	}
	ta.act(t, f, id, map[string]any{"action": "serve", "officer_ids": f.officers})
	return id
}

// TestPublishedDecisionsShowNoPersonalData: a penalty decision against a person is published
// once served with the name masked (赵某); every public route, with every id the test knows,
// shows neither the full name, the ID number, the phone nor the address; the printed
// document's hash verifies it; revoking the decision withdraws it; a decision not served is
// published when its deadline comes.
func TestPublishedDecisionsShowNoPersonalData(t *testing.T) {
	cfg := testConfig()
	cfg.NotifyEvery = 50 * time.Millisecond
	cfg.SyncSettle = 300 * time.Millisecond
	ta := newTestAppWith(t, cfg, nil)
	f := ta.newCaseAgency(t, 0)
	id := ta.servedPersonCase(t, f)
	var pub response
	for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if pub = ta.do("GET", "/v1/public/decisions/"+id, nil, ""); pub.Status == 200 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the served decision was not published: %d %s", pub.Status, pub.Body)
		}
	}
	hash := pub.str("document_hash")
	if pub.str("party_name") != "赵某" || pub.str("party_uscc") != "" || len(hash) != 64 || !strings.Contains(pub.str("document_number"), "罚") {
		t.Fatalf("the publication: %s", pub.Body)
	}
	card := ta.cardFor(t, f, usccs[3], nil)
	agencyID := f.id
	values := map[string][]string{"id": {id, agencyID, f.officerID, f.matterID}, "code": {card.str("code")}, "cert_no": {f.certNo}, "token": {"x"}, "name": {"x"}}
	scanned := 0
	public := func(path string) bool {
		return strings.HasPrefix(path, "/v1/public/") || strings.HasPrefix(path, "/p/") || strings.HasPrefix(path, "/s/") || strings.HasPrefix(path, "/r/")
	}
	for _, p := range ta.getPaths(values, public) {
		for _, q := range []string{"", "?agency_id=" + agencyID + "&withdrawn=true", "?hash=" + hash} {
			res := ta.do("GET", p+q, nil, "")
			scanned++
			for _, secret := range []string{personName, personID, personPhone, personAddress} {
				if strings.Contains(string(res.Body), secret) {
					t.Errorf("GET %s%s -> %d shows %q", p, q, res.Status, secret)
				}
			}
		}
	}
	ta.run([]scenario{
		{Name: "the page", Method: "GET", URL: "/p/decisions", Status: 200, Contains: []string{"行政处罚决定公示", "赵某", hash, "罚款 60000 元"}},
		{Name: "the hash verifies", Method: "GET", URL: "/v1/public/decisions/verify?hash=" + hash, Status: 200, Contains: []string{id, `"withdrawn":false`}},
		{Name: "a hash not issued", Method: "GET", URL: "/v1/public/decisions/verify?hash=" + strings.Repeat("0", 64), Status: 404},
		{Name: "not a hash", Method: "GET", URL: "/v1/public/decisions/verify?hash=xyz", Status: 400},
		{Name: "the matters catalog", Method: "GET", URL: "/v1/public/agencies/" + agencyID + "/matters", Status: 200, Contains: []string{"销售不符合食品安全标准的食品", "罚款"}},
		{Name: "the officers", Method: "GET", URL: "/v1/public/agencies/" + agencyID + "/officers", Status: 200, Contains: []string{f.certNo, `"valid_now":true`}, NotContains: []string{"13800138000", "11010519491231002X"}},
	})
	if scanned < 20 {
		t.Fatalf("only %d public requests", scanned)
	}

	// Revoked: withdrawn from the list, still readable as withdrawn.
	ta.actAs(t, f.adminTok, id, map[string]any{"action": "revoke_decision", "reason": "经行政复议决定撤销对" + personName + "的处罚"}, 200)
	for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if r := ta.do("GET", "/v1/public/decisions/"+id, nil, ""); strings.Contains(string(r.Body), `"withdrawn":true`) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the revoked decision was not withdrawn")
		}
	}
	ta.run([]scenario{
		{Name: "gone from the list", Method: "GET", URL: "/v1/public/decisions", Status: 200, NotContains: []string{id}},
		{Name: "and from the page", Method: "GET", URL: "/p/decisions", Status: 200, NotContains: []string{hash}},
		{Name: "listed as withdrawn when asked", Method: "GET", URL: "/v1/public/decisions?withdrawn=true", Status: 200, Contains: []string{id, "该行政处罚决定已被撤销"}, NotContains: []string{personName}},
		{Name: "by id, without the reason's words", Method: "GET", URL: "/v1/public/decisions/" + id, Status: 200, NotContains: []string{personName, personAddress}},
	})

	// A decision not served is published when its deadline (7 working days) passes.
	late := ta.toNotified(t, f, 90000, "fine")
	ta.act(t, f, late, map[string]any{"action": "waive"})
	ta.actAs(t, f.adminTok, late, map[string]any{"action": "decide", "decision": decision(90000, "normal", "fine")}, 200)
	time.Sleep(500 * time.Millisecond)
	if r := ta.do("GET", "/v1/public/decisions/"+late, nil, ""); r.Status != 404 {
		t.Fatalf("published before it was served or due: %d %s", r.Status, r.Body)
	}
	w := &notify.Watcher{Repo: ta.store, Now: func() time.Time { return time.Now().AddDate(0, 0, 12) }, Log: discardLog(),
		Publisher: &notify.Publisher{Repo: ta.store, Days: 7}}
	if _, err := w.WatchOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
	if r := ta.do("GET", "/v1/public/decisions/"+late, nil, ""); r.Status != 200 || r.str("party_uscc") != usccs[4] || r.str("party_name") != "某某食品有限公司" {
		t.Fatalf("the overdue decision: %d %s", r.Status, r.Body)
	}
}
