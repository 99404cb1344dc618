package api_test

import (
	"fmt"
	"testing"

	"github.com/zhifa/zhifa/domain"
)

// pair runs a baseline and a subject as sub-benchmarks and prints the subject's cost as a
// ratio of the baseline measured in the same run.
func pair(b *testing.B, baseName string, base func(*testing.B), subjectName string, subject func(*testing.B)) {
	var baseNs, subjectNs float64
	b.Run(baseName, func(b *testing.B) {
		base(b)
		baseNs = float64(b.Elapsed().Nanoseconds()) / float64(b.N)
	})
	b.Run(subjectName, func(b *testing.B) {
		subject(b)
		subjectNs = float64(b.Elapsed().Nanoseconds()) / float64(b.N)
	})
	if baseNs > 0 {
		fmt.Printf("%s: %s %.3f ms/op, %s %.3f ms/op, ratio %.2fx\n", b.Name(), baseName, baseNs/1e6, subjectName, subjectNs/1e6, subjectNs/baseNs)
	}
}

// BenchmarkLogin: a full login through the API with the production argon2id parameters (64 MiB,
// 1 pass, 2 lanes) against the bare argon2id check; the ratio is what the HTTP layer, the store
// and token issuing add.
func BenchmarkLogin(b *testing.B) {
	pw, err := domain.NewPasswords(64*1024, 1, 2)
	if err != nil {
		b.Fatal(err)
	}
	hash, _ := pw.Hash(testPassword)
	cfg := testConfig()
	cfg.LoginFailures, cfg.LoginAddressFailures = 1<<30, 1<<30
	ta := newTestAppWith(b, cfg, pw)
	body := map[string]string{"username": "root", "password": testPassword}
	pair(b, "argon2id-check", func(b *testing.B) {
		for b.Loop() {
			if ok, err := pw.Check(testPassword, hash); !ok || err != nil {
				b.Fatal("check failed")
			}
		}
	}, "api-login", func(b *testing.B) {
		for b.Loop() {
			if r := ta.do("POST", "/v1/auth/login", body, ""); r.Status != 200 {
				b.Fatalf("login %d", r.Status)
			}
		}
	})
}

// BenchmarkAuthenticatedRequest: GET /v1/me (token verification, a user read, certificate and
// agency lookups) against GET /healthz through the same app.
func BenchmarkAuthenticatedRequest(b *testing.B) {
	ta := newTestApp(b)
	pair(b, "healthz", func(b *testing.B) {
		for b.Loop() {
			ta.do("GET", "/healthz", nil, "")
		}
	}, "me", func(b *testing.B) {
		for b.Loop() {
			if r := ta.do("GET", "/v1/me", nil, ta.sysTok); r.Status != 200 {
				b.Fatal(r.Status)
			}
		}
	})
}

// BenchmarkTodo: the to-do lists of an agency's admin (who is its head too) and of an officer,
// against GET /v1/me through the same app: what the groups' counts and first items cost.
func BenchmarkTodo(b *testing.B) {
	ta := newTestApp(b)
	// The fixtures take a *testing.T; the requests timed below check their own statuses.
	t := &testing.T{}
	f := ta.newCaseAgency(t, 0)
	for range 5 {
		id := ta.openCase(t, f)
		ta.act(t, f, id, map[string]any{"action": "register", "officer_ids": f.officers})
	}
	get := func(path, token string) func(*testing.B) {
		return func(b *testing.B) {
			for b.Loop() {
				if r := ta.do("GET", path, nil, token); r.Status != 200 {
					b.Fatalf("%s: %d", path, r.Status)
				}
			}
		}
	}
	pair(b, "me", get("/v1/me", f.adminTok), "todo-admin", get("/v1/me/todo", f.adminTok))
	pair(b, "me", get("/v1/me", f.officerTok), "todo-officer", get("/v1/me/todo", f.officerTok))
}
