package domain

import (
	"testing"
	"time"
)

func TestWorkingDays(t *testing.T) {
	cal, err := ParseCalendar("2026-10-01,2026-10-02,2026-10-05", "2026-10-10")
	if err != nil {
		t.Fatal(err)
	}
	at := func(s string) time.Time {
		d, _ := time.Parse(time.DateOnly, s)
		return PlannedDayStart(d).Add(10 * time.Hour)
	}
	for _, c := range []struct {
		from string
		n    int
		end  string // the last working day counted
	}{
		{"2026-11-27", 3, "2026-12-02"}, // Friday: Monday, Tuesday, Wednesday
		{"2026-11-25", 3, "2026-11-30"}, // Wednesday: Thursday, Friday, Monday
		{"2026-09-30", 3, "2026-10-08"}, // the holidays and the weekend do not count
		{"2026-10-09", 1, "2026-10-10"}, // a Saturday made a working day counts
	} {
		got := cal.AddWorkingDays(at(c.from), c.n)
		want := PlannedDayStart(at(c.end)).AddDate(0, 0, 1)
		if !got.Equal(want) {
			t.Errorf("%d working days after %s end at %s, want %s", c.n, c.from, got.In(chinaTime), want.In(chinaTime))
		}
	}
	if _, err := ParseCalendar("2026-02-30", ""); err == nil {
		t.Error("a date that does not exist was taken")
	}
}

func TestComplaintDeadlinesEscalateOnceEach(t *testing.T) {
	now := time.Date(2026, 11, 23, 2, 0, 0, 0, time.UTC) // a Monday
	d := ComplaintDeadlines{AcceptDays: 3, AnswerDays: 15}
	c := &Complaint{InspectionID: "i1", Category: "重复检查", Description: "一个月内检查三次", BodyIDs: []string{"town", "district"}}
	if err := c.Submit("u1", Calendar{}, d, now); err != nil {
		t.Fatal(err)
	}
	if c.HandlingBody() != "town" || c.OverdueAt(c.AcceptBy.Add(-time.Second)) || !c.OverdueAt(c.AcceptBy) {
		t.Fatalf("acceptance deadline %s", c.AcceptBy)
	}
	c.Escalate(c.AcceptBy)
	if c.HandlingBody() != "district" || c.OverdueAt(c.AcceptBy.Add(time.Hour)) {
		t.Fatal("the acceptance deadline escalated twice, or not to the body above")
	}
	if _, err := c.Move(ComplaintAccept, "", "s1", Calendar{}, d, c.AcceptBy.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if !c.OverdueAt(c.AnswerBy) {
		t.Fatal("the answer deadline does not escalate")
	}
	c.Escalate(c.AnswerBy)
	if c.OverdueAt(c.AnswerBy.Add(time.Hour)) || c.HandlingBody() != "district" {
		t.Fatal("the answer deadline escalated twice, or past the top body")
	}
	if _, err := c.Move(ComplaintResolve, "", "s1", Calendar{}, d, now); ErrorCode(err) != Invalid {
		t.Fatalf("resolved without a reply: %v", err)
	}
	if _, err := c.Move(ComplaintResolve, "已整改", "s1", Calendar{}, d, now); err != nil || c.Open() || c.OverdueAt(c.AnswerBy.AddDate(1, 0, 0)) {
		t.Fatalf("resolve: %v", err)
	}
	if _, err := c.Move(ComplaintReject, "x", "s1", Calendar{}, d, now); ErrorCode(err) != Conflict {
		t.Fatalf("a resolved complaint moved again: %v", err)
	}
	bad := &Complaint{InspectionID: "i1", CaseID: "c1", Category: "x", Description: "短"}
	err := bad.Submit("u1", Calendar{}, d, now)
	if e, ok := err.(*Error); !ok || e.Fields["subject"] == "" || e.Fields["category"] == "" || e.Fields["description"] == "" {
		t.Fatalf("a bad complaint: %v", err)
	}
}
