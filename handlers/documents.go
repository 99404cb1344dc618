package handlers

import (
	"bytes"
	"fmt"
	"html/template"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/zhifa/zhifa/domain"
)

// documentField is one field of a document: its key, its printed label, and whether the
// issuer must give it (the rest are filled from the case when left out).
type documentField struct {
	Key, Label string
	Required   bool
}

const remedies = "如不服本决定，可以在收到本决定书之日起六十日内依法申请行政复议，或者在六个月内依法向人民法院提起行政诉讼。"

const creditRepair = "根据《失信行为纠正后的信用信息修复管理办法》，行政处罚信息公示期满，或者当事人已履行行政处罚决定、主动纠正失信行为并符合条件的，可以通过“信用中国”网站申请信用修复。"

var documentFields = map[domain.DocumentKind][]documentField{
	domain.DocInspectionRecord: {{"time", "检查时间", true}, {"place", "检查地点", true}, {"findings", "检查情况", true}, {"party_opinion", "当事人意见", false}},
	domain.DocInquiryRecord:    {{"time", "询问时间", true}, {"place", "询问地点", true}, {"interviewee", "被询问人", true}, {"content", "询问内容", true}},
	domain.DocPenaltyDecision: {{"facts", "违法事实", true}, {"evidence", "证据", true}, {"basis", "处罚依据", false}, {"penalty", "处罚内容", false},
		{"payment", "履行方式和期限", true}, {"remedies", "救济途径和期限", false}},
	domain.DocCreditRepairNotice: {{"content", "告知内容", false}},
	domain.DocServiceReceipt:     {{"documents", "送达文书", true}, {"method", "送达方式", true}, {"place", "送达地点", true}, {"recipient", "受送达人", true}},
}

type documentRequest struct {
	Kind   string            `json:"kind"`
	Fields map[string]string `json:"fields" limit:"20,20000"`
}

type documentJSON struct {
	ID       string            `json:"id"`
	CaseID   string            `json:"case_id"`
	Kind     string            `json:"kind"`
	Title    string            `json:"title"`
	Version  int               `json:"version"`
	Fields   map[string]string `json:"fields"`
	Hash     string            `json:"hash"`
	IssuedBy string            `json:"issued_by"`
	IssuedAt time.Time         `json:"issued_at"`
}

func toDocumentJSON(d *domain.Document) documentJSON {
	return documentJSON{ID: d.ID, CaseID: d.CaseID, Kind: string(d.Kind), Title: domain.DocumentTitles[d.Kind], Version: d.Version,
		Fields: d.Fields, Hash: d.Hash, IssuedBy: d.IssuedBy, IssuedAt: d.IssuedAt}
}

// fillDocument completes and checks a document's fields from the case.
func fillDocument(kind domain.DocumentKind, in map[string]string, cs *domain.Case) (map[string]string, error) {
	spec, ok := documentFields[kind]
	if !ok {
		return nil, &domain.Error{Code: domain.Invalid, Message: "unknown document kind", Fields: map[string]string{"kind": "inspection_record, inquiry_record, penalty_decision, credit_repair_notice or service_receipt"}}
	}
	if (kind == domain.DocPenaltyDecision || kind == domain.DocCreditRepairNotice) && (cs.Decision == nil || cs.Decision.Kind != "penalty") {
		return nil, domain.Errorf(domain.Conflict, "%s is issued once a penalty decision is made", domain.DocumentTitles[kind])
	}
	known := map[string]bool{}
	out := map[string]string{}
	f := domain.FieldErrors{}
	for _, fd := range spec {
		known[fd.Key] = true
		v := strings.TrimSpace(in[fd.Key])
		if v == "" {
			v = defaultField(kind, fd.Key, cs)
		}
		if v == "" && fd.Required {
			f.Add("fields."+fd.Key, fd.Label+"为必填项")
		}
		if len(v) > 20000 {
			f.Add("fields."+fd.Key, "too long")
		}
		out[fd.Key] = v
	}
	for k := range in {
		if !known[k] {
			f.Add("fields."+k, "not a field of this document")
		}
	}
	return out, f.Err()
}

func defaultField(kind domain.DocumentKind, key string, cs *domain.Case) string {
	d := cs.Decision
	switch {
	case key == "facts":
		return cs.Facts
	case key == "basis" && d != nil:
		return d.Basis
	case key == "penalty" && d != nil:
		return describePenalty(d)
	case key == "remedies":
		return remedies
	case kind == domain.DocCreditRepairNotice && key == "content":
		return creditRepair
	}
	return ""
}

var penaltyNames = map[domain.PenaltyKind]string{
	domain.PenaltyWarning: "警告", domain.PenaltyFine: "罚款", domain.PenaltyConfiscation: "没收违法所得、非法财物",
	domain.PenaltySuspension: "暂扣许可证件", domain.PenaltyLicenceRevoke: "吊销许可证件", domain.PenaltyRestriction: "责令停产停业",
	domain.PenaltyClosure: "责令关闭",
}

func describePenalty(d *domain.Decision) string {
	if d.Kind != "penalty" {
		return "不予行政处罚"
	}
	parts := make([]string, 0, len(d.PenaltyKinds))
	for _, k := range d.PenaltyKinds {
		if k == domain.PenaltyFine {
			parts = append(parts, fmt.Sprintf("罚款人民币%d元", d.Fine))
		} else {
			parts = append(parts, penaltyNames[k])
		}
	}
	return strings.Join(parts, "；")
}

// IssueDocument issues a new immutable version of a document of the case and records its hash
// in the case's chain.
func (h *Handlers) IssueDocument(c *fiber.Ctx) error {
	p := principal(c)
	if !p.HasAny(domain.RoleOfficer, domain.RoleAgencyAdmin) {
		return forbidden("documents are issued by officers")
	}
	var req documentRequest
	if err := Decode(c, &req); err != nil {
		return err
	}
	ctx, cancel := h.ctx(c)
	defer cancel()
	cs, err := h.scopedCase(c, ctx)
	if err != nil {
		return err
	}
	var issued *domain.Document
	return h.caseAction(c, ctx, cs, func(cs *domain.Case) (domain.Event, *domain.Document, error) {
		kind := domain.DocumentKind(req.Kind)
		fields, err := fillDocument(kind, req.Fields, cs)
		if err != nil {
			return domain.Event{}, nil, err
		}
		docs, err := h.Repo.DocumentsOf(ctx, cs.ID)
		if err != nil {
			return domain.Event{}, nil, err
		}
		version := 1
		for _, d := range docs {
			if d.Kind == kind && d.Version >= version {
				version = d.Version + 1
			}
		}
		doc := &domain.Document{ID: domain.NewID(), CaseID: cs.ID, AgencyID: cs.AgencyID, Kind: kind, Version: version, Fields: fields, IssuedBy: p.UserID, IssuedAt: h.Now()}
		doc.Seal()
		actor, err := h.standing(ctx, p.UserID)
		if err != nil {
			return domain.Event{}, nil, err
		}
		ev, err := cs.Apply(domain.Transition{Action: domain.ActIssueDocument, ActorID: p.UserID, PayloadDigest: domain.Digest(req), Document: doc},
			domain.Guards{Now: h.Now(), Actor: actor})
		issued = doc
		return ev, doc, err
	}, func(cs *domain.Case, ev domain.Event) error {
		doc := issued
		if doc == nil || doc.ID != ev.DocumentID {
			var err error
			if doc, err = h.Repo.DocumentByID(ctx, ev.DocumentID); err != nil {
				return err
			}
		}
		return created(c, "/v1/cases/"+cs.ID+"/documents/"+doc.ID, 0, toDocumentJSON(doc))
	})
}

// ListDocuments lists every issued version of the case's documents.
func (h *Handlers) ListDocuments(c *fiber.Ctx) error {
	ctx, cancel := h.ctx(c)
	defer cancel()
	cs, err := h.scopedCase(c, ctx)
	if err != nil {
		return err
	}
	docs, err := h.Repo.DocumentsOf(ctx, cs.ID)
	if err != nil {
		return err
	}
	return c.JSON(listOf(docs, "", toDocumentJSON))
}

func (h *Handlers) scopedDocument(c *fiber.Ctx) (*domain.Document, *domain.Case, error) {
	ctx, cancel := h.ctx(c)
	defer cancel()
	cs, err := h.scopedCase(c, ctx)
	if err != nil {
		return nil, nil, err
	}
	d, err := h.Repo.DocumentByID(ctx, c.Params("doc_id"))
	if err != nil {
		return nil, nil, err
	}
	if d.CaseID != cs.ID {
		return nil, nil, notFound("document")
	}
	return d, cs, nil
}

// GetDocument reads one issued document version.
func (h *Handlers) GetDocument(c *fiber.Ctx) error {
	d, _, err := h.scopedDocument(c)
	if err != nil {
		return err
	}
	return c.JSON(toDocumentJSON(d))
}

var printTemplate = template.Must(template.New("doc").Parse(`<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>{{.Title}} {{.Number}}</title>
<style>
body{font:16px/1.9 "Songti SC","SimSun",serif;max-width:760px;margin:2rem auto;padding:0 1rem;color:#000}
h1{text-align:center;letter-spacing:.3em;font-size:26px;margin-bottom:.2rem}.agency{text-align:center;font-size:20px}
.no{text-align:right}dt{font-weight:bold;margin-top:.8rem}dd{margin:0 0 0 2em;white-space:pre-wrap}
.foot{margin-top:3rem;text-align:right}.hash{margin-top:2rem;font:11px monospace;color:#555;word-break:break-all}
@media print{.hash{color:#000}}
</style></head><body>
<div class="agency">{{.Agency}}</div><h1>{{.Title}}</h1>
<p class="no">{{.Number}}（第{{.Version}}版）</p>
<dl><dt>当事人</dt><dd>{{.Party}}</dd>{{range .Rows}}<dt>{{.Label}}</dt><dd>{{.Value}}</dd>{{end}}</dl>
<p class="foot">{{.Agency}}<br>{{.Date}}</p>
<p class="hash">文书校验码（SHA-256）：{{.Hash}}</p>
</body></html>`))

type printRow struct{ Label, Value string }

// PrintDocument renders a document as a printable Chinese page.
func (h *Handlers) PrintDocument(c *fiber.Ctx) error {
	d, cs, err := h.scopedDocument(c)
	if err != nil {
		return err
	}
	ctx, cancel := h.ctx(c)
	defer cancel()
	agency := ""
	if a, err := h.Repo.AgencyByID(ctx, cs.AgencyID); err == nil {
		agency = a.Name
	}
	var rows []printRow
	for _, fd := range documentFields[d.Kind] {
		if v := d.Fields[fd.Key]; v != "" {
			rows = append(rows, printRow{fd.Label, v})
		}
	}
	party := cs.Party.Name
	if cs.Party.USCC != "" {
		party += "（统一社会信用代码：" + cs.Party.USCC + "）"
	}
	var buf bytes.Buffer
	if err := printTemplate.Execute(&buf, map[string]any{
		"Title": domain.DocumentTitles[d.Kind], "Agency": agency, "Number": cs.Number, "Version": d.Version, "Party": party,
		"Rows": rows, "Date": d.IssuedAt.In(chinaTime).Format("2006年1月2日"), "Hash": d.Hash,
	}); err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	c.Set(fiber.HeaderContentSecurityPolicy, "default-src 'none'; style-src 'unsafe-inline'")
	return c.Send(buf.Bytes())
}

// chinaTime is UTC+8, fixed: documents carry the local date.
var chinaTime = time.FixedZone("CST", 8*3600)
