package api_test

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestConsoleAgencyAdminInChromium: the agency's admin edits a benchmark's tiers in the table
// (a lighter tier reaching into the normal one is told at the normal tier's cell in Chinese and
// nothing is saved; corrected, the table saves and the server holds the new heavier maximum),
// issues a certificate expiring in 100 China days and reads "剩余 100 天", records eight hours of
// training and sees the reviewer 52 hours short on the shortfall page, with the untrained at 60
// first; every admin page passes axe.
func TestConsoleAgencyAdminInChromium(t *testing.T) {
	ta := newTestApp(t)
	f := ta.newCaseAgency(t, 2)
	if r := ta.do("POST", "/v1/problems", map[string]any{"source": "self_check", "title": "询问笔录未逐页签字", "plan": "组织全员学习笔录制作规范", "owner": "法制科科长", "deadline": "2030-12-31"}, f.adminTok); r.Status != 201 {
		t.Fatalf("problem: %d %s", r.Status, r.Body)
	}
	before := ta.do("GET", "/v1/benchmarks/"+f.benchmarkID, nil, f.adminTok)
	r := runConsole(t, "admin-catalog.cjs", ta.serve(), "c-admin", testPassword)
	if !hasHan(r.Seen["cellError"]) || !strings.Contains(r.Seen["cellError"], "重叠") || r.Seen["cellErrors"] != "1" ||
		r.Seen["saved"] != "yes" || r.Seen["cellErrorsAfter"] != "0" || r.Seen["heavierMax"] != "250000" {
		t.Fatalf("the benchmark table: %v", r.Seen)
	}
	if r.Seen["daysLeft"] != "剩余 100 天" || r.Seen["certificate"] != "yes" {
		t.Fatalf("the certificate: %v", r.Seen)
	}
	if !strings.Contains(r.Seen["trainingPlan"], "尚差 52 学时") || r.Seen["reviewerShort"] != "52" || r.Seen["firstShort"] != "60" {
		t.Fatalf("the training: %v", r.Seen)
	}
	if r.Seen["settingsCourt"] != "青山区人民法院" {
		t.Fatalf("the settings: %v", r.Seen)
	}
	after := ta.do("GET", "/v1/benchmarks/"+f.benchmarkID, nil, f.adminTok)
	var b struct {
		Version int64 `json:"version"`
		Tiers   []struct {
			Tier    string `json:"tier"`
			MinFine int64  `json:"min_fine"`
			MaxFine int64  `json:"max_fine"`
		} `json:"tiers"`
	}
	if err := json.Unmarshal(after.Body, &b); err != nil {
		t.Fatal(err)
	}
	if v, _ := before.JSON["version"].(float64); b.Version != int64(v)+1 {
		t.Fatalf("the benchmark was saved %d times, not once: version %v -> %d", b.Version-int64(v), v, b.Version)
	}
	for _, tier := range b.Tiers {
		if tier.Tier == "heavier" && tier.MaxFine != 250000 || tier.Tier == "lighter" && tier.MaxFine != 80000 {
			t.Fatalf("the saved tiers: %s", after.Body)
		}
	}
}
