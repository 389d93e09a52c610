package store

// Watch words: words and phrases the member wants to hear about ("tell me when X comes
// up"), looked up in the full-text index after every import or sync.

import (
	"cmp"
	"errors"
	"fmt"
	"iter"
	"slices"
	"strings"
	"time"

	"github.com/dagsorden/dagsorden/agenda"
	"github.com/dagsorden/dagsorden/store/search"
	bolt "go.etcd.io/bbolt"
)

// WatchHit is one item, or one attachment of an item, that mentions a watched word or
// phrase.
type WatchHit struct {
	// Watch is the watched word or phrase as the member wrote it.
	Watch string
	// MeetingID and Meeting ("KKR Hovedstaden · Dagsorden 2023 · 21.04.2023") name the
	// meeting; Start is when it is held.
	MeetingID, Meeting string
	Start              time.Time
	// ItemID and Title ("3.5 Temadrøftelse om sundhedsområdet…") name the item.
	ItemID, Title string
	// AttachmentID and AttachmentTitle are set when the mention is in an attachment's
	// text rather than the item's own; Pages are the attachment's pages that mention it
	// (1-based; 0 for a text the importer gave unpaged).
	AttachmentID, AttachmentTitle string
	Pages                         []int
}

// watchKey is how a watched phrase is compared: its words, folded, one space apart.
func watchKey(phrase string) string {
	var ws []string
	toks := search.Tokens(phrase)
	for i, t := range toks {
		if i > 0 && t.Pos == toks[i-1].Pos {
			continue // a part of a joined number
		}
		ws = append(ws, t.Word)
	}
	return strings.Join(ws, " ")
}

// WatchAdd watches a word or a phrase: WatchHits lists the items and attachments that
// mention it. A phrase is mentioned where its words stand together and in its order (in
// any of their forms: "lokalplan" also finds "lokalplanerne"); stop words in it only
// hold a place ("det nære sundhedsvæsen" matches "i det nære sundhedsvæsen" and "et
// nære sundhedsvæsen" alike). Watching a phrase twice changes nothing.
func (s *Store) WatchAdd(phrase string) error {
	phrase = strings.Join(strings.Fields(phrase), " ")
	if search.NewAnalyzer().ParsePhrase(phrase).Empty() {
		if phrase == "" {
			return errors.New("no word to watch")
		}
		return fmt.Errorf("%q has no word to watch for: words as common as %q are in every agenda", phrase, strings.Fields(phrase)[0])
	}
	key := []byte(watchKey(phrase))
	return s.update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketWatches)
		if b.Get(key) != nil {
			return errNoChange
		}
		return b.Put(key, []byte(phrase))
	})
}

// WatchRemove stops watching a word or phrase (compared as WatchAdd stored it, so case
// and spacing do not matter).
func (s *Store) WatchRemove(phrase string) error {
	key := []byte(watchKey(phrase))
	return s.update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketWatches)
		if len(key) == 0 || b.Get(key) == nil {
			return fmt.Errorf("%q is not watched: %w", strings.TrimSpace(phrase), ErrNotFound)
		}
		return b.Delete(key)
	})
}

// Watches lists the watched words and phrases, as the member wrote them, in alphabetical
// order.
func (s *Store) Watches() ([]string, error) {
	var out []string
	err := s.view(func(tx *bolt.Tx) error {
		out = watches(tx)
		return nil
	})
	return out, err
}

func watches(tx *bolt.Tx) []string {
	var out []string
	_ = tx.Bucket(bucketWatches).ForEach(func(_, v []byte) error {
		out = append(out, string(v))
		return nil
	})
	return out
}

// WatchHits lists, for every watched word or phrase, the items and attachments that
// mention it (see WatchAdd for what counts as a mention): an item once, however often
// it and its recommendations mention it, and each attachment once with its pages. Notes
// and reading material are not listed. The newest meetings come first, and within a
// meeting the agenda's order, the item before its attachments.
//
// The candidates come from the index (documents holding every word); only for a phrase
// of several words is the text of each candidate read, to see that they stand together.
func (s *Store) WatchHits() ([]WatchHit, error) {
	var hits []WatchHit
	err := s.view(func(tx *bolt.Tx) error {
		ws := watches(tx)
		if len(ws) == 0 {
			return nil // the reader would decrypt the sealed documents for nothing
		}
		r, done, err := s.newIndexReader(tx)
		if err != nil {
			return err
		}
		defer done()
		hits, err = r.watchHits(ws)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("watch words: %w", err)
	}
	return hits, nil
}

func (r *indexReader) watchHits(phrases []string) ([]WatchHit, error) {
	a := search.NewAnalyzer()
	type key struct{ watch, item, attachment string }
	found := map[key]*WatchHit{}
	watchOrder := map[string]int{}
	for wi, phrase := range phrases {
		watchOrder[phrase] = wi
		q := a.ParsePhrase(phrase)
		if q.Empty() {
			continue
		}
		m := a.Matcher(q)
		cands, err := r.every(r.words(q), nil)
		if err != nil {
			return nil, err
		}
		for _, c := range cands {
			d, err := r.docHead(c.doc)
			if err != nil {
				return nil, err
			}
			if d == nil {
				continue
			}
			if d.Kind != kindItem && d.Kind != kindRecommendation && d.Kind != kindAttachment {
				continue
			}
			k := key{phrase, d.ItemID, d.AttachmentID}
			if h := found[k]; h != nil && d.Kind != kindAttachment {
				continue // the item is listed already
			}
			if len(q.Words) > 1 {
				ok, err := r.phraseIn(d, m)
				if err != nil {
					return nil, err
				}
				if !ok {
					continue
				}
			}
			h := found[k]
			if h == nil {
				h = &WatchHit{Watch: phrase, MeetingID: d.MeetingID, ItemID: d.ItemID,
					AttachmentID: d.AttachmentID, AttachmentTitle: d.AttachmentTitle}
				found[k] = h
			}
			if d.Kind == kindAttachment {
				h.Pages = append(h.Pages, d.Page)
			}
		}
	}
	// Name the meetings and items, and order them.
	type placed struct {
		h          WatchHit
		item, attm int // positions in the agenda and the item
		watch      int
	}
	type meeting struct {
		title string
		start time.Time
		items map[string]int // item id → position in the agenda
		sum   MeetingSummary // its items' numbers and titles, without decoding the items
	}
	meetings := map[string]*meeting{}
	var all []placed
	for _, h := range found {
		mt, ok := meetings[h.MeetingID]
		if !ok {
			if v := r.tx.Bucket(bucketMeetings).Get([]byte(h.MeetingID)); v != nil {
				mr, err := decodeMeeting(v)
				if err != nil {
					return nil, fmt.Errorf("stored meeting %s: %w", h.MeetingID, err)
				}
				mt = &meeting{title: meetingTitle(&mr.Meeting), start: mr.Meeting.Start, items: map[string]int{}}
				for i, id := range mr.ItemIDs {
					mt.items[id] = i
				}
				sv := r.tx.Bucket(bucketSummaries).Get(summaryKey(mr.Meeting.Start, h.MeetingID))
				if sv == nil {
					return nil, fmt.Errorf("meeting %s has no summary: %w", h.MeetingID, errDamaged)
				}
				if err := decodeSummary(sv, &mt.sum); err != nil {
					return nil, fmt.Errorf("stored meeting summary %s: %w", h.MeetingID, err)
				}
			}
			meetings[h.MeetingID] = mt
		}
		pos, ok := 0, false
		if mt != nil {
			pos, ok = mt.items[h.ItemID]
		}
		if !ok || pos >= len(mt.sum.Items) {
			continue // the item is gone (which would be a bug): leave it out
		}
		is := &mt.sum.Items[pos]
		h.Meeting, h.Start, h.Title = mt.title, mt.start, strings.TrimSpace(is.Number+" "+is.Title)
		slices.Sort(h.Pages)
		h.Pages = slices.Compact(h.Pages)
		p := placed{h: *h, item: pos, watch: watchOrder[h.Watch]}
		if h.AttachmentID != "" {
			it, err := r.item(h.ItemID)
			if err != nil || it == nil {
				return nil, err
			}
			p.attm = 1 + slices.IndexFunc(it.Attachments, func(a agenda.Attachment) bool { return a.ID == h.AttachmentID })
		}
		all = append(all, p)
	}
	slices.SortFunc(all, func(a, b placed) int {
		return cmp.Or(
			b.h.Start.Compare(a.h.Start), // newest first
			cmp.Compare(a.h.MeetingID, b.h.MeetingID),
			cmp.Compare(a.item, b.item),
			cmp.Compare(a.attm, b.attm),
			cmp.Compare(a.watch, b.watch),
		)
	})
	out := make([]WatchHit, len(all))
	for i := range all {
		out[i] = all[i].h
	}
	return out, nil
}

// phraseIn reports whether the text of an item, recommendation or attachment page holds
// the phrase, its words together and in order, within one part of the text.
func (r *indexReader) phraseIn(d *docRecord, m *search.Matcher) (bool, error) {
	it, err := r.item(d.ItemID)
	if err != nil || it == nil {
		return false, err
	}
	var segs iter.Seq[segment]
	switch d.Kind {
	case kindItem:
		segs = itemSegments(it)
	case kindRecommendation:
		if i := *d.Recommendation; i >= 0 && i < len(it.Recommendations) {
			segs = plainSegment(it.Recommendations[i].Text)
		}
	case kindAttachment:
		segs, err = r.attachmentSegments(it, d)
		if err != nil {
			return false, err
		}
	}
	if segs == nil {
		return false, nil
	}
	for s := range segs {
		if m.Literal(s.body) {
			return true, nil // the common case, without reading the text word by word
		}
		if !m.MayMatch(s.body) {
			continue
		}
		if _, _, ok := m.Phrase(s.text()); ok {
			return true, nil
		}
	}
	return false, nil
}

// attachmentSegments is the text of the attachment page a document was made from.
func (r *indexReader) attachmentSegments(it *agenda.Item, d *docRecord) (iter.Seq[segment], error) {
	if d.Page == 0 {
		for _, a := range it.Attachments {
			if a.ID == d.AttachmentID {
				return plainSegment(a.Text), nil
			}
		}
		return nil, nil
	}
	t, err := storedText(r.tx, d.SHA256)
	if err != nil || t == nil || d.Page > len(t.Pages) {
		return nil, err
	}
	return plainSegment(t.Pages[d.Page-1]), nil
}
