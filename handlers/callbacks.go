package handlers

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/zhifa/zhifa/domain"
)

// Callbacks (回访): listed and recorded by the supervisors, answered by the party on /r/{token}
// or in the enterprise app.

type callbackAnswerJSON struct {
	Satisfied bool      `json:"satisfied"`
	Notes     string    `json:"notes,omitempty"`
	Channel   string    `json:"channel"`
	By        string    `json:"by,omitempty"`
	At        time.Time `json:"at"`
}

type callbackJSON struct {
	ID         string              `json:"id"`
	AgencyID   string              `json:"agency_id"`
	CaseID     string              `json:"case_id"`
	CaseNumber string              `json:"case_number"`
	Matter     string              `json:"matter,omitempty"`
	OfficerIDs []string            `json:"officer_ids"`
	Trigger    string              `json:"trigger"`
	DueAt      time.Time           `json:"due_at"`
	State      string              `json:"state"`
	PartyKind  string              `json:"party_kind,omitempty"`
	PartyName  string              `json:"party_name,omitempty"`
	PartyPhone string              `json:"party_phone,omitempty"`
	PartyUSCC  string              `json:"party_uscc,omitempty"`
	URL        string              `json:"url,omitempty"`
	Answer     *callbackAnswerJSON `json:"answer,omitempty"`
	CreatedAt  time.Time           `json:"created_at"`
	Version    int64               `json:"version"`
}

// toCallbackJSON shows a callback to a supervisor (with the party and the page to send) or to
// the enterprise that is its party (without).
func (h *Handlers) toCallbackJSON(c *fiber.Ctx, cb *domain.Callback, supervisor bool) callbackJSON {
	j := callbackJSON{ID: cb.ID, AgencyID: cb.AgencyID, CaseID: cb.CaseID, CaseNumber: cb.CaseNumber, Matter: cb.MatterName, OfficerIDs: nonNilStrings(cb.OfficerIDs),
		Trigger: string(cb.Trigger), DueAt: cb.DueAt, State: string(cb.StateAt(h.Now())), CreatedAt: cb.CreatedAt, Version: cb.Version}
	if a := cb.Answer; a != nil {
		j.Answer = &callbackAnswerJSON{Satisfied: a.Satisfied, Notes: a.Notes, Channel: a.Channel, At: a.At}
		if supervisor {
			j.Answer.By = a.By
		}
	}
	if supervisor {
		j.PartyKind, j.PartyName, j.PartyPhone, j.PartyUSCC = cb.PartyKind, cb.PartyName, cb.PartyPhone, cb.PartyUSCC
		j.URL = h.publicBase() + "/r/" + h.callbackToken(cb.ID)
	}
	return j
}

// publicBase is the configured public address (api.New gives it a default): never the
// request's Host header, which whoever sends the request chooses.
func (h *Handlers) publicBase() string {
	return strings.TrimRight(h.PublicURL, "/")
}

// callbackToken is the secret of a callback's page: its id and a MAC of it, so that the page
// is found by the id and opened only by whoever was given the link.
func (h *Handlers) callbackToken(id string) string {
	mac := hmac.New(sha256.New, h.PrintKey)
	mac.Write([]byte("callback\x00" + id))
	return id + "." + base64.RawURLEncoding.EncodeToString(mac.Sum(nil)[:16])
}

// callbackOfToken is the id a token opens; NotFound when the token is not one of ours.
func (h *Handlers) callbackOfToken(token string) (string, error) {
	id, _, ok := strings.Cut(token, ".")
	if !ok || len(token) > 80 || !hmac.Equal([]byte(h.callbackToken(id)), []byte(token)) {
		return "", notFound("callback")
	}
	return id, nil
}

// ListCallbacks lists callbacks: a supervisor's, of the agencies covered (?agency_id=
// ?state=scheduled|due|answered ?satisfied=true|false ?from= ?to=); an enterprise's, of its
// own cases.
func (h *Handlers) ListCallbacks(c *fiber.Ctx) error {
	p := principal(c)
	pg, err := pageOf(c)
	if err != nil {
		return err
	}
	f := domain.CallbackFilter{State: domain.CallbackState(c.Query("state")), Now: h.Now()}
	fe := domain.FieldErrors{}
	switch f.State {
	case "", domain.CallbackScheduled, domain.CallbackDue, domain.CallbackAnswered:
	default:
		fe.Add("state", "scheduled, due or answered")
	}
	if s := c.Query("satisfied"); s != "" {
		v, err := strconv.ParseBool(s)
		if err != nil {
			fe.Add("satisfied", "true or false")
		}
		f.Satisfied = &v
	}
	f.From, f.To = dateRange(c, fe)
	if err := fe.Err(); err != nil {
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
		if f.AgencyIDs, err = h.agenciesCovered(ctx, body, c.Query("agency_id")); err != nil {
			return err
		}
		if len(f.AgencyIDs) == 0 {
			return c.JSON(listResponse[callbackJSON]{Items: []callbackJSON{}})
		}
	case p.Has(domain.RoleSysadmin):
		if want := c.Query("agency_id"); want != "" {
			f.AgencyIDs = []string{want}
		}
	default:
		e, err := h.callerEnterprise(ctx, p)
		if err != nil {
			return err
		}
		if e == nil {
			return forbidden("callbacks are the supervisors' and the enterprise's")
		}
		f.PartyUSCC, f.AgencyIDs = e.USCC, nil
	}
	list, next, err := h.Repo.ListCallbacks(ctx, f, pg)
	if err != nil {
		return err
	}
	out := listResponse[callbackJSON]{Items: make([]callbackJSON, len(list)), NextCursor: next}
	for i, cb := range list {
		out.Items[i] = h.toCallbackJSON(c, cb, body != nil || p.Has(domain.RoleSysadmin))
	}
	return c.JSON(out)
}

// scopedCallback loads the callback in the path for a supervisor covering its agency or the
// enterprise that is its party; NotFound for anyone else.
func (h *Handlers) scopedCallback(c *fiber.Ctx, ctx context.Context) (*domain.Callback, bool, error) {
	p := principal(c)
	cb, err := h.Repo.CallbackByID(ctx, c.Params("id"))
	if err != nil {
		return nil, false, err
	}
	if _, ok, err := h.supervises(ctx, p, cb.AgencyID); err != nil || ok {
		return cb, ok, err
	}
	if e, err := h.callerEnterprise(ctx, p); err != nil || e != nil && cb.PartyUSCC == e.USCC {
		return cb, false, err
	}
	return nil, false, notFound("callback")
}

// GetCallback reads one callback.
func (h *Handlers) GetCallback(c *fiber.Ctx) error {
	ctx, cancel := h.ctx(c)
	defer cancel()
	cb, supervisor, err := h.scopedCallback(c, ctx)
	if err != nil {
		return err
	}
	return c.JSON(h.toCallbackJSON(c, cb, supervisor))
}

type callbackResponseRequest struct {
	Satisfied *bool  `json:"satisfied"`
	Notes     string `json:"notes" limit:"2000"`
	Channel   string `json:"channel" limit:"16"`
}

// RespondCallback records the answer: a supervisor's phone call (channel phone), or the
// enterprise's own in the app.
func (h *Handlers) RespondCallback(c *fiber.Ctx) error {
	p := principal(c)
	var req callbackResponseRequest
	if err := Decode(c, &req); err != nil {
		return err
	}
	if req.Satisfied == nil {
		return &domain.Error{Code: domain.Invalid, Message: "say whether the party is satisfied", Fields: map[string]string{"satisfied": "true or false"}}
	}
	ctx, cancel := h.ctx(c)
	defer cancel()
	cb, supervisor, err := h.scopedCallback(c, ctx)
	if err != nil {
		return err
	}
	channel := "app"
	if supervisor {
		channel = req.Channel
		if channel == "" {
			channel = "phone"
		}
	}
	if a := cb.Answer; a != nil && a.By == p.UserID && a.Satisfied == *req.Satisfied && a.Notes == strings.TrimSpace(req.Notes) && a.Channel == channel {
		// The same answer by the same user: a retry of a request that got no answer.
		c.Set("Idempotent-Replayed", "true")
		return c.Status(fiber.StatusCreated).JSON(h.toCallbackJSON(c, cb, supervisor))
	}
	if err := h.answerCallback(ctx, cb, domain.CallbackAnswer{Satisfied: *req.Satisfied, Notes: req.Notes, Channel: channel, By: p.UserID, At: h.Now()}); err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(h.toCallbackJSON(c, cb, supervisor))
}

// answerCallback is the one operation behind the three ways to answer: record it, and tell
// the supervisors of an unsatisfied one through their logs first.
func (h *Handlers) answerCallback(ctx context.Context, cb *domain.Callback, a domain.CallbackAnswer) error {
	if err := cb.Respond(a); err != nil {
		return err
	}
	if !a.Satisfied {
		if err := h.tellBodies(ctx, cb.AgencyID, "callback", cb.ID, 0); err != nil {
			return err
		}
	}
	if err := h.Repo.UpdateCallback(ctx, cb); err != nil {
		if domain.ErrorCode(err) == domain.Conflict {
			return domain.Errorf(domain.Conflict, "the callback was answered already")
		}
		return err
	}
	return nil
}

// openCallback loads the callback a page's token names, or answers with the page that says
// why not.
func (h *Handlers) openCallback(c *fiber.Ctx, ctx context.Context) (*domain.Callback, error) {
	missing := func() error {
		return h.gone(c, fiber.StatusNotFound, "未找到该回访", "链接不完整或已失效，请核对短信或文书中的回访链接。")
	}
	id, err := h.callbackOfToken(c.Params("token"))
	if err != nil {
		return nil, missing()
	}
	cb, err := h.Repo.CallbackByID(ctx, id)
	if domain.ErrorCode(err) == domain.NotFound {
		return nil, missing()
	}
	if err != nil {
		return nil, err
	}
	if cb.Answer != nil {
		return nil, h.gone(c, fiber.StatusGone, "本案已完成回访", "感谢您的参与，本案的回访意见已经收到。")
	}
	return cb, nil
}

func (h *Handlers) callbackPageOf(ctx context.Context, cb *domain.Callback) (cardPage, error) {
	pg := cardPage{Title: "执法案件回访", Code: h.callbackToken(cb.ID), Matter: strings.TrimSpace(cb.MatterName + "（案件编号 " + cb.CaseNumber + "）"),
		Date: domain.ChinaDate(cb.CreatedAt).Format("2006年1月2日"), Errors: map[string]string{},
		Stars: []choice{{Value: "true", Label: "满意"}, {Value: "false", Label: "不满意"}}}
	a, err := h.Repo.AgencyByID(ctx, cb.AgencyID)
	if err != nil {
		return pg, err
	}
	pg.Agency = a.Name
	for _, id := range cb.OfficerIDs {
		u, err := h.Repo.UserByID(ctx, id)
		if err != nil {
			return pg, err
		}
		pg.Officers = append(pg.Officers, officerLine{Name: u.Name, Certificate: cmpOr(u.CertificateNo, "无")})
	}
	return pg, nil
}

func cmpOr(s, otherwise string) string {
	if s == "" {
		return otherwise
	}
	return s
}

// CallbackPage is the party's page of a callback.
func (h *Handlers) CallbackPage(c *fiber.Ctx) error {
	ctx, cancel := h.ctx(c)
	defer cancel()
	cb, err := h.openCallback(c, ctx)
	if cb == nil {
		return err
	}
	pg, err := h.callbackPageOf(ctx, cb)
	if err != nil {
		return err
	}
	nonce := domain.RandomToken(16)
	c.Cookie(&fiber.Cookie{Name: formCookie, Value: nonce, Path: "/r/", HTTPOnly: true, SameSite: fiber.CookieSameSiteStrictMode,
		Secure: c.Protocol() == "https", MaxAge: 3600})
	pg.Token = h.formToken("r:"+pg.Code, nonce)
	return h.render(c, fiber.StatusOK, "callback", pg)
}

// SubmitCallbackForm takes the page's answer, checked against the cookie like the card's.
func (h *Handlers) SubmitCallbackForm(c *fiber.Ctx) error {
	ctx, cancel := h.ctx(c)
	defer cancel()
	cb, err := h.openCallback(c, ctx)
	if cb == nil {
		return err
	}
	token := h.callbackToken(cb.ID)
	nonce := c.Cookies(formCookie)
	if nonce == "" || !hmac.Equal([]byte(c.FormValue("form_token")), []byte(h.formToken("r:"+token, nonce))) {
		return h.gone(c, fiber.StatusForbidden, "请重新打开页面", "页面已失效或不是从本站提交的，请重新打开回访链接。")
	}
	answer := domain.CallbackAnswer{Notes: c.FormValue("notes"), Channel: "web", At: h.Now()}
	sat := c.FormValue("satisfied")
	var err2 error
	if sat != "true" && sat != "false" {
		err2 = &domain.Error{Code: domain.Invalid, Message: "invalid", Fields: map[string]string{"satisfied": "请选择满意或不满意"}}
	} else {
		answer.Satisfied = sat == "true"
		err2 = h.answerCallback(ctx, cb, answer)
	}
	if err2 != nil {
		de, _ := err2.(*domain.Error)
		switch {
		case de != nil && de.Code == domain.Invalid:
			pg, perr := h.callbackPageOf(ctx, cb)
			if perr != nil {
				return perr
			}
			pg.Token, pg.Errors, pg.Comment = c.FormValue("form_token"), de.Fields, strings.TrimSpace(answer.Notes)
			for i := range pg.Stars {
				pg.Stars[i].Checked = pg.Stars[i].Value == sat
			}
			return h.render(c, fiber.StatusUnprocessableEntity, "callback", pg)
		case de != nil && de.Code == domain.Conflict:
			return h.gone(c, fiber.StatusGone, "本案已完成回访", "感谢您的参与，本案的回访意见已经收到。")
		}
		return err2
	}
	return h.render(c, fiber.StatusOK, "callback_thanks", cardPage{Title: "感谢您的回访意见", Serious: !answer.Satisfied})
}

type publicCallbackRequest struct {
	Satisfied *bool  `json:"satisfied"`
	Notes     string `json:"notes" limit:"2000"`
}

// SubmitCallback is the page's answer as JSON, for apps.
func (h *Handlers) SubmitCallback(c *fiber.Ctx) error {
	var req publicCallbackRequest
	if err := Decode(c, &req); err != nil {
		return err
	}
	if req.Satisfied == nil {
		return &domain.Error{Code: domain.Invalid, Message: "say whether you are satisfied", Fields: map[string]string{"satisfied": "true or false"}}
	}
	id, err := h.callbackOfToken(c.Params("token"))
	if err != nil {
		return err
	}
	ctx, cancel := h.ctx(c)
	defer cancel()
	cb, err := h.Repo.CallbackByID(ctx, id)
	if err != nil {
		return err
	}
	if cb.Answer != nil {
		return &domain.Error{Code: domain.Gone, Message: "the callback was answered already"}
	}
	if err := h.answerCallback(ctx, cb, domain.CallbackAnswer{Satisfied: *req.Satisfied, Notes: req.Notes, Channel: "web", At: h.Now()}); err != nil {
		if domain.ErrorCode(err) == domain.Conflict {
			return &domain.Error{Code: domain.Gone, Message: "the callback was answered already"}
		}
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(fiber.Map{"id": cb.ID, "received_at": cb.Answer.At})
}
