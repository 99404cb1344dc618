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
}

func (e caseEntry) entryID() string     { return e.ID }
func (e caseEntry) entryVersion() int64 { return e.Version }

var caseEntryFields = bson.D{{Key: "agency_id", Value: 1}, {Key: "status", Value: 1}, {Key: "party.uscc", Value: 1},
	{Key: "officer_ids", Value: 1}, {Key: "deadline", Value: 1}, {Key: "created_at", Value: 1}, {Key: "version", Value: 1},
	{Key: "number", Value: 1}, {Key: "party.name", Value: 1}, {Key: "party.id_number", Value: 1}}

func caseEntryOf(d *caseDoc) caseEntry {
	return caseEntry{ID: d.ID, Agency: d.AgencyID, Status: d.Status, USCC: d.Party.USCC, Officers: d.OfficerIDs,
		Deadline: asStored(timeOf(d.Deadline)), Created: asStored(d.CreatedAt), Version: d.Version,
		Number: d.Number, Name: domain.FoldName(d.Party.Name), IDHash: domain.IDNumberHash(d.Party.IDNumber)}
}

var caseEntryPaths = []string{"_id", "agency_id", "status", "party.uscc", "officer_ids", "deadline", "created_at", "version",
	"number", "party.name", "party.id_number"}

func caseEntryOfRow(r *sqlRow) caseEntry {
	return caseEntry{ID: r.str(0), Agency: r.str(1), Status: r.str(2), USCC: r.str(3), Officers: r.strs(4),
		Deadline: r.date(5), Created: r.date(6), Version: r.int(7),
		Number: r.str(8), Name: domain.FoldName(r.str(9)), IDHash: domain.IDNumberHash(r.str(10))}
}

// caseIndexFormat names the entries' shape; a snapshot of an older one is scanned again.
const caseIndexFormat = "search-1"

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
