package store

import (
	"context"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/zhifa/zhifa/domain"
)

type complaintEventDoc struct {
	Seq    int       `bson:"seq"`
	Action string    `bson:"action"`
	Status string    `bson:"status"`
	Reply  string    `bson:"reply,omitempty"`
	By     string    `bson:"by,omitempty"`
	At     time.Time `bson:"at"`
}

type complaintDoc struct {
	ID            string              `bson:"_id"`
	AgencyID      string              `bson:"agency_id"`
	Subject       string              `bson:"subject"`
	InspectionID  string              `bson:"inspection_id,omitempty"`
	CaseID        string              `bson:"case_id,omitempty"`
	OfficerID     string              `bson:"officer_id,omitempty"`
	CertificateNo string              `bson:"certificate_no,omitempty"`
	Category      string              `bson:"category"`
	Description   string              `bson:"description"`
	EvidenceIDs   []string            `bson:"evidence_ids,omitempty"`
	EnterpriseID  string              `bson:"enterprise_id"`
	UserID        string              `bson:"user_id"`
	Status        string              `bson:"status"`
	Open          bool                `bson:"open"`
	Events        []complaintEventDoc `bson:"events"`
	AcceptBy      time.Time           `bson:"accept_by"`
	AnswerBy      time.Time           `bson:"answer_by,omitempty"`
	BodyIDs       []string            `bson:"body_ids"`
	Level         int                 `bson:"level"`
	CreatedAt     time.Time           `bson:"created_at"`
	UpdatedAt     time.Time           `bson:"updated_at"`
	Version       int64               `bson:"version"`
	Request       string              `bson:"request,omitempty"`
}

func toComplaintDoc(c *domain.Complaint) complaintDoc {
	d := complaintDoc{ID: c.ID, AgencyID: c.AgencyID, Subject: c.Subject, InspectionID: c.InspectionID, CaseID: c.CaseID, OfficerID: c.OfficerID,
		CertificateNo: c.CertificateNo, Category: c.Category, Description: c.Description, EvidenceIDs: c.EvidenceIDs, EnterpriseID: c.EnterpriseID,
		UserID: c.UserID, Status: string(c.Status), Open: c.Open(), AcceptBy: asStored(c.AcceptBy), AnswerBy: asStored(c.AnswerBy), BodyIDs: c.BodyIDs,
		Level: c.Level, CreatedAt: asStored(c.CreatedAt), UpdatedAt: asStored(c.UpdatedAt), Version: c.Version, Request: c.Request}
	for _, e := range c.Events {
		d.Events = append(d.Events, complaintEventDoc{Seq: e.Seq, Action: e.Action, Status: string(e.Status), Reply: e.Reply, By: e.By, At: asStored(e.At)})
	}
	return d
}

func fromComplaintDoc(d *complaintDoc) *domain.Complaint {
	c := &domain.Complaint{ID: d.ID, AgencyID: d.AgencyID, Subject: d.Subject, InspectionID: d.InspectionID, CaseID: d.CaseID, OfficerID: d.OfficerID,
		CertificateNo: d.CertificateNo, Category: d.Category, Description: d.Description, EvidenceIDs: d.EvidenceIDs, EnterpriseID: d.EnterpriseID,
		UserID: d.UserID, Status: domain.ComplaintStatus(d.Status), AcceptBy: d.AcceptBy.UTC(), BodyIDs: d.BodyIDs, Level: d.Level,
		CreatedAt: d.CreatedAt.UTC(), UpdatedAt: d.UpdatedAt.UTC(), Version: d.Version, Request: d.Request}
	if !d.AnswerBy.IsZero() {
		c.AnswerBy = d.AnswerBy.UTC()
	}
	for _, e := range d.Events {
		c.Events = append(c.Events, domain.ComplaintEvent{Seq: e.Seq, Action: e.Action, Status: domain.ComplaintStatus(e.Status), Reply: e.Reply, By: e.By, At: e.At.UTC()})
	}
	return c
}

// CreateComplaint stores a new complaint; Conflict when its id is taken.
func (s *Store) CreateComplaint(ctx context.Context, c *domain.Complaint) error {
	c.Version = 1
	_, err := s.db.Collection("complaints").InsertOne(ctx, toComplaintDoc(c))
	return mapErr(err, "complaint")
}

// ComplaintByID returns a complaint or NotFound.
func (s *Store) ComplaintByID(ctx context.Context, id string) (*domain.Complaint, error) {
	return findOne(ctx, s.db.Collection("complaints"), bson.D{{Key: "_id", Value: id}}, fromComplaintDoc, "complaint")
}

// UpdateComplaint writes c when its stored version is c.Version; Conflict otherwise.
func (s *Store) UpdateComplaint(ctx context.Context, c *domain.Complaint) error {
	doc := toComplaintDoc(c)
	doc.Version = c.Version + 1
	if err := s.replaceVersioned(ctx, s.db.Collection("complaints"), c.ID, c.Version, doc, "complaint"); err != nil {
		return err
	}
	c.Version = doc.Version
	return nil
}

// ListComplaints lists complaints in the order they were filed.
func (s *Store) ListComplaints(ctx context.Context, f domain.ComplaintFilter, p domain.Page) ([]*domain.Complaint, string, error) {
	return pageByTime(ctx, s.db.Collection("complaints"), complaintQuery(f), "created_at", 1, p, fromComplaintDoc,
		func(d *complaintDoc) (time.Time, string) { return d.CreatedAt, d.ID })
}

// complaintQuery is the filter of f, for the list and its count.
func complaintQuery(f domain.ComplaintFilter) bson.D {
	filter := bson.D{}
	if f.AgencyIDs != nil {
		filter = append(filter, bson.E{Key: "agency_id", Value: bson.D{{Key: "$in", Value: f.AgencyIDs}}})
	}
	if f.EnterpriseID != "" {
		filter = append(filter, bson.E{Key: "enterprise_id", Value: f.EnterpriseID})
	}
	if f.Status != "" {
		filter = append(filter, bson.E{Key: "status", Value: string(f.Status)})
	}
	if f.Category != "" {
		filter = append(filter, bson.E{Key: "category", Value: f.Category})
	}
	if f.OfficerID != "" {
		filter = append(filter, bson.E{Key: "officer_id", Value: f.OfficerID})
	}
	if f.OpenOnly {
		filter = append(filter, bson.E{Key: "open", Value: true})
	}
	if created := timeRange(f.From, f.To); created != nil {
		filter = append(filter, bson.E{Key: "created_at", Value: created})
	}
	return filter
}
