package handlers

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/zhifa/zhifa/domain"
)

// Enterprises register themselves, a supervisor of their jurisdiction activates them, and
// their users then see their own inspections and cases, rate inspections, answer callbacks and
// file complaints.

type enterpriseRegistration struct {
	USCC                string `json:"uscc" limit:"32"`
	Name                string `json:"name" limit:"512"`
	LegalRepresentative string `json:"legal_representative" limit:"256"`
	ContactName         string `json:"contact_name" limit:"256"`
	ContactPhone        string `json:"contact_phone" limit:"20"`
	JurisdictionID      string `json:"jurisdiction_id" limit:"64"`
	Username            string `json:"username" limit:"64"`
	Password            string `json:"password" limit:"256"`
}

type enterpriseJSON struct {
	ID                  string `json:"id"`
	USCC                string `json:"uscc"`
	Name                string `json:"name"`
	LegalRepresentative string `json:"legal_representative"`
	ContactName         string `json:"contact_name"`
	ContactPhone        string `json:"contact_phone"`
	JurisdictionID      string `json:"jurisdiction_id"`
	Status              string `json:"status"`
	Username            string `json:"username,omitempty"`
	// UserID is the account its registration made (its first user), whose password its
	// supervisors may reset.
	UserID    string     `json:"user_id,omitempty"`
	DecidedAt *time.Time `json:"decided_at,omitempty"`
	Reason    string     `json:"reason,omitempty"`
	CreatedAt time.Time  `json:"created_at"`
	Version   int64      `json:"version"`
}

func toEnterpriseJSON(e *domain.Enterprise) enterpriseJSON {
	j := enterpriseJSON{ID: e.ID, USCC: e.USCC, Name: e.Name, LegalRepresentative: e.LegalRepresentative, ContactName: e.ContactName,
		ContactPhone: e.ContactPhone, JurisdictionID: e.RegionID, Status: string(e.Status), UserID: e.UserID, Reason: e.Reason, CreatedAt: e.CreatedAt, Version: e.Version}
	if !e.DecidedAt.IsZero() {
		t := e.DecidedAt
		j.DecidedAt = &t
	}
	return j
}

// RegisterEnterprise takes a registration from anyone: the enterprise and its first account,
// which can sign in once a supervisor of the jurisdiction activates it.
func (h *Handlers) RegisterEnterprise(c *fiber.Ctx) error {
	var req enterpriseRegistration
	if err := Decode(c, &req); err != nil {
		return err
	}
	e := &domain.Enterprise{USCC: req.USCC, Name: req.Name, LegalRepresentative: req.LegalRepresentative, ContactName: req.ContactName,
		ContactPhone: req.ContactPhone, RegionID: req.JurisdictionID, Status: domain.EnterprisePending, CreatedAt: domain.Stamp(h.Now())}
	err := e.Validate()
	// An enterprise signs in with its credit code: a name of its own choosing would tell an
	// anonymous caller which names the agencies' staff have.
	u := &domain.User{Username: e.USCC, Name: e.ContactName, Phone: e.ContactPhone, Roles: []domain.Role{domain.RoleEnterprise},
		AgencyID: domain.EnterpriseIDPrefix + "pending", Status: domain.UserDisabled}
	f := domain.FieldErrors{}
	if de, ok := err.(*domain.Error); ok {
		for k, v := range de.Fields {
			f.Add(k, v)
		}
	}
	if name := strings.TrimSpace(req.Username); name != "" && !strings.EqualFold(name, e.USCC) && !strings.EqualFold(name, req.USCC) {
		f.Add("username", "an enterprise signs in with its unified social credit code: leave username out")
	}
	if perr, ok := domain.ValidatePassword(req.Password).(*domain.Error); ok {
		f.Add("password", perr.Fields["password"])
	}
	if err := f.Err(); err != nil {
		return err
	}
	ctx, cancel := h.ctx(c)
	defer cancel()
	region, err := h.Repo.RegionByID(ctx, e.RegionID)
	if domain.ErrorCode(err) == domain.NotFound {
		return &domain.Error{Code: domain.Invalid, Message: "no such jurisdiction", Fields: map[string]string{"jurisdiction_id": "a jurisdiction of GET /v1/public/jurisdictions"}}
	}
	if err != nil {
		return err
	}
	e.RegionPath = region.Path
	if u.PasswordHash, err = h.Passwords.Hash(req.Password); err != nil {
		return err
	}
	if err := h.createRegistration(ctx, e); err != nil {
		return err
	}
	u.AgencyID = e.ID
	if err := h.Repo.CreateUser(ctx, u); err != nil {
		// The account could not be made: give the USCC back.
		if derr := h.Repo.DeleteEnterprise(context.WithoutCancel(ctx), e.ID); derr != nil {
			h.Log.Warn("registration left without its account", "enterprise", e.ID, "error", derr.Error())
		}
		if domain.ErrorCode(err) == domain.Conflict {
			return registeredAlready()
		}
		return err
	}
	e.UserID = u.ID
	// The supervisors over the region hear of it from their bodies' logs.
	bodies, err := h.Repo.SupervisorsOver(ctx, &domain.Agency{RegionID: e.RegionID, RegionPath: e.RegionPath})
	if err != nil {
		return err
	}
	for _, b := range bodies {
		if err := h.Repo.RecordChange(ctx, &domain.Change{AgencyID: b.ID, Kind: "registration", ObjectID: e.ID}); err != nil {
			return err
		}
	}
	if err := h.Repo.UpdateEnterprise(ctx, e); err != nil {
		return err
	}
	out := toEnterpriseJSON(e)
	out.Username = u.Username
	return created(c, "/v1/enterprises/"+e.ID, e.Version, out)
}

// createRegistration stores e, claiming its USCC. A pending registration of the USCC that a
// crash left without its account (the two are written one after the other) is taken over;
// one whose account was made but not yet named on it is completed and still answers Conflict.
func (h *Handlers) createRegistration(ctx context.Context, e *domain.Enterprise) error {
	taken := registeredAlready()
	for attempt := 0; ; attempt++ {
		err := h.Repo.CreateEnterprise(ctx, e)
		if domain.ErrorCode(err) != domain.Conflict {
			return err
		}
		old, lerr := h.Repo.EnterpriseByUSCC(ctx, e.USCC)
		if domain.ErrorCode(lerr) == domain.NotFound && attempt == 0 {
			continue // rejected or taken over meanwhile
		}
		if lerr == nil && attempt == 0 && old.Status == domain.EnterprisePending && h.Now().Sub(old.CreatedAt) > h.registrationTTL() {
			// Nobody activated it in time: it holds the credit code no longer.
			if err := h.releaseRegistration(ctx, old); err != nil {
				return err
			}
			if err := h.Repo.DeleteEnterprise(ctx, old.ID); err != nil {
				return err
			}
			continue
		}
		if lerr != nil || attempt > 0 || old.Status != domain.EnterprisePending || old.UserID != "" || h.Now().Sub(old.CreatedAt) < 2*h.Timeout {
			return taken
		}
		account, err := h.accountOf(ctx, old)
		if err != nil {
			return err
		}
		if account != nil {
			old.UserID = account.ID
			if err := h.Repo.UpdateEnterprise(ctx, old); err != nil && domain.ErrorCode(err) != domain.Conflict {
				return err
			}
			return taken
		}
		if err := h.Repo.DeleteEnterprise(ctx, old.ID); err != nil {
			return err
		}
	}
}

func registeredAlready() error {
	return &domain.Error{Code: domain.Conflict, Message: "this USCC is registered already; ask the supervisors of your jurisdiction", Fields: map[string]string{"uscc": "registered"}}
}

// registrationTTL is how long a registration waits for the supervisors before it expires.
func (h *Handlers) registrationTTL() time.Duration {
	if h.Supervision.RegistrationTTL > 0 {
		return h.Supervision.RegistrationTTL
	}
	return 7 * 24 * time.Hour
}

// releaseRegistration gives up the account of a registration that was rejected or expired: it
// stays disabled under a name nobody signs in with, so the credit code can sign in again once
// registered anew.
func (h *Handlers) releaseRegistration(ctx context.Context, e *domain.Enterprise) error {
	u, err := h.accountOf(ctx, e)
	if err != nil || u == nil {
		return err
	}
	u.Username, u.Status = "released-"+u.ID, domain.UserDisabled
	return h.Repo.UpdateUser(ctx, u)
}

// accountOf finds the account a registration made, whether or not the registration names it.
func (h *Handlers) accountOf(ctx context.Context, e *domain.Enterprise) (*domain.User, error) {
	if e.UserID != "" {
		u, err := h.Repo.UserByID(ctx, e.UserID)
		if domain.ErrorCode(err) == domain.NotFound {
			return nil, nil
		}
		return u, err
	}
	users, _, err := h.Repo.ListUsers(ctx, domain.UserFilter{AgencyID: e.ID}, domain.Page{Limit: 1})
	if err != nil || len(users) == 0 {
		return nil, err
	}
	return users[0], nil
}

// scopedEnterprise loads the enterprise in the path for its own users, the supervisors of a
// body over its jurisdiction and sysadmins; NotFound for anyone else. body is the caller's
// supervisory body, when it is one.
func (h *Handlers) scopedEnterprise(c *fiber.Ctx, ctx context.Context) (*domain.Enterprise, *domain.Agency, error) {
	p := principal(c)
	e, err := h.Repo.EnterpriseByID(ctx, c.Params("id"))
	if err != nil {
		return nil, nil, err
	}
	if p.Has(domain.RoleSysadmin) || p.AgencyID == e.ID {
		return e, nil, nil
	}
	body, err := h.supervisingAgency(ctx, p)
	if err != nil {
		return nil, nil, err
	}
	if body == nil || !domain.Under(e.RegionPath, body.RegionID) {
		return nil, nil, notFound("enterprise")
	}
	return e, body, nil
}

// GetEnterprise reads a registration.
func (h *Handlers) GetEnterprise(c *fiber.Ctx) error {
	ctx, cancel := h.ctx(c)
	defer cancel()
	e, _, err := h.scopedEnterprise(c, ctx)
	if err != nil {
		return err
	}
	return c.JSON(toEnterpriseJSON(e))
}

// ListEnterprises lists the registrations of the caller's jurisdiction (a supervisor's) or of
// all (a sysadmin's); ?status= narrows.
func (h *Handlers) ListEnterprises(c *fiber.Ctx) error {
	p := principal(c)
	pg, err := pageOf(c)
	if err != nil {
		return err
	}
	f := domain.EnterpriseFilter{Status: domain.EnterpriseStatus(c.Query("status"))}
	switch f.Status {
	case "", domain.EnterprisePending, domain.EnterpriseActive, domain.EnterpriseRejected:
	default:
		return &domain.Error{Code: domain.Invalid, Message: "unknown status", Fields: map[string]string{"status": "pending, active or rejected"}}
	}
	if err := enterpriseSearchOf(c, &f); err != nil {
		return err
	}
	ctx, cancel := h.ctx(c)
	defer cancel()
	body, err := h.supervisingAgency(ctx, p)
	if err != nil {
		return err
	}
	switch {
	case body != nil:
		f.RegionID = body.RegionID
	case !p.Has(domain.RoleSysadmin):
		return forbidden("the supervisors of a jurisdiction list its enterprises")
	}
	list, next, err := h.Repo.ListEnterprises(ctx, f, pg)
	if err != nil {
		return err
	}
	return c.JSON(listOf(list, next, toEnterpriseJSON))
}

type enterpriseDecision struct {
	Reason string `json:"reason" limit:"2000"`
}

// DecideEnterprise activates (activate) or rejects a pending registration: a supervisor of a
// body over its jurisdiction, or a sysadmin. Activation lets its account sign in; rejection
// frees the USCC.
func (h *Handlers) DecideEnterprise(activate bool) fiber.Handler {
	return func(c *fiber.Ctx) error {
		p := principal(c)
		var req enterpriseDecision
		if len(c.Body()) > 0 {
			if err := Decode(c, &req); err != nil {
				return err
			}
		}
		ctx, cancel := h.ctx(c)
		defer cancel()
		e, body, err := h.scopedEnterprise(c, ctx)
		if err != nil {
			return err
		}
		if body == nil && !p.Has(domain.RoleSysadmin) {
			return forbidden("a supervisor of the jurisdiction decides a registration")
		}
		if err := e.Decide(activate, p.UserID, req.Reason, h.Now()); err != nil {
			return err
		}
		if !activate {
			if err := h.releaseRegistration(ctx, e); err != nil {
				return err
			}
		}
		if activate {
			u, err := h.accountOf(ctx, e)
			if err != nil {
				return err
			}
			if u == nil {
				return domain.Errorf(domain.Conflict, "the registration has no account (it was interrupted); reject it so that the enterprise can register again")
			}
			e.UserID = u.ID
			if u.Status != domain.UserActive {
				u.Status = domain.UserActive
				if err := h.Repo.UpdateUser(ctx, u); err != nil {
					return err
				}
			}
		}
		if err := h.Repo.UpdateEnterprise(ctx, e); err != nil {
			return err
		}
		return c.JSON(toEnterpriseJSON(e))
	}
}

// ownEnterprise is the caller's active enterprise, or the error the enterprise app's routes
// answer anyone else.
func (h *Handlers) ownEnterprise(c *fiber.Ctx, ctx context.Context) (*domain.Enterprise, error) {
	e, err := h.callerEnterprise(ctx, principal(c))
	if err != nil {
		return nil, err
	}
	if e == nil {
		return nil, enterpriseOnly()
	}
	return e, nil
}

// enterpriseInspectionJSON is an inspection as the enterprise inspected sees it.
type enterpriseInspectionJSON struct {
	ID        string        `json:"id"`
	Agency    string        `json:"agency"`
	Matter    string        `json:"matter"`
	PlannedOn *Date         `json:"planned_on"`
	Status    string        `json:"status"`
	Outcome   string        `json:"outcome,omitempty"`
	Officers  []officerCard `json:"officers"`
	Rated     bool          `json:"rated"`
}

// officerCard is an officer as the party sees one (亮证): name and certificate number.
type officerCard struct {
	Name          string `json:"name"`
	CertificateNo string `json:"certificate_no,omitempty"`
}

type enterpriseCaseJSON struct {
	ID        string        `json:"id"`
	Number    string        `json:"number"`
	Agency    string        `json:"agency"`
	Matter    string        `json:"matter"`
	Status    string        `json:"status"`
	CreatedAt time.Time     `json:"created_at"`
	Officers  []officerCard `json:"officers"`
	// Documents are the decision's documents issued to the party, to download.
	Documents []string `json:"documents"`
}

// issuedToParty are the kinds of the case's documents the party downloads, as issued.
func issuedToParty(cs *domain.Case) []string {
	out := []string{}
	for _, k := range partyDocuments {
		if cs.Documents[k] != "" {
			out = append(out, string(k))
		}
	}
	return out
}

// ratingID is the id of an enterprise's rating of an inspection: one each, and opaque, since
// the agency rated reads the rating but not which inspection it was.
func ratingID(inspectionID string) string {
	sum := sha256.Sum256([]byte("enterprise-rating\x00" + inspectionID))
	return "r" + hex.EncodeToString(sum[:12])
}

// EnterpriseInspections lists the inspections of the caller's enterprise planned in the year
// before and after today, by any agency, earliest first.
func (h *Handlers) EnterpriseInspections(c *fiber.Ctx) error {
	ctx, cancel := h.ctx(c)
	defer cancel()
	e, err := h.ownEnterprise(c, ctx)
	if err != nil {
		return err
	}
	now := h.Now()
	list, err := h.Repo.InspectionsOfEnterprise(ctx, e.USCC, now.AddDate(-1, 0, 0), now.AddDate(1, 0, 0))
	if err != nil {
		return err
	}
	n := h.names()
	out := listResponse[enterpriseInspectionJSON]{Items: []enterpriseInspectionJSON{}}
	for _, in := range list {
		_, err := h.Repo.FeedbackByID(ctx, ratingID(in.ID))
		if err != nil && domain.ErrorCode(err) != domain.NotFound {
			return err
		}
		out.Items = append(out.Items, enterpriseInspectionJSON{ID: in.ID, Agency: n.agency(ctx, in.AgencyID), Matter: n.matter(ctx, in.MatterID),
			PlannedOn: dateOf(in.PlannedOn), Status: string(in.Status), Outcome: in.Outcome, Officers: n.officersOf(ctx, in.OfficerIDs), Rated: err == nil})
	}
	return c.JSON(out)
}

// EnterpriseCases lists the cases whose party is the caller's enterprise.
func (h *Handlers) EnterpriseCases(c *fiber.Ctx) error {
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
	list, next, err := h.Repo.ListCases(ctx, domain.CaseFilter{EnterpriseUSCC: e.USCC}, pg)
	if err != nil {
		return err
	}
	n := h.names()
	out := listResponse[enterpriseCaseJSON]{Items: []enterpriseCaseJSON{}, NextCursor: next}
	for _, cs := range list {
		if cs.Status == domain.StatusClue {
			continue // a clue is the agency's until it registers a case
		}
		out.Items = append(out.Items, enterpriseCaseJSON{ID: cs.ID, Number: cs.Number, Agency: n.agency(ctx, cs.AgencyID), Matter: n.matter(ctx, cs.MatterID),
			Status: string(cs.Status), CreatedAt: cs.CreatedAt, Officers: n.officersOf(ctx, cs.OfficerIDs), Documents: issuedToParty(cs)})
	}
	return c.JSON(out)
}

// RateInspection is the enterprise's rating of a finished inspection of itself (事后评价), once;
// a serious one alerts the supervisors like a card's.
func (h *Handlers) RateInspection(c *fiber.Ctx) error {
	var req feedbackRequest
	if err := Decode(c, &req); err != nil {
		return err
	}
	ctx, cancel := h.ctx(c)
	defer cancel()
	e, err := h.ownEnterprise(c, ctx)
	if err != nil {
		return err
	}
	in, err := h.Repo.InspectionByID(ctx, c.Params("id"))
	if domain.ErrorCode(err) == domain.NotFound || err == nil && in.EnterpriseUSCC != e.USCC {
		return notFound("inspection")
	}
	if err != nil {
		return err
	}
	if in.Status != domain.InspectionCompleted {
		return domain.Errorf(domain.Conflict, "an inspection is rated once it is completed")
	}
	k, err := keyOf(c)
	if err != nil {
		return err
	}
	f := &domain.Feedback{ID: ratingID(in.ID), EnterpriseID: e.ID, AgencyID: in.AgencyID, InspectionID: in.ID, OfficerIDs: in.OfficerIDs,
		Rating: req.Rating, Tags: req.Tags, Comment: req.Comment, Phone: req.Phone, CreatedAt: h.Now(), Key: k.Key, Request: k.Request}
	if err := f.Validate(); err != nil {
		return err
	}
	// ratedAlready answers when the inspection holds a rating: the same one when this request
	// retries the one that stored it (the key is stored with the rating).
	ratedAlready := func() error {
		old, err := h.Repo.FeedbackByID(ctx, f.ID)
		if err != nil {
			return err
		}
		if k.Key == "" || old.Key != k.Key {
			return domain.Errorf(domain.Conflict, "the inspection was rated already")
		}
		if old.Request != k.Request {
			return domain.Errorf(domain.Unprocessable, "this Idempotency-Key was used for a different request")
		}
		c.Set("Idempotent-Replayed", "true")
		return c.Status(fiber.StatusCreated).JSON(toFeedbackJSON(old, true))
	}
	if err := ratedAlready(); domain.ErrorCode(err) != domain.NotFound {
		return err
	}
	if err := h.storeRating(ctx, f); err != nil {
		if domain.ErrorCode(err) == domain.Conflict {
			return ratedAlready()
		}
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(toFeedbackJSON(f, true))
}
