// Command zhifa-bench measures the case API against baselines taken in the same run, on the
// embedded engine (or MONGODB_URI):
//
//   - cases opened and moved through the procedure per second through the API, against the
//     same case documents written by the bare driver to the same database;
//   - list latency p50/p99 at two sizes, whose ratio shows whether cost grows with size.
//
// Usage: go run ./cmd/zhifa-bench [-cases 200] [-small 1000] [-large 100000] [-lists 200] [-timeout 30s]
package main

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"runtime/pprof"
	"slices"
	"time"

	"github.com/gofiber/fiber/v2"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/zhifa/zhifa/api"
	"github.com/zhifa/zhifa/domain"
	"github.com/zhifa/zhifa/handlers"
	"github.com/zhifa/zhifa/store"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "zhifa-bench:", err)
		os.Exit(1)
	}
}

type bench struct {
	app   *fiber.App
	st    *store.Store
	raw   *mongo.Database
	token string
	// supervisor is the token of the district's supervisor, for the review and scorecard.
	supervisor string
	f          fixture
	matter     string
}

type fixture struct{ officer, officer2, agency string }

func run() error {
	nCases := flag.Int("cases", 200, "cases driven through the procedure")
	small := flag.Int("small", 1000, "cases in the agency for the small list measurement")
	large := flag.Int("large", 100000, "cases in the agency for the large list measurement")
	lists := flag.Int("lists", 200, "list requests per size")
	timeout := flag.Duration("timeout", 30*time.Second, "the API's per-request store deadline")
	longActions := flag.Int("actions", 1000, "record actions on one case, for the cost of the 1st against the last")
	cpuProfile := flag.String("cpuprofile", "", "write a CPU profile of the whole run to this file")
	flag.Parse()
	ctx := context.Background()
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}

	uri := os.Getenv("MONGODB_URI")
	engine := "MongoDB"
	var emb *store.Embedded
	if uri == "" {
		dir, err := os.MkdirTemp("", "zhifa-bench-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		emb, err = store.StartEmbedded(ctx, dir, slog.New(slog.NewTextHandler(io.Discard, nil)))
		if err != nil {
			return err
		}
		defer emb.Close()
		uri, engine = emb.URI(), "embedded FerretDB (SQLite)"
	}
	dbName := fmt.Sprintf("bench_%d", time.Now().UnixNano())
	connect := func() (*store.Store, error) {
		if emb != nil {
			return emb.Connect(ctx, dbName)
		}
		return store.Connect(ctx, uri, dbName)
	}
	st, err := connect()
	if err != nil {
		return err
	}
	defer func() { _ = st.Drop(ctx); _ = st.Close(ctx) }()
	client, err := mongo.Connect(options.Client().ApplyURI(uri))
	if err != nil {
		return err
	}
	defer client.Disconnect(ctx)

	pw, err := domain.NewPasswords(8*1024, 1, 1)
	if err != nil {
		return err
	}
	_, key, _ := ed25519.GenerateKey(rand.Reader)
	newApp := func(st *store.Store) (*fiber.App, error) {
		return api.New(api.Config{Issuer: "bench", Audience: "bench", AccessTTL: time.Hour, RefreshTTL: time.Hour, BodyLimit: 1 << 20,
			RequestTimeout: *timeout, LoginFailures: 100, LoginWindow: time.Minute, PublicRate: 1 << 20, SyncSettle: time.Second, InspectionWindowDays: 30,
			Media: handlers.MediaConfig{MaxSize: 1 << 30, SimpleMax: 8 << 20, PartSize: 5 << 20, Expiry: time.Hour, Lease: time.Second, PendingAfter: time.Hour,
				Retention: time.Hour, LinkTTL: time.Minute}},
			api.Deps{Repo: st, Passwords: pw, Key: key, Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	}
	app, err := newApp(st)
	if err != nil {
		return err
	}
	b := &bench{app: app, st: st, raw: client.Database(dbName)}
	if err := b.seed(ctx, pw); err != nil {
		return err
	}
	fmt.Printf("engine: %s; %d cases through register, investigation, evidence, notice, waiver, decision\n\n", engine, *nCases)

	// 1. Lifecycle throughput through the API, and the commands it sends the engine.
	before := b.st.Commands()
	start := time.Now()
	ids := make([]string, 0, *nCases)
	for i := 0; i < *nCases; i++ {
		id, err := b.lifecycle()
		if err != nil {
			return err
		}
		ids = append(ids, id)
	}
	apiDur := time.Since(start)
	printCommands("commands per case (8 requests: open, evidence, 6 steps)", b.st.CommandsSince(before), *nCases)

	// 2. The same case documents written by the bare driver: one insert and one replace by _id
	// per state change, as many writes as the API makes of each case.
	docs := make([]bson.Raw, len(ids))
	for i, id := range ids {
		if docs[i], err = b.raw.Collection("cases").FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Raw(); err != nil {
			return err
		}
	}
	writesPerCase := 7
	if err := b.raw.CreateCollection(ctx, "cases_bare"); err != nil {
		return err
	}
	if emb != nil {
		// The same _id index the store's collections have on the embedded engine.
		if err := emb.IndexIDs(ctx, dbName); err != nil {
			return err
		}
	}
	coll := b.raw.Collection("cases_bare")
	start = time.Now()
	for i, d := range docs {
		var m bson.M
		if err := bson.Unmarshal(d, &m); err != nil {
			return err
		}
		m["_id"] = fmt.Sprintf("bare-%d", i)
		m["version"] = int64(1)
		if _, err := coll.InsertOne(ctx, m); err != nil {
			return err
		}
		for v := int64(1); v < int64(writesPerCase); v++ {
			m["version"] = v + 1
			if _, err := coll.ReplaceOne(ctx, bson.D{{Key: "_id", Value: m["_id"]}}, m); err != nil {
				return err
			}
		}
	}
	bareDur := time.Since(start)
	apiRate := float64(*nCases) / apiDur.Seconds()
	bareRate := float64(*nCases) / bareDur.Seconds()
	fmt.Printf("lifecycle  API %8.1f cases/s (%6.1f ms/case)   bare driver %8.1f cases/s (%6.1f ms/case)   API overhead x%.1f\n",
		apiRate, apiDur.Seconds()*1000/float64(*nCases), bareRate, bareDur.Seconds()*1000/float64(*nCases), bareRate/apiRate)

	// 2b. The peer's pattern (PocketBase on SQLite): one client creates a record and appends six
	// events to it, one insert each, nothing read back.
	peer := b.raw.Collection("peer_events")
	if err := b.raw.CreateCollection(ctx, "peer_cases"); err != nil {
		return err
	}
	if err := b.raw.CreateCollection(ctx, "peer_events"); err != nil {
		return err
	}
	if emb != nil {
		if err := emb.IndexIDs(ctx, dbName); err != nil {
			return err
		}
	}
	start = time.Now()
	for i, d := range docs {
		var m bson.M
		if err := bson.Unmarshal(d, &m); err != nil {
			return err
		}
		m["_id"] = fmt.Sprintf("peer-%d", i)
		if _, err := b.raw.Collection("peer_cases").InsertOne(ctx, m); err != nil {
			return err
		}
		for j := 0; j < 6; j++ {
			if _, err := peer.InsertOne(ctx, bson.M{"_id": fmt.Sprintf("peer-%d-%d", i, j), "case_id": m["_id"], "seq": j + 1, "action": "step", "at": time.Now()}); err != nil {
				return err
			}
		}
	}
	peerDur := time.Since(start)
	peerRate := float64(len(docs)) / peerDur.Seconds()
	fmt.Printf("lifecycle  peer pattern (create + 6 appends) %8.1f cases/s (%6.1f ms/case)   API / peer x%.2f\n",
		peerRate, peerDur.Seconds()*1000/float64(len(docs)), apiRate/peerRate)

	// 2c. Reading one case and a page of 50, and what each costs in commands.
	if err := b.reads(ids); err != nil {
		return err
	}

	// 3. The cost of an action against the length of the case's record: 1 000 record actions
	// on one case, the first ones against the last ones.
	if err := b.longCase(*longActions); err != nil {
		return err
	}

	// 4. List latency at two sizes. The cases are bulk-loaded by the driver, so the store's
	// in-process index (on the embedded engine) is rebuilt by a scan after each load.
	template := docs[len(docs)-1]
	if err := b.fill(ctx, template, *small); err != nil {
		return err
	}
	if _, err := b.st.RebuildListIndexes(ctx); err != nil {
		return err
	}
	smallRes, err := b.listLatency(*lists)
	if err != nil {
		return err
	}
	smallSup, err := b.supervision(true)
	if err != nil {
		return err
	}
	if err := b.fill(ctx, template, *large); err != nil {
		return err
	}
	scans, err := b.st.RebuildListIndexes(ctx)
	if err != nil {
		return err
	}
	if scanned, ok := casesBuild(scans); ok {
		// A clean restart: the index goes to a snapshot at shutdown and comes back from it.
		start := time.Now()
		if err := st.Close(ctx); err != nil {
			return err
		}
		written := time.Since(start)
		if st, err = connect(); err != nil {
			return err
		}
		builds, err := st.ListIndexes(ctx)
		if err != nil {
			return err
		}
		loaded, _ := casesBuild(builds)
		if b.app, err = newApp(st); err != nil {
			return err
		}
		b.st = st
		fmt.Printf("case index of %d cases: built by a scan in %.1f s (a start after a crash); snapshot written at shutdown in %.2f s, %d cases read back from the %s in %.2f s\n",
			scanned.Entries, scanned.Took.Seconds(), written.Seconds(), loaded.Entries, loaded.From, loaded.Took.Seconds())
	}
	largeRes, err := b.listLatency(*lists)
	if err != nil {
		return err
	}
	largeSup, err := b.supervision(false)
	if err != nil {
		return err
	}
	for i, name := range []string{"scorecard", "review sample (20 files)"} {
		fmt.Printf("%-24s %7d cases %8.1f ms | %7d cases %8.1f ms | x%.1f\n", name, *small, ms(smallSup[i]), *large, ms(largeSup[i]), float64(largeSup[i])/float64(smallSup[i]))
	}
	for _, name := range []string{"first page", "filtered (status)", "deep page (cursor)"} {
		s, l := smallRes[name], largeRes[name]
		fmt.Printf("list %-19s %7d cases p50 %7.2f ms p99 %7.2f ms | %7d cases p50 %7.2f ms p99 %7.2f ms | p50 x%.2f p99 x%.2f\n",
			name, *small, ms(s[0]), ms(s[1]), *large, ms(l[0]), ms(l[1]), float64(l[0])/float64(s[0]), float64(l[1])/float64(s[1]))
	}
	return nil
}

// printCommands prints the commands counted per unit of work (per case, per request), by
// kind, most first.
func printCommands(what string, counts map[string]int64, units int) {
	type kind struct {
		name string
		n    int64
	}
	var kinds []kind
	var total int64
	for k, n := range counts {
		kinds = append(kinds, kind{k, n})
		total += n
	}
	slices.SortFunc(kinds, func(a, b kind) int { return int(b.n - a.n) })
	fmt.Printf("%s: %.1f\n", what, float64(total)/float64(units))
	for _, k := range kinds {
		fmt.Printf("    %-32s %6.1f\n", k.name, float64(k.n)/float64(units))
	}
}

// reads times a GET of one case and a list page of 50, one client, p50 over the cases driven
// through the procedure, and counts their commands.
func (b *bench) reads(ids []string) error {
	var one, list []time.Duration
	before := b.st.Commands()
	for _, id := range ids {
		start := time.Now()
		if _, err := b.send("GET", "/v1/cases/"+id, nil); err != nil {
			return err
		}
		one = append(one, time.Since(start))
	}
	gets := b.st.CommandsSince(before)
	before = b.st.Commands()
	for range ids {
		start := time.Now()
		if _, err := b.send("GET", "/v1/cases?limit=50", nil); err != nil {
			return err
		}
		list = append(list, time.Since(start))
	}
	lists := b.st.CommandsSince(before)
	fmt.Printf("GET one case p50 %.2f ms   list of 50 p50 %.2f ms   list / GET x%.2f\n", ms(p50(one)), ms(p50(list)), float64(p50(list))/float64(p50(one)))
	printCommands("commands per GET of one case", gets, len(ids))
	printCommands("commands per list of 50", lists, len(ids))
	// A phone's first sync of the agency: pages of 50 changes from the start until none is
	// ready, each with the objects it names and the events its changes appended.
	var pages []time.Duration
	items := 0
	before = b.st.Commands()
	began := time.Now()
	for cursor := ""; ; {
		start := time.Now()
		raw, err := b.send("GET", "/v1/sync?limit=50&cursor="+cursor, nil)
		if err != nil {
			return err
		}
		pages = append(pages, time.Since(start))
		var page struct {
			Items      []json.RawMessage `json:"items"`
			NextCursor string            `json:"next_cursor"`
			More       bool              `json:"more"`
		}
		if err := json.Unmarshal(raw, &page); err != nil {
			return err
		}
		items += len(page.Items)
		cursor = page.NextCursor
		if !page.More {
			break
		}
	}
	first := time.Since(began)
	syncs := b.st.CommandsSince(before)
	fmt.Printf("first sync of the agency (%d cases): %d pages of 50 changes, %d items, in %.2f s; a page p50 %.2f ms, sync page / list page x%.2f\n",
		len(ids), len(pages), items, first.Seconds(), ms(p50(pages)), float64(p50(pages))/float64(p50(list)))
	printCommands("commands per sync page", syncs, len(pages))
	fmt.Println()
	return nil
}

// supervision times, as the district's supervisor, the scorecard of the agency over all its
// cases and a review round that samples 20 of its closed files: the p50 of five of each. The
// scorecard reads every round's files, so that each measurement sees the same five rounds:
// the first run creates them before its scorecards, the second after.
func (b *bench) supervision(roundsFirst bool) ([2]time.Duration, error) {
	own := b.token
	b.token = b.supervisor
	defer func() { b.token = own }()
	to := time.Now().AddDate(0, 0, 1).Format(time.DateOnly)
	var cards, rounds []time.Duration
	scorecards := func() error {
		for range 5 {
			before := b.st.Commands()
			start := time.Now()
			if _, err := b.send("GET", "/v1/scorecards?from=2000-01-01&to="+to, nil); err != nil {
				return err
			}
			cards = append(cards, time.Since(start))
			if os.Getenv("ZHIFA_BENCH_VERBOSE") != "" {
				printCommands("commands per scorecard", b.st.CommandsSince(before), 1)
			}
		}
		return nil
	}
	if !roundsFirst {
		if err := scorecards(); err != nil {
			return [2]time.Duration{}, err
		}
	}
	for range 5 {
		start := time.Now()
		if _, err := b.send("POST", "/v1/review-rounds", map[string]any{"name": "基准评查", "from": "2000-01-01", "to": to, "sample_size": 20}); err != nil {
			return [2]time.Duration{}, err
		}
		rounds = append(rounds, time.Since(start))
	}
	if roundsFirst {
		if err := scorecards(); err != nil {
			return [2]time.Duration{}, err
		}
	}
	return [2]time.Duration{p50(cards), p50(rounds)}, nil
}

// casesBuild picks the cases index out of the store's list index builds.
func casesBuild(builds []store.IndexBuild) (store.IndexBuild, bool) {
	for _, b := range builds {
		if b.Collection == "cases" {
			return b, true
		}
	}
	return store.IndexBuild{}, false
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// do sends a request and decodes its answer.
func (b *bench) do(method, url string, body any, headers ...string) (map[string]any, error) {
	raw, err := b.send(method, url, body, headers...)
	var m map[string]any
	_ = json.Unmarshal(raw, &m)
	return m, err
}

// send sends a request and returns its answer's bytes, undecoded: what a timed read measures
// is the server's work, not the bench's decoding.
func (b *bench) send(method, url string, body any, headers ...string) ([]byte, error) {
	var rd io.Reader
	if body != nil {
		raw, _ := json.Marshal(body)
		rd = bytes.NewReader(raw)
	}
	req := httptest.NewRequest(method, url, rd)
	req.Header.Set("Content-Type", "application/json")
	if b.token != "" {
		req.Header.Set("Authorization", "Bearer "+b.token)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := b.app.Test(req, -1)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	if res.StatusCode >= 300 {
		return raw, fmt.Errorf("%s %s: %d %s", method, url, res.StatusCode, raw)
	}
	return raw, nil
}

// seed creates an agency with two certified officers and a matter, straight in the store.
func (b *bench) seed(ctx context.Context, pw *domain.Passwords) error {
	a := &domain.Agency{Name: "基准测试局", USCC: "91350100M000100Y43", Jurisdiction: domain.Jurisdiction{District: "测试区"}, Status: domain.AgencyActive}
	region, err := b.st.PlaceAgency(ctx, a.Jurisdiction)
	if err != nil {
		return err
	}
	a.RegionID, a.RegionPath = region.ID, region.Path
	if err := b.st.CreateAgency(ctx, a); err != nil {
		return err
	}
	// The district's supervisory body, whose supervisor reviews and scores the agency.
	body := &domain.Agency{Name: "测试区司法局", USCC: "11350100MB0000113" + "X", Kind: domain.AgencySupervisory, Jurisdiction: a.Jurisdiction,
		RegionID: region.ID, RegionPath: region.Path, Status: domain.AgencyActive}
	for _, c := range "0123456789ABCDEFGHJKLMNPQRTUWXY" {
		if code, err := domain.ParseUSCC(body.USCC[:17] + string(c)); err == nil {
			body.USCC = code
		}
	}
	if err := b.st.CreateAgency(ctx, body); err != nil {
		return err
	}
	hash, _ := pw.Hash("bench password")
	if err := b.st.CreateUser(ctx, &domain.User{Username: "bench-supervisor", PasswordHash: hash, Name: "监督员", Roles: []domain.Role{domain.RoleSupervisor},
		AgencyID: body.ID, Status: domain.UserActive}); err != nil {
		return err
	}
	sup, err := b.do("POST", "/v1/auth/login", map[string]string{"username": "bench-supervisor", "password": "bench password"})
	if err != nil {
		return err
	}
	b.supervisor = sup["access_token"].(string)
	var ids []string
	for i, name := range []string{"bench1", "bench2"} {
		u := &domain.User{Username: name, PasswordHash: hash, Name: name, Roles: []domain.Role{domain.RoleOfficer, domain.RoleAgencyAdmin}, AgencyID: a.ID, Status: domain.UserActive,
			CertificateNo: fmt.Sprintf("4201000000%d1", i)}
		if err := b.st.CreateUser(ctx, u); err != nil {
			return err
		}
		if err := b.st.CreateCertificate(ctx, &domain.Certificate{Number: u.CertificateNo, OfficerID: u.ID, AgencyID: a.ID,
			IssuedOn: time.Now().AddDate(-1, 0, 0), ExpiresOn: time.Now().AddDate(3, 0, 0), Status: domain.CertificateValid}); err != nil {
			return err
		}
		ids = append(ids, u.ID)
	}
	b.f = fixture{officer: ids[0], officer2: ids[1], agency: a.ID}
	tok, err := b.do("POST", "/v1/auth/login", map[string]string{"username": "bench1", "password": "bench password"})
	if err != nil {
		return err
	}
	b.token = tok["access_token"].(string)
	m, err := b.do("POST", "/v1/matters", map[string]any{"code": "B-1", "name": "基准事项", "legal_basis": "测试依据", "penalty_kinds": []string{"fine"}})
	if err != nil {
		return err
	}
	b.matter = m["id"].(string)
	return nil
}

func (b *bench) lifecycle() (string, error) {
	c, err := b.do("POST", "/v1/cases", map[string]any{"matter_id": b.matter, "facts": "基准", "party": map[string]any{"kind": "person", "name": "甲"}})
	if err != nil {
		return "", err
	}
	id := c["id"].(string)
	officers := []string{b.f.officer, b.f.officer2}
	dec := map[string]any{"kind": "penalty", "penalty_kinds": []string{"fine"}, "fine": 500, "basis": "测试依据"}
	ev, err := b.evidence(id, 0)
	if err != nil {
		return "", err
	}
	for _, body := range []map[string]any{
		{"action": "register", "officer_ids": officers},
		{"action": "start_investigation", "officer_ids": officers},
		{"action": "record", "officer_ids": officers, "evidence_ids": []string{ev}},
		{"action": "notify", "officer_ids": officers, "notice": map[string]any{"facts": "f", "reasons": "r", "basis": "b", "proposed": dec}},
		{"action": "waive"},
		{"action": "decide", "decision": dec},
	} {
		if _, err := b.do("POST", "/v1/cases/"+id+"/transitions", body); err != nil {
			return "", err
		}
	}
	return id, nil
}

// longCase records n actions on one case and compares the latency of the first 50 with the
// last 50.
func (b *bench) longCase(n int) error {
	c, err := b.do("POST", "/v1/cases", map[string]any{"matter_id": b.matter, "facts": "长案件", "party": map[string]any{"kind": "person", "name": "甲"}})
	if err != nil {
		return err
	}
	id := c["id"].(string)
	officers := []string{b.f.officer, b.f.officer2}
	for _, a := range []string{"register", "start_investigation"} {
		if _, err := b.do("POST", "/v1/cases/"+id+"/transitions", map[string]any{"action": a, "officer_ids": officers}); err != nil {
			return err
		}
	}
	evidence := make([]string, 10)
	for j := range evidence {
		if evidence[j], err = b.evidence(id, j); err != nil {
			return err
		}
	}
	times := make([]time.Duration, n)
	before := b.st.Commands()
	for i := range times {
		if i == 50 {
			printCommands("commands per record action (first 50)", b.st.CommandsSince(before), 50)
		}
		start := time.Now()
		if _, err := b.do("POST", "/v1/cases/"+id+"/transitions", map[string]any{"action": "record", "officer_ids": officers, "evidence_ids": evidence},
			"Idempotency-Key", fmt.Sprintf("long-%d", i)); err != nil {
			return err
		}
		times[i] = time.Since(start)
	}
	k := min(50, n/2)
	if k == 0 {
		return nil
	}
	first, last := p50(times[:k]), p50(times[n-k:])
	doc, err := b.raw.Collection("cases").FindOne(context.Background(), bson.D{{Key: "_id", Value: id}}).Raw()
	if err != nil {
		return err
	}
	fmt.Printf("one case, %d record actions with 10 evidence ids each: first %d p50 %.2f ms, last %d p50 %.2f ms, last/first x%.2f; case document %d bytes\n\n",
		n, k, ms(first), k, ms(last), float64(last)/float64(first), len(doc))
	// The bare driver's insert of one event, the floor of one more event on a case.
	bare := make([]time.Duration, k)
	for i := range bare {
		start := time.Now()
		if _, err := b.raw.Collection("bare_events").InsertOne(context.Background(), bson.M{"_id": fmt.Sprintf("%s-%d", id, i), "case_id": id, "seq": i,
			"action": "record", "officer_ids": officers, "evidence_ids": evidence, "at": time.Now()}); err != nil {
			return err
		}
		bare[i] = time.Since(start)
	}
	fmt.Printf("one more event: API p50 %.2f ms, bare driver insert p50 %.2f ms, API / bare x%.2f\n\n", ms(first), ms(p50(bare)), float64(first)/float64(p50(bare)))
	return nil
}

// evidence records a photo in the case (its bytes are not sent) and returns its id.
func (b *bench) evidence(caseID string, n int) (string, error) {
	sum := sha256.Sum256([]byte(fmt.Sprintf("photo %d of %s", n, caseID)))
	e, err := b.do("POST", "/v1/cases/"+caseID+"/evidence", map[string]any{"kind": "photo", "sha256": hex.EncodeToString(sum[:]), "size": 1 << 20,
		"content_type": "image/jpeg", "captured_at": time.Now().Add(-time.Minute).UTC().Format(time.RFC3339), "officer_ids": []string{b.f.officer, b.f.officer2}})
	if err != nil {
		return "", err
	}
	return e["evidence"].(map[string]any)["id"].(string), nil
}

func p50(d []time.Duration) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	return s[len(s)/2]
}

// fill copies the template case until the agency has n cases.
func (b *bench) fill(ctx context.Context, template bson.Raw, n int) error {
	have, err := b.raw.Collection("cases").CountDocuments(ctx, bson.D{{Key: "agency_id", Value: b.f.agency}})
	if err != nil {
		return err
	}
	var m bson.M
	if err := bson.Unmarshal(template, &m); err != nil {
		return err
	}
	statuses := []string{"registered", "investigating", "notified", "decided", "closed"}
	batch := make([]any, 0, 1000)
	for i := int(have); i < n; i++ {
		d := bson.M{}
		for k, v := range m {
			d[k] = v
		}
		d["_id"] = domain.NewID()
		d["status"] = statuses[i%len(statuses)]
		batch = append(batch, d)
		if len(batch) == cap(batch) || i == n-1 {
			if _, err := b.raw.Collection("cases").InsertMany(ctx, batch); err != nil {
				return err
			}
			batch = batch[:0]
		}
	}
	return nil
}

// listLatency measures three list shapes and returns p50 and p99 of each.
func (b *bench) listLatency(n int) (map[string][2]time.Duration, error) {
	deep, err := b.do("GET", "/v1/cases?limit=200", nil)
	if err != nil {
		return nil, err
	}
	cursor, _ := deep["next_cursor"].(string)
	out := map[string][2]time.Duration{}
	for name, url := range map[string]string{
		"first page":         "/v1/cases?limit=50",
		"filtered (status)":  "/v1/cases?limit=50&status=notified",
		"deep page (cursor)": "/v1/cases?limit=50&cursor=" + cursor,
	} {
		times := make([]time.Duration, n)
		for i := range times {
			start := time.Now()
			if _, err := b.send("GET", url, nil); err != nil {
				return nil, err
			}
			times[i] = time.Since(start)
		}
		slices.Sort(times)
		out[name] = [2]time.Duration{times[n/2], times[n*99/100]}
	}
	return out, nil
}
