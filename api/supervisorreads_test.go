package api_test

import (
	"bytes"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/gofiber/fiber/v2"
)

// regionFiles is a district with an enforcement agency, its files (a case with a complete photo
// and a document, an inspection with evidence, a training record) and a supervisory body.
type regionFiles struct {
	f                      caseAgency
	sup, supID             string // the body's supervisor: token, user id
	bodyID, bodyName       string
	caseID, docID, photoID string
	photo                  []byte
	inspectionID, inspEvID string
	party, enterprise      string // the names the case's party and the inspected enterprise go by
	card                   string // the case's supervision card
	entID, entUser, entTok string // the party, registered and activated: its id, user and token
}

// newRegionFiles builds the agency n of district, moved there when the fixture's 青山区 is not
// it, with its files and a supervisory body of the district.
func (ta *testApp) newRegionFiles(t *testing.T, n int, district, bodyName, bodyUSCC, party, partyUSCC, enterprise string) *regionFiles {
	t.Helper()
	w := &regionFiles{f: ta.newCaseAgency(t, n), bodyName: bodyName, party: party, enterprise: enterprise}
	w.sup = ta.supervisoryBody(t, bodyName, bodyUSCC, district, fmt.Sprintf("sup-%d", n))
	me := ta.do("GET", "/v1/me", nil, w.sup)
	w.supID, w.bodyID = me.str("id"), me.str("agency_id")
	region := ta.do("GET", "/v1/agencies/"+w.bodyID, nil, ta.sysTok).str("jurisdiction_id")
	if agency := ta.do("GET", "/v1/agencies/"+w.f.id, nil, ta.sysTok); agency.str("jurisdiction_id") != region {
		if r := ta.do("PATCH", "/v1/agencies/"+w.f.id, map[string]any{"jurisdiction_id": region}, ta.sysTok, "If-Match", agency.Header.Get("ETag")); r.Status != 200 {
			t.Fatalf("move the agency to %s: %d %s", district, r.Status, r.Body)
		}
	}
	f := w.f
	r := ta.do("POST", "/v1/cases", map[string]any{"matter_id": f.matterID, "facts": "销售过期食品", "violation_on": "2026-01-15",
		"party": map[string]any{"kind": "organisation", "name": party, "uscc": partyUSCC, "phone": "13600001111", "address": district + "某路1号"}}, f.officerTok)
	if r.Status != 201 {
		t.Fatalf("open the case: %d %s", r.Status, r.Body)
	}
	w.caseID = r.str("id")
	ta.act(t, f, w.caseID, map[string]any{"action": "register", "officer_ids": f.officers})
	ta.act(t, f, w.caseID, map[string]any{"action": "start_investigation", "officer_ids": f.officers})
	w.photo = photo(t, 64, 48)
	ev := ta.do("POST", "/v1/cases/"+w.caseID+"/evidence", evidenceBody(f, "photo", "image/png", w.photo), f.officerTok)
	w.photoID = ev.JSON["evidence"].(map[string]any)["id"].(string)
	if put := ta.do("PUT", "/v1/evidence/"+w.photoID+"/content", w.photo, f.officerTok, "Content-Type", "application/octet-stream"); put.Status != 200 || put.str("status") != "complete" {
		t.Fatalf("the photo's bytes: %d %s", put.Status, put.Body)
	}
	doc := ta.do("POST", "/v1/cases/"+w.caseID+"/documents", map[string]any{"kind": "inspection_record",
		"fields": map[string]string{"time": "2026-01-16 09:00", "place": district + "某路1号", "findings": "货架上有过期食品"}}, f.officerTok)
	if doc.Status != 201 {
		t.Fatalf("the document: %d %s", doc.Status, doc.Body)
	}
	w.docID = doc.str("id")
	w.inspectionID = ta.mustCreate("/v1/inspections", map[string]any{"matter_id": f.matterID, "enterprise_uscc": partyUSCC, "enterprise_name": enterprise,
		"planned_on": todayInChina(), "officer_ids": f.officers}, f.officerTok)
	for _, tok := range []string{f.officerTok, f.officer2Tok} {
		if r := ta.do("POST", "/v1/inspections/"+w.inspectionID+"/check-ins", map[string]any{"lat": 30.5, "lng": 114.3}, tok); r.Status != 200 {
			t.Fatalf("check in: %d %s", r.Status, r.Body)
		}
	}
	if r := ta.do("POST", "/v1/inspections/"+w.inspectionID+"/result", map[string]any{"outcome": "compliant", "notes": "检查记录标记"}, f.officerTok); r.Status != 200 {
		t.Fatalf("result: %d %s", r.Status, r.Body)
	}
	ie := ta.do("POST", "/v1/inspections/"+w.inspectionID+"/evidence", evidenceBody(f, "document", "application/pdf", []byte("%PDF-1.4 检查笔录")), f.officerTok)
	if ie.Status != 201 {
		t.Fatalf("inspection evidence: %d %s", ie.Status, ie.Body)
	}
	w.inspEvID = ie.JSON["evidence"].(map[string]any)["id"].(string)
	if r := ta.do("POST", "/v1/officers/"+f.officerID+"/training", map[string]any{"topic": "行政处罚法专题", "hours": 6, "date": todayInChina()}, f.adminTok); r.Status != 201 {
		t.Fatalf("training: %d %s", r.Status, r.Body)
	}
	if w.card = ta.do("POST", "/v1/cards", map[string]any{"case_id": w.caseID}, f.officerTok).str("code"); w.card == "" {
		t.Fatal("no card for the case")
	}
	// The party registers in the district's app, and its supervisor activates it.
	reg := ta.do("POST", "/v1/enterprises/register", map[string]any{"uscc": partyUSCC, "name": party, "legal_representative": "王法人",
		"contact_name": "联系人" + district, "contact_phone": "13700001111", "jurisdiction_id": region, "password": testPassword}, "")
	if reg.Status != 201 {
		t.Fatalf("register: %d %s", reg.Status, reg.Body)
	}
	w.entID = reg.str("id")
	if r := ta.do("POST", "/v1/enterprises/"+w.entID+"/activate", map[string]any{"reason": "营业执照已核验"}, w.sup); r.Status != 200 {
		t.Fatalf("activate: %d %s", r.Status, r.Body)
	}
	w.entTok = ta.login(partyUSCC, testPassword)
	w.entUser = ta.do("GET", "/v1/me", nil, w.entTok).str("id")
	return w
}

// ids are every id the region's files and people have.
func (w *regionFiles) ids() []string {
	f := w.f
	return []string{f.id, f.adminID, f.officerID, f.officer2ID, f.reviewerID, f.matterID, f.benchmarkID, w.supID, w.bodyID,
		w.caseID, w.docID, w.photoID, w.inspectionID, w.inspEvID, w.entID, w.entUser}
}

// TestSupervisorsReadTheirRegionAndNothingElse: the supervisor of a district's body reads,
// read only, the case file (the case as the agency sees it, its events, audit, documents and
// their print pages, its evidence, bytes with Range and thumbnails), the inspections and the
// training standing of the agency its district covers; every file opened is logged with its
// body for the agency, lists are not logged row by row; no write on those resources is open to
// it. Then every GET route of the route table, with every id of the other district, as every
// role of a district (the agency's admin, who is its head, an officer, the reviewer, the
// supervisor, an enterprise), shows nothing of the other district.
func TestSupervisorsReadTheirRegionAndNothingElse(t *testing.T) {
	ta := newTestApp(t)
	// The other district first: its agency moves there before any body of 青山区 exists, so
	// nobody here is told of it.
	far := ta.newRegionFiles(t, 1, "红山区", "红山区司法局", usccOf(t, "11370402MB000012"+"0"), "红山区某某商行", usccs[2], "红山区某某商行（检查）")
	here := ta.newRegionFiles(t, 0, "青山区", "青山区司法局", usccOf(t, "11370402MB000011"+"0"), "青山区某某食品有限公司", usccs[4], "青山区某某食品有限公司（检查）")
	f, entTok := here.f, here.entTok

	reads := func(tok, query string) response {
		t.Helper()
		r := ta.do("GET", "/v1/supervision/reads"+query, nil, tok)
		if r.Status != 200 {
			t.Fatalf("supervision reads%s: %d %s", query, r.Status, r.Body)
		}
		return r
	}
	items := func(r response) []any { return r.JSON["items"].([]any) }
	if n := len(items(reads(f.adminTok, ""))); n != 0 {
		t.Fatalf("reads before any: %d", n)
	}

	t.Run("the supervisor reads the files of its district", func(t *testing.T) {
		sup, c := here.sup, "/v1/cases/"+here.caseID
		must := func(path string, status int, contains ...string) response {
			t.Helper()
			r := ta.do("GET", path, nil, sup)
			if r.Status != status {
				t.Fatalf("GET %s: %d, want %d: %.400s", path, r.Status, status, r.Body)
			}
			for _, s := range contains {
				if !strings.Contains(string(r.Body), s) {
					t.Errorf("GET %s lacks %q: %.400s", path, s, r.Body)
				}
			}
			return r
		}
		// The lists: one agency at a time, and not logged.
		must("/v1/cases?agency_id="+f.id, 200, here.caseID, here.party)
		must("/v1/cases", 400, "agency_id")
		must("/v1/inspections?agency_id="+f.id, 200, here.inspectionID, here.enterprise)
		must("/v1/inspections", 400, "agency_id")
		must("/v1/training/shortfall?agency_id="+f.id, 200, f.officerID)
		must("/v1/training/shortfall", 400, "agency_id")
		must("/v1/officers/"+f.officerID+"/training", 200, "行政处罚法专题")
		must("/v1/evidence/"+here.photoID+"/thumbnail", 200)
		if n := len(items(reads(f.adminTok, ""))); n != 0 {
			t.Fatalf("lists and thumbnails were logged as opened files: %d", n)
		}
		// The file, the party as the agency sees it.
		must(c, 200, here.party, usccs[4], "13600001111", "青山区某路1号")
		must(c+"/events", 200, `"action":"register"`)
		must(c+"/audit", 200, `"intact":true`)
		must(c+"/documents", 200, here.docID)
		must(c+"/documents/"+here.docID, 200, "货架上有过期食品")
		must(c+"/documents/"+here.docID+"/print", 200, "现场检查笔录", here.party)
		must(c+"/evidence", 200, here.photoID)
		must("/v1/evidence/"+here.photoID, 200, `"status":"complete"`)
		if r := must("/v1/evidence/"+here.photoID+"/content", 200); !bytes.Equal(r.Body, here.photo) {
			t.Fatal("the photo's bytes differ")
		}
		if r := ta.do("GET", "/v1/evidence/"+here.photoID+"/content", nil, sup, "Range", "bytes=5-9"); r.Status != 206 || !bytes.Equal(r.Body, here.photo[5:10]) {
			t.Fatalf("a range: %d", r.Status)
		}
		must("/v1/evidence/"+here.inspEvID, 200, here.inspectionID)
		must("/v1/inspections/"+here.inspectionID, 200, "检查记录标记", `"check_ins":[{`, `"outcome":"compliant"`)
		must("/v1/evidence/"+here.photoID+"/access-log", 200, `"body_id":"`+here.bodyID+`"`, `"body_name":"青山区司法局"`, `"what":"thumbnail"`)

		// The other district's supervisor reads none of it; this one none of the other's.
		for _, path := range []string{c, c + "/events", c + "/documents/" + here.docID + "/print", "/v1/evidence/" + here.photoID + "/content",
			"/v1/inspections/" + here.inspectionID, "/v1/officers/" + f.officerID + "/training", "/v1/cases?agency_id=" + f.id,
			"/v1/inspections?agency_id=" + f.id, "/v1/training/shortfall?agency_id=" + f.id} {
			if r := ta.do("GET", path, nil, far.sup); r.Status != 404 {
				t.Errorf("the other district's supervisor: GET %s -> %d %.200s", path, r.Status, r.Body)
			}
		}
	})

	t.Run("the agency sees that its supervisors looked", func(t *testing.T) {
		r := reads(f.adminTok, "")
		var whats []string
		for _, it := range items(r) {
			m := it.(map[string]any)
			if m["user_id"] != here.supID || m["body_id"] != here.bodyID || m["body_name"] != "青山区司法局" || m["user_name"] != "监督员" || m["agency_id"] != f.id {
				t.Errorf("an entry: %v", m)
			}
			whats = append(whats, m["what"].(string))
		}
		// The content read from its first byte opens the evidence; the range from byte 5 does not.
		want := []string{"case", "events", "audit", "documents", "document", "print", "evidence_list", "evidence", "evidence_content", "evidence", "inspection"}
		if !slices.Equal(whats, want) {
			t.Fatalf("the reads logged: %v, want %v", whats, want)
		}
		if got := reads(f.adminTok, "?case_id="+here.caseID); len(items(got)) != 9 {
			t.Errorf("the case's reads: %s", got.Body)
		}
		paged, cursor := 0, ""
		for {
			got := reads(f.adminTok, "?limit=4&cursor="+cursor)
			paged += len(items(got))
			if cursor = got.str("next_cursor"); cursor == "" {
				break
			}
		}
		if paged != len(want) {
			t.Errorf("pages of 4 gave %d reads, want %d", paged, len(want))
		}
		// The supervisor sees its body's; the sysadmin any agency's.
		if got := reads(here.sup, "?agency_id="+f.id); len(items(got)) != len(want) {
			t.Errorf("the supervisor's: %s", got.Body)
		}
		if got := reads(ta.sysTok, "?agency_id="+f.id); len(items(got)) != len(want) {
			t.Errorf("the sysadmin's: %s", got.Body)
		}
		// The other district's agency and body see none; out of scope answers 404; the agency's
		// other people and the enterprise are refused.
		for name, tok := range map[string]string{"the other agency's admin": far.f.adminTok, "the other body's supervisor": far.sup} {
			if got := reads(tok, ""); len(items(got)) != 0 {
				t.Errorf("%s reads: %s", name, got.Body)
			}
			if r := ta.do("GET", "/v1/supervision/reads?agency_id="+f.id, nil, tok); r.Status != 404 {
				t.Errorf("%s names the agency: %d %s", name, r.Status, r.Body)
			}
		}
		for name, tok := range map[string]string{"officer": f.officerTok, "reviewer": f.reviewerTok, "enterprise": entTok} {
			if r := ta.do("GET", "/v1/supervision/reads", nil, tok); r.Status != 403 {
				t.Errorf("the %s: %d %s", name, r.Status, r.Body)
			}
		}
		// The evidence's own access log names the body of the supervisor's reads only.
		log := ta.do("GET", "/v1/evidence/"+here.photoID+"/content", nil, f.officerTok)
		if log.Status != 200 {
			t.Fatalf("the officer's read: %d", log.Status)
		}
		if got := reads(f.adminTok, ""); len(items(got)) != len(want) {
			t.Errorf("the agency's own read was logged as a supervisor's: %s", got.Body)
		}
		al := ta.do("GET", "/v1/evidence/"+here.photoID+"/access-log", nil, f.adminTok)
		for _, it := range al.JSON["items"].([]any) {
			m := it.(map[string]any)
			if (m["user_id"] == here.supID) != (m["body_id"] == here.bodyID) {
				t.Errorf("an access-log entry: %v", m)
			}
		}
	})

	t.Run("no write is open to the supervisor", func(t *testing.T) {
		before := ta.do("GET", "/v1/cases/"+here.caseID, nil, f.adminTok)
		inspBefore := ta.do("GET", "/v1/inspections/"+here.inspectionID, nil, f.adminTok)
		// Bodies a member of the agency could send, so that each is refused for who sends it.
		bodies := map[string]any{
			"POST /v1/cases":                                  map[string]any{"matter_id": f.matterID, "party": map[string]any{"kind": "organisation", "name": "某公司", "uscc": usccs[4]}},
			"POST /v1/cases/:id/transitions":                  map[string]any{"action": "close", "reason": "监督员结案"},
			"POST /v1/cases/:id/documents":                    map[string]any{"kind": "inspection_record", "fields": map[string]string{"time": "1", "place": "2", "findings": "3"}},
			"POST /v1/cases/:id/documents/:doc_id/print-link": nil,
			"POST /v1/cases/:id/evidence":                     evidenceBody(f, "document", "application/pdf", []byte("x")),
			"POST /v1/inspections":                            map[string]any{"matter_id": f.matterID, "enterprise_uscc": usccs[4], "enterprise_name": "某", "planned_on": todayInChina(), "officer_ids": f.officers},
			"POST /v1/inspections/:id/check-ins":              map[string]any{"lat": 30.5, "lng": 114.3},
			"POST /v1/inspections/:id/result":                 map[string]any{"outcome": "compliant"},
			"POST /v1/inspections/:id/evidence":               evidenceBody(f, "document", "application/pdf", []byte("x")),
			"PUT /v1/evidence/:id/content":                    []byte("x"),
			"POST /v1/officers/:id/training":                  map[string]any{"topic": "x", "hours": 2, "date": todayInChina()},
			"PUT /v1/officers/:id/certificate":                map[string]any{"number": "420100009999", "issued_on": "2025-01-01", "expires_on": "2030-12-31"},
			"PATCH /v1/officers/:id":                          map[string]any{"name": "改名"},
		}
		ids := map[string][]string{"id": {here.caseID, here.photoID, here.inspEvID, here.inspectionID, f.officerID}, "doc_id": {here.docID}}
		tried := 0
		for _, rt := range ta.app.GetRoutes(true) {
			if rt.Method == fiber.MethodGet || rt.Method == fiber.MethodHead || rt.Method == fiber.MethodOptions {
				continue
			}
			if !slices.ContainsFunc([]string{"/v1/cases", "/v1/evidence", "/v1/inspections", "/v1/officers", "/v1/training", "/v1/uploads"}, func(p string) bool { return strings.HasPrefix(rt.Path, p) }) {
				continue
			}
			if strings.HasSuffix(rt.Path, "/play-link") {
				continue // a read asked for by POST: it changes nothing (TestPlayLinksOpenOnlyTheirEvidence)
			}
			body, known := bodies[rt.Method+" "+rt.Path]
			if !known {
				body = map[string]any{}
			}
			for _, path := range fill(rt.Path, ids) {
				r := ta.do(rt.Method, path, body, here.sup, "Idempotency-Key", "supervisor-"+path, "Tus-Resumable", "1.0.0")
				tried++
				if r.Status < 400 || known && r.Status != 403 && r.Status != 404 {
					t.Errorf("the supervisor: %s %s -> %d %.200s", rt.Method, path, r.Status, r.Body)
				}
			}
		}
		after := ta.do("GET", "/v1/cases/"+here.caseID, nil, f.adminTok)
		if after.JSON["version"] != before.JSON["version"] || after.JSON["event_count"] != before.JSON["event_count"] {
			t.Errorf("the case changed: %s -> %s", before.Body, after.Body)
		}
		if got := ta.do("GET", "/v1/inspections/"+here.inspectionID, nil, f.adminTok); got.JSON["version"] != inspBefore.JSON["version"] {
			t.Errorf("the inspection changed: %s", got.Body)
		}
		if tr := ta.do("GET", "/v1/officers/"+f.officerID+"/training", nil, f.adminTok); len(tr.JSON["records"].([]any)) != 1 {
			t.Errorf("training was added: %s", tr.Body)
		}
		t.Logf("%d writes refused", tried)
	})

	t.Run("no GET route shows the other district", func(t *testing.T) {
		markers := append(far.ids(), far.party, far.enterprise, far.bodyName, "区市场监督管理局B", far.f.certNo, "红山区某路1号", "联系人红山区", far.card)
		values := map[string][]string{"id": far.ids(), "doc_id": {far.docID}, "case_id": {far.caseID}, "cert_no": {far.f.certNo},
			"code": {far.card}, "token": {"x"}, "name": {"x"}, "uscc": {usccs[2]}}
		keep := func(p string) bool {
			return strings.HasPrefix(p, "/v1/") && !strings.HasPrefix(p, "/v1/public/") && p != "/v1/notifications/stream" && !strings.HasPrefix(p, "/v1/print/")
		}
		var urls []string
		for _, p := range ta.getPaths(values, keep) {
			urls = append(urls, p, p+"?agency_id="+far.f.id)
			if !strings.Contains(p, "?") && strings.Count(p, "/") <= 3 {
				urls = append(urls, p+"?agency_id="+far.f.id+"&case_id="+far.caseID+"&enterprise="+usccs[2])
			}
		}
		roles := map[string]string{"agency admin (the head)": f.adminTok, "officer": f.officerTok, "reviewer": f.reviewerTok, "supervisor": here.sup, "enterprise": entTok}
		for name, tok := range roles {
			for _, u := range urls {
				r := ta.do("GET", u, nil, tok)
				body := string(r.Body)
				for _, m := range markers {
					if !strings.Contains(body, m) {
						continue
					}
					if r.Status < 300 || !strings.Contains(u, url.PathEscape(m)) {
						t.Errorf("%s: GET %s -> %d shows %q: %.300s", name, u, r.Status, m, body)
					}
				}
				path, query, _ := strings.Cut(u, "?")
				if r.Status < 300 && slices.ContainsFunc(far.ids(), func(id string) bool { return strings.Contains(path, id) }) {
					t.Errorf("%s: GET %s -> %d with the other district's id in the path", name, u, r.Status)
				}
				// Existence does not leak: the other district's object answers as no object.
				if r.Status == 404 && tok == here.sup {
					none := path
					for _, id := range far.ids() {
						none = strings.ReplaceAll(none, id, "000000000000000000000000")
					}
					if none != path {
						if q := ta.do("GET", none+"?"+query, nil, tok); q.Status != 404 || q.str("detail") != r.str("detail") {
							t.Errorf("GET %s -> 404 %q, but no object -> %d %q", u, r.str("detail"), q.Status, q.str("detail"))
						}
					}
				}
			}
		}
		// The other way round, as the other district's supervisor.
		for _, p := range ta.getPaths(map[string][]string{"id": here.ids(), "doc_id": {here.docID}, "case_id": {here.caseID}, "cert_no": {f.certNo},
			"code": {here.card}, "token": {"x"}, "name": {"x"}, "uscc": {usccs[4]}}, keep) {
			r := ta.do("GET", p, nil, far.sup)
			for _, m := range []string{here.party, here.enterprise, here.caseID, here.docID, here.photoID, here.inspectionID, here.entID, here.card, "区市场监督管理局A", "检查记录标记", "联系人青山区"} {
				if strings.Contains(string(r.Body), m) && (r.Status < 300 || !strings.Contains(p, m)) {
					t.Errorf("the other district's supervisor: GET %s -> %d shows %q: %.300s", p, r.Status, m, r.Body)
				}
			}
		}
		t.Logf("%d GET paths as %d roles", len(urls), len(roles))
	})

	t.Run("the supervisor downloads the case file", func(t *testing.T) {
		before := len(items(reads(f.adminTok, "?case_id="+here.caseID)))
		r := ta.do("GET", "/v1/cases/"+here.caseID+"/file.zip", nil, here.sup)
		if r.Status != 200 || r.Header.Get("Content-Type") != "application/zip" || len(r.Body) < 1000 {
			t.Fatalf("the supervisor's case file: %d %s", r.Status, r.Header.Get("Content-Type"))
		}
		got := items(reads(f.adminTok, "?case_id="+here.caseID))
		if len(got) != before+1 || got[len(got)-1].(map[string]any)["what"] != "case_file" {
			t.Fatalf("the download is not in the agency's log of reads: %v", got)
		}
		if log := ta.do("GET", "/v1/evidence/"+here.photoID+"/access-log?limit=200", nil, f.adminTok); !strings.Contains(string(log.Body), `"what":"case_file","from":0`) ||
			!strings.Contains(string(log.Body), `"body_name":"青山区司法局"`) {
			t.Fatalf("the evidence's access log: %s", log.Body)
		}
		if r := ta.do("GET", "/v1/cases/"+here.caseID+"/file.zip", nil, far.sup); r.Status != 404 {
			t.Fatalf("the other district's supervisor: %d", r.Status)
		}
		// Who in the body read, and from where: its own supervisors see it; the agency's admin
		// sees who but not the address; its officers see only the body.
		logAs := func(tok string) string {
			return string(ta.do("GET", "/v1/evidence/"+here.photoID+"/access-log?limit=200", nil, tok).Body)
		}
		if got := logAs(here.sup); !strings.Contains(got, `"user_id":"`+here.supID+`"`) || !strings.Contains(got, `"address":`) {
			t.Fatalf("the body's own supervisor: %s", got)
		}
		if got := logAs(f.adminTok); !strings.Contains(got, `"user_id":"`+here.supID+`"`) || strings.Contains(got, `"body_name":"青山区司法局","address"`) || strings.Count(got, `"address"`) >= strings.Count(got, `"what"`) {
			t.Fatalf("the agency's admin: %s", got)
		}
		if got := logAs(f.officerTok); strings.Contains(got, here.supID) || !strings.Contains(got, "青山区司法局") {
			t.Fatalf("the agency's officer: %s", got)
		}
	})
}
