package handlers

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html/template"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	qrcode "github.com/skip2/go-qrcode"

	"github.com/zhifa/zhifa/domain"
)

// documentField is one field of a document: its key, its printed label, and whether the
// issuer must give it (the rest are filled from the case when left out).
type documentField struct {
	Key, Label string
	Required   bool
}

// remedies are where and within what time the party may challenge a penalty decision (art. 59):
// the reconsideration body and the court are the agency's settings.
const remedies = "如不服本决定，可以在收到本决定书之日起六十日内向%s申请行政复议，或者在六个月内依法向%s提起行政诉讼。"

const creditRepair = "根据《失信行为纠正后的信用信息修复管理办法》，行政处罚信息公示期满，或者当事人已履行行政处罚决定、主动纠正失信行为并符合条件的，可以通过“信用中国”网站申请信用修复。"

var documentFields = map[domain.DocumentKind][]documentField{
	domain.DocInspectionRecord: {{"time", "检查时间", true}, {"place", "检查地点", true}, {"findings", "检查情况", true}, {"party_opinion", "当事人意见", false}},
	domain.DocInquiryRecord:    {{"time", "询问时间", true}, {"place", "询问地点", true}, {"interviewee", "被询问人", true}, {"content", "询问内容", true}},
	domain.DocPenaltyDecision: {{"facts", "违法事实", true}, {"evidence", "证据", true}, {"violated", "违反的法律、法规、规章", true}, {"basis", "处罚依据", false},
		{"penalty", "处罚内容", false}, {"payment", "履行方式和期限", true}, {"remedies", "申请行政复议、提起行政诉讼的途径和期限", false}},
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

// serverFields are written from the case and the agency, never by the issuer.
var serverFields = map[string]bool{"remedies": true}

// fillDocument completes and checks a document's fields from the case and its agency.
func fillDocument(kind domain.DocumentKind, in map[string]string, cs *domain.Case, agency *domain.Agency) (map[string]string, error) {
	spec, ok := documentFields[kind]
	if !ok {
		return nil, &domain.Error{Code: domain.Invalid, Message: "unknown document kind", Fields: map[string]string{"kind": "inspection_record, inquiry_record, penalty_decision, credit_repair_notice or service_receipt"}}
	}
	if (kind == domain.DocPenaltyDecision || kind == domain.DocCreditRepairNotice) && (cs.Decision == nil || cs.Decision.Kind != "penalty") {
		return nil, domain.Errorf(domain.Conflict, "%s is issued once a penalty decision is made", domain.DocumentTitles[kind])
	}
	if kind == domain.DocPenaltyDecision && (agency == nil || agency.ReconsiderationBody == "" || agency.Court == "") {
		return nil, domain.Errorf(domain.Conflict, "a penalty decision names the reconsideration body and the court (art. 59): the agency admin sets reconsideration_body and court in the agency's settings first")
	}
	known := map[string]bool{}
	out := map[string]string{}
	f := domain.FieldErrors{}
	for _, fd := range spec {
		known[fd.Key] = true
		v := strings.TrimSpace(in[fd.Key])
		if serverFields[fd.Key] && v != "" {
			f.Add("fields."+fd.Key, "written from the case and the agency's settings, not given")
		}
		if v == "" || serverFields[fd.Key] {
			v = defaultField(kind, fd.Key, cs, agency)
		}
		if v == "" && fd.Required {
			f.Add("fields."+fd.Key, "required")
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

func defaultField(kind domain.DocumentKind, key string, cs *domain.Case, agency *domain.Agency) string {
	d := cs.Decision
	switch {
	case key == "facts" && kind == domain.DocPenaltyDecision && cs.Notice != nil:
		return cs.Notice.Facts
	case key == "facts":
		return cs.Facts
	case key == "violated" && cs.Notice != nil:
		return cs.Notice.Reasons
	case key == "basis" && d != nil:
		return d.Basis
	case key == "penalty" && d != nil:
		return describePenalty(d)
	case key == "remedies" && agency != nil:
		return fmt.Sprintf(remedies, agency.ReconsiderationBody, agency.Court)
	case kind == domain.DocCreditRepairNotice && key == "content":
		return creditRepair
	}
	return ""
}

func describePenalty(d *domain.Decision) string {
	if d.Kind != "penalty" {
		return "不予行政处罚"
	}
	parts := make([]string, 0, len(d.PenaltyKinds))
	for _, k := range d.PenaltyKinds {
		if k == domain.PenaltyFine {
			parts = append(parts, fmt.Sprintf("罚款人民币%d元（%s）", d.Fine, domain.YuanInCapitals(d.Fine)))
		} else {
			parts = append(parts, domain.PenaltyNames[k])
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
	return h.caseAction(c, ctx, cs, func(cs *domain.Case) (domain.Event, domain.Attached, error) {
		kind := domain.DocumentKind(req.Kind)
		// Whoever may not issue it takes no number; the number's pattern is the agency's.
		actor, err := h.callerStanding(c, ctx)
		if err != nil {
			return domain.Event{}, domain.Attached{}, err
		}
		if err := domain.CheckActor(domain.ActIssueDocument, actor, cs.AgencyID, h.Now()); err != nil {
			return domain.Event{}, domain.Attached{}, err
		}
		fields, err := fillDocument(kind, req.Fields, cs, actor.Agency)
		if err != nil {
			return domain.Event{}, domain.Attached{}, err
		}
		docs, err := h.Repo.DocumentsOf(ctx, cs.ID)
		if err != nil {
			return domain.Event{}, domain.Attached{}, err
		}
		version, number := 1, ""
		for _, d := range docs {
			if d.Kind == kind && d.Version >= version {
				version, number = d.Version+1, d.Fields["number"]
			}
		}
		if number == "" {
			// A new version keeps the 文号 of the first; the first takes the next of its kind.
			agency := actor.Agency
			year := h.Now().In(chinaTime).Year()
			n, err := h.Repo.NextDocumentNumber(ctx, cs.AgencyID, kind, year)
			if err != nil {
				return domain.Event{}, domain.Attached{}, err
			}
			number = agency.DocumentNumber(kind, year, n)
		}
		fields["number"] = number
		doc := &domain.Document{ID: domain.NewID(), CaseID: cs.ID, AgencyID: cs.AgencyID, Kind: kind, Version: version, Fields: fields, IssuedBy: p.UserID, IssuedAt: h.Now()}
		doc.Seal()
		ev, err := cs.Apply(domain.Transition{Action: domain.ActIssueDocument, ActorID: p.UserID, PayloadDigest: domain.Digest(req), Document: doc},
			domain.Guards{Now: h.Now(), Actor: actor})
		issued = doc
		return ev, domain.Attached{Document: doc}, err
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
	cs, body, err := h.readableCase(c, ctx)
	if err != nil {
		return err
	}
	if err := h.noteRead(c, ctx, body, cs.AgencyID, cs.ID, "documents", cs.ID); err != nil {
		return err
	}
	docs, err := h.Repo.DocumentsOf(ctx, cs.ID)
	if err != nil {
		return err
	}
	return c.JSON(listOf(docs, "", toDocumentJSON))
}

// scopedDocument loads the document in the path for a member of the case's agency.
func (h *Handlers) scopedDocument(c *fiber.Ctx) (*domain.Document, *domain.Case, error) {
	ctx, cancel := h.ctx(c)
	defer cancel()
	cs, err := h.scopedCase(c, ctx)
	if err != nil {
		return nil, nil, err
	}
	d, err := h.documentOf(c, ctx, cs)
	return d, cs, err
}

// readableDocument loads the document in the path for a reader of the agency's files, and logs
// a supervisor's opening of it as what.
func (h *Handlers) readableDocument(c *fiber.Ctx, what string) (*domain.Document, *domain.Case, error) {
	ctx, cancel := h.ctx(c)
	defer cancel()
	cs, body, err := h.readableCase(c, ctx)
	if err != nil {
		return nil, nil, err
	}
	d, err := h.documentOf(c, ctx, cs)
	if err != nil {
		return nil, nil, err
	}
	return d, cs, h.noteRead(c, ctx, body, cs.AgencyID, cs.ID, what, d.ID)
}

func (h *Handlers) documentOf(c *fiber.Ctx, ctx context.Context, cs *domain.Case) (*domain.Document, error) {
	d, err := h.Repo.DocumentByID(ctx, c.Params("doc_id"))
	if err != nil {
		return nil, err
	}
	if d.CaseID != cs.ID {
		return nil, notFound("document")
	}
	return d, nil
}

// GetDocument reads one issued document version.
func (h *Handlers) GetDocument(c *fiber.Ctx) error {
	d, _, err := h.readableDocument(c, "document")
	if err != nil {
		return err
	}
	return c.JSON(toDocumentJSON(d))
}

var printTemplate = template.Must(template.New("doc").Parse(`<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}} {{.Number}}</title>
<style>
body{font:16px/1.9 "Noto Serif CJK SC","Noto Serif SC","Source Han Serif SC","Noto Sans CJK SC","Songti SC","SimSun",serif;max-width:760px;margin:2rem auto;padding:0 1rem;color:#000;overflow-wrap:anywhere}
h1{text-align:center;letter-spacing:.3em;font-size:26px;margin-bottom:.2rem}.agency{text-align:center;font-size:20px}
.no{text-align:right}dt{font-weight:bold;margin-top:.8rem}dd{margin:0 0 0 2em;white-space:pre-wrap}
.foot{margin-top:3rem;display:flex;justify-content:flex-end;align-items:center;gap:1.5rem}
.seal{width:150px;height:150px;border:1px dashed #999;border-radius:50%;display:flex;align-items:center;justify-content:center;color:#999;font-size:14px}
.hash{margin-top:2rem;font:11px monospace;color:#555;word-break:break-all}
.card{display:flex;align-items:center;gap:1rem;margin-top:2rem;font-size:14px}.card svg{width:96px;height:96px}
@media print{.hash{color:#000}.seal{border-color:transparent;color:transparent}}
</style></head><body>
<div class="agency">{{.Agency}}</div><h1>{{.Title}}</h1>
<p class="no">{{.Number}}</p>
<dl><dt>当事人</dt><dd>{{range .Party}}{{.}}
{{end}}</dd>{{range .Rows}}<dt>{{.Label}}</dt><dd>{{.Value}}</dd>{{end}}</dl>
<div class="foot"><div class="seal">（印章）</div><div>{{.Agency}}<br>{{.Date}}</div></div>
{{with .Card}}<div class="card">{{.QR}}<p>扫码评价本次执法<br>监督卡 {{.Code}}</p></div>{{end}}
<p class="hash">案件编号 {{.CaseNumber}} · 第{{.Version}}版 · 文书校验码（SHA-256）：{{.Hash}}</p>
</body></html>`))

type printRow struct{ Label, Value string }

// PrintDocument renders a document as a printable Chinese page.
func (h *Handlers) PrintDocument(c *fiber.Ctx) error {
	d, cs, err := h.readableDocument(c, "print")
	if err != nil {
		return err
	}
	return h.renderDocument(c, d, cs)
}

func (h *Handlers) renderDocument(c *fiber.Ctx, d *domain.Document, cs *domain.Case) error {
	ctx, cancel := h.ctx(c)
	defer cancel()
	page, err := h.printPage(ctx, d, cs)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	c.Set(fiber.HeaderContentSecurityPolicy, "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'")
	return c.Send(page)
}

// printPage is a document as printed: the page the print route and the case file show.
func (h *Handlers) printPage(ctx context.Context, d *domain.Document, cs *domain.Case) ([]byte, error) {
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
	p := cs.Party
	party := []string{p.Name}
	if p.USCC != "" {
		party = append(party, "统一社会信用代码："+p.USCC)
	}
	if p.LegalRepresentative != "" {
		party = append(party, "法定代表人（负责人）："+p.LegalRepresentative)
	}
	if p.Address != "" {
		party = append(party, "住所（地址）："+p.Address)
	}
	number := d.Fields["number"]
	if number == "" {
		number = cs.Number
	}
	// The QR of the case's supervision card, while it takes ratings: the party rates the
	// officers from the paper it was served.
	var card any
	if cd, err := h.Repo.OpenCardOfCase(ctx, cs.ID); err == nil && cd.StateAt(h.Now()) == domain.CardOpen {
		if q, err := qrcode.New(h.cardURL(cd.Code), qrcode.Medium); err == nil {
			card = map[string]any{"QR": template.HTML(qrSVG(q.Bitmap())), "Code": domain.FormatCardCode(cd.Code)}
		}
	} else if err != nil && domain.ErrorCode(err) != domain.NotFound {
		return nil, err
	}
	var buf bytes.Buffer
	if err := printTemplate.Execute(&buf, map[string]any{
		"Title": domain.DocumentTitles[d.Kind], "Agency": agency, "Number": number, "CaseNumber": cs.Number, "Version": d.Version, "Party": party,
		"Rows": rows, "Date": d.IssuedAt.In(chinaTime).Format("2006年1月2日"), "Hash": d.Hash, "Card": card,
	}); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// PrintLinkTTL is how long a signed print link opens its document.
const PrintLinkTTL = 5 * time.Minute

type printLink struct {
	DocumentID string `json:"d"`
	CaseID     string `json:"c"`
	Expires    int64  `json:"e"`
}

func (h *Handlers) signPrintLink(l printLink) string {
	payload, _ := json.Marshal(l)
	mac := hmac.New(sha256.New, h.PrintKey)
	mac.Write(payload)
	return base64.RawURLEncoding.EncodeToString(payload) + "." + base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

// CreatePrintLink gives a short-lived signed link that opens the document's printable page
// without an Authorization header, for an app's web view or a printer.
func (h *Handlers) CreatePrintLink(c *fiber.Ctx) error {
	d, cs, err := h.scopedDocument(c)
	if err != nil {
		return err
	}
	exp := h.Now().Add(PrintLinkTTL).UTC().Truncate(time.Second)
	url := "/v1/print/" + h.signPrintLink(printLink{DocumentID: d.ID, CaseID: cs.ID, Expires: exp.Unix()})
	return c.Status(fiber.StatusCreated).JSON(fiber.Map{"url": url, "expires_at": exp})
}

// PrintByLink renders the document a signed print link names, while the link is valid.
func (h *Handlers) PrintByLink(c *fiber.Ctx) error {
	payload, sig, ok := strings.Cut(c.Params("token"), ".")
	raw, err1 := base64.RawURLEncoding.DecodeString(payload)
	got, err2 := base64.RawURLEncoding.DecodeString(sig)
	mac := hmac.New(sha256.New, h.PrintKey)
	mac.Write(raw)
	var l printLink
	if !ok || err1 != nil || err2 != nil || !hmac.Equal(got, mac.Sum(nil)) || json.Unmarshal(raw, &l) != nil {
		return notFound("print link")
	}
	if h.Now().Unix() > l.Expires {
		return domain.Errorf(domain.NotFound, "the print link has expired; ask the app for a new one")
	}
	ctx, cancel := h.ctx(c)
	defer cancel()
	d, err := h.Repo.DocumentByID(ctx, l.DocumentID)
	if err != nil {
		return err
	}
	cs, err := h.Repo.CaseByID(ctx, l.CaseID)
	if err != nil || d.CaseID != cs.ID {
		return notFound("document")
	}
	return h.renderDocument(c, d, cs)
}

// chinaTime is UTC+8, fixed: documents carry the local date.
var chinaTime = time.FixedZone("CST", 8*3600)
