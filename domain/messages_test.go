package domain

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// onlyVerbs are formats that only pass another message on.
var onlyVerbs = regexp.MustCompile(`^(%[sdvq]|: )*$`)

// messagesOfTheCode walks the module's sources and collects every message an error can carry:
// the formats of Errorf, forbidden and fiber.NewError, the nouns of notFound, the Message of an
// Error literal, and field messages (Fields literals and FieldErrors.Add).
func messagesOfTheCode(t *testing.T) map[string]string {
	t.Helper()
	found := map[string]string{}
	fset := token.NewFileSet()
	lit := func(e ast.Expr) (string, bool) {
		b, ok := e.(*ast.BasicLit)
		if !ok || b.Kind != token.STRING {
			return "", false
		}
		s, err := strconv.Unquote(b.Value)
		return s, err == nil
	}
	add := func(e ast.Expr) {
		if s, ok := lit(e); ok && !onlyVerbs.MatchString(s) {
			found[s] = fset.Position(e.Pos()).String()
		}
	}
	// A field message built at run time ("unknown role " + r, fmt.Sprintf("at most %d items",
	// n)) is translated by its format: what is not a literal stands as %s.
	var format func(e ast.Expr) (string, bool)
	format = func(e ast.Expr) (string, bool) {
		switch e := e.(type) {
		case *ast.BasicLit:
			return lit(e)
		case *ast.BinaryExpr:
			if e.Op != token.ADD {
				return "", false
			}
			x, xok := format(e.X)
			y, yok := format(e.Y)
			if !xok {
				x = "%s"
			}
			if !yok {
				y = "%s"
			}
			return x + y, xok || yok
		case *ast.CallExpr:
			if sel, ok := e.Fun.(*ast.SelectorExpr); ok && sel.Sel.Name == "Sprintf" && len(e.Args) > 0 {
				return lit(e.Args[0])
			}
		}
		return "", false
	}
	addField := func(e ast.Expr) {
		if s, ok := format(e); ok && !onlyVerbs.MatchString(s) {
			found[s] = fset.Position(e.Pos()).String()
		}
	}
	err := filepath.WalkDir("..", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "node_modules" || d.Name() == "web" || strings.HasPrefix(d.Name(), ".")) && path != ".." {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") || strings.HasPrefix(path, "../cmd/zhifa-") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			return err
		}
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.CallExpr:
				name := ""
				switch fn := n.Fun.(type) {
				case *ast.Ident:
					name = fn.Name
				case *ast.SelectorExpr:
					name = fn.Sel.Name
				}
				switch {
				case name == "Errorf" && len(n.Args) >= 2:
					if _, isFmt := n.Fun.(*ast.SelectorExpr); isFmt && n.Fun.(*ast.SelectorExpr).X.(*ast.Ident).Name == "fmt" {
						return true
					}
					add(n.Args[1])
				case (name == "forbidden" || name == "notFound") && len(n.Args) >= 1:
					add(n.Args[0])
				case name == "NewError" && len(n.Args) == 2:
					add(n.Args[1])
				case name == "Add" && len(n.Args) == 2:
					if _, isLit := lit(n.Args[0]); isLit || isIdent(n.Args[0]) {
						addField(n.Args[1])
					}
				}
			case *ast.KeyValueExpr:
				if k, ok := n.Key.(*ast.Ident); ok {
					switch k.Name {
					case "Message":
						add(n.Value)
					case "Fields":
						if m, ok := n.Value.(*ast.CompositeLit); ok {
							for _, el := range m.Elts {
								if kv, ok := el.(*ast.KeyValueExpr); ok {
									addField(kv.Value)
								}
							}
						}
					}
				}
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return found
}

// TestEveryMessageHasChinese walks every error the code can raise and finds a Chinese text for
// it, with the same verbs in the same order, so that an officer's app, an enterprise or a
// citizen reads Chinese.
func TestEveryMessageHasChinese(t *testing.T) {
	verbs := regexp.MustCompile(`%[-+# 0-9.]*[a-zA-Z%]`)
	var missing []string
	for msg, at := range messagesOfTheCode(t) {
		zh, ok := zhMessages[msg]
		if !ok {
			missing = append(missing, strconv.Quote(msg)+" // "+at)
			continue
		}
		if a, b := verbs.FindAllString(msg, -1), verbs.FindAllString(zh, -1); strings.Join(a, "") != strings.Join(b, "") {
			t.Errorf("%q and %q differ in their verbs", msg, zh)
		}
		if !hasHan(zh) {
			t.Errorf("the Chinese of %q has no Chinese: %q", msg, zh)
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("%d messages have no Chinese:\n%s", len(missing), strings.Join(missing, "\n"))
	}
}

func isIdent(e ast.Expr) bool { _, ok := e.(*ast.Ident); return ok }

func hasHan(s string) bool {
	for _, r := range s {
		if r >= 0x4e00 && r <= 0x9fff {
			return true
		}
	}
	return false
}

func TestMessagesFollowTheReader(t *testing.T) {
	e := Errorf(Forbidden, "the agency is %s and takes no enforcement action", AgencySuspended)
	if msg, _ := e.Localized(English); msg != "the agency is suspended and takes no enforcement action" {
		t.Fatalf("English: %q", msg)
	}
	if msg, _ := e.Localized(Chinese); !hasHan(msg) || strings.Contains(msg, "suspended") {
		t.Fatalf("Chinese: %q", msg)
	}
	if got := Translate(Errorf(Invalid, "the check character should be %c", '9').Message); !hasHan(got) || !strings.Contains(got, "9") {
		t.Fatalf("a field message made of an error's words: %q", got)
	}
	f := FieldErrors{}
	f.Add("name", "required, at most 128 characters")
	if _, fields := f.Err().(*Error).Localized(Chinese); !hasHan(fields["name"]) {
		t.Fatalf("a field message in Chinese: %v", fields)
	}
	for header, want := range map[string]Lang{"": Chinese, "en": English, "en-US,en;q=0.9": English, "zh-CN,zh;q=0.9,en;q=0.8": Chinese,
		"en;q=0.5,zh;q=0.9": Chinese, "fr": Chinese, "de,en;q=0.7": English} {
		if got := LangOf(header); got != want {
			t.Errorf("LangOf(%q) = %s, want %s", header, got, want)
		}
	}
}
