// Package openapi holds Zhifa's OpenAPI 3.1 description, served as JSON, and the /docs page
// that renders it with Swagger UI from assets embedded in the binary.
package openapi

import (
	_ "embed"
	"encoding/json"
	"fmt"

	"go.yaml.in/yaml/v3"
)

//go:embed openapi.yaml
var specYAML []byte

// YAML is the spec as written.
func YAML() []byte { return specYAML }

// JSON converts the spec to JSON.
func JSON() ([]byte, error) {
	var doc any
	if err := yaml.Unmarshal(specYAML, &doc); err != nil {
		return nil, fmt.Errorf("openapi.yaml: %w", err)
	}
	return json.Marshal(doc)
}
