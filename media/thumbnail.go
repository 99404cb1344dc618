package media

import (
	"bytes"
	"fmt"
	"image"
	"image/jpeg"
	_ "image/png" // photos and signatures arrive as JPEG or PNG
	"io"

	"golang.org/x/image/draw"
	_ "golang.org/x/image/webp"
)

// ThumbnailEdge is the longest side of a thumbnail, in pixels.
const ThumbnailEdge = 320

// maxPixels refuses to decode photos larger than 50 megapixels (200 MB of pixels, a phone's
// largest ordinary photo): a small file that decodes to a huge image must not take the
// server's memory. Larger photos have no thumbnail.
const maxPixels = 50_000_000

// rendering lets one photo be decoded at a time, so that concurrent uploads cannot multiply
// that memory.
var rendering = make(chan struct{}, 1)

// Thumbnail decodes a photo and renders it as a JPEG whose longest side is ThumbnailEdge.
// golang.org/x/image/draw does the scaling (maintained by the Go team).
func Thumbnail(r io.Reader) ([]byte, error) {
	var head bytes.Buffer
	cfg, format, err := image.DecodeConfig(io.TeeReader(r, &head))
	if err != nil {
		return nil, fmt.Errorf("not a photo this server can read: %w", err)
	}
	if cfg.Width <= 0 || cfg.Height <= 0 || int64(cfg.Width)*int64(cfg.Height) > maxPixels {
		return nil, fmt.Errorf("a %s of %dx%d pixels is too large to render", format, cfg.Width, cfg.Height)
	}
	rendering <- struct{}{}
	defer func() { <-rendering }()
	src, _, err := image.Decode(io.MultiReader(&head, r))
	if err != nil {
		return nil, fmt.Errorf("decode the photo: %w", err)
	}
	w, h := cfg.Width, cfg.Height
	if w >= h && w > ThumbnailEdge {
		w, h = ThumbnailEdge, max(1, h*ThumbnailEdge/w)
	} else if h > w && h > ThumbnailEdge {
		w, h = max(1, w*ThumbnailEdge/h), ThumbnailEdge
	}
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.CatmullRom.Scale(dst, dst.Bounds(), src, src.Bounds(), draw.Src, nil)
	var out bytes.Buffer
	if err := jpeg.Encode(&out, dst, &jpeg.Options{Quality: 80}); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}
