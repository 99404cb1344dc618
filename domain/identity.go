package domain

import (
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// Role is what a user may do. A user holds one or more.
type Role string

const (
	RoleSysadmin    Role = "sysadmin"
	RoleAgencyAdmin Role = "agency_admin"
	RoleOfficer     Role = "officer"
	RoleReviewer    Role = "reviewer"
	RoleSupervisor  Role = "supervisor"
	RoleEnterprise  Role = "enterprise"
)

// AgencyRoles are the roles a member of an enforcement agency can hold.
var AgencyRoles = []Role{RoleAgencyAdmin, RoleOfficer, RoleReviewer, RoleSupervisor}

// ValidRole reports whether r is one of the six roles.
func ValidRole(r Role) bool {
	return r == RoleSysadmin || r == RoleEnterprise || slices.Contains(AgencyRoles, r)
}

// Principal is the authenticated caller of a request.
type Principal struct {
	UserID   string
	Roles    []Role
	AgencyID string
	// Epoch is the user's session epoch the token was signed in: signing out everywhere or a
	// password reset moves the user's epoch, and a token of an older one opens nothing.
	Epoch int64
}

// Has reports whether the principal holds role r.
func (p Principal) Has(r Role) bool { return slices.Contains(p.Roles, r) }

// HasAny reports whether the principal holds at least one of roles.
func (p Principal) HasAny(roles ...Role) bool {
	for _, r := range roles {
		if p.Has(r) {
			return true
		}
	}
	return false
}

// ManagesAgency reports whether the principal may read and change the agency's own records:
// sysadmins manage every agency, agency admins their own.
func (p Principal) ManagesAgency(agencyID string) bool {
	return p.Has(RoleSysadmin) || (p.Has(RoleAgencyAdmin) && p.AgencyID == agencyID)
}

// UserStatus says whether a user may sign in.
type UserStatus string

const (
	UserActive   UserStatus = "active"
	UserDisabled UserStatus = "disabled"
)

// User is anyone who signs in. Officers, reviewers, supervisors and agency admins belong to an
// agency; a sysadmin belongs to none.
type User struct {
	ID            string
	Username      string
	PasswordHash  string
	Name          string
	Phone         string
	IDNumber      string
	Roles         []Role
	AgencyID      string
	Status        UserStatus
	CertificateNo string
	CreatedAt     time.Time
	UpdatedAt     time.Time
	Version       int64

	// MustChangePassword is set by a password reset: the one-time password signs in only to
	// change it.
	MustChangePassword bool
	// SessionEpoch counts the times every session of the user was ended (sign out everywhere,
	// a reset, a removal); access tokens carry the epoch they were signed in.
	SessionEpoch int64
}

// Validate checks the fields a user must have; it returns Invalid with the fields.
func (u *User) Validate() error {
	f := FieldErrors{}
	if !validUsername(u.Username) {
		f.Add("username", "3 to 64 characters: letters, digits, '.', '_' or '-'")
	}
	if n := utf8.RuneCountInString(strings.TrimSpace(u.Name)); n == 0 || n > 64 {
		f.Add("name", "required, at most 64 characters")
	}
	if len(u.Roles) == 0 {
		f.Add("roles", "at least one role")
	}
	for _, r := range u.Roles {
		if !ValidRole(r) {
			f.Add("roles", "unknown role "+string(r))
		}
	}
	if u.Status != UserActive && u.Status != UserDisabled {
		f.Add("status", "active or disabled")
	}
	if u.Phone != "" && !validPhone(u.Phone) {
		f.Add("phone", "a mainland mobile number of 11 digits")
	}
	if u.IDNumber != "" {
		if _, err := ParseIDNumber(u.IDNumber); err != nil {
			f.Add("id_number", err.(*Error).Message)
		}
	}
	if slices.Contains(u.Roles, RoleSysadmin) {
		if u.AgencyID != "" {
			f.Add("agency_id", "a sysadmin belongs to no agency")
		}
	} else if u.AgencyID == "" && !slices.Contains(u.Roles, RoleEnterprise) {
		f.Add("agency_id", "required for agency roles")
	}
	return f.Err()
}

// Has reports whether the user holds role r.
func (u *User) Has(r Role) bool { return slices.Contains(u.Roles, r) }

func validUsername(s string) bool {
	if len(s) < 3 || len(s) > 64 {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// ValidPhone reports whether s is a mainland mobile number as the API accepts it.
func ValidPhone(s string) bool { return validPhone(s) }

func validPhone(s string) bool {
	if len(s) != 11 || s[0] != '1' {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

var idWeights = [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}

// ParseIDNumber checks an 18-character resident identity number (GB 11643): digits, a valid
// province, a real birth date and the ISO 7064 MOD 11-2 check character.
func ParseIDNumber(s string) (string, error) {
	id := strings.ToUpper(strings.TrimSpace(s))
	if len(id) != 18 {
		return "", Errorf(Invalid, "an identity number has 18 characters")
	}
	sum := 0
	for i := 0; i < 17; i++ {
		if id[i] < '0' || id[i] > '9' {
			return "", Errorf(Invalid, "the first 17 characters of an identity number are digits")
		}
		sum += int(id[i]-'0') * idWeights[i]
	}
	if !validProvince(id[:2]) {
		return "", Errorf(Invalid, "%s is not a province-level division code", id[:2])
	}
	if _, err := time.Parse("20060102", id[6:14]); err != nil {
		return "", Errorf(Invalid, "characters 7 to 14 are not a birth date")
	}
	if want := "10X98765432"[sum%11]; id[17] != want {
		return "", Errorf(Invalid, "the check character should be %c", want)
	}
	return id, nil
}
