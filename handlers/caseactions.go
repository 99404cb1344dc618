package handlers

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/zhifa/zhifa/domain"
)

// actionFieldJSON describes one field a desk's form for an action asks for. Name is the path
// of the field in the transition's body ("decision.fine"), as the server names it in field
// errors.
type actionFieldJSON struct {
	Name     string             `json:"name"`
	Label    string             `json:"label"`
	Type     string             `json:"type"`
	Required bool               `json:"required"`
	Options  []actionOptionJSON `json:"options,omitempty"`
	// Value is what the form starts with: the case's own proposal, where it has one.
	Value any    `json:"value,omitempty"`
	Hint  string `json:"hint,omitempty"`
}

type actionOptionJSON struct {
	Value string `json:"value"`
	Label string `json:"label"`
	// Disabled options are shown with the reason they cannot be chosen.
	Disabled bool   `json:"disabled,omitempty"`
	Reason   string `json:"reason,omitempty"`
}

type benchmarkTierJSON struct {
	Tier    string `json:"tier"`
	Label   string `json:"label"`
	MinFine int64  `json:"min_fine"`
	MaxFine int64  `json:"max_fine"`
}

// actionBenchmarkJSON is the matter's discretion benchmark beside a decision's fine, and the
// tier the case's facts fall in.
type actionBenchmarkJSON struct {
	Tiers   []benchmarkTierJSON `json:"tiers"`
	Tier    string              `json:"tier"`
	Reasons []string            `json:"reasons"`
}

type caseActionJSON struct {
	Action  string `json:"action"`
	Label   string `json:"label"`
	Request string `json:"request"`
	// DocumentKind is the document a request "document" issues.
	DocumentKind string `json:"document_kind,omitempty"`
	Allowed      bool   `json:"allowed"`
	// Reason says, in the reader's language, why the action is refused for now.
	Reason    string               `json:"reason,omitempty"`
	Fields    []actionFieldJSON    `json:"fields"`
	Benchmark *actionBenchmarkJSON `json:"benchmark,omitempty"`
}

type caseActionsResponse struct {
	CaseID  string           `json:"case_id"`
	Status  string           `json:"status"`
	Version int64            `json:"version"`
	Items   []caseActionJSON `json:"items"`
}

// deskActions are the actions a desk offers, in the order of the procedure.
var deskActions = []domain.Action{
	domain.ActRegister, domain.ActDecline, domain.ActSummaryDecide, domain.ActStartInvestigation, domain.ActRecord,
	domain.ActNotify, domain.ActRecordStatement, domain.ActWaive, domain.ActRequestHearing, domain.ActConcludeHearing,
	domain.ActSubmitReview, domain.ActApproveReview, domain.ActRejectReview, domain.ActDecide, domain.ActExtendDeadline,
	domain.ActTransfer, domain.ActAcknowledgeTransfer, domain.ActServe, domain.ActExecute, domain.ActClose,
	domain.ActArchive, domain.ActRevokeDecision,
}

// CaseActions answers what the caller may do in a case now: every action the procedure allows
// from the case's state and the caller's roles hold, each with the fields its form takes, or
// refused with the reason. The answer comes from the rules the transition itself applies
// (Case.Check), so what is offered is accepted and what is refused is refused.
func (h *Handlers) CaseActions(c *fiber.Ctx) error {
	p := principal(c)
	ctx, cancel := h.ctx(c)
	defer cancel()
	cs, err := h.scopedCase(c, ctx)
	if domain.ErrorCode(err) == domain.NotFound && p.HasAny(domain.RoleSupervisor) {
		// A supervisor reads a covered agency's case and acts in none: nothing to offer.
		if cs, _, err = h.readableCase(c, ctx); err != nil {
			return err
		}
		return c.JSON(caseActionsResponse{CaseID: cs.ID, Status: string(cs.Status), Version: cs.Version, Items: []caseActionJSON{}})
	}
	if err != nil {
		return err
	}
	me, err := h.standing(ctx, p.UserID)
	if err != nil {
		return err
	}
	lang := domain.LangOf(c.Get(fiber.HeaderAcceptLanguage))
	out := caseActionsResponse{CaseID: cs.ID, Status: string(cs.Status), Version: cs.Version, Items: []caseActionJSON{}}
	var people []*domain.User
	for _, a := range deskActions {
		if _, err := domain.Next(cs.Status, a); err != nil || !domain.TakesPart(a, me) {
			continue
		}
		t := probeOf(cs, a, p.UserID, h.Now())
		g, err := h.guards(ctx, cs, &t)
		if err != nil {
			return err
		}
		if slices.Contains(actionFields[a], "officer_ids") {
			// How many officers act, and who, is the form's to say: the probe asks only
			// whether the caller may act.
			m := domain.Matter{}
			if g.Matter != nil {
				m = *g.Matter
			}
			m.SingleOfficer = true
			g.Matter = &m
		}
		item := caseActionJSON{Action: string(a), Label: actionLabels[a], Request: "transition", Allowed: true}
		if err := cs.Check(t, g); err != nil {
			e, ok := err.(*domain.Error)
			if !ok {
				return err
			}
			if len(e.Fields) == 0 {
				item.Allowed = false
				item.Reason, _ = e.Localized(lang)
			}
		}
		if item.Allowed && people == nil && (slices.Contains(actionFields[a], "officer_ids") || a == domain.ActSubmitReview) {
			if people, err = h.agencyPeople(ctx, cs.AgencyID); err != nil {
				return err
			}
		}
		item.Fields = formOf(cs, a, p.UserID, people, g.Now)
		if d := proposalOf(cs); a == domain.ActDecide && d != nil && domain.ReviewRequired(cs.MatterID, d, g.ReviewRules) != nil {
			// A major decision (重大执法决定): its collective discussion is required (art. 57).
			for i := range item.Fields {
				if strings.HasPrefix(item.Fields[i].Name, "collective_discussion.") {
					item.Fields[i].Required = true
				}
			}
		}
		if slices.Contains([]domain.Action{domain.ActNotify, domain.ActSubmitReview, domain.ActDecide, domain.ActSummaryDecide}, a) && g.Benchmark != nil {
			item.Benchmark = benchmarkOf(g.Benchmark, proposalOf(cs))
		}
		out.Items = append(out.Items, item)
	}
	out.Items = append(out.Items, documentActions(cs, me, h.Now(), lang)...)
	return c.JSON(out)
}

// agencyPeople are the active people of the agency, for the officers and the reviewer a form
// names.
func (h *Handlers) agencyPeople(ctx context.Context, agencyID string) ([]*domain.User, error) {
	var out []*domain.User
	pg := domain.Page{Limit: domain.MaxPageLimit}
	for range 10 {
		users, next, err := h.Repo.ListUsers(ctx, domain.UserFilter{AgencyID: agencyID}, pg)
		if err != nil {
			return nil, err
		}
		for _, u := range users {
			if u.Status == domain.UserActive {
				out = append(out, u)
			}
		}
		if next == "" {
			break
		}
		pg.Cursor = next
	}
	if out == nil {
		out = []*domain.User{}
	}
	return out, nil
}

// proposalOf is the decision the case has proposed so far: the one submitted for review, or
// else the notice's.
func proposalOf(cs *domain.Case) *domain.Decision {
	if cs.Proposed != nil {
		return cs.Proposed
	}
	if cs.Notice != nil {
		return &cs.Notice.Proposed
	}
	return nil
}

// probeOf is the transition a desk's check tries: the caller acting, with the case's own
// proposal where the action carries a decision, and today where it takes a day; what the form
// must still supply is left out, and the rules name it as a field.
func probeOf(cs *domain.Case, a domain.Action, userID string, now time.Time) domain.Transition {
	t := domain.Transition{Action: a, ActorID: userID}
	if slices.Contains(actionFields[a], "officer_ids") {
		t.OfficerIDs = []string{userID}
	}
	switch a {
	case domain.ActSubmitReview, domain.ActDecide:
		if d := proposalOf(cs); d != nil {
			cp := *d
			t.Decision = &cp
		}
	case domain.ActAcknowledgeTransfer:
		t.AcknowledgedOn = domain.ChinaDate(now)
	}
	return t
}

func benchmarkOf(b *domain.Benchmark, proposed *domain.Decision) *actionBenchmarkJSON {
	out := &actionBenchmarkJSON{Tiers: []benchmarkTierJSON{}, Reasons: []string{}}
	for _, t := range b.Tiers {
		out.Tiers = append(out.Tiers, benchmarkTierJSON{Tier: string(t.Tier), Label: domain.TierName(t.Tier), MinFine: t.MinFine, MaxFine: t.MaxFine})
	}
	if proposed != nil && proposed.Tier != "" {
		out.Tier = string(proposed.Tier)
		out.Reasons = append(out.Reasons, "事先告知（或提交审核）的处罚意见适用"+domain.TierName(proposed.Tier)+"阶次")
		return out
	}
	first := proposed != nil && proposed.FirstOffence
	ev := b.Evaluate(nil, first)
	out.Tier, out.Reasons = string(ev.Tier), append(out.Reasons, ev.Reasons...)
	return out
}
