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
//
// The header is in Chinese for supervisors who open it in a spreadsheet, in English (the
// machine names) for a reader who asks for English.
func sendCSV(c *fiber.Ctx, filename string, rows [][]string) error {
	if len(rows) > 0 && langOf(c) == domain.Chinese {
		head := make([]string, len(rows[0]))
		for i, name := range rows[0] {
			head[i] = csvHeading(name)
		}
		rows = append([][]string{head}, rows[1:]...)
	}
	c.Vary(fiber.HeaderAcceptLanguage)
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

// csvHeadings are the Chinese headings of the exports' columns.
var csvHeadings = map[string]string{
	"agency_id": "执法主体编号", "agency_name": "执法主体", "officer_id": "执法人员编号", "officer_name": "执法人员",
	"ratings": "评价数", "raters": "评价人数", "average_rating": "平均评分", "bad_ratings": "差评数", "bad_share": "差评率", "complaints": "投诉数",
	"callbacks_answered": "已回访数", "callbacks_satisfied": "回访满意数", "callback_satisfaction": "回访满意率",
	"rank": "排名", "total": "总分", "files": "抽查案卷数", "scored": "已评查数", "average_score": "平均得分", "common_problems": "常见问题",
	"assessable": "可评价指标数",
}

// csvHeading is the Chinese heading of a column; a column it does not know keeps its name.
func csvHeading(name string) string {
	if zh, ok := csvHeadings[name]; ok {
		return zh
	}
	for _, ind := range domain.Indicators {
		if ind.Code == name {
			return ind.Name
		}
	}
	if rest, ok := strings.CutPrefix(name, "complaints_"); ok {
		if zh := domain.ComplaintStatusNames[domain.ComplaintStatus(rest)]; zh != "" {
			return "投诉（" + zh + "）"
		}
		return "投诉（" + rest + "）"
	}
	return name
}
