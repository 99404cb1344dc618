package main

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/zhifa/zhifa/domain"
	"github.com/zhifa/zhifa/media"
	"github.com/zhifa/zhifa/store/docserver"
)

// deployment is what several instances share: one MongoDB-wire database (FerretDB over
// PostgreSQL behind its write gate, see store/docserver), one S3 store, one signing key, one
// FCM; each instance has its own data dir, address and instance id.
type deployment struct {
	db      *docserver.Server
	objects *media.Embedded
	key     string
	fcm     *holdingFCM
	fcmURL  string
	name    string
}

func newDeployment(t *testing.T) *deployment {
	t.Helper()
	if _, err := docserver.Binaries(); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal(err)
		}
		t.Skip(err)
	}
	db, err := docserver.Start(context.Background(), docserver.Options{Gated: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	// The S3 gateway runs in this process (it works in its root as its working directory; the
	// children are started by absolute path and keep their own data dirs).
	objects, err := media.StartEmbedded(context.Background(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(objects.Close)
	_, key, _ := ed25519.GenerateKey(rand.Reader)
	der, _ := x509.MarshalPKCS8PrivateKey(key)
	fcm := &holdingFCM{release: make(chan struct{}), delivered: map[string]int{}}
	srv := httptest.NewServer(fcm)
	t.Cleanup(srv.Close)
	d := &deployment{db: db, objects: objects, key: string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})), fcm: fcm, name: "zhifa_" + domain.RandomToken(6)}
	d.fcmURL = srv.URL
	return d
}

// env is instance id's environment: a child of its own on the shared database and objects.
func (d *deployment) env(t *testing.T, password, id string, extra ...string) map[string]string {
	return childEnv(t, password, append([]string{
		"MONGODB_URI", d.db.URI, "MONGODB_DATABASE", d.name,
		"S3_ENDPOINT", d.objects.Endpoint(), "S3_ACCESS_KEY", d.objects.AccessKey(), "S3_SECRET_KEY", d.objects.SecretKey(), "S3_REGION", d.objects.Region(),
		"ZHIFA_JWT_PRIVATE_KEY", d.key, "ZHIFA_INSTANCE_ID", id,
		"FCM_PROJECT_ID", "test", "FCM_ENDPOINT", d.fcmURL + "/v1", "ZHIFA_PUSH_LEASE", "3s", "ZHIFA_PUSH_FRESH", "1s",
		"ZHIFA_SYNC_SETTLE", "300ms", "ZHIFA_NOTIFY_EVERY", "100ms", "ZHIFA_DERIVE_FULL_EVERY", "1s",
		"ZHIFA_REQUEST_TIMEOUT", "2s", "ZHIFA_UPLOAD_LEASE", "3s", "ZHIFA_UPLOAD_PART_SIZE", "5242880",
		"ZHIFA_TRUSTED_PROXIES", "127.0.0.1",
	}, extra...)...)
}

// TestSeveralInstancesShareOneDatabase runs two Zhifa processes on one database and one
// object store, as a deployment behind a balancer does, and spreads over them what the
// single-process crash tests do: actions sent to either, one instance killed with SIGKILL mid
// load and every unanswered action retried on the other (each is in the record once, and
// answered ones replay); pushes from both instances' outboxes (each goes out once), with the
// killed instance's claimed pushes taken over when its lease runs out; an upload begun on one
// and finished on the other, and one cut by SIGKILL on one and resumed on the other; sign-in
// failures and public requests counted across the instances.
func TestSeveralInstancesShareOneDatabase(t *testing.T) {
	const password = "instances password"
	d := newDeployment(t)
	envA, envB := d.env(t, password, "a", "ZHIFA_LOGIN_FAILURES", "4", "ZHIFA_PUBLIC_RATE", "20"), d.env(t, password, "b", "ZHIFA_LOGIN_FAILURES", "4", "ZHIFA_PUBLIC_RATE", "20")
	a := startChild(t, envA)
	b := startChild(t, envB)
	// Instances restarted in a subtest live on after it.
	restart := func(env map[string]string) *child { return startChild(t, env) }
	w := setUpCase(t, a, password)
	tr := "/v1/cases/" + w.caseID + "/transitions"
	// A token from one instance is good on the other; so is what one wrote.
	b.must(t, "POST", tr, map[string]any{"action": "register", "officer_ids": w.officers}, w.officerTok, 200)
	a.must(t, "POST", tr, map[string]any{"action": "start_investigation", "officer_ids": w.officers}, w.officerTok, 200)

	t.Run("actions on both, SIGKILL one, retry on the other", func(t *testing.T) {
		const n, workers, killAfter = 40, 6, 12
		record := func(i int) map[string]any {
			return map[string]any{"action": "record", "officer_ids": w.officers, "device_id": fmt.Sprintf("multi-%02d", i)}
		}
		answered := make([]string, n)
		var acked atomic.Int32
		var wg sync.WaitGroup
		killed := make(chan struct{})
		var once sync.Once
		for wk := range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				inst, hc := a, client
				if wk%2 == 1 {
					inst = b
				}
				if wk < 3 {
					// These phones give up before the answer comes: their actions land unanswered.
					hc = &http.Client{Timeout: time.Duration(10+10*wk) * time.Millisecond}
				}
				for i := wk; i < n; i += workers {
					var stop <-chan struct{} // the phones on a get no answer once it is killed; they retry below
					if inst == a {
						stop = killed
					}
					hash, gone := sendAction(t, inst, hc, tr, record(i), w.officerTok, fmt.Sprintf("multi-%02d", i), stop)
					if gone {
						return
					}
					if hash != "" {
						answered[i] = hash
						if acked.Add(1) == killAfter {
							once.Do(func() { a.kill(t); close(killed) })
						}
					}
				}
			}()
		}
		wg.Wait()
		once.Do(func() { a.kill(t); close(killed) })
		// Every action again, on b: answered ones replay; the rest run, or replay when they had
		// landed on a before it died (409 while a's claim on the key runs out).
		retried, replayed := 0, 0
		for i := range n {
			for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(100 * time.Millisecond) {
				r := b.call("POST", tr, record(i), w.officerTok, fmt.Sprintf("multi-%02d", i))
				if r.Status == 200 {
					if answered[i] != "" && (!r.Replayed || r.Body["event"].(map[string]any)["hash"] != answered[i]) {
						t.Errorf("record %d answered before the kill, retried on b: replayed=%v %s", i, r.Replayed, r.Raw)
					}
					if answered[i] == "" {
						retried++
						if r.Replayed {
							replayed++
						}
					}
					break
				}
				if r.Status != 409 && r.Status != 503 || time.Now().After(deadline) {
					t.Fatalf("record %d on b: %d %s", i, r.Status, r.Raw)
				}
			}
		}
		events := b.must(t, "GET", "/v1/cases/"+w.caseID+"/events?limit=200", nil, w.officerTok, 200)["items"].([]any)
		seen := map[string]int{}
		for _, e := range events {
			if dev, ok := e.(map[string]any)["device_id"].(string); ok {
				seen[dev]++
			}
		}
		for i := range n {
			if k := fmt.Sprintf("multi-%02d", i); seen[k] != 1 {
				t.Errorf("%s is in the record %d times", k, seen[k])
			}
		}
		if audit := b.must(t, "GET", "/v1/cases/"+w.caseID+"/audit", nil, w.officerTok, 200); audit["intact"] != true {
			t.Errorf("audit: %v", audit)
		}
		t.Logf("%d actions over two instances, %d answered before a was killed, %d retried on b (%d of them had landed and replayed)", n, acked.Load(), retried, replayed)
		a = restart(envA)
	})

	t.Run("pushes from both outboxes, a dead instance's lease taken over", func(t *testing.T) {
		tokens := map[string]string{}
		for i, name := range []string{"zhang", "li-si"} {
			tok := b.must(t, "POST", "/v1/auth/login", map[string]string{"username": name, "password": password}, "", 200)["access_token"].(string)
			tokens[name] = tok
			b.must(t, "POST", "/v1/devices", map[string]any{"token": fmt.Sprintf("multi-phone-%d", i), "platform": "android"}, tok, 201)
		}
		plan := func(day int) map[string]any {
			return map[string]any{"matter_id": w.matterID, "enterprise_uscc": "91310115MA1K3YJ12G", "enterprise_name": "某某食品有限公司",
				"planned_on": time.Now().AddDate(0, 0, day).Format(time.DateOnly), "officer_ids": w.officers}
		}
		d.fcm.mu.Lock()
		d.fcm.holding = true
		d.fcm.mu.Unlock()
		// One assignment while only a runs: a claims its pushes and waits on FCM, which holds them.
		b.kill(t)
		a.must(t, "POST", "/v1/inspections", plan(2), w.adminTok, 201)
		for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(20 * time.Millisecond) {
			if waiting, _ := d.fcm.state(); waiting >= 2 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatal("the pushes never reached FCM")
			}
		}
		// Two more, made on either instance.
		b = restart(envB)
		b.must(t, "POST", "/v1/inspections", plan(3), w.adminTok, 201)
		a.must(t, "POST", "/v1/inspections", plan(4), w.adminTok, 201)
		// a dies holding what it claimed; b sends it once a's lease (3 s) runs out.
		a.kill(t)
		// FCM sees a's connections close (nothing of them was answered) before it lets the
		// rest through: what a died waiting for is not delivered.
		for last, since := -1, time.Now(); time.Since(since) < 300*time.Millisecond; time.Sleep(20 * time.Millisecond) {
			d.fcm.mu.Lock()
			n := d.fcm.canceled
			d.fcm.mu.Unlock()
			if n != last {
				last, since = n, time.Now()
			}
		}
		d.fcm.mu.Lock()
		d.fcm.holding = false
		close(d.fcm.release)
		d.fcm.mu.Unlock()
		var delivered map[string]int
		for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(50 * time.Millisecond) {
			if _, delivered = d.fcm.state(); len(delivered) >= 6 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("delivered with a dead: %v", delivered)
			}
		}
		a = restart(envA)
		time.Sleep(2 * time.Second) // anything sent twice would arrive meanwhile
		if _, delivered = d.fcm.state(); len(delivered) != 6 {
			t.Fatalf("want 3 notifications on each of 2 phones, got %v", delivered)
		}
		for k, n := range delivered {
			if n != 1 {
				t.Errorf("%s was delivered %d times", k, n)
			}
		}
		d.fcm.mu.Lock()
		sent := len(d.fcm.bodies)
		d.fcm.mu.Unlock()
		if sent <= 6 {
			t.Fatalf("FCM received %d messages: a's claimed pushes were not sent again by b", sent)
		}
		t.Logf("6 pushes delivered once each; FCM received %d messages (%d sent again by b after a died holding them unanswered)", sent, sent-6)
		for name, tok := range tokens {
			assigned := 0
			for _, it := range a.must(t, "GET", "/v1/notifications?limit=200", nil, tok, 200)["items"].([]any) {
				if it.(map[string]any)["kind"] == "inspection_assigned" {
					assigned++
				}
			}
			if assigned != 3 {
				t.Errorf("%s's inbox holds %d assignments, want 3", name, assigned)
			}
		}
	})

	t.Run("uploads spread over instances, one cut by SIGKILL and resumed on the other", func(t *testing.T) {
		content, evID := videoEvidence(t, a, w, 12<<20)
		tus := func(c *child, method, path string, body io.Reader, headers ...string) (*http.Response, error) {
			return c.tus(w.officerTok, method, path, body, headers...)
		}
		octets := []string{"Content-Type", "application/offset+octet-stream"}
		res, err := tus(a, "POST", "/v1/uploads", nil, "Upload-Length", strconv.Itoa(len(content)), "Upload-Metadata", "evidence_id "+base64.StdEncoding.EncodeToString([]byte(evID)))
		if err != nil || res.StatusCode != 201 {
			t.Fatalf("create the upload on a: %v %v", res, err)
		}
		loc := res.Header.Get("Location")
		// The first 3 MiB through a, the next 3 through b.
		if res, err := tus(a, "PATCH", loc, bytes.NewReader(content[:3<<20]), append(octets, "Upload-Offset", "0")...); err != nil || res.StatusCode != 204 {
			t.Fatalf("first chunk on a: %v %v", res, err)
		}
		if res, err := tus(b, "PATCH", loc, bytes.NewReader(content[3<<20:6<<20]), append(octets, "Upload-Offset", strconv.Itoa(3<<20))...); err != nil || res.StatusCode != 204 {
			t.Fatalf("second chunk on b: %v %v", res, err)
		}
		// The rest trickles into b, which dies after 3 MiB of it.
		pr, pw := io.Pipe()
		go func() {
			rest := content[6<<20:]
			for sent := 0; sent < len(rest); sent += 1 << 20 {
				if _, err := pw.Write(rest[sent:min(sent+1<<20, len(rest))]); err != nil {
					return
				}
				if sent == 3<<20 {
					b.kill(t)
					pw.Close()
					return
				}
				time.Sleep(10 * time.Millisecond)
			}
		}()
		if res, err := tus(b, "PATCH", loc, pr, append(octets, "Upload-Offset", strconv.Itoa(6<<20), "Content-Length", strconv.Itoa(len(content)-6<<20))...); err == nil && res.StatusCode == 204 {
			t.Fatal("the cut chunk was answered as complete")
		}
		// a cannot know that b is dead: the upload is locked (423) until b's lease runs out.
		var offset int
		for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(200 * time.Millisecond) {
			res, err := tus(a, "HEAD", loc, nil)
			if err != nil || res.StatusCode != 200 {
				t.Fatalf("HEAD on a: %v %v", res, err)
			}
			offset, _ = strconv.Atoi(res.Header.Get("Upload-Offset"))
			res, err = tus(a, "PATCH", loc, bytes.NewReader(content[offset:]), append(octets, "Upload-Offset", strconv.Itoa(offset))...)
			if err == nil && res.StatusCode == 204 {
				break
			}
			if err == nil && res.StatusCode != 423 && res.StatusCode != 409 || time.Now().After(deadline) {
				t.Fatalf("resume on a at %d: %v %v", offset, res, err)
			}
		}
		if offset < 6<<20 {
			t.Fatalf("a resumed at %d, below the %d bytes acknowledged", offset, 6<<20)
		}
		got := a.must(t, "GET", "/v1/evidence/"+evID, nil, w.officerTok, 200)
		if got["status"] != "complete" {
			t.Fatalf("evidence after the resumed upload: %v", got)
		}
		b = restart(envB)
		storedIs(t, b, w.officerTok, evID, content)
		t.Logf("upload: 3 MiB on a, 3 MiB on b, b killed mid-chunk, resumed on a at %d", offset)
	})

	t.Run("a keyed create on one instance replays on the other", func(t *testing.T) {
		matter := map[string]any{"code": "SC-002", "name": "未按规定公示食品经营许可证", "legal_basis": "《食品安全法》第一百二十六条", "penalty_kinds": []string{"warning"}}
		first := a.call("POST", "/v1/matters", matter, w.adminTok, "matter-sc-002")
		again := b.call("POST", "/v1/matters", matter, w.adminTok, "matter-sc-002")
		if first.Status != 201 || again.Status != 201 || !again.Replayed || again.Body["id"] != first.Body["id"] {
			t.Fatalf("a keyed matter on a, again on b: %d %s / %d replayed=%v %s", first.Status, first.Raw, again.Status, again.Replayed, again.Raw)
		}
		if r := b.call("POST", "/v1/matters", map[string]any{"code": "SC-003", "name": "另一事项", "legal_basis": "《食品安全法》", "penalty_kinds": []string{"warning"}}, w.adminTok, "matter-sc-002"); r.Status != 422 {
			t.Fatalf("the key with another body: %d %s", r.Status, r.Raw)
		}
	})

	t.Run("an account disabled on one instance writes nothing on the other", func(t *testing.T) {
		id := a.must(t, "POST", "/v1/officers", map[string]any{"username": "leaving", "password": password, "name": "调离人员", "roles": []string{"officer"}}, w.adminTok, 201)["id"].(string)
		a.must(t, "PUT", "/v1/officers/"+id+"/certificate", map[string]any{"number": "420100000091", "issued_on": "2025-01-01", "expires_on": "2030-12-31"}, w.adminTok, 200)
		tok := b.must(t, "POST", "/v1/auth/login", map[string]string{"username": "leaving", "password": password}, "", 200)["access_token"].(string)
		newCase := map[string]any{"matter_id": w.matterID, "facts": "调离前立案", "party": map[string]any{"kind": "organisation", "name": "某某食品有限公司", "uscc": "91310115MA1K3YJ12G"}}
		b.must(t, "POST", "/v1/cases", newCase, tok, 201) // b holds the account now
		r := a.callWith(client, "PATCH", "/v1/officers/"+id, map[string]any{"status": "disabled"}, w.adminTok, "", "If-Match", `"2"`)
		if r.Status != 200 {
			t.Fatalf("disable on a: %d %s", r.Status, r.Raw)
		}
		if r := b.call("POST", "/v1/cases", newCase, tok, ""); r.Status != 401 {
			t.Fatalf("a write on b right after the account was disabled on a: %d %s", r.Status, r.Raw)
		}
	})

	t.Run("sign-in failures and public rates count across instances", func(t *testing.T) {
		login := func(c *child, pw string) int {
			return c.callWith(client, "POST", "/v1/auth/login", map[string]string{"username": "zhang", "password": pw}, "", "", "X-Forwarded-For", "198.51.100.77").Status
		}
		// Four failures allowed per account and address: two on a, two on b, then both refuse,
		// the right password too.
		for i, c := range []*child{a, b, a, b} {
			if s := login(c, "wrong password"); s != 401 {
				t.Fatalf("failure %d: %d", i+1, s)
			}
		}
		for name, c := range map[string]*child{"a": a, "b": b} {
			if s := login(c, password); s != 429 {
				t.Fatalf("after four failures spread over two instances, %s answers %d", name, s)
			}
		}
		// Twenty public requests a minute per address: ten on each, then both refuse. (A minute
		// that turns meanwhile starts a new window: then again from another address.)
		for attempt := 1; ; attempt++ {
			began, ok := time.Now().Truncate(time.Minute), 0
			for i := range 24 {
				c := a
				if i%2 == 1 {
					c = b
				}
				s := c.callWith(client, "GET", "/v1/public/jurisdictions", nil, "", "", "X-Forwarded-For", fmt.Sprintf("198.51.100.%d", 80+attempt)).Status
				switch {
				case s == 200:
					ok++
				case s != 429:
					t.Fatalf("public request %d: %d", i, s)
				}
			}
			if !time.Now().Truncate(time.Minute).Equal(began) && attempt < 3 {
				continue
			}
			if ok != 20 {
				t.Fatalf("%d of 24 public requests from one address over two instances were answered, want 20", ok)
			}
			break
		}
	})
}
