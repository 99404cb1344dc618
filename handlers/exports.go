package handlers

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/valyala/fasthttp"
	"github.com/xuri/excelize/v2"

	"github.com/zhifa/zhifa/domain"
)

// Exports: every list route named in exportTables also answers ?format=csv or ?format=xlsx with
// the whole list as a download. The list's own handler answers each page, reached through the
// app's whole stack as the caller's own request with the next cursor, so that the rows an export
// holds are exactly those the caller could page through: the same role checks, scope, masking
// and sealed cursors, and no second copy of any of them. Rows are written as the pages arrive;
// only one page is held at a time.

// columnKind says how a JSON value becomes a cell.
type columnKind int

const (
	textCol     columnKind = iota
	enumCol                // a code, in Chinese words for a Chinese reader
	timeCol                // an RFC 3339 time, written as China's time
	dateCol                // a YYYY-MM-DD day, as it is
	numberCol              // a number (a number cell in XLSX)
	boolCol                // 是/否
	agencyCol              // an agency's id, written as its name
	matterCol              // a matter's id, written as its name
	deadlineCol            // a warning's kind of deadline, in words (deadlineWords)
	openedCol              // what a supervisor opened, in words (openedWords)
)

// deadlineWords and openedWords say the codes of warnings and of supervisors' reads, whose
// words differ from the same codes elsewhere (a decision deadline, not a decision document).
var (
	deadlineWords = map[string]string{"decision": "作出决定期限", "service": "送达期限", "payment": "缴纳罚款期限",
		"complaint_accept": "投诉受理期限", "complaint_answer": "投诉答复期限", "rectification": "整改期限", "callback": "回访期限", "order": "督办办复期限"}
	openedWords = map[string]string{"case": "案件", "events": "案件过程", "audit": "案卷校验", "documents": "文书目录", "document": "文书",
		"print": "文书打印页", "evidence_list": "证据目录", "evidence": "证据", "evidence_content": "证据内容", "case_file": "电子卷宗", "inspection": "检查"}
)

// exportColumn is one column: Key is the JSON path of its value in a list item (dots go into
// objects; an array on the way gives every element's value, joined) and the English heading.
type exportColumn struct {
	Key  string
	Zh   string
	Kind columnKind
}

type exportTable struct {
	// File names the download; Sheet is the XLSX sheet's (Chinese) name.
	File, Sheet string
	Columns     []exportColumn
}

// exportTables are the exportable lists by route; ":" segments match any value.
var exportTables = map[string]exportTable{
	"/v1/cases": {"cases", "案件", []exportColumn{
		{"number", "案件编号", textCol}, {"agency_id", "执法主体", agencyCol}, {"matter_id", "执法事项", matterCol},
		{"procedure", "程序", enumCol}, {"status", "状态", enumCol},
		{"party.name", "当事人", textCol}, {"party.uscc", "统一社会信用代码", textCol}, {"party.id_number", "身份证号码", textCol},
		{"officer_ids", "执法人员编号", textCol}, {"registered_at", "立案时间", timeCol}, {"deadline", "办案期限", timeCol},
		{"overdue", "超期", boolCol}, {"decision.fine", "罚款金额（元）", numberCol}, {"decided_at", "决定时间", timeCol},
		{"served_at", "送达时间", timeCol}, {"created_at", "创建时间", timeCol}, {"id", "案件ID", textCol},
	}},
	"/v1/inspections": {"inspections", "涉企检查", []exportColumn{
		{"agency_id", "执法主体", agencyCol}, {"matter_id", "执法事项", matterCol}, {"enterprise_name", "企业名称", textCol},
		{"enterprise_uscc", "统一社会信用代码", textCol}, {"planned_on", "计划日期", dateCol}, {"officer_ids", "执法人员编号", textCol},
		{"status", "状态", enumCol}, {"check_ins.at", "签到时间", timeCol}, {"outcome", "检查结果", enumCol}, {"notes", "备注", textCol},
		{"created_at", "创建时间", timeCol}, {"id", "检查ID", textCol},
	}},
	"/v1/complaints": {"complaints", "投诉", []exportColumn{
		{"agency_id", "被投诉执法主体", agencyCol}, {"subject", "投诉对象", enumCol}, {"category", "类别", enumCol}, {"status", "状态", enumCol},
		{"certificate_no", "执法证号", textCol}, {"description", "投诉内容", textCol},
		{"complainant.name", "投诉企业", textCol}, {"complainant.uscc", "统一社会信用代码", textCol},
		{"complainant.contact_name", "联系人", textCol}, {"complainant.contact_phone", "联系电话", textCol},
		{"accept_by", "受理期限", timeCol}, {"answer_by", "答复期限", timeCol}, {"overdue", "超期", boolCol},
		{"created_at", "投诉时间", timeCol}, {"id", "投诉ID", textCol},
	}},
	"/v1/feedback": {"feedback", "评价", []exportColumn{
		{"agency_id", "执法主体", agencyCol}, {"source", "来源", enumCol}, {"card_code", "监督卡编号", textCol},
		{"officer_ids", "执法人员编号", textCol}, {"rating", "评分", numberCol}, {"tags", "标签", enumCol},
		{"comment", "意见", textCol}, {"phone", "联系电话", textCol}, {"created_at", "评价时间", timeCol}, {"id", "评价ID", textCol},
	}},
	"/v1/callbacks": {"callbacks", "回访", []exportColumn{
		{"agency_id", "执法主体", agencyCol}, {"case_number", "案件编号", textCol}, {"matter", "执法事项", textCol},
		{"trigger", "回访起因", enumCol}, {"due_at", "应回访时间", timeCol}, {"state", "状态", enumCol},
		{"party_name", "当事人", textCol}, {"party_uscc", "统一社会信用代码", textCol}, {"party_phone", "联系电话", textCol},
		{"answer.satisfied", "满意", boolCol}, {"answer.notes", "回访意见", textCol}, {"answer.at", "答复时间", timeCol},
		{"id", "回访ID", textCol},
	}},
	"/v1/enterprises": {"enterprises", "企业", []exportColumn{
		{"name", "企业名称", textCol}, {"uscc", "统一社会信用代码", textCol}, {"legal_representative", "法定代表人", textCol},
		{"contact_name", "联系人", textCol}, {"contact_phone", "联系电话", textCol}, {"jurisdiction_id", "辖区编号", textCol},
		{"status", "状态", enumCol}, {"decided_at", "审核时间", timeCol}, {"created_at", "注册时间", timeCol}, {"id", "企业ID", textCol},
	}},
	"/v1/officers": {"officers", "执法人员", []exportColumn{
		{"name", "姓名", textCol}, {"username", "用户名", textCol}, {"roles", "角色", enumCol}, {"agency_id", "执法主体", agencyCol},
		{"status", "账号状态", enumCol}, {"certificate.number", "执法证号", textCol}, {"certificate.expires_on", "执法证有效期至", dateCol},
		{"certificate.status", "执法证状态", enumCol}, {"may_act", "可以执法", boolCol}, {"may_act_reason", "不能执法的原因", textCol},
		{"phone", "联系电话", textCol}, {"id", "人员ID", textCol},
	}},
	"/v1/training/shortfall": {"training-shortfall", "培训学时不足", []exportColumn{
		{"name", "姓名", textCol}, {"hours", "已完成学时", numberCol}, {"shortfall", "差额学时", numberCol}, {"officer_id", "人员ID", textCol},
	}},
	"/v1/problems": {"problems", "问题整改", []exportColumn{
		{"agency_id", "执法主体", agencyCol}, {"source", "来源", enumCol}, {"title", "问题", textCol}, {"description", "说明", textCol},
		{"plan", "整改措施", textCol}, {"owner", "责任人", textCol}, {"deadline", "整改期限", dateCol}, {"status", "状态", enumCol},
		{"overdue", "超期", boolCol}, {"closed_at", "办结时间", timeCol}, {"closure", "整改情况", textCol}, {"id", "问题ID", textCol},
	}},
	"/v1/draws": {"draws", "双随机抽查", []exportColumn{
		{"agency_id", "执法主体", agencyCol}, {"matter_id", "执法事项", matterCol}, {"planned_on", "计划日期", dateCol},
		{"status", "状态", enumCol}, {"result.name", "抽中企业", textCol}, {"inputs_hash", "抽取输入摘要", textCol},
		{"seed_commitment", "随机种子承诺", textCol}, {"drawn_at", "抽取时间", timeCol}, {"created_at", "创建时间", timeCol}, {"id", "抽查ID", textCol},
	}},
	"/v1/agencies/:id/adjustments": {"adjustments", "调整记录", []exportColumn{
		{"at", "时间", timeCol}, {"subject", "对象类型", enumCol}, {"subject_name", "对象", textCol}, {"field_name", "调整项", textCol},
		{"before", "调整前", textCol}, {"after", "调整后", textCol}, {"actor_name", "操作人", textCol}, {"id", "记录ID", textCol},
	}},
	"/v1/agencies": {"agencies", "执法主体", []exportColumn{
		{"name", "名称", textCol}, {"uscc", "统一社会信用代码", textCol}, {"kind", "类型", enumCol}, {"jurisdiction.district", "辖区", textCol},
		{"status", "状态", enumCol}, {"legal_basis", "执法依据", textCol}, {"id", "执法主体ID", textCol},
	}},
	"/v1/directory": {"directory", "检查对象名录", []exportColumn{
		{"name", "企业名称", textCol}, {"uscc", "统一社会信用代码", textCol}, {"industry", "行业", textCol}, {"risk", "风险等级", enumCol},
		{"jurisdiction_id", "辖区编号", textCol}, {"updated_at", "更新时间", timeCol},
	}},
	"/v1/matters": {"matters", "执法事项", []exportColumn{
		{"code", "事项编码", textCol}, {"name", "事项名称", textCol}, {"legal_basis", "法律依据", textCol}, {"penalty_kinds", "处罚种类", enumCol},
		{"single_officer", "可一人执法", boolCol}, {"limitation_years", "追责时效（年）", numberCol}, {"agency_id", "执法主体", agencyCol},
		{"updated_at", "更新时间", timeCol}, {"id", "事项ID", textCol},
	}},
	"/v1/jurisdictions": {"jurisdictions", "辖区", []exportColumn{
		{"name", "名称", textCol}, {"level", "层级", enumCol}, {"code", "区划代码", textCol}, {"parent_id", "上级辖区编号", textCol},
		{"created_at", "创建时间", timeCol}, {"id", "辖区ID", textCol},
	}},
	"/v1/review-rounds/:id/files": {"review-files", "评查案卷", []exportColumn{
		{"agency_id", "执法主体", agencyCol}, {"case_number", "案件编号", textCol}, {"scored", "已评查", boolCol}, {"total", "得分", numberCol},
		{"grade", "等次", textCol}, {"findings", "发现的问题", textCol}, {"missing", "缺少的材料", textCol}, {"notes", "评查意见", textCol},
		{"case_id", "案件ID", textCol},
	}},
	"/v1/notifications/failures": {"push-failures", "推送失败", []exportColumn{
		{"created_at", "时间", timeCol}, {"kind", "通知类型", enumCol}, {"title", "标题", textCol}, {"user_id", "接收人编号", textCol},
		{"attempts", "尝试次数", numberCol}, {"error", "错误", textCol}, {"id", "通知ID", textCol},
	}},
	"/v1/evidence/:id/access-log": {"evidence-access", "证据调阅记录", []exportColumn{
		{"at", "时间", timeCol}, {"user_id", "调阅人编号", textCol}, {"body_name", "监督机关", textCol}, {"what", "调阅方式", enumCol},
		{"from", "起始字节", numberCol}, {"to", "结束字节", numberCol}, {"address", "地址", textCol},
	}},
	"/v1/supervision/warnings": {"warnings", "监督预警", []exportColumn{
		{"agency_id", "执法主体", agencyCol}, {"level", "预警等级", enumCol}, {"kind", "期限", deadlineCol}, {"object_kind", "对象类型", enumCol},
		{"label", "对象", textCol}, {"last_day", "期限届满日", dateCol}, {"alerted", "已提醒监督机关", boolCol}, {"object_id", "对象ID", textCol},
	}},
	"/v1/supervision/orders": {"supervision-orders", "督办事项", []exportColumn{
		{"agency_id", "被督办执法主体", agencyCol}, {"body_id", "督办机关", agencyCol}, {"object_kind", "对象类型", enumCol}, {"label", "督办对象", textCol},
		{"text", "督办内容", textCol}, {"deadline", "办复期限", dateCol}, {"status", "状态", enumCol}, {"overdue", "逾期", boolCol},
		{"answer", "办复情况", textCol}, {"answered_at", "办复时间", timeCol}, {"answered_on_time", "按期办复", boolCol},
		{"created_at", "督办时间", timeCol}, {"id", "督办ID", textCol},
	}},
	"/v1/supervision/reads": {"supervisor-reads", "监督查阅记录", []exportColumn{
		{"at", "时间", timeCol}, {"agency_id", "执法主体", agencyCol}, {"body_name", "监督机关", textCol}, {"user_name", "查阅人", textCol},
		{"what", "查阅内容", openedCol}, {"case_id", "案件ID", textCol}, {"object_id", "对象ID", textCol},
	}},
	"/v1/enterprise/cases": {"my-cases", "本企业案件", []exportColumn{
		{"number", "案件编号", textCol}, {"agency", "执法主体", textCol}, {"matter", "执法事项", textCol}, {"status", "状态", enumCol},
		{"officers.name", "执法人员", textCol}, {"created_at", "创建时间", timeCol}, {"id", "案件ID", textCol},
	}},
}

// exportTableOf is the table of a list route's path.
func exportTableOf(path string) (exportTable, bool) {
	if t, ok := exportTables[path]; ok {
		return t, true
	}
	segs := strings.Split(path, "/")
	for pattern, t := range exportTables {
		ps := strings.Split(pattern, "/")
		if len(ps) != len(segs) || !strings.Contains(pattern, ":") {
			continue
		}
		match := true
		for i := range ps {
			if !strings.HasPrefix(ps[i], ":") && ps[i] != segs[i] {
				match = false
				break
			}
		}
		if match {
			return t, true
		}
	}
	return exportTable{}, false
}

// Exports turns ?format=csv|xlsx on an exportable list route into the download of the whole
// list; every other request passes.
func (h *Handlers) Exports(c *fiber.Ctx) error {
	if c.Method() != fiber.MethodGet || c.Query("format") == "" {
		return c.Next()
	}
	t, ok := exportTableOf(strings.TrimSuffix(c.Path(), "/"))
	if !ok {
		return c.Next()
	}
	return h.Export(c, t)
}

// exportPage is the part of a list page an export reads.
type exportPage struct {
	Items      []map[string]any `json:"items"`
	NextCursor string           `json:"next_cursor"`
}

func decodeExportPage(b []byte) (exportPage, error) {
	var p exportPage
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	err := d.Decode(&p)
	return p, err
}

// Export answers the list the rest of the chain serves as the download of table t. The first
// page is read in this request, so that a refused or invalid list answers its own error; the
// next ones are read while the body streams.
func (h *Handlers) Export(c *fiber.Ctx, t exportTable) error {
	format := c.Query("format")
	if format != "csv" && format != "xlsx" {
		return &domain.Error{Code: domain.Invalid, Message: "format is not valid", Fields: map[string]string{"format": "csv or xlsx"}}
	}
	args := c.Request().URI().QueryArgs()
	args.Del("format")
	args.Set("limit", strconv.Itoa(domain.MaxPageLimit))
	if err := c.Next(); err != nil {
		return err
	}
	if c.Response().StatusCode() != fiber.StatusOK {
		return nil
	}
	first, err := decodeExportPage(c.Response().Body())
	if err != nil {
		return err
	}
	lang := langOf(c)
	// What the next pages need outlives this handler's context: the request (copied), the app's
	// whole handler, the connection.
	next := &fasthttp.Request{}
	c.Request().CopyTo(next)
	serve := c.App().Handler()
	remote := c.Context().RemoteAddr()

	c.Response().ResetBody()
	c.Vary(fiber.HeaderAcceptLanguage)
	c.Set(fiber.HeaderCacheControl, "private, no-store")
	name := t.File + "." + format
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="`+name+`"; filename*=UTF-8''`+url.PathEscape(name))
	if format == "csv" {
		c.Set(fiber.HeaderContentType, "text/csv; charset=utf-8")
	} else {
		c.Set(fiber.HeaderContentType, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	}
	h.streamBody(c, "export of "+t.File, func(w *bufio.Writer, extend func(time.Duration)) error {
		out, err := newSheetWriter(format, w, t.Sheet)
		if err != nil {
			return err
		}
		cells := newCellMaker(h, lang)
		head := make([]cell, len(t.Columns))
		for i, col := range t.Columns {
			head[i] = cell{text: englishHeading(col)}
			if lang == domain.Chinese {
				head[i].text = col.Zh
			}
		}
		err = out.row(head)
		page := first
		for err == nil {
			// The names a page's rows show are read under a request's time.
			var cancel context.CancelFunc
			cells.ctx, cancel = context.WithTimeout(context.Background(), cmp.Or(h.Timeout, 10*time.Second))
			for _, item := range page.Items {
				if err = out.row(cells.row(t.Columns, item)); err != nil {
					break
				}
			}
			cancel()
			if err == nil {
				err = w.Flush()
			}
			if err != nil || page.NextCursor == "" {
				break
			}
			// A page may take as long as a request's write: the connection's deadline moves on
			// with every page, so a long export stops only when the client stalls.
			extend(time.Minute)
			page, err = nextExportPage(serve, next, remote, page.NextCursor)
		}
		if err != nil {
			out.discard()
			return err
		}
		return out.close()
	})
	return nil
}

// nextExportPage asks the app for the page after cursor, as the caller's own request.
func nextExportPage(serve fasthttp.RequestHandler, tmpl *fasthttp.Request, remote net.Addr, cursor string) (exportPage, error) {
	var fctx fasthttp.RequestCtx
	req := fasthttp.AcquireRequest()
	defer fasthttp.ReleaseRequest(req)
	tmpl.CopyTo(req)
	req.URI().QueryArgs().Set("cursor", cursor)
	fctx.Init(req, remote, nil)
	serve(&fctx)
	if s := fctx.Response.StatusCode(); s != fiber.StatusOK {
		return exportPage{}, fmt.Errorf("page after %q answered %d: %s", cursor, s, fctx.Response.Body())
	}
	return decodeExportPage(fctx.Response.Body())
}

// cell is a value written: text, or a number for XLSX.
type cell struct {
	text  string
	num   float64
	isNum bool
}

// cellMaker writes the values of items as cells, resolving names once per export.
type cellMaker struct {
	ctx   context.Context
	names *names
	lang  domain.Lang
	words map[string]string
}

func newCellMaker(h *Handlers, lang domain.Lang) *cellMaker {
	return &cellMaker{names: h.names(), lang: lang, words: map[string]string{}}
}

func (m *cellMaker) row(cols []exportColumn, item map[string]any) []cell {
	out := make([]cell, len(cols))
	for i, col := range cols {
		out[i] = m.cell(col, valuesAt(item, strings.Split(col.Key, ".")))
	}
	return out
}

// valuesAt are the values at path in v; an array gives each element's.
func valuesAt(v any, path []string) []any {
	switch x := v.(type) {
	case nil:
		return nil
	case []any:
		var out []any
		for _, e := range x {
			out = append(out, valuesAt(e, path)...)
		}
		return out
	case map[string]any:
		if len(path) == 0 {
			return nil
		}
		return valuesAt(x[path[0]], path[1:])
	}
	if len(path) > 0 {
		return nil
	}
	return []any{v}
}

func (m *cellMaker) cell(col exportColumn, vs []any) cell {
	if col.Kind == numberCol && len(vs) == 1 {
		if n, ok := vs[0].(json.Number); ok {
			if f, err := n.Float64(); err == nil {
				return cell{text: n.String(), num: f, isNum: true}
			}
		}
	}
	parts := make([]string, 0, len(vs))
	for _, v := range vs {
		parts = append(parts, m.text(col.Kind, v))
	}
	return cell{text: strings.Join(parts, "；")}
}

func (m *cellMaker) text(kind columnKind, v any) string {
	switch x := v.(type) {
	case bool:
		if m.lang != domain.Chinese {
			return strconv.FormatBool(x)
		}
		return map[bool]string{true: "是", false: "否"}[x]
	case json.Number:
		return x.String()
	case string:
		switch kind {
		case timeCol:
			if t, err := time.Parse(time.RFC3339Nano, x); err == nil {
				return t.In(chinaTime).Format(time.DateTime)
			}
		case enumCol:
			if m.lang == domain.Chinese {
				zh, ok := m.words[x]
				if !ok {
					zh = domain.TranslateValue(x)
					m.words[x] = zh
				}
				return zh
			}
		case deadlineCol, openedCol:
			words := map[columnKind]map[string]string{deadlineCol: deadlineWords, openedCol: openedWords}[kind]
			if w, ok := words[x]; ok && m.lang == domain.Chinese {
				return w
			}
		case agencyCol:
			if n := m.names.agency(m.ctx, x); n != "" {
				return n
			}
		case matterCol:
			if n := m.names.matter(m.ctx, x); n != "" {
				return n
			}
		}
		return x
	}
	return fmt.Sprint(v)
}

// sheetWriter writes rows as CSV or XLSX.
type sheetWriter interface {
	row([]cell) error
	close() error
	discard()
}

func newSheetWriter(format string, w *bufio.Writer, sheet string) (sheetWriter, error) {
	if format == "csv" {
		if _, err := w.WriteString("\ufeff"); err != nil {
			return nil, err
		}
		return &csvSheet{w: csv.NewWriter(w)}, nil
	}
	f := excelize.NewFile()
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		return nil, err
	}
	sw, err := f.NewStreamWriter(sheet)
	if err != nil {
		return nil, err
	}
	return &xlsxSheet{f: f, sw: sw, w: w}, nil
}

type csvSheet struct {
	w    *csv.Writer
	line []string
}

// row keeps a spreadsheet from reading a cell as a formula (csvSafe).
func (s *csvSheet) row(cells []cell) error {
	s.line = s.line[:0]
	for _, c := range cells {
		if c.isNum {
			s.line = append(s.line, c.text)
		} else {
			s.line = append(s.line, csvSafe(c.text))
		}
	}
	return s.w.Write(s.line)
}

func (s *csvSheet) close() error { s.w.Flush(); return s.w.Error() }
func (s *csvSheet) discard()     {}

// xlsxSheet streams rows through excelize's StreamWriter, which keeps them in a temporary file
// past a few megabytes. A text cell is an inline string, which no spreadsheet reads as a formula,
// so its text stays as it is.
type xlsxSheet struct {
	f   *excelize.File
	sw  *excelize.StreamWriter
	w   *bufio.Writer
	n   int
	buf []any
}

func (s *xlsxSheet) row(cells []cell) error {
	s.n++
	s.buf = s.buf[:0]
	for _, c := range cells {
		if c.isNum {
			s.buf = append(s.buf, c.num)
		} else {
			s.buf = append(s.buf, c.text)
		}
	}
	name, err := excelize.CoordinatesToCellName(1, s.n)
	if err != nil {
		return err
	}
	return s.sw.SetRow(name, s.buf)
}

func (s *xlsxSheet) close() error {
	defer s.f.Close()
	if err := s.sw.Flush(); err != nil {
		return err
	}
	if _, err := s.f.WriteTo(s.w); err != nil {
		return err
	}
	return s.w.Flush()
}

func (s *xlsxSheet) discard() { _ = s.f.Close() }

// englishHeading is a column's heading for an English reader: its field, or for a column that
// shows a name in place of an id, what it names.
func englishHeading(col exportColumn) string {
	switch col.Kind {
	case agencyCol:
		return strings.TrimSuffix(col.Key, "_id")
	case matterCol:
		return strings.TrimSuffix(col.Key, "_id")
	}
	return col.Key
}
