package api_test

import (
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/zhifa/zhifa/domain"
)

// idNumberOf completes 17 digits with their GB 11643 check character.
func idNumberOf(t *testing.T, first17 string) string {
	t.Helper()
	for _, c := range "0123456789X" {
		if id, err := domain.ParseIDNumber(first17 + string(c)); err == nil {
			return id
		}
	}
	t.Fatalf("no check character completes %s", first17)
	return ""
}

// openCaseOf opens a clue against party in agency f and returns its id and case number.
func (ta *testApp) openCaseOf(t *testing.T, f caseAgency, party map[string]any) (string, string) {
	t.Helper()
	r := ta.do("POST", "/v1/cases", map[string]any{"matter_id": f.matterID, "facts": "销售过期食品", "party": party,
		"violation_on": "2026-01-15", "lat": 30.59, "lng": 114.30}, f.officerTok)
	if r.Status != 201 {
		t.Fatalf("open case: %d %s", r.Status, r.Body)
	}
	return r.str("id"), r.str("number")
}

// listedIDs follows a list's cursors and returns the id of every item, failing on anything but
// 200.
func (ta *testApp) listedIDs(t *testing.T, path string, q url.Values, token string) []string {
	t.Helper()
	var ids []string
	for {
		r := ta.do("GET", path+"?"+q.Encode(), nil, token)
		if r.Status != 200 {
			t.Fatalf("GET %s?%s: %d %s", path, q.Encode(), r.Status, r.Body)
		}
		for _, it := range r.JSON["items"].([]any) {
			ids = append(ids, it.(map[string]any)["id"].(string))
		}
		next := r.str("next_cursor")
		if next == "" {
			slices.Sort(ids)
			return ids
		}
		q.Set("cursor", next)
	}
}

func sorted(ids ...string) []string {
	out := slices.Clone(ids)
	slices.Sort(out)
	if out == nil {
		out = []string{}
	}
	return out
}

func sameIDs(got, want []string) bool {
	return slices.Equal(got, want) || len(got) == 0 && len(want) == 0
}

// TestSearchCases: an agency's people find its cases by case number or a document's 文号, a
// fragment of the party's name, the party's USCC and identity number, page by page; every role of another agency finds
// none of them by any of these, even by the same identity number or case number; a sysadmin
// finds every agency's.
func TestSearchCases(t *testing.T) {
	ta := newTestApp(t)
	a, b := ta.newCaseAgency(t, 0), ta.newCaseAgency(t, 1)
	person, other := idNumberOf(t, "11010519800101123"), idNumberOf(t, "35010219851231004")
	a1, a1No := ta.openCaseOf(t, a, map[string]any{"kind": "organisation", "name": "青山区某某商贸有限公司", "uscc": usccs[4]})
	a2, _ := ta.openCaseOf(t, a, map[string]any{"kind": "person", "name": "王青山", "id_number": person})
	a3, _ := ta.openCaseOf(t, a, map[string]any{"kind": "organisation", "name": "Donghu Trading 东湖餐饮店", "uscc": usccs[3]})
	b1, b1No := ta.openCaseOf(t, b, map[string]any{"kind": "organisation", "name": "青山区隐秘公司", "uscc": usccs[2]})
	b2, _ := ta.openCaseOf(t, b, map[string]any{"kind": "person", "name": "赵六", "id_number": other})
	b3, _ := ta.openCaseOf(t, b, map[string]any{"kind": "person", "name": "钱七", "id_number": strings.ToLower(person)})

	search := func(token string, kv ...string) []string {
		t.Helper()
		q := url.Values{"limit": {"1"}} // one a page: the cursors carry the search
		for i := 0; i+1 < len(kv); i += 2 {
			q.Set(kv[i], kv[i+1])
		}
		return ta.listedIDs(t, "/v1/cases", q, token)
	}
	for _, c := range []struct {
		name  string
		token string
		query []string
		want  []string
	}{
		{"a fragment of a Chinese name", a.officerTok, []string{"party_name", "青山"}, sorted(a1, a2)},
		{"a fragment in the middle of the name", a.officerTok, []string{"party_name", "某某商贸"}, sorted(a1)},
		{"Latin letters without regard to case", a.officerTok, []string{"party_name", "DONGHU trad"}, sorted(a3)},
		{"two fragments", a.officerTok, []string{"party_name", "青山 有限"}, sorted(a1)},
		{"one character", a.officerTok, []string{"party_name", "王"}, sorted(a2)},
		{"a name nobody has", a.officerTok, []string{"party_name", "青山湖"}, nil},
		{"an identity number", a.officerTok, []string{"party_id_number", person}, sorted(a2)},
		{"an identity number with a lower-case x", b.officerTok, []string{"party_id_number", strings.ToLower(other)}, sorted(b2)},
		{"a USCC", a.officerTok, []string{"enterprise", usccs[4]}, sorted(a1)},
		{"a case number", a.officerTok, []string{"number", a1No}, sorted(a1)},
		{"a case number and a name that do not meet", a.officerTok, []string{"number", a1No, "party_name", "王"}, nil},
		{"a sysadmin searches every agency", ta.sysTok, []string{"party_name", "青山"}, sorted(a1, a2, b1)},
		{"a sysadmin searches one agency", ta.sysTok, []string{"party_name", "青山", "agency_id", b.id}, sorted(b1)},
		{"a sysadmin by identity number", ta.sysTok, []string{"party_id_number", person}, sorted(a2, b3)},
	} {
		if got := search(c.token, c.query...); !sameIDs(got, c.want) {
			t.Errorf("%s %v: %v, want %v", c.name, c.query, got, c.want)
		}
	}

	// Another agency's people, in every role, find nothing of A's by what they may know of it.
	mine := []string{b1, b2, b3}
	for role, tok := range map[string]string{"officer": b.officerTok, "officer2": b.officer2Tok, "reviewer": b.reviewerTok, "admin": b.adminTok} {
		for _, q := range [][]string{
			{"party_name", "某某"}, {"party_name", "王青山"}, {"party_name", "东湖"}, {"party_name", "青山"},
			{"party_id_number", person}, {"enterprise", usccs[4]}, {"enterprise", usccs[3]}, {"number", a1No},
		} {
			for _, id := range search(tok, q...) {
				if !slices.Contains(mine, id) {
					t.Errorf("B's %s searching %v found A's case %s", role, q, id)
				}
			}
		}
	}
	// Case numbers run per agency: the same number in B is B's case only.
	if a1No == b1No {
		if got := search(b.officerTok, "number", b1No); !sameIDs(got, sorted(b1)) {
			t.Errorf("B by its own case number %s: %v, want %v", b1No, got, []string{b1})
		}
	}
	if r := ta.do("GET", "/v1/cases?party_name="+url.QueryEscape("青山")+"&agency_id="+a.id, nil, b.officerTok); r.Status != 404 {
		t.Errorf("B naming A's agency: %d %s", r.Status, r.Body)
	}

	// A document's 文号 finds the case it was issued in, in its agency only.
	decided := ta.decidedFine(t, a)
	doc := ta.do("POST", "/v1/cases/"+decided+"/documents", map[string]any{"kind": "credit_repair_notice"}, a.officerTok)
	docNo, _ := doc.JSON["fields"].(map[string]any)["number"].(string)
	if doc.Status != 201 || docNo == "" {
		t.Fatalf("issue a document: %d %s", doc.Status, doc.Body)
	}
	for _, c := range []struct {
		name  string
		token string
		want  []string
	}{{"its agency", a.officerTok, sorted(decided)}, {"a sysadmin", ta.sysTok, sorted(decided)}, {"another agency", b.adminTok, nil}} {
		if got := search(c.token, "number", docNo); !sameIDs(got, c.want) {
			t.Errorf("%s by the 文号 %s: %v, want %v", c.name, docNo, got, c.want)
		}
	}
}

// TestSearchesRefuseMalformedQueries: an oversized, empty, control-character or malformed search
// answers 422 naming the parameter, on every list that searches.
func TestSearchesRefuseMalformedQueries(t *testing.T) {
	ta := newTestApp(t)
	a := ta.newCaseAgency(t, 0)
	super := ta.supervisoryBody(t, "青山区司法局", usccOf(t, "11370402MB000071"+"0"), "青山区", "search-supervisor")
	long := url.QueryEscape(strings.Repeat("青", domain.MaxSearchText+1))
	var rows []scenario
	for _, c := range []struct{ path, param, value, token string }{
		{"/v1/cases", "party_name", long, a.officerTok},
		{"/v1/cases", "party_name", "%20%20", a.officerTok},
		{"/v1/cases", "number", "2026%01", a.officerTok},
		{"/v1/cases", "number", strings.Repeat("9", domain.MaxSearchText+1), a.officerTok},
		{"/v1/cases", "party_id_number", "110105194912310021", a.officerTok},
		{"/v1/cases", "party_id_number", "12345", a.officerTok},
		{"/v1/cases", "enterprise", "NOT-A-USCC", a.officerTok},
		{"/v1/inspections", "enterprise", "91350100M000100Y4", a.officerTok},
		{"/v1/inspections", "status", "done", a.officerTok},
		{"/v1/inspections", "planned_from", "2026-13-01", a.officerTok},
		{"/v1/inspections", "planned_to", "tomorrow", a.officerTok},
		{"/v1/inspections", "officer_id", long, a.officerTok},
		{"/v1/enterprises", "name", long, super},
		{"/v1/enterprises", "uscc", "123", super},
		{"/v1/officers", "name", "%E9%9D%92%00", a.adminTok},
		{"/v1/officers", "certificate_no", "ABC", a.adminTok},
	} {
		rows = append(rows, scenario{Name: c.path + " " + c.param + "=" + c.value[:min(len(c.value), 20)], Method: "GET",
			URL: c.path + "?" + c.param + "=" + c.value, Token: c.token, Status: 422, Contains: []string{`"` + c.param + `"`, "unprocessable"}})
	}
	ta.run(rows)
}

// TestSearchInspections: inspections, which could not be filtered before, are searched by the
// enterprise's USCC, the planned days, the status and an officer, within the agency only.
func TestSearchInspections(t *testing.T) {
	ta := newTestApp(t)
	a, b := ta.newCaseAgency(t, 0), ta.newCaseAgency(t, 1)
	china := time.FixedZone("CST", 8*3600)
	day := func(d int) string { return time.Now().In(china).AddDate(0, 0, d).Format(time.DateOnly) }
	plan := func(f caseAgency, uscc string, d int) string {
		t.Helper()
		return ta.mustCreate("/v1/inspections", map[string]any{"matter_id": f.matterID, "enterprise_uscc": uscc, "enterprise_name": "某某食品有限公司",
			"planned_on": day(d), "officer_ids": f.officers}, f.officerTok)
	}
	i1, i2 := plan(a, usccs[3], 0), plan(a, usccs[4], 5)
	i3 := plan(b, usccs[3], 0)
	for _, tok := range []string{a.officerTok, a.officer2Tok} { // both on site: i1 is under way
		if r := ta.do("POST", "/v1/inspections/"+i1+"/check-ins", map[string]any{"lat": 30.59, "lng": 114.30}, tok); r.Status != 200 && r.Status != 201 {
			t.Fatalf("check in: %d %s", r.Status, r.Body)
		}
	}
	search := func(token string, kv ...string) []string {
		t.Helper()
		q := url.Values{"limit": {"1"}}
		for i := 0; i+1 < len(kv); i += 2 {
			q.Set(kv[i], kv[i+1])
		}
		return ta.listedIDs(t, "/v1/inspections", q, token)
	}
	for _, c := range []struct {
		name  string
		token string
		query []string
		want  []string
	}{
		{"every inspection of the agency", a.officerTok, nil, sorted(i1, i2)},
		{"by enterprise", a.officerTok, []string{"enterprise", usccs[3]}, sorted(i1)},
		{"by enterprise, in the other agency", b.officerTok, []string{"enterprise", usccs[3]}, sorted(i3)},
		{"another agency's enterprise", b.officerTok, []string{"enterprise", usccs[4]}, nil},
		{"from a day", a.officerTok, []string{"planned_from", day(2)}, sorted(i2)},
		{"to a day, included", a.officerTok, []string{"planned_to", day(0)}, sorted(i1)},
		{"one day", a.officerTok, []string{"planned_from", day(5), "planned_to", day(5)}, sorted(i2)},
		{"planned", a.officerTok, []string{"status", "planned"}, sorted(i2)},
		{"on site", a.officerTok, []string{"status", "on_site"}, sorted(i1)},
		{"on site in the other agency", b.officerTok, []string{"status", "on_site"}, nil},
		{"completed", a.officerTok, []string{"status", "completed"}, nil},
		{"by officer", a.adminTok, []string{"officer_id", a.officer2ID}, sorted(i1, i2)},
		{"another agency's officer", a.adminTok, []string{"officer_id", b.officerID}, nil},
		{"by enterprise and officer and day", a.officerTok, []string{"enterprise", usccs[4], "officer_id", a.officerID, "planned_to", day(4)}, nil},
		{"a sysadmin in one agency", ta.sysTok, []string{"agency_id", b.id, "enterprise", usccs[3]}, sorted(i3)},
	} {
		if got := search(c.token, c.query...); !sameIDs(got, c.want) {
			t.Errorf("%s %v: %v, want %v", c.name, c.query, got, c.want)
		}
	}
}

// TestSearchEnterprisesAndOfficers: supervisors find their jurisdiction's enterprises by a
// fragment of the name or the USCC, never another jurisdiction's; an agency's people find its
// officers by name or certificate number, never another agency's.
func TestSearchEnterprisesAndOfficers(t *testing.T) {
	ta := newTestApp(t)
	a, b := ta.newCaseAgency(t, 0), ta.newCaseAgency(t, 1)
	here := ta.supervisoryBody(t, "青山区司法局", usccOf(t, "11370402MB000081"+"0"), "青山区", "qs-search-supervisor")
	elsewhere := ta.supervisoryBody(t, "红山区司法局", usccOf(t, "11370402MB000082"+"0"), "红山区", "hs-search-supervisor")
	region := ta.do("GET", "/v1/agencies/"+a.id, nil, a.adminTok).str("jurisdiction_id")
	reg := func(uscc, name string) string {
		t.Helper()
		return ta.mustCreate("/v1/enterprises/register", map[string]any{"uscc": uscc, "name": name, "legal_representative": "王某", "contact_name": "李某",
			"contact_phone": "13700004444", "jurisdiction_id": region, "password": testPassword}, "")
	}
	e1, e2 := reg(usccs[3], "青山区某某餐饮有限公司"), reg(usccs[4], "东湖 Bakery 烘焙坊")
	enterprises := func(token string, kv ...string) []string {
		q := url.Values{"limit": {"1"}}
		for i := 0; i+1 < len(kv); i += 2 {
			q.Set(kv[i], kv[i+1])
		}
		return ta.listedIDs(t, "/v1/enterprises", q, token)
	}
	officers := func(token string, kv ...string) []string {
		q := url.Values{"limit": {"1"}}
		for i := 0; i+1 < len(kv); i += 2 {
			q.Set(kv[i], kv[i+1])
		}
		return ta.listedIDs(t, "/v1/officers", q, token)
	}
	for _, c := range []struct {
		name string
		got  []string
		want []string
	}{
		{"enterprise by a name fragment", enterprises(here, "name", "某某餐饮"), sorted(e1)},
		{"enterprise by Latin letters", enterprises(here, "name", "bakery"), sorted(e2)},
		{"enterprise by USCC", enterprises(here, "uscc", usccs[4]), sorted(e2)},
		{"enterprise by name and USCC that do not meet", enterprises(here, "uscc", usccs[4], "name", "青山"), nil},
		{"another jurisdiction's supervisor by name", enterprises(elsewhere, "name", "青山"), nil},
		{"another jurisdiction's supervisor by USCC", enterprises(elsewhere, "uscc", usccs[3]), nil},
		{"a sysadmin by name", enterprises(ta.sysTok, "name", "烘焙"), sorted(e2)},
		{"officer by name", officers(a.adminTok, "name", "张"), sorted(a.officerID)},
		{"officer by certificate number", officers(a.officerTok, "certificate_no", a.certNo), sorted(a.officerID)},
		{"another agency's officer by certificate number", officers(b.adminTok, "certificate_no", a.certNo), nil},
		{"another agency's officer by name", officers(b.adminTok, "name", "王法审"), sorted(b.reviewerID)},
		{"a sysadmin by certificate number", officers(ta.sysTok, "certificate_no", b.certNo), sorted(b.officerID)},
	} {
		if !sameIDs(c.got, c.want) {
			t.Errorf("%s: %v, want %v", c.name, c.got, c.want)
		}
	}
}

// TestListsRefuseAnotherAgencyNamed: an agency's people naming another agency in agency_id get
// 404 from every list that is per agency, JSON or export, not their own agency's rows.
func TestListsRefuseAnotherAgencyNamed(t *testing.T) {
	ta := newTestApp(t)
	f := ta.newCaseAgency(t, 0)
	other := ta.newCaseAgency(t, 1)
	for _, path := range []string{"/v1/inspections", "/v1/inspections?format=csv", "/v1/matters", "/v1/benchmarks", "/v1/cases", "/v1/cases?format=csv"} {
		sep := "?"
		if strings.Contains(path, "?") {
			sep = "&"
		}
		for _, id := range []string{other.id, "no-such-agency"} {
			if r := ta.do("GET", path+sep+"agency_id="+id, nil, f.adminTok); r.Status != 404 {
				t.Errorf("GET %s with agency_id=%s: %d %.200s", path, id, r.Status, r.Body)
			}
		}
		if r := ta.do("GET", path+sep+"agency_id="+f.id, nil, f.adminTok); r.Status != 200 {
			t.Errorf("GET %s naming its own agency: %d %.200s", path, r.Status, r.Body)
		}
	}
}
