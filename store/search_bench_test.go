package store

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/zhifa/zhifa/domain"
)

// BenchmarkCaseSearch searches one agency's cases on the embedded engine, through ListCases
// as the API calls it, at 10 000 and 100 000 cases over ten agencies, against a plain first
// page of the agency's list measured in the same run, and prints the ratios. A one-character
// name walks the index (single characters are not posted); the last row searches a longer
// fragment that way too, for comparison.
//
//	go test ./store/ -run '^$' -bench BenchmarkCaseSearch -benchtime 200x
func BenchmarkCaseSearch(b *testing.B) {
	ctx := context.Background()
	emb, err := StartEmbedded(ctx, b.TempDir(), slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		b.Fatal(err)
	}
	defer emb.Close()
	s, err := emb.Connect(ctx, "bench")
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close(ctx)

	rng := rand.New(rand.NewPCG(7, 11))
	districts := []string{"青山区", "红山区", "东湖区", "西湖区", "江岸区", "江汉区", "洪山区", "汉阳区", "武昌区", "蔡甸区"}
	words := []rune("春华秋实金银铜铁山水林木兴旺发达美佳乐康福顺和平安泰恒通宏远鑫源晨光星月云海天地")
	kinds := []string{"商贸有限公司", "餐饮店", "便利店", "食品有限公司", "药房", "五金店"}
	statuses := []string{"registered", "investigating", "notified", "decided", "closed"}
	word := func() string {
		return string([]rune{words[rng.IntN(len(words))], words[rng.IntN(len(words))], words[rng.IntN(len(words))]})
	}
	idNumber := func(i int) string {
		first := fmt.Sprintf("110105%s%03d", time.Date(1950, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, i/1000).Format("20060102"), i%1000)
		sum := 0
		for j, w := range []int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2} {
			sum += int(first[j]-'0') * w
		}
		return first + string("10X98765432"[sum%11])
	}
	// probe is a case of agency a0 whose name, number and identity number each occur once.
	var probe domain.Case
	loaded := 0
	fill := func(n int) {
		batch := make([]any, 0, 1000)
		for i := loaded; i < n; i++ {
			c := domain.Case{ID: domain.NewID(), AgencyID: fmt.Sprintf("a%d", i%10), Number: fmt.Sprintf("%d-%06d", 2020+i%7, i), Procedure: domain.ProcedureGeneral,
				Status: domain.CaseStatus(statuses[i%len(statuses)]), OfficerIDs: []string{"o1", "o2"}, CreatedAt: time.Now(), UpdatedAt: time.Now(), Version: 1}
			if i%3 == 0 {
				c.Party = domain.Party{Kind: "person", Name: "张" + word(), IDNumber: idNumber(i)}
			} else {
				c.Party = domain.Party{Kind: "organisation", Name: districts[rng.IntN(len(districts))] + word() + kinds[rng.IntN(len(kinds))], USCC: "91350100M000100Y43"}
			}
			if i == 5000 { // in a0; the one case of its name and numbers at both sizes
				c.Party = domain.Party{Kind: "person", Name: "欧阳青青", IDNumber: idNumber(1 << 20)}
				probe = c
			}
			batch = append(batch, toCaseDoc(&c))
			if len(batch) == cap(batch) || i == n-1 {
				if _, err := s.db.Collection("cases").InsertMany(ctx, batch); err != nil {
					b.Fatal(err)
				}
				batch = batch[:0]
			}
		}
		loaded = n
		if _, err := s.RebuildListIndexes(ctx); err != nil {
			b.Fatal(err)
		}
	}

	type shape struct {
		name string
		f    func() domain.CaseFilter
		scan bool // walk the whole index with the lists' match instead of the postings
	}
	shapes := []shape{
		{"plain first page (baseline)", func() domain.CaseFilter { return domain.CaseFilter{AgencyID: "a0"} }, false},
		{"case number", func() domain.CaseFilter { return domain.CaseFilter{AgencyID: "a0", Number: probe.Number} }, false},
		{"identity number", func() domain.CaseFilter {
			return domain.CaseFilter{AgencyID: "a0", PartyIDHash: domain.IDNumberHash(probe.Party.IDNumber)}
		}, false},
		{"USCC", func() domain.CaseFilter {
			return domain.CaseFilter{AgencyID: "a0", EnterpriseUSCC: "91350100M000100Y43"}
		}, false},
		{"name, common (青山)", func() domain.CaseFilter { return domain.CaseFilter{AgencyID: "a0", PartyName: "青山"} }, false},
		{"name, one case (欧阳青)", func() domain.CaseFilter { return domain.CaseFilter{AgencyID: "a0", PartyName: "欧阳青"} }, false},
		{"name, none (无此名称)", func() domain.CaseFilter { return domain.CaseFilter{AgencyID: "a0", PartyName: "无此名称"} }, false},
		{"name, one character (欧)", func() domain.CaseFilter { return domain.CaseFilter{AgencyID: "a0", PartyName: "欧"} }, false},
		{"name, one case, by scan", func() domain.CaseFilter { return domain.CaseFilter{AgencyID: "a0", PartyName: "欧阳青"} }, true},
	}
	sizes := []int{10000, 100000}
	perOp := map[int]map[string]time.Duration{}
	for _, n := range sizes {
		fill(n)
		perOp[n] = map[string]time.Duration{}
		for _, sh := range shapes {
			b.Run(fmt.Sprintf("%d/%s", n, sh.name), func(b *testing.B) {
				f := sh.f()
				page := domain.Page{Limit: 50}
				var list []*domain.Case
				start := time.Now()
				for range b.N {
					if sh.scan {
						list, _, err = indexedPage(ctx, s.idx.cases, s.db.Collection("cases"), matchCase(f, nil), page, fromCaseDoc, "case")
					} else {
						list, _, err = s.ListCases(ctx, f, page)
					}
					if err != nil {
						b.Fatal(err)
					}
				}
				perOp[n][sh.name] = time.Since(start) / time.Duration(b.N)
				if strings.Contains(sh.name, "one case") || strings.Contains(sh.name, "one character") || sh.name == "case number" || sh.name == "identity number" {
					if len(list) != 1 || list[0].ID != probe.ID {
						b.Fatalf("%s found %d cases", sh.name, len(list))
					}
				}
			})
		}
	}
	small, large := sizes[0], sizes[1]
	fmt.Printf("\n%-30s %12s %12s %10s %14s %14s\n", "search (agency a0, 50 a page)", fmt.Sprint(small), fmt.Sprint(large), "ratio", "vs baseline@"+fmt.Sprint(small), "vs baseline@"+fmt.Sprint(large))
	for _, sh := range shapes {
		sm, lg := perOp[small][sh.name], perOp[large][sh.name]
		if sm == 0 || lg == 0 {
			continue
		}
		base := func(n int) float64 { return float64(perOp[n][sh.name]) / float64(perOp[n][shapes[0].name]) }
		fmt.Printf("%-30s %9.3f ms %9.3f ms %9.2fx %13.2fx %13.2fx\n", sh.name, ms(sm), ms(lg), float64(lg)/float64(sm), base(small), base(large))
	}
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
