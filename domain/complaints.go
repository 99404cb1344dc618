package domain

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// A complaint (投诉) is an enterprise's report of improper enforcement: about an inspection, a
// case, or an officer named by certificate number. The supervisory bodies over the agency
// handle it: accept it within the acceptance deadline, investigate, and resolve or reject it
// with a reply within the answer deadline, in working days. A deadline that passes escalates
// the complaint to the body above. The enterprise hears of every step.
//
// The complainant's identity (the enterprise, its users) is never shown to the agency
// complained about: its admin sees that a complaint exists, its category, the officer named and
// the replies, and nothing that tells who complained (not the description, the inspection or
// case, or the attachments).

// ComplaintStatus is where a complaint stands.
type ComplaintStatus string

const (
	ComplaintSubmitted     ComplaintStatus = "submitted"
	ComplaintAccepted      ComplaintStatus = "accepted"
	ComplaintInvestigating ComplaintStatus = "investigating"
	ComplaintResolved      ComplaintStatus = "resolved"
	ComplaintRejected      ComplaintStatus = "rejected"
)

// ComplaintCategories are what a complaint may be about.
var ComplaintCategories = []string{"态度粗暴", "程序违法", "乱罚款乱收费", "吃拿卡要", "重复检查", "未出示证件", "选择性执法", "其他"}

// ComplaintActions move a complaint; "escalate" is the deadline's, not a person's.
const (
	ComplaintSubmit      = "submit"
	ComplaintAccept      = "accept"
	ComplaintInvestigate = "investigate"
	ComplaintResolve     = "resolve"
	ComplaintReject      = "reject"
	ComplaintEscalate    = "escalate"
)

var complaintMoves = map[string]struct {
	from []ComplaintStatus
	to   ComplaintStatus
}{
	ComplaintAccept:      {[]ComplaintStatus{ComplaintSubmitted}, ComplaintAccepted},
	ComplaintInvestigate: {[]ComplaintStatus{ComplaintAccepted}, ComplaintInvestigating},
	ComplaintResolve:     {[]ComplaintStatus{ComplaintAccepted, ComplaintInvestigating}, ComplaintResolved},
	ComplaintReject:      {[]ComplaintStatus{ComplaintSubmitted, ComplaintAccepted, ComplaintInvestigating}, ComplaintRejected},
}

// ComplaintDeadlines are the working days to accept a complaint and then to answer it.
type ComplaintDeadlines struct {
	AcceptDays int
	AnswerDays int
}

// Complaint is one complaint and its history.
type Complaint struct {
	ID       string
	AgencyID string
	// Subject is inspection, case or officer; the matching id names it (an officer by the
	// certificate number the enterprise read, resolved to the officer).
	Subject       string
	InspectionID  string
	CaseID        string
	OfficerID     string
	CertificateNo string
	Category      string
	Description   string
	EvidenceIDs   []string
	// EnterpriseID and UserID are the complainant.
	EnterpriseID string
	UserID       string
	Status       ComplaintStatus
	Events       []ComplaintEvent
	AcceptBy     time.Time
	AnswerBy     time.Time
	// BodyIDs are the supervisory bodies over the agency, nearest first; Level is how many of
	// them the complaint has climbed past (0: with the nearest).
	BodyIDs   []string
	Level     int
	CreatedAt time.Time
	UpdatedAt time.Time
	Version   int64
	// Request is the hash of the filing request, when it came with an Idempotency-Key: a retry
	// with the key and another body is refused rather than answered as the first.
	Request string
}

// ComplaintEvent is one step: who (a supervisor, the enterprise user, or the deadline) did
// what, with the reply given.
type ComplaintEvent struct {
	Seq    int
	Action string
	Status ComplaintStatus
	Reply  string
	By     string
	At     time.Time
}

// Open says whether the complaint still waits for an answer.
func (c *Complaint) Open() bool {
	return c.Status != ComplaintResolved && c.Status != ComplaintRejected
}

// HandlingBody is the body the complaint is with now.
func (c *Complaint) HandlingBody() string {
	if len(c.BodyIDs) == 0 {
		return ""
	}
	return c.BodyIDs[min(c.Level, len(c.BodyIDs)-1)]
}

func validText(s string, max int) bool {
	return utf8.ValidString(s) && utf8.RuneCountInString(s) <= max && !strings.ContainsFunc(s, func(r rune) bool {
		return unicode.IsControl(r) && r != '\n' && r != '\r' && r != '\t'
	})
}

// Submit checks a new complaint and makes it the first event; the deadlines count from now.
func (c *Complaint) Submit(by string, cal Calendar, d ComplaintDeadlines, now time.Time) error {
	f := FieldErrors{}
	n := 0
	for _, id := range []string{c.InspectionID, c.CaseID, c.CertificateNo} {
		if id != "" {
			n++
		}
	}
	if n != 1 {
		f.Add("subject", "name one inspection, case or officer's certificate number")
	}
	if !slices.Contains(ComplaintCategories, c.Category) {
		f.Add("category", "one of: "+strings.Join(ComplaintCategories, ", "))
	}
	c.Description = strings.TrimSpace(c.Description)
	if utf8.RuneCountInString(c.Description) < 5 || !validText(c.Description, 2000) {
		f.Add("description", "5 to 2000 characters")
	}
	if err := f.Err(); err != nil {
		return err
	}
	now = Stamp(now)
	switch {
	case c.InspectionID != "":
		c.Subject = "inspection"
	case c.CaseID != "":
		c.Subject = "case"
	default:
		c.Subject = "officer"
	}
	c.Status, c.CreatedAt, c.UpdatedAt = ComplaintSubmitted, now, now
	c.AcceptBy = Stamp(cal.AddWorkingDays(now, d.AcceptDays))
	c.Events = []ComplaintEvent{{Seq: 1, Action: ComplaintSubmit, Status: ComplaintSubmitted, By: by, At: now}}
	return nil
}

// Move applies a supervisor's action with its reply; Conflict when the status does not allow
// it, Invalid for an unknown action or a missing reply (resolving and rejecting need one).
func (c *Complaint) Move(action, reply, by string, cal Calendar, d ComplaintDeadlines, now time.Time) (ComplaintEvent, error) {
	m, ok := complaintMoves[action]
	if !ok {
		return ComplaintEvent{}, &Error{Code: Invalid, Message: "unknown action", Fields: map[string]string{"action": "accept, investigate, resolve or reject"}}
	}
	reply = strings.TrimSpace(reply)
	if !validText(reply, 2000) {
		return ComplaintEvent{}, &Error{Code: Invalid, Message: "the reply is too long", Fields: map[string]string{"reply": "at most 2000 characters"}}
	}
	if reply == "" && (action == ComplaintResolve || action == ComplaintReject) {
		return ComplaintEvent{}, &Error{Code: Invalid, Message: "a complaint is answered with a reply", Fields: map[string]string{"reply": "required to " + action}}
	}
	if !slices.Contains(m.from, c.Status) {
		return ComplaintEvent{}, Errorf(Conflict, "cannot %s a complaint that is %s", action, c.Status)
	}
	now = Stamp(now)
	if action == ComplaintAccept {
		c.AnswerBy = Stamp(cal.AddWorkingDays(now, d.AnswerDays))
	}
	c.Status, c.UpdatedAt = m.to, now
	ev := ComplaintEvent{Seq: len(c.Events) + 1, Action: action, Status: m.to, Reply: reply, By: by, At: now}
	c.Events = append(c.Events, ev)
	return ev, nil
}

// OverdueAt says whether a deadline of the complaint has passed at now without its
// escalation: the acceptance deadline while submitted, the answer deadline while accepted or
// under investigation. Each deadline escalates once.
func (c *Complaint) OverdueAt(now time.Time) bool {
	var deadline time.Time
	switch c.Status {
	case ComplaintSubmitted:
		deadline = c.AcceptBy
	case ComplaintAccepted, ComplaintInvestigating:
		deadline = c.AnswerBy
	default:
		return false
	}
	answering := c.Status != ComplaintSubmitted
	for _, e := range c.Events {
		if e.Action == ComplaintEscalate && (e.Status != ComplaintSubmitted) == answering {
			return false // this deadline escalated already
		}
	}
	return !deadline.IsZero() && !now.Before(deadline)
}

// Escalate records a passed deadline: the complaint climbs to the body above, if there is one,
// and the event says which deadline passed.
func (c *Complaint) Escalate(now time.Time) ComplaintEvent {
	reply := "受理期限已过，已提级督办。"
	if c.Status != ComplaintSubmitted {
		reply = "办理期限已过，已提级督办。"
	}
	now = Stamp(now)
	if c.Level+1 < len(c.BodyIDs) {
		c.Level++
	}
	c.UpdatedAt = now
	ev := ComplaintEvent{Seq: len(c.Events) + 1, Action: ComplaintEscalate, Status: c.Status, Reply: reply, At: now}
	c.Events = append(c.Events, ev)
	return ev
}

// ComplaintStatusNames are the statuses in words, for the enterprise's notifications.
var ComplaintStatusNames = map[ComplaintStatus]string{
	ComplaintSubmitted: "已提交", ComplaintAccepted: "已受理", ComplaintInvestigating: "调查中", ComplaintResolved: "已办结", ComplaintRejected: "不予受理",
}

// ComplaintFilter narrows ListComplaints; zero fields do not filter.
type ComplaintFilter struct {
	AgencyIDs    []string
	EnterpriseID string
	Status       ComplaintStatus
	Category     string
	OfficerID    string
	OpenOnly     bool
	From, To     time.Time // created in [From, To)
}

// Complaints stores complaints. Conflict on a stale version.
type Complaints interface {
	CreateComplaint(ctx context.Context, c *Complaint) error
	ComplaintByID(ctx context.Context, id string) (*Complaint, error)
	UpdateComplaint(ctx context.Context, c *Complaint) error
	// ListComplaints lists complaints in the order they were filed.
	ListComplaints(ctx context.Context, f ComplaintFilter, p Page) ([]*Complaint, string, error)
}

// NewComplaintID is a fresh id that sorts by time of filing, for lists in that order.
func NewComplaintID(now time.Time) string {
	return strconv.FormatInt(now.UnixMilli(), 36) + "-" + RandomToken(9)
}
