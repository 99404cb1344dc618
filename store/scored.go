package store

import (
	"context"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/zhifa/zhifa/domain"
)

// ScoredCases calls fn with what the scorecard reads of each case of the agency with a
// decision. The embedded engine answers from the case index, which holds it beside each such
// case and groups those cases by agency, so that no case is read; MongoDB answers from its
// indexes on the decision's and the service's days, so that only the period's cases are read.
func (s *Store) ScoredCases(ctx context.Context, agencyID string, from, to time.Time, fn func(*domain.ScoredCase)) error {
	if x := s.idx.cases; x != nil {
		if err := x.wait(ctx); err != nil {
			return err
		}
		type scored struct {
			id, status string
			score      *scoreEntry
		}
		var all []scored
		x.eachInGroup("scored", agencyID, func(e *caseEntry) { all = append(all, scored{e.ID, e.Status, e.Score}) })
		for _, e := range all {
			sc := e.score.scored(e.id, e.status)
			fn(&sc)
		}
		return nil
	}
	period := bson.D{{Key: "$gte", Value: from}, {Key: "$lt", Value: to}}
	filter := bson.D{{Key: "agency_id", Value: agencyID}, {Key: "$or", Value: bson.A{
		bson.D{{Key: "decided_at", Value: period}}, bson.D{{Key: "served_at", Value: period}},
	}}}
	cur, err := s.db.Collection("cases").Find(ctx, filter, options.Find().SetProjection(projection(append([]string{"status", "deadline"}, scoreFields...))).SetBatchSize(1000))
	if err != nil {
		return mapErr(err, "case")
	}
	defer cur.Close(ctx)
	for cur.Next(ctx) {
		var d caseDoc
		if err := cur.Decode(&d); err != nil {
			return mapErr(err, "case")
		}
		if e := scoreEntryOf(&d); e != nil {
			sc := e.scored(d.ID, d.Status)
			fn(&sc)
		}
	}
	return mapErr(cur.Err(), "case")
}
