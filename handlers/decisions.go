package handlers

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"net/url"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/zhifa/zhifa/casefile"
	"github.com/zhifa/zhifa/domain"
)

// The enterprise's own decisions: the documents of a decision (行政处罚决定书 and the
// 信用修复告知书 served with it) of the cases where it is the party, as printed. Its cases are
// found as GET /v1/enterprise/cases finds them, by its credit code.

// partyDocuments are the kinds of document a decision gives the party.
var partyDocuments = []domain.DocumentKind{domain.DocPenaltyDecision, domain.DocCreditRepairNotice}

// decisionsOf are the newest version of each of the party's documents of a decided case.
func (h *Handlers) decisionsOf(ctx context.Context, cs *domain.Case) ([]*domain.Document, error) {
	if cs.DecidedAt.IsZero() {
		return nil, nil
	}
	docs, err := h.Repo.DocumentsOf(ctx, cs.ID)
	if err != nil {
		return nil, err
	}
	newest := map[domain.DocumentKind]*domain.Document{}
	for _, d := range docs {
		if n := newest[d.Kind]; n == nil || d.Version > n.Version {
			newest[d.Kind] = d
		}
	}
	var out []*domain.Document
	for _, k := range partyDocuments {
		if d := newest[k]; d != nil {
			out = append(out, d)
		}
	}
	return out, nil
}

// EnterpriseDecision is one decision document of a case of the caller's enterprise, as printed:
// ?kind=penalty_decision (the default) or credit_repair_notice. Any other case, and a case not
// decided, answers 404.
func (h *Handlers) EnterpriseDecision(c *fiber.Ctx) error {
	kind := domain.DocumentKind(c.Query("kind", string(domain.DocPenaltyDecision)))
	if kind != domain.DocPenaltyDecision && kind != domain.DocCreditRepairNotice {
		return &domain.Error{Code: domain.Invalid, Message: "kind is not valid", Fields: map[string]string{"kind": "penalty_decision or credit_repair_notice"}}
	}
	ctx, cancel := h.ctx(c)
	defer cancel()
	e, err := h.ownEnterprise(c, ctx)
	if err != nil {
		return err
	}
	cs, err := h.Repo.CaseByID(ctx, c.Params("id"))
	if domain.ErrorCode(err) == domain.NotFound || err == nil && (e.USCC == "" || cs.Party.USCC != e.USCC) {
		return notFound("case")
	}
	if err != nil {
		return err
	}
	docs, err := h.decisionsOf(ctx, cs)
	if err != nil {
		return err
	}
	for _, d := range docs {
		if d.Kind != kind {
			continue
		}
		page, err := h.printPage(ctx, d, cs)
		if err != nil {
			return err
		}
		name := fmt.Sprintf("%s-%s.html", cs.Number, d.Kind)
		c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
		c.Set(fiber.HeaderContentSecurityPolicy, "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'")
		c.Set(fiber.HeaderCacheControl, "private, no-store")
		c.Set(fiber.HeaderContentDisposition, `attachment; filename="`+name+`"; filename*=UTF-8''`+url.PathEscape(name))
		return c.Send(page)
	}
	return notFound("decision")
}

// EnterpriseDecisions downloads every decision of the caller's enterprise as one ZIP: each
// case's documents of its decision as printed (decisions/{case number}-{kind}-v{version}.html)
// and manifest.json with their SHA-256, signed as a case file's is (manifest.sig), which
// casefile.Verify (`zhifa verify-file`) checks offline. The cases are read page by page while the file streams.
func (h *Handlers) EnterpriseDecisions(c *fiber.Ctx) error {
	ctx, cancel := h.ctx(c)
	defer cancel()
	e, err := h.ownEnterprise(c, ctx)
	if err != nil {
		return err
	}
	usccOf := e.USCC
	c.Set(fiber.HeaderContentType, "application/zip")
	c.Set(fiber.HeaderCacheControl, "private, no-store")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="decisions-`+usccOf+`.zip"`)
	if c.Method() == fiber.MethodHead || usccOf == "" {
		return nil
	}
	h.streamBody(c, "decisions of "+usccOf, func(w *bufio.Writer, extend func(time.Duration)) error {
		zw := casefile.NewWriter(w, h.FileKey)
		pg := domain.Page{Limit: domain.MaxPageLimit}
		for {
			ctx, cancel := context.WithTimeout(context.Background(), h.Timeout)
			list, next, err := h.Repo.ListCases(ctx, domain.CaseFilter{EnterpriseUSCC: usccOf}, pg)
			if err == nil {
				err = h.addDecisions(ctx, zw, list)
			}
			cancel()
			if err != nil {
				return err
			}
			if next == "" {
				break
			}
			pg.Cursor = next
			extend(time.Minute)
		}
		return zw.CloseWith(func(files []casefile.File) any {
			if files == nil {
				files = []casefile.File{}
			}
			return casefile.DecisionsManifest{Format: casefile.DecisionsFormat, USCC: usccOf, GeneratedAt: h.Now().UTC(), Files: files}
		})
	})
	return nil
}

func (h *Handlers) addDecisions(ctx context.Context, zw *casefile.Writer, cases []*domain.Case) error {
	for _, cs := range cases {
		docs, err := h.decisionsOf(ctx, cs)
		if err != nil {
			return err
		}
		for _, d := range docs {
			page, err := h.printPage(ctx, d, cs)
			if err != nil {
				return err
			}
			f := casefile.File{Name: fmt.Sprintf("decisions/%s-%s-v%d.html", casefile.SafeName(cs.Number), d.Kind, d.Version), DocumentID: d.ID}
			if err := zw.Add(f, bytes.NewReader(page), true); err != nil {
				return err
			}
		}
	}
	return nil
}
