package domain

import (
	"strings"
	"time"
)

// CertificateStatus is the standing of an enforcement certificate (行政执法证).
type CertificateStatus string

const (
	CertificateValid     CertificateStatus = "valid"
	CertificateSuspended CertificateStatus = "suspended"
	CertificateRevoked   CertificateStatus = "revoked"
)

// Certificate is an officer's enforcement certificate. Anyone may verify it by number (亮证).
type Certificate struct {
	Number       string
	OfficerID    string
	AgencyID     string
	IssuedOn     time.Time
	ExpiresOn    time.Time
	Status       CertificateStatus
	StatusReason string
	UpdatedAt    time.Time
}

// ParseCertificateNumber normalises a certificate number: the issuing authority's six-digit
// division code (GB/T 2260, a real province first) followed by a serial of 5 to 10 digits.
func ParseCertificateNumber(s string) (string, error) {
	n := strings.TrimSpace(s)
	if len(n) < 11 || len(n) > 16 {
		return "", Errorf(Invalid, "a certificate number has 11 to 16 digits")
	}
	for i := 0; i < len(n); i++ {
		if n[i] < '0' || n[i] > '9' {
			return "", Errorf(Invalid, "a certificate number has only digits")
		}
	}
	if !validProvince(n[:2]) {
		return "", Errorf(Invalid, "a certificate number starts with the issuer's division code; %s is no province", n[:2])
	}
	return n, nil
}

// Validate checks a certificate's fields and normalises its number; it returns Invalid.
func (c *Certificate) Validate() error {
	f := FieldErrors{}
	if n, err := ParseCertificateNumber(c.Number); err != nil {
		f.Add("number", err.(*Error).Message)
	} else {
		c.Number = n
	}
	if c.IssuedOn.IsZero() {
		f.Add("issued_on", "required")
	}
	if c.ExpiresOn.IsZero() {
		f.Add("expires_on", "required")
	} else if !c.IssuedOn.IsZero() && !c.ExpiresOn.After(c.IssuedOn) {
		f.Add("expires_on", "must be after issued_on")
	}
	switch c.Status {
	case CertificateValid:
	case CertificateSuspended, CertificateRevoked:
		if strings.TrimSpace(c.StatusReason) == "" {
			f.Add("status_reason", "required when a certificate is suspended or revoked")
		}
	default:
		f.Add("status", "valid, suspended or revoked")
	}
	return f.Err()
}

// ValidAt reports whether the certificate may be used at t, and if not, why.
func (c *Certificate) ValidAt(t time.Time) (bool, string) {
	day := t.UTC().Truncate(24 * time.Hour)
	switch {
	case c.Status == CertificateSuspended:
		return false, "certificate suspended"
	case c.Status == CertificateRevoked:
		return false, "certificate revoked"
	case day.Before(c.IssuedOn):
		return false, "certificate not yet in force"
	case day.After(c.ExpiresOn):
		return false, "certificate expired"
	}
	return true, ""
}

// MayAct is the check every enforcement action makes (行政处罚法 art. 42): the officer is an
// active user holding the officer role, with a valid certificate issued for the officer's own
// agency, and the agency is active. It returns nil or Forbidden with the reason.
func MayAct(u *User, cert *Certificate, agency *Agency, now time.Time) error {
	switch {
	case u == nil || u.Status != UserActive:
		return Errorf(Forbidden, "the officer's account is not active")
	case !u.Has(RoleOfficer):
		return Errorf(Forbidden, "the user is not an enforcement officer")
	case cert == nil:
		return Errorf(Forbidden, "the officer holds no enforcement certificate")
	case cert.OfficerID != u.ID || cert.AgencyID != u.AgencyID:
		return Errorf(Forbidden, "the certificate was not issued to this officer for this agency")
	case agency == nil || agency.ID != u.AgencyID:
		return Errorf(Forbidden, "the officer's agency is unknown")
	case agency.Status != AgencyActive:
		return Errorf(Forbidden, "the officer's agency is %s", agency.Status)
	}
	if ok, why := cert.ValidAt(now); !ok {
		return Errorf(Forbidden, "%s", why)
	}
	return nil
}
