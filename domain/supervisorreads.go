package domain

import (
	"context"
	"time"
)

// SupervisorRead is one opening of an agency's file by a supervisor of a body over it: a case,
// its record, documents or evidence, or an inspection. The agency reads them, so that it knows
// its supervisors looked; lists are not logged row by row.
type SupervisorRead struct {
	ID       string
	AgencyID string // the agency whose file was read
	CaseID   string // the case read, when it was a case's file
	What     string // one of SupervisorReadKinds
	ObjectID string // the document, evidence or inspection read; the case for its own parts
	UserID   string
	UserName string
	BodyID   string // the supervisory body the reader is a supervisor of
	BodyName string
	At       time.Time
}

// SupervisorReadKinds are what a supervisor's read opened.
var SupervisorReadKinds = []string{"case", "events", "audit", "documents", "document", "print", "evidence_list", "evidence", "evidence_content", "inspection"}

// SupervisorReadFilter narrows SupervisorReads: every set field must match.
type SupervisorReadFilter struct {
	AgencyID string
	BodyID   string
	CaseID   string
}

// SupervisorReads keeps the supervisors' reads of agencies' files.
type SupervisorReads interface {
	// RecordSupervisorRead appends one read.
	RecordSupervisorRead(ctx context.Context, r *SupervisorRead) error
	// ListSupervisorReads pages through the reads the filter matches, oldest first.
	ListSupervisorReads(ctx context.Context, f SupervisorReadFilter, p Page) ([]*SupervisorRead, string, error)
}
