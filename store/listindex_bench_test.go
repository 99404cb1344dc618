package store

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"
)

// BenchmarkCaseIndexPut adds cases with client-chosen (random) ids to an index that holds n.
func BenchmarkCaseIndexPut(b *testing.B) {
	for _, n := range []int{1000, 100000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			x := newListIndex("cases", caseEntryFields, caseEntryOf)
			rng := rand.New(rand.NewPCG(1, 2))
			entry := func() caseEntry {
				return caseEntry{ID: fmt.Sprintf("%016x%016x", rng.Uint64(), rng.Uint64()), Agency: "a", Status: "registered",
					Officers: []string{"o1", "o2"}, Created: time.Now(), Version: 1}
			}
			for range n {
				x.put(entry())
			}
			b.ResetTimer()
			for range b.N {
				x.put(entry())
			}
		})
	}
}
