package api_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/zhifa/zhifa/api"
	"github.com/zhifa/zhifa/domain"
	"github.com/zhifa/zhifa/handlers"
	"github.com/zhifa/zhifa/media"
)

// addEvidence records a document for the case, declaring content's hash and size, and
// returns its id; the bytes are not sent.
func (ta *testApp) addEvidence(t *testing.T, f caseAgency, caseID string, content []byte) string {
	t.Helper()
	r := ta.do("POST", "/v1/cases/"+caseID+"/evidence", evidenceBody(f, "document", "application/pdf", content), f.officerTok)
	if r.Status != 201 {
		t.Fatalf("add evidence: %d %s", r.Status, r.Body)
	}
	return r.JSON["evidence"].(map[string]any)["id"].(string)
}

func evidenceBody(f caseAgency, kind, contentType string, content []byte) map[string]any {
	sum := sha256.Sum256(content)
	return map[string]any{"kind": kind, "sha256": hex.EncodeToString(sum[:]), "size": len(content), "content_type": contentType,
		"file_name": "../现场/照片.jpg", "captured_at": "2026-05-01T08:00:00Z", "lat": 30.59, "lng": 114.3,
		"device_id": "phone-1", "officer_ids": f.officers}
}

// photo is a real PNG of w×h pixels with noise, so that it does not compress away.
func photo(t *testing.T, w, h int) []byte {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	noise := make([]byte, w*h)
	_, _ = rand.Read(noise)
	for i, b := range noise {
		img.Set(i%w, i/w, color.RGBA{b, b / 2, 255 - b, 255})
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// video is size bytes that sniff as MP4: an ftyp box, then noise.
func video(size int) []byte {
	b := make([]byte, size)
	_, _ = rand.Read(b)
	copy(b, []byte{0, 0, 0, 0x18, 'f', 't', 'y', 'p', 'i', 's', 'o', 'm', 0, 0, 2, 0, 'i', 's', 'o', 'm', 'i', 's', 'o', '2'})
	return b
}

// tusClient speaks tus 1.0 to a real listener, as a phone would.
type tusClient struct {
	t    *testing.T
	base string
	tok  string
}

func (c tusClient) req(method, url string, body []byte, headers ...string) *http.Response {
	c.t.Helper()
	req, _ := http.NewRequest(method, c.base+url, bytes.NewReader(body))
	if body == nil {
		req.Body = nil
	}
	req.Header.Set("Tus-Resumable", "1.0.0")
	req.Header.Set("Authorization", "Bearer "+c.tok)
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, url, err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	res.Body = io.NopCloser(bytes.NewReader(b))
	return res
}

func (c tusClient) create(evidenceID string, length int) string {
	c.t.Helper()
	res := c.req("POST", "/v1/uploads", nil, "Upload-Length", strconv.Itoa(length),
		"Upload-Metadata", "evidence_id "+base64.StdEncoding.EncodeToString([]byte(evidenceID))+",filename "+base64.StdEncoding.EncodeToString([]byte("v.mp4")))
	if res.StatusCode != 201 || !strings.HasPrefix(res.Header.Get("Location"), "/v1/uploads/") {
		b, _ := io.ReadAll(res.Body)
		c.t.Fatalf("create upload: %d %s", res.StatusCode, b)
	}
	return res.Header.Get("Location")
}

func (c tusClient) patch(loc string, offset int, chunk []byte, headers ...string) *http.Response {
	return c.req("PATCH", loc, chunk, append([]string{"Content-Type", "application/offset+octet-stream", "Upload-Offset", strconv.Itoa(offset)}, headers...)...)
}

func (c tusClient) offset(loc string) int {
	c.t.Helper()
	res := c.req("HEAD", loc, nil)
	if res.StatusCode != 200 {
		c.t.Fatalf("HEAD %s: %d", loc, res.StatusCode)
	}
	n, _ := strconv.Atoi(res.Header.Get("Upload-Offset"))
	return n
}

func body(res *http.Response) string {
	b, _ := io.ReadAll(res.Body)
	return string(b)
}

// TestTusUploadBindsEvidenceIntoTheRecord drives a video through tus in uneven chunks (tails
// shorter than an S3 part included), with a checksum that fails once, reads it back whole and
// by range, and checks the record: add_evidence and complete_evidence commit to the hash, a
// transition may name the evidence, the chain is intact.
func TestTusUploadBindsEvidenceIntoTheRecord(t *testing.T) {
	ta := newTestApp(t)
	f := ta.newCaseAgency(t, 0)
	id := ta.openInvestigating(t, f)
	content := video(12<<20 + 12345)
	r := ta.do("POST", "/v1/cases/"+id+"/evidence", evidenceBody(f, "video", "video/mp4", content), f.officerTok, "Idempotency-Key", "ev-1")
	if r.Status != 201 {
		t.Fatalf("add evidence: %d %s", r.Status, r.Body)
	}
	ev := r.JSON["evidence"].(map[string]any)
	evID := ev["id"].(string)
	sum := sha256.Sum256(content)
	if ev["status"] != "pending" || ev["file_name"] != "照片.jpg" || r.JSON["event"].(map[string]any)["evidence_hashes"].([]any)[0] != hex.EncodeToString(sum[:]) {
		t.Fatalf("the add_evidence event must commit to the declared hash: %s", r.Body)
	}
	again := ta.do("POST", "/v1/cases/"+id+"/evidence", evidenceBody(f, "video", "video/mp4", content), f.officerTok, "Idempotency-Key", "ev-1")
	if again.Status != 201 || again.Header.Get("Idempotent-Replayed") != "true" || again.JSON["evidence"].(map[string]any)["id"] != evID {
		t.Fatalf("a retried create is replayed: %d %s", again.Status, again.Body)
	}

	c := tusClient{t: t, base: ta.serve(), tok: f.officerTok}
	opts := c.req("OPTIONS", "/v1/uploads", nil)
	if opts.StatusCode != 204 || !strings.Contains(opts.Header.Get("Tus-Extension"), "checksum") || opts.Header.Get("Tus-Checksum-Algorithm") != "sha1,sha256" {
		t.Fatalf("OPTIONS: %d %v", opts.StatusCode, opts.Header)
	}
	if res := c.req("POST", "/v1/uploads", nil, "Upload-Length", strconv.Itoa(len(content)+1),
		"Upload-Metadata", "evidence_id "+base64.StdEncoding.EncodeToString([]byte(evID))); res.StatusCode != 409 {
		t.Fatalf("an upload of another size than declared: %d", res.StatusCode)
	}
	twice, _ := http.NewRequest("POST", c.base+"/v1/uploads", nil)
	twice.Header.Set("Tus-Resumable", "1.0.0")
	twice.Header.Set("Authorization", "Bearer "+f.officerTok)
	twice.Header.Add("Upload-Length", strconv.Itoa(len(content)))
	twice.Header.Add("Upload-Length", "5")
	twice.Header.Set("Upload-Metadata", "evidence_id "+base64.StdEncoding.EncodeToString([]byte(evID)))
	if res, err := http.DefaultClient.Do(twice); err != nil || res.StatusCode != 400 {
		t.Fatalf("Upload-Length twice: %v %v", res, err)
	}
	loc := c.create(evID, len(content))

	// Chunks of 3 MiB (each ends in a tail shorter than a part), then 4 MiB, then the rest.
	off := 0
	for _, n := range []int{3 << 20, 3 << 20, 4 << 20} {
		if res := c.patch(loc, off, content[off:off+n]); res.StatusCode != 204 || res.Header.Get("Upload-Offset") != strconv.Itoa(off+n) {
			t.Fatalf("PATCH at %d: %d %s", off, res.StatusCode, body(res))
		}
		off += n
	}
	if got := c.offset(loc); got != off {
		t.Fatalf("HEAD: %d, want %d", got, off)
	}
	// A wrong checksum: 460 and the offset stays.
	bad := sha1.Sum([]byte("other bytes"))
	if res := c.patch(loc, off, content[off:off+1<<20], "Upload-Checksum", "sha1 "+base64.StdEncoding.EncodeToString(bad[:])); res.StatusCode != 460 {
		t.Fatalf("wrong checksum: %d %s", res.StatusCode, body(res))
	}
	if got := c.offset(loc); got != off {
		t.Fatalf("after a checksum mismatch HEAD says %d, want %d", got, off)
	}
	if res := c.patch(loc, off+1, content[off+1:off+2]); res.StatusCode != 409 || res.Header.Get("Upload-Offset") != strconv.Itoa(off) {
		t.Fatalf("a chunk at the wrong offset: %d %v", res.StatusCode, res.Header)
	}
	if res := c.patch(loc, off, append(bytes.Clone(content[off:]), 'x')); res.StatusCode != 413 {
		t.Fatalf("more bytes than declared: %d", res.StatusCode)
	}
	rest := content[off:]
	good := sha256.Sum256(rest)
	if res := c.patch(loc, off, rest, "Upload-Checksum", "sha256 "+base64.StdEncoding.EncodeToString(good[:])); res.StatusCode != 204 {
		t.Fatalf("last chunk: %d %s", res.StatusCode, body(res))
	}

	got := ta.do("GET", "/v1/evidence/"+evID, nil, f.officerTok)
	if got.str("status") != "complete" || got.JSON["retain_until"] == nil {
		t.Fatalf("complete evidence: %s", got.Body)
	}
	stored, err := ta.media.Get(context.Background(), "evidence/"+f.id+"/"+evID, 0, -1)
	if err != nil {
		t.Fatal(err)
	}
	h := sha256.New()
	n, _ := io.Copy(h, stored)
	stored.Close()
	if n != int64(len(content)) || !bytes.Equal(h.Sum(nil), sum[:]) {
		t.Fatalf("the stored object has %d bytes and another hash", n)
	}
	whole := ta.do("GET", "/v1/evidence/"+evID+"/content", nil, f.officerTok)
	if whole.Status != 200 || !bytes.Equal(whole.Body, content) {
		t.Fatalf("content: %d, %d bytes", whole.Status, len(whole.Body))
	}
	part := ta.do("GET", "/v1/evidence/"+evID+"/content", nil, f.officerTok, "Range", "bytes=5242000-5242999")
	if part.Status != 206 || !bytes.Equal(part.Body, content[5242000:5243000]) || part.Header.Get("Content-Range") != fmt.Sprintf("bytes 5242000-5242999/%d", len(content)) {
		t.Fatalf("range: %d %q", part.Status, part.Header.Get("Content-Range"))
	}
	if r := ta.do("GET", "/v1/evidence/"+evID+"/content", nil, f.officerTok, "Range", "bytes=999999999-"); r.Status != 416 {
		t.Fatalf("range past the end: %d", r.Status)
	}
	log := ta.do("GET", "/v1/evidence/"+evID+"/access-log", nil, f.adminTok)
	if items := log.JSON["items"].([]any); len(items) != 2 || items[1].(map[string]any)["from"].(float64) != 5242000 {
		t.Fatalf("access log: %s", log.Body)
	}
	// Completed evidence cannot be replaced.
	if res := c.req("POST", "/v1/uploads", nil, "Upload-Length", strconv.Itoa(len(content)),
		"Upload-Metadata", "evidence_id "+base64.StdEncoding.EncodeToString([]byte(evID))); res.StatusCode != 409 {
		t.Fatalf("a new upload of complete evidence: %d", res.StatusCode)
	}
	if r := ta.do("PUT", "/v1/evidence/"+evID+"/content", content[:100], f.officerTok, "Content-Type", "application/octet-stream"); r.Status != 409 {
		t.Fatalf("PUT over complete evidence: %d %s", r.Status, r.Body)
	}

	// The record: a transition names the evidence; another case's evidence is refused.
	ta.act(t, f, id, map[string]any{"action": "record", "officer_ids": f.officers, "evidence_ids": []string{evID}})
	other := ta.openInvestigating(t, f)
	otherEv := ta.addEvidence(t, f, other, []byte("%PDF-1.4 other"))
	if r := ta.do("POST", "/v1/cases/"+id+"/transitions", map[string]any{"action": "record", "officer_ids": f.officers, "evidence_ids": []string{otherEv}}, f.officerTok); r.Status != 422 {
		t.Fatalf("another case's evidence: %d %s", r.Status, r.Body)
	}
	if r := ta.do("POST", "/v1/cases/"+id+"/transitions", map[string]any{"action": "record", "officer_ids": f.officers, "evidence_ids": []string{"no-such-evidence"}}, f.officerTok); r.Status != 422 {
		t.Fatalf("unknown evidence: %d %s", r.Status, r.Body)
	}
	events := ta.do("GET", "/v1/cases/"+id+"/events", nil, f.officerTok)
	for _, want := range []string{`"action":"add_evidence"`, `"action":"complete_evidence"`, hex.EncodeToString(sum[:])} {
		if !strings.Contains(string(events.Body), want) {
			t.Errorf("the record lacks %s", want)
		}
	}
	audit := ta.do("GET", "/v1/cases/"+id+"/audit", nil, f.officerTok)
	if !strings.Contains(string(audit.Body), `"intact":true`) || !strings.Contains(string(audit.Body), `"evidence":[]`) {
		t.Fatalf("audit: %s", audit.Body)
	}
}

// TestWrongBytesAreRejected: a whole file whose hash is not the declared one is rejected, its
// object gone, the audit reports it; bytes that are not what the evidence claims (HTML for a
// photo) are rejected at the first chunk.
func TestWrongBytesAreRejected(t *testing.T) {
	ta := newTestApp(t)
	f := ta.newCaseAgency(t, 0)
	id := ta.openInvestigating(t, f)
	declared := video(6 << 20)
	sent := bytes.Clone(declared)
	sent[len(sent)-1] ^= 0xff
	r := ta.do("POST", "/v1/cases/"+id+"/evidence", evidenceBody(f, "video", "video/mp4", declared), f.officerTok)
	evID := r.JSON["evidence"].(map[string]any)["id"].(string)
	c := tusClient{t: t, base: ta.serve(), tok: f.officerTok}
	loc := c.create(evID, len(sent))
	res := c.patch(loc, 0, sent)
	actual := sha256.Sum256(sent)
	if b := body(res); res.StatusCode != 422 || !strings.Contains(b, hex.EncodeToString(actual[:])) || !strings.Contains(b, "declared_sha256") {
		t.Fatalf("a file with another hash: %d %s", res.StatusCode, b)
	}
	if got := ta.do("GET", "/v1/evidence/"+evID, nil, f.officerTok); got.str("status") != "rejected" || got.str("actual_sha256") != hex.EncodeToString(actual[:]) {
		t.Fatalf("rejected evidence: %s", got.Body)
	}
	if _, err := ta.media.Stat(context.Background(), "evidence/"+f.id+"/"+evID); err == nil {
		t.Fatal("the rejected object is still stored")
	}
	if n, err := ta.media.MultipartUploads(context.Background(), "evidence/"); err != nil || n != 0 {
		t.Fatalf("%d multipart uploads left (%v)", n, err)
	}
	audit := ta.do("GET", "/v1/cases/"+id+"/audit", nil, f.officerTok)
	if !strings.Contains(string(audit.Body), `"problem":"rejected"`) {
		t.Fatalf("the audit does not report the rejected evidence: %s", audit.Body)
	}
	if r := ta.do("POST", "/v1/cases/"+id+"/transitions", map[string]any{"action": "record", "officer_ids": f.officers, "evidence_ids": []string{evID}}, f.officerTok); r.Status != 422 {
		t.Fatalf("a transition naming rejected evidence: %d", r.Status)
	}

	page := []byte("<!DOCTYPE html><html><script>alert(1)</script></html>")
	r = ta.do("POST", "/v1/cases/"+id+"/evidence", evidenceBody(f, "photo", "image/png", page), f.officerTok)
	htmlID := r.JSON["evidence"].(map[string]any)["id"].(string)
	put := ta.do("PUT", "/v1/evidence/"+htmlID+"/content", page, f.officerTok, "Content-Type", "application/octet-stream")
	if put.Status != 422 || !strings.Contains(string(put.Body), "text/html") {
		t.Fatalf("HTML declared as a photo: %d %s", put.Status, put.Body)
	}
	ta.run([]scenario{
		{Name: "a declared size over the cap", Method: "POST", URL: "/v1/cases/" + id + "/evidence", Token: f.officerTok,
			Body: map[string]any{"kind": "video", "sha256": strings.Repeat("a", 64), "size": 2 << 30, "content_type": "video/mp4", "captured_at": "2026-05-01T08:00:00Z", "officer_ids": f.officers}, Status: 413},
		{Name: "an executable type", Method: "POST", URL: "/v1/cases/" + id + "/evidence", Token: f.officerTok,
			Body: map[string]any{"kind": "document", "sha256": strings.Repeat("a", 64), "size": 10, "content_type": "application/x-msdownload", "captured_at": "2026-05-01T08:00:00Z", "officer_ids": f.officers}, Status: 400, Contains: []string{"content_type"}},
		{Name: "one officer", Method: "POST", URL: "/v1/cases/" + id + "/evidence", Token: f.officerTok,
			Body: map[string]any{"kind": "photo", "sha256": strings.Repeat("a", 64), "size": 10, "content_type": "image/png", "captured_at": "2026-05-01T08:00:00Z", "officer_ids": f.officers[:1]}, Status: 403},
	})
}

// TestPhotoByPutWithThumbnail: a small photo goes up with one PUT and gets a thumbnail.
func TestPhotoByPutWithThumbnail(t *testing.T) {
	ta := newTestApp(t)
	f := ta.newCaseAgency(t, 0)
	id := ta.openInvestigating(t, f)
	pic := photo(t, 800, 600)
	r := ta.do("POST", "/v1/cases/"+id+"/evidence", evidenceBody(f, "photo", "image/png", pic), f.officerTok)
	evID := r.JSON["evidence"].(map[string]any)["id"].(string)
	if r := ta.do("PUT", "/v1/evidence/"+evID+"/content", pic[:len(pic)-1], f.officerTok, "Content-Type", "application/octet-stream"); r.Status != 400 {
		t.Fatalf("a PUT shorter than declared: %d %s", r.Status, r.Body)
	}
	put := ta.do("PUT", "/v1/evidence/"+evID+"/content", pic, f.officerTok, "Content-Type", "application/octet-stream")
	if put.Status != 200 || put.str("status") != "complete" || put.JSON["thumbnail"] != true {
		t.Fatalf("PUT: %d %s", put.Status, put.Body)
	}
	link := ta.do("GET", "/v1/evidence/"+evID+"/content?link=true", nil, f.officerTok)
	if loc := link.Header.Get("Location"); link.Status != 302 || !strings.Contains(loc, "X-Amz-Expires=300") || !strings.Contains(loc, "X-Amz-Signature=") {
		t.Fatalf("presigned link: %d %q", link.Status, loc)
	}
	if log := ta.do("GET", "/v1/evidence/"+evID+"/access-log", nil, f.officerTok); !strings.Contains(string(log.Body), `"what":"link"`) {
		t.Fatalf("the link is not in the access log: %s", log.Body)
	}
	// A browser client's preflight, then the headers it may read.
	pre := ta.do("OPTIONS", "/v1/uploads", nil, "", "Origin", "https://app.example", "Access-Control-Request-Method", "PATCH",
		"Access-Control-Request-Headers", "upload-offset,tus-resumable,authorization")
	if pre.Status != 204 || pre.Header.Get("Access-Control-Allow-Origin") == "" || !strings.Contains(pre.Header.Get("Access-Control-Allow-Headers"), "Upload-Offset") {
		t.Fatalf("CORS preflight: %d %v", pre.Status, pre.Header)
	}
	if r := ta.do("GET", "/v1/evidence/"+evID, nil, f.officerTok, "Origin", "https://app.example"); !strings.Contains(r.Header.Get("Access-Control-Expose-Headers"), "Upload-Offset") {
		t.Fatalf("exposed headers: %v", r.Header)
	}
	th := ta.do("GET", "/v1/evidence/"+evID+"/thumbnail", nil, f.officerTok)
	img, _, err := image.Decode(bytes.NewReader(th.Body))
	if th.Status != 200 || err != nil || img.Bounds().Dx() != 320 || img.Bounds().Dy() != 240 {
		t.Fatalf("thumbnail: %d %v", th.Status, err)
	}
	// Bytes lost from the store behind Zhifa's back: the audit says so.
	if err := ta.media.Remove(context.Background(), "evidence/"+f.id+"/"+evID); err != nil {
		t.Fatal(err)
	}
	if audit := ta.do("GET", "/v1/cases/"+id+"/audit", nil, f.officerTok); !strings.Contains(string(audit.Body), "its object is not in the store") {
		t.Fatalf("the audit misses lost bytes: %s", audit.Body)
	}
}

// TestEvidenceIsScopedToItsAgency: another agency's officer and admin get 404 on every path
// that names evidence or its upload, and cannot name it in a transition or upload to it.
func TestEvidenceIsScopedToItsAgency(t *testing.T) {
	ta := newTestApp(t)
	a := ta.newCaseAgency(t, 0)
	b := ta.newCaseAgency(t, 1)
	id := ta.openInvestigating(t, a)
	pic := photo(t, 64, 64)
	named := evidenceBody(a, "photo", "image/png", pic)
	named["id"] = "0a1b2c3d-0000-4000-8000-000000000001" // chosen by the phone, as offline
	r := ta.do("POST", "/v1/cases/"+id+"/evidence", named, a.officerTok)
	evID := r.JSON["evidence"].(map[string]any)["id"].(string)
	base := ta.serve()
	loc := tusClient{t: t, base: base, tok: a.officerTok}.create(evID, len(pic))
	if r := ta.do("PUT", "/v1/evidence/"+evID+"/content", pic, a.officerTok, "Content-Type", "application/octet-stream"); r.Status != 200 {
		t.Fatalf("PUT: %d %s", r.Status, r.Body)
	}
	for _, tok := range []string{b.officerTok, b.adminTok} {
		for _, u := range []string{"/v1/evidence/" + evID, "/v1/evidence/" + evID + "/content", "/v1/evidence/" + evID + "/thumbnail",
			"/v1/evidence/" + evID + "/access-log", "/v1/cases/" + id + "/evidence"} {
			if r := ta.do("GET", u, nil, tok); r.Status != 404 || strings.Contains(string(r.Body), evID) {
				t.Errorf("GET %s by agency B: %d %s", u, r.Status, r.Body)
			}
		}
		if r := ta.do("PUT", "/v1/evidence/"+evID+"/content", pic, tok, "Content-Type", "application/octet-stream"); r.Status != 404 {
			t.Errorf("PUT by agency B: %d", r.Status)
		}
		c := tusClient{t: t, base: base, tok: tok}
		for _, m := range []string{"HEAD", "DELETE"} {
			if res := c.req(m, loc, nil); res.StatusCode != 404 {
				t.Errorf("%s upload by agency B: %d", m, res.StatusCode)
			}
		}
		if res := c.patch(loc, 0, pic); res.StatusCode != 404 {
			t.Errorf("PATCH upload by agency B: %d", res.StatusCode)
		}
		if res := c.req("POST", "/v1/uploads", nil, "Upload-Length", strconv.Itoa(len(pic)), "Upload-Metadata", "evidence_id "+base64.StdEncoding.EncodeToString([]byte(evID))); res.StatusCode != 404 {
			t.Errorf("an upload to A's evidence by agency B: %d", res.StatusCode)
		}
	}
	bCase := ta.openInvestigating(t, b)
	if r := ta.do("POST", "/v1/cases/"+bCase+"/transitions", map[string]any{"action": "record", "officer_ids": b.officers, "evidence_ids": []string{evID}}, b.officerTok); r.Status != 422 || strings.Contains(string(r.Body), "complete") {
		t.Errorf("B naming A's evidence: %d %s", r.Status, r.Body)
	}
	if r := ta.do("POST", "/v1/cases/"+bCase+"/evidence", map[string]any{"id": evID, "kind": "photo", "sha256": strings.Repeat("a", 64), "size": 10,
		"content_type": "image/png", "captured_at": "2026-05-01T08:00:00Z", "officer_ids": b.officers}, b.officerTok); r.Status != 409 {
		t.Errorf("B taking A's evidence id: %d %s", r.Status, r.Body)
	}
	if got := ta.do("GET", "/v1/evidence/"+evID, nil, a.officerTok); got.str("case_id") != id || got.str("status") != "complete" {
		t.Fatalf("A's evidence changed: %s", got.Body)
	}
}

// TestSyncDeliversEvidenceOnlyToItsAgency: A's case and inspection evidence reach A's phones
// through sync, with their status; B's feed never carries them, even from forged entries.
func TestSyncDeliversEvidenceOnlyToItsAgency(t *testing.T) {
	ta := newTestApp(t)
	a, b := ta.newCaseAgency(t, 0), ta.newCaseAgency(t, 1)
	id := ta.openInvestigating(t, a)
	doc := []byte("%PDF-1.4 询问笔录")
	caseEv := ta.addEvidence(t, a, id, doc)
	if r := ta.do("PUT", "/v1/evidence/"+caseEv+"/content", doc, a.officerTok, "Content-Type", "application/octet-stream"); r.Status != 200 {
		t.Fatalf("PUT: %d %s", r.Status, r.Body)
	}
	in := ta.do("POST", "/v1/inspections", map[string]any{"matter_id": a.matterID, "enterprise_uscc": usccs[3], "enterprise_name": "某某餐饮有限公司",
		"planned_on": time.Now().AddDate(0, 0, 3).Format(time.DateOnly), "officer_ids": a.officers}, a.officerTok)
	if in.Status != 201 {
		t.Fatalf("inspection: %d %s", in.Status, in.Body)
	}
	insp := ta.do("POST", "/v1/inspections/"+in.str("id")+"/evidence", evidenceBody(a, "document", "application/pdf", doc), a.officerTok, "Idempotency-Key", "insp-ev")
	if insp.Status != 201 {
		t.Fatalf("inspection evidence: %d %s", insp.Status, insp.Body)
	}
	inspEv := insp.JSON["evidence"].(map[string]any)["id"].(string)
	if again := ta.do("POST", "/v1/inspections/"+in.str("id")+"/evidence", evidenceBody(a, "document", "application/pdf", doc), a.officerTok, "Idempotency-Key", "insp-ev"); again.Status != 201 || again.Header.Get("Idempotent-Replayed") != "true" {
		t.Fatalf("a retried inspection evidence: %d %s", again.Status, again.Body)
	}
	if r := ta.do("PUT", "/v1/evidence/"+inspEv+"/content", doc, a.officerTok, "Content-Type", "application/octet-stream"); r.Status != 200 || r.str("status") != "complete" {
		t.Fatalf("PUT inspection evidence: %d %s", r.Status, r.Body)
	}
	for _, ch := range []domain.Change{{AgencyID: b.id, Kind: "evidence", ObjectID: caseEv}, {AgencyID: b.id, Kind: "evidence", ObjectID: inspEv}} {
		if err := ta.store.RecordChange(context.Background(), &ch); err != nil {
			t.Fatal(err)
		}
	}
	feedA := ta.syncAll(t, a.officerTok)
	for _, want := range []string{`"kind":"evidence","id":"` + caseEv, `"kind":"evidence","id":"` + inspEv, `"status":"complete"`} {
		if !strings.Contains(feedA, want) {
			t.Errorf("A's feed lacks %s", want)
		}
	}
	feedB := ta.syncAll(t, b.officerTok)
	for _, leak := range []string{caseEv, inspEv, a.id} {
		if strings.Contains(feedB, leak) {
			t.Errorf("B's feed carries %s of agency A", leak)
		}
	}
}

// TestAbandonedUploadsAreSwept: an upload nobody writes to past its expiry answers 410, and
// the sweeper aborts its S3 multipart upload and removes its tail; the evidence stays
// pending and the audit reports it once it is overdue.
func TestAbandonedUploadsAreSwept(t *testing.T) {
	cfg := testConfig()
	cfg.Media.SweepEvery = 50 * time.Millisecond
	ta := newTestAppWith(t, cfg, nil)
	f := ta.newCaseAgency(t, 0)
	id := ta.openInvestigating(t, f)
	content := video(8 << 20)
	r := ta.do("POST", "/v1/cases/"+id+"/evidence", evidenceBody(f, "video", "video/mp4", content), f.officerTok)
	evID := r.JSON["evidence"].(map[string]any)["id"].(string)
	c := tusClient{t: t, base: ta.serve(), tok: f.officerTok}
	loc := c.create(evID, len(content))
	if res := c.patch(loc, 0, content[:6<<20]); res.StatusCode != 204 {
		t.Fatalf("PATCH: %d %s", res.StatusCode, body(res))
	}
	ctx := context.Background()
	if n, _ := ta.media.MultipartUploads(ctx, "evidence/"); n != 1 {
		t.Fatalf("%d multipart uploads running, want 1", n)
	}
	ta.clock.Set(time.Now().Add(2 * time.Hour))
	if res := c.req("HEAD", loc, nil); res.StatusCode != 410 && res.StatusCode != 404 {
		t.Fatalf("HEAD of an expired upload: %d", res.StatusCode)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		n, err := ta.media.MultipartUploads(ctx, "evidence/")
		head := c.req("HEAD", loc, nil).StatusCode
		if err == nil && n == 0 && head == 404 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the sweeper left %d multipart uploads (%v); HEAD answers %d", n, err, head)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if got := ta.do("GET", "/v1/evidence/"+evID, nil, f.officerTok); got.str("status") != "pending" {
		t.Fatalf("evidence after the sweep: %s", got.Body)
	}
	audit := ta.do("GET", "/v1/cases/"+id+"/audit", nil, f.officerTok)
	if !strings.Contains(string(audit.Body), `"problem":"pending"`) {
		t.Fatalf("the audit does not report overdue pending evidence: %s", audit.Body)
	}
}

// flakyObjects fails the assembly of uploads while fail is set: a crash or an outage between
// the last byte and the completed evidence.
type flakyObjects struct {
	domain.Objects
	fail atomic.Bool
}

func (f *flakyObjects) CompleteMultipart(ctx context.Context, key, uploadID string, parts []domain.UploadPart) error {
	if f.fail.Load() {
		return domain.Errorf(domain.Unavailable, "injected: the object store did not answer")
	}
	return f.Objects.CompleteMultipart(ctx, key, uploadID, parts)
}

// TestInterruptedCompletionIsFinishedBySweeper: every byte is in but the object store fails
// the assembly; the upload stays completing (a HEAD tries to finish it and answers 503 while
// the store fails), and the sweeper finishes it through the same operation: the evidence
// completes once, with one event.
func TestInterruptedCompletionIsFinishedBySweeper(t *testing.T) {
	ta := newTestApp(t)
	f := ta.newCaseAgency(t, 0)
	id := ta.openInvestigating(t, f)
	cfg := ta.cfg
	cfg.Media.SweepEvery = 50 * time.Millisecond
	flaky := &flakyObjects{Objects: ta.media}
	flaky.fail.Store(true)
	app, err := api.New(cfg, api.Deps{Repo: ta.store, Passwords: ta.pw, Key: ta.key, Now: ta.clock.Now, Log: discardLog(), Objects: flaky})
	if err != nil {
		t.Fatal(err)
	}
	ta.app = app
	content := video(6 << 20)
	r := ta.do("POST", "/v1/cases/"+id+"/evidence", evidenceBody(f, "video", "video/mp4", content), f.officerTok)
	evID := r.JSON["evidence"].(map[string]any)["id"].(string)
	c := tusClient{t: t, base: ta.serve(), tok: f.officerTok}
	loc := c.create(evID, len(content))
	if res := c.patch(loc, 0, content); res.StatusCode != 503 {
		t.Fatalf("the last chunk while the store fails: %d %s", res.StatusCode, body(res))
	}
	if res := c.req("HEAD", loc, nil); res.StatusCode != 503 {
		t.Fatalf("HEAD while the store still fails (it tries to finish): %d", res.StatusCode)
	}
	if got := ta.do("GET", "/v1/evidence/"+evID, nil, f.officerTok); got.str("status") != "pending" {
		t.Fatalf("evidence before the sweep: %s", got.Body)
	}
	flaky.fail.Store(false)
	ta.clock.Set(time.Now().Add(time.Minute)) // the failed request's lease has run out
	deadline := time.Now().Add(10 * time.Second)
	for ta.do("GET", "/v1/evidence/"+evID, nil, f.officerTok).str("status") != "complete" {
		if time.Now().After(deadline) {
			t.Fatal("the sweeper did not finish the upload")
		}
		time.Sleep(50 * time.Millisecond)
	}
	events := ta.do("GET", "/v1/cases/"+id+"/events", nil, f.officerTok)
	if n := strings.Count(string(events.Body), `"action":"complete_evidence"`); n != 1 {
		t.Fatalf("%d complete_evidence events, want 1", n)
	}
	whole := ta.do("GET", "/v1/evidence/"+evID+"/content", nil, f.officerTok)
	if !bytes.Equal(whole.Body, content) {
		t.Fatalf("content after the sweep: %d bytes", len(whole.Body))
	}
}

// retainOnce fails the first retention: the process died after assembling (and, on MinIO,
// locking) the object but before the evidence was settled.
type retainOnce struct {
	domain.Objects
	failed atomic.Bool
}

func (r *retainOnce) Retain(ctx context.Context, key string, until time.Time) (bool, error) {
	if r.failed.CompareAndSwap(false, true) {
		return false, domain.Errorf(domain.Unavailable, "injected: the server stopped here")
	}
	return r.Objects.Retain(ctx, key, until)
}

// TestHEADFinishesAnAssembledUpload: the object was assembled but the evidence not settled;
// the client's HEAD (as tus-js-client sends on resuming) finishes the completion at once,
// recognising the assembled object instead of assembling it again. Short first chunks wait
// for enough bytes before the type is judged; a retried PUT of the same bytes is a replay;
// HEAD on content reads and logs nothing.
func TestHEADFinishesAnAssembledUpload(t *testing.T) {
	ta := newTestApp(t)
	f := ta.newCaseAgency(t, 0)
	id := ta.openInvestigating(t, f)
	objects := &retainOnce{Objects: ta.media}
	app, err := api.New(ta.cfg, api.Deps{Repo: ta.store, Passwords: ta.pw, Key: ta.key, Now: ta.clock.Now, Log: discardLog(), Objects: objects, Thumbnail: media.Thumbnail})
	if err != nil {
		t.Fatal(err)
	}
	ta.app = app
	pic := photo(t, 200, 100)
	r := ta.do("POST", "/v1/cases/"+id+"/evidence", evidenceBody(f, "photo", "image/png", pic), f.officerTok)
	evID := r.JSON["evidence"].(map[string]any)["id"].(string)
	c := tusClient{t: t, base: ta.serve(), tok: f.officerTok}
	loc := c.create(evID, len(pic))
	for off := 0; off < 12; off += 4 { // a PNG's signature alone does not say what it is
		if res := c.patch(loc, off, pic[off:off+4]); res.StatusCode != 204 {
			t.Fatalf("4-byte chunk at %d: %d %s", off, res.StatusCode, body(res))
		}
	}
	if res := c.patch(loc, 12, pic[12:]); res.StatusCode != 503 {
		t.Fatalf("the last chunk while the server 'dies': %d %s", res.StatusCode, body(res))
	}
	if got := ta.do("GET", "/v1/evidence/"+evID, nil, f.officerTok); got.str("status") != "pending" {
		t.Fatalf("evidence before the HEAD: %s", got.Body)
	}
	// While a writer (a server that died) holds the lease, the full offset is not success.
	u, err := ta.store.UploadByID(context.Background(), strings.TrimPrefix(loc, "/v1/uploads/"))
	if err != nil || u.Status != domain.UploadCompleting || u.Offset != int64(len(pic)) {
		t.Fatalf("upload after the failed completion: %+v %v", u, err)
	}
	u.LeaseHolder, u.LeaseUntil = "a server that died", time.Now().Add(30*time.Second)
	if err := ta.store.SaveUpload(context.Background(), u); err != nil {
		t.Fatal(err)
	}
	if res := c.req("HEAD", loc, nil); res.StatusCode != 423 || res.Header.Get("Retry-After") == "" {
		t.Fatalf("HEAD while the lease is held: %d %v", res.StatusCode, res.Header)
	}
	ta.clock.Set(time.Now().Add(time.Minute))
	if got := c.offset(loc); got != len(pic) {
		t.Fatalf("HEAD: %d", got)
	}
	ta.clock.Set(time.Time{})
	if res := c.patch(loc, len(pic), nil); res.StatusCode != 204 {
		t.Fatalf("the last chunk repeated after completion: %d %s", res.StatusCode, body(res))
	}
	if whole := ta.do("GET", "/v1/evidence/"+evID+"/content", nil, f.officerTok); !bytes.Equal(whole.Body, pic) {
		t.Fatalf("stored content: %d bytes, want %d", len(whole.Body), len(pic))
	}
	got := ta.do("GET", "/v1/evidence/"+evID, nil, f.officerTok)
	if got.str("status") != "complete" || got.JSON["thumbnail"] != true {
		t.Fatalf("the HEAD did not finish the upload: %s", got.Body)
	}
	if n, _ := ta.media.MultipartUploads(context.Background(), "evidence/"); n != 0 {
		t.Fatalf("%d multipart uploads left", n)
	}
	again := ta.do("PUT", "/v1/evidence/"+evID+"/content", pic, f.officerTok, "Content-Type", "application/octet-stream")
	if again.Status != 200 || again.Header.Get("Idempotent-Replayed") != "true" {
		t.Fatalf("a retried PUT of the same bytes: %d %s", again.Status, again.Body)
	}
	if r := ta.do("PUT", "/v1/evidence/"+evID+"/content", photo(t, 200, 100)[:len(pic)], f.officerTok, "Content-Type", "application/octet-stream"); r.Status != 409 {
		t.Fatalf("a PUT of other bytes over complete evidence: %d", r.Status)
	}
	if h := ta.do("HEAD", "/v1/evidence/"+evID+"/content", nil, f.officerTok); h.Status != 200 || h.Header.Get("Content-Length") != strconv.Itoa(len(pic)) {
		t.Fatalf("HEAD content: %d %v", h.Status, h.Header)
	}
	if log := ta.do("GET", "/v1/evidence/"+evID+"/access-log", nil, f.officerTok); len(log.JSON["items"].([]any)) != 1 { // the GET above
		t.Fatalf("HEAD was logged as a read: %s", log.Body)
	}
	events := ta.do("GET", "/v1/cases/"+id+"/events", nil, f.officerTok)
	if n := strings.Count(string(events.Body), `"action":"complete_evidence"`); n != 1 {
		t.Fatalf("%d complete_evidence events", n)
	}
}

// losesParts drops the parts when asked to assemble them: the embedded gateway died with the
// server halfway through an assembly.
type losesParts struct{ domain.Objects }

func (l losesParts) CompleteMultipart(ctx context.Context, key, uploadID string, parts []domain.UploadPart) error {
	_ = l.Objects.AbortMultipart(ctx, key, uploadID)
	return domain.Errorf(domain.NotFound, "injected: NoSuchUpload")
}

// TestLostPartsAskForANewUpload: when the store lost an upload's parts, the upload says so
// (410) instead of claiming the bytes, the evidence stays pending, and a new upload of the
// same file completes it.
func TestLostPartsAskForANewUpload(t *testing.T) {
	ta := newTestApp(t)
	f := ta.newCaseAgency(t, 0)
	id := ta.openInvestigating(t, f)
	content := video(1 << 20)
	r := ta.do("POST", "/v1/cases/"+id+"/evidence", evidenceBody(f, "video", "video/mp4", content), f.officerTok)
	evID := r.JSON["evidence"].(map[string]any)["id"].(string)
	good := ta.app
	lossy, err := api.New(ta.cfg, api.Deps{Repo: ta.store, Passwords: ta.pw, Key: ta.key, Now: ta.clock.Now, Log: discardLog(), Objects: losesParts{ta.media}})
	if err != nil {
		t.Fatal(err)
	}
	ta.app = lossy
	c := tusClient{t: t, base: ta.serve(), tok: f.officerTok}
	loc := c.create(evID, len(content))
	if res := c.patch(loc, 0, content); res.StatusCode != 410 {
		t.Fatalf("the last chunk when the parts are lost: %d %s", res.StatusCode, body(res))
	}
	if res := c.req("HEAD", loc, nil); res.StatusCode != 410 {
		t.Fatalf("HEAD of a lost upload: %d", res.StatusCode)
	}
	ta.app = good
	if got := ta.do("GET", "/v1/evidence/"+evID, nil, f.officerTok); got.str("status") != "pending" {
		t.Fatalf("evidence after lost parts: %s", got.Body)
	}
	c = tusClient{t: t, base: ta.serve(), tok: f.officerTok}
	if res := c.patch(c.create(evID, len(content)), 0, content); res.StatusCode != 204 {
		t.Fatalf("a new upload: %d %s", res.StatusCode, body(res))
	}
	if got := ta.do("GET", "/v1/evidence/"+evID, nil, f.officerTok); got.str("status") != "complete" {
		t.Fatalf("evidence after a new upload: %s", got.Body)
	}
}

// TestOnlyItsOfficersSendEvidenceBytes: a member of the agency who acts in neither the case
// nor the evidence sends wrong bytes of the declared size by PUT and by tus; the evidence stays
// pending and the officer's genuine upload completes it.
func TestOnlyItsOfficersSendEvidenceBytes(t *testing.T) {
	ta := newTestApp(t)
	f := ta.newCaseAgency(t, 0)
	id := ta.openInvestigating(t, f)
	pic := photo(t, 200, 150)
	r := ta.do("POST", "/v1/cases/"+id+"/evidence", evidenceBody(f, "photo", "image/png", pic), f.officerTok)
	evID := r.JSON["evidence"].(map[string]any)["id"].(string)
	wrong := bytes.Repeat([]byte{0x89}, len(pic))
	if r := ta.do("PUT", "/v1/evidence/"+evID+"/content", wrong, f.reviewerTok, "Content-Type", "application/octet-stream"); r.Status != 403 {
		t.Fatalf("a PUT by a member outside the case: %d %s", r.Status, r.Body)
	}
	base := ta.serve()
	outsider := tusClient{t: t, base: base, tok: f.reviewerTok}
	res := outsider.req("POST", "/v1/uploads", nil, "Upload-Length", strconv.Itoa(len(pic)),
		"Upload-Metadata", "evidence_id "+base64.StdEncoding.EncodeToString([]byte(evID)))
	if res.StatusCode != 403 {
		t.Fatalf("a tus upload by a member outside the case: %d %s", res.StatusCode, body(res))
	}
	// An upload the officer started is not the outsider's to write into.
	loc := tusClient{t: t, base: base, tok: f.officerTok}.create(evID, len(pic))
	if res := outsider.patch(loc, 0, wrong); res.StatusCode != 404 {
		t.Fatalf("PATCH into the officer's upload by an outsider: %d %s", res.StatusCode, body(res))
	}
	if r := ta.do("GET", "/v1/evidence/"+evID, nil, f.officerTok); r.str("status") != "pending" {
		t.Fatalf("after the outsider's attempts: %d %s", r.Status, r.Body)
	}
	if put := ta.do("PUT", "/v1/evidence/"+evID+"/content", pic, f.officer2Tok, "Content-Type", "application/octet-stream"); put.Status != 200 || put.str("status") != "complete" {
		t.Fatalf("the genuine PUT by an officer of the evidence: %d %s", put.Status, put.Body)
	}
}

// TestPlayLinksOpenOnlyTheirEvidence: a browser's <video> sends no bearer token, so the console
// asks for a play link. The link opens that evidence's bytes by range, logged under the person
// it was given to; it opens no other evidence, nothing after it expires or once the person is
// disabled; another agency gets no link, and pending evidence has none.
func TestPlayLinksOpenOnlyTheirEvidence(t *testing.T) {
	cfg := testConfig()
	cfg.StandingTTL = 300 * time.Millisecond
	ta := newTestAppWith(t, cfg, nil)
	a := ta.newCaseAgency(t, 0)
	b := ta.newCaseAgency(t, 1)
	id := ta.openInvestigating(t, a)
	clip := video(40000)
	put := func(content []byte, contentType string) string {
		r := ta.do("POST", "/v1/cases/"+id+"/evidence", evidenceBody(a, "video", contentType, content), a.officerTok)
		evID := r.JSON["evidence"].(map[string]any)["id"].(string)
		if r := ta.do("PUT", "/v1/evidence/"+evID+"/content", content, a.officerTok, "Content-Type", "application/octet-stream"); r.Status != 200 {
			t.Fatalf("PUT: %d %s", r.Status, r.Body)
		}
		return evID
	}
	evID, other := put(clip, "video/mp4"), put(video(5000), "video/mp4")
	pending := ta.addEvidence(t, a, id, []byte("not sent"))

	for _, tok := range []string{b.officerTok, b.adminTok} {
		if r := ta.do("POST", "/v1/evidence/"+evID+"/play-link", nil, tok); r.Status != 404 || strings.Contains(string(r.Body), "link=") {
			t.Errorf("a play link for agency B: %d %s", r.Status, r.Body)
		}
	}
	if r := ta.do("POST", "/v1/evidence/"+pending+"/play-link", nil, a.officerTok); r.Status != 409 {
		t.Errorf("a play link to pending evidence: %d %s", r.Status, r.Body)
	}
	r := ta.do("POST", "/v1/evidence/"+evID+"/play-link", nil, a.adminTok)
	link := r.str("url")
	if r.Status != 201 || !strings.HasPrefix(link, "/v1/evidence/"+evID+"/content?link=") {
		t.Fatalf("play link: %d %s", r.Status, r.Body)
	}
	got := ta.do("GET", link, nil, "", "Range", "bytes=100-199")
	if got.Status != 206 || !bytes.Equal(got.Body, clip[100:200]) || got.Header.Get("Content-Range") != "bytes 100-199/40000" {
		t.Fatalf("a range through the link: %d %q", got.Status, got.Header.Get("Content-Range"))
	}
	logged := ta.do("GET", "/v1/evidence/"+evID+"/access-log", nil, a.adminTok)
	if !strings.Contains(string(logged.Body), a.adminID) || !strings.Contains(string(logged.Body), `"from":100`) || !strings.Contains(string(logged.Body), `"user_name":"`) {
		t.Errorf("the read through the link is not in the custody log under the admin: %s", logged.Body)
	}
	// The same token on another evidence, or with its path edited, opens nothing.
	token := link[strings.Index(link, "link=")+len("link="):]
	for _, u := range []string{"/v1/evidence/" + other + "/content?link=" + token, "/v1/evidence/" + evID + "/content?link=" + token + "x",
		"/v1/evidence/" + evID + "/thumbnail?link=" + token, "/v1/evidence/" + evID + "/content?link=true"} {
		if r := ta.do("GET", u, nil, ""); r.Status < 400 || bytes.Contains(r.Body, clip[:64]) {
			t.Errorf("GET %s: %d", u, r.Status)
		}
	}
	// Disabled, the person's links open nothing; and a link outlives no clock.
	ta.clock.Set(time.Now().Add(handlers.PlayLinkTTL + time.Minute))
	if r := ta.do("GET", link, nil, ""); r.Status != 410 {
		t.Errorf("an expired play link: %d", r.Status)
	}
	ta.clock.Set(time.Time{})
	r = ta.do("POST", "/v1/evidence/"+evID+"/play-link", nil, a.officerTok)
	officerLink := r.str("url")
	if got := ta.do("GET", officerLink, nil, "", "Range", "bytes=0-9"); got.Status != 206 {
		t.Fatalf("the officer's link: %d", got.Status)
	}
	if r := ta.do("PATCH", "/v1/officers/"+a.officerID, map[string]any{"status": "disabled"}, a.adminTok, "If-Match", ta.versionOf(t, "/v1/officers/"+a.officerID, a.adminTok)); r.Status != 200 {
		t.Fatalf("disable: %d %s", r.Status, r.Body)
	}
	time.Sleep(cfg.StandingTTL + 100*time.Millisecond)
	if got := ta.do("GET", officerLink, nil, "", "Range", "bytes=0-9"); got.Status != 401 {
		t.Errorf("a disabled officer's play link: %d", got.Status)
	}
}
