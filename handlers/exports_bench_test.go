package handlers

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"runtime"
	"runtime/metrics"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/zhifa/zhifa/domain"
)

// benchTable is a case list's shape without the names the store resolves.
var benchTable = exportTable{File: "bench", Sheet: "案件", Columns: []exportColumn{
	{"number", "案件编号", textCol}, {"status", "状态", enumCol}, {"party.name", "当事人", textCol}, {"party.uscc", "统一社会信用代码", textCol},
	{"officer_ids", "执法人员编号", textCol}, {"overdue", "超期", boolCol}, {"decision.fine", "罚款金额（元）", numberCol},
	{"facts", "案情", textCol}, {"created_at", "创建时间", timeCol}, {"id", "案件ID", textCol},
}}

// benchList serves ?n= synthetic cases a page at a time, as a list route does: the cursor is
// the offset reached.
func benchList(c *fiber.Ctx) error {
	n, _ := strconv.Atoi(c.Query("n"))
	from, _ := strconv.Atoi(c.Query("cursor"))
	limit := domain.MaxPageLimit
	if s := c.Query("limit"); s != "" {
		limit, _ = strconv.Atoi(s)
	}
	to := min(n, from+limit)
	out := listResponse[map[string]any]{Items: make([]map[string]any, 0, to-from)}
	at := time.Date(2026, 5, 1, 8, 0, 0, 0, time.UTC)
	for i := from; i < to; i++ {
		out.Items = append(out.Items, map[string]any{
			"id": fmt.Sprintf("6650f0a1c2d3e4f5%08d", i), "number": fmt.Sprintf("2026-%06d", i), "status": "decided",
			"party":       map[string]any{"name": fmt.Sprintf("某某食品有限公司第%d分公司", i), "uscc": "91310115MA1K3YJ12G"},
			"officer_ids": []string{"6650f0a1c2d3e4f5a6b7c811", "6650f0a1c2d3e4f5a6b7c812"}, "overdue": i%7 == 0,
			"decision": map[string]any{"fine": 90000 + i}, "facts": "销售过期食品，现场查获过期酸奶二十箱，当事人对事实无异议",
			"created_at": at.Add(time.Duration(i) * time.Second),
		})
	}
	if to < n {
		out.NextCursor = strconv.Itoa(to)
	}
	return c.JSON(out)
}

// heapWatch records the live heap each collection finds while an export runs.
type heapWatch struct {
	stop  chan struct{}
	done  sync.WaitGroup
	lives []uint64
}

// liveHeap is the live heap as the last collection found it, and how many collections ran.
func liveHeap() (uint64, uint64) {
	s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}, {Name: "/gc/cycles/total:gc-cycles"}}
	metrics.Read(s)
	return s[0].Value.Uint64(), s[1].Value.Uint64()
}

func heapAllocs() uint64 {
	s := []metrics.Sample{{Name: "/gc/heap/allocs:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

func watchHeap() *heapWatch {
	w := &heapWatch{stop: make(chan struct{})}
	_, seen := liveHeap()
	w.done.Add(1)
	go func() {
		defer w.done.Done()
		for {
			if live, cycles := liveHeap(); cycles != seen {
				seen = cycles
				w.lives = append(w.lives, live)
			}
			select {
			case <-w.stop:
				return
			case <-time.After(100 * time.Microsecond):
			}
		}
	}()
	return w
}

// end is the largest live heap and the 95th percentile over the collections seen.
func (w *heapWatch) end() (peak, p95 uint64) {
	close(w.stop)
	w.done.Wait()
	if len(w.lives) == 0 {
		return 0, 0
	}
	slices.Sort(w.lives)
	return w.lives[len(w.lives)-1], w.lives[len(w.lives)*95/100]
}

// BenchmarkExport measures the memory of a whole-list export, through a real HTTP connection, at
// 10 000 and 100 000 rows, CSV and XLSX, against a baseline in the same run: a client paging
// through the same rows as JSON, one request a page, which holds one page at a time by
// construction. Printed: the largest live heap a collection found above the idle heap (and the
// 95th percentile over the collections, steadier than the largest), the bytes
// allocated per row, and each peak as a ratio of the baseline's; flat memory is a ratio that
// does not grow from 10 000 to 100 000 rows.
func BenchmarkExport(b *testing.B) {
	h := &Handlers{Now: time.Now, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	app := fiber.New(fiber.Config{Immutable: true, DisableStartupMessage: true})
	app.Get("/rows", func(c *fiber.Ctx) error {
		if c.Query("format") != "" {
			return h.Export(c, benchTable)
		}
		return c.Next()
	}, benchList)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	go func() { _ = app.Listener(ln) }()
	b.Cleanup(func() { _ = app.Shutdown() })
	base := "http://" + ln.Addr().String() + "/rows?n="
	client := &http.Client{Transport: &http.Transport{DisableCompression: true}}
	get := func(b *testing.B, url string) (int64, string) {
		res, err := client.Get(url)
		if err != nil {
			b.Fatal(err)
		}
		defer res.Body.Close()
		var page struct {
			NextCursor string `json:"next_cursor"`
		}
		if res.Header.Get("Content-Type") == fiber.MIMEApplicationJSON {
			body, _ := io.ReadAll(res.Body)
			_ = json.Unmarshal(body, &page)
			return int64(len(body)), page.NextCursor
		}
		n, err := io.Copy(io.Discard, res.Body)
		if err != nil || res.StatusCode != 200 {
			b.Fatalf("%s: %d %v", url, res.StatusCode, err)
		}
		return n, ""
	}
	type result struct{ peak, p95, perRow float64 }
	results := map[string]result{}
	measure := func(name string, rows int, run func(b *testing.B)) {
		b.Run(name, func(b *testing.B) {
			var peak, p95, allocs uint64
			for b.Loop() {
				runtime.GC()
				idle, _ := liveHeap()
				before := heapAllocs()
				w := watchHeap()
				run(b)
				top, p := w.end()
				if top > idle {
					peak = max(peak, top-idle)
				}
				if p > idle {
					p95 = max(p95, p-idle)
				}
				allocs += heapAllocs() - before
			}
			r := result{peak: float64(peak) / (1 << 20), p95: float64(p95) / (1 << 20), perRow: float64(allocs) / float64(b.N) / float64(rows)}
			b.ReportMetric(r.peak, "peak-live-MiB")
			b.ReportMetric(r.p95, "p95-live-MiB")
			b.ReportMetric(r.perRow, "alloc-B/row")
			results[name] = r
		})
	}
	for _, rows := range []int{10000, 100000} {
		url := base + strconv.Itoa(rows)
		measure(fmt.Sprintf("json-pages-%d", rows), rows, func(b *testing.B) {
			for cursor := "0"; cursor != ""; {
				_, cursor = get(b, url+"&cursor="+cursor)
			}
		})
		for _, format := range []string{"csv", "xlsx"} {
			measure(fmt.Sprintf("%s-%d", format, rows), rows, func(b *testing.B) { get(b, url+"&format="+format) })
		}
	}
	// XLSX keeps up to excelize's StreamChunkSize (16 MiB) of sheet in memory before it moves to
	// a temporary file: its bound is reached past 10 000 rows, so it is shown flat from 100 000 to
	// 300 000.
	measure("xlsx-300000", 300000, func(b *testing.B) { get(b, base+"300000&format=xlsx") })
	for _, format := range []string{"json-pages", "csv", "xlsx"} {
		small, large := results[format+"-10000"], results[format+"-100000"]
		bs, bl := results["json-pages-10000"], results["json-pages-100000"]
		if small.peak == 0 || bs.peak == 0 {
			continue
		}
		fmt.Printf("%s: live heap peak %.2f MiB (p95 %.2f) at 10 000 rows, %.2f MiB (p95 %.2f) at 100 000; 100 000/10 000 = %.2fx (p95 %.2fx); against JSON paging %.2fx at 10 000, %.2fx at 100 000; %.0f B allocated a row\n",
			format, small.peak, small.p95, large.peak, large.p95, large.peak/small.peak, large.p95/small.p95, small.peak/bs.peak, large.peak/bl.peak, large.perRow)
	}
	if x, y := results["xlsx-100000"], results["xlsx-300000"]; x.peak > 0 {
		fmt.Printf("xlsx: live heap peak %.2f MiB (p95 %.2f) at 300 000 rows; 300 000/100 000 = %.2fx (p95 %.2fx)\n", y.peak, y.p95, y.peak/x.peak, y.p95/x.p95)
	}
}
