package api

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"mime"
	"net/url"
	"path"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/zhifa/zhifa/domain"
)

// ConsoleCSP lets the console load only its own scripts, styles, images and media, and talk
// only to this server: no inline script, nothing from another host.
const ConsoleCSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; media-src 'self' blob:; " +
	"font-src 'self' data:; connect-src 'self'; manifest-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// consoleFile is one file of the built console, kept in memory with its gzip form.
type consoleFile struct {
	body, gz    []byte
	contentType string
	etag        string
}

// console serves the built console at /console/: files under assets/ (their names carry their
// hash) are cached for a year; any other path is a route of the single-page app and answers
// index.html, revalidated on every load.
type console struct {
	files map[string]*consoleFile
	index *consoleFile
}

func newConsole(dist fs.FS) (*console, error) {
	c := &console{files: map[string]*consoleFile{}}
	err := fs.WalkDir(dist, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		body, err := fs.ReadFile(dist, p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(body)
		f := &consoleFile{body: body, contentType: mime.TypeByExtension(path.Ext(p)), etag: `"` + hex.EncodeToString(sum[:8]) + `"`}
		if f.contentType == "" {
			f.contentType = fiber.MIMEOctetStream
		}
		if compressible(f.contentType) && len(body) > 512 {
			var b bytes.Buffer
			w, _ := gzip.NewWriterLevel(&b, gzip.BestCompression)
			_, _ = w.Write(body)
			_ = w.Close()
			if b.Len() < len(body) {
				f.gz = b.Bytes()
			}
		}
		c.files[p] = f
		return nil
	})
	if err != nil {
		return nil, err
	}
	c.index = c.files["index.html"]
	if c.index == nil {
		c.index = &consoleFile{body: []byte("<!doctype html><meta charset=utf-8><title>管理端未构建</title><p>管理端尚未构建：在 web/ 下运行 npm ci && npm run build。</p>"),
			contentType: fiber.MIMETextHTMLCharsetUTF8, etag: `"unbuilt"`}
	}
	return c, nil
}

func compressible(contentType string) bool {
	return strings.HasPrefix(contentType, "text/") || strings.Contains(contentType, "javascript") ||
		strings.Contains(contentType, "json") || strings.Contains(contentType, "svg")
}

func (con *console) serve(c *fiber.Ctx) error {
	// Routing is not strict: /console comes here too, and goes to the app's root.
	if string(c.Request().URI().Path()) == "/console" {
		return c.Redirect("/console/", fiber.StatusMovedPermanently)
	}
	p := strings.TrimPrefix(c.Params("*"), "/")
	f, isFile := con.files[p]
	switch {
	case isFile && strings.HasPrefix(p, "assets/"):
		c.Set(fiber.HeaderCacheControl, "public, max-age=31536000, immutable")
	case strings.HasPrefix(p, "assets/"):
		return domain.Errorf(domain.NotFound, "no such asset")
	case isFile && p != "index.html":
		c.Set(fiber.HeaderCacheControl, "no-cache")
	default:
		f = con.index
		c.Set(fiber.HeaderCacheControl, "no-cache")
	}
	c.Set(fiber.HeaderContentType, f.contentType)
	c.Set(fiber.HeaderContentSecurityPolicy, ConsoleCSP)
	c.Set(fiber.HeaderETag, f.etag)
	c.Vary(fiber.HeaderAcceptEncoding)
	if c.Fresh() {
		return c.SendStatus(fiber.StatusNotModified)
	}
	if f.gz != nil && strings.Contains(c.Get(fiber.HeaderAcceptEncoding), "gzip") {
		c.Set(fiber.HeaderContentEncoding, "gzip")
		return c.Send(f.gz)
	}
	return c.Send(f.body)
}

// originOf is the scheme and host of an address, as a browser's Origin header names them.
func originOf(address string) string {
	u, err := url.Parse(address)
	if err != nil || u.Host == "" {
		return ""
	}
	return u.Scheme + "://" + u.Host
}
