package handlers

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
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

// toFeedbackJSON shows a rating as a supervisor (supervisor) or the enterprise that gave it
// sees it: whole, with the party's phone and which enterprise rated which of its inspections.
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

// raterHidden is a rating as the agency rated sees it: what it needs to improve (the stars,
// tags, comment, the China day) and nothing that singles out the rater. The card, case and
// inspection are gone, the id is one of the agency's own (an enterprise rating's id derives
// from its inspection), and officers are named only when shown is true for them (they were
// rated by more than one party, so the name does not say which).
func (h *Handlers) raterHidden(f *domain.Feedback, shown func(string) bool) feedbackJSON {
	out := toFeedbackJSON(f, false)
	mac := hmac.New(sha256.New, h.PrintKey)
	mac.Write([]byte("feedback-id\x00" + f.ID))
	out.ID = base64.RawURLEncoding.EncodeToString(mac.Sum(nil)[:12])
	out.CardCode, out.InspectionID, out.CaseID = "", "", ""
	out.CreatedAt = domain.PlannedDayStart(domain.ChinaDate(f.CreatedAt)).UTC() // the first instant of the China day
	out.OfficerIDs = []string{}
	for _, id := range f.OfficerIDs {
		if shown(id) {
			out.OfficerIDs = append(out.OfficerIDs, id)
		}
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
	agencyView := body == nil && !p.Has(domain.RoleSysadmin)
	if agencyView && pg.Cursor != "" {
		if pg.Cursor, err = h.openCursor(pg.Cursor); err != nil {
			return err
		}
	}
	list, next, err := h.Repo.ListFeedback(ctx, f, pg)
	if err != nil {
		return err
	}
	out := listResponse[feedbackJSON]{Items: make([]feedbackJSON, len(list)), NextCursor: next}
	if !agencyView {
		for i, fb := range list {
			out.Items[i] = toFeedbackJSON(fb, body != nil)
		}
		return c.JSON(out)
	}
	// The store's cursor holds the last rating's time and id: the agency gets it sealed.
	if next != "" {
		out.NextCursor = h.sealCursor(next)
	}
	parties := map[string]int{}
	var ferr error
	shown := func(officer string) bool {
		n, ok := parties[officer]
		if !ok && ferr == nil {
			n, ferr = h.Repo.PartiesRating(ctx, officer, 2)
			parties[officer] = n
		}
		return n >= 2
	}
	for i, fb := range list {
		out.Items[i] = h.raterHidden(fb, shown)
	}
	if ferr != nil {
		return ferr
	}
	return c.JSON(out)
}

// cursorAEAD seals the agency's feedback cursors, keyed from PrintKey.
func (h *Handlers) cursorAEAD() cipher.AEAD {
	key := sha256.Sum256(append([]byte("feedback-cursor\x00"), h.PrintKey...))
	block, _ := aes.NewCipher(key[:])
	aead, _ := cipher.NewGCM(block)
	return aead
}

func (h *Handlers) sealCursor(cursor string) string {
	aead := h.cursorAEAD()
	nonce := make([]byte, aead.NonceSize())
	_, _ = rand.Read(nonce)
	return base64.RawURLEncoding.EncodeToString(aead.Seal(nonce, nonce, []byte(cursor), nil))
}

func (h *Handlers) openCursor(sealed string) (string, error) {
	aead := h.cursorAEAD()
	b, err := base64.RawURLEncoding.DecodeString(sealed)
	if err == nil && len(b) > aead.NonceSize() {
		var plain []byte
		if plain, err = aead.Open(nil, b[:aead.NonceSize()], b[aead.NonceSize():], nil); err == nil {
			return string(plain), nil
		}
	}
	return "", &domain.Error{Code: domain.Invalid, Message: "the cursor is not valid", Fields: map[string]string{"cursor": "the next_cursor of a previous page"}}
}
