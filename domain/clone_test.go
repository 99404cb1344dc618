package domain

import (
	"reflect"
	"testing"
	"time"
)

// fill sets every field reachable from v to a value that is not its zero, allocating each
// pointer, slice and map: a field added to Case later is filled too.
func fill(v reflect.Value, n *int) {
	*n++
	switch v.Kind() {
	case reflect.String:
		v.SetString("s" + string(rune('a'+*n%26)))
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int, reflect.Int64:
		v.SetInt(int64(*n))
	case reflect.Pointer:
		v.Set(reflect.New(v.Type().Elem()))
		fill(v.Elem(), n)
	case reflect.Slice:
		v.Set(reflect.MakeSlice(v.Type(), 2, 2))
		for i := range 2 {
			fill(v.Index(i), n)
		}
	case reflect.Map:
		v.Set(reflect.MakeMap(v.Type()))
		k, e := reflect.New(v.Type().Key()).Elem(), reflect.New(v.Type().Elem()).Elem()
		fill(k, n)
		fill(e, n)
		v.SetMapIndex(k, e)
	case reflect.Struct:
		if v.Type() == reflect.TypeFor[time.Time]() {
			v.Set(reflect.ValueOf(time.Date(2026, 12, 1, 0, 0, *n, 0, time.UTC)))
			return
		}
		for i := range v.NumField() {
			fill(v.Field(i), n)
		}
	}
}

// shared names the first pointer, slice or map that a and b hold in common.
func shared(a, b reflect.Value, path string) string {
	switch a.Kind() {
	case reflect.Pointer:
		if a.IsNil() {
			return ""
		}
		if a.Pointer() == b.Pointer() {
			return path
		}
		return shared(a.Elem(), b.Elem(), path)
	case reflect.Slice:
		if a.Len() > 0 && a.Pointer() == b.Pointer() {
			return path
		}
		for i := range min(a.Len(), b.Len()) {
			if p := shared(a.Index(i), b.Index(i), path+"[]"); p != "" {
				return p
			}
		}
	case reflect.Map:
		if a.Len() > 0 && a.Pointer() == b.Pointer() {
			return path
		}
	case reflect.Struct:
		for i := range a.NumField() {
			if p := shared(a.Field(i), b.Field(i), path+"."+a.Type().Field(i).Name); p != "" {
				return p
			}
		}
	}
	return ""
}

func TestACaseCloneSharesNothingAndLosesNothing(t *testing.T) {
	var c Case
	n := 0
	fill(reflect.ValueOf(&c).Elem(), &n)
	cl := c.Clone()
	if !reflect.DeepEqual(&c, cl) {
		t.Fatalf("the clone differs:\n%+v\n%+v", c, *cl)
	}
	if p := shared(reflect.ValueOf(&c).Elem(), reflect.ValueOf(cl).Elem(), "Case"); p != "" {
		t.Fatalf("the clone shares %s with the case", p)
	}
	lean := c.CloneWithoutKeys()
	if lean.Keys != nil {
		t.Fatalf("CloneWithoutKeys kept %d keys", len(lean.Keys))
	}
	lean.Keys = c.Keys
	if !reflect.DeepEqual(&c, lean) {
		t.Fatalf("CloneWithoutKeys lost more than the keys:\n%+v\n%+v", c, *lean)
	}
	if p := shared(reflect.ValueOf(&c).Elem(), reflect.ValueOf(c.CloneWithoutKeys()).Elem(), "Case"); p != "" {
		t.Fatalf("CloneWithoutKeys shares %s with the case", p)
	}
}
