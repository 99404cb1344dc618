package domain

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// Live supervision (网上监督预警): every deadline the law or a plan sets on an object of an
// agency is a warning, yellow for the last days before it and red once it has passed, until
// the step it waits for is done. The supervisory bodies over the agency see them and hear,
// once per deadline, when one turns red. A supervision order (督办) is a body's written demand
// on a case, an inspection or a complaint of an agency it covers: a text and a day by which
// the agency's admin answers; the body closes it or sends it back.

// WarningKind names the deadline a warning watches.
type WarningKind string

const (
	// WarnDecision: the decision within 90 days of registration (art. 60), as extended.
	WarnDecision WarningKind = "decision"
	// WarnService: the decision served within 7 days of it (art. 61).
	WarnService WarningKind = "service"
	// WarnPayment: a fine paid within 15 days of service (art. 67).
	WarnPayment WarningKind = "payment"
	// WarnComplaintAccept, WarnComplaintAnswer: a complaint accepted, then answered, within
	// the working days the supervision rules give.
	WarnComplaintAccept WarningKind = "complaint_accept"
	WarnComplaintAnswer WarningKind = "complaint_answer"
	// WarnRectification: a problem put right by its deadline day.
	WarnRectification WarningKind = "rectification"
	// WarnCallback: a due callback made within the days the rules give.
	WarnCallback WarningKind = "callback"
	// WarnOrder: a supervision order answered by its day.
	WarnOrder WarningKind = "order"
)

// WarningKinds lists the kinds, in the order of the procedure.
var WarningKinds = []WarningKind{WarnDecision, WarnService, WarnPayment, WarnComplaintAccept, WarnComplaintAnswer, WarnRectification, WarnCallback, WarnOrder}

// WarningKindNames are the kinds in words, for the supervisors' alerts.
var WarningKindNames = map[WarningKind]string{
	WarnDecision: "处罚决定期限", WarnService: "决定书送达期限", WarnPayment: "罚款缴纳期限", WarnComplaintAccept: "投诉受理期限",
	WarnComplaintAnswer: "投诉办理期限", WarnRectification: "整改期限", WarnCallback: "回访期限", WarnOrder: "督办办复期限",
}

// Warning levels.
const (
	LevelYellow = "yellow"
	LevelRed    = "red"
)

// WarningRules say how far ahead of its deadline each kind turns yellow, in days, and how
// long a due callback may wait.
type WarningRules struct {
	Lead         map[WarningKind]int
	CallbackDays int
}

// DefaultWarningRules: the decision DeadlineWarningDays ahead (as its alert), service and
// complaint acceptance 2 days, payment, answers, rectification and orders 3 days; a callback
// is yellow once due and red 7 days later.
var DefaultWarningRules = WarningRules{Lead: map[WarningKind]int{
	WarnDecision: DeadlineWarningDays, WarnService: 2, WarnPayment: 3, WarnComplaintAccept: 1, WarnComplaintAnswer: 3,
	WarnRectification: 3, WarnOrder: 2,
}, CallbackDays: 7}

// ServiceDays and PaymentDays are the periods of arts. 61 and 67, in China's calendar days
// counted from the day after the decision or the service (art. 85).
const (
	ServiceDays = 7
	PaymentDays = 15
)

// Warning is one deadline of one object, open until the step it waits for is done.
type Warning struct {
	ID         string
	Kind       WarningKind
	AgencyID   string
	ObjectKind string // case, complaint, problem, callback, order
	ObjectID   string
	// Label names the object: a case number, a problem's title, a complaint's category; never
	// a party's or a complainant's data (the alert's push transits a third party).
	Label    string
	Deadline time.Time // red from here
	YellowAt time.Time // yellow from here
	// AlertedFor is the deadline whose passing the supervisors were told of (zero: none yet).
	AlertedFor time.Time
	UpdatedAt  time.Time
}

// LevelAt is the warning's colour at now: "", yellow or red.
func (w *Warning) LevelAt(now time.Time) string {
	switch {
	case !now.Before(w.Deadline):
		return LevelRed
	case !now.Before(w.YellowAt):
		return LevelYellow
	}
	return ""
}

// AlertDue says whether the supervisors are still to hear that this deadline passed.
func (w *Warning) AlertDue(now time.Time) bool {
	return w.LevelAt(now) == LevelRed && !w.AlertedFor.Equal(w.Deadline)
}

// Same says whether two warnings say the same (the sweep writes only what changed).
func (w *Warning) Same(o *Warning) bool {
	return w.ID == o.ID && w.Kind == o.Kind && w.AgencyID == o.AgencyID && w.ObjectKind == o.ObjectKind && w.ObjectID == o.ObjectID &&
		w.Label == o.Label && w.Deadline.Equal(o.Deadline) && w.YellowAt.Equal(o.YellowAt)
}

// WarningID is the id of the warning of kind on an object: one per object and kind.
func WarningID(kind WarningKind, objectID string) string {
	sum := sha256.Sum256([]byte("warning\x00" + string(kind) + "\x00" + objectID))
	return hex.EncodeToString(sum[:12])
}

// ChinaDaysAfter is the end of the n-th China calendar day after t's day: the instant the next
// day begins. The day of t does not count (art. 85).
func ChinaDaysAfter(t time.Time, n int) time.Time {
	return Stamp(PlannedDayStart(ChinaDate(t)).AddDate(0, 0, n+1))
}

func (r WarningRules) warning(kind WarningKind, agencyID, objectKind, objectID, label string, deadline, yellowAt time.Time) Warning {
	if yellowAt.IsZero() {
		yellowAt = deadline.AddDate(0, 0, -r.Lead[kind])
	}
	return Warning{ID: WarningID(kind, objectID), Kind: kind, AgencyID: agencyID, ObjectKind: objectKind, ObjectID: objectID, Label: label,
		Deadline: Stamp(deadline), YellowAt: Stamp(yellowAt)}
}

// CaseWarnings are the open deadlines of a case: its decision while it is being decided, its
// service once decided, a fine's payment once served.
func (r WarningRules) CaseWarnings(c *Case) []Warning {
	label := c.Number
	if label == "" {
		label = c.ID
	}
	switch {
	case slices.Contains(OpenStatuses, c.Status) && !c.Deadline.IsZero():
		return []Warning{r.warning(WarnDecision, c.AgencyID, "case", c.ID, label, c.Deadline, time.Time{})}
	case c.Status == StatusDecided && !c.DecidedAt.IsZero():
		return []Warning{r.warning(WarnService, c.AgencyID, "case", c.ID, label, ChinaDaysAfter(c.DecidedAt, ServiceDays), time.Time{})}
	case c.Status == StatusServed && c.Execution == nil && c.Decision != nil && c.Decision.Fine > 0 && !c.ServedAt.IsZero():
		return []Warning{r.warning(WarnPayment, c.AgencyID, "case", c.ID, label, ChinaDaysAfter(c.ServedAt, PaymentDays), time.Time{})}
	}
	return nil
}

// ComplaintWarnings: a submitted complaint's acceptance, an accepted one's answer. The label
// is the category: the complainant is never named.
func (r WarningRules) ComplaintWarnings(c *Complaint) []Warning {
	switch {
	case c.Status == ComplaintSubmitted && !c.AcceptBy.IsZero():
		return []Warning{r.warning(WarnComplaintAccept, c.AgencyID, "complaint", c.ID, c.Category, c.AcceptBy, time.Time{})}
	case (c.Status == ComplaintAccepted || c.Status == ComplaintInvestigating) && !c.AnswerBy.IsZero():
		return []Warning{r.warning(WarnComplaintAnswer, c.AgencyID, "complaint", c.ID, c.Category, c.AnswerBy, time.Time{})}
	}
	return nil
}

// ProblemWarnings: an open problem's rectification by the end of its deadline day.
func (r WarningRules) ProblemWarnings(p *Problem) []Warning {
	if p.Status == ProblemClosed || p.Deadline.IsZero() {
		return nil
	}
	return []Warning{r.warning(WarnRectification, p.AgencyID, "problem", p.ID, p.Title, Stamp(PlannedDayStart(p.Deadline).AddDate(0, 0, 1)), time.Time{})}
}

// CallbackWarnings: an unanswered callback, yellow once due, red CallbackDays later.
func (r WarningRules) CallbackWarnings(cb *Callback) []Warning {
	if cb.Answer != nil || cb.DueAt.IsZero() {
		return nil
	}
	return []Warning{r.warning(WarnCallback, cb.AgencyID, "callback", cb.ID, cb.CaseNumber, cb.DueAt.AddDate(0, 0, r.CallbackDays), cb.DueAt)}
}

// OrderWarnings: an open supervision order's answer by the end of its day.
func (r WarningRules) OrderWarnings(o *SupervisionOrder) []Warning {
	if o.Status != OrderOpen {
		return nil
	}
	return []Warning{r.warning(WarnOrder, o.AgencyID, "order", o.ID, o.Label, o.DueAt(), time.Time{})}
}

// WarningFilter narrows ListWarnings; Level ("" both) is the colour at Now. Warnings not yet
// yellow are never listed.
type WarningFilter struct {
	AgencyIDs []string      // nil: any agency; empty: none
	Kinds     []WarningKind // nil: any kind; empty: none
	Level     string
	Now       time.Time
}

// AgencyWarningKinds are the kinds an agency's own people see: a callback is the supervisors'
// call to the party, whose progress the agency is not shown.
var AgencyWarningKinds = slices.DeleteFunc(slices.Clone(WarningKinds), func(k WarningKind) bool { return k == WarnCallback })

// WarningAlerts tells the supervisors of a body over the agency, once per deadline, that a
// warning turned red.
func WarningAlerts(w *Warning, agency *Agency, supervisors []string) []Alert {
	if len(supervisors) == 0 {
		return nil
	}
	label := fmt.Sprintf("%s：%s“%s”的%s已过（%s）", agency.Name, objectNames[w.ObjectKind], w.Label, WarningKindNames[w.Kind],
		ChinaDate(w.Deadline.Add(-time.Millisecond)).Format("2006年1月2日"))
	return []Alert{{Kind: KindWarningRed, Recipients: supervisors, ObjectKind: "warning", ObjectID: w.ID, Label: label,
		Key: "warning-red:" + w.ID + ":" + w.Deadline.UTC().Format(time.RFC3339Nano)}}
}

var objectNames = map[string]string{"case": "案件", "complaint": "投诉", "problem": "整改任务", "callback": "回访", "order": "督办事项", "inspection": "检查"}

// OrderStatus is where a supervision order stands.
type OrderStatus string

const (
	OrderOpen     OrderStatus = "open"     // waits for the agency's answer
	OrderAnswered OrderStatus = "answered" // waits for the body
	OrderClosed   OrderStatus = "closed"
)

// Order actions: issued by a supervisor, answered by the agency's admin, returned (sent back)
// or closed by a supervisor of the issuing body.
const (
	OrderIssue  = "issue"
	OrderAnswer = "answer"
	OrderReturn = "return"
	OrderClose  = "close"
)

// OrderSubjects are what an order may be about.
var OrderSubjects = []string{"case", "inspection", "complaint"}

// MaxOrderEvents bounds an order's history: answering and sending back cannot go on forever.
const MaxOrderEvents = 40

var orderMoves = map[string]struct {
	from OrderStatus
	to   OrderStatus
}{
	OrderAnswer: {OrderOpen, OrderAnswered},
	OrderReturn: {OrderAnswered, OrderOpen},
	OrderClose:  {OrderAnswered, OrderClosed},
}

// SupervisionOrder is one order (督办) and its history.
type SupervisionOrder struct {
	ID         string
	BodyID     string // the issuing supervisory body
	AgencyID   string
	ObjectKind string
	ObjectID   string
	Label      string // 案件 and its number, the inspection's day, 投诉 and its category
	Text       string
	Deadline   time.Time // the day, as a date field holds it
	Status     OrderStatus
	Answer     string
	AnsweredAt time.Time // the latest answer
	AnsweredBy string
	Events     []OrderEvent
	CreatedBy  string
	CreatedAt  time.Time
	UpdatedAt  time.Time
	Version    int64
	// Request is the hash of the issuing request, when it came with an Idempotency-Key: a retry
	// with the key finds the order by its id, and another request under the key is refused.
	Request string
}

// OrderEvent is one step: who did what, with the text given.
type OrderEvent struct {
	Seq    int
	Action string
	Status OrderStatus
	Text   string
	By     string
	At     time.Time
}

// DueAt is the instant the order's day ends.
func (o *SupervisionOrder) DueAt() time.Time {
	return Stamp(PlannedDayStart(o.Deadline).AddDate(0, 0, 1))
}

// AnsweredOnTime says whether the latest answer came by the order's day.
func (o *SupervisionOrder) AnsweredOnTime() bool {
	return o.Status != OrderOpen && !o.AnsweredAt.IsZero() && o.AnsweredAt.Before(o.DueAt())
}

// Issue checks a new order and makes it the first event.
func (o *SupervisionOrder) Issue(by string, now time.Time) error {
	f := FieldErrors{}
	if !slices.Contains(OrderSubjects, o.ObjectKind) {
		f.Add("object_kind", "case, inspection or complaint")
	}
	o.Text = strings.TrimSpace(o.Text)
	if utf8.RuneCountInString(o.Text) < 5 || !validText(o.Text, 2000) {
		f.Add("text", "5 to 2000 characters")
	}
	if o.Deadline.IsZero() {
		f.Add("deadline", "the day by which the agency answers")
	} else if o.Deadline.Before(ChinaDate(now)) {
		f.Add("deadline", "today or later (China time)")
	} else if o.Deadline.After(ChinaDate(now).AddDate(1, 0, 0)) {
		f.Add("deadline", "within a year")
	}
	if err := f.Err(); err != nil {
		return err
	}
	now = Stamp(now)
	o.Status, o.CreatedBy, o.CreatedAt, o.UpdatedAt = OrderOpen, by, now, now
	o.Events = []OrderEvent{{Seq: 1, Action: OrderIssue, Status: OrderOpen, Text: o.Text, By: by, At: now}}
	return nil
}

// Move applies an answer, a return or a closing with its text; Conflict when the status does
// not allow it, Invalid for an unknown action or a missing text (an answer and a return need
// one).
func (o *SupervisionOrder) Move(action, text, by string, now time.Time) (OrderEvent, error) {
	m, ok := orderMoves[action]
	if !ok {
		return OrderEvent{}, &Error{Code: Invalid, Message: "unknown action", Fields: map[string]string{"action": "answer, return or close"}}
	}
	text = strings.TrimSpace(text)
	if !validText(text, 2000) {
		return OrderEvent{}, &Error{Code: Invalid, Message: "the text is too long", Fields: map[string]string{"text": "at most 2000 characters"}}
	}
	if text == "" && action != OrderClose {
		return OrderEvent{}, &Error{Code: Invalid, Message: "an answer or a return says why", Fields: map[string]string{"text": "required to " + action}}
	}
	if o.Status != m.from {
		return OrderEvent{}, Errorf(Conflict, "cannot %s an order that is %s", action, o.Status)
	}
	if len(o.Events) >= MaxOrderEvents {
		return OrderEvent{}, Errorf(Conflict, "the order has as many steps as it may have; close it or issue another")
	}
	now = Stamp(now)
	if action == OrderAnswer {
		o.Answer, o.AnsweredAt, o.AnsweredBy = text, now, by
	}
	o.Status, o.UpdatedAt = m.to, now
	ev := OrderEvent{Seq: len(o.Events) + 1, Action: action, Status: m.to, Text: text, By: by, At: now}
	o.Events = append(o.Events, ev)
	return ev, nil
}

// OrderAlerts are the alerts of an order's step: the agency's admins hear of an issue, a
// return and a closing; the issuing body's supervisors of an answer. Nobody is told of their
// own step.
func OrderAlerts(o *SupervisionOrder, ev OrderEvent, body, agency *Agency, admins, supervisors []string) []Alert {
	users := admins
	label := fmt.Sprintf("%s对%s的督办事项", body.Name, o.Label)
	kind := KindOrderIssued
	switch ev.Action {
	case OrderIssue:
		label += "，办复期限" + o.Deadline.Format("2006年1月2日")
	case OrderReturn:
		kind = KindOrderReturned
	case OrderClose:
		kind = KindOrderClosed
	case OrderAnswer:
		kind, users = KindOrderAnswered, supervisors
		label = fmt.Sprintf("%s已办复%s", agency.Name, label)
	}
	users = slices.DeleteFunc(slices.Clone(users), func(u string) bool { return u == ev.By || u == "" })
	if len(users) == 0 {
		return nil
	}
	return []Alert{{Kind: kind, Recipients: users, ObjectKind: "order", ObjectID: o.ID, Label: label, Key: fmt.Sprintf("order:%s:%d", o.ID, ev.Seq)}}
}

// OrderFilter narrows ListOrders; zero fields do not filter.
type OrderFilter struct {
	AgencyIDs []string // nil: any agency; empty: none
	BodyID    string
	Status    OrderStatus
	OpenOnly  bool      // not closed
	DueFrom   time.Time // the order's day in [DueFrom, DueTo)
	DueTo     time.Time
}

// Supervision stores warnings, supervision orders and the lease of the sweep that keeps the
// warnings.
type Supervision interface {
	// PutWarning writes a warning, keeping when its red was alerted.
	PutWarning(ctx context.Context, w *Warning) error
	DeleteWarning(ctx context.Context, id string) error
	WarningByID(ctx context.Context, id string) (*Warning, error)
	// WarningsOfAgency lists every stored warning of an agency ("" for all), whatever its
	// level.
	WarningsOfAgency(ctx context.Context, agencyID string) ([]*Warning, error)
	// ListWarnings lists the yellow or red warnings, earliest deadline first.
	ListWarnings(ctx context.Context, f WarningFilter, p Page) ([]*Warning, string, error)
	// RedUnalerted lists, at most limit, red warnings whose supervisors were not told yet.
	RedUnalerted(ctx context.Context, now time.Time, limit int) ([]*Warning, error)
	// MarkAlerted records that the supervisors were told that deadline passed.
	MarkAlerted(ctx context.Context, id string, deadline time.Time) error
	// TakeLease gives holder the named lease until the given time when it is free, expired
	// at now, or holder's already; false when another holds it.
	TakeLease(ctx context.Context, name, holder string, now, until time.Time) (bool, error)

	CreateOrder(ctx context.Context, o *SupervisionOrder) error
	OrderByID(ctx context.Context, id string) (*SupervisionOrder, error)
	// UpdateOrder writes o when its stored version is o.Version; Conflict otherwise.
	UpdateOrder(ctx context.Context, o *SupervisionOrder) error
	// ListOrders lists orders in the order they were issued.
	ListOrders(ctx context.Context, f OrderFilter, p Page) ([]*SupervisionOrder, string, error)
}

// NewOrderID is a fresh id that sorts by time of issue.
func NewOrderID(now time.Time) string { return NewComplaintID(now) }

// ParseWarningLeads reads leads as kind=days pairs, comma-separated (decision=15,service=3);
// Invalid names the first bad pair.
func ParseWarningLeads(s string) (map[WarningKind]int, error) {
	out := map[WarningKind]int{}
	for _, pair := range strings.Split(s, ",") {
		pair = strings.TrimSpace(pair)
		if pair == "" {
			continue
		}
		k, v, ok := strings.Cut(pair, "=")
		var days int
		if _, err := fmt.Sscanf(strings.TrimSpace(v), "%d", &days); !ok || err != nil || days < 0 || days > 365 || !slices.Contains(WarningKinds, WarningKind(strings.TrimSpace(k))) {
			return nil, Errorf(Invalid, "%q is not a warning kind with its lead in days", pair)
		}
		out[WarningKind(strings.TrimSpace(k))] = days
	}
	return out, nil
}
