package domain

import (
	"context"
	"slices"
	"strings"
	"time"
)

// InspectionStatus is where an enterprise inspection (涉企检查) stands.
type InspectionStatus string

const (
	InspectionPlanned   InspectionStatus = "planned"
	InspectionOnSite    InspectionStatus = "on_site"
	InspectionCompleted InspectionStatus = "completed"
	InspectionCancelled InspectionStatus = "cancelled"
)

// CheckIn is one officer's arrival on site.
type CheckIn struct {
	OfficerID string
	At        time.Time
	Lat, Lng  float64
	DeviceID  string
}

// Inspection is a pre-filed (事前报备) inspection of an enterprise.
type Inspection struct {
	ID             string
	AgencyID       string
	MatterID       string
	EnterpriseUSCC string
	EnterpriseName string
	PlannedOn      time.Time
	OfficerIDs     []string
	Status         InspectionStatus
	CheckIns       []CheckIn
	Outcome        string
	Notes          string
	CreatedBy      string
	CreatedAt      time.Time
	UpdatedAt      time.Time
	Version        int64
	// Keys are the Idempotency-Keys of the writes that made its recent versions, written with
	// them, so that a retry finds what its first attempt did.
	Keys []ActionKey
}

// Remember records k, the key of the write that makes the next version.
func (in *Inspection) Remember(k ActionKey) { in.Keys = rememberKey(in.Keys, k) }

// Validate checks a plan; Invalid with the fields.
func (in *Inspection) Validate() error {
	f := FieldErrors{}
	if in.MatterID == "" {
		f.Add("matter_id", "required")
	}
	if code, err := ParseUSCC(in.EnterpriseUSCC); err != nil {
		f.Add("enterprise_uscc", err.(*Error).Message)
	} else {
		in.EnterpriseUSCC = code
	}
	if strings.TrimSpace(in.EnterpriseName) == "" {
		f.Add("enterprise_name", "required")
	}
	if in.PlannedOn.IsZero() {
		f.Add("planned_on", "required")
	}
	if len(in.OfficerIDs) == 0 {
		f.Add("officer_ids", "the officers who will inspect")
	}
	seen := map[string]bool{}
	for _, id := range in.OfficerIDs {
		if seen[id] {
			f.Add("officer_ids", "each officer once")
		}
		seen[id] = true
	}
	return f.Err()
}

// CheckInOfficer records an officer's arrival: the officer must be on the plan and may act now;
// when enough certified officers are on site the inspection is under way.
func (in *Inspection) CheckInOfficer(s Standing, at time.Time, lat, lng float64, device string, need int) error {
	if in.Status != InspectionPlanned && in.Status != InspectionOnSite {
		return Errorf(Conflict, "the inspection is %s", in.Status)
	}
	if s.User == nil || !slices.Contains(in.OfficerIDs, s.User.ID) {
		return Errorf(Forbidden, "only an officer named in the plan checks in")
	}
	if day := PlannedDayStart(in.PlannedOn); at.Before(day) {
		return Errorf(Conflict, "the inspection is planned for %s (pre-filed, 事前报备): check in on that day, or file a new plan", in.PlannedOn.Format(time.DateOnly))
	}
	if err := MayAct(s.User, s.Certificate, s.Agency, at); err != nil {
		return err
	}
	if lat < -90 || lat > 90 || lng < -180 || lng > 180 || (lat == 0 && lng == 0) {
		return &Error{Code: Invalid, Message: "the position is not valid", Fields: map[string]string{"lat": "a GPS position is required"}}
	}
	for _, c := range in.CheckIns {
		if c.OfficerID == s.User.ID {
			return Errorf(Conflict, "already checked in")
		}
	}
	in.CheckIns = append(in.CheckIns, CheckIn{OfficerID: s.User.ID, At: at.UTC().Truncate(time.Millisecond), Lat: lat, Lng: lng, DeviceID: device})
	if len(in.CheckIns) >= need {
		in.Status = InspectionOnSite
	}
	return nil
}

// chinaTime is the time zone planned dates are days of.
var chinaTime = time.FixedZone("CST", 8*60*60)

// ChinaDate is the calendar day of instant t in China, as a date field (YYYY-MM-DD, read as
// midnight UTC) holds it, so that dates compare with instants by China's calendar.
func ChinaDate(t time.Time) time.Time {
	y, m, d := t.In(chinaTime).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// PlannedDayStart is the first instant of a planned day, in China time.
func PlannedDayStart(day time.Time) time.Time {
	return time.Date(day.Year(), day.Month(), day.Day(), 0, 0, 0, 0, chinaTime)
}

// Complete records the result; the inspection must be under way with enough officers on site.
func (in *Inspection) Complete(outcome, notes string) error {
	if in.Status != InspectionOnSite {
		return Errorf(Conflict, "the result is recorded after enough certified officers checked in on site")
	}
	switch outcome {
	case "compliant", "issues_found", "case_opened":
	default:
		return &Error{Code: Invalid, Message: "unknown outcome", Fields: map[string]string{"outcome": "compliant, issues_found or case_opened"}}
	}
	in.Status, in.Outcome, in.Notes = InspectionCompleted, outcome, notes
	return nil
}

// Inspections stores inspections.
type Inspections interface {
	CreateInspection(ctx context.Context, in *Inspection) error
	InspectionByID(ctx context.Context, id string) (*Inspection, error)
	UpdateInspection(ctx context.Context, in *Inspection) error
	ListInspections(ctx context.Context, agencyID string, p Page) ([]*Inspection, string, error)
	// SearchInspections lists the inspections that pass f, in id order.
	SearchInspections(ctx context.Context, f InspectionFilter, p Page) ([]*Inspection, string, error)
	// InspectionsOfEnterprise lists inspections of any agency planned for the enterprise in
	// [from, to], cancelled ones excluded.
	InspectionsOfEnterprise(ctx context.Context, uscc string, from, to time.Time) ([]*Inspection, error)
}

// InspectionFilter narrows SearchInspections; zero fields do not filter.
type InspectionFilter struct {
	AgencyID       string
	EnterpriseUSCC string
	Status         InspectionStatus
	OfficerID      string
	// PlannedFrom and PlannedTo bound the planned day, both included (days as PlannedOn holds them).
	PlannedFrom time.Time
	PlannedTo   time.Time
}
