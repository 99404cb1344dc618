package store

import (
	"cmp"
	"context"
	"slices"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
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
}

type decisionDoc struct {
	Kind             string   `bson:"kind"`
	PenaltyKinds     []string `bson:"penalty_kinds"`
	Fine             int64    `bson:"fine"`
	Tier             string   `bson:"tier,omitempty"`
	OutOfRangeReason string   `bson:"out_of_range_reason,omitempty"`
	Basis            string   `bson:"basis"`
	FirstOffence     bool     `bson:"first_offence"`
}

type noticeDoc struct {
	At              time.Time   `bson:"at"`
	Facts           string      `bson:"facts"`
	Reasons         string      `bson:"reasons"`
	Basis           string      `bson:"basis"`
	Proposed        decisionDoc `bson:"proposed"`
	HearingEligible bool        `bson:"hearing_eligible"`
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
	DocumentHash  string    `bson:"document_hash,omitempty"`
	PrevHash      string    `bson:"prev_hash"`
	Hash          string    `bson:"hash"`
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
	ReviewerID       string            `bson:"reviewer_id,omitempty"`
	RegisteredAt     *time.Time        `bson:"registered_at,omitempty"`
	Deadline         *time.Time        `bson:"deadline,omitempty"`
	Notice           *noticeDoc        `bson:"notice,omitempty"`
	Answered         bool              `bson:"answered"`
	HearingRequested bool              `bson:"hearing_requested"`
	HearingHeld      bool              `bson:"hearing_held"`
	Proposed         *decisionDoc      `bson:"proposed,omitempty"`
	ReviewApproved   bool              `bson:"review_approved"`
	Decision         *decisionDoc      `bson:"decision,omitempty"`
	DecidedAt        *time.Time        `bson:"decided_at,omitempty"`
	ServedAt         *time.Time        `bson:"served_at,omitempty"`
	Execution        *executionDoc     `bson:"execution,omitempty"`
	TransferTo       string            `bson:"transfer_to,omitempty"`
	Reason           string            `bson:"reason,omitempty"`
	Documents        map[string]string `bson:"documents,omitempty"`
	Events           []eventDoc        `bson:"events,omitempty"`
	CreatedBy        string            `bson:"created_by"`
	CreatedAt        time.Time         `bson:"created_at"`
	UpdatedAt        time.Time         `bson:"updated_at"`
	Version          int64             `bson:"version"`
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
		OutOfRangeReason: d.OutOfRangeReason, Basis: d.Basis, FirstOffence: d.FirstOffence}
}

func fromDecisionDoc(d *decisionDoc) *domain.Decision {
	if d == nil {
		return nil
	}
	return &domain.Decision{Kind: d.Kind, PenaltyKinds: stringsToKinds(d.PenaltyKinds), Fine: d.Fine, Tier: domain.Tier(d.Tier),
		OutOfRangeReason: d.OutOfRangeReason, Basis: d.Basis, FirstOffence: d.FirstOffence}
}

func toCaseDoc(c *domain.Case) caseDoc {
	d := caseDoc{
		ID: c.ID, AgencyID: c.AgencyID, Number: c.Number, MatterID: c.MatterID, Procedure: string(c.Procedure), Status: string(c.Status),
		Party: partyDoc{Kind: c.Party.Kind, Name: c.Party.Name, IDNumber: c.Party.IDNumber, USCC: c.Party.USCC, Phone: c.Party.Phone, Address: c.Party.Address},
		Facts: c.Facts, ViolationOn: timePtr(c.ViolationOn), OfficerIDs: c.OfficerIDs, ReviewerID: c.ReviewerID,
		RegisteredAt: timePtr(c.RegisteredAt), Deadline: timePtr(c.Deadline), Answered: c.Answered,
		HearingRequested: c.HearingRequested, HearingHeld: c.HearingHeld, Proposed: toDecisionDoc(c.Proposed),
		ReviewApproved: c.ReviewApproved, Decision: toDecisionDoc(c.Decision), DecidedAt: timePtr(c.DecidedAt),
		ServedAt: timePtr(c.ServedAt), TransferTo: c.TransferTo, Reason: c.Reason,
		CreatedBy: c.CreatedBy, CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt, Version: c.Version,
	}
	if d.OfficerIDs == nil {
		d.OfficerIDs = []string{}
	}
	if n := c.Notice; n != nil {
		d.Notice = &noticeDoc{At: n.At, Facts: n.Facts, Reasons: n.Reasons, Basis: n.Basis, Proposed: *toDecisionDoc(&n.Proposed), HearingEligible: n.HearingEligible}
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
	for _, e := range c.Events {
		d.Events = append(d.Events, eventDoc{Seq: e.Seq, Action: string(e.Action), From: string(e.From), To: string(e.To), ActorID: e.ActorID,
			OfficerIDs: nonNil(e.OfficerIDs), At: e.At, Lat: e.Lat, Lng: e.Lng, DeviceID: e.DeviceID, PayloadDigest: e.PayloadDigest,
			EvidenceIDs: nonNil(e.EvidenceIDs), DocumentHash: e.DocumentHash, PrevHash: e.PrevHash, Hash: e.Hash})
	}
	return d
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
		Party:  domain.Party{Kind: d.Party.Kind, Name: d.Party.Name, IDNumber: d.Party.IDNumber, USCC: d.Party.USCC, Phone: d.Party.Phone, Address: d.Party.Address},
		Facts:  d.Facts, ViolationOn: timeOf(d.ViolationOn), OfficerIDs: d.OfficerIDs, ReviewerID: d.ReviewerID,
		RegisteredAt: timeOf(d.RegisteredAt), Deadline: timeOf(d.Deadline), Answered: d.Answered,
		HearingRequested: d.HearingRequested, HearingHeld: d.HearingHeld, Proposed: fromDecisionDoc(d.Proposed),
		ReviewApproved: d.ReviewApproved, Decision: fromDecisionDoc(d.Decision), DecidedAt: timeOf(d.DecidedAt),
		ServedAt: timeOf(d.ServedAt), TransferTo: d.TransferTo, Reason: d.Reason,
		CreatedBy: d.CreatedBy, CreatedAt: d.CreatedAt.UTC(), UpdatedAt: d.UpdatedAt.UTC(), Version: d.Version,
	}
	if n := d.Notice; n != nil {
		c.Notice = &domain.Notice{At: n.At.UTC(), Facts: n.Facts, Reasons: n.Reasons, Basis: n.Basis, Proposed: *fromDecisionDoc(&n.Proposed), HearingEligible: n.HearingEligible}
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
	for _, e := range d.Events {
		c.Events = append(c.Events, domain.Event{Seq: e.Seq, Action: domain.Action(e.Action), From: domain.CaseStatus(e.From), To: domain.CaseStatus(e.To),
			ActorID: e.ActorID, OfficerIDs: e.OfficerIDs, At: e.At.UTC(), Lat: e.Lat, Lng: e.Lng, DeviceID: e.DeviceID,
			PayloadDigest: e.PayloadDigest, EvidenceIDs: e.EvidenceIDs, DocumentHash: e.DocumentHash, PrevHash: e.PrevHash, Hash: e.Hash})
	}
	return c
}

// CreateCase inserts c at version 1; Conflict when the id is taken.
func (s *Store) CreateCase(ctx context.Context, c *domain.Case) error {
	if c.ID == "" {
		c.ID = newID()
	}
	now := time.Now().UTC()
	c.CreatedAt, c.UpdatedAt, c.Version = now, now, 1
	d := toCaseDoc(c)
	_, err := s.db.Collection("cases").InsertOne(ctx, d)
	s.idx.cases.wrote(s.db, caseEntryOf(&d), err)
	return mapErr(err, "a case with this id")
}

// CaseByID returns the case with its events, or NotFound.
func (s *Store) CaseByID(ctx context.Context, id string) (*domain.Case, error) {
	return findOne(ctx, s.db.Collection("cases"), bson.D{{Key: "_id", Value: id}}, fromCaseDoc, "case")
}

// UpdateCase replaces the case, events included, at its version: state and record change in
// one single-document write.
func (s *Store) UpdateCase(ctx context.Context, c *domain.Case) error {
	c.UpdatedAt = time.Now().UTC()
	d := toCaseDoc(c)
	d.Version++
	err := s.replaceVersioned(ctx, s.db.Collection("cases"), c.ID, c.Version, d, "case")
	s.idx.cases.wrote(s.db, caseEntryOf(&d), err)
	if err != nil {
		return err
	}
	c.Version = d.Version
	return nil
}

// ListCases lists cases by filter in id order, leaving out the event chains. On FerretDB the
// in-process index picks the page and each case is read by _id.
func (s *Store) ListCases(ctx context.Context, f domain.CaseFilter, p domain.Page) ([]*domain.Case, string, error) {
	if s.idx.cases == nil {
		return s.queryCases(ctx, f, p)
	}
	return indexedPage(ctx, s.idx.cases, s.db.Collection("cases"), matchCase(f), p, fromCaseDoc, "case",
		options.FindOne().SetProjection(bson.D{{Key: "events", Value: 0}}))
}

// queryCases lists cases with a database query, which MongoDB answers from its indexes.
func (s *Store) queryCases(ctx context.Context, f domain.CaseFilter, p domain.Page) ([]*domain.Case, string, error) {
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
	created := bson.D{}
	if !f.CreatedFrom.IsZero() {
		created = append(created, bson.E{Key: "$gte", Value: f.CreatedFrom})
	}
	if !f.CreatedTo.IsZero() {
		created = append(created, bson.E{Key: "$lt", Value: f.CreatedTo})
	}
	if len(created) > 0 {
		add("created_at", created)
	}
	return pageWith(ctx, s.db.Collection("cases"), filter, p, options.Find().SetProjection(bson.D{{Key: "events", Value: 0}}), fromCaseDoc, func(d *caseDoc) string { return d.ID })
}

// NextCaseNumber allocates the agency's next case number of the year.
func (s *Store) NextCaseNumber(ctx context.Context, agencyID string, year int) (int64, error) {
	return s.next(ctx, "case:"+agencyID+":"+itoa(year))
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

// CreateDocument inserts an issued document; Conflict when that version of the kind exists.
func (s *Store) CreateDocument(ctx context.Context, d *domain.Document) error {
	if d.ID == "" {
		d.ID = newID()
	}
	doc := documentDoc{ID: d.ID, CaseID: d.CaseID, AgencyID: d.AgencyID, Kind: string(d.Kind),
		Version: d.Version, Fields: d.Fields, Hash: d.Hash, IssuedBy: d.IssuedBy, IssuedAt: d.IssuedAt}
	_, err := s.db.Collection("documents").InsertOne(ctx, doc)
	s.idx.documents.wrote(s.db, documentEntryOf(&doc), err)
	return mapErr(err, "this version of the document")
}

// documentEntry is one issued document as the list of a case's documents sees it. Documents
// are immutable, so every entry is at version 1.
type documentEntry struct {
	ID       string    `json:"i"`
	CaseID   string    `json:"c"`
	IssuedAt time.Time `json:"t"`
}

func (e documentEntry) entryID() string   { return e.ID }
func (documentEntry) entryVersion() int64 { return 1 }

var documentEntryFields = bson.D{{Key: "case_id", Value: 1}, {Key: "issued_at", Value: 1}}

var documentEntryPaths = []string{"_id", "case_id", "issued_at"}

func documentEntryOfRow(r *sqlRow) documentEntry {
	return documentEntry{ID: r.str(0), CaseID: r.str(1), IssuedAt: r.date(2)}
}

func documentEntryOf(d *documentDoc) documentEntry {
	return documentEntry{ID: d.ID, CaseID: d.CaseID, IssuedAt: asStored(d.IssuedAt)}
}

// DocumentByID returns the document or NotFound.
func (s *Store) DocumentByID(ctx context.Context, id string) (*domain.Document, error) {
	return findOne(ctx, s.db.Collection("documents"), bson.D{{Key: "_id", Value: id}}, fromDocumentDoc, "document")
}

// DeleteDocument removes a document that never entered its case's record.
func (s *Store) DeleteDocument(ctx context.Context, id string) error {
	res, err := s.db.Collection("documents").DeleteOne(ctx, bson.D{{Key: "_id", Value: id}})
	if err != nil {
		return mapErr(err, "document")
	}
	s.idx.documents.remove(id)
	if res.DeletedCount == 0 {
		return domain.Errorf(domain.NotFound, "document not found")
	}
	return nil
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
	found := x.all(func(e *documentEntry) bool { return e.CaseID == caseID })
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
