package api_test

import (
	"context"
	"encoding/csv"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/zhifa/zhifa/domain"
)

// closedCase drives a case to a closed file: notice, decision, both documents, service,
// payment, closure.
func (ta *testApp) closedCase(t *testing.T, f caseAgency) string {
	t.Helper()
	id := ta.toNotified(t, f, 90000, "fine")
	ta.act(t, f, id, map[string]any{"action": "waive"})
	ta.actAs(t, f.adminTok, id, map[string]any{"action": "decide", "decision": decision(90000, "normal", "fine")}, 200)
	for _, doc := range []map[string]any{{"kind": "penalty_decision", "fields": map[string]string{"evidence": "询问笔录", "payment": "十五日内"}}, {"kind": "credit_repair_notice"}} {
		if r := ta.do("POST", "/v1/cases/"+id+"/documents", doc, f.officerTok); r.Status != 201 {
			t.Fatalf("%v: %d %s", doc["kind"], r.Status, r.Body)
		}
	}
	ta.act(t, f, id, map[string]any{"action": "serve", "officer_ids": f.officers})
	ta.act(t, f, id, map[string]any{"action": "execute", "paid": 90000, "paid_on": todayInChina()})
	ta.act(t, f, id, map[string]any{"action": "close"})
	return id
}

// fileRecord reads a case's record as the review does.
func (ta *testApp) fileRecord(t *testing.T, f caseAgency, id string) domain.FileRecord {
	t.Helper()
	ctx := context.Background()
	cs, err := ta.store.CaseByID(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	events, _ := ta.store.EventsOf(ctx, id, 1, cs.EventCount)
	rec := domain.FileRecord{Case: cs, Events: events, Evidence: map[string]*domain.Evidence{}, Certificates: map[string]*domain.Certificate{}, Now: time.Now()}
	for _, e := range events {
		for _, ev := range e.EvidenceIDs {
			if x, err := ta.store.EvidenceByID(ctx, ev); err == nil {
				rec.Evidence[ev] = x
			}
		}
	}
	for _, o := range f.officers {
		u, _ := ta.store.UserByID(ctx, o)
		rec.Certificates[o], _ = ta.store.CertificateByNumber(ctx, u.CertificateNo)
	}
	rec.Matter, _ = ta.store.MatterByID(ctx, cs.MatterID)
	rec.Benchmark, _ = ta.store.BenchmarkOfMatter(ctx, cs.MatterID)
	rec.ReviewRules, _ = ta.store.ReviewRules(ctx, cs.AgencyID)
	return rec
}

// TestAutomaticReviewChecks: a closed file passes every automatic check, and a file built to
// fail each check fails that one, with its evidence.
func TestAutomaticReviewChecks(t *testing.T) {
	ta := newTestApp(t)
	f := ta.newCaseAgency(t, 0)
	id := ta.closedCase(t, f)
	good := ta.fileRecord(t, f, id)
	for check, r := range domain.AutoCheck(good) {
		if !r.Pass {
			t.Errorf("the good file fails %s: %s", check, r.Detail)
		}
	}
	if len(domain.AutoCheck(good)) != len(domain.AutoCheckNames) {
		t.Fatalf("%d checks made, %d named", len(domain.AutoCheck(good)), len(domain.AutoCheckNames))
	}
	at := func(rec domain.FileRecord, a domain.Action) int {
		for i, e := range rec.Events {
			if e.Action == a {
				return i
			}
		}
		t.Fatalf("no %s event", a)
		return -1
	}
	// copyOf is the good record with its own case and events, to break one thing in.
	copyOf := func() domain.FileRecord {
		rec := good
		cs := *good.Case
		cs.Documents = map[domain.DocumentKind]string{}
		for k, v := range good.Case.Documents {
			cs.Documents[k] = v
		}
		dec := *good.Case.Decision
		cs.Decision = &dec
		rec.Case, rec.Events = &cs, slices.Clone(good.Events)
		rec.Evidence, rec.Certificates = map[string]*domain.Evidence{}, map[string]*domain.Certificate{}
		for k, v := range good.Evidence {
			rec.Evidence[k] = v
		}
		for k, v := range good.Certificates {
			c := *v
			rec.Certificates[k] = &c
		}
		return rec
	}
	for check, breakIt := range map[string]func(*domain.FileRecord){
		"chain_intact": func(r *domain.FileRecord) { r.Events[2].DeviceID = "a forged device" },
		"evidence_complete": func(r *domain.FileRecord) {
			for k := range r.Evidence {
				delete(r.Evidence, k)
			}
		},
		"two_officers": func(r *domain.FileRecord) {
			i := at(*r, domain.ActServe)
			r.Events[i].OfficerIDs = r.Events[i].OfficerIDs[:1]
		},
		"certified_officers":     func(r *domain.FileRecord) { r.Certificates[f.officer2ID].ExpiresOn = time.Now().AddDate(0, -1, 0) },
		"limitation":             func(r *domain.FileRecord) { r.Case.ViolationOn = time.Now().AddDate(-9, 0, 0) },
		"notice_before_decision": func(r *domain.FileRecord) { i := at(*r, domain.ActWaive); r.Events[i].Action = domain.ActRecord },
		"hearing_held": func(r *domain.FileRecord) {
			i := at(*r, domain.ActWaive)
			r.Events[i].Action = domain.ActRequestHearing
		},
		"legal_review": func(r *domain.FileRecord) {
			r.ReviewRules = []domain.ReviewRule{{Kind: "fine_above", Threshold: 1000, Description: "罚款一千元以上"}}
		},
		"within_benchmark": func(r *domain.FileRecord) { r.Case.Decision.Fine = 500000 },
		"decided_in_time":  func(r *domain.FileRecord) { r.Case.Deadline = r.Events[at(*r, domain.ActDecide)].At.Add(-time.Hour) },
		"two_documents":    func(r *domain.FileRecord) { delete(r.Case.Documents, domain.DocCreditRepairNotice) },
		"served_in_time": func(r *domain.FileRecord) {
			i := at(*r, domain.ActServe)
			r.Events[i].At = r.Events[i].At.AddDate(0, 0, 10)
		},
	} {
		rec := copyOf()
		breakIt(&rec)
		got := domain.AutoCheck(rec)[check]
		if got.Pass || got.Detail == "" {
			t.Errorf("a file built to fail %s passes it: %+v", check, got)
		} else {
			t.Logf("%s: %s", check, got.Detail)
		}
	}
	// notice_before_decision: a recorded statement alone does not let the decision follow at once
	// (the good file's decision came a moment after the waiver).
	early := copyOf()
	early.Events[at(early, domain.ActWaive)].Action = domain.ActRecordStatement
	if got := domain.AutoCheck(early)["notice_before_decision"]; got.Pass || !strings.Contains(got.Detail, "未书面放弃即作出决定") {
		t.Errorf("a file decided right after the statement passes: %+v", got)
	} else {
		t.Logf("decided too early: %s", got.Detail)
	}
	// legal_review: the approval the decision followed was by a reviewer who took part in no
	// investigating act of the case (not only the officers named at registration) and who did
	// not decide it (art. 58).
	approvedBy := func(reviewer string, investigated bool) domain.CheckResult {
		rec := copyOf()
		rec.ReviewRules = []domain.ReviewRule{{Kind: "fine_above", Threshold: 1000, Description: "罚款一千元以上"}}
		rec.Case.ReviewerID = reviewer
		w := at(rec, domain.ActWaive)
		rec.Events[w].Action, rec.Events[w].ActorID = domain.ActApproveReview, reviewer
		if investigated {
			i := at(rec, domain.ActRecord)
			rec.Events[i].OfficerIDs = append(slices.Clone(rec.Events[i].OfficerIDs), reviewer)
		}
		return domain.AutoCheck(rec)["legal_review"]
	}
	if got := approvedBy(f.reviewerID, false); !got.Pass {
		t.Errorf("an independent reviewer's approval fails: %s", got.Detail)
	}
	if got := approvedBy(f.reviewerID, true); got.Pass || !strings.Contains(got.Detail, "审核人员参与了第") {
		t.Errorf("a reviewer who recorded in the case passes: %+v", got)
	}
	if got := approvedBy(f.adminID, false); got.Pass || !strings.Contains(got.Detail, "审核人员同时作出了决定") {
		t.Errorf("a reviewer who decided passes: %+v", got)
	}
}

// TestCaseFileReviewRound: a supervisor's round samples closed files of the district's
// agency with a published seed (the sample is drawn again from the round alone), the reviewer
// scores a file, its findings become the agency's rectification tasks, and the report comes as
// JSON, CSV and a printable page; another district's supervisor sees none of it.
func TestCaseFileReviewRound(t *testing.T) {
	ta := newTestApp(t)
	f := ta.newCaseAgency(t, 0)
	here := ta.supervisoryBody(t, "青山区司法局", usccOf(t, "11370402MB000011"+"0"), "青山区", "qs-supervisor")
	elsewhere := ta.supervisoryBody(t, "红山区司法局", usccOf(t, "11370402MB000012"+"0"), "红山区", "hs-supervisor")
	var closed []string
	for range 3 {
		closed = append(closed, ta.closedCase(t, f))
	}
	ta.openCase(t, f) // an open case is not a file to review
	today := todayInChina()
	ta.run([]scenario{
		{Name: "the default rubric", Method: "GET", URL: "/v1/review-rubric", Token: here, Status: 200, Contains: []string{"certified_officers", "事实清楚"}},
		{Name: "a rubric over 100 points", Method: "PUT", URL: "/v1/review-rubric", Token: here, Body: map[string]any{"items": []map[string]any{{"code": "A", "name": "甲项", "points": 80}, {"code": "B", "name": "乙项", "points": 30}}}, Status: 400},
		{Name: "an agency reviews nothing", Method: "POST", URL: "/v1/review-rounds", Token: f.adminTok, Body: map[string]any{"name": "自评", "from": today, "to": today, "sample_size": 1}, Status: 403},
		{Name: "size or share", Method: "POST", URL: "/v1/review-rounds", Token: here, Body: map[string]any{"name": "第一轮", "from": today, "to": today}, Status: 400},
	})
	r := ta.do("POST", "/v1/review-rounds", map[string]any{"name": "2026年第一轮案卷评查", "from": time.Now().AddDate(0, 0, -1).Format(time.DateOnly), "to": today, "sample_size": 2}, here)
	if r.Status != 201 {
		t.Fatalf("round: %d %s", r.Status, r.Body)
	}
	round := r.str("id")
	candidates := r.JSON["candidates"].(map[string]any)[f.id].([]any)
	sample := r.JSON["sample"].(map[string]any)[f.id].([]any)
	if len(candidates) != 3 || len(sample) != 2 {
		t.Fatalf("candidates %v, sample %v", candidates, sample)
	}
	var ids []string
	for _, c := range candidates {
		ids = append(ids, c.(string))
	}
	again, err := domain.SampleCases(r.str("seed"), f.id, ids, 2)
	if err != nil || strings.Join(again, ",") != sample[0].(string)+","+sample[1].(string) || domain.SeedCommitment(r.str("seed")) != r.str("seed_commitment") {
		t.Fatalf("the sample drawn again: %v %v, published %v", again, err, sample)
	}
	files := ta.do("GET", "/v1/review-rounds/"+round+"/files", nil, here)
	items := files.JSON["items"].([]any)
	if len(items) != 2 || !strings.Contains(string(files.Body), `"served_in_time":{"check":"served_in_time","pass":true`) {
		t.Fatalf("files: %s", files.Body)
	}
	first := items[0].(map[string]any)
	caseID := first["case_id"].(string)
	if !slices.Contains(closed, caseID) || first["grade"] != "不合格" && first["scored"] == true {
		t.Fatalf("the first file: %v", first)
	}
	score := "/v1/review-rounds/" + round + "/files/" + caseID
	ta.run([]scenario{
		{Name: "another district's supervisor", Method: "GET", URL: "/v1/review-rounds/" + round + "/files", Token: elsewhere, Status: 404},
		{Name: "an automatic item is not the reviewer's", Method: "PUT", URL: score, Token: here, Body: map[string]any{"scores": map[string]int{"C3": 10}}, Headers: []string{"If-Match", `"1"`}, Status: 400},
		{Name: "no more than the item's points", Method: "PUT", URL: score, Token: here, Body: map[string]any{"scores": map[string]int{"C1": 21}}, Headers: []string{"If-Match", `"1"`}, Status: 400},
		{Name: "scored", Method: "PUT", URL: score, Token: here, Body: map[string]any{"scores": map[string]int{"C1": 18, "C2": 15, "C8": 7},
			"findings": []string{"询问笔录未逐页签字", "处罚决定书说理不充分"}}, Headers: []string{"If-Match", `"1"`}, Status: 200,
			Contains: []string{`"total":95`, `"grade":"优秀"`, `"scored":true`, `"missing":[]`}},
		{Name: "a manual veto failed", Method: "PUT", URL: score, Token: here, Body: map[string]any{"scores": map[string]int{"C1": 18, "C2": 15, "C8": 7}, "veto_failed": map[string]bool{"V1": true},
			"findings": []string{"询问笔录未逐页签字"}}, Headers: []string{"If-Match", `"2"`}, Status: 200, Contains: []string{`"total":0`, `"grade":"不合格"`}},
		{Name: "the findings are the agency's tasks, once", Method: "GET", URL: "/v1/problems?source=review_finding", Token: f.adminTok, Status: 200, Contains: []string{"询问笔录未逐页签字", "处罚决定书说理不充分", "2026年第一轮案卷评查"}},
		{Name: "the report", Method: "GET", URL: "/v1/review-rounds/" + round + "/report", Token: here, Status: 200, Contains: []string{`"files":2`, `"scored":1`, `"询问笔录未逐页签字"`}},
		{Name: "the printable report", Method: "GET", URL: "/v1/review-rounds/" + round + "/report?format=html", Token: here, Status: 200, Contains: []string{"案卷评查报告", "共性问题", "询问笔录未逐页签字"}},
	})
	if n := strings.Count(string(ta.do("GET", "/v1/problems", nil, f.adminTok).Body), "询问笔录未逐页签字"); n != 1 {
		t.Fatalf("the finding is %d tasks", n)
	}
	c := ta.do("GET", "/v1/review-rounds/"+round+"/report?format=csv", nil, here)
	rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(string(c.Body), "\ufeff"))).ReadAll()
	if err != nil || len(rows) != 2 || rows[1][0] != f.id || rows[1][2] != "2" || rows[1][7] != "1" {
		t.Fatalf("CSV: %v %q", err, c.Body)
	}
	t.Run("two reviewers at once", func(t *testing.T) {
		needsAtomicWrites(t)
		// Two reviewers score the other file at once: only the saved one's findings become tasks.
		other := "/v1/review-rounds/" + round + "/files/" + items[1].(map[string]any)["case_id"].(string)
		results := make(chan int, 2)
		for _, finding := range []string{"甲审查意见", "乙审查意见"} {
			go func() {
				r := ta.do("PUT", other, map[string]any{"scores": map[string]int{"C1": 20, "C2": 15, "C8": 10}, "findings": []string{finding}}, here, "If-Match", `"1"`)
				results <- r.Status
			}()
		}
		codes := []int{<-results, <-results}
		tasks := string(ta.do("GET", "/v1/problems?limit=200", nil, f.adminTok).Body)
		if n := strings.Count(tasks, "甲审查意见") + strings.Count(tasks, "乙审查意见"); n != 1 || !slices.Contains(codes, 200) {
			t.Fatalf("two scorings at once (%v) filed %d tasks", codes, n)
		}
	})
}
