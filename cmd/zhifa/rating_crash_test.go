package main

import (
	"fmt"
	"net/http"
	"testing"
	"time"
)

// TestSIGKILLWhileRatingThenRetry: parties rate two cards of a case (one star, so every
// rating alerts the supervisor) from four phones, two of which give up before answers come;
// the server is killed with SIGKILL mid-load and restarted, and every rating is sent again
// with its Idempotency-Key until answered. Each rating is stored once, no card slot is used
// up without its rating, and the supervisor is alerted once per rating.
func TestSIGKILLWhileRatingThenRetry(t *testing.T) {
	const password = "rating crash password"
	env := childEnv(t, password, "ZHIFA_SYNC_SETTLE", "300ms", "ZHIFA_NOTIFY_EVERY", "100ms", "ZHIFA_TRUSTED_PROXIES", "127.0.0.1")
	c := startChild(t, env)
	w := setUpCase(t, c, password)
	_, supervisor := supervisoryBody(t, c, password)
	var cards []string
	for range 2 {
		cards = append(cards, c.must(t, "POST", "/v1/cards", map[string]any{"case_id": w.caseID, "max_ratings": 5}, w.officerTok, 201)["code"].(string))
	}

	const n, phones, killAfter = 10, 4, 3
	rate := func(hc *http.Client, i int) call {
		return c.callWith(hc, "POST", "/v1/public/cards/"+cards[i%2]+"/feedback", map[string]any{"rating": 1, "comment": fmt.Sprintf("第 %d 条评价", i)}, "",
			fmt.Sprintf("rating-%02d", i), "X-Forwarded-For", fmt.Sprintf("198.51.100.%d", 10+i))
	}
	answered, acked := loadThenKill(t, c, n, phones, killAfter, 5*time.Millisecond, rate)
	c = startChild(t, env)
	supervisor = c.must(t, "POST", "/v1/auth/login", map[string]string{"username": "supervisor", "password": password}, "", 200)["access_token"].(string)
	officer := c.must(t, "POST", "/v1/auth/login", map[string]string{"username": "zhang", "password": password}, "", 200)["access_token"].(string)
	replays := retryAll(t, "rating", answered, func(i int) call { return rate(client, i) })
	storedOnce(t, "rating", c.must(t, "GET", "/v1/feedback?limit=200", nil, supervisor, 200)["items"].([]any), answered)
	for _, code := range cards {
		card := c.must(t, "GET", "/v1/cards/"+code, nil, officer, 200)
		if card["ratings"] != 5.0 || card["state"] != "used_up" {
			t.Fatalf("card %s: %v ratings, %v", code, card["ratings"], card["state"])
		}
	}
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		inbox := c.must(t, "GET", "/v1/notifications?limit=200", nil, supervisor, 200)["items"].([]any)
		if len(inbox) == n {
			break
		}
		if len(inbox) > n || time.Now().After(deadline) {
			t.Fatalf("the supervisor has %d alerts of %d ratings", len(inbox), n)
		}
	}
	t.Logf("%d ratings, %d acknowledged before the kill, %d answered again as replays after it", n, acked, replays)
}
