// Package casefile is the case file (电子卷宗) as one ZIP: how it is written while it streams,
// and how it is verified offline, with nothing but the file.
package casefile

import (
	"archive/zip"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash"
	"io"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/zhifa/zhifa/domain"
)

// Format names this layout in the manifest.
const Format = "zhifa-case-file/1"

// The fixed members of a case file; documents and evidence go under their folders.
const (
	ManifestName  = "manifest.json"
	CaseName      = "case.json"
	EventsName    = "events.json"
	DocumentsName = "documents.json"
	EvidenceName  = "evidence.json"
	// SignatureName is the server's Ed25519 signature of manifest.json, after it.
	SignatureName = "manifest.sig"
)

// Signature is manifest.sig: the signature of SigningInput(manifest.json) by the key kid names
// in the server's /.well-known/jwks.json.
type Signature struct {
	Alg string `json:"alg"`
	Kid string `json:"kid"`
	Sig string `json:"sig"`
}

// SigningInput is what the signature signs: the manifest's bytes after a label of their own, so
// that a manifest's signature is never a token's.
func SigningInput(manifest []byte) []byte {
	return append([]byte("zhifa case file manifest\x00"), manifest...)
}

// KeyID is the kid the server's JWKS gives key: the first 12 bytes of its SHA-256, base64url.
func KeyID(key ed25519.PublicKey) string {
	sum := sha256.Sum256(key)
	return base64.RawURLEncoding.EncodeToString(sum[:12])
}

// Manifest is manifest.json, the file's last member: the SHA-256 of every other member and the
// head of the case's event chain when the file was made.
type Manifest struct {
	Format      string    `json:"format"`
	CaseID      string    `json:"case_id"`
	CaseNumber  string    `json:"case_number"`
	AgencyID    string    `json:"agency_id"`
	GeneratedAt time.Time `json:"generated_at"`
	// Events is the length of the record and ChainHead the hash of its last event, as the server
	// held them: compare ChainHead with the case's last_hash (GET /v1/cases/{id}) or a printed copy.
	Events    int    `json:"events"`
	ChainHead string `json:"chain_head"`
	Files     []File `json:"files"`
}

// File is one member of the file.
type File struct {
	Name   string `json:"name"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
	// EvidenceID names the evidence whose bytes an evidence/ member holds; DocumentID the
	// document a documents/ member prints.
	EvidenceID string `json:"evidence_id,omitempty"`
	DocumentID string `json:"document_id,omitempty"`
}

// Writer writes a case file member by member, hashing each as it goes.
type Writer struct {
	zw    *zip.Writer
	files []File
	key   ed25519.PrivateKey
}

// NewWriter starts a case file on w; with a key, the manifest is signed (manifest.sig).
func NewWriter(w io.Writer, key ed25519.PrivateKey) *Writer {
	return &Writer{zw: zip.NewWriter(w), key: key}
}

// Add writes one member from r; bytes already compressed (evidence) are stored as they are.
func (w *Writer) Add(f File, r io.Reader, compress bool) error {
	method := zip.Store
	if compress {
		method = zip.Deflate
	}
	out, err := w.zw.CreateHeader(&zip.FileHeader{Name: f.Name, Method: method, Modified: time.Now().UTC()})
	if err != nil {
		return err
	}
	sum := sha256.New()
	n, err := io.Copy(io.MultiWriter(out, sum), r)
	if err != nil {
		return err
	}
	f.Size, f.SHA256 = n, hex.EncodeToString(sum.Sum(nil))
	w.files = append(w.files, f)
	return nil
}

// AddJSON writes v as an indented JSON member.
func (w *Writer) AddJSON(name string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return w.Add(File{Name: name}, strings.NewReader(string(b)), true)
}

// Close writes the manifest, with every member added, and ends the ZIP.
func (w *Writer) Close(m Manifest) error {
	return w.CloseWith(func(files []File) any {
		m.Format, m.Files = Format, files
		return m
	})
}

// CloseWith ends the ZIP with manifest.json made by manifest from the members written: for
// files other than a case's (an enterprise's decisions).
func (w *Writer) CloseWith(manifest func([]File) any) error {
	b, err := json.MarshalIndent(manifest(w.files), "", "  ")
	if err != nil {
		return err
	}
	out, err := w.zw.CreateHeader(&zip.FileHeader{Name: ManifestName, Method: zip.Deflate, Modified: time.Now().UTC()})
	if err != nil {
		return err
	}
	if _, err := out.Write(b); err != nil {
		return err
	}
	if w.key != nil {
		sig, _ := json.Marshal(Signature{Alg: "EdDSA", Kid: KeyID(w.key.Public().(ed25519.PublicKey)),
			Sig: base64.RawURLEncoding.EncodeToString(ed25519.Sign(w.key, SigningInput(b)))})
		out, err := w.zw.CreateHeader(&zip.FileHeader{Name: SignatureName, Method: zip.Store, Modified: time.Now().UTC()})
		if err != nil {
			return err
		}
		if _, err := out.Write(sig); err != nil {
			return err
		}
	}
	return w.zw.Close()
}

// SafeName is a file name fit for a member: no folders, no dots that climb.
func SafeName(s string) string {
	s = path.Base(strings.ReplaceAll(s, "\\", "/"))
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || strings.ContainsRune(`/\:*?"<>|`, r) {
			return '_'
		}
		return r
	}, s)
	if s == "." || s == ".." || s == "/" {
		return ""
	}
	return s
}

// Event is an event as events.json holds it (the API's event).
type Event struct {
	Seq           int       `json:"seq"`
	Action        string    `json:"action"`
	From          string    `json:"from"`
	To            string    `json:"to"`
	ActorID       string    `json:"actor_id"`
	OfficerIDs    []string  `json:"officer_ids"`
	At            time.Time `json:"at"`
	Lat           *float64  `json:"lat,omitempty"`
	Lng           *float64  `json:"lng,omitempty"`
	DeviceID      string    `json:"device_id,omitempty"`
	PayloadDigest string    `json:"payload_digest"`
	EvidenceIDs   []string  `json:"evidence_ids"`
	// EvidenceHashes are the declared SHA-256 of each evidence, which the hash covers.
	EvidenceHashes []string `json:"evidence_hashes,omitempty"`
	DocumentHash   string   `json:"document_hash,omitempty"`
	PrevHash       string   `json:"prev_hash"`
	Hash           string   `json:"hash"`
}

// EventOf is the event as the API and events.json show it.
func EventOf(e domain.Event) Event {
	nonNil := func(s []string) []string {
		if s == nil {
			return []string{}
		}
		return s
	}
	return Event{Seq: e.Seq, Action: string(e.Action), From: string(e.From), To: string(e.To), ActorID: e.ActorID,
		OfficerIDs: nonNil(e.OfficerIDs), At: e.At, Lat: e.Lat, Lng: e.Lng, DeviceID: e.DeviceID, PayloadDigest: e.PayloadDigest,
		EvidenceIDs: nonNil(e.EvidenceIDs), EvidenceHashes: e.EvidenceHashes, DocumentHash: e.DocumentHash, PrevHash: e.PrevHash, Hash: e.Hash}
}

func (e Event) domain() domain.Event {
	return domain.Event{Seq: e.Seq, Action: domain.Action(e.Action), From: domain.CaseStatus(e.From), To: domain.CaseStatus(e.To), ActorID: e.ActorID,
		OfficerIDs: e.OfficerIDs, At: e.At, Lat: e.Lat, Lng: e.Lng, DeviceID: e.DeviceID, PayloadDigest: e.PayloadDigest,
		EvidenceIDs: e.EvidenceIDs, EvidenceHashes: e.EvidenceHashes, DocumentHash: e.DocumentHash, PrevHash: e.PrevHash, Hash: e.Hash}
}

// Document is a document as documents.json holds it.
type Document struct {
	ID       string            `json:"id"`
	CaseID   string            `json:"case_id"`
	Kind     string            `json:"kind"`
	Version  int               `json:"version"`
	Fields   map[string]string `json:"fields"`
	Hash     string            `json:"hash"`
	IssuedAt time.Time         `json:"issued_at"`
}

// DecisionsFormat names the layout of an enterprise's decisions (GET /v1/enterprise/decisions.zip):
// its decisions as printed and a signed manifest, with no chain behind them.
const DecisionsFormat = "zhifa-decisions/1"

// DecisionsManifest is the manifest.json of an enterprise's decisions.
type DecisionsManifest struct {
	Format      string    `json:"format"`
	USCC        string    `json:"uscc"`
	GeneratedAt time.Time `json:"generated_at"`
	Files       []File    `json:"files"`
}

// Report is what Verify found; nothing was found wrong when Problems is empty, and the file is
// intact when, besides, its signature verified (SignedBy): only the signature proves the members
// the chain does not cover (Unproven).
type Report struct {
	// Format is the manifest's: Format (a case file) or DecisionsFormat.
	Format             string
	CaseID, CaseNumber string
	// USCC is the enterprise of a file of decisions.
	USCC          string
	Files, Events int
	ChainHead     string
	// SignedBy is the kid of the key whose signature of the manifest verified; empty when no
	// keys were given (or the file is not signed, which is then a problem).
	SignedBy string
	// Unproven names what no check but the signature proves: without it, these may have been
	// rewritten with the manifest.
	Unproven []string
	Problems []string
}

// Consistent says whether nothing was found wrong: every member matches the manifest and, in a
// case file, the chain; without the signature, this is not yet proof that the file is the server's.
func (r Report) Consistent() bool { return len(r.Problems) == 0 }

// Intact says whether nothing was found wrong and the manifest's signature verified.
func (r Report) Intact() bool { return r.Consistent() && r.SignedBy != "" }

// What the chain does not cover in a case file, and in an enterprise's decisions.
var (
	caseUnproven = []string{
		"the printed pages (documents/*.html)",
		"case.json beyond its id, number, status, event count and last hash (the party, facts, decision)",
		"evidence.json beyond each evidence's SHA-256 and size (file names, capture times and places)",
	}
	decisionsUnproven = []string{"the printed decisions (decisions/*.html)"}
)

// isDirectory says whether f is a folder's entry (as `zip -r` writes them): a name ending in "/"
// and no content, which is no member.
func isDirectory(f *zip.File) bool {
	return strings.HasSuffix(f.Name, "/") && f.UncompressedSize64 == 0
}

// Verify checks a case file offline, and with keys (the server's JWKS, by kid) its manifest's
// signature too: every member against the manifest's SHA-256 and size (and
// no member the manifest does not name); the event chain recomputed from events.json, ending at
// the manifest's chain head; each document's hash recomputed from its content and found in the
// chain; case.json's id, number, status, event count and last hash against the manifest and the
// chain; each evidence's bytes and its entry in evidence.json against the SHA-256 the chain
// committed to. A file of an enterprise's decisions (DecisionsFormat) has no chain: its members
// are checked against the manifest, and the manifest by its signature.
func Verify(r io.ReaderAt, size int64, keys map[string]ed25519.PublicKey) (Report, error) {
	var rep Report
	zr, err := zip.NewReader(r, size)
	if err != nil {
		return rep, fmt.Errorf("not a ZIP: %w", err)
	}
	problem := func(format string, args ...any) { rep.Problems = append(rep.Problems, fmt.Sprintf(format, args...)) }
	members := map[string]*zip.File{}
	for _, f := range zr.File {
		if isDirectory(f) {
			continue
		}
		if _, dup := members[f.Name]; dup {
			problem("%s is in the file twice", f.Name)
		}
		members[f.Name] = f
	}
	mf, ok := members[ManifestName]
	if !ok {
		return rep, fmt.Errorf("no %s", ManifestName)
	}
	var m Manifest
	if err := readJSON(mf, &m); err != nil {
		return rep, fmt.Errorf("%s: %w", ManifestName, err)
	}
	if m.Format != Format && m.Format != DecisionsFormat {
		return rep, fmt.Errorf("%s: format %q, neither %q nor %q", ManifestName, m.Format, Format, DecisionsFormat)
	}
	rep.Format = m.Format
	if keys != nil {
		if kid, err := checkSignature(mf, members[SignatureName], keys); err != nil {
			problem("the manifest's signature: %v", err)
		} else {
			rep.SignedBy = kid
		}
	}
	rep.Files = len(m.Files)
	checkMembers(m.Files, members, problem)
	if m.Format == DecisionsFormat {
		var dm DecisionsManifest
		if err := readJSON(mf, &dm); err != nil {
			return rep, fmt.Errorf("%s: %w", ManifestName, err)
		}
		rep.USCC, rep.Unproven = dm.USCC, decisionsUnproven
		slices.Sort(rep.Problems)
		return rep, nil
	}
	rep.CaseID, rep.CaseNumber, rep.ChainHead, rep.Unproven = m.CaseID, m.CaseNumber, m.ChainHead, caseUnproven

	var events []Event
	if f, ok := members[EventsName]; !ok {
		problem("no %s", EventsName)
	} else if err := readJSON(f, &events); err != nil {
		problem("%s: %v", EventsName, err)
	}
	chain := make([]domain.Event, len(events))
	committed := map[string]string{} // evidence id -> the SHA-256 the record committed to
	documentHashes := map[string]bool{}
	for i, e := range events {
		chain[i] = e.domain()
		for j, id := range e.EvidenceIDs {
			if j < len(e.EvidenceHashes) {
				committed[id] = e.EvidenceHashes[j]
			}
		}
		if e.DocumentHash != "" {
			documentHashes[e.DocumentHash] = true
		}
	}
	rep.Events = len(chain)
	if a := domain.Audit(chain); !a.Intact {
		problem("the event chain breaks at event %d: %s", a.BrokenSeq, a.Problem)
	}
	head, status := "", ""
	if len(chain) > 0 {
		head, status = chain[len(chain)-1].Hash, string(chain[len(chain)-1].To)
	}
	if len(chain) != m.Events || head != m.ChainHead {
		problem("the chain has %d events ending at %s; the manifest says %d ending at %s", len(chain), head, m.Events, m.ChainHead)
	}

	// case.json: what the manifest and the chain determine.
	var cs struct {
		ID         string `json:"id"`
		Number     string `json:"number"`
		Status     string `json:"status"`
		EventCount int    `json:"event_count"`
		LastHash   string `json:"last_hash"`
	}
	if f, ok := members[CaseName]; !ok {
		problem("no %s", CaseName)
	} else if err := readJSON(f, &cs); err != nil {
		problem("%s: %v", CaseName, err)
	} else {
		if cs.ID != m.CaseID || cs.Number != m.CaseNumber {
			problem("%s is case %s (%s); the manifest says %s (%s)", CaseName, cs.Number, cs.ID, m.CaseNumber, m.CaseID)
		}
		if cs.Status != status {
			problem("%s says the case is %q; its last event left it %q", CaseName, cs.Status, status)
		}
		if cs.EventCount != len(chain) || cs.LastHash != head {
			problem("%s says %d events ending at %s; the chain has %d ending at %s", CaseName, cs.EventCount, cs.LastHash, len(chain), head)
		}
	}

	var docs []Document
	if f, ok := members[DocumentsName]; !ok {
		problem("no %s", DocumentsName)
	} else if err := readJSON(f, &docs); err != nil {
		problem("%s: %v", DocumentsName, err)
	}
	docIDs := map[string]bool{}
	for _, d := range docs {
		docIDs[d.ID] = true
		sealed := domain.Document{CaseID: d.CaseID, Kind: domain.DocumentKind(d.Kind), Version: d.Version, Fields: d.Fields, IssuedAt: d.IssuedAt}
		sealed.Seal()
		switch {
		case sealed.Hash != d.Hash:
			problem("document %s: its content hashes to %s, not %s", d.ID, sealed.Hash, d.Hash)
		case !documentHashes[d.Hash]:
			problem("document %s: no event of the chain records its hash %s", d.ID, d.Hash)
		}
	}

	var evidence []struct {
		ID     string `json:"id"`
		SHA256 string `json:"sha256"`
		Size   int64  `json:"size"`
	}
	if f, ok := members[EvidenceName]; !ok {
		problem("no %s", EvidenceName)
	} else if err := readJSON(f, &evidence); err != nil {
		problem("%s: %v", EvidenceName, err)
	}
	listed := map[string]int{} // evidence id -> its index in evidence.json
	for i, e := range evidence {
		listed[e.ID] = i
		if want, ok := committed[e.ID]; ok && want != e.SHA256 {
			problem("%s: evidence %s has SHA-256 %s; the record committed to %s", EvidenceName, e.ID, e.SHA256, want)
		}
	}
	for _, f := range m.Files {
		if f.DocumentID != "" && !docIDs[f.DocumentID] {
			problem("%s prints document %s, which %s does not hold", f.Name, f.DocumentID, DocumentsName)
		}
		if f.EvidenceID == "" {
			continue
		}
		if want, ok := committed[f.EvidenceID]; ok && want != f.SHA256 {
			problem("%s: the record committed to SHA-256 %s, the file holds %s", f.Name, want, f.SHA256)
		}
		// Evidence added but not yet recorded in an event has only the manifest's hash and
		// evidence.json's to agree with.
		if i, ok := listed[f.EvidenceID]; !ok {
			problem("%s holds evidence %s, which %s does not list", f.Name, f.EvidenceID, EvidenceName)
		} else if e := evidence[i]; e.SHA256 != f.SHA256 || e.Size != f.Size {
			problem("%s: evidence %s is SHA-256 %s, %d bytes; the file holds %s, %d bytes", EvidenceName, e.ID, e.SHA256, e.Size, f.SHA256, f.Size)
		}
	}
	slices.Sort(rep.Problems)
	return rep, nil
}

// checkMembers checks every member the manifest lists against its SHA-256 and size, and that
// the file holds no other (but the manifest and its signature).
func checkMembers(files []File, members map[string]*zip.File, problem func(string, ...any)) {
	listed := map[string]bool{}
	for _, f := range files {
		listed[f.Name] = true
		zf, ok := members[f.Name]
		if !ok {
			problem("%s is in the manifest but not in the file", f.Name)
			continue
		}
		sum, n, err := hashOf(zf)
		if err != nil {
			problem("%s cannot be read: %v", f.Name, err)
			continue
		}
		if n != f.Size || sum != f.SHA256 {
			problem("%s does not match the manifest (SHA-256 %s, %d bytes; the manifest says %s, %d bytes)", f.Name, sum, n, f.SHA256, f.Size)
		}
	}
	for name := range members {
		if !listed[name] && name != ManifestName && name != SignatureName {
			problem("%s is in the file but not in the manifest", name)
		}
	}
}

func checkSignature(manifest, sigFile *zip.File, keys map[string]ed25519.PublicKey) (string, error) {
	if sigFile == nil {
		return "", fmt.Errorf("the file has no %s", SignatureName)
	}
	var sig Signature
	if err := readJSON(sigFile, &sig); err != nil {
		return "", err
	}
	key, ok := keys[sig.Kid]
	if !ok || sig.Alg != "EdDSA" {
		return "", fmt.Errorf("signed by key %q (%s), which the keys given do not hold", sig.Kid, sig.Alg)
	}
	raw, err := base64.RawURLEncoding.DecodeString(sig.Sig)
	if err != nil {
		return "", err
	}
	rc, err := manifest.Open()
	if err != nil {
		return "", err
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, 64<<20))
	if err != nil {
		return "", err
	}
	if !ed25519.Verify(key, SigningInput(b), raw) {
		return "", fmt.Errorf("it does not verify with key %q", sig.Kid)
	}
	return sig.Kid, nil
}

// KeysOfJWKS are the Ed25519 keys of a JWKS document (the server's /.well-known/jwks.json).
func KeysOfJWKS(b []byte) (map[string]ed25519.PublicKey, error) {
	var set struct {
		Keys []struct {
			Kty, Crv, X, Kid string
		} `json:"keys"`
	}
	if err := json.Unmarshal(b, &set); err != nil {
		return nil, err
	}
	keys := map[string]ed25519.PublicKey{}
	for _, k := range set.Keys {
		if k.Kty != "OKP" || k.Crv != "Ed25519" {
			continue
		}
		x, err := base64.RawURLEncoding.DecodeString(k.X)
		if err != nil || len(x) != ed25519.PublicKeySize {
			return nil, fmt.Errorf("key %q is not an Ed25519 public key", k.Kid)
		}
		keys[k.Kid] = x
	}
	if len(keys) == 0 {
		return nil, fmt.Errorf("no Ed25519 key in the JWKS")
	}
	return keys, nil
}

func readJSON(f *zip.File, v any) error {
	rc, err := f.Open()
	if err != nil {
		return err
	}
	defer rc.Close()
	return json.NewDecoder(rc).Decode(v)
}

func hashOf(f *zip.File) (string, int64, error) {
	rc, err := f.Open()
	if err != nil {
		return "", 0, err
	}
	defer rc.Close()
	var sum hash.Hash = sha256.New()
	n, err := io.Copy(sum, rc)
	return hex.EncodeToString(sum.Sum(nil)), n, err
}
