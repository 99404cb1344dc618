package main

import (
	"fmt"
	"log/slog"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/zhifa/zhifa/api"
	"github.com/zhifa/zhifa/domain"
	"github.com/zhifa/zhifa/handlers"
	"github.com/zhifa/zhifa/notify"
)

// config is read once from the environment; README.md lists every variable.
type config struct {
	Addr            string
	DataDir         string
	LogLevel        slog.Level
	ShutdownTimeout time.Duration

	MongoURI      string
	MongoDatabase string

	S3Endpoint  string
	S3AccessKey string
	S3SecretKey string
	S3Region    string
	S3Bucket    string
	// S3PublicEndpoint is the S3 address phones reach, which presigned links are signed for.
	S3PublicEndpoint string
	// S3ObjectLock makes a new bucket with Object Lock; S3LockMode is governance or compliance.
	S3ObjectLock bool
	S3LockMode   string
	// EmbeddedSync is normal or full: how the embedded engine syncs its log (store.EmbeddedOptions).
	EmbeddedSync string

	JWTPrivateKey     string
	AdminUsername     string
	AdminPassword     string
	Argon2MemoryKiB   uint32
	Argon2Iterations  uint32
	Argon2Parallelism uint8
	// HashConcurrency argon2id hashes run at once; one that waits HashWait for its turn
	// answers 503.
	HashConcurrency int
	HashWait        time.Duration

	API api.Config
	// FCM is push: off without a project id.
	FCM notify.FCMConfig
}

func loadConfig(getenv func(string) string) (config, error) {
	e := envReader{getenv: getenv}
	c := config{
		Addr:              e.str("ZHIFA_ADDR", "127.0.0.1:8080"),
		DataDir:           e.str("ZHIFA_DATA", "./data"),
		ShutdownTimeout:   e.duration("ZHIFA_SHUTDOWN_TIMEOUT", 20*time.Second),
		MongoURI:          e.str("MONGODB_URI", ""),
		MongoDatabase:     e.str("MONGODB_DATABASE", "zhifa"),
		S3Endpoint:        e.str("S3_ENDPOINT", ""),
		S3AccessKey:       e.str("S3_ACCESS_KEY", ""),
		S3SecretKey:       e.str("S3_SECRET_KEY", ""),
		S3Region:          e.str("S3_REGION", "us-east-1"),
		S3Bucket:          e.str("S3_BUCKET", "zhifa"),
		S3PublicEndpoint:  e.str("S3_PUBLIC_ENDPOINT", ""),
		S3ObjectLock:      e.str("S3_OBJECT_LOCK", "true") == "true",
		S3LockMode:        e.str("S3_LOCK_MODE", "governance"),
		EmbeddedSync:      e.str("ZHIFA_EMBEDDED_SYNC", "normal"),
		JWTPrivateKey:     e.str("ZHIFA_JWT_PRIVATE_KEY", ""),
		AdminUsername:     e.str("ZHIFA_ADMIN_USERNAME", "admin"),
		AdminPassword:     e.str("ZHIFA_ADMIN_PASSWORD", ""),
		Argon2MemoryKiB:   uint32(e.integer("ZHIFA_ARGON2_MEMORY_KIB", 64*1024, 8*1024, 4*1024*1024)),
		Argon2Iterations:  uint32(e.integer("ZHIFA_ARGON2_ITERATIONS", 1, 1, 16)),
		Argon2Parallelism: uint8(e.integer("ZHIFA_ARGON2_PARALLELISM", 2, 1, 16)),
		HashConcurrency:   e.integer("ZHIFA_HASH_CONCURRENCY", runtime.NumCPU(), 1, 256),
		HashWait:          e.duration("ZHIFA_HASH_WAIT", 2*time.Second),
		FCM: notify.FCMConfig{
			ProjectID:       e.str("FCM_PROJECT_ID", ""),
			CredentialsFile: e.str("FCM_CREDENTIALS_FILE", ""),
			Endpoint:        e.str("FCM_ENDPOINT", ""),
			Deadline:        e.duration("ZHIFA_PUSH_DEADLINE", 24*time.Hour),
			Fresh:           e.duration("ZHIFA_PUSH_FRESH", time.Hour),
			TTL:             e.duration("ZHIFA_PUSH_TTL", 24*time.Hour),
			Lease:           e.duration("ZHIFA_PUSH_LEASE", time.Minute),
		},
		API: api.Config{
			Issuer:               e.str("ZHIFA_ISSUER", "zhifa"),
			Audience:             e.str("ZHIFA_AUDIENCE", "zhifa-api"),
			AccessTTL:            e.duration("ZHIFA_ACCESS_TTL", 15*time.Minute),
			RefreshTTL:           e.duration("ZHIFA_REFRESH_TTL", 30*24*time.Hour),
			BodyLimit:            e.integer("ZHIFA_BODY_LIMIT", 1<<20, 1024, 64<<20),
			RequestTimeout:       e.duration("ZHIFA_REQUEST_TIMEOUT", 10*time.Second),
			LoginFailures:        e.integer("ZHIFA_LOGIN_FAILURES", 5, 1, 1000),
			LoginAddressFailures: e.integer("ZHIFA_LOGIN_ADDRESS_FAILURES", 20, 1, 100000),
			MetricsToken:         e.str("ZHIFA_METRICS_TOKEN", ""),
			BackupDir:            e.str("ZHIFA_BACKUP_DIR", ""),
			Hearing: domain.HearingThresholds{
				FinePerson:               int64(e.integer("ZHIFA_HEARING_FINE_PERSON", int(domain.DefaultHearingThresholds.FinePerson), 1, 1e9)),
				FineOrganisation:         int64(e.integer("ZHIFA_HEARING_FINE_ORGANISATION", int(domain.DefaultHearingThresholds.FineOrganisation), 1, 1e9)),
				ConfiscationPerson:       int64(e.integer("ZHIFA_HEARING_CONFISCATION_PERSON", int(domain.DefaultHearingThresholds.ConfiscationPerson), 1, 1e9)),
				ConfiscationOrganisation: int64(e.integer("ZHIFA_HEARING_CONFISCATION_ORGANISATION", int(domain.DefaultHearingThresholds.ConfiscationOrganisation), 1, 1e9)),
			},
			LoginWindow:          e.duration("ZHIFA_LOGIN_WINDOW", 15*time.Minute),
			PublicRate:           e.integer("ZHIFA_PUBLIC_RATE", 60, 1, 100000),
			TrustedProxies:       e.list("ZHIFA_TRUSTED_PROXIES"),
			SyncSettle:           e.duration("ZHIFA_SYNC_SETTLE", 15*time.Second),
			InspectionWindowDays: e.integer("ZHIFA_INSPECTION_WINDOW_DAYS", 30, 0, 365),
			CORSOrigins:          e.str("ZHIFA_CORS_ORIGINS", "*"),
			StandingTTL:          e.duration("ZHIFA_STANDING_TTL", 3*time.Second),
			Instance:             e.str("ZHIFA_INSTANCE_ID", ""),
			Stream:               handlers.StreamConfig{PerUser: e.integer("ZHIFA_STREAMS_PER_USER", 4, 1, 100)},
			NotifyEvery:          e.duration("ZHIFA_NOTIFY_EVERY", time.Second),
			DeriveFullEvery:      e.duration("ZHIFA_DERIVE_FULL_EVERY", time.Minute),
			PublicURL:            e.str("ZHIFA_PUBLIC_URL", ""),
			CardGuesses:          e.integer("ZHIFA_CARD_GUESSES", 20, 1, 100000),
			WatchEvery:           e.duration("ZHIFA_WATCH_EVERY", 10*time.Minute),
			SuperviseEvery:       e.duration("ZHIFA_SUPERVISE_EVERY", time.Minute),
			CallbackDelay:        e.duration("ZHIFA_CALLBACK_DELAY", 7*24*time.Hour),
			PublishDays:          e.integer("ZHIFA_PUBLISH_DAYS", 7, 1, 60),
			Supervision: handlers.SupervisionConfig{
				AcceptDays:      e.integer("ZHIFA_COMPLAINT_ACCEPT_DAYS", 3, 1, 60),
				AnswerDays:      e.integer("ZHIFA_COMPLAINT_ANSWER_DAYS", 15, 1, 120),
				MaxOpen:         e.integer("ZHIFA_COMPLAINT_MAX_OPEN", 20, 1, 1000),
				RegistrationTTL: e.duration("ZHIFA_REGISTRATION_TTL", 7*24*time.Hour),
			},
			Media: handlers.MediaConfig{
				MaxSize:      int64(e.integer("ZHIFA_EVIDENCE_MAX_SIZE", 4<<30, 1, 1<<40)),
				SimpleMax:    int64(e.integer("ZHIFA_EVIDENCE_PUT_MAX", 32<<20, 1, 1<<30)),
				PartSize:     int64(e.integer("ZHIFA_UPLOAD_PART_SIZE", 16<<20, 5<<20, 512<<20)),
				Expiry:       e.duration("ZHIFA_UPLOAD_EXPIRY", 24*time.Hour),
				Lease:        e.duration("ZHIFA_UPLOAD_LEASE", 30*time.Second),
				SweepEvery:   e.duration("ZHIFA_UPLOAD_SWEEP", time.Minute),
				PendingAfter: e.duration("ZHIFA_EVIDENCE_PENDING_AFTER", 24*time.Hour),
				Retention:    e.duration("ZHIFA_EVIDENCE_RETENTION", 30*365*24*time.Hour),
				LinkTTL:      e.duration("ZHIFA_EVIDENCE_LINK_TTL", 5*time.Minute),
				PerEvidence:  e.integer("ZHIFA_UPLOADS_PER_EVIDENCE", 3, 1, 100),
				PerUser:      e.integer("ZHIFA_UPLOADS_PER_USER", 10, 1, 10000),
				PartialMax:   int64(e.integer("ZHIFA_UPLOAD_PARTIAL_MAX", 8<<30, 1<<20, 1<<50)),
			},
		},
	}
	// Absolute now: the embedded S3 gateway changes the working directory when it starts.
	if abs, err := filepath.Abs(c.DataDir); err == nil {
		c.DataDir = abs
	}
	if err := c.LogLevel.UnmarshalText([]byte(e.str("ZHIFA_LOG_LEVEL", "info"))); err != nil {
		e.errs = append(e.errs, "ZHIFA_LOG_LEVEL: debug, info, warn or error")
	}
	cal, err := domain.ParseCalendar(e.str("ZHIFA_HOLIDAYS", ""), e.str("ZHIFA_WORKDAYS", ""))
	if err != nil {
		e.errs = append(e.errs, "ZHIFA_HOLIDAYS, ZHIFA_WORKDAYS: comma-separated dates YYYY-MM-DD")
	}
	c.API.Supervision.Calendar = cal
	leads, err := domain.ParseWarningLeads(e.str("ZHIFA_WARNING_LEADS", ""))
	if err != nil {
		e.errs = append(e.errs, "ZHIFA_WARNING_LEADS: kind=days pairs, such as decision=15,service=3")
	}
	c.API.Warnings = domain.WarningRules{Lead: leads, CallbackDays: e.integer("ZHIFA_CALLBACK_DAYS", domain.DefaultWarningRules.CallbackDays, 1, 90)}
	if c.API.Media.LinkTTL > 15*time.Minute {
		e.errs = append(e.errs, "ZHIFA_EVIDENCE_LINK_TTL: at most 15m")
	}
	if c.EmbeddedSync != "normal" && c.EmbeddedSync != "full" {
		e.errs = append(e.errs, "ZHIFA_EMBEDDED_SYNC: normal or full")
	}
	if c.S3LockMode != "governance" && c.S3LockMode != "compliance" {
		e.errs = append(e.errs, "S3_LOCK_MODE: governance or compliance")
	}
	if (c.S3Endpoint != "") && (c.S3AccessKey == "" || c.S3SecretKey == "") {
		e.errs = append(e.errs, "S3_ACCESS_KEY and S3_SECRET_KEY are required with S3_ENDPOINT")
	}
	if len(e.errs) > 0 {
		return c, fmt.Errorf("configuration: %s", strings.Join(e.errs, "; "))
	}
	return c, nil
}

type envReader struct {
	getenv func(string) string
	errs   []string
}

func (e *envReader) str(name, def string) string {
	if v := strings.TrimSpace(e.getenv(name)); v != "" {
		return v
	}
	return def
}

func (e *envReader) integer(name string, def, lo, hi int) int {
	v := e.str(name, "")
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		e.errs = append(e.errs, fmt.Sprintf("%s: a whole number from %d to %d", name, lo, hi))
		return def
	}
	return n
}

func (e *envReader) duration(name string, def time.Duration) time.Duration {
	v := e.str(name, "")
	if v == "" {
		return def
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		e.errs = append(e.errs, name+": a duration such as 15m or 720h")
		return def
	}
	return d
}

func (e *envReader) list(name string) []string {
	var out []string
	for _, s := range strings.Split(e.str(name, ""), ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}
