package media

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/versity/versitygw/backend/meta"
	"github.com/versity/versitygw/backend/posix"
	"github.com/versity/versitygw/embedgw"
)

// Embedded is an in-process VersityGW S3 gateway on loopback with a posix backend.
type Embedded struct {
	endpoint, access, secret string
	// root holds the buckets; wd is the working directory the process had before.
	root, wd string
	cancel   context.CancelFunc
	done     chan struct{}
}

// embeddedMu guards the gateway: VersityGW allows one gateway per process.
var (
	embeddedMu      sync.Mutex
	embeddedRunning *Embedded
)

// StartEmbedded starts the gateway with objects under dir/objects and metadata in
// dir/sidecar, on a free loopback port, with credentials made up for this run.
func StartEmbedded(ctx context.Context, dir string) (*Embedded, error) {
	embeddedMu.Lock()
	defer embeddedMu.Unlock()
	if embeddedRunning != nil {
		return nil, errors.New("the embedded S3 gateway is already running in this process")
	}
	root, err := filepath.Abs(filepath.Join(dir, "objects"))
	if err != nil {
		return nil, err
	}
	metaDir, err := filepath.Abs(filepath.Join(dir, "sidecar"))
	if err != nil {
		return nil, err
	}
	for _, d := range []string{root, metaDir} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return nil, fmt.Errorf("create %s: %w", d, err)
		}
	}
	sidecar, err := meta.NewSideCar(metaDir)
	if err != nil {
		return nil, fmt.Errorf("embedded S3 metadata: %w", err)
	}
	// The posix backend works with paths relative to the process's working directory, which
	// posix.New sets to root: while the gateway runs, the process's working directory is the
	// objects root (callers resolve their own paths first; config does). Close restores it.
	wd, err := os.Getwd()
	if err != nil {
		return nil, err
	}
	be, err := posix.New(root, sidecar, posix.PosixOpts{NewDirPerm: 0o700, NewFilePerm: 0o600, SideCarDir: metaDir})
	if err != nil {
		_ = os.Chdir(wd)
		return nil, fmt.Errorf("embedded S3 backend: %w", err)
	}
	addr, err := freeLoopbackAddr()
	if err != nil {
		return nil, err
	}
	e := &Embedded{endpoint: "http://" + addr, access: randomKey(10), secret: randomKey(20), done: make(chan struct{}), root: root, wd: wd}
	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	e.cancel = cancel
	errc := make(chan error, 1)
	go func() {
		defer close(e.done)
		errc <- embedgw.RunVersityGW(runCtx, be, &embedgw.Config{
			RootUserAccess: e.access, RootUserSecret: e.secret, Region: "us-east-1",
			Ports: []string{addr}, MaxConnections: 1000, MaxRequests: 500,
			AdminMaxConnections: 10, AdminMaxRequests: 10, MultipartMaxParts: 10000,
			Quiet: true, KeepAlive: true,
		})
	}()
	if err := waitListening(ctx, addr, errc); err != nil {
		cancel()
		<-e.done
		_ = os.Chdir(wd)
		return nil, fmt.Errorf("start embedded S3 gateway: %w", err)
	}
	embeddedRunning = e
	return e, nil
}

func waitListening(ctx context.Context, addr string, errc <-chan error) error {
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case err := <-errc:
			if err == nil {
				err = errors.New("gateway stopped")
			}
			return err
		case <-ctx.Done():
			return ctx.Err()
		default:
		}
		if c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond); err == nil {
			c.Close()
			return nil
		}
		time.Sleep(20 * time.Millisecond)
	}
	return fmt.Errorf("%s did not listen within 15s", addr)
}

func freeLoopbackAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

func randomKey(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// Endpoint is the gateway's http URL.
func (e *Embedded) Endpoint() string { return e.endpoint }

// AccessKey and SecretKey are the root credentials of this run.
func (e *Embedded) AccessKey() string { return e.access }
func (e *Embedded) SecretKey() string { return e.secret }

// Root is the directory that holds the buckets, one directory each.
func (e *Embedded) Root() string { return e.root }

// Region is the region the gateway reports.
func (e *Embedded) Region() string { return "us-east-1" }

// Close stops the gateway.
func (e *Embedded) Close() {
	e.cancel()
	<-e.done
	_ = os.Chdir(e.wd)
	embeddedMu.Lock()
	embeddedRunning = nil
	embeddedMu.Unlock()
}
