package domain

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strconv"
	"strings"
	"time"
)

// Event is one step of a case's whole-process record (全过程记录, art. 47). Each event carries
// the hash of the one before, so changing any stored event breaks the chain after it.
type Event struct {
	Seq           int
	Action        Action
	From          CaseStatus
	To            CaseStatus
	ActorID       string
	OfficerIDs    []string
	At            time.Time
	Lat, Lng      *float64
	DeviceID      string
	PayloadDigest string
	EvidenceIDs   []string
	// EvidenceHashes are the declared SHA-256 of each evidence in EvidenceIDs, in order: the
	// record commits to the bytes even when they upload later.
	EvidenceHashes []string
	DocumentHash   string
	PrevHash       string
	Hash           string
	// DocumentID names the document an issue_document event recorded; the hash covers its
	// content through DocumentHash.
	DocumentID string
}

// ComputeHash is the SHA-256 of the event's fields (all but Hash) in a fixed, unambiguous
// encoding.
func (e *Event) ComputeHash() string {
	coord := func(p *float64) string {
		if p == nil {
			return ""
		}
		return strconv.FormatFloat(*p, 'f', -1, 64)
	}
	fields := []string{
		strconv.Itoa(e.Seq), string(e.Action), string(e.From), string(e.To), e.ActorID,
		strings.Join(e.OfficerIDs, ","), e.At.UTC().Format(time.RFC3339Nano), coord(e.Lat), coord(e.Lng),
		e.DeviceID, e.PayloadDigest, strings.Join(e.EvidenceIDs, ","), e.DocumentHash, e.PrevHash,
	}
	if len(e.EvidenceHashes) > 0 {
		// Appended only when present, so the hashes of events recorded before evidence carried
		// hashes stay what they were.
		fields = append(fields, strings.Join(e.EvidenceHashes, ","))
	}
	b, _ := json.Marshal(fields)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// Digest is the SHA-256 of v's JSON encoding, for payloads recorded in events.
func Digest(v any) string {
	b, _ := json.Marshal(v)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// AuditResult says whether a case's chain is intact and, if not, where it first breaks.
type AuditResult struct {
	Intact    bool
	Events    int
	BrokenSeq int
	Problem   string
}

// AuditCase recomputes the case's chain and checks that it ends where the case says it does,
// so that a record cut short is found too.
func AuditCase(c *Case, events []Event) AuditResult {
	r := Audit(events)
	if r.Intact && (len(events) != c.EventCount || c.HeadHash != lastHash(events)) {
		return AuditResult{Events: len(events), BrokenSeq: len(events) + 1, Problem: "the record ends before the case's newest event"}
	}
	return r
}

func lastHash(events []Event) string {
	if len(events) == 0 {
		return ""
	}
	return events[len(events)-1].Hash
}

// Audit recomputes the chain of events.
func Audit(events []Event) AuditResult {
	prev := ""
	for i, e := range events {
		switch {
		case e.Seq != i+1:
			return AuditResult{Events: len(events), BrokenSeq: i + 1, Problem: "an event is missing or out of order"}
		case e.PrevHash != prev:
			return AuditResult{Events: len(events), BrokenSeq: e.Seq, Problem: "the link to the previous event does not match"}
		case e.ComputeHash() != e.Hash:
			return AuditResult{Events: len(events), BrokenSeq: e.Seq, Problem: "the event's content does not match its hash"}
		}
		prev = e.Hash
	}
	return AuditResult{Intact: true, Events: len(events)}
}

// appendEvent seals e onto the case's chain. The case's version is the length of its record:
// every change of a case is an event.
func (c *Case) appendEvent(e Event) Event {
	e.Seq = c.EventCount + 1
	e.PrevHash = c.HeadHash
	// Stored times keep milliseconds; hash what will be read back.
	e.At = e.At.UTC().Truncate(time.Millisecond)
	e.Hash = e.ComputeHash()
	c.EventCount, c.HeadHash, c.Version = e.Seq, e.Hash, int64(e.Seq)
	return e
}

// Seed starts the chain of a new case with its creation event.
func (c *Case) Seed(e Event) Event {
	return c.appendEvent(e)
}
