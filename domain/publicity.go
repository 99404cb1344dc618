package domain

import (
	"context"
	"time"
	"unicode/utf8"
)

// Publicity (公示): a penalty decision of the general procedure is published once it is
// served, or when the publication deadline (working days after the decision) comes first, and
// withdrawn when the decision is revoked. What is published is built field by field from what
// may be public: never the facts as written, a natural person's full name, ID number, phone or
// address.

// PenaltyNames are the penalties in the words of the law.
var PenaltyNames = map[PenaltyKind]string{
	PenaltyWarning: "警告", PenaltyFine: "罚款", PenaltyConfiscation: "没收违法所得、非法财物",
	PenaltySuspension: "暂扣许可证件", PenaltyLicenceRevoke: "吊销许可证件", PenaltyRestriction: "责令停产停业",
	PenaltyClosure: "责令关闭",
}

// Publication is a published penalty decision.
type Publication struct {
	ID             string // the case's id
	AgencyID       string
	AgencyName     string
	CaseNumber     string
	DocumentNumber string
	DocumentHash   string
	// PartyName is an organisation's name, or a person's surname and 某; PartyUSCC only for an
	// organisation.
	PartyKind    string
	PartyName    string
	PartyUSCC    string
	Violation    string // the matter's name
	LegalBasis   string
	Penalties    []string
	Fine         int64
	DecidedAt    time.Time
	DueBy        time.Time
	PublishedAt  time.Time
	WithdrawnAt  time.Time
	WithdrawnFor string
}

// MaskPersonName keeps a person's surname and writes 某 for the rest (张三 -> 张某; a compound
// surname of the common list keeps both characters: 欧阳修 -> 欧阳某).
func MaskPersonName(name string) string {
	r := []rune(name)
	if len(r) == 0 {
		return "某"
	}
	if len(r) >= 3 {
		for _, s := range compoundSurnames {
			if string(r[:2]) == s {
				return s + "某"
			}
		}
	}
	return string(r[0]) + "某"
}

var compoundSurnames = []string{"欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容", "长孙", "宇文", "司徒", "夏侯", "令狐", "轩辕", "端木", "南宫", "西门"}

// PublicationDue says whether a case's decision is to be published, and by when: a penalty
// decision of the general procedure, by days working days after the decision.
func PublicationDue(c *Case, cal Calendar, days int) (time.Time, bool) {
	if c.Decision == nil || c.Decision.Kind != "penalty" || c.Procedure != ProcedureGeneral || c.DecidedAt.IsZero() {
		return time.Time{}, false
	}
	return Stamp(cal.AddWorkingDays(c.DecidedAt, days)), true
}

// PublicationOf builds the publication of a case's decision from the fields that may be public:
// the legal basis is the matter's, from the catalog, never the decision's own words, which an
// officer writes and which may name the party.
func PublicationOf(c *Case, agency *Agency, matter *Matter, documentNumber string, dueBy, now time.Time) *Publication {
	matterName, basis := "", ""
	if matter != nil {
		matterName, basis = matter.Name, matter.LegalBasis
	}
	p := &Publication{ID: c.ID, AgencyID: c.AgencyID, AgencyName: agency.Name, CaseNumber: c.Number, DocumentNumber: documentNumber,
		DocumentHash: c.Documents[DocPenaltyDecision], PartyKind: c.Party.Kind, Violation: matterName, LegalBasis: basis,
		Fine: c.Decision.Fine, DecidedAt: Stamp(c.DecidedAt), DueBy: dueBy, PublishedAt: Stamp(now)}
	if c.Party.Kind == "organisation" {
		p.PartyName, p.PartyUSCC = c.Party.Name, c.Party.USCC
	} else {
		p.PartyName = MaskPersonName(c.Party.Name)
	}
	for _, k := range c.Decision.PenaltyKinds {
		p.Penalties = append(p.Penalties, PenaltyNames[k])
	}
	if utf8.RuneCountInString(p.LegalBasis) > 500 {
		p.LegalBasis = string([]rune(p.LegalBasis)[:500])
	}
	return p
}

// WithdrawnText is what a withdrawn publication says of why: the revocation's own reason is the
// agency's free text and stays in the case.
const WithdrawnText = "该行政处罚决定已被撤销"

// Publications stores published decisions; CreatePublication answers Conflict when the case's
// decision is published already.
type Publications interface {
	CreatePublication(ctx context.Context, p *Publication) error
	PublicationByID(ctx context.Context, id string) (*Publication, error)
	// PublicationByHash finds the publication of a decision document by its hash; NotFound.
	PublicationByHash(ctx context.Context, hash string) (*Publication, error)
	// WithdrawPublication marks a publication withdrawn, once.
	WithdrawPublication(ctx context.Context, id, reason string, at time.Time) error
	// ListPublications lists publications newest first, of one agency ("" for all), withdrawn
	// ones too when asked.
	ListPublications(ctx context.Context, agencyID string, withdrawn bool, p Page) ([]*Publication, string, error)
}
