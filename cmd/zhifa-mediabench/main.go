// Command zhifa-mediabench measures evidence uploads against a baseline taken in the same run,
// on one embedded VersityGW gateway:
//
//   - throughput of one large upload through tus (fixed-size PATCH chunks) and through the
//     simple PUT, against minio-go PutObject of the same bytes straight to the same gateway;
//   - the server's peak RSS while several large tus uploads run at once.
//
// The server runs as its own process (built from ./cmd/zhifa), so its memory is measured
// alone; the gateway runs in this process and serves both the server and the baseline.
//
// Usage: go run ./cmd/zhifa-mediabench [-size 1024] [-chunk 16] [-part 16] [-concurrent 8] [-each 512]
package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/zhifa/zhifa/media"
)

const mib = 1 << 20

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "zhifa-mediabench:", err)
		os.Exit(1)
	}
}

// stream is n deterministic bytes that sniff as MP4: a random block repeated, each copy
// stamped with its index so that no two parts are alike.
type stream struct {
	block []byte
	n     int64
	off   int64
}

func newStream(block []byte, n int64) *stream { return &stream{block: block, n: n} }

func (s *stream) Read(p []byte) (int, error) {
	if s.off >= s.n {
		return 0, io.EOF
	}
	bs := int64(len(s.block))
	i := s.off % bs
	k := copy(p, s.block[i:min(bs, i+(s.n-s.off))])
	// Stamp each copy's index over its first 8 bytes (the first copy keeps its ftyp box).
	for start := s.off / bs * bs; start < s.off+int64(k); start += bs {
		for j := int64(0); j < 8 && start+j < s.off+int64(k); j++ {
			if start > 0 && start+j >= s.off {
				p[start+j-s.off] = byte((start / bs) >> (8 * j))
			}
		}
	}
	s.off += int64(k)
	return k, nil
}

func blockOf(size int) []byte {
	b := make([]byte, size)
	_, _ = rand.Read(b)
	copy(b, []byte{0, 0, 0, 0x18, 'f', 't', 'y', 'p', 'i', 's', 'o', 'm', 0, 0, 2, 0, 'i', 's', 'o', 'm', 'i', 's', 'o', '2'})
	return b
}

func sumOf(block []byte, n int64) string {
	h := sha256.New()
	_, _ = io.Copy(h, newStream(block, n))
	return hex.EncodeToString(h.Sum(nil))
}

type server struct {
	base, tok string
	officers  []string
	caseID    string
	pid       int
}

func run() error {
	size := flag.Int64("size", 1024, "MiB of the single upload measured three ways")
	chunk := flag.Int64("chunk", 16, "MiB per tus PATCH")
	part := flag.Int64("part", 16, "MiB per S3 part (ZHIFA_UPLOAD_PART_SIZE)")
	conc := flag.Int("concurrent", 8, "concurrent uploads for the memory measurement")
	each := flag.Int64("each", 512, "MiB per concurrent upload")
	flag.Parse()
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "zhifa-mediabench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)

	repo, err := os.Getwd() // before the gateway makes its objects root the working directory
	if err != nil {
		return err
	}
	gw, err := media.StartEmbedded(ctx, filepath.Join(dir, "gateway"))
	if err != nil {
		return err
	}
	defer gw.Close()
	bin := filepath.Join(dir, "zhifa")
	build := exec.Command("go", "build", "-o", bin, "./cmd/zhifa")
	build.Dir = repo
	if out, err := build.CombinedOutput(); err != nil {
		return fmt.Errorf("build the server: %v\n%s", err, out)
	}
	srv, stop, err := startServer(bin, dir, gw, *part)
	if err != nil {
		return err
	}
	defer stop()

	block := blockOf(64 * mib)
	n := *size * mib
	fmt.Printf("engine: embedded VersityGW (posix) and FerretDB; one %d MiB file, tus chunks %d MiB, S3 parts %d MiB\n", *size, *chunk, *part)
	sum := sumOf(block, n)

	u, _ := url(gw.Endpoint())
	mc, err := minio.New(u, &minio.Options{Creds: credentials.NewStaticV4(gw.AccessKey(), gw.SecretKey(), ""), Region: gw.Region()})
	if err != nil {
		return err
	}
	if err := mc.MakeBucket(ctx, "baseline", minio.MakeBucketOptions{Region: gw.Region()}); err != nil {
		return err
	}
	settle()
	start := time.Now()
	if _, err := mc.PutObject(ctx, "baseline", "file", newStream(block, n), n, minio.PutObjectOptions{ContentType: "video/mp4", PartSize: uint64(*part * mib)}); err != nil {
		return fmt.Errorf("baseline PutObject: %w", err)
	}
	base := rate(n, time.Since(start))
	fmt.Printf("minio-go PutObject straight to the gateway: %.0f MiB/s\n", base)

	ev, err := srv.evidence(sum, n)
	if err != nil {
		return err
	}
	settle()
	start = time.Now()
	if err := srv.tusUpload(ev, block, n, *chunk*mib); err != nil {
		return err
	}
	tus := rate(n, time.Since(start))
	fmt.Printf("tus through Zhifa (%d MiB PATCHes): %.0f MiB/s, x%.2f of PutObject\n", *chunk, tus, tus/base)

	ev, err = srv.evidence(sum, n)
	if err != nil {
		return err
	}
	settle()
	start = time.Now()
	if err := srv.put(ev, block, n); err != nil {
		return err
	}
	put := rate(n, time.Since(start))
	fmt.Printf("PUT through Zhifa: %.0f MiB/s, x%.2f of PutObject\n\n", put, put/base)

	// Memory: several large uploads at once.
	m := *each * mib
	sumEach := sumOf(block, m)
	ids := make([]string, *conc)
	for i := range ids {
		if ids[i], err = srv.evidence(sumEach, m); err != nil {
			return err
		}
	}
	idle := rss(srv.pid)
	var peak atomic.Int64
	done := make(chan struct{})
	go func() {
		for {
			select {
			case <-done:
				return
			case <-time.After(20 * time.Millisecond):
				if r := rss(srv.pid); r > peak.Load() {
					peak.Store(r)
				}
			}
		}
	}()
	var wg sync.WaitGroup
	errs := make([]error, *conc)
	settle()
	start = time.Now()
	for i := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = srv.tusUpload(ids[i], block, m, *chunk*mib)
		}()
	}
	wg.Wait()
	close(done)
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	elapsed := time.Since(start)
	aim := float64(*conc)*float64(*part) + 64
	fmt.Printf("%d concurrent %d MiB tus uploads: %.0f MiB/s in all; server RSS idle %.0f MiB, peak %.0f MiB (aim: at most %d x %d MiB + 64 = %.0f MiB)\n",
		*conc, *each, rate(int64(*conc)*m, elapsed), float64(idle)/mib, float64(peak.Load())/mib, *conc, *part, aim)
	return nil
}

// settle writes the page cache's dirty pages out before a measurement, so that one
// measurement does not pay for the writeback of the one before.
func settle() {
	syscall.Sync()
	time.Sleep(time.Second)
}

func rate(n int64, d time.Duration) float64 { return float64(n) / mib / d.Seconds() }

func url(endpoint string) (string, error) {
	return strings.TrimPrefix(endpoint, "http://"), nil
}

// rss is the resident set of process pid, in bytes.
func rss(pid int) int64 {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb * 1024
		}
	}
	return 0
}

func freeAddr() string {
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	defer l.Close()
	return l.Addr().String()
}

func startServer(bin, dir string, gw *media.Embedded, part int64) (*server, func(), error) {
	const password = "media bench password"
	addr := freeAddr()
	cmd := exec.Command(bin)
	cmd.Env = append(os.Environ(), "ZHIFA_DATA="+filepath.Join(dir, "server"), "ZHIFA_ADDR="+addr, "ZHIFA_ADMIN_PASSWORD="+password,
		"S3_ENDPOINT="+gw.Endpoint(), "S3_ACCESS_KEY="+gw.AccessKey(), "S3_SECRET_KEY="+gw.SecretKey(), "S3_BUCKET=evidence", "S3_OBJECT_LOCK=false",
		"ZHIFA_ARGON2_MEMORY_KIB=8192", "ZHIFA_UPLOAD_PART_SIZE="+strconv.FormatInt(part*mib, 10),
		"ZHIFA_EVIDENCE_PUT_MAX="+strconv.Itoa(1<<30), "ZHIFA_EVIDENCE_MAX_SIZE="+strconv.Itoa(1<<40), "ZHIFA_LOG_LEVEL=warn")
	cmd.Stdout, cmd.Stderr = io.Discard, os.Stderr
	if err := cmd.Start(); err != nil {
		return nil, nil, err
	}
	stop := func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }
	s := &server{base: "http://" + addr, pid: cmd.Process.Pid}
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if res, err := http.Get(s.base + "/readyz"); err == nil {
			res.Body.Close()
			if res.StatusCode == 200 {
				break
			}
		}
		if time.Now().After(deadline) {
			stop()
			return nil, nil, fmt.Errorf("the server did not get ready")
		}
	}
	if err := s.setUp(password); err != nil {
		stop()
		return nil, nil, err
	}
	return s, stop, nil
}

func (s *server) call(method, path string, body any, tok string, want int) (map[string]any, error) {
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest(method, s.base+path, bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	if res.StatusCode != want {
		return nil, fmt.Errorf("%s %s: %d %s", method, path, res.StatusCode, raw)
	}
	var out map[string]any
	_ = json.Unmarshal(raw, &out)
	return out, nil
}

func (s *server) setUp(password string) error {
	login := func(user string) (string, error) {
		r, err := s.call("POST", "/v1/auth/login", map[string]string{"username": user, "password": password}, "", 200)
		if err != nil {
			return "", err
		}
		return r["access_token"].(string), nil
	}
	sys, err := login("admin")
	if err != nil {
		return err
	}
	ag, err := s.call("POST", "/v1/agencies", map[string]any{"name": "区市场监督管理局", "uscc": "91350100M000100Y43",
		"jurisdiction": map[string]string{"district": "青山区"}, "legal_basis": "《中华人民共和国行政处罚法》"}, sys, 201)
	if err != nil {
		return err
	}
	if _, err := s.call("POST", "/v1/officers", map[string]any{"username": "head", "password": password, "name": "局长", "roles": []string{"agency_admin"}, "agency_id": ag["id"]}, sys, 201); err != nil {
		return err
	}
	admin, err := login("head")
	if err != nil {
		return err
	}
	for i, name := range []string{"zhang", "li-si"} {
		o, err := s.call("POST", "/v1/officers", map[string]any{"username": name, "password": password, "name": name, "roles": []string{"officer"}}, admin, 201)
		if err != nil {
			return err
		}
		if _, err := s.call("PUT", "/v1/officers/"+o["id"].(string)+"/certificate", map[string]any{"number": fmt.Sprintf("4201000000%d1", i), "issued_on": "2025-01-01", "expires_on": "2030-12-31"}, admin, 200); err != nil {
			return err
		}
		s.officers = append(s.officers, o["id"].(string))
	}
	if s.tok, err = login("zhang"); err != nil {
		return err
	}
	m, err := s.call("POST", "/v1/matters", map[string]any{"code": "SC-001", "name": "销售过期食品", "legal_basis": "《食品安全法》第一百二十四条", "penalty_kinds": []string{"warning", "fine"}}, admin, 201)
	if err != nil {
		return err
	}
	c, err := s.call("POST", "/v1/cases", map[string]any{"matter_id": m["id"], "facts": "基准", "party": map[string]any{"kind": "person", "name": "甲"}}, s.tok, 201)
	if err != nil {
		return err
	}
	s.caseID = c["id"].(string)
	return nil
}

func (s *server) evidence(sum string, n int64) (string, error) {
	r, err := s.call("POST", "/v1/cases/"+s.caseID+"/evidence", map[string]any{"kind": "video", "sha256": sum, "size": n, "content_type": "video/mp4",
		"captured_at": time.Now().Add(-time.Minute).UTC().Format(time.RFC3339), "officer_ids": s.officers}, s.tok, 201)
	if err != nil {
		return "", err
	}
	return r["evidence"].(map[string]any)["id"].(string), nil
}

func (s *server) send(method, path string, body io.Reader, n int64, headers ...string) (*http.Response, error) {
	req, _ := http.NewRequest(method, s.base+path, body)
	req.ContentLength = n
	req.Header.Set("Authorization", "Bearer "+s.tok)
	req.Header.Set("Tus-Resumable", "1.0.0")
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	raw, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode >= 300 {
		return nil, fmt.Errorf("%s %s: %d %s", method, path, res.StatusCode, raw)
	}
	return res, nil
}

func (s *server) tusUpload(evID string, block []byte, n, chunk int64) error {
	res, err := s.send("POST", "/v1/uploads", nil, 0, "Upload-Length", strconv.FormatInt(n, 10),
		"Upload-Metadata", "evidence_id "+base64.StdEncoding.EncodeToString([]byte(evID)))
	if err != nil {
		return err
	}
	loc := res.Header.Get("Location")
	src := newStream(block, n)
	for off := int64(0); off < n; off += chunk {
		k := min(chunk, n-off)
		if _, err := s.send("PATCH", loc, io.LimitReader(src, k), k, "Content-Type", "application/offset+octet-stream", "Upload-Offset", strconv.FormatInt(off, 10)); err != nil {
			return err
		}
	}
	return nil
}

func (s *server) put(evID string, block []byte, n int64) error {
	_, err := s.send("PUT", "/v1/evidence/"+evID+"/content", newStream(block, n), n, "Content-Type", "application/octet-stream")
	return err
}
