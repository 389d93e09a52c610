package store

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/dagsorden/dagsorden/agenda"
	bolt "go.etcd.io/bbolt"
)

// ImportResult says what one meeting's import did.
type ImportResult struct {
	MeetingID   string
	Body, Title string
	Start       time.Time
	Items       int
	New         bool // the meeting was not in the store before
	Unchanged   bool // identical to the stored version, or Older: nothing was written
	// Older: the stored version has a later Source.Released than the imported one, so
	// the stored one was kept (Unchanged is set too). Body, Title, Start and Items then
	// describe the stored version.
	Older   bool
	Changes []agenda.ItemChange       // from agenda.Reconcile, only entries that are not Unchanged
	Notes   map[agenda.NoteStatus]int // this meeting's notes after re-anchoring, by status
}

// Import writes a package, meetings and documents. The whole package is checked before
// anything is written, so bad input writes nothing; then each meeting is written whole,
// in short transactions of a few meetings each (applyMeetings), so that another process
// waits only a moment for the store during a large import. For each meeting it loads the
// stored version, gives the items their stored ids (agenda.Reconcile), writes nothing
// when nothing changed, and otherwise replaces the meeting, keeps the previous version
// of each changed or removed item, stores attachment content by sha256 with the text of
// each PDF, re-anchors every note of the meeting (agenda.Reanchor): a note is never
// deleted, a note whose item is gone becomes orphaned; and replaces the search index's
// documents of what changed.
//
// The text of PDF attachments the store has no text for is extracted first, before the
// write lock is taken. Import does not change p. The results are for the meetings, in
// p's order; when writing fails part-way, the results of the meetings written before
// come with the error.
func (s *Store) Import(p agenda.Package) ([]ImportResult, error) {
	meetings, docs, err := prepare(p)
	if err != nil {
		return nil, err
	}
	if err := s.checkItemOwners(meetings); err != nil {
		return nil, err
	}
	texts, err := s.extractTexts(meetings)
	if err != nil {
		return nil, err
	}
	return s.applyMeetings(meetings, docs, texts)
}

func describe(m *agenda.Meeting) string {
	name := m.Body.Name
	if name == "" {
		name = m.Title
	}
	if !m.Start.IsZero() {
		name += " " + m.Start.In(agenda.Copenhagen).Format("2006-01-02")
	}
	return "meeting " + strings.TrimSpace(name)
}

// prepare checks the package before any lock is taken and returns copies the import
// may change (Reconcile sets ids; attachment sums are filled in).
func prepare(p agenda.Package) ([]agenda.Meeting, []agenda.Document, error) {
	meetings := make([]agenda.Meeting, len(p.Meetings))
	sums := hashContents(p.Meetings)
	seenMeeting := map[string]bool{}
	for i := range p.Meetings {
		m := p.Meetings[i]
		if m.ID == "" || strings.ContainsRune(m.ID, 0) {
			return nil, nil, fmt.Errorf("%s has no valid id (the importer must call agenda.AssignIDs)", describe(&m))
		}
		if seenMeeting[m.ID] {
			return nil, nil, fmt.Errorf("%s is in the package twice", describe(&m))
		}
		seenMeeting[m.ID] = true
		m.Items = append([]agenda.Item(nil), m.Items...)
		seenItem := map[string]bool{}
		for j := range m.Items {
			it := &m.Items[j]
			if it.ID == "" {
				return nil, nil, fmt.Errorf("%s: item %s %q has no id", describe(&m), it.Number, it.Title)
			}
			if seenItem[it.ID] {
				return nil, nil, fmt.Errorf("%s: item %s %q has the id of another item", describe(&m), it.Number, it.Title)
			}
			seenItem[it.ID] = true
			for k, r := range it.Recommendations {
				if r.Index != k {
					return nil, nil, fmt.Errorf("%s: item %s: recommendation %d says it is number %d", describe(&m), it.Number, k, r.Index)
				}
			}
			it.Attachments = append([]agenda.Attachment(nil), it.Attachments...)
			for k := range it.Attachments {
				a := &it.Attachments[k]
				if a.ID == "" {
					return nil, nil, fmt.Errorf("%s: item %s: attachment %q has no id", describe(&m), it.Number, a.Title)
				}
				if a.Content == nil {
					continue
				}
				h := sums[[3]int{i, j, k}]
				if a.SHA256 != "" && !strings.EqualFold(a.SHA256, h) {
					return nil, nil, fmt.Errorf("%s: item %s: the content of attachment %q does not match its sha256", describe(&m), it.Number, a.Title)
				}
				a.SHA256 = h
				if a.Size == 0 {
					a.Size = int64(len(a.Content))
				}
			}
		}
		meetings[i] = m
	}
	docs := append([]agenda.Document(nil), p.Documents...)
	seenDoc := map[string]bool{}
	for _, d := range docs {
		if d.ID == "" {
			return nil, nil, fmt.Errorf("document %q has no id (the importer must set it with agenda.DocumentID)", d.Title)
		}
		if seenDoc[d.ID] {
			return nil, nil, fmt.Errorf("document %q is in the package twice", d.Title)
		}
		seenDoc[d.ID] = true
	}
	return meetings, docs, nil
}

// loadMeeting reads a stored meeting with its items; nil when absent.
func loadMeeting(tx *bolt.Tx, id string) (*meetingRecord, error) {
	v := tx.Bucket(bucketMeetings).Get([]byte(id))
	if v == nil {
		return nil, nil
	}
	r, err := decodeMeeting(v)
	if err != nil {
		return nil, fmt.Errorf("stored meeting %s: %w", id, err)
	}
	items := tx.Bucket(bucketItems)
	r.Meeting.Items = make([]agenda.Item, 0, len(r.ItemIDs))
	for _, iid := range r.ItemIDs {
		v := items.Get([]byte(iid))
		if v == nil {
			return nil, fmt.Errorf("stored meeting %s lacks its item %s: %w", id, iid, errDamaged)
		}
		v, err := openValue(tx, bucketItems, []byte(iid), v)
		if err != nil {
			return nil, fmt.Errorf("stored item %s: %w", iid, err)
		}
		ir, err := decodeItem(v)
		if err != nil {
			return nil, fmt.Errorf("stored item %s: %w", iid, err)
		}
		r.Meeting.Items = append(r.Meeting.Items, ir.Item)
	}
	return r, nil
}

// importMeeting imports one meeting; wrote says whether it changed the store.
func importMeeting(tx *bolt.Tx, ix *indexer, next *agenda.Meeting, stamp time.Time, texts map[string]*textRecord) (res ImportResult, wrote bool, err error) {
	id := next.ID
	stored, err := loadMeeting(tx, id)
	if err != nil {
		return res, false, err
	}
	res = ImportResult{MeetingID: id, Body: next.Body.Name, Title: next.Title, Start: next.Start, Items: len(next.Items), New: stored == nil}
	var prev *agenda.Meeting
	if stored != nil {
		prev = &stored.Meeting
		if !prev.Source.Released.IsZero() && prev.Source.Released.After(next.Source.Released) {
			res.Body, res.Title, res.Start, res.Items = prev.Body.Name, prev.Title, prev.Start, len(prev.Items)
			res.Older, res.Unchanged = true, true
			res.Notes, err = countNotes(tx, id)
			return res, false, err
		}
	}

	stripped := purgeIncoming(tx, next)
	changes := agenda.Reconcile(prev, next)
	next.ID = id // Reconcile recomputes the id; the importer's is the one the store knows
	for _, c := range changes {
		if c.Kind != agenda.Unchanged {
			res.Changes = append(res.Changes, c)
		}
	}

	rec := &meetingRecord{Meeting: *next, ItemIDs: make([]string, len(next.Items)), Updated: stamp}
	rec.Meeting.Items = nil
	itemBytes := make([][]byte, len(next.Items))
	seen := make(map[string]bool, len(next.Items))
	for i := range next.Items {
		if seen[next.Items[i].ID] { // two items in one record would lose one of them
			return res, false, fmt.Errorf("items %s and another were given the same id %s", next.Items[i].Number, next.Items[i].ID)
		}
		seen[next.Items[i].ID] = true
		rec.ItemIDs[i] = next.Items[i].ID
		ir := itemRecord{MeetingID: id, Item: next.Items[i]}
		if stripped && ir.Item.Closed {
			if ir.Purged, err = purgedAt(tx, ir.Item.ID, stamp); err != nil {
				return res, false, err
			}
		}
		itemBytes[i] = encodeItem(&ir)
	}
	if stored != nil && sameAsStored(tx, stored, withPath(rec, stored.Meeting.Source.Path), next, itemBytes) && !textPending(tx, next, texts) {
		res.Unchanged = true
		res.Notes, err = countNotes(tx, id)
		return res, false, err
	}
	if err := putMeeting(tx, ix, prev, next, rec, itemBytes, changes, texts); err != nil {
		return res, false, err
	}
	res.Notes, err = reanchorNotes(tx, next, stripped)
	return res, true, err
}

// purgedAt is when retention purged a stored item, or stamp when it has not yet.
func purgedAt(tx *bolt.Tx, itemID string, stamp time.Time) (time.Time, error) {
	v, err := getOpen(tx, bucketItems, []byte(itemID))
	if err != nil || v == nil {
		return stamp, err
	}
	r, err := decodeItem(v)
	if err != nil {
		return stamp, fmt.Errorf("stored item %s: %w", itemID, err)
	}
	if r.Purged.IsZero() {
		return stamp, nil
	}
	return r.Purged, nil
}

// sameAsStored: the stored meeting, its items and its attachment content are exactly
// what the import would write.
func sameAsStored(tx *bolt.Tx, stored, rec *meetingRecord, next *agenda.Meeting, itemBytes [][]byte) bool {
	cmp := *rec
	cmp.Updated = stored.Updated
	if !bytes.Equal(tx.Bucket(bucketMeetings).Get([]byte(rec.Meeting.ID)), encodeMeeting(&cmp)) {
		return false
	}
	for i, iid := range rec.ItemIDs {
		// Compared unsealed: a sealed value differs at every write (its nonce).
		if v, err := getOpen(tx, bucketItems, []byte(iid)); err != nil || !bytes.Equal(v, itemBytes[i]) {
			return false
		}
	}
	blobs := tx.Bucket(bucketBlobs)
	for i := range next.Items {
		for _, a := range next.Items[i].Attachments {
			if a.Content != nil && blobs.Get([]byte(a.SHA256)) == nil {
				return false // the same meeting, now with content the store lacks
			}
		}
	}
	return true
}

// putMeeting writes a new or changed meeting: header, summary, items, the previous
// version of changed and removed items, attachment content and text, and the search
// index's documents of whatever changed. Items that did not change keep their documents:
// a re-publication that changes one item re-indexes that item.
func putMeeting(tx *bolt.Tx, ix *indexer, prev, next *agenda.Meeting, rec *meetingRecord, itemBytes [][]byte, changes []agenda.ItemChange, texts map[string]*textRecord) error {
	items, blobs := tx.Bucket(bucketItems), tx.Bucket(bucketBlobs)
	fresh, err := putTexts(tx, next, texts)
	if err != nil {
		return err
	}
	for i := range next.Items {
		it := &next.Items[i]
		key := []byte(it.ID)
		old, err := getOpen(tx, bucketItems, key)
		if err != nil {
			return fmt.Errorf("stored item %s: %w", it.ID, err)
		}
		changed := !bytes.Equal(old, itemBytes[i])
		if !changed && !hasFreshText(it, fresh) {
			continue
		}
		var oldItem *agenda.Item
		if old != nil {
			old = bytes.Clone(old) // a Get's memory may be remapped by this transaction's writes
			r, err := decodeItem(old)
			if err != nil {
				return fmt.Errorf("stored item %s: %w", it.ID, err)
			}
			if r.MeetingID != next.ID {
				return fmt.Errorf("item %s %q has the id of an item of another meeting", it.Number, it.Title)
			}
			oldItem = &r.Item
		}
		if changed {
			if old != nil {
				if err := putMaybeSealed(tx, bucketPrevious, key, old, oldItem.Closed); err != nil {
					return err
				}
			}
			if err := putMaybeSealed(tx, bucketItems, key, itemBytes[i], it.Closed); err != nil {
				return err
			}
		}
		if err := ix.indexItem(next.ID, oldItem, it, fresh); err != nil {
			return err
		}
	}
	for _, c := range changes {
		if c.Kind != agenda.Removed {
			continue
		}
		key := []byte(c.ItemID)
		old, err := getOpen(tx, bucketItems, key)
		if err != nil {
			return fmt.Errorf("stored item %s: %w", c.ItemID, err)
		}
		if old != nil {
			old = bytes.Clone(old)
			r, err := decodeItem(old)
			if err != nil {
				return fmt.Errorf("stored item %s: %w", c.ItemID, err)
			}
			if err := putMaybeSealed(tx, bucketPrevious, key, old, r.Item.Closed); err != nil {
				return err
			}
			if err := items.Delete(key); err != nil {
				return err
			}
			if err := ix.removeItem(c.ItemID); err != nil {
				return err
			}
		}
	}
	if prev == nil || !slices.Equal(slices.Collect(meetingSegments(prev)), slices.Collect(meetingSegments(next))) {
		if err := ix.indexMeeting(next); err != nil {
			return err
		}
	}
	secret := closedContent(tx, next)
	for i := range next.Items {
		for _, a := range next.Items[i].Attachments {
			if a.Content == nil || blobs.Get([]byte(a.SHA256)) != nil {
				continue
			}
			var err error
			switch sealed := tx.Bucket(bucketSealedBlobs); {
			case !secret[a.SHA256]:
				err = blobs.Put([]byte(a.SHA256), a.Content)
			case sealed.Get([]byte(a.SHA256)) == nil:
				err = putSealed(tx, bucketSealedBlobs, []byte(a.SHA256), a.Content)
			}
			if err != nil {
				return err
			}
		}
	}
	if err := tx.Bucket(bucketMeetings).Put([]byte(next.ID), encodeMeeting(rec)); err != nil {
		return err
	}
	sums := tx.Bucket(bucketSummaries)
	key := summaryKey(next.Start, next.ID)
	if prev != nil {
		if old := summaryKey(prev.Start, prev.ID); !bytes.Equal(old, key) {
			if err := sums.Delete(old); err != nil {
				return err
			}
		}
	}
	sum := summarize(next, rec.Updated, prev != nil, changes)
	return sums.Put(key, encodeSummary(&sum))
}

// summarize builds what the meeting list shows. After a re-publication, items added or
// changed by it are marked Changed.
func summarize(m *agenda.Meeting, updated time.Time, republished bool, changes []agenda.ItemChange) MeetingSummary {
	changed := map[string]bool{}
	if republished {
		for _, c := range changes {
			if c.Kind == agenda.Added || c.Kind == agenda.Changed {
				changed[c.ItemID] = true
			}
		}
	}
	s := MeetingSummary{
		ID: m.ID, Title: m.Title, Location: m.Location, Body: m.Body, Kind: m.Kind,
		Start: m.Start, End: m.End, Premeeting: m.Premeeting, Source: m.Source,
		Items: make([]ItemSummary, len(m.Items)), Updated: updated,
	}
	for i := range m.Items {
		it := &m.Items[i]
		s.Items[i] = ItemSummary{
			ID: it.ID, Number: it.Number, Group: it.Group, Title: it.Title, CaseNumber: it.CaseNumber,
			Closed: it.Closed, Recommendations: len(it.Recommendations),
			TextHash: agenda.ItemTextHash(it), Changed: changed[it.ID],
		}
	}
	return s
}

// reanchorNotes places every note of meeting m on its new version and counts them by
// status. Tombstones are left as they are and not counted; so are the notes on closed
// items whose texts retention removed (purged): there is nothing to place them on, and
// they keep the status they had.
func reanchorNotes(tx *bolt.Tx, m *agenda.Meeting, purged bool) (map[agenda.NoteStatus]int, error) {
	closed := map[string]bool{}
	if purged {
		for _, it := range m.Items {
			closed[it.ID] = it.Closed
		}
	}
	notes := tx.Bucket(bucketNotes)
	counts := map[agenda.NoteStatus]int{}
	type put struct{ key, val []byte }
	var puts []put
	err := forMeetingNotes(tx, m.ID, func(seq []byte, stored []byte, n *agenda.Note) error {
		if n.Deleted {
			return nil
		}
		if closed[n.Anchor.ItemID] {
			counts[n.Status]++
			return nil
		}
		agenda.Reanchor(n, m)
		counts[n.Status]++
		if v := encodeNote(n); !bytes.Equal(v, stored) {
			sv, err := sealValue(tx, bucketNotes, seq, v)
			if err != nil {
				return err
			}
			puts = append(puts, put{seq, sv})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	for _, p := range puts { // after the cursor loop: writes may move the pages it walks
		if err := notes.Put(p.key, p.val); err != nil {
			return nil, err
		}
	}
	return counts, nil
}

// countNotes counts a meeting's notes by status, tombstones excluded.
func countNotes(tx *bolt.Tx, meetingID string) (map[agenda.NoteStatus]int, error) {
	counts := map[agenda.NoteStatus]int{}
	err := forMeetingNotes(tx, meetingID, func(_, _ []byte, n *agenda.Note) error {
		if !n.Deleted {
			counts[n.Status]++
		}
		return nil
	})
	return counts, err
}

// forMeetingNotes calls fn for each note indexed under meetingID, in creation order, with
// its key and stored record (unsealed copies, valid after the transaction's writes).
func forMeetingNotes(tx *bolt.Tx, meetingID string, fn func(seq, stored []byte, n *agenda.Note) error) error {
	notes := tx.Bucket(bucketNotes)
	prefix := meetingNotePrefix(meetingID)
	c := tx.Bucket(bucketMeetingNotes).Cursor()
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
		seq := bytes.Clone(k[len(prefix):])
		v := notes.Get(seq)
		if v == nil {
			return fmt.Errorf("the note index names note %x, which is missing: %w", seq, errDamaged)
		}
		v, err := openValue(tx, bucketNotes, seq, v)
		if err != nil {
			return fmt.Errorf("note %x: %w", seq, err)
		}
		n, err := decodeNote(v)
		if err != nil {
			return fmt.Errorf("note %x: %w", seq, err)
		}
		if err := fn(seq, bytes.Clone(v), n); err != nil {
			return err
		}
	}
	return nil
}

// importDocument writes and indexes a document unless the stored one is identical.
func importDocument(tx *bolt.Tx, ix *indexer, d *agenda.Document) (bool, error) {
	b := tx.Bucket(bucketDocuments)
	v := encodeDocument(d)
	old := b.Get([]byte(d.ID))
	if bytes.Equal(old, v) {
		return false, nil
	}
	// The same content from another path (a copy, a link to it) is the same document.
	if prev, err := decodeDocument(old); err == nil && old != nil && prev.Source.Path != d.Source.Path {
		same := *d
		same.Source.Path = prev.Source.Path
		if bytes.Equal(old, encodeDocument(&same)) {
			return false, nil
		}
	}
	if err := b.Put([]byte(d.ID), v); err != nil {
		return true, err
	}
	return true, ix.indexDocument(d)
}

// hasFreshText: an attachment of it has text stored by this transaction.
func hasFreshText(it *agenda.Item, fresh map[string]bool) bool {
	for _, a := range it.Attachments {
		if fresh[a.SHA256] {
			return true
		}
	}
	return false
}

// withPath is rec as it would be stored had it come from path. The file a publication was
// read from is not part of what it says: identical content imported from another path (a
// copy, a link) is unchanged, keeps the path it was first imported from, and writes nothing.
func withPath(rec *meetingRecord, path string) *meetingRecord {
	if rec.Meeting.Source.Path == path {
		return rec
	}
	cp := *rec
	cp.Meeting.Source.Path = path
	return &cp
}

// closedContent returns the attachment contents of m that only its closed items have and
// the store holds in no open item: they are stored sealed (sealed_blobs, and their text).
func closedContent(tx *bolt.Tx, m *agenda.Meeting) map[string]bool {
	secret := map[string]bool{}
	open := map[string]bool{}
	for i := range m.Items {
		for _, a := range m.Items[i].Attachments {
			if a.SHA256 == "" {
				continue
			}
			if m.Items[i].Closed {
				secret[a.SHA256] = true
			} else {
				open[a.SHA256] = true
			}
		}
	}
	for sha := range secret {
		if open[sha] || tx.Bucket(bucketBlobs).Get([]byte(sha)) != nil {
			delete(secret, sha) // public anyway
		}
	}
	return secret
}
