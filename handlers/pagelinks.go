package handlers

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/url"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/zhifa/zhifa/domain"
)

// Page links: a browser cannot send a bearer token on a plain link, so the supervisors'
// Chinese pages (the scorecards and a review round's report, ?format=html) open from a
// short-lived signed link the API hands out, like a document's print link. The link names one
// page with its query and the caller it was given to; it opens nothing else.

// PageLinkTTL is how long a page link opens its page.
const PageLinkTTL = 5 * time.Minute

type pageLink struct {
	UserID   string        `json:"u"`
	AgencyID string        `json:"a"`
	Roles    []domain.Role `json:"r"`
	Page     string        `json:"p"` // path and canonical query, without link
	Expires  int64         `json:"e"`
	Epoch    int64         `json:"ep,omitempty"`
}

func (h *Handlers) pageLinkMAC(payload []byte) []byte {
	mac := hmac.New(sha256.New, h.PrintKey)
	mac.Write([]byte("page-link\x00"))
	mac.Write(payload)
	return mac.Sum(nil)
}

// canonicalQuery is the request's query, sorted, without the link.
func canonicalQuery(c *fiber.Ctx) url.Values {
	q := url.Values{}
	c.Request().URI().QueryArgs().VisitAll(func(k, v []byte) { q.Add(string(k), string(v)) })
	q.Del("link")
	return q
}

// pageLinkTo answers with a signed link to path?query (format=html) for the caller.
func (h *Handlers) pageLinkTo(c *fiber.Ctx, path string, q url.Values) error {
	q.Set("format", "html")
	return h.signedLinkTo(c, path+"?"+q.Encode(), PageLinkTTL)
}

// signedLinkTo answers with a signed link to page (a path and its canonical query) for the
// caller, opening it for ttl.
func (h *Handlers) signedLinkTo(c *fiber.Ctx, page string, ttl time.Duration) error {
	p := principal(c)
	exp := h.Now().Add(ttl).UTC().Truncate(time.Second)
	payload, _ := json.Marshal(pageLink{UserID: p.UserID, AgencyID: p.AgencyID, Roles: p.Roles, Page: page, Expires: exp.Unix(), Epoch: p.Epoch})
	token := base64.RawURLEncoding.EncodeToString(payload) + "." + base64.RawURLEncoding.EncodeToString(h.pageLinkMAC(payload))
	sep := "&"
	if strings.HasSuffix(page, "?") {
		sep = ""
	}
	return c.Status(fiber.StatusCreated).JSON(fiber.Map{"url": page + sep + "link=" + token, "expires_at": exp})
}

// PlayLinkTTL is how long a play link opens an evidence's bytes: long enough to watch and
// seek in a recording of a whole visit.
const PlayLinkTTL = 2 * time.Hour

// EvidencePlayLink gives the caller a signed link to a complete evidence's bytes, for a
// browser's <video> or <img>, which send no bearer token but ask for ranges as they seek. Every
// range read through it is logged under the caller, as with the token.
func (h *Handlers) EvidencePlayLink(c *fiber.Ctx) error {
	ctx, cancel := h.ctx(c)
	defer cancel()
	e, _, err := h.readableEvidence(c, ctx)
	if err != nil {
		return err
	}
	if e.Status != domain.EvidenceComplete {
		return domain.Errorf(domain.Conflict, "the evidence is %s: it has no content to read", e.Status)
	}
	return h.signedLinkTo(c, "/v1/evidence/"+url.PathEscape(e.ID)+"/content?", PlayLinkTTL)
}

// ScorecardsLink gives a page link to the scorecards page of the period and agencies the query
// names (the same query as GET /v1/scorecards), for a supervisory body's user.
func (h *Handlers) ScorecardsLink(c *fiber.Ctx) error {
	ctx, cancel := h.ctx(c)
	defer cancel()
	if _, err := h.reviewBody(c, ctx); err != nil {
		return err
	}
	if _, _, err := scorecardPeriod(c); err != nil {
		return err
	}
	return h.pageLinkTo(c, "/v1/scorecards", canonicalQuery(c))
}

// ReviewReportLink gives a page link to a review round's report, for its body's users.
func (h *Handlers) ReviewReportLink(c *fiber.Ctx) error {
	ctx, cancel := h.ctx(c)
	defer cancel()
	r, err := h.scopedRound(c, ctx)
	if err != nil {
		return err
	}
	return h.pageLinkTo(c, "/v1/review-rounds/"+url.PathEscape(r.ID)+"/report", url.Values{})
}

// OpenPageLink lets a request carrying ?link= through as the user the link was given to, when
// the link is genuine, unexpired and names this very page; otherwise it answers with a page
// that says the link no longer opens.
func (h *Handlers) OpenPageLink(c *fiber.Ctx) error {
	token := c.Query("link")
	payload, sig, ok := strings.Cut(token, ".")
	raw, err1 := base64.RawURLEncoding.DecodeString(payload)
	got, err2 := base64.RawURLEncoding.DecodeString(sig)
	var l pageLink
	if !ok || err1 != nil || err2 != nil || !hmac.Equal(got, h.pageLinkMAC(raw)) || json.Unmarshal(raw, &l) != nil ||
		l.Page != c.Path()+"?"+canonicalQuery(c).Encode() {
		return h.gone(c, fiber.StatusNotFound, "链接无效", "该链接无法打开本页面，请回到应用重新打开。")
	}
	if h.Now().Unix() > l.Expires {
		return h.gone(c, fiber.StatusGone, "链接已过期", "该链接的有效期已过，请回到应用重新打开。")
	}
	SetPrincipal(c, domain.Principal{UserID: l.UserID, AgencyID: l.AgencyID, Roles: l.Roles, Epoch: l.Epoch})
	c.Set(fiber.HeaderCacheControl, "no-store")
	c.Set(fiber.HeaderReferrerPolicy, "no-referrer")
	// The person is let in as they stand now: a link given before they were disabled opens
	// nothing.
	return h.Admit(c)
}
