package api_test

import (
	"testing"
	"time"
)

// TestRegistrationSaysNothingOfOtherAccounts: an anonymous registration once answered 409 "the
// username is taken" for officers' names and squatted credit codes for good. Now the account's
// username is the credit code, staff names may not look like one, the answer for a name that
// exists equals the answer for one that does not, and a registration nobody activates expires.
func TestRegistrationSaysNothingOfOtherAccounts(t *testing.T) {
	ta := newTestApp(t)
	f := ta.newCaseAgency(t, 0)
	super := ta.supervisoryBody(t, "青山区司法局", usccOf(t, "11370402MB000051"+"0"), "青山区", "reg-supervisor")
	region := ta.do("GET", "/v1/agencies/"+f.id, nil, f.adminTok).str("jurisdiction_id")
	reg := func(uscc string, extra map[string]any) response {
		body := map[string]any{"uscc": uscc, "name": "某某餐饮有限公司", "legal_representative": "王某", "contact_name": "李某",
			"contact_phone": "13700004444", "jurisdiction_id": region, "password": testPassword}
		for k, v := range extra {
			body[k] = v
		}
		return ta.do("POST", "/v1/enterprises/register", body, "")
	}
	taken, free := reg(usccs[3], map[string]any{"username": "a-officer"}), reg(usccs[3], map[string]any{"username": "nobody-has-this"})
	if taken.Status != 400 || taken.Status != free.Status || taken.JSON["errors"].(map[string]any)["username"] != free.JSON["errors"].(map[string]any)["username"] {
		t.Fatalf("a staff name and a free name answer differently: %d %s / %d %s", taken.Status, taken.Body, free.Status, free.Body)
	}
	if r := ta.do("POST", "/v1/officers", map[string]any{"username": usccs[3], "password": testPassword, "name": "冒名", "roles": []string{"officer"}}, f.adminTok); r.Status != 400 {
		t.Fatalf("a staff account named like a credit code: %d %s", r.Status, r.Body)
	}
	first := reg(usccs[3], nil)
	if first.Status != 201 {
		t.Fatalf("register: %d %s", first.Status, first.Body)
	}
	if r := reg(usccs[3], nil); r.Status != 409 {
		t.Fatalf("a second registration while the first waits: %d %s", r.Status, r.Body)
	}
	ta.clock.Set(time.Now().Add(8 * 24 * time.Hour))
	defer ta.clock.Set(time.Time{})
	second := reg(usccs[3], nil)
	if second.Status != 201 || second.str("id") == first.str("id") {
		t.Fatalf("a registration after the first expired: %d %s", second.Status, second.Body)
	}
	if r := ta.do("POST", "/v1/enterprises/"+second.str("id")+"/activate", nil, super); r.Status != 200 {
		t.Fatalf("activate: %d %s", r.Status, r.Body)
	}
	ta.clock.Set(time.Time{})
	ta.login(usccs[3], testPassword)
}
