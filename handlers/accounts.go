package handlers

import (
	"context"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/zhifa/zhifa/domain"
)

// Accounts people can recover: a password reset by whoever is over the account, the end of
// every session of oneself, and an enterprise's first user adding and removing its colleagues.

type passwordResetResponse struct {
	UserID   string `json:"user_id"`
	Username string `json:"username"`
	// OneTimePassword is said once, here; the account must change it at its next sign-in.
	OneTimePassword        string `json:"one_time_password"`
	PasswordChangeRequired bool   `json:"password_change_required"`
}

// ResetPassword gives an account a one-time password and ends every session it has: the
// agency's admin resets its officers' (not another admin's), a supervisor the users of the
// enterprises of its region, the sysadmin anyone's. Nobody resets their own.
func (h *Handlers) ResetPassword(c *fiber.Ctx) error {
	p := principal(c)
	ctx, cancel := h.ctx(c)
	defer cancel()
	u, err := h.Repo.UserByID(ctx, c.Params("id"))
	if domain.ErrorCode(err) == domain.NotFound {
		return notFound("user")
	}
	if err != nil {
		return err
	}
	if err := h.mayReset(ctx, p, u); err != nil {
		return err
	}
	once := domain.OneTimePassword()
	hash, err := h.Passwords.Hash(once)
	if err != nil {
		return err
	}
	u.PasswordHash, u.MustChangePassword = hash, true
	u.SessionEpoch++
	if err := h.Repo.UpdateUser(ctx, u); err != nil {
		return err
	}
	if err := h.endSessions(ctx, u.ID); err != nil {
		return err
	}
	h.Log.Info("password reset", "request_id", c.GetRespHeader(fiber.HeaderXRequestID), "by", p.UserID, "user_id", u.ID)
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.JSON(passwordResetResponse{UserID: u.ID, Username: u.Username, OneTimePassword: once, PasswordChangeRequired: true})
}

// mayReset says whether p may reset u's password: NotFound for an account p may not see,
// Forbidden for one p sees but is not over.
func (h *Handlers) mayReset(ctx context.Context, p domain.Principal, u *domain.User) error {
	switch {
	case u.ID == p.UserID:
		return forbidden("nobody resets their own password: change it with the current one, or ask whoever is over the account")
	case p.Has(domain.RoleSysadmin):
		return nil
	case u.Has(domain.RoleSysadmin):
		return notFound("user")
	}
	if p.AgencyID != "" && u.AgencyID == p.AgencyID {
		switch {
		case !p.Has(domain.RoleAgencyAdmin) || domain.IsEnterpriseID(p.AgencyID):
			return forbidden("an officer's password is reset by the agency's admin, an enterprise user's by the supervisors of its region")
		case u.Has(domain.RoleAgencyAdmin):
			return adminsAreTheGovernments()
		}
		return nil
	}
	if !u.Has(domain.RoleEnterprise) || !domain.IsEnterpriseID(u.AgencyID) {
		return notFound("user")
	}
	body, err := h.supervisingAgency(ctx, p)
	if err != nil {
		return err
	}
	if body == nil {
		return notFound("user")
	}
	e, err := h.Repo.EnterpriseByID(ctx, u.AgencyID)
	if domain.ErrorCode(err) == domain.NotFound || err == nil && !domain.Under(e.RegionPath, body.RegionID) {
		return notFound("user")
	}
	return err
}

// endSessions ends every session of a user whose epoch was just moved: its refresh tokens are
// revoked, its phones get no more push, and this instance forgets its standing at once.
func (h *Handlers) endSessions(ctx context.Context, userID string) error {
	h.Standings.forget(userID)
	if err := h.Repo.RevokeUser(ctx, userID); err != nil {
		return err
	}
	return h.Repo.DeleteDevicesOf(ctx, userID)
}

// LogoutAll ends every session of the caller: every refresh token, and every access token
// signed before now (they carry the old epoch).
func (h *Handlers) LogoutAll(c *fiber.Ctx) error {
	ctx, cancel := h.ctx(c)
	defer cancel()
	id := principal(c).UserID
	for attempt := 0; ; attempt++ {
		u, err := h.Repo.UserByID(ctx, id)
		if err != nil {
			return err
		}
		u.SessionEpoch++
		err = h.Repo.UpdateUser(ctx, u)
		if domain.ErrorCode(err) == domain.Conflict && attempt < 3 {
			continue // the account changed meanwhile: move the epoch of what it is now
		}
		if err != nil {
			return err
		}
		break
	}
	if err := h.endSessions(ctx, id); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

type colleagueRequest struct {
	Username string `json:"username" limit:"64"`
	Name     string `json:"name" limit:"256"`
	Phone    string `json:"phone" limit:"20"`
}

type colleagueJSON struct {
	ID       string    `json:"id"`
	Username string    `json:"username"`
	Name     string    `json:"name"`
	Phone    string    `json:"phone,omitempty"`
	Status   string    `json:"status"`
	First    bool      `json:"first"`
	Created  time.Time `json:"created_at"`
	// OneTimePassword is said once, when the colleague is added.
	OneTimePassword string `json:"one_time_password,omitempty"`
}

func toColleagueJSON(e *domain.Enterprise, u *domain.User) colleagueJSON {
	return colleagueJSON{ID: u.ID, Username: u.Username, Name: u.Name, Phone: u.Phone, Status: string(u.Status), First: u.ID == e.UserID, Created: u.CreatedAt}
}

// MaxColleagues bounds the active users of one enterprise.
const MaxColleagues = 20

// ListColleagues lists the users of the caller's enterprise.
func (h *Handlers) ListColleagues(c *fiber.Ctx) error {
	pg, err := pageOf(c)
	if err != nil {
		return err
	}
	ctx, cancel := h.ctx(c)
	defer cancel()
	e, err := h.ownEnterprise(c, ctx)
	if err != nil {
		return err
	}
	users, next, err := h.Repo.ListUsers(ctx, domain.UserFilter{AgencyID: e.ID}, pg)
	if err != nil {
		return err
	}
	out := listResponse[colleagueJSON]{Items: []colleagueJSON{}, NextCursor: next}
	for _, u := range users {
		if u.Status == domain.UserActive {
			out.Items = append(out.Items, toColleagueJSON(e, u))
		}
	}
	return c.JSON(out)
}

// firstUserOf is the caller's enterprise when the caller is its first user (the account its
// registration made), who alone adds and removes colleagues.
func (h *Handlers) firstUserOf(c *fiber.Ctx, ctx context.Context) (*domain.Enterprise, error) {
	e, err := h.ownEnterprise(c, ctx)
	if err != nil {
		return nil, err
	}
	if e.UserID != principal(c).UserID {
		return nil, forbidden("the enterprise's first user (the account of its registration) adds and removes its colleagues")
	}
	return e, nil
}

// AddColleague makes another user of the caller's enterprise, with a one-time password said
// once. Its username is the enterprise's credit code, a hyphen and a name of the enterprise's
// choosing: it can never be an agency member's (those may not begin with a credit code).
func (h *Handlers) AddColleague(c *fiber.Ctx) error {
	var req colleagueRequest
	if err := Decode(c, &req); err != nil {
		return err
	}
	ctx, cancel := h.ctx(c)
	defer cancel()
	e, err := h.firstUserOf(c, ctx)
	if err != nil {
		return err
	}
	u := &domain.User{Username: strings.TrimSpace(req.Username), Name: strings.TrimSpace(req.Name), Phone: req.Phone,
		Roles: []domain.Role{domain.RoleEnterprise}, AgencyID: e.ID, Status: domain.UserActive, MustChangePassword: true}
	f := domain.FieldErrors{}
	if ve, ok := u.Validate().(*domain.Error); ok {
		for k, v := range ve.Fields {
			f.Add(k, v)
		}
	}
	prefix := e.USCC + "-"
	if !strings.HasPrefix(strings.ToUpper(u.Username), prefix) || len(u.Username) == len(prefix) {
		f.Add("username", "the enterprise's unified social credit code, a hyphen and a name: "+prefix+"…")
	}
	if err := f.Err(); err != nil {
		return err
	}
	active, err := activeColleagues(ctx, h.Repo, e.ID)
	if err != nil {
		return err
	}
	if active >= MaxColleagues {
		return domain.Errorf(domain.Conflict, "an enterprise has at most %d users: remove one first", MaxColleagues)
	}
	once := domain.OneTimePassword()
	if u.PasswordHash, err = h.Passwords.Hash(once); err != nil {
		return err
	}
	if err := h.Repo.CreateUser(ctx, u); err != nil {
		if domain.ErrorCode(err) == domain.Conflict {
			return &domain.Error{Code: domain.Conflict, Message: "the username is taken", Fields: map[string]string{"username": "taken"}}
		}
		return err
	}
	out := toColleagueJSON(e, u)
	out.OneTimePassword = once
	c.Set(fiber.HeaderCacheControl, "no-store")
	return created(c, "/v1/enterprise/users/"+u.ID, 0, out)
}

func activeColleagues(ctx context.Context, repo domain.Repository, enterpriseID string) (int, error) {
	n, page := 0, domain.Page{Limit: domain.MaxPageLimit}
	for {
		users, next, err := repo.ListUsers(ctx, domain.UserFilter{AgencyID: enterpriseID}, page)
		if err != nil {
			return 0, err
		}
		for _, u := range users {
			if u.Status == domain.UserActive {
				n++
			}
		}
		if next == "" {
			return n, nil
		}
		page.Cursor = next
	}
}

// RemoveColleague removes a user of the caller's enterprise: the account is disabled, its
// username freed, and every session of it ended. The first user is not removed.
func (h *Handlers) RemoveColleague(c *fiber.Ctx) error {
	ctx, cancel := h.ctx(c)
	defer cancel()
	e, err := h.firstUserOf(c, ctx)
	if err != nil {
		return err
	}
	u, err := h.Repo.UserByID(ctx, c.Params("id"))
	if domain.ErrorCode(err) == domain.NotFound || err == nil && (u.AgencyID != e.ID || u.Status != domain.UserActive) {
		return notFound("user")
	}
	if err != nil {
		return err
	}
	if u.ID == e.UserID {
		return forbidden("the enterprise's first user is not removed")
	}
	u.Username, u.Status = "removed-"+u.ID, domain.UserDisabled
	u.SessionEpoch++
	if err := h.Repo.UpdateUser(ctx, u); err != nil {
		return err
	}
	if err := h.endSessions(ctx, u.ID); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

// beginsWithUSCC says whether a username is an enterprise colleague's: a credit code and a
// hyphen.
func beginsWithUSCC(username string) bool {
	if len(username) < 19 || username[18] != '-' {
		return false
	}
	_, err := domain.ParseUSCC(username[:18])
	return err == nil
}
