package api_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/zhifa/zhifa/domain"
)

// TestFirstDistrictWalkThrough runs the README's "First district in ten minutes" as written:
// every curl command of its sh blocks, in order, against the real app, with the variables the
// blocks keep (NAME=$(curl … | jq -r .field)) substituted, and checks the status written
// above each command (# … → 201).
func TestFirstDistrictWalkThrough(t *testing.T) {
	ta := newTestApp(t)
	hash, _ := ta.pw.Hash(testPassword)
	if err := ta.store.CreateUser(context.Background(), &domain.User{Username: "admin", PasswordHash: hash, Name: "Admin",
		Roles: []domain.Role{domain.RoleSysadmin}, Status: domain.UserActive}); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(filepath.Join(testdata, "..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	text := string(raw)
	start := strings.Index(text, "## First district in ten minutes")
	if start < 0 {
		t.Fatal("the README has no walk-through")
	}
	section := text[start+3:]
	if end := strings.Index(section, "\n## "); end >= 0 {
		section = section[:end]
	}
	vars := map[string]string{"ZHIFA": "", "ZHIFA_ADMIN_PASSWORD": testPassword}
	blocks := regexp.MustCompile("(?s)```sh\n(.*?)```").FindAllStringSubmatch(section, -1)
	status := regexp.MustCompile(`→ (\d{3})`)
	keep := regexp.MustCompile(`(?s)^([A-Z0-9_]+)=\$\((.*)\|\s*jq -r \.([a-z_]+)\)$`)
	steps := 0
	for _, b := range blocks {
		want := ""
		for _, cmd := range commands(b[1]) {
			if strings.HasPrefix(cmd, "#") {
				if m := status.FindStringSubmatch(cmd); m != nil {
					want = m[1]
				}
				continue
			}
			name, field := "", ""
			if m := keep.FindStringSubmatch(cmd); m != nil {
				name, cmd, field = m[1], strings.TrimSpace(m[2]), m[3]
			}
			words, err := shellWords(cmd, vars)
			if err != nil || len(words) == 0 || words[0] != "curl" {
				t.Fatalf("not a curl command: %q (%v)", cmd, err)
			}
			method, url, body := "GET", "", ""
			var headers []string
			for i := 1; i < len(words); i++ {
				switch words[i] {
				case "-s":
				case "-X":
					i++
					method = words[i]
				case "-H":
					i++
					k, v, _ := strings.Cut(words[i], ":")
					headers = append(headers, strings.TrimSpace(k), strings.TrimSpace(v))
				case "-d":
					i++
					body = words[i]
				default:
					if !strings.HasPrefix(words[i], "/") {
						t.Fatalf("%q: what is %q?", cmd, words[i])
					}
					url = words[i]
				}
			}
			if want == "" {
				t.Fatalf("no status written above %q", cmd)
			}
			var r response
			if body != "" {
				if !json.Valid([]byte(body)) {
					t.Fatalf("%s %s: the body is not JSON: %s", method, url, body)
				}
				r = ta.do(method, url, body, "", headers...)
			} else {
				r = ta.do(method, url, nil, "", headers...)
			}
			steps++
			if got := r.Status; got != atoi(want) {
				t.Fatalf("step %d, %s %s: %d, the README says %s: %s", steps, method, url, got, want, r.Body)
			}
			if name != "" {
				v, _ := r.JSON[field].(string)
				if v == "" {
					t.Fatalf("step %d, %s %s: no %s in %s", steps, method, url, field, r.Body)
				}
				vars[name] = v
			}
			want = ""
		}
	}
	if steps < 15 {
		t.Fatalf("only %d steps ran", steps)
	}
	// The district works: the officers are certified and the agency numbers its documents.
	ta.run([]scenario{
		{Name: "the tree walks down", Method: "GET", URL: "/v1/jurisdictions?parent_id=" + vars["CITY"], Token: vars["ADMIN"], Status: 200, Contains: []string{vars["DISTRICT"], "市中区"}},
		{Name: "the officers are listed", Method: "GET", URL: "/v1/public/agencies/" + vars["AGENCY"] + "/officers", Status: 200, Contains: []string{"37040000000001", "37040000000002", `"valid_now":true`}},
		{Name: "the pattern was set at creation", Method: "GET", URL: "/v1/agencies/" + vars["AGENCY"], Token: vars["HEAD"], Status: 200, Contains: []string{"枣市中市监{kind}〔{year}〕{n}号", vars["DISTRICT"]}},
		{Name: "the supervisor sees the agency", Method: "GET", URL: "/v1/agencies", Token: ta.login("szq-supervisor", testPassword), Status: 200, Contains: []string{vars["AGENCY"]}},
	})
}

func atoi(s string) int {
	n := 0
	for _, c := range s {
		n = n*10 + int(c-'0')
	}
	return n
}

// commands splits a shell block into comments and commands, joining continued lines.
func commands(block string) []string {
	var out []string
	cur := ""
	for _, line := range strings.Split(block, "\n") {
		line = strings.TrimSpace(line)
		if cur == "" && (line == "" || strings.HasPrefix(line, "#")) {
			if line != "" {
				out = append(out, line)
			}
			continue
		}
		if strings.HasSuffix(line, "\\") {
			cur += strings.TrimSuffix(line, "\\") + " "
			continue
		}
		out = append(out, strings.TrimSpace(cur+line))
		cur = ""
	}
	return out
}

// shellWords splits a command as bash does for the README's commands: words separated by
// blanks, '…' literal, "…" and bare words with $NAME expanded.
func shellWords(s string, vars map[string]string) ([]string, error) {
	var words []string
	var w strings.Builder
	in := false
	expand := func(i int) (int, error) {
		j := i + 1
		for j < len(s) && (s[j] == '_' || s[j] >= 'A' && s[j] <= 'Z' || s[j] >= '0' && s[j] <= '9') {
			j++
		}
		v, ok := vars[s[i+1:j]]
		if !ok {
			return 0, domain.Errorf(domain.Invalid, "$%s is not set by an earlier block", s[i+1:j])
		}
		w.WriteString(v)
		return j, nil
	}
	for i := 0; i < len(s); {
		switch c := s[i]; {
		case c == ' ' || c == '\t':
			if in {
				words = append(words, w.String())
				w.Reset()
				in = false
			}
			i++
		case c == '\'':
			end := strings.IndexByte(s[i+1:], '\'')
			if end < 0 {
				return nil, domain.Errorf(domain.Invalid, "unterminated '")
			}
			w.WriteString(s[i+1 : i+1+end])
			i, in = i+end+2, true
		case c == '"':
			i++
			for i < len(s) && s[i] != '"' {
				if s[i] == '$' {
					j, err := expand(i)
					if err != nil {
						return nil, err
					}
					i = j
					continue
				}
				w.WriteByte(s[i])
				i++
			}
			i, in = i+1, true
		case c == '$':
			j, err := expand(i)
			if err != nil {
				return nil, err
			}
			i, in = j, true
		default:
			w.WriteByte(c)
			i, in = i+1, true
		}
	}
	if in {
		words = append(words, w.String())
	}
	return words, nil
}
