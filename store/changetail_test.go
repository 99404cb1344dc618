package store_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/zhifa/zhifa/domain"
	"github.com/zhifa/zhifa/store"
)

// TestTheChangeLogHeldInProcessIsTheLog: on the embedded engine a log's first read takes it
// whole and later writes are added as they land, so pages read while others write, after a
// restart and across the log's reserved blocks are exactly the changes written, in order,
// each once, with no command to the engine for a page once the log is held.
func TestTheChangeLogHeldInProcessIsTheLog(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	open := func() *store.Store {
		s, err := store.Open(ctx, store.Config{Database: "zhifa", DataDir: dir, Logger: quiet()})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	write := func(s *store.Store, log string, from, n int) {
		t.Helper()
		for i := from; i < from+n; i++ {
			if err := s.RecordChange(ctx, &domain.Change{AgencyID: log, Kind: "case", ObjectID: fmt.Sprintf("c%03d", i), EventSeq: 1}); err != nil {
				t.Fatal(err)
			}
		}
	}
	// all pages through the log from the start, 7 at a time.
	all := func(s *store.Store, log string) []string {
		t.Helper()
		var out []string
		after := int64(0)
		for {
			page, err := s.ChangesSince(ctx, log, after, 7)
			if err != nil {
				t.Fatal(err)
			}
			if len(page) == 0 {
				return out
			}
			for _, ch := range page {
				if ch.Seq <= after {
					t.Fatalf("change %d after %d", ch.Seq, after)
				}
				after = ch.Seq
				out = append(out, ch.ObjectID)
			}
		}
	}
	check := func(got []string, n int) {
		t.Helper()
		if len(got) != n {
			t.Fatalf("%d changes read, want %d", len(got), n)
		}
		for i, id := range got {
			if id != fmt.Sprintf("c%03d", i) {
				t.Fatalf("change %d is %s", i, id)
			}
		}
	}
	s := open()
	write(s, "a", 0, 20)
	check(all(s, "a"), 20)
	// Writes while pages are read: each reader sees a prefix of the log, in order.
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); write(s, "a", 20, 80) }()
	for range 5 {
		got := all(s, "a")
		check(got, len(got))
	}
	wg.Wait()
	check(all(s, "a"), 100)
	before := s.Commands()
	if page, err := s.ChangesSince(ctx, "a", 50, 50); err != nil || len(page) != 50 {
		t.Fatalf("a page of 50: %d %v", len(page), err)
	}
	if n := s.CommandsSince(before); len(n) != 0 {
		t.Fatalf("a page of the held log sent the engine %v", n)
	}
	if err := s.Close(ctx); err != nil {
		t.Fatal(err)
	}
	// A restart: the log is read again and goes on past the numbers the last block left.
	s = open()
	defer s.Close(ctx)
	write(s, "a", 100, 5)
	check(all(s, "a"), 105)
	// Another log read for the first time while it is written.
	wg.Add(1)
	go func() { defer wg.Done(); write(s, "b", 0, 30) }()
	all(s, "b")
	wg.Wait()
	check(all(s, "b"), 30)
}
