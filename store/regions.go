package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/zhifa/zhifa/domain"
)

type regionDoc struct {
	ID        string    `bson:"_id"`
	Name      string    `bson:"name"`
	Level     string    `bson:"level"`
	ParentID  string    `bson:"parent_id"`
	Path      []string  `bson:"path"`
	Code      string    `bson:"code,omitempty"`
	CreatedAt time.Time `bson:"created_at"`
}

func fromRegionDoc(d *regionDoc) *domain.Region {
	return &domain.Region{ID: d.ID, Name: d.Name, Level: domain.RegionLevel(d.Level), ParentID: d.ParentID, Path: d.Path, Code: d.Code, CreatedAt: d.CreatedAt.UTC()}
}

// CreateRegion inserts r under its parent; Conflict when the parent has a child of that name.
func (s *Store) CreateRegion(ctx context.Context, r *domain.Region) error {
	r.ID, r.CreatedAt = newID(), now()
	r.Path = []string{r.ID}
	if r.ParentID != "" {
		parent, err := s.RegionByID(ctx, r.ParentID)
		if err != nil {
			return err
		}
		r.Path = append(append([]string{}, parent.Path...), r.ID)
	}
	_, err := s.db.Collection("regions").InsertOne(ctx, regionDoc{ID: r.ID, Name: r.Name, Level: string(r.Level), ParentID: r.ParentID, Path: r.Path,
		Code: r.Code, CreatedAt: r.CreatedAt})
	return mapErr(err, "a region of this name under the same parent")
}

// RegionByID returns the region or NotFound.
func (s *Store) RegionByID(ctx context.Context, id string) (*domain.Region, error) {
	return findOne(ctx, s.db.Collection("regions"), bson.D{{Key: "_id", Value: id}}, fromRegionDoc, "region")
}

// ListRegions lists the children of parentID ("" for the roots) in creation order.
func (s *Store) ListRegions(ctx context.Context, parentID string, p domain.Page) ([]*domain.Region, string, error) {
	return page(ctx, s.db.Collection("regions"), bson.D{{Key: "parent_id", Value: parentID}}, p, fromRegionDoc, func(d *regionDoc) string { return d.ID })
}

// regionNamed finds or creates the child of parent (nil for a root) named name at level.
func (s *Store) regionNamed(ctx context.Context, parent *domain.Region, name string, level domain.RegionLevel) (*domain.Region, error) {
	parentID := ""
	if parent != nil {
		parentID = parent.ID
	}
	for range 3 {
		r, err := findOne(ctx, s.db.Collection("regions"), bson.D{{Key: "parent_id", Value: parentID}, {Key: "name", Value: name}}, fromRegionDoc, "region")
		if domain.ErrorCode(err) != domain.NotFound {
			return r, err
		}
		r = &domain.Region{Name: name, Level: level, ParentID: parentID}
		if err := r.Validate(parent); err != nil {
			return nil, err
		}
		err = s.CreateRegion(ctx, r)
		if domain.ErrorCode(err) != domain.Conflict {
			return r, err
		}
		// Created by someone else meanwhile: read it.
	}
	return nil, domain.Errorf(domain.Unavailable, "the region %q could not be placed; try again", name)
}

// PlaceAgency finds or creates the regions of a district (a root) and a town below it.
func (s *Store) PlaceAgency(ctx context.Context, j domain.Jurisdiction) (*domain.Region, error) {
	district, err := s.regionNamed(ctx, nil, j.District, domain.LevelDistrict)
	if err != nil || j.Town == "" {
		return district, err
	}
	return s.regionNamed(ctx, district, j.Town, domain.LevelTown)
}

// placeAgencies puts agencies stored before the jurisdiction tree into it, by their district
// and town names, so that a data dir of an older version keeps working.
func (s *Store) placeAgencies(ctx context.Context) error {
	cur, err := s.db.Collection("agencies").Find(ctx, bson.D{}, options.Find().SetProjection(bson.D{{Key: "district", Value: 1}, {Key: "town", Value: 1}, {Key: "region_id", Value: 1}}))
	if err != nil {
		return err
	}
	var docs []struct {
		ID       string `bson:"_id"`
		District string `bson:"district"`
		Town     string `bson:"town"`
		RegionID string `bson:"region_id"`
	}
	if err := cur.All(ctx, &docs); err != nil {
		return err
	}
	var errs []error
	for _, d := range docs {
		if d.RegionID != "" {
			continue
		}
		r, err := s.PlaceAgency(ctx, domain.Jurisdiction{District: d.District, Town: d.Town})
		if err == nil {
			_, err = s.db.Collection("agencies").UpdateOne(ctx, bson.D{{Key: "_id", Value: d.ID}},
				bson.D{{Key: "$set", Value: bson.D{{Key: "region_id", Value: r.ID}, {Key: "region_path", Value: r.Path}}}})
		}
		if err != nil && !errors.Is(err, mongo.ErrNoDocuments) {
			errs = append(errs, fmt.Errorf("agency %s: %w", d.ID, err))
		}
	}
	return errors.Join(errs...)
}
