package handlers

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"

	"github.com/zhifa/zhifa/domain"
)

// Default bounds of a request field without a limit tag: every string, list and number a
// client sends is bounded, so no request can grow a document without limit.
const (
	DefaultMaxRunes  = 200
	DefaultMaxItems  = 20
	DefaultMaxNumber = 1e12
)

// A request field's `limit` tag bounds it: "N" is the most characters of a string, items of a
// list or map, or the largest magnitude of a number; "N,M" bounds a list or map to N items of
// at most M characters (or magnitude M) each.
type limit struct{ n, each float64 }

func limitOf(tag string, t reflect.Type) limit {
	l := limit{n: DefaultMaxRunes, each: DefaultMaxRunes}
	switch t.Kind() {
	case reflect.Slice, reflect.Map:
		l.n = DefaultMaxItems
		if k := t.Elem().Kind(); k != reflect.String {
			l.each = DefaultMaxNumber
		}
	case reflect.Int, reflect.Int64, reflect.Float64:
		l.n = DefaultMaxNumber
	}
	if tag == "" {
		return l
	}
	parts := strings.Split(tag, ",")
	l.n, _ = strconv.ParseFloat(parts[0], 64)
	if len(parts) == 2 {
		l.each, _ = strconv.ParseFloat(parts[1], 64)
	}
	return l
}

// field is one JSON field of a request type.
type field struct {
	index int
	limit limit
}

var fieldCache sync.Map // reflect.Type -> map[string]field

func fieldsOf(t reflect.Type) map[string]field {
	if m, ok := fieldCache.Load(t); ok {
		return m.(map[string]field)
	}
	m := map[string]field{}
	for i := range t.NumField() {
		sf := t.Field(i)
		name := strings.Split(sf.Tag.Get("json"), ",")[0]
		if name == "" || name == "-" || !sf.IsExported() {
			continue
		}
		m[name] = field{index: i, limit: limitOf(sf.Tag.Get("limit"), sf.Type)}
	}
	fieldCache.Store(t, m)
	return m
}

var unmarshalerType = reflect.TypeFor[json.Unmarshaler]()

// Decode reads a JSON body strictly into v: the content type must be JSON; the body must be
// valid UTF-8 without NUL characters; field names must match exactly (not ignoring case);
// unknown fields, trailing data and values beyond a field's limit are refused. Every failure
// is an Invalid error naming each bad field at once.
func Decode(c *fiber.Ctx, v any) error {
	ct := strings.ToLower(strings.TrimSpace(strings.SplitN(c.Get(fiber.HeaderContentType), ";", 2)[0]))
	if ct != fiber.MIMEApplicationJSON {
		return domain.Errorf(domain.Invalid, "the body must be application/json")
	}
	return DecodeJSON(c.Body(), v)
}

// DecodeJSON is Decode for a body already read.
func DecodeJSON(body []byte, v any) error {
	if !utf8.Valid(body) {
		return domain.Errorf(domain.Invalid, "the body is not valid UTF-8")
	}
	var raw any
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(&raw); err != nil {
		return decodeError(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return domain.Errorf(domain.Invalid, "the body has data after the JSON value")
	}
	f := domain.FieldErrors{}
	check(raw, reflect.TypeOf(v), "", limit{}, f)
	if err := f.Err(); err != nil {
		return err
	}
	if err := json.Unmarshal(body, v); err != nil {
		return decodeError(err)
	}
	return nil
}

// check walks a decoded JSON value against the Go type it will be decoded into.
func check(raw any, t reflect.Type, path string, l limit, f domain.FieldErrors) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	name := path
	if name == "" {
		name = "body"
	}
	if raw == nil || reflect.PointerTo(t).Implements(unmarshalerType) {
		if s, ok := raw.(string); ok {
			checkString(s, name, l.n, f)
		}
		return
	}
	switch t.Kind() {
	case reflect.Struct:
		obj, ok := raw.(map[string]any)
		if !ok {
			return // the decoder names the type error
		}
		fields := fieldsOf(t)
		for k, val := range obj {
			fd, ok := fields[k]
			if !ok {
				f.Add(join(path, k), unknownField(k, fields))
				continue
			}
			check(val, t.Field(fd.index).Type, join(path, k), fd.limit, f)
		}
	case reflect.Slice, reflect.Map:
		var items []any
		switch x := raw.(type) {
		case []any:
			items = x
		case map[string]any:
			for k, val := range x {
				checkString(k, join(path, k), DefaultMaxRunes, f)
				items = append(items, val)
			}
		default:
			return
		}
		if float64(len(items)) > l.n {
			f.Add(name, fmt.Sprintf("at most %d items", int(l.n)))
			return
		}
		for _, it := range items {
			check(it, t.Elem(), path, limit{n: l.each, each: l.each}, f)
		}
	case reflect.String:
		if s, ok := raw.(string); ok {
			checkString(s, name, l.n, f)
		}
	case reflect.Int, reflect.Int64, reflect.Float64:
		if n, ok := raw.(json.Number); ok {
			if x, err := n.Float64(); err == nil && math.Abs(x) > l.n {
				f.Add(name, fmt.Sprintf("at most %.0f in magnitude", l.n))
			}
		}
	}
}

func checkString(s, name string, max float64, f domain.FieldErrors) {
	switch {
	case strings.ContainsRune(s, 0):
		f.Add(name, "must not contain NUL characters")
	case strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 && r != '\n' && r != '\r' && r != '\t' || r == 0x7f }):
		f.Add(name, "must not contain control characters")
	case strings.ContainsRune(s, utf8.RuneError):
		// What a lone UTF-16 surrogate (\ud800) or an unknown character decodes to.
		f.Add(name, "must be valid Unicode text")
	case float64(utf8.RuneCountInString(s)) > max:
		f.Add(name, fmt.Sprintf("at most %d characters", int(max)))
	}
}

func join(path, k string) string {
	if path == "" {
		return k
	}
	return path + "." + k
}

func unknownField(k string, fields map[string]field) string {
	for name := range fields {
		if strings.EqualFold(name, k) {
			return fmt.Sprintf("unknown field; field names are case-sensitive: did you mean %s?", name)
		}
	}
	return "unknown or not allowed here"
}
