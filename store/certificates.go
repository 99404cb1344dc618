package store

import (
	"context"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/zhifa/zhifa/domain"
)

// certificateDoc is keyed by the certificate number, so a number can be issued only once.
type certificateDoc struct {
	Number       string    `bson:"_id"`
	OfficerID    string    `bson:"officer_id"`
	AgencyID     string    `bson:"agency_id"`
	IssuedOn     time.Time `bson:"issued_on"`
	ExpiresOn    time.Time `bson:"expires_on"`
	Status       string    `bson:"status"`
	StatusReason string    `bson:"status_reason,omitempty"`
	UpdatedAt    time.Time `bson:"updated_at"`
}

func toCertificateDoc(c *domain.Certificate) certificateDoc {
	return certificateDoc{
		Number: c.Number, OfficerID: c.OfficerID, AgencyID: c.AgencyID, IssuedOn: c.IssuedOn,
		ExpiresOn: c.ExpiresOn, Status: string(c.Status), StatusReason: c.StatusReason, UpdatedAt: c.UpdatedAt,
	}
}

func fromCertificateDoc(d *certificateDoc) *domain.Certificate {
	return &domain.Certificate{
		Number: d.Number, OfficerID: d.OfficerID, AgencyID: d.AgencyID, IssuedOn: d.IssuedOn.UTC(),
		ExpiresOn: d.ExpiresOn.UTC(), Status: domain.CertificateStatus(d.Status),
		StatusReason: d.StatusReason, UpdatedAt: d.UpdatedAt.UTC(),
	}
}

// CreateCertificate inserts c; Conflict when the number was issued before.
func (s *Store) CreateCertificate(ctx context.Context, c *domain.Certificate) error {
	c.UpdatedAt = now()
	_, err := s.db.Collection("certificates").InsertOne(ctx, toCertificateDoc(c))
	s.viewsChanged(ctx)
	return mapErr(err, "a certificate with this number")
}

// UpdateCertificate replaces the certificate with c's number; NotFound when there is none.
func (s *Store) UpdateCertificate(ctx context.Context, c *domain.Certificate) error {
	c.UpdatedAt = now()
	res, err := s.db.Collection("certificates").ReplaceOne(ctx, bson.D{{Key: "_id", Value: c.Number}}, toCertificateDoc(c))
	s.viewsChanged(ctx)
	if err != nil {
		return mapErr(err, "certificate")
	}
	if res.MatchedCount == 0 {
		return domain.Errorf(domain.NotFound, "certificate not found")
	}
	return nil
}

// CertificateByNumber returns the certificate or NotFound.
func (s *Store) CertificateByNumber(ctx context.Context, number string) (*domain.Certificate, error) {
	return viewedOne(ctx, s, "certificates/"+number, s.db.Collection("certificates"), bson.D{{Key: "_id", Value: number}}, fromCertificateDoc, "certificate")
}
