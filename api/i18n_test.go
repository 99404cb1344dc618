package api_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"unicode"
)

func hasHan(s string) bool {
	return strings.ContainsFunc(s, func(r rune) bool { return unicode.Is(unicode.Han, r) })
}

// TestPeopleReadChinese: an app that sends no Accept-Language (or zh-CN) reads Chinese titles,
// details and field messages, with the same machine codes; one that asks for English reads
// English; the CSV that supervisors open in a spreadsheet has Chinese headings.
func TestPeopleReadChinese(t *testing.T) {
	ta := newTestApp(t)
	f := ta.newCaseAgency(t, 0)
	super := ta.supervisoryBody(t, "青山区司法局", usccOf(t, "11370402MB000041"+"0"), "青山区", "i18n-supervisor")
	for _, lang := range []string{"", "zh-CN,zh;q=0.9,en;q=0.8"} {
		r := ta.do("POST", "/v1/auth/login", map[string]string{"username": "nobody", "password": "wrong password!"}, "", "Accept-Language", lang)
		if r.Status != 401 || r.str("code") != "unauthorized" || !hasHan(r.str("title")) || !hasHan(r.str("detail")) || r.Header.Get("Content-Language") != "zh-CN" {
			t.Fatalf("a failed sign-in for %q: %d %s", lang, r.Status, r.Body)
		}
		r = ta.do("POST", "/v1/officers", map[string]any{"username": "x", "password": "short", "name": "", "roles": []string{"officer"}}, f.adminTok, "Accept-Language", lang)
		if r.Status != 400 || r.str("code") != "invalid" || !hasHan(r.str("detail")) {
			t.Fatalf("a bad officer for %q: %d %s", lang, r.Status, r.Body)
		}
		for field, msg := range r.JSON["errors"].(map[string]any) {
			if !hasHan(msg.(string)) {
				t.Errorf("the message of %s is not Chinese: %q", field, msg)
			}
		}
		r = ta.do("PATCH", "/v1/agencies/"+f.id, map[string]any{"name": "别名"}, f.adminTok, "Accept-Language", lang, "If-Match", `"1"`)
		if r.Status != 403 || !hasHan(r.JSON["errors"].(map[string]any)["name"].(string)) {
			t.Fatalf("an admin renaming its agency for %q: %d %s", lang, r.Status, r.Body)
		}
		r = ta.do("POST", "/v1/enterprises/register", map[string]any{"uscc": "91370402MA3C8K9X20"}, "", "Accept-Language", lang)
		if r.Status != 400 || !hasHan(r.JSON["errors"].(map[string]any)["uscc"].(string)) {
			t.Fatalf("a wrong check character for %q: %d %s", lang, r.Status, r.Body)
		}
		r = ta.do("POST", "/v1/officers", map[string]any{"username": "i18n-x", "password": testPassword, "name": "某", "roles": []string{"reviewer", "godmode"}}, f.adminTok, "Accept-Language", lang)
		if r.Status != 400 || !hasHan(r.JSON["errors"].(map[string]any)["roles"].(string)) || !strings.Contains(r.JSON["errors"].(map[string]any)["roles"].(string), "godmode") {
			t.Fatalf("a field message built at run time, for %q: %d %s", lang, r.Status, r.Body)
		}
		r = ta.do("POST", "/v1/auth/login", map[string]string{"Username": "a-admin", "password": testPassword}, "", "Accept-Language", lang)
		if msg, _ := r.JSON["errors"].(map[string]any)["Username"].(string); r.Status != 400 || !hasHan(msg) || !strings.Contains(msg, "username") {
			t.Fatalf("a field name in the wrong case, for %q: %d %s", lang, r.Status, r.Body)
		}
		if r = ta.do("GET", "/v1/nope", nil, f.adminTok, "Accept-Language", lang); r.Status != 404 || !hasHan(r.str("detail")) {
			t.Fatalf("an unknown route for %q: %d %s", lang, r.Status, r.Body)
		}
		if r = ta.do("GET", "/v1/officers/"+f.reviewerID, nil, f.adminTok, "Accept-Language", lang); !hasHan(r.str("may_act_reason")) {
			t.Fatalf("why an officer may not act, for %q: %s", lang, r.Body)
		}
		r = ta.do("POST", "/v1/cases/nope/transitions", map[string]any{"action": "register"}, f.officerTok, "Accept-Language", lang)
		if r.Status != 404 || r.str("code") != "not_found" || !hasHan(r.str("detail")) {
			t.Fatalf("an unknown case for %q: %d %s", lang, r.Status, r.Body)
		}
	}
	r := ta.do("POST", "/v1/auth/login", map[string]string{"username": "nobody", "password": "wrong password!"}, "", "Accept-Language", "en-US,en;q=0.9")
	if r.str("detail") != "wrong username or password" || r.str("title") != "Unauthorized" {
		t.Fatalf("a failed sign-in in English: %s", r.Body)
	}
	csv := ta.do("GET", "/v1/supervision/stats?format=csv", nil, super, "Accept-Language", "zh-CN")
	head, _, _ := strings.Cut(strings.TrimPrefix(string(csv.Body), "\ufeff"), "\n")
	if csv.Status != 200 || !strings.Contains(head, "执法主体") || !strings.Contains(head, "平均评分") || strings.Contains(head, "agency_name") {
		t.Fatalf("the statistics' CSV heading: %d %q", csv.Status, head)
	}
	csv = ta.do("GET", "/v1/supervision/stats?format=csv", nil, super, "Accept-Language", "en")
	if head, _, _ := strings.Cut(strings.TrimPrefix(string(csv.Body), "\ufeff"), "\n"); !strings.HasPrefix(head, "agency_id,agency_name") {
		t.Fatalf("the statistics' CSV heading in English: %q", head)
	}
}

// TestFibersOwnErrorsReadChinese: a method a path does not take and a body over the limit are
// refused by the framework itself, in its English words; the person reads Chinese.
func TestFibersOwnErrorsReadChinese(t *testing.T) {
	ta := newTestApp(t)
	base := ta.serve()
	req, _ := http.NewRequest("DELETE", base+"/v1/me/todo", nil)
	req.Header.Set("Accept-Language", "zh-CN")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var p struct{ Title, Detail string }
	_ = json.NewDecoder(res.Body).Decode(&p)
	res.Body.Close()
	if res.StatusCode != 405 || !hasHan(p.Title) || !hasHan(p.Detail) {
		t.Errorf("a method the path does not take: %d %+v", res.StatusCode, p)
	}
	big := postOversized(t, base, "/v1/cases", ta.sysTok, `{"facts":"`+strings.Repeat("x", 20<<20)+`"}`)
	if big.Status != 413 || !hasHan(big.str("title")) || !hasHan(big.str("detail")) {
		t.Errorf("a body over the limit: %d %s", big.Status, big.Body)
	}
}
