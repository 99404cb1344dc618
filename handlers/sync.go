package handlers

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"slices"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"github.com/zhifa/zhifa/domain"
)

// recordChange writes the agency's change-log entry for an object, then the object. The entry
// goes first so that no write can be lost to sync: a failed write leaves an entry that points
// at an unchanged object, which sync sends as it is, and only to the object's own agency.
// Callers check what they can before, so that a write refused for a reason they know of logs
// nothing.
func (h *Handlers) recordChange(ctx context.Context, agencyID, kind string, id *string, eventSeq int, write func() error) error {
	if *id == "" {
		*id = domain.NewID()
	}
	if err := h.Repo.RecordChange(ctx, &domain.Change{AgencyID: agencyID, Kind: kind, ObjectID: *id, EventSeq: eventSeq}); err != nil {
		return err
	}
	return write()
}

type syncItem struct {
	// Seq is the newest change of the object that this page covers.
	Seq    int64  `json:"seq"`
	Kind   string `json:"kind"`
	ID     string `json:"id"`
	Object any    `json:"object"`
	// Events are, for a case, the events of its record that the page's changes appended.
	Events []eventJSON `json:"events,omitempty"`
}

type syncResponse struct {
	Items      []syncItem `json:"items"`
	NextCursor string     `json:"next_cursor"`
	// More says another page is ready now; without it, ask again later with next_cursor.
	More bool `json:"more"`
}

func encodeSeq(n int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(n, 10)))
}

func decodeSeq(s string) (int64, error) {
	if s == "" {
		return 0, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	n, err2 := strconv.ParseInt(string(b), 10, 64)
	if err != nil || err2 != nil || n < 0 {
		return 0, &domain.Error{Code: domain.Invalid, Message: "the cursor is not valid", Fields: map[string]string{"cursor": "not a cursor this server issued"}}
	}
	return n, nil
}

// Sync pages through what changed in the caller's agency since the cursor: cases (with the
// events each change appended), inspections and catalog entries, each as its current state.
//
// A change is delivered only once it has settled (SyncSettle after it was logged), which is
// longer than any write may take; a gap in the sequence younger than that stops the page. So
// a cursor never moves past a change whose write may still land.
func (h *Handlers) Sync(c *fiber.Ctx) error {
	p := principal(c)
	if p.AgencyID == "" {
		return &domain.Error{Code: domain.Invalid, Message: "sync is for members of an agency"}
	}
	after, err := decodeSeq(c.Query("cursor"))
	if err != nil {
		return err
	}
	pg, err := pageOf(c)
	if err != nil {
		return err
	}
	ctx, cancel := h.ctx(c)
	defer cancel()
	changes, err := h.Repo.ChangesSince(ctx, p.AgencyID, after, pg.Limit+1)
	if err != nil {
		return err
	}
	settled := h.Now().Add(-h.SyncSettle)
	// Changes this process knows to have landed or failed need not age first.
	through, inFlight := h.Repo.SettledThrough(p.AgencyID), h.Repo.InFlightFrom(p.AgencyID)
	out := syncResponse{Items: []syncItem{}}
	cursor := after
	// The page's changes, one group per object in the order each first appears.
	type group struct {
		item     syncItem
		from, to int
	}
	var groups []*group
	byObject := map[string]*group{}
	for i, ch := range changes {
		ok := (ch.At.Before(settled) || ch.Seq <= through) && (inFlight == 0 || ch.Seq < inFlight)
		if i == pg.Limit || !ok {
			out.More = i == pg.Limit && ok
			break
		}
		// A gap before a settled change is settled too: the change's time was taken after the
		// gap's number was allocated, so that write failed and will never appear.
		cursor = ch.Seq
		g := byObject[ch.Kind+"/"+ch.ObjectID]
		if g == nil {
			g = &group{item: syncItem{Kind: ch.Kind, ID: ch.ObjectID}, from: ch.EventSeq, to: ch.EventSeq}
			byObject[ch.Kind+"/"+ch.ObjectID] = g
			groups = append(groups, g)
		}
		g.item.Seq = ch.Seq
		g.from, g.to = min(g.from, ch.EventSeq), max(g.to, ch.EventSeq)
	}
	for _, g := range groups {
		item, ok, err := h.syncItem(ctx, p.AgencyID, g.item, g.from, g.to)
		if err != nil {
			return err
		}
		if !ok {
			continue
		}
		out.Items = append(out.Items, item)
		evidence, err := h.syncEvidence(ctx, p.AgencyID, item)
		if err != nil {
			return err
		}
		out.Items = append(out.Items, evidence...)
	}
	out.NextCursor = encodeSeq(cursor)
	return c.JSON(out)
}

// syncItem loads the current state of a changed object. Whatever the log says, an object of
// another agency is never sent (ok false), nor one that does not exist.
func (h *Handlers) syncItem(ctx context.Context, agencyID string, item syncItem, from, to int) (syncItem, bool, error) {
	var owner string
	var err error
	switch item.Kind {
	case "case":
		var cs *domain.Case
		if cs, err = h.Repo.CaseByID(ctx, item.ID); err != nil {
			break
		}
		var raw []byte
		if raw, err = h.caseBodies.of(cs, h.Now()); err != nil {
			break
		}
		owner, item.Object = cs.AgencyID, json.RawMessage(raw)
		if owner != agencyID || from < 1 {
			break
		}
		var events []domain.Event
		if events, err = h.Repo.EventsOf(ctx, cs.ID, from, min(to, cs.EventCount)); err != nil {
			return item, false, err
		}
		item.Events = make([]eventJSON, len(events))
		for i, e := range events {
			item.Events[i] = toEventJSON(cs.ID, e)
		}
	case "inspection":
		var in *domain.Inspection
		if in, err = h.Repo.InspectionByID(ctx, item.ID); err == nil {
			owner, item.Object = in.AgencyID, toInspectionJSON(in)
		}
	case "matter":
		var m *domain.Matter
		if m, err = h.Repo.MatterByID(ctx, item.ID); err == nil {
			owner, item.Object = m.AgencyID, toMatterJSON(m)
		}
	case "benchmark":
		var b *domain.Benchmark
		if b, err = h.Repo.BenchmarkByID(ctx, item.ID); err == nil {
			owner, item.Object = b.AgencyID, toBenchmarkJSON(b)
		}
	case "evidence":
		var e *domain.Evidence
		if e, err = h.Repo.EvidenceByID(ctx, item.ID); err == nil {
			owner, item.Object = e.AgencyID, toEvidenceJSON(e)
		}
	case "signal":
		// A number the notification watcher took to order its alerts: nothing to deliver.
		return item, false, nil
	case "feedback", "complaint", "callback", "warning", "order":
		// A rating, a complaint's step, a callback, a red warning or a supervision order's
		// step, in a supervisory body's, an agency's or an enterprise's log, for its users'
		// alerts. These carry the party's contact or the
		// complainant and are read through their own routes, never synced.
		return item, false, nil
	case "problem", "registration":
		// A rectification task (for its admins' alert) or an enterprise's registration in a
		// supervisory body's log: read through their own routes, never synced.
		return item, false, nil
	case "review_rule":
		var r *domain.ReviewRule
		if r, err = h.Repo.ReviewRuleByID(ctx, item.ID); err == nil {
			owner, item.Object = r.AgencyID, toReviewRuleJSON(*r)
		}
	}
	switch {
	case domain.ErrorCode(err) == domain.NotFound:
		// The change's write never landed (the entry is written first); nothing to send.
		return item, false, nil
	case err != nil:
		return item, false, err
	case owner != agencyID:
		h.Log.Warn("sync: a change entry points outside its agency; left out", "agency_id", agencyID, "kind", item.Kind, "object_id", item.ID)
		return item, false, nil
	}
	return item, true, nil
}

// syncEvidence delivers, after a case, the evidence its page's events recorded or settled, as
// it stands now: case evidence changes only through its case's events.
func (h *Handlers) syncEvidence(ctx context.Context, agencyID string, item syncItem) ([]syncItem, error) {
	var ids []string
	for _, e := range item.Events {
		switch domain.Action(e.Action) {
		case domain.ActAddEvidence, domain.ActCompleteEvidence, domain.ActRejectEvidence:
			ids = append(ids, e.EvidenceIDs...)
		}
	}
	if len(ids) == 0 {
		return nil, nil
	}
	list, err := h.Repo.EvidenceByIDs(ctx, slices.Compact(slices.Sorted(slices.Values(ids))))
	if err != nil {
		return nil, err
	}
	out := []syncItem{}
	for _, e := range list {
		if e.AgencyID == agencyID && e.CaseID == item.ID {
			out = append(out, syncItem{Seq: item.Seq, Kind: "evidence", ID: e.ID, Object: toEvidenceJSON(e)})
		}
	}
	return out, nil
}
