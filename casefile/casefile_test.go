package casefile

import (
	"archive/zip"
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/zhifa/zhifa/domain"
)

// aCaseFile is a small case file as the server writes it: a case opened, an evidence recorded
// with its hash, a decision issued; case.json, the page as printed, evidence.json and the
// evidence's bytes. Signed by key.
func aCaseFile(t *testing.T, key ed25519.PrivateKey) []byte {
	t.Helper()
	at := time.Date(2026, 12, 1, 2, 0, 0, 0, time.UTC)
	photo := []byte("jpeg bytes of the scene")
	sum := sha256.Sum256(photo)
	photoHash := hex.EncodeToString(sum[:])
	doc := domain.Document{CaseID: "c1", Kind: domain.DocPenaltyDecision, Version: 1, Fields: map[string]string{"fine": "60000"}, IssuedAt: at}
	doc.Seal()
	cs := &domain.Case{}
	chain := []domain.Event{cs.Seed(domain.Event{Action: domain.ActCreate, To: domain.StatusClue, ActorID: "u1", At: at})}
	next := func(e domain.Event) {
		prev := chain[len(chain)-1]
		e.Seq, e.PrevHash, e.From, e.To, e.ActorID, e.At = prev.Seq+1, prev.Hash, prev.To, prev.To, "u1", at
		e.Hash = e.ComputeHash()
		chain = append(chain, e)
	}
	next(domain.Event{Action: domain.ActAddEvidence, EvidenceIDs: []string{"e1"}, EvidenceHashes: []string{photoHash}})
	next(domain.Event{Action: domain.ActIssueDocument, DocumentHash: doc.Hash})
	head := chain[len(chain)-1]

	var buf bytes.Buffer
	w := NewWriter(&buf, key)
	events := make([]Event, len(chain))
	for i, e := range chain {
		events[i] = EventOf(e)
	}
	add := func(err error) {
		if err != nil {
			t.Fatal(err)
		}
	}
	add(w.AddJSON(CaseName, map[string]any{"id": "c1", "number": "2026-000001", "status": string(head.To),
		"party": map[string]string{"kind": "organisation", "name": "某某餐饮有限公司"}, "event_count": len(chain), "last_hash": head.Hash}))
	add(w.AddJSON(EventsName, events))
	add(w.AddJSON(DocumentsName, []Document{{ID: "d1", CaseID: doc.CaseID, Kind: string(doc.Kind), Version: 1, Fields: doc.Fields, Hash: doc.Hash, IssuedAt: doc.IssuedAt}}))
	add(w.Add(File{Name: "documents/penalty_decision-v1-d1.html", DocumentID: "d1"}, strings.NewReader("<p>罚款 60000 元</p>"), true))
	add(w.AddJSON(EvidenceName, []map[string]any{{"id": "e1", "sha256": photoHash, "size": len(photo), "file_name": "scene.jpg",
		"captured_at": at}}))
	add(w.Add(File{Name: "evidence/e1-scene.jpg", EvidenceID: "e1"}, bytes.NewReader(photo), false))
	add(w.Close(Manifest{CaseID: "c1", CaseNumber: "2026-000001", Events: len(chain), ChainHead: head.Hash}))
	return buf.Bytes()
}

// forge rewrites members of a file as a forger would: each edit replaces a member's bytes, and
// the manifest's SHA-256 and size of it follow; manifest.sig is copied as it was. dirs adds
// folder entries, as `zip -r` writes them.
func forge(t *testing.T, file []byte, edit map[string]func([]byte) []byte, dirs ...string) []byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(file), int64(len(file)))
	if err != nil {
		t.Fatal(err)
	}
	members := map[string][]byte{}
	var names []string
	for _, f := range zr.File {
		rc, _ := f.Open()
		b, _ := io.ReadAll(rc)
		rc.Close()
		if fn := edit[f.Name]; fn != nil {
			b = fn(b)
		}
		members[f.Name], names = b, append(names, f.Name)
	}
	var m map[string]any
	if err := json.Unmarshal(members[ManifestName], &m); err != nil {
		t.Fatal(err)
	}
	for _, f := range m["files"].([]any) {
		f := f.(map[string]any)
		b := members[f["name"].(string)]
		sum := sha256.Sum256(b)
		f["sha256"], f["size"] = hex.EncodeToString(sum[:]), len(b)
	}
	if len(edit) > 0 {
		members[ManifestName], _ = json.MarshalIndent(m, "", "  ")
	}
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	for _, d := range dirs {
		if _, err := zw.Create(d); err != nil {
			t.Fatal(err)
		}
	}
	for _, n := range names {
		w, _ := zw.Create(n)
		_, _ = w.Write(members[n])
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

// swap copies a file with the member h names written anew, leaving the manifest as it was.
func swap(t *testing.T, file []byte, h *zip.FileHeader, content []byte) []byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(file), int64(len(file)))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	put := func() {
		w, err := zw.CreateHeader(h)
		if err == nil {
			_, err = w.Write(content)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	done := false
	for _, f := range zr.File {
		if f.Name == h.Name {
			put()
			done = true
			continue
		}
		if err := zw.Copy(f); err != nil {
			t.Fatal(err)
		}
	}
	if !done {
		put()
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

func replace(old, new string) func([]byte) []byte {
	return func(b []byte) []byte { return bytes.ReplaceAll(b, []byte(old), []byte(new)) }
}

func verify(t *testing.T, b []byte, keys map[string]ed25519.PublicKey) Report {
	t.Helper()
	rep, err := Verify(bytes.NewReader(b), int64(len(b)), keys)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func keysOf(key ed25519.PrivateKey) map[string]ed25519.PublicKey {
	pub := key.Public().(ed25519.PublicKey)
	return map[string]ed25519.PublicKey{KeyID(pub): pub}
}

// TestVerifyWithoutKeysIsNeverIntact: the tester's forgery (the printed fine, the party's name in
// case.json, the evidence's file name and capture time, each with the manifest updated) leaves
// nothing the chain covers changed: without the JWKS the file is consistent but not intact, and
// what was not proven is named; with the JWKS, the signature catches it.
func TestVerifyWithoutKeysIsNeverIntact(t *testing.T) {
	_, key, _ := ed25519.GenerateKey(rand.Reader)
	file := aCaseFile(t, key)
	if rep := verify(t, file, keysOf(key)); !rep.Intact() || rep.SignedBy == "" {
		t.Fatalf("the file as written, with its keys: %+v", rep)
	}
	if rep := verify(t, file, nil); rep.Intact() || !rep.Consistent() || len(rep.Unproven) == 0 {
		t.Fatalf("the file as written, without keys: %+v", rep)
	}
	forged := forge(t, file, map[string]func([]byte) []byte{
		"documents/penalty_decision-v1-d1.html": replace("60000", "600"),
		CaseName:                                replace("某某餐饮有限公司", "另一家公司"),
		EvidenceName: func(b []byte) []byte {
			return replace("2026-12-01T02:00:00Z", "2026-11-30T02:00:00Z")(replace("scene.jpg", "other.jpg")(b))
		},
	})
	rep := verify(t, forged, nil)
	if rep.Intact() {
		t.Fatalf("a forged file without keys is called intact: %+v", rep)
	}
	if !strings.Contains(strings.Join(rep.Unproven, "\n"), "documents/*.html") || !strings.Contains(strings.Join(rep.Unproven, "\n"), "the party") {
		t.Fatalf("what is not proven is not named: %q", rep.Unproven)
	}
	if rep := verify(t, forged, keysOf(key)); rep.Intact() || !strings.Contains(strings.Join(rep.Problems, "\n"), "the manifest's signature") {
		t.Fatalf("the forgery with keys: %+v", rep)
	}
}

// TestVerifyChecksCaseAndEvidenceAgainstTheChain: what the chain determines of case.json (status,
// number, event count, last hash) and of evidence.json (each evidence's SHA-256 and size) is
// checked without keys, so a forger who edits it and the manifest is caught offline.
func TestVerifyChecksCaseAndEvidenceAgainstTheChain(t *testing.T) {
	file := aCaseFile(t, nil)
	for name, c := range map[string]struct {
		member string
		edit   func([]byte) []byte
		want   string
	}{
		"status":      {CaseName, replace(`"status": "clue"`, `"status": "closed"`), `its last event left it "clue"`},
		"number":      {CaseName, replace(`"number": "2026-000001"`, `"number": "2026-000002"`), "the manifest says 2026-000001"},
		"event count": {CaseName, replace(`"event_count": 3`, `"event_count": 2`), "case.json says 2 events"},
		"sha256":      {EvidenceName, replace(`"sha256": "`, `"sha256": "0`), "the record committed to"},
		"size":        {EvidenceName, replace(`"size": 23`, `"size": 24`), "evidence e1 is SHA-256"},
	} {
		rep := verify(t, forge(t, file, map[string]func([]byte) []byte{c.member: c.edit}), nil)
		if got := strings.Join(rep.Problems, "\n"); !strings.Contains(got, c.want) {
			t.Errorf("%s edited: problems %q, want %q", name, got, c.want)
		}
	}
}

// TestVerifyIgnoresDirectoryEntries: a file unzipped and zipped again with `zip -r` has entries
// for its folders (documents/, evidence/), which are no members.
func TestVerifyIgnoresDirectoryEntries(t *testing.T) {
	_, key, _ := ed25519.GenerateKey(rand.Reader)
	rezipped := forge(t, aCaseFile(t, key), nil, "documents/", "evidence/")
	if rep := verify(t, rezipped, keysOf(key)); !rep.Intact() {
		t.Fatalf("re-zipped with folder entries: %q", rep.Problems)
	}
	// A folder's name with content is a member like any.
	// (Go's zip writer writes no content to a folder: the name is changed in the bytes after.)
	out := swap(t, aCaseFile(t, key), &zip.FileHeader{Name: "hidden#"}, []byte("smuggled"))
	out = bytes.ReplaceAll(out, []byte("hidden#"), []byte("hidden/"))
	if rep := verify(t, out, keysOf(key)); !strings.Contains(strings.Join(rep.Problems, "\n"), "hidden/ is in the file but not in the manifest") {
		t.Fatalf("a folder entry with content: %q", rep.Problems)
	}
}

// aDecisionsFile is an enterprise's decisions as GET /v1/enterprise/decisions.zip writes them.
func aDecisionsFile(t *testing.T, key ed25519.PrivateKey) []byte {
	var buf bytes.Buffer
	w := NewWriter(&buf, key)
	if err := w.Add(File{Name: "decisions/2026-000001-penalty_decision-v1.html", DocumentID: "d1"}, strings.NewReader("<p>罚款 60000 元</p>"), true); err != nil {
		t.Fatal(err)
	}
	if err := w.CloseWith(func(files []File) any {
		return DecisionsManifest{Format: DecisionsFormat, USCC: "91110000000000000X", Files: files}
	}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestVerifyChecksAnEnterprisesDecisions: the enterprise's signed bundle verifies offline: every
// member against the manifest, the manifest by its signature.
func TestVerifyChecksAnEnterprisesDecisions(t *testing.T) {
	_, key, _ := ed25519.GenerateKey(rand.Reader)
	file := aDecisionsFile(t, key)
	rep := verify(t, file, keysOf(key))
	if !rep.Intact() || rep.Format != DecisionsFormat || rep.USCC != "91110000000000000X" || rep.Files != 1 {
		t.Fatalf("the decisions as written: %+v", rep)
	}
	if rep := verify(t, file, nil); rep.Intact() || !rep.Consistent() {
		t.Fatalf("without keys: %+v", rep)
	}
	page := "decisions/2026-000001-penalty_decision-v1.html"
	if rep := verify(t, forge(t, file, map[string]func([]byte) []byte{page: replace("60000", "600")}), keysOf(key)); rep.Consistent() {
		t.Fatalf("a decision rewritten with its manifest: %+v", rep)
	}
	// The page changed, the manifest not.
	b := swap(t, file, &zip.FileHeader{Name: page}, []byte("<p>罚款 600 元</p>"))
	if rep := verify(t, b, nil); !strings.Contains(strings.Join(rep.Problems, "\n"), page+" does not match the manifest") {
		t.Fatalf("a decision rewritten alone: %q", rep.Problems)
	}
}
