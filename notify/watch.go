package notify

import (
	"context"
	"log/slog"
	"slices"
	"time"

	"github.com/zhifa/zhifa/domain"
)

// Watcher finds what calls for an alert although nobody acted: a case's decision deadline
// near or passed, an officer's certificate about to expire. Its alerts are keyed by what they
// are about (the case and its deadline, the certificate), so each is sent once however often
// it looks; each round that finds new ones takes a number from the agency's change log
// (a "signal" entry, which sync does not deliver), which orders them among the others.
type Watcher struct {
	Repo domain.Repository
	Now  func() time.Time
	Log  *slog.Logger
	// Publisher publishes decisions whose publication deadline came before their service.
	Publisher *Publisher
}

// Run looks every period until ctx ends.
func (w *Watcher) Run(ctx context.Context, every time.Duration) {
	Every(ctx, every, w.Log, "watch deadlines and certificates", w.WatchOnce)
}

// WatchOnce looks at every active agency once, then at open complaints and due callbacks, and
// says how many notifications and changes it stored.
func (w *Watcher) WatchOnce(ctx context.Context) (int, error) {
	n, err := forEachAgency(ctx, w.Repo, domain.AgencyActive, w.watchAgency)
	if err != nil {
		return n, err
	}
	m, err := w.EscalateComplaints(ctx)
	if err != nil {
		return n + m, err
	}
	k, err := w.AnnounceCallbacks(ctx)
	return n + m + k, err
}

// EscalateComplaints moves every open complaint whose deadline passed to the body above. The
// bodies (the one it was with and the one it goes to) and the enterprise hear of it through
// their logs, written before the escalation is stored; a lost race with a supervisor's step
// leaves the complaint for the next round.
func (w *Watcher) EscalateComplaints(ctx context.Context) (int, error) {
	now, done := w.Now(), 0
	for p := (domain.Page{Limit: domain.MaxPageLimit}); ; {
		list, next, err := w.Repo.ListComplaints(ctx, domain.ComplaintFilter{OpenOnly: true}, p)
		if err != nil {
			return done, err
		}
		for _, cp := range list {
			if !cp.OverdueAt(now) {
				continue
			}
			was := cp.HandlingBody()
			ev := cp.Escalate(now)
			for _, id := range slices.Compact([]string{was, cp.HandlingBody(), cp.EnterpriseID}) {
				if err := w.Repo.RecordChange(ctx, &domain.Change{AgencyID: id, Kind: "complaint", ObjectID: cp.ID, EventSeq: ev.Seq}); err != nil {
					return done, err
				}
			}
			if err := w.Repo.UpdateComplaint(ctx, cp); err != nil {
				if domain.ErrorCode(err) == domain.Conflict {
					continue
				}
				return done, err
			}
			done++
		}
		if next == "" {
			return done, nil
		}
		p.Cursor = next
	}
}

// AnnounceCallbacks tells each registered, active enterprise whose callback has come due,
// through its log; a party that is not one is called by the supervisors. Each callback is
// looked at once.
func (w *Watcher) AnnounceCallbacks(ctx context.Context) (int, error) {
	now := w.Now()
	due, err := w.Repo.DueUnnotified(ctx, now, 200)
	if err != nil {
		return 0, err
	}
	done := 0
	for _, cb := range due {
		e, err := w.Repo.EnterpriseByUSCC(ctx, cb.PartyUSCC)
		if err != nil && domain.ErrorCode(err) != domain.NotFound {
			return done, err
		}
		if e != nil && e.Status == domain.EnterpriseActive {
			if err := w.Repo.RecordChange(ctx, &domain.Change{AgencyID: e.ID, Kind: "callback", ObjectID: cb.ID}); err != nil {
				return done, err
			}
			done++
		}
		cb.NotifiedAt = now
		if err := w.Repo.UpdateCallback(ctx, cb); err != nil && domain.ErrorCode(err) != domain.Conflict {
			return done, err
		}
	}
	return done, nil
}

func (w *Watcher) watchAgency(ctx context.Context, agencyID string) (int, error) {
	now := w.Now()
	if _, err := w.Publisher.PublishOverdue(ctx, agencyID, now); err != nil {
		return 0, err
	}
	var users []*domain.User
	for p := (domain.Page{Limit: domain.MaxPageLimit}); ; {
		list, next, err := w.Repo.ListUsers(ctx, domain.UserFilter{AgencyID: agencyID}, p)
		if err != nil {
			return 0, err
		}
		users = append(users, list...)
		if next == "" {
			break
		}
		p.Cursor = next
	}
	var admins []string
	for _, u := range users {
		if u.Status == domain.UserActive && slices.Contains(u.Roles, domain.RoleAgencyAdmin) {
			admins = append(admins, u.ID)
		}
	}
	var alerts []domain.Alert
	for p := (domain.Page{Limit: domain.MaxPageLimit}); ; {
		cases, next, err := w.Repo.ListCases(ctx, domain.CaseFilter{AgencyID: agencyID, OverdueAt: now.Add(domain.DeadlineWarningDays * 24 * time.Hour)}, p)
		if err != nil {
			return 0, err
		}
		for _, c := range cases {
			alerts = append(alerts, domain.DeadlineAlerts(c, admins, now)...)
		}
		if next == "" {
			break
		}
		p.Cursor = next
	}
	for _, u := range users {
		if u.CertificateNo == "" || u.Status != domain.UserActive {
			continue
		}
		cert, err := w.Repo.CertificateByNumber(ctx, u.CertificateNo)
		if domain.ErrorCode(err) == domain.NotFound {
			continue
		}
		if err != nil {
			return 0, err
		}
		alerts = append(alerts, domain.CertificateAlerts(u, cert, admins, now)...)
	}
	for p := (domain.Page{Limit: domain.MaxPageLimit}); ; {
		problems, next, err := w.Repo.ListProblems(ctx, domain.ProblemFilter{AgencyIDs: []string{agencyID}, OpenOnly: true}, p)
		if err != nil {
			return 0, err
		}
		for _, pr := range problems {
			alerts = append(alerts, domain.ProblemAlerts(pr, admins, now)...)
		}
		if next == "" {
			break
		}
		p.Cursor = next
	}
	// Only alerts not sent before take a number.
	var fresh []domain.Alert
	for _, a := range alerts {
		ns := domain.NotificationsOf(agencyID, 0, now, []domain.Alert{a})
		ids := make([]string, len(ns))
		for i, n := range ns {
			ids[i] = n.ID
		}
		have, err := w.Repo.HaveNotifications(ctx, ids)
		if err != nil {
			return 0, err
		}
		if len(have) < len(ids) {
			fresh = append(fresh, a)
		}
	}
	if len(fresh) == 0 {
		return 0, nil
	}
	ch := &domain.Change{AgencyID: agencyID, Kind: "signal", ObjectID: agencyID}
	if err := w.Repo.RecordChange(ctx, ch); err != nil {
		return 0, err
	}
	ns := domain.NotificationsOf(agencyID, ch.Seq, now, fresh)
	return len(ns), w.Repo.AddNotifications(ctx, ns)
}
