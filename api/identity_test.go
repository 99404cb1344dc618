package api_test

import (
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/gofiber/fiber/v2"
)

// TestTheComplainantNeverReachesTheAgency: the enterprise that complained, rated and answered a
// callback, and the phone a citizen left on a card, never appear in anything the agency
// complained about can read. Every GET route of the route table is called, with every id the
// test made in each path parameter, as the agency's admin, both officers and the reviewer;
// sync and the notification stream included.
func TestTheComplainantNeverReachesTheAgency(t *testing.T) {
	w := newFeedbackWorld(t)
	ta, f := w.ta, w.f

	card := ta.cardFor(t, f, usccs[4], nil)
	if r := ta.do("POST", "/v1/public/cards/"+card.str("code")+"/feedback", map[string]any{"rating": 1, "tags": []string{"廉洁"}, "comment": "有人索要好处", "phone": cardPhone}, ""); r.Status != 201 {
		t.Fatalf("card rating: %d %s", r.Status, r.Body)
	}
	if r := ta.do("POST", "/v1/enterprise/inspections/"+w.inspection+"/rating", map[string]any{"rating": 1, "comment": "检查时态度生硬"}, w.entTo); r.Status != 201 {
		t.Fatalf("enterprise rating: %d %s", r.Status, r.Body)
	}
	complaint := ta.do("POST", "/v1/complaints", map[string]any{"inspection_id": w.inspection, "category": "吃拿卡要", "description": complaintWords}, w.entTo).str("id")
	officerComplaint := ta.do("POST", "/v1/complaints", map[string]any{"certificate_no": f.certNo, "category": "态度粗暴", "description": complaintWords}, w.entTo).str("id")
	// A retry with the same Idempotency-Key finds the first attempt's complaint.
	body := map[string]any{"case_id": w.caseID, "category": "程序违法", "description": complaintWords}
	k1 := ta.do("POST", "/v1/complaints", body, w.entTo, "Idempotency-Key", "complaint-1")
	k2 := ta.do("POST", "/v1/complaints", body, w.entTo, "Idempotency-Key", "complaint-1")
	if k1.Status != 201 || k2.Status != 201 || k1.str("id") != k2.str("id") || k2.Header.Get("Idempotent-Replayed") != "true" {
		t.Fatalf("a retried complaint: %d %s / %d %s", k1.Status, k1.Body, k2.Status, k2.Body)
	}
	// At most four open complaints per enterprise (the test's ZHIFA_COMPLAINT_MAX_OPEN): each
	// alerts the supervisors.
	if r := ta.do("POST", "/v1/complaints", map[string]any{"inspection_id": w.inspection, "category": "其他", "description": "第四件投诉"}, w.entTo); r.Status != 201 {
		t.Fatalf("the fourth open complaint: %d %s", r.Status, r.Body)
	}
	if r := ta.do("POST", "/v1/complaints", map[string]any{"inspection_id": w.inspection, "category": "其他", "description": "第五件投诉"}, w.entTo); r.Status != 429 {
		t.Fatalf("the fifth open complaint: %d %s", r.Status, r.Body)
	}
	photo := []byte("\xff\xd8\xff\xe0 a photo the enterprise took")
	sum := sha256.Sum256(photo)
	ev := ta.do("POST", "/v1/complaints/"+complaint+"/evidence", map[string]any{"kind": "photo", "sha256": hex.EncodeToString(sum[:]), "size": len(photo),
		"content_type": "image/jpeg", "file_name": "现场.jpg", "captured_at": "2026-03-02T02:00:00Z"}, w.entTo)
	if ev.Status != 201 {
		t.Fatalf("attach: %d %s", ev.Status, ev.Body)
	}
	evidenceID := ev.JSON["evidence"].(map[string]any)["id"].(string)
	for _, step := range []map[string]any{{"action": "accept", "reply": "已受理"}, {"action": "investigate"}} {
		if r := ta.do("POST", "/v1/complaints/"+complaint+"/transitions", step, w.here); r.Status != 200 {
			t.Fatalf("%v: %d %s", step, r.Status, r.Body)
		}
	}
	cb := w.callback(t)
	if r := ta.do("POST", "/v1/callbacks/"+cb["id"].(string)+"/responses", map[string]any{"satisfied": false, "notes": callbackWords}, w.entTo); r.Status != 201 {
		t.Fatalf("answer in the app: %d %s", r.Status, r.Body)
	}
	if r := ta.do("POST", "/v1/callbacks/"+cb["id"].(string)+"/responses", map[string]any{"satisfied": false, "notes": callbackWords}, w.entTo); r.Status != 201 || r.Header.Get("Idempotent-Replayed") != "true" {
		t.Fatalf("the same answer again: %d %s", r.Status, r.Body)
	}
	if r := ta.do("POST", "/v1/callbacks/"+cb["id"].(string)+"/responses", map[string]any{"satisfied": true}, w.entTo); r.Status != 409 {
		t.Fatalf("another answer: %d %s", r.Status, r.Body)
	}
	ta.inboxOf(t, w.entTo, 2) // the steps reached the enterprise: every log has been derived
	ta.inboxOf(t, w.here, 4)  // the card, the rating, a complaint, the callback…
	ta.inboxWith(t, w.here, "new_complaint", "unsatisfied_callback")

	// The supervisors read all of it, so the markers are where they should be.
	if r := ta.do("GET", "/v1/complaints/"+complaint, nil, w.here); !strings.Contains(string(r.Body), entPhone) || !strings.Contains(string(r.Body), evidenceID) {
		t.Fatalf("the supervisor's view lacks the complainant: %s", r.Body)
	}
	if r := ta.do("GET", "/v1/evidence/"+evidenceID, nil, w.here); r.Status != 200 {
		t.Fatalf("the supervisor reads the attachment: %d %s", r.Status, r.Body)
	}
	markers := []string{w.entID, w.entUser, entContact, entPhone, entLegalRep, complaintWords, callbackWords, cardPhone, evidenceID}

	ids := []string{complaint, officerComplaint, cb["id"].(string), evidenceID, w.entID, w.entUser, f.id, w.inspection, w.other, w.caseID,
		f.officerID, f.officer2ID, f.adminID, f.reviewerID, f.matterID}
	u, _ := url.Parse(cb["url"].(string))
	values := map[string][]string{
		"id": ids, "code": {card.str("code")}, "token": {strings.TrimPrefix(u.Path, "/r/")}, "cert_no": {f.certNo}, "doc_id": {"x"}, "name": {"x"},
	}
	var urls []string
	for _, p := range ta.getPaths(values, func(string) bool { return true }) {
		urls = append(urls, p, p+"?agency_id="+f.id)
	}
	sawComplaint := false
	for name, tok := range map[string]string{"admin": f.adminTok, "officer": f.officerTok, "officer2": f.officer2Tok, "reviewer": f.reviewerTok} {
		for _, u := range urls {
			var r response
			if strings.HasPrefix(u, "/v1/notifications/stream") {
				r = ta.stream(u, tok) // from the first notification on
			} else {
				r = ta.do("GET", u, nil, tok)
			}
			body := string(r.Body)
			for _, m := range markers {
				if strings.Contains(body, m) {
					t.Errorf("%s: GET %s -> %d shows %q: %.300s", name, u, r.Status, m, body)
				}
			}
			if r.Status == 200 && strings.Contains(body, complaint) {
				sawComplaint = true
			}
		}
		all := ta.syncAll(t, tok)
		for _, m := range markers {
			if strings.Contains(all, m) {
				t.Errorf("%s: sync shows %q", name, m)
			}
		}
	}
	if !sawComplaint {
		t.Fatal("the agency's admin never read the complaint: the scan proves nothing")
	}
	t.Logf("%d GET routes and paths, as 4 members of the agency", len(urls))
}

// stream reads the notification stream from its start (Last-Event-ID 0) until the stream's
// life ends; the spec has no schema for an event stream, so it is not checked against it.
func (ta *testApp) stream(u, token string) response {
	ta.t.Helper()
	req := httptest.NewRequest("GET", u, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Last-Event-ID", "0")
	res, err := ta.app.Test(req, -1)
	if err != nil {
		ta.t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	return response{Status: res.StatusCode, Header: res.Header, Body: raw}
}

var routeParam = regexp.MustCompile(`:([a-z_]+)`)

// getPaths is every GET route of the route table that keep accepts, with each path parameter
// filled in turn with every value given for its name.
func (ta *testApp) getPaths(values map[string][]string, keep func(path string) bool) []string {
	var out []string
	for _, r := range ta.app.GetRoutes(true) {
		if r.Method != fiber.MethodGet || !keep(r.Path) {
			continue
		}
		out = append(out, fill(r.Path, values)...)
	}
	return out
}

// fill is path with each parameter filled in turn with every value given for its name.
func fill(path string, values map[string][]string) []string {
	paths := []string{path}
	for _, m := range routeParam.FindAllStringSubmatch(path, -1) {
		var next []string
		for _, p := range paths {
			for _, v := range values[m[1]] {
				next = append(next, strings.Replace(p, m[0], url.PathEscape(v), 1))
			}
		}
		paths = next
	}
	return paths
}
