package store

import (
	"context"
	"errors"
	"strconv"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// Rate windows: a count per key and fixed window, shared by every instance on the database, so
// that login failures and public request rates hold across instances. One document per key
// and window, {_id: key@start, n, until}; windows that ended are deleted by ForgetHits.

func hitID(key string, from time.Time) string {
	return key + "@" + strconv.FormatInt(from.Unix(), 10)
}

// CountHit adds one to key's count in the window that starts at from and ends at until, and
// returns the count with it.
func (s *Store) CountHit(ctx context.Context, key string, from, until time.Time) (int, error) {
	c := s.db.Collection("limits")
	var d struct {
		N int `bson:"n"`
	}
	var err error
	for range 2 {
		err = c.FindOneAndUpdate(ctx, bson.D{{Key: "_id", Value: hitID(key, from)}},
			bson.D{{Key: "$inc", Value: bson.D{{Key: "n", Value: 1}}}, {Key: "$set", Value: bson.D{{Key: "until", Value: asStored(until)}}}},
			options.FindOneAndUpdate().SetUpsert(true).SetReturnDocument(options.After)).Decode(&d)
		// Two instances inserting the window's first hit at once: one insert wins, the other
		// increments what it inserted.
		if !mongo.IsDuplicateKeyError(err) {
			break
		}
	}
	return d.N, mapErr(err, "rate window")
}

// Hits is key's count in the window that starts at from.
func (s *Store) Hits(ctx context.Context, key string, from time.Time) (int, error) {
	var d struct {
		N int `bson:"n"`
	}
	err := s.db.Collection("limits").FindOne(ctx, bson.D{{Key: "_id", Value: hitID(key, from)}}).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return 0, nil
	}
	return d.N, mapErr(err, "rate window")
}

// ForgetHits deletes the windows that ended before now; it says how many.
func (s *Store) ForgetHits(ctx context.Context, now time.Time) (int, error) {
	res, err := s.db.Collection("limits").DeleteMany(ctx, bson.D{{Key: "until", Value: bson.D{{Key: "$lt", Value: asStored(now)}}}})
	if err != nil {
		return 0, mapErr(err, "rate windows")
	}
	return int(res.DeletedCount), nil
}
