package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/zhifa/zhifa/domain"
	"github.com/zhifa/zhifa/store"
)

// TestCaseCommitsOnBothCodePaths runs a case's record through the embedded engine's code path
// and through the one MongoDB takes: events commit one by one, a stale writer loses, the
// events read back in order, a case whose document was lost rolls forward from its commits,
// and the keys of its actions come back with it.
func TestCaseCommitsOnBothCodePaths(t *testing.T) {
	ctx := context.Background()
	emb, err := store.StartEmbedded(ctx, t.TempDir(), quiet())
	if err != nil {
		t.Fatal(err)
	}
	defer emb.Close()
	for name, connect := range map[string]func(context.Context, string) (*store.Store, error){
		"embedded": emb.Connect, "as MongoDB": emb.ConnectAsMongoDB,
	} {
		t.Run(name, func(t *testing.T) {
			s, err := connect(ctx, "commits_"+map[string]string{"embedded": "e", "as MongoDB": "m"}[name])
			if err != nil {
				t.Fatal(err)
			}
			defer func() { _ = s.Drop(ctx); _ = s.Close(ctx) }()
			now := time.Now().UTC()
			c := &domain.Case{AgencyID: "a1", Status: domain.StatusClue, Party: domain.Party{Kind: "person", Name: "甲"}}
			commit := func(c *domain.Case, a domain.Action, key string) error {
				ev := c.Seed(domain.Event{Action: a, ActorID: "o1", At: now})
				c.Remember(domain.ActionKey{Key: key, Request: "r", Seq: ev.Seq, At: ev.At})
				return s.CommitCase(ctx, c, ev, domain.Attached{})
			}
			if err := commit(c, domain.ActCreate, "k1"); err != nil {
				t.Fatal(err)
			}
			stale := *c
			for i, a := range []domain.Action{domain.ActRegister, domain.ActRecord, domain.ActRecord} {
				if err := commit(c, a, "k"+string(rune('2'+i))); err != nil {
					t.Fatal(err)
				}
			}
			if err := commit(&stale, domain.ActDecline, "late"); domain.ErrorCode(err) != domain.Conflict {
				t.Fatalf("a stale writer: %v", err)
			}
			events, err := s.EventsOf(ctx, c.ID, 1, 4)
			if err != nil || len(events) != 4 || events[3].Seq != 4 || domain.AuditCase(c, events).Intact != true {
				t.Fatalf("events: %d %v", len(events), err)
			}
			if part, _ := s.EventsOf(ctx, c.ID, 2, 3); len(part) != 2 || part[0].Seq != 2 {
				t.Fatalf("events 2 to 3: %+v", part)
			}
			if err := s.ForgetCaseDocument(ctx, c.ID); err != nil {
				t.Fatal(err)
			}
			got, err := s.CaseByID(ctx, c.ID)
			if err != nil || got.EventCount != 4 || got.HeadHash != c.HeadHash || got.Version != 4 {
				t.Fatalf("rolled forward: %+v %v", got, err)
			}
			if k, ok := domain.FindKey(got.Keys, "k4"); !ok || k.Seq != 4 {
				t.Fatalf("the newest key after rolling forward: %+v", got.Keys)
			}
			at, ev, err := s.CaseAt(ctx, c.ID, 2)
			if err != nil || at.EventCount != 2 || ev.Action != domain.ActRegister {
				t.Fatalf("the case after event 2: %+v %+v %v", at, ev, err)
			}
			list, _, err := s.ListCases(ctx, domain.CaseFilter{AgencyID: "a1"}, domain.Page{Limit: 10})
			if err != nil || len(list) != 1 || list[0].Version != 4 {
				t.Fatalf("listed: %d %v", len(list), err)
			}
		})
	}
}
