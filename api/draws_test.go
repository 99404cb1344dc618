package api_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// publicDraw is a draw as GET /v1/public/draws/{id} shows it.
type publicDraw struct {
	InputsJSON string `json:"inputs_json"`
	InputsHash string `json:"inputs_hash"`
	Commitment string `json:"seed_commitment"`
	Seed       string `json:"seed"`
	Status     string `json:"status"`
	Result     []struct {
		USCC       string   `json:"uscc"`
		Name       string   `json:"name"`
		OfficerIDs []string `json:"officer_ids"`
	} `json:"result"`
}

type pick struct {
	USCC     string
	Officers []string
}

// verifyDraw checks a public draw as anyone could, from the page alone, with the algorithm as
// the README describes it (written here again, not taken from the server's code): the inputs
// match their hash, the seed its commitment, and the result is what the seed draws.
func verifyDraw(d publicDraw) ([]pick, error) {
	sum := sha256.Sum256([]byte(d.InputsJSON))
	if hex.EncodeToString(sum[:]) != d.InputsHash {
		return nil, fmt.Errorf("the inputs do not match their hash")
	}
	seed, err := hex.DecodeString(d.Seed)
	if err != nil {
		return nil, err
	}
	sum = sha256.Sum256(seed)
	if hex.EncodeToString(sum[:]) != d.Commitment {
		return nil, fmt.Errorf("the seed does not match its commitment")
	}
	var in struct {
		Algorithm  string `json:"algorithm"`
		Count      int    `json:"count"`
		PerInspect int    `json:"officers_per_inspection"`
		Candidates []struct {
			USCC   string `json:"uscc"`
			Weight uint64 `json:"weight"`
		} `json:"candidates"`
		Officers []struct {
			ID       string   `json:"id"`
			Excluded []string `json:"excluded"`
		} `json:"officers"`
	}
	if err := json.Unmarshal([]byte(d.InputsJSON), &in); err != nil || in.Algorithm != "zhifa-draw-v1" {
		return nil, fmt.Errorf("inputs: %v %q", err, in.Algorithm)
	}
	var numbers []uint64
	block := 0
	next := func() uint64 {
		if len(numbers) == 0 {
			mac := hmac.New(sha256.New, seed)
			mac.Write([]byte("zhifa-draw-v1/" + strconv.Itoa(block)))
			b := mac.Sum(nil)
			block++
			for i := 0; i < 32; i += 8 {
				numbers = append(numbers, binary.BigEndian.Uint64(b[i:i+8]))
			}
		}
		x := numbers[0]
		numbers = numbers[1:]
		return x
	}
	uniform := func(n uint64) uint64 {
		const max = ^uint64(0)
		rem := (max%n + 1) % n // 2^64 mod n
		for {
			if x := next(); rem == 0 || x < max-rem+1 {
				return x % n
			}
		}
	}
	left := in.Candidates
	var out []pick
	for range in.Count {
		var total uint64
		for _, c := range left {
			total += c.Weight
		}
		r, run := uniform(total), uint64(0)
		for i, c := range left {
			if run += c.Weight; r < run {
				out = append(out, pick{USCC: c.USCC})
				left = append(left[:i:i], left[i+1:]...)
				break
			}
		}
	}
	for i := range out {
		var eligible []string
		for _, o := range in.Officers {
			if !slices.Contains(o.Excluded, out[i].USCC) {
				eligible = append(eligible, o.ID)
			}
		}
		for range in.PerInspect {
			k := uniform(uint64(len(eligible)))
			out[i].Officers = append(out[i].Officers, eligible[k])
			eligible = append(eligible[:k:k], eligible[k+1:]...)
		}
	}
	return out, nil
}

func picksOf(d publicDraw) []pick {
	var out []pick
	for _, r := range d.Result {
		out = append(out, pick{USCC: r.USCC, Officers: r.OfficerIDs})
	}
	return out
}

// TestRandomInspectionDraws: an agency's directory, a weighted draw committed and then made,
// its inspections filed once; anyone recomputes the published draw from its public page alone
// and gets the same result; a seed or inputs changed after the commitment are caught.
func TestRandomInspectionDraws(t *testing.T) {
	ta := newTestApp(t)
	f := ta.newCaseAgency(t, 0)
	other := ta.newCaseAgency(t, 1)
	officers := slices.Clone(f.officers)
	for i := range 2 {
		name := fmt.Sprintf("a-officer%d", i+3)
		id := ta.mustCreate("/v1/officers", map[string]any{"username": name, "password": testPassword, "name": "执法员" + strconv.Itoa(i+3), "roles": []string{"officer"}}, f.adminTok)
		if r := ta.do("PUT", "/v1/officers/"+id+"/certificate", map[string]any{"number": fmt.Sprintf("4201000000%d3", i+3), "issued_on": "2025-01-01", "expires_on": "2030-12-31"}, f.adminTok); r.Status != 200 {
			t.Fatalf("certify: %d %s", r.Status, r.Body)
		}
		officers = append(officers, id)
	}
	var enterprises []string
	for i, risk := range []string{"low", "low", "medium", "high", "high", "low"} {
		uscc := usccOf(t, fmt.Sprintf("9137040200000%03d1", i))
		enterprises = append(enterprises, uscc)
		if r := ta.do("PUT", "/v1/directory/"+uscc, map[string]any{"name": "企业" + strconv.Itoa(i), "industry": "餐饮", "risk": risk}, f.adminTok); r.Status != 200 {
			t.Fatalf("directory: %d %s", r.Status, r.Body)
		}
	}
	// The two first officers inspected the first enterprise lately: they may not be drawn for it.
	ta.mustCreate("/v1/inspections", map[string]any{"matter_id": f.matterID, "enterprise_uscc": enterprises[0], "enterprise_name": "企业0",
		"planned_on": todayInChina(), "officer_ids": f.officers}, f.officerTok)
	planned := time.Now().AddDate(0, 0, 7).Format(time.DateOnly)
	ta.run([]scenario{
		{Name: "an officer keeps no directory", Method: "PUT", URL: "/v1/directory/" + enterprises[0], Token: f.officerTok, Body: map[string]any{"name": "企业0", "industry": "餐饮", "risk": "low"}, Status: 403},
		{Name: "a bad risk", Method: "PUT", URL: "/v1/directory/" + enterprises[0], Token: f.adminTok, Body: map[string]any{"name": "企业0", "industry": "餐饮", "risk": "extreme"}, Status: 400},
		{Name: "the directory", Method: "GET", URL: "/v1/directory?industry=餐饮", Token: f.officerTok, Status: 200, Contains: enterprises},
		{Name: "an officer draws nothing", Method: "POST", URL: "/v1/draws", Token: f.officerTok, Body: map[string]any{"matter_id": f.matterID, "count": 3, "planned_on": planned}, Status: 403},
		{Name: "more than the directory holds", Method: "POST", URL: "/v1/draws", Token: f.adminTok, Body: map[string]any{"matter_id": f.matterID, "count": 7, "planned_on": planned}, Status: 400},
		{Name: "another agency's matter", Method: "POST", URL: "/v1/draws", Token: f.adminTok, Body: map[string]any{"matter_id": other.matterID, "count": 3, "planned_on": planned}, Status: 400},
	})
	r := ta.do("POST", "/v1/draws", map[string]any{"matter_id": f.matterID, "count": 3, "weighted": true, "planned_on": planned, "industry": "餐饮"}, f.adminTok)
	if r.Status != 201 || r.str("status") != "committed" || r.str("seed") != "" || len(r.str("seed_commitment")) != 64 {
		t.Fatalf("commit: %d %s", r.Status, r.Body)
	}
	id := r.str("id")
	var before publicDraw
	pub := ta.do("GET", "/v1/public/draws/"+id, nil, "")
	if err := json.Unmarshal(pub.Body, &before); err != nil || before.Seed != "" || before.InputsJSON != r.str("inputs_json") {
		t.Fatalf("the public page before the draw: %s", pub.Body)
	}
	for _, o := range officers {
		if !strings.Contains(before.InputsJSON, o) {
			t.Fatalf("officer %s is not among the inputs: %s", o, before.InputsJSON)
		}
	}
	if strings.Contains(before.InputsJSON, f.reviewerID) {
		t.Fatalf("the uncertified reviewer is among the inputs: %s", before.InputsJSON)
	}
	ta.run([]scenario{
		{Name: "another agency reads it not", Method: "GET", URL: "/v1/draws/" + id, Token: other.adminTok, Status: 404},
		{Name: "nor makes it", Method: "POST", URL: "/v1/draws/" + id + "/run", Token: other.adminTok, Status: 404},
		{Name: "an officer makes it not", Method: "POST", URL: "/v1/draws/" + id + "/run", Token: f.officerTok, Status: 403},
	})
	made := ta.do("POST", "/v1/draws/"+id+"/run", nil, f.adminTok)
	again := ta.do("POST", "/v1/draws/"+id+"/run", nil, f.adminTok)
	if made.Status != 200 || again.Status != 200 || made.str("seed") == "" || string(made.JSON["result"].([]any)[0].(map[string]any)["uscc"].(string)) == "" ||
		!reflect.DeepEqual(made.JSON["result"], again.JSON["result"]) {
		t.Fatalf("the draw: %d %s / %d %s", made.Status, made.Body, again.Status, again.Body)
	}
	var after publicDraw
	if err := json.Unmarshal(ta.do("GET", "/v1/public/draws/"+id, nil, "").Body, &after); err != nil {
		t.Fatal(err)
	}
	got, err := verifyDraw(after)
	if err != nil || !reflect.DeepEqual(got, picksOf(after)) || len(got) != 3 {
		t.Fatalf("recomputed %v (%v), published %v", got, err, picksOf(after))
	}
	for _, p := range got {
		if p.USCC == enterprises[0] && (slices.Contains(p.Officers, f.officerID) || slices.Contains(p.Officers, f.officer2ID)) {
			t.Fatalf("an officer who inspected %s lately was drawn for it: %v", p.USCC, p.Officers)
		}
	}
	// The picks are planned inspections, filed once.
	inspections := ta.do("GET", "/v1/inspections?limit=200", nil, f.adminTok)
	for _, p := range got {
		if n := strings.Count(string(inspections.Body), `"enterprise_uscc":"`+p.USCC+`"`); n < 1 || p.USCC != enterprises[0] && n != 1 {
			t.Fatalf("%s is planned %d times: %s", p.USCC, n, inspections.Body)
		}
	}
	if list := ta.do("GET", "/v1/public/draws?agency_id="+f.id, nil, ""); !strings.Contains(string(list.Body), id) || strings.Contains(string(list.Body), "inspection_ids") {
		t.Fatalf("the public list: %s", list.Body)
	}

	// A seed changed after its commitment, or inputs changed after their hash, are caught.
	ctx := context.Background()
	stored, err := ta.store.DrawByID(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	tampered := *stored
	tampered.Seed = strings.Repeat("ab", 32)
	if err := ta.store.UpdateDraw(ctx, &tampered); err != nil {
		t.Fatal(err)
	}
	var forged publicDraw
	_ = json.Unmarshal(ta.do("GET", "/v1/public/draws/"+id, nil, "").Body, &forged)
	if _, err := verifyDraw(forged); err == nil || !strings.Contains(err.Error(), "commitment") {
		t.Fatalf("a changed seed was not caught: %v", err)
	}
	forged = after
	forged.InputsJSON = strings.Replace(after.InputsJSON, `"weight":1`, `"weight":9`, 1)
	if _, err := verifyDraw(forged); err == nil || !strings.Contains(err.Error(), "hash") {
		t.Fatalf("changed inputs were not caught: %v", err)
	}
}
