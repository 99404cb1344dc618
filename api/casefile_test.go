package api_test

import (
	"archive/zip"
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/zhifa/zhifa/casefile"
)

// caseWithFile is a decided case with a piece of evidence (its bytes sent and recorded in the
// chain) and an issued penalty decision; it returns the case's id, the evidence's id and bytes.
func (ta *testApp) caseWithFile(t *testing.T, f caseAgency) (string, string, []byte) {
	t.Helper()
	r := ta.do("POST", "/v1/cases", map[string]any{"matter_id": f.matterID, "facts": "销售过期食品",
		"party": map[string]any{"kind": "organisation", "name": "某某食品有限公司", "uscc": usccs[4], "address": "青山区红卫路1号", "legal_representative": "王五"}}, f.officerTok)
	id := r.str("id")
	ta.act(t, f, id, map[string]any{"action": "register", "officer_ids": f.officers})
	ta.act(t, f, id, map[string]any{"action": "start_investigation", "officer_ids": f.officers})
	content := []byte("%PDF-1.4 现场检查笔录的扫描件 " + strings.Repeat("证据", 5000))
	evID := ta.addEvidence(t, f, id, content)
	if put := ta.do("PUT", "/v1/evidence/"+evID+"/content", content, f.officerTok, "Content-Type", "application/octet-stream"); put.Status != 200 {
		t.Fatalf("content: %d %s", put.Status, put.Body)
	}
	ta.act(t, f, id, map[string]any{"action": "record", "officer_ids": f.officers, "evidence_ids": []string{evID}})
	ta.act(t, f, id, map[string]any{"action": "notify", "officer_ids": f.officers, "notice": notice(90000, "fine")})
	ta.act(t, f, id, map[string]any{"action": "waive"})
	ta.actAs(t, f.adminTok, id, map[string]any{"action": "decide", "decision": decision(90000, "normal", "fine")}, 200)
	if r := ta.do("POST", "/v1/cases/"+id+"/documents", map[string]any{"kind": "penalty_decision", "fields": map[string]string{"evidence": "照片", "payment": "十五日内"}}, f.officerTok); r.Status != 201 {
		t.Fatalf("document: %d %s", r.Status, r.Body)
	}
	return id, evID, content
}

// members are a ZIP's members by name, in order.
func members(t *testing.T, b []byte) ([]string, map[string][]byte) {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatalf("zip: %v", err)
	}
	var names []string
	out := map[string][]byte{}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		out[f.Name], _ = io.ReadAll(rc)
		rc.Close()
		names = append(names, f.Name)
	}
	return names, out
}

// rezip writes the members again, changed by change; with reseal the manifest's hashes are
// recomputed, as a forger who knows the format would.
func rezip(t *testing.T, names []string, files map[string][]byte, reseal bool, change func(map[string][]byte)) []byte {
	t.Helper()
	files = copyMap(files)
	change(files)
	if reseal {
		var m map[string]any
		_ = json.Unmarshal(files[casefile.ManifestName], &m)
		for _, f := range m["files"].([]any) {
			f := f.(map[string]any)
			sum := sha256.Sum256(files[f["name"].(string)])
			f["sha256"], f["size"] = hex.EncodeToString(sum[:]), len(files[f["name"].(string)])
		}
		files[casefile.ManifestName], _ = json.Marshal(m)
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	seen := map[string]bool{}
	for _, n := range names {
		if b, ok := files[n]; ok {
			w, _ := zw.Create(n)
			_, _ = w.Write(b)
			seen[n] = true
		}
	}
	for n, b := range files {
		if !seen[n] {
			w, _ := zw.Create(n)
			_, _ = w.Write(b)
		}
	}
	_ = zw.Close()
	return buf.Bytes()
}

func copyMap(m map[string][]byte) map[string][]byte {
	out := map[string][]byte{}
	for k, v := range m {
		out[k] = bytes.Clone(v)
	}
	return out
}

func verify(t *testing.T, b []byte, keys map[string]ed25519.PublicKey) casefile.Report {
	t.Helper()
	rep, err := casefile.Verify(bytes.NewReader(b), int64(len(b)), keys)
	if err != nil {
		t.Fatalf("verify: %v", err)
	}
	return rep
}

// TestTheCaseFileDownloadsWholeAndVerifiesOffline: GET /v1/cases/{id}/file.zip holds the case,
// its events, its documents and their printed pages, the evidence's bytes as sent, and a manifest
// whose chain head is the case's; casefile.Verify (zhifa verify-file) finds it intact, and finds
// every kind of tampering: a changed evidence, with or without the manifest resealed, a rewritten
// event, a changed document, a member removed or slipped in. The evidence's access log names the
// case file. Another agency's people, another district's supervisor and the party enterprise get
// 404.
func TestTheCaseFileDownloadsWholeAndVerifiesOffline(t *testing.T) {
	w := newFeedbackWorld(t)
	ta, f := w.ta, w.f
	other := ta.newCaseAgency(t, 1)
	id, evID, content := ta.caseWithFile(t, f)

	r := ta.do("GET", "/v1/cases/"+id+"/file.zip", nil, f.officerTok)
	if r.Status != 200 || r.Header.Get("Content-Type") != "application/zip" {
		t.Fatalf("file.zip: %d %s %.300s", r.Status, r.Header, r.Body)
	}
	names, files := members(t, r.Body)
	if len(names) < 2 || names[len(names)-2] != casefile.ManifestName || names[len(names)-1] != casefile.SignatureName {
		t.Fatalf("the manifest and its signature are not last: %v", names)
	}
	jwks := ta.do("GET", "/.well-known/jwks.json", nil, "")
	keys, err := casefile.KeysOfJWKS(jwks.Body)
	if err != nil {
		t.Fatal(err)
	}
	rep := verify(t, r.Body, keys)
	if !rep.Intact() {
		t.Fatalf("a fresh file does not verify: %v", rep.Problems)
	}
	if kid := jwks.JSON["keys"].([]any)[0].(map[string]any)["kid"]; rep.SignedBy != kid {
		t.Fatalf("signed by %q, the JWKS's key is %v", rep.SignedBy, kid)
	}
	if rep := verify(t, r.Body, nil); rep.Intact() || !rep.Consistent() || rep.SignedBy != "" || len(rep.Unproven) == 0 {
		t.Fatalf("without keys, consistent but not intact: %v %q %v", rep.Problems, rep.SignedBy, rep.Unproven)
	}
	cs := ta.do("GET", "/v1/cases/"+id, nil, f.officerTok)
	if rep.ChainHead != cs.str("last_hash") || rep.Events != int(cs.JSON["event_count"].(float64)) || rep.Events < 8 {
		t.Fatalf("chain head %s of %d events; the case says %s of %v", rep.ChainHead, rep.Events, cs.str("last_hash"), cs.JSON["event_count"])
	}
	var page, evidence []byte
	for name, b := range files {
		if strings.HasPrefix(name, "documents/penalty_decision-") && strings.HasSuffix(name, ".html") {
			page = b
		}
		if strings.HasPrefix(name, "evidence/"+evID) {
			evidence = b
		}
	}
	if !bytes.Contains(page, []byte("行政处罚决定书")) || !bytes.Contains(page, []byte("人民币玖万元整")) {
		t.Fatalf("the printed decision is not in the file: %v", names)
	}
	if !bytes.Equal(evidence, content) {
		t.Fatalf("the evidence's bytes are not the ones sent (%d bytes, want %d): %v", len(evidence), len(content), names)
	}
	for _, name := range []string{casefile.CaseName, casefile.EventsName, casefile.DocumentsName, casefile.EvidenceName} {
		if len(files[name]) == 0 {
			t.Errorf("no %s", name)
		}
	}
	if log := ta.do("GET", "/v1/evidence/"+evID+"/access-log", nil, f.adminTok); !strings.Contains(string(log.Body), `"what":"case_file"`) {
		t.Errorf("the access log does not name the case file: %s", log.Body)
	}

	evidenceName := ""
	for _, n := range names {
		if strings.HasPrefix(n, "evidence/") {
			evidenceName = n
		}
	}
	for _, c := range []struct {
		name   string
		reseal bool
		change func(map[string][]byte)
		want   string
	}{
		{"evidence changed", false, func(m map[string][]byte) { m[evidenceName][10] ^= 1 }, "does not match the manifest"},
		{"evidence changed, manifest resealed", true, func(m map[string][]byte) { m[evidenceName][10] ^= 1 }, "the record committed to"},
		{"an event rewritten, manifest resealed", true, func(m map[string][]byte) {
			m[casefile.EventsName] = bytes.Replace(m[casefile.EventsName], []byte(`"action": "waive"`), []byte(`"action": "record_statement"`), 1)
		}, "the event chain breaks"},
		{"a document changed, manifest resealed", true, func(m map[string][]byte) {
			m[casefile.DocumentsName] = bytes.Replace(m[casefile.DocumentsName], []byte("十五日内"), []byte("三十日内"), 1)
		}, "its content hashes to"},
		{"a page removed", false, func(m map[string][]byte) {
			for n := range m {
				if strings.HasPrefix(n, "documents/") {
					delete(m, n)
				}
			}
		}, "in the manifest but not in the file"},
		{"a member slipped in", false, func(m map[string][]byte) { m["evidence/forged.jpg"] = []byte("forged") }, "in the file but not in the manifest"},
		{"the manifest resealed after a change", true, func(m map[string][]byte) { m[evidenceName][10] ^= 1 }, "it does not verify with key"},
		{"the signature removed", false, func(m map[string][]byte) { delete(m, casefile.SignatureName) }, "the file has no manifest.sig"},
	} {
		rep := verify(t, rezip(t, names, files, c.reseal, c.change), keys)
		if rep.Intact() || !strings.Contains(strings.Join(rep.Problems, "\n"), c.want) {
			t.Errorf("%s: %v, want a problem saying %q", c.name, rep.Problems, c.want)
		}
	}
	// Checked without the keys: what the chain determines of case.json and evidence.json is
	// caught; the tester's forgery of what it does not (the printed fine, the party's name, the
	// evidence's file name and capture time) is consistent, not intact, and caught by the keys.
	pageName := ""
	for n := range files {
		if strings.HasPrefix(n, "documents/penalty_decision-") {
			pageName = n
		}
	}
	var evs []map[string]any
	_ = json.Unmarshal(files[casefile.EvidenceName], &evs)
	for _, c := range []struct {
		name   string
		change func(map[string][]byte)
		want   string
	}{
		{"case.json's status", func(m map[string][]byte) {
			m[casefile.CaseName] = bytes.Replace(m[casefile.CaseName], []byte(`"status": "`+cs.str("status")+`"`), []byte(`"status": "closed"`), 1)
		}, "its last event left it"},
		{"case.json's last hash", func(m map[string][]byte) {
			m[casefile.CaseName] = bytes.Replace(m[casefile.CaseName], []byte(cs.str("last_hash")), []byte(strings.Repeat("0", 64)), 1)
		}, "events ending at " + strings.Repeat("0", 64)},
		{"evidence.json's hash", func(m map[string][]byte) {
			m[casefile.EvidenceName] = bytes.Replace(m[casefile.EvidenceName], []byte(evs[0]["sha256"].(string)), []byte(strings.Repeat("0", 64)), 1)
		}, "the record committed to"},
	} {
		rep := verify(t, rezip(t, names, files, true, c.change), nil)
		if rep.Consistent() || !strings.Contains(strings.Join(rep.Problems, "\n"), c.want) {
			t.Errorf("%s changed, manifest resealed, no keys: %v, want a problem saying %q", c.name, rep.Problems, c.want)
		}
	}
	forged := rezip(t, names, files, true, func(m map[string][]byte) {
		m[pageName] = bytes.Replace(m[pageName], []byte("人民币玖万元整"), []byte("人民币玖佰元整"), 1)
		m[casefile.CaseName] = bytes.Replace(m[casefile.CaseName], []byte("某某食品"), []byte("另一家食品"), 1)
		m[casefile.EvidenceName] = bytes.Replace(m[casefile.EvidenceName], []byte(evs[0]["file_name"].(string)), []byte("other.jpg"), 1)
	})
	if bytes.Equal(forged, rezip(t, names, files, true, func(map[string][]byte) {})) {
		t.Fatal("the forgery changed nothing")
	}
	if rep := verify(t, forged, nil); rep.Intact() || !rep.Consistent() {
		t.Errorf("the printed page, the party and the evidence's name forged, no keys: intact %v, problems %v", rep.Intact(), rep.Problems)
	}
	if rep := verify(t, forged, keys); rep.Intact() || !strings.Contains(strings.Join(rep.Problems, "\n"), "it does not verify with key") {
		t.Errorf("the same forgery with the keys: %v", rep.Problems)
	}
	if rep := verify(t, rezip(t, names, files, false, func(map[string][]byte) {}), keys); !rep.Intact() {
		t.Errorf("rewritten unchanged, the file should still verify: %v", rep.Problems)
	}

	for who, tok := range map[string]string{"another agency's admin": other.adminTok, "another agency's officer": other.officerTok,
		"another agency's reviewer": other.reviewerTok, "another district's supervisor": w.elsewhere, "the party enterprise": w.entTo} {
		if r := ta.do("GET", "/v1/cases/"+id+"/file.zip", nil, tok); r.Status != 404 || r.Header.Get("Content-Type") == "application/zip" || bytes.Contains(r.Body, []byte("某某食品")) {
			t.Errorf("%s: %d %.200s", who, r.Status, r.Body)
		}
	}
	if r := ta.do("GET", "/v1/cases/no-such-case/file.zip", nil, f.adminTok); r.Status != 404 {
		t.Errorf("no such case: %d", r.Status)
	}
}

// TestALeftDownloadLeavesTheServerRunning: a client that goes away in the middle of a case file
// whose evidence bytes are still streaming (a phone on a bad line) does not take the server down
// (it did, with a nil connection, from the outside test); the next download is whole.
func TestALeftDownloadLeavesTheServerRunning(t *testing.T) {
	ta := newTestApp(t)
	f := ta.newCaseAgency(t, 0)
	id, _, _ := ta.caseWithFile(t, f)
	big := make([]byte, 6<<20)
	_, _ = rand.Read(big)
	copy(big, "%PDF-1.4 ") // a document, as the evidence declares
	evID := ta.addEvidence(t, f, id, big)
	if put := ta.do("PUT", "/v1/evidence/"+evID+"/content", big, f.officerTok, "Content-Type", "application/octet-stream"); put.Status != 200 {
		t.Fatalf("content: %d %s", put.Status, put.Body)
	}
	base := ta.serve()
	get := func() (*http.Response, error) {
		req, _ := http.NewRequest("GET", base+"/v1/cases/"+id+"/file.zip", nil)
		req.Header.Set("Authorization", "Bearer "+f.adminTok)
		return http.DefaultClient.Do(req)
	}
	for range 3 {
		res, err := get()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.CopyN(io.Discard, res.Body, 64<<10); err != nil {
			t.Fatalf("the first bytes: %v", err)
		}
		res.Body.Close() // gone, mid-file
	}
	time.Sleep(500 * time.Millisecond) // the writers meet the closed connections
	res, err := get()
	if err != nil {
		t.Fatalf("after the clients left, the server: %v", err)
	}
	b, err := io.ReadAll(res.Body)
	res.Body.Close()
	if err != nil || res.StatusCode != 200 || len(b) < len(big) {
		t.Fatalf("the next download: %d, %d bytes, %v", res.StatusCode, len(b), err)
	}
	if _, files := members(t, b); len(files) == 0 {
		t.Fatal("the next download is not a whole ZIP")
	}
}
