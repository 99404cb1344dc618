package domain

import (
	"math"
	"time"
)

// The scorecard (评议考核): indicators per agency over a period, each a share in [0, 1] computed
// from the records, weighted into a total of 100 points. An indicator with nothing to measure
// (no decisions in the period, say) is not assessable: it scores nothing and its weight goes to
// no other indicator, so an agency with no records cannot outrank one that works.

// Indicator is one indicator's definition: its code, its name, its weight.
type Indicator struct {
	Code   string
	Name   string
	Weight float64
	// Definition says how the value is computed, for the README and the page.
	Definition string
}

// Indicators are the scorecard's indicators; their weights sum to 100.
var Indicators = []Indicator{
	{"certified_share", "持证执法率", 15, "officers whose certificate is valid at the period's end / active officers"},
	{"training", "培训学时达标率", 10, "average training hours of the active officers in the year of the period's end / the 60-hour plan, at most 1"},
	{"decided_in_time", "按期决定率", 15, "general-procedure decisions in the period made by their deadline / those decisions"},
	{"legal_review", "法制审核率", 10, "decisions in the period that the catalog required legal review for and that had it approved / those decisions"},
	{"two_documents", "两书同达率", 10, "penalty decisions served in the period with both the decision and the credit-repair notice issued / those decisions"},
	{"review_score", "案卷评查得分率", 10, "average score of the agency's files scored in review rounds started in the period / 100"},
	{"satisfaction", "评价满意率", 10, "ratings in the period of 4 or 5 stars / ratings in the period"},
	{"complaints", "投诉率", 5, "1 - (complaints filed in the period per 100 inspections planned in it) / 10, at least 0"},
	{"rectification", "按期整改率", 10, "problems due in the period closed by their deadline / problems due in the period"},
	{"orders_on_time", "督办按期办复率", 5, "supervision orders due in the period whose latest answer came by their day / orders due in the period"},
}

// Ratio is a share with its numerator and denominator; Den 0 means nothing to measure.
type Ratio struct {
	Num, Den float64
}

// Assessable reports whether there is anything to measure.
func (r Ratio) Assessable() bool { return r.Den > 0 }

// Value is the share, 0 when there is nothing to measure (see Assessable).
func (r Ratio) Value() float64 {
	if r.Den == 0 {
		return 0
	}
	return math.Max(0, math.Min(1, r.Num/r.Den))
}

// ComplaintsValue is the complaints indicator from complaints and inspections in the period.
func ComplaintsValue(complaints, inspections int) float64 {
	if complaints == 0 {
		return 1
	}
	per100 := float64(complaints) * 100 / math.Max(float64(inspections), 1)
	return math.Max(0, 1-per100/10)
}

// ScoredCase is what the scorecard and a review round's draw read of a case with a decision: the case index holds it
// beside each such case, so that a scorecard reads no case.
type ScoredCase struct {
	ID        string
	Status    CaseStatus
	Procedure Procedure
	MatterID  string
	Deadline  time.Time
	DecidedAt time.Time
	ServedAt  time.Time
	// Decision holds the kind, the penalty kinds and the fine: what review rules match.
	Decision       Decision
	ReviewApproved bool
	// TwoDocuments: the penalty decision and the credit-repair notice were both issued.
	TwoDocuments bool
}

// ScoredCaseOf is what the scorecard reads of c; nil when c has no decision.
func ScoredCaseOf(c *Case) *ScoredCase {
	if c.Decision == nil {
		return nil
	}
	return &ScoredCase{ID: c.ID, Status: c.Status, Procedure: c.Procedure, MatterID: c.MatterID, Deadline: c.Deadline, DecidedAt: c.DecidedAt, ServedAt: c.ServedAt,
		Decision: Decision{Kind: c.Decision.Kind, PenaltyKinds: c.Decision.PenaltyKinds, Fine: c.Decision.Fine}, ReviewApproved: c.ReviewApproved,
		TwoDocuments: c.Documents[DocPenaltyDecision] != "" && c.Documents[DocCreditRepairNotice] != ""}
}
