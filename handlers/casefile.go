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

// CaseFile downloads the case file (电子卷宗) as one ZIP for whoever reads the case: the case,
// its events, its documents (their content and the pages as printed), every complete
// evidence's bytes streamed from the object store, and manifest.json with each member's SHA-256
// and the chain's head. casefile.Verify (`zhifa verify-file`) checks it offline. Each evidence
// read goes into the evidence's access log.
func (h *Handlers) CaseFile(c *fiber.Ctx) error {
	p := principal(c)
	ctx, cancel := h.ctx(c)
	defer cancel()
	cs, body, err := h.readableCase(c, ctx)
	if err != nil {
		return err
	}
	if err := h.noteRead(c, ctx, body, cs.AgencyID, cs.ID, "case_file", cs.ID); err != nil {
		return err
	}
	events, err := h.Repo.EventsOf(ctx, cs.ID, 1, cs.EventCount)
	if err != nil {
		return err
	}
	docs, err := h.Repo.DocumentsOf(ctx, cs.ID)
	if err != nil {
		return err
	}
	pages := make([][]byte, len(docs))
	for i, d := range docs {
		if pages[i], err = h.printPage(ctx, d, cs); err != nil {
			return err
		}
	}
	evidence, err := h.Repo.EvidenceOf(ctx, "case", cs.ID)
	if err != nil {
		return err
	}
	name := "case-file-" + cs.Number + ".zip"
	c.Set(fiber.HeaderContentType, "application/zip")
	c.Set(fiber.HeaderCacheControl, "private, no-store")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="`+name+`"; filename*=UTF-8''`+url.PathEscape(name))
	if c.Method() == fiber.MethodHead {
		return nil
	}
	var complete []*domain.Evidence
	for _, e := range evidence {
		if e.Status != domain.EvidenceComplete || h.Objects == nil {
			continue
		}
		if err := h.Repo.RecordAccess(ctx, withBody(c, &domain.EvidenceAccess{EvidenceID: e.ID, AgencyID: e.AgencyID, UserID: p.UserID, At: h.Now(),
			What: "case_file", From: 0, To: e.Size - 1, Address: ClientIP(c)}, body)); err != nil {
			return err
		}
		complete = append(complete, e)
	}
	now := h.Now()
	manifest := casefile.Manifest{CaseID: cs.ID, CaseNumber: cs.Number, AgencyID: cs.AgencyID, GeneratedAt: now.UTC(), Events: cs.EventCount, ChainHead: cs.HeadHash}
	caseDoc := toCaseJSON(cs, now)
	eventDocs := make([]eventJSON, len(events))
	for i, e := range events {
		eventDocs[i] = toEventJSON(cs.ID, e)
	}
	h.streamBody(c, "case file "+cs.ID, func(w *bufio.Writer, extend func(time.Duration)) error {
		zw := casefile.NewWriter(w, h.FileKey)
		if err := zw.AddJSON(casefile.CaseName, caseDoc); err != nil {
			return err
		}
		if err := zw.AddJSON(casefile.EventsName, eventDocs); err != nil {
			return err
		}
		if err := zw.AddJSON(casefile.DocumentsName, listOf(docs, "", toDocumentJSON).Items); err != nil {
			return err
		}
		for i, d := range docs {
			f := casefile.File{Name: fmt.Sprintf("documents/%s-v%d-%s.html", d.Kind, d.Version, d.ID), DocumentID: d.ID}
			if err := zw.Add(f, bytes.NewReader(pages[i]), true); err != nil {
				return err
			}
		}
		if err := zw.AddJSON(casefile.EvidenceName, listOf(evidence, "", toEvidenceJSON).Items); err != nil {
			return err
		}
		for _, e := range complete {
			// Each evidence may take as long as a whole request's write.
			extend(10 * time.Minute)
			if err := h.addEvidence(zw, e); err != nil {
				return err
			}
		}
		return zw.Close(manifest)
	})
	return nil
}

// addEvidence streams one evidence's bytes into the file.
func (h *Handlers) addEvidence(zw *casefile.Writer, e *domain.Evidence) error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Hour)
	defer cancel()
	r, err := h.Objects.Get(ctx, e.ObjectKey, 0, -1)
	if err != nil {
		return err
	}
	defer r.Close()
	name := "evidence/" + e.ID
	if s := casefile.SafeName(e.FileName); s != "" {
		name += "-" + s
	}
	return zw.Add(casefile.File{Name: name, EvidenceID: e.ID}, r, false)
}
