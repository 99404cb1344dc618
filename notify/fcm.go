package notify

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"os"
	"slices"
	"strconv"
	"sync"
	"time"

	firebase "firebase.google.com/go/v4"
	"firebase.google.com/go/v4/errorutils"
	"firebase.google.com/go/v4/messaging"
	"golang.org/x/oauth2"
	"golang.org/x/oauth2/google"
	"google.golang.org/api/option"

	"github.com/zhifa/zhifa/domain"
)

// FCMConfig says how to reach Firebase Cloud Messaging. Empty ProjectID turns push off.
type FCMConfig struct {
	ProjectID string
	// CredentialsFile is a service-account JSON file; empty uses Application Default
	// Credentials.
	CredentialsFile string
	// Endpoint overrides https://fcm.googleapis.com/v1 (tests point it at a fake server, with
	// no credentials).
	Endpoint string
	// Deadline: a push not delivered this long after its notification is failed.
	Deadline time.Duration
	// Lease: how long a dispatcher holds the notifications it claimed.
	Lease time.Duration
	// TTL is how long FCM keeps an undelivered message.
	TTL time.Duration
	// Fresh: a phone registered after a notification was made gets its push only while the
	// notification is younger than this; older ones wait in the inbox (a phone signed in for
	// the first time is not flooded with the day's backlog).
	Fresh time.Duration
}

// Dispatcher sends pending notifications to their users' devices through FCM. Several
// replicas may run one each on one database: a notification is claimed with a lease before it
// is sent, so no two send it; a device that answered is not sent to again.
type Dispatcher struct {
	Repo   domain.Repository
	Client *messaging.Client
	Config FCMConfig
	Holder string
	Now    func() time.Time
	Log    *slog.Logger
}

// NewDispatcher connects to FCM; nil when push is not configured.
func NewDispatcher(ctx context.Context, cfg FCMConfig, repo domain.Repository, log *slog.Logger) (*Dispatcher, error) {
	if cfg.ProjectID == "" {
		return nil, nil
	}
	transport := http.DefaultTransport.(*http.Transport).Clone()
	// SendEach sends up to 500 messages at once; keep their connections for the next batch.
	transport.MaxIdleConns, transport.MaxIdleConnsPerHost = 512, 512
	var hc *http.Client
	var opts []option.ClientOption
	if cfg.Endpoint != "" {
		hc = &http.Client{Transport: noSDKRetry{transport}, Timeout: sendTimeout}
		opts = append(opts, option.WithEndpoint(cfg.Endpoint))
	} else {
		creds, err := fcmCredentials(ctx, cfg.CredentialsFile)
		if err != nil {
			return nil, err
		}
		hc = &http.Client{Transport: &oauth2.Transport{Source: creds.TokenSource, Base: noSDKRetry{transport}}, Timeout: sendTimeout}
	}
	opts = append(opts, option.WithHTTPClient(hc))
	app, err := firebase.NewApp(ctx, &firebase.Config{ProjectID: cfg.ProjectID}, opts...)
	if err != nil {
		return nil, fmt.Errorf("firebase: %w", err)
	}
	client, err := app.Messaging(ctx)
	if err != nil {
		return nil, fmt.Errorf("firebase messaging: %w", err)
	}
	if cfg.Deadline == 0 {
		cfg.Deadline = 24 * time.Hour
	}
	if cfg.Lease == 0 {
		cfg.Lease = time.Minute
	}
	if cfg.TTL == 0 {
		cfg.TTL = 24 * time.Hour
	}
	if cfg.Fresh == 0 {
		cfg.Fresh = time.Hour
	}
	return &Dispatcher{Repo: repo, Client: client, Config: cfg, Holder: domain.RandomToken(12), Now: time.Now, Log: log}, nil
}

// sendTimeout bounds one call to FCM.
const sendTimeout = 30 * time.Second

// fcmScopes are what sending through FCM needs.
var fcmScopes = []string{"https://www.googleapis.com/auth/firebase.messaging", "https://www.googleapis.com/auth/cloud-platform"}

// fcmCredentials reads a service-account file, or finds Application Default Credentials.
func fcmCredentials(ctx context.Context, file string) (*google.Credentials, error) {
	if file == "" {
		creds, err := google.FindDefaultCredentials(ctx, fcmScopes...)
		if err != nil {
			return nil, fmt.Errorf("FCM credentials (Application Default Credentials; or set FCM_CREDENTIALS_FILE): %w", err)
		}
		return creds, nil
	}
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("FCM credentials: %w", err)
	}
	creds, err := google.CredentialsFromJSONWithTypeAndParams(ctx, data, google.ServiceAccount, google.CredentialsParams{Scopes: fcmScopes})
	if err != nil {
		return nil, fmt.Errorf("FCM credentials in %s: %w", file, err)
	}
	return creds, nil
}

// noSDKRetry passes FCM's answers to the SDK as they came, except that a 503 reaches it as 500
// (the original status in X-Zhifa-Status). The SDK retries a 503 itself, inside SendEach:
// the whole batch waits up to two minutes for one throttled phone, and the retry goes to a
// token that may meanwhile have been signed out or moved to another user. The dispatcher
// retries instead, after the batch, honouring Retry-After, with the devices read again.
type noSDKRetry struct{ base http.RoundTripper }

func (t noSDKRetry) RoundTrip(r *http.Request) (*http.Response, error) {
	res, err := t.base.RoundTrip(r)
	if err == nil && res.StatusCode == http.StatusServiceUnavailable {
		res.StatusCode, res.Status = http.StatusInternalServerError, "500 Internal Server Error"
		res.Header.Set("X-Zhifa-Status", "503")
	}
	return res, err
}

// Run dispatches every period until ctx ends; a batch it has claimed is finished (or its
// state written back) before it stops. The store's deferred bookkeeping (FoldPushes) runs
// beside it, off the path from a fact to the phone.
func (d *Dispatcher) Run(ctx context.Context, every time.Duration) {
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		Every(ctx, every, d.Log, "fold push receipts", func(ctx context.Context) (int, error) {
			total := 0
			for ctx.Err() == nil {
				n, err := d.Repo.FoldPushes(context.WithoutCancel(ctx))
				total += n
				if n == 0 || err != nil {
					return total, err
				}
			}
			return total, nil
		})
	}()
	defer wg.Wait()
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if _, err := d.Drain(ctx); err != nil && ctx.Err() == nil {
			d.Log.Warn("dispatch push", "error", err.Error())
		}
	}
}

// workers is how many batches are in flight at once: while one waits for FCM, another reads
// or writes its state.
const workers = 2

// Drain dispatches until nothing is due, with several batches in flight, and says how many
// notifications it handled. A batch once claimed is finished even when ctx ends.
func (d *Dispatcher) Drain(ctx context.Context) (int, error) {
	var (
		mu    sync.Mutex
		total int
		errs  []error
		wg    sync.WaitGroup
	)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				n, err := d.DispatchOnce(context.WithoutCancel(ctx))
				mu.Lock()
				total += n
				if err != nil {
					errs = append(errs, err)
				}
				mu.Unlock()
				if n == 0 || err != nil {
					return
				}
			}
		}()
	}
	wg.Wait()
	return total, errors.Join(errs...)
}

// maxBatch is SendEach's limit.
const maxBatch = 500

type target struct {
	n      *domain.Notification
	device *domain.Device
}

// DispatchOnce claims due notifications, sends them to every device not yet answered, and
// records the outcome; it returns how many notifications it handled.
func (d *Dispatcher) DispatchOnce(ctx context.Context) (int, error) {
	now := d.Now()
	claimed, err := d.Repo.ClaimPushes(ctx, d.Holder, now, now.Add(d.Config.Lease), maxBatch)
	if err != nil || len(claimed) == 0 {
		return 0, err
	}
	users := make([]string, len(claimed))
	for i, n := range claimed {
		users[i] = n.UserID
	}
	devices, err := d.Repo.DevicesOf(ctx, slices.Compact(slices.Sorted(slices.Values(users)))...)
	if err != nil {
		return 0, err
	}
	byUser := map[string][]*domain.Device{}
	for _, dev := range devices {
		byUser[dev.UserID] = append(byUser[dev.UserID], dev)
	}
	var targets []target
	for _, n := range claimed {
		if n.Push.Results == nil {
			n.Push.Results = map[string]string{}
		}
		stale := now.Sub(n.CreatedAt) > d.Config.Fresh
		for _, dev := range byUser[n.UserID] {
			if stale && dev.CreatedAt.After(n.CreatedAt) {
				continue // a new phone: the inbox carries what is no longer news
			}
			if _, done := n.Push.Results[dev.ID]; !done {
				targets = append(targets, target{n: n, device: dev})
			}
		}
	}
	retry := map[string]time.Duration{} // notification id -> the longest wait a device asked for
	for start := 0; start < len(targets); start += maxBatch {
		batch := targets[start:min(start+maxBatch, len(targets))]
		msgs := make([]*messaging.Message, len(batch))
		for i, t := range batch {
			msgs[i] = d.message(t.n, t.device)
		}
		res, err := d.Client.SendEach(ctx, msgs)
		if err != nil {
			for _, t := range batch {
				retry[t.n.ID] = max(retry[t.n.ID], retryAfter(err))
			}
			continue
		}
		for i, r := range res.Responses {
			t := batch[i]
			switch {
			case r.Success:
				t.n.Push.Results[t.device.ID] = "sent"
			case messaging.IsUnregistered(r.Error) || messaging.IsRegistrationTokenNotRegistered(r.Error):
				t.n.Push.Results[t.device.ID] = "unregistered"
				if err := d.Repo.DeleteDevice(ctx, t.n.UserID, t.device.ID); err != nil && domain.ErrorCode(err) != domain.NotFound {
					return 0, err
				}
			case retryable(r.Error):
				retry[t.n.ID] = max(retry[t.n.ID], retryAfter(r.Error))
			default:
				t.n.Push.Results[t.device.ID] = "invalid"
				t.n.Push.Error = r.Error.Error()
			}
		}
	}
	for _, n := range claimed {
		n.Push.Attempts++
		n.Push.LeaseHolder, n.Push.LeaseUntil = "", time.Time{}
		wait, again := retry[n.ID]
		switch {
		case !again && len(n.Push.Results) == 0:
			n.Push.Status = domain.PushNone // the user has no device: the inbox carries it
		case !again:
			n.Push.Status = domain.PushSent
		case d.Now().After(n.CreatedAt.Add(d.Config.Deadline)):
			n.Push.Status, n.Push.Error = domain.PushFailed, "not delivered before the deadline"
		default:
			n.Push.NextAttempt = d.Now().Add(max(wait, backoff(n.Push.Attempts)))
		}
	}
	if err := d.Repo.SavePushes(ctx, claimed, d.Holder); err != nil {
		return 0, err
	}
	return len(claimed), nil
}

// message is the push of a notification to one device: the Chinese title and body, the ids
// and deep link the app opens; nothing about a party (the message transits Google).
func (d *Dispatcher) message(n *domain.Notification, dev *domain.Device) *messaging.Message {
	ttl := d.Config.TTL
	return &messaging.Message{
		Token:        dev.Token,
		Notification: &messaging.Notification{Title: n.Title, Body: n.Body},
		Data: map[string]string{"kind": string(n.Kind), "notification_id": n.ID, "link": n.Link,
			"object_kind": n.ObjectKind, "object_id": n.ObjectID, "seq": strconv.FormatInt(n.Seq, 10)},
		Android: &messaging.AndroidConfig{Priority: "high", TTL: &ttl, CollapseKey: string(n.Kind) + ":" + n.ObjectID},
		APNS:    &messaging.APNSConfig{Headers: map[string]string{"apns-priority": "10", "apns-collapse-id": n.ObjectID}},
	}
}

// retryable: errors FCM asks to retry later.
func retryable(err error) bool {
	if messaging.IsUnavailable(err) || messaging.IsInternal(err) || messaging.IsQuotaExceeded(err) || messaging.IsMessageRateExceeded(err) {
		return true
	}
	if r := errorutils.HTTPResponse(err); r != nil {
		return r.StatusCode >= 500
	}
	return !errors.Is(err, context.Canceled) // a network error: nothing was answered
}

// retryAfter is the wait FCM asked for, 0 when it named none.
func retryAfter(err error) time.Duration {
	r := errorutils.HTTPResponse(err)
	if r == nil {
		return 0
	}
	if s, err := strconv.Atoi(r.Header.Get("Retry-After")); err == nil {
		return time.Duration(s) * time.Second
	}
	if t, err := http.ParseTime(r.Header.Get("Retry-After")); err == nil {
		return time.Until(t)
	}
	return 0
}

// backoff is exponential from one second, at most ten minutes, with full jitter above half.
func backoff(attempt int) time.Duration {
	d := time.Second << min(attempt, 10)
	d = min(d, 10*time.Minute)
	return d/2 + time.Duration(rand.Int64N(int64(d/2)+1))
}
