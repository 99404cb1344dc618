package handlers

import (
	"bytes"
	"encoding/json"
	"sync"
	"time"

	"github.com/zhifa/zhifa/domain"
)

// caseBodies holds the JSON of the cases last listed, so that a list page writes the bytes of
// the cases it already wrote instead of encoding them again. A case's JSON follows from its
// version (every commit raises it) and from whether it is overdue at the time of the request,
// so an entry is used only for the same version and the same overdue; this holds on every
// instance, whoever wrote the case.
type caseBodies struct {
	mu sync.Mutex
	m  map[string]caseBody
}

type caseBody struct {
	version int64
	overdue bool
	raw     []byte
}

// maxCaseBodies bounds the cache (a few kilobytes each): when it is full it starts again empty.
const maxCaseBodies = 10000

// of is the JSON of the case as toCaseJSON writes it at now.
func (b *caseBodies) of(cs *domain.Case, now time.Time) ([]byte, error) {
	overdue := cs.Overdue(now)
	b.mu.Lock()
	e, ok := b.m[cs.ID]
	b.mu.Unlock()
	if ok && e.version == cs.Version && e.overdue == overdue {
		return e.raw, nil
	}
	raw, err := json.Marshal(toCaseJSON(cs, now))
	if err != nil {
		return nil, err
	}
	b.mu.Lock()
	if b.m == nil || len(b.m) >= maxCaseBodies {
		b.m = map[string]caseBody{}
	}
	b.m[cs.ID] = caseBody{version: cs.Version, overdue: overdue, raw: raw}
	b.mu.Unlock()
	return raw, nil
}

// list writes a list page of cases, as listOf with toCaseJSON would.
func (b *caseBodies) list(cases []*domain.Case, next string, now time.Time) ([]byte, error) {
	var out bytes.Buffer
	out.WriteString(`{"items":[`)
	for i, cs := range cases {
		raw, err := b.of(cs, now)
		if err != nil {
			return nil, err
		}
		if i > 0 {
			out.WriteByte(',')
		}
		out.Write(raw)
	}
	out.WriteByte(']')
	if next != "" {
		cursor, _ := json.Marshal(next)
		out.WriteString(`,"next_cursor":`)
		out.Write(cursor)
	}
	out.WriteByte('}')
	return out.Bytes(), nil
}
