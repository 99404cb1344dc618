package api_test

import "testing"

// Valid unified social credit codes (check characters computed per GB 32100).
var usccs = []string{"91350100M000100Y43", "91110000600037341L", "12110105MB0123456C", "92440300MA5F11110R", "91310115MA1K3YJ12G"}

// agencyFixture is an agency with an admin and two certified officers.
type agencyFixture struct {
	id                    string
	adminID, adminTok     string
	officerID, officerTok string
	officer2ID            string
	certNo                string
}

func (ta *testApp) newAgency(t *testing.T, n int) agencyFixture {
	t.Helper()
	var f agencyFixture
	f.id = ta.mustCreate("/v1/agencies", map[string]any{
		"name": "区市场监督管理局" + string(rune('A'+n)), "uscc": usccs[n],
		"jurisdiction": map[string]string{"district": "青山区"}, "legal_basis": "《中华人民共和国行政处罚法》",
	}, ta.sysTok)
	prefix := string(rune('a' + n))
	f.adminID = ta.mustCreate("/v1/officers", map[string]any{
		"username": prefix + "-admin", "password": testPassword, "name": "管理员", "roles": []string{"agency_admin"}, "agency_id": f.id,
	}, ta.sysTok)
	f.adminTok = ta.login(prefix+"-admin", testPassword)
	f.officerID = ta.mustCreate("/v1/officers", map[string]any{
		"username": prefix + "-officer", "password": testPassword, "name": "张三", "phone": "13800138000",
		"id_number": "11010519491231002X", "roles": []string{"officer"},
	}, f.adminTok)
	f.officer2ID = ta.mustCreate("/v1/officers", map[string]any{
		"username": prefix + "-officer2", "password": testPassword, "name": "李四", "roles": []string{"officer"},
	}, f.adminTok)
	f.certNo = "4201000000" + string(rune('1'+n)) + "1"
	r := ta.do("PUT", "/v1/officers/"+f.officerID+"/certificate", map[string]any{
		"number": f.certNo, "issued_on": "2025-01-01", "expires_on": "2030-12-31",
	}, f.adminTok)
	if r.Status != 200 {
		t.Fatalf("certificate: %d %s", r.Status, r.Body)
	}
	f.officerTok = ta.login(prefix+"-officer", testPassword)
	return f
}
