package store

import (
	"context"
	"sync"
	"time"
)

// changeTrack is what the process knows of its own change-log writes, on the embedded engine,
// where it is the only client. A change is logged before the write it announces; readers of
// the log (sync, the deriver) otherwise wait until a change is older than any write may take
// (the settle time) before they pass it. A change logged by a request is known settled when the
// request has answered without a server error: its write landed or definitely failed. The
// others (background work) settle when they age. SettledThrough is then the number below the
// oldest change still in flight, and readers need not wait for the others.
//
// It also tells the deriver which logs were written, so that it wakes when one was and reads
// only those.
type changeTrack struct {
	mu sync.Mutex
	// on says the logs written are noted (for the deriver); early that changes settle when
	// their request has answered (the embedded engine only).
	on, early bool
	settle    time.Duration
	inFlight  map[string]map[int64]struct{}
	high      map[string]int64
	changed   map[string]struct{}
	wake      chan struct{}
}

// TrackChanges turns the tracking on, with the settle time of changes logged outside a
// request. Changes settle early only on the embedded engine, where this process is the only
// writer; on MongoDB the logs written are noted, for the deriver.
func (s *Store) TrackChanges(settle time.Duration) {
	t := &s.track
	t.mu.Lock()
	defer t.mu.Unlock()
	t.on, t.early, t.settle = true, s.serialWrites && settle > 0, settle
	t.init()
}

func (t *changeTrack) init() {
	if t.wake == nil {
		t.inFlight, t.high, t.changed, t.wake = map[string]map[int64]struct{}{}, map[string]int64{}, map[string]struct{}{}, make(chan struct{}, 1)
	}
}

func (t *changeTrack) signal() {
	select {
	case t.wake <- struct{}{}:
	default:
	}
}

type changeScopeKey struct{}

// changeScope collects the changes a request logs, to be settled when it has answered.
type changeScope struct {
	mu      sync.Mutex
	changes []trackedChange
}

type trackedChange struct {
	log string
	seq int64
}

// WithChangeScope gives a request's context a scope; end settles what was logged under it:
// ok says the request answered without a server error, so its writes have landed or failed
// (otherwise they settle when they age).
func (s *Store) WithChangeScope(ctx context.Context) (scoped context.Context, end func(ok bool)) {
	sc := &changeScope{}
	return context.WithValue(ctx, changeScopeKey{}, sc), func(ok bool) {
		sc.mu.Lock()
		changes := sc.changes
		sc.changes = nil
		sc.mu.Unlock()
		for _, ch := range changes {
			if ok {
				s.settled(ch)
			} else {
				s.settleLater(ch)
			}
		}
	}
}

// logged notes a change allocated under ctx.
func (s *Store) logged(ctx context.Context, log string, seq int64) {
	t := &s.track
	t.mu.Lock()
	if !t.on {
		t.mu.Unlock()
		return
	}
	if !t.early {
		// The deriver is woken once the entry is written (changeWritten), not before.
		t.mu.Unlock()
		return
	}
	if t.inFlight[log] == nil {
		t.inFlight[log] = map[int64]struct{}{}
	}
	t.inFlight[log][seq] = struct{}{}
	t.high[log] = max(t.high[log], seq)
	t.mu.Unlock()
	ch := trackedChange{log: log, seq: seq}
	if sc, ok := ctx.Value(changeScopeKey{}).(*changeScope); ok {
		sc.mu.Lock()
		sc.changes = append(sc.changes, ch)
		sc.mu.Unlock()
		return
	}
	s.settleLater(ch)
}

// changeWritten notes, where changes do not settle early, that a change's entry was written
// (or failed), and wakes the deriver to read the log: woken when the number was allocated, it
// could read the log before the entry was there.
func (s *Store) changeWritten(log string) {
	t := &s.track
	t.mu.Lock()
	if !t.on || t.early {
		t.mu.Unlock()
		return
	}
	t.changed[log] = struct{}{}
	t.mu.Unlock()
	t.signal()
}

func (s *Store) settleLater(ch trackedChange) {
	time.AfterFunc(s.track.settle, func() { s.settled(ch) })
}

func (s *Store) settled(ch trackedChange) {
	t := &s.track
	t.mu.Lock()
	delete(t.inFlight[ch.log], ch.seq)
	if len(t.inFlight[ch.log]) == 0 {
		delete(t.inFlight, ch.log)
	}
	t.changed[ch.log] = struct{}{}
	t.mu.Unlock()
	t.signal()
}

// SettledThrough: see domain.Changes.
func (s *Store) SettledThrough(log string) int64 {
	t := &s.track
	t.mu.Lock()
	defer t.mu.Unlock()
	if !t.early {
		return 0
	}
	through := t.high[log]
	for seq := range t.inFlight[log] {
		through = min(through, seq-1)
	}
	return through
}

// InFlightFrom: see domain.Changes. Only where changes settle early (the embedded engine) does
// the process know every write in flight.
func (s *Store) InFlightFrom(log string) int64 {
	t := &s.track
	t.mu.Lock()
	defer t.mu.Unlock()
	if !t.early {
		return 0
	}
	var from int64
	for seq := range t.inFlight[log] {
		if from == 0 || seq < from {
			from = seq
		}
	}
	return from
}

// ChangedLogs: see domain.Changes.
func (s *Store) ChangedLogs() []string {
	t := &s.track
	t.mu.Lock()
	defer t.mu.Unlock()
	out := make([]string, 0, len(t.changed))
	for log := range t.changed {
		out = append(out, log)
	}
	clear(t.changed)
	return out
}

// ChangeWake: see domain.Changes; nil (never signalled) when nothing is tracked.
func (s *Store) ChangeWake() <-chan struct{} {
	t := &s.track
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.wake
}

// SoleWriter says whether this process is the engine's only client (the embedded engine), so
// that what it did not write itself was not written.
func (s *Store) SoleWriter() bool { return s.serialWrites }
