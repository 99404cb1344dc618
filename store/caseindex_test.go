package store_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/zhifa/zhifa/domain"
	"github.com/zhifa/zhifa/store"
)

// TestCaseListIndexAgreesWithQueries writes random cases, pages through random filters both
// through the in-process index and with the database query, and expects the same cases at the
// same versions; then again after a clean restart (from the snapshot) and after a crash (from a
// scan).
func TestCaseListIndexAgreesWithQueries(t *testing.T) {
	ctx := context.Background()
	emb, err := store.StartEmbedded(ctx, t.TempDir(), quiet())
	if err != nil {
		t.Fatal(err)
	}
	defer emb.Close()
	connect := func() *store.Store {
		s, err := store.Connect(ctx, emb.URI(), "zhifa")
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	s := connect()
	if from, n, _, err := s.CaseIndex(ctx); err != nil || from != "scan" || n != 0 {
		t.Fatalf("first start: index from %q with %d cases (%v)", from, n, err)
	}

	rng := rand.New(rand.NewPCG(1, 2))
	agencies := []string{"a1", "a2", "a3"}
	officers := []string{"o1", "o2", "o3", "o4", "o5", "o6"}
	usccs := []string{"", "91350100M000100Y43", "91110000600037341L", "91310000MA1FL0JK9B"}
	statuses := domain.CaseStatuses
	now := time.Now().UTC()
	pick := func(s []string) string { return s[rng.IntN(len(s))] }
	var created []*domain.Case
	var midpoint time.Time
	for i := range 120 {
		c := &domain.Case{AgencyID: pick(agencies), Status: statuses[rng.IntN(len(statuses))], Procedure: domain.ProcedureGeneral,
			Party:      domain.Party{Kind: "enterprise", Name: "甲", USCC: pick(usccs)},
			OfficerIDs: []string{pick(officers), pick(officers)}, Deadline: now.Add(time.Duration(rng.IntN(200)-100) * time.Hour)}
		if i%7 == 0 {
			c.ID = fmt.Sprintf("client-chosen-%03d", rng.IntN(1000)) // ids that do not follow creation order
			if slices.ContainsFunc(created, func(o *domain.Case) bool { return o.ID == c.ID }) {
				continue
			}
		}
		if err := s.CreateCase(ctx, c); err != nil {
			t.Fatal(err)
		}
		if i == 60 {
			midpoint = c.CreatedAt
		}
		created = append(created, c)
	}
	// Move half of them on; a stale write of each fails and must not reach the index.
	for _, c := range created[:len(created)/2] {
		stale := *c
		c.Status = statuses[rng.IntN(len(statuses))]
		c.OfficerIDs = []string{pick(officers)}
		if err := s.UpdateCase(ctx, c); err != nil {
			t.Fatal(err)
		}
		stale.Status = domain.StatusClosed
		if err := s.UpdateCase(ctx, &stale); domain.ErrorCode(err) != domain.Conflict {
			t.Fatalf("stale write: %v", err)
		}
	}

	filters := []domain.CaseFilter{{}}
	for range 30 {
		f := domain.CaseFilter{}
		if rng.IntN(2) == 0 {
			f.AgencyID = pick(agencies)
		}
		if rng.IntN(3) == 0 {
			f.Status = statuses[rng.IntN(len(statuses))]
		}
		if rng.IntN(3) == 0 {
			f.OfficerID = pick(officers)
		}
		if rng.IntN(4) == 0 {
			f.EnterpriseUSCC = pick(usccs[1:])
		}
		if rng.IntN(4) == 0 {
			f.OverdueAt = now
		}
		switch rng.IntN(4) {
		case 0:
			f.CreatedFrom = midpoint
		case 1:
			f.CreatedTo = midpoint
		}
		filters = append(filters, f)
	}
	agree := func(s *store.Store, when string, n int) {
		t.Helper()
		for _, f := range filters[:n] {
			limit := 5 + rng.IntN(30)
			got, want := walk(t, ctx, s.ListCases, f, limit), walk(t, ctx, s.QueryCases, f, limit)
			if !slices.Equal(got, want) {
				t.Fatalf("%s: filter %+v limit %d:\nindex %v\nquery %v", when, f, limit, got, want)
			}
		}
	}
	agree(s, "live", len(filters))
	if got := walk(t, ctx, s.ListCases, domain.CaseFilter{}, 50); len(got) != len(created) {
		t.Fatalf("listed %d of %d cases", len(got), len(created))
	}

	// A clean shutdown leaves a snapshot; the next start takes it.
	if err := s.Close(ctx); err != nil {
		t.Fatal(err)
	}
	s = connect()
	if from, n, _, err := s.CaseIndex(ctx); err != nil || from != "snapshot" || n != len(created) {
		t.Fatalf("after a clean restart: index from %q with %d cases (%v)", from, n, err)
	}
	agree(s, "from snapshot", 10)

	// Writes after the restart, then a crash: the snapshot was used up, so the next start scans.
	for _, c := range created[len(created)/2:][:40] {
		c.Status = domain.StatusClosed
		if err := s.UpdateCase(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	crashed := s
	s = connect()
	defer s.Close(ctx)
	if from, n, _, err := s.CaseIndex(ctx); err != nil || from != "scan" || n != len(created) {
		t.Fatalf("after a crash: index from %q with %d cases (%v)", from, n, err)
	}
	agree(s, "from scan", 10)
	_ = crashed.Close(ctx)
}

// walk pages through every case a filter selects and returns "id@version:status" of each.
func walk(t *testing.T, ctx context.Context, list func(context.Context, domain.CaseFilter, domain.Page) ([]*domain.Case, string, error), f domain.CaseFilter, limit int) []string {
	t.Helper()
	var out []string
	cursor := ""
	for {
		page, next, err := list(ctx, f, domain.Page{Limit: limit, Cursor: cursor})
		if err != nil {
			t.Fatal(err)
		}
		if len(page) > limit {
			t.Fatalf("page of %d with limit %d", len(page), limit)
		}
		for _, c := range page {
			if len(c.Events) != 0 {
				t.Fatalf("list carries the events of %s", c.ID)
			}
			out = append(out, fmt.Sprintf("%s@%d:%s", c.ID, c.Version, c.Status))
		}
		if next == "" {
			return out
		}
		cursor = next
	}
}
