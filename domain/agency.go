package domain

import (
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

// Agency is an enforcement body (执法主体), identified by its unified social credit code.
type Agency struct {
	ID           string
	Name         string
	USCC         string
	Jurisdiction Jurisdiction
	LegalBasis   string
	Status       AgencyStatus
	// StatusAnnouncedOn is the date the current status was made public (公告日期).
	StatusAnnouncedOn time.Time
	CreatedAt         time.Time
	UpdatedAt         time.Time
	Version           int64
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
	return f.Err()
}
