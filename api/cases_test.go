package api_test

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/zhifa/zhifa/api"
	"github.com/zhifa/zhifa/domain"
)

func TestGeneralProcedureEndToEnd(t *testing.T) {
	ta := newTestApp(t)
	f := ta.newCaseAgency(t, 0)
	id := ta.toNotified(t, f, 90000, "fine")
	ta.run([]scenario{
		{Name: "no decision before the party could answer", Method: "POST", URL: "/v1/cases/" + id + "/transitions", Token: f.adminTok,
			Body: map[string]any{"action": "decide", "decision": decision(90000, "normal", "fine")}, Status: 409, Contains: []string{"62)"}},
		{Name: "the party states its case", Method: "POST", URL: "/v1/cases/" + id + "/transitions", Token: f.officerTok,
			Body: map[string]any{"action": "record_statement", "reason": "当事人陈述：系初次"}, Status: 200, Contains: []string{`"answered":true`, `"waived":false`}},
		{Name: "a statement does not end the statement-and-defence period", Method: "POST", URL: "/v1/cases/" + id + "/transitions", Token: f.adminTok,
			Body: map[string]any{"action": "decide", "decision": decision(90000, "normal", "fine")}, Status: 409, Contains: []string{"statement-and-defence period"}},
		{Name: "the party waives the rest in writing", Method: "POST", URL: "/v1/cases/" + id + "/transitions", Token: f.officerTok,
			Body: map[string]any{"action": "waive", "reason": "当事人书面放弃陈述申辩"}, Status: 200, Contains: []string{`"waived":true`}},
		{Name: "a fine outside the tier needs a reason", Method: "POST", URL: "/v1/cases/" + id + "/transitions", Token: f.adminTok,
			Body: map[string]any{"action": "decide", "decision": decision(60000, "normal", "fine")}, Status: 400, Contains: []string{"out_of_range_reason"}},
		{Name: "a decision names its tier", Method: "POST", URL: "/v1/cases/" + id + "/transitions", Token: f.adminTok,
			Body: map[string]any{"action": "decide", "decision": decision(90000, "", "fine")}, Status: 400, Contains: []string{"decision.tier"}},
		{Name: "decided within the range", Method: "POST", URL: "/v1/cases/" + id + "/transitions", Token: f.adminTok,
			Body: map[string]any{"action": "decide", "decision": decision(90000, "normal", "fine")}, Status: 200, Contains: []string{`"status":"decided"`}},
		{Name: "not served without the two documents", Method: "POST", URL: "/v1/cases/" + id + "/transitions", Token: f.officerTok,
			Body: map[string]any{"action": "serve", "officer_ids": f.officers}, Status: 409, Contains: []string{"两书同达"}},
		{Name: "issue the penalty decision", Method: "POST", URL: "/v1/cases/" + id + "/documents", Token: f.officerTok,
			Body: map[string]any{"kind": "penalty_decision", "fields": map[string]string{"evidence": "现场检查笔录、询问笔录、照片", "payment": "自收到本决定书之日起十五日内缴纳"}}, Status: 201, Contains: []string{`"version":1`, "罚款人民币90000元"}},
		{Name: "a penalty decision missing required fields", Method: "POST", URL: "/v1/cases/" + id + "/documents", Token: f.officerTok,
			Body: map[string]any{"kind": "penalty_decision", "fields": map[string]string{"colour": "red"}}, Status: 400, Contains: []string{"fields.payment", "fields.colour"}},
		{Name: "still not served with one document", Method: "POST", URL: "/v1/cases/" + id + "/transitions", Token: f.officerTok,
			Body: map[string]any{"action": "serve", "officer_ids": f.officers}, Status: 409},
		{Name: "issue the credit-repair notice", Method: "POST", URL: "/v1/cases/" + id + "/documents", Token: f.officerTok,
			Body: map[string]any{"kind": "credit_repair_notice"}, Status: 201, Contains: []string{"信用修复告知书", "信用中国"}},
		{Name: "served together", Method: "POST", URL: "/v1/cases/" + id + "/transitions", Token: f.officerTok,
			Body: map[string]any{"action": "serve", "officer_ids": f.officers}, Status: 200, Contains: []string{`"status":"served"`}},
		{Name: "a fine is executed before closing", Method: "POST", URL: "/v1/cases/" + id + "/transitions", Token: f.officerTok,
			Body: map[string]any{"action": "close"}, Status: 409},
		{Name: "underpaid", Method: "POST", URL: "/v1/cases/" + id + "/transitions", Token: f.officerTok,
			Body: map[string]any{"action": "execute", "paid_on": todayInChina(), "paid": 1000}, Status: 400, Contains: []string{"fine of 90000 yuan"}},
		{Name: "paid", Method: "POST", URL: "/v1/cases/" + id + "/transitions", Token: f.officerTok,
			Body: map[string]any{"action": "execute", "paid_on": todayInChina(), "paid": 90000}, Status: 200, Contains: []string{`"surcharge":0`}},
		{Name: "closed", Method: "POST", URL: "/v1/cases/" + id + "/transitions", Token: f.officerTok, Body: map[string]any{"action": "close"}, Status: 200},
		{Name: "archived", Method: "POST", URL: "/v1/cases/" + id + "/transitions", Token: f.officerTok, Body: map[string]any{"action": "archive"}, Status: 200, Contains: []string{`"status":"archived"`}},
		{Name: "nothing happens to an archived case", Method: "POST", URL: "/v1/cases/" + id + "/transitions", Token: f.officerTok,
			Body: map[string]any{"action": "record", "officer_ids": f.officers}, Status: 409, Contains: []string{`"code":"conflict"`}},
		{Name: "the chain is intact", Method: "GET", URL: "/v1/cases/" + id + "/audit", Token: f.officerTok, Status: 200, Contains: []string{`"intact":true`, `"events":15`}},
		{Name: "the record lists every step", Method: "GET", URL: "/v1/cases/" + id + "/events", Token: f.adminTok, Status: 200,
			Contains: []string{`"action":"create"`, `"action":"register"`, `"action":"issue_document"`, `"action":"archive"`, `"device_id":"phone-1"`, `"action":"add_evidence"`, `"evidence_hashes":["`}},
	})
	docs := ta.do("GET", "/v1/cases/"+id+"/documents", nil, f.officerTok)
	first := docs.JSON["items"].([]any)[0].(map[string]any)
	page := ta.do("GET", "/v1/cases/"+id+"/documents/"+first["id"].(string)+"/print", nil, f.officerTok)
	for _, want := range []string{"行政处罚决定书", "某某食品有限公司", "罚款人民币90000元", "六十日内", first["hash"].(string), "区市场监督管理局A"} {
		if !strings.Contains(string(page.Body), want) {
			t.Errorf("printed document lacks %q", want)
		}
	}
	// The document's hash is the one recorded in the chain.
	events := ta.do("GET", "/v1/cases/"+id+"/events", nil, f.officerTok)
	if !strings.Contains(string(events.Body), first["hash"].(string)) {
		t.Error("the document hash is not in the record")
	}
}

func TestCaseGuards(t *testing.T) {
	ta := newTestApp(t)
	f := ta.newCaseAgency(t, 0)
	one := []string{f.officerID}
	clue := ta.openCase(t, f)
	tr := func(id string) string { return "/v1/cases/" + id + "/transitions" }
	ta.run([]scenario{
		{Name: "a single officer may not register", Method: "POST", URL: tr(clue), Token: f.officerTok, Body: map[string]any{"action": "register", "officer_ids": one}, Status: 403, Contains: []string{"at least 2"}},
		{Name: "the caller must act", Method: "POST", URL: tr(clue), Token: f.officerTok, Body: map[string]any{"action": "register", "officer_ids": []string{f.officer2ID, f.reviewerID}}, Status: 400},
		{Name: "an uncertified colleague may not act", Method: "POST", URL: tr(clue), Token: f.officerTok, Body: map[string]any{"action": "register", "officer_ids": []string{f.officerID, f.reviewerID}}, Status: 403, Contains: []string{"no enforcement certificate"}},
		{Name: "an unknown officer", Method: "POST", URL: tr(clue), Token: f.officerTok, Body: map[string]any{"action": "register", "officer_ids": []string{f.officerID, "nobody"}}, Status: 400},
		{Name: "an action not possible from clue", Method: "POST", URL: tr(clue), Token: f.officerTok, Body: map[string]any{"action": "serve", "officer_ids": f.officers}, Status: 409, Contains: []string{"serve is not possible in a case that is clue"}},
		{Name: "unknown action", Method: "POST", URL: tr(clue), Token: f.officerTok, Body: map[string]any{"action": "teleport"}, Status: 400},
		{Name: "documents are not issued through transitions", Method: "POST", URL: tr(clue), Token: f.officerTok, Body: map[string]any{"action": "issue_document"}, Status: 400},
		{Name: "stale If-Match", Method: "POST", URL: tr(clue), Token: f.officerTok, Headers: []string{"If-Match", `"7"`}, Body: map[string]any{"action": "register", "officer_ids": f.officers}, Status: 412},
		{Name: "registered with a matching If-Match", Method: "POST", URL: tr(clue), Token: f.officerTok, Headers: []string{"If-Match", `"1"`}, Body: map[string]any{"action": "register", "officer_ids": f.officers}, Status: 200, Contains: []string{`"deadline"`}},
	})

	// An expired certificate stops its holder; revoking one stops the other.
	exp := ta.openCase(t, f)
	if r := ta.do("PUT", "/v1/officers/"+f.officer2ID+"/certificate", map[string]any{"number": "42010000000002", "issued_on": "2020-01-01", "expires_on": "2024-12-31"}, f.adminTok, "If-Match", "*"); r.Status != 200 {
		t.Fatal(r.Status)
	}
	ta.actAs(t, f.officerTok, exp, map[string]any{"action": "register", "officer_ids": f.officers}, 403)
	ta.do("PUT", "/v1/officers/"+f.officer2ID+"/certificate", map[string]any{"number": "42010000000002", "issued_on": "2025-01-01", "expires_on": "2030-12-31"}, f.adminTok, "If-Match", "*")
	ta.do("PUT", "/v1/officers/"+f.officerID+"/certificate", map[string]any{"number": f.certNo, "issued_on": "2025-01-01", "expires_on": "2030-12-31", "status": "revoked", "status_reason": "违法违纪"}, f.adminTok, "If-Match", "*")
	r := ta.actAs(t, f.officerTok, exp, map[string]any{"action": "register", "officer_ids": f.officers}, 403)
	if !strings.Contains(string(r.Body), "revoked") {
		t.Errorf("revoked certificate: %s", r.Body)
	}
	if r := ta.do("PUT", "/v1/officers/"+f.officerID+"/certificate", map[string]any{"number": f.certNo, "issued_on": "2025-01-01", "expires_on": "2030-12-31"}, f.adminTok, "If-Match", "*"); r.Status != 403 {
		t.Fatalf("a revoked certificate made valid again: %d %s", r.Status, r.Body)
	}
	if r := ta.do("PUT", "/v1/officers/"+f.officerID+"/certificate", map[string]any{"number": "42010000009999", "issued_on": "2026-01-01", "expires_on": "2030-12-31"}, f.adminTok, "If-Match", "*"); r.Status != 200 {
		t.Fatalf("a new certificate: %d %s", r.Status, r.Body)
	}

	// Legal review: a fine above the catalog threshold goes to a reviewer who did not investigate.
	big := ta.toNotified(t, f, 180000, "fine")
	ta.act(t, f, big, map[string]any{"action": "waive", "reason": "当事人放弃陈述申辩和听证"})
	ta.actAs(t, f.adminTok, big, map[string]any{"action": "decide", "decision": decision(180000, "heavier", "fine")}, 403)
	ta.actAs(t, f.officerTok, big, map[string]any{"action": "submit_review", "reviewer_id": f.officer2ID, "decision": decision(180000, "heavier", "fine")}, 403)
	r = ta.actAs(t, f.officerTok, big, map[string]any{"action": "submit_review", "reviewer_id": f.officerID, "decision": decision(180000, "heavier", "fine")}, 403)
	if !strings.Contains(string(r.Body), "investigated") && !strings.Contains(string(r.Body), "reviewer") {
		t.Errorf("investigator as reviewer: %s", r.Body)
	}
	ta.act(t, f, big, map[string]any{"action": "submit_review", "reviewer_id": f.reviewerID, "decision": decision(180000, "heavier", "fine")})
	ta.actAs(t, f.officerTok, big, map[string]any{"action": "approve_review", "reason": "事实清楚，证据确凿，同意"}, 403)
	ta.actAs(t, f.reviewerTok, big, map[string]any{"action": "approve_review", "reason": "事实清楚，证据确凿，同意"}, 200)
	ta.actAs(t, f.adminTok, big, map[string]any{"action": "decide", "decision": decision(170000, "heavier", "fine")}, 409)
	// A major decision records the heads' collective discussion (art. 57).
	r = ta.actAs(t, f.adminTok, big, map[string]any{"action": "decide", "decision": decision(180000, "heavier", "fine")}, 400)
	if !strings.Contains(string(r.Body), "collective_discussion") {
		t.Errorf("major decision without a collective discussion: %s", r.Body)
	}
	ta.actAs(t, f.adminTok, big, map[string]any{"action": "decide", "decision": decision(180000, "heavier", "fine"),
		"collective_discussion": map[string]any{"held_on": todayInChina(), "participants": []string{"局长", "副局长", "法制科长"}, "conclusion": "同意处罚"}}, 200)

	// Hearing: a licence revocation carries the right; asked after 5 days it is refused.
	h := ta.toNotified(t, f, 0, "licence_revoke")
	ta.clock.Set(time.Now().Add(6 * 24 * time.Hour))
	ta.actAs(t, f.officerTok, h, map[string]any{"action": "request_hearing"}, 403)
	ta.clock.Set(time.Time{})
	ta.act(t, f, h, map[string]any{"action": "request_hearing"})
	ta.actAs(t, f.officerTok, h, map[string]any{"action": "submit_review", "reviewer_id": f.reviewerID, "decision": decision(0, "normal", "licence_revoke")}, 409)
	ta.act(t, f, h, map[string]any{"action": "conclude_hearing", "reason": "听证已举行"})

	// The 90-day limit: overdue cases are listed and cannot be decided until extended.
	late := ta.toNotified(t, f, 90000, "fine")
	ta.act(t, f, late, map[string]any{"action": "waive"})
	ta.clock.Set(time.Now().Add(91 * 24 * time.Hour))
	ta.actAs(t, f.adminTok, late, map[string]any{"action": "decide", "decision": decision(90000, "normal", "fine")}, 403)
	over := ta.do("GET", "/v1/cases?overdue=true", nil, f.adminTok)
	if !strings.Contains(string(over.Body), late) || !strings.Contains(string(over.Body), `"overdue":true`) {
		t.Errorf("overdue list lacks the case: %s", over.Body)
	}
	ta.actAs(t, f.officerTok, late, map[string]any{"action": "extend_deadline", "reason": "案情复杂", "new_deadline": time.Now().Add(120 * 24 * time.Hour).Format(time.DateOnly)}, 403)
	ta.actAs(t, f.adminTok, late, map[string]any{"action": "extend_deadline", "reason": "案情复杂，经负责人批准延长", "new_deadline": time.Now().Add(120 * 24 * time.Hour).Format(time.DateOnly)}, 200)
	ta.actAs(t, f.adminTok, late, map[string]any{"action": "decide", "decision": decision(90000, "normal", "fine")}, 200)
	ta.clock.Set(time.Time{})

	// Summary procedure: up to 3 000 yuan for an organisation, decided on the spot.
	s := ta.openCase(t, f)
	ta.actAs(t, f.officerTok, s, map[string]any{"action": "summary_decide", "officer_ids": f.officers, "facts": "当场查明", "decision": decision(5000, "normal", "fine")}, 403)
	ta.actAs(t, f.officerTok, s, map[string]any{"action": "summary_decide", "officer_ids": f.officers, "facts": "当场查明", "decision": decision(2000, "normal", "fine")}, 400)
	onTheSpot := decision(2000, "normal", "fine")
	onTheSpot["out_of_range_reason"] = "简易程序限额内当场处罚"
	ta.actAs(t, f.officerTok, s, map[string]any{"action": "summary_decide", "officer_ids": f.officers, "facts": "当场查明", "decision": onTheSpot}, 200)
}

func TestLimitationPeriod(t *testing.T) {
	ta := newTestApp(t)
	f := ta.newCaseAgency(t, 0)
	matter := ta.mustCreate("/v1/matters", map[string]any{"code": "GG-002", "name": "发布虚假广告", "legal_basis": "《广告法》第五十五条",
		"penalty_kinds": []string{"fine"}, "limitation_years": 2}, f.adminTok)
	r := ta.do("POST", "/v1/cases", map[string]any{"matter_id": matter, "violation_on": time.Now().AddDate(-2, -1, 0).Format(time.DateOnly),
		"party": map[string]any{"kind": "person", "name": "赵六", "id_number": "11010519491231002X"}}, f.officerTok)
	if r.Status != 201 {
		t.Fatalf("open: %d %s", r.Status, r.Body)
	}
	id := r.str("id")
	r = ta.actAs(t, f.officerTok, id, map[string]any{"action": "register", "officer_ids": f.officers}, 403)
	if !strings.Contains(string(r.Body), "art. 36") {
		t.Errorf("limitation: %s", r.Body)
	}
}

// TestTamperIsDetected changes one stored event directly in the database; the audit names it.
func TestTamperIsDetected(t *testing.T) {
	ta := newTestApp(t)
	f := ta.newCaseAgency(t, 0)
	id := ta.toNotified(t, f, 90000, "fine")
	client, err := mongo.Connect(options.Client().ApplyURI(mongoURI))
	if err != nil {
		t.Fatal(err)
	}
	defer client.Disconnect(context.Background())
	res, err := client.Database(ta.dbName).Collection("case_events").UpdateOne(context.Background(),
		bson.D{{Key: "_id", Value: id + ":00000004"}}, bson.D{{Key: "$set", Value: bson.D{{Key: "event.evidence_ids", Value: bson.A{"forged"}}}}})
	if err != nil || res.ModifiedCount != 1 {
		t.Fatalf("tamper: %v %+v", err, res)
	}
	ta.run([]scenario{
		{Name: "audit names the changed event", Method: "GET", URL: "/v1/cases/" + id + "/audit", Token: f.officerTok, Status: 200,
			Contains: []string{`"intact":false`, `"broken_seq":4`, "does not match its hash"}},
	})
}

// losingRepo lets another request move the case just before each case write while lose is
// set, so that the write loses the race in the store.
type losingRepo struct {
	domain.Repository
	lose atomic.Bool
}

func (r *losingRepo) CommitCase(ctx context.Context, c *domain.Case, ev domain.Event, with domain.Attached) error {
	if r.lose.Load() {
		other, err := r.Repository.CaseByID(ctx, c.ID)
		if err != nil {
			return err
		}
		first := other.Seed(domain.Event{Action: domain.ActRecord, ActorID: ev.ActorID, At: ev.At})
		if err := r.Repository.CommitCase(ctx, other, first, domain.Attached{}); err != nil {
			return err
		}
	}
	return r.Repository.CommitCase(ctx, c, ev, with)
}

// TestDocumentOfALostCaseWriteIsNotStored issues a document whose case write loses a race: the
// request answers 409 and no document is stored, so every stored document has its hash in the
// case's record; issued again, it is version 1.
func TestDocumentOfALostCaseWriteIsNotStored(t *testing.T) {
	ta := newTestApp(t)
	f := ta.newCaseAgency(t, 0)
	id := ta.toNotified(t, f, 90000, "fine")
	ta.act(t, f, id, map[string]any{"action": "record_statement", "reason": "当事人陈述"})
	ta.act(t, f, id, map[string]any{"action": "waive"})
	ta.actAs(t, f.adminTok, id, map[string]any{"action": "decide", "decision": decision(90000, "normal", "fine")}, 200)
	winning := ta.app
	repo := &losingRepo{Repository: ta.store}
	losing, err := api.New(ta.cfg, api.Deps{Repo: repo, Passwords: ta.pw, Key: ta.key, Now: ta.clock.Now, Log: discardLog()})
	if err != nil {
		t.Fatal(err)
	}
	issue := map[string]any{"kind": "credit_repair_notice"}

	ta.app = losing
	repo.lose.Store(true)
	if r := ta.do("POST", "/v1/cases/"+id+"/documents", issue, f.officerTok); r.Status != 409 {
		t.Fatalf("issue with a lost case write: %d %s", r.Status, r.Body)
	}
	ta.app = winning
	if r := ta.do("GET", "/v1/cases/"+id+"/documents", nil, f.officerTok); len(r.JSON["items"].([]any)) != 0 {
		t.Fatalf("the document of a lost write is still listed: %s", r.Body)
	}
	if n, err := ta.store.DocumentsOf(context.Background(), id); err != nil || len(n) != 0 {
		t.Fatalf("the document of a lost write is still stored: %d %v", len(n), err)
	}
	r := ta.do("POST", "/v1/cases/"+id+"/documents", issue, f.officerTok)
	if r.Status != 201 || !strings.Contains(string(r.Body), `"version":1`) {
		t.Fatalf("issued again: %d %s", r.Status, r.Body)
	}
	ta.run([]scenario{{Name: "the chain holds the one document", Method: "GET", URL: "/v1/cases/" + id + "/audit", Token: f.officerTok, Status: 200, Contains: []string{`"intact":true`}}})
}

// TestARecordIsListedFromWhatWasCommitted: on the embedded engine the events a process
// committed are listed (and synced) without reading them again; the audit reads the engine,
// so a record changed behind Zhifa's back is found though the list still shows what was
// committed.
func TestARecordIsListedFromWhatWasCommitted(t *testing.T) {
	if asMongoDB {
		t.Skip("the embedded engine's event cache; MongoDB reads a case's events with one query")
	}
	ta := newTestApp(t)
	f := ta.newCaseAgency(t, 0)
	id := ta.toNotified(t, f, 90000, "fine")
	before := ta.store.Commands()
	r := ta.do("GET", "/v1/cases/"+id+"/events", nil, f.officerTok)
	if r.Status != 200 || len(r.JSON["items"].([]any)) < 4 {
		t.Fatalf("events: %d %s", r.Status, r.Body)
	}
	if n := ta.store.CommandsSince(before)["find case_events"]; n != 0 {
		t.Fatalf("listing the events just committed read %d of them from the engine", n)
	}
	client, err := mongo.Connect(options.Client().ApplyURI(mongoURI))
	if err != nil {
		t.Fatal(err)
	}
	defer client.Disconnect(context.Background())
	if _, err := client.Database(ta.dbName).Collection("case_events").UpdateOne(context.Background(),
		bson.D{{Key: "_id", Value: id + ":00000004"}}, bson.D{{Key: "$set", Value: bson.D{{Key: "event.evidence_ids", Value: bson.A{"forged"}}}}}); err != nil {
		t.Fatal(err)
	}
	if r := ta.do("GET", "/v1/cases/"+id+"/audit", nil, f.officerTok); !strings.Contains(string(r.Body), `"intact":false`) {
		t.Fatalf("the audit after the record was changed in the engine: %s", r.Body)
	}
	if r := ta.do("GET", "/v1/cases/"+id+"/events", nil, f.officerTok); strings.Contains(string(r.Body), "forged") {
		t.Fatalf("the list shows what the engine was changed to: %s", r.Body)
	}
}
