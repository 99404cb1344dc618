package store_test

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/zhifa/zhifa/domain"
	"github.com/zhifa/zhifa/store"

	_ "modernc.org/sqlite"
)

// TestListIndexesAgreeWithQueries writes random cases and inspections, lists them with random
// filters and cursors both through the in-process indexes and with the database queries, and
// expects the same objects at the same versions; then again after a clean restart (from the
// snapshots) and after a crash (from scans).
func TestListIndexesAgreeWithQueries(t *testing.T) {
	ctx := context.Background()
	emb, err := store.StartEmbedded(ctx, t.TempDir(), quiet())
	if err != nil {
		t.Fatal(err)
	}
	defer emb.Close()
	connect := func() *store.Store {
		s, err := emb.Connect(ctx, "zhifa")
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	s := connect()
	indexed(t, s, "scan", 0)

	rng := rand.New(rand.NewPCG(1, 2))
	agencies := []string{"a1", "a2", "a3"}
	officers := []string{"o1", "o2", "o3", "o4", "o5", "o6"}
	usccs := []string{"", "91350100M000100Y43", "91110000600037341L", "91310000MA1FL0JK9B"}
	statuses := domain.CaseStatuses
	now := time.Now().UTC()
	pick := func(s []string) string { return s[rng.IntN(len(s))] }
	var created []*domain.Case
	var midpoint time.Time
	names := []string{"青山区某某商贸有限公司", "青山湖餐饮店", "东湖区青山路便利店", "张三", "张三丰", "Li Ming Trading 青山", "某某"}
	ids := []string{"", testIDNumber("11010119900101123"), testIDNumber("35010219851231004"), testIDNumber("44030519700615002")}
	numbers := []string{"", "2026-001", "2026-002", "2026-003"}
	docNumbers := []string{"执罚〔2026〕1号", "执罚〔2026〕2号", "2026-002"} // a 文号 may equal another case's number
	for i := range 120 {
		c := &domain.Case{AgencyID: pick(agencies), Status: statuses[rng.IntN(len(statuses))], Procedure: domain.ProcedureGeneral,
			Party:      domain.Party{Kind: "enterprise", Name: pick(names), USCC: pick(usccs), IDNumber: pick(ids)},
			Number:     pick(numbers),
			OfficerIDs: []string{pick(officers), pick(officers)}, Deadline: now.Add(time.Duration(rng.IntN(200)-100) * time.Hour)}
		if i%7 == 0 {
			c.ID = fmt.Sprintf("client-chosen-%03d", rng.IntN(1000)) // ids that do not follow creation order
			if slices.ContainsFunc(created, func(o *domain.Case) bool { return o.ID == c.ID }) {
				continue
			}
		}
		if err := s.CommitCase(ctx, c, c.Seed(domain.Event{Action: domain.ActCreate, ActorID: "o1", At: now}), domain.Attached{}); err != nil {
			t.Fatal(err)
		}
		if i == 60 {
			midpoint = c.CreatedAt
		}
		created = append(created, c)
	}
	// Move half of them on; a stale write of each fails and must not reach the index.
	for _, c := range created[:len(created)/2] {
		stale := *c
		c.Status = statuses[rng.IntN(len(statuses))]
		c.OfficerIDs = []string{pick(officers)}
		if err := s.CommitCase(ctx, c, c.Seed(domain.Event{Action: domain.ActRecord, ActorID: "o1", At: now}), domain.Attached{}); err != nil {
			t.Fatal(err)
		}
		stale.Status = domain.StatusClosed
		if err := s.CommitCase(ctx, &stale, stale.Seed(domain.Event{Action: domain.ActRecord, ActorID: "o2", At: now}), domain.Attached{}); domain.ErrorCode(err) != domain.Conflict {
			t.Fatalf("stale write: %v", err)
		}
	}

	var plans []*domain.Inspection
	day := now.Truncate(24 * time.Hour)
	for range 70 {
		in := &domain.Inspection{AgencyID: pick(agencies), MatterID: "m", EnterpriseUSCC: pick(usccs[1:]), EnterpriseName: "乙",
			PlannedOn: day.AddDate(0, 0, rng.IntN(30)-15), OfficerIDs: []string{pick(officers), pick(officers)}, Status: domain.InspectionPlanned}
		if err := s.CreateInspection(ctx, in); err != nil {
			t.Fatal(err)
		}
		if rng.IntN(4) == 0 {
			in.Status = domain.InspectionCancelled
			if err := s.UpdateInspection(ctx, in); err != nil {
				t.Fatal(err)
			}
		}
		plans = append(plans, in)
	}

	kinds := []domain.DocumentKind{domain.DocInspectionRecord, domain.DocInquiryRecord, domain.DocPenaltyDecision}
	versions := map[string]int{}
	for range 60 {
		c := created[rng.IntN(12)]
		k := kinds[rng.IntN(len(kinds))]
		versions[c.ID+string(k)]++
		d := &domain.Document{ID: domain.NewID(), CaseID: c.ID, AgencyID: c.AgencyID, Kind: k, Version: versions[c.ID+string(k)], Fields: map[string]string{"x": "y", "number": pick(docNumbers)},
			Hash: "h", IssuedBy: "o1", IssuedAt: now.Add(time.Duration(rng.IntN(5)) * time.Second)} // equal times test the tie-break
		stale := *c
		if err := s.CommitCase(ctx, c, c.Seed(domain.Event{Action: domain.ActIssueDocument, ActorID: "o1", At: now, DocumentID: d.ID}), domain.Attached{Document: d}); err != nil {
			t.Fatal(err)
		}
		if rng.IntN(10) == 0 { // a document whose case write loses a race is never stored
			lost := &domain.Document{ID: domain.NewID(), CaseID: c.ID, AgencyID: c.AgencyID, Kind: k, Version: versions[c.ID+string(k)] + 1, Fields: map[string]string{"x": "z"},
				Hash: "h2", IssuedBy: "o2", IssuedAt: now}
			if err := s.CommitCase(ctx, &stale, stale.Seed(domain.Event{Action: domain.ActIssueDocument, ActorID: "o2", At: now, DocumentID: lost.ID}), domain.Attached{Document: lost}); domain.ErrorCode(err) != domain.Conflict {
				t.Fatalf("a stale document write: %v", err)
			}
		}
	}

	filters := []domain.CaseFilter{{}}
	for range 30 {
		f := domain.CaseFilter{}
		if rng.IntN(2) == 0 {
			f.AgencyID = pick(agencies)
		}
		if rng.IntN(3) == 0 {
			f.Status = statuses[rng.IntN(len(statuses))]
		}
		if rng.IntN(3) == 0 {
			f.OfficerID = pick(officers)
		}
		if rng.IntN(4) == 0 {
			f.EnterpriseUSCC = pick(usccs[1:])
		}
		if rng.IntN(4) == 0 {
			f.OverdueAt = now
		}
		switch rng.IntN(4) {
		case 0:
			f.CreatedFrom = midpoint
		case 1:
			f.CreatedTo = midpoint
		}
		switch rng.IntN(5) {
		case 0:
			f.Number = pick(append(numbers[1:], docNumbers...))
		case 1:
			f.PartyIDHash = domain.IDNumberHash(pick(ids[1:]))
		case 2, 3:
			f.PartyName = pick([]string{"青山", "某某", "张", "张三 丰", "LI MING", "湖餐", "无此名", "店"})
		}
		filters = append(filters, f)
	}
	inspectionFilters := []domain.InspectionFilter{}
	for range 30 {
		f := domain.InspectionFilter{}
		if rng.IntN(3) > 0 {
			f.AgencyID = pick(agencies)
		}
		if rng.IntN(2) == 0 {
			f.EnterpriseUSCC = pick(usccs[1:])
		}
		if rng.IntN(3) == 0 {
			f.OfficerID = pick(officers)
		}
		if rng.IntN(3) == 0 {
			f.Status = domain.InspectionStatus(pick([]string{"planned", "cancelled"}))
		}
		if rng.IntN(2) == 0 {
			f.PlannedFrom = day.AddDate(0, 0, rng.IntN(20)-15)
		}
		if rng.IntN(2) == 0 {
			f.PlannedTo = day.AddDate(0, 0, rng.IntN(20)-5)
		}
		inspectionFilters = append(inspectionFilters, f)
	}
	found := 0 // cases that a search by number, identity number or name found
	agree := func(s *store.Store, when string, n int) {
		t.Helper()
		for _, f := range filters[:n] {
			limit := 5 + rng.IntN(30)
			got, want := walk(t, ctx, s.ListCases, f, limit), walk(t, ctx, s.QueryCases, f, limit)
			if !slices.Equal(got, want) {
				t.Fatalf("%s: filter %+v limit %d:\nindex %v\nquery %v", when, f, limit, got, want)
			}
			if f.Number != "" || f.PartyIDHash != "" || f.PartyName != "" {
				found += len(got)
			}
		}
		for _, a := range agencies {
			limit := 3 + rng.IntN(10)
			got, want := walkInspections(t, ctx, s.ListInspections, a, limit), walkInspections(t, ctx, s.QueryInspections, a, limit)
			if !slices.Equal(got, want) {
				t.Fatalf("%s: inspections of %s limit %d:\nindex %v\nquery %v", when, a, limit, got, want)
			}
		}
		for _, f := range inspectionFilters[:n] {
			limit := 2 + rng.IntN(10)
			got := walkPages(t, ctx, s.SearchInspections, f, limit, inspectionKey)
			want := walkPages(t, ctx, s.QueryInspectionSearch, f, limit, inspectionKey)
			if !slices.Equal(got, want) {
				t.Fatalf("%s: inspection search %+v limit %d:\nindex %v\nquery %v", when, f, limit, got, want)
			}
		}
		for _, c := range append(created[:13:13], &domain.Case{ID: "no-such-case"}) {
			got, err := s.DocumentsOf(ctx, c.ID)
			if err != nil {
				t.Fatal(err)
			}
			want, err := s.QueryDocumentsOf(ctx, c.ID)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(want) {
				t.Fatalf("%s: %d documents of %s, the query finds %d", when, len(got), c.ID, len(want))
			}
			for i := range got {
				if got[i].ID != want[i].ID || got[i].Fields["x"] != "y" {
					t.Fatalf("%s: documents of %s differ at %d: %+v vs %+v", when, c.ID, i, got[i], want[i])
				}
			}
		}
		for _, u := range usccs[1:] {
			from := day.AddDate(0, 0, rng.IntN(20)-15)
			to := from.AddDate(0, 0, rng.IntN(15))
			got, err := s.InspectionsOfEnterprise(ctx, u, from, to)
			if err != nil {
				t.Fatal(err)
			}
			want, err := s.QueryInspectionsOfEnterprise(ctx, u, from, to)
			if err != nil {
				t.Fatal(err)
			}
			if g, w := inspectionKeys(got), inspectionKeys(want); !slices.Equal(g, w) {
				t.Fatalf("%s: inspections of %s from %s to %s:\nindex %v\nquery %v", when, u, from, to, g, w)
			}
		}
	}
	agree(s, "live", len(filters))
	if found == 0 {
		t.Fatal("no search found a case: the filters test nothing")
	}
	if coll, files, driver, err := s.ScansAgree(ctx); err != nil || coll != "" {
		t.Fatalf("scanning %s from the SQLite file and through the driver differ (%v):\nfile   %+v\ndriver %+v", coll, err, files, driver)
	}
	if got := walk(t, ctx, s.ListCases, domain.CaseFilter{}, 50); len(got) != len(created) {
		t.Fatalf("listed %d of %d cases", len(got), len(created))
	}

	// A clean shutdown leaves a snapshot; the next start takes it.
	if err := s.Close(ctx); err != nil {
		t.Fatal(err)
	}
	s = connect()
	indexed(t, s, "snapshot", len(created))
	indexedAs(t, s, "inspections", "snapshot", len(plans))
	agree(s, "from snapshot", 10)

	// Writes after the restart, then a crash: the snapshot was used up, so the next start scans.
	for _, c := range created[len(created)/2:][:40] {
		c.Status = domain.StatusClosed
		if err := s.CommitCase(ctx, c, c.Seed(domain.Event{Action: domain.ActClose, ActorID: "o1", At: now}), domain.Attached{}); err != nil {
			t.Fatal(err)
		}
	}
	for _, in := range plans[:20] {
		in.Status = domain.InspectionCancelled
		if err := s.UpdateInspection(ctx, in); err != nil {
			t.Fatal(err)
		}
	}
	crashed := s
	s = connect()
	defer s.Close(ctx)
	indexed(t, s, "scan", len(created))
	agree(s, "from scan", 10)
	_ = crashed.Close(ctx)
}

// walk pages through every case a filter selects and returns "id@version:status" of each.
func walk(t *testing.T, ctx context.Context, list func(context.Context, domain.CaseFilter, domain.Page) ([]*domain.Case, string, error), f domain.CaseFilter, limit int) []string {
	t.Helper()
	return walkPages(t, ctx, list, f, limit, func(c *domain.Case) string {
		if len(c.Keys) != 0 {
			t.Fatalf("list carries the action keys of %s", c.ID)
		}
		return fmt.Sprintf("%s@%d:%s", c.ID, c.Version, c.Status)
	})
}

// walkInspections pages through an agency's inspections and returns "id@version:status" of each.
func walkInspections(t *testing.T, ctx context.Context, list func(context.Context, string, domain.Page) ([]*domain.Inspection, string, error), agency string, limit int) []string {
	t.Helper()
	return walkPages(t, ctx, list, agency, limit, inspectionKey)
}

// walkPages follows the cursors of a list to its end and returns the key of every item.
func walkPages[F, T any](t *testing.T, ctx context.Context, list func(context.Context, F, domain.Page) ([]T, string, error), f F, limit int, key func(T) string) []string {
	t.Helper()
	var out []string
	cursor := ""
	for {
		page, next, err := list(ctx, f, domain.Page{Limit: limit, Cursor: cursor})
		if err != nil {
			t.Fatal(err)
		}
		if len(page) > limit {
			t.Fatalf("page of %d with limit %d", len(page), limit)
		}
		for _, item := range page {
			out = append(out, key(item))
		}
		if next == "" {
			return out
		}
		cursor = next
	}
}

// indexed expects the cases index built from a snapshot or a scan with n entries.
func indexed(t *testing.T, s *store.Store, from string, n int) {
	t.Helper()
	indexedAs(t, s, "cases", from, n)
}

func indexedAs(t *testing.T, s *store.Store, coll, from string, n int) {
	t.Helper()
	builds, err := s.ListIndexes(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range builds {
		if b.Collection == coll {
			if b.From != from || b.Entries != n {
				t.Fatalf("%s index from %q with %d entries, want from %q with %d", coll, b.From, b.Entries, from, n)
			}
			return
		}
	}
	t.Fatalf("no %s index in %+v", coll, builds)
}

func inspectionKeys(list []*domain.Inspection) []string {
	out := make([]string, len(list))
	for i, in := range list {
		out[i] = inspectionKey(in)
	}
	return out
}

func inspectionKey(in *domain.Inspection) string {
	return fmt.Sprintf("%s@%d:%s", in.ID, in.Version, in.Status)
}

// TestEmbeddedLookupsByIDUseAnIndex asks SQLite how it runs the statement FerretDB 1.24 issues
// for a lookup, update or delete by _id, on every collection of a database opened through
// Embedded.Connect: each must search an index, not scan the table.
func TestEmbeddedLookupsByIDUseAnIndex(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	emb, err := store.StartEmbedded(ctx, dir, quiet())
	if err != nil {
		t.Fatal(err)
	}
	defer emb.Close()
	s, err := emb.Connect(ctx, "zhifa")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(ctx)
	db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, "documents", "zhifa.sqlite")+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query(`SELECT name, table_name FROM _ferretdb_collections`)
	if err != nil {
		t.Fatal(err)
	}
	plans := map[string]string{}
	for rows.Next() {
		var coll, table string
		if err := rows.Scan(&coll, &table); err != nil {
			t.Fatal(err)
		}
		plans[coll] = table
	}
	rows.Close()
	for _, coll := range []string{"cases", "changes", "counters", "documents", "idempotency", "inspections", "list_index", "users"} {
		table, ok := plans[coll]
		if !ok {
			t.Fatalf("no table for %s among %v", coll, plans)
		}
		var id, parent, notused int
		var detail string
		q := fmt.Sprintf(`EXPLAIN QUERY PLAN SELECT _ferretdb_sjson FROM %q WHERE _ferretdb_sjson->'$._id' = ?`, table)
		if err := db.QueryRow(q, `"x"`).Scan(&id, &parent, &notused, &detail); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(detail, "USING INDEX") {
			t.Errorf("%s: a lookup by _id runs as %q", coll, detail)
		}
	}
}

// testIDNumber completes 17 digits with their GB 11643 check character.
func testIDNumber(first17 string) string {
	weights := []int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
	sum := 0
	for i, w := range weights {
		sum += int(first17[i]-'0') * w
	}
	id := first17 + string("10X98765432"[sum%11])
	if _, err := domain.ParseIDNumber(id); err != nil {
		panic(err)
	}
	return id
}
