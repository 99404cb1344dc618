package main

import (
	"archive/zip"
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/zhifa/zhifa/casefile"
	"github.com/zhifa/zhifa/domain"
)

// TestVerifyFileSaysIntactOrTampered: `zhifa verify-file` answers 0 for a case file as written
// and signed, checked with the JWKS; 3 for one checked without it (consistent, not
// authenticated); 1 with the member named when a byte of it changed, 2 for a file that is no
// case file.
func TestVerifyFileSaysIntactOrTampered(t *testing.T) {
	cs := &domain.Case{}
	e := cs.Seed(domain.Event{Action: domain.ActCreate, To: domain.StatusClue, ActorID: "u1", At: time.Now()})
	_, key, _ := ed25519.GenerateKey(rand.Reader)
	var signing ed25519.PrivateKey
	jwks := func(pub ed25519.PublicKey) string { return writeJWKS(t, pub) }
	write := func(page string) string {
		b := writeCaseFile(t, e, signing, "<p>行政处罚决定书</p>", "某某餐饮有限公司")
		if page != "" {
			b = bytes.Replace(b, []byte("documents/page.html"), []byte(page), -1)
		}
		name := filepath.Join(t.TempDir(), "file.zip")
		if err := os.WriteFile(name, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return name
	}
	var out bytes.Buffer
	if rc := verifyFile(write(""), "", &out); rc != 3 || !strings.Contains(out.String(), "consistent, not authenticated") || strings.Contains(out.String(), "intact") {
		t.Fatalf("a consistent file without keys: %d %s", rc, out.String())
	}
	out.Reset()
	// The member renamed in the ZIP but not in the manifest: one missing, one unknown.
	if rc := verifyFile(write("documents/Page.html"), "", &out); rc != 1 || !strings.Contains(out.String(), "TAMPERED: documents/Page.html") {
		t.Fatalf("tampered file: %d %s", rc, out.String())
	}
	out.Reset()
	// Signed, and checked with the server's JWKS; a JWKS of another key does not verify it.
	signing = key
	signed := write("")
	if rc := verifyFile(signed, jwks(key.Public().(ed25519.PublicKey)), &out); rc != 0 || !strings.Contains(out.String(), "intact:") ||
		!strings.Contains(out.String(), "signed: the manifest is the server's") {
		t.Fatalf("signed file: %d %s", rc, out.String())
	}
	out.Reset()
	otherPub, _, _ := ed25519.GenerateKey(rand.Reader)
	if rc := verifyFile(signed, jwks(otherPub), &out); rc != 1 || !strings.Contains(out.String(), "the keys given do not hold") {
		t.Fatalf("another key: %d %s", rc, out.String())
	}
	out.Reset()
	junk := filepath.Join(t.TempDir(), "junk.zip")
	_ = os.WriteFile(junk, []byte("not a zip"), 0o600)
	if rc := verifyFile(junk, "", &out); rc != 2 {
		t.Fatalf("junk: %d %s", rc, out.String())
	}
}

func writeJWKS(t *testing.T, pub ed25519.PublicKey) string {
	b, _ := json.Marshal(map[string]any{"keys": []map[string]string{{"kty": "OKP", "crv": "Ed25519", "kid": casefile.KeyID(pub),
		"x": base64.RawURLEncoding.EncodeToString(pub)}}})
	name := filepath.Join(t.TempDir(), "jwks.json")
	_ = os.WriteFile(name, b, 0o600)
	return name
}

func writeTemp(t *testing.T, b []byte) string {
	name := filepath.Join(t.TempDir(), "file.zip")
	if err := os.WriteFile(name, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return name
}

// writeCaseFile writes a case file of the one event e, with a printed page and the party's name
// in case.json.
func writeCaseFile(t *testing.T, e domain.Event, key ed25519.PrivateKey, page, party string) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := casefile.NewWriter(&buf, key)
	check := func(err error) {
		if err != nil {
			t.Fatal(err)
		}
	}
	check(w.AddJSON(casefile.CaseName, map[string]any{"id": "c1", "number": "2026-000001", "status": string(e.To),
		"party": map[string]string{"name": party}, "event_count": 1, "last_hash": e.Hash}))
	check(w.AddJSON(casefile.EventsName, []casefile.Event{casefile.EventOf(e)}))
	check(w.AddJSON(casefile.DocumentsName, []casefile.Document{}))
	check(w.Add(casefile.File{Name: "documents/page.html"}, strings.NewReader(page), true))
	check(w.AddJSON(casefile.EvidenceName, []any{}))
	check(w.Close(casefile.Manifest{CaseID: "c1", CaseNumber: "2026-000001", Events: 1, ChainHead: e.Hash}))
	return buf.Bytes()
}

// TestVerifyFileWithoutKeysSaysWhatIsNotProven: the tester's forgery, the printed fine and the
// party's name rewritten with the manifest, was answered "intact" (0) without the JWKS. Now it
// answers 3, "consistent, not authenticated", naming what only the signature proves; with the
// JWKS it is caught.
func TestVerifyFileWithoutKeysSaysWhatIsNotProven(t *testing.T) {
	cs := &domain.Case{}
	e := cs.Seed(domain.Event{Action: domain.ActCreate, To: domain.StatusClue, ActorID: "u1", At: time.Now()})
	_, key, _ := ed25519.GenerateKey(rand.Reader)
	_, forger, _ := ed25519.GenerateKey(rand.Reader)
	keys := writeJWKS(t, key.Public().(ed25519.PublicKey))
	forged := writeTemp(t, writeCaseFile(t, e, forger, "<p>罚款 600 元</p>", "另一家公司"))
	var out bytes.Buffer
	rc := verifyFile(forged, "", &out)
	if rc != 3 || strings.Contains(out.String(), "intact") || !strings.Contains(out.String(), "consistent, not authenticated") ||
		!strings.Contains(out.String(), "documents/*.html") || !strings.Contains(out.String(), "GET /.well-known/jwks.json") {
		t.Fatalf("a forged file without the JWKS: %d %s", rc, out.String())
	}
	out.Reset()
	if rc := verifyFile(forged, keys, &out); rc != 1 || !strings.Contains(out.String(), "TAMPERED: the manifest's signature") {
		t.Fatalf("a forged file with the JWKS: %d %s", rc, out.String())
	}
}

// TestVerifyFileIgnoresFolderEntries: a case file unzipped and zipped again with `zip -r` has
// entries for its folders (names ending in "/", no content), which are no members: it was
// answered TAMPERED ("documents/ is in the file but not in the manifest").
func TestVerifyFileIgnoresFolderEntries(t *testing.T) {
	cs := &domain.Case{}
	e := cs.Seed(domain.Event{Action: domain.ActCreate, To: domain.StatusClue, ActorID: "u1", At: time.Now()})
	_, key, _ := ed25519.GenerateKey(rand.Reader)
	keys := writeJWKS(t, key.Public().(ed25519.PublicKey))
	b := writeCaseFile(t, e, key, "<p>罚款 60000 元</p>", "某某餐饮有限公司")
	zr, _ := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	var rezipped bytes.Buffer
	zw := zip.NewWriter(&rezipped)
	_, _ = zw.Create("documents/")
	for _, f := range zr.File {
		if err := zw.Copy(f); err != nil {
			t.Fatal(err)
		}
	}
	_ = zw.Close()
	var out bytes.Buffer
	if rc := verifyFile(writeTemp(t, rezipped.Bytes()), keys, &out); rc != 0 || !strings.Contains(out.String(), "intact:") {
		t.Fatalf("re-zipped: %d %s", rc, out.String())
	}
}

// TestVerifyFileChecksAnEnterprisesDecisions: GET /v1/enterprise/decisions.zip verifies offline
// too: 0 with the JWKS, 3 without it, 1 when a decision was rewritten with its manifest.
func TestVerifyFileChecksAnEnterprisesDecisions(t *testing.T) {
	_, key, _ := ed25519.GenerateKey(rand.Reader)
	write := func(key ed25519.PrivateKey, page string) string {
		var buf bytes.Buffer
		w := casefile.NewWriter(&buf, key)
		if err := w.Add(casefile.File{Name: "decisions/2026-000001-penalty_decision-v1.html", DocumentID: "d1"}, strings.NewReader(page), true); err != nil {
			t.Fatal(err)
		}
		if err := w.CloseWith(func(files []casefile.File) any {
			return casefile.DecisionsManifest{Format: casefile.DecisionsFormat, USCC: "91110000000000000X", Files: files}
		}); err != nil {
			t.Fatal(err)
		}
		return writeTemp(t, buf.Bytes())
	}
	keys := writeJWKS(t, key.Public().(ed25519.PublicKey))
	file := write(key, "<p>罚款 60000 元</p>")
	var out bytes.Buffer
	if rc := verifyFile(file, keys, &out); rc != 0 || !strings.Contains(out.String(), "decisions of enterprise 91110000000000000X: 1 files") ||
		!strings.Contains(out.String(), "intact:") {
		t.Fatalf("the decisions with the JWKS: %d %s", rc, out.String())
	}
	out.Reset()
	if rc := verifyFile(file, "", &out); rc != 3 || !strings.Contains(out.String(), "decisions/*.html") {
		t.Fatalf("the decisions without the JWKS: %d %s", rc, out.String())
	}
	out.Reset()
	_, forger, _ := ed25519.GenerateKey(rand.Reader)
	if rc := verifyFile(write(forger, "<p>罚款 600 元</p>"), keys, &out); rc != 1 || !strings.Contains(out.String(), "TAMPERED") {
		t.Fatalf("forged decisions: %d %s", rc, out.String())
	}
}
