package api_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"image"
	_ "image/png"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"

	"github.com/zhifa/zhifa/api"
	"github.com/zhifa/zhifa/domain"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// raterConfig trusts the test client as a proxy, so that X-Forwarded-For names each rater's
// address.
func raterConfig() api.Config {
	cfg := testConfig()
	cfg.TrustedProxies = []string{"0.0.0.0", "127.0.0.1"}
	return cfg
}

// cardFor issues a card for a new inspection of f's and returns its JSON.
func (ta *testApp) cardFor(t *testing.T, f caseAgency, uscc string, extra map[string]any) response {
	t.Helper()
	plan := map[string]any{"matter_id": f.matterID, "enterprise_uscc": uscc, "enterprise_name": "某某餐饮有限公司",
		"planned_on": time.Now().AddDate(0, 0, 2).Format(time.DateOnly), "officer_ids": f.officers}
	inspection := ta.mustCreate("/v1/inspections", plan, f.officerTok)
	body := map[string]any{"inspection_id": inspection}
	for k, v := range extra {
		body[k] = v
	}
	r := ta.do("POST", "/v1/cards", body, f.officerTok)
	if r.Status != 201 {
		t.Fatalf("issue a card: %d %s", r.Status, r.Body)
	}
	return r
}

var formToken = regexp.MustCompile(`name="form_token" value="([^"]+)"`)

// openPage GETs a card's page as a phone would and returns the page and the form's cookie.
func (ta *testApp) openPage(t *testing.T, code string) (response, string) {
	t.Helper()
	page := ta.do("GET", "/s/"+code, nil, "")
	cookie := ""
	for _, c := range page.Header.Values("Set-Cookie") {
		if strings.HasPrefix(c, "zf_form=") {
			cookie = strings.SplitN(c, ";", 2)[0]
			if !strings.Contains(c, "SameSite=Strict") || !strings.Contains(c, "HttpOnly") {
				t.Errorf("the form cookie: %s", c)
			}
		}
	}
	return page, cookie
}

func (ta *testApp) postForm(code string, form url.Values, cookie string) response {
	ta.t.Helper()
	headers := []string{"Content-Type", "application/x-www-form-urlencoded"}
	if cookie != "" {
		headers = append(headers, "Cookie", cookie)
	}
	return ta.do("POST", "/s/"+code, form.Encode(), "", headers...)
}

// TestSupervisionCards: an officer issues a card; its QR code (PNG decoded, SVG drawn) opens
// the card's page, which shows the agency, the officers with their certificates and a form
// that works without script and only with the page's cookie; the rating is stored, markup
// stays text, a card takes its bounded number of ratings, and another agency sees nothing.
func TestSupervisionCards(t *testing.T) {
	ta := newTestAppWith(t, raterConfig(), nil)
	f := ta.newCaseAgency(t, 0)
	other := ta.newCaseAgency(t, 1)
	card := ta.cardFor(t, f, usccs[3], map[string]any{"max_ratings": 2})
	code := card.str("code")
	if len(code) != 14 || !strings.HasSuffix(card.str("url"), "/s/"+code) || card.str("state") != "open" {
		t.Fatalf("the card: %s", card.Body)
	}

	png := ta.do("GET", "/v1/cards/"+code+"/qr.png?size=256", nil, f.officerTok)
	img, _, err := image.Decode(bytes.NewReader(png.Body))
	if err != nil {
		t.Fatalf("the QR PNG: %v (%d %s)", err, png.Status, png.Header.Get("Content-Type"))
	}
	bmp, _ := gozxing.NewBinaryBitmapFromImage(img)
	read, err := qrcode.NewQRCodeReader().Decode(bmp, nil)
	if err != nil || read.GetText() != card.str("url") {
		t.Fatalf("the QR code reads %v %v, want %s", read, err, card.str("url"))
	}
	if svg := ta.do("GET", "/v1/cards/"+code+"/qr.svg", nil, f.officerTok); svg.Status != 200 || !bytes.HasPrefix(svg.Body, []byte("<svg")) {
		t.Fatalf("the QR SVG: %d %.80s", svg.Status, svg.Body)
	}

	page, cookie := ta.openPage(t, strings.ToLower(card.str("code_shown")))
	body := string(page.Body)
	csp := page.Header.Get("Content-Security-Policy")
	if page.Status != 200 || !strings.Contains(body, "区市场监督管理局A") || !strings.Contains(body, "张三") || !strings.Contains(body, "李四") ||
		!strings.Contains(body, "证件有效") || !strings.Contains(body, f.certNo) || cookie == "" {
		t.Fatalf("the card's page: %d %s", page.Status, body)
	}
	if !strings.Contains(csp, "default-src 'none'") || !strings.Contains(csp, "form-action 'self'") || strings.Contains(body, "<script") || regexp.MustCompile(`(src|href)="(https?:)?//`).MatchString(body) {
		t.Fatalf("the page loads from elsewhere or runs script: %s\n%s", csp, body)
	}
	token := formToken.FindStringSubmatch(body)[1]
	form := url.Values{"rating": {"1"}, "tags": {"态度", "廉洁"}, "comment": {`<script>alert("x")</script> 态度粗暴`}, "phone": {"13912345678"}, "form_token": {token}}

	if r := ta.postForm(code, form, ""); r.Status != 403 {
		t.Fatalf("a form without the page's cookie (another site posting it): %d", r.Status)
	}
	if r := ta.postForm(code, url.Values{"rating": {"9"}, "comment": {"<b>x</b>"}, "form_token": {token}}, cookie); r.Status != 422 ||
		!strings.Contains(string(r.Body), "请选择 1 到 5 星") || !strings.Contains(string(r.Body), "&lt;b&gt;x&lt;/b&gt;") {
		t.Fatalf("a bad rating: %d %s", r.Status, r.Body)
	}
	if r := ta.postForm(code, form, cookie); r.Status != 200 || !strings.Contains(string(r.Body), "感谢您的评价") {
		t.Fatalf("the rating: %d %s", r.Status, r.Body)
	}
	stored, err := ta.store.FeedbackOfCard(context.Background(), code)
	if err != nil || len(stored) != 1 || stored[0].Rating != 1 || stored[0].Phone != "13912345678" || !strings.Contains(stored[0].Comment, "<script>") ||
		strings.Join(stored[0].Tags, ",") != "态度,廉洁" || strings.Join(stored[0].OfficerIDs, ",") != strings.Join(f.officers, ",") {
		t.Fatalf("stored: %+v %v", stored, err)
	}
	if r := ta.do("POST", "/v1/public/cards/"+code+"/feedback", map[string]any{"rating": 5, "tags": []string{"效率"}}, "", "X-Forwarded-For", "198.51.100.2"); r.Status != 201 {
		t.Fatalf("the JSON form: %d %s", r.Status, r.Body)
	}
	// The card took its two ratings.
	if r := ta.do("POST", "/v1/public/cards/"+code+"/feedback", map[string]any{"rating": 4}, "", "X-Forwarded-For", "198.51.100.3"); r.Status != 410 {
		t.Fatalf("a third rating: %d %s", r.Status, r.Body)
	}
	if r, _ := ta.openPage(t, code); r.Status != 410 {
		t.Fatalf("the used-up card's page: %d", r.Status)
	}

	// Another agency: its officer can neither issue a card for this inspection nor read the card.
	ta.run([]scenario{
		{Name: "another agency's inspection", Method: "POST", URL: "/v1/cards", Token: other.officerTok, Body: map[string]any{"inspection_id": card.str("inspection_id")}, Status: 404},
		{Name: "another agency's card", Method: "GET", URL: "/v1/cards/" + code, Token: other.officerTok, Status: 404},
		{Name: "another agency's QR", Method: "GET", URL: "/v1/cards/" + code + "/qr.png", Token: other.officerTok, Status: 404},
		{Name: "no inspection or case", Method: "POST", URL: "/v1/cards", Token: f.officerTok, Body: map[string]any{}, Status: 400, Contains: []string{"inspection_id"}},
		{Name: "too long", Method: "POST", URL: "/v1/cards", Token: f.officerTok, Body: map[string]any{"inspection_id": card.str("inspection_id"), "valid_days": 400}, Status: 400, Contains: []string{"valid_days"}},
		{Name: "anonymous", Method: "POST", URL: "/v1/cards", Body: map[string]any{"inspection_id": card.str("inspection_id")}, Status: 401},
	})
}

// TestGuessingCardCodes: unknown codes answer a friendly page, then 429 for the address.
func TestGuessingCardCodes(t *testing.T) {
	cfg := testConfig()
	cfg.CardGuesses = 5
	ta := newTestAppWith(t, cfg, nil)
	for i := range 5 {
		r := ta.do("GET", "/s/"+strings.Repeat("A", 13)+string(rune('B'+i)), nil, "", "X-Forwarded-For", "203.0.113.9")
		if r.Status != 404 || !strings.Contains(string(r.Body), "未找到该监督卡") {
			t.Fatalf("guess %d: %d %s", i, r.Status, r.Body)
		}
	}
	if r := ta.do("GET", "/s/ZZZZZZZZZZZZZZ", nil, ""); r.Status != 429 || r.Header.Get("Retry-After") == "" || !strings.Contains(string(r.Body), "请稍后再试") {
		t.Fatalf("the sixth guess: %d %s", r.Status, r.Body)
	}
	// The JSON forms count their misses too.
	ta = newTestAppWith(t, cfg, nil)
	for i := range 5 {
		if r := ta.do("POST", "/v1/public/cards/"+strings.Repeat("A", 13)+string(rune('B'+i))+"/feedback", map[string]any{"rating": 3}, ""); r.Status != 404 {
			t.Fatalf("JSON guess %d: %d %s", i, r.Status, r.Body)
		}
	}
	if r := ta.do("POST", "/v1/public/callbacks/nope.AAAA", map[string]any{"satisfied": true}, ""); r.Status != 429 {
		t.Fatalf("the sixth JSON guess: %d %s", r.Status, r.Body)
	}
}

// supervisoryBody registers a supervisory body in district with one supervisor and returns
// the supervisor's token.
func (ta *testApp) supervisoryBody(t *testing.T, name, uscc, district, username string) string {
	t.Helper()
	body := ta.mustCreate("/v1/agencies", map[string]any{"name": name, "uscc": uscc, "kind": "supervisory",
		"jurisdiction": map[string]string{"district": district}, "legal_basis": "《法治政府建设实施纲要》"}, ta.sysTok)
	ta.mustCreate("/v1/officers", map[string]any{"username": username, "password": testPassword, "name": "监督员", "roles": []string{"supervisor"}, "agency_id": body}, ta.sysTok)
	return ta.login(username, testPassword)
}

// TestBadRatingsAlertTheSupervisors: a one-star rating with the integrity tag reaches the
// supervisors of the district's supervisory body, in words that name neither the party's
// comment nor the phone; a five-star rating alerts nobody; the agency rated and a body of
// another district hear nothing.
func TestBadRatingsAlertTheSupervisors(t *testing.T) {
	cfg := testConfig()
	cfg.NotifyEvery = 50 * time.Millisecond
	ta := newTestAppWith(t, cfg, nil)
	f := ta.newCaseAgency(t, 0) // in 青山区
	here := ta.supervisoryBody(t, "青山区司法局", usccOf(t, "11370402MB000011"+"0"), "青山区", "qs-supervisor")
	elsewhere := ta.supervisoryBody(t, "红山区司法局", usccOf(t, "11370402MB000012"+"0"), "红山区", "hs-supervisor")

	good := ta.cardFor(t, f, usccs[3], nil)
	if r := ta.do("POST", "/v1/public/cards/"+good.str("code")+"/feedback", map[string]any{"rating": 5, "tags": []string{"效率"}}, ""); r.Status != 201 {
		t.Fatalf("five stars: %d %s", r.Status, r.Body)
	}
	bad := ta.cardFor(t, f, usccs[4], nil)
	if r := ta.do("POST", "/v1/public/cards/"+bad.str("code")+"/feedback", map[string]any{"rating": 1, "tags": []string{"廉洁"},
		"comment": "索要好处费", "phone": "13912345678"}, ""); r.Status != 201 {
		t.Fatalf("one star: %d %s", r.Status, r.Body)
	}
	inbox := ta.inboxOf(t, here, 1)
	if k := kinds(inbox); len(k) != 1 || k[0] != "bad_feedback" || !strings.Contains(string(inbox.Body), "区市场监督管理局A的执法收到 1 星评价（廉洁）") ||
		strings.Contains(string(inbox.Body), "13912345678") || strings.Contains(string(inbox.Body), "好处费") {
		t.Fatalf("the supervisor's inbox: %s", inbox.Body)
	}
	time.Sleep(500 * time.Millisecond) // anything else would have been derived by now
	for name, tok := range map[string]string{"another district's supervisor": elsewhere, "the agency's admin": f.adminTok, "the officer": f.officerTok} {
		r := ta.do("GET", "/v1/notifications", nil, tok)
		if strings.Contains(string(r.Body), "bad_feedback") || strings.Contains(string(r.Body), "评价") {
			t.Errorf("%s heard of the rating: %s", name, r.Body)
		}
	}
	if again := ta.do("GET", "/v1/notifications", nil, here); len(again.JSON["items"].([]any)) != 1 {
		t.Fatalf("the five stars alerted too: %s", again.Body)
	}
	// The supervisor lists both ratings with the phone; the agency lists its own without it;
	// another district's supervisor sees none.
	if r := ta.do("GET", "/v1/feedback", nil, here); len(r.JSON["items"].([]any)) != 2 || !strings.Contains(string(r.Body), "13912345678") {
		t.Fatalf("the supervisor's list: %s", r.Body)
	}
	if r := ta.do("GET", "/v1/feedback?max_rating=2&tag=廉洁", nil, here); len(r.JSON["items"].([]any)) != 1 {
		t.Fatalf("the bad ratings: %s", r.Body)
	}
	if r := ta.do("GET", "/v1/feedback", nil, f.adminTok); len(r.JSON["items"].([]any)) != 2 || strings.Contains(string(r.Body), "13912345678") {
		t.Fatalf("the agency's list: %s", r.Body)
	}
	if r := ta.do("GET", "/v1/feedback?agency_id="+f.id, nil, elsewhere); r.Status != 404 {
		t.Fatalf("another district's supervisor: %d %s", r.Status, r.Body)
	}
	if r := ta.do("GET", "/v1/feedback", nil, elsewhere); len(r.JSON["items"].([]any)) != 0 {
		t.Fatalf("another district's supervisor lists: %s", r.Body)
	}
	// The agency's sync carries nothing of it.
	if s := ta.syncAll(t, f.adminTok); strings.Contains(s, "13912345678") || strings.Contains(s, "好处费") {
		t.Fatalf("sync leaks the rating: %s", s)
	}
}

// TestTheAgencyCannotTellWhoRated: the agency's list of its ratings names no card, case or
// inspection, carries the China day rather than the instant and an id of its own, names an
// officer only once more than one party rated them, and its cursor holds no time or id.
func TestTheAgencyCannotTellWhoRated(t *testing.T) {
	ta := newTestApp(t)
	f := ta.newCaseAgency(t, 0)
	first := ta.cardFor(t, f, usccs[3], nil)
	r := ta.do("POST", "/v1/public/cards/"+first.str("code")+"/feedback", map[string]any{"rating": 3, "tags": []string{"效率"}}, "")
	if r.Status != 201 {
		t.Fatalf("rate: %d %s", r.Status, r.Body)
	}
	ratingID := r.str("id")
	list := ta.do("GET", "/v1/feedback", nil, f.adminTok)
	items := list.JSON["items"].([]any)
	if len(items) != 1 {
		t.Fatalf("the agency's list: %s", list.Body)
	}
	item := items[0].(map[string]any)
	for _, leak := range []string{first.str("code"), first.str("inspection_id"), ratingID, f.officers[0]} {
		if strings.Contains(string(list.Body), leak) {
			t.Errorf("the agency's list shows %q: %s", leak, list.Body)
		}
	}
	if at, _ := time.Parse(time.RFC3339, item["created_at"].(string)); !at.Equal(domain.PlannedDayStart(domain.ChinaDate(time.Now()))) {
		t.Errorf("created_at is not the China day: %v", item["created_at"])
	}
	if sup := ta.do("GET", "/v1/feedback?agency_id="+f.id, nil, ta.sysTok); !strings.Contains(string(sup.Body), first.str("inspection_id")) {
		t.Errorf("the sysadmin lost the inspection: %s", sup.Body)
	}
	second := ta.cardFor(t, f, usccs[4], nil)
	if r := ta.do("POST", "/v1/public/cards/"+second.str("code")+"/feedback", map[string]any{"rating": 4}, ""); r.Status != 201 {
		t.Fatalf("rate: %d %s", r.Status, r.Body)
	}
	page := ta.do("GET", "/v1/feedback?limit=1", nil, f.adminTok)
	if !strings.Contains(string(page.Body), f.officers[0]) {
		t.Errorf("rated by two parties, the officer is still hidden: %s", page.Body)
	}
	cursor := page.str("next_cursor")
	if plain, _ := base64.RawURLEncoding.DecodeString(cursor); regexp.MustCompile(`^[0-9]{10,}-`).Match(plain) {
		t.Errorf("the agency's cursor holds the time and id: %q", plain)
	}
	rest := ta.do("GET", "/v1/feedback?limit=1&cursor="+cursor, nil, f.adminTok)
	if rest.Status != 200 || len(rest.JSON["items"].([]any)) != 1 {
		t.Fatalf("the second page: %d %s", rest.Status, rest.Body)
	}
}

// TestRatingsAreNotStuffed: a card takes one rating per address and per phone, a form token
// is used once, a card takes at most MaxCardRatings and an inspection has at most
// MaxLiveCards cards taking ratings.
func TestRatingsAreNotStuffed(t *testing.T) {
	ta := newTestAppWith(t, raterConfig(), nil)
	f := ta.newCaseAgency(t, 0)
	if r := ta.do("POST", "/v1/cards", map[string]any{"inspection_id": ta.cardFor(t, f, usccs[2], nil).str("inspection_id"), "max_ratings": 20}, f.officerTok); r.Status != 400 {
		t.Fatalf("a card of 20 ratings: %d %s", r.Status, r.Body)
	}
	card := ta.cardFor(t, f, usccs[3], map[string]any{"max_ratings": 5})
	code := card.str("code")
	rate := func(addr string, body map[string]any) int {
		return ta.do("POST", "/v1/public/cards/"+code+"/feedback", body, "", "X-Forwarded-For", addr).Status
	}
	accepted := 0
	for range 18 {
		if rate("198.51.100.7", map[string]any{"rating": 5}) == 201 {
			accepted++
		}
	}
	if accepted != 1 {
		t.Errorf("one address: %d of 18 ratings accepted, want 1", accepted)
	}
	if s := rate("198.51.100.8", map[string]any{"rating": 5, "phone": "13912345678"}); s != 201 {
		t.Fatalf("another person: %d", s)
	}
	if s := rate("198.51.100.9", map[string]any{"rating": 5, "phone": "13912345678"}); s != 409 {
		t.Errorf("the same phone from another address: %d", s)
	}
	// The page's form token is used once: the form posted again stores nothing more.
	page, cookie := ta.openPage(t, code)
	token := formToken.FindStringSubmatch(string(page.Body))[1]
	form := url.Values{"rating": {"5"}, "form_token": {token}}
	for range 3 {
		if r := ta.do("POST", "/s/"+code, form.Encode(), "", "Content-Type", "application/x-www-form-urlencoded", "Cookie", cookie, "X-Forwarded-For", "198.51.100.10"); r.Status != 200 {
			t.Fatalf("the form: %d %s", r.Status, r.Body)
		}
	}
	if stored, err := ta.store.FeedbackOfCard(context.Background(), code); err != nil || len(stored) != 3 {
		t.Fatalf("stored %d ratings (%v), want 3", len(stored), err)
	}
	if r := ta.do("GET", "/v1/cards/"+code, nil, f.officerTok); r.JSON["ratings"] != 3.0 {
		t.Errorf("the card counts %v ratings", r.JSON["ratings"])
	}
	// The inspection already has one card taking ratings: one more, not a third.
	in := card.str("inspection_id")
	if r := ta.do("POST", "/v1/cards", map[string]any{"inspection_id": in}, f.officerTok); r.Status != 201 {
		t.Fatalf("a second card: %d %s", r.Status, r.Body)
	}
	if r := ta.do("POST", "/v1/cards", map[string]any{"inspection_id": in}, f.officerTok); r.Status != 409 {
		t.Fatalf("a third live card: %d %s", r.Status, r.Body)
	}
}

// TestCardRatingRetriesReplay: a rating retried with its Idempotency-Key is stored once and
// answered as the first; the key with another body is refused.
func TestCardRatingRetriesReplay(t *testing.T) {
	ta := newTestAppWith(t, raterConfig(), nil)
	f := ta.newCaseAgency(t, 0)
	code := ta.cardFor(t, f, usccs[3], nil).str("code")
	first := ta.do("POST", "/v1/public/cards/"+code+"/feedback", map[string]any{"rating": 1}, "", "Idempotency-Key", "k-1", "X-Forwarded-For", "198.51.100.20")
	again := ta.do("POST", "/v1/public/cards/"+code+"/feedback", map[string]any{"rating": 1}, "", "Idempotency-Key", "k-1", "X-Forwarded-For", "198.51.100.21")
	if first.Status != 201 || again.Status != 201 || again.str("id") != first.str("id") || again.Header.Get("Idempotent-Replayed") != "true" {
		t.Fatalf("the retry: %d %s / %d %s", first.Status, first.Body, again.Status, again.Body)
	}
	if r := ta.do("POST", "/v1/public/cards/"+code+"/feedback", map[string]any{"rating": 5}, "", "Idempotency-Key", "k-1", "X-Forwarded-For", "198.51.100.22"); r.Status != 422 {
		t.Fatalf("the key with another rating: %d %s", r.Status, r.Body)
	}
	if stored, err := ta.store.FeedbackOfCard(context.Background(), code); err != nil || len(stored) != 1 {
		t.Fatalf("stored %d ratings (%v), want 1", len(stored), err)
	}
}

// TestARatingsRetryFinishesItsCount: a crash between storing a rating and counting it (the
// count put back by hand, as a SIGKILL there leaves it) is finished by the rating's retry, so
// the card's last slot does not leave it open for good.
func TestARatingsRetryFinishesItsCount(t *testing.T) {
	ta := newTestAppWith(t, raterConfig(), nil)
	f := ta.newCaseAgency(t, 0)
	code := ta.cardFor(t, f, usccs[3], map[string]any{"max_ratings": 1}).str("code")
	if r := ta.do("POST", "/v1/public/cards/"+code+"/feedback", map[string]any{"rating": 4}, "", "Idempotency-Key", "k-last", "X-Forwarded-For", "198.51.100.30"); r.Status != 201 {
		t.Fatalf("the rating: %d %s", r.Status, r.Body)
	}
	client, err := mongo.Connect(options.Client().ApplyURI(mongoURI))
	if err != nil {
		t.Fatal(err)
	}
	defer client.Disconnect(context.Background())
	if _, err := client.Database(ta.dbName).Collection("cards").UpdateOne(context.Background(), bson.D{{Key: "_id", Value: code}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "ratings", Value: 0}, {Key: "remaining", Value: 1}}}}); err != nil {
		t.Fatal(err)
	}
	if r := ta.do("GET", "/v1/cards/"+code, nil, f.officerTok); r.JSON["state"] != "open" {
		t.Fatalf("the crash is not simulated: %s", r.Body)
	}
	if r := ta.do("POST", "/v1/public/cards/"+code+"/feedback", map[string]any{"rating": 4}, "", "Idempotency-Key", "k-last", "X-Forwarded-For", "198.51.100.30"); r.Status != 201 || r.Header.Get("Idempotent-Replayed") != "true" {
		t.Fatalf("the retry: %d %s", r.Status, r.Body)
	}
	if r := ta.do("GET", "/v1/cards/"+code, nil, f.officerTok); r.JSON["ratings"] != 1.0 || r.JSON["state"] != "used_up" {
		t.Fatalf("after the retry the card reads %s", r.Body)
	}
}
