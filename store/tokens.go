package store

import (
	"context"
	"errors"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/zhifa/zhifa/domain"
)

// refreshTokenDoc is keyed by the token's SHA-256; the token itself is never stored.
type refreshTokenDoc struct {
	Hash      string    `bson:"_id"`
	UserID    string    `bson:"user_id"`
	FamilyID  string    `bson:"family_id"`
	ExpiresAt time.Time `bson:"expires_at"`
	CreatedAt time.Time `bson:"created_at"`
	Used      bool      `bson:"used"`
	Revoked   bool      `bson:"revoked"`
}

func fromRefreshTokenDoc(d *refreshTokenDoc) *domain.RefreshToken {
	return &domain.RefreshToken{Hash: d.Hash, UserID: d.UserID, FamilyID: d.FamilyID,
		ExpiresAt: d.ExpiresAt.UTC(), CreatedAt: d.CreatedAt.UTC(), Used: d.Used, Ended: d.Revoked && !d.Used}
}

func (s *Store) refreshTokens() *mongo.Collection { return s.db.Collection("refresh_tokens") }

// CreateRefreshToken stores a new, unused token.
func (s *Store) CreateRefreshToken(ctx context.Context, t *domain.RefreshToken) error {
	_, err := s.refreshTokens().InsertOne(ctx, refreshTokenDoc{
		Hash: t.Hash, UserID: t.UserID, FamilyID: t.FamilyID, ExpiresAt: t.ExpiresAt, CreatedAt: t.CreatedAt,
	})
	return mapErr(err, "refresh token")
}

// UseRefreshToken atomically marks an unused, unrevoked, unexpired token used. Of several
// concurrent calls with one token exactly one succeeds; the rest get Conflict with the token.
func (s *Store) UseRefreshToken(ctx context.Context, hash string, now time.Time) (*domain.RefreshToken, error) {
	var d refreshTokenDoc
	err := s.serialize("refresh_tokens/"+hash, func() error {
		return s.refreshTokens().FindOneAndUpdate(ctx,
			bson.D{{Key: "_id", Value: hash}, {Key: "used", Value: false}, {Key: "revoked", Value: false}},
			bson.D{{Key: "$set", Value: bson.D{{Key: "used", Value: true}}}},
		).Decode(&d)
	})
	if err == nil {
		t := fromRefreshTokenDoc(&d)
		if !now.Before(t.ExpiresAt) {
			return nil, domain.Errorf(domain.NotFound, "refresh token expired")
		}
		return t, nil
	}
	if !errors.Is(err, mongo.ErrNoDocuments) {
		return nil, mapErr(err, "refresh token")
	}
	if err := s.refreshTokens().FindOne(ctx, bson.D{{Key: "_id", Value: hash}}).Decode(&d); err != nil {
		return nil, mapErr(err, "refresh token")
	}
	return fromRefreshTokenDoc(&d), domain.Errorf(domain.Conflict, "refresh token used before")
}

// RevokeFamily revokes every token descended from one login.
func (s *Store) RevokeFamily(ctx context.Context, familyID string) error {
	_, err := s.refreshTokens().UpdateMany(ctx, bson.D{{Key: "family_id", Value: familyID}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "revoked", Value: true}}}})
	return mapErr(err, "refresh token")
}

// FamilyRevoked reports whether any token of the family was revoked.
func (s *Store) FamilyRevoked(ctx context.Context, familyID string) (bool, error) {
	err := s.refreshTokens().FindOne(ctx, bson.D{{Key: "family_id", Value: familyID}, {Key: "revoked", Value: true}}).Err()
	if errors.Is(err, mongo.ErrNoDocuments) {
		return false, nil
	}
	return err == nil, mapErr(err, "refresh token")
}

// RevokeUser revokes every refresh token of a user.
func (s *Store) RevokeUser(ctx context.Context, userID string) error {
	_, err := s.refreshTokens().UpdateMany(ctx, bson.D{{Key: "user_id", Value: userID}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "revoked", Value: true}}}})
	return mapErr(err, "refresh token")
}

// SweepRefreshTokens deletes tokens that expired before now; the embedded engine has no TTL
// indexes, so a sweeper does the work on both engines.
func (s *Store) SweepRefreshTokens(ctx context.Context, now time.Time) (int64, error) {
	res, err := s.refreshTokens().DeleteMany(ctx, bson.D{{Key: "expires_at", Value: bson.D{{Key: "$lt", Value: now}}}})
	if err != nil {
		return 0, mapErr(err, "refresh token")
	}
	return res.DeletedCount, nil
}
