package store

import (
	"context"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/zhifa/zhifa/domain"
)

// adjustmentDoc keeps the derived id in key (unique) and a time-ordered _id, so the records
// page in the order they were made.
type adjustmentDoc struct {
	ID          string    `bson:"_id"`
	Key         string    `bson:"key"`
	AgencyID    string    `bson:"agency_id"`
	Subject     string    `bson:"subject"`
	SubjectID   string    `bson:"subject_id"`
	SubjectName string    `bson:"subject_name"`
	Field       string    `bson:"field"`
	Before      string    `bson:"before"`
	After       string    `bson:"after"`
	ActorID     string    `bson:"actor_id"`
	ActorName   string    `bson:"actor_name"`
	At          time.Time `bson:"at"`
	Bodies      []string  `bson:"bodies"`
}

func fromAdjustmentDoc(d *adjustmentDoc) *domain.Adjustment {
	return &domain.Adjustment{ID: d.Key, AgencyID: d.AgencyID, Subject: domain.AdjustmentSubject(d.Subject), SubjectID: d.SubjectID,
		SubjectName: d.SubjectName, Field: d.Field, Before: d.Before, After: d.After, ActorID: d.ActorID, ActorName: d.ActorName,
		At: d.At.UTC(), Bodies: d.Bodies}
}

func (s *Store) adjustments() *mongo.Collection { return s.db.Collection("adjustments") }

// RecordAdjustment stores a under its derived id; a record stored under that id before stays.
func (s *Store) RecordAdjustment(ctx context.Context, a *domain.Adjustment) error {
	_, err := s.adjustments().InsertOne(ctx, adjustmentDoc{
		ID: newID(), Key: a.ID, AgencyID: a.AgencyID, Subject: string(a.Subject), SubjectID: a.SubjectID, SubjectName: a.SubjectName,
		Field: a.Field, Before: a.Before, After: a.After, ActorID: a.ActorID, ActorName: a.ActorName, At: a.At, Bodies: a.Bodies,
	})
	if mongo.IsDuplicateKeyError(err) {
		return nil
	}
	return mapErr(err, "adjustment")
}

// DeleteAdjustment removes the record with the derived id.
func (s *Store) DeleteAdjustment(ctx context.Context, id string) error {
	_, err := s.adjustments().DeleteOne(ctx, bson.D{{Key: "key", Value: id}})
	return mapErr(err, "adjustment")
}

// AdjustmentByID returns the record with the derived id, or NotFound.
func (s *Store) AdjustmentByID(ctx context.Context, id string) (*domain.Adjustment, error) {
	return findOne(ctx, s.adjustments(), bson.D{{Key: "key", Value: id}}, fromAdjustmentDoc, "adjustment")
}

// AdjustmentsOf lists an agency's adjustment records, oldest first.
func (s *Store) AdjustmentsOf(ctx context.Context, agencyID string, p domain.Page) ([]*domain.Adjustment, string, error) {
	return page(ctx, s.adjustments(), bson.D{{Key: "agency_id", Value: agencyID}}, p, fromAdjustmentDoc, func(d *adjustmentDoc) string { return d.ID })
}
