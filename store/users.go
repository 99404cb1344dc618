package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/zhifa/zhifa/domain"
)

type userDoc struct {
	ID            string    `bson:"_id"`
	Username      string    `bson:"username"`
	PasswordHash  string    `bson:"password_hash"`
	Name          string    `bson:"name"`
	Phone         string    `bson:"phone,omitempty"`
	IDNumber      string    `bson:"id_number,omitempty"`
	Roles         []string  `bson:"roles"`
	AgencyID      string    `bson:"agency_id"`
	Status        string    `bson:"status"`
	CertificateNo string    `bson:"certificate_no,omitempty"`
	MustChange    bool      `bson:"must_change_password,omitempty"`
	SessionEpoch  int64     `bson:"session_epoch,omitempty"`
	CreatedAt     time.Time `bson:"created_at"`
	UpdatedAt     time.Time `bson:"updated_at"`
	Version       int64     `bson:"version"`
}

func toUserDoc(u *domain.User) userDoc {
	roles := make([]string, len(u.Roles))
	for i, r := range u.Roles {
		roles[i] = string(r)
	}
	return userDoc{
		ID: u.ID, Username: u.Username, PasswordHash: u.PasswordHash, Name: u.Name,
		Phone: u.Phone, IDNumber: u.IDNumber, Roles: roles, AgencyID: u.AgencyID,
		Status: string(u.Status), CertificateNo: u.CertificateNo, MustChange: u.MustChangePassword, SessionEpoch: u.SessionEpoch,
		CreatedAt: u.CreatedAt, UpdatedAt: u.UpdatedAt, Version: u.Version,
	}
}

func fromUserDoc(d *userDoc) *domain.User {
	roles := make([]domain.Role, len(d.Roles))
	for i, r := range d.Roles {
		roles[i] = domain.Role(r)
	}
	return &domain.User{
		ID: d.ID, Username: d.Username, PasswordHash: d.PasswordHash, Name: d.Name,
		Phone: d.Phone, IDNumber: d.IDNumber, Roles: roles, AgencyID: d.AgencyID,
		Status: domain.UserStatus(d.Status), CertificateNo: d.CertificateNo, MustChangePassword: d.MustChange, SessionEpoch: d.SessionEpoch,
		CreatedAt: d.CreatedAt.UTC(), UpdatedAt: d.UpdatedAt.UTC(), Version: d.Version,
	}
}

func (s *Store) users() *mongo.Collection { return s.db.Collection("users") }

// CreateUser inserts u with a new id and version 1; Conflict when the username is taken.
func (s *Store) CreateUser(ctx context.Context, u *domain.User) error {
	// Usernames are unique without regard to case: they are kept in lower case.
	u.Username = strings.ToLower(u.Username)
	now := now()
	u.ID, u.CreatedAt, u.UpdatedAt, u.Version = newID(), now, now, 1
	_, err := s.users().InsertOne(ctx, toUserDoc(u))
	s.viewsChanged(ctx)
	return mapErr(err, "a user with this username")
}

// UserByID returns the user or NotFound.
func (s *Store) UserByID(ctx context.Context, id string) (*domain.User, error) {
	return viewedOne(ctx, s, "users/"+id, s.users(), bson.D{{Key: "_id", Value: id}}, fromUserDoc, "user")
}

// UserByUsername returns the user or NotFound.
func (s *Store) UserByUsername(ctx context.Context, username string) (*domain.User, error) {
	return s.findUser(ctx, bson.D{{Key: "username", Value: strings.ToLower(username)}})
}

// lowerUsernames brings usernames stored before they were kept in lower case into it. One that
// would collide with another (two accounts "Li" and "li") is left as it is: that account signs
// in no more until an admin renames it.
func (s *Store) lowerUsernames(ctx context.Context) error {
	cur, err := s.users().Find(ctx, bson.D{}, options.Find().SetProjection(bson.D{{Key: "username", Value: 1}}))
	if err != nil {
		return err
	}
	var docs []struct {
		ID       string `bson:"_id"`
		Username string `bson:"username"`
	}
	if err := cur.All(ctx, &docs); err != nil {
		return err
	}
	var errs []error
	for _, d := range docs {
		if lower := strings.ToLower(d.Username); lower != d.Username {
			_, err := s.users().UpdateOne(ctx, bson.D{{Key: "_id", Value: d.ID}}, bson.D{{Key: "$set", Value: bson.D{{Key: "username", Value: lower}}}})
			if err != nil && !mongo.IsDuplicateKeyError(err) {
				errs = append(errs, fmt.Errorf("username %q: %w", d.Username, err))
			}
		}
	}
	return errors.Join(errs...)
}

func (s *Store) findUser(ctx context.Context, filter bson.D) (*domain.User, error) {
	var d userDoc
	if err := s.users().FindOne(ctx, filter).Decode(&d); err != nil {
		return nil, mapErr(err, "user")
	}
	return fromUserDoc(&d), nil
}

// UpdateUser replaces the user when its stored version is u.Version, then bumps the version.
func (s *Store) UpdateUser(ctx context.Context, u *domain.User) error {
	u.UpdatedAt = now()
	doc := toUserDoc(u)
	doc.Version = u.Version + 1
	err := s.replaceVersioned(ctx, s.users(), u.ID, u.Version, doc, "user")
	s.viewsChanged(ctx)
	if err != nil {
		return err
	}
	u.Version = doc.Version
	return nil
}

// ListUsers lists users by filter in creation order.
func (s *Store) ListUsers(ctx context.Context, f domain.UserFilter, p domain.Page) ([]*domain.User, string, error) {
	return page(ctx, s.users(), userQuery(f), p, fromUserDoc, func(d *userDoc) string { return d.ID })
}

// userQuery is the database query of f.
func userQuery(f domain.UserFilter) bson.D {
	filter := bson.D{}
	if f.AgencyID != "" {
		filter = append(filter, bson.E{Key: "agency_id", Value: f.AgencyID})
	}
	if f.Role != "" {
		filter = append(filter, bson.E{Key: "roles", Value: string(f.Role)})
	}
	if f.CertificateNo != "" {
		filter = append(filter, bson.E{Key: "certificate_no", Value: f.CertificateNo})
	}
	if f.Name != "" {
		filter = append(filter, namePartsFilter("name", f.Name))
	}
	return filter
}

// CountUsers counts every user; the first start uses it to decide whether to seed a sysadmin.
func (s *Store) CountUsers(ctx context.Context) (int64, error) {
	n, err := s.users().CountDocuments(ctx, bson.D{}, options.Count().SetLimit(1))
	return n, mapErr(err, "users")
}
