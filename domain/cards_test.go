package domain

import (
	"strings"
	"testing"
)

func TestCardCodes(t *testing.T) {
	seen := map[string]bool{}
	for range 2000 {
		c := NewCardCode()
		if len(c) != 14 || seen[c] {
			t.Fatalf("code %q (len %d, seen %v)", c, len(c), seen[c])
		}
		seen[c] = true
		if got, err := ParseCardCode(strings.ToLower(FormatCardCode(c))); err != nil || got != c {
			t.Fatalf("parse %s: %q %v", FormatCardCode(c), got, err)
		}
		// Every single wrong character and every swap of neighbours is caught.
		for i := range c {
			for _, r := range cardAlphabet {
				if byte(r) == c[i] {
					continue
				}
				if _, err := ParseCardCode(c[:i] + string(r) + c[i+1:]); err == nil {
					t.Fatalf("%s with character %d changed to %c passes", c, i, r)
				}
			}
			if i+1 < len(c) && c[i] != c[i+1] {
				if _, err := ParseCardCode(c[:i] + string(c[i+1]) + string(c[i]) + c[i+2:]); err == nil {
					t.Fatalf("%s with characters %d and %d swapped passes", c, i, i+1)
				}
			}
		}
	}
	for _, bad := range []string{"", "0000", strings.Repeat("Z", 14), "<script>", strings.Repeat("A", 100), "ÄÄÄÄÄÄÄÄÄÄÄÄÄÄ"} {
		if _, err := ParseCardCode(bad); ErrorCode(err) != NotFound {
			t.Errorf("%q: %v", bad, err)
		}
	}
}

func TestFeedbackValidation(t *testing.T) {
	ok := Feedback{Rating: 1, Tags: []string{"廉洁"}, Comment: " 态度很差 ", Phone: "138 0013 8000"}
	if err := ok.Validate(); err != nil || ok.Comment != "态度很差" || ok.Phone != "13800138000" || !ok.Serious() {
		t.Fatalf("%+v %v", ok, err)
	}
	if good := (Feedback{Rating: 5, Tags: []string{"效率"}}); good.Validate() != nil || good.Serious() {
		t.Fatal("a good rating")
	}
	for _, f := range []Feedback{{Rating: 0}, {Rating: 6}, {Rating: 3, Tags: []string{"x"}}, {Rating: 3, Tags: []string{"态度", "态度"}},
		{Rating: 3, Comment: strings.Repeat("长", 501)}, {Rating: 3, Comment: "a\x00b"}, {Rating: 3, Phone: "12345"}} {
		if ErrorCode(f.Validate()) != Invalid {
			t.Errorf("%+v passes", f)
		}
	}
}

func TestCardRatingSlotReadsWhatCardRatingIDWrote(t *testing.T) {
	for _, n := range []int{1, 5, 12} {
		if got := CardRatingSlot("D87DXREN8ZCCZM", CardRatingID("D87DXREN8ZCCZM", n)); got != n {
			t.Fatalf("slot of rating %d read as %d", n, got)
		}
	}
	for _, id := range []string{"OTHERCODE-3", "D87DXREN8ZCCZM-x", "D87DXREN8ZCCZM", ""} {
		if got := CardRatingSlot("D87DXREN8ZCCZM", id); got != 0 {
			t.Fatalf("%q read as slot %d", id, got)
		}
	}
}
