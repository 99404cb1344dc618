package store_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/zhifa/zhifa/domain"
	"github.com/zhifa/zhifa/store"
)

// TestEvidenceIsHeldAsLastWritten: on the embedded engine, evidence just written or read is
// answered without a command, and what is answered is always what the engine holds: racing
// writers and readers leave the held evidence equal to what a restarted process reads.
func TestEvidenceIsHeldAsLastWritten(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s, err := store.Open(ctx, store.Config{Database: "zhifa", DataDir: dir, Logger: quiet()})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for i := range 10 {
		e := &domain.Evidence{ID: fmt.Sprintf("ev-%d", i), AgencyID: "a", InspectionID: "in", Kind: domain.EvidencePhoto, SHA256: fmt.Sprintf("%064x", i),
			Size: 10, ContentType: "image/jpeg", CapturedAt: time.Now(), OfficerIDs: []string{"o1"}, Status: domain.EvidencePending, CreatedBy: "o1", CreatedAt: time.Now()}
		if err := s.SaveEvidence(ctx, e); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, e.ID)
	}
	before := s.Commands()
	got, err := s.EvidenceByIDs(ctx, ids)
	if err != nil || len(got) != 10 {
		t.Fatalf("read: %d %v", len(got), err)
	}
	if sent := s.CommandsSince(before); len(sent) != 0 {
		t.Errorf("reading ten pieces of evidence just written sent %v", sent)
	}
	// What a caller changes in what it read is its own.
	got[0].OfficerIDs[0] = "changed by a caller"
	if again, _ := s.EvidenceByID(ctx, ids[0]); again.OfficerIDs[0] != "o1" {
		t.Fatalf("the held evidence changed with the caller's copy: %v", again.OfficerIDs)
	}

	// Writers race on every piece (each retries on conflict), readers read meanwhile.
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				if _, err := s.EvidenceByIDs(ctx, ids); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	var writers sync.WaitGroup
	for w := range 4 {
		writers.Add(1)
		go func() {
			defer writers.Done()
			for round := range 5 {
				for _, id := range ids {
					for {
						e, err := s.EvidenceByID(ctx, id)
						if err != nil {
							t.Error(err)
							return
						}
						e.Reason = fmt.Sprintf("writer %d round %d", w, round)
						err = s.SaveEvidence(ctx, e)
						if err == nil {
							break
						}
						if domain.ErrorCode(err) != domain.Conflict {
							t.Error(err)
							return
						}
					}
				}
			}
		}()
	}
	writers.Wait()
	close(stop)
	wg.Wait()
	held := map[string]*domain.Evidence{}
	for _, id := range ids {
		e, err := s.EvidenceByID(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if e.Version != 21 {
			t.Errorf("%s: version %d after 20 writes, want 21", id, e.Version)
		}
		held[id] = e
	}
	if err := s.Close(ctx); err != nil {
		t.Fatal(err)
	}

	s, err = store.Open(ctx, store.Config{Database: "zhifa", DataDir: dir, Logger: quiet()})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(ctx)
	before = s.Commands()
	for _, id := range ids {
		e, err := s.EvidenceByID(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if e.Version != held[id].Version || e.Reason != held[id].Reason {
			t.Errorf("%s: the engine has v%d %q, the process held v%d %q", id, e.Version, e.Reason, held[id].Version, held[id].Reason)
		}
	}
	if sent := s.CommandsSince(before); sent["find evidence"] != 10 {
		t.Errorf("a new process read its evidence with %v, want one find each", sent)
	}
	before = s.Commands()
	if _, err := s.EvidenceByIDs(ctx, ids); err != nil {
		t.Fatal(err)
	}
	if sent := s.CommandsSince(before); len(sent) != 0 {
		t.Errorf("read again: %v", sent)
	}
}
