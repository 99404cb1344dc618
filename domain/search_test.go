package domain

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// TestNameGramsFindEveryFragment: for any fragment of a name (what NameMatches accepts), every
// gram QueryGrams makes of it is among the name's NameGrams, so an index of the grams never
// misses a name that matches; and a fragment that is not in the name does not match.
func TestNameGramsFindEveryFragment(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 5))
	alphabet := []rune("青山区某某商贸有限公司王张三 ABCabc-1")
	for range 2000 {
		name := make([]rune, 1+rng.IntN(20))
		for i := range name {
			name[i] = alphabet[rng.IntN(len(alphabet))]
		}
		i := rng.IntN(len(name))
		j := i + 1 + rng.IntN(len(name)-i)
		frag := string(name[i:j])
		if strings.TrimSpace(frag) == "" {
			continue
		}
		if !NameMatches(string(name), strings.ToUpper(frag)) {
			t.Fatalf("%q does not match its fragment %q", string(name), frag)
		}
		grams := NameGrams(string(name))
		for _, g := range QueryGrams(frag) {
			if !slices.Contains(grams, g) {
				t.Fatalf("fragment %q of %q has gram %q, the name's grams %q do not", frag, string(name), g, grams)
			}
		}
	}
	for _, c := range []struct {
		name, q string
		want    bool
	}{
		{"青山区某某公司", "青山", true},
		{"青山区某某公司", "某某 青山", true},
		{"青山区某某公司", "青山公司", false},
		{"Li Ming Trading", "ming TRAD", true},
		{"王青山", "青山湖", false},
	} {
		if got := NameMatches(c.name, c.q); got != c.want {
			t.Errorf("NameMatches(%q, %q) = %v", c.name, c.q, got)
		}
	}
}

// TestSearchTextBounds: a search text is 1 to MaxSearchText characters without control
// characters; anything else is Unprocessable naming the parameter.
func TestSearchTextBounds(t *testing.T) {
	for _, bad := range []string{"", "   ", strings.Repeat("青", MaxSearchText+1), "青\x00", "a\nb", "\xff"} {
		if _, err := SearchText("q", bad); ErrorCode(err) != Unprocessable || err.(*Error).Fields["q"] == "" {
			t.Errorf("SearchText(%q): %v", bad, err)
		}
	}
	if s, err := SearchText("q", " "+strings.Repeat("青", MaxSearchText)+" "); err != nil || s != strings.Repeat("青", MaxSearchText) {
		t.Errorf("64 characters: %q %v", s, err)
	}
}
