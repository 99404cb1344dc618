package openapi

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"path"
)

// The page and everything it loads are in the binary: Swagger UI (swaggerui/README.md says
// which version and from where) and the script that starts it on /openapi.json.
//
//go:embed docs.html docs.js swaggerui/swagger-ui-bundle.js swaggerui/swagger-ui.css
var docsFiles embed.FS

// DocsCSP is the Content-Security-Policy of /docs: scripts, styles, images and requests from
// this server only, and images also as data: URIs, which Swagger UI's stylesheet draws its
// icons with. Swagger UI sets its inline styles through the DOM, which the policy allows
// without 'unsafe-inline' (checked in Chromium).
const DocsCSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

// Asset is a file that /docs loads.
type Asset struct {
	Body        []byte
	ContentType string
	// ETag changes with the content, so a browser revalidates rather than keeps an old bundle.
	ETag string
}

var (
	docsPage   = mustReadDocs("docs.html")
	docsAssets = map[string]*Asset{}
)

func mustReadDocs(name string) []byte {
	b, err := docsFiles.ReadFile(name)
	if err != nil {
		panic(err)
	}
	return b
}

func init() {
	for name, file := range map[string]string{
		"swagger-ui-bundle.js": "swaggerui/swagger-ui-bundle.js",
		"swagger-ui.css":       "swaggerui/swagger-ui.css",
		"docs.js":              "docs.js",
	} {
		body := mustReadDocs(file)
		sum := sha256.Sum256(body)
		contentType := "text/javascript; charset=utf-8"
		if path.Ext(name) == ".css" {
			contentType = "text/css; charset=utf-8"
		}
		docsAssets[name] = &Asset{Body: body, ContentType: contentType, ETag: `"` + hex.EncodeToString(sum[:12]) + `"`}
	}
}

// DocsHTML is the /docs page: Swagger UI rendering /openapi.json.
func DocsHTML() []byte { return docsPage }

// DocsAsset returns the asset /docs/assets/name, or false when there is none.
func DocsAsset(name string) (*Asset, bool) {
	a, ok := docsAssets[name]
	return a, ok
}
