package store_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/zhifa/zhifa/domain"
	"github.com/zhifa/zhifa/store"
)

// TestTheScorecardsCasesComeFromTheIndex: what ScoredCases hands the scorecard is what each
// decided case says (domain.ScoredCaseOf), on both code paths, from an index kept up by
// commits, rebuilt by a scan of the engine's files, and read back from its snapshot; another
// agency's cases and cases without a decision never come.
func TestTheScorecardsCasesComeFromTheIndex(t *testing.T) {
	ctx := context.Background()
	emb, err := store.StartEmbedded(ctx, t.TempDir(), quiet())
	if err != nil {
		t.Fatal(err)
	}
	defer emb.Close()
	for _, path := range []string{"embedded", "as MongoDB"} {
		t.Run(path, func(t *testing.T) {
			name := map[string]string{"embedded": "scored_e", "as MongoDB": "scored_m"}[path]
			connect := map[string]func(context.Context, string) (*store.Store, error){"embedded": emb.Connect, "as MongoDB": emb.ConnectAsMongoDB}[path]
			s, err := connect(ctx, name)
			if err != nil {
				t.Fatal(err)
			}
			defer func() { _ = s.Drop(ctx); _ = s.Close(ctx) }()
			now := time.Now().UTC().Truncate(time.Millisecond)
			from, to := now.AddDate(0, 0, -30), now.AddDate(0, 0, 1)
			want := map[int64]domain.ScoredCase{}
			kinds := [][]domain.PenaltyKind{{domain.PenaltyFine}, {domain.PenaltyWarning, domain.PenaltyFine}, {domain.PenaltyLicenceRevoke}}
			commit := func(c *domain.Case) {
				t.Helper()
				if err := s.CommitCase(ctx, c, c.Seed(domain.Event{Action: domain.ActRecord, ActorID: "o1", At: now}), domain.Attached{}); err != nil {
					t.Fatal(err)
				}
			}
			for i := range 24 {
				c := &domain.Case{AgencyID: "a1", Status: domain.StatusInvestigating, Procedure: domain.ProcedureGeneral, MatterID: fmt.Sprintf("m%d", i%3),
					Party: domain.Party{Kind: "person", Name: "甲"}, Deadline: now.AddDate(0, 0, 60-i*5)}
				commit(c)
				if i%4 == 3 {
					continue // no decision: never scored
				}
				c.Status, c.DecidedAt = domain.StatusDecided, now.AddDate(0, 0, -i)
				c.Decision = &domain.Decision{Kind: "penalty", PenaltyKinds: kinds[i%len(kinds)], Fine: int64(1000 + i)}
				c.ReviewApproved = i%2 == 0
				c.Documents = map[domain.DocumentKind]string{domain.DocPenaltyDecision: "h1"}
				commit(c)
				if i%3 == 0 {
					c.Status, c.ServedAt = domain.StatusServed, now.AddDate(0, 0, -i+1)
					c.Documents[domain.DocCreditRepairNotice] = "h2"
					commit(c)
				}
				got, err := s.CaseByID(ctx, c.ID)
				if err != nil {
					t.Fatal(err)
				}
				sc := domain.ScoredCaseOf(got)
				if sc == nil || !sc.DecidedAt.Before(to) || sc.DecidedAt.Before(from) && (sc.ServedAt.Before(from) || !sc.ServedAt.Before(to)) {
					t.Fatalf("case %d: %+v", i, sc)
				}
				want[sc.Decision.Fine] = *sc
			}
			other := &domain.Case{AgencyID: "a2", Status: domain.StatusDecided, Procedure: domain.ProcedureGeneral, Party: domain.Party{Kind: "person", Name: "乙"},
				DecidedAt: now, Decision: &domain.Decision{Kind: "penalty", Fine: 99}}
			commit(other)
			check := func(what string, s *store.Store) {
				t.Helper()
				got := map[int64]domain.ScoredCase{}
				if err := s.ScoredCases(ctx, "a1", from, to, func(sc *domain.ScoredCase) {
					if _, twice := got[sc.Decision.Fine]; twice {
						t.Errorf("%s: the case fined %d came twice", what, sc.Decision.Fine)
					}
					got[sc.Decision.Fine] = *sc
				}); err != nil {
					t.Fatal(err)
				}
				if len(got) != len(want) {
					t.Fatalf("%s: %d cases, want %d", what, len(got), len(want))
				}
				for fine, w := range want {
					g, ok := got[fine]
					if !ok {
						t.Fatalf("%s: the case fined %d is missing", what, fine)
					}
					if g.ID != w.ID || g.Status != w.Status || g.Procedure != w.Procedure || g.MatterID != w.MatterID || !g.Deadline.Equal(w.Deadline) || !g.DecidedAt.Equal(w.DecidedAt) ||
						!g.ServedAt.Equal(w.ServedAt) || g.Decision.Kind != w.Decision.Kind || !slices.Equal(g.Decision.PenaltyKinds, w.Decision.PenaltyKinds) ||
						g.ReviewApproved != w.ReviewApproved || g.TwoDocuments != w.TwoDocuments {
						t.Fatalf("%s: case fined %d\n got %+v\nwant %+v", what, fine, g, w)
					}
				}
			}
			check("kept by commits", s)
			if path != "embedded" {
				return
			}
			builds, err := s.RebuildListIndexes(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if i := slices.IndexFunc(builds, func(b store.IndexBuild) bool { return b.Collection == "cases" }); i < 0 || builds[i].Entries != 25 {
				t.Fatalf("the rebuild: %+v", builds)
			}
			check("rebuilt from the engine's files", s)
			if err := s.Close(ctx); err != nil {
				t.Fatal(err)
			}
			if s, err = connect(ctx, name); err != nil {
				t.Fatal(err)
			}
			indexed(t, s, "snapshot", 25)
			check("read back from the snapshot", s)
		})
	}
}
