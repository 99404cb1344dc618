package domain

import (
	"context"
	"fmt"
	"time"
)

// AdjustmentSubject is what an adjustment changed: an agency's standing (where it sits, its
// kind, name and legal basis), a person's roles or status, or an officer's certificate.
type AdjustmentSubject string

const (
	AdjustAgency      AdjustmentSubject = "agency"
	AdjustOfficer     AdjustmentSubject = "officer"
	AdjustCertificate AdjustmentSubject = "certificate"
)

// Adjustment records who changed which power in an agency, when, and what it was before and
// after (机构和人员调整记录): the agency's supervisors read them, and the bodies it names are
// alerted. Its id is derived from the subject and the version the change wrote, so a retried
// write records it once.
type Adjustment struct {
	ID          string
	AgencyID    string
	Subject     AdjustmentSubject
	SubjectID   string
	SubjectName string
	Field       string
	Before      string
	After       string
	ActorID     string
	ActorName   string
	At          time.Time
	// Bodies are the supervisory bodies told of it: those over the agency before and after.
	Bodies []string
}

// AdjustmentID names the adjustment of field of a subject written as version.
func AdjustmentID(subject AdjustmentSubject, subjectID, field string, version int64) string {
	return fmt.Sprintf("%s:%s:%s:%d", subject, subjectID, field, version)
}

// Adjustments stores the adjustment records.
type Adjustments interface {
	// RecordAdjustment stores a; one with the same id stored before is kept as it is.
	RecordAdjustment(ctx context.Context, a *Adjustment) error
	// DeleteAdjustment removes the record of a change that was not written after all.
	DeleteAdjustment(ctx context.Context, id string) error
	AdjustmentByID(ctx context.Context, id string) (*Adjustment, error)
	// AdjustmentsOf lists an agency's adjustments, oldest first, one page.
	AdjustmentsOf(ctx context.Context, agencyID string, p Page) ([]*Adjustment, string, error)
}

// AdjustmentAlerts tell a supervisory body's supervisors that an agency under it (or that was
// under it) was adjusted.
func AdjustmentAlerts(a *Adjustment, agency *Agency, supervisors []string) []Alert {
	if len(supervisors) == 0 {
		return nil
	}
	label := fmt.Sprintf("%s的%s", agency.Name, AdjustmentFieldNames[a.Field])
	return []Alert{{Kind: KindAgencyAdjusted, Recipients: supervisors, ObjectKind: "adjustment", ObjectID: a.ID, Label: label, Key: "adjustment:" + a.ID}}
}

// AdjustmentFieldNames are the Chinese names of what an adjustment changes.
var AdjustmentFieldNames = map[string]string{
	"name":         "名称",
	"jurisdiction": "管辖区域",
	"kind":         "机构类型",
	"legal_basis":  "执法依据",
	"status":       "状态",
	"roles":        "人员角色",
	"certificate":  "执法证",
}
