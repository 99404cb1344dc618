// Package media keeps evidence objects in S3 through minio-go: MinIO in production, an
// embedded VersityGW gateway on loopback when no endpoint is configured.
package media

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/zhifa/zhifa/domain"
)

// Config says where the objects live.
type Config struct {
	// Endpoint is an S3 URL such as https://minio:9000; empty starts the embedded gateway.
	Endpoint  string
	AccessKey string
	SecretKey string
	Region    string
	Bucket    string
	DataDir   string
	Logger    *slog.Logger
	// ObjectLock makes a new bucket with S3 Object Lock, so that completed evidence is kept
	// under retention the store enforces; Compliance uses compliance mode instead of governance.
	ObjectLock bool
	Compliance bool
	// PublicEndpoint is the S3 address phones reach (a proxy in front of the store, say);
	// presigned links are signed for it. Empty signs them for Endpoint, or, for the embedded
	// gateway, makes none: the API serves the bytes itself.
	PublicEndpoint string
}

// Media is the S3 object store of one bucket.
type Media struct {
	client   *minio.Client
	core     minio.Core
	bucket   string
	engine   string
	embedded *Embedded
	// presigner signs links for the public endpoint; it never connects.
	presigner      *minio.Client
	objectLock     bool
	complianceLock bool
}

// Open connects to the configured S3 endpoint, or starts the embedded gateway, and makes sure
// the bucket exists.
func Open(ctx context.Context, cfg Config) (*Media, error) {
	engine := "s3"
	var emb *Embedded
	if cfg.Endpoint == "" {
		var err error
		emb, err = StartEmbedded(ctx, cfg.DataDir)
		if err != nil {
			return nil, err
		}
		cfg.Endpoint, cfg.AccessKey, cfg.SecretKey, cfg.Region = emb.Endpoint(), emb.AccessKey(), emb.SecretKey(), emb.Region()
		engine = "versitygw-embedded"
	}
	m, err := Connect(ctx, cfg)
	if err != nil {
		if emb != nil {
			emb.Close()
		}
		return nil, err
	}
	m.engine, m.embedded = engine, emb
	return m, nil
}

// Connect opens the bucket at cfg.Endpoint, creating it when missing.
func Connect(ctx context.Context, cfg Config) (*Media, error) {
	u, err := url.Parse(cfg.Endpoint)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("S3 endpoint %q is not an http(s) URL", cfg.Endpoint)
	}
	region := cfg.Region
	if region == "" {
		region = "us-east-1"
	}
	tr, err := minio.DefaultTransport(u.Scheme == "https")
	if err != nil {
		return nil, fmt.Errorf("S3 transport: %w", err)
	}
	// Parts stream through: large write buffers mean fewer, larger writes to the store.
	tr.WriteBufferSize, tr.ReadBufferSize = 256<<10, 256<<10
	client, err := minio.New(u.Host, &minio.Options{
		Creds:     credentials.NewStaticV4(cfg.AccessKey, cfg.SecretKey, ""),
		Secure:    u.Scheme == "https",
		Region:    region,
		Transport: tr,
	})
	if err != nil {
		return nil, fmt.Errorf("S3 client: %w", err)
	}
	m := &Media{client: client, core: minio.Core{Client: client}, bucket: cfg.Bucket, engine: "s3", complianceLock: cfg.Compliance}
	if cfg.PublicEndpoint != "" {
		pu, err := url.Parse(cfg.PublicEndpoint)
		if err != nil || (pu.Scheme != "http" && pu.Scheme != "https") || pu.Host == "" {
			return nil, fmt.Errorf("S3 public endpoint %q is not an http(s) URL", cfg.PublicEndpoint)
		}
		// With the region given, presigning computes the signature without asking the store.
		if m.presigner, err = minio.New(pu.Host, &minio.Options{Creds: credentials.NewStaticV4(cfg.AccessKey, cfg.SecretKey, ""),
			Secure: pu.Scheme == "https", Region: region}); err != nil {
			return nil, fmt.Errorf("S3 public client: %w", err)
		}
	}
	if err := m.ensureBucket(ctx, region, cfg.ObjectLock); err != nil {
		return nil, err
	}
	m.detectObjectLock(ctx)
	return m, nil
}

func (m *Media) ensureBucket(ctx context.Context, region string, lock bool) error {
	ok, err := m.client.BucketExists(ctx, m.bucket)
	if err != nil {
		return fmt.Errorf("check bucket %s: %w", m.bucket, err)
	}
	if ok {
		return nil
	}
	err = m.client.MakeBucket(ctx, m.bucket, minio.MakeBucketOptions{Region: region, ObjectLocking: lock})
	if err != nil && lock && minio.ToErrorResponse(err).Code != "BucketAlreadyOwnedByYou" {
		// A store without Object Lock: evidence is still immutable through the API.
		err = m.client.MakeBucket(ctx, m.bucket, minio.MakeBucketOptions{Region: region})
	}
	if err != nil {
		if resp := minio.ToErrorResponse(err); resp.Code == "BucketAlreadyOwnedByYou" {
			return nil
		}
		return fmt.Errorf("create bucket %s: %w", m.bucket, err)
	}
	return nil
}

// Engine names the object store in use, for the start-up log.
func (m *Media) Engine() string { return m.engine }

// Bucket is the bucket's name.
func (m *Media) Bucket() string { return m.bucket }

// Ping reports whether the bucket answers; Unavailable when the store does not answer or the
// bucket is gone (an answering store without the bucket takes no evidence either).
func (m *Media) Ping(ctx context.Context) error {
	ok, err := m.client.BucketExists(ctx, m.bucket)
	if err != nil {
		return &domain.Error{Code: domain.Unavailable, Message: "the object store does not answer", Err: err}
	}
	if !ok {
		return &domain.Error{Code: domain.Unavailable, Message: "the bucket is missing from the object store"}
	}
	return nil
}

// RemoveBucket deletes every object and the bucket; tests use it to clean up.
func (m *Media) RemoveBucket(ctx context.Context) error {
	return m.client.RemoveBucketWithOptions(ctx, m.bucket, minio.RemoveBucketOptions{ForceDelete: true})
}

// Close stops the embedded gateway, if any.
func (m *Media) Close() {
	if m.embedded != nil {
		m.embedded.Close()
	}
}
