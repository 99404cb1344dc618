package handlers

import (
	"github.com/gofiber/fiber/v2"

	"github.com/zhifa/zhifa/domain"
)

// publicCertificateResponse is what anyone may learn from a certificate number (亮证): no phone,
// no identity number, no internal ids.
type publicCertificateResponse struct {
	Number      string `json:"number"`
	OfficerName string `json:"officer_name"`
	AgencyName  string `json:"agency_name"`
	Status      string `json:"status"`
	IssuedOn    *Date  `json:"issued_on"`
	ExpiresOn   *Date  `json:"expires_on"`
	// ValidNow says whether the holder may enforce today.
	ValidNow bool   `json:"valid_now"`
	Reason   string `json:"reason,omitempty"`
}

// PublicCertificate verifies a certificate number for anyone.
func (h *Handlers) PublicCertificate(c *fiber.Ctx) error {
	number, err := domain.ParseCertificateNumber(c.Params("cert_no"))
	if err != nil {
		return notFound("certificate")
	}
	ctx, cancel := h.ctx(c)
	defer cancel()
	cert, err := h.Repo.CertificateByNumber(ctx, number)
	if err != nil {
		return err
	}
	u, err := h.Repo.UserByID(ctx, cert.OfficerID)
	if err != nil {
		return err
	}
	a, err := h.Repo.AgencyByID(ctx, cert.AgencyID)
	if err != nil {
		return err
	}
	r := publicCertificateResponse{
		Number: cert.Number, OfficerName: u.Name, AgencyName: a.Name, Status: string(cert.Status),
		IssuedOn: dateOf(cert.IssuedOn), ExpiresOn: dateOf(cert.ExpiresOn),
	}
	// Only the officer's current certificate speaks for it; a superseded one was revoked.
	if u.CertificateNo == cert.Number {
		if err := domain.MayAct(u, cert, a, h.Now()); err != nil {
			r.Reason, _ = err.(*domain.Error).Localized(langOf(c))
		} else {
			r.ValidNow = true
		}
	} else {
		r.Reason, _ = domain.Errorf(domain.Forbidden, "certificate superseded").Localized(langOf(c))
	}
	return c.JSON(r)
}
