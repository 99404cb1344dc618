package domain

import "time"

// DocumentKind is a kind of enforcement document (执法文书).
type DocumentKind string

const (
	DocInspectionRecord   DocumentKind = "inspection_record"    // 现场检查笔录
	DocInquiryRecord      DocumentKind = "inquiry_record"       // 询问笔录
	DocPenaltyDecision    DocumentKind = "penalty_decision"     // 行政处罚决定书
	DocCreditRepairNotice DocumentKind = "credit_repair_notice" // 信用修复告知书
	DocServiceReceipt     DocumentKind = "service_receipt"      // 送达回证
)

// DocumentTitles are the printed titles.
var DocumentTitles = map[DocumentKind]string{
	DocInspectionRecord:   "现场检查笔录",
	DocInquiryRecord:      "询问笔录",
	DocPenaltyDecision:    "行政处罚决定书",
	DocCreditRepairNotice: "信用修复告知书",
	DocServiceReceipt:     "送达回证",
}

// DocumentKindCharacters are the characters a 文号 names each kind by.
var DocumentKindCharacters = map[DocumentKind]string{
	DocInspectionRecord:   "检",
	DocInquiryRecord:      "询",
	DocPenaltyDecision:    "罚",
	DocCreditRepairNotice: "信",
	DocServiceReceipt:     "送",
}

// Document is one issued, immutable version of a document of a case.
type Document struct {
	ID       string
	CaseID   string
	AgencyID string
	Kind     DocumentKind
	Version  int
	Fields   map[string]string
	Hash     string
	IssuedBy string
	IssuedAt time.Time
}

// Seal computes the document's hash over everything that identifies its content.
func (d *Document) Seal() {
	d.IssuedAt = d.IssuedAt.UTC().Truncate(time.Millisecond)
	d.Hash = Digest(struct {
		CaseID  string
		Kind    DocumentKind
		Version int
		Fields  map[string]string
		At      time.Time
	}{d.CaseID, d.Kind, d.Version, d.Fields, d.IssuedAt})
}
