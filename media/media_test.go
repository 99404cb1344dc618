package media_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/zhifa/zhifa/media"
)

// TestObjectsOnTheEmbeddedGateway: objects land under the gateway's root, are read by range
// and removed; a bucket made with Object Lock keeps a retained object from deletion and
// removes every version of an unretained one (an upload's tail); a bucket without it says so.
func TestObjectsOnTheEmbeddedGateway(t *testing.T) {
	ctx := context.Background()
	gw, err := media.StartEmbedded(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer gw.Close()
	open := func(bucket string, lock bool) *media.Media {
		m, err := media.Connect(ctx, media.Config{Endpoint: gw.Endpoint(), AccessKey: gw.AccessKey(), SecretKey: gw.SecretKey(), Region: gw.Region(), Bucket: bucket, ObjectLock: lock})
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	plain, locked := open("plain", false), open("locked", true)
	if plain.ObjectLock() || !locked.ObjectLock() {
		t.Fatalf("object lock: plain %v, locked %v", plain.ObjectLock(), locked.ObjectLock())
	}
	for _, m := range []*media.Media{plain, locked} {
		if err := m.Put(ctx, "evidence/x", bytes.NewReader([]byte("0123456789")), 10, "application/octet-stream"); err != nil {
			t.Fatal(err)
		}
		r, err := m.Get(ctx, "evidence/x", 3, 5)
		if err != nil {
			t.Fatal(err)
		}
		var b bytes.Buffer
		_, _ = b.ReadFrom(r)
		r.Close()
		if b.String() != "345" {
			t.Fatalf("%s: range 3-5: %q", m.Bucket(), b.String())
		}
		held, err := m.Retain(ctx, "evidence/x", time.Now().Add(time.Hour))
		if err != nil || held != m.ObjectLock() {
			t.Fatalf("%s: retention %v %v", m.Bucket(), held, err)
		}
	}
	if _, err := os.Stat(filepath.Join(gw.Root(), "plain", "evidence", "x")); err != nil {
		t.Fatalf("the object is not under the gateway's root: %v", err)
	}
	if err := plain.Remove(ctx, "evidence/x"); err != nil {
		t.Fatal(err)
	}
	if _, err := plain.Stat(ctx, "evidence/x"); err == nil {
		t.Fatal("a removed object is still there")
	}
	if err := locked.Remove(ctx, "evidence/x"); err == nil {
		t.Fatal("a retained object was deleted")
	}
	if _, err := locked.Stat(ctx, "evidence/x"); err != nil {
		t.Fatalf("the retained object is gone: %v", err)
	}
	if err := locked.Put(ctx, "uploads/u/tail-5", bytes.NewReader([]byte("tail")), 4, "application/octet-stream"); err != nil {
		t.Fatal(err)
	}
	if err := locked.Remove(ctx, "uploads/u/tail-5"); err != nil {
		t.Fatal(err)
	}
	if n, err := locked.Versions(ctx, "uploads/"); err != nil || n != 0 {
		t.Fatalf("%d versions of a removed tail left (%v)", n, err)
	}
	// A bucket removed under a running server is noticed by the readiness check.
	if err := plain.Ping(ctx); err != nil {
		t.Fatalf("ping with the bucket there: %v", err)
	}
	if err := plain.RemoveBucket(ctx); err != nil {
		t.Fatal(err)
	}
	if err := plain.Ping(ctx); err == nil {
		t.Fatal("ping says ready with the bucket gone")
	}
}

// TestTheEmbeddedGatewayMakesNoLinks: its loopback port is no address for a phone.
func TestTheEmbeddedGatewayMakesNoLinks(t *testing.T) {
	m, err := media.Open(context.Background(), media.Config{DataDir: t.TempDir(), Bucket: "zhifa"})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if m.Linkable() {
		t.Fatal("the embedded gateway offers presigned links")
	}
}
