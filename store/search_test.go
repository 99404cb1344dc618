package store_test

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/zhifa/zhifa/domain"
	"github.com/zhifa/zhifa/store"
)

// TestSearchQueriesUseAnIndex asks the engine how it runs each search's query on the MongoDB
// path. On MongoDB (ZHIFA_TEST_MONGODB_URI) the winning plan must scan an index and no
// collection; the embedded engine's explain names no MongoDB plan, so there the index
// must exist with the query's equality fields, in order, ahead of _id (the shape MongoDB's
// planner takes for an equality-then-sort query).
func TestSearchQueriesUseAnIndex(t *testing.T) {
	ctx := context.Background()
	var s *store.Store
	if uri := os.Getenv("ZHIFA_TEST_MONGODB_URI"); uri != "" {
		var err error
		if s, err = store.Connect(ctx, uri, fmt.Sprintf("zhifa_explain_%d", time.Now().UnixNano())); err != nil {
			t.Fatal(err)
		}
		defer s.Drop(ctx)
	} else {
		emb, err := store.StartEmbedded(ctx, t.TempDir(), quiet())
		if err != nil {
			t.Fatal(err)
		}
		defer emb.Close()
		if s, err = emb.ConnectAsMongoDB(ctx, "zhifa"); err != nil {
			t.Fatal(err)
		}
	}
	defer s.Close(ctx)
	for i := range 30 {
		c := &domain.Case{AgencyID: fmt.Sprintf("a%d", i%3), Status: domain.StatusClue, Procedure: domain.ProcedureGeneral, Number: fmt.Sprintf("2026-%03d", i),
			Party: domain.Party{Kind: "person", Name: fmt.Sprintf("青山区某某%d号", i), IDNumber: "11010519491231002X"}, OfficerIDs: []string{"o1"}}
		if err := s.CommitCase(ctx, c, c.Seed(domain.Event{Action: domain.ActCreate, ActorID: "o1", At: time.Now()}), domain.Attached{}); err != nil {
			t.Fatal(err)
		}
	}
	const uscc = "91350100M000100Y43"
	for _, q := range []struct {
		coll, index string
		filter      bson.D
		equality    []string
	}{
		{"cases", "agency_number", store.CaseQuery(domain.CaseFilter{AgencyID: "a1", Number: "2026-001"}, nil), []string{"agency_id", "number"}},
		{"cases", "agency_party_id_hash", store.CaseQuery(domain.CaseFilter{AgencyID: "a1", PartyIDHash: domain.IDNumberHash("11010519491231002X")}, nil), []string{"agency_id", "party.id_hash"}},
		{"cases", "agency_party_name_grams", store.CaseQuery(domain.CaseFilter{AgencyID: "a1", PartyName: "青山"}, nil), []string{"agency_id", "party.name_grams"}},
		{"documents", "agency_number", store.DocumentNumberQuery([]string{"a1"}, "执罚〔2026〕1号"), []string{"agency_id", "fields.number"}},
		{"cases", "number", store.CaseQuery(domain.CaseFilter{Number: "2026-001"}, nil), []string{"number"}},
		{"cases", "party_id_hash", store.CaseQuery(domain.CaseFilter{PartyIDHash: domain.IDNumberHash("11010519491231002X")}, nil), []string{"party.id_hash"}},
		{"cases", "party_name_grams", store.CaseQuery(domain.CaseFilter{PartyName: "青山"}, nil), []string{"party.name_grams"}},
		{"inspections", "agency_enterprise", store.InspectionQuery(domain.InspectionFilter{AgencyID: "a1", EnterpriseUSCC: uscc}), []string{"agency_id", "enterprise_uscc"}},
		{"inspections", "agency_officer", store.InspectionQuery(domain.InspectionFilter{AgencyID: "a1", OfficerID: "o1"}), []string{"agency_id", "officer_ids"}},
		{"inspections", "agency_status", store.InspectionQuery(domain.InspectionFilter{AgencyID: "a1", Status: domain.InspectionPlanned}), []string{"agency_id", "status"}},
		{"enterprises", "uscc", store.EnterpriseQuery(domain.EnterpriseFilter{USCC: uscc}), []string{"uscc"}},
		{"enterprises", "region_path", store.EnterpriseQuery(domain.EnterpriseFilter{RegionID: "r1", Name: "青山"}), []string{"region_path"}},
		{"users", "certificate_no", store.UserQuery(domain.UserFilter{CertificateNo: "42010000001"}), []string{"certificate_no"}},
		{"users", "agency_id", store.UserQuery(domain.UserFilter{AgencyID: "a1", Name: "张"}), []string{"agency_id"}},
	} {
		t.Run(q.index, func(t *testing.T) {
			for _, k := range q.equality {
				if !slices.ContainsFunc(q.filter, func(e bson.E) bool { return e.Key == k }) {
					t.Fatalf("the query %v does not filter on %s", q.filter, k)
				}
			}
			plan, err := s.Explain(ctx, q.coll, q.filter)
			if err != nil {
				t.Fatal(err)
			}
			if qp, ok := plan["queryPlanner"].(bson.M); ok && qp["winningPlan"] != nil {
				stages := fmt.Sprint(qp["winningPlan"])
				// The planner may prefer another index of the same fields (agency_party_name_grams
				// or party_name_grams); any index scan without a collection scan will do.
				if !strings.Contains(stages, "IXSCAN") || strings.Contains(stages, "COLLSCAN") {
					t.Fatalf("MongoDB runs the query %v as %s", q.filter, stages)
				}
				return
			}
			keys, err := s.IndexKeys(ctx, q.coll)
			if err != nil {
				t.Fatal(err)
			}
			got := keys[q.index]
			if len(got) < len(q.equality) || !slices.Equal(got[:len(q.equality)], q.equality) {
				t.Fatalf("index %s of %s has keys %v, the query's equality fields are %v (explain: %v)", q.index, q.coll, got, q.equality, plan)
			}
			if rest := got[len(q.equality):]; len(rest) > 0 && !slices.Equal(rest, []string{"_id"}) {
				t.Fatalf("index %s continues with %v, not the pages' sort by _id", q.index, rest)
			}
		})
	}
}
