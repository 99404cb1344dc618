package store

import (
	"context"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/zhifa/zhifa/domain"
)

type agencyDoc struct {
	ID                string     `bson:"_id"`
	Name              string     `bson:"name"`
	USCC              string     `bson:"uscc"`
	Kind              string     `bson:"kind,omitempty"`
	District          string     `bson:"district"`
	Town              string     `bson:"town,omitempty"`
	RegionID          string     `bson:"region_id,omitempty"`
	RegionPath        []string   `bson:"region_path,omitempty"`
	LegalBasis        string     `bson:"legal_basis,omitempty"`
	Status            string     `bson:"status"`
	StatusAnnouncedOn *time.Time `bson:"status_announced_on,omitempty"`
	DecisionRole      string     `bson:"decision_role,omitempty"`
	DocNumberPattern  string     `bson:"document_number_pattern,omitempty"`
	Reconsideration   string     `bson:"reconsideration_body,omitempty"`
	Court             string     `bson:"court,omitempty"`
	CreatedAt         time.Time  `bson:"created_at"`
	UpdatedAt         time.Time  `bson:"updated_at"`
	Version           int64      `bson:"version"`
}

func toAgencyDoc(a *domain.Agency) agencyDoc {
	d := agencyDoc{
		ID: a.ID, Name: a.Name, USCC: a.USCC, Kind: string(a.Kind), RegionID: a.RegionID, RegionPath: a.RegionPath, District: a.Jurisdiction.District,
		Town: a.Jurisdiction.Town, LegalBasis: a.LegalBasis, Status: string(a.Status), DecisionRole: string(a.DecisionRole), DocNumberPattern: a.DocumentNumberPattern,
		Reconsideration: a.ReconsiderationBody, Court: a.Court, CreatedAt: a.CreatedAt, UpdatedAt: a.UpdatedAt, Version: a.Version,
	}
	if !a.StatusAnnouncedOn.IsZero() {
		t := a.StatusAnnouncedOn
		d.StatusAnnouncedOn = &t
	}
	return d
}

func fromAgencyDoc(d *agencyDoc) *domain.Agency {
	a := &domain.Agency{
		ID: d.ID, Name: d.Name, USCC: d.USCC, Kind: domain.AgencyKind(d.Kind), RegionID: d.RegionID, RegionPath: d.RegionPath,
		Jurisdiction: domain.Jurisdiction{District: d.District, Town: d.Town},
		LegalBasis:   d.LegalBasis, Status: domain.AgencyStatus(d.Status), DecisionRole: domain.Role(d.DecisionRole), DocumentNumberPattern: d.DocNumberPattern,
		ReconsiderationBody: d.Reconsideration, Court: d.Court, CreatedAt: d.CreatedAt.UTC(), UpdatedAt: d.UpdatedAt.UTC(), Version: d.Version,
	}
	if d.StatusAnnouncedOn != nil {
		a.StatusAnnouncedOn = d.StatusAnnouncedOn.UTC()
	}
	return a
}

// CreateAgency inserts a with a new id; Conflict when the USCC is registered already.
func (s *Store) CreateAgency(ctx context.Context, a *domain.Agency) error {
	now := now()
	a.ID, a.CreatedAt, a.UpdatedAt, a.Version = newID(), now, now, 1
	_, err := s.db.Collection("agencies").InsertOne(ctx, toAgencyDoc(a))
	s.viewsChanged(ctx)
	return mapErr(err, "an agency with this unified social credit code")
}

// AgencyByID returns the agency or NotFound.
func (s *Store) AgencyByID(ctx context.Context, id string) (*domain.Agency, error) {
	return viewedOne(ctx, s, "agencies/"+id, s.db.Collection("agencies"), bson.D{{Key: "_id", Value: id}}, fromAgencyDoc, "agency")
}

// UpdateAgency replaces the agency when its stored version is a.Version; Conflict otherwise.
func (s *Store) UpdateAgency(ctx context.Context, a *domain.Agency) error {
	a.UpdatedAt = now()
	doc := toAgencyDoc(a)
	doc.Version = a.Version + 1
	err := s.replaceVersioned(ctx, s.db.Collection("agencies"), a.ID, a.Version, doc, "agency")
	s.viewsChanged(ctx)
	if err != nil {
		return err
	}
	a.Version = doc.Version
	return nil
}

// ListAgencies lists agencies, all or of one status, in creation order.
func (s *Store) ListAgencies(ctx context.Context, status domain.AgencyStatus, p domain.Page) ([]*domain.Agency, string, error) {
	filter := bson.D{}
	if status != "" {
		filter = append(filter, bson.E{Key: "status", Value: string(status)})
	}
	return page(ctx, s.db.Collection("agencies"), filter, p, fromAgencyDoc, func(d *agencyDoc) string { return d.ID })
}

// AgenciesUnder lists the agencies in the region or below, in creation order.
func (s *Store) AgenciesUnder(ctx context.Context, regionID string, p domain.Page) ([]*domain.Agency, string, error) {
	return page(ctx, s.db.Collection("agencies"), bson.D{{Key: "region_path", Value: regionID}}, p, fromAgencyDoc, func(d *agencyDoc) string { return d.ID })
}

// SupervisorsOver lists the supervisory bodies whose region holds the agency's.
func (s *Store) SupervisorsOver(ctx context.Context, a *domain.Agency) ([]*domain.Agency, error) {
	if len(a.RegionPath) == 0 {
		return nil, nil
	}
	cur, err := s.db.Collection("agencies").Find(ctx, bson.D{{Key: "kind", Value: string(domain.AgencySupervisory)}, {Key: "region_id", Value: bson.D{{Key: "$in", Value: a.RegionPath}}}})
	return findAll(ctx, cur, err, fromAgencyDoc, "agencies")
}
