package main

import (
	"fmt"
	"net/http"
	"testing"
	"time"
)

// TestSIGKILLWhileSweepingAndOrderingThenRetry: while the supervision sweep runs every 50 ms
// and rectification tasks past their day keep coming (each a red warning to tell), a
// supervisor issues orders from four phones, two of which give up before answers come; the
// server is killed with SIGKILL mid-load and restarted, and every order is sent again with its
// Idempotency-Key until answered. Each order exists once and its agency's admin was told once;
// the supervisor was told once of each red warning, whichever sweep (before or after the
// kill) told it.
func TestSIGKILLWhileSweepingAndOrderingThenRetry(t *testing.T) {
	const password = "supervision crash password"
	env := childEnv(t, password, "ZHIFA_SYNC_SETTLE", "300ms", "ZHIFA_NOTIFY_EVERY", "100ms", "ZHIFA_SUPERVISE_EVERY", "50ms")
	c := startChild(t, env)
	w := setUpCase(t, c, password)
	c.must(t, "POST", "/v1/cases/"+w.caseID+"/transitions", map[string]any{"action": "register", "officer_ids": w.officers}, w.officerTok, 200)
	_, supervisor := supervisoryBody(t, c, password)
	cst := time.FixedZone("CST", 8*3600)
	today, yesterday := time.Now().In(cst).Format(time.DateOnly), time.Now().In(cst).AddDate(0, 0, -1).Format(time.DateOnly)

	const n, phones, killAfter = 24, 4, 8
	order := func(i int) map[string]any {
		return map[string]any{"object_kind": "case", "object_id": w.caseID, "text": fmt.Sprintf("第 %d 项督办：请说明办理进度", i), "deadline": today}
	}
	answered, acked := loadThenKill(t, c, n, phones, killAfter, 10*time.Millisecond, func(hc *http.Client, i int) call {
		// A task past its day: red at the next sweep.
		c.callWith(hc, "POST", "/v1/problems", map[string]any{"source": "self_check", "title": fmt.Sprintf("整改任务 %d", i), "plan": "限期整改",
			"owner": "法制科", "deadline": yesterday}, w.adminTok, fmt.Sprintf("problem-%02d", i))
		return c.callWith(hc, "POST", "/v1/supervision/orders", order(i), supervisor, fmt.Sprintf("order-%02d", i))
	})
	c = startChild(t, env)
	login := func(user string) string {
		return c.must(t, "POST", "/v1/auth/login", map[string]string{"username": user, "password": password}, "", 200)["access_token"].(string)
	}
	supervisor, admin := login("supervisor"), login("head")
	replays := retryAll(t, "order", answered, func(i int) call {
		return c.call("POST", "/v1/supervision/orders", order(i), supervisor, fmt.Sprintf("order-%02d", i))
	})
	storedOnce(t, "order", c.must(t, "GET", "/v1/supervision/orders?limit=200", nil, supervisor, 200)["items"].([]any), answered)
	problems := len(c.must(t, "GET", "/v1/problems?limit=200", nil, admin, 200)["items"].([]any))

	count := func(token, kind string) int {
		k := 0
		for _, it := range c.must(t, "GET", "/v1/notifications?limit=200", nil, token, 200)["items"].([]any) {
			if it.(map[string]any)["kind"] == kind {
				k++
			}
		}
		return k
	}
	// The wait ends as soon as every alert is there; on a loaded CI machine (the race detector,
	// packages in parallel) the derivation of two dozen orders took over 30 s.
	for deadline := time.Now().Add(120 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		reds, issued := count(supervisor, "warning_red"), count(admin, "order_issued")
		if reds > problems || issued > n {
			t.Fatalf("told twice: %d red alerts of %d tasks, %d order alerts of %d orders", reds, problems, issued, n)
		}
		if reds == problems && issued == n {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d red alerts of %d tasks, %d order alerts of %d orders", reds, problems, issued, n)
		}
	}
	time.Sleep(time.Second) // more sweeps and derivations: still once
	if reds := count(supervisor, "warning_red"); reds != problems {
		t.Fatalf("after more sweeps, %d red alerts of %d tasks", reds, problems)
	}
	t.Logf("%d orders, %d acknowledged before the kill, %d answered again as replays after it; %d red tasks", n, acked, replays, problems)
}
