package api_test

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/zhifa/zhifa/domain"
)

// TestLoginHashingIsBounded: with one hashing slot, eight bad sign-ins at once do not each get
// an argon2id hash (and its memory): those that wait too long for the slot answer 503 with
// Retry-After, the rest 401, none 500.
func TestLoginHashingIsBounded(t *testing.T) {
	pw, err := domain.NewPasswords(16*1024, 4, 1)
	if err != nil {
		t.Fatal(err)
	}
	pw.Limit(1, 20*time.Millisecond)
	cfg := testConfig()
	cfg.LoginFailures, cfg.LoginAddressFailures = 1000, 1000
	ta := newTestAppWith(t, cfg, pw)
	statuses := map[int]int{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := ta.do("POST", "/v1/auth/login", map[string]string{"username": fmt.Sprintf("nobody-%d", i), "password": "wrong password"}, "")
			if r.Status == 503 && r.Header.Get("Retry-After") == "" {
				t.Error("503 without Retry-After")
			}
			mu.Lock()
			statuses[r.Status]++
			mu.Unlock()
		}()
	}
	wg.Wait()
	if statuses[503] == 0 || statuses[401] == 0 || statuses[401]+statuses[503] != 8 {
		t.Fatalf("statuses %v: want some 401 and the rest 503", statuses)
	}
}

// TestLoginLimitPerAddress: one address trying many usernames meets 429 after the per-address
// number of failures, though each username failed only once.
func TestLoginLimitPerAddress(t *testing.T) {
	cfg := testConfig()
	cfg.LoginFailures, cfg.LoginAddressFailures = 5, 10
	ta := newTestAppWith(t, cfg, nil)
	for i := range 12 {
		r := ta.do("POST", "/v1/auth/login", map[string]string{"username": fmt.Sprintf("user-%d", i), "password": "wrong password"}, "")
		want := 401
		if i >= 10 {
			want = 429
		}
		if r.Status != want || want == 429 && r.Header.Get("Retry-After") == "" {
			t.Fatalf("attempt %d with a new username: %d, want %d", i+1, r.Status, want)
		}
	}
}
