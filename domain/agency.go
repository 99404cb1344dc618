package domain

import (
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// AgencyStatus is the standing of an enforcement agency (执法主体) as announced to the public.
type AgencyStatus string

const (
	AgencyActive    AgencyStatus = "active"
	AgencySuspended AgencyStatus = "suspended"
	AgencyRevoked   AgencyStatus = "revoked"
)

// Jurisdiction is where an agency may enforce: a district, optionally narrowed to a town.
type Jurisdiction struct {
	District string
	Town     string
}

// AgencyKind tells an enforcement body from a supervisory one.
type AgencyKind string

const (
	// AgencyEnforcement is an enforcement body (执法主体): cases, inspections, officers.
	AgencyEnforcement AgencyKind = "enforcement"
	// AgencySupervisory supervises the enforcement of every agency in its region and below
	// (the district's 司法局): feedback, callbacks, complaints, statistics.
	AgencySupervisory AgencyKind = "supervisory"
)

// Agency is an enforcement body (执法主体), identified by its unified social credit code.
type Agency struct {
	ID           string
	Name         string
	USCC         string
	Kind         AgencyKind
	Jurisdiction Jurisdiction
	// RegionID is the agency's node in the jurisdiction tree and RegionPath that node's path
	// (see Region); Jurisdiction keeps the district and town names for display.
	RegionID   string
	RegionPath []string
	LegalBasis string
	Status     AgencyStatus
	// StatusAnnouncedOn is the date the current status was made public (公告日期).
	StatusAnnouncedOn time.Time
	// DecisionRole decides the agency's cases (art. 57): its head, the agency admin, unless the
	// agency designates its officers.
	DecisionRole Role
	// DocumentNumberPattern makes the 文号 of its documents: {kind} is the document's character
	// (罚 for a penalty decision …), {year} and {n} the year and its running number, e.g.
	// 枣市中市监{kind}〔{year}〕{n}号.
	DocumentNumberPattern string
	// ReconsiderationBody (行政复议机关) and Court (人民法院) are where the party of a penalty
	// decision may seek reconsideration or sue: the decision names them (art. 59).
	ReconsiderationBody string
	Court               string
	CreatedAt           time.Time
	UpdatedAt           time.Time
	Version             int64
}

// KindOrDefault is the agency's kind; agencies stored before kinds existed enforce.
func (a *Agency) KindOrDefault() AgencyKind {
	if a.Kind == "" {
		return AgencyEnforcement
	}
	return a.Kind
}

// Supervises says whether a supervises other: a supervisory body over an agency in its region
// or below. An agency does not supervise itself.
func (a *Agency) Supervises(other *Agency) bool {
	return a.KindOrDefault() == AgencySupervisory && other.ID != a.ID && Under(other.RegionPath, a.RegionID)
}

// Validate checks an agency's fields and normalises its USCC; it returns Invalid with the fields.
func (a *Agency) Validate() error {
	f := FieldErrors{}
	if n := utf8.RuneCountInString(strings.TrimSpace(a.Name)); n == 0 || n > 128 {
		f.Add("name", "required, at most 128 characters")
	}
	if code, err := ParseUSCC(a.USCC); err != nil {
		f.Add("uscc", err.(*Error).Message)
	} else {
		a.USCC = code
	}
	if a.Kind != "" && a.Kind != AgencyEnforcement && a.Kind != AgencySupervisory {
		f.Add("kind", "enforcement or supervisory")
	}
	if strings.TrimSpace(a.Jurisdiction.District) == "" {
		f.Add("jurisdiction.district", "required")
	}
	if utf8.RuneCountInString(a.LegalBasis) > 2000 {
		f.Add("legal_basis", "at most 2000 characters")
	}
	switch a.Status {
	case AgencyActive, AgencySuspended, AgencyRevoked:
	default:
		f.Add("status", "active, suspended or revoked")
	}
	if a.Status != AgencyActive && a.StatusAnnouncedOn.IsZero() {
		f.Add("status_announced_on", "required when an agency is suspended or revoked")
	}
	if a.Status == AgencyActive && strings.TrimSpace(a.LegalBasis) == "" {
		f.Add("legal_basis", "an agency acts only on its legal basis (执法主体资格): required while it is active")
	}
	if p := a.DocumentNumberPattern; p != "" && (!strings.Contains(p, "{n}") || !strings.Contains(p, "{year}") || utf8.RuneCountInString(p) > 64) {
		f.Add("document_number_pattern", "at most 64 characters with {year} and {n}, and {kind} for the kind of document, e.g. 枣市中市监{kind}〔{year}〕{n}号")
	}
	if utf8.RuneCountInString(a.ReconsiderationBody) > 128 {
		f.Add("reconsideration_body", "at most 128 characters")
	}
	if utf8.RuneCountInString(a.Court) > 128 {
		f.Add("court", "at most 128 characters")
	}
	switch a.DecisionRole {
	case "", RoleAgencyAdmin, RoleOfficer:
	default:
		f.Add("decision_role", "agency_admin (the head, by default) or officer")
	}
	return f.Err()
}

// DefaultDocumentNumberPattern numbers an agency's documents until it sets its own pattern.
const DefaultDocumentNumberPattern = "{kind}〔{year}〕{n}号"

// DocumentNumber is the 文号 of the n-th document of a kind in a year.
func (a *Agency) DocumentNumber(kind DocumentKind, year int, n int64) string {
	p := a.DocumentNumberPattern
	if p == "" {
		p = DefaultDocumentNumberPattern
	}
	return strings.NewReplacer("{kind}", DocumentKindCharacters[kind], "{year}", strconv.Itoa(year), "{n}", strconv.FormatInt(n, 10)).Replace(p)
}

// Decider is the role that decides the agency's cases.
func (a *Agency) Decider() Role {
	if a.DecisionRole == "" {
		return RoleAgencyAdmin
	}
	return a.DecisionRole
}

// ChangeStatus moves the agency to status, announced on announced. Revocation (吊销) is final,
// and each change carries its own announcement date.
func (a *Agency) ChangeStatus(status AgencyStatus, announced time.Time) error {
	if status == a.Status {
		if !announced.IsZero() {
			a.StatusAnnouncedOn = announced
		}
		return nil
	}
	if a.Status == AgencyRevoked {
		return Errorf(Forbidden, "a revoked agency stays revoked: revocation is final")
	}
	if announced.IsZero() && status != AgencyActive {
		return &Error{Code: Invalid, Message: "a change of status is announced", Fields: map[string]string{"status_announced_on": "the date this change was announced"}}
	}
	a.Status, a.StatusAnnouncedOn = status, announced
	return nil
}
