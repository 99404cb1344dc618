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

// TestWhatAClientWritesIntoXForwardedForChangesNothing: behind a trusted proxy, which appends
// the address it saw, an attacker varying what they put in front of it (a made-up address,
// not an address at all) is still one address to the sign-in, public and card-guess limits;
// a chain of trusted proxies is walked through to the client.
func TestWhatAClientWritesIntoXForwardedForChangesNothing(t *testing.T) {
	cfg := testConfig()
	cfg.TrustedProxies = []string{"0.0.0.0", "10.0.0.0/8"}
	cfg.LoginFailures, cfg.LoginAddressFailures, cfg.PublicRate, cfg.CardGuesses = 3, 5, 10, 4
	ta := newTestAppWith(t, cfg, nil)
	login := func(i int, xff string) int {
		return ta.do("POST", "/v1/auth/login", map[string]string{"username": fmt.Sprintf("victim-%d", i%2), "password": "wrong password"}, "",
			"X-Forwarded-For", xff).Status
	}
	for i := range 5 {
		if s := login(i, fmt.Sprintf("r%d, 203.0.113.%d, 203.0.113.99", i, i)); s != 401 {
			t.Fatalf("failure %d: %d", i+1, s)
		}
	}
	// Five failures from 203.0.113.99 whatever came before it: the address is shut.
	for _, xff := range []string{"198.51.100.1, 203.0.113.99", "not-an-ip, 203.0.113.99", "203.0.113.99, 10.1.2.3"} {
		if s := login(9, xff); s != 429 {
			t.Fatalf("X-Forwarded-For %q after five failures from its client: %d", xff, s)
		}
	}
	// Another client behind the same proxies still signs in (401: the password is wrong).
	if s := login(0, "203.0.113.100, 10.1.2.3"); s != 401 {
		t.Fatalf("another client: %d", s)
	}
	ok := 0
	for i := range 15 {
		if r := ta.do("GET", "/v1/public/jurisdictions", nil, "", "X-Forwarded-For", fmt.Sprintf("q%d, 192.0.2.10", i)); r.Status == 200 {
			ok++
		}
	}
	if ok != 10 {
		t.Fatalf("%d of 15 public requests answered from one client varying the header, want 10", ok)
	}
	guesses := 0
	for i := range 8 {
		if r := ta.do("POST", "/v1/public/cards/ABCDEFGHJKMN"+fmt.Sprint(10+i)+"/feedback", map[string]any{"rating": 5}, "", "X-Forwarded-For", fmt.Sprintf("g%d, 192.0.2.44", i)); r.Status == 404 {
			guesses++
		}
	}
	if guesses != 4 {
		t.Fatalf("%d unknown card codes answered 404 from one client varying the header, want 4 before 429", guesses)
	}
}
