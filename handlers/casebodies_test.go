package handlers

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/zhifa/zhifa/domain"
)

func TestAListPageWritesWhatItsCasesEncodeTo(t *testing.T) {
	now := time.Date(2026, 12, 2, 3, 0, 0, 0, time.UTC)
	open := &domain.Case{ID: "c1", AgencyID: "a", Number: "罚〔2026〕1号", Status: domain.StatusInvestigating, Version: 3,
		OfficerIDs: []string{"o1", "o2"}, Deadline: now.Add(time.Hour), Party: domain.Party{Kind: "person", Name: "张三 <b>"},
		Documents: map[domain.DocumentKind]string{"notice": "h1"}, Decision: &domain.Decision{Kind: "penalty", Fine: 500}}
	closed := &domain.Case{ID: "c2", AgencyID: "a", Status: domain.StatusClosed, Version: 9}
	want := func(cases []*domain.Case, next string, at time.Time) string {
		raw, err := json.Marshal(listOf(cases, next, func(cs *domain.Case) caseJSON { return toCaseJSON(cs, at) }))
		if err != nil {
			t.Fatal(err)
		}
		return string(raw)
	}
	var b caseBodies
	check := func(what string, cases []*domain.Case, next string, at time.Time) {
		t.Helper()
		got, err := b.list(cases, next, at)
		if err != nil {
			t.Fatal(err)
		}
		if w := want(cases, next, at); string(got) != w {
			t.Fatalf("%s:\n got %s\nwant %s", what, got, w)
		}
	}
	check("first encoding", []*domain.Case{open, closed}, "cursor\"1", now)
	check("from what is held", []*domain.Case{open, closed}, "", now)
	check("an empty page", nil, "", now)
	// The same version later: past its deadline the case is overdue, and the page says so.
	check("overdue since", []*domain.Case{open}, "", now.Add(2*time.Hour))
	// A later version of the case (another instance's commit) is encoded again.
	changed := *open
	changed.Version, changed.Status = 4, domain.StatusNotified
	check("a later version", []*domain.Case{&changed}, "", now)
}
