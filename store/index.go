package store

// Writing the full-text index (the search_* buckets of buckets.go). Whatever writes a
// meeting, item, note or document also changes its documents in the index, in the same
// transaction: the index can never disagree with what it indexes, and a second process
// sees both or neither.

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"iter"
	"slices"
	"strings"

	"github.com/dagsorden/dagsorden/agenda"
	"github.com/dagsorden/dagsorden/store/search"
	bolt "go.etcd.io/bbolt"
)

// titleWeight: a word in a title counts as often as three in the text.
const titleWeight = 3

// segment is a part of a document's text, with the weight its words count with: plain
// text, or a Markdown body under a heading, made plain only when it is read (a snippet
// passes over most of an item's sections without).
type segment struct {
	heading, body string
	markdown      bool
	weight        int
}

func plain(text string, weight int) segment { return segment{body: text, weight: weight} }
func section(heading, md string) segment {
	return segment{heading: heading, body: md, markdown: true, weight: 1}
}

// text is the segment as one line of plain text: "Indstilling: Det indstilles, at …".
func (s segment) text() string {
	if !s.markdown {
		return s.body
	}
	text := search.Plain(s.body)
	if h := strings.TrimSpace(s.heading); h != "" {
		return h + ": " + text
	}
	return text
}

// The texts of each kind of document. Search reads them again to cut snippets, so they
// must stay what the index was built from.

func meetingSegments(m *agenda.Meeting) iter.Seq[segment] {
	return slices.Values([]segment{plain(m.Title, titleWeight), plain(m.Body.Name, 1), plain(m.Location, 1)})
}

func itemTitle(it *agenda.Item) string { return strings.TrimSpace(it.Number + " " + it.Title) }

// itemSegments: the title first, then what a snippet may show. The segments are made
// one by one, as they are asked for: a snippet is usually found in the first few, and an
// item can be 190 KB.
func itemSegments(it *agenda.Item) iter.Seq[segment] {
	return func(yield func(segment) bool) {
		if !yield(plain(itemTitle(it), titleWeight)) {
			return
		}
		if it.CaseNumber != "" && !yield(plain(it.CaseNumber, 1)) {
			return
		}
		for _, s := range it.Sections {
			if !yield(section(s.Heading, s.Text)) {
				return
			}
		}
		if it.Decision != "" && !yield(section("Beslutning", it.Decision)) {
			return
		}
		var titles []string
		for _, a := range it.Attachments {
			titles = append(titles, a.Title)
		}
		if len(titles) > 0 {
			yield(plain(strings.Join(titles, " · "), 1))
		}
	}
}

func documentSegments(d *agenda.Document) iter.Seq[segment] {
	return func(yield func(segment) bool) {
		if !yield(plain(d.Title, titleWeight)) {
			return
		}
		for _, s := range d.Sections {
			if !yield(section(s.Heading, s.Text)) {
				return
			}
		}
	}
}

func plainSegment(md string) iter.Seq[segment] {
	return slices.Values([]segment{section("", md)})
}

// Owners of documents: the stored thing a document was made from.

func ownerMeeting(id string) []byte  { return append([]byte("m"), id...) }
func ownerItem(id string) []byte     { return append([]byte("i"), id...) }
func ownerNote(id string) []byte     { return append([]byte("n"), id...) }
func ownerDocument(id string) []byte { return append([]byte("d"), id...) }

// ownerAttachments is the prefix of the owners of an item's attachments.
func ownerAttachments(itemID string) []byte { return append(append([]byte("a"), itemID...), 0) }

func ownerAttachment(itemID, attachmentID string) []byte {
	return append(ownerAttachments(itemID), attachmentID...)
}

func (d *docRecord) owner() []byte {
	switch d.Kind {
	case kindMeeting:
		return ownerMeeting(d.MeetingID)
	case kindItem, kindRecommendation:
		return ownerItem(d.ItemID)
	case kindAttachment:
		return ownerAttachment(d.ItemID, d.AttachmentID)
	case kindNote:
		return ownerNote(d.NoteID)
	}
	return ownerDocument(d.DocumentID)
}

// ownerKey is the search_owners key of doc under owner. The 0x00 separator keeps one
// owner's keys together: ids are hex, so none contains it.
func ownerKey(owner []byte, doc uint64) []byte {
	k := make([]byte, 0, len(owner)+9)
	k = append(append(k, owner...), 0)
	return append(k, u64(doc)...)
}

// indexer changes the index inside one write transaction. Postings, document
// frequencies and statistics are gathered in memory and written once per term, by
// flush: a meeting's twenty items share most of their words, and a term's block is
// rewritten once, not once per item.
type indexer struct {
	tx                            *bolt.Tx
	a                             *search.Analyzer
	docs, postings, terms, owners *bolt.Bucket
	adds                          map[string][]posting // by term, in doc order
	dels                          map[string][]uint64  // by term
	firstNew                      uint64               // the first doc id of this transaction; 0: none yet
	df                            map[string]int
	stats                         *indexStats
	statsChanged                  bool
	tf                            map[string]uint64 // scratch for add
	title                         map[string]bool   // scratch for add
	// sealedChanged: documents were added to or taken out of sealed_docs.
	sealedChanged bool
}

func newIndexer(tx *bolt.Tx) *indexer {
	ix := &indexer{
		tx: tx, a: search.NewAnalyzer(),
		docs: tx.Bucket(bucketSearchDocs), postings: tx.Bucket(bucketPostings),
		terms: tx.Bucket(bucketTerms), owners: tx.Bucket(bucketOwners),
		adds: map[string][]posting{}, dels: map[string][]uint64{},
		df: map[string]int{}, tf: map[string]uint64{}, title: map[string]bool{},
	}
	if tx.Writable() {
		// Documents only ever come at the end (their ids are a sequence): pages split
		// full, not half full as bbolt does by default for writes anywhere. Half-full
		// pages made the documents bucket three times its size. A term's postings grow
		// at the end of its range too.
		ix.docs.FillPercent = 1
		ix.postings.FillPercent = postingsFill
	}
	return ix
}

// postingsFill is the postings bucket's FillPercent (see newIndexer).
var postingsFill = 0.9

func (ix *indexer) loadStats() error {
	if ix.stats != nil {
		return nil
	}
	s, err := decodeStats(ix.tx.Bucket(bucketMeta).Get(keySearchStats))
	if err != nil {
		return fmt.Errorf("search statistics: %w", err)
	}
	ix.stats = s
	return nil
}

// add indexes a document made of segs; a text without a single term adds nothing. title
// is the document's title as the member reads it ("" for a document without one), whose
// words segs hold too: its terms are marked in the postings, so that a query whose words
// are all in a title, or are the whole title, ranks first.
func (ix *indexer) add(d *docRecord, title string, segs iter.Seq[segment]) error {
	clear(ix.tf)
	var length uint64
	for s := range segs {
		ix.a.Terms(s.text(), func(term string, _ search.Token) {
			ix.tf[term] += uint64(s.weight)
			length += uint64(s.weight)
		})
	}
	if len(ix.tf) == 0 {
		return nil
	}
	clear(ix.title)
	words, lastPos := uint64(0), -1
	ix.a.Terms(title, func(term string, t search.Token) {
		if ix.tf[term] == 0 {
			return // not in the text: cannot happen for a title the segments hold
		}
		ix.title[term] = true
		if t.Pos != lastPos { // the parts of a joined number are one word
			words, lastPos = words+1, t.Pos
		}
	})
	if err := ix.loadStats(); err != nil {
		return err
	}
	id, err := ix.docs.NextSequence()
	if err != nil {
		return err
	}
	if ix.firstNew == 0 {
		ix.firstNew = id
	}
	d.Length = length
	d.Terms = make([]string, 0, len(ix.tf))
	for t := range ix.tf {
		d.Terms = append(d.Terms, t)
	}
	slices.Sort(d.Terms) // in key order: the puts walk the tree once, left to right
	d.TermFrequencies = make([]uint64, len(d.Terms))
	d.TitleWords, d.TitleTerms = 0, nil
	for i, t := range d.Terms {
		d.TermFrequencies[i] = ix.tf[t]
		if ix.title[t] {
			d.TitleTerms = append(d.TitleTerms, i)
		}
	}
	if len(d.TitleTerms) > 0 {
		d.TitleWords = words
	}
	if d.sealed {
		// Its words go nowhere else: no postings, no document frequencies (their keys
		// are the words). Search reads them from the sealed documents (sealedCache).
		if _, err := ix.tx.CreateBucketIfNotExists(bucketSealedDocs); err != nil {
			return err
		}
		if err := putSealed(ix.tx, bucketSealedDocs, u64(id), encodeDoc(d)); err != nil {
			return err
		}
		ix.sealedChanged = true
	} else {
		for i, t := range d.Terms {
			ix.adds[t] = append(ix.adds[t], newPosting(id, d.Kind, d.TermFrequencies[i], length, d.titleOf(i)))
			ix.df[t]++
		}
		if err := ix.docs.Put(u64(id), encodeDoc(d)); err != nil {
			return err
		}
	}
	if err := ix.owners.Put(ownerKey(d.owner(), id), nil); err != nil {
		return err
	}
	ix.stats.Kinds[d.Kind].Docs++
	ix.stats.Kinds[d.Kind].Length += length
	ix.statsChanged = true
	return nil
}

// remove takes out every document whose owner key begins with prefix: ownerX(id)
// followed by 0x00 for one owner, ownerAttachments(id) for all of an item's attachments.
func (ix *indexer) remove(prefix []byte) error {
	var keys [][]byte
	c := ix.owners.Cursor()
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
		keys = append(keys, bytes.Clone(k))
	}
	if len(keys) == 0 {
		return nil
	}
	if err := ix.loadStats(); err != nil {
		return err
	}
	for _, k := range keys { // after the cursor loop: deletes move the pages it walks
		id := readU64(k[len(k)-8:])
		if err := ix.removeSealed(id); err != nil {
			return err
		}
		if v := ix.docs.Get(u64(id)); v != nil {
			d, err := decodeDoc(v)
			if err != nil {
				return fmt.Errorf("search document %d: %w", id, err)
			}
			for _, t := range d.Terms {
				if ix.firstNew != 0 && id >= ix.firstNew { // added by this transaction
					ix.adds[t] = slices.DeleteFunc(ix.adds[t], func(p posting) bool { return p.doc == id })
				} else {
					ix.dels[t] = append(ix.dels[t], id)
				}
				ix.df[t]--
			}
			if err := ix.docs.Delete(u64(id)); err != nil {
				return err
			}
			ks := &ix.stats.Kinds[d.Kind]
			ks.Docs = max(ks.Docs, 1) - 1
			ks.Length -= min(ks.Length, d.Length)
			ix.statsChanged = true
		}
		if err := ix.owners.Delete(k); err != nil {
			return err
		}
	}
	return nil
}

func (ix *indexer) removeOwner(owner []byte) error { return ix.remove(append(owner, 0)) }

// removeSealed takes a document out of sealed_docs, when it is there.
func (ix *indexer) removeSealed(id uint64) error {
	b := ix.tx.Bucket(bucketSealedDocs)
	if b == nil {
		return nil
	}
	sv := b.Get(u64(id))
	if sv == nil {
		return nil
	}
	v, err := openValue(ix.tx, bucketSealedDocs, u64(id), sv)
	if err != nil {
		return fmt.Errorf("sealed search document %d: %w", id, err)
	}
	d, err := decodeDoc(v)
	if err != nil {
		return fmt.Errorf("sealed search document %d: %w", id, err)
	}
	if err := b.Delete(u64(id)); err != nil {
		return err
	}
	ks := &ix.stats.Kinds[d.Kind]
	ks.Docs = max(ks.Docs, 1) - 1
	ks.Length -= min(ks.Length, d.Length)
	ix.statsChanged, ix.sealedChanged = true, true
	return nil
}

// flush writes the postings, document frequencies and statistics gathered.
func (ix *indexer) flush() error {
	terms := make([]string, 0, len(ix.df))
	for t := range ix.df {
		terms = append(terms, t)
	}
	slices.Sort(terms) // in key order: the writes walk the tree once, left to right
	for _, t := range terms {
		if ds := ix.dels[t]; len(ds) > 0 {
			slices.Sort(ds)
			if err := deletePostings(ix.postings, t, ds); err != nil {
				return err
			}
		}
		if ps := ix.adds[t]; len(ps) > 0 {
			if err := appendPostings(ix.postings, t, ps); err != nil {
				return err
			}
		}
	}
	clear(ix.adds)
	clear(ix.dels)
	ix.firstNew = 0 // what was added is in the blocks now: a later removal rewrites them
	var buf [binary.MaxVarintLen64]byte
	for _, t := range terms {
		if ix.df[t] == 0 {
			continue
		}
		old, _ := binary.Uvarint(ix.terms.Get([]byte(t)))
		n := int64(old) + int64(ix.df[t])
		var err error
		if n <= 0 {
			err = ix.terms.Delete([]byte(t))
		} else {
			err = ix.terms.Put([]byte(t), bytes.Clone(buf[:binary.PutUvarint(buf[:], uint64(n))]))
		}
		if err != nil {
			return err
		}
	}
	clear(ix.df)
	if ix.sealedChanged {
		ix.sealedChanged = false
		meta := ix.tx.Bucket(bucketMeta)
		if err := meta.Put(keySealedGeneration, u64(readU64(meta.Get(keySealedGeneration))+1)); err != nil {
			return err
		}
	}
	if ix.statsChanged {
		ix.statsChanged = false
		return ix.tx.Bucket(bucketMeta).Put(keySearchStats, encodeStats(ix.stats))
	}
	return nil
}

// What each stored thing puts into the index.

// indexMeeting replaces the document of a meeting's header.
func (ix *indexer) indexMeeting(m *agenda.Meeting) error {
	if err := ix.removeOwner(ownerMeeting(m.ID)); err != nil {
		return err
	}
	return ix.add(&docRecord{Kind: kindMeeting, MeetingID: m.ID}, m.Title, meetingSegments(m))
}

// indexItem replaces the documents of an item: the item, its recommendations and the
// pages of its attachments. old is the stored version (nil for a new item); an
// attachment whose content and title are as before keeps its pages unless its text is
// new in this transaction (fresh), so a re-published item does not re-index a forty-page
// attachment.
func (ix *indexer) indexItem(meetingID string, old, it *agenda.Item, fresh map[string]bool) error {
	if err := ix.removeOwner(ownerItem(it.ID)); err != nil {
		return err
	}
	// A closed item's documents are sealed, its title too: the title is in the plaintext
	// summaries anyway, and one document is not worth splitting.
	// The title without the item's number: "Budgetopfølgning 0 for 2023" is the whole
	// title of item 6 of that name.
	if err := ix.add(&docRecord{Kind: kindItem, MeetingID: meetingID, ItemID: it.ID, sealed: it.Closed}, it.Title, itemSegments(it)); err != nil {
		return err
	}
	for _, r := range it.Recommendations {
		i := r.Index
		d := &docRecord{Kind: kindRecommendation, MeetingID: meetingID, ItemID: it.ID, Recommendation: &i, sealed: it.Closed}
		if err := ix.add(d, "", plainSegment(r.Text)); err != nil {
			return err
		}
	}
	kept := map[string]agenda.Attachment{}
	if old != nil {
		for _, a := range old.Attachments {
			kept[a.ID] = a
		}
	}
	for _, a := range it.Attachments {
		if o, ok := kept[a.ID]; ok && sameAttachmentText(&o, &a) && !fresh[a.SHA256] && old.Closed == it.Closed {
			delete(kept, a.ID) // its pages stay as they are
			continue
		}
		delete(kept, a.ID)
		if err := ix.indexAttachment(meetingID, it.ID, &a, it.Closed); err != nil {
			return err
		}
	}
	for id := range kept { // attachments the item no longer has
		if err := ix.removeOwner(ownerAttachment(it.ID, id)); err != nil {
			return err
		}
	}
	return nil
}

func sameAttachmentText(a, b *agenda.Attachment) bool {
	return a.SHA256 == b.SHA256 && a.Title == b.Title && a.Text == b.Text
}

// indexAttachment replaces the documents of an attachment: one per page of its extracted
// text, or one for the text the importer gave (Attachment.Text, page 0) when no PDF text
// is stored. The documents of a closed item's attachment are sealed.
func (ix *indexer) indexAttachment(meetingID, itemID string, a *agenda.Attachment, closed bool) error {
	if err := ix.removeOwner(ownerAttachment(itemID, a.ID)); err != nil {
		return err
	}
	doc := func(page int) *docRecord {
		return &docRecord{Kind: kindAttachment, MeetingID: meetingID, ItemID: itemID,
			AttachmentID: a.ID, AttachmentTitle: a.Title, SHA256: a.SHA256, Page: page, sealed: closed}
	}
	t, err := storedText(ix.tx, a.SHA256)
	if err != nil {
		return err
	}
	if t != nil && len(t.Pages) > 0 {
		for i, p := range t.Pages {
			if err := ix.add(doc(i+1), "", plainSegment(p)); err != nil {
				return err
			}
		}
		return nil
	}
	if a.Text != "" {
		return ix.add(doc(0), "", plainSegment(a.Text))
	}
	return nil
}

// removeItem takes an item the agenda no longer has out of the index.
func (ix *indexer) removeItem(itemID string) error {
	if err := ix.removeOwner(ownerItem(itemID)); err != nil {
		return err
	}
	return ix.remove(ownerAttachments(itemID))
}

// indexNote replaces the document of a note; a tombstone or an empty note has none.
func (ix *indexer) indexNote(n *agenda.Note) error {
	if err := ix.removeOwner(ownerNote(n.ID)); err != nil {
		return err
	}
	if n.Deleted {
		return nil
	}
	d := &docRecord{Kind: kindNote, NoteID: n.ID, MeetingID: n.Anchor.MeetingID, ItemID: n.Anchor.ItemID, sealed: true}
	return ix.add(d, "", plainSegment(n.Text))
}

func (ix *indexer) indexDocument(d *agenda.Document) error {
	if err := ix.removeOwner(ownerDocument(d.ID)); err != nil {
		return err
	}
	return ix.add(&docRecord{Kind: kindDocument, DocumentID: d.ID}, d.Title, documentSegments(d))
}

// rebuildIndex throws the index away and builds it again from what the store holds:
// migration 5, which marks the titles' terms in postings written before they were. New
// documents continue the old ones' id sequence, so a search cache of sealed documents
// (sealedCache, keyed by id) never takes a new document for an old one.
func rebuildIndex(tx *bolt.Tx) error {
	seq := tx.Bucket(bucketSearchDocs).Sequence()
	for _, b := range [][]byte{bucketSearchDocs, bucketPostings, bucketTerms, bucketOwners, bucketSealedDocs} {
		if tx.Bucket(b) != nil {
			if err := tx.DeleteBucket(b); err != nil {
				return fmt.Errorf("delete bucket %s: %w", b, err)
			}
		}
		if _, err := tx.CreateBucket(b); err != nil {
			return fmt.Errorf("create bucket %s: %w", b, err)
		}
	}
	if err := tx.Bucket(bucketSearchDocs).SetSequence(seq); err != nil {
		return err
	}
	meta := tx.Bucket(bucketMeta)
	if err := meta.Delete(keySearchStats); err != nil {
		return err
	}
	if err := meta.Put(keySealedGeneration, u64(readU64(meta.Get(keySealedGeneration))+1)); err != nil {
		return err
	}
	return buildIndex(tx)
}

// buildIndex indexes everything in the store: migration 3, for stores made before the
// index.
func buildIndex(tx *bolt.Tx) error {
	ix := newIndexer(tx)
	var ids []string
	if err := tx.Bucket(bucketMeetings).ForEach(func(k, _ []byte) error {
		ids = append(ids, string(k))
		return nil
	}); err != nil {
		return err
	}
	for _, id := range ids {
		r, err := loadMeeting(tx, id)
		if err != nil {
			return err
		}
		m := &r.Meeting
		if err := ix.indexMeeting(m); err != nil {
			return err
		}
		for i := range m.Items {
			if err := ix.indexItem(m.ID, nil, &m.Items[i], nil); err != nil {
				return err
			}
		}
		if err := ix.flush(); err != nil { // keep the sums small
			return err
		}
	}
	var notes []*agenda.Note
	if err := tx.Bucket(bucketNotes).ForEach(func(k, v []byte) error {
		v, err := openValue(tx, bucketNotes, k, v)
		if err != nil {
			return fmt.Errorf("note %x: %w", k, err)
		}
		n, err := decodeNote(v)
		if err != nil {
			return fmt.Errorf("note %x: %w", k, err)
		}
		notes = append(notes, n)
		return nil
	}); err != nil {
		return err
	}
	for _, n := range notes {
		if err := ix.indexNote(n); err != nil {
			return err
		}
	}
	var docs []*agenda.Document
	if err := tx.Bucket(bucketDocuments).ForEach(func(k, v []byte) error {
		d, err := decodeDocument(v)
		if err != nil {
			return fmt.Errorf("document %s: %w", k, err)
		}
		docs = append(docs, d)
		return nil
	}); err != nil {
		return err
	}
	for _, d := range docs {
		if err := ix.indexDocument(d); err != nil {
			return err
		}
	}
	return ix.flush()
}
