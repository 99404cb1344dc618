package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/zhifa/zhifa/domain"
)

type evidenceDoc struct {
	ID           string     `bson:"_id"`
	AgencyID     string     `bson:"agency_id"`
	CaseID       string     `bson:"case_id,omitempty"`
	InspectionID string     `bson:"inspection_id,omitempty"`
	ComplaintID  string     `bson:"complaint_id,omitempty"`
	Kind         string     `bson:"kind"`
	SHA256       string     `bson:"sha256"`
	Size         int64      `bson:"size"`
	ContentType  string     `bson:"content_type"`
	FileName     string     `bson:"file_name,omitempty"`
	CapturedAt   time.Time  `bson:"captured_at"`
	Lat          *float64   `bson:"lat,omitempty"`
	Lng          *float64   `bson:"lng,omitempty"`
	DeviceID     string     `bson:"device_id,omitempty"`
	OfficerIDs   []string   `bson:"officer_ids"`
	Status       string     `bson:"status"`
	Reason       string     `bson:"reason,omitempty"`
	ActualSHA256 string     `bson:"actual_sha256,omitempty"`
	ObjectKey    string     `bson:"object_key,omitempty"`
	RetainUntil  *time.Time `bson:"retain_until,omitempty"`
	Locked       bool       `bson:"locked"`
	LegalHold    bool       `bson:"legal_hold"`
	Thumbnail    bool       `bson:"thumbnail"`
	CreatedBy    string     `bson:"created_by"`
	CreatedAt    time.Time  `bson:"created_at"`
	SettledAt    *time.Time `bson:"settled_at,omitempty"`
	Version      int64      `bson:"version"`
	KeyRing      []byte     `bson:"key_ring,omitempty"`
}

func toEvidenceDoc(e *domain.Evidence) evidenceDoc {
	return evidenceDoc{ID: e.ID, AgencyID: e.AgencyID, CaseID: e.CaseID, InspectionID: e.InspectionID, ComplaintID: e.ComplaintID, Kind: string(e.Kind),
		SHA256: e.SHA256, Size: e.Size, ContentType: e.ContentType, FileName: e.FileName, CapturedAt: asStored(e.CapturedAt),
		Lat: e.Lat, Lng: e.Lng, DeviceID: e.DeviceID, OfficerIDs: nonNil(e.OfficerIDs), Status: string(e.Status), Reason: e.Reason,
		ActualSHA256: e.ActualSHA256, ObjectKey: e.ObjectKey, RetainUntil: timePtr(e.RetainUntil), Locked: e.Locked,
		LegalHold: e.LegalHold, Thumbnail: e.Thumbnail, CreatedBy: e.CreatedBy, CreatedAt: asStored(e.CreatedAt),
		SettledAt: timePtr(e.SettledAt), Version: e.Version, KeyRing: packKeys(e.Keys)}
}

func fromEvidenceDoc(d *evidenceDoc) *domain.Evidence {
	return &domain.Evidence{ID: d.ID, AgencyID: d.AgencyID, CaseID: d.CaseID, InspectionID: d.InspectionID, ComplaintID: d.ComplaintID, Kind: domain.EvidenceKind(d.Kind),
		SHA256: d.SHA256, Size: d.Size, ContentType: d.ContentType, FileName: d.FileName, CapturedAt: d.CapturedAt.UTC(),
		Lat: d.Lat, Lng: d.Lng, DeviceID: d.DeviceID, OfficerIDs: d.OfficerIDs, Status: domain.EvidenceStatus(d.Status), Reason: d.Reason,
		ActualSHA256: d.ActualSHA256, ObjectKey: d.ObjectKey, RetainUntil: timeOf(d.RetainUntil), Locked: d.Locked,
		LegalHold: d.LegalHold, Thumbnail: d.Thumbnail, CreatedBy: d.CreatedBy, CreatedAt: d.CreatedAt.UTC(),
		SettledAt: timeOf(d.SettledAt), Version: d.Version, Keys: unpackKeys(d.KeyRing)}
}

// EvidenceByID returns the evidence. Case evidence is written by the case's commits: the case
// is read first, which rolls forward any commit whose evidence was not yet written.
// Evidence the process holds (evidencecache.go) is as the last write left it.
func (s *Store) EvidenceByID(ctx context.Context, id string) (*domain.Evidence, error) {
	if d, ok := s.evidence.get(id); ok {
		return fromEvidenceDoc(d), nil
	}
	d, err := s.readEvidence(ctx, id)
	if err != nil || d.CaseID == "" {
		return evidenceOf(d, err)
	}
	if _, err := s.CaseByID(ctx, d.CaseID); err != nil {
		return nil, err
	}
	return evidenceOf(s.readEvidence(ctx, id))
}

func (s *Store) readEvidence(ctx context.Context, id string) (*evidenceDoc, error) {
	began := s.evidence.reading()
	d, err := findOne(ctx, s.db.Collection("evidence"), bson.D{{Key: "_id", Value: id}}, asEvidenceDoc, "evidence")
	if err == nil {
		s.evidence.keep(began, d)
	}
	return d, err
}

func asEvidenceDoc(d *evidenceDoc) *evidenceDoc { return d }

func evidenceOf(d *evidenceDoc, err error) (*domain.Evidence, error) {
	if err != nil {
		return nil, err
	}
	return fromEvidenceDoc(d), nil
}

// EvidenceByIDs reads evidence by id, as stored (or held).
func (s *Store) EvidenceByIDs(ctx context.Context, ids []string) ([]*domain.Evidence, error) {
	out := make([]*domain.Evidence, 0, len(ids))
	var missing []string
	for _, id := range ids {
		if d, ok := s.evidence.get(id); ok {
			out = append(out, fromEvidenceDoc(d))
		} else {
			missing = append(missing, id)
		}
	}
	if len(missing) == 0 {
		return out, nil
	}
	began := s.evidence.reading()
	read, err := readByID(ctx, s.db.Collection("evidence"), missing, asEvidenceDoc, "evidence")
	if err != nil {
		return nil, err
	}
	s.evidence.keep(began, read...)
	for _, d := range read {
		out = append(out, fromEvidenceDoc(d))
	}
	return out, nil
}

// EvidenceOf lists the evidence of a case or an inspection, oldest first.
func (s *Store) EvidenceOf(ctx context.Context, kind, id string) ([]*domain.Evidence, error) {
	field := "case_id"
	if kind == "inspection" {
		field = "inspection_id"
	}
	began := s.evidence.reading()
	cur, err := s.db.Collection("evidence").Find(ctx, bson.D{{Key: field, Value: id}},
		options.Find().SetSort(bson.D{{Key: "created_at", Value: 1}, {Key: "_id", Value: 1}}).SetLimit(5000))
	docs, err := findAll(ctx, cur, err, asEvidenceDoc, "evidence")
	if err != nil {
		return nil, err
	}
	s.evidence.keep(began, docs...)
	out := make([]*domain.Evidence, len(docs))
	for i, d := range docs {
		out[i] = fromEvidenceDoc(d)
	}
	return out, nil
}

// SaveEvidence inserts inspection evidence at version 1, or replaces it at its next version.
func (s *Store) SaveEvidence(ctx context.Context, e *domain.Evidence) error {
	done := s.evidence.writing(e.ID)
	if e.Version == 0 {
		e.Version = 1
		d := toEvidenceDoc(e)
		_, err := s.db.Collection("evidence").InsertOne(ctx, d)
		if mongo.IsDuplicateKeyError(err) {
			done(nil)
			e.Version = 0
			return domain.Errorf(domain.Conflict, "evidence with this id already exists")
		}
		if err != nil {
			done(nil)
			return mapErr(err, "evidence")
		}
		done(&d)
		return nil
	}
	e.Version++
	d := toEvidenceDoc(e)
	if err := s.replaceVersioned(ctx, s.db.Collection("evidence"), e.ID, e.Version-1, d, "evidence"); err != nil {
		done(nil)
		e.Version--
		return err
	}
	done(&d)
	return nil
}

// writeEvidence materializes the evidence a case commit carries, unless the stored one is as
// new or newer. Evidence of another case under the same id is left alone: the handler
// refuses a taken id before committing, so only a race of two creates could get here.
func (s *Store) writeEvidence(ctx context.Context, d *evidenceDoc) error {
	c := s.db.Collection("evidence")
	return s.serialize("evidence/"+d.ID, func() error {
		var cur struct {
			CaseID  string `bson:"case_id"`
			Version int64  `bson:"version"`
		}
		held, ok := s.evidence.get(d.ID)
		var stored *evidenceDoc // what the evidence is once this returns, when known
		done := s.evidence.writing(d.ID)
		defer func() { done(stored) }()
		var err error
		if ok {
			cur.CaseID, cur.Version = held.CaseID, held.Version
		} else {
			err = c.FindOne(ctx, bson.D{{Key: "_id", Value: d.ID}}, options.FindOne().SetProjection(bson.D{{Key: "case_id", Value: 1}, {Key: "version", Value: 1}})).Decode(&cur)
		}
		switch {
		case errors.Is(err, mongo.ErrNoDocuments):
			_, err = c.InsertOne(ctx, d)
			if mongo.IsDuplicateKeyError(err) {
				return nil
			}
			if err == nil {
				stored = d
			}
			return err
		case err != nil:
			return err
		case cur.CaseID != d.CaseID || cur.Version >= d.Version:
			stored = held
			return nil
		}
		if s.serialWrites {
			_, err = c.ReplaceOne(ctx, bson.D{{Key: "_id", Value: d.ID}}, d)
		} else {
			_, err = c.ReplaceOne(ctx, bson.D{{Key: "_id", Value: d.ID}, {Key: "version", Value: bson.D{{Key: "$lt", Value: d.Version}}}}, d)
		}
		if err == nil {
			stored = d
		}
		return err
	})
}

type accessDoc struct {
	ID         string    `bson:"_id"`
	EvidenceID string    `bson:"evidence_id"`
	AgencyID   string    `bson:"agency_id"`
	UserID     string    `bson:"user_id"`
	UserName   string    `bson:"user_name,omitempty"`
	At         time.Time `bson:"at"`
	What       string    `bson:"what"`
	From       int64     `bson:"from"`
	To         int64     `bson:"to"`
	Address    string    `bson:"address,omitempty"`
	BodyID     string    `bson:"body_id,omitempty"`
	BodyName   string    `bson:"body_name,omitempty"`
}

// RecordAccess appends one read to the evidence's access log.
func (s *Store) RecordAccess(ctx context.Context, a *domain.EvidenceAccess) error {
	if a.ID == "" {
		// Ids sort as the reads happened: the log is paged in _id order.
		a.ID = fmt.Sprintf("%016x%s", time.Now().UnixNano(), domain.NewID()[16:])
	}
	a.At = asStored(a.At)
	_, err := s.db.Collection("evidence_access").InsertOne(ctx, accessDoc{ID: a.ID, EvidenceID: a.EvidenceID, AgencyID: a.AgencyID,
		UserID: a.UserID, UserName: a.UserName, At: a.At, What: a.What, From: a.From, To: a.To, Address: a.Address, BodyID: a.BodyID, BodyName: a.BodyName})
	return mapErr(err, "access log")
}

// AccessLog pages through the reads of an evidence, oldest first.
func (s *Store) AccessLog(ctx context.Context, evidenceID string, p domain.Page) ([]*domain.EvidenceAccess, string, error) {
	return page(ctx, s.db.Collection("evidence_access"), bson.D{{Key: "evidence_id", Value: evidenceID}}, p,
		func(d *accessDoc) *domain.EvidenceAccess {
			return &domain.EvidenceAccess{ID: d.ID, EvidenceID: d.EvidenceID, AgencyID: d.AgencyID, UserID: d.UserID, At: d.At.UTC(),
				What: d.What, From: d.From, To: d.To, Address: d.Address, BodyID: d.BodyID, BodyName: d.BodyName, UserName: d.UserName}
		}, func(d *accessDoc) string { return d.ID })
}

type uploadPartDoc struct {
	Number int    `bson:"n"`
	ETag   string `bson:"etag"`
	Size   int64  `bson:"size"`
}

type uploadDoc struct {
	ID          string          `bson:"_id"`
	EvidenceID  string          `bson:"evidence_id"`
	AgencyID    string          `bson:"agency_id"`
	UserID      string          `bson:"user_id"`
	Length      int64           `bson:"length"`
	Offset      int64           `bson:"offset"`
	ObjectKey   string          `bson:"object_key"`
	MultipartID string          `bson:"multipart_id"`
	Parts       []uploadPartDoc `bson:"parts"`
	TailKey     string          `bson:"tail_key,omitempty"`
	TailSize    int64           `bson:"tail_size"`
	HashState   []byte          `bson:"hash_state,omitempty"`
	Status      string          `bson:"status"`
	Reason      string          `bson:"reason,omitempty"`
	ExpiresAt   time.Time       `bson:"expires_at"`
	CreatedAt   time.Time       `bson:"created_at"`
	UpdatedAt   time.Time       `bson:"updated_at"`
	LeaseHolder string          `bson:"lease_holder,omitempty"`
	LeaseUntil  *time.Time      `bson:"lease_until,omitempty"`
	Version     int64           `bson:"version"`
}

func toUploadDoc(u *domain.Upload) uploadDoc {
	parts := make([]uploadPartDoc, len(u.Parts))
	for i, p := range u.Parts {
		parts[i] = uploadPartDoc{Number: p.Number, ETag: p.ETag, Size: p.Size}
	}
	return uploadDoc{ID: u.ID, EvidenceID: u.EvidenceID, AgencyID: u.AgencyID, UserID: u.UserID, Length: u.Length, Offset: u.Offset,
		ObjectKey: u.ObjectKey, MultipartID: u.MultipartID, Parts: parts, TailKey: u.TailKey, TailSize: u.TailSize, HashState: u.HashState,
		Status: u.Status, Reason: u.Reason, ExpiresAt: asStored(u.ExpiresAt), CreatedAt: asStored(u.CreatedAt), UpdatedAt: asStored(u.UpdatedAt),
		LeaseHolder: u.LeaseHolder, LeaseUntil: timePtr(u.LeaseUntil), Version: u.Version}
}

func fromUploadDoc(d *uploadDoc) *domain.Upload {
	parts := make([]domain.UploadPart, len(d.Parts))
	for i, p := range d.Parts {
		parts[i] = domain.UploadPart{Number: p.Number, ETag: p.ETag, Size: p.Size}
	}
	return &domain.Upload{ID: d.ID, EvidenceID: d.EvidenceID, AgencyID: d.AgencyID, UserID: d.UserID, Length: d.Length, Offset: d.Offset,
		ObjectKey: d.ObjectKey, MultipartID: d.MultipartID, Parts: parts, TailKey: d.TailKey, TailSize: d.TailSize, HashState: d.HashState,
		Status: d.Status, Reason: d.Reason, ExpiresAt: d.ExpiresAt.UTC(), CreatedAt: d.CreatedAt.UTC(), UpdatedAt: d.UpdatedAt.UTC(),
		LeaseHolder: d.LeaseHolder, LeaseUntil: timeOf(d.LeaseUntil), Version: d.Version}
}

// CreateUpload stores a new upload at version 1.
func (s *Store) CreateUpload(ctx context.Context, u *domain.Upload) error {
	u.Version = 1
	u.CreatedAt, u.UpdatedAt = asStored(time.Now()), asStored(time.Now())
	_, err := s.db.Collection("uploads").InsertOne(ctx, toUploadDoc(u))
	if mongo.IsDuplicateKeyError(err) {
		return domain.Errorf(domain.Conflict, "an upload with this id exists")
	}
	return mapErr(err, "upload")
}

// UploadByID returns the upload or NotFound.
func (s *Store) UploadByID(ctx context.Context, id string) (*domain.Upload, error) {
	return findOne(ctx, s.db.Collection("uploads"), bson.D{{Key: "_id", Value: id}}, fromUploadDoc, "upload")
}

// SaveUpload writes u over the version it was read at; Conflict when another writer came first.
func (s *Store) SaveUpload(ctx context.Context, u *domain.Upload) error {
	u.Version++
	u.UpdatedAt = asStored(time.Now())
	if err := s.replaceVersioned(ctx, s.db.Collection("uploads"), u.ID, u.Version-1, toUploadDoc(u), "upload"); err != nil {
		u.Version--
		return err
	}
	return nil
}

// OpenUploads counts the uploads still receiving bytes and not expired at now, of one evidence
// or (evidenceID empty) of one user, with the bytes they declared.
func (s *Store) OpenUploads(ctx context.Context, evidenceID, userID string, now time.Time) (int, int64, error) {
	match := bson.D{{Key: "status", Value: domain.UploadReceiving}, {Key: "expires_at", Value: bson.D{{Key: "$gt", Value: now}}}}
	if evidenceID != "" {
		match = append(bson.D{{Key: "evidence_id", Value: evidenceID}}, match...)
	} else {
		match = append(bson.D{{Key: "user_id", Value: userID}}, match...)
	}
	// Few by the bounds this serves; summed here, as the embedded engine's $sum of 64-bit
	// integers answers 0.
	cur, err := s.db.Collection("uploads").Find(ctx, match, options.Find().SetProjection(bson.D{{Key: "length", Value: 1}}).SetLimit(10000))
	if err != nil {
		return 0, 0, mapErr(err, "uploads")
	}
	var rows []struct {
		Length int64 `bson:"length"`
	}
	if err := cur.All(ctx, &rows); err != nil {
		return 0, 0, mapErr(err, "uploads")
	}
	var bytes int64
	for _, r := range rows {
		bytes += r.Length
	}
	return len(rows), bytes, nil
}

// DeleteUpload removes the upload's record.
func (s *Store) DeleteUpload(ctx context.Context, id string) error {
	_, err := s.db.Collection("uploads").DeleteOne(ctx, bson.D{{Key: "_id", Value: id}})
	return mapErr(err, "upload")
}

// StaleUploads lists uploads past their expiry, and completing ones not written since
// completingBefore (a crash interrupted them).
func (s *Store) StaleUploads(ctx context.Context, expiredBefore, completingBefore time.Time, limit int) ([]*domain.Upload, error) {
	cur, err := s.db.Collection("uploads").Find(ctx, bson.D{{Key: "$or", Value: bson.A{
		bson.D{{Key: "expires_at", Value: bson.D{{Key: "$lt", Value: expiredBefore}}}},
		bson.D{{Key: "status", Value: domain.UploadCompleting}, {Key: "updated_at", Value: bson.D{{Key: "$lt", Value: completingBefore}}}},
	}}}, options.Find().SetLimit(int64(limit)).SetProjection(bson.D{{Key: "hash_state", Value: 0}}))
	return findAll(ctx, cur, err, fromUploadDoc, "uploads")
}
