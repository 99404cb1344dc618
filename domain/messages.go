package domain

import (
	"fmt"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
)

// Lang is a language people read the server's messages in: Chinese unless they ask otherwise.
type Lang string

const (
	Chinese Lang = "zh-CN"
	English Lang = "en"
)

// LangOf picks the language of an Accept-Language header: English when the reader prefers
// English to Chinese, Chinese otherwise (and by default).
func LangOf(acceptLanguage string) Lang {
	type tag struct {
		name string
		q    float64
		at   int
	}
	var tags []tag
	for i, part := range strings.Split(acceptLanguage, ",") {
		name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		q := 1.0
		if v, ok := strings.CutPrefix(strings.TrimSpace(params), "q="); ok {
			if f, err := strconv.ParseFloat(v, 64); err == nil {
				q = f
			}
		}
		if name != "" && q > 0 {
			tags = append(tags, tag{strings.ToLower(name), q, i})
		}
	}
	sort.SliceStable(tags, func(i, j int) bool { return tags[i].q > tags[j].q })
	for _, t := range tags {
		switch {
		case t.name == "zh" || strings.HasPrefix(t.name, "zh-"):
			return Chinese
		case t.name == "en" || strings.HasPrefix(t.name, "en-"):
			return English
		}
	}
	return Chinese
}

// Localized is the error's message and field messages in lang. A Chinese text is looked up for
// the English format (or the whole message), with each string argument translated when the
// catalog has it; what the catalog lacks stays in English.
func (e *Error) Localized(lang Lang) (string, map[string]string) {
	if lang != Chinese {
		return e.Message, e.Fields
	}
	msg := e.Message
	if e.format != "" {
		msg = Translatef(e.format, e.args...)
	} else {
		msg = Translate(e.Message)
	}
	if len(e.Fields) == 0 {
		return msg, e.Fields
	}
	fields := make(map[string]string, len(e.Fields))
	for k, v := range e.Fields {
		fields[k] = Translate(v)
	}
	return msg, fields
}

// Translate is the Chinese of an English message, or the message when the catalog lacks it. A
// message already formatted (a field message made of an error's words) is matched against the
// catalog's formats and said again with the same values.
func Translate(s string) string {
	if zh, ok := zhMessages[s]; ok {
		return zh
	}
	for _, f := range formatted() {
		if m := f.re.FindStringSubmatch(s); m != nil {
			i := 0
			return verb.ReplaceAllStringFunc(f.zh, func(string) string {
				i++
				if i < len(m) {
					return translateValue(m[i])
				}
				return ""
			})
		}
	}
	return s
}

var verb = regexp.MustCompile(`%[-+# 0-9.]*[a-zA-Z]`)

type formattedMessage struct {
	re *regexp.Regexp
	zh string
}

var (
	formattedOnce sync.Once
	formattedList []formattedMessage
)

// formatted are the catalog's formats as patterns, the longest first (the most specific).
func formatted() []formattedMessage {
	formattedOnce.Do(func() {
		keys := make([]string, 0, len(zhMessages))
		for k := range zhMessages {
			if verb.MatchString(k) && len(verb.ReplaceAllString(k, "")) >= 4 {
				keys = append(keys, k)
			}
		}
		sort.Slice(keys, func(i, j int) bool {
			return len(keys[i]) > len(keys[j]) || len(keys[i]) == len(keys[j]) && keys[i] < keys[j]
		})
		for _, k := range keys {
			parts := verb.Split(k, -1)
			for i := range parts {
				parts[i] = regexp.QuoteMeta(parts[i])
			}
			formattedList = append(formattedList, formattedMessage{re: regexp.MustCompile("^" + strings.Join(parts, "(.+?)") + "$"), zh: zhMessages[k]})
		}
	})
	return formattedList
}

// Translatef formats the Chinese of an English format with args, each string argument (or
// domain error) translated in turn.
func Translatef(format string, args ...any) string {
	zh, ok := zhMessages[format]
	if !ok {
		return fmt.Sprintf(format, args...)
	}
	out := make([]any, len(args))
	for i, a := range args {
		switch v := a.(type) {
		case *Error:
			out[i], _ = v.Localized(Chinese)
		case string:
			out[i] = translateValue(v)
		case fmt.Stringer:
			out[i] = translateValue(v.String())
		default:
			if s, ok := stringKind(a); ok {
				out[i] = translateValue(s)
			} else {
				out[i] = a
			}
		}
	}
	return fmt.Sprintf(zh, out...)
}

// stringKind is the string under a named string type (a status, a role, an action).
func stringKind(a any) (string, bool) {
	v := reflect.ValueOf(a)
	if v.Kind() != reflect.String {
		return "", false
	}
	return v.String(), true
}

func translateValue(s string) string {
	if zh, ok := zhValues[s]; ok {
		return zh
	}
	return Translate(s)
}
