package api_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/zhifa/zhifa/domain"
)

// syncAll pages through an agency's whole feed once its changes have settled.
func (ta *testApp) syncAll(t *testing.T, token string) string {
	t.Helper()
	time.Sleep(ta.cfg.SyncSettle + 50*time.Millisecond)
	var all strings.Builder
	cursor := ""
	for {
		r := ta.do("GET", "/v1/sync?limit=7&cursor="+cursor, nil, token)
		if r.Status != 200 {
			t.Fatalf("sync: %d %s", r.Status, r.Body)
		}
		if n := len(r.JSON["items"].([]any)); n > 7 {
			t.Fatalf("limit=7 gave %d items", n)
		}
		all.Write(r.Body)
		cursor = r.str("next_cursor")
		if r.JSON["more"] != true {
			return all.String()
		}
	}
}

// TestSyncNeverLeaksAnotherAgency: agency B's officer reuses the ids of agency A's case and
// inspection. The creates fail, leave nothing B's feed follows, and burn no case numbers; even
// a forged change entry pointing at A's case is not delivered; the overlap warning names A's
// agency but not its inspection's id.
func TestSyncNeverLeaksAnotherAgency(t *testing.T) {
	ta := newTestApp(t)
	a, b := ta.newCaseAgency(t, 0), ta.newCaseAgency(t, 1)
	caseID, inspID := uuidFor(9001), uuidFor(9002)
	secret := map[string]any{"kind": "person", "name": "机密当事人", "id_number": "11010519491231002X", "phone": "13912345678"}
	if r := ta.do("POST", "/v1/cases", map[string]any{"id": caseID, "matter_id": a.matterID, "facts": "秘密事实", "party": secret}, a.officerTok); r.Status != 201 {
		t.Fatalf("A's case: %d %s", r.Status, r.Body)
	}
	day := time.Now().AddDate(0, 0, 3).Format(time.DateOnly)
	plan := func(f caseAgency, id string) map[string]any {
		m := map[string]any{"matter_id": f.matterID, "enterprise_uscc": usccs[3], "enterprise_name": "某某餐饮有限公司", "planned_on": day, "officer_ids": f.officers}
		if id != "" {
			m["id"] = id
		}
		return m
	}
	if r := ta.do("POST", "/v1/inspections", plan(a, inspID), a.officerTok); r.Status != 201 {
		t.Fatalf("A's inspection: %d %s", r.Status, r.Body)
	}
	for range 3 {
		r := ta.do("POST", "/v1/cases", map[string]any{"id": caseID, "matter_id": b.matterID, "party": map[string]any{"kind": "person", "name": "乙"}}, b.officerTok)
		if r.Status != 409 || strings.Contains(string(r.Body), "机密") {
			t.Fatalf("B reuses A's case id: %d %s", r.Status, r.Body)
		}
		if r := ta.do("POST", "/v1/inspections", plan(b, inspID), b.officerTok); r.Status != 409 {
			t.Fatalf("B reuses A's inspection id: %d %s", r.Status, r.Body)
		}
	}
	// Whatever the log says: an entry under B that points at A's objects, as a lost race
	// between the existence check and the write would leave.
	for _, ch := range []domain.Change{{AgencyID: b.id, Kind: "case", ObjectID: caseID, EventSeq: 1}, {AgencyID: b.id, Kind: "inspection", ObjectID: inspID}} {
		if err := ta.store.RecordChange(context.Background(), &ch); err != nil {
			t.Fatal(err)
		}
	}
	r := ta.do("POST", "/v1/inspections", plan(b, ""), b.officerTok)
	if r.Status != 201 || !strings.Contains(string(r.Body), a.id) || strings.Contains(string(r.Body), inspID) {
		t.Fatalf("B's overlap warning names A's agency, not A's inspection: %d %s", r.Status, r.Body)
	}
	if r := ta.do("POST", "/v1/inspections", plan(a, ""), a.officerTok); r.Status != 201 || strings.Contains(string(r.Body), inspID) || strings.Contains(string(r.Body), `"agency_id":"`+a.id+`","agency_name"`) {
		t.Fatalf("A's own inspections are not overlaps for A: %d %s", r.Status, r.Body)
	}
	r = ta.do("POST", "/v1/cases", map[string]any{"matter_id": b.matterID, "party": map[string]any{"kind": "person", "name": "乙"}}, b.officerTok)
	if r.Status != 201 || !strings.Contains(string(r.Body), `"number":"`+time.Now().Format("2006")+`-000001"`) {
		t.Fatalf("B's first case after three refused creates: %d %s", r.Status, r.Body)
	}
	feed := ta.syncAll(t, b.officerTok)
	for _, leak := range []string{caseID, inspID, "机密当事人", "13912345678", "秘密事实", a.id} {
		if strings.Contains(feed, leak) {
			t.Errorf("B's sync delivers %q of agency A", leak)
		}
	}
	if !strings.Contains(ta.syncAll(t, a.officerTok), caseID) {
		t.Error("A's own sync lacks A's case")
	}
}
