package openapi

import (
	"bytes"
	"encoding/json"
	"html/template"
	"sort"
	"strings"
)

type docOperation struct {
	Method, Path, Summary, Description string
	Auth                               bool
	Tags                               []string
}

type docPage struct {
	Title, Version, Description string
	Groups                      []docGroup
	Schemas                     []docSchema
}

type docGroup struct {
	Tag        string
	Operations []docOperation
}

type docSchema struct {
	Name, JSON string
}

var docTemplate = template.Must(template.New("docs").Parse(`<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}} API</title>
<style>
body{font:15px/1.5 system-ui,-apple-system,"PingFang SC","Microsoft YaHei",sans-serif;margin:0 auto;max-width:960px;padding:1rem 1.5rem;color:#1f2328}
h1{margin-bottom:.2rem}h2{border-bottom:1px solid #d0d7de;padding-bottom:.3rem;margin-top:2rem}
.op{border:1px solid #d0d7de;border-radius:6px;margin:.5rem 0;padding:.4rem .8rem}
.m{display:inline-block;min-width:4.5rem;font-weight:600;font-family:ui-monospace,monospace}
.GET{color:#0969da}.POST{color:#1a7f37}.PUT,.PATCH{color:#9a6700}.DELETE{color:#cf222e}.OPTIONS,.HEAD{color:#6e7781}
code,pre{font-family:ui-monospace,monospace;font-size:13px}pre{background:#f6f8fa;padding:.6rem;overflow:auto;border-radius:6px}
.lock{color:#6e7781;font-size:12px}details summary{cursor:pointer}
</style></head><body>
<h1>{{.Title}}</h1><p>Version {{.Version}} · <a href="/openapi.json">openapi.json</a></p>
<p>{{.Description}}</p>
{{range .Groups}}<h2>{{.Tag}}</h2>{{range .Operations}}
<div class="op"><span class="m {{.Method}}">{{.Method}}</span> <code>{{.Path}}</code>{{if .Auth}} <span class="lock">🔒 bearer</span>{{end}}
<div>{{.Summary}}</div>{{if .Description}}<div class="lock">{{.Description}}</div>{{end}}</div>{{end}}{{end}}
<h2>Schemas</h2>{{range .Schemas}}<details><summary><code>{{.Name}}</code></summary><pre>{{.JSON}}</pre></details>{{end}}
</body></html>`))

// DocsHTML renders the spec as one HTML page that needs nothing from other hosts.
func DocsHTML() ([]byte, error) {
	raw, err := JSON()
	if err != nil {
		return nil, err
	}
	var spec struct {
		Info struct {
			Title, Version, Description string
		}
		Security   []map[string]any
		Paths      map[string]map[string]json.RawMessage
		Components struct {
			Schemas map[string]json.RawMessage
		}
	}
	if err := json.Unmarshal(raw, &spec); err != nil {
		return nil, err
	}
	page := docPage{Title: spec.Info.Title, Version: spec.Info.Version, Description: spec.Info.Description}
	groups := map[string][]docOperation{}
	for path, item := range spec.Paths {
		for method, rawOp := range item {
			var op struct {
				Summary, Description string
				Tags                 []string
				Security             *[]map[string]any
			}
			if json.Unmarshal(rawOp, &op) != nil || op.Summary == "" {
				continue
			}
			auth := len(spec.Security) > 0
			if op.Security != nil {
				auth = len(*op.Security) > 0
			}
			tag := "other"
			if len(op.Tags) > 0 {
				tag = op.Tags[0]
			}
			groups[tag] = append(groups[tag], docOperation{Method: strings.ToUpper(method), Path: path, Summary: op.Summary, Description: op.Description, Auth: auth})
		}
	}
	for tag, ops := range groups {
		sort.Slice(ops, func(i, j int) bool {
			if ops[i].Path != ops[j].Path {
				return ops[i].Path < ops[j].Path
			}
			return ops[i].Method < ops[j].Method
		})
		page.Groups = append(page.Groups, docGroup{Tag: tag, Operations: ops})
	}
	sort.Slice(page.Groups, func(i, j int) bool { return page.Groups[i].Tag < page.Groups[j].Tag })
	for name, s := range spec.Components.Schemas {
		var buf bytes.Buffer
		_ = json.Indent(&buf, s, "", "  ")
		page.Schemas = append(page.Schemas, docSchema{Name: name, JSON: buf.String()})
	}
	sort.Slice(page.Schemas, func(i, j int) bool { return page.Schemas[i].Name < page.Schemas[j].Name })
	var out bytes.Buffer
	err = docTemplate.Execute(&out, page)
	return out.Bytes(), err
}
