package store

import (
	"context"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/zhifa/zhifa/domain"
)

type directoryDoc struct {
	ID         string    `bson:"_id"` // the USCC: an enterprise is in one directory
	Name       string    `bson:"name"`
	Industry   string    `bson:"industry"`
	Risk       string    `bson:"risk"`
	RegionID   string    `bson:"region_id"`
	RegionPath []string  `bson:"region_path"`
	UpdatedBy  string    `bson:"updated_by"`
	UpdatedAt  time.Time `bson:"updated_at"`
}

func fromDirectoryDoc(d *directoryDoc) *domain.DirectoryEntry {
	return &domain.DirectoryEntry{USCC: d.ID, Name: d.Name, Industry: d.Industry, Risk: domain.RiskLevel(d.Risk), RegionID: d.RegionID,
		RegionPath: d.RegionPath, UpdatedBy: d.UpdatedBy, UpdatedAt: d.UpdatedAt.UTC()}
}

// PutDirectoryEntry adds or replaces the entry of a USCC.
func (s *Store) PutDirectoryEntry(ctx context.Context, e *domain.DirectoryEntry) error {
	e.UpdatedAt = asStored(e.UpdatedAt)
	_, err := s.db.Collection("directory").ReplaceOne(ctx, bson.D{{Key: "_id", Value: e.USCC}}, directoryDoc{ID: e.USCC, Name: e.Name, Industry: e.Industry,
		Risk: string(e.Risk), RegionID: e.RegionID, RegionPath: e.RegionPath, UpdatedBy: e.UpdatedBy, UpdatedAt: e.UpdatedAt}, options.Replace().SetUpsert(true))
	return mapErr(err, "directory entry")
}

// DirectoryUnder lists the entries of a region and below, by USCC.
func (s *Store) DirectoryUnder(ctx context.Context, regionID, industry string, p domain.Page) ([]*domain.DirectoryEntry, string, error) {
	filter := bson.D{{Key: "region_path", Value: regionID}}
	if industry != "" {
		filter = append(filter, bson.E{Key: "industry", Value: industry})
	}
	return page(ctx, s.db.Collection("directory"), filter, p, fromDirectoryDoc, func(d *directoryDoc) string { return d.ID })
}

type drawDoc struct {
	ID            string            `bson:"_id"`
	AgencyID      string            `bson:"agency_id"`
	MatterID      string            `bson:"matter_id"`
	PlannedOn     time.Time         `bson:"planned_on"`
	InputsJSON    string            `bson:"inputs_json"`
	InputsHash    string            `bson:"inputs_hash"`
	Commitment    string            `bson:"commitment"`
	Seed          string            `bson:"seed"`
	Status        string            `bson:"status"`
	Result        []domain.DrawPick `bson:"result,omitempty"`
	InspectionIDs []string          `bson:"inspection_ids,omitempty"`
	CreatedBy     string            `bson:"created_by"`
	CreatedAt     time.Time         `bson:"created_at"`
	DrawnAt       time.Time         `bson:"drawn_at,omitempty"`
	Version       int64             `bson:"version"`
}

func toDrawDoc(d *domain.Draw) drawDoc {
	return drawDoc{ID: d.ID, AgencyID: d.AgencyID, MatterID: d.MatterID, PlannedOn: d.PlannedOn, InputsJSON: d.InputsJSON, InputsHash: d.InputsHash,
		Commitment: d.Commitment, Seed: d.Seed, Status: string(d.Status), Result: d.Result, InspectionIDs: d.InspectionIDs, CreatedBy: d.CreatedBy,
		CreatedAt: asStored(d.CreatedAt), DrawnAt: asStored(d.DrawnAt), Version: d.Version}
}

func fromDrawDoc(d *drawDoc) *domain.Draw {
	out := &domain.Draw{ID: d.ID, AgencyID: d.AgencyID, MatterID: d.MatterID, PlannedOn: d.PlannedOn.UTC(), InputsJSON: d.InputsJSON, InputsHash: d.InputsHash,
		Commitment: d.Commitment, Seed: d.Seed, Status: domain.DrawStatus(d.Status), Result: d.Result, InspectionIDs: d.InspectionIDs, CreatedBy: d.CreatedBy,
		CreatedAt: d.CreatedAt.UTC(), Version: d.Version}
	if !d.DrawnAt.IsZero() {
		out.DrawnAt = d.DrawnAt.UTC()
	}
	return out
}

// CreateDraw stores a new draw with a new id.
func (s *Store) CreateDraw(ctx context.Context, d *domain.Draw) error {
	d.ID, d.Version = newID(), 1
	_, err := s.db.Collection("draws").InsertOne(ctx, toDrawDoc(d))
	return mapErr(err, "draw")
}

// DrawByID returns a draw or NotFound.
func (s *Store) DrawByID(ctx context.Context, id string) (*domain.Draw, error) {
	return findOne(ctx, s.db.Collection("draws"), bson.D{{Key: "_id", Value: id}}, fromDrawDoc, "draw")
}

// UpdateDraw writes d when its stored version is d.Version; Conflict otherwise.
func (s *Store) UpdateDraw(ctx context.Context, d *domain.Draw) error {
	doc := toDrawDoc(d)
	doc.Version = d.Version + 1
	if err := s.replaceVersioned(ctx, s.db.Collection("draws"), d.ID, d.Version, doc, "draw"); err != nil {
		return err
	}
	d.Version = doc.Version
	return nil
}

// ListDraws lists an agency's draws ("" for all) in the order made.
func (s *Store) ListDraws(ctx context.Context, agencyID string, p domain.Page) ([]*domain.Draw, string, error) {
	filter := bson.D{}
	if agencyID != "" {
		filter = append(filter, bson.E{Key: "agency_id", Value: agencyID})
	}
	return page(ctx, s.db.Collection("draws"), filter, p, fromDrawDoc, func(d *drawDoc) string { return d.ID })
}
