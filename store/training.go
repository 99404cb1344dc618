package store

import (
	"context"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/zhifa/zhifa/domain"
)

type trainingDoc struct {
	ID        string    `bson:"_id"`
	OfficerID string    `bson:"officer_id"`
	AgencyID  string    `bson:"agency_id"`
	Year      int       `bson:"year"`
	Topic     string    `bson:"topic"`
	Hours     float64   `bson:"hours"`
	Date      time.Time `bson:"date"`
	CreatedAt time.Time `bson:"created_at"`
}

func (s *Store) training() *mongo.Collection { return s.db.Collection("training") }

// AddTraining inserts a training record with a new id.
func (s *Store) AddTraining(ctx context.Context, t *domain.TrainingRecord) error {
	t.ID, t.CreatedAt = newID(), now()
	_, err := s.training().InsertOne(ctx, trainingDoc{
		ID: t.ID, OfficerID: t.OfficerID, AgencyID: t.AgencyID, Year: t.Date.Year(),
		Topic: t.Topic, Hours: t.Hours, Date: t.Date, CreatedAt: t.CreatedAt,
	})
	return mapErr(err, "training record")
}

// TrainingOf lists an officer's training in a year, by date.
func (s *Store) TrainingOf(ctx context.Context, officerID string, year int) ([]*domain.TrainingRecord, error) {
	cur, err := s.training().Find(ctx, bson.D{{Key: "officer_id", Value: officerID}, {Key: "year", Value: year}},
		options.Find().SetSort(bson.D{{Key: "date", Value: 1}, {Key: "_id", Value: 1}}))
	if err != nil {
		return nil, mapErr(err, "training")
	}
	var docs []trainingDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, mapErr(err, "training")
	}
	out := make([]*domain.TrainingRecord, len(docs))
	for i, d := range docs {
		out[i] = &domain.TrainingRecord{
			ID: d.ID, OfficerID: d.OfficerID, AgencyID: d.AgencyID, Topic: d.Topic,
			Hours: d.Hours, Date: d.Date.UTC(), CreatedAt: d.CreatedAt.UTC(),
		}
	}
	return out, nil
}

// TrainingHours sums each officer's hours in an agency and year.
func (s *Store) TrainingHours(ctx context.Context, agencyID string, year int) (map[string]float64, error) {
	cur, err := s.training().Aggregate(ctx, mongo.Pipeline{
		{{Key: "$match", Value: bson.D{{Key: "agency_id", Value: agencyID}, {Key: "year", Value: year}}}},
		{{Key: "$group", Value: bson.D{{Key: "_id", Value: "$officer_id"}, {Key: "hours", Value: bson.D{{Key: "$sum", Value: "$hours"}}}}}},
	})
	if err != nil {
		return nil, mapErr(err, "training")
	}
	var rows []struct {
		OfficerID string  `bson:"_id"`
		Hours     float64 `bson:"hours"`
	}
	if err := cur.All(ctx, &rows); err != nil {
		return nil, mapErr(err, "training")
	}
	out := make(map[string]float64, len(rows))
	for _, r := range rows {
		out[r.OfficerID] = r.Hours
	}
	return out, nil
}
