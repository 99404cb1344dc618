package notify

import (
	"context"
	"log/slog"
	"time"

	"github.com/zhifa/zhifa/domain"
)

// Every runs round every period until ctx ends, logging what fails (as what) and what it did.
func Every(ctx context.Context, every time.Duration, log *slog.Logger, what string, round func(context.Context) (int, error)) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if n, err := round(ctx); err != nil && ctx.Err() == nil {
			log.Warn(what, "error", err.Error())
		} else if n > 0 {
			log.Debug(what, "count", n)
		}
	}
}

// forEachAgency calls fn for every agency of status ("" for all) and sums what it returns.
func forEachAgency(ctx context.Context, repo domain.Repository, status domain.AgencyStatus, fn func(ctx context.Context, agencyID string) (int, error)) (int, error) {
	return forEachPaged(ctx, func(p domain.Page) ([]*domain.Agency, string, error) { return repo.ListAgencies(ctx, status, p) },
		func(a *domain.Agency) string { return a.ID }, fn)
}

// forEachEnterprise calls fn for every active enterprise, whose users have a change log of
// their own, and sums what it returns.
func forEachEnterprise(ctx context.Context, repo domain.Repository, fn func(ctx context.Context, id string) (int, error)) (int, error) {
	return forEachPaged(ctx, func(p domain.Page) ([]*domain.Enterprise, string, error) {
		return repo.ListEnterprises(ctx, domain.EnterpriseFilter{Status: domain.EnterpriseActive}, p)
	}, func(e *domain.Enterprise) string { return e.ID }, fn)
}

// forEachPaged walks every page of list and calls fn with the id of each item, summing what
// it returns.
func forEachPaged[T any](ctx context.Context, list func(domain.Page) ([]T, string, error), idOf func(T) string, fn func(ctx context.Context, id string) (int, error)) (int, error) {
	total := 0
	page := domain.Page{Limit: domain.MaxPageLimit}
	for {
		items, next, err := list(page)
		if err != nil {
			return total, err
		}
		for _, it := range items {
			n, err := fn(ctx, idOf(it))
			total += n
			if err != nil {
				return total, err
			}
		}
		if next == "" {
			return total, nil
		}
		page.Cursor = next
	}
}
