package handlers

import (
	"slices"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/zhifa/zhifa/domain"
)

type feedbackJSON struct {
	ID string `json:"id"`
	// Source is card (a supervision card's page or form) or enterprise (事后评价 in the app).
	Source       string    `json:"source"`
	CardCode     string    `json:"card_code,omitempty"`
	EnterpriseID string    `json:"enterprise_id,omitempty"`
	AgencyID     string    `json:"agency_id"`
	InspectionID string    `json:"inspection_id,omitempty"`
	CaseID       string    `json:"case_id,omitempty"`
	OfficerIDs   []string  `json:"officer_ids"`
	Rating       int       `json:"rating"`
	Tags         []string  `json:"tags"`
	Comment      string    `json:"comment,omitempty"`
	Phone        string    `json:"phone,omitempty"`
	CreatedAt    time.Time `json:"created_at"`
}

// toFeedbackJSON shows a rating; the party's phone, and which enterprise rated which of its
// inspections, only to a supervisor (supervisor) or the enterprise itself.
func toFeedbackJSON(f *domain.Feedback, supervisor bool) feedbackJSON {
	out := feedbackJSON{ID: f.ID, Source: "card", CardCode: f.CardCode, AgencyID: f.AgencyID, InspectionID: f.InspectionID, CaseID: f.CaseID, OfficerIDs: f.OfficerIDs,
		Rating: f.Rating, Tags: f.Tags, Comment: f.Comment, CreatedAt: f.CreatedAt}
	if out.Tags == nil {
		out.Tags = []string{}
	}
	if f.EnterpriseID != "" {
		out.Source = "enterprise"
		if supervisor {
			out.EnterpriseID = f.EnterpriseID
		} else {
			out.InspectionID, out.CaseID = "", ""
		}
	}
	if supervisor {
		out.Phone = f.Phone
	}
	return out
}

// ListFeedback lists ratings given on cards, newest first. A supervisor of a supervisory body
// sees those of every agency in its region and below, with the party's phone; an agency's
// members see their own agency's without it; a sysadmin names ?agency_id=, without it.
// ?agency_id= ?max_rating= ?tag= ?from= ?to= (dates, China time) narrow.
func (h *Handlers) ListFeedback(c *fiber.Ctx) error {
	p := principal(c)
	pg, err := pageOf(c)
	if err != nil {
		return err
	}
	f := domain.FeedbackFilter{Tag: c.Query("tag")}
	fe := domain.FieldErrors{}
	if s := c.Query("max_rating"); s != "" {
		if f.MaxRating, err = strconv.Atoi(s); err != nil || f.MaxRating < 1 || f.MaxRating > 5 {
			fe.Add("max_rating", "1 to 5")
		}
	}
	if f.Tag != "" && !slices.Contains(domain.FeedbackTags, f.Tag) {
		fe.Add("tag", "one of the tags of the card's page")
	}
	f.From, f.To = dateRange(c, fe)
	if err := fe.Err(); err != nil {
		return err
	}
	ctx, cancel := h.ctx(c)
	defer cancel()
	want := c.Query("agency_id")
	body, err := h.supervisingAgency(ctx, p)
	if err != nil {
		return err
	}
	switch {
	case body != nil:
		if f.AgencyIDs, err = h.agenciesCovered(ctx, body, want); err != nil {
			return err
		}
		if len(f.AgencyIDs) == 0 {
			return c.JSON(listResponse[feedbackJSON]{Items: []feedbackJSON{}})
		}
	case p.Has(domain.RoleSysadmin):
		if want == "" {
			return &domain.Error{Code: domain.Invalid, Message: "name the agency", Fields: map[string]string{"agency_id": "required for a sysadmin"}}
		}
		f.AgencyIDs = []string{want}
	default:
		if want != "" && want != p.AgencyID || p.AgencyID == "" {
			return notFound("agency")
		}
		f.AgencyIDs = []string{p.AgencyID}
	}
	list, next, err := h.Repo.ListFeedback(ctx, f, pg)
	if err != nil {
		return err
	}
	out := listResponse[feedbackJSON]{Items: make([]feedbackJSON, len(list)), NextCursor: next}
	for i, fb := range list {
		out.Items[i] = toFeedbackJSON(fb, body != nil)
	}
	return c.JSON(out)
}
