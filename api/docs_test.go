package api_test

import (
	"bytes"
	"regexp"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3filter"
)

// The spec check reads the docs page's scripts and stylesheet as text.
func init() {
	openapi3filter.RegisterBodyDecoder("text/javascript", openapi3filter.PlainBodyDecoder)
	openapi3filter.RegisterBodyDecoder("text/css", openapi3filter.PlainBodyDecoder)
	openapi3filter.RegisterBodyDecoder("image/svg+xml", openapi3filter.PlainBodyDecoder)
}

var (
	pageRef = regexp.MustCompile(`(?i)\b(?:src|href)\s*=\s*"([^"]*)"`)
	cssURL  = regexp.MustCompile(`url\(\s*("[^"]*"|'[^']*'|[^)]*)\s*\)`)
)

// TestDocsNeedNothingFromOtherHosts loads /docs as a browser does: the page, then each script
// and stylesheet it names. All come from this server and none names another host. Swagger UI's
// bundle mentions URLs in its code and licence texts; the page's CSP, allowing only this
// server, is what keeps a browser from loading any of them, so the test pins that too.
func TestDocsNeedNothingFromOtherHosts(t *testing.T) {
	ta := newTestApp(t)
	page := ta.do("GET", "/docs", nil, "")
	if page.Status != 200 || !strings.HasPrefix(page.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("got %d %s", page.Status, page.Header.Get("Content-Type"))
	}
	checkSelfOnlyCSP(t, page.Header.Get("Content-Security-Policy"))
	if m := regexp.MustCompile(`https?://`).Find(page.Body); m != nil {
		t.Errorf("the page names another host: %s", page.Body)
	}

	loaded := map[string][]byte{}
	for _, m := range pageRef.FindAllSubmatch(page.Body, -1) {
		ref := string(m[1])
		switch {
		case strings.HasPrefix(ref, "data:"), ref == "/openapi.json":
			continue
		case !strings.HasPrefix(ref, "/") || strings.HasPrefix(ref, "//"):
			t.Errorf("the page loads %s, not a path on this server", ref)
			continue
		}
		r := ta.do("GET", ref, nil, "")
		if r.Status != 200 {
			t.Errorf("GET %s: %d", ref, r.Status)
		}
		loaded[ref] = r.Body
	}
	for _, want := range []string{"/docs/assets/swagger-ui.css", "/docs/assets/swagger-ui-bundle.js", "/docs/assets/docs.js"} {
		if loaded[want] == nil {
			t.Errorf("the page does not load %s", want)
		}
	}
	if !bytes.Contains(loaded["/docs/assets/swagger-ui-bundle.js"], []byte("SwaggerUIBundle")) {
		t.Error("the bundle is not Swagger UI")
	}
	start := loaded["/docs/assets/docs.js"]
	if !bytes.Contains(start, []byte(`url: "/openapi.json"`)) || !bytes.Contains(start, []byte("validatorUrl: null")) {
		t.Errorf("docs.js does not render this server's spec, or asks the default validator: %s", start)
	}
	if regexp.MustCompile(`https?://`).Match(start) {
		t.Errorf("docs.js names another host: %s", start)
	}
	for _, m := range cssURL.FindAllSubmatch(loaded["/docs/assets/swagger-ui.css"], -1) {
		u := strings.Trim(string(m[1]), `"'`)
		if !strings.HasPrefix(u, "data:") && (strings.Contains(u, "//") || strings.Contains(u, ":")) {
			t.Errorf("the stylesheet loads %s", u)
		}
	}
	if bytes.Contains(loaded["/docs/assets/swagger-ui.css"], []byte("@import")) {
		t.Error("the stylesheet imports another")
	}

	css := ta.do("GET", "/docs/assets/swagger-ui.css", nil, "")
	if etag := css.Header.Get("ETag"); etag == "" {
		t.Error("assets have no ETag")
	} else if r := ta.do("GET", "/docs/assets/swagger-ui.css", nil, "", "If-None-Match", etag); r.Status != 304 {
		t.Errorf("revalidation: %d", r.Status)
	}
	for _, name := range []string{"openapi.yaml", "docs.html", "..%2Fdocs.go", "swagger-ui.css.map"} {
		if r := ta.do("GET", "/docs/assets/"+name, nil, ""); r.Status != 404 {
			t.Errorf("GET /docs/assets/%s: %d", name, r.Status)
		}
	}
}

// checkSelfOnlyCSP fails unless the policy denies by default and allows nothing but this
// server, plus the data: images that Swagger UI's stylesheet needs.
func checkSelfOnlyCSP(t *testing.T, csp string) {
	t.Helper()
	allowed := map[string]bool{"'self'": true, "'none'": true}
	seen := map[string]bool{}
	for _, directive := range strings.Split(csp, ";") {
		fields := strings.Fields(directive)
		if len(fields) == 0 {
			continue
		}
		name := fields[0]
		seen[name] = true
		for _, source := range fields[1:] {
			ok := allowed[source] || (name == "img-src" && source == "data:")
			if !ok {
				t.Errorf("CSP %s allows %s: %s", name, source, csp)
			}
		}
	}
	if !strings.Contains(csp, "default-src 'none'") || !seen["script-src"] || !seen["connect-src"] || !seen["frame-ancestors"] {
		t.Errorf("CSP does not deny by default or leaves scripts, requests or framing open: %q", csp)
	}
}
