package handlers

import (
	"bytes"
	"cmp"
	"context"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"hash"
	"io"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gabriel-vasile/mimetype"
	"github.com/gofiber/fiber/v2"

	"github.com/zhifa/zhifa/domain"
)

// The tus 1.0 protocol (https://tus.io/protocols/resumable-upload) at /v1/uploads: core,
// creation, creation-with-upload, checksum, termination and expiration. An upload belongs to
// one pending evidence (Upload-Metadata evidence_id) and carries exactly its declared size.
const (
	// sniffWindow is how many first bytes judge a file's type.
	sniffWindow   = 3072
	TusVersion    = "1.0.0"
	TusExtensions = "creation,creation-with-upload,checksum,termination,expiration"
	TusChecksums  = "sha1,sha256"
	offsetType    = "application/offset+octet-stream"
)

// TusOptions answers OPTIONS: what this server supports.
func (h *Handlers) TusOptions(c *fiber.Ctx) error {
	c.Set("Tus-Resumable", TusVersion)
	c.Set("Tus-Version", TusVersion)
	c.Set("Tus-Extension", TusExtensions)
	c.Set("Tus-Max-Size", strconv.FormatInt(h.Media.MaxSize, 10))
	c.Set("Tus-Checksum-Algorithm", TusChecksums)
	return c.SendStatus(fiber.StatusNoContent)
}

// tusResumable refuses a request of another protocol version (412 with the one we speak).
func tusResumable(c *fiber.Ctx) error {
	c.Set("Tus-Resumable", TusVersion)
	for _, name := range []string{"Tus-Resumable", "Upload-Length", "Upload-Offset", "Upload-Metadata", "Upload-Checksum", "Upload-Defer-Length"} {
		if len(c.Request().Header.PeekAll(name)) > 1 {
			return &domain.Error{Code: domain.Invalid, Message: "a tus header is sent twice", Fields: map[string]string{name: "send it once"}}
		}
	}
	if v := c.Get("Tus-Resumable"); v != TusVersion {
		c.Set("Tus-Version", TusVersion)
		return domain.Errorf(domain.PreconditionFailed, "this server speaks tus %s", TusVersion).With(
			map[string]string{"Tus-Resumable": "send " + TusVersion}, nil)
	}
	return nil
}

// headerInt reads a non-negative decimal header value: digits only, as tus requires.
func headerInt(s string) (int64, error) {
	if s == "" || len(s) > 19 || strings.Trim(s, "0123456789") != "" {
		return 0, strconv.ErrSyntax
	}
	return strconv.ParseInt(s, 10, 64)
}

// maxMetadata bounds Upload-Metadata: an evidence id and a file name take far less.
const maxMetadata = 4096

// tusMetadata parses Upload-Metadata: comma-separated "key base64value" pairs, each key once.
func tusMetadata(s string) (map[string]string, error) {
	out := map[string]string{}
	if strings.TrimSpace(s) == "" {
		return out, nil
	}
	if len(s) > maxMetadata {
		return nil, &domain.Error{Code: domain.Invalid, Message: "Upload-Metadata is too long", Fields: map[string]string{"Upload-Metadata": "at most 4096 bytes"}}
	}
	for _, pair := range strings.Split(s, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(pair), " ")
		b, err := base64.StdEncoding.DecodeString(v)
		if _, dup := out[k]; k == "" || err != nil || dup {
			return nil, &domain.Error{Code: domain.Invalid, Message: "Upload-Metadata is not key base64-value pairs",
				Fields: map[string]string{"Upload-Metadata": "for example: evidence_id " + base64.StdEncoding.EncodeToString([]byte("…"))}}
		}
		out[k] = string(b)
	}
	return out, nil
}

func (h *Handlers) uploadHeaders(c *fiber.Ctx, u *domain.Upload) {
	c.Set("Upload-Offset", strconv.FormatInt(u.Offset, 10))
	c.Set("Upload-Length", strconv.FormatInt(u.Length, 10))
	c.Set("Upload-Expires", u.ExpiresAt.UTC().Format(http.TimeFormat))
	c.Set(fiber.HeaderCacheControl, "no-store")
}

// CreateUpload starts a tus upload of a pending evidence's bytes (and, with a body, writes
// the first of them).
func (h *Handlers) CreateUpload(c *fiber.Ctx) error {
	if err := tusResumable(c); err != nil {
		return err
	}
	p := principal(c)
	if c.Get("Upload-Defer-Length") != "" {
		return &domain.Error{Code: domain.Invalid, Message: "the length must be known: it is the evidence's declared size", Fields: map[string]string{"Upload-Length": "required"}}
	}
	length, err := headerInt(c.Get("Upload-Length"))
	if err != nil {
		return &domain.Error{Code: domain.Invalid, Message: "Upload-Length is required", Fields: map[string]string{"Upload-Length": "the file's size in bytes, digits only"}}
	}
	if length > h.Media.MaxSize {
		return domain.Errorf(domain.TooLarge, "an upload may be at most %d bytes", h.Media.MaxSize)
	}
	meta, err := tusMetadata(c.Get("Upload-Metadata"))
	if err != nil {
		return err
	}
	ctx, cancel := h.ctx(c)
	defer cancel()
	e, err := h.pendingEvidence(ctx, p, meta["evidence_id"])
	if err != nil {
		return err
	}
	if length != e.Size {
		return &domain.Error{Code: domain.Conflict, Message: "the upload must carry the evidence's declared size",
			Fields: map[string]string{"Upload-Length": "the evidence declared " + strconv.FormatInt(e.Size, 10) + " bytes"}}
	}
	if err := h.checkOpenUploads(ctx, p, e); err != nil {
		return err
	}
	u, err := h.newUpload(ctx, p, e)
	if err != nil {
		return err
	}
	c.Location("/v1/uploads/" + u.ID)
	if c.Get(fiber.HeaderContentType) == offsetType && c.Request().Header.ContentLength() > 0 {
		// creation-with-upload: the body is the first bytes.
		if err := h.writeUpload(c, p, u, 0); err != nil && domain.ErrorCode(err) != domain.ChecksumMismatch {
			return err
		}
	}
	h.uploadHeaders(c, u)
	return c.SendStatus(fiber.StatusCreated)
}

// checkOpenUploads refuses an upload past the bounds on unfinished uploads: of the evidence, and
// of the person in number and declared bytes.
func (h *Handlers) checkOpenUploads(ctx context.Context, p domain.Principal, e *domain.Evidence) error {
	perEvidence, perUser, partial := cmp.Or(h.Media.PerEvidence, 3), cmp.Or(h.Media.PerUser, 10), cmp.Or(h.Media.PartialMax, 8<<30)
	now := h.Now()
	n, _, err := h.Repo.OpenUploads(ctx, e.ID, "", now)
	if err != nil {
		return err
	}
	if n >= perEvidence {
		return domain.Errorf(domain.TooManyRequests, "this evidence has %d unfinished uploads: continue one (HEAD gives its offset) or delete one", n)
	}
	n, bytes, err := h.Repo.OpenUploads(ctx, "", p.UserID, now)
	if err != nil {
		return err
	}
	if n >= perUser || bytes+e.Size > partial {
		return domain.Errorf(domain.TooManyRequests, "you have %d unfinished uploads of %d bytes: finish or delete some before starting another", n, bytes)
	}
	return nil
}

// pendingEvidence is the caller's agency's evidence that still waits for its bytes.
func (h *Handlers) pendingEvidence(ctx context.Context, p domain.Principal, id string) (*domain.Evidence, error) {
	if id == "" {
		return nil, &domain.Error{Code: domain.Invalid, Message: "which evidence is this upload of?",
			Fields: map[string]string{"Upload-Metadata": "evidence_id with the id of a pending evidence"}}
	}
	e, err := h.Repo.EvidenceByID(ctx, id)
	if err == nil && e.AgencyID != p.AgencyID {
		err = domain.Errorf(domain.NotFound, "evidence not found")
	}
	if err != nil {
		return nil, err
	}
	if !sendsBytesOf(p, e) {
		// Bytes from anyone else would settle the evidence as rejected for good.
		return nil, forbidden("only the officers who recorded the evidence send its content")
	}
	switch e.Status {
	case domain.EvidenceComplete:
		return nil, domain.Errorf(domain.Conflict, "the evidence is complete; its content cannot be replaced")
	case domain.EvidenceRejected:
		return nil, domain.Errorf(domain.Conflict, "the evidence was rejected (%s); record the file again as new evidence", e.Reason)
	}
	return e, nil
}

// sendsBytesOf says whether p recorded e or is one of the officers it names.
func sendsBytesOf(p domain.Principal, e *domain.Evidence) bool {
	return p.UserID == e.CreatedBy || slices.Contains(e.OfficerIDs, p.UserID)
}

func (h *Handlers) newUpload(ctx context.Context, p domain.Principal, e *domain.Evidence) (*domain.Upload, error) {
	key := "evidence/" + e.AgencyID + "/" + e.ID
	mid, err := h.Objects.StartMultipart(ctx, key, e.ContentType)
	if err != nil {
		return nil, err
	}
	u := &domain.Upload{ID: domain.RandomToken(16), EvidenceID: e.ID, AgencyID: e.AgencyID, UserID: p.UserID, Length: e.Size,
		ObjectKey: key, MultipartID: mid, Parts: []domain.UploadPart{}, Status: domain.UploadReceiving, ExpiresAt: h.Now().Add(h.Media.Expiry)}
	if err := h.Repo.CreateUpload(ctx, u); err != nil {
		_ = h.Objects.AbortMultipart(context.WithoutCancel(ctx), key, mid)
		return nil, err
	}
	return u, nil
}

// scopedUpload is an upload of the caller's agency; any other answers NotFound, an expired
// one Gone.
func (h *Handlers) scopedUpload(c *fiber.Ctx, ctx context.Context) (*domain.Upload, error) {
	u, err := h.Repo.UploadByID(ctx, c.Params("id"))
	if err == nil && (u.AgencyID != principal(c).AgencyID || u.UserID != principal(c).UserID) {
		err = domain.Errorf(domain.NotFound, "upload not found")
	}
	if err != nil {
		return nil, err
	}
	if u.Status == domain.UploadReceiving && h.Now().After(u.ExpiresAt) {
		return nil, domain.Errorf(domain.Gone, "the upload expired; start a new one")
	}
	if u.Status == domain.UploadLost {
		return nil, domain.Errorf(domain.Gone, "the upload's bytes were lost when the server stopped; start a new upload")
	}
	return u, nil
}

// UploadStatus answers HEAD: how many bytes the server has (every acknowledged one at least).
func (h *Handlers) UploadStatus(c *fiber.Ctx) error {
	if err := tusResumable(c); err != nil {
		return err
	}
	ctx, cancel := h.ctx(c)
	defer cancel()
	u, err := h.scopedUpload(c, ctx)
	if err != nil {
		return err
	}
	if err := h.finishNow(c, ctx, u); err != nil {
		return err
	}
	h.uploadHeaders(c, u)
	c.Status(fiber.StatusOK)
	return nil
}

// PatchUpload appends the body at Upload-Offset.
func (h *Handlers) PatchUpload(c *fiber.Ctx) error {
	if err := tusResumable(c); err != nil {
		return err
	}
	if c.Get(fiber.HeaderContentType) != offsetType {
		return domain.Errorf(domain.UnsupportedMediaType, "a PATCH carries Content-Type %s", offsetType)
	}
	offset, err := headerInt(c.Get("Upload-Offset"))
	if err != nil {
		return &domain.Error{Code: domain.Invalid, Message: "Upload-Offset is required", Fields: map[string]string{"Upload-Offset": "the offset the bytes start at"}}
	}
	ctx, cancel := h.ctx(c)
	defer cancel()
	u, err := h.scopedUpload(c, ctx)
	if err != nil {
		return err
	}
	if offset == u.Length && u.Offset == u.Length && u.Status != domain.UploadRejected {
		// A retry of the last chunk after its answer was lost: finish what is in, or answer
		// as the finished upload did.
		if err := h.finishNow(c, ctx, u); err != nil {
			return err
		}
		h.uploadHeaders(c, u)
		return c.SendStatus(fiber.StatusNoContent)
	}
	err = h.writeUpload(c, principal(c), u, offset)
	if err != nil {
		if domain.ErrorCode(err) == domain.ChecksumMismatch || domain.ErrorCode(err) == domain.Conflict {
			c.Set("Upload-Offset", strconv.FormatInt(u.Offset, 10))
		}
		return err
	}
	h.uploadHeaders(c, u)
	return c.SendStatus(fiber.StatusNoContent)
}

// DeleteUpload ends an unfinished upload and discards its bytes (termination). The evidence
// stays pending; completed evidence cannot be deleted.
func (h *Handlers) DeleteUpload(c *fiber.Ctx) error {
	if err := tusResumable(c); err != nil {
		return err
	}
	ctx, cancel := h.ctx(c)
	defer cancel()
	u, err := h.scopedUpload(c, ctx)
	if err != nil {
		return err
	}
	if u.Status != domain.UploadReceiving {
		return domain.Errorf(domain.Conflict, "the upload is %s; completed evidence cannot be deleted", u.Status)
	}
	if u.LeaseUntil.After(h.Now()) {
		c.Set(fiber.HeaderRetryAfter, "1")
		return domain.Errorf(domain.Locked, "the upload is being written; retry shortly")
	}
	if err := h.discardUpload(ctx, u); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

// discardUpload aborts the S3 upload, removes its tail and its record.
func (h *Handlers) discardUpload(ctx context.Context, u *domain.Upload) error {
	if err := h.Objects.AbortMultipart(ctx, u.ObjectKey, u.MultipartID); err != nil {
		return err
	}
	if u.TailKey != "" {
		if err := h.Objects.Remove(ctx, u.TailKey); err != nil {
			return err
		}
	}
	return h.Repo.DeleteUpload(ctx, u.ID)
}

// PutEvidenceContent takes a small evidence's bytes in one request, with the guarantees of
// a tus upload (declared size and hash, sniffed type), through the same code.
func (h *Handlers) PutEvidenceContent(c *fiber.Ctx) error {
	p := principal(c)
	n := int64(c.Request().Header.ContentLength())
	ctx, cancel := h.ctx(c)
	defer cancel()
	e, err := h.scopedEvidence(c, ctx)
	if err != nil {
		return err
	}
	if e.Status == domain.EvidenceComplete && n == e.Size && n <= h.Media.SimpleMax {
		// A PUT retried after its answer was lost: the same bytes are answered as a replay.
		sum := sha256.New()
		if _, err := io.Copy(sum, io.LimitReader(c.Context().RequestBodyStream(), n)); err == nil && hex.EncodeToString(sum.Sum(nil)) == e.SHA256 {
			c.Set("Idempotent-Replayed", "true")
			c.Set(fiber.HeaderETag, etag(e.Version))
			return c.JSON(toEvidenceJSON(e))
		}
	}
	if _, err := h.pendingEvidence(ctx, p, e.ID); err != nil {
		return err
	}
	switch {
	case n < 0:
		return &domain.Error{Code: domain.Invalid, Message: "Content-Length is required", Fields: map[string]string{"Content-Length": "the file's size"}}
	case e.Size > h.Media.SimpleMax:
		return domain.Errorf(domain.TooLarge, "files over %d bytes go through the resumable upload at /v1/uploads", h.Media.SimpleMax)
	case n > e.Size:
		return domain.Errorf(domain.TooLarge, "the evidence declared %d bytes, the request carries %d", e.Size, n)
	case n != e.Size:
		return &domain.Error{Code: domain.Invalid, Message: "the content must be the whole file", Fields: map[string]string{"Content-Length": "the evidence declared " + strconv.FormatInt(e.Size, 10) + " bytes"}}
	}
	u, err := h.newUpload(ctx, p, e)
	if err != nil {
		return err
	}
	if err := h.writeUpload(c, p, u, 0); err != nil {
		if u.Status == domain.UploadReceiving {
			_ = h.discardUpload(context.WithoutCancel(ctx), u)
		}
		return err
	}
	// The upload may have outlasted the request's store timeout.
	rctx, rcancel := h.ctx(c)
	defer rcancel()
	settled, err := h.Repo.EvidenceByID(rctx, e.ID)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderETag, etag(settled.Version))
	return c.JSON(toEvidenceJSON(settled))
}

// writeUpload streams the request body onto u at offset, holding u's lease meanwhile, and
// completes the evidence when the last byte is in. u is left as the store has it.
func (h *Handlers) writeUpload(c *fiber.Ctx, p domain.Principal, u *domain.Upload, offset int64) error {
	n := int64(c.Request().Header.ContentLength())
	switch {
	case u.Status != domain.UploadReceiving:
		return domain.Errorf(domain.Conflict, "the upload is %s", u.Status)
	case offset != u.Offset:
		return domain.Errorf(domain.Conflict, "the upload is at offset %d, not %d; ask with HEAD and continue from there", u.Offset, offset)
	case n < 0:
		return &domain.Error{Code: domain.Invalid, Message: "Content-Length is required", Fields: map[string]string{"Content-Length": "the size of the chunk"}}
	case offset+n > u.Length:
		c.Context().SetConnectionClose()
		return domain.Errorf(domain.TooLarge, "the upload takes %d more bytes, not %d", u.Length-u.Offset, n)
	}
	check, want, err := uploadChecksum(c.Get("Upload-Checksum"))
	if err != nil {
		return err
	}
	ctx, cancel := h.ctx(c)
	defer cancel()
	if err := h.lease(ctx, u); err != nil {
		return err
	}
	// The body may take long: no request timeout, but the connection must keep moving.
	wctx, wcancel := context.WithCancel(context.WithoutCancel(c.UserContext()))
	defer wcancel()
	defer h.release(u)
	client := &clientBody{r: deadlineReader{r: c.Context().RequestBodyStream(), conn: c.Context().Conn(), idle: time.Minute}, want: n}
	var body io.Reader = client
	if window := min(sniffWindow, u.Length); n > 0 && offset < window {
		// The first bytes say what the file is: refuse what it does not claim to be, once
		// enough of them are in (earlier short chunks wait in the tail, which holds every
		// byte before the first part).
		head := make([]byte, offset+min(window-offset, n))
		if offset > 0 {
			tail, err := h.Objects.Get(wctx, u.TailKey, 0, offset-1)
			if err != nil {
				return err
			}
			_, err = io.ReadFull(tail, head[:offset])
			tail.Close()
			if err != nil {
				return domain.Errorf(domain.Unavailable, "the upload's first bytes could not be read back")
			}
		}
		if _, err := io.ReadFull(body, head[offset:]); err != nil {
			return &domain.Error{Code: domain.Invalid, Message: "the body ended before its Content-Length", Err: err}
		}
		if int64(len(head)) == window {
			if reason := h.sniff(u, head); reason != "" {
				c.Context().SetConnectionClose()
				return h.reject(wctx, u, p, reason, "")
			}
		}
		body = io.MultiReader(bytes.NewReader(head[offset:]), body)
	}
	err = h.Objects.Append(wctx, u, body, n, domain.AppendOptions{PartSize: h.Media.PartSize, Checksum: check, Want: want,
		Commit: func(next *domain.Upload, last bool) error {
			next.LeaseUntil = h.Now().Add(h.Media.Lease)
			if last && next.Offset < next.Length {
				// The request's last write gives the lease back with it: one write fewer.
				next.LeaseHolder, next.LeaseUntil = "", time.Time{}
			}
			next.ExpiresAt = h.Now().Add(h.Media.Expiry)
			if next.Offset == next.Length {
				// Every byte in is, in the same write, an upload to complete: whoever finds it
				// next (HEAD, PATCH, the sweeper) finishes it if this request cannot.
				next.Status = domain.UploadCompleting
			}
			cctx, cancel := context.WithTimeout(wctx, h.Timeout)
			defer cancel()
			return h.Repo.SaveUpload(cctx, next)
		}})
	if err != nil {
		if domain.ErrorCode(err) == domain.ChecksumMismatch || domain.ErrorCode(err) == domain.TooLarge {
			c.Context().SetConnectionClose()
		}
		if client.short() {
			// The client's body ended early (or its line dropped): nothing of the unfinished
			// part was kept; HEAD says where to continue.
			return domain.Errorf(domain.Invalid, "the body ended after %d of its %d bytes; ask with HEAD where to continue", client.got, n).With(nil, err)
		}
		return err
	}
	if u.Offset < u.Length {
		return nil
	}
	return h.finishUpload(wctx, u, p.UserID)
}

// uploadChecksum reads Upload-Checksum ("sha1 <base64>" or "sha256 <base64>").
func uploadChecksum(header string) (hash.Hash, []byte, error) {
	if header == "" {
		return nil, nil, nil
	}
	algo, sum, _ := strings.Cut(header, " ")
	want, err := base64.StdEncoding.DecodeString(sum)
	var h hash.Hash
	switch algo {
	case "sha1":
		h = sha1.New()
	case "sha256":
		h = sha256.New()
	default:
		return nil, nil, &domain.Error{Code: domain.Invalid, Message: "unsupported checksum algorithm", Fields: map[string]string{"Upload-Checksum": "sha1 or sha256, then the base64 digest"}}
	}
	if err != nil || len(want) != h.Size() {
		return nil, nil, &domain.Error{Code: domain.Invalid, Message: "Upload-Checksum is not a digest", Fields: map[string]string{"Upload-Checksum": algo + " then the base64 digest"}}
	}
	return h, want, nil
}

// lease takes u for this request: another request writing it answers 423 until the holder
// finishes or its lease runs out (a holder that crashed).
func (h *Handlers) lease(ctx context.Context, u *domain.Upload) error {
	now := h.Now()
	if u.LeaseHolder != "" && u.LeaseUntil.After(now) && !h.heldByPredecessor(u.LeaseHolder) {
		return domain.Errorf(domain.Locked, "the upload is being written by another request; retry shortly")
	}
	u.LeaseHolder, u.LeaseUntil = h.Instance+"/"+h.boot+"/"+domain.RandomToken(8), now.Add(h.Media.Lease)
	err := h.Repo.SaveUpload(ctx, u)
	if domain.ErrorCode(err) == domain.Conflict {
		return domain.Errorf(domain.Locked, "the upload is being written by another request; retry shortly")
	}
	return err
}

// heldByPredecessor says whether a lease was taken by an earlier process of this instance: that
// process is dead (this one replaced it), so its writes ended and the lease means nothing.
func (h *Handlers) heldByPredecessor(holder string) bool {
	return h.Instance != "" && strings.HasPrefix(holder, h.Instance+"/") && !strings.HasPrefix(holder, h.Instance+"/"+h.boot+"/")
}

// release gives u's lease back, unless another request has taken the upload since.
func (h *Handlers) release(u *domain.Upload) {
	if u.LeaseHolder == "" {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), h.Timeout)
	defer cancel()
	u.LeaseHolder, u.LeaseUntil = "", time.Time{}
	if err := h.Repo.SaveUpload(ctx, u); err != nil && domain.ErrorCode(err) != domain.Conflict && domain.ErrorCode(err) != domain.NotFound {
		h.Log.Warn("release upload", "upload_id", u.ID, "error", err.Error())
	}
}

// sniff names what is wrong with the first bytes of an upload, or "".
func (h *Handlers) sniff(u *domain.Upload, head []byte) string {
	e, err := h.Repo.EvidenceByIDs(context.Background(), []string{u.EvidenceID})
	if err != nil || len(e) == 0 {
		return ""
	}
	m := mimetype.Detect(head)
	return domain.SniffMismatch(e[0], m.String(), func(declared string) bool {
		for t := m; t != nil; t = t.Parent() {
			if t.Is(declared) {
				return true
			}
		}
		return false
	})
}

// reject settles u's evidence as rejected for reason, drops the bytes and answers 422 with it.
func (h *Handlers) reject(ctx context.Context, u *domain.Upload, p domain.Principal, reason, actual string) error {
	if err := h.Objects.AbortMultipart(ctx, u.ObjectKey, u.MultipartID); err != nil {
		return err
	}
	if u.TailKey != "" {
		_ = h.Objects.Remove(ctx, u.TailKey)
	}
	e, err := h.Repo.EvidenceByID(ctx, u.EvidenceID)
	if err != nil {
		return err
	}
	e.Status, e.Reason, e.ActualSHA256, e.SettledAt = domain.EvidenceRejected, reason, actual, h.Now()
	if _, err := h.settleEvidence(ctx, e, p.UserID); err != nil {
		return err
	}
	u.Status, u.Reason, u.TailKey, u.TailSize = domain.UploadRejected, reason, "", 0
	sctx, cancel := context.WithTimeout(ctx, h.Timeout)
	defer cancel()
	if err := h.Repo.SaveUpload(sctx, u); err != nil && domain.ErrorCode(err) != domain.Conflict {
		return err
	}
	fields := map[string]string{"evidence_id": e.ID}
	if actual != "" {
		fields["declared_sha256"], fields["received_sha256"] = e.SHA256, actual
	}
	return domain.Errorf(domain.Unprocessable, "the evidence was rejected: %s", reason).With(fields, nil)
}

// finishUpload completes an upload whose every byte is in: the whole-file SHA-256 must be the
// declared one, then the object is assembled, put under retention, and the evidence settled
// as complete; otherwise the evidence is rejected and the bytes dropped. The upload is marked
// completing first, so that whoever comes next (the sweeper, the client's HEAD or PATCH)
// finishes it if this process dies on the way; every step can be repeated, and an object a
// previous attempt assembled (and locked) is recognised rather than assembled again.
func (h *Handlers) finishUpload(ctx context.Context, u *domain.Upload, actorID string) error {
	if u.Status == domain.UploadReceiving {
		u.Status = domain.UploadCompleting
		if err := h.saveUpload(ctx, u); err != nil {
			return err
		}
	}
	e, err := h.Repo.EvidenceByID(ctx, u.EvidenceID)
	if err != nil {
		return err
	}
	sum, err := u.Sum()
	if err != nil {
		return err
	}
	if sum != e.SHA256 {
		if e.Status == domain.EvidencePending {
			return h.reject(ctx, u, domain.Principal{UserID: actorID}, "the file's SHA-256 is "+sum+", not the declared "+e.SHA256, sum)
		}
		// The evidence was settled by another upload; these bytes are not it.
		_ = h.Objects.AbortMultipart(ctx, u.ObjectKey, u.MultipartID)
		u.Status, u.Reason = domain.UploadRejected, "the bytes are not the evidence's"
		_ = h.saveUpload(ctx, u)
		return domain.Errorf(domain.Unprocessable, "these bytes are not the evidence's: their SHA-256 is %s, the evidence's %s", sum, e.SHA256).With(
			map[string]string{"declared_sha256": e.SHA256, "received_sha256": sum}, nil)
	}
	if e.Status == domain.EvidencePending {
		// Only bytes whose hash matched are ever assembled under this key: an object of the
		// right size there is this evidence, assembled by an attempt a crash interrupted.
		if size, serr := h.Objects.Stat(ctx, u.ObjectKey); serr == nil && size == u.Length {
			_ = h.Objects.AbortMultipart(ctx, u.ObjectKey, u.MultipartID)
		} else if err := h.Objects.CompleteMultipart(ctx, u.ObjectKey, u.MultipartID, u.Parts); err != nil {
			if domain.ErrorCode(err) != domain.NotFound {
				return err
			}
			// Neither the upload nor the object: the store lost the parts when the server
			// died mid-assembly.
			return h.lostUpload(ctx, u)
		}
		if size, serr := h.Objects.Stat(ctx, u.ObjectKey); domain.ErrorCode(serr) == domain.NotFound || serr == nil && size != u.Length {
			// The store said it assembled the parts, yet the object is not what they make
			// (a store that died mid-assembly, finished by a retry): the bytes are lost.
			return h.lostUpload(ctx, u)
		} else if serr != nil {
			return serr
		}
		e.Status, e.ObjectKey, e.SettledAt = domain.EvidenceComplete, u.ObjectKey, h.Now()
		e.RetainUntil = h.Now().Add(h.Media.Retention)
		if e.Locked, err = h.Objects.Retain(ctx, e.ObjectKey, e.RetainUntil); err != nil {
			// Retained already by the interrupted attempt: keep its date.
			until, rerr := h.Objects.RetainedUntil(ctx, e.ObjectKey)
			if rerr != nil || !until.After(h.Now()) {
				return err
			}
			e.Locked, e.RetainUntil = true, until
		}
		if e.Kind == domain.EvidencePhoto && h.Thumbnail != nil {
			e.Thumbnail = h.makeThumbnail(ctx, e) == nil
		}
		if e, err = h.settleEvidence(ctx, e, actorID); err != nil {
			return err
		}
	} else {
		// Another upload of the same evidence finished first, with the same bytes.
		_ = h.Objects.AbortMultipart(ctx, u.ObjectKey, u.MultipartID)
	}
	u.Status = domain.UploadDone
	if e.Status == domain.EvidenceRejected {
		u.Status = domain.UploadRejected
	}
	if err := h.saveUpload(ctx, u); err != nil && domain.ErrorCode(err) != domain.Conflict {
		return err
	}
	return nil
}

// lostUpload records that the store lost u's bytes: the evidence stays pending and takes a
// new upload of the file; the client is told so (410).
func (h *Handlers) lostUpload(ctx context.Context, u *domain.Upload) error {
	_ = h.Objects.AbortMultipart(ctx, u.ObjectKey, u.MultipartID)
	u.Status, u.Reason = domain.UploadLost, "the parts were lost when the server stopped during assembly"
	if err := h.saveUpload(ctx, u); err != nil {
		return err
	}
	return domain.Errorf(domain.Gone, "the upload's bytes were lost when the server stopped; upload the file again")
}

// saveUpload writes u under the request timeout.
func (h *Handlers) saveUpload(ctx context.Context, u *domain.Upload) error {
	sctx, cancel := context.WithTimeout(ctx, h.Timeout)
	defer cancel()
	return h.Repo.SaveUpload(sctx, u)
}

// finishNow completes an upload whose bytes are all in, when a request finds it completing
// and nobody holds it (its writer died): the client's HEAD or PATCH finishes it at once
// instead of waiting for the sweeper.
func (h *Handlers) finishNow(c *fiber.Ctx, ctx context.Context, u *domain.Upload) error {
	if u.Status != domain.UploadCompleting && (u.Status != domain.UploadReceiving || u.Offset < u.Length) {
		return nil
	}
	if u.LeaseUntil.After(h.Now()) {
		// Being completed (or its writer died and the lease has not run out): not done yet,
		// so a client must not take the full offset for success.
		c.Set(fiber.HeaderRetryAfter, strconv.Itoa(max(1, int(time.Until(u.LeaseUntil).Seconds()+0.5))))
		return domain.Errorf(domain.Locked, "the upload is being completed; retry shortly")
	}
	if err := h.lease(ctx, u); err != nil {
		return err
	}
	defer h.release(u)
	wctx, cancel := context.WithTimeout(context.WithoutCancel(c.UserContext()), 5*time.Minute)
	defer cancel()
	return h.finishUpload(wctx, u, u.UserID)
}

// SweepUploads aborts uploads abandoned past their expiry and finishes those a crash left
// completing. The server runs it periodically; it returns how many it handled.
func (h *Handlers) SweepUploads(ctx context.Context) (int, error) {
	now := h.Now()
	stale, err := h.Repo.StaleUploads(ctx, now, now.Add(-2*h.Media.Lease), 100)
	if err != nil {
		return 0, err
	}
	done := 0
	for _, s := range stale {
		u, err := h.Repo.UploadByID(ctx, s.ID)
		if err != nil {
			continue
		}
		if u.LeaseUntil.After(now) {
			continue
		}
		switch {
		case u.Status == domain.UploadCompleting:
			if err = h.lease(ctx, u); err == nil {
				err = h.finishUpload(ctx, u, u.UserID)
				h.release(u)
			}
		case u.Status == domain.UploadReceiving:
			err = h.discardUpload(ctx, u)
		default:
			err = h.Repo.DeleteUpload(ctx, u.ID) // finished long ago: its record is no longer needed
		}
		if err != nil && domain.ErrorCode(err) != domain.Unprocessable && domain.ErrorCode(err) != domain.Gone {
			h.Log.Warn("sweep upload", "upload_id", u.ID, "error", err.Error())
			continue
		}
		done++
	}
	return done, nil
}

// clientBody counts the bytes a client sent, so that a body cut short is told apart from a
// failure of the object store.
type clientBody struct {
	r         io.Reader
	want, got int64
	err       error
}

func (b *clientBody) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	b.got += int64(n)
	if err != nil && err != io.EOF || err == io.EOF && b.got < b.want {
		b.err = err
	}
	return n, err
}

func (b *clientBody) short() bool { return b.err != nil || b.got < b.want }

// deadlineReader keeps a long body moving: each read must make progress within idle.
type deadlineReader struct {
	r    io.Reader
	conn net.Conn
	idle time.Duration
}

func (d deadlineReader) Read(p []byte) (int, error) {
	if d.conn != nil {
		_ = d.conn.SetReadDeadline(time.Now().Add(d.idle))
	}
	return d.r.Read(p)
}

func hexToBase64(h string) string {
	b, _ := hex.DecodeString(h)
	return base64.StdEncoding.EncodeToString(b)
}
