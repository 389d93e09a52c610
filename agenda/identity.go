package agenda

// Identity that survives re-publication
//
// A secretariat re-publishes an agenda many times: a tillægsdagsorden, corrected text, the
// referat with decisions (often under a new publication id), items renumbered or moved.
// The member's notes must stay on the item and recommendation they were written on.
//
// Meeting: MeetingID hashes the source site (host), the body's normalised name and the
// start time. It does not use the publication id, which changes with the referat.
//
// Item, when first seen: ItemKey picks, in order,
//  1. the source's item id, when the source has one (FirstAgenda, ESDH packages);
//  2. otherwise the case number plus the normalised title (case numbers alone are
//     shared by several items: KKR puts four items on one SAG);
//  3. otherwise the normalised title, and for untitled items their content.
//
// Item, when re-published: Reconcile matches every item of the new version to one of the
// stored version and gives it the stored id, trying in turn the same source id, the same
// case number and title, the same title, the same case number when only one item has it,
// and finally the most similar text. So an item keeps its id when it is renumbered, moved,
// retitled or re-published under new source ids. An item that matches nothing is new; a
// stored item that nothing matches is removed, and notes on it become orphaned.
//
// Note: its Anchor holds the item id, the recommendation index and a Quote of the
// recommendation text (W3C TextQuoteSelector). Reanchor finds the recommendation again by
// exact quote, then by similarity, and sets the note's status.

import (
	"crypto/sha256"
	"encoding/hex"
	"net/url"
	"strings"
	"unicode"
)

func shortHash(parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}

// MeetingID is the stable identity of a meeting: see the package comment on identity.
func MeetingID(m *Meeting) string {
	return shortHash("meeting", siteHost(m.Source.Site), NormalizeTitle(m.Body.Name), m.Start.UTC().Format("2006-01-02T15:04"))
}

// DocumentID is the stable identity of a reading-material document.
func DocumentID(d *Document, content string) string {
	if !d.Date.IsZero() {
		return shortHash("document", NormalizeTitle(d.Title), d.Date.Format("2006-01-02"))
	}
	return shortHash("document", NormalizeTitle(d.Title), content)
}

func siteHost(site string) string {
	if site == "" {
		return ""
	}
	if u, err := url.Parse(site); err == nil && u.Host != "" {
		return strings.ToLower(u.Host)
	}
	return strings.ToLower(site)
}

// ItemKey is the identity of an item the first time it is seen.
func ItemKey(it *Item) string {
	switch {
	case it.SourceID != "":
		return "src:" + it.SourceID
	case it.CaseNumber != "":
		return "case:" + it.CaseNumber + "|" + NormalizeTitle(it.Title)
	case NormalizeTitle(it.Title) != "":
		return "title:" + NormalizeTitle(it.Title)
	}
	return "text:" + ItemTextHash(it)
}

// AssignIDs sets the meeting's id and every item's and attachment's id from their keys.
// Importers call it last. Duplicate keys within one meeting get a running suffix.
func AssignIDs(m *Meeting) {
	m.ID = MeetingID(m)
	seen := map[string]int{}
	for i := range m.Items {
		it := &m.Items[i]
		key := ItemKey(it)
		seen[key]++
		if n := seen[key]; n > 1 {
			key += "#" + itoa(n)
		}
		it.ID = shortHash("item", m.ID, key)
		assignAttachmentIDs(it)
	}
}

// assignAttachmentIDs derives attachment ids from the item id and the source's id, or
// else the title and content hash (filled in here when the content is present, so the
// id is the same whether or not the store has computed it yet).
func assignAttachmentIDs(it *Item) {
	seen := map[string]int{}
	for j := range it.Attachments {
		a := &it.Attachments[j]
		if a.SHA256 == "" && len(a.Content) > 0 {
			sum := sha256.Sum256(a.Content)
			a.SHA256, a.Size = hex.EncodeToString(sum[:]), int64(len(a.Content))
		}
		key := a.SourceID
		if key == "" {
			key = NormalizeTitle(a.Title) + "|" + a.SHA256
		}
		seen[key]++
		if n := seen[key]; n > 1 {
			key += "#" + itoa(n)
		}
		a.ID = shortHash("attachment", it.ID, key)
	}
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b []byte
	for n > 0 {
		b = append([]byte{byte('0' + n%10)}, b...)
		n /= 10
	}
	return string(b)
}

// NormalizeTitle folds case, punctuation, dot leaders and white space so that titles
// that differ only in typography compare equal.
func NormalizeTitle(s string) string {
	var b strings.Builder
	space := false
	for _, r := range strings.ToLower(s) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			if space && b.Len() > 0 {
				b.WriteByte(' ')
			}
			space = false
			b.WriteRune(r)
		} else {
			space = true
		}
	}
	return b.String()
}

// ItemTextHash hashes what a member reads of an item: title, sections and
// recommendations. It leaves out the decision, so a referat that only adds decisions does
// not flag notes as changed.
func ItemTextHash(it *Item) string {
	parts := []string{it.Title}
	for _, s := range it.Sections {
		parts = append(parts, s.Heading, s.Text)
	}
	for _, r := range it.Recommendations {
		parts = append(parts, r.Text)
	}
	return shortHash(parts...)
}

// ChangeKind is what happened to an item between two versions.
type ChangeKind string

const (
	Added     ChangeKind = "added"
	Removed   ChangeKind = "removed"
	Changed   ChangeKind = "changed"
	Unchanged ChangeKind = "unchanged"
)

// ItemChange is one item's change between two versions of a meeting.
type ItemChange struct {
	ItemID string     `json:"item_id"`
	Number string     `json:"number"`
	Title  string     `json:"title"`
	Kind   ChangeKind `json:"kind"`
	// What changed, for Kind == Changed.
	Sections        bool `json:"sections,omitempty"`
	Recommendations bool `json:"recommendations,omitempty"`
	Attachments     bool `json:"attachments,omitempty"`
	Decision        bool `json:"decision,omitempty"`
	Moved           bool `json:"moved,omitempty"` // renumbered or reordered
}

// Reconcile gives the items of next the ids of the matching items of prev (see the
// package comment on identity) and reports what changed, item by item, in next's order
// followed by the removed items. prev may be nil.
func Reconcile(prev, next *Meeting) []ItemChange {
	next.ID = MeetingID(next)
	if prev == nil {
		var out []ItemChange
		for _, it := range next.Items {
			out = append(out, ItemChange{ItemID: it.ID, Number: it.Number, Title: it.Title, Kind: Added})
		}
		return out
	}
	match := make([]int, len(next.Items)) // index into prev.Items, or -1
	for i := range match {
		match[i] = -1
	}
	used := make([]bool, len(prev.Items))
	pass := func(key func(*Item) string, unique bool) {
		byKey := map[string][]int{}
		for j := range prev.Items {
			if !used[j] {
				if k := key(&prev.Items[j]); k != "" {
					byKey[k] = append(byKey[k], j)
				}
			}
		}
		newCount := map[string]int{}
		if unique {
			for i := range next.Items {
				if match[i] < 0 {
					if k := key(&next.Items[i]); k != "" {
						newCount[k]++
					}
				}
			}
		}
		for i := range next.Items {
			if match[i] >= 0 {
				continue
			}
			k := key(&next.Items[i])
			if k == "" {
				continue
			}
			cands := byKey[k]
			if unique && (len(cands) != 1 || newCount[k] != 1) {
				continue
			}
			for ci, j := range cands {
				if !used[j] {
					match[i], used[j] = j, true
					byKey[k] = append(cands[:ci:ci], cands[ci+1:]...)
					break
				}
			}
		}
	}
	pass(func(it *Item) string { return it.SourceID }, false)
	pass(func(it *Item) string { return it.ID }, false) // same computed key
	pass(func(it *Item) string {
		if it.CaseNumber == "" {
			return ""
		}
		return it.CaseNumber + "|" + NormalizeTitle(it.Title)
	}, false)
	pass(func(it *Item) string { return NormalizeTitle(it.Title) }, true)
	pass(func(it *Item) string { return it.CaseNumber }, true)
	// Last: the most similar text, greedily, above a threshold.
	for {
		best, bi, bj := 0.5, -1, -1
		for i := range next.Items {
			if match[i] >= 0 {
				continue
			}
			for j := range prev.Items {
				if used[j] {
					continue
				}
				if s := Similarity(itemWords(&next.Items[i]), itemWords(&prev.Items[j])); s > best {
					best, bi, bj = s, i, j
				}
			}
		}
		if bi < 0 {
			break
		}
		match[bi], used[bj] = bj, true
	}

	taken := map[string]bool{}
	for i, j := range match {
		if j >= 0 {
			next.Items[i].ID = prev.Items[j].ID
			taken[prev.Items[j].ID] = true
		}
	}
	for j := range prev.Items {
		taken[prev.Items[j].ID] = true // a removed item's id is never reused for another
	}
	var out []ItemChange
	for i := range next.Items {
		it := &next.Items[i]
		if match[i] < 0 {
			for n := 2; taken[it.ID]; n++ {
				it.ID = shortHash("item", next.ID, ItemKey(it), itoa(n))
			}
			taken[it.ID] = true
			out = append(out, ItemChange{ItemID: it.ID, Number: it.Number, Title: it.Title, Kind: Added})
			continue
		}
		old := &prev.Items[match[i]]
		c := ItemChange{ItemID: it.ID, Number: it.Number, Title: it.Title, Kind: Unchanged}
		c.Sections = it.Title != old.Title || !sameSections(it.Sections, old.Sections)
		c.Recommendations = !sameRecs(it.Recommendations, old.Recommendations)
		c.Attachments = !sameAttachments(it.Attachments, old.Attachments)
		c.Decision = it.Decision != old.Decision
		c.Moved = it.Number != old.Number
		if c.Sections || c.Recommendations || c.Attachments || c.Decision || c.Moved || it.Closed != old.Closed {
			c.Kind = Changed
		}
		// Attachment ids follow the item id, so they too survive re-publication.
		assignAttachmentIDs(it)
		out = append(out, c)
	}
	for j := range prev.Items {
		if !used[j] {
			old := &prev.Items[j]
			out = append(out, ItemChange{ItemID: old.ID, Number: old.Number, Title: old.Title, Kind: Removed})
		}
	}
	return out
}

func sameSections(a, b []Section) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func sameRecs(a, b []Recommendation) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func sameAttachments(a, b []Attachment) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Title != b[i].Title || a[i].SourceID != b[i].SourceID || a[i].SHA256 != b[i].SHA256 || a[i].URL != b[i].URL {
			return false
		}
	}
	return true
}

func itemWords(it *Item) map[string]bool {
	var b strings.Builder
	b.WriteString(it.Title)
	for _, r := range it.Recommendations {
		b.WriteString(" ")
		b.WriteString(r.Text)
	}
	for _, s := range it.Sections {
		b.WriteString(" ")
		b.WriteString(s.Text)
	}
	return wordSet(b.String())
}

func wordSet(s string) map[string]bool {
	set := map[string]bool{}
	for _, w := range strings.Fields(NormalizeTitle(s)) {
		set[w] = true
	}
	return set
}

// Similarity is the Jaccard index of two word sets: 1 for the same words, 0 for none
// in common.
func Similarity(a, b map[string]bool) float64 {
	if len(a) == 0 && len(b) == 0 {
		return 1
	}
	inter := 0
	for w := range a {
		if b[w] {
			inter++
		}
	}
	return float64(inter) / float64(len(a)+len(b)-inter)
}

// Reanchor places note n on meeting m (a newer version of the meeting it was written
// on) and sets its status. It never drops the note: when the item is gone the note is
// orphaned and keeps its old anchor so it can still say where it was.
func Reanchor(n *Note, m *Meeting) {
	var it *Item
	for i := range m.Items {
		if m.Items[i].ID == n.Anchor.ItemID {
			it = &m.Items[i]
			break
		}
	}
	if it == nil {
		n.Status = StatusOrphaned
		return
	}
	n.Anchor.MeetingID = m.ID
	n.Anchor.ItemNumber, n.Anchor.ItemTitle, n.Anchor.CaseNumber = it.Number, it.Title, it.CaseNumber
	if n.Anchor.Recommendation == nil {
		if n.Anchor.TextHash == "" || n.Anchor.TextHash == ItemTextHash(it) {
			n.Status = StatusOK
		} else {
			n.Status = StatusChanged
		}
		return
	}
	old := *n.Anchor.Recommendation
	q := n.Anchor.Quote
	// Exact quote; among several equal ones prefer matching context, then the old spot.
	best, bestScore := -1, -1
	for i, r := range it.Recommendations {
		if r.Text != q.Exact {
			continue
		}
		score := 0
		if i > 0 && q.Prefix != "" && strings.HasSuffix(it.Recommendations[i-1].Text, q.Prefix) {
			score += 2
		}
		if i+1 < len(it.Recommendations) && q.Suffix != "" && strings.HasPrefix(it.Recommendations[i+1].Text, q.Suffix) {
			score += 2
		}
		if i == old {
			score++
		}
		if score > bestScore {
			best, bestScore = i, score
		}
	}
	if best >= 0 {
		n.Anchor.Recommendation = &best
		n.Status = StatusOK
		return
	}
	// The wording changed: the most similar recommendation, if any is close enough.
	qw := wordSet(q.Exact)
	bestSim := 0.4
	for i, r := range it.Recommendations {
		s := Similarity(qw, wordSet(r.Text))
		if s > bestSim || (s == bestSim && i == old) {
			best, bestSim = i, s
		}
	}
	n.Status = StatusChanged
	switch {
	case best >= 0:
		n.Anchor.Recommendation = &best
	case old < len(it.Recommendations):
		// Nothing similar: keep the position, flagged.
	default:
		n.Anchor.Recommendation = nil // the recommendation is gone; the note stays on the item
	}
}

// Latest keeps one version of each meeting, in first-seen order: the later release by
// Source.Released, or else the one given later. Two publications of the same meeting in
// one import or feed (eDoc's re-publications, a dagsorden and its referat) become one
// meeting at its newest version. dropped counts the versions left out.
func Latest(ms []Meeting) (out []Meeting, dropped int) {
	pos := map[string]int{}
	for _, m := range ms {
		if m.ID == "" {
			AssignIDs(&m)
		}
		if i, ok := pos[m.ID]; ok {
			dropped++
			if !m.Source.Released.Before(out[i].Source.Released) {
				out[i] = m
			}
			continue
		}
		pos[m.ID] = len(out)
		out = append(out, m)
	}
	return out, dropped
}
