package store

import (
	"context"
	"errors"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/zhifa/zhifa/domain"
)

// replaceVersioned replaces the document with id when its stored version is version; doc must
// carry version+1. Conflict when someone else wrote first.
func (s *Store) replaceVersioned(ctx context.Context, c *mongo.Collection, id string, version int64, doc any, what string) error {
	var matched bool
	err := s.serialize(c.Name()+"/"+id, func() error {
		if s.serialWrites {
			// FerretDB's SQLite backend uses its primary key only for a filter that is exactly
			// {_id}; anything more scans the collection. Under the lock, checking the version
			// and replacing by _id is the same conditional write, in constant time.
			var cur struct {
				Version int64 `bson:"version"`
			}
			if err := c.FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&cur); err != nil {
				if errors.Is(err, mongo.ErrNoDocuments) {
					return nil
				}
				return err
			}
			if cur.Version != version {
				return nil
			}
			_, err := c.ReplaceOne(ctx, bson.D{{Key: "_id", Value: id}}, doc)
			matched = err == nil
			return err
		}
		res, err := c.ReplaceOne(ctx, bson.D{{Key: "_id", Value: id}, {Key: "version", Value: version}}, doc)
		matched = err == nil && res.MatchedCount == 1
		return err
	})
	if err != nil {
		return mapErr(err, what)
	}
	if !matched {
		return domain.Errorf(domain.Conflict, "the %s was changed by someone else; reload and retry", what)
	}
	return nil
}

// findOne decodes the document matching filter into a D and converts it.
func findOne[D any, T any](ctx context.Context, c *mongo.Collection, filter bson.D, conv func(*D) T, what string, opts ...options.Lister[options.FindOneOptions]) (T, error) {
	var d D
	if err := c.FindOne(ctx, filter, opts...).Decode(&d); err != nil {
		var zero T
		return zero, mapErr(err, what)
	}
	return conv(&d), nil
}

// findAll decodes every document matching the query and converts them.
func findAll[D any, T any](ctx context.Context, cur *mongo.Cursor, err error, conv func(*D) T, what string) ([]T, error) {
	if err != nil {
		return nil, mapErr(err, what)
	}
	var docs []D
	if err := cur.All(ctx, &docs); err != nil {
		return nil, mapErr(err, what)
	}
	out := make([]T, len(docs))
	for i := range docs {
		out[i] = conv(&docs[i])
	}
	return out, nil
}
