package domain

import (
	"strings"
	"testing"
	"time"
)

// TestNewToDoAlerts: the three alerts that the to-do lists added reach the right people once
// (the same key however often they are derived), never the person who acted, and a
// registration only the bodies over its region.
func TestNewToDoAlerts(t *testing.T) {
	cs := &Case{ID: "c1", Number: "青市监立〔2026〕1号"}
	approve := Event{Seq: 9, Action: ActApproveReview, ActorID: "reviewer"}
	a := DecisionAlerts(cs, approve, []string{"head", "reviewer"})
	if len(a) != 1 || strings.Join(a[0].Recipients, ",") != "head" || a[0].Key != "awaiting-decision:c1:9" || a[0].Kind != KindAwaitingDecision {
		t.Fatalf("decision alerts: %+v", a)
	}
	if a := DecisionAlerts(cs, approve, []string{"reviewer"}); a != nil {
		t.Fatalf("the approving head alerted itself: %+v", a)
	}

	p := &Problem{ID: "p1", Title: "笔录未签字", CreatedBy: "admin1", Status: ProblemOpen}
	a = NewProblemAlerts(p, []string{"admin1", "admin2"})
	if len(a) != 1 || strings.Join(a[0].Recipients, ",") != "admin2" || a[0].Key != "problem-new:p1" {
		t.Fatalf("problem alerts: %+v", a)
	}
	closed := *p
	closed.Status = ProblemClosed
	if a := NewProblemAlerts(&closed, []string{"admin2"}); a != nil {
		t.Fatalf("a closed task alerted: %+v", a)
	}

	e := &Enterprise{ID: "ent_1", Name: "某某公司", RegionPath: []string{"city", "district"}, Status: EnterprisePending}
	body := &Agency{ID: "b1", RegionID: "district"}
	a = RegistrationAlerts(e, body, []string{"s1"})
	if len(a) != 1 || a[0].Key != "registration:ent_1" || a[0].ObjectKind != "enterprise" {
		t.Fatalf("registration alerts: %+v", a)
	}
	if a := RegistrationAlerts(e, &Agency{ID: "b2", RegionID: "elsewhere"}, []string{"s2"}); a != nil {
		t.Fatalf("another region's body was alerted: %+v", a)
	}
	active := *e
	active.Status = EnterpriseActive
	if a := RegistrationAlerts(&active, body, []string{"s1"}); a != nil {
		t.Fatalf("an activated registration alerted: %+v", a)
	}
	// Derived from two changes (a second reading, another instance), it is one notification.
	first := NotificationsOf("b1", 3, e.CreatedAt, RegistrationAlerts(e, body, []string{"s1"}))
	again := NotificationsOf("b1", 7, e.CreatedAt, RegistrationAlerts(e, body, []string{"s1"}))
	if len(first) != 1 || len(again) != 1 || first[0].ID != again[0].ID {
		t.Fatalf("deriving twice made two notifications: %+v %+v", first, again)
	}
}

// TestAwaitsDecision: a case waits for its head when its review passed, or when it was notified,
// the party's chance to answer is over and the catalog asks no review; not before.
func TestAwaitsDecision(t *testing.T) {
	now := time.Date(2026, 3, 2, 2, 0, 0, 0, time.UTC)
	rules := []ReviewRule{{Kind: ReviewFineAbove, Threshold: 100000}}
	notified := func(fine int64, waived bool, noticed time.Time) *Case {
		return &Case{Status: StatusNotified, Waived: waived, Notice: &Notice{At: noticed, Proposed: Decision{Kind: "penalty", Fine: fine}}}
	}
	for name, c := range map[string]struct {
		cs   *Case
		want bool
	}{
		"review passed":                {&Case{Status: StatusReviewed}, true},
		"waived, no review asked":      {notified(90000, true, now), true},
		"waived, the catalog asks one": {notified(180000, true, now), false},
		"the period runs":              {notified(90000, false, now), false},
		"the period ran out":           {notified(90000, false, now.AddDate(0, 0, -30)), true},
		"still investigating":          {&Case{Status: StatusInvestigating}, false},
		"a hearing asked and not held": {&Case{Status: StatusNotified, Waived: true, HearingRequested: true, Notice: &Notice{At: now}}, false},
	} {
		if got := c.cs.AwaitsDecision(now, rules); got != c.want {
			t.Errorf("%s: %v, want %v", name, got, c.want)
		}
	}
}
