package domain

import (
	"context"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// A problem (突出问题清单) is a shortcoming an agency must put right: found by its own check,
// by a case-file review, from a complaint or from feedback. Each has a rectification plan, an
// owner and a deadline, and is tracked to closure; the supervisory bodies over the agency see
// all of them, overdue ones flagged.

// ProblemSources are where a problem came from.
var ProblemSources = []string{"self_check", "review_finding", "complaint", "feedback"}

// ProblemStatus is where a problem stands.
type ProblemStatus string

const (
	ProblemOpen       ProblemStatus = "open"
	ProblemInProgress ProblemStatus = "in_progress"
	ProblemClosed     ProblemStatus = "closed"
)

// Problem is one problem and its rectification.
type Problem struct {
	ID          string
	AgencyID    string
	Source      string
	SourceRef   string // the review round, complaint or rating it came from
	Title       string
	Description string
	Plan        string
	Owner       string // who answers for the rectification (a name or a role)
	Deadline    time.Time
	Status      ProblemStatus
	ClosedAt    time.Time
	Closure     string // what was done
	CreatedBy   string
	CreatedAt   time.Time
	UpdatedAt   time.Time
	Version     int64
}

// Validate checks a problem's fields; Invalid with the fields.
func (p *Problem) Validate() error {
	f := FieldErrors{}
	if !slices.Contains(ProblemSources, p.Source) {
		f.Add("source", strings.Join(ProblemSources, ", "))
	}
	p.Title, p.Description, p.Plan, p.Owner = strings.TrimSpace(p.Title), strings.TrimSpace(p.Description), strings.TrimSpace(p.Plan), strings.TrimSpace(p.Owner)
	if n := utf8.RuneCountInString(p.Title); n < 2 || n > 100 || !validText(p.Title, 100) {
		f.Add("title", "2 to 100 characters")
	}
	if !validText(p.Description, 2000) {
		f.Add("description", "at most 2000 characters")
	}
	if p.Plan == "" || !validText(p.Plan, 2000) {
		f.Add("plan", "the rectification plan, at most 2000 characters")
	}
	if p.Owner == "" || !validText(p.Owner, 64) {
		f.Add("owner", "who answers for it, at most 64 characters")
	}
	if p.Deadline.IsZero() {
		f.Add("deadline", "the day it is to be put right")
	}
	switch p.Status {
	case ProblemOpen, ProblemInProgress:
	case ProblemClosed:
		if strings.TrimSpace(p.Closure) == "" || !validText(p.Closure, 2000) {
			f.Add("closure", "what was done, to close it (at most 2000 characters)")
		}
	default:
		f.Add("status", "open, in_progress or closed")
	}
	return f.Err()
}

// OverdueAt says whether the problem is still open after its deadline's day (China time).
func (p *Problem) OverdueAt(now time.Time) bool {
	return p.Status != ProblemClosed && !now.Before(PlannedDayStart(p.Deadline).AddDate(0, 0, 1))
}

// ProblemFilter narrows ListProblems; zero fields do not filter.
type ProblemFilter struct {
	AgencyIDs []string
	Status    ProblemStatus
	Source    string
	OpenOnly  bool
}

// Problems stores problems. Conflict on a stale version.
type Problems interface {
	CreateProblem(ctx context.Context, p *Problem) error
	ProblemByID(ctx context.Context, id string) (*Problem, error)
	UpdateProblem(ctx context.Context, p *Problem) error
	// ListProblems lists problems in the order registered.
	ListProblems(ctx context.Context, f ProblemFilter, p Page) ([]*Problem, string, error)
}
