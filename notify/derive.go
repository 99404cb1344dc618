// Package notify turns what happens into notifications for the people it concerns: derived
// from the per-agency change log in one place, kept in the inbox and streamed to the app.
package notify

import (
	"context"
	"log/slog"
	"slices"
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
	// CallbackDelay is how long after a case is served or closed its callback is due.
	CallbackDelay time.Duration
	// Publisher publishes served penalty decisions; nil publishes nothing.
	Publisher *Publisher
	Now       func() time.Time
	Log       *slog.Logger
	// FullEvery is how often every agency's and enterprise's log is read, for what other
	// instances wrote; in between, a round reads only the logs this process wrote to and those
	// with changes still settling. Zero reads every log every round; below zero only the first
	// round does (the embedded engine, whose one writer is this process).
	FullEvery time.Duration

	// waiting are the logs whose last read stopped at a change not yet settled.
	waiting map[string]bool
}

// Run derives until ctx ends: every period the logs written to since (woken at once when this
// process wrote one), and every FullEvery all of them. A round with nothing written sends the
// engine nothing.
func (d *Deriver) Run(ctx context.Context, every time.Duration) {
	wake := d.Repo.ChangeWake()
	tick := time.NewTicker(every)
	defer tick.Stop()
	full := time.Time{} // the first round reads every log
	for {
		var n int
		var err error
		if d.FullEvery == 0 || full.IsZero() || d.FullEvery > 0 && time.Since(full) >= d.FullEvery {
			full = time.Now()
			d.Repo.ChangedLogs() // every log is read now
			if n, err = d.DeriveOnce(ctx); err != nil {
				full = time.Time{} // the logs it did not reach are read in the next full round
			}
		} else {
			n, err = d.DeriveChanged(ctx)
		}
		if err != nil && ctx.Err() == nil {
			d.Log.Warn("derive notifications", "error", err.Error())
		} else if n > 0 {
			d.Log.Debug("derive notifications", "count", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		case <-wake:
		}
	}
}

// DeriveOnce turns every agency's settled changes into notifications and says how many
// notifications it stored.
func (d *Deriver) DeriveOnce(ctx context.Context) (int, error) {
	n, err := forEachAgency(ctx, d.Repo, "", d.deriveLog)
	if err != nil {
		return n, err
	}
	m, err := forEachEnterprise(ctx, d.Repo, d.deriveLog)
	return n + m, err
}

// DeriveChanged derives from the logs this process wrote to since the last round and those
// whose changes were still settling.
func (d *Deriver) DeriveChanged(ctx context.Context) (int, error) {
	logs := d.Repo.ChangedLogs()
	for id := range d.waiting {
		if !slices.Contains(logs, id) {
			logs = append(logs, id)
		}
	}
	total := 0
	for i, id := range logs {
		n, err := d.deriveLog(ctx, id)
		total += n
		if err != nil {
			// What was not read is read next round.
			for _, rest := range logs[i:] {
				d.wait(rest, true)
			}
			return total, err
		}
	}
	return total, nil
}

func (d *Deriver) wait(id string, waiting bool) {
	if d.waiting == nil {
		d.waiting = map[string]bool{}
	}
	if waiting {
		d.waiting[id] = true
	} else {
		delete(d.waiting, id)
	}
}

// deriveLog derives from one log and notes whether it stopped at a change still settling.
func (d *Deriver) deriveLog(ctx context.Context, id string) (int, error) {
	n, settling, err := d.deriveAgency(ctx, id)
	d.wait(id, settling || err != nil)
	return n, err
}

func (d *Deriver) deriveAgency(ctx context.Context, agencyID string) (int, bool, error) {
	after, err := d.Repo.DeriveCursor(ctx, agencyID)
	if err != nil {
		return 0, false, err
	}
	changes, err := d.Repo.ChangesSince(ctx, agencyID, after, 200)
	if err != nil {
		return 0, false, err
	}
	settled := d.Now().Add(-d.Settle)
	through, inFlight := d.Repo.SettledThrough(agencyID), d.Repo.InFlightFrom(agencyID)
	last, stored, settling := after, 0, len(changes) == 200
	for _, ch := range changes {
		// A change whose write this process knows to be running waits however old it is: a
		// slow write (a loaded machine) would otherwise be read before its object landed.
		if !ch.At.Before(settled) && ch.Seq > through || inFlight > 0 && ch.Seq >= inFlight {
			settling = true
			break // this one's write may still land; the next round takes it
		}
		alerts, err := d.alertsOf(ctx, ch)
		if err != nil {
			return stored, settling, err
		}
		ns := domain.NotificationsOf(agencyID, ch.Seq, ch.At, alerts)
		if err := d.Repo.AddNotifications(ctx, ns); err != nil {
			return stored, settling, err
		}
		stored += len(ns)
		last = ch.Seq
	}
	if last > after {
		return stored, settling, d.Repo.SetDeriveCursor(ctx, agencyID, last)
	}
	return stored, settling, nil
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
		if err := d.scheduleCallback(ctx, before, after, ch.At); err != nil {
			return nil, err
		}
		if d.Publisher != nil && (before == nil || before.Status != after.Status) {
			// The case as it stands now is what is published: an older event read late must
			// not publish what a later one revoked.
			cur, err := d.Repo.CaseByID(ctx, ch.ObjectID)
			if err != nil {
				return nil, err
			}
			if err := d.Publisher.CaseChanged(ctx, cur, d.Now()); err != nil {
				return nil, err
			}
		}
		alerts := domain.CaseAlerts(before, after, ev)
		decision, err := d.decisionAlerts(ctx, after, ev)
		return append(alerts, decision...), err
	case "problem":
		pr, err := d.Repo.ProblemByID(ctx, ch.ObjectID)
		if domain.ErrorCode(err) == domain.NotFound || err == nil && pr.AgencyID != ch.AgencyID {
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
		admins, err := activeUsers(ctx, d.Repo, pr.AgencyID, domain.RoleAgencyAdmin)
		if err != nil {
			return nil, err
		}
		return domain.NewProblemAlerts(pr, admins), nil
	case "registration":
		return d.registrationAlerts(ctx, ch)
	case "feedback":
		return d.feedbackAlerts(ctx, ch)
	case "complaint":
		return d.complaintAlerts(ctx, ch)
	case "callback":
		return d.callbackAlerts(ctx, ch)
	case "adjustment":
		return d.adjustmentAlerts(ctx, ch)
	case "warning":
		return d.warningAlerts(ctx, ch)
	case "order":
		return d.orderAlerts(ctx, ch)
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

// scheduleCallback makes the callback of a case that has just reached a status that calls for
// one. The deriver is the one reader of every settled case event, once or (after a crash)
// again: the callback's id is the case's, so a second reading makes nothing new.
func (d *Deriver) scheduleCallback(ctx context.Context, before, after *domain.Case, at time.Time) error {
	if before != nil && before.Status == after.Status {
		return nil
	}
	matter := ""
	if m, err := d.Repo.MatterByID(ctx, after.MatterID); err == nil {
		matter = m.Name
	}
	cb, ok := domain.CallbackFor(after, matter, after.Status, d.CallbackDelay, at)
	if !ok {
		return nil
	}
	if _, err := d.Repo.CallbackByID(ctx, cb.ID); err == nil {
		return nil // the case was called back for an earlier status, or read before
	} else if domain.ErrorCode(err) != domain.NotFound {
		return err
	}
	if err := d.Repo.CreateCallback(ctx, cb); err != nil && domain.ErrorCode(err) != domain.Conflict {
		return err
	}
	return nil
}

// activeUsers lists the active users of an agency or enterprise, of role r ("" for any).
func activeUsers(ctx context.Context, repo domain.Repository, scopeID string, r domain.Role) ([]string, error) {
	var out []string
	page := domain.Page{Limit: domain.MaxPageLimit}
	for {
		users, next, err := repo.ListUsers(ctx, domain.UserFilter{AgencyID: scopeID, Role: r}, page)
		if err != nil {
			return nil, err
		}
		for _, u := range users {
			if u.Status == domain.UserActive {
				out = append(out, u.ID)
			}
		}
		if next == "" {
			return out, nil
		}
		page.Cursor = next
	}
}

// bodyOver loads the supervisory body whose log a change is in, and the agency a record is
// about; ok is false unless the body supervises the agency.
func (d *Deriver) bodyOver(ctx context.Context, bodyID, agencyID string) (*domain.Agency, *domain.Agency, bool, error) {
	body, err := d.Repo.AgencyByID(ctx, bodyID)
	if domain.ErrorCode(err) == domain.NotFound {
		return nil, nil, false, nil
	}
	if err != nil {
		return nil, nil, false, err
	}
	agency, err := d.Repo.AgencyByID(ctx, agencyID)
	if err != nil {
		return nil, nil, false, err
	}
	return body, agency, body.Supervises(agency), nil
}

// complaintAlerts: a complaint's step, in a supervisory body's log (filed, escalated) or in
// the complaining enterprise's (every step).
func (d *Deriver) complaintAlerts(ctx context.Context, ch domain.Change) ([]domain.Alert, error) {
	cp, err := d.Repo.ComplaintByID(ctx, ch.ObjectID)
	if domain.ErrorCode(err) == domain.NotFound || err == nil && (ch.EventSeq < 1 || ch.EventSeq > len(cp.Events)) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	ev := cp.Events[ch.EventSeq-1]
	agency, err := d.Repo.AgencyByID(ctx, cp.AgencyID)
	if err != nil {
		return nil, err
	}
	if ch.AgencyID == cp.EnterpriseID {
		users, err := activeUsers(ctx, d.Repo, cp.EnterpriseID, domain.RoleEnterprise)
		if err != nil {
			return nil, err
		}
		return domain.ComplaintAlerts(cp, ev, agency, nil, users), nil
	}
	_, _, ok, err := d.bodyOver(ctx, ch.AgencyID, cp.AgencyID)
	if err != nil || !ok {
		return nil, err
	}
	supervisors, err := activeUsers(ctx, d.Repo, ch.AgencyID, domain.RoleSupervisor)
	if err != nil {
		return nil, err
	}
	return domain.ComplaintAlerts(cp, ev, agency, supervisors, nil), nil
}

// callbackAlerts: a callback due, in its enterprise party's log; an unsatisfied answer, in a
// supervisory body's.
func (d *Deriver) callbackAlerts(ctx context.Context, ch domain.Change) ([]domain.Alert, error) {
	cb, err := d.Repo.CallbackByID(ctx, ch.ObjectID)
	if domain.ErrorCode(err) == domain.NotFound {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if domain.IsEnterpriseID(ch.AgencyID) {
		e, err := d.Repo.EnterpriseByID(ctx, ch.AgencyID)
		if domain.ErrorCode(err) == domain.NotFound || err == nil && e.USCC != cb.PartyUSCC {
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
		agency, err := d.Repo.AgencyByID(ctx, cb.AgencyID)
		if err != nil {
			return nil, err
		}
		users, err := activeUsers(ctx, d.Repo, e.ID, domain.RoleEnterprise)
		if err != nil {
			return nil, err
		}
		return domain.CallbackDueAlerts(cb, agency, users), nil
	}
	_, agency, ok, err := d.bodyOver(ctx, ch.AgencyID, cb.AgencyID)
	if err != nil || !ok {
		return nil, err
	}
	supervisors, err := activeUsers(ctx, d.Repo, ch.AgencyID, domain.RoleSupervisor)
	if err != nil {
		return nil, err
	}
	return domain.CallbackAlerts(cb, agency, supervisors), nil
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
	supervisors, err := activeUsers(ctx, d.Repo, body.ID, domain.RoleSupervisor)
	if err != nil {
		return nil, err
	}
	return domain.FeedbackAlerts(f, agency, supervisors), nil
}

// adjustmentAlerts tell a body's supervisors of an adjustment of an agency the record names the
// body for (over it before or after the change).
func (d *Deriver) adjustmentAlerts(ctx context.Context, ch domain.Change) ([]domain.Alert, error) {
	a, err := d.Repo.AdjustmentByID(ctx, ch.ObjectID)
	if domain.ErrorCode(err) == domain.NotFound {
		return nil, nil
	}
	if err != nil || !slices.Contains(a.Bodies, ch.AgencyID) {
		return nil, err
	}
	agency, err := d.Repo.AgencyByID(ctx, a.AgencyID)
	if err != nil {
		return nil, err
	}
	supervisors, err := activeUsers(ctx, d.Repo, ch.AgencyID, domain.RoleSupervisor)
	if err != nil {
		return nil, err
	}
	return domain.AdjustmentAlerts(a, agency, supervisors), nil
}

// registrationAlerts: an enterprise's registration, in the log of a supervisory body over its
// region, alerts the body's supervisors while it waits.
func (d *Deriver) registrationAlerts(ctx context.Context, ch domain.Change) ([]domain.Alert, error) {
	e, err := d.Repo.EnterpriseByID(ctx, ch.ObjectID)
	if domain.ErrorCode(err) == domain.NotFound {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	body, err := d.Repo.AgencyByID(ctx, ch.AgencyID)
	if domain.ErrorCode(err) == domain.NotFound || err == nil && body.KindOrDefault() != domain.AgencySupervisory {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	supervisors, err := activeUsers(ctx, d.Repo, body.ID, domain.RoleSupervisor)
	if err != nil {
		return nil, err
	}
	return domain.RegistrationAlerts(e, body, supervisors), nil
}

// decisionAlerts tell the agency's heads of a case an event left waiting for their decision:
// its review passed, or the party waived its answer or was heard and the catalog asks no
// review. A case that moved on before the event is read (decided, sent to review) alerts
// nobody.
func (d *Deriver) decisionAlerts(ctx context.Context, after *domain.Case, ev domain.Event) ([]domain.Alert, error) {
	switch ev.Action {
	case domain.ActApproveReview, domain.ActWaive, domain.ActConcludeHearing:
	default:
		return nil, nil
	}
	cur, err := d.Repo.CaseByID(ctx, after.ID)
	if err != nil {
		return nil, err
	}
	switch {
	case ev.Action == domain.ActApproveReview && cur.Status == domain.StatusReviewed:
	case ev.Action != domain.ActApproveReview && cur.Status == domain.StatusNotified:
		rules, err := d.Repo.ReviewRules(ctx, cur.AgencyID)
		if err != nil || !cur.AwaitsDecision(d.Now(), rules) {
			return nil, err
		}
	default:
		return nil, nil
	}
	agency, err := d.Repo.AgencyByID(ctx, cur.AgencyID)
	if err != nil {
		return nil, err
	}
	deciders, err := activeUsers(ctx, d.Repo, agency.ID, agency.Decider())
	if err != nil {
		return nil, err
	}
	return domain.DecisionAlerts(after, ev, deciders), nil
}
