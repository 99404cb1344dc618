package handlers

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"fmt"
	"html/template"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	qrcode "github.com/skip2/go-qrcode"

	"github.com/zhifa/zhifa/domain"
)

// The supervision cards (监督卡) and the citizen page they open.

type cardRequest struct {
	InspectionID string `json:"inspection_id" limit:"64"`
	CaseID       string `json:"case_id" limit:"64"`
	ValidDays    int    `json:"valid_days"`
	MaxRatings   int    `json:"max_ratings"`
}

type cardJSON struct {
	Code         string    `json:"code"`
	CodeShown    string    `json:"code_shown"`
	URL          string    `json:"url"`
	QRPNG        string    `json:"qr_png"`
	QRSVG        string    `json:"qr_svg"`
	AgencyID     string    `json:"agency_id"`
	InspectionID string    `json:"inspection_id,omitempty"`
	CaseID       string    `json:"case_id,omitempty"`
	Matter       string    `json:"matter"`
	OfficerIDs   []string  `json:"officer_ids"`
	IssuedBy     string    `json:"issued_by"`
	IssuedAt     time.Time `json:"issued_at"`
	ExpiresAt    time.Time `json:"expires_at"`
	MaxRatings   int       `json:"max_ratings"`
	Ratings      int       `json:"ratings"`
	State        string    `json:"state"`
}

func (h *Handlers) toCardJSON(c *fiber.Ctx, card *domain.Card) cardJSON {
	return cardJSON{Code: card.Code, CodeShown: domain.FormatCardCode(card.Code), URL: h.cardURL(card.Code),
		QRPNG: "/v1/cards/" + card.Code + "/qr.png", QRSVG: "/v1/cards/" + card.Code + "/qr.svg", AgencyID: card.AgencyID,
		InspectionID: card.InspectionID, CaseID: card.CaseID, Matter: card.Matter, OfficerIDs: card.OfficerIDs, IssuedBy: card.IssuedBy,
		IssuedAt: card.IssuedAt, ExpiresAt: card.ExpiresAt, MaxRatings: card.MaxRatings, Ratings: card.Ratings, State: string(card.StateAt(h.Now()))}
}

// cardURL is the address the QR code carries, on the configured public address.
func (h *Handlers) cardURL(code string) string {
	return h.publicBase() + "/s/" + code
}

// MaxCardRatings bounds a card's ratings by the people a visit has: the party, its
// representative and a witness or two.
const MaxCardRatings = 5

// MaxLiveCards bounds the cards of one inspection or case that take ratings at once (a card
// lost or a second party met).
const MaxLiveCards = 2

// IssueCard makes a supervision card for an inspection or a case of the caller's agency; the
// card names the officers of the inspection or case.
func (h *Handlers) IssueCard(c *fiber.Ctx) error {
	p := principal(c)
	var req cardRequest
	if err := Decode(c, &req); err != nil {
		return err
	}
	f := domain.FieldErrors{}
	if (req.InspectionID == "") == (req.CaseID == "") {
		f.Add("inspection_id", "name an inspection or a case, not both")
	}
	if req.ValidDays == 0 {
		req.ValidDays = 30
	}
	if req.ValidDays < 1 || req.ValidDays > 365 {
		f.Add("valid_days", "1 to 365")
	}
	if req.MaxRatings == 0 {
		req.MaxRatings = 5
	}
	if req.MaxRatings < 1 || req.MaxRatings > MaxCardRatings {
		f.Add("max_ratings", fmt.Sprintf("1 to %d", MaxCardRatings))
	}
	if err := f.Err(); err != nil {
		return err
	}
	if !p.Has(domain.RoleOfficer) && !p.Has(domain.RoleAgencyAdmin) {
		return forbidden("officers and agency admins issue supervision cards")
	}
	ctx, cancel := h.ctx(c)
	defer cancel()
	now := h.Now()
	card := &domain.Card{AgencyID: p.AgencyID, InspectionID: req.InspectionID, CaseID: req.CaseID, IssuedBy: p.UserID,
		IssuedAt: now, ExpiresAt: now.Add(time.Duration(req.ValidDays) * 24 * time.Hour), MaxRatings: req.MaxRatings}
	var matterID string
	if req.InspectionID != "" {
		in, err := h.Repo.InspectionByID(ctx, req.InspectionID)
		if domain.ErrorCode(err) == domain.NotFound || err == nil && in.AgencyID != p.AgencyID {
			return notFound("inspection")
		}
		if err != nil {
			return err
		}
		card.OfficerIDs, matterID = in.OfficerIDs, in.MatterID
	} else {
		cs, err := h.Repo.CaseByID(ctx, req.CaseID)
		if domain.ErrorCode(err) == domain.NotFound || err == nil && cs.AgencyID != p.AgencyID {
			return notFound("case")
		}
		if err != nil {
			return err
		}
		card.OfficerIDs, matterID, card.Matter = cs.OfficerIDs, cs.MatterID, "案件 "+cs.Number
	}
	if m, err := h.Repo.MatterByID(ctx, matterID); err == nil {
		card.Matter = strings.TrimSpace(m.Name + " " + card.Matter)
	} else if domain.ErrorCode(err) != domain.NotFound {
		return err
	}
	if live, err := h.Repo.LiveCards(ctx, card.InspectionID, card.CaseID, now, MaxLiveCards); err != nil {
		return err
	} else if live >= MaxLiveCards {
		return domain.Errorf(domain.Conflict, "the inspection or case has %d cards still taking ratings", live)
	}
	for range 5 {
		card.Code = domain.NewCardCode()
		err := h.Repo.CreateCard(ctx, card)
		if domain.ErrorCode(err) == domain.Conflict {
			continue // a code taken: 65 random bits make this all but impossible
		}
		if err != nil {
			return err
		}
		return created(c, "/v1/cards/"+card.Code, 1, h.toCardJSON(c, card))
	}
	return domain.Errorf(domain.Internal, "no free card code")
}

// scopedCard loads the card named in the path for its agency's members; NotFound otherwise.
func (h *Handlers) scopedCard(c *fiber.Ctx, ctx context.Context) (*domain.Card, error) {
	code, err := domain.ParseCardCode(c.Params("code"))
	if err != nil {
		return nil, err
	}
	card, err := h.Repo.CardByCode(ctx, code)
	if err != nil {
		return nil, err
	}
	if p := principal(c); !p.Has(domain.RoleSysadmin) && p.AgencyID != card.AgencyID {
		return nil, notFound("card")
	}
	return card, nil
}

// GetCard reads a card (its ratings are the supervisors').
func (h *Handlers) GetCard(c *fiber.Ctx) error {
	ctx, cancel := h.ctx(c)
	defer cancel()
	card, err := h.scopedCard(c, ctx)
	if err != nil {
		return err
	}
	return c.JSON(h.toCardJSON(c, card))
}

// CardQR draws the card's QR code, as PNG (?size= pixels, 128–1024) or SVG, for print.
func (h *Handlers) CardQR(format string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		ctx, cancel := h.ctx(c)
		defer cancel()
		card, err := h.scopedCard(c, ctx)
		if err != nil {
			return err
		}
		q, err := qrcode.New(h.cardURL(card.Code), qrcode.Medium)
		if err != nil {
			return err
		}
		if format == "svg" {
			c.Set(fiber.HeaderContentType, "image/svg+xml")
			return c.Send(qrSVG(q.Bitmap()))
		}
		size := c.QueryInt("size", 512)
		if size < 128 || size > 1024 {
			return &domain.Error{Code: domain.Invalid, Message: "size is 128 to 1024 pixels", Fields: map[string]string{"size": "128 to 1024"}}
		}
		png, err := q.PNG(size)
		if err != nil {
			return err
		}
		c.Set(fiber.HeaderContentType, "image/png")
		return c.Send(png)
	}
}

// qrSVG draws a QR bitmap (quiet zone included) as one path, a rectangle per run of dark modules.
func qrSVG(bits [][]bool) []byte {
	var b bytes.Buffer
	n := len(bits)
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" shape-rendering="crispEdges"><rect width="%d" height="%d" fill="#fff"/><path fill="#000" d="`, n, n, n, n)
	for y, row := range bits {
		for x := 0; x < len(row); x++ {
			if !row[x] {
				continue
			}
			run := 1
			for x+run < len(row) && row[x+run] {
				run++
			}
			fmt.Fprintf(&b, "M%d %dh%dv1h-%dz", x, y, run, run)
			x += run
		}
	}
	b.WriteString(`"/></svg>`)
	return b.Bytes()
}

//go:embed pages/card.html pages/callback.html pages/decisions.html pages/review.html pages/scorecards.html pages/page.css
var pageFiles embed.FS

var pageTemplates = template.Must(template.ParseFS(pageFiles, "pages/card.html", "pages/callback.html", "pages/decisions.html", "pages/review.html", "pages/scorecards.html"))

// pageCSP lets the citizen pages load their own stylesheet and nothing else, run no script and
// post forms only to this server.
const pageCSP = "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"

// PageCSS serves the citizen pages' stylesheet.
func (h *Handlers) PageCSS(c *fiber.Ctx) error {
	css, _ := pageFiles.ReadFile("pages/page.css")
	c.Set(fiber.HeaderContentType, "text/css; charset=utf-8")
	c.Set(fiber.HeaderCacheControl, "public, max-age=3600")
	return c.Send(css)
}

type officerLine struct {
	Name, Certificate, Status, StatusClass string
}

type choice struct {
	Value, Label string
	Checked      bool
}

type cardPage struct {
	Title, Code, CodeShown, Agency, Matter, Date, Token string
	Officers                                            []officerLine
	Stars, Tags                                         []choice
	Comment, Phone                                      string
	Errors                                              map[string]string
	Serious                                             bool
	Message                                             string
}

func (h *Handlers) render(c *fiber.Ctx, status int, name string, data any) error {
	var b bytes.Buffer
	if err := pageTemplates.ExecuteTemplate(&b, name, data); err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	c.Set(fiber.HeaderContentSecurityPolicy, pageCSP)
	return c.Status(status).Send(b.Bytes())
}

// gone answers a code that opens nothing, in words a citizen understands.
func (h *Handlers) gone(c *fiber.Ctx, status int, title, msg string) error {
	return h.render(c, status, "gone", cardPage{Title: title, Message: msg})
}

// TooManyGuesses is the citizen pages' answer to an address that opened too many unknown
// codes or links: a page a person understands rather than a problem document.
func (h *Handlers) TooManyGuesses(c *fiber.Ctx) error {
	return h.gone(c, fiber.StatusTooManyRequests, "请稍后再试", "您的网络多次打开了无效的监督卡或回访链接，请十分钟后再试。")
}

// formCookie is the browser's half of the form token: SameSite=Strict, so that a page on
// another site cannot post the form with it.
const formCookie = "zf_form"

// formToken is the page's half of the form token for the page of code (a card's code, or "r:"
// and a callback's token) and the cookie's nonce.
func (h *Handlers) formToken(code, nonce string) string {
	mac := hmac.New(sha256.New, h.PrintKey)
	mac.Write([]byte("card-form\x00" + code + "\x00" + nonce))
	return base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

// openCard loads the card a citizen page names, or answers with the page that says why not.
func (h *Handlers) openCard(c *fiber.Ctx, ctx context.Context) (*domain.Card, error) {
	code, err := domain.ParseCardCode(c.Params("code"))
	if err != nil {
		return nil, h.gone(c, fiber.StatusNotFound, "未找到该监督卡", "请核对卡号，或重新扫描监督卡上的二维码。")
	}
	card, err := h.Repo.CardByCode(ctx, code)
	if domain.ErrorCode(err) == domain.NotFound {
		return nil, h.gone(c, fiber.StatusNotFound, "未找到该监督卡", "请核对卡号，或重新扫描监督卡上的二维码。")
	}
	if err != nil {
		return nil, err
	}
	switch card.StateAt(h.Now()) {
	case domain.CardExpired:
		return nil, h.gone(c, fiber.StatusGone, "监督卡已过期", "该监督卡已超过评价期限，感谢您的关注。")
	case domain.CardUsedUp:
		return nil, h.gone(c, fiber.StatusGone, "该监督卡已完成评价", "该监督卡的评价次数已满，感谢您的参与。")
	}
	return card, nil
}

// cardPageOf fills the page of a card: the agency, the matter and date, and each officer with
// the standing of the certificate (亮证).
func (h *Handlers) cardPageOf(ctx context.Context, card *domain.Card) (cardPage, error) {
	pg := cardPage{Title: "执法监督卡", Code: card.Code, CodeShown: domain.FormatCardCode(card.Code), Matter: card.Matter,
		Date: domain.ChinaDate(card.IssuedAt).Format("2006年1月2日"), Errors: map[string]string{}}
	a, err := h.Repo.AgencyByID(ctx, card.AgencyID)
	if err != nil {
		return pg, err
	}
	pg.Agency = a.Name
	for _, id := range card.OfficerIDs {
		u, err := h.Repo.UserByID(ctx, id)
		if err != nil {
			return pg, err
		}
		line := officerLine{Name: u.Name, Certificate: "无", Status: "未持证", StatusClass: "invalid"}
		if u.CertificateNo != "" {
			line.Certificate = u.CertificateNo
			cert, err := h.Repo.CertificateByNumber(ctx, u.CertificateNo)
			if err != nil && domain.ErrorCode(err) != domain.NotFound {
				return pg, err
			}
			if cert != nil {
				if ok, _ := cert.ValidAt(h.Now()); ok {
					line.Status, line.StatusClass = "证件有效", "valid"
				} else {
					line.Status = "证件无效"
				}
			}
		}
		pg.Officers = append(pg.Officers, line)
	}
	for i := 5; i >= 1; i-- {
		pg.Stars = append(pg.Stars, choice{Value: strconv.Itoa(i), Label: strings.Repeat("★", i)})
	}
	for _, t := range domain.FeedbackTags {
		pg.Tags = append(pg.Tags, choice{Value: t})
	}
	return pg, nil
}

// CardPage is the citizen page of a card: who acted, about what, and the rating form.
func (h *Handlers) CardPage(c *fiber.Ctx) error {
	ctx, cancel := h.ctx(c)
	defer cancel()
	card, err := h.openCard(c, ctx)
	if card == nil {
		return err
	}
	pg, err := h.cardPageOf(ctx, card)
	if err != nil {
		return err
	}
	nonce := domain.RandomToken(16)
	c.Cookie(&fiber.Cookie{Name: formCookie, Value: nonce, Path: "/s/", HTTPOnly: true, SameSite: fiber.CookieSameSiteStrictMode,
		Secure: c.Protocol() == "https", MaxAge: 3600})
	pg.Token = h.formToken(card.Code, nonce)
	return h.render(c, fiber.StatusOK, "card", pg)
}

// SubmitCardForm takes the page's form: checked against the cookie, validated, stored; the
// form comes back with the party's input and the errors when something is wrong.
func (h *Handlers) SubmitCardForm(c *fiber.Ctx) error {
	ctx, cancel := h.ctx(c)
	defer cancel()
	card, err := h.openCard(c, ctx)
	if card == nil {
		return err
	}
	nonce := c.Cookies(formCookie)
	if nonce == "" || !hmac.Equal([]byte(c.FormValue("form_token")), []byte(h.formToken(card.Code, nonce))) {
		return h.gone(c, fiber.StatusForbidden, "请重新打开页面", "页面已失效或不是从本站提交的，请重新扫描二维码后再评价。")
	}
	rating, _ := strconv.Atoi(c.FormValue("rating"))
	var tags []string
	for _, v := range c.Request().PostArgs().PeekMulti("tags") {
		tags = append(tags, string(v))
	}
	f := &domain.Feedback{Rating: rating, Tags: tags, Comment: c.FormValue("comment"), Phone: c.FormValue("phone"), Rater: h.raterOf(c, card.AgencyID)}
	// The form token is single-use: a form posted again (a double tap, a reload) is answered
	// with the rating it stored.
	token := sha256.Sum256([]byte("form\x00" + c.FormValue("form_token")))
	if _, err := h.giveFeedback(ctx, card, f, actionKey{Key: base64.RawURLEncoding.EncodeToString(token[:12])}); err != nil {
		var de *domain.Error
		if e, ok := err.(*domain.Error); ok {
			de = e
		}
		switch {
		case de != nil && de.Code == domain.Invalid:
			pg, perr := h.cardPageOf(ctx, card)
			if perr != nil {
				return perr
			}
			pg.Token, pg.Errors, pg.Comment, pg.Phone = c.FormValue("form_token"), de.Fields, f.Comment, f.Phone
			for i := range pg.Stars {
				pg.Stars[i].Checked = pg.Stars[i].Value == strconv.Itoa(rating)
			}
			for i := range pg.Tags {
				pg.Tags[i].Checked = slices.Contains(tags, pg.Tags[i].Value)
			}
			return h.render(c, fiber.StatusUnprocessableEntity, "card", pg)
		case err == errRatedAlready:
			return h.gone(c, fiber.StatusConflict, "您已评价过", "每人对一张监督卡评价一次，感谢您的参与。")
		case de != nil && (de.Code == domain.Conflict || de.Code == domain.Gone):
			return h.gone(c, fiber.StatusGone, "该监督卡已完成评价", "该监督卡的评价次数已满，感谢您的参与。")
		}
		return err
	}
	return h.render(c, fiber.StatusOK, "thanks", cardPage{Title: "感谢您的评价", CodeShown: domain.FormatCardCode(card.Code), Serious: f.Serious()})
}

type feedbackRequest struct {
	Rating  int      `json:"rating"`
	Tags    []string `json:"tags" limit:"6"`
	Comment string   `json:"comment" limit:"2000"`
	Phone   string   `json:"phone" limit:"20"`
}

// SubmitCardFeedback is the form for apps: the same rating as JSON.
func (h *Handlers) SubmitCardFeedback(c *fiber.Ctx) error {
	var req feedbackRequest
	if err := Decode(c, &req); err != nil {
		return err
	}
	ctx, cancel := h.ctx(c)
	defer cancel()
	code, err := domain.ParseCardCode(c.Params("code"))
	if err != nil {
		return err
	}
	card, err := h.Repo.CardByCode(ctx, code)
	if err != nil {
		return err
	}
	k, err := keyOf(c)
	if err != nil {
		return err
	}
	f := &domain.Feedback{Rating: req.Rating, Tags: req.Tags, Comment: req.Comment, Phone: req.Phone, Rater: h.raterOf(c, card.AgencyID)}
	replayed, err := h.giveFeedback(ctx, card, f, k)
	if err != nil {
		if err != errRatedAlready && domain.ErrorCode(err) == domain.Conflict {
			return &domain.Error{Code: domain.Gone, Message: "this card takes no more ratings (used_up)"}
		}
		return err
	}
	if replayed {
		c.Set("Idempotent-Replayed", "true")
	}
	return c.Status(fiber.StatusCreated).JSON(fiber.Map{"id": f.ID, "received_at": f.CreatedAt})
}

// errRatedAlready answers a second rating of a card by the same person: the same phone or
// the same address.
var errRatedAlready = domain.Errorf(domain.Conflict, "this card was rated from here already")

// raterOf is the keyed hash of the address a rating of the agency's card comes from: one
// rater across the agency's cards (the scorecard counts raters), never shown, and linking
// nothing across agencies.
func (h *Handlers) raterOf(c *fiber.Ctx, agencyID string) string {
	mac := hmac.New(sha256.New, h.PrintKey)
	mac.Write([]byte("card-rater\x00" + agencyID + "\x00" + ClientIP(c)))
	return base64.RawURLEncoding.EncodeToString(mac.Sum(nil)[:12])
}

// giveFeedback is the one operation behind both forms: validate, answer a retry (key) with
// the rating it stored, refuse a second rating by the same phone or address, then store the
// rating in the card's next free slot, with the key, in one write. replayed says the rating
// was stored by an earlier attempt (f is then that rating).
func (h *Handlers) giveFeedback(ctx context.Context, card *domain.Card, f *domain.Feedback, k actionKey) (replayed bool, err error) {
	if err := f.Validate(); err != nil {
		return false, err
	}
	old, err := h.Repo.CardFeedbackBy(ctx, card.Code, k.Key, f.Phone, f.Rater)
	switch {
	case err == nil && k.Key != "" && old.Key == k.Key:
		if old.Request != k.Request {
			return false, domain.Errorf(domain.Unprocessable, "this Idempotency-Key was used for a different request")
		}
		*f = *old
		// A crash between the rating and its count leaves the count low: the retry
		// finishes what the first attempt began.
		if n := domain.CardRatingSlot(card.Code, old.ID); n > card.Ratings {
			if err := h.Repo.CountRatings(ctx, card.Code, n); err != nil {
				return false, err
			}
		}
		return true, nil
	case err == nil:
		return false, errRatedAlready
	case domain.ErrorCode(err) != domain.NotFound:
		return false, err
	}
	// A retry above is answered even once the card is closed; a new rating is not.
	if st := card.StateAt(h.Now()); st != domain.CardOpen {
		return false, domain.Errorf(domain.Gone, "this card takes no more ratings (%s)", st)
	}
	f.CardCode, f.AgencyID, f.InspectionID, f.CaseID, f.OfficerIDs, f.CreatedAt = card.Code, card.AgencyID, card.InspectionID, card.CaseID, card.OfficerIDs, h.Now()
	f.Key, f.Request = k.Key, k.Request
	for n := card.Ratings + 1; n <= card.MaxRatings; n++ {
		f.ID = domain.CardRatingID(card.Code, n)
		err := h.storeRating(ctx, f)
		if domain.ErrorCode(err) == domain.Conflict {
			continue // the slot was taken by a rating stored since the card was read
		}
		if err != nil {
			return false, err
		}
		return false, h.Repo.CountRatings(ctx, card.Code, n)
	}
	return false, domain.Errorf(domain.Conflict, "this card takes no more ratings")
}

// storeRating stores a rating, a card's or an enterprise's: the supervisory bodies over the
// agency hear of it through their own change logs, written first.
func (h *Handlers) storeRating(ctx context.Context, f *domain.Feedback) error {
	if err := h.tellBodies(ctx, f.AgencyID, "feedback", f.ID, 0); err != nil {
		return err
	}
	return h.Repo.AddFeedback(ctx, f)
}
