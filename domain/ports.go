package domain

import (
	"context"
	"time"
)

// Users stores users. Methods return NotFound, Conflict (duplicate username, stale version)
// or Unavailable; nothing else escapes.
type Users interface {
	CreateUser(ctx context.Context, u *User) error
	UserByID(ctx context.Context, id string) (*User, error)
	UserByUsername(ctx context.Context, username string) (*User, error)
	// UpdateUser writes u when the stored version equals u.Version and increments it;
	// Conflict otherwise.
	UpdateUser(ctx context.Context, u *User) error
	// ListUsers lists the users of an agency ("" for all), in creation order, one page.
	ListUsers(ctx context.Context, f UserFilter, p Page) ([]*User, string, error)
	CountUsers(ctx context.Context) (int64, error)
}

// UserFilter narrows ListUsers.
type UserFilter struct {
	AgencyID string
	Role     Role
}

// Agencies stores agencies. Conflict on a duplicate USCC or a stale version.
type Agencies interface {
	CreateAgency(ctx context.Context, a *Agency) error
	AgencyByID(ctx context.Context, id string) (*Agency, error)
	UpdateAgency(ctx context.Context, a *Agency) error
	ListAgencies(ctx context.Context, status AgencyStatus, p Page) ([]*Agency, string, error)
}

// Certificates stores enforcement certificates keyed by number. Conflict on a number in use.
type Certificates interface {
	CreateCertificate(ctx context.Context, c *Certificate) error
	UpdateCertificate(ctx context.Context, c *Certificate) error
	CertificateByNumber(ctx context.Context, number string) (*Certificate, error)
}

// Training stores training records and sums them.
type Training interface {
	AddTraining(ctx context.Context, t *TrainingRecord) error
	TrainingOf(ctx context.Context, officerID string, year int) ([]*TrainingRecord, error)
	// TrainingHours sums the hours per officer of an agency in a year.
	TrainingHours(ctx context.Context, agencyID string, year int) (map[string]float64, error)
}

// RefreshToken is a stored refresh token; only the SHA-256 of the token is kept.
type RefreshToken struct {
	Hash      string
	UserID    string
	FamilyID  string
	ExpiresAt time.Time
	CreatedAt time.Time
}

// RefreshTokens stores refresh tokens for rotation with reuse detection.
type RefreshTokens interface {
	CreateRefreshToken(ctx context.Context, t *RefreshToken) error
	// UseRefreshToken marks the token used and returns it. A token used or revoked before
	// returns Conflict with the token (so the caller can revoke its family); an unknown one
	// NotFound.
	UseRefreshToken(ctx context.Context, hash string, now time.Time) (*RefreshToken, error)
	RevokeFamily(ctx context.Context, familyID string) error
	// FamilyRevoked reports whether any token of the family was revoked.
	FamilyRevoked(ctx context.Context, familyID string) (bool, error)
	RevokeUser(ctx context.Context, userID string) error
}

// Repository is every storage port the API needs.
type Repository interface {
	Users
	Agencies
	Certificates
	Training
	RefreshTokens
}
