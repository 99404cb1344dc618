package main

import (
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

// TestVerifyFileSaysIntactOrTampered: `zhifa verify-file` answers 0 for a case file as written,
// 1 with the member named when a byte of it changed, 2 for a file that is no case file.
func TestVerifyFileSaysIntactOrTampered(t *testing.T) {
	cs := &domain.Case{}
	e := cs.Seed(domain.Event{Action: domain.ActCreate, To: domain.StatusClue, ActorID: "u1", At: time.Now()})
	_, key, _ := ed25519.GenerateKey(rand.Reader)
	var signing ed25519.PrivateKey
	write := func(page string) string {
		var buf bytes.Buffer
		w := casefile.NewWriter(&buf, signing)
		ev := casefile.Event{Seq: e.Seq, Action: string(e.Action), To: string(e.To), ActorID: e.ActorID, At: e.At, PrevHash: e.PrevHash, Hash: e.Hash}
		if err := w.AddJSON(casefile.EventsName, []casefile.Event{ev}); err != nil {
			t.Fatal(err)
		}
		if err := w.Add(casefile.File{Name: "documents/page.html"}, strings.NewReader("<p>行政处罚决定书</p>"), true); err != nil {
			t.Fatal(err)
		}
		if err := w.Close(casefile.Manifest{CaseID: "c1", CaseNumber: "2026-000001", Events: 1, ChainHead: e.Hash}); err != nil {
			t.Fatal(err)
		}
		b := buf.Bytes()
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
	if rc := verifyFile(write(""), "", &out); rc != 0 || !strings.Contains(out.String(), "intact") {
		t.Fatalf("intact file: %d %s", rc, out.String())
	}
	out.Reset()
	// The member renamed in the ZIP but not in the manifest: one missing, one unknown.
	if rc := verifyFile(write("documents/Page.html"), "", &out); rc != 1 || !strings.Contains(out.String(), "TAMPERED: documents/Page.html") {
		t.Fatalf("tampered file: %d %s", rc, out.String())
	}
	out.Reset()
	// Signed, and checked with the server's JWKS; a JWKS of another key does not verify it.
	signing = key
	jwks := func(pub ed25519.PublicKey) string {
		b, _ := json.Marshal(map[string]any{"keys": []map[string]string{{"kty": "OKP", "crv": "Ed25519", "kid": casefile.KeyID(pub),
			"x": base64.RawURLEncoding.EncodeToString(pub)}}})
		name := filepath.Join(t.TempDir(), "jwks.json")
		_ = os.WriteFile(name, b, 0o600)
		return name
	}
	signed := write("")
	if rc := verifyFile(signed, jwks(key.Public().(ed25519.PublicKey)), &out); rc != 0 || !strings.Contains(out.String(), "signed: the manifest is the server's") {
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
