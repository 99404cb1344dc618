package store

import (
	"context"
	"errors"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/zhifa/zhifa/domain"
)

type idempotencyDoc struct {
	Key         string    `bson:"_id"`
	RequestHash string    `bson:"request_hash"`
	Done        bool      `bson:"done"`
	Status      int       `bson:"status,omitempty"`
	ContentType string    `bson:"content_type,omitempty"`
	Location    string    `bson:"location,omitempty"`
	Body        []byte    `bson:"body,omitempty"`
	StartedAt   time.Time `bson:"started_at"`
	ExpiresAt   time.Time `bson:"expires_at"`
	// Instance and Life name the process that claimed the key.
	Instance string `bson:"instance,omitempty"`
	Life     string `bson:"life,omitempty"`
}

// idempotencyTTL is how long a finished request can be replayed.
const idempotencyTTL = 24 * time.Hour

func fromIdempotencyDoc(d *idempotencyDoc) *domain.IdempotentRecord {
	return &domain.IdempotentRecord{Key: d.Key, RequestHash: d.RequestHash, Done: d.Done, Status: d.Status,
		ContentType: d.ContentType, Location: d.Location, Body: d.Body, StartedAt: d.StartedAt.UTC()}
}

// BeginRequest claims key by inserting it: the unique _id decides races between retries.
func (s *Store) BeginRequest(ctx context.Context, key, requestHash string, claimant domain.Claimant, now time.Time, stale time.Duration) (*domain.IdempotentRecord, error) {
	c := s.db.Collection("idempotency")
	doc := idempotencyDoc{Key: key, RequestHash: requestHash, StartedAt: now, ExpiresAt: now.Add(idempotencyTTL), Instance: claimant.Instance, Life: claimant.Life}
	_, err := c.InsertOne(ctx, doc)
	if err == nil {
		return nil, nil
	}
	if !mongo.IsDuplicateKeyError(err) {
		return nil, mapErr(err, "idempotency key")
	}
	// A claim left in flight by a request that died is taken over: one older than stale, or one
	// of a previous life of this instance (killed, so it answers nothing more).
	dead := bson.A{bson.D{{Key: "started_at", Value: bson.D{{Key: "$lt", Value: now.Add(-stale)}}}}}
	if claimant.Instance != "" {
		dead = append(dead, bson.D{{Key: "instance", Value: claimant.Instance}, {Key: "life", Value: bson.D{{Key: "$ne", Value: claimant.Life}}}})
	}
	var res *mongo.UpdateResult
	err = s.serialize("idempotency/"+key, func() error {
		var err error
		res, err = c.ReplaceOne(ctx, bson.D{{Key: "_id", Value: key}, {Key: "done", Value: false}, {Key: "$or", Value: dead}}, doc)
		return err
	})
	if err != nil {
		return nil, mapErr(err, "idempotency key")
	}
	if res.MatchedCount == 1 {
		return nil, nil
	}
	var d idempotencyDoc
	if err := c.FindOne(ctx, bson.D{{Key: "_id", Value: key}}).Decode(&d); err != nil {
		if errors.Is(err, mongo.ErrNoDocuments) {
			return nil, domain.Errorf(domain.Conflict, "the request with this Idempotency-Key is being processed")
		}
		return nil, mapErr(err, "idempotency key")
	}
	return fromIdempotencyDoc(&d), nil
}

// FinishRequest stores the response to replay.
func (s *Store) FinishRequest(ctx context.Context, r *domain.IdempotentRecord) error {
	_, err := s.db.Collection("idempotency").UpdateOne(ctx, bson.D{{Key: "_id", Value: r.Key}}, bson.D{{Key: "$set", Value: bson.D{
		{Key: "done", Value: true}, {Key: "status", Value: r.Status}, {Key: "content_type", Value: r.ContentType},
		{Key: "location", Value: r.Location}, {Key: "body", Value: r.Body},
	}}})
	return mapErr(err, "idempotency key")
}

// ReleaseRequest forgets a claim whose request failed, so that a retry runs again.
func (s *Store) ReleaseRequest(ctx context.Context, key string) error {
	_, err := s.db.Collection("idempotency").DeleteOne(ctx, bson.D{{Key: "_id", Value: key}})
	return mapErr(err, "idempotency key")
}

// SweepIdempotency deletes records past their replay window; the embedded engine has no TTL.
func (s *Store) SweepIdempotency(ctx context.Context, now time.Time) (int64, error) {
	res, err := s.db.Collection("idempotency").DeleteMany(ctx, bson.D{{Key: "expires_at", Value: bson.D{{Key: "$lt", Value: now}}}})
	if err != nil {
		return 0, mapErr(err, "idempotency keys")
	}
	return res.DeletedCount, nil
}
