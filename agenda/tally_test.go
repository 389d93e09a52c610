package agenda

import (
	"testing"
	"time"
)

func TestTally(t *testing.T) {
	t0 := time.Date(2025, 3, 3, 20, 0, 0, 0, Copenhagen)
	on := func(item string, rec int, author string, s Stance, minutes int) Note {
		n := Note{ID: author + item, Author: author, Stance: s, Visibility: Group,
			Anchor:  Anchor{ItemID: item},
			Updated: t0.Add(time.Duration(minutes) * time.Minute)}
		if rec >= 0 {
			n.Anchor.Recommendation = &rec
		}
		return n
	}
	members := []string{"Anne", "Bo", "Carl", "Dorte", "Eva", "Finn", "Gitte"}
	notes := []Note{
		on("i1", 0, "Anne", StanceFor, 1),
		on("i1", 0, "Bo", StanceFor, 2),
		on("i1", 0, "Carl", StanceFor, 3),
		on("i1", 0, "Dorte", StanceAgainst, 4),
		on("i1", 0, "Eva", StanceAbstain, 5),
		on("i1", 0, "Finn", StanceNone, 6), // a note without a stance
		on("i1", 1, "Carl", StanceAgainst, 7),
		on("i1", 0, "Ulla", StanceAgainst, 8), // not (or no longer) a member
		// Other items of the meeting, on the same recommendation indexes: never counted
		// under i1 (the bug the formøde view had).
		on("i2", 0, "Gitte", StanceAgainst, 9),
		on("i2", 0, "Anne", StanceAgainst, 9),
		on("i2", 1, "Finn", StanceFor, 9),
		on("i3", -1, "Bo", StanceAbstain, 9),
	}
	tl := Tally(notes, members)
	for _, c := range []struct {
		item string
		rec  int
		want string
	}{
		{"i1", 0, "3 for · 1 imod · 1 undlader · 2 uden holdning"},
		{"i1", 1, "0 for · 1 imod · 0 undlader · 6 uden holdning"},
		{"i1", -1, "0 for · 0 imod · 0 undlader · 7 uden holdning"},
		{"i2", 0, "0 for · 2 imod · 0 undlader · 5 uden holdning"},
		{"i2", 1, "1 for · 0 imod · 0 undlader · 6 uden holdning"},
		{"i2", 2, "0 for · 0 imod · 0 undlader · 7 uden holdning"},
		{"i3", -1, "0 for · 0 imod · 1 undlader · 6 uden holdning"},
		{"i3", 0, "0 for · 0 imod · 0 undlader · 7 uden holdning"},
	} {
		if got := tl.At(c.item, c.rec).String(); got != c.want {
			t.Errorf("%s rec %d: %q, want %q", c.item, c.rec, got, c.want)
		}
	}
	// The latest stance of a person counts, a deleted note does not.
	changed := append(notes, on("i1", 0, "Anne", StanceAgainst, 10))
	del := on("i1", 0, "Bo", StanceAgainst, 11)
	del.Deleted = true
	changed = append(changed, del)
	if got := Tally(changed, members).At("i1", 0).String(); got != "2 for · 2 imod · 1 undlader · 2 uden holdning" {
		t.Errorf("after a change of mind: %q", got)
	}
	// A newer stance on another item changes nothing here.
	if got := Tally(append(notes, on("i2", 0, "Carl", StanceAgainst, 20)), members).At("i1", 0).For; got != 3 {
		t.Errorf("a stance on i2 moved i1's tally: %d for", got)
	}
	// Questions show only when someone has one.
	q := append(notes, on("i1", 0, "Gitte", StanceQuestion, 12))
	if got := Tally(q, members).At("i1", 0).String(); got != "3 for · 1 imod · 1 undlader · 1 spørgsmål · 1 uden holdning" {
		t.Errorf("with a question: %q", got)
	}
	// Without members, everyone with a stance on the spot counts.
	if got := Tally(notes, nil).At("i1", 0); got.Total() != 6 || got.Against != 2 {
		t.Errorf("without members: %+v", got)
	}
	if got := Tally(notes, nil).At("i2", 1); got.Total() != 1 || got.For != 1 {
		t.Errorf("without members, i2 rec 1: %+v", got)
	}
	if c := tl.At("i1", 0); !c.Split() || c.NoPosition() {
		t.Error("for and against is not a split")
	}
	if c := tl.At("i2", 0); c.Split() || c.NoPosition() {
		t.Error("two against is a split, or no position")
	}
	if c := tl.At("i1", -1); !c.NoPosition() {
		t.Error("nobody took a stance on i1 as a whole")
	}
	if c := (Counts{For: 3, None: 2}); c.Split() || c.NoPosition() {
		t.Error("all for is a split, or no position")
	}
	if c := (Counts{Question: 1, None: 2}); !c.NoPosition() {
		t.Error("a question is a position")
	}
}
