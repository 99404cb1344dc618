package handlers

import (
	"context"
	"fmt"
	"io"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/zhifa/zhifa/domain"
)

// MediaConfig bounds and times evidence uploads.
type MediaConfig struct {
	// MaxSize is the largest evidence; SimpleMax the largest sent with one PUT.
	MaxSize   int64
	SimpleMax int64
	// PartSize is the size of the S3 parts uploads are stored in.
	PartSize int64
	// Expiry: an upload not written to for this long is abandoned and swept.
	Expiry time.Duration
	// Lease: how long one request holds an upload while it writes; a crashed holder's lease
	// runs out after this.
	Lease time.Duration
	// SweepEvery is how often abandoned uploads are swept and interrupted ones finished.
	SweepEvery time.Duration
	// PendingAfter: evidence whose bytes have not arrived this long after it was recorded is
	// reported by the audit.
	PendingAfter time.Duration
	// Retention is how long completed evidence is kept under the object store's retention.
	Retention time.Duration
	// LinkTTL is the life of a presigned download link (at most 15 minutes).
	LinkTTL time.Duration
	// PerEvidence bounds the unfinished uploads of one evidence; PerUser and PartialMax those
	// of one person, in number and in declared bytes (a phone that starts uploads and leaves
	// them fills the store until they expire).
	PerEvidence, PerUser int
	PartialMax           int64
}

type evidenceRequest struct {
	// ID lets an offline phone name the evidence itself (a UUID) and refer to it in later
	// queued actions.
	ID          string    `json:"id"`
	Kind        string    `json:"kind"`
	SHA256      string    `json:"sha256" limit:"64"`
	Size        int64     `json:"size" limit:"1e15"`
	ContentType string    `json:"content_type" limit:"100"`
	FileName    string    `json:"file_name" limit:"255"`
	CapturedAt  time.Time `json:"captured_at"`
	Lat         *float64  `json:"lat" limit:"90"`
	Lng         *float64  `json:"lng" limit:"180"`
	DeviceID    string    `json:"device_id" limit:"128"`
	OfficerIDs  []string  `json:"officer_ids" limit:"10,64"`
}

type evidenceJSON struct {
	ID           string     `json:"id"`
	CaseID       string     `json:"case_id,omitempty"`
	InspectionID string     `json:"inspection_id,omitempty"`
	Kind         string     `json:"kind"`
	SHA256       string     `json:"sha256"`
	Size         int64      `json:"size"`
	ContentType  string     `json:"content_type"`
	FileName     string     `json:"file_name,omitempty"`
	CapturedAt   time.Time  `json:"captured_at"`
	Lat          *float64   `json:"lat,omitempty"`
	Lng          *float64   `json:"lng,omitempty"`
	DeviceID     string     `json:"device_id,omitempty"`
	OfficerIDs   []string   `json:"officer_ids"`
	Status       string     `json:"status"`
	Reason       string     `json:"reason,omitempty"`
	ActualSHA256 string     `json:"actual_sha256,omitempty"`
	RetainUntil  *Date      `json:"retain_until,omitempty"`
	Locked       bool       `json:"object_locked"`
	LegalHold    bool       `json:"legal_hold"`
	Thumbnail    bool       `json:"thumbnail"`
	CreatedBy    string     `json:"created_by"`
	CreatedAt    time.Time  `json:"created_at"`
	SettledAt    *time.Time `json:"settled_at,omitempty"`
	Version      int64      `json:"version"`
	// UploadURL is where the bytes go: tus at /v1/uploads, or one PUT here for small files.
	ContentURL string `json:"content_url"`
}

func toEvidenceJSON(e *domain.Evidence) evidenceJSON {
	j := evidenceJSON{ID: e.ID, CaseID: e.CaseID, InspectionID: e.InspectionID, Kind: string(e.Kind), SHA256: e.SHA256, Size: e.Size,
		ContentType: e.ContentType, FileName: e.FileName, CapturedAt: e.CapturedAt, Lat: e.Lat, Lng: e.Lng, DeviceID: e.DeviceID,
		OfficerIDs: nonNilStrings(e.OfficerIDs), Status: string(e.Status), Reason: e.Reason, ActualSHA256: e.ActualSHA256,
		Locked: e.Locked, LegalHold: e.LegalHold, Thumbnail: e.Thumbnail, CreatedBy: e.CreatedBy, CreatedAt: e.CreatedAt,
		Version: e.Version, ContentURL: "/v1/evidence/" + e.ID + "/content", RetainUntil: dateOf(e.RetainUntil)}
	if !e.SettledAt.IsZero() {
		t := e.SettledAt
		j.SettledAt = &t
	}
	return j
}

type evidenceResponse struct {
	Evidence evidenceJSON `json:"evidence"`
	Event    *eventJSON   `json:"event,omitempty"`
}

func (req *evidenceRequest) toDomain(p domain.Principal, now time.Time) (*domain.Evidence, error) {
	if req.ID != "" && !validClientID(req.ID) {
		return nil, &domain.Error{Code: domain.Invalid, Message: "invalid id", Fields: map[string]string{"id": "a lower-case UUID, or leave it out"}}
	}
	return &domain.Evidence{ID: req.ID, AgencyID: p.AgencyID, Kind: domain.EvidenceKind(req.Kind), SHA256: req.SHA256, Size: req.Size,
		ContentType: req.ContentType, FileName: req.FileName, CapturedAt: req.CapturedAt.UTC(), Lat: req.Lat, Lng: req.Lng,
		DeviceID: req.DeviceID, OfficerIDs: req.OfficerIDs, Status: domain.EvidencePending, CreatedBy: p.UserID, CreatedAt: now}, nil
}

// evidenceRequestOf reads and checks a request recording evidence, naming the evidence by the
// client's id or one derived from its Idempotency-Key.
func (h *Handlers) evidenceRequestOf(c *fiber.Ctx) (evidenceRequest, *domain.Evidence, actionKey, error) {
	var req evidenceRequest
	if err := Decode(c, &req); err != nil {
		return req, nil, actionKey{}, err
	}
	e, err := req.toDomain(principal(c), h.Now())
	if err != nil {
		return req, nil, actionKey{}, err
	}
	if err := e.Validate(h.Media.MaxSize, h.Now()); err != nil {
		return req, nil, actionKey{}, err
	}
	k, err := keyOf(c)
	if err != nil {
		return req, nil, actionKey{}, err
	}
	if e.ID == "" {
		e.ID = k.derivedID()
	}
	return req, e, k, nil
}

// CreateCaseEvidence records evidence taken in a case: the event that records it is appended
// to the case's chain and commits to the declared SHA-256; the bytes follow by tus or PUT.
func (h *Handlers) CreateCaseEvidence(c *fiber.Ctx) error {
	p := principal(c)
	req, e, _, err := h.evidenceRequestOf(c)
	if err != nil {
		return err
	}
	ctx, cancel := h.ctx(c)
	defer cancel()
	// Retries of one create take turns, the case read after the lock: the second finds the
	// first's key and is answered as a replay.
	unlock := h.lockID(e.ID)
	defer unlock()
	cs, err := h.scopedCase(c, ctx)
	if err != nil {
		return err
	}
	e.CaseID = cs.ID
	return h.caseAction(c, ctx, cs, func(cs *domain.Case) (domain.Event, domain.Attached, error) {
		if _, err := h.Repo.EvidenceByID(ctx, e.ID); domain.ErrorCode(err) != domain.NotFound {
			if err == nil {
				err = domain.Errorf(domain.Conflict, "evidence with this id already exists")
			}
			return domain.Event{}, domain.Attached{}, err
		}
		t := domain.Transition{Action: domain.ActAddEvidence, ActorID: p.UserID, OfficerIDs: e.OfficerIDs, PayloadDigest: domain.Digest(req)}
		g, err := h.guards(ctx, cs, &t)
		if err != nil {
			return domain.Event{}, domain.Attached{}, err
		}
		ev, err := cs.AddEvidence(e, t, g)
		e.Version = int64(ev.Seq)
		return ev, domain.Attached{Evidence: e}, err
	}, func(cs *domain.Case, ev domain.Event) error {
		cur := e
		if len(ev.EvidenceIDs) == 1 && ev.EvidenceIDs[0] != e.ID || cur.Version != int64(ev.Seq) {
			// A replay: answer with the evidence the first attempt recorded, as it is now.
			if cur, err = h.Repo.EvidenceByID(ctx, ev.EvidenceIDs[0]); err != nil {
				return err
			}
		}
		evj := toEventJSON(cs.ID, ev)
		return created(c, "/v1/evidence/"+cur.ID, cur.Version, evidenceResponse{Evidence: toEvidenceJSON(cur), Event: &evj})
	})
}

// CreateInspectionEvidence records evidence taken in an inspection.
func (h *Handlers) CreateInspectionEvidence(c *fiber.Ctx) error {
	p := principal(c)
	_, e, k, err := h.evidenceRequestOf(c)
	if err != nil {
		return err
	}
	ctx, cancel := h.ctx(c)
	defer cancel()
	in, err := scoped(c, ctx, h.Repo.InspectionByID, func(in *domain.Inspection) string { return in.AgencyID }, "inspection")
	if err != nil {
		return err
	}
	e.InspectionID = in.ID
	answer := func(e *domain.Evidence) error {
		return created(c, "/v1/evidence/"+e.ID, e.Version, evidenceResponse{Evidence: toEvidenceJSON(e)})
	}
	unlock := h.lockID(e.ID)
	defer unlock()
	existing, err := h.Repo.EvidenceByID(ctx, e.ID)
	switch domain.ErrorCode(err) {
	case "":
		if existing.InspectionID == in.ID && existing.AgencyID == p.AgencyID {
			if _, done, err := replayedWrite(c, existing.Keys, k); done {
				if err != nil {
					return err
				}
				return answer(existing)
			}
		}
		return domain.Errorf(domain.Conflict, "evidence with this id already exists")
	case domain.NotFound:
	default:
		return err
	}
	t := domain.Transition{Action: domain.ActAddEvidence, ActorID: p.UserID, OfficerIDs: e.OfficerIDs}
	g, err := h.guards(ctx, &domain.Case{AgencyID: in.AgencyID, MatterID: in.MatterID}, &t)
	if err != nil {
		return err
	}
	if err := domain.CheckOfficers(in.AgencyID, t, g); err != nil {
		return err
	}
	e.Keys = []domain.ActionKey{}
	if k.Key != "" {
		e.Keys = append(e.Keys, domain.ActionKey{Key: k.Key, Request: k.Request, Seq: 1, At: h.Now()})
	}
	id := e.ID
	if err := h.recordChange(ctx, in.AgencyID, "evidence", &id, 0, func() error { return h.Repo.SaveEvidence(ctx, e) }); err != nil {
		return err
	}
	return answer(e)
}

// scopedEvidence loads the evidence named in the path; evidence of another agency answers
// NotFound. A file attached to a complaint is also read by the supervisors over the agency
// complained about (never by that agency).
func (h *Handlers) scopedEvidence(c *fiber.Ctx, ctx context.Context) (*domain.Evidence, error) {
	e, err := h.Repo.EvidenceByID(ctx, c.Params("id"))
	if err != nil {
		return nil, err
	}
	if ok, err := h.evidenceInScope(c, ctx, e); err != nil || !ok {
		if err == nil {
			err = notFound("evidence")
		}
		return nil, err
	}
	return e, nil
}

// evidenceInScope says whether the caller is of the evidence's agency, or a supervisor over the
// agency complained about reading a complaint's file.
func (h *Handlers) evidenceInScope(c *fiber.Ctx, ctx context.Context, e *domain.Evidence) (bool, error) {
	if inAgency(c, e.AgencyID) {
		return true, nil
	}
	if e.ComplaintID == "" {
		return false, nil
	}
	cp, err := h.Repo.ComplaintByID(ctx, e.ComplaintID)
	if err != nil && domain.ErrorCode(err) != domain.NotFound {
		return false, err
	}
	if cp == nil || cp.EnterpriseID != e.AgencyID {
		return false, nil
	}
	_, ok, err := h.supervises(ctx, principal(c), cp.AgencyID)
	return ok, err
}

// GetEvidence reads an evidence record.
func (h *Handlers) GetEvidence(c *fiber.Ctx) error {
	ctx, cancel := h.ctx(c)
	defer cancel()
	e, body, err := h.readableEvidence(c, ctx)
	if err != nil {
		return err
	}
	if err := h.noteEvidenceRead(c, ctx, body, e, "evidence"); err != nil {
		return err
	}
	c.Set(fiber.HeaderETag, etag(e.Version))
	return c.JSON(toEvidenceJSON(e))
}

// ListCaseEvidence lists the evidence of a case, oldest first.
func (h *Handlers) ListCaseEvidence(c *fiber.Ctx) error {
	ctx, cancel := h.ctx(c)
	defer cancel()
	cs, body, err := h.readableCase(c, ctx)
	if err != nil {
		return err
	}
	if err := h.noteRead(c, ctx, body, cs.AgencyID, cs.ID, "evidence_list", cs.ID); err != nil {
		return err
	}
	list, err := h.Repo.EvidenceOf(ctx, "case", cs.ID)
	if err != nil {
		return err
	}
	return c.JSON(listOf(list, "", toEvidenceJSON))
}

// byteRange parses a single-range Range header against size: from and to inclusive, partial
// false when there is no Range.
func byteRange(header string, size int64) (from, to int64, partial bool, err error) {
	if header == "" {
		return 0, size - 1, false, nil
	}
	bad := domain.Errorf(domain.Invalid, "the Range is not one range of bytes within the content")
	spec, ok := strings.CutPrefix(header, "bytes=")
	if !ok || strings.Contains(spec, ",") {
		return 0, 0, false, bad
	}
	a, b, ok := strings.Cut(spec, "-")
	if !ok {
		return 0, 0, false, bad
	}
	switch {
	case a == "":
		n, err := strconv.ParseInt(b, 10, 64)
		if err != nil || n <= 0 {
			return 0, 0, false, bad
		}
		from, to = max(size-n, 0), size-1
	default:
		from, err = strconv.ParseInt(a, 10, 64)
		if err != nil || from < 0 {
			return 0, 0, false, bad
		}
		to = size - 1
		if b != "" {
			if to, err = strconv.ParseInt(b, 10, 64); err != nil || to < from {
				return 0, 0, false, bad
			}
			to = min(to, size-1)
		}
	}
	if from >= size {
		return 0, 0, false, &domain.Error{Code: domain.Invalid, Message: "range not satisfiable", Fields: map[string]string{"Range": fmt.Sprintf("the content has %d bytes", size)}}
	}
	return from, to, true, nil
}

// EvidenceContent streams the bytes of complete evidence, a Range of them for seeking in a
// video, or with ?link=true a presigned link of at most 15 minutes. Every access is logged, a
// supervisor's with the body; a supervisor's opening (from the first byte) also for the agency.
func (h *Handlers) EvidenceContent(c *fiber.Ctx) error {
	p := principal(c)
	ctx, cancel := h.ctx(c)
	defer cancel()
	e, body, err := h.readableEvidence(c, ctx)
	if err != nil {
		return err
	}
	if e.Status != domain.EvidenceComplete {
		return domain.Errorf(domain.Conflict, "the evidence is %s: it has no content to read", e.Status)
	}
	from, to, partial, err := byteRange(c.Get(fiber.HeaderRange), e.Size)
	if err != nil {
		if de, ok := err.(*domain.Error); ok && de.Message == "range not satisfiable" {
			c.Set(fiber.HeaderContentRange, fmt.Sprintf("bytes */%d", e.Size))
			return fiber.NewError(fiber.StatusRequestedRangeNotSatisfiable, de.Fields["Range"])
		}
		return err
	}
	if c.Method() == fiber.MethodHead {
		// What a GET would send, without reading (or logging) a byte.
		c.Set(fiber.HeaderContentType, e.ContentType)
		c.Set(fiber.HeaderAcceptRanges, "bytes")
		c.Set(fiber.HeaderCacheControl, "private, no-store")
		c.Response().Header.SetContentLength(int(to - from + 1))
		if partial {
			c.Status(fiber.StatusPartialContent)
			c.Set(fiber.HeaderContentRange, fmt.Sprintf("bytes %d-%d/%d", from, to, e.Size))
		}
		c.Context().Response.SkipBody = true
		return nil
	}
	// The embedded gateway listens on a loopback port no phone reaches: its bytes come through
	// the API, link or not.
	link := c.Query("link") == "true" && h.Objects.Linkable()
	if err := h.Repo.RecordAccess(ctx, withBody(c, &domain.EvidenceAccess{EvidenceID: e.ID, AgencyID: e.AgencyID, UserID: p.UserID, At: h.Now(),
		What: map[bool]string{true: "link", false: "content"}[link], From: from, To: to, Address: ClientIP(c)}, body)); err != nil {
		return err
	}
	if from == 0 {
		if err := h.noteEvidenceRead(c, ctx, body, e, "evidence_content"); err != nil {
			return err
		}
	}
	if link {
		u, err := h.Objects.PresignGet(ctx, e.ObjectKey, h.Media.LinkTTL, e.FileName, e.ContentType)
		if err != nil {
			return err
		}
		c.Set(fiber.HeaderCacheControl, "no-store")
		return c.Redirect(u, fiber.StatusFound)
	}
	// The stream outlives the handler: its context is the read's own.
	rctx, rcancel := context.WithTimeout(context.WithoutCancel(c.UserContext()), time.Hour)
	r, err := h.Objects.Get(rctx, e.ObjectKey, from, to)
	if err != nil {
		rcancel()
		return err
	}
	c.Set(fiber.HeaderContentType, e.ContentType)
	c.Set(fiber.HeaderAcceptRanges, "bytes")
	c.Set(fiber.HeaderCacheControl, "private, no-store")
	c.Set(fiber.HeaderContentDisposition, contentDisposition(e.FileName, e.ID))
	c.Set("Digest", "sha-256="+hexToBase64(e.SHA256))
	if partial {
		c.Status(fiber.StatusPartialContent)
		c.Set(fiber.HeaderContentRange, fmt.Sprintf("bytes %d-%d/%d", from, to, e.Size))
	}
	return c.SendStream(&closeWith{ReadCloser: r, done: rcancel}, int(to-from+1))
}

// closeWith ends the read's context when fasthttp closes the stream.
type closeWith struct {
	io.ReadCloser
	done func()
}

func (c *closeWith) Close() error {
	err := c.ReadCloser.Close()
	c.done()
	return err
}

func contentDisposition(name, id string) string {
	if name == "" {
		name = id
	}
	return "attachment; filename*=UTF-8''" + url.PathEscape(name)
}

// EvidenceThumbnail serves the small JPEG of a photo, made on completion (or now, once, if
// that did not happen).
func (h *Handlers) EvidenceThumbnail(c *fiber.Ctx) error {
	p := principal(c)
	ctx, cancel := h.ctx(c)
	defer cancel()
	e, body, err := h.readableEvidence(c, ctx)
	if err != nil {
		return err
	}
	if e.Kind != domain.EvidencePhoto || e.Status != domain.EvidenceComplete {
		return domain.Errorf(domain.NotFound, "only complete photos have a thumbnail")
	}
	key := thumbnailKey(e)
	if !e.Thumbnail {
		if err := h.makeThumbnail(ctx, e); err != nil {
			return err
		}
	}
	r, err := h.Objects.Get(ctx, key, 0, -1)
	if err != nil {
		return err
	}
	defer r.Close()
	b, err := io.ReadAll(io.LimitReader(r, 4<<20))
	if err != nil {
		return domain.Errorf(domain.Unavailable, "the thumbnail could not be read")
	}
	if err := h.Repo.RecordAccess(ctx, withBody(c, &domain.EvidenceAccess{EvidenceID: e.ID, AgencyID: e.AgencyID, UserID: p.UserID, At: h.Now(),
		What: "thumbnail", From: 0, To: int64(len(b)) - 1, Address: ClientIP(c)}, body)); err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "image/jpeg")
	c.Set(fiber.HeaderCacheControl, "private, max-age=3600")
	return c.Send(b)
}

func thumbnailKey(e *domain.Evidence) string { return "thumbnails/" + e.AgencyID + "/" + e.ID + ".jpg" }

// makeThumbnail renders and stores a photo's thumbnail; a photo that cannot be decoded (HEIC,
// too many pixels) has none.
func (h *Handlers) makeThumbnail(ctx context.Context, e *domain.Evidence) error {
	if h.Thumbnail == nil {
		return domain.Errorf(domain.NotFound, "no thumbnails here")
	}
	r, err := h.Objects.Get(ctx, e.ObjectKey, 0, -1)
	if err != nil {
		return err
	}
	defer r.Close()
	img, err := h.Thumbnail(io.LimitReader(r, e.Size))
	if err != nil {
		return domain.Errorf(domain.NotFound, "this photo has no thumbnail: %s", err.Error())
	}
	return h.Objects.Put(ctx, thumbnailKey(e), strings.NewReader(string(img)), int64(len(img)), "image/jpeg")
}

type accessJSON struct {
	At       time.Time `json:"at"`
	UserID   string    `json:"user_id,omitempty"`
	UserName string    `json:"user_name,omitempty"`
	What     string    `json:"what"`
	From     int64     `json:"from"`
	To       int64     `json:"to"`
	Address  string    `json:"address,omitempty"`
	BodyID   string    `json:"body_id,omitempty"`
	BodyName string    `json:"body_name,omitempty"`
}

// withBody names the reader (as the request was admitted) and the supervisory body of a
// supervisor's read in its access-log entry.
func withBody(c *fiber.Ctx, a *domain.EvidenceAccess, body *domain.Agency) *domain.EvidenceAccess {
	if s, ok := admitted(c, a.UserID); ok {
		a.UserName = s.User.Name
	}
	if body != nil {
		a.BodyID, a.BodyName = body.ID, body.Name
	}
	return a
}

// EvidenceAccessLog lists who read the evidence, when, and which bytes (chain of custody).
func (h *Handlers) EvidenceAccessLog(c *fiber.Ctx) error {
	pg, err := pageOf(c)
	if err != nil {
		return err
	}
	ctx, cancel := h.ctx(c)
	defer cancel()
	e, body, err := h.readableEvidence(c, ctx)
	if err != nil {
		return err
	}
	list, next, err := h.Repo.AccessLog(ctx, e.ID, pg)
	if err != nil {
		return err
	}
	// A supervisor's read is the agency's to know as its admins know it from the log of reads:
	// the body, when and what. Who in the body read it, and from which address, only the
	// sysadmin and that body's own supervisors see.
	p := principal(c)
	whoever := p.Has(domain.RoleSysadmin)
	return c.JSON(listOf(list, next, func(a *domain.EvidenceAccess) accessJSON {
		j := accessJSON{At: a.At, UserID: a.UserID, UserName: a.UserName, What: a.What, From: a.From, To: a.To, Address: a.Address, BodyID: a.BodyID, BodyName: a.BodyName}
		if a.BodyID != "" && !whoever && (body == nil || body.ID != a.BodyID) {
			j.Address = ""
			if !p.ManagesAgency(e.AgencyID) {
				j.UserID, j.UserName = "", ""
			}
		}
		return j
	}))
}

// evidenceHashes looks up the evidence a transition names: each must be evidence of the case,
// not rejected; the event commits to their declared hashes.
func (h *Handlers) evidenceHashes(ctx context.Context, cs *domain.Case, ids []string) ([]string, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	seen := map[string]bool{}
	for _, id := range ids {
		if strings.TrimSpace(id) == "" || seen[id] {
			return nil, &domain.Error{Code: domain.Invalid, Message: "the request is not valid", Fields: map[string]string{"evidence_ids": "each id once, none empty"}}
		}
		seen[id] = true
	}
	found, err := h.Repo.EvidenceByIDs(ctx, ids)
	if err != nil {
		return nil, err
	}
	byID := map[string]*domain.Evidence{}
	for _, e := range found {
		byID[e.ID] = e
	}
	list := make([]*domain.Evidence, len(ids))
	for i, id := range ids {
		list[i] = byID[id]
	}
	return domain.CheckEvidenceRefs(cs, ids, list)
}

// settleEvidence records what became of evidence's bytes (e carries the outcome): for case
// evidence an event appended to the case's chain with the evidence as it now stands, for
// inspection evidence a write of the evidence. The tus handler, the PUT and the sweeper all
// call it; evidence already settled is left as it is, so calling it twice is harmless.
func (h *Handlers) settleEvidence(ctx context.Context, e *domain.Evidence, actorID string) (*domain.Evidence, error) {
	for attempt := 0; ; attempt++ {
		cur, err := h.Repo.EvidenceByID(ctx, e.ID)
		if err != nil {
			return nil, err
		}
		if cur.Status != domain.EvidencePending {
			return cur, nil
		}
		next := *e
		next.Version, next.Keys = cur.Version, cur.Keys
		if next.CaseID == "" {
			id := next.ID
			err = h.recordChange(ctx, next.AgencyID, "evidence", &id, 0, func() error { return h.Repo.SaveEvidence(ctx, &next) })
		} else {
			var cs *domain.Case
			if cs, err = h.Repo.CaseByID(ctx, next.CaseID); err != nil {
				return nil, err
			}
			var ev domain.Event
			if ev, err = cs.SettleEvidence(&next, actorID, h.Now()); err != nil {
				return nil, err
			}
			next.Version = int64(ev.Seq)
			err = h.commitEvent(ctx, cs, ev, domain.Attached{Evidence: &next})
		}
		if domain.ErrorCode(err) == domain.Conflict && attempt < lostRaceRetries {
			time.Sleep(time.Duration(1+attempt) * 5 * time.Millisecond)
			continue
		}
		if err != nil {
			return nil, err
		}
		return &next, nil
	}
}
