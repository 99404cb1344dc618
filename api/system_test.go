package api_test

import (
	"context"
	"io"
	"net/http"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/gofiber/fiber/v2"

	"github.com/zhifa/zhifa/api"
)

func TestSystemEndpoints(t *testing.T) {
	ta := newTestApp(t)
	ta.run([]scenario{
		{Name: "healthz", Method: "GET", URL: "/healthz", Status: 200, Contains: []string{`"ok"`}},
		{Name: "readyz names both stores", Method: "GET", URL: "/readyz", Status: 200, Contains: []string{`"documents":"ok"`, `"objects":"ok"`}},
		{Name: "jwks publishes an Ed25519 key", Method: "GET", URL: "/.well-known/jwks.json", Status: 200, Contains: []string{`"kty":"OKP"`, `"crv":"Ed25519"`, `"alg":"EdDSA"`}, NotContains: []string{`"d"`}},
		{Name: "openapi.json", Method: "GET", URL: "/openapi.json", Status: 200, Contains: []string{`"openapi":"3.1.0"`}},
		{Name: "unknown route is a problem", Method: "GET", URL: "/v1/nothing", Status: 404, Contains: []string{`"code":"not_found"`, `"request_id"`}},
		{Name: "metrics count requests by route", Method: "GET", URL: "/metrics", Headers: []string{"Authorization", "Bearer " + metricsToken}, Status: 200,
			Contains: []string{`zhifa_http_requests_total{method="GET",route="/healthz",status="200"} 1`}},
		{Name: "metrics without the token", Method: "GET", URL: "/metrics", Status: 401, NotContains: []string{"zhifa_http"}},
		{Name: "metrics with another token", Method: "GET", URL: "/metrics", Headers: []string{"Authorization", "Bearer guess"}, Status: 401},
	})
}

// TestMetricsUnderConcurrentMixedMethods sends GET, POST, PUT, PATCH and DELETE at once over a
// real listener; every series carries a method that was sent, every count adds up, and the
// scrape answers 200 throughout.
func TestMetricsUnderConcurrentMixedMethods(t *testing.T) {
	ta := newTestApp(t)
	base := ta.serve()
	methods := []string{"GET", "POST", "PUT", "PATCH", "DELETE"}
	const perMethod = 120
	var wg sync.WaitGroup
	for _, m := range methods {
		for w := range 3 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := w; i < perMethod; i += 3 {
					req, _ := http.NewRequest(m, base+"/v1/agencies/x"+strconv.Itoa(i), strings.NewReader("{}"))
					req.Header.Set("Content-Type", "application/json")
					if res, err := http.DefaultClient.Do(req); err == nil {
						_, _ = io.Copy(io.Discard, res.Body)
						res.Body.Close()
					}
				}
			}()
		}
	}
	scrape := func() string {
		req, _ := http.NewRequest("GET", base+"/metrics", nil)
		req.Header.Set("Authorization", "Bearer "+metricsToken)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		if res.StatusCode != 200 {
			t.Fatalf("scrape: %d %s", res.StatusCode, b)
		}
		return string(b)
	}
	for range 5 {
		scrape()
	}
	wg.Wait()
	body := scrape()
	counts := map[string]float64{}
	for _, line := range strings.Split(body, "\n") {
		if !strings.HasPrefix(line, "zhifa_http_requests_total{") {
			continue
		}
		m := regexp.MustCompile(`method="([^"]*)"`).FindStringSubmatch(line)
		if m == nil || !slices.Contains(append(methods, "HEAD", "OPTIONS"), m[1]) {
			t.Errorf("a series with a corrupted method: %s", line)
			continue
		}
		n, _ := strconv.ParseFloat(line[strings.LastIndex(line, " ")+1:], 64)
		counts[m[1]] += n
	}
	for _, m := range methods {
		want := float64(perMethod)
		switch m {
		case "GET":
			want += 5 // the scrapes
		case "POST":
			want++ // the test app's sign-in
		}
		if counts[m] != want {
			t.Errorf("%s counted %v times, want %v", m, counts[m], want)
		}
	}
}

func TestReadyzNamesTheFailingPart(t *testing.T) {
	ta := newTestApp(t)
	closed, err := connectStore(context.Background(), randomName("t_"))
	if err != nil {
		t.Fatal(err)
	}
	_ = closed.Drop(context.Background())
	_ = closed.Close(context.Background())
	app, err := api.New(testConfig(), api.Deps{Repo: ta.store, Passwords: ta.pw, Key: ta.key, Log: discardLog(),
		Checks: []api.Check{{Name: "documents", Ping: closed.Ping}, {Name: "objects", Ping: ta.media.Ping}}})
	if err != nil {
		t.Fatal(err)
	}
	ta.app = app
	r := ta.do("GET", "/readyz", nil, "")
	if r.Status != 503 || !strings.Contains(r.str("detail"), "documents") || strings.Contains(r.str("detail"), "objects") {
		t.Fatalf("got %d %s", r.Status, r.Body)
	}
	if r.Header.Get("Retry-After") == "" {
		t.Fatal("503 without Retry-After")
	}
}

// TestRoutesMatchSpec fails when a route is missing from openapi.yaml or a spec path is not routed.
func TestRoutesMatchSpec(t *testing.T) {
	ta := newTestApp(t)
	routed := map[string]bool{}
	param := regexp.MustCompile(`:([a-z_]+)`)
	gets := map[string]bool{}
	for _, r := range ta.app.GetRoutes(true) {
		if r.Method == fiber.MethodGet {
			gets[r.Path] = true
		}
	}
	for _, r := range ta.app.GetRoutes(true) {
		// fiber answers HEAD wherever there is a GET; a HEAD of its own is documented.
		if r.Method == fiber.MethodHead && gets[r.Path] || r.Method == "USE" || r.Path == "/" {
			continue
		}
		routed[r.Method+" "+strings.ReplaceAll(param.ReplaceAllString(r.Path, "{$1}"), "*", "{path}")] = true
	}
	specRoutes := map[string]bool{}
	for path, item := range specDoc(t).Paths.Map() {
		for method := range item.Operations() {
			specRoutes[method+" "+path] = true
		}
	}
	var missing, unrouted []string
	for r := range routed {
		if !specRoutes[r] {
			missing = append(missing, r)
		}
	}
	for r := range specRoutes {
		if !routed[r] {
			unrouted = append(unrouted, r)
		}
	}
	sort.Strings(missing)
	sort.Strings(unrouted)
	if len(missing) > 0 {
		t.Errorf("routes missing from openapi.yaml: %v", missing)
	}
	if len(unrouted) > 0 {
		t.Errorf("spec paths with no route: %v", unrouted)
	}
	if len(routed) < 20 {
		t.Fatalf("only %d routes found", len(routed))
	}
}

func TestMalformedAndOversizedBodies(t *testing.T) {
	ta := newTestApp(t)
	big := `{"name":"` + strings.Repeat("x", 70*1024) + `"}`
	ta.run([]scenario{
		{Name: "not JSON", Method: "POST", URL: "/v1/agencies", Body: "{name:", Token: ta.sysTok, Status: 400, Contains: []string{`"code":"invalid"`, "not valid JSON"}},
		{Name: "trailing data", Method: "POST", URL: "/v1/auth/login", Body: `{"username":"root","password":"x"} {}`, Status: 400, Contains: []string{"after the JSON value"}},
		{Name: "wrong type names the field", Method: "POST", URL: "/v1/agencies", Body: `{"name": 5}`, Token: ta.sysTok, Status: 400, Contains: []string{`"errors":{"name":"must be a string"}`}},
		{Name: "empty body", Method: "POST", URL: "/v1/agencies", Body: "", Token: ta.sysTok, Status: 400},
		{Name: "validation lists every field", Method: "POST", URL: "/v1/agencies", Body: map[string]any{"name": "", "uscc": "91350100M000100Y44", "jurisdiction": map[string]string{"district": ""}}, Token: ta.sysTok, Status: 400,
			Contains: []string{`"name":"required`, `"uscc":"the check character should be 3"`, `"jurisdiction.district":"required"`}},
	})
	// A body over the limit needs a real listener (fiber's in-memory Test cannot answer one).
	before := ta.do("GET", "/v1/agencies?limit=200", nil, ta.sysTok)
	over := postOversized(t, ta.serve(), "/v1/agencies", ta.sysTok, big)
	if over.Status != 413 || over.Header.Get("Content-Type") != "application/problem+json" || over.str("code") != "too_large" {
		t.Fatalf("oversized body: %d %s %s", over.Status, over.Header.Get("Content-Type"), over.Body)
	}
	after := ta.do("GET", "/v1/agencies?limit=200", nil, ta.sysTok)
	items := func(r response) int { l, _ := r.JSON["items"].([]any); return len(l) }
	if before.Status != 200 || after.Status != 200 || items(after) != items(before) {
		t.Fatalf("the oversized agency was stored: %s before, %s after", before.Body, after.Body)
	}

	r := ta.do("POST", "/v1/auth/login", `{"username":"root","password":"`+testPassword+`"}`, "", "Content-Type", "text/plain")
	if r.Status != 400 || !strings.Contains(string(r.Body), "application/json") {
		t.Fatalf("text/plain body: %d %s", r.Status, r.Body)
	}
	if r.Header.Get("Content-Type") != "application/problem+json" {
		t.Fatalf("problem content type: %q", r.Header.Get("Content-Type"))
	}
}
