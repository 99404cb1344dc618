package domain

import (
	"fmt"
	"slices"
	"testing"
	"time"
)

// profile is one kind of person who might try an action.
type profile struct {
	name     string
	standing Standing
	// may lists the table's roles this person fills with full standing.
	may []Role
}

func profiles(now time.Time) []profile {
	agency := &Agency{ID: "a1", Status: AgencyActive, LegalBasis: "x"}
	suspended := &Agency{ID: "a1", Status: AgencySuspended, StatusAnnouncedOn: now, LegalBasis: "x"}
	other := &Agency{ID: "a2", Status: AgencyActive, LegalBasis: "x"}
	person := func(id string, roles []Role, status UserStatus, ag *Agency, certExpires time.Time) Standing {
		u := &User{ID: id, AgencyID: ag.ID, Roles: roles, Status: status}
		s := Standing{User: u, Agency: ag}
		if !certExpires.IsZero() {
			s.Certificate = &Certificate{Number: "420100000001" + id, OfficerID: id, AgencyID: ag.ID, IssuedOn: now.AddDate(-2, 0, 0), ExpiresOn: certExpires, Status: CertificateValid}
		}
		return s
	}
	valid, expired := now.AddDate(1, 0, 0), now.AddDate(0, 0, -1)
	return []profile{
		{"certified officer", person("o1", []Role{RoleOfficer}, UserActive, agency, valid), []Role{RoleOfficer}},
		{"officer with an expired certificate", person("o3", []Role{RoleOfficer}, UserActive, agency, expired), nil},
		{"officer without a certificate", person("o4", []Role{RoleOfficer}, UserActive, agency, time.Time{}), nil},
		{"disabled officer", person("o5", []Role{RoleOfficer}, UserDisabled, agency, valid), nil},
		{"officer of a suspended agency", person("o6", []Role{RoleOfficer}, UserActive, suspended, valid), nil},
		{"officer of another agency", person("o7", []Role{RoleOfficer}, UserActive, other, valid), nil},
		{"reviewer", person("r1", []Role{RoleReviewer}, UserActive, agency, time.Time{}), []Role{RoleReviewer}},
		{"supervisor", person("s1", []Role{RoleSupervisor}, UserActive, agency, time.Time{}), nil},
		{"agency head", person("h1", []Role{RoleAgencyAdmin}, UserActive, agency, time.Time{}), []Role{RoleAgencyAdmin, RoleDecider}},
		{"disabled agency head", person("h2", []Role{RoleAgencyAdmin}, UserDisabled, agency, time.Time{}), nil},
		{"agency head of a suspended agency", person("h3", []Role{RoleAgencyAdmin}, UserActive, suspended, time.Time{}), nil},
		{"sysadmin", Standing{User: &User{ID: "x1", Roles: []Role{RoleSysadmin}, Status: UserActive}}, nil},
	}
}

// TestEveryActionRefusesWhoeverLacksStanding is generated from the actors table: every action,
// tried from a status it may be taken in, by every kind of person; whoever the table does not
// name is refused with Forbidden before anything else is looked at.
func TestEveryActionRefusesWhoeverLacksStanding(t *testing.T) {
	now := time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)
	refused := 0
	for a := range actors {
		if a == ActCreate {
			continue // a case is opened, not moved: CheckActor alone, below
		}
		rule := ActorOf(a)
		for _, p := range profiles(now) {
			allowed := slices.ContainsFunc(rule.Roles, func(r Role) bool { return slices.Contains(p.may, r) })
			c := &Case{ID: "c1", AgencyID: "a1", Status: moves[a].from[0], EventCount: 3, Version: 3}
			_, err := c.Apply(Transition{Action: a, ActorID: p.standing.User.ID, OfficerIDs: []string{p.standing.User.ID}}, Guards{Now: now, Actor: p.standing})
			actorErr := CheckActor(a, p.standing, "a1", now)
			switch {
			case !allowed && ErrorCode(err) != Forbidden:
				t.Errorf("%s by a %s from %s: %v, want Forbidden", a, p.name, c.Status, err)
			case !allowed:
				refused++
			case actorErr != nil:
				t.Errorf("%s by a %s: refused (%v), the table allows it", a, p.name, actorErr)
			}
		}
	}
	for _, p := range profiles(now) {
		err := CheckActor(ActCreate, p.standing, "a1", now)
		if want := slices.Contains(p.may, RoleOfficer); (err == nil) != want {
			t.Errorf("a %s opening a case: %v", p.name, err)
		}
	}
	if want := (len(actors) - 1) * 9; refused < want {
		t.Fatalf("%d refusals checked, want at least %d", refused, want)
	}
}

// TestTheTableSaysWhatTheLawSays pins the rows the law names, independently of the table.
func TestTheTableSaysWhatTheLawSays(t *testing.T) {
	for a, want := range map[Action]Actor{
		ActDecide:         {Roles: []Role{RoleDecider}},                  // art. 57: the head decides
		ActApproveReview:  {Roles: []Role{RoleReviewer}},                 // art. 58
		ActExtendDeadline: {Roles: []Role{RoleAgencyAdmin}},              // art. 60: the head extends
		ActRegister:       {Roles: []Role{RoleOfficer}, Certified: true}, // art. 42
		ActDecline:        {Roles: []Role{RoleOfficer}, Certified: true},
		ActTransfer:       {Roles: []Role{RoleOfficer}, Certified: true},
		ActArchive:        {Roles: []Role{RoleOfficer}, Certified: true},
	} {
		if got := ActorOf(a); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%s: %+v, want %+v", a, got, want)
		}
	}
	for _, a := range Actions() {
		if _, ok := actors[a]; !ok {
			t.Errorf("%s has no row in the actors table", a)
		}
	}
	// An agency that designates its officers to decide: a certified officer decides, the head
	// does not, an officer with an expired certificate does not.
	now := time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)
	ps := profiles(now)
	for _, p := range ps {
		if p.standing.Agency == nil {
			continue // the sysadmin belongs to no agency
		}
		p.standing.Agency = &Agency{ID: p.standing.Agency.ID, Status: p.standing.Agency.Status, DecisionRole: RoleOfficer}
		err := CheckActor(ActDecide, p.standing, "a1", now)
		if want := p.name == "certified officer"; (err == nil) != want {
			t.Errorf("officers decide: a %s: %v", p.name, err)
		}
	}
}
