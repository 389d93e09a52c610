package group

import (
	"cmp"
	"maps"
	"slices"
	"time"

	"github.com/dagsorden/dagsorden/store"
)

// Merging shared notes
//
// Every version of a shared note carries a version vector (member id → how many edits
// of the note that member had made) and a hybrid logical clock reading. A version whose
// vector is ≥ another's in every entry supersedes it: it was written by someone who had
// seen the other. Two versions where neither vector is ≥ the other were written
// concurrently (two members edited the same note offline): both are kept as heads, a
// conflict, until someone writes a version whose vector covers them all. The clock only
// orders concurrent heads (newest first), so every member shows the same one on top; it
// never decides which version survives. A deletion is a version like any other (a
// tombstone), so it propagates, and an edit concurrent with a deletion is kept.

// Order is how two version vectors relate.
type Order int

const (
	Equal      Order = iota
	Before           // a is superseded by b
	After            // a supersedes b
	Concurrent       // neither has seen the other
)

// Compare relates version vectors a and b. Missing entries count as zero.
func Compare(a, b map[string]uint64) Order {
	aGreater, bGreater := false, false
	for k, av := range a {
		if bv := b[k]; av > bv {
			aGreater = true
		} else if av < bv {
			bGreater = true
		}
	}
	for k, bv := range b {
		if _, ok := a[k]; !ok && bv > 0 {
			bGreater = true
		}
	}
	switch {
	case aGreater && bGreater:
		return Concurrent
	case aGreater:
		return After
	case bGreater:
		return Before
	}
	return Equal
}

// Join is the entry-wise maximum of vectors: the vector of someone who has seen them all.
func Join(vs ...map[string]uint64) map[string]uint64 {
	out := map[string]uint64{}
	for _, v := range vs {
		for k, n := range v {
			out[k] = max(out[k], n)
		}
	}
	return out
}

// NextVector is the vector of a new edit by member me based on the version with vector
// base. Me's entry goes past every entry me has ever used for this note (in base or any
// head), so two edits by one member never share a vector.
func NextVector(base map[string]uint64, heads []store.GroupVersion, me string) map[string]uint64 {
	next := maps.Clone(base)
	if next == nil {
		next = map[string]uint64{}
	}
	top := base[me]
	for _, h := range heads {
		top = max(top, h.Vector[me])
	}
	next[me] = top + 1
	return next
}

// sameContent reports whether two versions say the same thing.
func sameContent(a, b *store.GroupVersion) bool {
	x, y := a.Note, b.Note
	rx, ry := -1, -1
	if x.Anchor.Recommendation != nil {
		rx = *x.Anchor.Recommendation
	}
	if y.Anchor.Recommendation != nil {
		ry = *y.Anchor.Recommendation
	}
	return x.Text == y.Text && x.Stance == y.Stance && x.Deleted == y.Deleted &&
		x.Anchor.ItemID == y.Anchor.ItemID && rx == ry
}

// Merge adds version in to the heads of a note. It returns the new heads (newest first)
// and whether anything changed: a version already known, or superseded by a head, changes
// nothing; heads that in supersedes are dropped; a concurrent version is kept beside the
// others. Merging is idempotent and the result does not depend on the order versions
// arrive in. Equal vectors with different content (a member who restored an old backup
// and edited again) are treated as concurrent, so neither is lost.
func Merge(heads []store.GroupVersion, in store.GroupVersion) ([]store.GroupVersion, bool) {
	for i := range heads {
		switch Compare(heads[i].Vector, in.Vector) {
		case After:
			return heads, false
		case Equal:
			if sameContent(&heads[i], &in) {
				return heads, false
			}
		}
	}
	out := make([]store.GroupVersion, 0, len(heads)+1)
	for _, h := range heads {
		if Compare(in.Vector, h.Vector) != After {
			out = append(out, h)
		}
	}
	out = append(out, in)
	SortHeads(out)
	return out, true
}

// SortHeads orders heads newest first: by clock, then by editor and envelope id, so every
// member puts the same head on top.
func SortHeads(heads []store.GroupVersion) {
	slices.SortFunc(heads, func(a, b store.GroupVersion) int {
		if c := cmp.Compare(b.Clock, a.Clock); c != 0 {
			return c
		}
		if c := cmp.Compare(b.Editor, a.Editor); c != 0 {
			return c
		}
		return cmp.Compare(b.Envelope, a.Envelope)
	})
}

// Hybrid logical clock: milliseconds since 1970 in the high 48 bits, a counter in the low
// 16. It never runs backwards, stays close to wall time, and a reading taken after seeing
// another member's version is greater than that version's.

const clockShift = 16

// maxDrift bounds how far ahead of our wall clock a remote reading may pull ours: a
// member whose computer thinks it is next year must not drag everyone along.
const maxDrift = time.Hour

// Tick is the clock reading for a local event after reading last.
func Tick(last uint64, now time.Time) uint64 {
	return max(uint64(now.UnixMilli())<<clockShift, last+1)
}

// Observe is our clock after receiving a version stamped remote.
func Observe(last, remote uint64, now time.Time) uint64 {
	if remote > uint64(now.Add(maxDrift).UnixMilli())<<clockShift {
		return last // implausible: keep the version, ignore its clock
	}
	return max(last, remote)
}

// ClockTime is the wall time of a clock reading.
func ClockTime(c uint64) time.Time { return time.UnixMilli(int64(c >> clockShift)) }
