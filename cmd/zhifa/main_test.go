package main

import (
	"bytes"
	"context"
	"encoding/json"

	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func freeAddr(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

type server struct {
	base   string
	log    *syncBuffer
	stderr *syncBuffer
	stop   context.CancelFunc
	done   chan error
}

func start(t *testing.T, env map[string]string) *server {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	s := &server{base: "http://" + env["ZHIFA_ADDR"], log: &syncBuffer{}, stderr: &syncBuffer{}, stop: cancel, done: make(chan error, 1)}
	go func() { s.done <- run(ctx, func(k string) string { return env[k] }, s.log, s.stderr) }()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if res, err := http.Get(s.base + "/readyz"); err == nil {
			res.Body.Close()
			if res.StatusCode == 200 {
				return s
			}
		}
		select {
		case err := <-s.done:
			t.Fatalf("server stopped: %v\n%s", err, s.log.String())
		case <-time.After(20 * time.Millisecond):
		}
	}
	t.Fatalf("not ready in 30s\n%s", s.log.String())
	return nil
}

// waitLog waits up to 10 s for the server's log to contain want.
func waitLog(t *testing.T, s *server, want string) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if strings.Contains(s.log.String(), want) {
			return
		}
	}
	t.Fatalf("the log lacks %s:\n%s", want, s.log.String())
}

func post(t *testing.T, url, body, token string) (int, map[string]any) {
	req, _ := http.NewRequest("POST", url, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return send(t, req)
}

func send(t *testing.T, req *http.Request) (int, map[string]any) {
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Errorf("%s %s: %v", req.Method, req.URL, err)
		return 0, nil
	}
	defer res.Body.Close()
	var m map[string]any
	b, _ := io.ReadAll(res.Body)
	_ = json.Unmarshal(b, &m)
	return res.StatusCode, m
}

// TestRunEmbeddedRestartAndGracefulShutdown runs the real server on the embedded default:
// it seeds the sysadmin, finishes an in-flight request on shutdown, and after a restart on the
// same data dir keeps both the data and the signing key.
func TestRunEmbeddedRestartAndGracefulShutdown(t *testing.T) {
	env := map[string]string{
		"ZHIFA_DATA": t.TempDir(), "ZHIFA_ADDR": freeAddr(t), "ZHIFA_ADMIN_PASSWORD": "first start password",
		// Costly hashes make a login slow enough to still be running when shutdown begins.
		"ZHIFA_ARGON2_MEMORY_KIB": "65536", "ZHIFA_ARGON2_ITERATIONS": "12", "ZHIFA_ARGON2_PARALLELISM": "1",
	}
	s := start(t, env)
	// The listener answers before "zhifa ready" is logged: that line is waited for.
	waitLog(t, s, "zhifa ready")
	for _, want := range []string{`"engine":"ferretdb-embedded"`, `"engine":"versitygw-embedded"`, "created the first sysadmin"} {
		if !strings.Contains(s.log.String(), want) {
			t.Errorf("start-up log lacks %s", want)
		}
	}
	waitLog(t, s, `"collection":"cases","from":"scan"`)
	code, tokens := post(t, s.base+"/v1/auth/login", `{"username":"admin","password":"first start password"}`, "")
	if code != 200 {
		t.Fatalf("login: %d", code)
	}
	access := tokens["access_token"].(string)

	inflight := make(chan int, 1)
	go func() {
		code, _ := post(t, s.base+"/v1/auth/login", `{"username":"admin","password":"first start password"}`, "")
		inflight <- code
	}()
	time.Sleep(150 * time.Millisecond)
	s.stop()
	if code := <-inflight; code != 200 {
		t.Fatalf("in-flight login during shutdown: %d", code)
	}
	if err := <-s.done; err != nil {
		t.Fatalf("run: %v", err)
	}
	if !strings.Contains(s.log.String(), `"msg":"stopped"`) {
		t.Error("no orderly stop in the log")
	}

	s = start(t, env)
	defer func() {
		s.stop()
		<-s.done
	}()
	if strings.Contains(s.log.String(), "created the first sysadmin") || strings.Contains(s.log.String(), "generated a JWT signing key") {
		t.Error("restart seeded again")
	}
	// The clean shutdown left the list indexes for this start.
	waitLog(t, s, `"collection":"cases","from":"snapshot"`)
	req, _ := http.NewRequest("GET", s.base+"/v1/me", nil)
	req.Header.Set("Authorization", "Bearer "+access)
	if code, me := send(t, req); code != 200 || me["username"] != "admin" {
		t.Fatalf("token from before the restart: %d %v", code, me)
	}
}

func TestConfigErrorsAreClear(t *testing.T) {
	env := map[string]string{"ZHIFA_ACCESS_TTL": "soon", "S3_ENDPOINT": "http://minio:9000", "ZHIFA_LOGIN_FAILURES": "0"}
	_, err := loadConfig(func(k string) string { return env[k] })
	if err == nil {
		t.Fatal("bad configuration accepted")
	}
	for _, want := range []string{"ZHIFA_ACCESS_TTL", "S3_ACCESS_KEY", "ZHIFA_LOGIN_FAILURES"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %s: %v", want, err)
		}
	}

}

// TestShutdownPastItsDeadlineLosesNothing stops the server under load with a shutdown deadline
// far shorter than the work in flight: no request is answered 500 (those after the deadline
// get 503), and after a clean restart every case that was answered 201 is listed.
func TestShutdownPastItsDeadlineLosesNothing(t *testing.T) {
	const password = "shutdown test password"
	env := map[string]string{"ZHIFA_DATA": t.TempDir(), "ZHIFA_ADDR": freeAddr(t), "ZHIFA_ADMIN_PASSWORD": password, "ZHIFA_SHUTDOWN_TIMEOUT": "1ms",
		"ZHIFA_ARGON2_MEMORY_KIB": "8192", "ZHIFA_ARGON2_ITERATIONS": "1", "ZHIFA_ARGON2_PARALLELISM": "1"}
	s := start(t, env)
	c := &child{base: s.base}
	w := setUpCase(t, c, password)
	var mu sync.Mutex
	var created []string
	statuses := map[int]int{}
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				r := c.call("POST", "/v1/cases", map[string]any{"matter_id": w.matterID, "party": map[string]any{"kind": "person", "name": "甲"}}, w.officerTok, "")
				mu.Lock()
				statuses[r.Status]++
				if r.Status == 201 {
					created = append(created, r.Body["id"].(string))
				}
				mu.Unlock()
				if r.Status == 0 {
					return
				}
			}
		}()
	}
	time.Sleep(500 * time.Millisecond)
	s.stop()
	if err := <-s.done; err != nil {
		t.Fatalf("run: %v", err)
	}
	close(stop)
	wg.Wait()
	t.Logf("answers during the shutdown: %v", statuses)
	for code := range statuses {
		if code != 0 && code != 201 && code != 503 {
			t.Errorf("%d answers %d during the shutdown", statuses[code], code)
		}
	}
	s = start(t, env)
	defer func() { s.stop(); <-s.done }()
	waitLog(t, s, `"collection":"cases","from":"snapshot"`)
	listed := map[string]bool{}
	cursor := ""
	for {
		req, _ := http.NewRequest("GET", s.base+"/v1/cases?limit=200&cursor="+cursor, nil)
		req.Header.Set("Authorization", "Bearer "+w.officerTok)
		code, page := send(t, req)
		if code != 200 {
			t.Fatalf("list: %d %v", code, page)
		}
		for _, it := range page["items"].([]any) {
			listed[it.(map[string]any)["id"].(string)] = true
		}
		next, _ := page["next_cursor"].(string)
		if next == "" {
			break
		}
		cursor = next
	}
	for _, id := range created {
		if !listed[id] {
			t.Errorf("case %s was answered 201 but is not listed after the restart", id)
		}
	}
	if len(created) == 0 {
		t.Fatal("no case was created")
	}
}
