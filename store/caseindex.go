package store

import (
	"slices"
	"time"

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
}

func (e caseEntry) entryID() string     { return e.ID }
func (e caseEntry) entryVersion() int64 { return e.Version }

var caseEntryFields = bson.D{{Key: "agency_id", Value: 1}, {Key: "status", Value: 1}, {Key: "party.uscc", Value: 1},
	{Key: "officer_ids", Value: 1}, {Key: "deadline", Value: 1}, {Key: "created_at", Value: 1}, {Key: "version", Value: 1}}

func caseEntryOf(d *caseDoc) caseEntry {
	return caseEntry{ID: d.ID, Agency: d.AgencyID, Status: d.Status, USCC: d.Party.USCC, Officers: d.OfficerIDs,
		Deadline: asStored(timeOf(d.Deadline)), Created: asStored(d.CreatedAt), Version: d.Version}
}

var caseEntryPaths = []string{"_id", "agency_id", "status", "party.uscc", "officer_ids", "deadline", "created_at", "version"}

func caseEntryOfRow(r *sqlRow) caseEntry {
	return caseEntry{ID: r.str(0), Agency: r.str(1), Status: r.str(2), USCC: r.str(3), Officers: r.strs(4),
		Deadline: r.date(5), Created: r.date(6), Version: r.int(7)}
}

// asStored is t at the millisecond precision of a BSON date, so that an index compares times
// as the database does.
func asStored(t time.Time) time.Time { return t.UTC().Truncate(time.Millisecond) }

// matchCase returns whether an entry passes f, with the meaning the database query gives f.
func matchCase(f domain.CaseFilter) func(*caseEntry) bool {
	from, to, overdue := asStored(f.CreatedFrom), asStored(f.CreatedTo), asStored(f.OverdueAt)
	return func(e *caseEntry) bool {
		switch {
		case f.AgencyID != "" && e.Agency != f.AgencyID,
			f.Status != "" && e.Status != string(f.Status),
			f.OfficerID != "" && !slices.Contains(e.Officers, f.OfficerID),
			f.EnterpriseUSCC != "" && e.USCC != f.EnterpriseUSCC,
			!f.CreatedFrom.IsZero() && e.Created.Before(from),
			!f.CreatedTo.IsZero() && !e.Created.Before(to):
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
