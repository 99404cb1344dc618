package domain

import (
	"fmt"
	"reflect"
	"sort"
	"strconv"
	"strings"
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
	} else if zh, ok := zhMessages[e.Message]; ok {
		msg = zh
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

// Translate is the Chinese of an English message, or the message when the catalog lacks it.
func Translate(s string) string {
	if zh, ok := zhMessages[s]; ok {
		return zh
	}
	return s
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
