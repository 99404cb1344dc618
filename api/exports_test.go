package api_test

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

// exportRows reads a CSV download: its byte-order mark, then its rows.
func exportRows(t *testing.T, r response) [][]string {
	t.Helper()
	if r.Status != 200 || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/csv") {
		t.Fatalf("export: %d %s %s", r.Status, r.Header.Get("Content-Type"), r.Body)
	}
	body, ok := bytes.CutPrefix(r.Body, []byte("\ufeff"))
	if !ok {
		t.Fatalf("no byte-order mark: %q", r.Body[:min(20, len(r.Body))])
	}
	rows, err := csv.NewReader(bytes.NewReader(body)).ReadAll()
	if err != nil {
		t.Fatalf("csv: %v", err)
	}
	return rows
}

// TestListsExportAsCSVAndXLSX: the agency's cases, more than one page of them, download whole as
// CSV (byte-order mark, Chinese headings and words, China's time) and as XLSX, in the order of the
// list; a party name that is a formula stays text in both; an English reader gets the machine
// names; an unknown format is refused.
func TestListsExportAsCSVAndXLSX(t *testing.T) {
	ta := newTestApp(t)
	f := ta.newCaseAgency(t, 0)
	const n = 205 // past one page of 200
	formula := `=HYPERLINK("http://evil.example/","点击")`
	for i := range n {
		name := fmt.Sprintf("导出测试公司%03d", i)
		if i == 7 {
			name = formula
		}
		if r := ta.do("POST", "/v1/cases", map[string]any{"matter_id": f.matterID, "facts": "销售过期食品",
			"party": map[string]any{"kind": "organisation", "name": name, "uscc": usccs[4]}}, f.officerTok); r.Status != 201 {
			t.Fatalf("case %d: %d %s", i, r.Status, r.Body)
		}
	}
	rows := exportRows(t, ta.do("GET", "/v1/cases?format=csv", nil, f.adminTok, "Accept-Language", "zh-CN"))
	if len(rows) != n+1 {
		t.Fatalf("%d rows, want %d and the heading", len(rows), n+1)
	}
	if strings.Join(rows[0][:5], ",") != "案件编号,执法主体,执法事项,程序,状态" {
		t.Fatalf("heading: %v", rows[0])
	}
	seen := map[string]bool{}
	var formulaCell string
	for _, row := range rows[1:] {
		seen[row[5]] = true
		if strings.Contains(row[5], "HYPERLINK") {
			formulaCell = row[5]
		}
		if row[1] != "区市场监督管理局A" || row[2] != "销售不符合食品安全标准的食品" || row[4] != "线索" || row[11] != "否" {
			t.Fatalf("row: %v", row)
		}
		if !strings.Contains(row[15], " ") || strings.Contains(row[15], "T") {
			t.Fatalf("created_at is not a time a person reads: %q", row[15])
		}
	}
	if len(seen) != n {
		t.Fatalf("%d parties, want %d", len(seen), n)
	}
	if formulaCell != "'"+formula {
		t.Fatalf("the formula cell is %q", formulaCell)
	}
	if en := exportRows(t, ta.do("GET", "/v1/cases?format=csv", nil, f.adminTok)); en[0][0] != "number" || en[1][4] != "clue" {
		t.Fatalf("English heading: %v %v", en[0], en[1])
	}

	x := ta.do("GET", "/v1/cases?format=xlsx", nil, f.adminTok, "Accept-Language", "zh-CN")
	if x.Status != 200 || x.Header.Get("Content-Type") != "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" {
		t.Fatalf("xlsx: %d %s %s", x.Status, x.Header.Get("Content-Type"), x.Body)
	}
	book, err := excelize.OpenReader(bytes.NewReader(x.Body))
	if err != nil {
		t.Fatal(err)
	}
	defer book.Close()
	sheet := book.GetSheetName(0)
	xrows, err := book.GetRows(sheet)
	if err != nil || len(xrows) != n+1 || xrows[0][0] != "案件编号" {
		t.Fatalf("xlsx rows: %d %v %v", len(xrows), err, xrows[0])
	}
	for i, row := range xrows[1:] {
		if row[5] != formula {
			continue
		}
		cellName, _ := excelize.CoordinatesToCellName(6, i+2)
		if f, _ := book.GetCellFormula(sheet, cellName); f != "" {
			t.Fatalf("the party's name became a formula: %q", f)
		}
		formula = ""
	}
	if formula != "" {
		t.Fatal("the xlsx lost the formula-like name")
	}

	if r := ta.do("GET", "/v1/cases?format=pdf", nil, f.adminTok); r.Status != 400 || !strings.Contains(string(r.Body), "format") {
		t.Fatalf("unknown format: %d %s", r.Status, r.Body)
	}
	if r := ta.do("GET", "/v1/cases?format=csv&status=nonsense", nil, f.adminTok); r.Status != 400 {
		t.Fatalf("the list's own validation: %d %s", r.Status, r.Body)
	}
}

// exportRoutes are the list routes the spec says export (those taking the ExportFormat parameter).
func exportRoutes(t *testing.T) []string {
	t.Helper()
	var out []string
	for path, item := range specDoc(t).Paths.Map() {
		if item.Get == nil {
			continue
		}
		for _, p := range item.Get.Parameters {
			if p.Ref == "#/components/parameters/ExportFormat" {
				out = append(out, path)
			}
		}
	}
	sort.Strings(out)
	if len(out) < 12 {
		t.Fatalf("only %d exportable lists in the spec: %v", len(out), out)
	}
	return out
}

// TestExportsKeepToTheReadersScope is the attacker's side of every export the spec names, in both
// formats: another agency's admin and officer, another district's supervisor and an enterprise,
// with and without ?agency_id= naming the agency attacked, get none of its rows (its id, its
// name, its cases', inspections', officers' and enterprise's ids and words); the agency's own
// admin and its district's supervisor get them, so the check can fail.
func TestExportsKeepToTheReadersScope(t *testing.T) {
	w := newFeedbackWorld(t)
	ta, f := w.ta, w.f
	other := ta.newCaseAgency(t, 1)
	if r := ta.do("POST", "/v1/complaints", map[string]any{"inspection_id": w.inspection, "category": "吃拿卡要",
		"description": complaintWords}, w.entTo); r.Status != 201 {
		t.Fatalf("complaint: %d %s", r.Status, r.Body)
	}
	problem := ta.mustCreate("/v1/problems", map[string]any{"source": "self_check", "title": "问题标记：卷宗缺页", "plan": "补齐", "owner": "管理员", "deadline": "2030-01-01"}, f.adminTok)
	otherEnterprise := w.otherEnterprise(t)
	secrets := []string{f.id, f.matterID, "区市场监督管理局A", w.caseID, w.inspection, w.other, f.officerID, f.officer2ID, w.entID, complaintWords, entContact, problem, "问题标记"}

	routes := exportRoutes(t)
	_, evID, _ := ta.caseWithFile(t, f)
	if r := ta.do("GET", "/v1/evidence/"+evID+"/content", nil, f.officerTok); r.Status != 200 {
		t.Fatalf("content: %d", r.Status)
	}
	urlOf := func(route string) string {
		if strings.HasPrefix(route, "/v1/evidence/") {
			return strings.ReplaceAll(route, "{id}", evID)
		}
		return strings.ReplaceAll(route, "{id}", f.id)
	}
	attackers := map[string]string{"another agency's admin": other.adminTok, "another agency's officer": other.officerTok,
		"another agency's reviewer": other.reviewerTok, "another district's supervisor": w.elsewhere, "another enterprise": otherEnterprise}
	for _, route := range routes {
		for who, tok := range attackers {
			for _, query := range []string{"", "&agency_id=" + f.id} {
				for _, format := range []string{"csv", "xlsx"} {
					url := urlOf(route) + "?format=" + format + query
					r := ta.do("GET", url, nil, tok, "Accept-Language", "zh-CN")
					if r.Status == 200 && format == "xlsx" {
						r.Body = xlsxText(t, r.Body)
					}
					for _, s := range secrets {
						if bytes.Contains(r.Body, []byte(s)) {
							t.Errorf("%s read %q through %s: %d", who, s, url, r.Status)
						}
					}
				}
			}
		}
	}
	// The agency and its supervisors read their own: the secrets are where the check looks.
	for _, c := range []struct{ url, tok, want string }{
		{"/v1/cases", f.adminTok, w.caseID}, {"/v1/inspections", f.adminTok, w.inspection}, {"/v1/officers", f.adminTok, f.officer2ID},
		{"/v1/problems", f.adminTok, problem}, {"/v1/agencies/" + f.id + "/adjustments", f.adminTok, f.officerID},
		{"/v1/complaints", w.here, complaintWords}, {"/v1/enterprises", w.here, w.entID}, {"/v1/agencies", w.here, f.id},
		{"/v1/complaints", f.adminTok, "区市场监督管理局A"}, {"/v1/evidence/" + evID + "/access-log", f.adminTok, f.officerID},
		{"/v1/matters", f.adminTok, f.matterID},
	} {
		for _, format := range []string{"csv", "xlsx"} {
			r := ta.do("GET", c.url+"?format="+format, nil, c.tok, "Accept-Language", "zh-CN")
			if r.Status == 200 && format == "xlsx" {
				r.Body = xlsxText(t, r.Body)
			}
			if r.Status != 200 || !bytes.Contains(r.Body, []byte(c.want)) {
				t.Errorf("%s as %s lacks %q: %d %s", c.url, format, c.want, r.Status, r.Body)
			}
		}
	}
	// What the agency's admin reads of a complaint leaves out the complainant, in the export too.
	if r := ta.do("GET", "/v1/complaints?format=csv", nil, f.adminTok); bytes.Contains(r.Body, []byte(entContact)) || bytes.Contains(r.Body, []byte(entPhone)) {
		t.Errorf("the agency read the complainant in its export: %s", r.Body)
	}
}

// xlsxText is every cell of a workbook's first sheet, one line a row.
func xlsxText(t *testing.T, b []byte) []byte {
	t.Helper()
	book, err := excelize.OpenReader(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("xlsx: %v", err)
	}
	defer book.Close()
	rows, err := book.GetRows(book.GetSheetName(0))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	for _, row := range rows {
		out.WriteString(strings.Join(row, ",") + "\n")
	}
	return out.Bytes()
}

// otherEnterprise registers and activates a second enterprise of the district, party to nothing,
// and returns its token.
func (w *feedbackWorld) otherEnterprise(t *testing.T) string {
	t.Helper()
	ta := w.ta
	region := ta.do("GET", "/v1/agencies/"+w.f.id, nil, w.f.adminTok).str("jurisdiction_id")
	uscc := usccOf(t, "91370402MA0000770")
	reg := ta.do("POST", "/v1/enterprises/register", map[string]any{"uscc": uscc, "name": "另一家公司", "legal_representative": "赵六",
		"contact_name": "赵六", "contact_phone": "13700002222", "jurisdiction_id": region, "password": testPassword}, "")
	if r := ta.do("POST", "/v1/enterprises/"+reg.str("id")+"/activate", map[string]any{"reason": "已核验"}, w.here); r.Status != 200 {
		t.Fatalf("activate: %d %s", r.Status, r.Body)
	}
	return ta.login(uscc, testPassword)
}
