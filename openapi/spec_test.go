package openapi

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"sort"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
)

// bodiless names the operations whose method usually carries a body but that take none, with
// the reason; an operation missing from here must describe its request body.
var bodiless = map[string]string{
	"POST /v1/cases/{id}/documents/{doc_id}/print-link": "the path names the document; a link is all it makes",
	"POST /v1/notifications/read-all":                   "it marks every notification of the caller",
	"POST /v1/evidence/{id}/play-link":                  "the path names the evidence; a link is all it makes",
	"POST /v1/system/backups":                           "the backup directory is the operator's (ZHIFA_BACKUP_DIR), never the request's",
	"POST /v1/notifications/{id}/read":                  "the path names the notification",
	"POST /v1/draws/{id}/run":                           "the path names the draw; its committed inputs and seed decide the rest",
	"POST /v1/scorecards/link":                          "the query names the period and agency; a link is all it makes",
	"POST /v1/review-rounds/{id}/report/link":           "the path names the round; a link is all it makes",
	"POST /v1/auth/logout-all":                          "it ends every session of the caller",
	"POST /v1/users/{id}/password-reset":                "the path names the account; the server makes the password",
}

// TestEveryOperationIsDocumented walks the spec as /docs shows it: every operation declares
// its path parameters and its responses, among them a success; every operation whose method
// carries a body describes it with a schema; every request body and every response with
// content has an example. Loading validates the examples against their schemas.
func TestEveryOperationIsDocumented(t *testing.T) {
	doc, err := openapi3.NewLoader().LoadFromData(YAML())
	if err != nil {
		t.Fatal(err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("openapi.yaml is not valid (examples included): %v", err)
	}
	pathParam := regexp.MustCompile(`\{([^}]+)\}`)
	var problems []string
	fail := func(op, format string, args ...any) {
		problems = append(problems, op+": "+fmt.Sprintf(format, args...))
	}
	operations := 0
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			operations++
			name := method + " " + path
			declared := map[string]bool{}
			for _, params := range []openapi3.Parameters{item.Parameters, op.Parameters} {
				for _, p := range params {
					if p.Value.Schema == nil && len(p.Value.Content) == 0 {
						fail(name, "parameter %s has no schema", p.Value.Name)
					}
					if p.Value.In == openapi3.ParameterInPath {
						declared[p.Value.Name] = true
					}
				}
			}
			for _, m := range pathParam.FindAllStringSubmatch(path, -1) {
				if !declared[m[1]] {
					fail(name, "path parameter %s is not declared", m[1])
				}
			}

			if op.Responses == nil || op.Responses.Len() == 0 {
				fail(name, "no responses")
			}
			success := false
			for code, ref := range op.Responses.Map() {
				if code[0] == '2' || code[0] == '3' {
					success = true
				}
				for ct, mt := range ref.Value.Content {
					if mt.Schema == nil {
						fail(name, "response %s %s has no schema", code, ct)
					}
					if mt.Example == nil && len(mt.Examples) == 0 {
						fail(name, "response %s %s has no example", code, ct)
					}
				}
			}
			if !success {
				fail(name, "no successful response")
			}

			carriesBody := method == http.MethodPost || method == http.MethodPut || method == http.MethodPatch
			if op.RequestBody == nil {
				if _, ok := bodiless[name]; carriesBody && !ok {
					fail(name, "no request body; if it takes none, add it to bodiless with the reason")
				}
				continue
			}
			if len(op.RequestBody.Value.Content) == 0 {
				fail(name, "request body without content")
			}
			for ct, mt := range op.RequestBody.Value.Content {
				if mt.Schema == nil {
					fail(name, "request body %s has no schema", ct)
				}
				if mt.Example == nil && len(mt.Examples) == 0 {
					fail(name, "request body %s has no example", ct)
				}
			}
		}
	}
	sort.Strings(problems)
	for _, p := range problems {
		t.Error(p)
	}
	if operations < 50 {
		t.Fatalf("only %d operations in the spec", operations)
	}
}
