package api_test

import (
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/zhifa/zhifa/api"
)

// TestConsoleAgencyAdminInChromium: the agency's admin edits a benchmark's tiers in the table
// (a lighter tier reaching into the normal one is told at the normal tier's cell in Chinese and
// nothing is saved; corrected, the table saves and the server holds the new heavier maximum),
// issues a certificate expiring in 100 China days and reads "剩余 100 天", records eight hours of
// training and sees the reviewer 52 hours short on the shortfall page, with the untrained at 60
// first, answers the supervisory body's order (the server holds the answer); every admin page
// and dialog passes axe.
func TestConsoleAgencyAdminInChromium(t *testing.T) {
	ta := newTestApp(t)
	f := ta.newCaseAgency(t, 2)
	if r := ta.do("POST", "/v1/problems", map[string]any{"source": "self_check", "title": "询问笔录未逐页签字", "plan": "组织全员学习笔录制作规范", "owner": "法制科科长", "deadline": "2030-12-31"}, f.adminTok); r.Status != 201 {
		t.Fatalf("problem: %d %s", r.Status, r.Body)
	}
	sup := ta.supervisoryBody(t, "青山区司法局", usccOf(t, "11370402MB000011"+"0"), "青山区", "qs-supervisor")
	deadline := time.Now().In(time.FixedZone("CST", 8*3600)).AddDate(0, 0, 7).Format("2006-01-02")
	order := ta.do("POST", "/v1/supervision/orders", map[string]any{"object_kind": "case", "object_id": ta.openCase(t, f), "text": "请说明该案件久拖未决的原因并限期办结。", "deadline": deadline}, sup)
	if order.Status != 201 {
		t.Fatalf("order: %d %s", order.Status, order.Body)
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
	if got := ta.do("GET", "/v1/supervision/orders/"+order.str("id"), nil, sup); got.str("status") != "answered" || got.str("answer") != "已查明原因，将于本周内作出决定。" || r.Seen["orderRow"] == "" || !strings.Contains(r.Seen["orderRow"], "已答复") {
		t.Fatalf("the order answered in the console: %v / %s", r.Seen["orderRow"], got.Body)
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

// TestConsoleSysadminInChromium: the sysadmin adds a province and, under it, a city in the
// jurisdiction tree (only levels below the province are offered; a malformed division code is
// refused at its field in Chinese), suspends an agency announced today and reads the change in
// its adjustment record in words, finds the agency's admin among the users, sees both stores
// answer on the health page and starts a backup that is listed complete; every page passes axe, and the server holds what the screens said.
func TestConsoleSysadminInChromium(t *testing.T) {
	cfg := testConfig()
	cfg.BackupDir = t.TempDir()
	done := make(chan struct{})
	close(done)
	ta := newTestAppWith(t, cfg, nil, func(d *api.Deps) {
		d.Backup = func(ctx context.Context, dir string) error { return fakeBackup(ctx, dir, done) }
	})
	f := ta.newAgency(t, 2)
	name := "区市场监督管理局C"
	r := runConsole(t, "system-admin.cjs", ta.serve(), "root", testPassword, name)
	today := time.Now().In(time.FixedZone("CST", 8*3600)).Format("2006-01-02")
	if r.Seen["levels"] != "市,区/县,镇/街道" || !hasHan(r.Seen["codeError"]) || !strings.Contains(r.Seen["chosen"], "青松市") {
		t.Fatalf("the tree: %v", r.Seen)
	}
	if r.Seen["announcedDefault"] != today || !strings.Contains(r.Seen["row"], today+" 公告") ||
		!strings.Contains(r.Seen["record"], "正常 → 暂停执法") || strings.Contains(r.Seen["record"], "suspended") {
		t.Fatalf("the status change: %v", r.Seen)
	}
	if !strings.Contains(r.Seen["stats"], "请求数") || !strings.Contains(r.Seen["stats"], "服务端错误（5xx）0") {
		t.Fatalf("the metrics at a glance: %v", r.Seen)
	}
	if r.Seen["backup"] != "完整" || entries(t, cfg.BackupDir) != 1 {
		t.Fatalf("the backup: %v", r.Seen)
	}
	if r.Seen["users"] != "1" || !strings.Contains(r.Seen["health"], "文档数据库正常") || !strings.Contains(r.Seen["health"], "对象存储正常") {
		t.Fatalf("users and health: %v", r.Seen)
	}
	agency := ta.do("GET", "/v1/agencies/"+f.id, nil, ta.sysTok)
	if agency.str("status") != "suspended" || agency.str("status_announced_on") != today {
		t.Fatalf("the agency: %s", agency.Body)
	}
	roots := ta.do("GET", "/v1/jurisdictions", nil, ta.sysTok)
	var list struct {
		Items []struct{ ID, Name string } `json:"items"`
	}
	_ = json.Unmarshal(roots.Body, &list)
	var province string
	for _, it := range list.Items {
		if it.Name == "松江省" {
			province = it.ID
		}
	}
	children := ta.do("GET", "/v1/jurisdictions?parent_id="+province, nil, ta.sysTok)
	if province == "" || !strings.Contains(string(children.Body), "青松市") {
		t.Fatalf("the tree on the server: %s / %s", roots.Body, children.Body)
	}
}

func entries(t *testing.T, dir string) int {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	return len(es)
}
