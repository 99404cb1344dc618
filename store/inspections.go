package store

import (
	"context"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/zhifa/zhifa/domain"
)

type checkInDoc struct {
	OfficerID string    `bson:"officer_id"`
	At        time.Time `bson:"at"`
	Lat       float64   `bson:"lat"`
	Lng       float64   `bson:"lng"`
	DeviceID  string    `bson:"device_id,omitempty"`
}

type inspectionDoc struct {
	ID             string       `bson:"_id"`
	AgencyID       string       `bson:"agency_id"`
	MatterID       string       `bson:"matter_id"`
	EnterpriseUSCC string       `bson:"enterprise_uscc"`
	EnterpriseName string       `bson:"enterprise_name"`
	PlannedOn      time.Time    `bson:"planned_on"`
	OfficerIDs     []string     `bson:"officer_ids"`
	Status         string       `bson:"status"`
	CheckIns       []checkInDoc `bson:"check_ins"`
	Outcome        string       `bson:"outcome,omitempty"`
	Notes          string       `bson:"notes,omitempty"`
	CreatedBy      string       `bson:"created_by"`
	CreatedAt      time.Time    `bson:"created_at"`
	UpdatedAt      time.Time    `bson:"updated_at"`
	Version        int64        `bson:"version"`
}

func toInspectionDoc(in *domain.Inspection) inspectionDoc {
	d := inspectionDoc{ID: in.ID, AgencyID: in.AgencyID, MatterID: in.MatterID, EnterpriseUSCC: in.EnterpriseUSCC, EnterpriseName: in.EnterpriseName,
		PlannedOn: in.PlannedOn, OfficerIDs: nonNil(in.OfficerIDs), Status: string(in.Status), CheckIns: []checkInDoc{}, Outcome: in.Outcome, Notes: in.Notes,
		CreatedBy: in.CreatedBy, CreatedAt: in.CreatedAt, UpdatedAt: in.UpdatedAt, Version: in.Version}
	for _, c := range in.CheckIns {
		d.CheckIns = append(d.CheckIns, checkInDoc{OfficerID: c.OfficerID, At: c.At, Lat: c.Lat, Lng: c.Lng, DeviceID: c.DeviceID})
	}
	return d
}

func fromInspectionDoc(d *inspectionDoc) *domain.Inspection {
	in := &domain.Inspection{ID: d.ID, AgencyID: d.AgencyID, MatterID: d.MatterID, EnterpriseUSCC: d.EnterpriseUSCC, EnterpriseName: d.EnterpriseName,
		PlannedOn: d.PlannedOn.UTC(), OfficerIDs: d.OfficerIDs, Status: domain.InspectionStatus(d.Status), Outcome: d.Outcome, Notes: d.Notes,
		CreatedBy: d.CreatedBy, CreatedAt: d.CreatedAt.UTC(), UpdatedAt: d.UpdatedAt.UTC(), Version: d.Version}
	for _, c := range d.CheckIns {
		in.CheckIns = append(in.CheckIns, domain.CheckIn{OfficerID: c.OfficerID, At: c.At.UTC(), Lat: c.Lat, Lng: c.Lng, DeviceID: c.DeviceID})
	}
	return in
}

// CreateInspection inserts a plan.
func (s *Store) CreateInspection(ctx context.Context, in *domain.Inspection) error {
	if in.ID == "" {
		in.ID = newID()
	}
	now := time.Now().UTC()
	in.CreatedAt, in.UpdatedAt, in.Version = now, now, 1
	_, err := s.db.Collection("inspections").InsertOne(ctx, toInspectionDoc(in))
	return mapErr(err, "an inspection with this id")
}

// InspectionByID returns the inspection or NotFound.
func (s *Store) InspectionByID(ctx context.Context, id string) (*domain.Inspection, error) {
	return findOne(ctx, s.db.Collection("inspections"), bson.D{{Key: "_id", Value: id}}, fromInspectionDoc, "inspection")
}

// UpdateInspection replaces the inspection at its version.
func (s *Store) UpdateInspection(ctx context.Context, in *domain.Inspection) error {
	in.UpdatedAt = time.Now().UTC()
	d := toInspectionDoc(in)
	d.Version++
	if err := s.replaceVersioned(ctx, s.db.Collection("inspections"), in.ID, in.Version, d, "inspection"); err != nil {
		return err
	}
	in.Version = d.Version
	return nil
}

// ListInspections lists an agency's inspections.
func (s *Store) ListInspections(ctx context.Context, agencyID string, p domain.Page) ([]*domain.Inspection, string, error) {
	return page(ctx, s.db.Collection("inspections"), bson.D{{Key: "agency_id", Value: agencyID}}, p, fromInspectionDoc, func(d *inspectionDoc) string { return d.ID })
}

// InspectionsOfEnterprise lists any agency's live inspections of an enterprise planned in [from, to].
func (s *Store) InspectionsOfEnterprise(ctx context.Context, uscc string, from, to time.Time) ([]*domain.Inspection, error) {
	cur, err := s.db.Collection("inspections").Find(ctx, bson.D{
		{Key: "enterprise_uscc", Value: uscc},
		{Key: "planned_on", Value: bson.D{{Key: "$gte", Value: from}, {Key: "$lte", Value: to}}},
		{Key: "status", Value: bson.D{{Key: "$ne", Value: string(domain.InspectionCancelled)}}},
	}, options.Find().SetSort(bson.D{{Key: "planned_on", Value: 1}}).SetLimit(20))
	return findAll(ctx, cur, err, fromInspectionDoc, "inspections")
}
