package store

import (
	"context"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/zhifa/zhifa/domain"
)

type enterpriseDoc struct {
	ID   string `bson:"_id"`
	USCC string `bson:"uscc"`
	// USCCKey is the USCC while the registration holds it (pending or active), unique; a
	// rejected registration's is its id, which frees the code.
	USCCKey             string    `bson:"uscc_key"`
	Name                string    `bson:"name"`
	LegalRepresentative string    `bson:"legal_representative"`
	ContactName         string    `bson:"contact_name"`
	ContactPhone        string    `bson:"contact_phone"`
	RegionID            string    `bson:"region_id"`
	RegionPath          []string  `bson:"region_path"`
	Status              string    `bson:"status"`
	UserID              string    `bson:"user_id"`
	DecidedBy           string    `bson:"decided_by,omitempty"`
	DecidedAt           time.Time `bson:"decided_at,omitempty"`
	Reason              string    `bson:"reason,omitempty"`
	CreatedAt           time.Time `bson:"created_at"`
	Version             int64     `bson:"version"`
}

func toEnterpriseDoc(e *domain.Enterprise) enterpriseDoc {
	key := e.USCC
	if e.Status == domain.EnterpriseRejected {
		key = e.ID
	}
	return enterpriseDoc{ID: e.ID, USCC: e.USCC, USCCKey: key, Name: e.Name, LegalRepresentative: e.LegalRepresentative, ContactName: e.ContactName,
		ContactPhone: e.ContactPhone, RegionID: e.RegionID, RegionPath: e.RegionPath, Status: string(e.Status), UserID: e.UserID, DecidedBy: e.DecidedBy,
		DecidedAt: asStored(e.DecidedAt), Reason: e.Reason, CreatedAt: asStored(e.CreatedAt), Version: e.Version}
}

func fromEnterpriseDoc(d *enterpriseDoc) *domain.Enterprise {
	e := &domain.Enterprise{ID: d.ID, USCC: d.USCC, Name: d.Name, LegalRepresentative: d.LegalRepresentative, ContactName: d.ContactName,
		ContactPhone: d.ContactPhone, RegionID: d.RegionID, RegionPath: d.RegionPath, Status: domain.EnterpriseStatus(d.Status), UserID: d.UserID,
		DecidedBy: d.DecidedBy, Reason: d.Reason, CreatedAt: d.CreatedAt.UTC(), Version: d.Version}
	if !d.DecidedAt.IsZero() {
		e.DecidedAt = d.DecidedAt.UTC()
	}
	return e
}

// CreateEnterprise stores a registration with a new id; Conflict when its USCC is held.
func (s *Store) CreateEnterprise(ctx context.Context, e *domain.Enterprise) error {
	e.ID, e.Version = domain.EnterpriseIDPrefix+newID(), 1
	e.CreatedAt = asStored(e.CreatedAt)
	_, err := s.db.Collection("enterprises").InsertOne(ctx, toEnterpriseDoc(e))
	if err != nil {
		return mapErr(err, "enterprise registration with this USCC")
	}
	return nil
}

// EnterpriseByID returns a registration or NotFound.
func (s *Store) EnterpriseByID(ctx context.Context, id string) (*domain.Enterprise, error) {
	return findOne(ctx, s.db.Collection("enterprises"), bson.D{{Key: "_id", Value: id}}, fromEnterpriseDoc, "enterprise")
}

// EnterpriseByUSCC returns the pending or active registration of a code, or NotFound.
func (s *Store) EnterpriseByUSCC(ctx context.Context, uscc string) (*domain.Enterprise, error) {
	return findOne(ctx, s.db.Collection("enterprises"), bson.D{{Key: "uscc_key", Value: uscc}}, fromEnterpriseDoc, "enterprise")
}

// UpdateEnterprise writes e when its stored version is e.Version; Conflict otherwise.
func (s *Store) UpdateEnterprise(ctx context.Context, e *domain.Enterprise) error {
	doc := toEnterpriseDoc(e)
	doc.Version = e.Version + 1
	if err := s.replaceVersioned(ctx, s.db.Collection("enterprises"), e.ID, e.Version, doc, "enterprise"); err != nil {
		return err
	}
	e.Version = doc.Version
	return nil
}

// DeleteEnterprise removes a registration.
func (s *Store) DeleteEnterprise(ctx context.Context, id string) error {
	_, err := s.db.Collection("enterprises").DeleteOne(ctx, bson.D{{Key: "_id", Value: id}})
	return mapErr(err, "enterprise")
}

// ListEnterprises lists registrations in creation order. A search by name is answered from
// the index of the region (or of the USCC) and then the names of the region's enterprises.
func (s *Store) ListEnterprises(ctx context.Context, f domain.EnterpriseFilter, p domain.Page) ([]*domain.Enterprise, string, error) {
	return page(ctx, s.db.Collection("enterprises"), enterpriseQuery(f), p, fromEnterpriseDoc, func(d *enterpriseDoc) string { return d.ID })
}

// enterpriseQuery is the database query of f, for the list and its count.
func enterpriseQuery(f domain.EnterpriseFilter) bson.D {
	filter := bson.D{}
	if f.RegionID != "" {
		filter = append(filter, bson.E{Key: "region_path", Value: f.RegionID})
	}
	if f.Status != "" {
		filter = append(filter, bson.E{Key: "status", Value: string(f.Status)})
	}
	if f.USCC != "" {
		filter = append(filter, bson.E{Key: "uscc", Value: f.USCC})
	}
	if f.Name != "" {
		filter = append(filter, namePartsFilter("name", f.Name))
	}
	return filter
}
