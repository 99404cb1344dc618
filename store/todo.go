package store

import (
	"context"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/zhifa/zhifa/domain"
)

// The counts of the to-do lists: each is the filter its list uses, counted in one query (on the
// embedded engine, from the in-process index where the list has one).

// countOf counts the documents filter matches, at most domain.TodoCountCap.
func countOf(ctx context.Context, c *mongo.Collection, filter bson.D) (int, error) {
	n, err := c.CountDocuments(ctx, filter, options.Count().SetLimit(domain.TodoCountCap))
	return int(n), mapErr(err, c.Name())
}

// count counts the entries that match, at most domain.TodoCountCap.
func (x *listIndex[E]) count(ctx context.Context, match func(*E) bool) (int, error) {
	if err := x.wait(ctx); err != nil {
		return 0, err
	}
	x.mu.RLock()
	defer x.mu.RUnlock()
	n := 0
	x.entries.Ascend(func(k keyed[E]) bool {
		if match(&k.e) {
			n++
		}
		return n < domain.TodoCountCap
	})
	return n, nil
}

// CountCases counts the cases ListCases would list with f.
func (s *Store) CountCases(ctx context.Context, f domain.CaseFilter) (int, error) {
	if s.idx.cases != nil {
		return s.idx.cases.count(ctx, matchCase(f, nil))
	}
	return countOf(ctx, s.db.Collection("cases"), caseQuery(f, nil))
}

// CountProblems counts the problems ListProblems would list with f.
func (s *Store) CountProblems(ctx context.Context, f domain.ProblemFilter) (int, error) {
	return countOf(ctx, s.db.Collection("problems"), problemQuery(f))
}

// CountComplaints counts the complaints ListComplaints would list with f.
func (s *Store) CountComplaints(ctx context.Context, f domain.ComplaintFilter) (int, error) {
	return countOf(ctx, s.db.Collection("complaints"), complaintQuery(f))
}

// CountCallbacks counts the callbacks ListCallbacks would list with f.
func (s *Store) CountCallbacks(ctx context.Context, f domain.CallbackFilter) (int, error) {
	return countOf(ctx, s.db.Collection("callbacks"), callbackQuery(f))
}

// CountEnterprises counts the registrations ListEnterprises would list with f.
func (s *Store) CountEnterprises(ctx context.Context, f domain.EnterpriseFilter) (int, error) {
	return countOf(ctx, s.db.Collection("enterprises"), enterpriseQuery(f))
}

// CountFeedback counts the ratings ListFeedback would list with f.
func (s *Store) CountFeedback(ctx context.Context, f domain.FeedbackFilter) (int, error) {
	return countOf(ctx, s.db.Collection("feedback"), feedbackQuery(f))
}

// CountPushFailures counts the notifications PushFailures would list.
func (s *Store) CountPushFailures(ctx context.Context, agencyID string) (int, error) {
	if x := s.idx.notifications; x != nil {
		return x.count(ctx, func(e *notificationEntry) bool { return e.Agency == agencyID && e.Status == domain.PushFailed })
	}
	return countOf(ctx, s.db.Collection("notifications"), bson.D{{Key: "agency_id", Value: agencyID}, {Key: "push.status", Value: domain.PushFailed}})
}

// PendingEvidence counts and lists the evidence of the agency that userID recorded and that
// waits for its bytes.
func (s *Store) PendingEvidence(ctx context.Context, agencyID, userID string, limit int) (int, []*domain.Evidence, error) {
	c := s.db.Collection("evidence")
	filter := bson.D{{Key: "agency_id", Value: agencyID}, {Key: "created_by", Value: userID}, {Key: "status", Value: string(domain.EvidencePending)}}
	n, err := countOf(ctx, c, filter)
	if err != nil || n == 0 {
		return n, []*domain.Evidence{}, err
	}
	cur, err := c.Find(ctx, filter, options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}).SetLimit(int64(limit)).SetProjection(bson.D{{Key: "key_ring", Value: 0}}))
	list, err := findAll(ctx, cur, err, fromEvidenceDoc, "evidence")
	return n, list, err
}

// InspectionsPlannedOn lists the agency's inspections still planned for day.
func (s *Store) InspectionsPlannedOn(ctx context.Context, agencyID string, day time.Time) ([]*domain.Inspection, error) {
	from, to := asStored(day), asStored(day.AddDate(0, 0, 1))
	if x := s.idx.inspections; x != nil {
		if err := x.wait(ctx); err != nil {
			return nil, err
		}
		found := x.inGroup("agency", agencyID, func(e *inspectionEntry) bool {
			return e.Status == string(domain.InspectionPlanned) && !e.PlannedOn.Before(from) && e.PlannedOn.Before(to)
		})
		ids := make([]string, len(found))
		for i, e := range found {
			ids[i] = e.ID
		}
		return readByID(ctx, s.db.Collection("inspections"), ids, fromInspectionDoc, "inspections")
	}
	cur, err := s.db.Collection("inspections").Find(ctx, bson.D{{Key: "agency_id", Value: agencyID}, {Key: "status", Value: string(domain.InspectionPlanned)},
		{Key: "planned_on", Value: timeRange(from, to)}}, options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}))
	return findAll(ctx, cur, err, fromInspectionDoc, "inspections")
}

// ExpiringCertificates counts and lists the agency's valid certificates expiring in [from, to].
func (s *Store) ExpiringCertificates(ctx context.Context, agencyID string, from, to time.Time, limit int) (int, []*domain.Certificate, error) {
	c := s.db.Collection("certificates")
	filter := bson.D{{Key: "agency_id", Value: agencyID}, {Key: "status", Value: string(domain.CertificateValid)},
		{Key: "expires_on", Value: bson.D{{Key: "$gte", Value: from}, {Key: "$lte", Value: to}}}}
	n, err := countOf(ctx, c, filter)
	if err != nil || n == 0 {
		return n, []*domain.Certificate{}, err
	}
	cur, err := c.Find(ctx, filter, options.Find().SetSort(bson.D{{Key: "expires_on", Value: 1}, {Key: "_id", Value: 1}}).SetLimit(int64(limit)))
	list, err := findAll(ctx, cur, err, fromCertificateDoc, "certificates")
	return n, list, err
}
