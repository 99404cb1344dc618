// Package notify turns what happens into notifications for the people it concerns: derived
// from the per-agency change log in one place, kept in the inbox and streamed to the app.
package notify

import (
	"context"
	"log/slog"
	"time"

	"github.com/zhifa/zhifa/domain"
)

// Deriver reads each agency's change log once its changes have settled and stores the
// notifications they cause. A notification's id is derived from the change (or, for an
// assignment, the object) and its recipient, so deriving again after a crash, or on two
// replicas at once, writes nothing twice; the cursor is moved only after the notifications
// are stored, so nothing is skipped. The change log is written before every fact, so no fact
// escapes it.
type Deriver struct {
	Repo domain.Repository
	// Settle is how old a change must be before it is read (as for sync).
	Settle time.Duration
	Now    func() time.Time
	Log    *slog.Logger
}

// Run derives every period until ctx ends.
func (d *Deriver) Run(ctx context.Context, every time.Duration) {
	Every(ctx, every, d.Log, "derive notifications", d.DeriveOnce)
}

// DeriveOnce turns every agency's settled changes into notifications and says how many
// notifications it stored.
func (d *Deriver) DeriveOnce(ctx context.Context) (int, error) {
	return forEachAgency(ctx, d.Repo, "", d.deriveAgency)
}

func (d *Deriver) deriveAgency(ctx context.Context, agencyID string) (int, error) {
	after, err := d.Repo.DeriveCursor(ctx, agencyID)
	if err != nil {
		return 0, err
	}
	changes, err := d.Repo.ChangesSince(ctx, agencyID, after, 200)
	if err != nil {
		return 0, err
	}
	settled := d.Now().Add(-d.Settle)
	last, stored := after, 0
	for _, ch := range changes {
		if !ch.At.Before(settled) {
			break // this one's write may still land; the next round takes it
		}
		alerts, err := d.alertsOf(ctx, ch)
		if err != nil {
			return stored, err
		}
		ns := domain.NotificationsOf(agencyID, ch.Seq, ch.At, alerts)
		if err := d.Repo.AddNotifications(ctx, ns); err != nil {
			return stored, err
		}
		stored += len(ns)
		last = ch.Seq
	}
	if last > after {
		return stored, d.Repo.SetDeriveCursor(ctx, agencyID, last)
	}
	return stored, nil
}

// alertsOf loads what a change changed and asks the domain who must hear of it. A change whose
// write never landed, or that points outside its agency, causes nothing.
func (d *Deriver) alertsOf(ctx context.Context, ch domain.Change) ([]domain.Alert, error) {
	switch ch.Kind {
	case "case":
		if ch.EventSeq < 1 {
			return nil, nil
		}
		after, ev, err := d.Repo.CaseAt(ctx, ch.ObjectID, ch.EventSeq)
		if domain.ErrorCode(err) == domain.NotFound || err == nil && after.AgencyID != ch.AgencyID {
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
		var before *domain.Case
		if ch.EventSeq > 1 {
			if before, _, err = d.Repo.CaseAt(ctx, ch.ObjectID, ch.EventSeq-1); err != nil {
				return nil, err
			}
		}
		return domain.CaseAlerts(before, after, ev), nil
	case "feedback":
		return d.feedbackAlerts(ctx, ch)
	case "inspection":
		in, err := d.Repo.InspectionByID(ctx, ch.ObjectID)
		if domain.ErrorCode(err) == domain.NotFound || err == nil && in.AgencyID != ch.AgencyID {
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
		return domain.InspectionAlerts(nil, in, in.CreatedBy), nil
	}
	return nil, nil
}

// feedbackAlerts: a rating in a supervisory body's log alerts the body's active supervisors
// when it is serious and the body supervises the agency rated.
func (d *Deriver) feedbackAlerts(ctx context.Context, ch domain.Change) ([]domain.Alert, error) {
	f, err := d.Repo.FeedbackByID(ctx, ch.ObjectID)
	if domain.ErrorCode(err) == domain.NotFound {
		return nil, nil
	}
	if err != nil || !f.Serious() {
		return nil, err
	}
	body, err := d.Repo.AgencyByID(ctx, ch.AgencyID)
	if err != nil {
		return nil, err
	}
	agency, err := d.Repo.AgencyByID(ctx, f.AgencyID)
	if err != nil || !body.Supervises(agency) {
		return nil, err
	}
	var supervisors []string
	page := domain.Page{Limit: domain.MaxPageLimit}
	for {
		users, next, err := d.Repo.ListUsers(ctx, domain.UserFilter{AgencyID: body.ID, Role: domain.RoleSupervisor}, page)
		if err != nil {
			return nil, err
		}
		for _, u := range users {
			if u.Status == domain.UserActive {
				supervisors = append(supervisors, u.ID)
			}
		}
		if next == "" {
			break
		}
		page.Cursor = next
	}
	return domain.FeedbackAlerts(f, agency, supervisors), nil
}
