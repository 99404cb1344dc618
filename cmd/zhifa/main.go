// Command zhifa runs the Zhifa API server: configuration from the environment, the document and
// object stores (embedded when none is configured), then the HTTP app until SIGTERM.
package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/zhifa/zhifa/api"
	"github.com/zhifa/zhifa/domain"
	"github.com/zhifa/zhifa/media"
	"github.com/zhifa/zhifa/notify"
	"github.com/zhifa/zhifa/store"
)

var started = time.Now()

func main() {
	if len(os.Args) == 2 && os.Args[1] == "healthcheck" {
		os.Exit(healthcheck(os.Getenv("ZHIFA_ADDR")))
	}
	if (len(os.Args) == 3 || len(os.Args) == 4) && os.Args[1] == "verify-file" {
		os.Exit(verifyFile(os.Args[2], strings.Join(os.Args[3:], ""), os.Stdout))
	}
	if len(os.Args) > 1 && os.Args[1] == "verify-file" {
		fmt.Fprint(os.Stderr, verifyFileUsage)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	if len(os.Args) > 1 && (os.Args[1] == "backup" || os.Args[1] == "restore") {
		if err := copyCommand(ctx, os.Args[1:], os.Getenv, os.Stdout); err != nil {
			fmt.Fprintln(os.Stderr, "zhifa "+os.Args[1]+":", err)
			os.Exit(1)
		}
		return
	}
	if err := run(ctx, os.Getenv, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "zhifa:", err)
		os.Exit(1)
	}
}

// run serves until ctx ends. The log goes to stdout as JSON lines, and so, while it runs, does
// whatever the process prints on its standard streams (see logStdio); stderr gets only the
// generated admin password, once.
func run(ctx context.Context, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg, err := loadConfig(getenv)
	if err != nil {
		return err
	}
	log := slog.New(slog.NewJSONHandler(stdout, &slog.HandlerOptions{Level: cfg.LogLevel}))
	restoreStdio, err := logStdio(log, stdout)
	if err != nil {
		return err
	}
	defer restoreStdio()
	if cfg.DataDir, err = filepath.Abs(cfg.DataDir); err != nil {
		return err
	}
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return fmt.Errorf("data dir: %w", err)
	}

	st, err := store.Open(ctx, store.Config{URI: cfg.MongoURI, Database: cfg.MongoDatabase, DataDir: cfg.DataDir,
		FullSync: cfg.EmbeddedSync == "full"})
	if err != nil {
		return fmt.Errorf("document store: %w", err)
	}
	defer func() {
		if err := st.Close(context.Background()); err != nil {
			log.Error("closing the document store", "err", err)
		}
	}()
	log.Info("document store ready", "engine", st.Engine(), "database", cfg.MongoDatabase, "data_dir", embeddedDir(cfg.MongoURI, cfg.DataDir))
	go func() {
		builds, err := st.ListIndexes(ctx)
		if err != nil && ctx.Err() == nil {
			log.Error("list indexes", "err", err)
		}
		for _, b := range builds {
			log.Info("list index ready", "collection", b.Collection, "from", b.From, "entries", b.Entries, "took_ms", b.Took.Milliseconds())
		}
	}()

	md, err := media.Open(ctx, media.Config{Endpoint: cfg.S3Endpoint, AccessKey: cfg.S3AccessKey, SecretKey: cfg.S3SecretKey,
		Region: cfg.S3Region, Bucket: cfg.S3Bucket, DataDir: cfg.DataDir, ObjectLock: cfg.S3ObjectLock, Compliance: cfg.S3LockMode == "compliance",
		PublicEndpoint: cfg.S3PublicEndpoint})
	if err != nil {
		return fmt.Errorf("object store: %w", err)
	}
	defer md.Close()
	log.Info("object store ready", "engine", md.Engine(), "bucket", md.Bucket(), "object_lock", md.ObjectLock(), "links", md.Linkable(), "data_dir", embeddedDir(cfg.S3Endpoint, cfg.DataDir))

	passwords, err := domain.NewPasswords(cfg.Argon2MemoryKiB, cfg.Argon2Iterations, cfg.Argon2Parallelism)
	if err != nil {
		return err
	}
	passwords.Limit(cfg.HashConcurrency, cfg.HashWait)
	if cfg.API.Instance == "" {
		if cfg.API.Instance, err = instanceID(filepath.Join(cfg.DataDir, "instance-id")); err != nil {
			return fmt.Errorf("instance id: %w", err)
		}
	}
	key, created, err := api.LoadOrCreateKey(cfg.JWTPrivateKey, filepath.Join(cfg.DataDir, "jwt-ed25519.pem"))
	if err != nil {
		return fmt.Errorf("JWT signing key: %w", err)
	}
	if created {
		log.Info("generated a JWT signing key", "path", filepath.Join(cfg.DataDir, "jwt-ed25519.pem"))
	}
	if err := seedSysadmin(ctx, st, passwords, cfg, log, stderr); err != nil {
		return err
	}

	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return err
	}
	if cfg.API.PublicURL == "" {
		// Links citizens open are never built from a request's Host header, which anyone sets.
		cfg.API.PublicURL = "http://" + ln.Addr().String()
		if addr := ln.Addr().(*net.TCPAddr); !addr.IP.IsLoopback() {
			log.Warn("ZHIFA_PUBLIC_URL is not set: card and callback links carry the listen address", "public_url", cfg.API.PublicURL)
		}
	}
	gate := api.NewGate()
	app, err := api.New(cfg.API, api.Deps{
		Repo: st, Passwords: passwords, Key: key, Log: log, Gate: gate, Objects: md, Thumbnail: media.Thumbnail,
		Checks: []api.Check{{Name: "documents", Ping: st.Ping}, {Name: "objects", Ping: md.Ping}},
		Backup: func(ctx context.Context, dir string) error { return backupCommand(ctx, cfg, dir, io.Discard) },
	})
	if err != nil {
		_ = ln.Close()
		return err
	}
	go sweep(ctx, st, log)
	push, err := notify.NewDispatcher(ctx, cfg.FCM, st, log)
	if err != nil {
		return fmt.Errorf("push: %w", err)
	}
	var pushing sync.WaitGroup
	if push == nil {
		log.Info("push is off (FCM_PROJECT_ID is not set): notifications reach the inbox and the stream only")
	} else {
		log.Info("push through FCM", "project", cfg.FCM.ProjectID)
		pushing.Add(1)
		go func() { defer pushing.Done(); push.Run(ctx, cfg.API.NotifyEvery) }()
	}
	serveErr := make(chan error, 1)
	go func() { serveErr <- app.Listener(ln) }()
	log.Info("zhifa ready", "addr", ln.Addr().String(), "docs", "/docs", "startup_ms", time.Since(started).Milliseconds())

	select {
	case err := <-serveErr:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down: finishing in-flight requests", "timeout", cfg.ShutdownTimeout.String())
	if err := app.ShutdownWithTimeout(cfg.ShutdownTimeout); err != nil {
		log.Warn("shutdown", "error", err)
	}
	// Connections still open past the deadline get 503 from now on; the requests already
	// running finish (their store calls are bounded by the request timeout) before the stores
	// close and the list indexes are saved, so no write comes after the snapshot.
	drain, cancel := context.WithTimeout(context.Background(), cfg.API.RequestTimeout+5*time.Second)
	defer cancel()
	if err := gate.Close(drain); err != nil {
		log.Warn("requests still running when the stores close", "error", err)
	}
	// The dispatcher finishes the batch it holds (and records it) before the stores close.
	pushing.Wait()
	if err := <-serveErr; err != nil && !errors.Is(err, net.ErrClosed) {
		return err
	}
	log.Info("stopped")
	return nil
}

func embeddedDir(external, dir string) string {
	if external != "" {
		return ""
	}
	return dir
}

// seedSysadmin creates the first sysadmin on an empty database. Its password comes from
// ZHIFA_ADMIN_PASSWORD or is generated and printed once on stderr, never in the log: a log is
// shipped and kept, and a secret in it is worse than none.
func seedSysadmin(ctx context.Context, st *store.Store, pw *domain.Passwords, cfg config, log *slog.Logger, stderr io.Writer) error {
	n, err := st.CountUsers(ctx)
	if err != nil || n > 0 {
		return err
	}
	password, generated := cfg.AdminPassword, false
	if password == "" {
		password, generated = domain.RandomToken(15), true
	}
	if err := domain.ValidatePassword(password); err != nil {
		return fmt.Errorf("ZHIFA_ADMIN_PASSWORD: %w", err)
	}
	hash, err := pw.Hash(password)
	if err != nil {
		return err
	}
	u := &domain.User{Username: cfg.AdminUsername, PasswordHash: hash, Name: "系统管理员",
		Roles: []domain.Role{domain.RoleSysadmin}, Status: domain.UserActive}
	if err := st.CreateUser(ctx, u); err != nil {
		if domain.ErrorCode(err) == domain.Conflict {
			return nil
		}
		return err
	}
	if generated {
		announcePassword(stderr, u.Username, password)
		log.Warn("created the first sysadmin with a generated password; it was printed once on stderr, not here",
			"username", u.Username)
	} else {
		log.Info("created the first sysadmin", "username", u.Username)
	}
	return nil
}

// announcePassword prints a block an operator cannot miss among the JSON lines of a first start,
// in one write so that nothing interleaves with it.
func announcePassword(w io.Writer, username, password string) {
	bar := strings.Repeat("=", 72)
	fmt.Fprintf(w, "\n%s\n  Zhifa: the first sysadmin was created with a generated password.\n\n"+
		"      username: %s\n      password: %s\n\n"+
		"  It is shown only this once. Sign in and change it (PUT /v1/me/password);\n"+
		"  to choose it instead, set ZHIFA_ADMIN_PASSWORD before the first start.\n%s\n\n",
		bar, username, password, bar)
}

// sweep removes expired refresh tokens and idempotency keys; the embedded engine has no TTL
// indexes.
func sweep(ctx context.Context, st *store.Store, log *slog.Logger) {
	t := time.NewTicker(time.Hour)
	defer t.Stop()
	for {
		for name, fn := range map[string]func(context.Context, time.Time) (int64, error){
			"refresh tokens": st.SweepRefreshTokens, "idempotency keys": st.SweepIdempotency,
		} {
			if n, err := fn(ctx, time.Now()); err != nil && ctx.Err() == nil {
				log.Warn("sweep "+name, "error", err)
			} else if n > 0 {
				log.Info("swept expired "+name, "count", n)
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// healthcheck asks the local server's /healthz; the container image has no curl.
func healthcheck(addr string) int {
	if addr == "" {
		addr = ":8080"
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return 1
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "127.0.0.1"
	}
	client := &http.Client{Timeout: 3 * time.Second}
	res, err := client.Get("http://" + net.JoinHostPort(host, port) + "/healthz")
	if err != nil {
		return 1
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return 1
	}
	return 0
}

// instanceID is this server's name among those sharing a database, kept in the data dir so that
// a restart knows its predecessor's upload leases for its own.
func instanceID(path string) (string, error) {
	if b, err := os.ReadFile(path); err == nil && len(bytes.TrimSpace(b)) > 0 {
		return string(bytes.TrimSpace(b)), nil
	} else if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return "", err
	}
	id := domain.RandomToken(8)
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return "", err
	}
	return id, os.WriteFile(path, []byte(id+"\n"), 0o600)
}
