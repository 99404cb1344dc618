package handlers

import (
	"github.com/gofiber/fiber/v2"

	"github.com/zhifa/zhifa/domain"
)

type passwordChangeRequest struct {
	CurrentPassword string `json:"current_password" limit:"256"`
	NewPassword     string `json:"new_password" limit:"256"`
}

// Me returns the caller's own profile, certificate and whether it may act now.
func (h *Handlers) Me(c *fiber.Ctx) error {
	ctx, cancel := h.ctx(c)
	defer cancel()
	u, err := h.Repo.UserByID(ctx, principal(c).UserID)
	if err != nil {
		return err
	}
	v, err := h.view(ctx, u, nil)
	if err != nil {
		return err
	}
	v.private = true
	return c.JSON(toOfficerResponse(v, h.Now(), langOf(c)))
}

// ChangePassword sets a new password after checking the current one, and ends every other
// session of the user.
func (h *Handlers) ChangePassword(c *fiber.Ctx) error {
	var req passwordChangeRequest
	if err := Decode(c, &req); err != nil {
		return err
	}
	if err := domain.ValidatePassword(req.NewPassword); err != nil {
		e := err.(*domain.Error)
		e.Fields = map[string]string{"new_password": e.Fields["password"]}
		return e
	}
	ctx, cancel := h.ctx(c)
	defer cancel()
	u, err := h.Repo.UserByID(ctx, principal(c).UserID)
	if err != nil {
		return err
	}
	ok, err := h.Passwords.Check(req.CurrentPassword, u.PasswordHash)
	if err != nil {
		return err
	}
	if !ok {
		return &domain.Error{Code: domain.Forbidden, Message: "the current password is wrong", Fields: map[string]string{"current_password": "wrong"}}
	}
	if req.NewPassword == req.CurrentPassword {
		return &domain.Error{Code: domain.Invalid, Message: "the new password is the current one", Fields: map[string]string{"new_password": "differs from the current password"}}
	}
	if u.PasswordHash, err = h.Passwords.Hash(req.NewPassword); err != nil {
		return err
	}
	// A one-time password, once changed, lets the account in everywhere again.
	u.MustChangePassword = false
	if err := h.Repo.UpdateUser(ctx, u); err != nil {
		return err
	}
	h.Standings.forget(u.ID)
	if err := h.Repo.RevokeUser(ctx, u.ID); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}
