package main

import (
	"bufio"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestAnIdleServerSendsTheEngineNothing: once what was written has been derived, a running
// server with agencies, officers, a case and a phone to push to sends the document engine no
// command while nobody asks it anything: its loops wake on writes, not on a clock that reads
// every agency's log (the driver's own heartbeat is not a command). Counted by
// zhifa_store_commands_total.
func TestAnIdleServerSendsTheEngineNothing(t *testing.T) {
	fake := &holdingFCM{release: make(chan struct{}), delivered: map[string]int{}}
	srv := httptest.NewServer(fake)
	defer srv.Close()
	const password = "idle server password"
	env := pushEnv(t, password, srv.URL)
	env["ZHIFA_METRICS_TOKEN"] = "idle-metrics"
	c := startChild(t, env)
	w := setUpCase(t, c, password)
	c.must(t, "POST", "/v1/devices", map[string]any{"token": "idle-phone", "platform": "android"}, w.officerTok, 201)
	c.must(t, "POST", "/v1/cases/"+w.caseID+"/transitions", map[string]any{"action": "register", "officer_ids": w.officers}, w.officerTok, 200)
	time.Sleep(2 * time.Second) // settled (300 ms), derived and pushed

	first := commandsOf(t, c)
	time.Sleep(3 * time.Second)
	second := commandsOf(t, c)
	for name, n := range second {
		if n != first[name] {
			t.Errorf("idle for 3 s, the server sent %.0f × %q", n-first[name], name)
		}
	}
	if len(first) == 0 {
		t.Fatal("no command counted at all: the metric is not the store's")
	}
}

// commandsOf scrapes zhifa_store_commands_total by command.
func commandsOf(t *testing.T, c *child) map[string]float64 {
	t.Helper()
	req, _ := http.NewRequest("GET", c.base+"/metrics", nil)
	req.Header.Set("Authorization", "Bearer idle-metrics")
	res, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != 200 {
		t.Fatalf("/metrics: %d", res.StatusCode)
	}
	out := map[string]float64{}
	sc := bufio.NewScanner(res.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		rest, ok := strings.CutPrefix(line, `zhifa_store_commands_total{command="`)
		if !ok {
			continue
		}
		name, value, _ := strings.Cut(rest, `"} `)
		n, err := strconv.ParseFloat(value, 64)
		if err != nil {
			t.Fatalf("metric line %q", line)
		}
		out[name] = n
	}
	return out
}
