package api_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strings"
	"testing"

	"github.com/zhifa/zhifa/casefile"
)

// TestTheEnterpriseDownloadsItsOwnDecisions: the party enterprise downloads the decision of its
// decided case as printed, alone and in decisions.zip (with a manifest of SHA-256); another
// decided case of the same agency against another party is in neither; another enterprise gets
// 404 for the case and an empty file; a case not decided has no decision; the agency's people
// are not the enterprise.
func TestTheEnterpriseDownloadsItsOwnDecisions(t *testing.T) {
	w := newFeedbackWorld(t)
	ta, f := w.ta, w.f
	mine, _, _ := ta.caseWithFile(t, f) // its party is usccs[4], the world's enterprise
	notMine := ta.decidedCaseOf(t, f, usccs[3], "另一个当事人有限公司")
	if r := ta.do("POST", "/v1/cases/"+notMine+"/documents", map[string]any{"kind": "penalty_decision", "fields": map[string]string{"evidence": "照片", "payment": "十五日内"}}, f.officerTok); r.Status != 201 {
		t.Fatalf("document: %d %s", r.Status, r.Body)
	}
	mineNumber := ta.do("GET", "/v1/cases/"+mine, nil, f.adminTok).str("number")
	otherNumber := ta.do("GET", "/v1/cases/"+notMine, nil, f.adminTok).str("number")

	// The list says which documents the party may download: the decided case with its
	// decision issued names it; a case without documents names none.
	docs := map[string]string{}
	for _, it := range ta.do("GET", "/v1/enterprise/cases", nil, w.entTo).JSON["items"].([]any) {
		c := it.(map[string]any)
		b, _ := json.Marshal(c["documents"])
		docs[c["id"].(string)] = string(b)
	}
	if !strings.Contains(docs[mine], "penalty_decision") || docs[w.caseID] != "[]" {
		t.Fatalf("the documents the list names: %v", docs)
	}

	page := ta.do("GET", "/v1/enterprise/cases/"+mine+"/decision", nil, w.entTo)
	if page.Status != 200 || !strings.Contains(string(page.Body), "行政处罚决定书") || !strings.Contains(string(page.Body), "人民币玖万元整") {
		t.Fatalf("decision: %d %.300s", page.Status, page.Body)
	}
	zipped := ta.do("GET", "/v1/enterprise/decisions.zip", nil, w.entTo)
	if zipped.Status != 200 || zipped.Header.Get("Content-Type") != "application/zip" {
		t.Fatalf("decisions.zip: %d %.300s", zipped.Status, zipped.Body)
	}
	names, files := members(t, zipped.Body)
	var manifest struct {
		USCC  string `json:"uscc"`
		Files []struct {
			Name   string `json:"name"`
			SHA256 string `json:"sha256"`
		} `json:"files"`
	}
	if err := json.Unmarshal(files["manifest.json"], &manifest); err != nil || manifest.USCC != usccs[4] || len(manifest.Files) != 1 {
		t.Fatalf("manifest: %v %s", err, files["manifest.json"])
	}
	got := files[manifest.Files[0].Name]
	sum := sha256.Sum256(got)
	if !strings.Contains(manifest.Files[0].Name, mineNumber) || hex.EncodeToString(sum[:]) != manifest.Files[0].SHA256 || !bytes.Contains(got, []byte("行政处罚决定书")) {
		t.Fatalf("decisions.zip holds %v", names)
	}
	// Verified offline as a case file is: intact with the server's keys, consistent without.
	keys, err := casefile.KeysOfJWKS(ta.do("GET", "/.well-known/jwks.json", nil, "").Body)
	if err != nil {
		t.Fatal(err)
	}
	if rep := verify(t, zipped.Body, keys); !rep.Intact() || rep.Format != casefile.DecisionsFormat || rep.USCC != usccs[4] || rep.Files != 1 {
		t.Fatalf("decisions.zip does not verify: %+v", rep)
	}
	if rep := verify(t, zipped.Body, nil); rep.Intact() || !rep.Consistent() {
		t.Fatalf("decisions.zip without keys: %+v", rep)
	}
	forged := rezip(t, names, files, true, func(m map[string][]byte) {
		m[manifest.Files[0].Name] = bytes.Replace(m[manifest.Files[0].Name], []byte("人民币玖万元整"), []byte("人民币玖佰元整"), 1)
	})
	if rep := verify(t, forged, keys); rep.Consistent() || !strings.Contains(strings.Join(rep.Problems, "\n"), "it does not verify with key") {
		t.Fatalf("a decision rewritten with its manifest: %v", rep.Problems)
	}
	if bytes.Contains(zipped.Body, []byte(otherNumber)) || strings.Contains(strings.Join(names, ","), otherNumber) {
		t.Fatalf("another party's decision is in the file: %v", names)
	}

	other := w.otherEnterprise(t)
	for _, c := range []struct {
		name, url, tok string
		status         int
	}{
		{"another party's case", "/v1/enterprise/cases/" + notMine + "/decision", w.entTo, 404},
		{"another enterprise", "/v1/enterprise/cases/" + mine + "/decision", other, 404},
		{"another enterprise, the notice", "/v1/enterprise/cases/" + mine + "/decision?kind=credit_repair_notice", other, 404},
		{"a case not decided", "/v1/enterprise/cases/" + w.caseID + "/decision", w.entTo, 404},
		{"no such case", "/v1/enterprise/cases/no-such-case/decision", w.entTo, 404},
		{"not a decision's document", "/v1/enterprise/cases/" + mine + "/decision?kind=inquiry_record", w.entTo, 400},
		{"the agency's admin", "/v1/enterprise/cases/" + mine + "/decision", f.adminTok, 403},
		{"a supervisor", "/v1/enterprise/decisions.zip", w.here, 403},
	} {
		if r := ta.do("GET", c.url, nil, c.tok); r.Status != c.status || bytes.Contains(r.Body, []byte("行政处罚决定书")) {
			t.Errorf("%s: %d, want %d: %.200s", c.name, r.Status, c.status, r.Body)
		}
	}
	empty := ta.do("GET", "/v1/enterprise/decisions.zip", nil, other)
	if names, _ := members(t, empty.Body); empty.Status != 200 || len(names) != 2 || bytes.Contains(empty.Body, []byte(mineNumber)) {
		t.Errorf("another enterprise's decisions: %d %v", empty.Status, names)
	}
}

// decidedCaseOf is decidedFine against the organisation uscc, name.
func (ta *testApp) decidedCaseOf(t *testing.T, f caseAgency, uscc, name string) string {
	t.Helper()
	r := ta.do("POST", "/v1/cases", map[string]any{"matter_id": f.matterID, "facts": "销售过期食品",
		"party": map[string]any{"kind": "organisation", "name": name, "uscc": uscc, "address": "青山区红卫路2号", "legal_representative": "孙七"}}, f.officerTok)
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
