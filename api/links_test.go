package api_test

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/zhifa/zhifa/api"
	"github.com/zhifa/zhifa/domain"
	"github.com/zhifa/zhifa/media"
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

// unlinkable is the embedded gateway as cmd/zhifa opens it: on a loopback port no phone reaches.
type unlinkable struct{ domain.Objects }

func (unlinkable) Linkable() bool { return false }

// TestEvidenceLinksReachablePhones: ?link=true once redirected to the embedded gateway at
// 127.0.0.1:<port>; on an embedded store the API now serves the bytes itself, and a configured
// public S3 address is what links are signed for.
func TestEvidenceLinksReachablePhones(t *testing.T) {
	ta := newTestAppWith(t, testConfig(), nil, func(d *api.Deps) { d.Objects = unlinkable{d.Objects} })
	f := ta.newCaseAgency(t, 0)
	id := ta.openInvestigating(t, f)
	pic := photo(t, 64, 48)
	r := ta.do("POST", "/v1/cases/"+id+"/evidence", evidenceBody(f, "photo", "image/png", pic), f.officerTok)
	evID := r.JSON["evidence"].(map[string]any)["id"].(string)
	if put := ta.do("PUT", "/v1/evidence/"+evID+"/content", pic, f.officerTok, "Content-Type", "application/octet-stream"); put.Status != 200 {
		t.Fatalf("PUT: %d %s", put.Status, put.Body)
	}
	link := ta.do("GET", "/v1/evidence/"+evID+"/content?link=true", nil, f.officerTok)
	if link.Status != 200 || link.Header.Get("Location") != "" || !bytes.Equal(link.Body, pic) {
		t.Fatalf("a link on the embedded store: %d %q (%d bytes)", link.Status, link.Header.Get("Location"), len(link.Body))
	}

	pub, err := media.Connect(context.Background(), media.Config{Endpoint: s3.Endpoint(), AccessKey: s3.AccessKey(), SecretKey: s3.SecretKey(),
		Region: s3.Region(), Bucket: randomName("t-"), PublicEndpoint: "https://files.zhifa.example"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = pub.RemoveBucket(context.Background()) })
	u, err := pub.PresignGet(context.Background(), "evidence/x", time.Minute, "照片.png", "image/png")
	if err != nil || !strings.HasPrefix(u, "https://files.zhifa.example/") || !pub.Linkable() {
		t.Fatalf("a link signed for the public address: %q %v", u, err)
	}
}
