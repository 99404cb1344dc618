package store

import (
	"slices"
	"testing"

	"github.com/zhifa/zhifa/domain"
)

// TestAnIndexsGroupsFollowItsEntries: an entry is in the group its key names after every put,
// in none once deleted or keyed "", and a rebuild (replace) groups what it holds afresh while
// keeping a write newer than the build.
func TestAnIndexsGroupsFollowItsEntries(t *testing.T) {
	x := newListIndex("notifications", notificationEntryFields, notificationEntryOf).
		groupedBy("user", func(e *notificationEntry) string { return e.User }).
		groupedBy("push", func(e *notificationEntry) string {
			if e.Status == domain.PushPending {
				return "pending"
			}
			return ""
		})
	ids := func(name, key string) []string {
		var out []string
		for _, e := range x.inGroup(name, key, func(*notificationEntry) bool { return true }) {
			out = append(out, e.ID)
		}
		slices.Sort(out)
		return out
	}
	want := func(name, key string, w ...string) {
		t.Helper()
		if got := ids(name, key); !slices.Equal(got, w) {
			t.Fatalf("group %s/%s holds %v, want %v", name, key, got, w)
		}
	}
	x.put(notificationEntry{ID: "n1", User: "u1", Status: domain.PushPending, Version: 1})
	x.put(notificationEntry{ID: "n2", User: "u1", Status: domain.PushPending, Version: 1})
	x.put(notificationEntry{ID: "n3", User: "u2", Status: domain.PushNone, Version: 1})
	want("user", "u1", "n1", "n2")
	want("user", "u2", "n3")
	want("push", "pending", "n1", "n2")
	// Sent: out of the pending group, still in its user's.
	x.put(notificationEntry{ID: "n1", User: "u1", Status: domain.PushSent, Version: 2})
	want("push", "pending", "n2")
	want("user", "u1", "n1", "n2")
	// An older version does not move it back.
	x.put(notificationEntry{ID: "n1", User: "u1", Status: domain.PushPending, Version: 1})
	want("push", "pending", "n2")
	x.removed(nil, "n2")
	want("user", "u1", "n1")
	want("push", "pending")
	// A rebuild read before n4 was written: n4 stays, grouped.
	x.put(notificationEntry{ID: "n4", User: "u2", Status: domain.PushPending, Version: 1})
	x.replace([]notificationEntry{{ID: "n1", User: "u1", Status: domain.PushSent, Version: 2}, {ID: "n5", User: "u3", Status: domain.PushPending, Version: 1}})
	want("user", "u1", "n1")
	want("user", "u2", "n3", "n4")
	want("user", "u3", "n5")
	want("push", "pending", "n4", "n5")
}
