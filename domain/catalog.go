package domain

import (
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// PenaltyKind is a kind of administrative penalty (行政处罚法 art. 9).
type PenaltyKind string

const (
	PenaltyWarning       PenaltyKind = "warning"        // 警告、通报批评
	PenaltyFine          PenaltyKind = "fine"           // 罚款
	PenaltyConfiscation  PenaltyKind = "confiscation"   // 没收违法所得、非法财物
	PenaltySuspension    PenaltyKind = "suspension"     // 暂扣许可证件、降低资质等级
	PenaltyLicenceRevoke PenaltyKind = "licence_revoke" // 吊销许可证件
	PenaltyRestriction   PenaltyKind = "restriction"    // 限制开展生产经营活动、责令停产停业
	PenaltyClosure       PenaltyKind = "closure"        // 责令关闭
)

var penaltyKinds = []PenaltyKind{PenaltyWarning, PenaltyFine, PenaltyConfiscation, PenaltySuspension, PenaltyLicenceRevoke, PenaltyRestriction, PenaltyClosure}

// ValidPenaltyKind reports whether k is a known penalty kind.
func ValidPenaltyKind(k PenaltyKind) bool { return slices.Contains(penaltyKinds, k) }

// Matter is an enforcement matter (执法事项) of an agency's catalog.
type Matter struct {
	ID           string
	AgencyID     string
	Code         string
	Name         string
	LegalBasis   string
	PenaltyKinds []PenaltyKind
	// SingleOfficer is set when the matter's legal basis lets one officer investigate alone.
	SingleOfficer bool
	// LimitationYears is how long a violation may be pursued: 2, or 5 where life, health or
	// financial safety is at stake (art. 36).
	LimitationYears int
	CreatedAt       time.Time
	UpdatedAt       time.Time
	Version         int64
}

// Validate checks a matter; Invalid with the fields.
func (m *Matter) Validate() error {
	f := FieldErrors{}
	if c := strings.TrimSpace(m.Code); c == "" || len(c) > 64 {
		f.Add("code", "required, at most 64 characters")
	}
	if n := utf8.RuneCountInString(strings.TrimSpace(m.Name)); n == 0 || n > 200 {
		f.Add("name", "required, at most 200 characters")
	}
	if strings.TrimSpace(m.LegalBasis) == "" {
		f.Add("legal_basis", "required")
	}
	if len(m.PenaltyKinds) == 0 {
		f.Add("penalty_kinds", "at least one")
	}
	for _, k := range m.PenaltyKinds {
		if !ValidPenaltyKind(k) {
			f.Add("penalty_kinds", "unknown penalty kind "+string(k))
		}
	}
	if m.LimitationYears == 0 {
		m.LimitationYears = 2
	}
	if m.LimitationYears != 2 && m.LimitationYears != 5 {
		f.Add("limitation_years", "2, or 5 for life, health or financial safety")
	}
	return f.Err()
}

// Tier names a discretion level (裁量阶次).
type Tier string

const (
	TierNoPenalty Tier = "no_penalty" // 不予处罚
	TierLighter   Tier = "lighter"    // 从轻
	TierNormal    Tier = "normal"     // 一般
	TierHeavier   Tier = "heavier"    // 从重
)

var tierNames = map[Tier]string{TierNoPenalty: "不予处罚", TierLighter: "从轻", TierNormal: "一般", TierHeavier: "从重"}

// TierName is the Chinese name of a tier.
func TierName(t Tier) string { return tierNames[t] }

// BenchmarkTier is one tier of a benchmark: its fine range in yuan and the circumstances that
// select it.
type BenchmarkTier struct {
	Tier          Tier
	MinFine       int64
	MaxFine       int64
	Circumstances []string
	// FirstOffence marks the no-penalty tier that a first, minor, promptly corrected offence
	// selects (首违不罚, art. 33).
	FirstOffence bool
}

// Benchmark is the discretion benchmark (裁量基准) of one matter.
type Benchmark struct {
	ID        string
	AgencyID  string
	MatterID  string
	Tiers     []BenchmarkTier
	CreatedAt time.Time
	UpdatedAt time.Time
	Version   int64
}

// Validate checks a benchmark: known tiers, each at most once, a normal tier, sane ranges.
func (b *Benchmark) Validate() error {
	f := FieldErrors{}
	if b.MatterID == "" {
		f.Add("matter_id", "required")
	}
	seen := map[Tier]bool{}
	for i, t := range b.Tiers {
		field := fmt.Sprintf("tiers[%d]", i)
		if _, ok := tierNames[t.Tier]; !ok {
			f.Add(field+".tier", "no_penalty, lighter, normal or heavier")
		}
		if seen[t.Tier] {
			f.Add(field+".tier", "each tier at most once")
		}
		seen[t.Tier] = true
		if t.MinFine < 0 || t.MaxFine < t.MinFine {
			f.Add(field+".max_fine", "0 <= min_fine <= max_fine")
		}
		if t.Tier == TierNoPenalty && t.MaxFine != 0 {
			f.Add(field+".max_fine", "the no-penalty tier has no fine")
		}
	}
	if !seen[TierNormal] {
		f.Add("tiers", "a normal tier is required")
	}
	return f.Err()
}

// Evaluation is which tier a set of facts selects, its range, and why.
type Evaluation struct {
	Tier    Tier
	MinFine int64
	MaxFine int64
	Reasons []string
}

// Evaluate selects a tier: a first offence selects the first-offence no-penalty tier; otherwise
// a circumstance of the no-penalty tier wins, aggravating and mitigating circumstances together
// cancel out to normal, and either alone selects its tier.
func (b *Benchmark) Evaluate(circumstances []string, firstOffence bool) Evaluation {
	tier := func(t Tier) *BenchmarkTier {
		for i := range b.Tiers {
			if b.Tiers[i].Tier == t {
				return &b.Tiers[i]
			}
		}
		return nil
	}
	var reasons []string
	matched := map[Tier]bool{}
	for _, c := range circumstances {
		for _, t := range b.Tiers {
			if slices.Contains(t.Circumstances, c) {
				matched[t.Tier] = true
				reasons = append(reasons, fmt.Sprintf("情节“%s”对应%s", c, TierName(t.Tier)))
			}
		}
	}
	pick := TierNormal
	switch np := tier(TierNoPenalty); {
	case firstOffence && np != nil && np.FirstOffence:
		pick = TierNoPenalty
		reasons = append(reasons, "初次违法且危害后果轻微并及时改正，适用首违不罚")
	case matched[TierNoPenalty]:
		pick = TierNoPenalty
	case matched[TierHeavier] && matched[TierLighter]:
		reasons = append(reasons, "从重与从轻情节并存，适用一般")
	case matched[TierHeavier]:
		pick = TierHeavier
	case matched[TierLighter]:
		pick = TierLighter
	default:
		reasons = append(reasons, "无从重、从轻情节，适用一般")
	}
	t := tier(pick)
	if t == nil {
		t = tier(TierNormal)
		reasons = append(reasons, fmt.Sprintf("基准未设%s阶次，适用一般", TierName(pick)))
	}
	return Evaluation{Tier: t.Tier, MinFine: t.MinFine, MaxFine: t.MaxFine, Reasons: reasons}
}

// ReviewRuleKind is what a legal-review rule (法制审核目录) matches on.
type ReviewRuleKind string

const (
	// ReviewFineAbove matches a fine above Threshold yuan.
	ReviewFineAbove ReviewRuleKind = "fine_above"
	// ReviewPenaltyKind matches a decision that includes PenaltyKind.
	ReviewPenaltyKind ReviewRuleKind = "penalty_kind"
	// ReviewMatter matches every decision of one matter.
	ReviewMatter ReviewRuleKind = "matter"
)

// ReviewRule is one entry of an agency's legal-review catalog.
type ReviewRule struct {
	ID          string
	AgencyID    string
	Kind        ReviewRuleKind
	Threshold   int64
	PenaltyKind PenaltyKind
	MatterID    string
	Description string
	CreatedAt   time.Time
	Version     int64
}

// Validate checks a rule; Invalid with the fields.
func (r *ReviewRule) Validate() error {
	f := FieldErrors{}
	switch r.Kind {
	case ReviewFineAbove:
		if r.Threshold <= 0 {
			f.Add("threshold", "a positive amount in yuan")
		}
	case ReviewPenaltyKind:
		if !ValidPenaltyKind(r.PenaltyKind) {
			f.Add("penalty_kind", "a known penalty kind")
		}
	case ReviewMatter:
		if r.MatterID == "" {
			f.Add("matter_id", "required")
		}
	default:
		f.Add("kind", "fine_above, penalty_kind or matter")
	}
	if strings.TrimSpace(r.Description) == "" {
		f.Add("description", "required")
	}
	return f.Err()
}

// Matches reports whether the decision falls under the rule.
func (r *ReviewRule) Matches(matterID string, d *Decision) bool {
	switch r.Kind {
	case ReviewFineAbove:
		return d.Fine > r.Threshold
	case ReviewPenaltyKind:
		return slices.Contains(d.PenaltyKinds, r.PenaltyKind)
	case ReviewMatter:
		return r.MatterID == matterID
	}
	return false
}
