package store

import (
	"context"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/zhifa/zhifa/domain"
)

type supervisorReadDoc struct {
	ID       string    `bson:"_id"`
	AgencyID string    `bson:"agency_id"`
	CaseID   string    `bson:"case_id,omitempty"`
	What     string    `bson:"what"`
	ObjectID string    `bson:"object_id"`
	UserID   string    `bson:"user_id"`
	UserName string    `bson:"user_name,omitempty"`
	BodyID   string    `bson:"body_id"`
	BodyName string    `bson:"body_name"`
	At       time.Time `bson:"at"`
}

// RecordSupervisorRead appends one supervisor's read to the log.
func (s *Store) RecordSupervisorRead(ctx context.Context, r *domain.SupervisorRead) error {
	if r.ID == "" {
		// Ids sort as the reads happened: the log is paged in _id order.
		r.ID = fmt.Sprintf("%016x%s", time.Now().UnixNano(), domain.NewID()[16:])
	}
	r.At = asStored(r.At)
	_, err := s.db.Collection("supervisor_reads").InsertOne(ctx, supervisorReadDoc{ID: r.ID, AgencyID: r.AgencyID, CaseID: r.CaseID, What: r.What,
		ObjectID: r.ObjectID, UserID: r.UserID, UserName: r.UserName, BodyID: r.BodyID, BodyName: r.BodyName, At: r.At})
	return mapErr(err, "supervisor read")
}

// ListSupervisorReads pages through the reads the filter matches, oldest first.
func (s *Store) ListSupervisorReads(ctx context.Context, f domain.SupervisorReadFilter, p domain.Page) ([]*domain.SupervisorRead, string, error) {
	filter := bson.D{}
	for _, kv := range []struct{ key, value string }{{"agency_id", f.AgencyID}, {"body_id", f.BodyID}, {"case_id", f.CaseID}} {
		if kv.value != "" {
			filter = append(filter, bson.E{Key: kv.key, Value: kv.value})
		}
	}
	return page(ctx, s.db.Collection("supervisor_reads"), filter, p, func(d *supervisorReadDoc) *domain.SupervisorRead {
		return &domain.SupervisorRead{ID: d.ID, AgencyID: d.AgencyID, CaseID: d.CaseID, What: d.What, ObjectID: d.ObjectID, UserID: d.UserID,
			UserName: d.UserName, BodyID: d.BodyID, BodyName: d.BodyName, At: d.At.UTC()}
	}, func(d *supervisorReadDoc) string { return d.ID })
}
