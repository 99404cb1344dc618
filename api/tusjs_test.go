package api_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// cuttingProxy forwards TCP to target and cuts the first `cuts` connections that carry more
// than `after` bytes from the client: a phone whose line drops mid-upload.
type cuttingProxy struct {
	ln    net.Listener
	cut   atomic.Int32
	cuts  int32
	after int64
}

func newCuttingProxy(t *testing.T, target string, cuts int32, after int64) *cuttingProxy {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &cuttingProxy{ln: ln, cuts: cuts, after: after}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			in, err := ln.Accept()
			if err != nil {
				return
			}
			out, err := net.Dial("tcp", target)
			if err != nil {
				in.Close()
				continue
			}
			go p.pipe(in, out)
		}
	}()
	return p
}

func (p *cuttingProxy) pipe(in, out net.Conn) {
	var once sync.Once
	closeBoth := func() { once.Do(func() { in.Close(); out.Close() }) }
	go func() { _, _ = io.Copy(in, out); closeBoth() }()
	var sent int64
	buf := make([]byte, 64<<10)
	for {
		n, err := in.Read(buf)
		if n > 0 {
			if sent+int64(n) > p.after && p.cut.Load() < p.cuts {
				p.cut.Add(1)
				_, _ = out.Write(buf[:p.after-sent])
				closeBoth()
				return
			}
			sent += int64(n)
			if _, werr := out.Write(buf[:n]); werr != nil {
				break
			}
		}
		if err != nil {
			break
		}
	}
	closeBoth()
}

// TestTusJSClientResumesThroughDroppedConnections uploads with tus-js-client, a third-party
// tus client, through a line that drops three times mid-chunk; the client resumes each time
// from the offset HEAD gives, and the object read back from the bucket is the file.
// Mandatory in CI (CI=true), where .ci/run installs the client with npm.
func TestTusJSClientResumesThroughDroppedConnections(t *testing.T) {
	dir := filepath.Join(testdata, "tusjs")
	node, err := exec.LookPath("node")
	_, modErr := os.Stat(filepath.Join(dir, "node_modules", "tus-js-client"))
	if err != nil || modErr != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("node and tus-js-client are required in CI (npm ci --prefix api/testdata/tusjs): %v %v", err, modErr)
		}
		t.Skip("node or tus-js-client missing; run: npm ci --prefix api/testdata/tusjs")
	}
	ta := newTestApp(t)
	f := ta.newCaseAgency(t, 0)
	id := ta.openInvestigating(t, f)
	content := video(24 << 20)
	r := ta.do("POST", "/v1/cases/"+id+"/evidence", evidenceBody(f, "video", "video/mp4", content), f.officerTok)
	if r.Status != 201 {
		t.Fatalf("evidence: %d %s", r.Status, r.Body)
	}
	evID := r.JSON["evidence"].(map[string]any)["id"].(string)
	file := filepath.Join(t.TempDir(), "v.mp4")
	if err := os.WriteFile(file, content, 0o600); err != nil {
		t.Fatal(err)
	}
	base := ta.serve()
	proxy := newCuttingProxy(t, base[len("http://"):], 3, 7<<20)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, filepath.Join(dir, "upload.cjs"), "http://"+proxy.ln.Addr().String()+"/v1/uploads", file, f.officerTok, evID)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("tus-js-client: %v\n%s", err, out)
	}
	var res struct {
		URL     string `json:"url"`
		Retries int    `json:"retries"`
	}
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatalf("tus-js-client said %s", out)
	}
	if got := proxy.cut.Load(); got != 3 || res.Retries < 3 {
		t.Fatalf("%d connections cut, %d retries: the test did not interrupt the upload", got, res.Retries)
	}
	obj, err := ta.media.Get(context.Background(), "evidence/"+f.id+"/"+evID, 0, -1)
	if err != nil {
		t.Fatal(err)
	}
	h := sha256.New()
	n, _ := io.Copy(h, obj)
	obj.Close()
	want := sha256.Sum256(content)
	if n != int64(len(content)) || hex.EncodeToString(h.Sum(nil)) != hex.EncodeToString(want[:]) {
		t.Fatalf("the stored object has %d bytes and another hash", n)
	}
	if got := ta.do("GET", "/v1/evidence/"+evID, nil, f.officerTok); got.str("status") != "complete" {
		t.Fatalf("evidence: %s", got.Body)
	}
	t.Logf("tus-js-client: 3 dropped connections, %d retries, %d bytes intact", res.Retries, n)
}
