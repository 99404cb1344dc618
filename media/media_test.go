package media_test

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/zhifa/zhifa/media"
)

// TestObjectsOnTheEmbeddedGateway: objects go in, are read by range, removed; a bucket without
// Object Lock says so, and retention there is recorded as not enforced rather than failing.
func TestObjectsOnTheEmbeddedGateway(t *testing.T) {
	ctx := context.Background()
	gw, err := media.StartEmbedded(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer gw.Close()
	m, err := media.Connect(ctx, media.Config{Endpoint: gw.Endpoint(), AccessKey: gw.AccessKey(), SecretKey: gw.SecretKey(), Region: gw.Region(), Bucket: "plain"})
	if err != nil {
		t.Fatal(err)
	}
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
		t.Fatalf("range 3-5: %q", b.String())
	}
	locked, err := m.Retain(ctx, "evidence/x", time.Now().Add(time.Hour))
	if err != nil || locked || m.ObjectLock() {
		t.Fatalf("retention on a bucket without Object Lock: %v %v", locked, err)
	}
	if err := m.Remove(ctx, "evidence/x"); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Stat(ctx, "evidence/x"); err == nil {
		t.Fatal("a removed object is still there")
	}
	if err := m.Remove(ctx, "evidence/x"); err != nil {
		t.Fatalf("removing what is gone: %v", err)
	}
}
