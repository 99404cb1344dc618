package notify_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/zhifa/zhifa/domain"
	"github.com/zhifa/zhifa/notify"
	"github.com/zhifa/zhifa/store"
)

// fakeFCM answers FCM HTTP v1 sends by the token's prefix: ok- delivers, flaky- answers 503
// with Retry-After: 1 once and then delivers, slow- always 503 with Retry-After: 30, gone- is UNREGISTERED, bad- INVALID_ARGUMENT,
// down- always 500.
type fakeFCM struct {
	mu        sync.Mutex
	delivered map[string]int
	calls     map[string][]time.Time
}

func (f *fakeFCM) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Message struct {
			Token string            `json:"token"`
			Data  map[string]string `json:"data"`
		} `json:"message"`
	}
	_ = json.NewDecoder(r.Body).Decode(&req)
	tok := req.Message.Token
	f.mu.Lock()
	f.calls[tok] = append(f.calls[tok], time.Now())
	n := len(f.calls[tok])
	f.mu.Unlock()
	fail := func(status int, code, fcmCode string) {
		w.Header().Set("Content-Type", "application/json")
		if status == 503 {
			w.Header().Set("Retry-After", "1")
			if strings.HasPrefix(tok, "slow-") {
				w.Header().Set("Retry-After", "30")
			}
		}
		w.WriteHeader(status)
		details := ""
		if fcmCode != "" {
			details = fmt.Sprintf(`,"details":[{"@type":"type.googleapis.com/google.firebase.fcm.v1.FcmError","errorCode":%q}]`, fcmCode)
		}
		fmt.Fprintf(w, `{"error":{"code":%d,"message":"fake","status":%q%s}}`, status, code, details)
	}
	switch {
	case strings.HasPrefix(tok, "slow-"):
		fail(503, "UNAVAILABLE", "UNAVAILABLE")
		return
	case strings.HasPrefix(tok, "flaky-") && n == 1:
		fail(503, "UNAVAILABLE", "UNAVAILABLE")
		return
	case strings.HasPrefix(tok, "gone-"):
		fail(404, "NOT_FOUND", "UNREGISTERED")
		return
	case strings.HasPrefix(tok, "bad-"):
		fail(400, "INVALID_ARGUMENT", "INVALID_ARGUMENT")
		return
	case strings.HasPrefix(tok, "down-"):
		fail(500, "INTERNAL", "INTERNAL")
		return
	}
	f.mu.Lock()
	f.delivered[tok]++
	f.mu.Unlock()
	fmt.Fprintf(w, `{"name":"projects/test/messages/%d"}`, time.Now().UnixNano())
}

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func setUp(t *testing.T) (*store.Store, *fakeFCM, *httptest.Server) {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, store.Config{Database: "notify", DataDir: t.TempDir(), Logger: quiet()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close(context.Background()) })
	fake := &fakeFCM{delivered: map[string]int{}, calls: map[string][]time.Time{}}
	srv := httptest.NewServer(fake)
	t.Cleanup(srv.Close)
	return st, fake, srv
}

func dispatcher(t *testing.T, st *store.Store, srv *httptest.Server, deadline time.Duration) *notify.Dispatcher {
	t.Helper()
	d, err := notify.NewDispatcher(context.Background(), notify.FCMConfig{ProjectID: "test", Endpoint: srv.URL + "/v1", Deadline: deadline}, st, quiet())
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func notificationFor(t *testing.T, st *store.Store, user string, seq int64) *domain.Notification {
	t.Helper()
	ns := domain.NotificationsOf("agency-1", seq, time.Now(), []domain.Alert{{Kind: domain.KindCaseAssigned, Recipients: []string{user},
		ObjectKind: "case", ObjectID: "case-1", Label: "2026-000001"}})
	if err := st.AddNotifications(context.Background(), ns); err != nil {
		t.Fatal(err)
	}
	return ns[0]
}

// TestDispatchThroughTheRealSDK: one notification to four phones of one user. The working
// phone gets it once; the one whose first answer is 503 with Retry-After gets it once, not
// before the wait, in a later round of the dispatcher (the SDK's own retry is kept out); the unregistered phone is forgotten; the invalid one is not retried; the
// notification is done and not sent again. The payload names the case by its number only.
func TestDispatchThroughTheRealSDK(t *testing.T) {
	st, fake, srv := setUp(t)
	ctx := context.Background()
	for _, tok := range []string{"ok-1", "flaky-1", "gone-1", "bad-1"} {
		if err := st.SaveDevice(ctx, &domain.Device{UserID: "u1", Token: tok, Platform: "android"}); err != nil {
			t.Fatal(err)
		}
	}
	n := notificationFor(t, st, "u1", 1)
	d := dispatcher(t, st, srv, time.Hour)
	if got, err := d.DispatchOnce(ctx); err != nil || got != 1 {
		t.Fatalf("dispatch: %d %v", got, err)
	}
	// The 503 is retried by the dispatcher, not inside the SDK's batch: not before
	// Retry-After, and to the phone only.
	fake.mu.Lock()
	if fake.delivered["ok-1"] != 1 || fake.delivered["flaky-1"] != 0 || len(fake.calls["flaky-1"]) != 1 {
		t.Fatalf("after the first round: delivered %v, calls to the flaky phone %d", fake.delivered, len(fake.calls["flaky-1"]))
	}
	fake.mu.Unlock()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if _, err := d.DispatchOnce(ctx); err != nil {
			t.Fatal(err)
		}
		fake.mu.Lock()
		done := fake.delivered["flaky-1"] > 0
		fake.mu.Unlock()
		if done {
			break
		}
	}
	fake.mu.Lock()
	defer fake.mu.Unlock()
	if fake.delivered["ok-1"] != 1 || fake.delivered["flaky-1"] != 1 || fake.delivered["gone-1"] != 0 {
		t.Fatalf("delivered: %v", fake.delivered)
	}
	if c := fake.calls["flaky-1"]; len(c) != 2 || c[1].Sub(c[0]) < time.Second {
		t.Fatalf("the retry after 503 came %v after it (Retry-After: 1)", c[1].Sub(c[0]))
	}
	if len(fake.calls["bad-1"]) != 1 {
		t.Fatalf("INVALID_ARGUMENT was retried: %d calls", len(fake.calls["bad-1"]))
	}
	devices, _ := st.DevicesOf(ctx, "u1")
	for _, dev := range devices {
		if dev.Token == "gone-1" {
			t.Fatal("an UNREGISTERED token is still registered")
		}
	}
	fake.mu.Unlock()
	if got, _ := d.DispatchOnce(ctx); got != 0 {
		t.Fatalf("a done notification was claimed again (%d)", got)
	}
	fake.mu.Lock()
	if fake.delivered["ok-1"] != 1 {
		t.Fatalf("sent twice: %v", fake.delivered)
	}
	after, _ := st.NotificationsAfter(ctx, "u1", 0, 10)
	if len(after) != 1 || after[0].ID != n.ID || after[0].Push.Status != domain.PushSent || after[0].Push.Results["bad"] != "" {
		t.Fatalf("push state: %+v", after[0].Push)
	}
}

// TestTwoDispatchersNeverSendTwice: two dispatchers (replicas) drain 300 notifications at once;
// every phone gets exactly one message.
func TestTwoDispatchersNeverSendTwice(t *testing.T) {
	st, fake, srv := setUp(t)
	ctx := context.Background()
	const n = 300
	for i := range n {
		user := fmt.Sprintf("u%d", i)
		if err := st.SaveDevice(ctx, &domain.Device{UserID: user, Token: fmt.Sprintf("ok-%d", i), Platform: "android"}); err != nil {
			t.Fatal(err)
		}
		notificationFor(t, st, user, int64(i+1))
	}
	var wg sync.WaitGroup
	for range 2 {
		d := dispatcher(t, st, srv, time.Hour)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				got, err := d.DispatchOnce(ctx)
				if err != nil {
					t.Error(err)
					return
				}
				if got == 0 {
					return
				}
			}
		}()
	}
	wg.Wait()
	fake.mu.Lock()
	defer fake.mu.Unlock()
	for i := range n {
		if got := fake.delivered[fmt.Sprintf("ok-%d", i)]; got != 1 {
			t.Errorf("phone %d got %d messages", i, got)
		}
	}
}

// TestUndeliverablePushFailsAfterItsDeadline: a phone whose FCM answers 500 is retried until
// the deadline, then the push is failed and listed for the agency's admins.
func TestUndeliverablePushFailsAfterItsDeadline(t *testing.T) {
	st, _, srv := setUp(t)
	ctx := context.Background()
	if err := st.SaveDevice(ctx, &domain.Device{UserID: "u1", Token: "down-1", Platform: "android"}); err != nil {
		t.Fatal(err)
	}
	notificationFor(t, st, "u1", 1)
	d := dispatcher(t, st, srv, time.Millisecond)
	time.Sleep(5 * time.Millisecond)
	if _, err := d.DispatchOnce(ctx); err != nil {
		t.Fatal(err)
	}
	failed, _, err := st.PushFailures(ctx, "agency-1", domain.Page{})
	if err != nil || len(failed) != 1 || failed[0].Push.Status != domain.PushFailed {
		t.Fatalf("failures: %v %v", failed, err)
	}
}

// TestOutcomesOfAnEarlierProcessHold: a dispatcher delivers to one phone while another's FCM
// answers 500; the store is closed before that outcome is folded into the notification. The
// next process retries only the phone that did not get it.
func TestOutcomesOfAnEarlierProcessHold(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	fake := &fakeFCM{delivered: map[string]int{}, calls: map[string][]time.Time{}}
	srv := httptest.NewServer(fake)
	defer srv.Close()
	st, err := store.Open(ctx, store.Config{Database: "notify", DataDir: dir, Logger: quiet()})
	if err != nil {
		t.Fatal(err)
	}
	for _, tok := range []string{"ok-1", "down-1"} {
		if err := st.SaveDevice(ctx, &domain.Device{UserID: "u1", Token: tok, Platform: "android"}); err != nil {
			t.Fatal(err)
		}
	}
	n := notificationFor(t, st, "u1", 1)
	if got, err := dispatcher(t, st, srv, time.Hour).DispatchOnce(ctx); err != nil || got != 1 {
		t.Fatalf("dispatch: %d %v", got, err)
	}
	if err := st.Close(ctx); err != nil {
		t.Fatal(err)
	}

	st, err = store.Open(ctx, store.Config{Database: "notify", DataDir: dir, Logger: quiet()})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close(ctx)
	d := dispatcher(t, st, srv, 2*time.Hour)
	d.Now = func() time.Time { return time.Now().Add(time.Hour) } // past the retry's backoff
	if got, err := d.DispatchOnce(ctx); err != nil || got != 1 {
		t.Fatalf("dispatch after the restart: %d %v", got, err)
	}
	fake.mu.Lock()
	defer fake.mu.Unlock()
	if fake.delivered["ok-1"] != 1 || len(fake.calls["down-1"]) != 2 {
		t.Fatalf("after the restart: delivered %v, calls to the failing phone %d", fake.delivered, len(fake.calls["down-1"]))
	}
	after, err := st.NotificationsAfter(ctx, "u1", 0, 10)
	if err != nil || len(after) != 1 || after[0].ID != n.ID || after[0].Push.Attempts != 2 || after[0].Push.Results["ok"] != "" {
		t.Fatalf("push state: %+v %v", after, err)
	}
}

// TestARetryGoesOnlyToTheUsersPhonesThen: a phone throttled by FCM does not hold up the batch
// (the SDK does not wait inside SendEach); a phone whose first attempt failed and whose token
// then moved to another user gets no retry of the first user's notification.
func TestARetryGoesOnlyToTheUsersPhonesThen(t *testing.T) {
	st, fake, srv := setUp(t)
	ctx := context.Background()
	for user, tok := range map[string]string{"u1": "flaky-moved", "u2": "slow-1", "u3": "ok-3"} {
		if err := st.SaveDevice(ctx, &domain.Device{UserID: user, Token: tok, Platform: "android"}); err != nil {
			t.Fatal(err)
		}
	}
	for i, user := range []string{"u1", "u2", "u3"} {
		notificationFor(t, st, user, int64(i+1))
	}
	d := dispatcher(t, st, srv, time.Hour)
	if got, err := d.DispatchOnce(ctx); err != nil || got != 3 {
		t.Fatalf("dispatch: %d %v", got, err)
	}
	fake.mu.Lock()
	if fake.delivered["ok-3"] != 1 || len(fake.calls["slow-1"]) != 1 || len(fake.calls["flaky-moved"]) != 1 {
		t.Fatalf("first round: delivered %v, calls %d %d", fake.delivered, len(fake.calls["slow-1"]), len(fake.calls["flaky-moved"]))
	}
	fake.mu.Unlock()
	// The phone is signed in by u4 now.
	if err := st.SaveDevice(ctx, &domain.Device{UserID: "u4", Token: "flaky-moved", Platform: "android"}); err != nil {
		t.Fatal(err)
	}
	d.Now = func() time.Time { return time.Now().Add(time.Minute) } // past u1's retry
	if _, err := d.DispatchOnce(ctx); err != nil {
		t.Fatal(err)
	}
	fake.mu.Lock()
	defer fake.mu.Unlock()
	if fake.delivered["flaky-moved"] != 0 || len(fake.calls["flaky-moved"]) != 1 {
		t.Fatalf("u1's notification went to the phone u4 signed in on: %d calls", len(fake.calls["flaky-moved"]))
	}
}

// TestANewPhoneIsNotFloodedWithTheBacklog: a phone signed in for the first time once got each
// of the day's 258 old pushes; now a notification older than Fresh reaches the phones that were
// there when it was made, and a new phone finds it in the inbox only.
func TestANewPhoneIsNotFloodedWithTheBacklog(t *testing.T) {
	st, fake, srv := setUp(t)
	ctx := context.Background()
	if err := st.SaveDevice(ctx, &domain.Device{UserID: "u1", Token: "old-phone", Platform: "android"}); err != nil {
		t.Fatal(err)
	}
	time.Sleep(5 * time.Millisecond)
	notificationFor(t, st, "u1", 1)
	time.Sleep(5 * time.Millisecond)
	if err := st.SaveDevice(ctx, &domain.Device{UserID: "u1", Token: "new-phone", Platform: "android"}); err != nil {
		t.Fatal(err)
	}
	d := dispatcher(t, st, srv, 48*time.Hour)
	d.Now = func() time.Time { return time.Now().Add(2 * time.Hour) }
	if _, err := d.DispatchOnce(ctx); err != nil {
		t.Fatal(err)
	}
	fake.mu.Lock()
	defer fake.mu.Unlock()
	if fake.delivered["old-phone"] != 1 || fake.delivered["new-phone"] != 0 {
		t.Fatalf("delivered: %v", fake.delivered)
	}
}
