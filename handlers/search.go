package handlers

import (
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/zhifa/zhifa/domain"
)

// The search parameters of the lists. Each list keeps its own scope decision (whose objects
// the caller sees); these only narrow what it returns, so a search never reaches further than
// the list itself. Numbers match exactly, names by any fragment; a malformed or oversized
// parameter answers 422.

// searchParam reads query parameter name as search text, "" when it is absent.
func searchParam(c *fiber.Ctx, name string) (string, error) {
	s := c.Query(name)
	if s == "" {
		return "", nil
	}
	return domain.SearchText(name, s)
}

// codeParam reads query parameter name as a code parse accepts, "" when it is absent.
func codeParam(c *fiber.Ctx, name string, parse func(string) (string, error)) (string, error) {
	s := c.Query(name)
	if s == "" {
		return "", nil
	}
	return domain.SearchNumber(name, s, parse)
}

// caseSearchOf reads a case search: ?number= (the case number, 立案编号), ?party_name= (a
// fragment), ?party_id_number= (a person's identity number, matched on its digest) and
// ?enterprise= (an organisation's USCC).
func caseSearchOf(c *fiber.Ctx, f *domain.CaseFilter) error {
	var err error
	if f.Number, err = searchParam(c, "number"); err != nil {
		return err
	}
	if f.PartyName, err = searchParam(c, "party_name"); err != nil {
		return err
	}
	id, err := codeParam(c, "party_id_number", domain.ParseIDNumber)
	if err != nil {
		return err
	}
	f.PartyIDHash = domain.IDNumberHash(id)
	f.EnterpriseUSCC, err = codeParam(c, "enterprise", domain.ParseUSCC)
	return err
}

// inspectionSearchOf reads an inspection search: ?enterprise= (USCC), ?status=, ?officer_id=,
// ?planned_from= and ?planned_to= (days, both included).
func inspectionSearchOf(c *fiber.Ctx, f *domain.InspectionFilter) error {
	var err error
	if f.EnterpriseUSCC, err = codeParam(c, "enterprise", domain.ParseUSCC); err != nil {
		return err
	}
	if f.OfficerID, err = searchParam(c, "officer_id"); err != nil {
		return err
	}
	fe := domain.FieldErrors{}
	switch st := domain.InspectionStatus(c.Query("status")); st {
	case "", domain.InspectionPlanned, domain.InspectionOnSite, domain.InspectionCompleted, domain.InspectionCancelled:
		f.Status = st
	default:
		fe.Add("status", "planned, on_site, completed or cancelled")
	}
	for name, dst := range map[string]*time.Time{"planned_from": &f.PlannedFrom, "planned_to": &f.PlannedTo} {
		if s := c.Query(name); s != "" {
			t, err := time.Parse(time.DateOnly, s)
			if err != nil {
				fe.Add(name, "a date YYYY-MM-DD")
			}
			*dst = t
		}
	}
	if len(fe) > 0 {
		return &domain.Error{Code: domain.Unprocessable, Message: "the search is not valid", Fields: fe}
	}
	return nil
}

// enterpriseSearchOf reads an enterprise search: ?name= (a fragment), ?uscc=.
func enterpriseSearchOf(c *fiber.Ctx, f *domain.EnterpriseFilter) error {
	var err error
	if f.Name, err = searchParam(c, "name"); err != nil {
		return err
	}
	f.USCC, err = codeParam(c, "uscc", domain.ParseUSCC)
	return err
}

// officerSearchOf reads an officer search: ?name= (a fragment), ?certificate_no=.
func officerSearchOf(c *fiber.Ctx, f *domain.UserFilter) error {
	var err error
	if f.Name, err = searchParam(c, "name"); err != nil {
		return err
	}
	f.CertificateNo, err = codeParam(c, "certificate_no", domain.ParseCertificateNumber)
	return err
}
