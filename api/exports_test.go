package api_test

import (
	"bytes"
	"encoding/csv"
	"fmt"
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
