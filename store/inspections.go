package store

import (
	"cmp"
	"context"
	"slices"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/zhifa/zhifa/domain"
)

type checkInDoc struct {
	OfficerID string    `bson:"officer_id"`
	At        time.Time `bson:"at"`
	Lat       float64   `bson:"lat"`
	Lng       float64   `bson:"lng"`
	DeviceID  string    `bson:"device_id,omitempty"`
}

type inspectionDoc struct {
	ID             string       `bson:"_id"`
	AgencyID       string       `bson:"agency_id"`
	MatterID       string       `bson:"matter_id"`
	EnterpriseUSCC string       `bson:"enterprise_uscc"`
	EnterpriseName string       `bson:"enterprise_name"`
	PlannedOn      time.Time    `bson:"planned_on"`
	OfficerIDs     []string     `bson:"officer_ids"`
	Status         string       `bson:"status"`
	CheckIns       []checkInDoc `bson:"check_ins"`
	Outcome        string       `bson:"outcome,omitempty"`
	Notes          string       `bson:"notes,omitempty"`
	CreatedBy      string       `bson:"created_by"`
	CreatedAt      time.Time    `bson:"created_at"`
	UpdatedAt      time.Time    `bson:"updated_at"`
	Version        int64        `bson:"version"`
	KeyRing        []byte       `bson:"key_ring,omitempty"`
}

func toInspectionDoc(in *domain.Inspection) inspectionDoc {
	d := inspectionDoc{ID: in.ID, AgencyID: in.AgencyID, MatterID: in.MatterID, EnterpriseUSCC: in.EnterpriseUSCC, EnterpriseName: in.EnterpriseName,
		PlannedOn: in.PlannedOn, OfficerIDs: nonNil(in.OfficerIDs), Status: string(in.Status), CheckIns: []checkInDoc{}, Outcome: in.Outcome, Notes: in.Notes,
		CreatedBy: in.CreatedBy, CreatedAt: in.CreatedAt, UpdatedAt: in.UpdatedAt, Version: in.Version, KeyRing: packKeys(in.Keys)}
	for _, c := range in.CheckIns {
		d.CheckIns = append(d.CheckIns, checkInDoc{OfficerID: c.OfficerID, At: c.At, Lat: c.Lat, Lng: c.Lng, DeviceID: c.DeviceID})
	}
	return d
}

func fromInspectionDoc(d *inspectionDoc) *domain.Inspection {
	in := &domain.Inspection{ID: d.ID, AgencyID: d.AgencyID, MatterID: d.MatterID, EnterpriseUSCC: d.EnterpriseUSCC, EnterpriseName: d.EnterpriseName,
		PlannedOn: d.PlannedOn.UTC(), OfficerIDs: d.OfficerIDs, Status: domain.InspectionStatus(d.Status), Outcome: d.Outcome, Notes: d.Notes,
		CreatedBy: d.CreatedBy, CreatedAt: d.CreatedAt.UTC(), UpdatedAt: d.UpdatedAt.UTC(), Version: d.Version, Keys: unpackKeys(d.KeyRing)}
	for _, c := range d.CheckIns {
		in.CheckIns = append(in.CheckIns, domain.CheckIn{OfficerID: c.OfficerID, At: c.At.UTC(), Lat: c.Lat, Lng: c.Lng, DeviceID: c.DeviceID})
	}
	return in
}

// CreateInspection inserts a plan.
func (s *Store) CreateInspection(ctx context.Context, in *domain.Inspection) error {
	if in.ID == "" {
		in.ID = newID()
	}
	now := now()
	in.CreatedAt, in.UpdatedAt, in.Version = now, now, 1
	d := toInspectionDoc(in)
	_, err := s.db.Collection("inspections").InsertOne(ctx, d)
	s.idx.inspections.wrote(s.db, inspectionEntryOf(&d), err)
	return mapErr(err, "an inspection with this id")
}

// inspectionEntry is one inspection as lists and the 综合查一次 check see it.
type inspectionEntry struct {
	ID        string    `json:"i"`
	Agency    string    `json:"a"`
	USCC      string    `json:"u"`
	PlannedOn time.Time `json:"p"`
	Status    string    `json:"s"`
	Version   int64     `json:"v"`
	Officers  []string  `json:"o,omitempty"`
}

func (e inspectionEntry) entryID() string     { return e.ID }
func (e inspectionEntry) entryVersion() int64 { return e.Version }

var inspectionEntryFields = bson.D{{Key: "agency_id", Value: 1}, {Key: "enterprise_uscc", Value: 1}, {Key: "planned_on", Value: 1},
	{Key: "status", Value: 1}, {Key: "version", Value: 1}, {Key: "officer_ids", Value: 1}}

var inspectionEntryPaths = []string{"_id", "agency_id", "enterprise_uscc", "planned_on", "status", "version", "officer_ids"}

func inspectionEntryOfRow(r *sqlRow) inspectionEntry {
	return inspectionEntry{ID: r.str(0), Agency: r.str(1), USCC: r.str(2), PlannedOn: r.date(3), Status: r.str(4), Version: r.int(5), Officers: r.strs(6)}
}

func inspectionEntryOf(d *inspectionDoc) inspectionEntry {
	return inspectionEntry{ID: d.ID, Agency: d.AgencyID, USCC: d.EnterpriseUSCC, PlannedOn: asStored(d.PlannedOn), Status: d.Status, Version: d.Version,
		Officers: d.OfficerIDs}
}

// inspectionIndexFormat names the entries' shape; a snapshot of an older one is scanned again.
const inspectionIndexFormat = "search-1"

// An inspection is searched within its agency by the enterprise's USCC, its officers and its
// status.
func inspectionScope(e *inspectionEntry) string { return e.Agency }

func inspectionTerms(e *inspectionEntry) []string {
	terms := []string{"u\x00" + e.USCC, "s\x00" + e.Status}
	for _, o := range e.Officers {
		terms = append(terms, "o\x00"+o)
	}
	return terms
}

// matchInspection returns whether an entry passes f, with the meaning the database query gives f.
func matchInspection(f domain.InspectionFilter) func(*inspectionEntry) bool {
	from, to := asStored(f.PlannedFrom), asStored(f.PlannedTo)
	return func(e *inspectionEntry) bool {
		return (f.AgencyID == "" || e.Agency == f.AgencyID) &&
			(f.EnterpriseUSCC == "" || e.USCC == f.EnterpriseUSCC) &&
			(f.Status == "" || e.Status == string(f.Status)) &&
			(f.OfficerID == "" || slices.Contains(e.Officers, f.OfficerID)) &&
			(f.PlannedFrom.IsZero() || !e.PlannedOn.Before(from)) &&
			(f.PlannedTo.IsZero() || !e.PlannedOn.After(to))
	}
}

// inspectionSearch is the terms a filter searches by (any of them; the rarest is walked) and
// the agencies it may see (nil: every agency); no terms when it searches by none.
func inspectionSearch(f domain.InspectionFilter) (scopes, terms []string) {
	if f.EnterpriseUSCC != "" {
		terms = append(terms, "u\x00"+f.EnterpriseUSCC)
	}
	if f.OfficerID != "" {
		terms = append(terms, "o\x00"+f.OfficerID)
	}
	if f.Status != "" {
		terms = append(terms, "s\x00"+string(f.Status))
	}
	if f.AgencyID != "" {
		scopes = []string{f.AgencyID}
	}
	return scopes, terms
}

// SearchInspections lists the inspections that pass f, in id order. On FerretDB the in-process
// index picks the page (from its postings when f names an enterprise, an officer or a status).
func (s *Store) SearchInspections(ctx context.Context, f domain.InspectionFilter, p domain.Page) ([]*domain.Inspection, string, error) {
	x := s.idx.inspections
	if x == nil {
		return s.queryInspectionSearch(ctx, f, p)
	}
	c := s.db.Collection("inspections")
	if scopes, terms := inspectionSearch(f); terms != nil {
		return searchedPage(ctx, x, c, scopes, terms, nil, matchInspection(f), p, fromInspectionDoc, "inspection")
	}
	return indexedPage(ctx, x, c, matchInspection(f), p, fromInspectionDoc, "inspection")
}

func (s *Store) queryInspectionSearch(ctx context.Context, f domain.InspectionFilter, p domain.Page) ([]*domain.Inspection, string, error) {
	return page(ctx, s.db.Collection("inspections"), inspectionQuery(f), p, fromInspectionDoc, func(d *inspectionDoc) string { return d.ID })
}

// inspectionQuery is the database query of f.
func inspectionQuery(f domain.InspectionFilter) bson.D {
	filter := bson.D{}
	add := func(k string, v any) { filter = append(filter, bson.E{Key: k, Value: v}) }
	if f.AgencyID != "" {
		add("agency_id", f.AgencyID)
	}
	if f.EnterpriseUSCC != "" {
		add("enterprise_uscc", f.EnterpriseUSCC)
	}
	if f.OfficerID != "" {
		add("officer_ids", f.OfficerID)
	}
	if f.Status != "" {
		add("status", string(f.Status))
	}
	planned := bson.D{}
	if !f.PlannedFrom.IsZero() {
		planned = append(planned, bson.E{Key: "$gte", Value: f.PlannedFrom})
	}
	if !f.PlannedTo.IsZero() {
		planned = append(planned, bson.E{Key: "$lte", Value: f.PlannedTo})
	}
	if len(planned) > 0 {
		add("planned_on", planned)
	}
	return filter
}

// InspectionByID returns the inspection or NotFound.
func (s *Store) InspectionByID(ctx context.Context, id string) (*domain.Inspection, error) {
	return findOne(ctx, s.db.Collection("inspections"), bson.D{{Key: "_id", Value: id}}, fromInspectionDoc, "inspection")
}

// UpdateInspection replaces the inspection at its version.
func (s *Store) UpdateInspection(ctx context.Context, in *domain.Inspection) error {
	in.UpdatedAt = now()
	d := toInspectionDoc(in)
	d.Version++
	err := s.replaceVersioned(ctx, s.db.Collection("inspections"), in.ID, in.Version, d, "inspection")
	s.idx.inspections.wrote(s.db, inspectionEntryOf(&d), err)
	if err != nil {
		return err
	}
	in.Version = d.Version
	return nil
}

// ListInspections lists an agency's inspections.
func (s *Store) ListInspections(ctx context.Context, agencyID string, p domain.Page) ([]*domain.Inspection, string, error) {
	if x := s.idx.inspections; x != nil {
		return indexedPage(ctx, x, s.db.Collection("inspections"), func(e *inspectionEntry) bool { return e.Agency == agencyID }, p, fromInspectionDoc, "inspection")
	}
	return s.queryInspections(ctx, agencyID, p)
}

func (s *Store) queryInspections(ctx context.Context, agencyID string, p domain.Page) ([]*domain.Inspection, string, error) {
	return page(ctx, s.db.Collection("inspections"), bson.D{{Key: "agency_id", Value: agencyID}}, p, fromInspectionDoc, func(d *inspectionDoc) string { return d.ID })
}

// mostOfEnterprise bounds the other inspections a plan is warned of.
const mostOfEnterprise = 20

// InspectionsOfEnterprise lists any agency's live inspections of an enterprise planned in
// [from, to], earliest first, at most mostOfEnterprise.
func (s *Store) InspectionsOfEnterprise(ctx context.Context, uscc string, from, to time.Time) ([]*domain.Inspection, error) {
	x := s.idx.inspections
	if x == nil {
		return s.queryInspectionsOfEnterprise(ctx, uscc, from, to)
	}
	if err := x.wait(ctx); err != nil {
		return nil, err
	}
	from, to = asStored(from), asStored(to)
	found := x.inGroup("enterprise", uscc, func(e *inspectionEntry) bool {
		return !e.PlannedOn.Before(from) && !e.PlannedOn.After(to) && e.Status != string(domain.InspectionCancelled)
	})
	slices.SortFunc(found, func(a, b inspectionEntry) int {
		return cmp.Or(a.PlannedOn.Compare(b.PlannedOn), strings.Compare(a.ID, b.ID))
	})
	ids := make([]string, 0, mostOfEnterprise)
	for _, e := range found[:min(len(found), mostOfEnterprise)] {
		ids = append(ids, e.ID)
	}
	return readByID(ctx, s.db.Collection("inspections"), ids, fromInspectionDoc, "inspections")
}

func (s *Store) queryInspectionsOfEnterprise(ctx context.Context, uscc string, from, to time.Time) ([]*domain.Inspection, error) {
	cur, err := s.db.Collection("inspections").Find(ctx, bson.D{
		{Key: "enterprise_uscc", Value: uscc},
		{Key: "planned_on", Value: bson.D{{Key: "$gte", Value: from}, {Key: "$lte", Value: to}}},
		{Key: "status", Value: bson.D{{Key: "$ne", Value: string(domain.InspectionCancelled)}}},
	}, options.Find().SetSort(bson.D{{Key: "planned_on", Value: 1}, {Key: "_id", Value: 1}}).SetLimit(mostOfEnterprise))
	return findAll(ctx, cur, err, fromInspectionDoc, "inspections")
}
