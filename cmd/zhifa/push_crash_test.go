package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/zhifa/zhifa/domain"
)

// holdingFCM is an FCM HTTP v1 server that, while holding, keeps every request waiting: a
// request whose sender dies meanwhile was never answered, so it is not counted as delivered.
type holdingFCM struct {
	mu        sync.Mutex
	holding   bool
	release   chan struct{}
	waiting   int
	canceled  int            // waiting requests whose sender went away
	delivered map[string]int // token/notification id -> messages answered with success
	bodies    []string       // every message received, as sent
}

func (f *holdingFCM) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Message struct {
			Token string            `json:"token"`
			Data  map[string]string `json:"data"`
		} `json:"message"`
	}
	body, _ := io.ReadAll(r.Body)
	_ = json.Unmarshal(body, &req)
	f.mu.Lock()
	f.bodies = append(f.bodies, string(body))
	if f.holding {
		f.waiting++
		release := f.release
		f.mu.Unlock()
		select {
		case <-release:
		case <-r.Context().Done():
			f.mu.Lock()
			f.canceled++
			f.mu.Unlock()
			return // the sender is gone: nothing was answered
		}
		f.mu.Lock()
	}
	f.delivered[req.Message.Token+"/"+req.Message.Data["notification_id"]]++
	f.mu.Unlock()
	_, _ = io.WriteString(w, `{"name":"projects/crash/messages/1"}`)
}

func (f *holdingFCM) state() (waiting int, delivered map[string]int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := map[string]int{}
	for k, v := range f.delivered {
		out[k] = v
	}
	return f.waiting, out
}

// TestSIGKILLBetweenFactAndPushDeliversOnce: an inspection assigns two officers, each with a
// phone; the server is killed with SIGKILL while its pushes wait at FCM, and again right after
// a second assignment, before its notifications exist, and once more after delivery.
// Every phone receives each notification exactly once, and the inboxes hold each once.
func TestSIGKILLBetweenFactAndPushDeliversOnce(t *testing.T) {
	fake := &holdingFCM{holding: true, release: make(chan struct{}), delivered: map[string]int{}}
	srv := httptest.NewServer(fake)
	defer srv.Close()
	const password = "push crash password"
	env := pushEnv(t, password, srv.URL)
	c := startChild(t, env)
	w := setUpCase(t, c, password)
	tokens := map[string]string{}
	for i, name := range []string{"zhang", "li-si"} {
		tok := c.must(t, "POST", "/v1/auth/login", map[string]string{"username": name, "password": password}, "", 200)["access_token"].(string)
		tokens[name] = tok
		c.must(t, "POST", "/v1/devices", map[string]any{"token": fmt.Sprintf("phone-%d", i), "platform": "android"}, tok, 201)
	}
	plan := func(day int) map[string]any {
		return map[string]any{"matter_id": w.matterID, "enterprise_uscc": "91310115MA1K3YJ12G", "enterprise_name": "某某食品有限公司",
			"planned_on": time.Now().AddDate(0, 0, day).Format(time.DateOnly), "officer_ids": w.officers}
	}

	// The first assignment: its pushes reach FCM, which holds them; the server dies waiting.
	c.must(t, "POST", "/v1/inspections", plan(2), w.adminTok, 201)
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if waiting, _ := fake.state(); waiting >= 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the pushes never reached FCM")
		}
	}
	c.kill(t)

	// The second assignment: the server dies right after answering, before it derives anything.
	c = startChild(t, env)
	c.must(t, "POST", "/v1/inspections", plan(3), w.adminTok, 201)
	c.kill(t)
	fake.mu.Lock()
	fake.holding = false
	close(fake.release)
	fake.mu.Unlock()

	c = startChild(t, env)
	var delivered map[string]int
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if _, delivered = fake.state(); len(delivered) >= 4 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("delivered after the restart: %v", delivered)
		}
	}
	// Killed again shortly after they are delivered: what FCM accepted and the server recorded
	// is not sent again by the next process. (Killed in the instant between FCM's answer and
	// the record, a message would go out again: FCM has no idempotency key; see the README.)
	time.Sleep(300 * time.Millisecond)
	c.kill(t)
	c = startChild(t, env)
	time.Sleep(1500 * time.Millisecond) // anything sent twice would arrive meanwhile
	if _, delivered = fake.state(); len(delivered) != 4 {
		t.Fatalf("want 2 notifications on each of 2 phones, got %v", delivered)
	}
	for k, n := range delivered {
		if n != 1 {
			t.Errorf("%s was delivered %d times", k, n)
		}
	}
	for name, tok := range tokens {
		inbox := c.must(t, "GET", "/v1/notifications", nil, tok, 200)["items"].([]any)
		if len(inbox) != 2 {
			t.Errorf("%s's inbox holds %d notifications, want 2", name, len(inbox))
		}
	}
}

// TestCardToTheSupervisorsPhone walks the whole chain on a real server: an officer issues a
// card for an inspection, the party rates one star on it, and the supervisor of the district's
// supervisory body gets the push on the (fake) FCM server and the alert in the inbox; the push
// carries neither the party's comment nor the phone.
func TestCardToTheSupervisorsPhone(t *testing.T) {
	fake := &holdingFCM{release: make(chan struct{}), delivered: map[string]int{}}
	srv := httptest.NewServer(fake)
	defer srv.Close()
	const password = "card chain password"
	env := pushEnv(t, password, srv.URL)
	c := startChild(t, env)
	w := setUpCase(t, c, password)
	_, supervisor := supervisoryBody(t, c, password)
	c.must(t, "POST", "/v1/devices", map[string]any{"token": "supervisor-phone", "platform": "android"}, supervisor, 201)

	inspection := c.must(t, "POST", "/v1/inspections", map[string]any{"matter_id": w.matterID, "enterprise_uscc": "91310115MA1K3YJ12G",
		"enterprise_name": "某某食品有限公司", "planned_on": time.Now().AddDate(0, 0, 1).Format(time.DateOnly), "officer_ids": w.officers}, w.officerTok, 201)["id"].(string)
	card := c.must(t, "POST", "/v1/cards", map[string]any{"inspection_id": inspection}, w.officerTok, 201)
	c.must(t, "POST", "/v1/public/cards/"+card["code"].(string)+"/feedback", map[string]any{"rating": 1, "tags": []string{"态度"},
		"comment": "检查人员态度恶劣", "phone": "13912345678"}, "", 201)

	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		_, delivered := fake.state()
		got := 0
		for k, n := range delivered {
			if strings.HasPrefix(k, "supervisor-phone/") {
				got += n
			}
		}
		if got == 1 {
			break
		}
		if time.Now().After(deadline) || got > 1 {
			t.Fatalf("the supervisor's phone got %d pushes: %v", got, delivered)
		}
	}
	fake.mu.Lock()
	for _, b := range fake.bodies {
		if strings.Contains(b, "supervisor-phone") && (!strings.Contains(b, "bad_feedback") || strings.Contains(b, "13912345678") || strings.Contains(b, "恶劣")) {
			t.Errorf("the push: %s", b)
		}
	}
	fake.mu.Unlock()
	inbox := c.must(t, "GET", "/v1/notifications", nil, supervisor, 200)["items"].([]any)
	if len(inbox) != 1 || inbox[0].(map[string]any)["kind"] != "bad_feedback" {
		t.Fatalf("the supervisor's inbox: %v", inbox)
	}
}

// validUSCC completes 17 characters with their check character.
func validUSCC(t *testing.T, first17 string) string {
	t.Helper()
	for _, c := range "0123456789ABCDEFGHJKLMNPQRTUWXY" {
		if code, err := domain.ParseUSCC(first17 + string(c)); err == nil {
			return code
		}
	}
	t.Fatalf("no check character completes %s", first17)
	return ""
}
