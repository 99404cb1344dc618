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
	Name     string // a fragment of the name (NameMatches)
	// CertificateNo is the number of the certificate the user holds, matched exactly.
	CertificateNo string
}

// Agencies stores agencies. Conflict on a duplicate USCC or a stale version.
type Agencies interface {
	CreateAgency(ctx context.Context, a *Agency) error
	AgencyByID(ctx context.Context, id string) (*Agency, error)
	UpdateAgency(ctx context.Context, a *Agency) error
	ListAgencies(ctx context.Context, status AgencyStatus, p Page) ([]*Agency, string, error)
	// AgenciesUnder lists the agencies in the region or below, in creation order.
	AgenciesUnder(ctx context.Context, regionID string, p Page) ([]*Agency, string, error)
	// PlaceAgency finds or creates the region of a district (a root) and town (below it) by
	// their names: how agencies registered by names alone join the tree.
	PlaceAgency(ctx context.Context, j Jurisdiction) (*Region, error)
	// SupervisorsOver lists the supervisory bodies whose region holds a's.
	SupervisorsOver(ctx context.Context, a *Agency) ([]*Agency, error)
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
	// Used says it was exchanged before; Ended that its sign-in was ended (signed out, the
	// password reset, a reuse found) without it having been used.
	Used, Ended bool
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
	Regions
	Certificates
	Training
	RefreshTokens
	Catalogs
	Cases
	Changes
	Idempotency
	Inspections
	EvidenceStore
	NotificationStore
	CardStore
	Enterprises
	Callbacks
	Complaints
	Draws
	Publications
	Problems
	Reviews
	Adjustments
	SupervisorReads
	Counts
	Supervision
}

// Catalogs stores matters, discretion benchmarks and legal-review rules. Conflict on a
// duplicate matter code in an agency, a second benchmark for a matter, or a stale version.
type Catalogs interface {
	CreateMatter(ctx context.Context, m *Matter) error
	MatterByID(ctx context.Context, id string) (*Matter, error)
	UpdateMatter(ctx context.Context, m *Matter) error
	ListMatters(ctx context.Context, agencyID string, p Page) ([]*Matter, string, error)
	CreateBenchmark(ctx context.Context, b *Benchmark) error
	BenchmarkByID(ctx context.Context, id string) (*Benchmark, error)
	BenchmarkOfMatter(ctx context.Context, matterID string) (*Benchmark, error)
	UpdateBenchmark(ctx context.Context, b *Benchmark) error
	ListBenchmarks(ctx context.Context, agencyID string, p Page) ([]*Benchmark, string, error)
	CreateReviewRule(ctx context.Context, r *ReviewRule) error
	ReviewRuleByID(ctx context.Context, id string) (*ReviewRule, error)
	ReviewRules(ctx context.Context, agencyID string) ([]ReviewRule, error)
}

// CaseFilter narrows ListCases; zero fields do not filter.
type CaseFilter struct {
	AgencyID       string
	Status         CaseStatus
	OfficerID      string
	EnterpriseUSCC string
	OverdueAt      time.Time // open cases whose deadline is before this time
	CreatedFrom    time.Time
	CreatedTo      time.Time
	// Number is a case number (立案编号) or the 文号 of a document issued in the case, matched
	// exactly.
	Number string
	// PartyName is a fragment of the party's name (NameMatches).
	PartyName string
	// PartyIDHash is the IDNumberHash of the party's identity number.
	PartyIDHash string
}

// Cases stores cases with their embedded event chain, and their documents.
type Cases interface {
	// CommitCase stores ev, which Apply or Seed just appended to c, with c's state after it in
	// one write. Conflict when the case already has an event with ev's number (another action
	// came first, or, for the first event, the id is taken).
	// with is what the event made besides the case (a document, evidence), stored with it.
	CommitCase(ctx context.Context, c *Case, ev Event, with Attached) error
	// CaseByID returns the case with every committed event applied; NotFound.
	CaseByID(ctx context.Context, id string) (*Case, error)
	// CaseAt returns the case as it stood after event seq, and that event; NotFound.
	CaseAt(ctx context.Context, caseID string, seq int) (*Case, Event, error)
	// EventsOf returns the case's events with numbers from from to to, in order.
	EventsOf(ctx context.Context, caseID string, from, to int) ([]Event, error)
	// StoredEventsOf is EventsOf as the database holds them now, whatever the process holds
	// (what an audit checks).
	StoredEventsOf(ctx context.Context, caseID string, from, to int) ([]Event, error)
	// ListCases lists cases without their events.
	ListCases(ctx context.Context, f CaseFilter, p Page) ([]*Case, string, error)
	// ScoredCases calls fn, in no order, with what the scorecard reads of each case of the
	// agency that has a decision; it may leave out those neither decided nor served in
	// [from, to). fn must not keep what it is given beyond the call.
	ScoredCases(ctx context.Context, agencyID string, from, to time.Time, fn func(*ScoredCase)) error
	NextCaseNumber(ctx context.Context, agencyID string, year int) (int64, error)
	// NextDocumentNumber allocates the running number of a 文号.
	NextDocumentNumber(ctx context.Context, agencyID string, kind DocumentKind, year int) (int64, error)
	DocumentByID(ctx context.Context, id string) (*Document, error)
	DocumentsOf(ctx context.Context, caseID string) ([]*Document, error)
}

// Attached is what an event makes besides the case's new state, committed in the same write:
// the document an issue_document event issued, the evidence an evidence event recorded or
// settled (as it stands after the event).
type Attached struct {
	Document *Document
	Evidence *Evidence
}

// Change is one entry of an agency's change log, which /v1/sync pages through.
type Change struct {
	AgencyID string
	Seq      int64
	Kind     string
	ObjectID string
	EventSeq int
	At       time.Time
}

// Changes is the per-agency change log.
type Changes interface {
	// RecordChange allocates the agency's next sequence number and stores the change with
	// the time it was allocated.
	RecordChange(ctx context.Context, ch *Change) error
	ChangesSince(ctx context.Context, agencyID string, after int64, limit int) ([]Change, error)
	// SettledThrough is the number up to which every change of the agency is known to have
	// landed or failed, without waiting for it to age: what a single process knows of its own
	// writes (0 when it knows nothing, as with several instances).
	SettledThrough(agencyID string) int64
	// InFlightFrom is the lowest number of the agency's log this process handed out whose
	// write has not ended, or 0: a change from it on may still be followed by its object's
	// write, however old it is.
	InFlightFrom(agencyID string) int64
	// ChangedLogs returns, and forgets, the agencies (and enterprises) whose change log this
	// process wrote to since the last call; ChangeWake is signalled when there are some.
	ChangedLogs() []string
	ChangeWake() <-chan struct{}
}

// IdempotentRecord is a stored request under an Idempotency-Key.
type IdempotentRecord struct {
	Key         string
	RequestHash string
	Done        bool
	Status      int
	ContentType string
	Location    string
	Body        []byte
	StartedAt   time.Time
}

// Idempotency stores Idempotency-Key records.
// Claimant is the process that claims an idempotency key: its instance (the same across
// restarts) and this life of it (new at every start).
type Claimant struct{ Instance, Life string }

type Idempotency interface {
	// BeginRequest claims key for a request by claimant. It returns nil when the caller now owns
	// the key, or the existing record (in flight or done). An in-flight claim older than stale is
	// taken over, and so is one a previous life of the claimant's instance left: that process
	// was killed, and no answer of it will come.
	BeginRequest(ctx context.Context, key, requestHash string, claimant Claimant, now time.Time, stale time.Duration) (*IdempotentRecord, error)
	FinishRequest(ctx context.Context, r *IdempotentRecord) error
	ReleaseRequest(ctx context.Context, key string) error
}
