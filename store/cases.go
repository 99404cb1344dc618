package store

import (
	"cmp"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/zhifa/zhifa/domain"
)

type partyDoc struct {
	Kind     string `bson:"kind"`
	Name     string `bson:"name"`
	IDNumber string `bson:"id_number,omitempty"`
	USCC     string `bson:"uscc,omitempty"`
	Phone    string `bson:"phone,omitempty"`
	Address  string `bson:"address,omitempty"`
	LegalRep string `bson:"legal_representative,omitempty"`
	// IDHash and NameGrams are what MongoDB's indexes find a case by (search.go): the digest of
	// the identity number, the grams of the name.
	IDHash    string   `bson:"id_hash,omitempty"`
	NameGrams []string `bson:"name_grams"`
}

type decisionDoc struct {
	Kind             string   `bson:"kind"`
	PenaltyKinds     []string `bson:"penalty_kinds"`
	Fine             int64    `bson:"fine"`
	Tier             string   `bson:"tier,omitempty"`
	OutOfRangeReason string   `bson:"out_of_range_reason,omitempty"`
	Basis            string   `bson:"basis"`
	FirstOffence     bool     `bson:"first_offence"`
	ConfiscatedValue int64    `bson:"confiscated_value,omitempty"`
}

type noticeDoc struct {
	At              time.Time   `bson:"at"`
	Facts           string      `bson:"facts"`
	Reasons         string      `bson:"reasons"`
	Basis           string      `bson:"basis"`
	Proposed        decisionDoc `bson:"proposed"`
	HearingEligible bool        `bson:"hearing_eligible"`
	HearingReason   string      `bson:"hearing_reason,omitempty"`
	StatementDays   int         `bson:"statement_days,omitempty"`
}

type discussionDoc struct {
	HeldOn       time.Time `bson:"held_on"`
	Participants []string  `bson:"participants"`
	Conclusion   string    `bson:"conclusion"`
}

type executionDoc struct {
	PaidOn    time.Time `bson:"paid_on"`
	Paid      int64     `bson:"paid"`
	Surcharge int64     `bson:"surcharge"`
}

type eventDoc struct {
	Seq           int       `bson:"seq"`
	Action        string    `bson:"action"`
	From          string    `bson:"from"`
	To            string    `bson:"to"`
	ActorID       string    `bson:"actor_id"`
	OfficerIDs    []string  `bson:"officer_ids"`
	At            time.Time `bson:"at"`
	Lat           *float64  `bson:"lat,omitempty"`
	Lng           *float64  `bson:"lng,omitempty"`
	DeviceID      string    `bson:"device_id,omitempty"`
	PayloadDigest string    `bson:"payload_digest"`
	EvidenceIDs   []string  `bson:"evidence_ids"`
	// EvidenceHashes are absent from events recorded before they existed.
	EvidenceHashes []string `bson:"evidence_hashes,omitempty"`
	DocumentHash   string   `bson:"document_hash,omitempty"`
	DocumentID     string   `bson:"document_id,omitempty"`
	PrevHash       string   `bson:"prev_hash"`
	Hash           string   `bson:"hash"`
}

// commitDoc is one event of a case's record in collection case_events, keyed by case and
// number. Inserting it is what commits an action: it carries the event and the case's state
// after it, Idempotency-Key included, so one write holds the whole effect. The case document
// is brought up to date afterwards and rolled forward from here after a crash.
type commitDoc struct {
	ID       string   `bson:"_id"`
	CaseID   string   `bson:"case_id"`
	AgencyID string   `bson:"agency_id"`
	Event    eventDoc `bson:"event"`
	// State is the case after the event, without its keys: those are the keys of the case
	// before it and Key, the event's own.
	State *caseDoc `bson:"state,omitempty"`
	Key   *keyDoc  `bson:"key,omitempty"`
	// Document is the document an issue_document event issued; it is written to documents
	// before the case document, so a case that is up to date has all its documents listed.
	Document *documentDoc `bson:"document,omitempty"`
	// Evidence is the evidence an evidence event recorded or settled, as it stands after it.
	Evidence *evidenceDoc `bson:"evidence,omitempty"`
}

type keyDoc struct {
	Key     string    `bson:"k"`
	Request string    `bson:"r"`
	Seq     int       `bson:"s"`
	At      time.Time `bson:"t"`
}

type caseDoc struct {
	ID               string            `bson:"_id"`
	AgencyID         string            `bson:"agency_id"`
	Number           string            `bson:"number"`
	MatterID         string            `bson:"matter_id"`
	Procedure        string            `bson:"procedure"`
	Status           string            `bson:"status"`
	Party            partyDoc          `bson:"party"`
	Facts            string            `bson:"facts,omitempty"`
	ViolationOn      *time.Time        `bson:"violation_on,omitempty"`
	OfficerIDs       []string          `bson:"officer_ids"`
	Investigators    []string          `bson:"investigators,omitempty"`
	ReviewerID       string            `bson:"reviewer_id,omitempty"`
	RegisteredAt     *time.Time        `bson:"registered_at,omitempty"`
	Deadline         *time.Time        `bson:"deadline,omitempty"`
	Notice           *noticeDoc        `bson:"notice,omitempty"`
	Answered         bool              `bson:"answered"`
	Waived           bool              `bson:"waived,omitempty"`
	HearingRequested bool              `bson:"hearing_requested"`
	HearingHeld      bool              `bson:"hearing_held"`
	Proposed         *decisionDoc      `bson:"proposed,omitempty"`
	ReviewApproved   bool              `bson:"review_approved"`
	Decision         *decisionDoc      `bson:"decision,omitempty"`
	DecidedAt        *time.Time        `bson:"decided_at,omitempty"`
	ServedAt         *time.Time        `bson:"served_at,omitempty"`
	Execution        *executionDoc     `bson:"execution,omitempty"`
	TransferTo       string            `bson:"transfer_to,omitempty"`
	TransferBody     string            `bson:"transfer_body,omitempty"`
	TransferAckOn    *time.Time        `bson:"transfer_ack_on,omitempty"`
	Discussion       *discussionDoc    `bson:"discussion,omitempty"`
	Reason           string            `bson:"reason,omitempty"`
	Documents        map[string]string `bson:"documents,omitempty"`
	EventCount       int               `bson:"event_count"`
	HeadHash         string            `bson:"head_hash"`
	// KeyRing packs the keys of the case's recent actions into one binary value (keyRing):
	// up to 200 of them cost a few kilobytes and one value to decode, not 200 subdocuments.
	KeyRing   []byte    `bson:"key_ring,omitempty"`
	CreatedBy string    `bson:"created_by"`
	CreatedAt time.Time `bson:"created_at"`
	UpdatedAt time.Time `bson:"updated_at"`
	Version   int64     `bson:"version"`
}

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	u := t.UTC()
	return &u
}

func timeOf(p *time.Time) time.Time {
	if p == nil {
		return time.Time{}
	}
	return p.UTC()
}

func toDecisionDoc(d *domain.Decision) *decisionDoc {
	if d == nil {
		return nil
	}
	return &decisionDoc{Kind: d.Kind, PenaltyKinds: kindsToStrings(d.PenaltyKinds), Fine: d.Fine, Tier: string(d.Tier),
		OutOfRangeReason: d.OutOfRangeReason, Basis: d.Basis, FirstOffence: d.FirstOffence, ConfiscatedValue: d.ConfiscatedValue}
}

func fromDecisionDoc(d *decisionDoc) *domain.Decision {
	if d == nil {
		return nil
	}
	return &domain.Decision{Kind: d.Kind, PenaltyKinds: stringsToKinds(d.PenaltyKinds), Fine: d.Fine, Tier: domain.Tier(d.Tier),
		OutOfRangeReason: d.OutOfRangeReason, Basis: d.Basis, FirstOffence: d.FirstOffence, ConfiscatedValue: d.ConfiscatedValue}
}

func toCaseDoc(c *domain.Case) caseDoc {
	d := caseDoc{
		ID: c.ID, AgencyID: c.AgencyID, Number: c.Number, MatterID: c.MatterID, Procedure: string(c.Procedure), Status: string(c.Status),
		Party: partyDoc{Kind: c.Party.Kind, Name: c.Party.Name, IDNumber: c.Party.IDNumber, USCC: c.Party.USCC, Phone: c.Party.Phone, Address: c.Party.Address,
			LegalRep: c.Party.LegalRepresentative, IDHash: domain.IDNumberHash(c.Party.IDNumber), NameGrams: domain.NameGrams(c.Party.Name)},
		Facts: c.Facts, ViolationOn: timePtr(c.ViolationOn), OfficerIDs: c.OfficerIDs, Investigators: c.Investigators, ReviewerID: c.ReviewerID,
		RegisteredAt: timePtr(c.RegisteredAt), Deadline: timePtr(c.Deadline), Answered: c.Answered, Waived: c.Waived,
		HearingRequested: c.HearingRequested, HearingHeld: c.HearingHeld, Proposed: toDecisionDoc(c.Proposed),
		ReviewApproved: c.ReviewApproved, Decision: toDecisionDoc(c.Decision), DecidedAt: timePtr(c.DecidedAt),
		ServedAt: timePtr(c.ServedAt), TransferTo: c.TransferTo, TransferBody: c.TransferBody, TransferAckOn: timePtr(c.TransferAckOn),
		Reason: c.Reason, EventCount: c.EventCount, HeadHash: c.HeadHash,
		CreatedBy: c.CreatedBy, CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt, Version: c.Version,
	}
	if d.OfficerIDs == nil {
		d.OfficerIDs = []string{}
	}
	if n := c.Notice; n != nil {
		d.Notice = &noticeDoc{At: n.At, Facts: n.Facts, Reasons: n.Reasons, Basis: n.Basis, Proposed: *toDecisionDoc(&n.Proposed),
			HearingEligible: n.HearingEligible, HearingReason: n.HearingReason, StatementDays: n.StatementDays}
	}
	if x := c.Discussion; x != nil {
		d.Discussion = &discussionDoc{HeldOn: x.HeldOn, Participants: x.Participants, Conclusion: x.Conclusion}
	}
	if e := c.Execution; e != nil {
		d.Execution = &executionDoc{PaidOn: e.PaidOn, Paid: e.Paid, Surcharge: e.Surcharge}
	}
	if len(c.Documents) > 0 {
		d.Documents = map[string]string{}
		for k, v := range c.Documents {
			d.Documents[string(k)] = v
		}
	}
	d.KeyRing = packKeys(c.Keys)
	return d
}

func toEventDoc(e domain.Event) eventDoc {
	return eventDoc{Seq: e.Seq, Action: string(e.Action), From: string(e.From), To: string(e.To), ActorID: e.ActorID,
		OfficerIDs: nonNil(e.OfficerIDs), At: e.At, Lat: e.Lat, Lng: e.Lng, DeviceID: e.DeviceID, PayloadDigest: e.PayloadDigest,
		EvidenceIDs: nonNil(e.EvidenceIDs), EvidenceHashes: e.EvidenceHashes, DocumentHash: e.DocumentHash, DocumentID: e.DocumentID, PrevHash: e.PrevHash, Hash: e.Hash}
}

func fromEventDoc(e *eventDoc) domain.Event {
	return domain.Event{Seq: e.Seq, Action: domain.Action(e.Action), From: domain.CaseStatus(e.From), To: domain.CaseStatus(e.To),
		ActorID: e.ActorID, OfficerIDs: e.OfficerIDs, At: e.At.UTC(), Lat: e.Lat, Lng: e.Lng, DeviceID: e.DeviceID,
		PayloadDigest: e.PayloadDigest, EvidenceIDs: e.EvidenceIDs, EvidenceHashes: e.EvidenceHashes, DocumentHash: e.DocumentHash, DocumentID: e.DocumentID,
		PrevHash: e.PrevHash, Hash: e.Hash}
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func fromCaseDoc(d *caseDoc) *domain.Case {
	c := &domain.Case{
		ID: d.ID, AgencyID: d.AgencyID, Number: d.Number, MatterID: d.MatterID, Procedure: domain.Procedure(d.Procedure),
		Status: domain.CaseStatus(d.Status),
		Party: domain.Party{Kind: d.Party.Kind, Name: d.Party.Name, IDNumber: d.Party.IDNumber, USCC: d.Party.USCC, Phone: d.Party.Phone, Address: d.Party.Address,
			LegalRepresentative: d.Party.LegalRep},
		Facts: d.Facts, ViolationOn: timeOf(d.ViolationOn), OfficerIDs: d.OfficerIDs, Investigators: d.Investigators, ReviewerID: d.ReviewerID,
		RegisteredAt: timeOf(d.RegisteredAt), Deadline: timeOf(d.Deadline), Answered: d.Answered, Waived: d.Waived,
		HearingRequested: d.HearingRequested, HearingHeld: d.HearingHeld, Proposed: fromDecisionDoc(d.Proposed),
		ReviewApproved: d.ReviewApproved, Decision: fromDecisionDoc(d.Decision), DecidedAt: timeOf(d.DecidedAt),
		ServedAt: timeOf(d.ServedAt), TransferTo: d.TransferTo, TransferBody: d.TransferBody, TransferAckOn: timeOf(d.TransferAckOn),
		Reason: d.Reason, EventCount: d.EventCount, HeadHash: d.HeadHash,
		CreatedBy: d.CreatedBy, CreatedAt: d.CreatedAt.UTC(), UpdatedAt: d.UpdatedAt.UTC(), Version: d.Version,
	}
	if n := d.Notice; n != nil {
		c.Notice = &domain.Notice{At: n.At.UTC(), Facts: n.Facts, Reasons: n.Reasons, Basis: n.Basis, Proposed: *fromDecisionDoc(&n.Proposed),
			HearingEligible: n.HearingEligible, HearingReason: n.HearingReason, StatementDays: n.StatementDays}
	}
	if x := d.Discussion; x != nil {
		c.Discussion = &domain.Discussion{HeldOn: x.HeldOn.UTC(), Participants: x.Participants, Conclusion: x.Conclusion}
	}
	if e := d.Execution; e != nil {
		c.Execution = &domain.Execution{PaidOn: e.PaidOn.UTC(), Paid: e.Paid, Surcharge: e.Surcharge}
	}
	if len(d.Documents) > 0 {
		c.Documents = map[domain.DocumentKind]string{}
		for k, v := range d.Documents {
			c.Documents[domain.DocumentKind(k)] = v
		}
	}
	c.Keys = unpackKeys(d.KeyRing)
	return c
}

// packKeys writes action keys as one value: per key its key and request (each a length and
// the bytes), the event number and the time in milliseconds, as varints.
func packKeys(keys []domain.ActionKey) []byte {
	var b []byte
	for _, k := range keys {
		b = binary.AppendUvarint(b, uint64(len(k.Key)))
		b = append(b, k.Key...)
		b = binary.AppendUvarint(b, uint64(len(k.Request)))
		b = append(b, k.Request...)
		b = binary.AppendUvarint(b, uint64(k.Seq))
		b = binary.AppendVarint(b, k.At.UnixMilli())
	}
	return b
}

// unpackKeys reads what packKeys wrote; a damaged tail is dropped.
func unpackKeys(b []byte) []domain.ActionKey {
	var out []domain.ActionKey
	str := func() (string, bool) {
		n, w := binary.Uvarint(b)
		if w <= 0 || uint64(len(b)-w) < n {
			return "", false
		}
		s := string(b[w : w+int(n)])
		b = b[w+int(n):]
		return s, true
	}
	for len(b) > 0 {
		key, ok1 := str()
		req, ok2 := str()
		if !ok1 || !ok2 {
			break
		}
		seq, w := binary.Uvarint(b)
		if w <= 0 {
			break
		}
		b = b[w:]
		ms, w := binary.Varint(b)
		if w <= 0 {
			break
		}
		b = b[w:]
		out = append(out, domain.ActionKey{Key: key, Request: req, Seq: int(seq), At: time.UnixMilli(ms).UTC()})
	}
	return out
}

// commitID keys an event by case and number; the number is zero-padded so that the ids of one
// case sort in order.
func commitID(caseID string, seq int) string { return fmt.Sprintf("%s:%08d", caseID, seq) }

// CommitCase commits ev, the newest event of c, with c's state after it, in one insert keyed by
// case and event number: of two writers of the same next event one wins, the other gets
// Conflict. The case document is brought up to date after the commit; if that write does not
// happen, the next read of the case rolls it forward.
func (s *Store) CommitCase(ctx context.Context, c *domain.Case, ev domain.Event, with domain.Attached) error {
	now := asStored(time.Now())
	if ev.Seq == 1 {
		c.CreatedAt = asStored(ev.At) // the case is created when its first event happened
		if c.ID == "" {
			c.ID = newID()
		}
	}
	c.UpdatedAt = now
	d := toCaseDoc(c)
	state := d
	state.KeyRing = nil
	cd := commitDoc{ID: commitID(c.ID, ev.Seq), CaseID: c.ID, AgencyID: c.AgencyID, Event: toEventDoc(ev), State: &state}
	if n := len(c.Keys); n > 0 && c.Keys[n-1].Seq == ev.Seq {
		k := c.Keys[n-1]
		cd.Key = &keyDoc{Key: k.Key, Request: k.Request, Seq: k.Seq, At: k.At}
	}
	if doc := with.Document; doc != nil {
		dd := toDocumentDoc(doc)
		cd.Document = &dd
	}
	if e := with.Evidence; e != nil {
		ed := toEvidenceDoc(e)
		ed.Version = int64(ev.Seq) // evidence changes only by its case's events
		cd.Evidence = &ed
	}
	ended := s.cases.committing(c.ID)
	defer ended()
	_, err := s.db.Collection("case_events").InsertOne(ctx, cd)
	if err != nil {
		// Lost to another writer, or not known to have been written: what the process held
		// of the case is read again.
		s.cases.forget(c.ID)
	}
	if mongo.IsDuplicateKeyError(err) {
		if ev.Seq == 1 {
			return domain.Errorf(domain.Conflict, "a case with this id already exists")
		}
		return domain.Errorf(domain.Conflict, "the case was changed by someone else; reload and retry")
	}
	if err != nil {
		return mapErr(err, "case")
	}
	s.events.keep(cd.ID, &cd.Event)
	// The commit stands whatever happens here (a reader rolls the case forward), and it must
	// not be cut short by the commit's own deadline: lists read the case document.
	cd.State = &d
	s.cases.keep(&d, 0)
	mctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	_ = s.materialize(mctx, &cd)
	return nil
}

// materialize writes what a commit holds to the documents and cases collections, the case
// document unless the stored one is as new or newer.
func (s *Store) materialize(ctx context.Context, cd *commitDoc) error {
	if cd.Document != nil {
		_, err := s.db.Collection("documents").InsertOne(ctx, cd.Document)
		if err != nil && !mongo.IsDuplicateKeyError(err) {
			return mapErr(err, "document")
		}
		s.idx.documents.wrote(s.db, documentEntryOf(cd.Document), nil)
	}
	if cd.Evidence != nil {
		if err := s.writeEvidence(ctx, cd.Evidence); err != nil {
			return mapErr(err, "evidence")
		}
	}
	d := cd.State
	c := s.db.Collection("cases")
	err := s.serialize("cases/"+d.ID, func() error {
		err := s.writeCase(ctx, c, d)
		if err == nil {
			// Under the lock, so that no other write of the case reads an older count.
			s.cases.storedUpTo(d.ID, d.EventCount)
		}
		return err
	})
	s.idx.cases.wrote(s.db, caseEntryOf(d), err)
	return mapErr(err, "case")
}

// writeCase writes the case document d unless the stored one has as many events.
func (s *Store) writeCase(ctx context.Context, c *mongo.Collection, d *caseDoc) error {
	if !s.serialWrites {
		_, err := c.ReplaceOne(ctx, bson.D{{Key: "_id", Value: d.ID}, {Key: "event_count", Value: bson.D{{Key: "$lt", Value: d.EventCount}}}}, d,
			options.Replace().SetUpsert(true))
		if mongo.IsDuplicateKeyError(err) {
			return nil // a newer state is there already
		}
		return err
	}
	// A case's first commit has no case document before it (only commits make one).
	if d.EventCount == 1 {
		_, err := c.InsertOne(ctx, d)
		if !mongo.IsDuplicateKeyError(err) {
			return err
		}
	}
	// What the process knows of the stored document saves reading it.
	if stored := s.cases.storedCount(d.ID); stored > 0 {
		if stored >= d.EventCount {
			return nil
		}
		_, err := c.ReplaceOne(ctx, bson.D{{Key: "_id", Value: d.ID}}, d)
		return err
	}
	// FerretDB uses its primary key only for a filter that is exactly {_id}.
	var cur struct {
		EventCount int `bson:"event_count"`
	}
	err := c.FindOne(ctx, bson.D{{Key: "_id", Value: d.ID}}, options.FindOne().SetProjection(bson.D{{Key: "event_count", Value: 1}})).Decode(&cur)
	switch {
	case errors.Is(err, mongo.ErrNoDocuments):
		_, err = c.InsertOne(ctx, d)
		return err
	case err != nil:
		return err
	case cur.EventCount >= d.EventCount:
		return nil
	}
	_, err = c.ReplaceOne(ctx, bson.D{{Key: "_id", Value: d.ID}}, d)
	return err
}

// commitFilter selects a case's commits by _id. On MongoDB it names the case too, so that a
// cluster sharded on case_events.case_id sends it to the one shard holding the case (README,
// "A province"); FerretDB uses its primary key only for a filter that is exactly {_id}.
func (s *Store) commitFilter(caseID string, id any) bson.D {
	if s.serialWrites {
		return bson.D{{Key: "_id", Value: id}}
	}
	return bson.D{{Key: "_id", Value: id}, {Key: "case_id", Value: caseID}}
}

// CaseByID returns the case, rolled forward over any event committed after its document was
// last written, or NotFound.
func (s *Store) CaseByID(ctx context.Context, id string) (*domain.Case, error) {
	held, _, listed, ok := s.cases.get(id, true)
	if ok && !listed {
		return held, nil
	}
	mark := s.cases.readStarted(id)
	var d caseDoc
	if ok {
		d = toCaseDoc(held)
	} else {
		err := s.db.Collection("cases").FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&d)
		if err != nil && !errors.Is(err, mongo.ErrNoDocuments) {
			return nil, mapErr(err, "case")
		}
	}
	stored := d.EventCount
	for {
		var cd commitDoc
		err := s.db.Collection("case_events").FindOne(ctx, s.commitFilter(id, commitID(id, d.EventCount+1))).Decode(&cd)
		if errors.Is(err, mongo.ErrNoDocuments) {
			break
		}
		if err != nil {
			return nil, mapErr(err, "case")
		}
		if cd.State == nil {
			return nil, domain.Errorf(domain.Internal, "event %d of case %s has no state", cd.Event.Seq, id)
		}
		next := fromCaseDoc(cd.State)
		next.Keys = fromCaseDoc(&d).Keys
		if k := cd.Key; k != nil {
			next.Remember(domain.ActionKey{Key: k.Key, Request: k.Request, Seq: k.Seq, At: k.At.UTC()})
		}
		nd := toCaseDoc(next)
		cd.State = &nd
		if err := s.materialize(ctx, &cd); err != nil {
			return nil, err
		}
		d, stored = nd, nd.EventCount
	}
	if d.EventCount == 0 {
		return nil, domain.Errorf(domain.NotFound, "case not found")
	}
	s.cases.keepRead(&d, stored, mark, false)
	return fromCaseDoc(&d), nil
}

// CaseAt returns the case as it stood after event seq, with that event: what the action that
// appended it answered.
func (s *Store) CaseAt(ctx context.Context, caseID string, seq int) (*domain.Case, domain.Event, error) {
	var cd commitDoc
	if err := s.db.Collection("case_events").FindOne(ctx, s.commitFilter(caseID, commitID(caseID, seq))).Decode(&cd); err != nil {
		return nil, domain.Event{}, mapErr(err, "event")
	}
	if cd.State == nil {
		return nil, domain.Event{}, domain.Errorf(domain.Internal, "event %d of case %s has no state", seq, caseID)
	}
	return fromCaseDoc(cd.State), fromEventDoc(&cd.Event), nil
}

// EventsOf returns the events from seq from to seq to of a case, in order. MongoDB reads the
// range from the _id index; on FerretDB, whose SQLite backend uses its key only for an exact
// _id, each event is read by _id.
func (s *Store) EventsOf(ctx context.Context, caseID string, from, to int) ([]domain.Event, error) {
	from = max(from, 1)
	if to < from {
		return []domain.Event{}, nil
	}
	if s.events != nil {
		return s.heldEventsOf(ctx, caseID, from, to)
	}
	return s.StoredEventsOf(ctx, caseID, from, to)
}

// StoredEventsOf is EventsOf read from the engine, whatever the process holds: what the audit
// checks.
func (s *Store) StoredEventsOf(ctx context.Context, caseID string, from, to int) ([]domain.Event, error) {
	from = max(from, 1)
	if to < from {
		return []domain.Event{}, nil
	}
	c := s.db.Collection("case_events")
	if s.serialWrites {
		ids := make([]string, 0, to-from+1)
		for seq := from; seq <= to; seq++ {
			ids = append(ids, commitID(caseID, seq))
		}
		return s.readEvents(ctx, ids)
	}
	conv := func(d *commitDoc) domain.Event { return fromEventDoc(&d.Event) }
	cur, err := c.Find(ctx, s.commitFilter(caseID, bson.D{{Key: "$gte", Value: commitID(caseID, from)}, {Key: "$lte", Value: commitID(caseID, to)}}),
		options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}).SetProjection(bson.D{{Key: "state", Value: 0}}))
	return findAll(ctx, cur, err, conv, "events")
}

// readEvents reads commits by _id, without their states, and returns the events found.
func (s *Store) readEvents(ctx context.Context, ids []string) ([]domain.Event, error) {
	noState := options.FindOne().SetProjection(bson.D{{Key: "state", Value: 0}})
	conv := func(d *commitDoc) domain.Event { return fromEventDoc(&d.Event) }
	return readByID(ctx, s.db.Collection("case_events"), ids, conv, "events", noState)
}

// ListCases lists cases by filter in id order, leaving out the event chains. On FerretDB the
// in-process index picks the page (a search from its postings) and each case is read by _id.
func (s *Store) ListCases(ctx context.Context, f domain.CaseFilter, p domain.Page) ([]*domain.Case, string, error) {
	if s.idx.cases == nil {
		return s.queryCases(ctx, f, p)
	}
	var ids []string
	var next string
	var err error
	if scopes, terms := caseSearch(f); terms != nil {
		var byDocument []string
		if f.Number != "" {
			if byDocument, err = s.casesOfDocumentNumber(ctx, scopes, f.Number); err != nil {
				return nil, "", err
			}
		}
		ids, next, err = searchedIDs(ctx, s.idx.cases, scopes, terms, byDocument, matchCase(f, byDocument), p)
	} else {
		ids, next, err = indexedIDs(ctx, s.idx.cases, matchCase(f, nil), p)
	}
	if err != nil {
		return nil, "", err
	}
	out, err := s.casesByID(ctx, ids)
	return out, next, err
}

// casesByID reads the cases with ids, in order: those the process holds from what it holds,
// the others each by _id (the one lookup the embedded engine answers from an index), at most
// four at once, without their keys. A case deleted since the index named it is left out.
func (s *Store) casesByID(ctx context.Context, ids []string) ([]*domain.Case, error) {
	out := make([]*domain.Case, len(ids))
	var missing []string
	var at []int
	for i, id := range ids {
		if c, _, _, ok := s.cases.get(id, false); ok {
			out[i] = c
			continue
		}
		missing, at = append(missing, id), append(at, i)
	}
	if len(missing) > 0 {
		marks := make([]uint64, len(missing))
		for i, id := range missing {
			marks[i] = s.cases.readStarted(id)
		}
		// Read whole where the process holds cases, so that it can hold these too.
		var opts []options.Lister[options.FindOneOptions]
		if s.cases == nil {
			opts = append(opts, options.FindOne().SetProjection(bson.D{{Key: "key_ring", Value: 0}}))
		}
		read, err := readByID(ctx, s.db.Collection("cases"), missing, func(d *caseDoc) *caseDoc { return d }, "case", opts...)
		if err != nil {
			return nil, err
		}
		// A case left out of read leaves a nil behind; read keeps the order of missing.
		j := 0
		for i, id := range missing {
			if j < len(read) && read[j].ID == id {
				// The document may lag its last commit (a crash between the two): it is held
				// as listed, and CaseByID rolls it forward before acting on it.
				s.cases.keepRead(read[j], read[j].EventCount, marks[i], true)
				read[j].KeyRing = nil
				out[at[i]] = fromCaseDoc(read[j])
				j++
			}
		}
	}
	kept := out[:0]
	for _, c := range out {
		if c != nil {
			kept = append(kept, c)
		}
	}
	return kept, nil
}

// queryCases lists cases with a database query, which MongoDB answers from its indexes.
func (s *Store) queryCases(ctx context.Context, f domain.CaseFilter, p domain.Page) ([]*domain.Case, string, error) {
	var byDocument []string
	if f.Number != "" {
		var err error
		scopes, _ := caseSearch(f)
		if byDocument, err = s.casesOfDocumentNumber(ctx, scopes, f.Number); err != nil {
			return nil, "", err
		}
	}
	return pageWith(ctx, s.db.Collection("cases"), caseQuery(f, byDocument), p, options.Find().SetProjection(bson.D{{Key: "key_ring", Value: 0}}), fromCaseDoc, func(d *caseDoc) string { return d.ID })
}

// caseQuery is the database query of f, for the list and its count; byDocument are the cases
// a document numbered f.Number was issued in.
func caseQuery(f domain.CaseFilter, byDocument []string) bson.D {
	filter := bson.D{}
	add := func(k string, v any) { filter = append(filter, bson.E{Key: k, Value: v}) }
	if f.AgencyID != "" {
		add("agency_id", f.AgencyID)
	}
	if f.Status != "" {
		add("status", string(f.Status))
	}
	if f.OfficerID != "" {
		add("officer_ids", f.OfficerID)
	}
	if f.EnterpriseUSCC != "" {
		add("party.uscc", f.EnterpriseUSCC)
	}
	if !f.OverdueAt.IsZero() {
		open := make([]string, len(domain.OpenStatuses))
		for i, st := range domain.OpenStatuses {
			open[i] = string(st)
		}
		if f.Status == "" {
			add("status", bson.D{{Key: "$in", Value: open}})
		}
		add("deadline", bson.D{{Key: "$lt", Value: f.OverdueAt}})
	}
	if created := timeRange(f.CreatedFrom, f.CreatedTo); created != nil {
		add("created_at", created)
	}
	switch {
	case f.Number != "" && len(byDocument) > 0:
		add("$or", bson.A{bson.D{{Key: "number", Value: f.Number}}, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: byDocument}}}}})
	case f.Number != "":
		add("number", f.Number)
	}
	if f.PartyIDHash != "" {
		add("party.id_hash", f.PartyIDHash)
	}
	if f.PartyName != "" {
		filter = append(filter, nameFilter("party.name", f.PartyName)...)
	}
	return filter
}

// NextCaseNumber allocates the agency's next case number of the year.
func (s *Store) NextCaseNumber(ctx context.Context, agencyID string, year int) (int64, error) {
	return s.next(ctx, "case:"+agencyID+":"+itoa(year))
}

// NextDocumentNumber allocates the agency's next number of a kind of document in a year (文号).
func (s *Store) NextDocumentNumber(ctx context.Context, agencyID string, kind domain.DocumentKind, year int) (int64, error) {
	return s.next(ctx, "document:"+agencyID+":"+string(kind)+":"+itoa(year))
}

type documentDoc struct {
	ID       string            `bson:"_id"`
	CaseID   string            `bson:"case_id"`
	AgencyID string            `bson:"agency_id"`
	Kind     string            `bson:"kind"`
	Version  int               `bson:"version"`
	Fields   map[string]string `bson:"fields"`
	Hash     string            `bson:"hash"`
	IssuedBy string            `bson:"issued_by"`
	IssuedAt time.Time         `bson:"issued_at"`
}

func fromDocumentDoc(d *documentDoc) *domain.Document {
	return &domain.Document{ID: d.ID, CaseID: d.CaseID, AgencyID: d.AgencyID, Kind: domain.DocumentKind(d.Kind), Version: d.Version,
		Fields: d.Fields, Hash: d.Hash, IssuedBy: d.IssuedBy, IssuedAt: d.IssuedAt.UTC()}
}

func toDocumentDoc(d *domain.Document) documentDoc {
	return documentDoc{ID: d.ID, CaseID: d.CaseID, AgencyID: d.AgencyID, Kind: string(d.Kind),
		Version: d.Version, Fields: d.Fields, Hash: d.Hash, IssuedBy: d.IssuedBy, IssuedAt: d.IssuedAt}
}

// documentEntry is one issued document as the list of a case's documents sees it. Documents
// are immutable, so every entry is at version 1.
type documentEntry struct {
	ID       string    `json:"i"`
	CaseID   string    `json:"c"`
	IssuedAt time.Time `json:"t"`
	Agency   string    `json:"a,omitempty"`
	Number   string    `json:"n,omitempty"` // the 文号
}

func (e documentEntry) entryID() string   { return e.ID }
func (documentEntry) entryVersion() int64 { return 1 }

var documentEntryFields = bson.D{{Key: "case_id", Value: 1}, {Key: "issued_at", Value: 1}, {Key: "agency_id", Value: 1}, {Key: "fields.number", Value: 1}}

var documentEntryPaths = []string{"_id", "case_id", "issued_at", "agency_id", "fields.number"}

func documentEntryOfRow(r *sqlRow) documentEntry {
	return documentEntry{ID: r.str(0), CaseID: r.str(1), IssuedAt: r.date(2), Agency: r.str(3), Number: r.str(4)}
}

func documentEntryOf(d *documentDoc) documentEntry {
	return documentEntry{ID: d.ID, CaseID: d.CaseID, IssuedAt: asStored(d.IssuedAt), Agency: d.AgencyID, Number: d.Fields["number"]}
}

// documentIndexFormat names the entries' shape; a snapshot of an older one is scanned again.
const documentIndexFormat = "search-1"

// A document is searched within its agency by its 文号.
func documentScope(e *documentEntry) string { return e.Agency }

func documentTerms(e *documentEntry) []string {
	if e.Number == "" {
		return nil
	}
	return []string{"n\x00" + e.Number}
}

// mostByDocumentNumber bounds the cases one 文号 names (one case, unless an agency's pattern
// repeats numbers).
const mostByDocumentNumber = 100

// documentNumberQuery is the database query of the documents numbered number in the agencies
// of scopes (nil: every agency).
func documentNumberQuery(scopes []string, number string) bson.D {
	if scopes == nil {
		return bson.D{{Key: "fields.number", Value: number}}
	}
	return bson.D{{Key: "agency_id", Value: bson.D{{Key: "$in", Value: scopes}}}, {Key: "fields.number", Value: number}}
}

// casesOfDocumentNumber lists the ids of the cases in which a document numbered number was
// issued, in the agencies of scopes (nil: every agency).
func (s *Store) casesOfDocumentNumber(ctx context.Context, scopes []string, number string) ([]string, error) {
	var out []string
	if x := s.idx.documents; x != nil {
		if err := x.wait(ctx); err != nil {
			return nil, err
		}
		ids, _ := x.search(scopes, documentTerms(&documentEntry{Number: number}), func(*documentEntry) bool { return true }, "", nil, mostByDocumentNumber)
		for _, id := range ids {
			if e, ok := x.get(id); ok && !slices.Contains(out, e.CaseID) {
				out = append(out, e.CaseID)
			}
		}
		return out, nil
	}
	cur, err := s.db.Collection("documents").Find(ctx, documentNumberQuery(scopes, number), options.Find().SetProjection(bson.D{{Key: "case_id", Value: 1}}).SetLimit(mostByDocumentNumber))
	docs, err := findAll(ctx, cur, err, func(d *documentDoc) string { return d.CaseID }, "documents")
	for _, id := range docs {
		if !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out, err
}

// DocumentByID returns the document or NotFound.
func (s *Store) DocumentByID(ctx context.Context, id string) (*domain.Document, error) {
	return findOne(ctx, s.db.Collection("documents"), bson.D{{Key: "_id", Value: id}}, fromDocumentDoc, "document")
}

// DocumentsOf lists a case's documents, oldest first.
func (s *Store) DocumentsOf(ctx context.Context, caseID string) ([]*domain.Document, error) {
	x := s.idx.documents
	if x == nil {
		return s.queryDocumentsOf(ctx, caseID)
	}
	if err := x.wait(ctx); err != nil {
		return nil, err
	}
	found := x.inGroup("case", caseID, func(*documentEntry) bool { return true })
	slices.SortFunc(found, func(a, b documentEntry) int {
		return cmp.Or(a.IssuedAt.Compare(b.IssuedAt), strings.Compare(a.ID, b.ID))
	})
	ids := make([]string, len(found))
	for i, e := range found {
		ids[i] = e.ID
	}
	return readByID(ctx, s.db.Collection("documents"), ids, fromDocumentDoc, "documents")
}

func (s *Store) queryDocumentsOf(ctx context.Context, caseID string) ([]*domain.Document, error) {
	cur, err := s.db.Collection("documents").Find(ctx, bson.D{{Key: "case_id", Value: caseID}}, options.Find().SetSort(bson.D{{Key: "issued_at", Value: 1}, {Key: "_id", Value: 1}}))
	return findAll(ctx, cur, err, fromDocumentDoc, "documents")
}
