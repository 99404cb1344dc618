package handlers

import (
	"bytes"
	"context"
	"encoding/csv"
	"math"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/zhifa/zhifa/domain"
)

// What the supervisors' lists, statistics and reports share: the period they ask for, the
// names they show and the CSV they export.

// dateRange reads ?from= and ?to= (dates, China time) as [from, to-day's end).
func dateRange(c *fiber.Ctx, fe domain.FieldErrors) (from, to time.Time) {
	for name, dst := range map[string]*time.Time{"from": &from, "to": &to} {
		if s := c.Query(name); s != "" {
			d, err := time.Parse(time.DateOnly, s)
			if err != nil {
				fe.Add(name, "a date YYYY-MM-DD")
				continue
			}
			*dst = domain.PlannedDayStart(d)
		}
	}
	if !to.IsZero() {
		to = to.AddDate(0, 0, 1)
	}
	return from, to
}

// names resolves agencies, matters and officers once per list.
type names struct {
	h        *Handlers
	agencies map[string]string
	matters  map[string]string
	officers map[string]officerCard
}

func (h *Handlers) names() *names {
	return &names{h: h, agencies: map[string]string{}, matters: map[string]string{}, officers: map[string]officerCard{}}
}

func (n *names) agency(ctx context.Context, id string) string {
	if v, ok := n.agencies[id]; ok {
		return v
	}
	if a, err := n.h.Repo.AgencyByID(ctx, id); err == nil {
		n.agencies[id] = a.Name
	}
	return n.agencies[id]
}

func (n *names) matter(ctx context.Context, id string) string {
	if v, ok := n.matters[id]; ok {
		return v
	}
	if m, err := n.h.Repo.MatterByID(ctx, id); err == nil {
		n.matters[id] = m.Name
	}
	return n.matters[id]
}

func (n *names) officersOf(ctx context.Context, ids []string) []officerCard {
	out := []officerCard{}
	for _, id := range ids {
		o, ok := n.officers[id]
		if !ok {
			if u, err := n.h.Repo.UserByID(ctx, id); err == nil {
				o = officerCard{Name: u.Name, CertificateNo: u.CertificateNo}
			}
			n.officers[id] = o
		}
		out = append(out, o)
	}
	return out
}

func round2(f float64) float64 { return math.Round(f*100) / 100 }

// sendCSV answers rows (the header first) as a CSV download, with a byte-order mark so that
// spreadsheet programs read the Chinese.
func sendCSV(c *fiber.Ctx, filename string, rows [][]string) error {
	var b bytes.Buffer
	b.WriteString("\ufeff")
	w := csv.NewWriter(&b)
	_ = w.WriteAll(rows)
	c.Set(fiber.HeaderContentType, "text/csv; charset=utf-8")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="`+filename+`"`)
	return c.Send(b.Bytes())
}

// csvSafe keeps a name from being read as a formula by a spreadsheet.
func csvSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
