package domain

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// A callback (执法案件回访) asks the party of a case, some days after its decision was served or
// the case closed, whether the enforcement was fair. Supervisors call and record the answer;
// the party may answer on the page /r/{token} or, for a registered enterprise, in its app. An
// unsatisfied answer alerts the supervisors.

// CallbackTriggers are the statuses whose reaching schedules a case's callback: the first of
// them the case reaches (a case is called back once).
var CallbackTriggers = []CaseStatus{StatusServed, StatusClosed, StatusNotRegistered}

// CallbackChannels are how an answer came: a supervisor's call, the page, the enterprise app.
var CallbackChannels = []string{"phone", "web", "app"}

// Callback is the callback of one case. Its id is derived from the case's, so scheduling it
// twice (a reader that crashed and read the case again) makes one callback.
type Callback struct {
	ID         string
	AgencyID   string
	CaseID     string
	CaseNumber string
	MatterName string
	OfficerIDs []string
	// Trigger is the status that scheduled it; DueAt when it should be made.
	Trigger CaseStatus
	DueAt   time.Time
	// The party, as the case names it: for the supervisors who call.
	PartyKind  string
	PartyName  string
	PartyPhone string
	PartyUSCC  string
	// NotifiedAt is when a registered enterprise party was told it is due.
	NotifiedAt time.Time
	Answer     *CallbackAnswer
	CreatedAt  time.Time
	Version    int64
}

// CallbackAnswer is the party's answer.
type CallbackAnswer struct {
	Satisfied bool
	Notes     string
	Channel   string
	By        string // the supervisor or enterprise user; empty on the page
	At        time.Time
}

// CallbackFor schedules the callback of a case that just reached status, delay after now;
// ok is false when status schedules none.
func CallbackFor(c *Case, matterName string, status CaseStatus, delay time.Duration, now time.Time) (*Callback, bool) {
	if !slices.Contains(CallbackTriggers, status) {
		return nil, false
	}
	sum := sha256.Sum256([]byte("callback\x00" + c.ID))
	return &Callback{ID: hex.EncodeToString(sum[:12]), AgencyID: c.AgencyID, CaseID: c.ID, CaseNumber: c.Number, MatterName: matterName,
		OfficerIDs: slices.Clone(c.OfficerIDs), Trigger: status, DueAt: Stamp(now.Add(delay)), PartyKind: c.Party.Kind, PartyName: c.Party.Name,
		PartyPhone: c.Party.Phone, PartyUSCC: c.Party.USCC, CreatedAt: Stamp(now)}, true
}

// CallbackState is where a callback stands at a moment.
type CallbackState string

const (
	CallbackScheduled CallbackState = "scheduled" // not due yet
	CallbackDue       CallbackState = "due"
	CallbackAnswered  CallbackState = "answered"
)

// StateAt says whether the callback is answered, due or still to come at now.
func (cb *Callback) StateAt(now time.Time) CallbackState {
	switch {
	case cb.Answer != nil:
		return CallbackAnswered
	case !now.Before(cb.DueAt):
		return CallbackDue
	}
	return CallbackScheduled
}

// Respond records the answer; Conflict when it was answered already, Invalid for bad notes.
func (cb *Callback) Respond(a CallbackAnswer) error {
	if cb.Answer != nil {
		return Errorf(Conflict, "the callback was answered already")
	}
	a.Notes = strings.TrimSpace(a.Notes)
	f := FieldErrors{}
	if !utf8.ValidString(a.Notes) || utf8.RuneCountInString(a.Notes) > 500 || strings.ContainsFunc(a.Notes, func(r rune) bool {
		return unicode.IsControl(r) && r != '\n' && r != '\r' && r != '\t'
	}) {
		f.Add("notes", "意见不超过 500 字")
	}
	if !slices.Contains(CallbackChannels, a.Channel) {
		f.Add("channel", "phone, web or app")
	}
	if err := f.Err(); err != nil {
		return err
	}
	a.At = Stamp(a.At)
	cb.Answer = &a
	return nil
}

// CallbackFilter narrows ListCallbacks; zero fields do not filter.
type CallbackFilter struct {
	AgencyIDs []string // nil: any agency; empty: none
	PartyUSCC string
	State     CallbackState // as at Now
	Now       time.Time
	Satisfied *bool
	From, To  time.Time // created in [From, To)
}

// Callbacks stores callbacks. CreateCallback answers Conflict when the case has one.
type Callbacks interface {
	CreateCallback(ctx context.Context, cb *Callback) error
	CallbackByID(ctx context.Context, id string) (*Callback, error)
	// UpdateCallback writes cb when its stored version is cb.Version; Conflict otherwise.
	UpdateCallback(ctx context.Context, cb *Callback) error
	// ListCallbacks lists callbacks by due time, earliest first.
	ListCallbacks(ctx context.Context, f CallbackFilter, p Page) ([]*Callback, string, error)
	// DueUnnotified lists callbacks due at now whose party was not told yet, at most limit.
	DueUnnotified(ctx context.Context, now time.Time, limit int) ([]*Callback, error)
}
