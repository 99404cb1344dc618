package domain

import (
	"context"
	"time"
)

// TodoCountCap bounds what a to-do group counts: a list longer than it says "at least".
const TodoCountCap = 1000

// Counts answers how many objects a list's filter matches (at most TodoCountCap), with the
// meaning the list gives the filter, in one query: what a to-do list's groups show beside
// their first items.
type Counts interface {
	CountCases(ctx context.Context, f CaseFilter) (int, error)
	CountProblems(ctx context.Context, f ProblemFilter) (int, error)
	CountComplaints(ctx context.Context, f ComplaintFilter) (int, error)
	CountCallbacks(ctx context.Context, f CallbackFilter) (int, error)
	CountEnterprises(ctx context.Context, f EnterpriseFilter) (int, error)
	CountFeedback(ctx context.Context, f FeedbackFilter) (int, error)
	CountPushFailures(ctx context.Context, agencyID string) (int, error)
	// PendingEvidence counts the evidence of the agency that userID recorded and whose bytes
	// have not all arrived, and lists the first limit of it, oldest first.
	PendingEvidence(ctx context.Context, agencyID, userID string, limit int) (int, []*Evidence, error)
	// ExpiringCertificates counts the agency's valid certificates that expire in [from, to]
	// and lists the first limit of them, soonest first.
	ExpiringCertificates(ctx context.Context, agencyID string, from, to time.Time, limit int) (int, []*Certificate, error)
	// InspectionsPlannedOn lists the agency's inspections still planned for the day (a date
	// at midnight UTC, as plans store it).
	InspectionsPlannedOn(ctx context.Context, agencyID string, day time.Time) ([]*Inspection, error)
}

// AwaitsDecision says whether a case waits only for its head's decision at now: its legal
// review passed, or it was notified, the party's chance to answer is over and the catalog asks
// no review of the decision the notice proposed.
func (c *Case) AwaitsDecision(now time.Time, rules []ReviewRule) bool {
	switch c.Status {
	case StatusReviewed:
		return true
	case StatusNotified:
		return c.Notice != nil && c.checkAnswered(now) == nil && ReviewRequired(c.MatterID, &c.Notice.Proposed, rules) == nil
	}
	return false
}
