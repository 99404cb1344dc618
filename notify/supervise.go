package notify

import (
	"context"
	"log/slog"
	"time"

	"github.com/zhifa/zhifa/domain"
)

// Sweeper keeps the supervision warnings (网上监督预警) and tells the supervisors when one
// turns red. A deadline turns red by the clock alone, with no write to notice it, so a sweep
// looks every period; only the instance holding the "supervision" lease sweeps, and the lease
// passes to another when its holder stops renewing it (killed, or gone).
//
// Each round reconciles the warnings with the open objects (one per object and
// deadline kind, written only when it changed, deleted once the step is done), then, for each
// red warning not yet told, writes a "warning" change into the log of every supervisory body
// over the agency and marks the warning told. The deriver turns those changes into the
// supervisors' notifications, whose ids are derived from the warning and its deadline: a
// crash after the changes and before the mark repeats the changes and sends nothing twice.
type Sweeper struct {
	Repo  domain.Repository
	Rules domain.WarningRules
	// Holder names this instance for the lease; Lease is how long a round holds it.
	Holder string
	Lease  time.Duration
	Now    func() time.Time
	Log    *slog.Logger
}

// LeaseName is the lease the supervision sweep runs under.
const LeaseName = "supervision"

// Run sweeps every period until ctx ends.
func (s *Sweeper) Run(ctx context.Context, every time.Duration) {
	Every(ctx, every, s.Log, "sweep supervision warnings", s.SweepOnce)
}

// SweepOnce reconciles the warnings and tells the new reds, when this instance holds the
// lease; it says how many warnings it wrote or told.
func (s *Sweeper) SweepOnce(ctx context.Context) (int, error) {
	now := s.Now()
	held, err := s.Repo.TakeLease(ctx, LeaseName, s.Holder, now, now.Add(s.Lease))
	if err != nil || !held {
		return 0, err
	}
	n, err := s.Reconcile(ctx)
	if err != nil {
		return n, err
	}
	// Renewed for the second half: a long reconciliation does not hand the telling to another
	// instance midway (which would be harmless, the alerts being keyed, but wasted).
	now = s.Now()
	if held, err = s.Repo.TakeLease(ctx, LeaseName, s.Holder, now, now.Add(s.Lease)); err != nil || !held {
		return n, err
	}
	m, err := s.TellReds(ctx)
	return n + m, err
}

// Reconcile makes the stored warnings those of the open objects now, and says how many it
// wrote or deleted. It reads each kind of object once for all agencies (cases once per status
// of the deadlines), whatever the number of agencies: a round costs the open objects, not the
// history or the district's size.
func (s *Sweeper) Reconcile(ctx context.Context) (int, error) {
	now := s.Now()
	want := map[string]domain.Warning{}
	add := func(ws []domain.Warning) {
		for _, w := range ws {
			want[w.ID] = w
		}
	}
	var agencies []string
	if err := eachPage(func(p domain.Page) ([]*domain.Agency, string, error) { return s.Repo.ListAgencies(ctx, "", p) },
		func(a *domain.Agency) { agencies = append(agencies, a.ID) }); err != nil {
		return 0, err
	}
	for _, st := range append([]domain.CaseStatus{domain.StatusDecided, domain.StatusServed}, domain.OpenStatuses...) {
		if err := eachPage(func(p domain.Page) ([]*domain.Case, string, error) {
			return s.Repo.ListCases(ctx, domain.CaseFilter{Status: st}, p)
		}, func(c *domain.Case) { add(s.Rules.CaseWarnings(c)) }); err != nil {
			return 0, err
		}
	}
	if err := eachPage(func(p domain.Page) ([]*domain.Complaint, string, error) {
		return s.Repo.ListComplaints(ctx, domain.ComplaintFilter{OpenOnly: true}, p)
	}, func(c *domain.Complaint) { add(s.Rules.ComplaintWarnings(c)) }); err != nil {
		return 0, err
	}
	if err := eachPage(func(p domain.Page) ([]*domain.Problem, string, error) {
		return s.Repo.ListProblems(ctx, domain.ProblemFilter{AgencyIDs: agencies, OpenOnly: true}, p)
	}, func(pr *domain.Problem) { add(s.Rules.ProblemWarnings(pr)) }); err != nil {
		return 0, err
	}
	for _, state := range []domain.CallbackState{domain.CallbackScheduled, domain.CallbackDue} {
		if err := eachPage(func(p domain.Page) ([]*domain.Callback, string, error) {
			return s.Repo.ListCallbacks(ctx, domain.CallbackFilter{State: state, Now: now}, p)
		}, func(cb *domain.Callback) { add(s.Rules.CallbackWarnings(cb)) }); err != nil {
			return 0, err
		}
	}
	if err := eachPage(func(p domain.Page) ([]*domain.SupervisionOrder, string, error) {
		return s.Repo.ListOrders(ctx, domain.OrderFilter{Status: domain.OrderOpen}, p)
	}, func(o *domain.SupervisionOrder) { add(s.Rules.OrderWarnings(o)) }); err != nil {
		return 0, err
	}
	have, err := s.Repo.WarningsOfAgency(ctx, "")
	if err != nil {
		return 0, err
	}
	done := 0
	for _, old := range have {
		w, ok := want[old.ID]
		if !ok {
			if err := s.Repo.DeleteWarning(ctx, old.ID); err != nil {
				return done, err
			}
			done++
			continue
		}
		delete(want, old.ID)
		if !w.Same(old) {
			w.UpdatedAt = now
			if err := s.Repo.PutWarning(ctx, &w); err != nil {
				return done, err
			}
			done++
		}
	}
	for _, w := range want {
		w.UpdatedAt = now
		if err := s.Repo.PutWarning(ctx, &w); err != nil {
			return done, err
		}
		done++
	}
	return done, nil
}

// TellReds announces each red warning not told yet in the logs of the bodies over its agency,
// then marks it told.
func (s *Sweeper) TellReds(ctx context.Context) (int, error) {
	const batch = 200
	done := 0
	for {
		now := s.Now()
		reds, err := s.Repo.RedUnalerted(ctx, now, batch)
		if err != nil || len(reds) == 0 {
			return done, err
		}
		for _, w := range reds {
			agency, err := s.Repo.AgencyByID(ctx, w.AgencyID)
			if err != nil && domain.ErrorCode(err) != domain.NotFound {
				return done, err
			}
			if agency != nil {
				bodies, err := s.Repo.SupervisorsOver(ctx, agency)
				if err != nil {
					return done, err
				}
				for _, b := range bodies {
					if err := s.Repo.RecordChange(ctx, &domain.Change{AgencyID: b.ID, Kind: "warning", ObjectID: w.ID}); err != nil {
						return done, err
					}
				}
			}
			if err := s.Repo.MarkAlerted(ctx, w.ID, w.Deadline); err != nil {
				return done, err
			}
			done++
		}
		if len(reds) < batch {
			return done, nil
		}
	}
}

// eachPage calls fn with every item of every page of list.
func eachPage[T any](list func(domain.Page) ([]T, string, error), fn func(T)) error {
	for p := (domain.Page{Limit: domain.MaxPageLimit}); ; {
		items, next, err := list(p)
		if err != nil {
			return err
		}
		for _, it := range items {
			fn(it)
		}
		if next == "" {
			return nil
		}
		p.Cursor = next
	}
}

// warningAlerts: a red warning, in the log of a body over its agency, alerts the body's
// supervisors; a warning gone (its step done) or no longer red (its deadline extended) alerts
// nobody.
func (d *Deriver) warningAlerts(ctx context.Context, ch domain.Change) ([]domain.Alert, error) {
	w, err := d.Repo.WarningByID(ctx, ch.ObjectID)
	if domain.ErrorCode(err) == domain.NotFound {
		return nil, nil
	}
	if err != nil || w.LevelAt(d.Now()) != domain.LevelRed {
		return nil, err
	}
	_, agency, ok, err := d.bodyOver(ctx, ch.AgencyID, w.AgencyID)
	if err != nil || !ok {
		return nil, err
	}
	supervisors, err := activeUsers(ctx, d.Repo, ch.AgencyID, domain.RoleSupervisor)
	if err != nil {
		return nil, err
	}
	return domain.WarningAlerts(w, agency, supervisors), nil
}

// orderAlerts: a supervision order's step, in the agency's log (issued, sent back, closed: its
// admins) or in the issuing body's (answered: its supervisors).
func (d *Deriver) orderAlerts(ctx context.Context, ch domain.Change) ([]domain.Alert, error) {
	o, err := d.Repo.OrderByID(ctx, ch.ObjectID)
	if domain.ErrorCode(err) == domain.NotFound || err == nil && (ch.EventSeq < 1 || ch.EventSeq > len(o.Events)) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	ev := o.Events[ch.EventSeq-1]
	answer := ev.Action == domain.OrderAnswer
	if ch.AgencyID != o.AgencyID && ch.AgencyID != o.BodyID || answer != (ch.AgencyID == o.BodyID) {
		return nil, nil
	}
	body, err := d.Repo.AgencyByID(ctx, o.BodyID)
	if err != nil {
		return nil, err
	}
	agency, err := d.Repo.AgencyByID(ctx, o.AgencyID)
	if err != nil {
		return nil, err
	}
	if answer {
		supervisors, err := activeUsers(ctx, d.Repo, o.BodyID, domain.RoleSupervisor)
		if err != nil {
			return nil, err
		}
		return domain.OrderAlerts(o, ev, body, agency, nil, supervisors), nil
	}
	admins, err := activeUsers(ctx, d.Repo, o.AgencyID, domain.RoleAgencyAdmin)
	if err != nil {
		return nil, err
	}
	return domain.OrderAlerts(o, ev, body, agency, admins, nil), nil
}
