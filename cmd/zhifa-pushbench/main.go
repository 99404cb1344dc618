// Command zhifa-pushbench measures push delivery through the outbox against a baseline taken
// in the same run: N notifications to N devices stored and sent by notify.Dispatcher (through
// the firebase SDK) to a fake FCM server, against the same messages sent by a bare SendEach
// loop to the same server; then the outbox again with a share of calls answered 503, counting
// delivered, duplicated and lost messages and the latency from the notification to receipt.
//
// Usage: go run ./cmd/zhifa-pushbench [-n 10000] [-fail 0.05] [-cpuprofile file]
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime/pprof"
	"slices"
	"sync"
	"time"

	firebase "firebase.google.com/go/v4"
	"firebase.google.com/go/v4/messaging"
	"google.golang.org/api/option"

	"github.com/zhifa/zhifa/domain"
	"github.com/zhifa/zhifa/notify"
	"github.com/zhifa/zhifa/store"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "zhifa-pushbench:", err)
		os.Exit(1)
	}
}

// fake is an FCM HTTP v1 server that records each delivery and answers a share of calls 503.
type fake struct {
	mu        sync.Mutex
	fail      float64
	delivered map[string]int
	at        map[string]time.Time
	refused   map[string]bool // tokens answered 503 at least once
}

func (f *fake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Message struct {
			Token string `json:"token"`
		} `json:"message"`
	}
	_ = json.NewDecoder(r.Body).Decode(&req)
	if f.fail > 0 && rand.Float64() < f.fail {
		f.mu.Lock()
		f.refused[req.Message.Token] = true
		f.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = io.WriteString(w, `{"error":{"code":503,"message":"fake","status":"UNAVAILABLE"}}`)
		return
	}
	f.mu.Lock()
	f.delivered[req.Message.Token]++
	if _, ok := f.at[req.Message.Token]; !ok {
		f.at[req.Message.Token] = time.Now()
	}
	f.mu.Unlock()
	_, _ = io.WriteString(w, `{"name":"projects/bench/messages/1"}`)
}

func newFake(fail float64) (*fake, *httptest.Server) {
	f := &fake{fail: fail, delivered: map[string]int{}, at: map[string]time.Time{}, refused: map[string]bool{}}
	return f, httptest.NewServer(f)
}

func run() error {
	n := flag.Int("n", 10000, "notifications, one device each")
	fail := flag.Float64("fail", 0.05, "share of FCM calls answered 503 in the second run")
	profile := flag.String("cpuprofile", "", "write a CPU profile of the sending to this file")
	flag.Parse()
	ctx := context.Background()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	dir, err := os.MkdirTemp("", "zhifa-pushbench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	st, err := store.Open(ctx, store.Config{Database: "pushbench", DataDir: dir, Logger: log})
	if err != nil {
		return err
	}
	defer st.Close(context.Background())
	fmt.Printf("engine: %s; %d notifications to %d devices, fake FCM on loopback\n\n", st.Engine(), *n, *n)

	// Baseline: the same messages by a bare SendEach loop.
	f, srv := newFake(0)
	app, err := firebase.NewApp(ctx, &firebase.Config{ProjectID: "bench"}, option.WithEndpoint(srv.URL+"/v1"), option.WithoutAuthentication())
	if err != nil {
		return err
	}
	client, err := app.Messaging(ctx)
	if err != nil {
		return err
	}
	msgs := make([]*messaging.Message, *n)
	for i := range msgs {
		msgs[i] = &messaging.Message{Token: fmt.Sprintf("base-%d", i), Notification: &messaging.Notification{Title: "新案件指派", Body: "您已被指派办理案件 2026-000001。"}}
	}
	start := time.Now()
	for i := 0; i < len(msgs); i += 500 {
		if _, err := client.SendEach(ctx, msgs[i:min(i+500, len(msgs))]); err != nil {
			return err
		}
	}
	bare := float64(*n) / time.Since(start).Seconds()
	srv.Close()
	fmt.Printf("bare SendEach loop: %.0f messages/s (%d delivered)\n", bare, len(f.delivered))

	for round, share := range []float64{0, *fail} {
		if err := outbox(ctx, st, log, *n, round, share, false, bare, *profile); err != nil {
			return err
		}
	}
	fmt.Println()
	for round, share := range []float64{0, *fail} {
		if err := outbox(ctx, st, log, *n, round+2, share, true, bare, ""); err != nil {
			return err
		}
	}
	return nil
}

// outbox sends n notifications to n devices through the dispatcher to a fake FCM answering a
// share of calls 503. From a backlog (live false): all are stored first, then drained, and the
// rate is compared with bare. Live: the dispatcher runs as in the server (every 50 ms) while
// the notifications are stored one by one, as the deriver stores them, and the latency from
// each notification to its receipt at FCM is what counts.
func outbox(ctx context.Context, st *store.Store, log *slog.Logger, n, round int, share float64, live bool, bare float64, profile string) error {
	f, srv := newFake(share)
	defer srv.Close()
	d, err := notify.NewDispatcher(ctx, notify.FCMConfig{ProjectID: "bench", Endpoint: srv.URL + "/v1", Deadline: time.Hour}, st, log)
	if err != nil {
		return err
	}
	for i := range n {
		if err := st.SaveDevice(ctx, &domain.Device{UserID: fmt.Sprintf("r%d-u%d", round, i), Token: fmt.Sprintf("r%d-t%d", round, i), Platform: "android"}); err != nil {
			return err
		}
	}
	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	running := make(chan struct{})
	if live {
		go func() { defer close(running); d.Run(runCtx, 50*time.Millisecond) }()
	}
	created := map[string]time.Time{}
	start := time.Now()
	for i := range n {
		user, tok := fmt.Sprintf("r%d-u%d", round, i), fmt.Sprintf("r%d-t%d", round, i)
		ns := domain.NotificationsOf("bench", int64(round*n+i+1), time.Now(), []domain.Alert{{Kind: domain.KindCaseAssigned, Recipients: []string{user},
			ObjectKind: "case", ObjectID: "c", Label: "2026-000001"}})
		created[tok] = time.Now()
		if err := st.AddNotifications(ctx, ns); err != nil {
			return err
		}
	}
	stored := time.Since(start)
	sendStart := time.Now()
	if profile != "" && round == 0 {
		pf, err := os.Create(profile)
		if err != nil {
			return err
		}
		if err := pprof.StartCPUProfile(pf); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	delivered := func() int {
		f.mu.Lock()
		defer f.mu.Unlock()
		return len(f.delivered)
	}
	for deadline := time.Now().Add(10 * time.Minute); time.Now().Before(deadline) && delivered() < n; {
		if live {
			time.Sleep(20 * time.Millisecond)
			continue
		}
		got, err := d.Drain(ctx)
		if err != nil {
			return err
		}
		if got == 0 {
			time.Sleep(200 * time.Millisecond) // retries wait for their backoff
		}
	}
	send := time.Since(sendStart)
	time.Sleep(500 * time.Millisecond) // a message sent twice would arrive meanwhile
	stop()
	if live {
		<-running
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	dup, lost := 0, 0
	var lat []time.Duration
	for tok, at := range created {
		switch c := f.delivered[tok]; {
		case c == 0:
			lost++
		case c > 1:
			dup += c - 1
		}
		if t, ok := f.at[tok]; ok {
			lat = append(lat, t.Sub(at))
		}
	}
	slices.Sort(lat)
	p := func(q float64) time.Duration {
		if len(lat) == 0 {
			return 0
		}
		return lat[min(len(lat)-1, int(q*float64(len(lat))))]
	}
	counts := fmt.Sprintf("delivered %d, duplicates %d, lost %d; notification to receipt p50 %s p99 %s", len(f.delivered), dup, lost,
		p(0.5).Round(time.Millisecond), p(0.99).Round(time.Millisecond))
	if live {
		fmt.Printf("live, %.0f%% of calls 503: %d notifications stored one by one over %.1fs while the dispatcher ran; %s\n", share*100, n, stored.Seconds(), counts)
		return nil
	}
	rate := float64(n) / send.Seconds()
	fmt.Printf("from a backlog, %.0f%% of calls 503: sent at %.0f messages/s (x%.2f of bare SendEach); %s\n", share*100, rate, rate/bare, counts)
	if len(f.refused) > 0 {
		// The messages FCM never refused: do they wait for the refused ones? Their rate is
		// counted to the last of them delivered.
		var last time.Time
		for tok, at := range f.at {
			if !f.refused[tok] && at.After(last) {
				last = at
			}
		}
		others := n - len(f.refused)
		r := float64(others) / last.Sub(sendStart).Seconds()
		fmt.Printf("  the %d messages never refused: sent at %.0f messages/s (x%.2f of bare SendEach); the %d refused ones waited for their backoff (all delivered after %.1fs)\n",
			others, r, r/bare, len(f.refused), send.Seconds())
	}
	return nil
}
