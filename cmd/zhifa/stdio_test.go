package main

import (
	"encoding/json"
	"fmt"
	stdlog "log"
	"os"
	"regexp"
	"strings"
	"testing"
)

// TestFirstStartPrintsThePasswordOnceOnStderr starts the real server with no admin password
// configured: the generated one appears once, in a plain block on stderr and nowhere in the
// log; every line of the log is JSON, the embedded gateway's own lines among them.
func TestFirstStartPrintsThePasswordOnceOnStderr(t *testing.T) {
	stdout, stderr := os.Stdout, os.Stderr
	env := map[string]string{"ZHIFA_DATA": t.TempDir(), "ZHIFA_ADDR": freeAddr(t)}
	s := start(t, env)
	block := s.stderr.String()
	m := regexp.MustCompile(`(?m)^\s+username: admin\n\s+password: (\S+)\n`).FindStringSubmatch(block)
	if m == nil || !strings.Contains(block, "=====") {
		t.Fatalf("no password block on stderr: %q", block)
	}
	password := m[1]
	if code, _ := post(t, s.base+"/v1/auth/login", fmt.Sprintf(`{"username":"admin","password":%q}`, password), ""); code != 200 {
		t.Fatalf("login with the printed password: %d", code)
	}
	waitLog(t, s, "created the first sysadmin with a generated password")
	// The gateway prints these with fmt.Println while it starts.
	waitLog(t, s, `"msg":"No IAM service configured, enabling single account mode","stream":"stdout"`)
	// What the process prints while it runs reaches the log, whichever way it is printed.
	fmt.Fprintln(os.Stderr, "WARNING: printed on stderr")
	stdlog.Print("through the log package")
	waitLog(t, s, `"level":"WARN","msg":"WARNING: printed on stderr","stream":"stderr"`)
	waitLog(t, s, `"msg":"through the log package","stream":"stderr"`)

	s.stop()
	if err := <-s.done; err != nil {
		t.Fatal(err)
	}
	if os.Stdout != stdout || os.Stderr != stderr || stdlog.Writer() != stderr {
		t.Error("the standard streams were not put back")
	}
	log := s.log.String()
	if strings.Contains(log, password) {
		t.Error("the password is in the log")
	}
	for _, line := range strings.Split(strings.TrimSpace(log), "\n") {
		if !json.Valid([]byte(line)) {
			t.Errorf("a log line is not JSON: %q", line)
		}
	}
	if strings.Count(block, password) != 1 {
		t.Errorf("stderr shows the password more than once: %q", block)
	}

	s = start(t, env)
	s.stop()
	if err := <-s.done; err != nil {
		t.Fatal(err)
	}
	if s.stderr.String() != "" {
		t.Errorf("a restart printed on stderr: %q", s.stderr.String())
	}
}

// TestListensOnLoopbackByDefault: a fresh server with a new admin is not on every interface
// unless told to be (ZHIFA_ADDR, as the Docker image sets it).
func TestListensOnLoopbackByDefault(t *testing.T) {
	cfg, err := loadConfig(func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	if host, _, _ := strings.Cut(cfg.Addr, ":"); host != "127.0.0.1" {
		t.Fatalf("the default listen address is %q", cfg.Addr)
	}
}
