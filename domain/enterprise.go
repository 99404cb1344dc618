package domain

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"
)

// An enterprise (企业) registers itself to see the inspections and cases it was subject to,
// rate them afterwards (事后评价), answer callbacks and file complaints. A supervisor of the
// jurisdiction activates it after checking it is who it says. Its users' tokens carry the
// enterprise's id where an agency member's carry the agency's: the same scope check then keeps
// every agency's records from it, and its own (its change log, its inbox, the files it attaches
// to complaints) to it.

// EnterpriseStatus is where a registration stands.
type EnterpriseStatus string

const (
	EnterprisePending  EnterpriseStatus = "pending"
	EnterpriseActive   EnterpriseStatus = "active"
	EnterpriseRejected EnterpriseStatus = "rejected"
)

// EnterpriseIDPrefix starts every enterprise id, so that an id tells an enterprise's scope from
// an agency's.
const EnterpriseIDPrefix = "ent_"

// IsEnterpriseID says whether a scope id is an enterprise's.
func IsEnterpriseID(id string) bool { return strings.HasPrefix(id, EnterpriseIDPrefix) }

// Enterprise is a registered enterprise and its standing.
type Enterprise struct {
	ID                  string
	USCC                string
	Name                string
	LegalRepresentative string
	ContactName         string
	ContactPhone        string
	// RegionID is the jurisdiction it registered in, RegionPath that region's path: the
	// supervisors over it activate it.
	RegionID   string
	RegionPath []string
	Status     EnterpriseStatus
	// UserID is the account made with the registration.
	UserID    string
	DecidedBy string
	DecidedAt time.Time
	Reason    string
	CreatedAt time.Time
	Version   int64
}

// Validate checks a registration and normalises its USCC; Invalid with the fields.
func (e *Enterprise) Validate() error {
	f := FieldErrors{}
	if code, err := ParseUSCC(e.USCC); err != nil {
		f.Add("uscc", err.(*Error).Message)
	} else {
		e.USCC = code
	}
	e.Name = strings.TrimSpace(e.Name)
	if n := utf8.RuneCountInString(e.Name); n < 2 || n > 128 {
		f.Add("name", "2 to 128 characters")
	}
	e.LegalRepresentative = strings.TrimSpace(e.LegalRepresentative)
	if n := utf8.RuneCountInString(e.LegalRepresentative); n < 1 || n > 64 {
		f.Add("legal_representative", "required, at most 64 characters")
	}
	e.ContactName = strings.TrimSpace(e.ContactName)
	if n := utf8.RuneCountInString(e.ContactName); n < 1 || n > 64 {
		f.Add("contact_name", "required, at most 64 characters")
	}
	if !validPhone(e.ContactPhone) {
		f.Add("contact_phone", "a mainland mobile number of 11 digits")
	}
	if e.RegionID == "" {
		f.Add("jurisdiction_id", "the jurisdiction the enterprise is registered in")
	}
	return f.Err()
}

// Decide activates or rejects a pending registration; Conflict when it was decided already.
func (e *Enterprise) Decide(activate bool, by, reason string, now time.Time) error {
	if e.Status != EnterprisePending {
		return Errorf(Conflict, "the registration was %s already", e.Status)
	}
	reason = strings.TrimSpace(reason)
	if !activate && reason == "" {
		return &Error{Code: Invalid, Message: "say why the registration is rejected", Fields: map[string]string{"reason": "required to reject"}}
	}
	if utf8.RuneCountInString(reason) > 500 {
		return &Error{Code: Invalid, Message: "the reason is too long", Fields: map[string]string{"reason": "at most 500 characters"}}
	}
	e.Status = EnterpriseRejected
	if activate {
		e.Status = EnterpriseActive
	}
	e.DecidedBy, e.DecidedAt, e.Reason = by, Stamp(now), reason
	return nil
}

// EnterpriseFilter narrows ListEnterprises; zero fields do not filter.
type EnterpriseFilter struct {
	RegionID string // in this region or below
	Status   EnterpriseStatus
	Name     string // a fragment of the name (NameMatches)
	USCC     string // matched exactly
}

// Enterprises stores registrations. Conflict on a USCC registered and not rejected, or a stale
// version.
type Enterprises interface {
	CreateEnterprise(ctx context.Context, e *Enterprise) error
	EnterpriseByID(ctx context.Context, id string) (*Enterprise, error)
	// EnterpriseByUSCC returns the registration of the code that is not rejected; NotFound.
	EnterpriseByUSCC(ctx context.Context, uscc string) (*Enterprise, error)
	// UpdateEnterprise writes e when its stored version is e.Version; a rejection frees the
	// USCC for another registration.
	UpdateEnterprise(ctx context.Context, e *Enterprise) error
	// DeleteEnterprise removes a registration whose account could not be made.
	DeleteEnterprise(ctx context.Context, id string) error
	ListEnterprises(ctx context.Context, f EnterpriseFilter, p Page) ([]*Enterprise, string, error)
}
