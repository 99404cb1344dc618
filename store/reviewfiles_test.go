package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/zhifa/zhifa/domain"
	"github.com/zhifa/zhifa/store"
)

// TestAReviewRoundsFilesReadBackAsStored: on both code paths a round's files come back in
// order and as last written, a stale write is refused and changes nothing, and a process that
// holds nothing reads the same; on the embedded engine a round's files read again cost no
// command (the scorecard reads every round's files).
func TestAReviewRoundsFilesReadBackAsStored(t *testing.T) {
	ctx := context.Background()
	emb, err := store.StartEmbedded(ctx, t.TempDir(), quiet())
	if err != nil {
		t.Fatal(err)
	}
	defer emb.Close()
	for _, path := range []string{"embedded", "as MongoDB"} {
		t.Run(path, func(t *testing.T) {
			name := map[string]string{"embedded": "rounds_e", "as MongoDB": "rounds_m"}[path]
			connect := map[string]func(context.Context, string) (*store.Store, error){"embedded": emb.Connect, "as MongoDB": emb.ConnectAsMongoDB}[path]
			s, err := connect(ctx, name)
			if err != nil {
				t.Fatal(err)
			}
			defer func() { _ = s.Drop(ctx); _ = s.Close(ctx) }()
			r := &domain.ReviewRound{BodyID: "b1", Name: "评查", From: time.Now(), To: time.Now(), Seed: "00", CreatedAt: time.Now(),
				Candidates: map[string][]string{"a1": {"c1", "c3", "c7"}, "a2": {"c2"}}, Sample: map[string][]string{"a1": {"c3", "c1"}, "a2": {"c2"}}}
			var files []*domain.ReviewFile
			for agency, ids := range r.Sample {
				for _, id := range ids {
					files = append(files, &domain.ReviewFile{AgencyID: agency, CaseID: id, CaseNumber: "N-" + id})
				}
			}
			if err := s.CreateReviewRound(ctx, r, files); err != nil {
				t.Fatal(err)
			}
			// One round with no files of its own beside it: its files are not r's.
			if err := s.CreateReviewRound(ctx, &domain.ReviewRound{BodyID: "b1", Name: "另一轮", Sample: map[string][]string{"a1": {"c9"}}},
				[]*domain.ReviewFile{{AgencyID: "a1", CaseID: "c9"}}); err != nil {
				t.Fatal(err)
			}
			check := func(what string, s *store.Store, total int, version int64) {
				t.Helper()
				got, err := s.ReviewFilesOf(ctx, r)
				if err != nil {
					t.Fatal(err)
				}
				if len(got) != 3 || got[0].CaseID != "c1" || got[1].CaseID != "c2" || got[2].CaseID != "c3" {
					t.Fatalf("%s: files %+v", what, got)
				}
				if got[0].Total != total || got[0].Version != version || got[0].Scored != (total > 0) {
					t.Fatalf("%s: c1's file %+v, want total %d version %d", what, got[0], total, version)
				}
				one, err := s.ReviewFileByID(ctx, got[0].ID)
				if err != nil || one.Total != total || one.Version != version {
					t.Fatalf("%s: by id %+v %v", what, one, err)
				}
			}
			// The body's rounds, a page of one at a time, in the order made and without their
			// candidates; another body's never.
			listed := func(what string, s *store.Store, want int) []string {
				t.Helper()
				var names []string
				for pg := (domain.Page{Limit: 1}); ; {
					rounds, next, err := s.ListReviewRounds(ctx, "b1", pg)
					if err != nil {
						t.Fatal(err)
					}
					for _, x := range rounds {
						if len(x.Candidates) > 0 || x.BodyID != "b1" || x.Name == "评查" && len(x.Sample["a1"]) != 2 {
							t.Fatalf("%s: round %+v", what, x)
						}
						names = append(names, x.Name)
					}
					if next == "" {
						break
					}
					pg.Cursor = next
				}
				if len(names) != want || names[0] != "评查" {
					t.Fatalf("%s: rounds %v, want %d", what, names, want)
				}
				return names
			}
			if err := s.CreateReviewRound(ctx, &domain.ReviewRound{BodyID: "b2", Name: "他人", Sample: map[string][]string{}}, nil); err != nil {
				t.Fatal(err)
			}
			listed("as created", s, 2)
			before := s.Commands()
			listed("listed again", s, 2)
			if n := s.CommandsSince(before)["find review_rounds"]; path == "embedded" && n != 0 {
				t.Fatalf("listed again from the engine: %d commands", n)
			}
			if err := s.CreateReviewRound(ctx, &domain.ReviewRound{BodyID: "b1", Name: "第三轮", Sample: map[string][]string{}}, nil); err != nil {
				t.Fatal(err)
			}
			if names := listed("after a third", s, 3); names[2] != "第三轮" {
				t.Fatalf("rounds %v", names)
			}
			whole, err := s.ReviewRoundByID(ctx, r.ID)
			if err != nil || len(whole.Candidates["a1"]) != 3 {
				t.Fatalf("the round read whole: %+v %v", whole, err)
			}
			check("as created", s, 0, 1)
			f, err := s.ReviewFileByID(ctx, r.ID+":c1")
			if err != nil {
				t.Fatal(err)
			}
			stale := *f
			f.Total, f.Scored = 87, true
			if err := s.UpdateReviewFile(ctx, f); err != nil {
				t.Fatal(err)
			}
			stale.Total = 10
			if err := s.UpdateReviewFile(ctx, &stale); domain.ErrorCode(err) != domain.Conflict {
				t.Fatalf("a stale write: %v", err)
			}
			check("scored", s, 87, 2)
			before = s.Commands()
			check("read again", s, 87, 2)
			if n := s.CommandsSince(before)["find review_files"]; path == "embedded" && n != 0 {
				t.Fatalf("read again from the engine: %d commands", n)
			}
			fresh, err := connect(ctx, name)
			if err != nil {
				t.Fatal(err)
			}
			defer fresh.Close(ctx)
			check("by a process that holds nothing", fresh, 87, 2)
			listed("by a process that holds nothing", fresh, 3)
		})
	}
}
