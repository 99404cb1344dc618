package api_test

import (
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/zhifa/zhifa/domain"
)

// TestDocumentedExamplesPassTheDomainChecks: every credit code, ID number and phone number
// written in README.md and openapi.yaml passes the checks the API applies to them (the
// README's and the spec's example enterprise failed its own check character).
func TestDocumentedExamplesPassTheDomainChecks(t *testing.T) {
	keyed := regexp.MustCompile(`\b(uscc|party_uscc|id_number|phone|contact_phone|party_phone)\\?"?\s*:\s*\\?"?([0-9A-Z]{10,})\b`)
	bare := regexp.MustCompile(`\b[0-9][0-9A-Z]{17}\b`)
	checked := 0
	for _, name := range []string{"README.md", filepath.Join("openapi", "openapi.yaml")} {
		raw, err := os.ReadFile(filepath.Join(testdata, "..", "..", name))
		if err != nil {
			t.Fatal(err)
		}
		text := string(raw)
		for _, m := range keyed.FindAllStringSubmatch(text, -1) {
			key, v := m[1], m[2]
			checked++
			switch key {
			case "uscc", "party_uscc":
				if _, err := domain.ParseUSCC(v); err != nil {
					t.Errorf("%s: %s %s: %v", name, key, v, err)
				}
			case "id_number":
				if _, err := domain.ParseIDNumber(v); err != nil {
					t.Errorf("%s: %s %s: %v", name, key, v, err)
				}
			default:
				if !domain.ValidPhone(v) {
					t.Errorf("%s: %s %s is not a mobile number", name, key, v)
				}
			}
		}
		for _, v := range bare.FindAllString(text, -1) {
			checked++
			_, e1 := domain.ParseUSCC(v)
			_, e2 := domain.ParseIDNumber(v)
			if e1 != nil && e2 != nil {
				t.Errorf("%s: %s is neither a valid credit code (%v) nor a valid ID number (%v)", name, v, e1, e2)
			}
		}
	}
	if checked < 10 {
		t.Fatalf("only %d examples found", checked)
	}
}
