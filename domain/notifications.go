package domain

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"time"
)

// NotificationKind names an alert; each has a Chinese template.
type NotificationKind string

const (
	// KindCaseAssigned: an officer was added to a case.
	KindCaseAssigned NotificationKind = "case_assigned"
	// KindInspectionAssigned: an officer was added to an inspection.
	KindInspectionAssigned NotificationKind = "inspection_assigned"
	// KindReviewRequested: a case went to legal review; the reviewer is told.
	KindReviewRequested NotificationKind = "review_requested"
	// KindReviewApproved, KindReviewRejected: the case's officers learn the review's outcome.
	KindReviewApproved NotificationKind = "review_approved"
	KindReviewRejected NotificationKind = "review_rejected"
	// KindDeadlineNear, KindDeadlinePassed: a case's decision deadline (art. 60) is 10 days
	// away, or has passed; its officers and the agency's admins are told, once each.
	KindDeadlineNear   NotificationKind = "deadline_near"
	KindDeadlinePassed NotificationKind = "deadline_passed"
	// KindCertificateExpiring: an officer's certificate expires within 30 days.
	KindCertificateExpiring NotificationKind = "certificate_expiring"
	// KindBadFeedback: a party rated an agency's officers two stars or fewer, or named
	// integrity (廉洁); the supervisors covering the agency are told.
	KindBadFeedback NotificationKind = "bad_feedback"
	// KindNewComplaint, KindComplaintOverdue: a complaint about an agency was filed, or passed
	// a deadline and climbed to the body above; the supervisors covering the agency are told.
	KindNewComplaint     NotificationKind = "new_complaint"
	KindComplaintOverdue NotificationKind = "complaint_overdue"
	// KindComplaintProgress: the enterprise that complained hears of each step.
	KindComplaintProgress NotificationKind = "complaint_progress"
	// KindCallbackDue: a registered enterprise is asked to answer the callback of its case.
	KindCallbackDue NotificationKind = "callback_due"
	// KindUnsatisfiedCallback: a party answered a callback unsatisfied; the supervisors are told.
	KindUnsatisfiedCallback NotificationKind = "unsatisfied_callback"
	// KindProblemOverdue: a problem of the agency is still open after its deadline; its
	// admins are told, once.
	KindProblemOverdue NotificationKind = "problem_overdue"
	// KindAgencyAdjusted: the government changed where an agency sits, its kind, name or legal
	// basis, or its status; the supervisors of the bodies over it before and after are told.
	KindAgencyAdjusted NotificationKind = "agency_adjusted"
	// KindAwaitingDecision: a case's legal review passed; the agency's heads (those who
	// decide) are told it waits for their decision.
	KindAwaitingDecision NotificationKind = "awaiting_decision"
	// KindNewProblem: a rectification task was registered for an agency; its admins are told.
	KindNewProblem NotificationKind = "new_problem"
	// KindRegistrationPending: an enterprise registered in a region; the supervisors of the
	// bodies over it are told it waits for activation.
	KindRegistrationPending NotificationKind = "registration_pending"
	// KindWarningRed: a deadline of an agency's object passed with its step not done; the
	// supervisors of the bodies over the agency are told, once per deadline.
	KindWarningRed NotificationKind = "warning_red"
	// KindOrderIssued, KindOrderReturned, KindOrderClosed: the agency's admins hear of a
	// supervision order, of its being sent back and of its closing; KindOrderAnswered: the
	// issuing body's supervisors hear of the answer.
	KindOrderIssued   NotificationKind = "order_issued"
	KindOrderAnswered NotificationKind = "order_answered"
	KindOrderReturned NotificationKind = "order_returned"
	KindOrderClosed   NotificationKind = "order_closed"
)

// Alert horizons.
const (
	DeadlineWarningDays    = 10
	CertificateWarningDays = 30
)

// template is the Chinese title and body of a kind; %s is the object's number or name, never a
// party's personal data (a push transits a third party).
type template struct{ title, body string }

var templates = map[NotificationKind]template{
	KindCaseAssigned:        {"新案件指派", "您已被指派办理案件 %s。"},
	KindInspectionAssigned:  {"新检查任务", "您已被指派参加 %s 的检查，详情请在应用内查看。"},
	KindReviewRequested:     {"法制审核待办", "案件 %s 已提交法制审核，请及时审核。"},
	KindReviewApproved:      {"法制审核通过", "案件 %s 的法制审核已通过。"},
	KindReviewRejected:      {"法制审核退回", "案件 %s 的法制审核未通过，已退回调查。"},
	KindDeadlineNear:        {"决定期限临近", "案件 %s 的处罚决定期限将在 10 日内届满，请及时作出决定。"},
	KindDeadlinePassed:      {"决定期限已过", "案件 %s 已超过处罚决定期限（行政处罚法第六十条），请立即处理。"},
	KindCertificateExpiring: {"执法证即将到期", "执法证 %s 将在 30 日内到期，请及时办理换证。"},
	KindBadFeedback:         {"执法评价预警", "%s，请及时核查。"},
	KindNewComplaint:        {"新的执法投诉", "%s，请在受理期限内处理。"},
	KindComplaintOverdue:    {"投诉处理超期", "%s，已提级督办，请立即处理。"},
	KindComplaintProgress:   {"投诉办理进展", "您的投诉%s，详情请在应用内查看。"},
	KindCallbackDue:         {"执法回访", "请对%s的执法情况作出评价。"},
	KindUnsatisfiedCallback: {"回访不满意预警", "%s，请及时核查。"},
	KindProblemOverdue:      {"整改任务逾期", "整改任务“%s”已超过整改期限，请尽快完成整改。"},
	KindAgencyAdjusted:      {"执法主体调整", "%s已调整，详情请在应用内查看。"},
	KindAwaitingDecision:    {"待作出处罚决定", "案件 %s 已通过法制审核，请及时作出决定。"},
	KindNewProblem:          {"新的整改任务", "新增整改任务“%s”，请按期完成整改。"},
	KindRegistrationPending: {"企业注册待审核", "%s 申请注册，请及时核实并审核。"},
	KindWarningRed:          {"监督预警：期限已过", "%s，请督促办理。"},
	KindOrderIssued:         {"收到督办事项", "收到%s，请按期办复。"},
	KindOrderAnswered:       {"督办事项已办复", "%s，请审核。"},
	KindOrderReturned:       {"督办事项被退回", "%s被退回，请重新办复。"},
	KindOrderClosed:         {"督办事项已办结", "%s已办结。"},
}

// Alert is one notification to derive from a fact: its kind, who receives it, the object it
// is about, and the words that fill its template.
type Alert struct {
	Kind       NotificationKind
	Recipients []string
	ObjectKind string // case or inspection
	ObjectID   string
	Label      string // the case number, the enterprise's name
	// Key, when set, makes one notification per key, recipient and kind, whichever change or
	// sweep derives it (an assignment, a deadline); otherwise there is one per change.
	Key string
}

// Notification is an alert to one user: in the inbox, on the stream, and pushed where the
// user has devices. Its id is derived from the fact and the recipient, so deriving it twice
// writes the same notification.
type Notification struct {
	ID       string
	UserID   string
	AgencyID string
	Kind     NotificationKind
	Title    string
	Body     string
	// Link is the deep link the app opens; ObjectKind and ObjectID what it is about.
	Link       string
	ObjectKind string
	ObjectID   string
	// Seq orders a user's notifications (the change it was derived from, then the alert).
	Seq       int64
	CreatedAt time.Time
	ReadAt    time.Time
	// Push is the notification's delivery through FCM.
	Push Push
}

// Push statuses: pending until every device of the user has a final result (or there is no
// device), then sent, or failed once its deadline passed.
const (
	PushPending = "pending"
	PushSent    = "sent"
	PushNone    = "none"
	PushFailed  = "failed"
)

// Push is the delivery state of a notification: per device, what FCM answered.
type Push struct {
	Status      string
	Attempts    int
	NextAttempt time.Time
	Deadline    time.Time
	LeaseHolder string
	LeaseUntil  time.Time
	// Results maps a device id to its final answer: sent, unregistered, invalid.
	Results map[string]string
	Error   string
}

// NotificationsOf renders alerts derived from change seq of an agency, one per recipient.
func NotificationsOf(agencyID string, seq int64, at time.Time, alerts []Alert) []*Notification {
	var out []*Notification
	for i, a := range alerts {
		t := templates[a.Kind]
		for _, user := range a.Recipients {
			key := fmt.Sprintf("%s\x00%d\x00%d", agencyID, seq, i)
			if a.Key != "" {
				key = a.Key
			}
			sum := sha256.Sum256([]byte(key + "\x00" + string(a.Kind) + "\x00" + user))
			out = append(out, &Notification{ID: hex.EncodeToString(sum[:12]), UserID: user, AgencyID: agencyID, Kind: a.Kind,
				Title: t.title, Body: fmt.Sprintf(t.body, a.Label), Link: "zhifa://" + a.ObjectKind + "/" + a.ObjectID,
				ObjectKind: a.ObjectKind, ObjectID: a.ObjectID, Seq: seq*100 + int64(i), CreatedAt: at,
				Push: Push{Status: PushPending, NextAttempt: at}})
		}
	}
	return out
}

// CaseAlerts are the alerts an event of a case causes, given the case before and after it:
// officers added to the case, the reviewer of a case sent to review, the officers of a case
// whose review was decided. The actor is never told of their own action.
func CaseAlerts(before, after *Case, ev Event) []Alert {
	var out []Alert
	label := after.Number
	if label == "" {
		label = after.ID
	}
	add := func(kind NotificationKind, users []string) {
		users = slices.DeleteFunc(slices.Clone(users), func(u string) bool { return u == ev.ActorID || u == "" })
		if len(users) > 0 {
			a := Alert{Kind: kind, Recipients: users, ObjectKind: "case", ObjectID: after.ID, Label: label}
			if kind == KindCaseAssigned {
				a.Key = "case:" + after.ID
			}
			out = append(out, a)
		}
	}
	var prev []string
	if before != nil {
		prev = before.OfficerIDs
	}
	var added []string
	for _, o := range after.OfficerIDs {
		if !slices.Contains(prev, o) {
			added = append(added, o)
		}
	}
	add(KindCaseAssigned, added)
	switch ev.Action {
	case ActSubmitReview:
		add(KindReviewRequested, []string{after.ReviewerID})
	case ActApproveReview:
		add(KindReviewApproved, after.OfficerIDs)
	case ActRejectReview:
		add(KindReviewRejected, after.OfficerIDs)
	}
	return out
}

// InspectionAlerts tells officers added to an inspection.
func InspectionAlerts(before, after *Inspection, actorID string) []Alert {
	var added []string
	for _, o := range after.OfficerIDs {
		if o != actorID && (before == nil || !slices.Contains(before.OfficerIDs, o)) {
			added = append(added, o)
		}
	}
	if len(added) == 0 {
		return nil
	}
	// The date only: the enterprise's name may be a person's (个体工商户), and a push transits
	// a third party.
	return []Alert{{Kind: KindInspectionAssigned, Recipients: added, ObjectKind: "inspection", ObjectID: after.ID,
		Label: ChinaDate(after.PlannedOn).Format("2006年1月2日"), Key: "inspection:" + after.ID}}
}

// DeadlineAlerts warns the case's officers and the agency's admins once when an open case's
// decision deadline is DeadlineWarningDays away and once when it has passed; an extended
// deadline warns again.
func DeadlineAlerts(c *Case, admins []string, now time.Time) []Alert {
	if !slices.Contains(OpenStatuses, c.Status) || c.Deadline.IsZero() {
		return nil
	}
	kind := KindDeadlineNear
	switch {
	case now.After(c.Deadline):
		kind = KindDeadlinePassed
	case c.Deadline.Sub(now) > DeadlineWarningDays*24*time.Hour:
		return nil
	}
	users := slices.Compact(slices.Sorted(slices.Values(append(slices.Clone(admins), c.OfficerIDs...))))
	return []Alert{{Kind: kind, Recipients: users, ObjectKind: "case", ObjectID: c.ID, Label: c.Number,
		Key: "deadline:" + c.ID + ":" + ChinaDate(c.Deadline).Format(time.DateOnly)}}
}

// FeedbackAlerts tells the supervisors of a supervisory body of a serious rating of an agency
// it supervises. The words name the agency, the stars and the tags, never the party's comment
// or phone (the push transits a third party).
func FeedbackAlerts(f *Feedback, agency *Agency, supervisors []string) []Alert {
	if !f.Serious() || len(supervisors) == 0 {
		return nil
	}
	label := fmt.Sprintf("%s的执法收到 %d 星评价", agency.Name, f.Rating)
	if len(f.Tags) > 0 {
		label += "（" + strings.Join(f.Tags, "、") + "）"
	}
	return []Alert{{Kind: KindBadFeedback, Recipients: supervisors, ObjectKind: "feedback", ObjectID: f.ID, Label: label,
		Key: "feedback:" + f.ID}} // a rating told twice (a retried write) is one alert
}

// ComplaintAlerts are the alerts of a complaint's event: the supervisors of a body covering the
// agency hear of a new complaint and of a passed deadline; the enterprise's users hear of every
// step but their own submission. The words name the agency and the category, never the
// complainant.
func ComplaintAlerts(c *Complaint, ev ComplaintEvent, agency *Agency, supervisors, enterpriseUsers []string) []Alert {
	var out []Alert
	about := fmt.Sprintf("对%s的投诉（%s）", agency.Name, c.Category)
	key := fmt.Sprintf("complaint:%s:%d", c.ID, ev.Seq) // a step told twice (a retried write) is one alert
	switch ev.Action {
	case ComplaintSubmit:
		if len(supervisors) > 0 {
			out = append(out, Alert{Kind: KindNewComplaint, Recipients: supervisors, ObjectKind: "complaint", ObjectID: c.ID, Label: "收到" + about, Key: key})
		}
	case ComplaintEscalate:
		if len(supervisors) > 0 {
			out = append(out, Alert{Kind: KindComplaintOverdue, Recipients: supervisors, ObjectKind: "complaint", ObjectID: c.ID, Label: about + "已超过期限", Key: key})
		}
	}
	if ev.Action != ComplaintSubmit && len(enterpriseUsers) > 0 {
		label := ComplaintStatusNames[ev.Status]
		if ev.Action == ComplaintEscalate {
			label = "已超过办理期限，已提级督办"
		}
		out = append(out, Alert{Kind: KindComplaintProgress, Recipients: enterpriseUsers, ObjectKind: "complaint", ObjectID: c.ID, Label: label, Key: key})
	}
	return out
}

// CallbackDueAlerts asks an enterprise's users to answer the callback of their case, once.
func CallbackDueAlerts(cb *Callback, agency *Agency, users []string) []Alert {
	if len(users) == 0 || cb.Answer != nil {
		return nil
	}
	return []Alert{{Kind: KindCallbackDue, Recipients: users, ObjectKind: "callback", ObjectID: cb.ID, Label: agency.Name + "案件 " + cb.CaseNumber,
		Key: "callback-due:" + cb.ID}}
}

// CallbackAlerts tells the supervisors of a body of an unsatisfied answer to a callback of an
// agency it covers; the words name the agency and the case number, not the party or the notes.
func CallbackAlerts(cb *Callback, agency *Agency, supervisors []string) []Alert {
	if cb.Answer == nil || cb.Answer.Satisfied || len(supervisors) == 0 {
		return nil
	}
	return []Alert{{Kind: KindUnsatisfiedCallback, Recipients: supervisors, ObjectKind: "callback", ObjectID: cb.ID,
		Label: fmt.Sprintf("%s案件 %s 的当事人对回访表示不满意", agency.Name, cb.CaseNumber), Key: "callback-answer:" + cb.ID}}
}

// ProblemAlerts tells the agency's admins, once, of a problem still open after its deadline.
func ProblemAlerts(p *Problem, admins []string, now time.Time) []Alert {
	if !p.OverdueAt(now) || len(admins) == 0 {
		return nil
	}
	return []Alert{{Kind: KindProblemOverdue, Recipients: admins, ObjectKind: "problem", ObjectID: p.ID, Label: p.Title, Key: "problem-overdue:" + p.ID}}
}

// CertificateAlerts warns an officer, and the agency's admins, once when the officer's valid
// certificate expires within CertificateWarningDays.
func CertificateAlerts(u *User, cert *Certificate, admins []string, now time.Time) []Alert {
	if cert == nil || cert.Status != CertificateValid || now.After(cert.ExpiresOn) || cert.ExpiresOn.Sub(now) > CertificateWarningDays*24*time.Hour {
		return nil
	}
	users := slices.Compact(slices.Sorted(slices.Values(append(slices.Clone(admins), u.ID))))
	return []Alert{{Kind: KindCertificateExpiring, Recipients: users, ObjectKind: "officer", ObjectID: u.ID, Label: cert.Number,
		Key: "certificate:" + cert.Number}}
}

// MaxDevices is how many phones a user receives push on: registering another drops the one
// registered longest ago, so that one account cannot multiply the pushes of every alert.
const MaxDevices = 10

// Device is a phone a user receives push on.
type Device struct {
	ID         string
	UserID     string
	Token      string
	Platform   string // android, ios, harmony
	AppVersion string
	Locale     string
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// NotificationStore keeps devices and notifications.
type NotificationStore interface {
	// SaveDevice registers a token, moving it to d.UserID if another user had it; the id is
	// derived from the token.
	SaveDevice(ctx context.Context, d *Device) error
	// DevicesOf lists the devices of the users, ordered by user then id.
	DevicesOf(ctx context.Context, userIDs ...string) ([]*Device, error)
	DeleteDevice(ctx context.Context, userID, id string) error
	DeleteDevicesOf(ctx context.Context, userID string) error
	// AddNotifications stores notifications; one already stored (same id) is left as it is.
	AddNotifications(ctx context.Context, ns []*Notification) error
	// HaveNotifications says which of ids are stored.
	HaveNotifications(ctx context.Context, ids []string) (map[string]bool, error)
	// NotificationsOf lists a user's notifications, unread first, newest first within each.
	NotificationsOf(ctx context.Context, userID string, p Page) ([]*Notification, string, error)
	// NotificationsAfter lists a user's notifications with Seq above after, in order.
	NotificationsAfter(ctx context.Context, userID string, after int64, limit int) ([]*Notification, error)
	// LatestSeq is the Seq of the user's newest notification, 0 when none.
	LatestSeq(ctx context.Context, userID string) (int64, error)
	MarkRead(ctx context.Context, userID, id string, at time.Time) error
	MarkAllRead(ctx context.Context, userID string, at time.Time) (int64, error)
	UnreadCount(ctx context.Context, userID string) (int64, error)
	// ClaimPushes leases up to limit notifications whose push is due (pending, next attempt
	// reached, no live lease) to holder until the given time.
	ClaimPushes(ctx context.Context, holder string, now, until time.Time, limit int) ([]*Notification, error)
	// SavePushes writes claimed notifications' push state and releases them; a notification
	// whose lease holder no longer holds is left as the new holder keeps it.
	SavePushes(ctx context.Context, ns []*Notification, holder string) error
	// FoldPushes does the bookkeeping a store defers from SavePushes, saying how much it did.
	FoldPushes(ctx context.Context) (int, error)
	// PushFailures lists an agency's notifications whose push failed, newest first.
	PushFailures(ctx context.Context, agencyID string, p Page) ([]*Notification, string, error)
	// DeriveCursor and SetDeriveCursor keep how far an agency's change log was turned into
	// notifications; SetDeriveCursor moves it only forward.
	DeriveCursor(ctx context.Context, agencyID string) (int64, error)
	SetDeriveCursor(ctx context.Context, agencyID string, seq int64) error
}

// DecisionAlerts tell the agency's heads, once per event, that the event left the case waiting
// for their decision (its review passed, the party waived its answer, the hearing was held);
// whoever took the event is not told.
func DecisionAlerts(after *Case, ev Event, deciders []string) []Alert {
	users := slices.DeleteFunc(slices.Clone(deciders), func(u string) bool { return u == ev.ActorID || u == "" })
	if len(users) == 0 {
		return nil
	}
	label := after.Number
	if label == "" {
		label = after.ID
	}
	return []Alert{{Kind: KindAwaitingDecision, Recipients: users, ObjectKind: "case", ObjectID: after.ID, Label: label,
		Key: fmt.Sprintf("awaiting-decision:%s:%d", after.ID, ev.Seq)}}
}

// NewProblemAlerts tell the agency's admins of a rectification task registered for it, once;
// whoever registered it is not told.
func NewProblemAlerts(p *Problem, admins []string) []Alert {
	users := slices.DeleteFunc(slices.Clone(admins), func(u string) bool { return u == p.CreatedBy || u == "" })
	if len(users) == 0 || p.Status == ProblemClosed {
		return nil
	}
	return []Alert{{Kind: KindNewProblem, Recipients: users, ObjectKind: "problem", ObjectID: p.ID, Label: p.Title, Key: "problem-new:" + p.ID}}
}

// RegistrationAlerts tell a body's supervisors, once, of a registration in its region that
// waits for activation.
func RegistrationAlerts(e *Enterprise, body *Agency, supervisors []string) []Alert {
	if e.Status != EnterprisePending || !Under(e.RegionPath, body.RegionID) || len(supervisors) == 0 {
		return nil
	}
	return []Alert{{Kind: KindRegistrationPending, Recipients: supervisors, ObjectKind: "enterprise", ObjectID: e.ID, Label: e.Name, Key: "registration:" + e.ID}}
}
