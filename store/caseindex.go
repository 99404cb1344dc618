package store

import (
	"slices"
	"time"
	"unicode/utf8"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/zhifa/zhifa/domain"
)

// caseEntry is one case as lists see it. Field names are short: a snapshot holds one entry
// per case.
type caseEntry struct {
	ID       string    `json:"i"`
	Agency   string    `json:"a"`
	Status   string    `json:"s"`
	USCC     string    `json:"u,omitempty"`
	Officers []string  `json:"o,omitempty"`
	Deadline time.Time `json:"d,omitzero"`
	Created  time.Time `json:"c"`
	Version  int64     `json:"v"`
	Number   string    `json:"n,omitempty"`
	Name     string    `json:"p,omitempty"` // the party's, folded (domain.FoldName)
	IDHash   string    `json:"h,omitempty"` // of the party's identity number (domain.IDNumberHash)
	// Score is what the scorecard reads of a case with a decision; nil without one.
	Score *scoreEntry `json:"f,omitempty"`
}

// scoreEntry is domain.ScoredCase as the index holds it.
type scoreEntry struct {
	Procedure string               `json:"p"`
	Matter    string               `json:"m,omitempty"`
	Deadline  time.Time            `json:"d,omitzero"`
	Decided   time.Time            `json:"t,omitzero"`
	Served    time.Time            `json:"s,omitzero"`
	Kind      string               `json:"k"`
	Kinds     []domain.PenaltyKind `json:"ks,omitempty"`
	Fine      int64                `json:"f,omitempty"`
	Approved  bool                 `json:"a,omitempty"`
	Both      bool                 `json:"b,omitempty"`
}

// scored is the entry as the scorecard reads it; it shares the entry's penalty kinds.
func (e *scoreEntry) scored(id, status string) domain.ScoredCase {
	return domain.ScoredCase{ID: id, Status: domain.CaseStatus(status), Procedure: domain.Procedure(e.Procedure), MatterID: e.Matter, Deadline: e.Deadline, DecidedAt: e.Decided, ServedAt: e.Served,
		Decision: domain.Decision{Kind: e.Kind, PenaltyKinds: e.Kinds, Fine: e.Fine}, ReviewApproved: e.Approved, TwoDocuments: e.Both}
}

// scoreEntryOf is what the scorecard reads of a case document; nil without a decision.
func scoreEntryOf(d *caseDoc) *scoreEntry {
	if d.Decision == nil {
		return nil
	}
	return &scoreEntry{Procedure: d.Procedure, Matter: d.MatterID, Deadline: asStored(timeOf(d.Deadline)), Decided: asStored(timeOf(d.DecidedAt)),
		Served: asStored(timeOf(d.ServedAt)), Kind: d.Decision.Kind, Kinds: penaltyKinds(d.Decision.PenaltyKinds), Fine: d.Decision.Fine, Approved: d.ReviewApproved,
		Both: d.Documents[string(domain.DocPenaltyDecision)] != "" && d.Documents[string(domain.DocCreditRepairNotice)] != ""}
}

func penaltyKinds(kinds []string) []domain.PenaltyKind {
	if kinds == nil {
		return nil
	}
	out := make([]domain.PenaltyKind, len(kinds))
	for i, k := range kinds {
		out[i] = domain.PenaltyKind(k)
	}
	return out
}

// scoreFields are the fields of a case document that scoreEntryOf reads besides the deadline,
// which the entry holds already.
var scoreFields = []string{"procedure", "matter_id", "decided_at", "served_at", "decision", "review_approved",
	"documents." + string(domain.DocPenaltyDecision), "documents." + string(domain.DocCreditRepairNotice)}

func (e caseEntry) entryID() string     { return e.ID }
func (e caseEntry) entryVersion() int64 { return e.Version }

var caseEntryFields = append(bson.D{{Key: "agency_id", Value: 1}, {Key: "status", Value: 1}, {Key: "party.uscc", Value: 1},
	{Key: "officer_ids", Value: 1}, {Key: "deadline", Value: 1}, {Key: "created_at", Value: 1}, {Key: "version", Value: 1},
	{Key: "number", Value: 1}, {Key: "party.name", Value: 1}, {Key: "party.id_number", Value: 1}}, projection(scoreFields)...)

func projection(fields []string) bson.D {
	out := make(bson.D, len(fields))
	for i, f := range fields {
		out[i] = bson.E{Key: f, Value: 1}
	}
	return out
}

func caseEntryOf(d *caseDoc) caseEntry {
	return caseEntry{ID: d.ID, Agency: d.AgencyID, Status: d.Status, USCC: d.Party.USCC, Officers: d.OfficerIDs,
		Deadline: asStored(timeOf(d.Deadline)), Created: asStored(d.CreatedAt), Version: d.Version,
		Number: d.Number, Name: domain.FoldName(d.Party.Name), IDHash: domain.IDNumberHash(d.Party.IDNumber), Score: scoreEntryOf(d)}
}

var caseEntryPaths = []string{"_id", "agency_id", "status", "party.uscc", "officer_ids", "deadline", "created_at", "version",
	"number", "party.name", "party.id_number",
	"procedure", "matter_id", "decided_at", "served_at", "decision.kind", "decision.penalty_kinds", "decision.fine", "review_approved",
	"documents." + string(domain.DocPenaltyDecision), "documents." + string(domain.DocCreditRepairNotice)}

func caseEntryOfRow(r *sqlRow) caseEntry {
	e := caseEntry{ID: r.str(0), Agency: r.str(1), Status: r.str(2), USCC: r.str(3), Officers: r.strs(4),
		Deadline: r.date(5), Created: r.date(6), Version: r.int(7),
		Number: r.str(8), Name: domain.FoldName(r.str(9)), IDHash: domain.IDNumberHash(r.str(10))}
	if kind := r.str(15); kind != "" {
		e.Score = &scoreEntry{Procedure: r.str(11), Matter: r.str(12), Deadline: e.Deadline, Decided: r.date(13), Served: r.date(14),
			Kind: kind, Kinds: penaltyKinds(r.strs(16)), Fine: r.int(17), Approved: r.boolean(18), Both: r.str(19) != "" && r.str(20) != ""}
	}
	return e
}

// caseIndexFormat names the entries' shape; a snapshot of an older one is scanned again.
const caseIndexFormat = "score-1"

// A case is searched within its agency by its number, the digest of its party's identity
// number, the party's USCC and the grams of the party's name.
func caseScope(e *caseEntry) string { return e.Agency }

// Of the grams of a name only the pairs are posted: single characters would double the postings
// (the index's largest part) for the rare search by one character, which walks the index
// instead. A digest is posted by its first 16 characters; the match compares it whole.
func caseTerms(e *caseEntry) []string {
	var terms []string
	for _, t := range [][2]string{{"n", e.Number}, {"h", digestTerm(e.IDHash)}, {"u", e.USCC}} {
		if t[1] != "" {
			terms = append(terms, t[0]+"\x00"+t[1])
		}
	}
	for _, g := range domain.NameGrams(e.Name) {
		if utf8.RuneCountInString(g) == 2 {
			terms = append(terms, "g\x00"+g)
		}
	}
	return terms
}

func digestTerm(h string) string { return h[:min(len(h), 16)] }

// caseSearch is what a filter searches by: the terms any of which a matching case has (the
// rarest is walked), and the agencies it may see (nil: every agency). No terms: the filter
// searches nothing and lists by the other fields.
func caseSearch(f domain.CaseFilter) (scopes, terms []string) {
	var name []string
	for _, g := range domain.QueryGrams(f.PartyName) {
		if utf8.RuneCountInString(g) == 2 {
			name = append(name, "g\x00"+g)
		}
	}
	switch {
	case f.Number != "":
		terms = []string{"n\x00" + f.Number}
	case f.PartyIDHash != "":
		terms = []string{"h\x00" + digestTerm(f.PartyIDHash)}
	case name != nil:
		terms = name
	case f.EnterpriseUSCC != "":
		terms = []string{"u\x00" + f.EnterpriseUSCC}
	}
	if f.AgencyID != "" {
		scopes = []string{f.AgencyID}
	}
	return scopes, terms
}

// asStored is t at the millisecond precision of a BSON date, so that an index compares times
// as the database does.
func asStored(t time.Time) time.Time { return t.UTC().Truncate(time.Millisecond) }

// matchCase returns whether an entry passes f, with the meaning the database query gives f.
// byDocument are the cases a document numbered f.Number was issued in: they match that number too.
func matchCase(f domain.CaseFilter, byDocument []string) func(*caseEntry) bool {
	from, to, overdue := asStored(f.CreatedFrom), asStored(f.CreatedTo), asStored(f.OverdueAt)
	return func(e *caseEntry) bool {
		switch {
		case f.AgencyID != "" && e.Agency != f.AgencyID,
			f.Status != "" && e.Status != string(f.Status),
			f.OfficerID != "" && !slices.Contains(e.Officers, f.OfficerID),
			f.EnterpriseUSCC != "" && e.USCC != f.EnterpriseUSCC,
			!f.CreatedFrom.IsZero() && e.Created.Before(from),
			!f.CreatedTo.IsZero() && !e.Created.Before(to),
			f.Number != "" && e.Number != f.Number && !slices.Contains(byDocument, e.ID),
			f.PartyIDHash != "" && e.IDHash != f.PartyIDHash,
			f.PartyName != "" && !domain.NameMatches(e.Name, f.PartyName):
			return false
		}
		if f.OverdueAt.IsZero() {
			return true
		}
		if f.Status == "" && !slices.Contains(domain.OpenStatuses, domain.CaseStatus(e.Status)) {
			return false
		}
		return !e.Deadline.IsZero() && e.Deadline.Before(overdue)
	}
}
