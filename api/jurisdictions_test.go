package api_test

import (
	"strings"
	"testing"

	"github.com/zhifa/zhifa/domain"
)

// usccOf completes 17 characters with their check character.
func usccOf(t *testing.T, first17 string) string {
	t.Helper()
	for _, c := range "0123456789ABCDEFGHJKLMNPQRTUWXY" {
		if code, err := domain.ParseUSCC(first17 + string(c)); err == nil {
			return code
		}
	}
	t.Fatalf("no check character completes %s", first17)
	return ""
}

// TestJurisdictionsAndSupervisoryBodies: a tree 省/市/区/街道; enforcement agencies placed in
// it by id or by names; a supervisory body's supervisors see the agencies of their region and
// below and nothing else (404), a city's body sees both districts; the tree refuses levels out
// of order, unknown parents, twins and non-sysadmins.
func TestJurisdictionsAndSupervisoryBodies(t *testing.T) {
	ta := newTestApp(t)
	region := func(name, level, parent string) string {
		return ta.mustCreate("/v1/jurisdictions", map[string]any{"name": name, "level": level, "parent_id": parent}, ta.sysTok)
	}
	province := region("山东省", "province", "")
	city := region("枣庄市", "city", province)
	shizhong := region("市中区", "district", city)
	town := region("光明路街道", "town", shizhong)
	xuecheng := region("薛城区", "district", city)

	agency := func(name, uscc, kind string, place map[string]any) string {
		body := map[string]any{"name": name, "uscc": uscc, "kind": kind, "legal_basis": "《中华人民共和国行政处罚法》"}
		for k, v := range place {
			body[k] = v
		}
		return ta.mustCreate("/v1/agencies", body, ta.sysTok)
	}
	inTown := agency("市中区市场监督管理局光明路所", usccOf(t, "11370402MB000001"+"0"), "enforcement", map[string]any{"jurisdiction_id": town})
	inXuecheng := agency("薛城区城市管理局", usccOf(t, "11370403MB000002"+"0"), "enforcement", map[string]any{"jurisdiction_id": xuecheng})
	byNames := agency("青山区市场监督管理局", usccOf(t, "11370404MB000003"+"0"), "", map[string]any{"jurisdiction": map[string]string{"district": "青山区", "town": "红卫路街道"}})
	districtBody := agency("市中区司法局", usccOf(t, "11370402MB000004"+"0"), "supervisory", map[string]any{"jurisdiction_id": shizhong})
	cityBody := agency("枣庄市司法局", usccOf(t, "11370400MB000005"+"0"), "supervisory", map[string]any{"jurisdiction_id": city})

	supervisor := func(username, agencyID string) string {
		ta.mustCreate("/v1/officers", map[string]any{"username": username, "password": testPassword, "name": "监督员", "roles": []string{"supervisor"}, "agency_id": agencyID}, ta.sysTok)
		return ta.login(username, testPassword)
	}
	district, whole := supervisor("sz-supervisor", districtBody), supervisor("zz-supervisor", cityBody)

	a := ta.do("GET", "/v1/agencies/"+inTown, nil, district)
	if a.Status != 200 || a.str("jurisdiction_id") != town || !strings.Contains(string(a.Body), `"district":"市中区"`) || !strings.Contains(string(a.Body), `"town":"光明路街道"`) {
		t.Fatalf("the district's supervisor reads the agency in its town: %d %s", a.Status, a.Body)
	}
	for _, id := range []string{inXuecheng, byNames, cityBody} {
		if r := ta.do("GET", "/v1/agencies/"+id, nil, district); r.Status != 404 {
			t.Errorf("the district's supervisor reads an agency outside its district: %d %s", r.Status, r.Body)
		}
	}
	ids := func(token string) string {
		r := ta.do("GET", "/v1/agencies", nil, token)
		var out []string
		for _, it := range r.JSON["items"].([]any) {
			out = append(out, it.(map[string]any)["id"].(string))
		}
		return strings.Join(out, ",")
	}
	if got, want := ids(district), strings.Join([]string{inTown, districtBody}, ","); got != want {
		t.Errorf("the district's supervisor lists %s, want %s", got, want)
	}
	if got, want := ids(whole), strings.Join([]string{inTown, inXuecheng, districtBody, cityBody}, ","); got != want {
		t.Errorf("the city's supervisor lists %s, want %s", got, want)
	}
	if r := ta.do("GET", "/v1/agencies/"+inXuecheng, nil, whole); r.Status != 200 {
		t.Errorf("the city's supervisor reads a district's agency: %d", r.Status)
	}
	// Placed by names: the district and the town were found or created in the tree.
	named := ta.do("GET", "/v1/agencies/"+byNames, nil, ta.sysTok)
	place := ta.do("GET", "/v1/jurisdictions/"+named.str("jurisdiction_id"), nil, whole)
	if place.Status != 200 || place.str("name") != "红卫路街道" || place.str("level") != "town" {
		t.Fatalf("the agency placed by names: %s / %s", named.Body, place.Body)
	}
	// An officer of an enforcement agency with the supervisor role supervises nothing.
	f := ta.newAgency(t, 0)
	ta.mustCreate("/v1/officers", map[string]any{"username": "fake-supervisor", "password": testPassword, "name": "假监督员", "roles": []string{"supervisor"}}, f.adminTok)
	if r := ta.do("GET", "/v1/agencies/"+inTown, nil, ta.login("fake-supervisor", testPassword)); r.Status != 404 {
		t.Errorf("a supervisor of an enforcement agency reads another agency: %d", r.Status)
	}

	ta.run([]scenario{
		{Name: "a town above a district", Method: "POST", URL: "/v1/jurisdictions", Token: ta.sysTok, Body: map[string]any{"name": "某区", "level": "district", "parent_id": town}, Status: 400, Contains: []string{"level"}},
		{Name: "an unknown parent", Method: "POST", URL: "/v1/jurisdictions", Token: ta.sysTok, Body: map[string]any{"name": "某街道", "level": "town", "parent_id": "nope"}, Status: 400, Contains: []string{"parent_id"}},
		{Name: "a twin", Method: "POST", URL: "/v1/jurisdictions", Token: ta.sysTok, Body: map[string]any{"name": "市中区", "level": "district", "parent_id": city}, Status: 409},
		{Name: "a bad code", Method: "POST", URL: "/v1/jurisdictions", Token: ta.sysTok, Body: map[string]any{"name": "台儿庄区", "level": "district", "parent_id": city, "code": "37A405"}, Status: 400, Contains: []string{"code"}},
		{Name: "not a sysadmin", Method: "POST", URL: "/v1/jurisdictions", Token: whole, Body: map[string]any{"name": "峄城区", "level": "district", "parent_id": city}, Status: 403},
		{Name: "an unknown kind", Method: "POST", URL: "/v1/agencies", Token: ta.sysTok, Body: map[string]any{"name": "某局", "uscc": usccOf(t, "11370405MB000006"+"0"), "kind": "police", "jurisdiction_id": city, "legal_basis": "x"}, Status: 400, Contains: []string{"kind"}},
		{Name: "an unknown jurisdiction", Method: "POST", URL: "/v1/agencies", Token: ta.sysTok, Body: map[string]any{"name": "某局", "uscc": usccOf(t, "11370405MB000007"+"0"), "jurisdiction_id": "nope", "legal_basis": "x"}, Status: 400, Contains: []string{"jurisdiction_id"}},
		{Name: "the children of a city", Method: "GET", URL: "/v1/jurisdictions?parent_id=" + city, Token: district, Status: 200, Contains: []string{"市中区", "薛城区"}},
	})
}
