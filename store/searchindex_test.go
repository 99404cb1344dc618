package store

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestPostingKeepsIDsInOrder inserts and removes random ids in a posting as it grows past its
// small slice into a tree, and expects the ids in order from any point, as a sorted set has them.
func TestPostingKeepsIDsInOrder(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 4))
	var p posting
	want := map[string]bool{}
	for i := range 3000 {
		id := fmt.Sprintf("%04d", rng.IntN(400))
		if rng.IntN(3) == 0 {
			p.remove(id)
			delete(want, id)
		} else {
			p.insert(id)
			want[id] = true
		}
		if i%50 != 0 {
			continue
		}
		from := fmt.Sprintf("%04d", rng.IntN(400))
		var got, sorted []string
		p.ascend(from, func(id string) bool { got = append(got, id); return true })
		for id := range want {
			if id >= from {
				sorted = append(sorted, id)
			}
		}
		slices.Sort(sorted)
		if !slices.Equal(got, sorted) || p.len() != len(want) {
			t.Fatalf("after %d operations from %s: %v (len %d), want %v (len %d)", i, from, got, p.len(), sorted, len(want))
		}
	}
	if p.tree == nil {
		t.Fatal("the posting never grew into a tree: the test covers half of it")
	}
}
