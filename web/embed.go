// Package web holds the browser console (管理端) and the enterprise portal (企业端): Vue sources
// here, built by Vite into dist, which is committed and embedded in the binary, so that
// `go run ./cmd/zhifa` serves them with no Node.js.
package web

import (
	"embed"
	"io/fs"
)

//go:embed all:dist
var dist embed.FS

// Dist is the built console: index.html and assets/.
func Dist() fs.FS {
	sub, err := fs.Sub(dist, "dist")
	if err != nil {
		panic(err) // the pattern above names dist; a build without it does not compile
	}
	return sub
}
