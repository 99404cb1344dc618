package handlers

import (
	"context"
	"strings"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/zhifa/zhifa/domain"
)

// Standings remembers, for a few seconds, what each signed-in person may do now: the account,
// its agency and its certificate as stored. A token says who someone was when it was signed;
// disabling the account, revoking the certificate or suspending the agency must not wait for
// it to expire. Writes read the standing afresh, so they stop at once on every instance; reads
// take it from here when it is younger than TTL.
type Standings struct {
	TTL time.Duration
	mu  sync.Mutex
	m   map[string]cachedStanding
}

type cachedStanding struct {
	s  domain.Standing
	at time.Time
}

// maxCachedStandings bounds the cache: when it is full it starts again empty.
const maxCachedStandings = 20000

func (c *Standings) get(userID string, now time.Time) (domain.Standing, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[userID]
	if !ok || now.Sub(e.at) >= c.TTL || now.Before(e.at) {
		return domain.Standing{}, false
	}
	return e.s, true
}

func (c *Standings) put(userID string, s domain.Standing, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) >= maxCachedStandings {
		c.m = map[string]cachedStanding{}
	}
	c.m[userID] = cachedStanding{s: s, at: now}
}

const standingKey = "zhifa.standing"

// Admit lets a verified token's holder in as the person now stands: an account that is no
// longer active answers 401; a person of a suspended or revoked agency, or an officer whose
// only work is enforcement and whose certificate does not allow it, reaches their own account
// and inbox only. The principal's roles and agency are replaced by the stored ones.
func (h *Handlers) Admit(c *fiber.Ctx) error {
	p := principal(c)
	write := !isRead(c.Method())
	s, err := h.standingNow(c.UserContext(), p.UserID, write)
	if err == nil && !write && s.User.SessionEpoch != p.Epoch {
		// A token of a newer epoch than the remembered standing: the standing is stale.
		s, err = h.standingNow(c.UserContext(), p.UserID, true)
	}
	if domain.ErrorCode(err) == domain.NotFound {
		return domain.Errorf(domain.Unauthorized, "the account is not active")
	}
	if err != nil {
		return err
	}
	if s.User.Status != domain.UserActive {
		return domain.Errorf(domain.Unauthorized, "the account is not active")
	}
	if s.User.SessionEpoch != p.Epoch {
		return domain.Errorf(domain.Unauthorized, "the session was ended: sign in again")
	}
	p.Roles, p.AgencyID = s.User.Roles, s.User.AgencyID
	SetPrincipal(c, p)
	c.Locals(standingKey, s)
	if s.User.MustChangePassword && !passwordChangePath(c.Method(), c.Path()) {
		return domain.Errorf(domain.MustChangePassword, "the account signed in with a one-time password: change it (PUT /v1/me/password) before anything else")
	}
	if err := h.mayReach(s, c.Path()); err != nil {
		return err
	}
	return c.Next()
}

// passwordChangePath names what a one-time password reaches: the account itself, the change of
// the password, and signing out everywhere.
func passwordChangePath(method, path string) bool {
	switch {
	case method == fiber.MethodGet && path == "/v1/me",
		method == fiber.MethodPut && path == "/v1/me/password",
		method == fiber.MethodPost && path == "/v1/auth/logout-all":
		return true
	}
	return false
}

// forget drops what is remembered of a user's standing, so that a change of it (a reset, the
// end of every session) holds on this instance at once; other instances follow within TTL.
func (c *Standings) forget(userID string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.m, userID)
}

// StillActive says whether a long-lived read of one's own (the notification stream) may go on:
// the account is still active, and its sessions were not ended since the token was signed.
func (h *Handlers) StillActive(ctx context.Context, p domain.Principal) bool {
	s, err := h.standingNow(ctx, p.UserID, false)
	return err == nil && s.User.Status == domain.UserActive && s.User.SessionEpoch == p.Epoch
}

func (h *Handlers) standingNow(ctx context.Context, userID string, fresh bool) (domain.Standing, error) {
	now := time.Now()
	if !fresh {
		if s, ok := h.Standings.get(userID, now); ok {
			return s, nil
		}
	}
	ctx, cancel := context.WithTimeout(ctx, h.Timeout)
	defer cancel()
	if fresh {
		// A write is let in as the person stands now on every instance: where the store holds
		// accounts in process for several instances, it looks whether another one changed
		// any first (one read of their shared epoch).
		if fv, ok := h.Repo.(interface{ FreshViews(context.Context) error }); ok {
			if err := fv.FreshViews(ctx); err != nil {
				return domain.Standing{}, err
			}
		}
	}
	s, err := h.standing(ctx, userID)
	if err != nil {
		return s, err
	}
	h.Standings.put(userID, s, now)
	return s, nil
}

// mayReach refuses what a person without standing in an agency may no longer reach.
func (h *Handlers) mayReach(s domain.Standing, path string) error {
	if ownAccountPath(path) {
		return nil
	}
	u := s.User
	if s.Agency != nil && s.Agency.Status != domain.AgencyActive {
		return forbidden("the agency is %s: its people reach only their own account and inbox", s.Agency.Status)
	}
	if u.Has(domain.RoleOfficer) && onlyOfficer(u.Roles) {
		if err := domain.MayAct(u, s.Certificate, s.Agency, h.Now()); err != nil {
			return forbidden("an officer without a valid enforcement certificate reaches only their own account and inbox: %s", err.(*domain.Error).Message)
		}
	}
	return nil
}

func onlyOfficer(roles []domain.Role) bool {
	for _, r := range roles {
		if r != domain.RoleOfficer {
			return false
		}
	}
	return true
}

// ownAccountPath names what stays open to a person whose agency or certificate no longer lets
// them work: their own account, password, devices and inbox.
func ownAccountPath(path string) bool {
	for _, prefix := range []string{"/v1/me", "/v1/notifications", "/v1/devices"} {
		if path == prefix || strings.HasPrefix(path, prefix+"/") {
			return true
		}
	}
	return false
}

func isRead(method string) bool {
	return method == fiber.MethodGet || method == fiber.MethodHead || method == fiber.MethodOptions
}

// admitted is the standing Admit read for this request, if the caller is userID.
func admitted(c *fiber.Ctx, userID string) (domain.Standing, bool) {
	s, ok := c.Locals(standingKey).(domain.Standing)
	return s, ok && s.User != nil && s.User.ID == userID
}

// callerStanding is the caller's standing: the one Admit read for a write, fresh, or else read
// now.
func (h *Handlers) callerStanding(c *fiber.Ctx, ctx context.Context) (domain.Standing, error) {
	p := principal(c)
	if s, ok := admitted(c, p.UserID); ok && !isRead(c.Method()) {
		return s, nil
	}
	return h.standing(ctx, p.UserID)
}
