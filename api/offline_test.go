package api_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/zhifa/zhifa/api"
	"github.com/zhifa/zhifa/domain"
)

func uuidFor(i int) string { return fmt.Sprintf("00000000-0000-4000-8000-%012d", i) }

func TestIdempotencyKey(t *testing.T) {
	ta := newTestApp(t)
	f := ta.newCaseAgency(t, 0)
	body := map[string]any{"matter_id": f.matterID, "party": map[string]any{"kind": "person", "name": "钱七"}}
	first := ta.do("POST", "/v1/cases", body, f.officerTok, "Idempotency-Key", "k-1")
	again := ta.do("POST", "/v1/cases", body, f.officerTok, "Idempotency-Key", "k-1")
	if first.Status != 201 || again.Status != 201 || string(first.Body) != string(again.Body) || again.Header.Get("Idempotent-Replayed") != "true" {
		t.Fatalf("replay: %d %d %q", first.Status, again.Status, again.Header.Get("Idempotent-Replayed"))
	}
	if again.Header.Get("Location") != first.Header.Get("Location") || first.Header.Get("Location") == "" {
		t.Errorf("Location not replayed")
	}
	other := map[string]any{"matter_id": f.matterID, "party": map[string]any{"kind": "person", "name": "孙八"}}
	if r := ta.do("POST", "/v1/cases", other, f.officerTok, "Idempotency-Key", "k-1"); r.Status != 422 {
		t.Fatalf("same key, other body: %d %s", r.Status, r.Body)
	}
	// Keys belong to the caller: another officer's k-1 is a new request.
	if r := ta.do("POST", "/v1/cases", body, f.officer2Tok, "Idempotency-Key", "k-1"); r.Status != 201 || r.Header.Get("Idempotent-Replayed") != "" {
		t.Fatalf("other caller: %d", r.Status)
	}
	// A request still in flight answers 409 on the routes whose keys are claimed before the
	// handler runs: claim the key as a running request would.
	me := ta.do("GET", "/v1/me", nil, f.adminTok).str("id")
	matter := map[string]any{"code": "K-2", "name": "x", "legal_basis": "x", "penalty_kinds": []string{"fine"}}
	sum := requestHash("POST", "/v1/matters", matter)
	if rec, err := ta.store.BeginRequest(context.Background(), api.ScopedKey(me, "k-2"), sum, domain.Claimant{}, time.Now(), time.Minute); err != nil || rec != nil {
		t.Fatalf("claim: %v %v", rec, err)
	}
	if r := ta.do("POST", "/v1/matters", matter, f.adminTok, "Idempotency-Key", "k-2"); r.Status != 409 || r.Header.Get("Retry-After") == "" {
		t.Fatalf("in flight: %d %s", r.Status, r.Body)
	}
	// A failed request is not kept: fixed and retried with the same key, it runs.
	bad := map[string]any{"matter_id": "nope", "party": map[string]any{"kind": "person", "name": "周九"}}
	if r := ta.do("POST", "/v1/cases", bad, f.officerTok, "Idempotency-Key", "k-3"); r.Status != 400 {
		t.Fatalf("bad: %d", r.Status)
	}
	if r := ta.do("POST", "/v1/cases", bad, f.officerTok, "Idempotency-Key", "k-3"); r.Status != 400 || r.Header.Get("Idempotent-Replayed") != "" {
		t.Fatalf("failure replayed: %d", r.Status)
	}
	list := ta.do("GET", "/v1/cases", nil, f.adminTok)
	if n := len(list.JSON["items"].([]any)); n != 2 {
		t.Fatalf("%d cases, want 2", n)
	}
}

// op is one queued request of an offline phone.
type op struct {
	caseIdx int
	step    int
	url     string
	body    map[string]any
	key     string
}

// TestOfflineReplay sends 500 queued operations with random repeats and reorderings from four
// workers, retrying what the order made fail, as a phone coming back online would. Every case
// and every event must exist exactly once.
func TestOfflineReplay(t *testing.T) {
	needsAtomicWrites(t)
	ta := newTestApp(t)
	f := ta.newCaseAgency(t, 0)
	const cases, perCase = 50, 10
	var ops []op
	for c := 0; c < cases; c++ {
		id := uuidFor(c)
		ops = append(ops, op{c, 0, "/v1/cases", map[string]any{"id": id, "matter_id": f.matterID, "party": map[string]any{"kind": "person", "name": fmt.Sprintf("当事人%d", c)}}, fmt.Sprintf("c%d-0", c)})
		tr := "/v1/cases/" + id + "/transitions"
		ops = append(ops,
			op{c, 1, tr, map[string]any{"action": "register", "officer_ids": f.officers}, fmt.Sprintf("c%d-1", c)},
			op{c, 2, tr, map[string]any{"action": "start_investigation", "officer_ids": f.officers}, fmt.Sprintf("c%d-2", c)})
		for r := 0; r < perCase-3; r++ {
			ops = append(ops, op{c, 3 + r, tr, map[string]any{"action": "record", "officer_ids": f.officers, "device_id": fmt.Sprintf("ev-%d-%d", c, r)}, fmt.Sprintf("c%d-r%d", c, r)})
		}
	}
	if len(ops) != cases*perCase {
		t.Fatalf("%d ops", len(ops))
	}
	rng := rand.New(rand.NewPCG(1, 2))
	queue := append([]op(nil), ops...)
	for i := 0; i < len(ops)/3; i++ { // a third of them sent twice
		queue = append(queue, ops[rng.IntN(len(ops))])
	}
	rng.Shuffle(len(queue), func(i, j int) { queue[i], queue[j] = queue[j], queue[i] })

	var mu sync.Mutex
	done := map[string]bool{}
	sent := 0
	for round := 0; len(queue) > 0; round++ {
		if round > 60 {
			t.Fatalf("%d operations still failing after 60 rounds", len(queue))
		}
		var retry []op
		var wg sync.WaitGroup
		work := make(chan op)
		for w := 0; w < 4; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for o := range work {
					r := ta.do("POST", o.url, o.body, f.officerTok, "Idempotency-Key", o.key)
					mu.Lock()
					sent++
					switch {
					case r.Status == 200 || r.Status == 201:
						done[o.key] = true
					case r.Status == 404 || r.Status == 409:
						retry = append(retry, o) // the case or the step before is not there yet
					default:
						t.Errorf("%s %v: %d %s", o.url, o.body["action"], r.Status, r.Body)
					}
					mu.Unlock()
				}
			}()
		}
		for _, o := range queue {
			work <- o
		}
		close(work)
		wg.Wait()
		rng.Shuffle(len(retry), func(i, j int) { retry[i], retry[j] = retry[j], retry[i] })
		queue = retry
	}
	if len(done) != len(ops) {
		t.Fatalf("%d of %d operations done", len(done), len(ops))
	}
	seen := map[string]int{}
	for c := 0; c < cases; c++ {
		r := ta.do("GET", "/v1/cases/"+uuidFor(c)+"/events", nil, f.officerTok)
		items := r.JSON["items"].([]any)
		if len(items) != perCase {
			t.Errorf("case %d has %d events, want %d", c, len(items), perCase)
		}
		for _, it := range items {
			if ev, ok := it.(map[string]any)["device_id"].(string); ok {
				seen[ev]++
			}
		}
		if a := ta.do("GET", "/v1/cases/"+uuidFor(c)+"/audit", nil, f.officerTok); !strings.Contains(string(a.Body), `"intact":true`) {
			t.Errorf("case %d chain: %s", c, a.Body)
		}
	}
	for ev, n := range seen {
		if n != 1 {
			t.Errorf("evidence %s recorded %d times", ev, n)
		}
	}
	if len(seen) != cases*(perCase-3) {
		t.Errorf("%d evidence records, want %d", len(seen), cases*(perCase-3))
	}
	total := 0
	for cursor := ""; ; {
		r := ta.do("GET", "/v1/cases?limit=200&cursor="+cursor, nil, f.adminTok)
		total += len(r.JSON["items"].([]any))
		if cursor = r.str("next_cursor"); cursor == "" {
			break
		}
	}
	if total != cases {
		t.Fatalf("%d cases, want %d", total, cases)
	}
	t.Logf("%d requests sent for %d operations", sent, len(ops))
}

// TestCaseRoutesAreScoped calls every case route, taken from the route table, with another
// agency's token: each answers 404 and says nothing of the case.
func TestCaseRoutesAreScoped(t *testing.T) {
	ta := newTestApp(t)
	a := ta.newCaseAgency(t, 0)
	b := ta.newCaseAgency(t, 1)
	id := ta.openCase(t, a)
	doc := ta.do("POST", "/v1/cases/"+id+"/documents", map[string]any{"kind": "inquiry_record", "fields": map[string]string{"time": "2026-05-01 10:00", "place": "办公室", "interviewee": "负责人", "content": "问答"}}, a.officerTok)
	if doc.Status != 201 {
		t.Fatalf("doc: %d %s", doc.Status, doc.Body)
	}
	docID := doc.str("id")
	n := 0
	for _, r := range ta.app.GetRoutes(true) {
		if !strings.HasPrefix(r.Path, "/v1/cases/:id") || r.Method == fiber.MethodHead {
			continue
		}
		url := strings.NewReplacer(":id", id, ":doc_id", docID).Replace(r.Path)
		var body any
		if r.Method == fiber.MethodPost {
			body = map[string]any{"action": "register", "officer_ids": b.officers, "kind": "inquiry_record"}
			if strings.HasSuffix(r.Path, "/evidence") {
				body = evidenceBody(b, "photo", "image/png", []byte("x"))
			} else if strings.HasSuffix(r.Path, "/documents") {
				body = map[string]any{"kind": "inquiry_record", "fields": map[string]string{"time": "x", "place": "x", "interviewee": "x", "content": "x"}}
			} else {
				body = map[string]any{"action": "register", "officer_ids": b.officers}
			}
		}
		for _, tok := range []string{b.officerTok, b.adminTok} {
			res := ta.do(r.Method, url, body, tok)
			if res.Status != 404 || strings.Contains(string(res.Body), "某某食品") {
				t.Errorf("%s %s by agency B: %d %s", r.Method, r.Path, res.Status, res.Body)
			}
		}
		n++
	}
	if n < 8 {
		t.Fatalf("only %d case routes checked", n)
	}
	if r := ta.do("GET", "/v1/cases?agency_id="+a.id, nil, b.adminTok); r.Status != 404 {
		t.Errorf("list of another agency: %d", r.Status)
	}
	if r := ta.do("GET", "/v1/cases", nil, b.adminTok); strings.Contains(string(r.Body), id) {
		t.Error("agency B lists agency A's case")
	}
	// The case is untouched.
	if r := ta.do("GET", "/v1/cases/"+id, nil, a.officerTok); !strings.Contains(string(r.Body), `"status":"clue"`) {
		t.Errorf("case changed: %s", r.Body)
	}
}
