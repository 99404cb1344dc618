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
	total := 0
	page := domain.Page{Limit: domain.MaxPageLimit}
	for {
		agencies, next, err := repo.ListAgencies(ctx, status, page)
		if err != nil {
			return total, err
		}
		for _, a := range agencies {
			n, err := fn(ctx, a.ID)
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

// forEachEnterprise calls fn for every active enterprise, whose users have a change log of
// their own, and sums what it returns.
func forEachEnterprise(ctx context.Context, repo domain.Repository, fn func(ctx context.Context, id string) (int, error)) (int, error) {
	total := 0
	page := domain.Page{Limit: domain.MaxPageLimit}
	for {
		list, next, err := repo.ListEnterprises(ctx, domain.EnterpriseFilter{Status: domain.EnterpriseActive}, page)
		if err != nil {
			return total, err
		}
		for _, e := range list {
			n, err := fn(ctx, e.ID)
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
