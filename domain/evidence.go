package domain

import (
	"context"
	"crypto/sha256"
	"encoding"
	"encoding/hex"
	"hash"
	"io"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// EvidenceKind is what a piece of evidence is.
type EvidenceKind string

const (
	EvidencePhoto     EvidenceKind = "photo"
	EvidenceVideo     EvidenceKind = "video"
	EvidenceAudio     EvidenceKind = "audio"
	EvidenceDocument  EvidenceKind = "document"
	EvidenceSignature EvidenceKind = "signature"
)

// EvidenceStatus: pending until its bytes arrive, then complete or rejected, for good.
type EvidenceStatus string

const (
	EvidencePending  EvidenceStatus = "pending"
	EvidenceComplete EvidenceStatus = "complete"
	EvidenceRejected EvidenceStatus = "rejected"
)

// evidenceTypes are the content types each kind of evidence may have: what phones record.
// Anything else (HTML, scripts, executables, archives) is refused.
var evidenceTypes = map[EvidenceKind][]string{
	EvidencePhoto:     {"image/jpeg", "image/png", "image/heic", "image/heif", "image/webp"},
	EvidenceVideo:     {"video/mp4", "video/quicktime", "video/3gpp", "video/webm"},
	EvidenceAudio:     {"audio/mp4", "audio/mpeg", "audio/aac", "audio/amr", "audio/wav", "audio/ogg", "audio/webm"},
	EvidenceDocument:  {"application/pdf", "image/jpeg", "image/png"},
	EvidenceSignature: {"image/png", "image/jpeg"},
}

// EvidenceContentTypes lists the content types a kind accepts.
func EvidenceContentTypes(k EvidenceKind) []string { return slices.Clone(evidenceTypes[k]) }

// Evidence is one photo, video, recording, document or signature taken in a case or an
// inspection (全过程记录). The device declares the SHA-256 and size of the bytes when it
// records the evidence, often offline; the bytes arrive later and are kept only if they match.
type Evidence struct {
	ID           string
	AgencyID     string
	CaseID       string
	InspectionID string
	// ComplaintID names the complaint an enterprise attached the file to; AgencyID is then
	// the enterprise's scope.
	ComplaintID string
	Kind        EvidenceKind
	SHA256      string // hex, lower case, as declared
	Size        int64
	ContentType string
	FileName    string
	CapturedAt  time.Time
	Lat, Lng    *float64
	DeviceID    string
	OfficerIDs  []string
	Status      EvidenceStatus
	// Reason says why evidence was rejected; ActualSHA256 is the hash of the bytes that came.
	Reason       string
	ActualSHA256 string
	// ObjectKey names the object that holds the bytes once complete.
	ObjectKey string
	// RetainUntil is how long the object is kept; Locked says the object store enforces it
	// (S3 Object Lock); LegalHold keeps it past that.
	RetainUntil time.Time
	Locked      bool
	LegalHold   bool
	Thumbnail   bool
	CreatedBy   string
	CreatedAt   time.Time
	SettledAt   time.Time
	Version     int64
	// Keys are the Idempotency-Keys of the evidence's recent writes (inspection evidence; the
	// case keeps those of case evidence).
	Keys []ActionKey
}

// Of names the case or inspection the evidence belongs to.
func (e *Evidence) Of() (kind, id string) {
	if e.CaseID != "" {
		return "case", e.CaseID
	}
	return "inspection", e.InspectionID
}

// Validate checks what the device declared; maxSize is the largest evidence accepted (a larger
// one is refused with TooLarge).
func (e *Evidence) Validate(maxSize int64, now time.Time) error {
	f := FieldErrors{}
	types, ok := evidenceTypes[e.Kind]
	if !ok {
		f.Add("kind", "photo, video, audio, document or signature")
	}
	if b, err := hex.DecodeString(e.SHA256); err != nil || len(b) != 32 {
		f.Add("sha256", "the SHA-256 of the file, 64 hexadecimal digits")
	}
	e.SHA256 = strings.ToLower(e.SHA256)
	if e.Size <= 0 {
		f.Add("size", "the file's size in bytes, at least 1")
	}
	e.ContentType = strings.ToLower(strings.TrimSpace(e.ContentType))
	if ok && !slices.Contains(types, e.ContentType) {
		f.Add("content_type", "for "+string(e.Kind)+": "+strings.Join(types, ", "))
	}
	e.FileName = SanitizeFileName(e.FileName)
	if e.CapturedAt.IsZero() {
		f.Add("captured_at", "when the evidence was captured")
	} else if e.CapturedAt.After(now.Add(5 * time.Minute)) {
		f.Add("captured_at", "cannot be in the future")
	}
	if (e.Lat == nil) != (e.Lng == nil) {
		f.Add("lat", "give both lat and lng, or neither")
	}
	if len(e.OfficerIDs) == 0 && e.ComplaintID == "" {
		f.Add("officer_ids", "the officers who took the evidence")
	}
	if err := f.Err(); err != nil {
		return err
	}
	if e.Size > maxSize {
		return Errorf(TooLarge, "evidence may be at most %d bytes", maxSize)
	}
	return nil
}

// SanitizeFileName keeps the base name of a client's file name without path separators,
// control or format characters, at most 200 characters; "" stays "".
func SanitizeFileName(name string) string {
	name = strings.ReplaceAll(name, "\\", "/")
	name = path.Base(strings.TrimSpace(name))
	if name == "." || name == "/" || name == ".." {
		return ""
	}
	name = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || r == '"' || r == '\uFFFD' {
			return -1
		}
		return r
	}, name)
	name = strings.TrimLeft(name, ".")
	if r := []rune(name); len(r) > 200 {
		name = string(r[len(r)-200:])
	}
	return name
}

// AddEvidence records new evidence in the case's chain, taken by at least two certified
// officers (art. 42): the event names the evidence and commits to its declared SHA-256, so
// the record proves which bytes were captured even before they upload.
func (c *Case) AddEvidence(e *Evidence, t Transition, g Guards) (Event, error) {
	if e.CaseID != c.ID || e.AgencyID != c.AgencyID {
		return Event{}, Errorf(Invalid, "the evidence is not of this case")
	}
	t.Action, t.OfficerIDs = ActAddEvidence, e.OfficerIDs
	t.EvidenceIDs, t.EvidenceHashes = []string{e.ID}, []string{e.SHA256}
	t.Lat, t.Lng, t.DeviceID = e.Lat, e.Lng, e.DeviceID
	return c.Apply(t, g)
}

// SettleEvidence appends the outcome of an upload to the case's chain: complete_evidence when
// the bytes matched, reject_evidence when not. Nobody requests it; it follows from the upload
// (or from the sweeper that finishes an upload a crash interrupted), so no actor is checked.
func (c *Case) SettleEvidence(e *Evidence, actorID string, now time.Time) (Event, error) {
	if e.CaseID != c.ID {
		return Event{}, Errorf(Invalid, "the evidence is not of this case")
	}
	a, hash := ActCompleteEvidence, e.SHA256
	switch e.Status {
	case EvidenceComplete:
	case EvidenceRejected:
		a = ActRejectEvidence
		if e.ActualSHA256 != "" {
			hash = e.ActualSHA256
		}
	default:
		return Event{}, Errorf(Invalid, "evidence is settled as complete or rejected")
	}
	next := *c
	ev := next.appendEvent(Event{Action: a, From: c.Status, To: c.Status, ActorID: actorID, At: now,
		PayloadDigest: Digest([]string{string(e.Status), e.Reason, e.ActualSHA256}), EvidenceIDs: []string{e.ID}, EvidenceHashes: []string{hash}})
	*c = next
	return ev, nil
}

// EvidenceRef is the hash a transition's evidence commits to, or why it may not be named.
func CheckEvidenceRefs(c *Case, ids []string, list []*Evidence) ([]string, error) {
	f := FieldErrors{}
	hashes := make([]string, len(ids))
	for i, id := range ids {
		e := list[i]
		switch {
		case e == nil || e.CaseID != c.ID || e.AgencyID != c.AgencyID:
			f.Add("evidence_ids", "no evidence of this case has the id "+id+"; record it first with POST /v1/cases/{id}/evidence")
		case e.Status == EvidenceRejected:
			f.Add("evidence_ids", "evidence "+id+" was rejected: "+e.Reason)
		default:
			hashes[i] = e.SHA256
		}
	}
	if err := f.Err(); err != nil {
		return nil, &Error{Code: Unprocessable, Message: "the transition names evidence it may not", Fields: err.(*Error).Fields}
	}
	return hashes, nil
}

// EvidenceFinding is what an audit reports of a case's evidence.
type EvidenceFinding struct {
	EvidenceID string
	Problem    string // missing, pending, rejected
	Detail     string
}

// AuditEvidence reports evidence named in the record that does not exist, evidence still
// pending past pendingAfter, and rejected evidence.
func AuditEvidence(events []Event, byID map[string]*Evidence, now time.Time, pendingAfter time.Duration) []EvidenceFinding {
	out := []EvidenceFinding{}
	seen := map[string]bool{}
	for _, ev := range events {
		for _, id := range ev.EvidenceIDs {
			if seen[id] {
				continue
			}
			seen[id] = true
			e := byID[id]
			switch {
			case e == nil:
				out = append(out, EvidenceFinding{EvidenceID: id, Problem: "missing", Detail: "named in event " + strconv.Itoa(ev.Seq) + " but not recorded"})
			case e.Status == EvidenceRejected:
				out = append(out, EvidenceFinding{EvidenceID: id, Problem: "rejected", Detail: e.Reason})
			case e.Status == EvidencePending && now.Sub(e.CreatedAt) > pendingAfter:
				out = append(out, EvidenceFinding{EvidenceID: id, Problem: "pending", Detail: "recorded " + e.CreatedAt.UTC().Format(time.RFC3339) + "; its bytes have not arrived"})
			}
		}
	}
	return out
}

// EvidenceAccess is one read of evidence content: who, when, which bytes (chain of custody).
type EvidenceAccess struct {
	ID         string
	EvidenceID string
	AgencyID   string
	UserID     string
	UserName   string // as the reader was named when reading
	At         time.Time
	What       string // content or thumbnail
	From, To   int64  // the byte range read, inclusive
	Address    string
	// BodyID and BodyName name the supervisory body of a supervisor who read it.
	BodyID, BodyName string
}

// Upload is a resumable upload of an evidence's bytes (tus), kept in the document store so any
// replica can continue it. Offset counts the bytes the server acknowledged: those in Parts and
// in the tail object. HashState is the whole-file SHA-256 state after Offset bytes.
type Upload struct {
	ID          string
	EvidenceID  string
	AgencyID    string
	UserID      string
	Length      int64
	Offset      int64
	ObjectKey   string
	MultipartID string
	Parts       []UploadPart
	// TailKey holds the bytes after the last part, fewer than a part's minimum; TailSize of them.
	TailKey   string
	TailSize  int64
	HashState []byte
	// Status: receiving, then completing once every byte is in, then done or rejected.
	Status    string
	Reason    string
	ExpiresAt time.Time
	CreatedAt time.Time
	UpdatedAt time.Time
	// Lease: the holder writes the upload until LeaseUntil; others wait or are told 423.
	LeaseHolder string
	LeaseUntil  time.Time
	Version     int64
}

// UploadPart is one uploaded part of the S3 multipart upload.
type UploadPart struct {
	Number int
	ETag   string
	Size   int64
}

// Upload statuses.
const (
	UploadReceiving  = "receiving"
	UploadCompleting = "completing"
	UploadDone       = "done"
	UploadRejected   = "rejected"
	// UploadLost: the object store lost the parts (the server died while it assembled them);
	// the evidence stays pending and takes a new upload.
	UploadLost = "lost"
)

// EvidenceStore keeps evidence records, their uploads and the access log.
type EvidenceStore interface {
	// EvidenceByID returns the evidence as its latest write left it; NotFound.
	EvidenceByID(ctx context.Context, id string) (*Evidence, error)
	// EvidenceByIDs reads the evidence with ids as stored, without rolling a case forward
	// (callers read the case first); an id without evidence is left out.
	EvidenceByIDs(ctx context.Context, ids []string) ([]*Evidence, error)
	// EvidenceOf lists the evidence of a case or an inspection, oldest first.
	EvidenceOf(ctx context.Context, kind, id string) ([]*Evidence, error)
	// SaveEvidence writes inspection evidence; Conflict when its version moved or the id is taken.
	SaveEvidence(ctx context.Context, e *Evidence) error
	// RecordAccess appends to the evidence's access log; AccessLog pages through it.
	RecordAccess(ctx context.Context, a *EvidenceAccess) error
	AccessLog(ctx context.Context, evidenceID string, p Page) ([]*EvidenceAccess, string, error)

	// CreateUpload stores a new upload; UploadByID returns it (NotFound).
	CreateUpload(ctx context.Context, u *Upload) error
	// OpenUploads counts the uploads receiving bytes and unexpired at now of an evidence, or
	// (evidenceID empty) of a user, and the bytes they declared.
	OpenUploads(ctx context.Context, evidenceID, userID string, now time.Time) (int, int64, error)
	UploadByID(ctx context.Context, id string) (*Upload, error)
	// SaveUpload writes u if its version is still the stored one (Conflict otherwise) and
	// bumps the version.
	SaveUpload(ctx context.Context, u *Upload) error
	DeleteUpload(ctx context.Context, id string) error
	// StaleUploads lists uploads that expired before now, or are completing and were last
	// written before then, for the sweeper.
	StaleUploads(ctx context.Context, expiredBefore, completingBefore time.Time, limit int) ([]*Upload, error)
}

// ResumeUploadHash resumes the whole-file SHA-256 of an upload from its marshalled state; empty
// starts afresh. Go's hash state survives a restart this way, so the hash is never computed by
// reading the object back.
func ResumeUploadHash(state []byte) (hash.Hash, error) {
	h := sha256.New()
	if len(state) == 0 {
		return h, nil
	}
	if err := h.(encoding.BinaryUnmarshaler).UnmarshalBinary(state); err != nil {
		return nil, Errorf(Internal, "the upload's hash state is damaged: %v", err)
	}
	return h, nil
}

// SaveUploadHash marshals a hash that ResumeUploadHash made.
func SaveUploadHash(h hash.Hash) ([]byte, error) {
	b, err := h.(encoding.BinaryMarshaler).MarshalBinary()
	if err != nil {
		return nil, Errorf(Internal, "save the hash state: %v", err)
	}
	return b, nil
}

// Sum is the SHA-256, in hex, of every byte the upload has received.
func (u *Upload) Sum() (string, error) {
	h, err := ResumeUploadHash(u.HashState)
	if err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// AppendOptions steer Objects.Append.
type AppendOptions struct {
	// PartSize is the size of the upload's S3 parts (at least S3's 5 MiB).
	PartSize int64
	// Checksum, when set, hashes the request's bytes, which must then equal Want.
	Checksum hash.Hash
	Want     []byte
	// Commit makes the upload's new state durable (and fails if another writer moved it);
	// last says it is the request's final commit.
	Commit func(u *Upload, last bool) error
}

// Objects keeps evidence bytes in an S3 bucket (package media).
type Objects interface {
	StartMultipart(ctx context.Context, key, contentType string) (string, error)
	// Append streams n bytes of body onto the upload, committing as parts become durable.
	Append(ctx context.Context, u *Upload, body io.Reader, n int64, opt AppendOptions) error
	CompleteMultipart(ctx context.Context, key, uploadID string, parts []UploadPart) error
	AbortMultipart(ctx context.Context, key, uploadID string) error
	Put(ctx context.Context, key string, r io.Reader, size int64, contentType string) error
	// Get reads bytes from..to (inclusive; to < 0 to the end); NotFound.
	Get(ctx context.Context, key string, from, to int64) (io.ReadCloser, error)
	Stat(ctx context.Context, key string) (int64, error)
	Remove(ctx context.Context, key string) error
	// Retain keeps key under the store's retention until then; false when the store has none.
	Retain(ctx context.Context, key string, until time.Time) (bool, error)
	// RetainedUntil is the end of key's retention; NotFound when it has none.
	RetainedUntil(ctx context.Context, key string) (time.Time, error)
	PresignGet(ctx context.Context, key string, ttl time.Duration, fileName, contentType string) (string, error)
	// Linkable says whether a presigned link reaches the store from a phone: not the embedded
	// gateway on a loopback port, unless a public address was configured for it.
	Linkable() bool
}

// CheckOfficers holds evidence taken outside a case (in an inspection) to the rules of evidence
// taken in one: the caller may take evidence, and at least two certified officers of the
// agency took it, one where the matter allows (art. 42).
func CheckOfficers(agencyID string, t Transition, g Guards) error {
	if err := CheckActor(ActAddEvidence, g.Actor, agencyID, g.Now); err != nil {
		return err
	}
	c := Case{AgencyID: agencyID}
	return c.checkOfficers(&t, &g)
}

// refusedTypes are never evidence, whatever the client declared: pages and programs that a
// reader's browser or computer would run.
var refusedTypes = []string{"text/html", "application/xhtml+xml", "image/svg+xml", "application/javascript", "text/javascript",
	"application/x-msdownload", "application/vnd.microsoft.portable-executable", "application/x-executable", "application/x-elf",
	"application/x-mach-binary", "application/x-sharedlib", "application/vnd.android.package-archive", "application/java-archive",
	"application/x-sh", "text/x-shellscript", "application/x-bat"}

// sameContainer: declared types whose files sniff as another name of the same format.
var sameContainer = map[string][]string{
	"audio/mp4":  {"audio/x-m4a", "video/mp4", "audio/mp4"},
	"audio/webm": {"video/webm"},
	"audio/ogg":  {"application/ogg", "audio/ogg"},
	"audio/wav":  {"audio/x-wav", "audio/wave"},
	"audio/aac":  {"audio/x-aac"},
	"video/3gpp": {"video/3gpp2", "video/mp4"},
	"image/heic": {"image/heif"},
	"image/heif": {"image/heic"},
}

// SniffMismatch says why the first bytes of an upload are not what its evidence declared, or
// "" when they are: detected is the sniffed type, is reports whether the sniffed type is (or
// descends from) a given type.
func SniffMismatch(e *Evidence, detected string, is func(string) bool) string {
	base, _, _ := strings.Cut(detected, ";")
	if slices.Contains(refusedTypes, base) {
		return "the file is " + base + ", which is never evidence"
	}
	if is(e.ContentType) || slices.Contains(sameContainer[e.ContentType], base) {
		return ""
	}
	return "the file is " + base + ", not the declared " + e.ContentType
}
