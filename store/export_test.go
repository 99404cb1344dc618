package store

import (
	"context"
	"errors"
	"reflect"

	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/zhifa/zhifa/domain"
)

// QueryCases lists cases with the database query, bypassing the in-process index, so tests can
// hold one against the other.
func (s *Store) QueryCases(ctx context.Context, f domain.CaseFilter, p domain.Page) ([]*domain.Case, string, error) {
	return s.queryCases(ctx, f, p)
}

// QueryInspections and QueryInspectionsOfEnterprise are the database queries behind
// ListInspections and InspectionsOfEnterprise.
func (s *Store) QueryInspections(ctx context.Context, agencyID string, p domain.Page) ([]*domain.Inspection, string, error) {
	return s.queryInspections(ctx, agencyID, p)
}

func (s *Store) QueryInspectionsOfEnterprise(ctx context.Context, uscc string, from, to time.Time) ([]*domain.Inspection, error) {
	return s.queryInspectionsOfEnterprise(ctx, uscc, from, to)
}

// QueryInspectionSearch is the database query behind SearchInspections.
func (s *Store) QueryInspectionSearch(ctx context.Context, f domain.InspectionFilter, p domain.Page) ([]*domain.Inspection, string, error) {
	return s.queryInspectionSearch(ctx, f, p)
}

// QueryDocumentsOf is the database query behind DocumentsOf.
func (s *Store) QueryDocumentsOf(ctx context.Context, caseID string) ([]*domain.Document, error) {
	return s.queryDocumentsOf(ctx, caseID)
}

// ScansAgree scans each list index's collection from the SQLite file and through the driver
// and returns the first collection whose entries differ, with both.
func (s *Store) ScansAgree(ctx context.Context) (coll string, files, driver any, err error) {
	for _, c := range []func() (string, any, any, error){
		func() (string, any, any, error) { return bothScans(ctx, s.idx.cases, s.db) },
		func() (string, any, any, error) { return postingsAgree(s.idx.cases) },
		func() (string, any, any, error) { return postingsAgree(s.idx.inspections) },
		func() (string, any, any, error) { return postingsAgree(s.idx.documents) },
		func() (string, any, any, error) { return bothScans(ctx, s.idx.inspections, s.db) },
		func() (string, any, any, error) { return bothScans(ctx, s.idx.documents, s.db) },
	} {
		if coll, files, driver, err = c(); err != nil || !reflect.DeepEqual(files, driver) {
			return coll, files, driver, err
		}
	}
	return "", nil, nil, nil
}

func bothScans[E indexEntry](ctx context.Context, x *listIndex[E], db *mongo.Database) (string, any, any, error) {
	files, err1 := x.scanFiles(ctx)
	driver, err2 := x.scanDriver(ctx, db)
	return x.coll, files, driver, errors.Join(err1, err2)
}

// ForgetCaseDocument deletes a case's document, as if every write after the commits of its
// events had been lost to a crash.
func (s *Store) ForgetCaseDocument(ctx context.Context, id string) error {
	_, err := s.db.Collection("cases").DeleteOne(ctx, bson.D{{Key: "_id", Value: id}})
	return err
}

// MapErr is mapErr, for tests of how driver errors reach clients.
var MapErr = mapErr

// postingsAgree rebuilds a searchable index's postings from its entries and compares them with
// the postings kept up to date write by write.
func postingsAgree[E indexEntry](x *listIndex[E]) (string, any, any, error) {
	x.mu.RLock()
	defer x.mu.RUnlock()
	fresh, scopes := x.postingsOf(x.entries)
	flat := func(ps map[string]*posting) map[string][]string {
		out := map[string][]string{}
		for k, p := range ps {
			p.ascend("", func(id string) bool { out[k] = append(out[k], id); return true })
		}
		return out
	}
	got, want := flat(x.postings), flat(fresh)
	if !reflect.DeepEqual(got, want) || !reflect.DeepEqual(x.scopes, scopes) {
		return x.coll + " postings", got, want, nil
	}
	return "", nil, nil, nil
}

// The database queries of the searches, for tests that ask the engine how it runs them.
var (
	CaseQuery       = caseQuery
	InspectionQuery = inspectionQuery
	EnterpriseQuery = enterpriseQuery
	UserQuery       = userQuery
	// DocumentNumberQuery finds the documents whose 文号 a case search names.
	DocumentNumberQuery = documentNumberQuery
)

// Explain asks the engine how it runs a page of a list's query (sorted by _id, as pages are).
func (s *Store) Explain(ctx context.Context, coll string, filter bson.D) (bson.M, error) {
	var out bson.M
	err := s.db.RunCommand(ctx, bson.D{
		{Key: "explain", Value: bson.D{{Key: "find", Value: coll}, {Key: "filter", Value: filter}, {Key: "sort", Value: bson.D{{Key: "_id", Value: 1}}}, {Key: "limit", Value: 51}}},
		{Key: "verbosity", Value: "queryPlanner"},
	}).Decode(&out)
	return out, err
}

// IndexKeys names the fields of each index of a collection, in order, by index name.
func (s *Store) IndexKeys(ctx context.Context, coll string) (map[string][]string, error) {
	cur, err := s.db.Collection(coll).Indexes().List(ctx)
	if err != nil {
		return nil, err
	}
	var specs []struct {
		Name string `bson:"name"`
		Key  bson.D `bson:"key"`
	}
	if err := cur.All(ctx, &specs); err != nil {
		return nil, err
	}
	out := map[string][]string{}
	for _, sp := range specs {
		for _, k := range sp.Key {
			out[sp.Name] = append(out[sp.Name], k.Key)
		}
	}
	return out, nil
}
