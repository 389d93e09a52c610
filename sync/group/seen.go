package group

import (
	"slices"

	"github.com/dagsorden/dagsorden/store"
)

// Each author numbers their envelopes 1, 2, 3, … inside the signed part. What arrived is
// kept per author (store.AuthorSeen): a number seen before is a replay (the relay sent an
// envelope again, under its id or another one) and is never merged; a number that fills a
// gap arrived late (reordered); numbers still missing below an author's highest are
// envelopes the relay has not delivered (withheld, or dropped).

type arrival int

const (
	arrivalNew arrival = iota
	arrivalLate
	arrivalReplay
)

// maxAbove bounds the numbers kept above the first gap: past it, the oldest gap is given
// up as lost (the count of missing envelopes keeps it).
const maxAbove = 4096

// observe records that author's envelope seq arrived.
func observe(g *store.GroupState, author string, seq uint64) arrival {
	i := slices.IndexFunc(g.Seen, func(a store.AuthorSeen) bool { return a.Member == author })
	if i < 0 {
		g.Seen = append(g.Seen, store.AuthorSeen{Member: author, Next: 1})
		i = len(g.Seen) - 1
	}
	a := &g.Seen[i]
	if a.Next == 0 {
		a.Next = 1
	}
	if seq < a.Next {
		return arrivalReplay
	}
	at, found := slices.BinarySearch(a.Above, seq)
	if found {
		return arrivalReplay
	}
	how := arrivalNew
	if len(a.Above) > 0 && seq < a.Above[len(a.Above)-1] {
		how = arrivalLate
	}
	if seq == a.Next {
		a.Next++
		for len(a.Above) > 0 && a.Above[0] == a.Next {
			a.Above = a.Above[1:]
			a.Next++
		}
	} else {
		a.Above = slices.Insert(a.Above, at, seq)
		if len(a.Above) > maxAbove {
			a.Next = a.Above[0] + 1
			a.Above = slices.Clone(a.Above[1:])
			for len(a.Above) > 0 && a.Above[0] == a.Next {
				a.Above = a.Above[1:]
				a.Next++
			}
		}
	}
	if len(a.Above) == 0 {
		a.Above = nil
	}
	return how
}

// missing counts the envelopes not arrived below each author's highest number.
func missing(g *store.GroupState) int {
	n := 0
	for _, a := range g.Seen {
		if len(a.Above) > 0 {
			n += int(a.Above[len(a.Above)-1]-a.Next+1) - len(a.Above)
		}
	}
	return n
}

// seenBefore reports whether author's envelope seq arrived already.
func seenBefore(g *store.GroupState, author string, seq uint64) bool {
	for _, a := range g.Seen {
		if a.Member == author {
			_, found := slices.BinarySearch(a.Above, seq)
			return seq < a.Next || found
		}
	}
	return false
}
