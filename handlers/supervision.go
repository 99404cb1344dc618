package handlers

import (
	"context"
	"slices"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/zhifa/zhifa/domain"
)

// Live supervision: the warnings the sweep keeps (notify.Sweeper), read by the supervisors of
// the bodies over an agency and by the agency's admin and head; and supervision orders (督办),
// issued by a supervisor, answered by the agency's admin, closed or sent back by the body.

type warningJSON struct {
	ID         string    `json:"id"`
	Kind       string    `json:"kind"`
	Level      string    `json:"level"`
	AgencyID   string    `json:"agency_id"`
	ObjectKind string    `json:"object_kind"`
	ObjectID   string    `json:"object_id"`
	Label      string    `json:"label"`
	Deadline   time.Time `json:"deadline"`
	// LastDay is the China day the deadline ends with.
	LastDay    Date      `json:"last_day"`
	YellowFrom time.Time `json:"yellow_from"`
	Alerted    bool      `json:"alerted"`
}

func toWarningJSON(w *domain.Warning, now time.Time) warningJSON {
	return warningJSON{ID: w.ID, Kind: string(w.Kind), Level: w.LevelAt(now), AgencyID: w.AgencyID, ObjectKind: w.ObjectKind, ObjectID: w.ObjectID,
		Label: w.Label, Deadline: w.Deadline, LastDay: Date{domain.ChinaDate(w.Deadline.Add(-time.Millisecond))}, YellowFrom: w.YellowAt,
		Alerted: w.AlertedFor.Equal(w.Deadline)}
}

// supervisionScope is the agencies whose warnings and orders the caller reads: a supervisor's
// covered ones (want narrows them), an agency's admin's or head's own; body is the caller's
// supervisory body, if any. Anyone else is refused.
func (h *Handlers) supervisionScope(ctx context.Context, p domain.Principal, want string) ([]string, *domain.Agency, error) {
	body, err := h.supervisingAgency(ctx, p)
	if err != nil {
		return nil, nil, err
	}
	if body != nil {
		ids, err := h.agenciesCovered(ctx, body, want)
		return ids, body, err
	}
	if ok, err := h.agencyLead(ctx, p); err != nil || !ok {
		return nil, nil, cmpErr(err, forbidden("warnings and supervision orders are read by the supervisors over an agency and by its admin and head"))
	}
	if want != "" && want != p.AgencyID {
		return nil, nil, notFound("agency")
	}
	return []string{p.AgencyID}, nil, nil
}

// agencyLead says whether the caller is the admin or the head (the deciding role) of an
// enforcement agency.
func (h *Handlers) agencyLead(ctx context.Context, p domain.Principal) (bool, error) {
	if p.AgencyID == "" || domain.IsEnterpriseID(p.AgencyID) {
		return false, nil
	}
	if p.Has(domain.RoleAgencyAdmin) {
		return true, nil
	}
	a, err := h.Repo.AgencyByID(ctx, p.AgencyID)
	if err != nil {
		return false, err
	}
	return p.Has(a.Decider()), nil
}

// cmpKinds is kinds, or every kind for nil.
func cmpKinds(kinds []domain.WarningKind) []domain.WarningKind {
	if kinds == nil {
		return domain.WarningKinds
	}
	return kinds
}

func cmpErr(err, otherwise error) error {
	if err != nil {
		return err
	}
	return otherwise
}

// ListWarnings lists the yellow and red warnings of the agencies in the caller's scope, the
// earliest deadline first: ?agency_id= ?level=yellow|red ?kind=.
func (h *Handlers) ListWarnings(c *fiber.Ctx) error {
	pg, err := pageOf(c)
	if err != nil {
		return err
	}
	f := domain.WarningFilter{Level: c.Query("level"), Now: h.Now()}
	kind := domain.WarningKind(c.Query("kind"))
	fe := domain.FieldErrors{}
	if kind != "" && !slices.Contains(domain.WarningKinds, kind) {
		fe.Add("kind", "decision, service, payment, complaint_accept, complaint_answer, rectification, callback or order")
	}
	if f.Level != "" && f.Level != domain.LevelYellow && f.Level != domain.LevelRed {
		fe.Add("level", "yellow or red")
	}
	if err := fe.Err(); err != nil {
		return err
	}
	ctx, cancel := h.ctx(c)
	defer cancel()
	var body *domain.Agency
	if f.AgencyIDs, body, err = h.supervisionScope(ctx, principal(c), c.Query("agency_id")); err != nil {
		return err
	}
	if body == nil {
		f.Kinds = domain.AgencyWarningKinds
	}
	if kind != "" {
		f.Kinds = slices.DeleteFunc(slices.Clone(cmpKinds(f.Kinds)), func(k domain.WarningKind) bool { return k != kind })
	}
	list, next, err := h.Repo.ListWarnings(ctx, f, pg)
	if err != nil {
		return err
	}
	if list, err = h.currentWarnings(ctx, list, f); err != nil {
		return err
	}
	out := listResponse[warningJSON]{Items: []warningJSON{}, NextCursor: next}
	for _, w := range list {
		out.Items = append(out.Items, toWarningJSON(w, f.Now))
	}
	return c.JSON(out)
}

// RedWarnings lists the red warnings of the agencies, the earliest deadline first, as their
// objects stand now: for the lists of what waits on a supervisor.
func (h *Handlers) RedWarnings(ctx context.Context, agencyIDs []string, p domain.Page) ([]*domain.Warning, string, error) {
	f := domain.WarningFilter{AgencyIDs: agencyIDs, Level: domain.LevelRed, Now: h.Now()}
	list, next, err := h.Repo.ListWarnings(ctx, f, p)
	if err != nil {
		return nil, "", err
	}
	list, err = h.currentWarnings(ctx, list, f)
	return list, next, err
}

// currentWarnings checks each listed warning against its object as it stands now, since the
// sweep that stored it: one whose step was done since is left out, one whose deadline moved
// (an extension) says the new one, and is left out when it no longer passes the filter. A page
// may come out shorter than its limit; its cursor stays the store's.
func (h *Handlers) currentWarnings(ctx context.Context, list []*domain.Warning, f domain.WarningFilter) ([]*domain.Warning, error) {
	r := h.WarningRules
	out := list[:0]
	for _, w := range list {
		var now []domain.Warning
		var err error
		switch w.ObjectKind {
		case "case":
			var c *domain.Case
			if c, err = h.Repo.CaseByID(ctx, w.ObjectID); err == nil {
				now = r.CaseWarnings(c)
			}
		case "complaint":
			var c *domain.Complaint
			if c, err = h.Repo.ComplaintByID(ctx, w.ObjectID); err == nil {
				now = r.ComplaintWarnings(c)
			}
		case "problem":
			var p *domain.Problem
			if p, err = h.Repo.ProblemByID(ctx, w.ObjectID); err == nil {
				now = r.ProblemWarnings(p)
			}
		case "callback":
			var cb *domain.Callback
			if cb, err = h.Repo.CallbackByID(ctx, w.ObjectID); err == nil {
				now = r.CallbackWarnings(cb)
			}
		case "order":
			var o *domain.SupervisionOrder
			if o, err = h.Repo.OrderByID(ctx, w.ObjectID); err == nil {
				now = r.OrderWarnings(o)
			}
		}
		if err != nil && domain.ErrorCode(err) != domain.NotFound {
			return nil, err
		}
		i := slices.IndexFunc(now, func(c domain.Warning) bool { return c.ID == w.ID && c.AgencyID == w.AgencyID })
		if i < 0 {
			continue
		}
		w.Deadline, w.YellowAt, w.Label = now[i].Deadline, now[i].YellowAt, now[i].Label
		if level := w.LevelAt(f.Now); level != "" && (f.Level == "" || level == f.Level) {
			out = append(out, w)
		}
	}
	return out, nil
}

// OpenOrders lists the orders not closed of an agency (agencyID) or issued by a body (bodyID).
func (h *Handlers) OpenOrders(ctx context.Context, agencyID, bodyID string, p domain.Page) ([]*domain.SupervisionOrder, string, error) {
	f := domain.OrderFilter{BodyID: bodyID, OpenOnly: true}
	if agencyID != "" {
		f.AgencyIDs = []string{agencyID}
	}
	return h.Repo.ListOrders(ctx, f, p)
}

type orderRequest struct {
	ObjectKind string `json:"object_kind" limit:"16"`
	ObjectID   string `json:"object_id" limit:"64"`
	Text       string `json:"text" limit:"8000"`
	Deadline   Date   `json:"deadline"`
}

type orderTransitionRequest struct {
	Action string `json:"action" limit:"16"`
	Text   string `json:"text" limit:"8000"`
}

type orderEventJSON struct {
	Seq    int       `json:"seq"`
	Action string    `json:"action"`
	Status string    `json:"status"`
	Text   string    `json:"text,omitempty"`
	By     string    `json:"by"`
	At     time.Time `json:"at"`
}

type orderJSON struct {
	ID         string `json:"id"`
	BodyID     string `json:"body_id"`
	AgencyID   string `json:"agency_id"`
	ObjectKind string `json:"object_kind"`
	ObjectID   string `json:"object_id"`
	// Label names the subject: 案件 number, the inspection's day, the complaint's category.
	Label      string           `json:"label"`
	Text       string           `json:"text"`
	Deadline   Date             `json:"deadline"`
	Status     string           `json:"status"`
	Overdue    bool             `json:"overdue"`
	Answer     string           `json:"answer,omitempty"`
	AnsweredAt *time.Time       `json:"answered_at,omitempty"`
	AnsweredBy string           `json:"answered_by,omitempty"`
	OnTime     *bool            `json:"answered_on_time,omitempty"`
	Events     []orderEventJSON `json:"events"`
	CreatedBy  string           `json:"created_by"`
	CreatedAt  time.Time        `json:"created_at"`
	UpdatedAt  time.Time        `json:"updated_at"`
	Version    int64            `json:"version"`
}

func toOrderJSON(o *domain.SupervisionOrder, now time.Time) orderJSON {
	j := orderJSON{ID: o.ID, BodyID: o.BodyID, AgencyID: o.AgencyID, ObjectKind: o.ObjectKind, ObjectID: o.ObjectID, Label: o.Label, Text: o.Text,
		Deadline: Date{o.Deadline}, Status: string(o.Status), Overdue: o.Status == domain.OrderOpen && !now.Before(o.DueAt()), Answer: o.Answer,
		AnsweredBy: o.AnsweredBy, Events: []orderEventJSON{}, CreatedBy: o.CreatedBy, CreatedAt: o.CreatedAt, UpdatedAt: o.UpdatedAt, Version: o.Version}
	if !o.AnsweredAt.IsZero() {
		t, on := o.AnsweredAt, o.AnsweredOnTime()
		j.AnsweredAt, j.OnTime = &t, &on
	}
	for _, e := range o.Events {
		j.Events = append(j.Events, orderEventJSON{Seq: e.Seq, Action: e.Action, Status: string(e.Status), Text: e.Text, By: e.By, At: e.At})
	}
	return j
}

// orderSubject finds what an order is about: its agency and the words that name it.
func (h *Handlers) orderSubject(ctx context.Context, kind, id string) (agencyID, label string, err error) {
	switch kind {
	case "case":
		cs, err := h.Repo.CaseByID(ctx, id)
		if err != nil {
			return "", "", err
		}
		label = cs.Number
		if label == "" {
			label = cs.ID
		}
		return cs.AgencyID, "案件 " + label, nil
	case "inspection":
		in, err := h.Repo.InspectionByID(ctx, id)
		if err != nil {
			return "", "", err
		}
		return in.AgencyID, domain.ChinaDate(in.PlannedOn).Format("2006年1月2日") + "的涉企检查", nil
	case "complaint":
		cp, err := h.Repo.ComplaintByID(ctx, id)
		if err != nil {
			return "", "", err
		}
		return cp.AgencyID, "投诉（" + cp.Category + "）", nil
	}
	return "", "", &domain.Error{Code: domain.Invalid, Message: "an order is about a case, an inspection or a complaint", Fields: map[string]string{"object_kind": "case, inspection or complaint"}}
}

// IssueOrder is a supervisor's order on a case, an inspection or a complaint of an agency the
// body covers. The agency's admins hear of it through the agency's log, written first.
func (h *Handlers) IssueOrder(c *fiber.Ctx) error {
	p := principal(c)
	var req orderRequest
	if err := Decode(c, &req); err != nil {
		return err
	}
	ctx, cancel := h.ctx(c)
	defer cancel()
	body, err := h.supervisingAgency(ctx, p)
	if err != nil {
		return err
	}
	if body == nil {
		return forbidden("supervision orders are issued by the supervisors of a supervisory body")
	}
	if req.ObjectID == "" {
		return &domain.Error{Code: domain.Invalid, Message: "name what the order is about", Fields: map[string]string{"object_id": "the case, inspection or complaint"}}
	}
	agencyID, label, err := h.orderSubject(ctx, req.ObjectKind, req.ObjectID)
	if err != nil {
		return err
	}
	if _, err := h.agenciesCovered(ctx, body, agencyID); domain.ErrorCode(err) == domain.NotFound {
		return notFound(req.ObjectKind) // outside the body's region: as if it did not exist
	} else if err != nil {
		return err
	}
	now := h.Now()
	k, err := keyOf(c)
	if err != nil {
		return err
	}
	id := domain.NewOrderID(now)
	if k.Key != "" {
		// A retry of an issue that got no answer (the server may have died after storing it)
		// finds the order its first attempt made.
		id = "k" + k.Key
		if old, err := h.Repo.OrderByID(ctx, id); err == nil && old.CreatedBy == p.UserID {
			if old.Request != k.Request {
				return domain.Errorf(domain.Unprocessable, "this Idempotency-Key was used for a different request")
			}
			c.Set("Idempotent-Replayed", "true")
			return created(c, "/v1/supervision/orders/"+old.ID, old.Version, toOrderJSON(old, now))
		} else if err != nil && domain.ErrorCode(err) != domain.NotFound {
			return err
		}
	}
	o := &domain.SupervisionOrder{ID: id, Request: k.Request, BodyID: body.ID, AgencyID: agencyID, ObjectKind: req.ObjectKind, ObjectID: req.ObjectID,
		Label: label, Text: req.Text, Deadline: req.Deadline.Time}
	if err := o.Issue(p.UserID, now); err != nil {
		return err
	}
	if err := h.Repo.RecordChange(ctx, &domain.Change{AgencyID: agencyID, Kind: "order", ObjectID: o.ID, EventSeq: 1}); err != nil {
		return err
	}
	if err := h.Repo.CreateOrder(ctx, o); err != nil {
		return err
	}
	return created(c, "/v1/supervision/orders/"+o.ID, o.Version, toOrderJSON(o, now))
}

// ListOrders lists the orders of the agencies in the caller's scope, in the order issued; the
// open and answered ones unless ?status= names one: ?status= ?agency_id=.
func (h *Handlers) ListOrders(c *fiber.Ctx) error {
	pg, err := pageOf(c)
	if err != nil {
		return err
	}
	f := domain.OrderFilter{Status: domain.OrderStatus(c.Query("status"))}
	switch f.Status {
	case "":
		f.OpenOnly = true
	case domain.OrderOpen, domain.OrderAnswered, domain.OrderClosed:
	default:
		return &domain.Error{Code: domain.Invalid, Message: "status is not valid", Fields: map[string]string{"status": "open, answered or closed"}}
	}
	ctx, cancel := h.ctx(c)
	defer cancel()
	if f.AgencyIDs, _, err = h.supervisionScope(ctx, principal(c), c.Query("agency_id")); err != nil {
		return err
	}
	list, next, err := h.Repo.ListOrders(ctx, f, pg)
	if err != nil {
		return err
	}
	now := h.Now()
	out := listResponse[orderJSON]{Items: []orderJSON{}, NextCursor: next}
	for _, o := range list {
		out.Items = append(out.Items, toOrderJSON(o, now))
	}
	return c.JSON(out)
}

// scopedOrder reads the order of the path when the caller may read it; NotFound otherwise.
func (h *Handlers) scopedOrder(c *fiber.Ctx, ctx context.Context) (*domain.SupervisionOrder, *domain.Agency, error) {
	o, err := h.Repo.OrderByID(ctx, c.Params("id"))
	if err != nil {
		return nil, nil, err
	}
	ids, body, err := h.supervisionScope(ctx, principal(c), "")
	if domain.ErrorCode(err) == domain.Forbidden || err == nil && !slices.Contains(ids, o.AgencyID) {
		return nil, nil, notFound("supervision order")
	}
	return o, body, err
}

// GetOrder reads an order.
func (h *Handlers) GetOrder(c *fiber.Ctx) error {
	ctx, cancel := h.ctx(c)
	defer cancel()
	o, _, err := h.scopedOrder(c, ctx)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderETag, etag(o.Version))
	return c.JSON(toOrderJSON(o, h.Now()))
}

// OrderTransition is a step of an order: the agency's admin answers it; a supervisor of the
// issuing body closes it or sends it back. Nobody answers their own order nor closes their own
// answer. The other side hears of it through its log, written before the step is stored.
func (h *Handlers) OrderTransition(c *fiber.Ctx) error {
	p := principal(c)
	var req orderTransitionRequest
	if err := Decode(c, &req); err != nil {
		return err
	}
	ctx, cancel := h.ctx(c)
	defer cancel()
	for attempt := 0; ; attempt++ {
		o, body, err := h.scopedOrder(c, ctx)
		if err != nil {
			return err
		}
		tell := o.AgencyID
		switch req.Action {
		case domain.OrderAnswer:
			if body != nil || !p.Has(domain.RoleAgencyAdmin) || p.AgencyID != o.AgencyID {
				return forbidden("the agency's admin answers its supervision orders")
			}
			if p.UserID == o.CreatedBy {
				return forbidden("nobody answers their own supervision order")
			}
			tell = o.BodyID
		case domain.OrderReturn, domain.OrderClose:
			if body == nil || body.ID != o.BodyID {
				return forbidden("a supervisor of the issuing body closes an order or sends it back")
			}
			if p.UserID == o.AnsweredBy {
				return forbidden("nobody closes or sends back their own answer")
			}
		}
		if m := c.Get(fiber.HeaderIfMatch); m != "" && m != etag(o.Version) {
			return domain.Errorf(domain.PreconditionFailed, "the order changed since you read it; reload it")
		}
		ev, err := o.Move(req.Action, req.Text, p.UserID, h.Now())
		if err != nil {
			return err
		}
		if err := h.Repo.RecordChange(ctx, &domain.Change{AgencyID: tell, Kind: "order", ObjectID: o.ID, EventSeq: ev.Seq}); err != nil {
			return err
		}
		err = h.Repo.UpdateOrder(ctx, o)
		if domain.ErrorCode(err) == domain.Conflict && attempt < lostRaceRetries && c.Get(fiber.HeaderIfMatch) == "" {
			continue // another step came first: decide again on what is stored
		}
		if err != nil {
			return err
		}
		c.Set(fiber.HeaderETag, etag(o.Version))
		return c.JSON(toOrderJSON(o, h.Now()))
	}
}
