package agenda

import (
	"fmt"
	"strings"
	"time"
)

// Counts is a tally of stances on one recommendation (or on an item as a whole).
type Counts struct {
	For, Against, Abstain, Question, None int
}

// String is the tally as the group reads it: "3 for · 1 imod · 1 undlader · 2 uden
// holdning", with "· n spørgsmål" when someone has a question.
func (c Counts) String() string {
	parts := []string{
		fmt.Sprintf("%d for", c.For),
		fmt.Sprintf("%d imod", c.Against),
		fmt.Sprintf("%d undlader", c.Abstain),
	}
	if c.Question > 0 {
		parts = append(parts, fmt.Sprintf("%d spørgsmål", c.Question))
	}
	parts = append(parts, fmt.Sprintf("%d uden holdning", c.None))
	return strings.Join(parts, " · ")
}

// Total is the number of people counted.
func (c Counts) Total() int { return c.For + c.Against + c.Abstain + c.Question + c.None }

// Split reports whether the counted stances disagree: more than one of for, against
// and abstain has someone.
func (c Counts) Split() bool {
	n := 0
	for _, v := range []int{c.For, c.Against, c.Abstain} {
		if v > 0 {
			n++
		}
	}
	return n > 1
}

// NoPosition reports whether nobody counted has taken a position (for, against or
// abstain) yet: the formøde view's "where nobody has a position yet".
func (c Counts) NoPosition() bool { return c.For+c.Against+c.Abstain == 0 }

// Spot is what a stance is taken on: one recommendation of one item (Rec is its 0-based
// index), or the item as a whole (Rec −1). Recommendation indexes repeat in every item,
// so a spot is never the index alone.
type Spot struct {
	ItemID string
	Rec    int
}

// SpotOf is where note n sits.
func SpotOf(n *Note) Spot {
	s := Spot{ItemID: n.Anchor.ItemID, Rec: -1}
	if n.Anchor.Recommendation != nil {
		s.Rec = *n.Anchor.Recommendation
	}
	return s
}

// Tallies are the stances of a meeting's notes counted per spot: every place that counts
// stances (the formøde view, the brief) asks it, so they cannot disagree.
type Tallies struct {
	members []string
	latest  map[Spot]map[string]pick
}

type pick struct {
	stance  Stance
	updated time.Time
}

// Tally counts the stances in notes per item and recommendation. A person's stance on a
// spot is that of their most recently updated note on that spot that has one; deleted
// notes do not count. With members, exactly the members are counted at every spot (those
// without a stance as "uden holdning"; notes by others, e.g. removed members, are left
// out); without, everyone who took a stance on the spot is.
func Tally(notes []Note, members []string) Tallies {
	t := Tallies{latest: map[Spot]map[string]pick{}}
	if len(members) > 0 {
		t.members = members
	}
	for i := range notes {
		n := &notes[i]
		if n.Deleted || n.Stance == StanceNone {
			continue
		}
		at := SpotOf(n)
		who := strings.TrimSpace(n.Author)
		m := t.latest[at]
		if m == nil {
			m = map[string]pick{}
			t.latest[at] = m
		}
		if p, ok := m[who]; !ok || n.Updated.After(p.updated) {
			m[who] = pick{n.Stance, n.Updated}
		}
	}
	return t
}

// At is the tally of one spot: recommendation rec of item itemID, or the item as a whole
// when rec is −1.
func (t Tallies) At(itemID string, rec int) Counts {
	latest := t.latest[Spot{itemID, rec}]
	people := t.members
	if people == nil {
		for who := range latest {
			people = append(people, who)
		}
	}
	var c Counts
	seen := map[string]bool{}
	for _, who := range people {
		who = strings.TrimSpace(who)
		if seen[who] {
			continue
		}
		seen[who] = true
		switch latest[who].stance {
		case StanceFor:
			c.For++
		case StanceAgainst:
			c.Against++
		case StanceAbstain:
			c.Abstain++
		case StanceQuestion:
			c.Question++
		default:
			c.None++
		}
	}
	return c
}
