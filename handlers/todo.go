package handlers

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/zhifa/zhifa/domain"
)

// To-do lists (待办): what waits on each person, in groups with a count and the first items,
// each a link to the object in the API. A group reads its count and its first items in a few
// queries, scoped as the lists it stands for are.

type todoItem struct {
	ID    string     `json:"id"`
	Title string     `json:"title"`
	Link  string     `json:"link"`
	Due   *time.Time `json:"due,omitempty"`
}

type todoGroup struct {
	Kind  string `json:"kind"`
	Label string `json:"label"`
	Count int    `json:"count"`
	// More says the count stopped at domain.TodoCountCap.
	More  bool       `json:"more,omitempty"`
	Items []todoItem `json:"items"`
	// Link is the list the group stands for.
	Link string `json:"link,omitempty"`
}

type todoResponse struct {
	Total  int         `json:"total"`
	Groups []todoGroup `json:"groups"`
}

// todoCaller is what the sources know of the caller, read once per request.
type todoCaller struct {
	p          domain.Principal
	agency     *domain.Agency     // an agency member's agency
	body       *domain.Agency     // a supervisor's supervisory body
	covered    []string           // the agencies the body covers
	enterprise *domain.Enterprise // an enterprise user's active enterprise
	now        time.Time
	limit      int
}

// todoSource is one group of the to-do list: applies says whether the caller has it, load
// counts it and reads its first c.limit items.
type todoSource struct {
	kind, label string
	applies     func(c *todoCaller) bool
	load        func(h *Handlers, ctx context.Context, c *todoCaller) (int, []todoItem, string, error)
}

// todoSources are the groups, in the order the list shows them.
var todoSources = []todoSource{
	{"decisions", "待作出处罚决定", isDecider, (*Handlers).todoDecisions},
	{"reviews", "待法制审核", hasRole(domain.RoleReviewer), (*Handlers).todoReviews},
	{"services", "待送达", hasRole(domain.RoleOfficer), (*Handlers).todoServices},
	{"pending_evidence", "证据待上传", hasRole(domain.RoleOfficer), (*Handlers).todoPendingEvidence},
	{"inspections_today", "今日检查", hasRole(domain.RoleOfficer), (*Handlers).todoInspectionsToday},
	{"expiring_certificates", "执法证即将到期", hasRole(domain.RoleAgencyAdmin), (*Handlers).todoExpiringCertificates},
	{"problems", "整改任务", hasRole(domain.RoleAgencyAdmin), (*Handlers).todoProblems},
	{"push_failures", "推送失败", hasRole(domain.RoleAgencyAdmin), (*Handlers).todoPushFailures},
	{"training_shortfall", "培训学时不足", hasRole(domain.RoleAgencyAdmin), (*Handlers).todoTraining},
	{"registrations", "企业注册待审核", isSupervisor, (*Handlers).todoRegistrations},
	{"complaints_to_accept", "投诉待受理", isSupervisor, (*Handlers).todoComplaintsToAccept},
	{"callbacks_due", "待回访", isSupervisor, (*Handlers).todoCallbacksDue},
	{"bad_ratings", "差评待核查", isSupervisor, (*Handlers).todoBadRatings},
	{"red_warnings", "红色预警", isSupervisor, (*Handlers).todoRedWarnings},
	{"orders_answered", "督办事项待审核", isSupervisor, (*Handlers).todoOrdersAnswered},
	{"orders_to_answer", "督办事项待办复", hasRole(domain.RoleAgencyAdmin), (*Handlers).todoOrdersToAnswer},
	{"callbacks_to_answer", "待评价的执法回访", isEnterprise, (*Handlers).todoCallbacksToAnswer},
	{"complaint_replies", "投诉答复", isEnterprise, (*Handlers).todoComplaintReplies},
}

// todoLimit is how many items a group shows unless ?limit= says otherwise (at most
// maxTodoLimit).
const (
	todoLimit    = 5
	maxTodoLimit = 20
	// reviewScan bounds the cases in review of an agency looked at for one reviewer's.
	reviewScan = domain.MaxPageLimit
	// badRatingDays is how far back bad ratings wait to be looked into.
	badRatingDays = 30
	// replyDays is how long an answered complaint stays on the enterprise's list.
	replyDays = 30
)

func hasRole(r domain.Role) func(*todoCaller) bool {
	return func(c *todoCaller) bool { return c.agency != nil && c.p.Has(r) }
}

func isDecider(c *todoCaller) bool { return c.agency != nil && c.p.Has(c.agency.Decider()) }

func isSupervisor(c *todoCaller) bool { return c.body != nil }

func isEnterprise(c *todoCaller) bool { return c.enterprise != nil }

// Todo answers the caller's to-do list.
func (h *Handlers) Todo(c *fiber.Ctx) error {
	limit := todoLimit
	if s := c.Query("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 || n > maxTodoLimit {
			return &domain.Error{Code: domain.Invalid, Message: "limit is not valid", Fields: map[string]string{"limit": fmt.Sprintf("a whole number from 0 to %d", maxTodoLimit)}}
		}
		limit = n
	}
	ctx, cancel := h.ctx(c)
	defer cancel()
	caller, err := h.todoCallerOf(c, ctx, limit)
	if err != nil {
		return err
	}
	out := todoResponse{Groups: []todoGroup{}}
	for _, s := range todoSources {
		if !s.applies(caller) {
			continue
		}
		n, items, link, err := s.load(h, ctx, caller)
		if err != nil {
			return err
		}
		if len(items) > limit {
			items = items[:limit]
		}
		out.Groups = append(out.Groups, todoGroup{Kind: s.kind, Label: s.label, Count: n, More: n >= domain.TodoCountCap, Items: items, Link: link})
		out.Total += n
	}
	return c.JSON(out)
}

func (h *Handlers) todoCallerOf(c *fiber.Ctx, ctx context.Context, limit int) (*todoCaller, error) {
	p := principal(c)
	caller := &todoCaller{p: p, now: h.Now(), limit: limit}
	var err error
	switch {
	case p.Has(domain.RoleEnterprise):
		caller.enterprise, err = h.callerEnterprise(ctx, p)
		return caller, err
	case p.AgencyID == "":
		return caller, nil
	}
	s, ok := admitted(c, p.UserID)
	if !ok {
		if s, err = h.standing(ctx, p.UserID); err != nil {
			return nil, err
		}
	}
	if s.Agency == nil || s.Agency.Status != domain.AgencyActive {
		return caller, nil
	}
	if s.Agency.KindOrDefault() != domain.AgencySupervisory {
		caller.agency = s.Agency
		return caller, nil
	}
	if p.Has(domain.RoleSupervisor) {
		caller.body = s.Agency
		if caller.covered, err = h.agenciesCovered(ctx, s.Agency, ""); err != nil {
			return nil, err
		}
	}
	return caller, nil
}

func (h *Handlers) caseItems(ctx context.Context, f domain.CaseFilter, limit int, due func(*domain.Case) time.Time) ([]todoItem, error) {
	if limit == 0 {
		return []todoItem{}, nil
	}
	list, _, err := h.Repo.ListCases(ctx, f, domain.Page{Limit: limit})
	if err != nil {
		return nil, err
	}
	items := make([]todoItem, len(list))
	for i, cs := range list {
		items[i] = caseTodo(cs)
		if d := due(cs); !d.IsZero() {
			items[i].Due = &d
		}
	}
	return items, nil
}

// decisionDue is when a case's decision is due (art. 60, with its extensions).
func decisionDue(cs *domain.Case) time.Time { return cs.Deadline }

// serviceDue is when a decision is due to be served (art. 61: within 7 days).
func serviceDue(cs *domain.Case) time.Time {
	if cs.DecidedAt.IsZero() {
		return time.Time{}
	}
	return cs.DecidedAt.AddDate(0, 0, 7)
}

func caseTodo(cs *domain.Case) todoItem {
	return todoItem{ID: cs.ID, Title: "案件 " + caseLabel(cs), Link: "/v1/cases/" + cs.ID}
}

func caseLabel(cs *domain.Case) string {
	if cs.Number != "" {
		return cs.Number
	}
	return cs.ID
}

// countAndCases is a case group: its count and first items.
func (h *Handlers) countAndCases(ctx context.Context, f domain.CaseFilter, limit int, link string, due func(*domain.Case) time.Time) (int, []todoItem, string, error) {
	n, err := h.Repo.CountCases(ctx, f)
	if err != nil || n == 0 {
		return n, []todoItem{}, link, err
	}
	items, err := h.caseItems(ctx, f, limit, due)
	return n, items, link, err
}

// todoDecisions: the cases that wait for the head's decision: those whose legal review passed,
// and those notified whose party's chance to answer is over and that the catalog sends to no
// review (of these, at most reviewScan notified cases are looked at).
func (h *Handlers) todoDecisions(ctx context.Context, c *todoCaller) (int, []todoItem, string, error) {
	n, items, link, err := h.countAndCases(ctx, domain.CaseFilter{AgencyID: c.agency.ID, Status: domain.StatusReviewed}, c.limit, "", decisionDue)
	if err != nil {
		return 0, nil, "", err
	}
	notified, _, err := h.Repo.ListCases(ctx, domain.CaseFilter{AgencyID: c.agency.ID, Status: domain.StatusNotified}, domain.Page{Limit: reviewScan})
	if err != nil || len(notified) == 0 {
		return n, items, link, err
	}
	rules, err := h.Repo.ReviewRules(ctx, c.agency.ID)
	if err != nil {
		return 0, nil, "", err
	}
	for _, cs := range notified {
		if cs.AwaitsDecision(c.now, rules) {
			n++
			it := caseTodo(cs)
			if d := decisionDue(cs); !d.IsZero() {
				it.Due = &d
			}
			items = append(items, it)
		}
	}
	return n, items, link, nil
}

// todoReviews: the cases in legal review that name the caller as the reviewer.
func (h *Handlers) todoReviews(ctx context.Context, c *todoCaller) (int, []todoItem, string, error) {
	list, _, err := h.Repo.ListCases(ctx, domain.CaseFilter{AgencyID: c.agency.ID, Status: domain.StatusReview}, domain.Page{Limit: reviewScan})
	if err != nil {
		return 0, nil, "", err
	}
	items := []todoItem{}
	for _, cs := range list {
		if cs.ReviewerID == c.p.UserID {
			it := caseTodo(cs)
			if d := decisionDue(cs); !d.IsZero() {
				it.Due = &d
			}
			items = append(items, it)
		}
	}
	return len(items), items, "/v1/cases?status=review", nil
}

// todoServices: the caller's decided cases, to be served (art. 61: within 7 days).
func (h *Handlers) todoServices(ctx context.Context, c *todoCaller) (int, []todoItem, string, error) {
	return h.countAndCases(ctx, domain.CaseFilter{AgencyID: c.agency.ID, Status: domain.StatusDecided, OfficerID: c.p.UserID}, c.limit,
		"/v1/cases?status=decided&officer_id="+c.p.UserID, serviceDue)
}

// todoPendingEvidence: evidence the caller recorded whose bytes have not all arrived.
func (h *Handlers) todoPendingEvidence(ctx context.Context, c *todoCaller) (int, []todoItem, string, error) {
	n, list, err := h.Repo.PendingEvidence(ctx, c.agency.ID, c.p.UserID, c.limit)
	if err != nil {
		return 0, nil, "", err
	}
	items := make([]todoItem, len(list))
	for i, e := range list {
		title := "证据 " + e.ID
		if e.FileName != "" {
			title = "证据 " + e.FileName
		}
		items[i] = todoItem{ID: e.ID, Title: title, Link: "/v1/evidence/" + e.ID}
	}
	return n, items, "", nil
}

// todoInspectionsToday: the caller's inspections planned for today, China's day.
func (h *Handlers) todoInspectionsToday(ctx context.Context, c *todoCaller) (int, []todoItem, string, error) {
	list, err := h.Repo.InspectionsPlannedOn(ctx, c.agency.ID, chinaToday(c.now))
	if err != nil {
		return 0, nil, "", err
	}
	items := []todoItem{}
	for _, in := range list {
		if slices.Contains(in.OfficerIDs, c.p.UserID) {
			items = append(items, todoItem{ID: in.ID, Title: "检查 " + in.EnterpriseName, Link: "/v1/inspections/" + in.ID})
		}
	}
	return len(items), items, "/v1/inspections", nil
}

// todoExpiringCertificates: the agency's certificates that expire within 30 days.
func (h *Handlers) todoExpiringCertificates(ctx context.Context, c *todoCaller) (int, []todoItem, string, error) {
	today := chinaToday(c.now)
	n, list, err := h.Repo.ExpiringCertificates(ctx, c.agency.ID, today, today.AddDate(0, 0, domain.CertificateWarningDays), c.limit)
	if err != nil {
		return 0, nil, "", err
	}
	items := make([]todoItem, len(list))
	for i, cert := range list {
		due := endOfDay(cert.ExpiresOn)
		items[i] = todoItem{ID: cert.OfficerID, Title: "执法证 " + cert.Number + " 于 " + chinaDay(cert.ExpiresOn) + " 到期",
			Link: "/v1/officers/" + cert.OfficerID, Due: &due}
	}
	return n, items, "", nil
}

// todoProblems: the agency's rectification tasks still open.
func (h *Handlers) todoProblems(ctx context.Context, c *todoCaller) (int, []todoItem, string, error) {
	f := domain.ProblemFilter{AgencyIDs: []string{c.agency.ID}, OpenOnly: true}
	n, err := h.Repo.CountProblems(ctx, f)
	if err != nil || n == 0 || c.limit == 0 {
		return n, []todoItem{}, "/v1/problems?open=true", err
	}
	list, _, err := h.Repo.ListProblems(ctx, f, domain.Page{Limit: c.limit})
	if err != nil {
		return 0, nil, "", err
	}
	items := make([]todoItem, len(list))
	for i, pr := range list {
		due := endOfDay(pr.Deadline)
		items[i] = todoItem{ID: pr.ID, Title: "整改任务 " + pr.Title, Link: "/v1/problems/" + pr.ID, Due: &due}
	}
	return n, items, "/v1/problems?open=true", nil
}

// todoPushFailures: the agency's notifications whose push failed.
func (h *Handlers) todoPushFailures(ctx context.Context, c *todoCaller) (int, []todoItem, string, error) {
	const link = "/v1/notifications/failures"
	n, err := h.Repo.CountPushFailures(ctx, c.agency.ID)
	if err != nil || n == 0 || c.limit == 0 {
		return n, []todoItem{}, link, err
	}
	list, _, err := h.Repo.PushFailures(ctx, c.agency.ID, domain.Page{Limit: c.limit})
	if err != nil {
		return 0, nil, "", err
	}
	items := make([]todoItem, len(list))
	for i, nt := range list {
		items[i] = todoItem{ID: nt.ID, Title: "推送失败：" + nt.Title, Link: link}
	}
	return n, items, link, nil
}

// todoTraining: the agency's officers below the year's training plan (as GET
// /v1/training/shortfall).
func (h *Handlers) todoTraining(ctx context.Context, c *todoCaller) (int, []todoItem, string, error) {
	list, err := h.shortfalls(ctx, c.agency.ID, c.now.In(chinaTime).Year())
	if err != nil {
		return 0, nil, "", err
	}
	items := make([]todoItem, 0, min(len(list), c.limit))
	for _, s := range list[:min(len(list), c.limit)] {
		items = append(items, todoItem{ID: s.OfficerID, Title: fmt.Sprintf("%s 尚差 %g 学时", s.Name, s.Shortfall), Link: "/v1/officers/" + s.OfficerID + "/training"})
	}
	return len(list), items, "/v1/training/shortfall", nil
}

// todoRegistrations: the registrations of the body's region waiting for activation.
func (h *Handlers) todoRegistrations(ctx context.Context, c *todoCaller) (int, []todoItem, string, error) {
	const link = "/v1/enterprises?status=pending"
	f := domain.EnterpriseFilter{RegionID: c.body.RegionID, Status: domain.EnterprisePending}
	n, err := h.Repo.CountEnterprises(ctx, f)
	if err != nil || n == 0 || c.limit == 0 {
		return n, []todoItem{}, link, err
	}
	list, _, err := h.Repo.ListEnterprises(ctx, f, domain.Page{Limit: c.limit})
	if err != nil {
		return 0, nil, "", err
	}
	items := make([]todoItem, len(list))
	for i, e := range list {
		items[i] = todoItem{ID: e.ID, Title: "企业注册 " + e.Name, Link: "/v1/enterprises/" + e.ID}
	}
	return n, items, link, nil
}

// complaintGroup counts the complaints of f and reads the first.
func (h *Handlers) complaintGroup(ctx context.Context, f domain.ComplaintFilter, limit int, title func(*domain.Complaint) string) (int, []todoItem, error) {
	n, err := h.Repo.CountComplaints(ctx, f)
	if err != nil || n == 0 || limit == 0 {
		return n, []todoItem{}, err
	}
	list, _, err := h.Repo.ListComplaints(ctx, f, domain.Page{Limit: limit})
	if err != nil {
		return 0, nil, err
	}
	items := make([]todoItem, len(list))
	for i, cp := range list {
		items[i] = todoItem{ID: cp.ID, Title: title(cp), Link: "/v1/complaints/" + cp.ID}
		if !cp.AcceptBy.IsZero() && cp.Status == domain.ComplaintSubmitted {
			due := cp.AcceptBy
			items[i].Due = &due
		}
	}
	return n, items, nil
}

// todoComplaintsToAccept: complaints about the agencies the body covers, not yet accepted.
func (h *Handlers) todoComplaintsToAccept(ctx context.Context, c *todoCaller) (int, []todoItem, string, error) {
	const link = "/v1/complaints?status=submitted"
	if len(c.covered) == 0 {
		return 0, []todoItem{}, link, nil
	}
	n, items, err := h.complaintGroup(ctx, domain.ComplaintFilter{AgencyIDs: c.covered, Status: domain.ComplaintSubmitted}, c.limit,
		func(cp *domain.Complaint) string { return "投诉 " + h.names().agency(ctx, cp.AgencyID) })
	return n, items, link, err
}

// callbackGroup counts the callbacks of f and reads the first.
func (h *Handlers) callbackGroup(ctx context.Context, f domain.CallbackFilter, limit int) (int, []todoItem, error) {
	n, err := h.Repo.CountCallbacks(ctx, f)
	if err != nil || n == 0 || limit == 0 {
		return n, []todoItem{}, err
	}
	list, _, err := h.Repo.ListCallbacks(ctx, f, domain.Page{Limit: limit})
	if err != nil {
		return 0, nil, err
	}
	items := make([]todoItem, len(list))
	for i, cb := range list {
		due := cb.DueAt
		items[i] = todoItem{ID: cb.ID, Title: "回访 案件 " + cb.CaseNumber, Link: "/v1/callbacks/" + cb.ID, Due: &due}
	}
	return n, items, nil
}

// todoCallbacksDue: callbacks of the covered agencies' cases that are due and unanswered.
func (h *Handlers) todoCallbacksDue(ctx context.Context, c *todoCaller) (int, []todoItem, string, error) {
	const link = "/v1/callbacks?state=due"
	if len(c.covered) == 0 {
		return 0, []todoItem{}, link, nil
	}
	n, items, err := h.callbackGroup(ctx, domain.CallbackFilter{AgencyIDs: c.covered, State: domain.CallbackDue, Now: c.now}, c.limit)
	return n, items, link, err
}

// todoBadRatings: ratings of two stars or fewer of the covered agencies in the last 30 days.
func (h *Handlers) todoBadRatings(ctx context.Context, c *todoCaller) (int, []todoItem, string, error) {
	const link = "/v1/feedback?max_rating=2"
	if len(c.covered) == 0 {
		return 0, []todoItem{}, link, nil
	}
	f := domain.FeedbackFilter{AgencyIDs: c.covered, MaxRating: 2, From: c.now.AddDate(0, 0, -badRatingDays)}
	n, err := h.Repo.CountFeedback(ctx, f)
	if err != nil || n == 0 || c.limit == 0 {
		return n, []todoItem{}, link, err
	}
	list, _, err := h.Repo.ListFeedback(ctx, f, domain.Page{Limit: c.limit})
	if err != nil {
		return 0, nil, "", err
	}
	items := make([]todoItem, len(list))
	for i, fb := range list {
		items[i] = todoItem{ID: fb.ID, Title: fmt.Sprintf("%s 收到 %d 星评价", h.names().agency(ctx, fb.AgencyID), fb.Rating), Link: link}
	}
	return n, items, link, nil
}

// todoCallbacksToAnswer: the enterprise's callbacks that are due and unanswered.
func (h *Handlers) todoCallbacksToAnswer(ctx context.Context, c *todoCaller) (int, []todoItem, string, error) {
	n, items, err := h.callbackGroup(ctx, domain.CallbackFilter{PartyUSCC: c.enterprise.USCC, State: domain.CallbackDue, Now: c.now}, c.limit)
	return n, items, "/v1/callbacks?state=due", err
}

// todoComplaintReplies: the enterprise's complaints answered (resolved or not accepted) in the
// last 30 days of their filing.
func (h *Handlers) todoComplaintReplies(ctx context.Context, c *todoCaller) (int, []todoItem, string, error) {
	total, all := 0, []todoItem{}
	for _, st := range []domain.ComplaintStatus{domain.ComplaintResolved, domain.ComplaintRejected} {
		f := domain.ComplaintFilter{EnterpriseID: c.enterprise.ID, Status: st, From: c.now.AddDate(0, 0, -replyDays)}
		n, items, err := h.complaintGroup(ctx, f, c.limit-len(all), func(cp *domain.Complaint) string {
			return "投诉已答复：" + domain.ComplaintStatusNames[cp.Status]
		})
		if err != nil {
			return 0, nil, "", err
		}
		total += n
		all = append(all, items...)
	}
	return total, all, "/v1/complaints", nil
}

// chinaDay is the day of t in China, as a person reads it.
func chinaDay(t time.Time) string { return t.In(chinaTime).Format("2006-01-02") }

// chinaToday is China's day of now as dates are stored: midnight UTC of that date.
func chinaToday(now time.Time) time.Time {
	y, m, d := now.In(chinaTime).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// countPaged counts what list pages through, up to domain.TodoCountCap.
func countPaged[T any](ctx context.Context, list func(context.Context, domain.Page) ([]T, string, error)) (int, error) {
	n, pg := 0, domain.Page{Limit: domain.MaxPageLimit}
	for n < domain.TodoCountCap {
		items, next, err := list(ctx, pg)
		if err != nil {
			return 0, err
		}
		n += len(items)
		if next == "" {
			break
		}
		pg.Cursor = next
	}
	return min(n, domain.TodoCountCap), nil
}

// todoRedWarnings: the deadlines passed in the agencies the supervisor's body covers, as the
// sweep stored them; the items shown are checked against their objects as they stand.
func (h *Handlers) todoRedWarnings(ctx context.Context, c *todoCaller) (int, []todoItem, string, error) {
	const link = "/v1/supervision/warnings?level=red"
	f := domain.WarningFilter{AgencyIDs: c.covered, Level: domain.LevelRed, Now: c.now}
	n, err := countPaged(ctx, func(ctx context.Context, pg domain.Page) ([]*domain.Warning, string, error) {
		return h.Repo.ListWarnings(ctx, f, pg)
	})
	if err != nil || n == 0 || c.limit == 0 {
		return n, []todoItem{}, link, err
	}
	list, _, err := h.RedWarnings(ctx, c.covered, domain.Page{Limit: c.limit})
	if err != nil {
		return 0, nil, "", err
	}
	items := make([]todoItem, len(list))
	for i, w := range list {
		due := w.Deadline
		items[i] = todoItem{ID: w.ID, Title: "超期：" + w.Label, Link: warningLink(w), Due: &due}
	}
	return n, items, link, nil
}

// warningLink is the API path of a warning's object.
func warningLink(w *domain.Warning) string {
	switch w.ObjectKind {
	case "case":
		return "/v1/cases/" + w.ObjectID
	case "complaint":
		return "/v1/complaints/" + w.ObjectID
	case "problem":
		return "/v1/problems/" + w.ObjectID
	case "callback":
		return "/v1/callbacks/" + w.ObjectID
	case "order":
		return "/v1/supervision/orders/" + w.ObjectID
	}
	return "/v1/supervision/warnings?level=red"
}

// orderGroup counts the orders of f and lists the first of them.
func (h *Handlers) orderGroup(ctx context.Context, c *todoCaller, f domain.OrderFilter, link string) (int, []todoItem, string, error) {
	n, err := countPaged(ctx, func(ctx context.Context, pg domain.Page) ([]*domain.SupervisionOrder, string, error) {
		return h.Repo.ListOrders(ctx, f, pg)
	})
	if err != nil || n == 0 || c.limit == 0 {
		return n, []todoItem{}, link, err
	}
	list, _, err := h.Repo.ListOrders(ctx, f, domain.Page{Limit: c.limit})
	if err != nil {
		return 0, nil, "", err
	}
	items := make([]todoItem, len(list))
	for i, o := range list {
		due := o.DueAt()
		items[i] = todoItem{ID: o.ID, Title: "督办：" + o.Label, Link: "/v1/supervision/orders/" + o.ID, Due: &due}
	}
	return n, items, link, nil
}

// todoOrdersToAnswer: the supervision orders on the admin's agency that wait for its answer.
func (h *Handlers) todoOrdersToAnswer(ctx context.Context, c *todoCaller) (int, []todoItem, string, error) {
	return h.orderGroup(ctx, c, domain.OrderFilter{AgencyIDs: []string{c.agency.ID}, Status: domain.OrderOpen}, "/v1/supervision/orders?status=open")
}

// todoOrdersAnswered: the orders the supervisor's body issued that the agency answered, waiting
// to be closed or sent back.
func (h *Handlers) todoOrdersAnswered(ctx context.Context, c *todoCaller) (int, []todoItem, string, error) {
	return h.orderGroup(ctx, c, domain.OrderFilter{BodyID: c.body.ID, Status: domain.OrderAnswered}, "/v1/supervision/orders?status=answered")
}

// endOfDay is the instant a day (as a date field holds it) ends in China: an item due on a
// day is due until then, as the warnings count it.
func endOfDay(day time.Time) time.Time {
	return domain.Stamp(domain.PlannedDayStart(day).AddDate(0, 0, 1))
}
