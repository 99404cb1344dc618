package store_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/zhifa/zhifa/domain"
	"github.com/zhifa/zhifa/store"
)

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// TestEmbeddedKeepsDataAcrossRestarts opens the embedded engine twice on one data dir (the
// second open also proves index creation is idempotent) and a second engine on another dir
// at the same time.
func TestEmbeddedKeepsDataAcrossRestarts(t *testing.T) {
	ctx := context.Background()
	dir, other := t.TempDir(), t.TempDir()
	open := func(d string) *store.Store {
		s, err := store.Open(ctx, store.Config{Database: "zhifa", DataDir: d, Logger: quiet()})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	s := open(dir)
	u := &domain.User{Username: "keeper", Name: "K", Roles: []domain.Role{domain.RoleSysadmin}, Status: domain.UserActive}
	if err := s.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	if s.Engine() != "ferretdb-embedded" {
		t.Fatalf("engine %q", s.Engine())
	}
	// A second server on another data dir runs beside the first without colliding.
	s2 := open(other)
	if n, err := s2.CountUsers(ctx); err != nil || n != 0 {
		t.Fatalf("other data dir sees %d users (%v)", n, err)
	}
	if err := s2.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(ctx); err != nil {
		t.Fatal(err)
	}

	s = open(dir)
	defer s.Close(ctx)
	got, err := s.UserByUsername(ctx, "keeper")
	if err != nil || got.ID != u.ID {
		t.Fatalf("after restart: %+v %v", got, err)
	}
	// The unique index survived the restart.
	dup := &domain.User{Username: "keeper", Name: "K2", Roles: []domain.Role{domain.RoleSysadmin}, Status: domain.UserActive}
	if err := s.CreateUser(ctx, dup); domain.ErrorCode(err) != domain.Conflict {
		t.Fatalf("duplicate username: %v", err)
	}
}

func TestOptimisticVersions(t *testing.T) {
	ctx := context.Background()
	s, err := store.Open(ctx, store.Config{Database: "zhifa", DataDir: t.TempDir(), Logger: quiet()})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(ctx)
	u := &domain.User{Username: "v", Name: "V", Roles: []domain.Role{domain.RoleSysadmin}, Status: domain.UserActive}
	if err := s.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	a, _ := s.UserByID(ctx, u.ID)
	b, _ := s.UserByID(ctx, u.ID)
	a.Name = "A"
	if err := s.UpdateUser(ctx, a); err != nil {
		t.Fatal(err)
	}
	b.Name = "B"
	if err := s.UpdateUser(ctx, b); domain.ErrorCode(err) != domain.Conflict {
		t.Fatalf("stale write: %v", err)
	}
	if got, _ := s.UserByID(ctx, u.ID); got.Name != "A" || got.Version != 2 {
		t.Fatalf("got %q v%d", got.Name, got.Version)
	}
	if _, err := s.UserByID(ctx, "nope"); domain.ErrorCode(err) != domain.NotFound {
		t.Fatalf("missing user: %v", err)
	}
}

// TestConcurrentConditionalWrites races many versioned updates of one document: exactly one
// may win, on either engine.
func TestConcurrentConditionalWrites(t *testing.T) {
	ctx := context.Background()
	s, err := store.Open(ctx, store.Config{Database: "zhifa", DataDir: t.TempDir(), Logger: quiet()})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(ctx)
	u := &domain.User{Username: "race", Name: "R", Roles: []domain.Role{domain.RoleSysadmin}, Status: domain.UserActive}
	if err := s.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	for round := 0; round < 5; round++ {
		base, _ := s.UserByID(ctx, u.ID)
		var wg sync.WaitGroup
		var wins atomic.Int32
		for i := 0; i < 8; i++ {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				c := *base
				c.Name = fmt.Sprint("writer ", i)
				if err := s.UpdateUser(ctx, &c); err == nil {
					wins.Add(1)
				} else if domain.ErrorCode(err) != domain.Conflict {
					t.Error(err)
				}
			}(i)
		}
		wg.Wait()
		if wins.Load() != 1 {
			t.Fatalf("round %d: %d writers won", round, wins.Load())
		}
	}
	seen := map[int64]bool{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for i := 0; i < 40; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			n, err := s.NextCaseNumber(ctx, "a", 2026)
			mu.Lock()
			defer mu.Unlock()
			if err != nil || seen[n] {
				t.Errorf("number %d handed out twice (%v)", n, err)
			}
			seen[n] = true
		}()
	}
	wg.Wait()
}

// TestIdempotencyClaimsOfADeadLifeAreTakenOver: a key claimed and left in flight by a process
// that was killed is taken over at once by the next life of the same instance; another
// instance's claim in flight is not (it may still answer), until it is stale.
func TestIdempotencyClaimsOfADeadLifeAreTakenOver(t *testing.T) {
	ctx := context.Background()
	s, err := store.Open(ctx, store.Config{Database: "zhifa", DataDir: t.TempDir(), Logger: quiet()})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(ctx)
	now := time.Now()
	first := domain.Claimant{Instance: "one", Life: "a"}
	if rec, err := s.BeginRequest(ctx, "u\x00k", "h", first, now, time.Minute); err != nil || rec != nil {
		t.Fatalf("the first claim: %v %v", rec, err)
	}
	if rec, err := s.BeginRequest(ctx, "u\x00k", "h", domain.Claimant{Instance: "two", Life: "x"}, now, time.Minute); err != nil || rec == nil || rec.Done {
		t.Fatalf("another instance took a live claim: %v %v", rec, err)
	}
	if rec, err := s.BeginRequest(ctx, "u\x00k", "h", first, now, time.Minute); err != nil || rec == nil {
		t.Fatalf("the same life took its own claim again: %v %v", rec, err)
	}
	if rec, err := s.BeginRequest(ctx, "u\x00k", "h", domain.Claimant{Instance: "one", Life: "b"}, now, time.Minute); err != nil || rec != nil {
		t.Fatalf("the next life of the instance did not take the dead claim over: %v %v", rec, err)
	}
	if rec, err := s.BeginRequest(ctx, "u\x00k", "h", domain.Claimant{Instance: "two", Life: "x"}, now.Add(2*time.Minute), time.Minute); err != nil || rec != nil {
		t.Fatalf("a stale claim was not taken over: %v %v", rec, err)
	}
}
