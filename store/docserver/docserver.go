// Package docserver runs, for tests of several Zhifa instances, one MongoDB-wire document
// server that many processes share: PostgreSQL from Debian's packages, and FerretDB 1.24 over
// it in this process, listening on loopback.
//
// FerretDB's conditional updates are not atomic between clients: an update or findAndModify
// reads the matching documents, applies the operators in Go and writes them back in a second
// transaction, so two clients that $inc one counter at once can both read 5 and both write 6
// (TestFerretDBOverPostgreSQLLosesConcurrentUpdates in store shows it). MongoDB applies each
// to one document atomically, which Zhifa's MongoDB path relies on (counters, leases,
// conditional state changes). So the server can gate its writes: with Gated, a wire-level
// proxy in front of FerretDB lets one write command (insert, update, delete, findAndModify)
// through at a time, from whichever client, while reads go on at once. That makes every
// single-document write atomic, as on MongoDB, and nothing more: the tests of several
// instances still see their reads interleave with other instances' writes. The gate answers
// buildInfo without FerretDB's own fields, so that Zhifa takes the code paths it takes on
// MongoDB (on FerretDB it assumes it is the one process, as with the embedded engine).
package docserver

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/FerretDB/FerretDB/ferretdb"
	"go.mongodb.org/mongo-driver/v2/bson"
)

// Server is PostgreSQL with FerretDB over it.
type Server struct {
	// URI is the mongodb:// address clients use: the gate when Gated, else FerretDB.
	URI string

	dir      string
	postgres *exec.Cmd
	cancel   context.CancelFunc
	done     chan struct{}
	gate     net.Listener
	// gateMu lets one write command through at a time.
	gateMu sync.Mutex
	// Writes counts the write commands the gate let through.
	Writes atomic.Int64
}

// Options choose how the server runs.
type Options struct {
	// Gated puts the write gate in front of FerretDB (see the package comment).
	Gated bool
	// Log receives FerretDB's and PostgreSQL's errors; nil discards them.
	Log io.Writer
}

// Binaries finds Debian's PostgreSQL programs (initdb, postgres), or says why there are none.
func Binaries() (string, error) {
	if p, err := exec.LookPath("initdb"); err == nil {
		if real, err := filepath.EvalSymlinks(p); err == nil {
			p = real
		}
		return filepath.Dir(p), nil
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	for i := len(dirs) - 1; i >= 0; i-- {
		if _, err := os.Stat(filepath.Join(dirs[i], "initdb")); err == nil {
			return dirs[i], nil
		}
	}
	return "", errors.New("PostgreSQL is not installed (apt-get install postgresql)")
}

// Start creates a PostgreSQL cluster in a new directory, starts it on a Unix socket only, and
// FerretDB over it on a loopback port.
func Start(ctx context.Context, opts Options) (*Server, error) {
	bin, err := Binaries()
	if err != nil {
		return nil, err
	}
	logw := opts.Log
	if logw == nil {
		logw = io.Discard
	}
	dir, err := os.MkdirTemp("", "zhifa-docserver-")
	if err != nil {
		return nil, err
	}
	s := &Server{dir: dir, done: make(chan struct{})}
	fail := func(err error) (*Server, error) {
		s.Close()
		return nil, err
	}
	// PostgreSQL refuses to run as root: then it runs as Debian's postgres user.
	var cred *syscall.Credential
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			return fail(fmt.Errorf("running as root, and no postgres user to run PostgreSQL as: %w", err))
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
		if err := os.Chown(dir, uid, gid); err != nil {
			return fail(err)
		}
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		return fail(err)
	}
	run := func(name string, args ...string) *exec.Cmd {
		cmd := exec.Command(filepath.Join(bin, name), args...)
		cmd.Dir = dir
		cmd.Stdout, cmd.Stderr = logw, logw
		if cred != nil {
			cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
		}
		return cmd
	}
	data := filepath.Join(dir, "data")
	if out, err := func() ([]byte, error) {
		cmd := run("initdb", "-D", data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync")
		cmd.Stdout, cmd.Stderr = nil, nil
		return cmd.CombinedOutput()
	}(); err != nil {
		return fail(fmt.Errorf("initdb: %w: %s", err, out))
	}
	// A test cluster: durability is not what is tested.
	s.postgres = run("postgres", "-D", data, "-k", dir, "-c", "listen_addresses=", "-c", "fsync=off",
		"-c", "synchronous_commit=off", "-c", "full_page_writes=off", "-c", "max_connections=300")
	if err := s.postgres.Start(); err != nil {
		return fail(fmt.Errorf("start postgres: %w", err))
	}
	sock := filepath.Join(dir, ".s.PGSQL.5432")
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if c, err := net.Dial("unix", sock); err == nil {
			c.Close()
			break
		}
		if time.Now().After(deadline) {
			return fail(errors.New("PostgreSQL did not start in 30 s"))
		}
	}
	pgURL := (&url.URL{Scheme: "postgres", User: url.User("postgres"), Path: "/postgres", RawQuery: url.Values{"host": {dir}}.Encode()}).String()
	f, err := ferretdb.New(&ferretdb.Config{
		Listener:      ferretdb.ListenerConfig{TCP: "127.0.0.1:0"},
		Handler:       "postgresql",
		PostgreSQLURL: pgURL,
		Logger:        slog.New(slog.NewTextHandler(logw, &slog.HandlerOptions{Level: slog.LevelError})),
	})
	if err != nil {
		return fail(fmt.Errorf("start FerretDB: %w", err))
	}
	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	s.cancel = cancel
	go func() {
		defer close(s.done)
		_ = f.Run(runCtx)
	}()
	s.URI = f.MongoDBURI()
	if opts.Gated {
		u, err := url.Parse(s.URI)
		if err != nil {
			return fail(err)
		}
		if s.gate, err = net.Listen("tcp", "127.0.0.1:0"); err != nil {
			return fail(err)
		}
		go s.serveGate(u.Host)
		u.Host = s.gate.Addr().String()
		s.URI = u.String()
	}
	return s, nil
}

// Close stops FerretDB and PostgreSQL and removes the cluster.
func (s *Server) Close() {
	if s.gate != nil {
		s.gate.Close()
	}
	if s.cancel != nil {
		s.cancel()
		<-s.done
	}
	if s.postgres != nil && s.postgres.Process != nil {
		// SIGQUIT: PostgreSQL's immediate shutdown.
		_ = s.postgres.Process.Signal(syscall.SIGQUIT)
		_ = s.postgres.Wait()
	}
	_ = os.RemoveAll(s.dir)
}

// The wire protocol: a message is a 16-byte header (length, request id, response-to, op code)
// and a body; OP_MSG's body is flag bits and sections, one of kind 0 holding the command.
const (
	opMsg          = 2013
	headerLen      = 16
	maxMessageSize = 48 << 20
)

// writes are the commands that change documents.
var writes = map[string]bool{"insert": true, "update": true, "delete": true, "findAndModify": true, "findandmodify": true}

func (s *Server) serveGate(upstream string) {
	for {
		conn, err := s.gate.Accept()
		if err != nil {
			return
		}
		go s.proxy(conn, upstream)
	}
}

// proxy carries one client connection to FerretDB. A write command takes the gate before it is
// forwarded and gives it back when its reply (the message answering its request id) comes
// back, or the connection ends.
func (s *Server) proxy(client net.Conn, upstream string) {
	defer client.Close()
	server, err := net.Dial("tcp", upstream)
	if err != nil {
		return
	}
	defer server.Close()
	var mu sync.Mutex
	var pending int32
	asks := map[int32]bool{} // buildInfo requests whose replies are rewritten
	holding := false
	release := func() {
		mu.Lock()
		defer mu.Unlock()
		if holding {
			holding = false
			s.gateMu.Unlock()
		}
	}
	defer release()
	go func() {
		defer client.Close()
		defer server.Close()
		for {
			msg, err := readMessage(server)
			if err != nil {
				return
			}
			to := int32(binary.LittleEndian.Uint32(msg[8:12]))
			mu.Lock()
			answered := holding && to == pending
			if asks[to] {
				delete(asks, to)
				msg = asMongoDB(msg)
			}
			mu.Unlock()
			if _, err := client.Write(msg); err != nil {
				return
			}
			if answered {
				release()
			}
		}
	}()
	for {
		msg, err := readMessage(client)
		if err != nil {
			return
		}
		cmd := commandOf(msg)
		if cmd == "buildInfo" || cmd == "buildinfo" {
			mu.Lock()
			asks[int32(binary.LittleEndian.Uint32(msg[4:8]))] = true
			mu.Unlock()
		}
		if writes[cmd] {
			s.gateMu.Lock()
			mu.Lock()
			holding, pending = true, int32(binary.LittleEndian.Uint32(msg[4:8]))
			mu.Unlock()
			s.Writes.Add(1)
		}
		if _, err := server.Write(msg); err != nil {
			return
		}
	}
}

// asMongoDB rewrites a buildInfo reply without its ferretdbVersion: clients that tell FerretDB
// by it (Zhifa takes the embedded engine's one-process paths there) see a server whose writes
// are atomic, which the gate makes this one.
func asMongoDB(msg []byte) []byte {
	if binary.LittleEndian.Uint32(msg[12:16]) != opMsg || len(msg) < headerLen+5 || msg[headerLen+4] != 0 {
		return msg
	}
	var reply bson.D
	if err := bson.Unmarshal(msg[headerLen+5:], &reply); err != nil {
		return msg
	}
	kept := reply[:0]
	for _, e := range reply {
		if e.Key != "ferretdbVersion" && e.Key != "ferretdbFeatures" {
			kept = append(kept, e)
		}
	}
	doc, err := bson.Marshal(kept)
	if err != nil {
		return msg
	}
	out := make([]byte, headerLen+5, headerLen+5+len(doc))
	copy(out, msg[:headerLen])
	binary.LittleEndian.PutUint32(out[headerLen:], binary.LittleEndian.Uint32(msg[headerLen:])&^1) // no checksum
	out[headerLen+4] = 0
	out = append(out, doc...)
	binary.LittleEndian.PutUint32(out[:4], uint32(len(out)))
	return out
}

func readMessage(r io.Reader) ([]byte, error) {
	var head [headerLen]byte
	if _, err := io.ReadFull(r, head[:]); err != nil {
		return nil, err
	}
	n := int(binary.LittleEndian.Uint32(head[:4]))
	if n < headerLen || n > maxMessageSize {
		return nil, fmt.Errorf("a wire message of %d bytes", n)
	}
	msg := make([]byte, n)
	copy(msg, head[:])
	_, err := io.ReadFull(r, msg[headerLen:])
	return msg, err
}

// commandOf is the command an OP_MSG carries: the first key of its kind 0 section.
func commandOf(msg []byte) string {
	if binary.LittleEndian.Uint32(msg[12:16]) != opMsg {
		return ""
	}
	b := msg[headerLen+4:]
	for len(b) > 0 {
		kind := b[0]
		b = b[1:]
		if len(b) < 4 {
			return ""
		}
		size := int(binary.LittleEndian.Uint32(b[:4]))
		if size < 5 || size > len(b) {
			return ""
		}
		if kind == 0 {
			elems, err := bson.Raw(b[:size]).Elements()
			if err != nil || len(elems) == 0 {
				return ""
			}
			return elems[0].Key()
		}
		b = b[size:]
	}
	return ""
}
