package domain

import (
	"slices"
	"time"
)

// Actor says who may take an action in a case: a member of the case's agency, active, of an
// active agency, with one of Roles; Certified when the law asks for an enforcement certificate
// valid now (art. 42). Deciding takes the agency's head (行政机关负责人, art. 57) or the role the
// agency designates for decisions (RoleDecider).
type Actor struct {
	Roles     []Role
	Certified bool
}

// RoleDecider stands in the table for the role an agency designates to decide (Agency.DecisionRole).
const RoleDecider Role = "decider"

var certifiedOfficer = Actor{Roles: []Role{RoleOfficer}, Certified: true}

// actors is the one table of who may take each action; the checks and their refusal tests are
// derived from it.
var actors = map[Action]Actor{
	ActCreate:              certifiedOfficer,
	ActRegister:            certifiedOfficer,
	ActDecline:             certifiedOfficer,
	ActSummaryDecide:       certifiedOfficer,
	ActStartInvestigation:  certifiedOfficer,
	ActRecord:              certifiedOfficer,
	ActNotify:              certifiedOfficer,
	ActRecordStatement:     certifiedOfficer,
	ActWaive:               certifiedOfficer,
	ActRequestHearing:      certifiedOfficer,
	ActConcludeHearing:     certifiedOfficer,
	ActSubmitReview:        certifiedOfficer,
	ActApproveReview:       {Roles: []Role{RoleReviewer}},
	ActRejectReview:        {Roles: []Role{RoleReviewer}},
	ActDecide:              {Roles: []Role{RoleDecider}},
	ActTransfer:            certifiedOfficer,
	ActAcknowledgeTransfer: certifiedOfficer,
	ActExtendDeadline:      {Roles: []Role{RoleAgencyAdmin}},
	ActServe:               certifiedOfficer,
	ActExecute:             certifiedOfficer,
	ActClose:               certifiedOfficer,
	ActArchive:             certifiedOfficer,
	ActRevokeDecision:      {Roles: []Role{RoleDecider}},
	ActIssueDocument:       certifiedOfficer,
	ActAddEvidence:         certifiedOfficer,
}

// ActorOf returns who may take action a.
func ActorOf(a Action) Actor { return actors[a] }

// CheckActor refuses, with Forbidden and the reason, an actor without standing for action a in
// a case of agencyID.
func CheckActor(a Action, s Standing, agencyID string, now time.Time) error {
	rule, ok := actors[a]
	u := s.User
	switch {
	case !ok:
		return Errorf(Invalid, "unknown action %s", a)
	case u == nil || u.AgencyID != agencyID:
		return Errorf(Forbidden, "only a member of the case's agency acts in it")
	case u.Status != UserActive:
		return Errorf(Forbidden, "the account is not active")
	case s.Agency == nil || s.Agency.ID != agencyID:
		return Errorf(Forbidden, "the agency is unknown")
	case s.Agency.Status != AgencyActive:
		return Errorf(Forbidden, "the agency is %s and takes no enforcement action", s.Agency.Status)
	}
	roles := rule.Roles
	if slices.Contains(roles, RoleDecider) {
		roles = []Role{s.Agency.Decider()}
	}
	if !slices.ContainsFunc(roles, u.Has) {
		return Errorf(Forbidden, "%s is taken by %s of the agency", a, roleNames(roles))
	}
	if rule.Certified || slices.Contains(roles, RoleOfficer) {
		if err := MayAct(u, s.Certificate, s.Agency, now); err != nil {
			return err
		}
	}
	return nil
}

func roleNames(roles []Role) string {
	names := make([]string, len(roles))
	for i, r := range roles {
		names[i] = "a " + string(r)
	}
	return joinOr(names)
}

func joinOr(s []string) string {
	switch len(s) {
	case 0:
		return ""
	case 1:
		return s[0]
	}
	out := s[0]
	for _, x := range s[1 : len(s)-1] {
		out += ", " + x
	}
	return out + " or " + s[len(s)-1]
}

// TakesPart says whether the person's roles are those action a is taken by, whatever else
// stands in the way now: what a person's desk offers them at all.
func TakesPart(a Action, s Standing) bool {
	rule, ok := actors[a]
	if !ok || s.User == nil {
		return false
	}
	roles := rule.Roles
	if slices.Contains(roles, RoleDecider) {
		if s.Agency == nil {
			return false
		}
		roles = []Role{s.Agency.Decider()}
	}
	return slices.ContainsFunc(roles, s.User.Has)
}
