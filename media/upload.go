package media

import (
	"bytes"
	"context"
	"fmt"
	"io"

	"github.com/zhifa/zhifa/domain"
)

// Append streams n bytes of body onto upload u, after u.Offset, straight into S3: each part
// flows from the client to the object store as it arrives, so an upload holds no more than a
// few buffers whatever the part size. After each part (and after the tail, the bytes after the
// last part that are fewer than S3 takes as a part) u is brought up to date (offset, parts,
// tail, the SHA-256 state of every byte so far) and opt.Commit makes that durable: an offset
// the client is told of survives a crash. The tail goes to an object of its own and is the
// start of the next part.
//
// With opt.Checksum the request's bytes must match opt.Want: nothing is committed until the
// last byte, and a mismatch leaves u as it was (ChecksumMismatch). An error leaves u at its
// last commit.
func (m *Media) Append(ctx context.Context, u *domain.Upload, body io.Reader, n int64, opt domain.AppendOptions) error {
	if u.Offset+n > u.Length {
		return domain.Errorf(domain.TooLarge, "the upload takes %d more bytes, not %d", u.Length-u.Offset, n)
	}
	partSize := max(opt.PartSize, MinPartSize)
	whole, err := domain.ResumeUploadHash(u.HashState)
	if err != nil {
		return err
	}
	var hashed io.Writer = whole
	if opt.Checksum != nil {
		hashed = io.MultiWriter(whole, opt.Checksum)
	}
	src := io.TeeReader(body, hashed)
	start := *u
	start.Parts = append([]domain.UploadPart(nil), u.Parts...)
	next := start
	final := u.Offset+n == u.Length
	var oldTails []string
	left := n
	for left > 0 || (final && next.TailSize > 0) {
		tailSize := next.TailSize
		seg := min(partSize, tailSize+left)
		fromBody := seg - tailSize
		var r io.Reader = io.LimitReader(src, fromBody)
		if tailSize > 0 {
			tail, err := m.Get(ctx, next.TailKey, 0, -1)
			if err != nil {
				return err
			}
			defer tail.Close()
			r = io.MultiReader(io.LimitReader(tail, tailSize), r)
		}
		r = &exactReader{r: r, want: seg}
		last := fromBody == left
		if last && !final && seg < MinPartSize {
			key := fmt.Sprintf("uploads/%s/tail-%d", u.ID, next.Offset+fromBody)
			if err := m.Put(ctx, key, r, seg, "application/octet-stream"); err != nil {
				return err
			}
			if next.TailKey != "" {
				oldTails = append(oldTails, next.TailKey)
			}
			next.TailKey, next.TailSize = key, seg
		} else {
			num := len(next.Parts) + 1
			etag, err := m.PutPart(ctx, u.ObjectKey, u.MultipartID, num, r, seg)
			if err != nil {
				return err
			}
			if next.TailKey != "" {
				oldTails = append(oldTails, next.TailKey)
			}
			next.Parts = append(next.Parts, domain.UploadPart{Number: num, ETag: etag, Size: seg})
			next.TailKey, next.TailSize = "", 0
		}
		next.Offset += fromBody
		left -= fromBody
		if next.HashState, err = domain.SaveUploadHash(whole); err != nil {
			return err
		}
		if opt.Checksum == nil {
			if err := opt.Commit(&next, left == 0); err != nil {
				return err
			}
			*u = next
			next.Parts = append([]domain.UploadPart(nil), next.Parts...)
		}
	}
	if opt.Checksum != nil {
		if got := opt.Checksum.Sum(nil); !bytes.Equal(got, opt.Want) {
			if next.TailKey != "" && next.TailKey != start.TailKey {
				_ = m.Remove(context.WithoutCancel(ctx), next.TailKey)
			}
			return domain.Errorf(domain.ChecksumMismatch, "the bytes do not match Upload-Checksum; the offset stays %d", start.Offset)
		}
		if err := opt.Commit(&next, true); err != nil {
			return err
		}
		*u = next
	}
	for _, k := range oldTails {
		_ = m.Remove(context.WithoutCancel(ctx), k)
	}
	return nil
}

// exactReader fails unless exactly want bytes come: a client that drops mid-part must not
// leave a short part behind.
type exactReader struct {
	r    io.Reader
	want int64
	got  int64
}

func (e *exactReader) Read(p []byte) (int, error) {
	n, err := e.r.Read(p)
	e.got += int64(n)
	if err == io.EOF && e.got < e.want {
		return n, io.ErrUnexpectedEOF
	}
	return n, err
}
