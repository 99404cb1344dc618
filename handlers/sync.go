package handlers

import (
	"context"
	"encoding/base64"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"github.com/zhifa/zhifa/domain"
)

// recordChange writes the agency's change-log entry for an object, then the object. The entry
// goes first so that no write can be lost to sync: a failed write leaves an entry that points
// at an unchanged object, which sync simply sends again.
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
	Seq    int64  `json:"seq"`
	Kind   string `json:"kind"`
	ID     string `json:"id"`
	Object any    `json:"object"`
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
	out := syncResponse{Items: []syncItem{}}
	cursor := after
	cases := map[string]*domain.Case{}
	for i, ch := range changes {
		if i == pg.Limit || !ch.At.Before(settled) {
			out.More = i == pg.Limit && ch.At.Before(settled)
			break
		}
		// A gap before a settled change is settled too: the change's time was taken after the
		// gap's number was allocated, so that write failed and will never appear.
		items, err := h.syncItems(ctx, ch, cases)
		if err != nil {
			return err
		}
		out.Items = append(out.Items, items...)
		cursor = ch.Seq
	}
	out.NextCursor = encodeSeq(cursor)
	return c.JSON(out)
}

func (h *Handlers) syncItems(ctx context.Context, ch domain.Change, cases map[string]*domain.Case) ([]syncItem, error) {
	item := syncItem{Seq: ch.Seq, Kind: ch.Kind, ID: ch.ObjectID}
	var err error
	switch ch.Kind {
	case "case":
		cs, ok := cases[ch.ObjectID]
		if !ok {
			if cs, err = h.Repo.CaseByID(ctx, ch.ObjectID); err == nil {
				cases[ch.ObjectID] = cs
			}
		}
		if err != nil {
			break
		}
		item.Object = toCaseJSON(cs, h.Now())
		out := []syncItem{item}
		if ch.EventSeq > 0 && ch.EventSeq <= len(cs.Events) {
			out = append(out, syncItem{Seq: ch.Seq, Kind: "event", ID: cs.ID + ":" + strconv.Itoa(ch.EventSeq), Object: toEventJSON(cs.ID, cs.Events[ch.EventSeq-1])})
		}
		return out, nil
	case "inspection":
		var in *domain.Inspection
		if in, err = h.Repo.InspectionByID(ctx, ch.ObjectID); err == nil {
			item.Object = toInspectionJSON(in)
		}
	case "matter":
		var m *domain.Matter
		if m, err = h.Repo.MatterByID(ctx, ch.ObjectID); err == nil {
			item.Object = toMatterJSON(m)
		}
	case "benchmark":
		var b *domain.Benchmark
		if b, err = h.Repo.BenchmarkByID(ctx, ch.ObjectID); err == nil {
			item.Object = toBenchmarkJSON(b)
		}
	case "review_rule":
		// Review rules are small; the client refetches the catalog.
		item.Object = map[string]string{"refetch": "/v1/review-catalog"}
	}
	if domain.ErrorCode(err) == domain.NotFound {
		// The change's write never landed (the entry is written first); nothing to send.
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return []syncItem{item}, nil
}
