package domain

import (
	"fmt"
	"testing"
	"time"
)

// legal is the procedure written out independently of the implementation's table: every
// (status, action) pair not listed here must be refused with Conflict.
var legal = map[string]CaseStatus{
	"clue register": StatusRegistered, "clue decline": StatusNotRegistered, "clue summary_decide": StatusDecided,
	"clue transfer":                  StatusTransferred,
	"registered start_investigation": StatusInvestigating, "registered transfer": StatusTransferred,
	"registered record": StatusRegistered, "registered extend_deadline": StatusRegistered,
	"investigating notify": StatusNotified, "investigating transfer": StatusTransferred,
	"investigating record": StatusInvestigating, "investigating extend_deadline": StatusInvestigating,
	"notified record_statement": StatusNotified, "notified waive": StatusNotified, "notified request_hearing": StatusHearing,
	"notified submit_review": StatusReview, "notified decide": StatusDecided, "notified record": StatusNotified,
	"notified extend_deadline": StatusNotified,
	"hearing conclude_hearing": StatusNotified, "hearing record": StatusHearing, "hearing extend_deadline": StatusHearing,
	"review approve_review": StatusReviewed, "review reject_review": StatusInvestigating, "review record": StatusReview,
	"review extend_deadline": StatusReview,
	"reviewed decide":        StatusDecided, "reviewed record": StatusReviewed, "reviewed extend_deadline": StatusReviewed,
	"decided serve":  StatusServed,
	"served execute": StatusExecuted, "served close": StatusClosed,
	"executed close": StatusClosed,
	"closed archive": StatusArchived, "not_registered archive": StatusArchived, "transferred archive": StatusArchived,
	"transferred acknowledge_transfer": StatusTransferred,
	"decided revoke_decision":          StatusRevoked, "served revoke_decision": StatusRevoked,
	"executed revoke_decision": StatusRevoked, "closed revoke_decision": StatusRevoked,
	"revoked archive": StatusArchived,
}

func TestEveryActionFromEveryStatus(t *testing.T) {
	count := 0
	for _, st := range CaseStatuses {
		for _, a := range Actions() {
			to, err := Next(st, a)
			want, ok := legal[string(st)+" "+string(a)]
			switch {
			case ok && err != nil:
				t.Errorf("%s from %s refused: %v", a, st, err)
			case ok && to != want:
				t.Errorf("%s from %s leads to %s, want %s", a, st, to, want)
			case !ok && ErrorCode(err) != Conflict:
				t.Errorf("%s from %s: got %s, %v; want Conflict", a, st, to, err)
			}
			count++
		}
	}
	if len(Actions()) != 22 || count != 22*len(CaseStatuses) {
		t.Fatalf("checked %d pairs over %d actions", count, len(Actions()))
	}
	if _, err := Next(StatusClue, "fly"); ErrorCode(err) != Invalid {
		t.Fatalf("unknown action: %v", err)
	}
}

func TestBenchmarkEvaluate(t *testing.T) {
	b := &Benchmark{Tiers: []BenchmarkTier{
		{Tier: TierNoPenalty, FirstOffence: true, Circumstances: []string{"minor_and_corrected"}},
		{Tier: TierLighter, MinFine: 1000, MaxFine: 3000, Circumstances: []string{"cooperated"}},
		{Tier: TierNormal, MinFine: 3000, MaxFine: 7000},
		{Tier: TierHeavier, MinFine: 7000, MaxFine: 10000, Circumstances: []string{"repeat", "refused_inspection"}},
	}}
	for _, tt := range []struct {
		c     []string
		first bool
		want  Tier
	}{
		{nil, false, TierNormal},
		{nil, true, TierNoPenalty},
		{[]string{"cooperated"}, false, TierLighter},
		{[]string{"repeat"}, false, TierHeavier},
		{[]string{"repeat", "cooperated"}, false, TierNormal},
		{[]string{"minor_and_corrected", "repeat"}, false, TierNoPenalty},
		{[]string{"unknown"}, false, TierNormal},
	} {
		e := b.Evaluate(tt.c, tt.first)
		if e.Tier != tt.want || len(e.Reasons) == 0 {
			t.Errorf("Evaluate(%v, %v) = %+v, want %s", tt.c, tt.first, e, tt.want)
		}
	}
	if e := b.Evaluate([]string{"repeat"}, false); e.MinFine != 7000 || e.MaxFine != 10000 {
		t.Errorf("range %d-%d", e.MinFine, e.MaxFine)
	}
}

func TestSurcharge(t *testing.T) {
	served := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	for _, tt := range []struct {
		paid time.Time
		want int64
	}{
		{served.AddDate(0, 0, 10), 0},
		{served.AddDate(0, 0, 15), 0},
		{served.AddDate(0, 0, 16), 30},    // one day late: 3 % of 1000
		{served.AddDate(0, 0, 25), 300},   // ten days
		{served.AddDate(0, 0, 100), 1000}, // capped at the fine
	} {
		if got := Surcharge(1000, served, tt.paid); got != tt.want {
			t.Errorf("paid %s: surcharge %d, want %d", tt.paid.Format(time.DateOnly), got, tt.want)
		}
	}
}

func TestAuditFindsTheFirstBrokenLink(t *testing.T) {
	c := &Case{ID: "c1"}
	var events []Event
	for i := 0; i < 5; i++ {
		events = append(events, c.appendEvent(Event{Action: ActRecord, ActorID: "u", At: time.Now(), PayloadDigest: fmt.Sprint(i)}))
	}
	if r := AuditCase(c, events); !r.Intact || r.Events != 5 || c.Version != 5 {
		t.Fatalf("fresh chain: %+v, version %d", r, c.Version)
	}
	if r := AuditCase(c, events[:4]); r.Intact || r.BrokenSeq != 5 {
		t.Fatalf("a record cut short: %+v", r)
	}
	tampered := append([]Event(nil), events...)
	tampered[2].PayloadDigest = "changed"
	if r := Audit(tampered); r.Intact || r.BrokenSeq != 3 {
		t.Fatalf("content change: %+v", r)
	}
	// Re-hashing the changed event does not help: the next link breaks.
	tampered[2].Hash = tampered[2].ComputeHash()
	if r := Audit(tampered); r.Intact || r.BrokenSeq != 4 {
		t.Fatalf("rehashed change: %+v", r)
	}
	if r := Audit(append(append([]Event(nil), events[:1]...), events[2:]...)); r.Intact || r.BrokenSeq != 2 {
		t.Fatalf("deleted event: %+v", r)
	}
}
