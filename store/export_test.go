package store

import (
	"context"
	"time"

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

// QueryDocumentsOf is the database query behind DocumentsOf.
func (s *Store) QueryDocumentsOf(ctx context.Context, caseID string) ([]*domain.Document, error) {
	return s.queryDocumentsOf(ctx, caseID)
}
