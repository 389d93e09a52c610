package group

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/dagsorden/dagsorden/agenda"
	"github.com/dagsorden/dagsorden/store"
)

type vv = map[string]uint64

func TestCompare(t *testing.T) {
	for _, tc := range []struct {
		a, b vv
		want Order
	}{
		{vv{}, vv{}, Equal},
		{nil, vv{"a": 0}, Equal},
		{vv{"a": 1}, vv{"a": 1}, Equal},
		{vv{"a": 2}, vv{"a": 1}, After},
		{vv{"a": 1}, vv{"a": 2}, Before},
		{vv{"a": 1, "b": 1}, vv{"a": 1}, After},
		{vv{"a": 1}, vv{"a": 1, "b": 1}, Before},
		{vv{"a": 2}, vv{"a": 1, "b": 1}, Concurrent},
		{vv{"a": 1, "b": 2}, vv{"a": 2, "b": 1}, Concurrent},
		{vv{"b": 1}, vv{"a": 1}, Concurrent},
	} {
		if got := Compare(tc.a, tc.b); got != tc.want {
			t.Errorf("Compare(%v, %v) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
	}
}

func ver(text string, v vv, clock uint64, editor string) store.GroupVersion {
	return store.GroupVersion{Note: agenda.Note{ID: "n1", Text: text}, Vector: v, Clock: clock, Editor: editor, Envelope: text}
}

func texts(hs []store.GroupVersion) []string {
	var out []string
	for _, h := range hs {
		out = append(out, h.Note.Text)
	}
	return out
}

func TestMerge(t *testing.T) {
	v1 := ver("v1", vv{"a": 1}, 10, "a")
	v2a := ver("v2a", vv{"a": 2}, 20, "a")
	v2b := ver("v2b", vv{"a": 1, "b": 1}, 21, "b")
	v3 := ver("v3", vv{"a": 2, "b": 1}, 30, "a")

	heads, changed := Merge(nil, v1)
	if !changed || fmt.Sprint(texts(heads)) != "[v1]" {
		t.Fatalf("first version: %v %v", texts(heads), changed)
	}
	if _, changed := Merge(heads, v1); changed {
		t.Error("merging a version twice changed the heads")
	}
	heads, _ = Merge(heads, v2a)
	if fmt.Sprint(texts(heads)) != "[v2a]" {
		t.Errorf("a newer version did not replace the old: %v", texts(heads))
	}
	if h, changed := Merge(heads, v1); changed || fmt.Sprint(texts(h)) != "[v2a]" {
		t.Error("an old version arriving late came back")
	}
	heads, _ = Merge(heads, v2b)
	if fmt.Sprint(texts(heads)) != "[v2b v2a]" {
		t.Errorf("concurrent versions: %v, want both, newest clock first", texts(heads))
	}
	heads, _ = Merge(heads, v3)
	if fmt.Sprint(texts(heads)) != "[v3]" {
		t.Errorf("a version that saw both: %v", texts(heads))
	}
	// Same vector, different content (a restored backup edited again): both kept.
	x := ver("x", vv{"c": 1}, 5, "c")
	y := ver("y", vv{"c": 1}, 6, "c")
	heads, _ = Merge([]store.GroupVersion{x}, y)
	if len(heads) != 2 {
		t.Errorf("equal vectors with different text: %v", texts(heads))
	}
	// A deletion concurrent with an edit keeps the edit.
	del := ver("del", vv{"a": 2}, 40, "a")
	del.Note.Deleted = true
	edit := ver("edit", vv{"a": 1, "b": 1}, 39, "b")
	heads, _ = Merge([]store.GroupVersion{v1}, del)
	heads, _ = Merge(heads, edit)
	if len(heads) != 2 {
		t.Errorf("deletion vs edit: %v", texts(heads))
	}
}

// TestMergeConverges plays random edit histories of three members and delivers every
// version to three replicas in different random orders, with duplicates: every replica
// ends with the same heads, and they are exactly the versions no other version saw.
func TestMergeConverges(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	members := []string{"a", "b", "c"}
	for round := range 200 {
		// Each member keeps the vector of the version it last saw and edits on top.
		seen := map[string]vv{}
		var all []store.GroupVersion
		clock := uint64(0)
		for i := range 2 + rng.IntN(10) {
			m := members[rng.IntN(len(members))]
			if len(all) > 0 && rng.IntN(3) == 0 { // m syncs: sees some earlier version
				seen[m] = Join(seen[m], all[rng.IntN(len(all))].Vector)
			}
			next := NextVector(seen[m], nil, m)
			clock++
			v := ver(fmt.Sprintf("r%d-%d-%s", round, i, m), next, clock, m)
			seen[m] = next
			all = append(all, v)
		}
		var want []string
		for _, v := range all {
			superseded := false
			for _, w := range all {
				if Compare(w.Vector, v.Vector) == After {
					superseded = true
				}
			}
			if !superseded {
				want = append(want, v.Note.Text)
			}
		}
		slices.Sort(want)
		var first []string
		for replica := range 3 {
			order := slices.Clone(all)
			order = append(order, all[rng.IntN(len(all))]) // a duplicate delivery
			rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
			var heads []store.GroupVersion
			for _, v := range order {
				heads, _ = Merge(heads, v)
			}
			got := texts(heads)
			if replica == 0 {
				first = got
			} else if fmt.Sprint(got) != fmt.Sprint(first) {
				t.Fatalf("round %d: replicas disagree: %v vs %v", round, got, first)
			}
			sorted := slices.Sorted(slices.Values(got))
			if fmt.Sprint(sorted) != fmt.Sprint(want) {
				t.Fatalf("round %d: heads %v, want the unsuperseded %v", round, sorted, want)
			}
		}
	}
}

func TestNextVectorNeverRepeatsAMembersCounter(t *testing.T) {
	heads := []store.GroupVersion{ver("x", vv{"a": 5, "b": 1}, 1, "a")}
	got := NextVector(vv{"a": 2}, heads, "a")
	if got["a"] != 6 || Compare(got, vv{"a": 2}) != After {
		t.Errorf("NextVector = %v", got)
	}
	base := vv{"b": 1}
	NextVector(base, nil, "a")
	if len(base) != 1 {
		t.Error("NextVector changed its base")
	}
}

func TestHybridLogicalClock(t *testing.T) {
	now := time.Date(2025, 3, 4, 12, 0, 0, 0, time.UTC)
	c1 := Tick(0, now)
	if !ClockTime(c1).Equal(now) {
		t.Errorf("clock time %v, want %v", ClockTime(c1), now)
	}
	c2 := Tick(c1, now) // same millisecond: the counter moves on
	if c2 <= c1 {
		t.Error("two events in one millisecond did not get increasing readings")
	}
	// The wall clock stepped back an hour: readings still increase.
	if c3 := Tick(c2, now.Add(-time.Hour)); c3 <= c2 {
		t.Error("the clock ran backwards with the wall clock")
	}
	// A remote reading a minute ahead is observed; a local event after it is later.
	remote := Tick(0, now.Add(time.Minute))
	c4 := Observe(c2, remote, now)
	if c5 := Tick(c4, now); c5 <= remote {
		t.Error("an event after observing a remote version is not later than it")
	}
	// A remote reading a year ahead is ignored.
	if Observe(c2, Tick(0, now.AddDate(1, 0, 0)), now) != c2 {
		t.Error("a clock a year ahead dragged ours along")
	}
}
