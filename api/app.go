// Package api is Zhifa's HTTP surface: the fiber app, its route table and middleware, the one
// error handler, token issuing and the JWKS.
package api

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/cors"
	"github.com/gofiber/fiber/v2/middleware/limiter"
	"github.com/gofiber/fiber/v2/middleware/recover"

	"github.com/zhifa/zhifa/domain"
	"github.com/zhifa/zhifa/handlers"
	"github.com/zhifa/zhifa/notify"
	"github.com/zhifa/zhifa/openapi"
	"github.com/zhifa/zhifa/web"
)

// Config is the HTTP layer's part of the server configuration.
type Config struct {
	Issuer     string
	Audience   string
	AccessTTL  time.Duration
	RefreshTTL time.Duration
	// BodyLimit caps a request body in bytes.
	BodyLimit int
	// RequestTimeout bounds each request's calls to the store.
	RequestTimeout time.Duration
	// LoginFailures failed logins per username and address within LoginWindow before 429;
	// LoginAddressFailures failed logins per address, whatever the usernames.
	LoginFailures        int
	LoginAddressFailures int
	LoginWindow          time.Duration
	// PublicRate requests per minute per address on the public, unauthenticated endpoints.
	PublicRate int
	// SyncSettle is how old a change must be before /v1/sync delivers it: longer than any write
	// may take (RequestTimeout bounds them).
	SyncSettle time.Duration
	// InspectionWindowDays: plans warn of other inspections of the enterprise this close.
	InspectionWindowDays int
	// TrustedProxies are the addresses whose X-Forwarded-For is believed; empty trusts none.
	TrustedProxies []string
	// MetricsToken is the bearer token /metrics asks for; empty turns /metrics off.
	MetricsToken string
	// BackupDir is where the sysadmin's backups from the console go (POST /v1/system/backups);
	// empty turns them off.
	BackupDir string
	// Hearing are the province's amounts that give a right to a hearing (art. 63); zero fields
	// take domain.DefaultHearingThresholds.
	Hearing domain.HearingThresholds
	// Media bounds and times evidence uploads.
	Media handlers.MediaConfig
	// PublicURL is the address citizens reach the server at (the QR codes of supervision cards
	// and callback links carry it); empty is http://127.0.0.1:8080, never a request's Host.
	PublicURL string
	// CardGuesses is how many unknown or invalid card codes one address may open in ten
	// minutes before it gets 429.
	CardGuesses int
	// NotifyEvery is how often settled changes are turned into notifications (0: never, for
	// tests that derive by hand); Stream times the notification stream.
	NotifyEvery time.Duration
	// DeriveFullEvery is how often the deriver reads every agency's log, for what other
	// instances wrote; in between it reads only the logs this process wrote to (0: a minute).
	DeriveFullEvery time.Duration
	// WatchEvery is how often deadlines and certificates are looked at for alerts (0: never).
	WatchEvery time.Duration
	// SuperviseEvery is how often the supervision warnings are swept, on the one instance that
	// holds the sweep's lease (0: never); Warnings are their leads (zero: the defaults).
	SuperviseEvery time.Duration
	Warnings       domain.WarningRules
	Stream         handlers.StreamConfig
	// Supervision times complaints in working days; CallbackDelay is how long after a case is
	// served or closed its callback is due (0: seven days).
	Supervision   handlers.SupervisionConfig
	CallbackDelay time.Duration
	// PublishDays are the working days after a penalty decision by which it is published
	// (公示), if it was not served before (0: seven).
	PublishDays int
	// Instance names this server among those sharing the database, the same across restarts
	// (empty: a new name each start).
	Instance string
	// StandingTTL is how long a person's standing (account, agency, certificate) is taken from
	// memory for reads; writes always read it afresh (0: three seconds).
	StandingTTL time.Duration
	// CORSOrigins are the origins browsers may call the API from ("*" for any: the API takes
	// bearer tokens, never cookies); empty allows none.
	CORSOrigins string
}

// Check is one dependency that /readyz asks.
type Check struct {
	Name string
	Ping func(context.Context) error
}

// Deps is what the app needs from the outside.
type Deps struct {
	Repo      domain.Repository
	Passwords *domain.Passwords
	Key       ed25519.PrivateKey
	Checks    []Check
	Log       *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Gate, when set, counts the requests in flight for a graceful shutdown.
	Gate *Gate
	// Objects keeps evidence bytes; Thumbnail renders photos' thumbnails (nil: none).
	Objects   domain.Objects
	Thumbnail func(io.Reader) ([]byte, error)
	// Backup copies the data into a new directory (zhifa backup's own function); nil: no
	// backups from the console.
	Backup func(ctx context.Context, dir string) error
}

// New builds the fiber app with every route.
func New(cfg Config, d Deps) (*fiber.App, error) {
	if d.Now == nil {
		d.Now = time.Now
	}
	spec, err := openapi.JSON()
	if err != nil {
		return nil, err
	}
	if cfg.PublicURL == "" {
		cfg.PublicURL = "http://127.0.0.1:8080"
	}
	signer := NewSigner(d.Key, cfg.Issuer, cfg.Audience, cfg.AccessTTL)
	app := fiber.New(fiber.Config{
		AppName:      "zhifa",
		ErrorHandler: errorHandler(d.Log),
		BodyLimit:    cfg.BodyLimit,
		// Large enough that an oversized Authorization header reaches the verifier and is
		// answered 401 rather than dropped by the HTTP parser.
		ReadBufferSize:          72 * 1024,
		ReadTimeout:             30 * time.Second,
		WriteTimeout:            60 * time.Second,
		IdleTimeout:             120 * time.Second,
		DisableStartupMessage:   true,
		EnableTrustedProxyCheck: true,
		TrustedProxies:          cfg.TrustedProxies,
		// No ProxyHeader: fiber would take the whole X-Forwarded-For as the address, with what
		// the client wrote into it; handlers.Proxies reads it from the right.
		JSONEncoder: json.Marshal,
		JSONDecoder: json.Unmarshal,
		// fasthttp reuses the memory of a request once its handler returns; every string taken
		// from the context (method, path, params, headers) would otherwise be overwritten under
		// whoever kept it: a metrics label, a log field, a map key. Immutable copies them.
		Immutable: true,
		// Uploads stream their bodies to the object store; every other route gets its body
		// read whole, up to BodyLimit (limitBody).
		StreamRequestBody: true,
	})
	app.Server().Handler = unknownMethods(app.Server().Handler)
	// The client's address, for rate limits, logs and access records (handlers/clientip.go).
	app.Use(handlers.NewProxies(cfg.TrustedProxies).KeepClient)
	app.Use(limitBody(cfg.BodyLimit, streamsBody))
	if d.Gate != nil {
		app.Use(d.Gate.middleware)
	}
	app.Use(securityHeaders)
	if strings.HasPrefix(cfg.PublicURL, "https://") {
		// Served over https, browsers are told to keep to it (and the secure cookies stay secure).
		app.Use(func(c *fiber.Ctx) error {
			c.Set(fiber.HeaderStrictTransportSecurity, "max-age=31536000; includeSubDomains")
			return c.Next()
		})
	}
	if cfg.CORSOrigins != "" {
		app.Use(cors.New(cors.Config{
			AllowOrigins: cfg.CORSOrigins,
			AllowMethods: "GET,HEAD,POST,PUT,PATCH,DELETE,OPTIONS",
			AllowHeaders: "Authorization,Content-Type,Idempotency-Key,If-Match,Range,Tus-Resumable,Upload-Length,Upload-Metadata," +
				"Upload-Offset,Upload-Checksum,Upload-Defer-Length,Upload-Concat,X-Requested-With,X-HTTP-Method-Override",
			ExposeHeaders: "Location,ETag,Retry-After,X-Request-Id,Idempotent-Replayed,Content-Range,Upload-Offset,Upload-Length," +
				"Upload-Expires,Upload-Metadata,Tus-Resumable,Tus-Version,Tus-Extension,Tus-Max-Size,Tus-Checksum-Algorithm",
			MaxAge: 600,
		}))
	}
	m := newMetrics()
	if cc, ok := d.Repo.(commandCounter); ok {
		m.reg.MustRegister(newStoreCommands(cc))
	}
	// Order matters: metrics sees the status the access log's error handling wrote, and recover
	// turns a panic into an error before the access log handles it.
	if t, ok := d.Repo.(changeTracker); ok {
		t.TrackChanges(cfg.SyncSettle)
		app.Use(settleChanges(t))
	}
	app.Use(requestIDMiddleware, m.middleware, accessLog(d.Log), recover.New(recover.Config{EnableStackTrace: true, StackTraceHandler: func(c *fiber.Ctx, e any) {
		d.Log.Error("panic", "request_id", requestID(c), "panic", fmt.Sprint(e))
	}}))

	h := &handlers.Handlers{Repo: d.Repo, Passwords: d.Passwords, Now: d.Now, Log: d.Log, Timeout: cfg.RequestTimeout,
		SyncSettle: cfg.SyncSettle, InspectionWindowDays: cfg.InspectionWindowDays, Hearing: cfg.Hearing, PrintKey: printKey(d.Key), PublicURL: cfg.PublicURL,
		Objects: d.Objects, Media: cfg.Media, Thumbnail: d.Thumbnail, StreamTimes: cfg.Stream, Supervision: cfg.Supervision}
	h.Instance = cfg.Instance
	h.WarningRules = warningRules(cfg.Warnings)
	h.FileKey = d.Key
	h.Backups = &handlers.Backups{Dir: cfg.BackupDir, Run: d.Backup}
	if h.Instance == "" {
		h.Instance = domain.RandomToken(8)
	}
	h.Boot()
	h.Standings.TTL = cfg.StandingTTL
	if h.Standings.TTL == 0 {
		h.Standings.TTL = 3 * time.Second
	}
	if h.Supervision.AcceptDays == 0 {
		h.Supervision.AcceptDays = 3
	}
	if h.Supervision.AnswerDays == 0 {
		h.Supervision.AnswerDays = 15
	}
	if h.Supervision.MaxOpen == 0 {
		h.Supervision.MaxOpen = 20
	}
	if cfg.CallbackDelay == 0 {
		cfg.CallbackDelay = 7 * 24 * time.Hour
	}
	if cfg.PublishDays == 0 {
		cfg.PublishDays = 7
	}
	publisher := &notify.Publisher{Repo: d.Repo, Calendar: h.Supervision.Calendar, Days: cfg.PublishDays}
	if h.StreamTimes.Poll == 0 {
		h.StreamTimes = handlers.StreamConfig{Poll: time.Second, Heartbeat: 5 * time.Second, Life: 10 * time.Minute, PerUser: cfg.Stream.PerUser}
	}
	if cfg.NotifyEvery > 0 {
		deriver := &notify.Deriver{Repo: d.Repo, Settle: cfg.SyncSettle, CallbackDelay: cfg.CallbackDelay, Publisher: publisher, Now: d.Now, Log: d.Log,
			FullEvery: cfg.DeriveFullEvery}
		if deriver.FullEvery == 0 {
			deriver.FullEvery = time.Minute
		}
		if soleWriter(d.Repo) {
			deriver.FullEvery = -1 // every write is this process's own: it wakes the deriver
		}
		deriveCtx, stop := context.WithCancel(context.Background())
		app.Hooks().OnShutdown(func() error { stop(); return nil })
		go deriver.Run(deriveCtx, cfg.NotifyEvery)
	}
	if cfg.WatchEvery > 0 {
		watcher := &notify.Watcher{Repo: d.Repo, Now: d.Now, Log: d.Log, Publisher: publisher}
		watchCtx, stop := context.WithCancel(context.Background())
		app.Hooks().OnShutdown(func() error { stop(); return nil })
		go watcher.Run(watchCtx, cfg.WatchEvery)
	}
	if cfg.SuperviseEvery > 0 {
		sweeper := &notify.Sweeper{Repo: d.Repo, Rules: h.WarningRules, Holder: h.Instance, Lease: 3 * cfg.SuperviseEvery, Now: d.Now, Log: d.Log}
		superviseCtx, stop := context.WithCancel(context.Background())
		app.Hooks().OnShutdown(func() error { stop(); return nil })
		go sweeper.Run(superviseCtx, cfg.SuperviseEvery)
	}
	if d.Objects != nil && cfg.Media.SweepEvery > 0 {
		sweepCtx, stop := context.WithCancel(context.Background())
		app.Hooks().OnShutdown(func() error { stop(); return nil })
		go notify.Every(sweepCtx, cfg.Media.SweepEvery, d.Log, "sweep uploads", h.SweepUploads)
	}
	// This life of the instance: a claim another life of it left in flight died with it.
	idem := idempotency(d.Repo, domain.Claimant{Instance: h.Instance, Life: domain.RandomToken(12)}, cfg.RequestTimeout, d.Now)
	auth := &authHandlers{secure: strings.HasPrefix(cfg.PublicURL, "https://"), origin: originOf(cfg.PublicURL), repo: d.Repo, passwords: d.Passwords, signer: signer, refreshTTL: cfg.RefreshTTL, timeout: cfg.RequestTimeout, now: d.Now}
	authed := requireAuth(signer, h.Admit)
	// Rate limits hold per instance on the embedded engine (one process); on a database that
	// several instances share they hold across them (api/limits.go).
	var hits hitCounter
	if hc, ok := d.Repo.(hitCounter); ok && !soleWriter(d.Repo) {
		hits = hc
		forgetCtx, stop := context.WithCancel(context.Background())
		app.Hooks().OnShutdown(func() error { stop(); return nil })
		go notify.Every(forgetCtx, 10*time.Minute, d.Log, "forget rate windows", func(ctx context.Context) (int, error) { return hc.ForgetHits(ctx, time.Now()) })
	}
	limit := func(name string, max int, window time.Duration, key func(*fiber.Ctx) string, failuresOnly bool, reached fiber.Handler) fiber.Handler {
		if hits == nil {
			return limiter.New(limiter.Config{Max: max, Expiration: window, SkipSuccessfulRequests: failuresOnly, KeyGenerator: key, LimitReached: reached})
		}
		l := &sharedLimit{hits: hits, name: name, max: max, window: window, key: key, failuresOnly: failuresOnly, reached: reached}
		return l.handler
	}
	byAddress := func(c *fiber.Ctx) string { return handlers.ClientIP(c) }
	public := limit("public", cfg.PublicRate, time.Minute, byAddress, false, func(c *fiber.Ctx) error {
		return domain.Errorf(domain.TooManyRequests, "too many requests; retry after the time in Retry-After")
	})
	loginLimit := func(name string, max int, key func(*fiber.Ctx) string) fiber.Handler {
		return limit(name, max, cfg.LoginWindow, key, true, func(c *fiber.Ctx) error {
			return domain.Errorf(domain.TooManyRequests, "too many failed sign-ins; retry after the time in Retry-After")
		})
	}
	if cfg.LoginAddressFailures == 0 {
		cfg.LoginAddressFailures = 4 * cfg.LoginFailures
	}
	loginPerAccount := loginLimit("login", cfg.LoginFailures, loginKey)
	loginPerAddress := loginLimit("login-address", cfg.LoginAddressFailures, byAddress)

	app.Get("/healthz", func(c *fiber.Ctx) error { return c.JSON(fiber.Map{"status": "ok"}) })
	app.Get("/readyz", readyz(d.Checks, cfg.RequestTimeout))
	app.Get("/metrics", m.handler(cfg.MetricsToken))
	app.Get("/openapi.json", func(c *fiber.Ctx) error {
		c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSON)
		return c.Send(spec)
	})
	app.Get("/docs", func(c *fiber.Ctx) error {
		c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
		c.Set(fiber.HeaderContentSecurityPolicy, openapi.DocsCSP)
		return c.Send(openapi.DocsHTML())
	})
	app.Get("/docs/assets/:name", func(c *fiber.Ctx) error {
		a, ok := openapi.DocsAsset(c.Params("name"))
		if !ok {
			return domain.Errorf(domain.NotFound, "no such asset")
		}
		c.Set(fiber.HeaderContentType, a.ContentType)
		c.Set(fiber.HeaderCacheControl, "no-cache")
		c.Set(fiber.HeaderETag, a.ETag)
		if c.Fresh() {
			return c.SendStatus(fiber.StatusNotModified)
		}
		return c.Send(a.Body)
	})
	// The console and the enterprise portal (web/), built and embedded; / leads there.
	con, err := newConsole(web.Dist())
	if err != nil {
		return nil, err
	}
	app.Get("/", func(c *fiber.Ctx) error { return c.Redirect("/console/", fiber.StatusFound) })
	app.Get("/console", con.serve)
	app.Get("/console/*", con.serve)
	app.Get("/.well-known/jwks.json", func(c *fiber.Ctx) error {
		c.Set(fiber.HeaderCacheControl, "public, max-age=300")
		return c.JSON(signer.JWKS())
	})

	v1 := app.Group("/v1")
	// Exports: ?format=csv|xlsx on the list routes of handlers/exports.go downloads the whole
	// list, each page answered by the list's own route; the case file (电子卷宗) is one ZIP.
	v1.Use(h.Exports)
	v1.Get("/cases/:id/file.zip", authed, h.CaseFile)
	v1.Get("/enterprise/decisions.zip", authed, h.EnterpriseDecisions)
	v1.Get("/enterprise/cases/:id/decision", authed, h.EnterpriseDecision)
	v1.Post("/auth/login", loginPerAddress, loginPerAccount, handleErrors, auth.login)
	v1.Post("/auth/refresh", public, auth.refresh)
	v1.Post("/auth/logout", public, auth.logout)

	if cfg.CardGuesses == 0 {
		cfg.CardGuesses = 20
	}
	// Guessing card codes: every address may miss a few; then 429 until the window passes.
	cardGuesses := limit("guesses", cfg.CardGuesses, 10*time.Minute, byAddress, true, func(c *fiber.Ctx) error {
		if strings.HasPrefix(c.Path(), "/s/") || strings.HasPrefix(c.Path(), "/r/") {
			return h.TooManyGuesses(c)
		}
		return domain.Errorf(domain.TooManyRequests, "too many unknown card codes or callback links from this address; retry after the time in Retry-After")
	})
	app.Get("/s/assets/page.css", h.PageCSS)
	app.Get("/s/:code", public, cardGuesses, h.CardPage)
	app.Post("/s/:code", public, cardGuesses, h.SubmitCardForm)
	v1.Post("/public/cards/:code/feedback", public, cardGuesses, handleErrors, h.SubmitCardFeedback)
	v1.Get("/feedback", authed, h.ListFeedback)
	v1.Get("/public/jurisdictions", public, h.ListJurisdictions)
	v1.Post("/enterprises/register", public, h.RegisterEnterprise)
	v1.Get("/enterprises", authed, h.ListEnterprises)
	v1.Get("/enterprises/:id", authed, h.GetEnterprise)
	v1.Post("/enterprises/:id/activate", authed, h.DecideEnterprise(true))
	v1.Post("/enterprises/:id/reject", authed, h.DecideEnterprise(false))
	v1.Get("/enterprise/inspections", authed, h.EnterpriseInspections)
	v1.Post("/enterprise/inspections/:id/rating", authed, h.RateInspection)
	v1.Get("/enterprise/cases", authed, h.EnterpriseCases)
	app.Get("/r/:token", public, cardGuesses, h.CallbackPage)
	app.Post("/r/:token", public, cardGuesses, h.SubmitCallbackForm)
	v1.Post("/public/callbacks/:token", public, cardGuesses, handleErrors, h.SubmitCallback)
	v1.Get("/callbacks", authed, h.ListCallbacks)
	v1.Get("/callbacks/:id", authed, h.GetCallback)
	v1.Post("/callbacks/:id/responses", authed, h.RespondCallback)
	v1.Post("/complaints", authed, h.FileComplaint)
	v1.Get("/complaints", authed, h.ListComplaints)
	v1.Get("/complaints/:id", authed, h.GetComplaint)
	v1.Post("/complaints/:id/transitions", authed, h.ComplaintTransition)
	v1.Post("/complaints/:id/evidence", authed, h.AttachComplaintEvidence)
	v1.Get("/complaints/:id/evidence", authed, h.ListComplaintEvidence)
	v1.Get("/supervision/stats", authed, h.Stats)
	// Live supervision: the warnings the sweep keeps, and supervision orders (督办).
	v1.Get("/supervision/warnings", authed, h.ListWarnings)
	v1.Post("/supervision/orders", authed, idem, h.IssueOrder)
	v1.Get("/supervision/orders", authed, h.ListOrders)
	v1.Get("/supervision/orders/:id", authed, h.GetOrder)
	v1.Post("/supervision/orders/:id/transitions", authed, idem, h.OrderTransition)
	// The supervisors' Chinese pages, and an evidence's bytes for a browser's <video>, also
	// open from a signed link (?link=).
	linked := func(c *fiber.Ctx) error {
		if c.Get(fiber.HeaderAuthorization) == "" && c.Query("link") != "" {
			return h.OpenPageLink(c)
		}
		return authed(c)
	}
	v1.Get("/scorecards", linked, h.Scorecards)
	v1.Post("/scorecards/link", authed, h.ScorecardsLink)
	v1.Get("/review-rubric", authed, h.GetRubric)
	v1.Put("/review-rubric", authed, h.PutRubric)
	v1.Post("/review-rounds", authed, idem, h.CreateReviewRound)
	v1.Get("/review-rounds", authed, h.ListReviewRounds)
	v1.Get("/review-rounds/:id", authed, h.GetReviewRound)
	v1.Get("/review-rounds/:id/files", authed, h.ReviewRoundFiles)
	v1.Put("/review-rounds/:id/files/:case_id", authed, h.ScoreReviewFile)
	v1.Get("/review-rounds/:id/report", linked, h.ReviewReport)
	v1.Post("/review-rounds/:id/report/link", authed, h.ReviewReportLink)
	v1.Post("/problems", authed, idem, h.CreateProblem)
	v1.Get("/problems", authed, h.ListProblems)
	v1.Get("/problems/:id", authed, h.GetProblem)
	v1.Patch("/problems/:id", authed, h.UpdateProblem)
	v1.Put("/directory/:uscc", authed, h.PutDirectoryEntry)
	v1.Get("/directory", authed, h.ListDirectory)
	v1.Post("/draws", authed, idem, h.CreateDraw)
	v1.Get("/draws", authed, h.ListDraws)
	v1.Get("/draws/:id", authed, h.GetDraw)
	v1.Post("/draws/:id/run", authed, h.RunDraw)
	v1.Get("/public/decisions", public, h.PublicDecisions)
	v1.Get("/public/decisions/verify", public, h.VerifyDecision)
	v1.Get("/public/decisions/:id", public, h.PublicDecision)
	app.Get("/p/decisions", public, h.DecisionsPage)
	v1.Get("/public/agencies/:id/matters", public, h.PublicMatters)
	v1.Get("/public/agencies/:id/officers", public, h.PublicOfficers)
	v1.Get("/public/draws", public, h.PublicDraws)
	v1.Get("/public/draws/:id", public, h.PublicDraw)
	v1.Post("/cards", authed, idem, h.IssueCard)
	v1.Get("/cards/:code", authed, h.GetCard)
	v1.Get("/cards/:code/qr.png", authed, h.CardQR("png"))
	v1.Get("/cards/:code/qr.svg", authed, h.CardQR("svg"))

	v1.Get("/public/certificates/:cert_no", public, h.PublicCertificate)
	v1.Get("/public/agencies", public, h.PublicAgencies)

	v1.Get("/me", authed, h.Me)
	v1.Put("/me/password", authed, h.ChangePassword)

	// Accounts people recover (handlers/accounts.go) and their to-do lists (handlers/todo.go).
	v1.Post("/auth/logout-all", authed, h.LogoutAll)
	v1.Post("/users/:id/password-reset", authed, h.ResetPassword)
	v1.Get("/enterprise/users", authed, h.ListColleagues)
	v1.Post("/enterprise/users", authed, h.AddColleague)
	v1.Delete("/enterprise/users/:id", authed, h.RemoveColleague)
	v1.Get("/me/todo", authed, h.Todo)

	v1.Post("/jurisdictions", authed, h.CreateJurisdiction)
	v1.Get("/jurisdictions", authed, h.ListJurisdictions)
	v1.Get("/jurisdictions/:id", authed, h.GetJurisdiction)
	v1.Post("/agencies", authed, h.CreateAgency)
	v1.Get("/agencies", authed, h.ListAgencies)
	v1.Get("/agencies/:id", authed, h.GetAgency)
	v1.Patch("/agencies/:id", authed, h.UpdateAgency)
	v1.Get("/agencies/:id/adjustments", authed, h.ListAdjustments)
	v1.Get("/system/backups", authed, h.ListBackups)
	v1.Post("/system/backups", authed, h.StartBackup)
	v1.Get("/system/summary", authed, m.summary(time.Now(), cfg.MetricsToken != ""))

	v1.Post("/officers", authed, h.CreateOfficer)
	v1.Get("/officers", authed, h.ListOfficers)
	v1.Get("/officers/:id", authed, h.GetOfficer)
	v1.Patch("/officers/:id", authed, h.UpdateOfficer)
	v1.Put("/officers/:id/certificate", authed, h.PutCertificate)
	v1.Post("/officers/:id/training", authed, h.AddTraining)
	v1.Get("/officers/:id/training", authed, h.GetTraining)
	v1.Get("/training/shortfall", authed, h.TrainingShortfall)

	v1.Post("/matters", authed, idem, h.CreateMatter)
	v1.Get("/matters", authed, h.ListMatters)
	v1.Get("/matters/:id", authed, h.GetMatter)
	v1.Put("/matters/:id", authed, h.UpdateMatter)
	v1.Post("/benchmarks", authed, idem, h.CreateBenchmark)
	v1.Get("/benchmarks", authed, h.ListBenchmarks)
	v1.Get("/benchmarks/:id", authed, h.GetBenchmark)
	v1.Put("/benchmarks/:id", authed, h.UpdateBenchmark)
	v1.Post("/benchmarks/:id/evaluate", authed, h.EvaluateBenchmark)
	v1.Post("/review-catalog", authed, idem, h.CreateReviewRule)
	v1.Get("/review-catalog", authed, h.ListReviewRules)

	v1.Post("/inspections", authed, h.CreateInspection)
	v1.Get("/inspections", authed, h.ListInspections)
	v1.Get("/inspections/:id", authed, h.GetInspection)
	v1.Post("/inspections/:id/check-ins", authed, h.CheckIn)
	v1.Post("/inspections/:id/result", authed, h.InspectionResult)

	// Case actions keep their Idempotency-Key in the write that commits them (handlers/caseops.go).
	v1.Post("/cases", authed, h.CreateCase)
	v1.Get("/cases", authed, h.ListCases)
	v1.Get("/cases/:id", authed, h.GetCase)
	v1.Post("/cases/:id/transitions", authed, h.Transition)
	v1.Get("/cases/:id/actions", authed, h.CaseActions)
	v1.Get("/cases/:id/events", authed, h.CaseEvents)
	v1.Get("/cases/:id/audit", authed, h.CaseAudit)
	v1.Post("/cases/:id/documents", authed, h.IssueDocument)
	v1.Get("/cases/:id/documents", authed, h.ListDocuments)
	v1.Get("/cases/:id/documents/:doc_id", authed, h.GetDocument)
	v1.Get("/cases/:id/documents/:doc_id/print", authed, h.PrintDocument)
	v1.Post("/cases/:id/documents/:doc_id/print-link", authed, h.CreatePrintLink)
	v1.Get("/print/:token", public, h.PrintByLink)
	v1.Get("/sync", authed, h.Sync)

	// Evidence and its bytes: tus 1.0 at /v1/uploads (handlers/uploads.go), one PUT for small files.
	v1.Post("/cases/:id/evidence", authed, h.CreateCaseEvidence)
	v1.Get("/cases/:id/evidence", authed, h.ListCaseEvidence)
	v1.Post("/inspections/:id/evidence", authed, h.CreateInspectionEvidence)
	v1.Get("/evidence/:id", authed, h.GetEvidence)
	v1.Get("/evidence/:id/content", linked, h.EvidenceContent)
	v1.Post("/evidence/:id/play-link", authed, h.EvidencePlayLink)
	v1.Put("/evidence/:id/content", authed, h.PutEvidenceContent)
	v1.Get("/evidence/:id/thumbnail", authed, h.EvidenceThumbnail)
	v1.Get("/evidence/:id/access-log", authed, h.EvidenceAccessLog)
	// Supervisors read the files of the agencies they cover (handlers/supervisorreads.go): the
	// read routes above answer them, and each file they open is listed here for the agency.
	v1.Get("/supervision/reads", authed, h.ListSupervisorReads)
	// Notifications: derived from the change log (notify/), an inbox and a stream per user.
	v1.Post("/devices", authed, h.RegisterDevice)
	v1.Get("/devices", authed, h.ListDevices)
	v1.Delete("/devices/:id", authed, h.DeleteDevice)
	v1.Get("/notifications", authed, h.Inbox)
	v1.Get("/notifications/unread-count", authed, h.UnreadCount)
	v1.Get("/notifications/stream", authed, h.Stream)
	v1.Get("/notifications/failures", authed, h.PushFailures)
	v1.Post("/notifications/read-all", authed, h.MarkAllRead)
	v1.Post("/notifications/:id/read", authed, h.MarkRead)
	v1.Options("/uploads", h.TusOptions)
	v1.Options("/uploads/:id", h.TusOptions)
	v1.Post("/uploads", authed, h.CreateUpload)
	v1.Head("/uploads/:id", authed, h.UploadStatus)
	v1.Patch("/uploads/:id", authed, h.PatchUpload)
	v1.Delete("/uploads/:id", authed, h.DeleteUpload)
	// No catch-all: fiber answers a path no route has 404, and a path other methods have 405
	// with Allow; the error handler writes both as problems.
	return app, nil
}

// warningRules fills what the configuration leaves out with domain.DefaultWarningRules.
func warningRules(r domain.WarningRules) domain.WarningRules {
	out := domain.WarningRules{Lead: map[domain.WarningKind]int{}, CallbackDays: r.CallbackDays}
	for k, v := range domain.DefaultWarningRules.Lead {
		out.Lead[k] = v
	}
	for k, v := range r.Lead {
		out.Lead[k] = v
	}
	if out.CallbackDays == 0 {
		out.CallbackDays = domain.DefaultWarningRules.CallbackDays
	}
	return out
}

// printKey derives the key of print links from the signing key, so that every instance sharing
// ZHIFA_JWT_PRIVATE_KEY opens the links any of them signed.
func printKey(k ed25519.PrivateKey) []byte {
	sum := sha256.Sum256(append([]byte("zhifa print links\x00"), k.Seed()...))
	return sum[:]
}

// handleErrors writes a handler's error response at once, so that a limiter counting failures
// (the login limiters, the card and callback guesses), which
// looks at the status after the handler, sees a failure as a failure.
func handleErrors(c *fiber.Ctx) error {
	if err := c.Next(); err != nil {
		return c.App().ErrorHandler(c, err)
	}
	return nil
}

// loginKey counts failures per address and username, so one user's typos do not lock out an
// office behind one address, and one address cannot try many passwords for one account.
func loginKey(c *fiber.Ctx) string {
	var req struct {
		Username string `json:"username"`
	}
	_ = json.Unmarshal(c.Body(), &req)
	return handlers.ClientIP(c) + "|" + strings.ToLower(strings.TrimSpace(req.Username))
}

func readyz(checks []Check, timeout time.Duration) fiber.Handler {
	return func(c *fiber.Ctx) error {
		ctx, cancel := context.WithTimeout(c.UserContext(), timeout)
		defer cancel()
		status := fiber.Map{}
		failed := []string{}
		for _, ch := range checks {
			if err := ch.Ping(ctx); err != nil {
				status[ch.Name] = "unavailable"
				failed = append(failed, ch.Name)
			} else {
				status[ch.Name] = "ok"
			}
		}
		if len(failed) > 0 {
			return domain.Errorf(domain.Unavailable, "not ready: %s does not answer", strings.Join(failed, ", "))
		}
		return c.JSON(fiber.Map{"status": "ready", "checks": status})
	}
}

// streamsBody names the requests whose body is streamed to the object store, unbounded by
// BodyLimit: tus uploads and the simple evidence PUT, which check their own sizes.
func streamsBody(c *fiber.Ctx) bool {
	path := c.Path()
	return strings.HasPrefix(path, "/v1/uploads") ||
		c.Method() == fiber.MethodPut && strings.HasPrefix(path, "/v1/evidence/") && strings.HasSuffix(path, "/content")
}

// limitBody reads the body of every other request whole, refusing one over limit with 413:
// with streaming on, fasthttp no longer refuses large bodies itself.
func limitBody(limit int, streams func(*fiber.Ctx) bool) fiber.Handler {
	return func(c *fiber.Ctx) error {
		req := c.Request()
		if streams(c) {
			// A streaming handler that answers before reading its whole body leaves the rest
			// on the connection: close it rather than read the rest as the next request.
			err := c.Next()
			if err != nil || c.Response().StatusCode() >= 400 {
				c.Context().SetConnectionClose()
			}
			return err
		}
		if !req.IsBodyStream() {
			return c.Next()
		}
		if req.Header.ContentLength() > limit {
			c.Context().SetConnectionClose()
			return fiber.ErrRequestEntityTooLarge
		}
		b, err := io.ReadAll(io.LimitReader(c.Context().RequestBodyStream(), int64(limit)+1))
		if err != nil {
			c.Context().SetConnectionClose()
			return fiber.NewError(fiber.StatusBadRequest, "the body could not be read")
		}
		if len(b) > limit {
			c.Context().SetConnectionClose()
			return fiber.ErrRequestEntityTooLarge
		}
		req.SetBody(b)
		return c.Next()
	}
}

// soleWriter says whether this process is the database's only client (the embedded engine).
func soleWriter(repo domain.Repository) bool {
	sw, ok := repo.(interface{ SoleWriter() bool })
	return ok && sw.SoleWriter()
}
