package api_test

import (
	"strings"
	"testing"
)

// TestPublicLinksComeFromConfiguration: card links once followed the request's Host header, so
// whoever sent the request chose where the QR code points. Links now carry the configured
// public address (a default when unset, the listen address under cmd/zhifa), and an https
// public address turns on HSTS.
func TestPublicLinksComeFromConfiguration(t *testing.T) {
	ta := newTestApp(t) // no PublicURL; every test request names Host example.com
	f := ta.newCaseAgency(t, 0)
	card := ta.cardFor(t, f, usccs[3], nil)
	if u := card.str("url"); !strings.HasPrefix(u, "http://127.0.0.1:8080/s/") || strings.Contains(string(card.Body), "example.com") {
		t.Fatalf("a card issued through Host example.com: %s", card.Body)
	}
	if h := ta.do("GET", "/healthz", nil, "").Header.Get("Strict-Transport-Security"); h != "" {
		t.Fatalf("HSTS on plain http: %q", h)
	}
	cfg := testConfig()
	cfg.PublicURL = "https://zhifa.gov.example/"
	secure := newTestAppWith(t, cfg, nil)
	g := secure.newCaseAgency(t, 0)
	if u := secure.cardFor(t, g, usccs[3], nil).str("url"); !strings.HasPrefix(u, "https://zhifa.gov.example/s/") {
		t.Fatalf("a card on the https address: %s", u)
	}
	if h := secure.do("GET", "/healthz", nil, "").Header.Get("Strict-Transport-Security"); !strings.Contains(h, "max-age=") {
		t.Fatalf("no HSTS on https: %q", h)
	}
}
