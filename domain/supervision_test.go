package domain

import (
	"strings"
	"testing"
	"time"
)

// TestWarningDaysAreChinasCalendarDays: a decision made late in the evening in China counts its
// service days from the next China day, though it is still the morning of that day in UTC;
// the warning is yellow for its last two days, red from the start of the eighth day, and gone
// once served. A fine's payment counts 15 days from service; a callback is yellow once due.
func TestWarningDaysAreChinasCalendarDays(t *testing.T) {
	cst := time.FixedZone("CST", 8*3600)
	decided := time.Date(2026, 3, 2, 23, 30, 0, 0, cst) // 15:30 UTC, the same day in UTC
	c := &Case{ID: "c1", AgencyID: "a1", Number: "2026-000001", Status: StatusDecided, DecidedAt: decided}
	ws := DefaultWarningRules.CaseWarnings(c)
	if len(ws) != 1 || ws[0].Kind != WarnService {
		t.Fatalf("warnings of a decided case: %+v", ws)
	}
	w := ws[0]
	if want := time.Date(2026, 3, 10, 0, 0, 0, 0, cst); !w.Deadline.Equal(want) {
		t.Fatalf("service deadline %v, want the start of 10 March in China (7 days after 2 March)", w.Deadline.In(cst))
	}
	for at, level := range map[time.Time]string{
		time.Date(2026, 3, 7, 23, 59, 0, 0, cst): "",
		time.Date(2026, 3, 8, 0, 0, 0, 0, cst):   LevelYellow,
		time.Date(2026, 3, 9, 23, 59, 0, 0, cst): LevelYellow,
		time.Date(2026, 3, 10, 0, 0, 0, 0, cst):  LevelRed,
	} {
		if got := w.LevelAt(at); got != level {
			t.Errorf("at %v: %q, want %q", at, got, level)
		}
	}
	if !w.AlertDue(time.Date(2026, 3, 10, 0, 0, 0, 0, cst)) || w.AlertDue(time.Date(2026, 3, 9, 0, 0, 0, 0, cst)) {
		t.Error("the alert is due exactly when red")
	}
	w.AlertedFor = w.Deadline
	if w.AlertDue(time.Date(2026, 3, 11, 0, 0, 0, 0, cst)) {
		t.Error("told once, the alert is not due again")
	}
	c.Status, c.ServedAt, c.Decision = StatusServed, time.Date(2026, 3, 5, 9, 0, 0, 0, cst), &Decision{Kind: "penalty", Fine: 5000}
	ws = DefaultWarningRules.CaseWarnings(c)
	if len(ws) != 1 || ws[0].Kind != WarnPayment || !ws[0].Deadline.Equal(time.Date(2026, 3, 21, 0, 0, 0, 0, cst)) || ws[0].ID == w.ID {
		t.Fatalf("served, the payment's 15 days: %+v", ws)
	}
	c.Execution = &Execution{Paid: 5000}
	if ws := DefaultWarningRules.CaseWarnings(c); len(ws) != 0 {
		t.Fatalf("paid: %+v", ws)
	}
	due := time.Date(2026, 3, 12, 10, 0, 0, 0, cst)
	cb := DefaultWarningRules.CallbackWarnings(&Callback{ID: "cb", AgencyID: "a1", DueAt: due})
	if len(cb) != 1 || cb[0].LevelAt(due) != LevelYellow || cb[0].LevelAt(due.AddDate(0, 0, 7)) != LevelRed {
		t.Fatalf("a callback: %+v", cb)
	}
}

// TestWarningLeadsAreConfigured: ZHIFA_WARNING_LEADS names kinds and days; anything else is
// refused with the pair named.
func TestWarningLeadsAreConfigured(t *testing.T) {
	leads, err := ParseWarningLeads(" decision=15, service=3 ")
	if err != nil || len(leads) != 2 || leads[WarnDecision] != 15 || leads[WarnService] != 3 {
		t.Fatalf("leads: %v %v", leads, err)
	}
	for _, bad := range []string{"decision", "nope=3", "service=-1", "service=x"} {
		if _, err := ParseWarningLeads(bad); ErrorCode(err) != Invalid || !strings.Contains(err.Error(), bad) {
			t.Errorf("%q: %v", bad, err)
		}
	}
	r := WarningRules{Lead: map[WarningKind]int{WarnRectification: 5}}
	w := r.ProblemWarnings(&Problem{ID: "p", Status: ProblemOpen, Deadline: time.Date(2026, 3, 10, 0, 0, 0, 0, time.UTC)})
	if len(w) != 1 || w[0].Deadline.Sub(w[0].YellowAt) != 5*24*time.Hour {
		t.Fatalf("a five-day lead: %+v", w)
	}
}
