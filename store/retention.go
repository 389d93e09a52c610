package store

// Retention of closed items (issue 10 §6). A member may keep the texts of closed items
// (lukkede punkter: sales, personnel, tenders) only as long as they need them. With a
// retention of N days, the texts of every closed item (body, recommendations, decision)
// and its attachments are removed N days after its meeting began: the item stays in the
// agenda with its number and title, and the member's notes on it stay as they are (their
// anchors keep the item's number and title, so they still say where they were).
//
// When it runs: in every Import (so every import and sync, in the same transaction), and
// on demand (PurgeClosed, `dagsorden purge`). meta/purged_before remembers the cutoff of
// the last run: every meeting that began before it has been purged, so a run visits only
// the meetings that have aged past the limit since, and an import of a meeting older
// than it strips its closed items before they are stored.
//
//	meta/retention      → uvarint: days after its meeting a closed item's texts are kept
//	meta/purged_before  → 8-byte start key (summaryKey): meetings before it are purged

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	"github.com/dagsorden/dagsorden/agenda"
	bolt "go.etcd.io/bbolt"
)

var (
	keyRetention    = []byte("retention")
	keyPurgedBefore = []byte("purged_before")
)

// PurgeResult says what a purge removed.
type PurgeResult struct {
	Meetings    int // meetings with a closed item purged
	Items       int // closed items whose texts were removed
	Attachments int // attachment contents removed (no other item had them)
}

// SetPurgeClosedAfter sets the retention of closed items' texts to days after their
// meeting; 0 keeps them for good. It purges nothing itself (PurgeClosed does, and every
// Import).
func (s *Store) SetPurgeClosedAfter(days int) error {
	if days < 0 {
		return errors.New("a retention cannot be negative")
	}
	return s.update(func(tx *bolt.Tx) error {
		meta := tx.Bucket(bucketMeta)
		if readRetention(tx) == days {
			return errNoChange
		}
		// A new limit starts a new watermark: meetings imported while the old one held
		// were stripped by the old limit, not the new one.
		if err := meta.Delete(keyPurgedBefore); err != nil {
			return err
		}
		if days == 0 {
			return meta.Delete(keyRetention)
		}
		return meta.Put(keyRetention, binary.AppendUvarint(nil, uint64(days)))
	})
}

// PurgeClosedAfter is the retention in days; 0 when closed items are kept for good.
func (s *Store) PurgeClosedAfter() (int, error) {
	var days int
	err := s.view(func(tx *bolt.Tx) error { days = readRetention(tx); return nil })
	return days, err
}

func readRetention(tx *bolt.Tx) int {
	v := tx.Bucket(bucketMeta).Get(keyRetention)
	if v == nil {
		return 0
	}
	d, n := binary.Uvarint(v)
	if n <= 0 || d > 1<<20 {
		return 0
	}
	return int(d)
}

// PurgeClosed removes the texts and attachments of closed items whose meeting began
// more than the retention before at. Without a retention it does nothing.
func (s *Store) PurgeClosed(at time.Time) (PurgeResult, error) {
	var res PurgeResult
	err := s.update(func(tx *bolt.Tx) error {
		ix := newIndexer(tx)
		var wrote bool
		var err error
		res, wrote, err = purgeClosed(tx, ix, at)
		if err != nil {
			return err
		}
		if !wrote {
			return errNoChange
		}
		return ix.flush()
	})
	if err != nil {
		return res, fmt.Errorf("purge of closed items: %w", err)
	}
	return res, nil
}

// purgedBefore is meta/purged_before, or nil.
func purgedBefore(tx *bolt.Tx) []byte {
	v := tx.Bucket(bucketMeta).Get(keyPurgedBefore)
	if len(v) != 8 || readRetention(tx) == 0 {
		return nil
	}
	return v
}

// purgeClosed purges the meetings that began in [meta/purged_before, at − retention)
// and moves meta/purged_before to the cutoff; wrote says whether it changed anything.
func purgeClosed(tx *bolt.Tx, ix *indexer, at time.Time) (res PurgeResult, wrote bool, err error) {
	days := readRetention(tx)
	if days == 0 {
		return res, false, nil
	}
	cutoff := summaryKey(at.AddDate(0, 0, -days), "")
	from := purgedBefore(tx)
	if from != nil && bytes.Compare(from, cutoff) >= 0 {
		return res, false, nil
	}
	var ids []string
	c := tx.Bucket(bucketSummaries).Cursor()
	for k, v := c.Seek(from); k != nil && bytes.Compare(k[:8], cutoff) < 0; k, v = c.Next() {
		var sum MeetingSummary
		if err := decodeSummary(v, &sum); err != nil {
			return res, false, fmt.Errorf("stored meeting summary %x: %w", k, err)
		}
		for _, it := range sum.Items {
			if it.Closed {
				ids = append(ids, sum.ID)
				break
			}
		}
	}
	if len(ids) == 0 {
		// Nothing to purge: the watermark stays where it is rather than move (and write)
		// at every import; the next run starts from it again, which costs nothing.
		return res, false, nil
	}
	stamp := now()
	gone := map[string]bool{}
	for _, id := range ids {
		n, err := purgeMeeting(tx, ix, id, stamp, gone)
		if err != nil {
			return res, false, fmt.Errorf("meeting %s: %w", id, err)
		}
		if n > 0 {
			res.Meetings++
			res.Items += n
		}
	}
	if res.Attachments, err = removeContents(tx, gone); err != nil {
		return res, false, err
	}
	return res, true, tx.Bucket(bucketMeta).Put(keyPurgedBefore, cutoff)
}

// stripClosed removes what retention removes from a closed item.
func stripClosed(it *agenda.Item) {
	it.Sections, it.Recommendations, it.Decision, it.Attachments = nil, nil, "", nil
}

func hasTexts(it *agenda.Item) bool {
	return len(it.Sections) > 0 || len(it.Recommendations) > 0 || it.Decision != "" || len(it.Attachments) > 0
}

// purgeMeeting purges the closed items of one meeting and returns how many it purged;
// the contents of their attachments are added to gone.
func purgeMeeting(tx *bolt.Tx, ix *indexer, meetingID string, stamp time.Time, gone map[string]bool) (int, error) {
	r, err := loadMeeting(tx, meetingID)
	if err != nil || r == nil {
		return 0, err
	}
	n := 0
	for i := range r.Meeting.Items {
		it := &r.Meeting.Items[i]
		if !it.Closed || !hasTexts(it) {
			continue
		}
		old := *it
		for _, a := range it.Attachments {
			if a.SHA256 != "" {
				gone[a.SHA256] = true
			}
		}
		stripClosed(it)
		rec := itemRecord{MeetingID: meetingID, Item: *it, Purged: stamp}
		if err := putSealed(tx, bucketItems, []byte(it.ID), encodeItem(&rec)); err != nil {
			return n, err
		}
		// The version before the last change has the texts too.
		if err := tx.Bucket(bucketPrevious).Delete([]byte(it.ID)); err != nil {
			return n, err
		}
		if err := ix.indexItem(meetingID, &old, it, nil); err != nil {
			return n, err
		}
		if err := markPurgedRead(tx, &old, it); err != nil {
			return n, err
		}
		n++
	}
	if n == 0 {
		return 0, nil
	}
	// The summary: the purged items have no recommendations and a new text hash. They
	// are not "changed by a re-publication": Changed stays as it was.
	key := summaryKey(r.Meeting.Start, meetingID)
	var sum MeetingSummary
	if err := decodeSummary(tx.Bucket(bucketSummaries).Get(key), &sum); err != nil {
		return n, fmt.Errorf("stored meeting summary: %w", err)
	}
	for i := range sum.Items {
		is := &sum.Items[i]
		for j := range r.Meeting.Items {
			if it := &r.Meeting.Items[j]; it.ID == is.ID {
				is.Recommendations, is.TextHash = len(it.Recommendations), agenda.ItemTextHash(it)
			}
		}
	}
	return n, tx.Bucket(bucketSummaries).Put(key, encodeSummary(&sum))
}

// markPurgedRead keeps a purged item read when the member had read it: removing its texts
// is not news to them.
func markPurgedRead(tx *bolt.Tx, old, purged *agenda.Item) error {
	b := tx.Bucket(bucketRead)
	if v := b.Get([]byte(old.ID)); v != nil && string(v) == agenda.ItemTextHash(old) {
		return b.Put([]byte(old.ID), []byte(agenda.ItemTextHash(purged)))
	}
	return nil
}

// removeContents deletes the stored contents (and their texts) of shas no item refers to
// any more; it returns how many it deleted.
func removeContents(tx *bolt.Tx, shas map[string]bool) (int, error) {
	if len(shas) == 0 {
		return 0, nil
	}
	open, closed, err := attachmentOwners(tx)
	if err != nil {
		return 0, err
	}
	n := 0
	for sha := range shas {
		if open[sha] || closed[sha] {
			continue // another item has it too
		}
		k := []byte(sha)
		removed := false
		for _, name := range [][]byte{bucketBlobs, bucketSealedBlobs, bucketAttachmentText} {
			b := tx.Bucket(name)
			if b == nil || b.Get(k) == nil {
				continue
			}
			if err := b.Delete(k); err != nil {
				return n, err
			}
			removed = removed || !bytes.Equal(name, bucketAttachmentText)
		}
		if removed {
			n++
		}
	}
	return n, nil
}

// purgeIncoming strips the closed items of a meeting being imported that began before
// meta/purged_before (the run that moved it there will not visit it again), and reports
// whether it did.
func purgeIncoming(tx *bolt.Tx, m *agenda.Meeting) bool {
	before := purgedBefore(tx)
	if before == nil || bytes.Compare(summaryKey(m.Start, "")[:8], before) >= 0 {
		return false
	}
	for i := range m.Items {
		if it := &m.Items[i]; it.Closed {
			stripClosed(it)
		}
	}
	return true
}
