package api

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/zhifa/zhifa/domain"
	"github.com/zhifa/zhifa/handlers"
)

type loginRequest struct {
	Username string `json:"username"`
	Password string `json:"password" limit:"256"`
}

type refreshRequest struct {
	RefreshToken string `json:"refresh_token"`
}

type tokenResponse struct {
	AccessToken string `json:"access_token"`
	TokenType   string `json:"token_type"`
	ExpiresIn   int64  `json:"expires_in"`
	// RefreshToken is absent in cookie mode, where the cookie carries it.
	RefreshToken     string `json:"refresh_token,omitempty"`
	RefreshExpiresIn int64  `json:"refresh_expires_in"`
	// PasswordChangeRequired: signed in with a one-time password, the token reaches only
	// GET /v1/me and PUT /v1/me/password until the password is changed.
	PasswordChangeRequired bool `json:"password_change_required,omitempty"`
}

type authHandlers struct {
	// secure marks the refresh cookie Secure (the server is reached over https); origin is
	// the public address's scheme and host, whose pages may use the cookie.
	secure     bool
	origin     string
	repo       domain.Repository
	passwords  *domain.Passwords
	signer     *Signer
	refreshTTL time.Duration
	timeout    time.Duration
	now        func() time.Time
}

func hashToken(t string) string {
	sum := sha256.Sum256([]byte(t))
	return hex.EncodeToString(sum[:])
}

var badCredentials = domain.Errorf(domain.Unauthorized, "wrong username or password")

// login checks the password, paying the same argon2 cost whether or not the user exists, and
// starts a new refresh-token family.
func (a *authHandlers) login(c *fiber.Ctx) error {
	var req loginRequest
	if err := handlers.Decode(c, &req); err != nil {
		return err
	}
	if _, err := cookieMode(c); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(c.UserContext(), a.timeout)
	defer cancel()
	u, err := a.repo.UserByUsername(ctx, strings.TrimSpace(req.Username))
	switch domain.ErrorCode(err) {
	case "":
	case domain.NotFound:
		u = nil
	default:
		return err
	}
	hash := ""
	if u != nil {
		hash = u.PasswordHash
	}
	ok, err := a.passwords.Check(req.Password, hash)
	if err != nil {
		return err
	}
	if !ok || u == nil {
		return badCredentials
	}
	if u.Status != domain.UserActive {
		// Only one who knows the password learns that the registration waits.
		if u.Has(domain.RoleEnterprise) && domain.IsEnterpriseID(u.AgencyID) {
			e, err := a.repo.EnterpriseByID(ctx, u.AgencyID)
			if err == nil && e.Status == domain.EnterprisePending && e.UserID == u.ID {
				return domain.Errorf(domain.AccountPending, "the enterprise's registration waits for the supervisors of its jurisdiction to activate it")
			}
		}
		return badCredentials
	}
	tokens, err := a.issue(ctx, u, domain.RandomToken(16))
	if err != nil {
		return err
	}
	tokens.PasswordChangeRequired = u.MustChangePassword
	return a.sendTokens(c, tokens)
}

func (a *authHandlers) issue(ctx context.Context, u *domain.User, family string) (tokenResponse, error) {
	now := a.now()
	access, exp, err := a.signer.Issue(u, now)
	if err != nil {
		return tokenResponse{}, err
	}
	refresh := domain.RandomToken(32)
	if err := a.repo.CreateRefreshToken(ctx, &domain.RefreshToken{
		Hash: hashToken(refresh), UserID: u.ID, FamilyID: family, ExpiresAt: now.Add(a.refreshTTL), CreatedAt: now,
	}); err != nil {
		return tokenResponse{}, err
	}
	return tokenResponse{
		AccessToken: access, TokenType: "Bearer", ExpiresIn: int64(exp.Sub(now).Seconds()),
		RefreshToken: refresh, RefreshExpiresIn: int64(a.refreshTTL.Seconds()),
	}, nil
}

// The console's session (X-Zhifa-Session: cookie): the refresh token travels only in an
// httpOnly, SameSite=Strict cookie scoped to /v1/auth, which no script reads, and the access
// token only in the answer's body, which the console keeps in memory. A refresh or sign-out by
// cookie must carry that header, which a page of another site cannot send without a CORS
// preflight this server never grants, and comes from this server's own pages (Origin and
// Sec-Fetch-Site, where the browser sends them): CSRF cannot use the cookie.
//
// Beside it a cookie with no secret, signedInCookie, on the console's path and readable by its
// script, says that a refresh cookie was set: a freshly opened console asks for a refresh only
// when there may be a session, rather than being refused (a 401 in every browser's log).
const (
	sessionHeader  = "X-Zhifa-Session"
	refreshCookie  = "zhifa_refresh"
	signedInCookie = "zhifa_signed_in"
)

// cookieMode says whether the request asks for the cookie session; another value is refused.
func cookieMode(c *fiber.Ctx) (bool, error) {
	switch c.Get(sessionHeader) {
	case "":
		return false, nil
	case "cookie":
		return true, nil
	}
	return false, domain.Errorf(domain.Invalid, "X-Zhifa-Session takes only the value cookie")
}

// sameOrigin refuses a cookie request that a browser says came from another site: its origin
// is neither the server's public address nor the address the request was sent to.
func (a *authHandlers) sameOrigin(c *fiber.Ctx) error {
	if site := c.Get("Sec-Fetch-Site"); site != "" && site != "same-origin" {
		return domain.Errorf(domain.Forbidden, "the session cookie works only from this server's own pages")
	}
	if origin := c.Get(fiber.HeaderOrigin); origin != "" && origin != a.origin && origin != c.Protocol()+"://"+c.Hostname() {
		return domain.Errorf(domain.Forbidden, "the session cookie works only from this server's own pages")
	}
	return nil
}

// setRefreshCookie sets the refresh cookie for maxAge seconds, or with none removes it.
func (a *authHandlers) setRefreshCookie(c *fiber.Ctx, value string, maxAge int) {
	ck := &fiber.Cookie{Name: refreshCookie, Value: value, Path: "/v1/auth", MaxAge: maxAge, HTTPOnly: true,
		Secure: a.secure, SameSite: fiber.CookieSameSiteStrictMode}
	marker := &fiber.Cookie{Name: signedInCookie, Value: "1", Path: "/console", MaxAge: maxAge,
		Secure: a.secure, SameSite: fiber.CookieSameSiteStrictMode}
	if value == "" {
		ck.MaxAge, ck.Expires = 0, time.Unix(1, 0)
		marker.Value, marker.MaxAge, marker.Expires = "", 0, time.Unix(1, 0)
	}
	c.Cookie(ck)
	c.Cookie(marker)
}

func (a *authHandlers) sendTokens(c *fiber.Ctx, t tokenResponse) error {
	c.Set(fiber.HeaderCacheControl, "no-store")
	if cookie, _ := cookieMode(c); cookie {
		a.setRefreshCookie(c, t.RefreshToken, int(t.RefreshExpiresIn))
		t.RefreshToken = ""
	}
	return c.JSON(t)
}

// presentedRefresh is the refresh token of the request: the body's, or in cookie mode the
// cookie's, after the origin checks.
func (a *authHandlers) presentedRefresh(c *fiber.Ctx, req refreshRequest) (string, error) {
	cookie, err := cookieMode(c)
	if err != nil || !cookie {
		return req.RefreshToken, err
	}
	if err := a.sameOrigin(c); err != nil {
		return "", err
	}
	return c.Cookies(refreshCookie), nil
}

// refresh rotates a refresh token. A token presented twice means it leaked or raced: the whole
// family is revoked and every holder must sign in again. A cookie that no longer signs in is
// removed, with its marker.
func (a *authHandlers) refresh(c *fiber.Ctx) error {
	err := a.rotate(c)
	if cookie, _ := cookieMode(c); cookie && domain.ErrorCode(err) == domain.Unauthorized {
		a.setRefreshCookie(c, "", -1)
	}
	return err
}

func (a *authHandlers) rotate(c *fiber.Ctx) error {
	var req refreshRequest
	if err := handlers.Decode(c, &req); err != nil {
		return err
	}
	token, err := a.presentedRefresh(c, req)
	if err != nil {
		return err
	}
	if token == "" || len(token) > 128 {
		return domain.Errorf(domain.Unauthorized, "the refresh token is not valid")
	}
	ctx, cancel := context.WithTimeout(c.UserContext(), a.timeout)
	defer cancel()
	t, err := a.repo.UseRefreshToken(ctx, hashToken(token), a.now())
	switch domain.ErrorCode(err) {
	case "":
	case domain.Conflict:
		if t.Ended {
			// Not a reuse: its sign-in had been ended (sign-out everywhere, a reset, a removal).
			return domain.Errorf(domain.Unauthorized, "this sign-in has been ended; sign in again")
		}
		if err := a.repo.RevokeFamily(ctx, t.FamilyID); err != nil {
			return err
		}
		return domain.Errorf(domain.Unauthorized, "the refresh token was used before; every session of this sign-in has been ended")
	case domain.NotFound:
		return domain.Errorf(domain.Unauthorized, "the refresh token is not valid")
	default:
		return err
	}
	u, err := a.repo.UserByID(ctx, t.UserID)
	if err != nil || u.Status != domain.UserActive {
		if domain.ErrorCode(err) == domain.Unavailable {
			return err
		}
		return domain.Errorf(domain.Unauthorized, "the account is not active")
	}
	tokens, err := a.issue(ctx, u, t.FamilyID)
	if err != nil {
		return err
	}
	tokens.PasswordChangeRequired = u.MustChangePassword
	// A concurrent reuse may have revoked the family between our use of the old token and the
	// insert of the new one; the new token must not survive that.
	revoked, err := a.repo.FamilyRevoked(ctx, t.FamilyID)
	if err != nil {
		return err
	}
	if revoked {
		if err := a.repo.RevokeFamily(ctx, t.FamilyID); err != nil {
			return err
		}
		return domain.Errorf(domain.Unauthorized, "the refresh token was used twice; every session of this sign-in has been ended")
	}
	return a.sendTokens(c, tokens)
}

// logout ends the sign-in the refresh token belongs to.
func (a *authHandlers) logout(c *fiber.Ctx) error {
	var req refreshRequest
	if err := handlers.Decode(c, &req); err != nil {
		return err
	}
	token, err := a.presentedRefresh(c, req)
	if err != nil {
		return err
	}
	if cookie, _ := cookieMode(c); cookie {
		a.setRefreshCookie(c, "", -1)
	}
	ctx, cancel := context.WithTimeout(c.UserContext(), a.timeout)
	defer cancel()
	t, err := a.repo.UseRefreshToken(ctx, hashToken(token), a.now())
	switch domain.ErrorCode(err) {
	case "", domain.Conflict:
		if err := a.repo.RevokeFamily(ctx, t.FamilyID); err != nil {
			return err
		}
		// Signed out, the user's phones get no more push (the inbox keeps everything).
		if err := a.repo.DeleteDevicesOf(ctx, t.UserID); err != nil {
			return err
		}
	case domain.NotFound:
	default:
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

// requireAuth verifies the bearer token and records the principal.
// maxAuthorization is the longest Authorization header looked at.
const maxAuthorization = 4096

// admit then lets the verified holder in as they stand now (handlers.Admit).
func requireAuth(s *Signer, admit fiber.Handler) fiber.Handler {
	return func(c *fiber.Ctx) error {
		// An access token is a few hundred bytes; a longer header is refused before it is copied.
		if len(c.Request().Header.Peek(fiber.HeaderAuthorization)) > maxAuthorization {
			return domain.Errorf(domain.Unauthorized, "the access token is not valid")
		}
		h := c.Get(fiber.HeaderAuthorization)
		scheme, token, ok := strings.Cut(h, " ")
		if !ok || !strings.EqualFold(scheme, "Bearer") {
			return domain.Errorf(domain.Unauthorized, "a bearer access token is required")
		}
		p, err := s.Verify(strings.TrimSpace(token))
		if err != nil {
			return err
		}
		handlers.SetPrincipal(c, p)
		return admit(c)
	}
}
