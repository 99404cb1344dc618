package notify

import (
	"context"
	"time"

	"github.com/zhifa/zhifa/domain"
)

// Publisher publishes penalty decisions (公示) once served, or when their publication deadline
// comes first, and withdraws them when revoked. The deriver calls it for every settled case
// event and the watcher for decisions not yet served.
type Publisher struct {
	Repo     domain.Repository
	Calendar domain.Calendar
	// Days are the working days after a decision by which it is published.
	Days int
}

// CaseChanged publishes or withdraws what the case's new state calls for.
func (p *Publisher) CaseChanged(ctx context.Context, c *domain.Case, now time.Time) error {
	if p == nil {
		return nil
	}
	if c.Status == domain.StatusRevoked {
		err := p.Repo.WithdrawPublication(ctx, c.ID, domain.WithdrawnText, now)
		if domain.ErrorCode(err) == domain.NotFound {
			return nil
		}
		return err
	}
	due, ok := domain.PublicationDue(c, p.Calendar, p.Days)
	if !ok || c.ServedAt.IsZero() && now.Before(due) {
		return nil
	}
	return p.publish(ctx, c, due, now)
}

func (p *Publisher) publish(ctx context.Context, c *domain.Case, due, now time.Time) error {
	if _, err := p.Repo.PublicationByID(ctx, c.ID); err == nil {
		return nil
	} else if domain.ErrorCode(err) != domain.NotFound {
		return err
	}
	agency, err := p.Repo.AgencyByID(ctx, c.AgencyID)
	if err != nil {
		return err
	}
	matter, err := p.Repo.MatterByID(ctx, c.MatterID)
	if err != nil && domain.ErrorCode(err) != domain.NotFound {
		return err
	}
	number := ""
	docs, err := p.Repo.DocumentsOf(ctx, c.ID)
	if err != nil {
		return err
	}
	for _, d := range docs {
		if d.Kind == domain.DocPenaltyDecision && d.Hash == c.Documents[domain.DocPenaltyDecision] {
			number = d.Fields["number"]
		}
	}
	err = p.Repo.CreatePublication(ctx, domain.PublicationOf(c, agency, matter, number, due, now))
	if domain.ErrorCode(err) == domain.Conflict {
		return nil
	}
	return err
}

// PublishOverdue publishes the decided, unserved penalty decisions of an agency whose deadline
// has come.
func (p *Publisher) PublishOverdue(ctx context.Context, agencyID string, now time.Time) (int, error) {
	if p == nil {
		return 0, nil
	}
	n := 0
	for pg := (domain.Page{Limit: domain.MaxPageLimit}); ; {
		cases, next, err := p.Repo.ListCases(ctx, domain.CaseFilter{AgencyID: agencyID, Status: domain.StatusDecided}, pg)
		if err != nil {
			return n, err
		}
		for _, c := range cases {
			if due, ok := domain.PublicationDue(c, p.Calendar, p.Days); ok && !now.Before(due) {
				full, err := p.Repo.CaseByID(ctx, c.ID)
				if err != nil {
					return n, err
				}
				if err := p.publish(ctx, full, due, now); err != nil {
					return n, err
				}
				n++
			}
		}
		if next == "" {
			return n, nil
		}
		pg.Cursor = next
	}
}
