package domain

import (
	"reflect"
	"testing"
	"time"
)

// TestCheckLeavesTheCaseAsItWas: Check answers what Apply would, and changes nothing of the case
// it asks about, however the rules answer.
func TestCheckLeavesTheCaseAsItWas(t *testing.T) {
	now := time.Date(2026, 6, 1, 10, 0, 0, 0, time.UTC)
	agency := &Agency{ID: "a1", Status: AgencyActive}
	reviewer := Standing{User: &User{ID: "r1", AgencyID: "a1", Status: UserActive, Roles: []Role{RoleReviewer}}, Agency: agency}
	investigator := Standing{User: &User{ID: "o1", AgencyID: "a1", Status: UserActive, Roles: []Role{RoleReviewer}}, Agency: agency}
	base := func() *Case {
		return &Case{ID: "c1", AgencyID: "a1", Status: StatusReview, ReviewerID: "r1", Investigators: []string{"o1"},
			Documents: map[DocumentKind]string{DocPenaltyDecision: "h"}, Notice: &Notice{At: now.AddDate(0, 0, -10)}}
	}
	for _, tc := range []struct {
		name  string
		actor Standing
		t     Transition
		code  Code
	}{
		{"the reviewer approves with an opinion", reviewer, Transition{Action: ActApproveReview, ActorID: "r1", Reason: "同意"}, ""},
		{"the reviewer approves without one", reviewer, Transition{Action: ActApproveReview, ActorID: "r1"}, Invalid},
		{"an investigator reviews", investigator, Transition{Action: ActApproveReview, ActorID: "o1", Reason: "同意"}, Forbidden},
		{"not from this status", reviewer, Transition{Action: ActServe, ActorID: "r1"}, Conflict},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, before := base(), base()
			err := c.Check(tc.t, Guards{Now: now, Actor: tc.actor})
			if ErrorCode(err) != tc.code {
				t.Fatalf("Check: %v, want %q", err, tc.code)
			}
			if !reflect.DeepEqual(c, before) {
				t.Fatalf("Check changed the case: %+v", c)
			}
			_, aerr := base().Apply(tc.t, Guards{Now: now, Actor: tc.actor})
			if ErrorCode(aerr) != tc.code {
				t.Fatalf("Apply: %v, Check: %v", aerr, err)
			}
		})
	}
}
