package main

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestMain lets the test binary be the server in a child process, so that a test can kill a
// real server with SIGKILL.
func TestMain(m *testing.M) {
	if os.Getenv("ZHIFA_TEST_CHILD") == "1" {
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// child is a server running in its own process.
type child struct {
	cmd  *exec.Cmd
	base string
	log  *syncBuffer
}

func startChild(t *testing.T, env map[string]string) *child {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "ZHIFA_TEST_CHILD=1")
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	c := &child{cmd: cmd, base: "http://" + env["ZHIFA_ADDR"], log: &syncBuffer{}}
	cmd.Stdout, cmd.Stderr = c.log, c.log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		if t.Failed() {
			t.Logf("server log:\n%s", c.log.String())
		}
	})
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if res, err := http.Get(c.base + "/readyz"); err == nil {
			res.Body.Close()
			if res.StatusCode == 200 {
				return c
			}
		}
	}
	t.Fatalf("the server did not get ready:\n%s", c.log.String())
	return nil
}

// childEnv is the environment of a child server on a fresh data dir and address, with the
// first sysadmin's password and cheap password hashing, plus extra name, value pairs.
func childEnv(t *testing.T, password string, extra ...string) map[string]string {
	env := map[string]string{"ZHIFA_DATA": t.TempDir(), "ZHIFA_ADDR": freeAddr(t), "ZHIFA_ADMIN_PASSWORD": password,
		"ZHIFA_ARGON2_MEMORY_KIB": "8192", "ZHIFA_ARGON2_ITERATIONS": "1", "ZHIFA_ARGON2_PARALLELISM": "1"}
	for i := 0; i+1 < len(extra); i += 2 {
		env[extra[i]] = extra[i+1]
	}
	return env
}

// pushEnv is childEnv with push through the fake FCM at fcmURL and alerts derived quickly.
func pushEnv(t *testing.T, password, fcmURL string) map[string]string {
	return childEnv(t, password, "FCM_PROJECT_ID", "test", "FCM_ENDPOINT", fcmURL+"/v1", "ZHIFA_SYNC_SETTLE", "300ms", "ZHIFA_NOTIFY_EVERY", "100ms")
}

// kill ends the server with SIGKILL: no shutdown, no snapshot.
func (c *child) kill(t *testing.T) {
	if err := c.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = c.cmd.Wait()
}

// call is one request's outcome; Status 0 when no answer came.
type call struct {
	Status   int
	Replayed bool
	Body     map[string]any
	Raw      string
}

var client = &http.Client{Timeout: 30 * time.Second}

func (c *child) call(method, path string, body any, token, key string) call {
	return c.callWith(client, method, path, body, token, key)
}

// callWith sends one request with the client hc; a client with a short timeout stands for a
// phone that loses its connection while the server is still working.
func (c *child) callWith(hc *http.Client, method, path string, body any, token, key string, headers ...string) call {
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, c.base+path, rd)
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if key != "" {
		req.Header.Set("Idempotency-Key", key)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := hc.Do(req)
	if err != nil {
		return call{}
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		return call{}
	}
	out := call{Status: res.StatusCode, Replayed: res.Header.Get("Idempotent-Replayed") == "true", Raw: string(raw)}
	_ = json.Unmarshal(raw, &out.Body)
	return out
}

func (c *child) must(t *testing.T, method, path string, body any, token string, want int) map[string]any {
	t.Helper()
	r := c.call(method, path, body, token, "")
	if r.Status != want {
		t.Fatalf("%s %s: %d %s", method, path, r.Status, r.Raw)
	}
	return r.Body
}

// caseWorld is an agency with two certified officers, a matter and a case under investigation.
type caseWorld struct {
	adminTok, officerTok string
	officers             []string
	matterID, caseID     string
}

func setUpCase(t *testing.T, c *child, password string) caseWorld {
	t.Helper()
	var w caseWorld
	sys := c.must(t, "POST", "/v1/auth/login", map[string]string{"username": "admin", "password": password}, "", 200)["access_token"].(string)
	agency := c.must(t, "POST", "/v1/agencies", map[string]any{"name": "区市场监督管理局", "uscc": "91350100M000100Y43",
		"jurisdiction": map[string]string{"district": "青山区"}, "legal_basis": "《中华人民共和国行政处罚法》"}, sys, 201)["id"].(string)
	c.must(t, "POST", "/v1/officers", map[string]any{"username": "head", "password": password, "name": "局长", "roles": []string{"agency_admin"}, "agency_id": agency}, sys, 201)
	w.adminTok = c.must(t, "POST", "/v1/auth/login", map[string]string{"username": "head", "password": password}, "", 200)["access_token"].(string)
	for i, name := range []string{"zhang", "li-si"} {
		id := c.must(t, "POST", "/v1/officers", map[string]any{"username": name, "password": password, "name": name, "roles": []string{"officer"}}, w.adminTok, 201)["id"].(string)
		c.must(t, "PUT", "/v1/officers/"+id+"/certificate", map[string]any{"number": fmt.Sprintf("4201000000%d1", i), "issued_on": "2025-01-01", "expires_on": "2030-12-31"}, w.adminTok, 200)
		w.officers = append(w.officers, id)
	}
	w.officerTok = c.must(t, "POST", "/v1/auth/login", map[string]string{"username": "zhang", "password": password}, "", 200)["access_token"].(string)
	w.matterID = c.must(t, "POST", "/v1/matters", map[string]any{"code": "SC-001", "name": "销售过期食品", "legal_basis": "《食品安全法》第一百二十四条",
		"penalty_kinds": []string{"warning", "fine"}}, w.adminTok, 201)["id"].(string)
	w.caseID = c.must(t, "POST", "/v1/cases", map[string]any{"matter_id": w.matterID, "facts": "销售过期食品",
		"party": map[string]any{"kind": "organisation", "name": "某某食品有限公司", "uscc": "91310115MA1K3YJ12G"}}, w.officerTok, 201)["id"].(string)
	return w
}

// TestSIGKILLDuringActionsThenRetry: eight phones record evidence on one case; the server is
// killed with SIGKILL mid-load and restarted; every request that got no answer is retried with
// its Idempotency-Key until it is answered. Every action is in the record exactly once, and a
// retried register that had landed is answered as it was, not refused.
func TestSIGKILLDuringActionsThenRetry(t *testing.T) {
	const password = "crash test password"
	env := childEnv(t, password)
	c := startChild(t, env)
	w := setUpCase(t, c, password)
	tr := "/v1/cases/" + w.caseID + "/transitions"
	register := map[string]any{"action": "register", "officer_ids": w.officers}
	first := c.call("POST", tr, register, w.officerTok, "register-1")
	if first.Status != 200 {
		t.Fatalf("register: %d %s", first.Status, first.Raw)
	}
	if r := c.call("POST", tr, map[string]any{"action": "start_investigation", "officer_ids": w.officers}, w.officerTok, "start-1"); r.Status != 200 {
		t.Fatalf("start_investigation: %d %s", r.Status, r.Raw)
	}

	const n, workers, killAfter = 80, 8, 24
	record := func(i int) map[string]any {
		return map[string]any{"action": "record", "officer_ids": w.officers, "device_id": fmt.Sprintf("ev-%02d", i)}
	}
	var acked atomic.Int32
	answered := make([]string, n) // the hash of the event each answered action appended
	var wg sync.WaitGroup
	killed := make(chan struct{})
	for wk := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			hc := client
			if wk < 3 {
				// These phones give up before the server answers: their actions land unanswered.
				hc = &http.Client{Timeout: time.Duration(15+15*wk) * time.Millisecond}
			}
			for i := wk; i < n; i += workers {
				hash, gone := sendAction(t, c, hc, tr, record(i), w.officerTok, fmt.Sprintf("rec-%02d", i), killed)
				if gone {
					return
				}
				if hash != "" {
					answered[i] = hash
					if acked.Add(1) == killAfter {
						c.kill(t)
						close(killed)
					}
				}
			}
		}()
	}
	wg.Wait()

	c = startChild(t, env)
	retried, landed := 0, 0
	for i := range n {
		for attempt := 0; ; attempt++ {
			r := c.call("POST", tr, record(i), w.officerTok, fmt.Sprintf("rec-%02d", i))
			if r.Status == 200 && answered[i] != "" {
				// An answered action retried, as a phone does that missed the answer.
				if !r.Replayed || r.Body["event"].(map[string]any)["hash"] != answered[i] {
					t.Errorf("retry of answered record %d: replayed=%v %s", i, r.Replayed, r.Raw)
				}
				break
			}
			if r.Status == 200 {
				retried++
				if r.Replayed {
					landed++
				}
				break
			}
			if r.Status != 409 && r.Status != 503 || attempt > 50 {
				t.Fatalf("retry of record %d after the restart: %d %s", i, r.Status, r.Raw)
			}
		}
	}
	t.Logf("%d of %d actions answered before SIGKILL, %d retried after the restart, %d of those had landed and were replayed", n-retried, n, retried, landed)
	again := c.call("POST", tr, register, w.officerTok, "register-1")
	if again.Status != 200 || !again.Replayed || again.Body["event"].(map[string]any)["hash"] != first.Body["event"].(map[string]any)["hash"] {
		t.Fatalf("a retried register that had landed: %d replayed=%v %s", again.Status, again.Replayed, again.Raw)
	}

	events := c.must(t, "GET", "/v1/cases/"+w.caseID+"/events?limit=200", nil, w.officerTok, 200)["items"].([]any)
	seen := map[string]int{}
	for _, e := range events {
		if ev, ok := e.(map[string]any)["device_id"].(string); ok {
			seen[ev]++
		}
	}
	for i := range n {
		if k := fmt.Sprintf("ev-%02d", i); seen[k] != 1 {
			t.Errorf("%s is in the record %d times", k, seen[k])
		}
	}
	if len(events) != 3+n {
		t.Errorf("%d events, want %d", len(events), 3+n)
	}
	if audit := c.must(t, "GET", "/v1/cases/"+w.caseID+"/audit", nil, w.officerTok, 200); audit["intact"] != true {
		t.Errorf("audit after the crash: %v", audit)
	}
	if strings.Contains(c.log.String(), `"level":"ERROR"`) {
		t.Errorf("errors in the log after the restart:\n%s", c.log.String())
	}
}

// TestSIGKILLMidUploadThenResume: a tus upload survives the server's death. A first chunk is
// acknowledged (its last bytes, shorter than an S3 part, in a tail object); a second is cut
// by SIGKILL while it streams. After a restart HEAD returns at least the acknowledged offset,
// the upload continues from there at once (the dead server's lease is released, not waited
// out), and the stored object is the file, byte for byte.
func TestSIGKILLMidUploadThenResume(t *testing.T) {
	const password = "crash test password"
	env := childEnv(t, password, "ZHIFA_UPLOAD_LEASE", "30s", "ZHIFA_UPLOAD_PART_SIZE", "5242880")
	c := startChild(t, env)
	w := setUpCase(t, c, password)
	content, evID := videoEvidence(t, c, w, 24<<20)
	tus := func(method, path string, body io.Reader, headers ...string) (*http.Response, error) {
		return c.tus(w.officerTok, method, path, body, headers...)
	}
	res, err := tus("POST", "/v1/uploads", nil, "Upload-Length", strconv.Itoa(len(content)), "Upload-Metadata", "evidence_id "+base64.StdEncoding.EncodeToString([]byte(evID)))
	if err != nil || res.StatusCode != 201 {
		t.Fatalf("create upload: %v %v", res, err)
	}
	loc := res.Header.Get("Location")
	acked := 7 << 20
	if res, err := tus("PATCH", loc, bytes.NewReader(content[:acked]), "Content-Type", "application/offset+octet-stream", "Upload-Offset", "0"); err != nil || res.StatusCode != 204 {
		t.Fatalf("first chunk: %v %v", res, err)
	}

	// The second chunk trickles in; the server dies after 9 MiB of it.
	pr, pw := io.Pipe()
	go func() {
		rest := content[acked:]
		for sent := 0; sent < len(rest); sent += 1 << 20 {
			if _, err := pw.Write(rest[sent:min(sent+1<<20, len(rest))]); err != nil {
				return
			}
			if sent == 9<<20 {
				c.kill(t)
				pw.CloseWithError(errors.New("the server died"))
				return
			}
			time.Sleep(10 * time.Millisecond)
		}
	}()
	if res, err := tus("PATCH", loc, pr, "Content-Type", "application/offset+octet-stream", "Upload-Offset", strconv.Itoa(acked),
		"Content-Length", strconv.Itoa(len(content)-acked)); err == nil && res.StatusCode == 204 {
		t.Fatal("the interrupted chunk was answered as complete")
	}

	c = startChild(t, env)
	res, err = tus("HEAD", loc, nil)
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("HEAD after the restart: %v %v", res, err)
	}
	offset, _ := strconv.Atoi(res.Header.Get("Upload-Offset"))
	if offset < acked {
		t.Fatalf("HEAD after the restart says %d, below the acknowledged %d", offset, acked)
	}
	t.Logf("acknowledged %d bytes, the server kept %d after SIGKILL mid-chunk", acked, offset)
	for attempt := 0; ; attempt++ {
		res, err := tus("PATCH", loc, bytes.NewReader(content[offset:]), "Content-Type", "application/offset+octet-stream", "Upload-Offset", strconv.Itoa(offset))
		if err == nil && res.StatusCode == 204 {
			break
		}
		// The restarted server knows the dead one's lease for its predecessor's: no 423 while
		// it runs out (30 s), only a closed connection, as a phone on a bad line sees.
		if err == nil || attempt > 50 {
			t.Fatalf("resume at %d: %v %v", offset, res, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
	got := c.must(t, "GET", "/v1/evidence/"+evID, nil, w.officerTok, 200)
	if got["status"] != "complete" {
		t.Fatalf("evidence after the resumed upload: %v", got)
	}
	storedIs(t, c, w.officerTok, evID, content)
	audit := c.must(t, "GET", "/v1/cases/"+w.caseID+"/audit", nil, w.officerTok, 200)
	if audit["intact"] != true || len(audit["evidence"].([]any)) != 0 {
		t.Fatalf("audit: %v", audit)
	}
}

// sendAction sends a case action until it is answered and returns the hash of the event it
// appended; "" when the phone's own connection dropped first (hc gave up; it retries later).
// gone says the server answers no more (or the action was refused), or stop closed.
func sendAction(t *testing.T, c *child, hc *http.Client, path string, body map[string]any, token, key string, stop <-chan struct{}) (hash string, gone bool) {
	for {
		select {
		case <-stop:
			return "", true
		default:
		}
		r := c.callWith(hc, "POST", path, body, token, key)
		switch {
		case r.Status == 0 && hc == client:
			return "", true // no answer: the server is gone
		case r.Status == 0:
			return "", false
		case r.Status == 200:
			return r.Body["event"].(map[string]any)["hash"].(string), false
		case r.Status != 409 && r.Status != 503:
			t.Errorf("%s %v: %d %s", path, body, r.Status, r.Raw)
			return "", true
		}
		time.Sleep(5 * time.Millisecond) // another phone moved the case first
	}
}

// videoEvidence registers a video of size random bytes (an MP4 header first) on the world's
// case and returns the bytes and the evidence id.
func videoEvidence(t *testing.T, c *child, w caseWorld, size int) ([]byte, string) {
	t.Helper()
	content := make([]byte, size)
	_, _ = rand.Read(content)
	copy(content, []byte{0, 0, 0, 0x18, 'f', 't', 'y', 'p', 'i', 's', 'o', 'm', 0, 0, 2, 0, 'i', 's', 'o', 'm', 'i', 's', 'o', '2'})
	sum := sha256.Sum256(content)
	ev := c.must(t, "POST", "/v1/cases/"+w.caseID+"/evidence", map[string]any{"kind": "video", "sha256": hex.EncodeToString(sum[:]), "size": len(content),
		"content_type": "video/mp4", "captured_at": time.Now().Add(-time.Minute).UTC().Format(time.RFC3339), "officer_ids": w.officers}, w.officerTok, 201)
	return content, ev["evidence"].(map[string]any)["id"].(string)
}

// tus sends one tus request (headers as name, value pairs; a Content-Length header sets the
// body's length) and reads its answer.
func (c *child) tus(token, method, path string, body io.Reader, headers ...string) (*http.Response, error) {
	req, _ := http.NewRequest(method, c.base+path, body)
	req.Header.Set("Tus-Resumable", "1.0.0")
	req.Header.Set("Authorization", "Bearer "+token)
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	if n, err := strconv.ParseInt(req.Header.Get("Content-Length"), 10, 64); err == nil {
		req.ContentLength = n
	}
	res, err := client.Do(req)
	if err == nil {
		_, _ = io.Copy(io.Discard, res.Body)
		res.Body.Close()
	}
	return res, err
}

// storedIs checks that the evidence's stored bytes, read through c, are content.
func storedIs(t *testing.T, c *child, token, evID string, content []byte) {
	t.Helper()
	req, _ := http.NewRequest("GET", c.base+"/v1/evidence/"+evID+"/content", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	h := sha256.New()
	n, _ := io.Copy(h, res.Body)
	res.Body.Close()
	if sum := sha256.Sum256(content); n != int64(len(content)) || !bytes.Equal(h.Sum(nil), sum[:]) {
		t.Fatalf("the stored file, read through %s, has %d bytes and another hash", c.base, n)
	}
}

// retryAll sends each write i until it is answered 201 (503 while the restarted server
// recovers), checks that each keeps the id it was first answered with, and counts the replays.
func retryAll(t *testing.T, what string, answered []string, send func(i int) call) int {
	t.Helper()
	replays := 0
	for i := range answered {
		for attempt := 0; ; attempt++ {
			r := send(i)
			if r.Status == 201 {
				if answered[i] != "" && r.Body["id"] != answered[i] {
					t.Fatalf("%s %d was answered as %s, and now as %s", what, i, answered[i], r.Body["id"])
				}
				if r.Replayed {
					replays++
				}
				answered[i] = r.Body["id"].(string)
				break
			}
			if r.Status != 503 || attempt > 20 {
				t.Fatalf("%s %d: %d %s", what, i, r.Status, r.Raw)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	return replays
}

// storedOnce checks that list holds each answered id once and nothing else.
func storedOnce(t *testing.T, what string, list []any, answered []string) {
	t.Helper()
	seen := map[string]bool{}
	for _, it := range list {
		seen[it.(map[string]any)["id"].(string)] = true
	}
	if len(list) != len(answered) || len(seen) != len(answered) {
		t.Fatalf("%d %ss stored (%d distinct), want %d", len(list), what, len(seen), len(answered))
	}
	for i, id := range answered {
		if !seen[id] {
			t.Fatalf("%s %d (%s) is not stored", what, i, id)
		}
	}
}

// supervisoryBody registers 青山区司法局 with a supervisor (username supervisor) and returns the
// body and the supervisor's token.
func supervisoryBody(t *testing.T, c *child, password string) (map[string]any, string) {
	t.Helper()
	sys := c.must(t, "POST", "/v1/auth/login", map[string]string{"username": "admin", "password": password}, "", 200)["access_token"].(string)
	body := c.must(t, "POST", "/v1/agencies", map[string]any{"name": "青山区司法局", "uscc": validUSCC(t, "11350100MB0000113"), "kind": "supervisory",
		"jurisdiction": map[string]string{"district": "青山区"}, "legal_basis": "《法治政府建设实施纲要》"}, sys, 201)
	c.must(t, "POST", "/v1/officers", map[string]any{"username": "supervisor", "password": password, "name": "监督员", "roles": []string{"supervisor"}, "agency_id": body["id"]}, sys, 201)
	return body, c.must(t, "POST", "/v1/auth/login", map[string]string{"username": "supervisor", "password": password}, "", 200)["access_token"].(string)
}

// loadThenKill sends writes 0..n-1 from phones phones, the first two of which give up after
// giveUp and three times that (before the answer comes), and kills the server with SIGKILL once
// killAfter writes were answered. It returns the ids each answered write got ("" if none) and
// how many were answered.
func loadThenKill(t *testing.T, c *child, n, phones, killAfter int, giveUp time.Duration, send func(hc *http.Client, i int) call) ([]string, int) {
	answered := make([]string, n)
	var acked atomic.Int32
	var wg sync.WaitGroup
	killed := make(chan struct{})
	var once sync.Once
	for ph := range phones {
		wg.Add(1)
		go func() {
			defer wg.Done()
			hc := client
			if ph < 2 {
				hc = &http.Client{Timeout: giveUp * time.Duration(1+2*ph)}
			}
			for i := ph; i < n; i += phones {
				select {
				case <-killed:
					return
				default:
				}
				if r := send(hc, i); r.Status == 201 {
					answered[i] = r.Body["id"].(string)
					if acked.Add(1) == int32(killAfter) {
						once.Do(func() { c.kill(t); close(killed) })
					}
				}
			}
		}()
	}
	wg.Wait()
	once.Do(func() { c.kill(t); close(killed) })
	return answered, int(acked.Load())
}
