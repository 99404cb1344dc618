package store

import (
	"context"

	"github.com/zhifa/zhifa/domain"
)

// QueryCases lists cases with the database query, bypassing the in-process index, so tests can
// hold one against the other.
func (s *Store) QueryCases(ctx context.Context, f domain.CaseFilter, p domain.Page) ([]*domain.Case, string, error) {
	return s.queryCases(ctx, f, p)
}
