package media

import (
	"context"
	"errors"
	"io"
	"net/url"
	"time"

	"github.com/minio/minio-go/v7"

	"github.com/zhifa/zhifa/domain"
)

// MinPartSize is S3's smallest part but the last.
const MinPartSize = 5 << 20

// objectErr maps an S3 error: a missing object is NotFound, anything else Unavailable (the
// object store did not do what was asked; retrying is safe).
func objectErr(err error, what string) error {
	if err == nil {
		return nil
	}
	var de *domain.Error
	if errors.As(err, &de) {
		return err
	}
	switch minio.ToErrorResponse(err).Code {
	case "NoSuchKey", "NoSuchUpload":
		return domain.Errorf(domain.NotFound, "%s not found", "the stored file").With(nil, err)
	case "InvalidRange":
		return &domain.Error{Code: domain.Invalid, Message: "the range is not satisfiable", Err: err}
	}
	if errors.Is(err, context.Canceled) {
		return &domain.Error{Code: domain.Unavailable, Message: "the request ended before the object store answered", Err: err}
	}
	return domain.Errorf(domain.Unavailable, "the object store did not %s", what).With(nil, err)
}

// StartMultipart begins an S3 multipart upload of key and returns its id.
func (m *Media) StartMultipart(ctx context.Context, key, contentType string) (string, error) {
	id, err := m.core.NewMultipartUpload(ctx, m.bucket, key, minio.PutObjectOptions{ContentType: contentType})
	return id, objectErr(err, "start the upload")
}

// PutPart streams size bytes of r as part number n and returns its ETag.
func (m *Media) PutPart(ctx context.Context, key, uploadID string, n int, r io.Reader, size int64) (string, error) {
	// The part's payload goes unsigned (as minio-go sends it over https anyway): the server
	// hashes every byte for the evidence's SHA-256 already, and a second SHA-256 per part for
	// the signature would double the CPU an upload costs.
	p, err := m.core.PutObjectPart(ctx, m.bucket, key, uploadID, n, r, size, minio.PutObjectPartOptions{DisableContentSha256: true})
	return p.ETag, objectErr(err, "store the part")
}

// CompleteMultipart assembles the parts into the object.
func (m *Media) CompleteMultipart(ctx context.Context, key, uploadID string, parts []domain.UploadPart) error {
	cp := make([]minio.CompletePart, len(parts))
	for i, p := range parts {
		cp[i] = minio.CompletePart{PartNumber: p.Number, ETag: p.ETag}
	}
	_, err := m.core.CompleteMultipartUpload(ctx, m.bucket, key, uploadID, cp, minio.PutObjectOptions{})
	return objectErr(err, "complete the upload")
}

// AbortMultipart discards an unfinished multipart upload; one already gone is no error.
func (m *Media) AbortMultipart(ctx context.Context, key, uploadID string) error {
	err := objectErr(m.core.AbortMultipartUpload(ctx, m.bucket, key, uploadID), "abort the upload")
	if domain.ErrorCode(err) == domain.NotFound {
		return nil
	}
	return err
}

// Put streams size bytes of r into key.
func (m *Media) Put(ctx context.Context, key string, r io.Reader, size int64, contentType string) error {
	_, err := m.client.PutObject(ctx, m.bucket, key, r, size, minio.PutObjectOptions{ContentType: contentType, DisableMultipart: size < 64<<20})
	return objectErr(err, "store the object")
}

// Get reads bytes from..to (inclusive) of key; to < 0 reads to the end.
func (m *Media) Get(ctx context.Context, key string, from, to int64) (io.ReadCloser, error) {
	opts := minio.GetObjectOptions{}
	if from > 0 || to >= 0 {
		if err := opts.SetRange(from, to); err != nil {
			return nil, objectErr(err, "read the object")
		}
	}
	r, _, _, err := m.core.GetObject(ctx, m.bucket, key, opts)
	return r, objectErr(err, "read the object")
}

// Stat returns the size of key; NotFound when there is none.
func (m *Media) Stat(ctx context.Context, key string) (int64, error) {
	info, err := m.client.StatObject(ctx, m.bucket, key, minio.StatObjectOptions{})
	return info.Size, objectErr(err, "find the object")
}

// Remove deletes key; one already gone is no error. In a bucket with Object Lock (versioned)
// every version of key goes, so that a removed tail leaves no noncurrent copy behind.
func (m *Media) Remove(ctx context.Context, key string) error {
	versions := []string{""}
	if m.objectLock {
		versions = versions[:0]
		for o := range m.client.ListObjects(ctx, m.bucket, minio.ListObjectsOptions{Prefix: key, WithVersions: true}) {
			if o.Err != nil {
				return objectErr(o.Err, "list the object's versions")
			}
			if o.Key == key {
				v := o.VersionID
				if v == "null" {
					v = "" // a store that keeps no versions (VersityGW without a versioning dir)
				}
				versions = append(versions, v)
			}
		}
	}
	for _, v := range versions {
		err := objectErr(m.client.RemoveObject(ctx, m.bucket, key, minio.RemoveObjectOptions{VersionID: v}), "remove the object")
		if err != nil && domain.ErrorCode(err) != domain.NotFound {
			return err
		}
	}
	return nil
}

// Retain puts key under S3 Object Lock until the given time, in governance mode, when the
// bucket was made with Object Lock; locked says whether the store now enforces it.
func (m *Media) Retain(ctx context.Context, key string, until time.Time) (locked bool, err error) {
	if !m.objectLock {
		return false, nil
	}
	mode := minio.Governance
	if m.complianceLock {
		mode = minio.Compliance
	}
	until = until.UTC()
	if err := m.client.PutObjectRetention(ctx, m.bucket, key, minio.PutObjectRetentionOptions{Mode: &mode, RetainUntilDate: &until}); err != nil {
		return false, objectErr(err, "lock the object")
	}
	return true, nil
}

// RetainedUntil is the end of key's retention; NotFound when it has none.
func (m *Media) RetainedUntil(ctx context.Context, key string) (time.Time, error) {
	_, until, err := m.client.GetObjectRetention(ctx, m.bucket, key, "")
	if err != nil {
		return time.Time{}, objectErr(err, "read the retention")
	}
	if until == nil {
		return time.Time{}, domain.Errorf(domain.NotFound, "no retention")
	}
	return *until, nil
}

// PresignGet returns a URL that reads key for ttl, offered for download as fileName.
func (m *Media) PresignGet(ctx context.Context, key string, ttl time.Duration, fileName, contentType string) (string, error) {
	q := url.Values{}
	q.Set("response-content-type", contentType)
	if fileName != "" {
		q.Set("response-content-disposition", "attachment; filename*=UTF-8''"+url.PathEscape(fileName))
	}
	signer := m.client
	if m.presigner != nil {
		signer = m.presigner
	}
	u, err := signer.PresignedGetObject(ctx, m.bucket, key, ttl, q)
	if err != nil {
		return "", objectErr(err, "sign a link")
	}
	return u.String(), nil
}

// MultipartUploads counts the unfinished multipart uploads under prefix; tests and the sweeper
// use it.
func (m *Media) MultipartUploads(ctx context.Context, prefix string) (int, error) {
	n := 0
	for u := range m.client.ListIncompleteUploads(ctx, m.bucket, prefix, true) {
		if u.Err != nil {
			return 0, objectErr(u.Err, "list uploads")
		}
		n++
	}
	return n, nil
}

// Versions counts the object versions (delete markers included) under prefix; tests use it.
func (m *Media) Versions(ctx context.Context, prefix string) (int, error) {
	n := 0
	for o := range m.client.ListObjects(ctx, m.bucket, minio.ListObjectsOptions{Prefix: prefix, Recursive: true, WithVersions: true}) {
		if o.Err != nil {
			return 0, objectErr(o.Err, "list versions")
		}
		n++
	}
	return n, nil
}

// ObjectLock says whether the bucket enforces retention.
func (m *Media) ObjectLock() bool { return m.objectLock }

func (m *Media) detectObjectLock(ctx context.Context) {
	enabled, _, _, _, err := m.client.GetObjectLockConfig(ctx, m.bucket)
	m.objectLock = err == nil && enabled == "Enabled"
}

// Linkable says whether presigned links reach the store from outside: an external store, or
// the embedded gateway behind a configured public address.
func (m *Media) Linkable() bool { return m.embedded == nil || m.presigner != nil }
