package handlers

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/zhifa/zhifa/domain"
)

type officerCreateRequest struct {
	Username string   `json:"username"`
	Password string   `json:"password" limit:"256"`
	Name     string   `json:"name"`
	Phone    string   `json:"phone"`
	IDNumber string   `json:"id_number"`
	Roles    []string `json:"roles"`
	AgencyID string   `json:"agency_id"`
}

// officerUpdateRequest has no agency or username: moving a person between agencies is a new
// account, and a field that is not here is refused by the strict decoder.
type officerUpdateRequest struct {
	Name     *string   `json:"name"`
	Phone    *string   `json:"phone"`
	IDNumber *string   `json:"id_number"`
	Roles    *[]string `json:"roles"`
	Status   *string   `json:"status"`
}

type certificateJSON struct {
	Number       string `json:"number"`
	IssuedOn     *Date  `json:"issued_on"`
	ExpiresOn    *Date  `json:"expires_on"`
	Status       string `json:"status"`
	StatusReason string `json:"status_reason,omitempty"`
}

type officerResponse struct {
	ID          string           `json:"id"`
	Username    string           `json:"username"`
	Name        string           `json:"name"`
	Phone       string           `json:"phone,omitempty"`
	IDNumber    string           `json:"id_number,omitempty"`
	Roles       []string         `json:"roles"`
	AgencyID    string           `json:"agency_id,omitempty"`
	Status      string           `json:"status"`
	Certificate *certificateJSON `json:"certificate"`
	// MayAct and MayActReason are the answer to "may this officer act now?".
	MayAct       bool      `json:"may_act"`
	MayActReason string    `json:"may_act_reason,omitempty"`
	CreatedAt    time.Time `json:"created_at"`
	UpdatedAt    time.Time `json:"updated_at"`
	Version      int64     `json:"version"`
}

func rolesOf(rs []string) []domain.Role {
	out := make([]domain.Role, len(rs))
	for i, r := range rs {
		out[i] = domain.Role(r)
	}
	return out
}

func roleStrings(rs []domain.Role) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = string(r)
	}
	return out
}

func toCertificateJSON(c *domain.Certificate) *certificateJSON {
	if c == nil {
		return nil
	}
	return &certificateJSON{Number: c.Number, IssuedOn: dateOf(c.IssuedOn), ExpiresOn: dateOf(c.ExpiresOn),
		Status: string(c.Status), StatusReason: c.StatusReason}
}

// officerView is what an officer response is made of.
type officerView struct {
	user    *domain.User
	cert    *domain.Certificate
	agency  *domain.Agency
	private bool // phone and ID number are shown to the person and to admins only
}

func toOfficerResponse(v officerView, now time.Time, lang domain.Lang) officerResponse {
	u := v.user
	r := officerResponse{
		ID: u.ID, Username: u.Username, Name: u.Name, Roles: roleStrings(u.Roles), AgencyID: u.AgencyID,
		Status: string(u.Status), Certificate: toCertificateJSON(v.cert),
		CreatedAt: u.CreatedAt, UpdatedAt: u.UpdatedAt, Version: u.Version,
	}
	if v.private {
		r.Phone, r.IDNumber = u.Phone, u.IDNumber
	}
	if err := domain.MayAct(u, v.cert, v.agency, now); err != nil {
		r.MayActReason, _ = err.(*domain.Error).Localized(lang)
	} else {
		r.MayAct = true
	}
	return r
}

// checkGrantable refuses roles the caller may not hand out: only agency roles are granted here,
// and never sysadmin.
func checkGrantable(roles []domain.Role) error {
	for _, r := range roles {
		if r == domain.RoleSysadmin || r == domain.RoleEnterprise {
			return forbidden("the role %s cannot be granted to an officer", r)
		}
		if !slices.Contains(domain.AgencyRoles, r) {
			return &domain.Error{Code: domain.Invalid, Message: "unknown role", Fields: map[string]string{"roles": "unknown role " + string(r)}}
		}
	}
	return nil
}

// CreateOfficer creates a member of an agency. A sysadmin names the agency; an agency admin
// creates members of its own agency only.
func (h *Handlers) CreateOfficer(c *fiber.Ctx) error {
	p := principal(c)
	if !p.HasAny(domain.RoleSysadmin, domain.RoleAgencyAdmin) {
		return forbidden("only an agency admin or a sysadmin creates officers")
	}
	var req officerCreateRequest
	if err := Decode(c, &req); err != nil {
		return err
	}
	if req.AgencyID == "" && !p.Has(domain.RoleSysadmin) {
		req.AgencyID = p.AgencyID
	}
	if !p.ManagesAgency(req.AgencyID) {
		return notFound("agency")
	}
	roles := rolesOf(req.Roles)
	if err := checkGrantable(roles); err != nil {
		return err
	}
	if slices.Contains(roles, domain.RoleAgencyAdmin) && !p.Has(domain.RoleSysadmin) {
		return adminsAreTheGovernments()
	}
	if err := domain.ValidatePassword(req.Password); err != nil {
		return err
	}
	u := &domain.User{
		Username: strings.TrimSpace(req.Username), Name: strings.TrimSpace(req.Name), Phone: req.Phone,
		IDNumber: strings.ToUpper(req.IDNumber), Roles: roles, AgencyID: req.AgencyID, Status: domain.UserActive,
	}
	if _, err := domain.ParseUSCC(u.Username); err == nil || beginsWithUSCC(u.Username) {
		return &domain.Error{Code: domain.Invalid, Message: "the username is not valid", Fields: map[string]string{"username": "a unified social credit code is an enterprise's username"}}
	}
	if err := u.Validate(); err != nil {
		return err
	}
	ctx, cancel := h.ctx(c)
	defer cancel()
	agency, err := h.Repo.AgencyByID(ctx, req.AgencyID)
	if err != nil {
		return err
	}
	if u.PasswordHash, err = h.Passwords.Hash(req.Password); err != nil {
		return err
	}
	if err := h.Repo.CreateUser(ctx, u); err != nil {
		return err
	}
	first := *u
	first.Version = 0 // the records of the account's creation are its version 1's
	if _, err := h.adjusting(c, ctx, officerAdjustments(&domain.User{ID: u.ID, Status: u.Status}, &first), false); err != nil {
		return err
	}
	return created(c, "/v1/officers/"+u.ID, u.Version, toOfficerResponse(officerView{user: u, agency: agency, private: true}, h.Now(), langOf(c)))
}

// ListOfficers lists the members of an agency: any agency for a sysadmin (?agency_id=), the
// caller's own agency for everyone else.
func (h *Handlers) ListOfficers(c *fiber.Ctx) error {
	p := principal(c)
	pg, err := pageOf(c)
	if err != nil {
		return err
	}
	f := domain.UserFilter{AgencyID: c.Query("agency_id"), Role: domain.Role(c.Query("role"))}
	if f.Role != "" && !domain.ValidRole(f.Role) {
		return &domain.Error{Code: domain.Invalid, Message: "unknown role", Fields: map[string]string{"role": "unknown role"}}
	}
	if err := officerSearchOf(c, &f); err != nil {
		return err
	}
	if !p.Has(domain.RoleSysadmin) {
		if f.AgencyID != "" && f.AgencyID != p.AgencyID {
			return notFound("agency")
		}
		f.AgencyID = p.AgencyID
	}
	ctx, cancel := h.ctx(c)
	defer cancel()
	users, next, err := h.Repo.ListUsers(ctx, f, pg)
	if err != nil {
		return err
	}
	agencies := map[string]*domain.Agency{}
	out := listResponse[officerResponse]{Items: make([]officerResponse, 0, len(users)), NextCursor: next}
	for _, u := range users {
		v, err := h.view(ctx, u, agencies)
		if err != nil {
			return err
		}
		v.private = p.ManagesAgency(u.AgencyID) || p.UserID == u.ID
		out.Items = append(out.Items, toOfficerResponse(v, h.Now(), langOf(c)))
	}
	return c.JSON(out)
}

// GetOfficer reads one officer: the person, its agency's members and admins, and sysadmins.
func (h *Handlers) GetOfficer(c *fiber.Ctx) error {
	p := principal(c)
	u, err := h.scopedOfficer(c)
	if err != nil {
		return err
	}
	ctx, cancel := h.ctx(c)
	defer cancel()
	v, err := h.view(ctx, u, nil)
	if err != nil {
		return err
	}
	v.private = p.ManagesAgency(u.AgencyID) || p.UserID == u.ID
	c.Set(fiber.HeaderETag, etag(u.Version))
	return c.JSON(toOfficerResponse(v, h.Now(), langOf(c)))
}

// UpdateOfficer changes an officer's profile, roles or status; admins of its agency only.
// Disabling an officer ends every session it has.
func (h *Handlers) UpdateOfficer(c *fiber.Ctx) error {
	p := principal(c)
	u, err := h.scopedOfficer(c)
	if err != nil {
		return err
	}
	if !p.ManagesAgency(u.AgencyID) {
		return forbidden("only the agency's admin or a sysadmin changes an officer")
	}
	if u.Has(domain.RoleSysadmin) {
		return notFound("officer")
	}
	var req officerUpdateRequest
	if err := Decode(c, &req); err != nil {
		return err
	}
	grantsAdmin := req.Roles != nil && slices.Contains(rolesOf(*req.Roles), domain.RoleAgencyAdmin)
	changesStanding := req.Roles != nil || req.Status != nil
	if !p.Has(domain.RoleSysadmin) && (grantsAdmin || u.Has(domain.RoleAgencyAdmin) && changesStanding) {
		return adminsAreTheGovernments()
	}
	if err := ifMatch(c, u.Version); err != nil {
		return err
	}
	if req.Name != nil {
		u.Name = strings.TrimSpace(*req.Name)
	}
	if req.Phone != nil {
		u.Phone = *req.Phone
	}
	if req.IDNumber != nil {
		u.IDNumber = strings.ToUpper(*req.IDNumber)
	}
	before := *u
	if req.Roles != nil {
		roles := rolesOf(*req.Roles)
		if err := checkGrantable(roles); err != nil {
			return err
		}
		u.Roles = roles
	}
	if req.Status != nil {
		u.Status = domain.UserStatus(*req.Status)
	}
	if u.ID == p.UserID && (!slices.Equal(before.Roles, u.Roles) || before.Status != u.Status) {
		return forbidden("nobody changes their own roles or status: another admin of the agency or a sysadmin does")
	}
	if err := u.Validate(); err != nil {
		return err
	}
	ctx, cancel := h.ctx(c)
	defer cancel()
	undo, err := h.adjusting(c, ctx, officerAdjustments(&before, u), false)
	if err != nil {
		return err
	}
	if err := h.Repo.UpdateUser(ctx, u); err != nil {
		undo()
		return err
	}
	if u.Status != domain.UserActive {
		if err := h.Repo.RevokeUser(ctx, u.ID); err != nil {
			return err
		}
		// A disabled account's phones receive nothing more.
		if err := h.Repo.DeleteDevicesOf(ctx, u.ID); err != nil {
			return err
		}
	}
	v, err := h.view(ctx, u, nil)
	if err != nil {
		return err
	}
	v.private = true
	c.Set(fiber.HeaderETag, etag(u.Version))
	return c.JSON(toOfficerResponse(v, h.Now(), langOf(c)))
}

// PutCertificate issues or changes an officer's enforcement certificate. A new number
// supersedes the old certificate, which is revoked so public verification shows it invalid.
func (h *Handlers) PutCertificate(c *fiber.Ctx) error {
	p := principal(c)
	u, err := h.scopedOfficer(c)
	if err != nil {
		return err
	}
	if !p.ManagesAgency(u.AgencyID) || u.Has(domain.RoleSysadmin) {
		return forbidden("only the agency's admin or a sysadmin issues certificates")
	}
	if u.ID == p.UserID {
		return forbidden("nobody issues or changes their own enforcement certificate: another admin of the agency or a sysadmin does")
	}
	if u.Has(domain.RoleAgencyAdmin) && !p.Has(domain.RoleSysadmin) {
		return adminsAreTheGovernments()
	}
	var req certificateJSON
	if err := Decode(c, &req); err != nil {
		return err
	}
	cert := &domain.Certificate{
		Number: req.Number, OfficerID: u.ID, AgencyID: u.AgencyID, IssuedOn: req.IssuedOn.value(),
		ExpiresOn: req.ExpiresOn.value(), Status: domain.CertificateStatus(req.Status), StatusReason: req.StatusReason,
	}
	if cert.Status == "" {
		cert.Status = domain.CertificateValid
	}
	if err := cert.Validate(); err != nil {
		return err
	}
	// Replacing or changing a certificate replaces what the client last read of the officer:
	// If-Match with the officer's ETag (428 without, 412 when stale). The first certificate
	// needs none.
	if u.CertificateNo != "" {
		if err := ifMatch(c, u.Version); err != nil {
			return err
		}
	}
	ctx, cancel := h.ctx(c)
	defer cancel()
	var cur *domain.Certificate
	if u.CertificateNo != "" {
		if cur, err = h.Repo.CertificateByNumber(ctx, u.CertificateNo); err != nil && domain.ErrorCode(err) != domain.NotFound {
			return err
		}
	}
	undo, err := h.adjusting(c, ctx, certificateAdjustments(u, cur, cert, h.Now()), false)
	if err != nil {
		return err
	}
	if cert.Number == u.CertificateNo && cur != nil {
		if cur.Status == domain.CertificateRevoked && cert.Status != domain.CertificateRevoked {
			undo()
			return forbidden("a revoked certificate (吊销) stays revoked: issue a new certificate")
		}
		// The officer's version moves first, conditionally: of two changes sent with the same
		// ETag, one lands and the other is refused.
		if err = h.Repo.UpdateUser(ctx, u); err == nil {
			err = h.Repo.UpdateCertificate(ctx, cert)
		}
	} else {
		err = h.issueNewCertificate(ctx, u, cert)
	}
	if err != nil {
		undo()
		return err
	}
	v, err := h.view(ctx, u, nil)
	if err != nil {
		return err
	}
	v.private = true
	c.Set(fiber.HeaderETag, etag(u.Version))
	return c.JSON(toOfficerResponse(v, h.Now(), langOf(c)))
}

func (h *Handlers) issueNewCertificate(ctx context.Context, u *domain.User, cert *domain.Certificate) error {
	if err := h.Repo.CreateCertificate(ctx, cert); err != nil {
		return err
	}
	old := u.CertificateNo
	u.CertificateNo = cert.Number
	if err := h.Repo.UpdateUser(ctx, u); err != nil {
		return err
	}
	if old == "" {
		return nil
	}
	prev, err := h.Repo.CertificateByNumber(ctx, old)
	if err != nil {
		return err
	}
	if prev.Status != domain.CertificateRevoked {
		prev.Status, prev.StatusReason = domain.CertificateRevoked, "superseded by certificate "+cert.Number
		return h.Repo.UpdateCertificate(ctx, prev)
	}
	return nil
}

// scopedOfficer loads the user named in the path, answering NotFound outside the caller's
// scope: sysadmins see everyone, agency members their agency, anyone else only themselves.
func (h *Handlers) scopedOfficer(c *fiber.Ctx) (*domain.User, error) {
	p := principal(c)
	ctx, cancel := h.ctx(c)
	defer cancel()
	u, err := h.Repo.UserByID(ctx, c.Params("id"))
	if domain.ErrorCode(err) == domain.NotFound {
		return nil, notFound("officer") // what another agency's officer answers: existence does not leak
	}
	if err != nil {
		return nil, err
	}
	switch {
	case p.Has(domain.RoleSysadmin), p.UserID == u.ID:
	case p.AgencyID != "" && p.AgencyID == u.AgencyID && !u.Has(domain.RoleSysadmin):
	default:
		return nil, notFound("officer")
	}
	return u, nil
}

// view loads what an officer response shows besides the user; agencies caches lookups in lists.
func (h *Handlers) view(ctx context.Context, u *domain.User, agencies map[string]*domain.Agency) (officerView, error) {
	v := officerView{user: u}
	if u.CertificateNo != "" {
		cert, err := h.Repo.CertificateByNumber(ctx, u.CertificateNo)
		if err != nil && domain.ErrorCode(err) != domain.NotFound {
			return v, err
		}
		v.cert = cert
	}
	if u.AgencyID == "" {
		return v, nil
	}
	if a, ok := agencies[u.AgencyID]; ok {
		v.agency = a
		return v, nil
	}
	a, err := h.Repo.AgencyByID(ctx, u.AgencyID)
	if err != nil && domain.ErrorCode(err) != domain.NotFound {
		return v, err
	}
	if agencies != nil {
		agencies[u.AgencyID] = a
	}
	v.agency = a
	return v, nil
}

// adminsAreTheGovernments refuses an agency admin's hand in another admin's standing: otherwise
// a head could make a stand-in admin that grants the head what the head may not grant itself.
func adminsAreTheGovernments() error {
	return forbidden("an agency admin's account, roles, status and certificate are the sysadmin's to set")
}
