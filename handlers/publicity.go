package handlers

import (
	"fmt"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/zhifa/zhifa/domain"
)

// Publicity (公示): published penalty decisions, and each agency's matters and officers.

type publicationJSON struct {
	ID             string     `json:"id"`
	AgencyID       string     `json:"agency_id"`
	AgencyName     string     `json:"agency_name"`
	CaseNumber     string     `json:"case_number"`
	DocumentNumber string     `json:"document_number,omitempty"`
	DocumentHash   string     `json:"document_hash,omitempty"`
	PartyKind      string     `json:"party_kind"`
	PartyName      string     `json:"party_name"`
	PartyUSCC      string     `json:"party_uscc,omitempty"`
	Violation      string     `json:"violation"`
	LegalBasis     string     `json:"legal_basis,omitempty"`
	Penalties      []string   `json:"penalties"`
	Fine           int64      `json:"fine"`
	DecidedAt      time.Time  `json:"decided_at"`
	DueBy          time.Time  `json:"due_by"`
	PublishedAt    time.Time  `json:"published_at"`
	Withdrawn      bool       `json:"withdrawn"`
	WithdrawnAt    *time.Time `json:"withdrawn_at,omitempty"`
	WithdrawnFor   string     `json:"withdrawn_for,omitempty"`
}

func toPublicationJSON(p *domain.Publication) publicationJSON {
	j := publicationJSON{ID: p.ID, AgencyID: p.AgencyID, AgencyName: p.AgencyName, CaseNumber: p.CaseNumber, DocumentNumber: p.DocumentNumber,
		DocumentHash: p.DocumentHash, PartyKind: p.PartyKind, PartyName: p.PartyName, PartyUSCC: p.PartyUSCC, Violation: p.Violation,
		LegalBasis: p.LegalBasis, Penalties: nonNilStrings(p.Penalties), Fine: p.Fine, DecidedAt: p.DecidedAt, DueBy: p.DueBy, PublishedAt: p.PublishedAt,
		WithdrawnFor: p.WithdrawnFor}
	if !p.WithdrawnAt.IsZero() {
		t := p.WithdrawnAt
		j.Withdrawn, j.WithdrawnAt = true, &t
	}
	return j
}

// PublicDecisions lists published penalty decisions, newest first (?agency_id=,
// ?withdrawn=true to include the withdrawn ones).
func (h *Handlers) PublicDecisions(c *fiber.Ctx) error {
	pg, err := pageOf(c)
	if err != nil {
		return err
	}
	ctx, cancel := h.ctx(c)
	defer cancel()
	list, next, err := h.Repo.ListPublications(ctx, c.Query("agency_id"), c.Query("withdrawn") == "true", pg)
	if err != nil {
		return err
	}
	return c.JSON(listOf(list, next, toPublicationJSON))
}

// PublicDecision reads one published decision, withdrawn or not.
func (h *Handlers) PublicDecision(c *fiber.Ctx) error {
	ctx, cancel := h.ctx(c)
	defer cancel()
	p, err := h.Repo.PublicationByID(ctx, c.Params("id"))
	if err != nil {
		return err
	}
	return c.JSON(toPublicationJSON(p))
}

// VerifyDecision says whether a decision document with this SHA-256 (?hash=, from the printed
// document) was issued and published, and whether it still stands.
func (h *Handlers) VerifyDecision(c *fiber.Ctx) error {
	hash := strings.ToLower(strings.TrimSpace(c.Query("hash")))
	if len(hash) != 64 || strings.Trim(hash, "0123456789abcdef") != "" {
		return &domain.Error{Code: domain.Invalid, Message: "give the document's SHA-256", Fields: map[string]string{"hash": "64 hex characters"}}
	}
	ctx, cancel := h.ctx(c)
	defer cancel()
	p, err := h.Repo.PublicationByHash(ctx, hash)
	if err != nil {
		return err
	}
	return c.JSON(toPublicationJSON(p))
}

type decisionsPage struct {
	Title string
	Items []decisionRow
	Next  string
}

// decisionRow is a publication as the page shows it: the penalties in one phrase, the fine
// with its amount (罚款 15000 元, once), and the day of the decision on China's calendar.
type decisionRow struct {
	publicationJSON
	Penalty, Date string
}

func decisionRowOf(p *domain.Publication) decisionRow {
	fine := domain.PenaltyNames[domain.PenaltyFine]
	var parts []string
	fined := false
	for _, name := range p.Penalties {
		if name == fine && p.Fine > 0 {
			name, fined = fmt.Sprintf("%s %d 元", fine, p.Fine), true
		}
		parts = append(parts, name)
	}
	if p.Fine > 0 && !fined {
		parts = append(parts, fmt.Sprintf("%s %d 元", fine, p.Fine))
	}
	return decisionRow{publicationJSON: toPublicationJSON(p), Penalty: strings.Join(parts, "、"), Date: domain.ChinaDate(p.DecidedAt).Format("2006年1月2日")}
}

// DecisionsPage is the public list as a Chinese page (行政处罚决定公示), server-rendered and
// script-free like the citizen pages.
func (h *Handlers) DecisionsPage(c *fiber.Ctx) error {
	pg, err := pageOf(c)
	if err != nil {
		return err
	}
	ctx, cancel := h.ctx(c)
	defer cancel()
	list, next, err := h.Repo.ListPublications(ctx, c.Query("agency_id"), false, pg)
	if err != nil {
		return err
	}
	page := decisionsPage{Title: "行政处罚决定公示", Next: next}
	for _, p := range list {
		page.Items = append(page.Items, decisionRowOf(p))
	}
	return h.render(c, fiber.StatusOK, "decisions", page)
}

type publicMatterJSON struct {
	Code         string   `json:"code"`
	Name         string   `json:"name"`
	LegalBasis   string   `json:"legal_basis"`
	PenaltyKinds []string `json:"penalty_kinds"`
}

// PublicMatters is an active agency's matters catalog (执法事项), for anyone.
func (h *Handlers) PublicMatters(c *fiber.Ctx) error {
	pg, err := pageOf(c)
	if err != nil {
		return err
	}
	ctx, cancel := h.ctx(c)
	defer cancel()
	a, err := h.Repo.AgencyByID(ctx, c.Params("id"))
	if err != nil {
		return err
	}
	list, next, err := h.Repo.ListMatters(ctx, a.ID, pg)
	if err != nil {
		return err
	}
	return c.JSON(listOf(list, next, func(m *domain.Matter) publicMatterJSON {
		out := publicMatterJSON{Code: m.Code, Name: m.Name, LegalBasis: m.LegalBasis, PenaltyKinds: []string{}}
		for _, k := range m.PenaltyKinds {
			out.PenaltyKinds = append(out.PenaltyKinds, domain.PenaltyNames[k])
		}
		return out
	}))
}

type publicOfficerJSON struct {
	Name          string `json:"name"`
	CertificateNo string `json:"certificate_no"`
	ValidNow      bool   `json:"valid_now"`
	ExpiresOn     *Date  `json:"expires_on,omitempty"`
}

// PublicOfficers lists an agency's certified officers with their certificate's standing (亮证):
// name and certificate number, nothing else of the person.
func (h *Handlers) PublicOfficers(c *fiber.Ctx) error {
	pg, err := pageOf(c)
	if err != nil {
		return err
	}
	ctx, cancel := h.ctx(c)
	defer cancel()
	a, err := h.Repo.AgencyByID(ctx, c.Params("id"))
	if err != nil {
		return err
	}
	users, next, err := h.Repo.ListUsers(ctx, domain.UserFilter{AgencyID: a.ID, Role: domain.RoleOfficer}, pg)
	if err != nil {
		return err
	}
	out := listResponse[publicOfficerJSON]{Items: []publicOfficerJSON{}, NextCursor: next}
	for _, u := range users {
		if u.CertificateNo == "" {
			continue
		}
		cert, err := h.Repo.CertificateByNumber(ctx, u.CertificateNo)
		if err != nil && domain.ErrorCode(err) != domain.NotFound {
			return err
		}
		o := publicOfficerJSON{Name: u.Name, CertificateNo: u.CertificateNo}
		if cert != nil {
			o.ValidNow = domain.MayAct(u, cert, a, h.Now()) == nil
			o.ExpiresOn = dateOf(cert.ExpiresOn)
		}
		out.Items = append(out.Items, o)
	}
	return c.JSON(out)
}
