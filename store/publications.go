package store

import (
	"context"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/zhifa/zhifa/domain"
)

type publicationDoc struct {
	ID             string    `bson:"_id"`
	AgencyID       string    `bson:"agency_id"`
	AgencyName     string    `bson:"agency_name"`
	CaseNumber     string    `bson:"case_number"`
	DocumentNumber string    `bson:"document_number,omitempty"`
	DocumentHash   string    `bson:"document_hash,omitempty"`
	PartyKind      string    `bson:"party_kind"`
	PartyName      string    `bson:"party_name"`
	PartyUSCC      string    `bson:"party_uscc,omitempty"`
	Violation      string    `bson:"violation"`
	LegalBasis     string    `bson:"legal_basis,omitempty"`
	Penalties      []string  `bson:"penalties"`
	Fine           int64     `bson:"fine"`
	DecidedAt      time.Time `bson:"decided_at"`
	DueBy          time.Time `bson:"due_by"`
	PublishedAt    time.Time `bson:"published_at"`
	Withdrawn      bool      `bson:"withdrawn"`
	WithdrawnAt    time.Time `bson:"withdrawn_at,omitempty"`
	WithdrawnFor   string    `bson:"withdrawn_for,omitempty"`
}

func fromPublicationDoc(d *publicationDoc) *domain.Publication {
	p := &domain.Publication{ID: d.ID, AgencyID: d.AgencyID, AgencyName: d.AgencyName, CaseNumber: d.CaseNumber, DocumentNumber: d.DocumentNumber,
		DocumentHash: d.DocumentHash, PartyKind: d.PartyKind, PartyName: d.PartyName, PartyUSCC: d.PartyUSCC, Violation: d.Violation,
		LegalBasis: d.LegalBasis, Penalties: d.Penalties, Fine: d.Fine, DecidedAt: d.DecidedAt.UTC(), DueBy: d.DueBy.UTC(),
		PublishedAt: d.PublishedAt.UTC(), WithdrawnFor: d.WithdrawnFor}
	if d.Withdrawn {
		p.WithdrawnAt = d.WithdrawnAt.UTC()
	}
	return p
}

// CreatePublication stores a publication; Conflict when the case's decision is published.
func (s *Store) CreatePublication(ctx context.Context, p *domain.Publication) error {
	_, err := s.db.Collection("publications").InsertOne(ctx, publicationDoc{ID: p.ID, AgencyID: p.AgencyID, AgencyName: p.AgencyName,
		CaseNumber: p.CaseNumber, DocumentNumber: p.DocumentNumber, DocumentHash: p.DocumentHash, PartyKind: p.PartyKind, PartyName: p.PartyName,
		PartyUSCC: p.PartyUSCC, Violation: p.Violation, LegalBasis: p.LegalBasis, Penalties: p.Penalties, Fine: p.Fine,
		DecidedAt: asStored(p.DecidedAt), DueBy: asStored(p.DueBy), PublishedAt: asStored(p.PublishedAt)})
	return mapErr(err, "publication")
}

// PublicationByID returns a publication or NotFound.
func (s *Store) PublicationByID(ctx context.Context, id string) (*domain.Publication, error) {
	return findOne(ctx, s.db.Collection("publications"), bson.D{{Key: "_id", Value: id}}, fromPublicationDoc, "publication")
}

// PublicationByHash finds the publication of a decision document by its hash.
func (s *Store) PublicationByHash(ctx context.Context, hash string) (*domain.Publication, error) {
	return findOne(ctx, s.db.Collection("publications"), bson.D{{Key: "document_hash", Value: hash}}, fromPublicationDoc, "publication")
}

// WithdrawPublication marks a publication withdrawn; a second withdrawal changes nothing.
func (s *Store) WithdrawPublication(ctx context.Context, id, reason string, at time.Time) error {
	_, err := s.db.Collection("publications").UpdateOne(ctx, bson.D{{Key: "_id", Value: id}, {Key: "withdrawn", Value: false}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "withdrawn", Value: true}, {Key: "withdrawn_at", Value: asStored(at)}, {Key: "withdrawn_for", Value: reason}}}})
	return mapErr(err, "publication")
}

// ListPublications lists publications newest first.
func (s *Store) ListPublications(ctx context.Context, agencyID string, withdrawn bool, p domain.Page) ([]*domain.Publication, string, error) {
	filter := bson.D{}
	if agencyID != "" {
		filter = append(filter, bson.E{Key: "agency_id", Value: agencyID})
	}
	if !withdrawn {
		filter = append(filter, bson.E{Key: "withdrawn", Value: false})
	}
	return pageByTime(ctx, s.db.Collection("publications"), filter, "published_at", -1, p, fromPublicationDoc,
		func(d *publicationDoc) (time.Time, string) { return d.PublishedAt, d.ID })
}
