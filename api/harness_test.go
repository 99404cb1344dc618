package api_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
	"github.com/gofiber/fiber/v2"

	"github.com/zhifa/zhifa/api"
	"github.com/zhifa/zhifa/domain"
	"github.com/zhifa/zhifa/handlers"
	"github.com/zhifa/zhifa/media"
	"github.com/zhifa/zhifa/openapi"
	"github.com/zhifa/zhifa/store"
)

// The embedded engines start once per test binary; every test gets its own database and bucket.
var (
	mongoURI string
	s3       *media.Embedded
)

// embedded is the engine the tests started, nil when they run against ZHIFA_TEST_MONGODB_URI.
var embedded *store.Embedded

// asMongoDB is set by ZHIFA_TEST_MONGODB_PATH=1: the suite then runs on the embedded engine
// through the code paths a MongoDB deployment takes (CI runs it both ways).
var asMongoDB = os.Getenv("ZHIFA_TEST_MONGODB_PATH") == "1"

// needsAtomicWrites skips a test of concurrent conditional writes when the embedded engine is
// driven as if it were MongoDB: its updates are not atomic without the store's locks.
func needsAtomicWrites(t *testing.T) {
	if asMongoDB && embedded != nil {
		t.Skip("concurrent conditional writes need MongoDB's atomic updates or the embedded engine's locks")
	}
}

// connectStore opens a database for one test on the engine in use.
func connectStore(ctx context.Context, name string) (*store.Store, error) {
	if embedded != nil && asMongoDB {
		return embedded.ConnectAsMongoDB(ctx, name)
	}
	if embedded != nil {
		return embedded.Connect(ctx, name)
	}
	return store.Connect(ctx, mongoURI, name)
}

// testdata is the package's testdata directory, as an absolute path.
var testdata string

func TestMain(m *testing.M) {
	os.Exit(runTests(m))
}

func runTests(m *testing.M) int {
	ctx := context.Background()
	if uri := os.Getenv("ZHIFA_TEST_MONGODB_URI"); uri != "" {
		mongoURI = uri
	} else {
		dir, err := os.MkdirTemp("", "zhifa-api-test-")
		if err != nil {
			panic(err)
		}
		defer os.RemoveAll(dir)
		emb, err := store.StartEmbedded(ctx, dir, slog.New(slog.NewTextHandler(io.Discard, nil)))
		if err != nil {
			panic(err)
		}
		defer emb.Close()
		mongoURI, embedded = emb.URI(), emb
	}
	// Before the gateway makes its objects root the working directory.
	abs, err := filepath.Abs("testdata")
	if err != nil {
		panic(err)
	}
	testdata = abs
	dir, err := os.MkdirTemp("", "zhifa-s3-test-")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	s3, err = media.StartEmbedded(ctx, dir)
	if err != nil {
		panic(err)
	}
	defer s3.Close()
	return m.Run()
}

func randomName(prefix string) string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return prefix + hex.EncodeToString(b)
}

// testApp is the real app on a fresh database and bucket.
type testApp struct {
	t      testing.TB
	app    *fiber.App
	store  *store.Store
	media  *media.Media
	key    ed25519.PrivateKey
	cfg    api.Config
	pw     *domain.Passwords
	clock  *clock
	sysTok string
	dbName string
}

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.t.IsZero() {
		return time.Now()
	}
	return c.t
}

func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

const testPassword = "correct horse battery"

const metricsToken = "test-metrics-token"

func testConfig() api.Config {
	return api.Config{
		Issuer: "zhifa-test", Audience: "zhifa-test-api", AccessTTL: 15 * time.Minute, RefreshTTL: 24 * time.Hour,
		BodyLimit: 64 * 1024, RequestTimeout: 10 * time.Second, LoginFailures: 5, LoginWindow: time.Minute, PublicRate: 1000, InspectionWindowDays: 30, SyncSettle: 2 * time.Second,
		MetricsToken: metricsToken, CORSOrigins: "*",
		Media: handlers.MediaConfig{MaxSize: 1 << 30, SimpleMax: 8 << 20, PartSize: media.MinPartSize, Expiry: time.Hour, Lease: 2 * time.Second,
			PendingAfter: time.Hour, Retention: 24 * time.Hour, LinkTTL: 5 * time.Minute},
	}
}

func newTestApp(t testing.TB) *testApp {
	return newTestAppWith(t, testConfig(), nil)
}

// newTestAppWith builds the app with cfg, hashing passwords with pw (nil: cheap test parameters).
func newTestAppWith(t testing.TB, cfg api.Config, pw *domain.Passwords, opts ...func(*api.Deps)) *testApp {
	t.Helper()
	ctx := context.Background()
	dbName := randomName("t_")
	st, err := connectStore(ctx, dbName)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = st.Drop(context.Background())
		_ = st.Close(context.Background())
	})
	md, err := media.Connect(ctx, media.Config{Endpoint: s3.Endpoint(), AccessKey: s3.AccessKey(), SecretKey: s3.SecretKey(), Region: s3.Region(), Bucket: randomName("t-")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = md.RemoveBucket(context.Background()) })
	// Small argon2 parameters keep the suite fast; production defaults are measured in the
	// benchmark and the closing note.
	if pw == nil {
		if pw, err = domain.NewPasswords(8*1024, 1, 1); err != nil {
			t.Fatal(err)
		}
	}
	_, key, _ := ed25519.GenerateKey(rand.Reader)
	ta := &testApp{t: t, dbName: dbName, store: st, media: md, key: key, cfg: cfg, pw: pw, clock: &clock{}}
	deps := api.Deps{
		Repo: st, Passwords: pw, Key: key, Now: ta.clock.Now, Objects: md, Thumbnail: media.Thumbnail,
		Log:    slog.New(slog.NewJSONHandler(io.Discard, nil)),
		Checks: []api.Check{{Name: "documents", Ping: st.Ping}, {Name: "objects", Ping: md.Ping}},
	}
	for _, o := range opts {
		o(&deps)
	}
	ta.app, err = api.New(cfg, deps)
	if err != nil {
		t.Fatal(err)
	}
	hash, _ := pw.Hash(testPassword)
	root := &domain.User{Username: "root", PasswordHash: hash, Name: "Root", Roles: []domain.Role{domain.RoleSysadmin}, Status: domain.UserActive}
	if err := st.CreateUser(ctx, root); err != nil {
		t.Fatal(err)
	}
	ta.sysTok = ta.login("root", testPassword)
	return ta
}

// response is what a request returned, with the body decoded when it is JSON.
type response struct {
	Status int
	Header http.Header
	Body   []byte
	JSON   map[string]any
}

func (r response) str(key string) string {
	s, _ := r.JSON[key].(string)
	return s
}

// do sends one request through the app and checks the response against the OpenAPI spec.
func (ta *testApp) do(method, url string, body any, token string, headers ...string) response {
	ta.t.Helper()
	var rd io.Reader
	var raw []byte
	switch b := body.(type) {
	case nil:
	case string:
		raw = []byte(b)
	case []byte:
		raw = b
	default:
		raw, _ = json.Marshal(b)
	}
	if raw != nil {
		rd = bytes.NewReader(raw)
	}
	req := httptest.NewRequest(method, url, rd)
	if raw != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	// The suite reads the English messages; the Chinese ones (the default) have their own tests.
	req.Header.Set("Accept-Language", "en")
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := ta.app.Test(req, -1)
	if err != nil {
		ta.t.Fatalf("%s %s: %v", method, url, err)
	}
	defer res.Body.Close()
	out := response{Status: res.StatusCode, Header: res.Header}
	out.Body, _ = io.ReadAll(res.Body)
	if strings.Contains(res.Header.Get("Content-Type"), "json") {
		_ = json.Unmarshal(out.Body, &out.JSON)
	}
	checkSpec(ta.t, method, url, raw, req.Header, out)
	return out
}

func (ta *testApp) login(username, password string) string {
	ta.t.Helper()
	r := ta.do("POST", "/v1/auth/login", map[string]string{"username": username, "password": password}, "")
	if r.Status != 200 {
		ta.t.Fatalf("login %s: %d %s", username, r.Status, r.Body)
	}
	return r.str("access_token")
}

// mustCreate POSTs and returns the new object's id, failing the test on anything but 201.
func (ta *testApp) mustCreate(url string, body any, token string) string {
	ta.t.Helper()
	r := ta.do("POST", url, body, token)
	if r.Status != 201 {
		ta.t.Fatalf("POST %s: %d %s", url, r.Status, r.Body)
	}
	return r.str("id")
}

// scenario is one row of an API table test; fragments keep rows stable against generated ids.
type scenario struct {
	Name        string
	Method      string
	URL         string
	Body        any
	Token       string
	Headers     []string
	Status      int
	Contains    []string
	NotContains []string
}

func (ta *testApp) run(scenarios []scenario) {
	for _, s := range scenarios {
		ta.t.(*testing.T).Run(s.Name, func(t *testing.T) {
			prev := ta.t
			ta.t = t
			defer func() { ta.t = prev }()
			r := ta.do(s.Method, s.URL, s.Body, s.Token, s.Headers...)
			if r.Status != s.Status {
				t.Fatalf("status %d, want %d: %s", r.Status, s.Status, r.Body)
			}
			for _, c := range s.Contains {
				if !bytes.Contains(r.Body, []byte(c)) {
					t.Errorf("body lacks %q: %s", c, r.Body)
				}
			}
			for _, c := range s.NotContains {
				if bytes.Contains(r.Body, []byte(c)) {
					t.Errorf("body has %q: %s", c, r.Body)
				}
			}
		})
	}
}

var (
	specOnce   sync.Once
	specRouter routers.Router
	specT      *openapi3.T
	specErr    error
)

func loadSpec() (routers.Router, error) {
	specOnce.Do(func() {
		openapi3filter.RegisterBodyDecoder("application/problem+json", openapi3filter.JSONBodyDecoder)
		openapi3filter.RegisterBodyDecoder("text/html", func(r io.Reader, _ http.Header, _ *openapi3.SchemaRef, _ openapi3filter.EncodingFn) (any, error) {
			b, err := io.ReadAll(r)
			return string(b), err
		})
		doc, err := openapi3.NewLoader().LoadFromData(openapi.YAML())
		if err != nil {
			specErr = err
			return
		}
		if err := doc.Validate(context.Background()); err != nil {
			specErr = fmt.Errorf("openapi.yaml is not valid: %w", err)
			return
		}
		specT = doc
		specRouter, specErr = gorillamux.NewRouter(doc)
	})
	return specRouter, specErr
}

// checkSpec fails the test when a response (status, content type or body) is not what the spec
// says for the route. Routes the spec does not know are caught by TestRoutesMatchSpec.
func checkSpec(t testing.TB, method, url string, body []byte, h http.Header, r response) {
	t.Helper()
	router, err := loadSpec()
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest(method, "http://example.com"+url, bytes.NewReader(body))
	req.Header = h.Clone()
	route, params, err := router.FindRoute(req)
	if err != nil {
		return
	}
	in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route,
		Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc}}
	err = openapi3filter.ValidateResponse(context.Background(), &openapi3filter.ResponseValidationInput{
		RequestValidationInput: in, Status: r.Status, Header: r.Header, Body: io.NopCloser(bytes.NewReader(r.Body)),
		Options: &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true},
	})
	if err != nil {
		t.Errorf("%s %s -> %d does not match the spec: %v\nbody: %s", method, url, r.Status, err, r.Body)
	}
}

func specDoc(t testing.TB) *openapi3.T {
	t.Helper()
	if _, err := loadSpec(); err != nil {
		t.Fatal(err)
	}
	return specT
}

func discardLog() *slog.Logger { return slog.New(slog.NewJSONHandler(io.Discard, nil)) }

// serve runs the app on a loopback listener for tests that need a real HTTP server (fiber's
// in-memory Test cannot answer a body over the limit).
func (ta *testApp) serve() string {
	ta.t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		ta.t.Fatal(err)
	}
	go func() { _ = ta.app.Listener(ln) }()
	ta.t.Cleanup(func() { _ = ta.app.ShutdownWithTimeout(5 * time.Second) })
	return "http://" + ln.Addr().String()
}

// requestHash is the idempotency middleware's hash of a request, for tests that claim keys.
func requestHash(method, path string, body any) string {
	raw, _ := json.Marshal(body)
	sum := sha256.New()
	sum.Write([]byte(method + " " + path + "\n"))
	sum.Write(raw)
	return hex.EncodeToString(sum.Sum(nil))
}
