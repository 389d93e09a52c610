package store

// Removing a meeting (`dagsorden meeting remove`): the member imported something they do
// not want to keep (the bundled example, a wrong file, a body they left). Everything the
// meeting brought goes in one transaction: its header and summary, its items and their
// previous versions (also of items a re-publication had already dropped), the read
// marks, its documents in the search index (the sealed ones of closed items too), and
// attachment contents and texts no other item refers to.
//
// The notes on it are the member's own words and stay, orphaned, with the number and
// title of their item in their anchors; a later import of the same meeting places them
// again. With withNotes the member's private notes go too, as tombstones like DeleteNote
// makes (out of the index). Notes shared with a group stay orphaned even then: deleting
// a shared note deletes it for the whole group, which removing a meeting from this
// machine must not do behind the member's back.

import (
	"bytes"
	"fmt"
	"time"

	"github.com/dagsorden/dagsorden/agenda"
	bolt "go.etcd.io/bbolt"
)

// RemoveResult says what RemoveMeeting removed and kept.
type RemoveResult struct {
	MeetingID   string
	Body, Title string
	Start       time.Time
	Items       int // the meeting's items
	Previous    int // previous versions of its items
	Attachments int // attachment contents no other item refers to
	IndexDocs   int // documents of the search index, sealed ones included
	// Orphaned: notes kept without their meeting. Removed: private notes deleted
	// (withNotes). Shared: of Orphaned, the notes shared with a group, kept even with
	// withNotes.
	Orphaned, Removed, Shared int
}

// RemoveMeeting removes meeting id and everything it brought from the store, in one
// transaction; see the comment at the top of remove.go for what stays. It returns
// ErrNotFound (wrapped) when there is no such meeting.
func (s *Store) RemoveMeeting(id string, withNotes bool) (RemoveResult, error) {
	var res RemoveResult
	err := s.update(func(tx *bolt.Tx) error {
		var err error
		res, err = removeMeeting(tx, id, withNotes)
		return err
	})
	if err != nil {
		return RemoveResult{}, fmt.Errorf("remove meeting %s: %w", id, err)
	}
	return res, nil
}

func removeMeeting(tx *bolt.Tx, id string, withNotes bool) (RemoveResult, error) {
	r, err := loadMeeting(tx, id)
	if err != nil {
		return RemoveResult{}, err
	}
	if r == nil {
		return RemoveResult{}, notFound("meeting", id)
	}
	m := &r.Meeting
	res := RemoveResult{MeetingID: id, Body: m.Body.Name, Title: m.Title, Start: m.Start, Items: len(m.Items)}
	ix := newIndexer(tx)
	gone := map[string]bool{} // attachment contents the removed items referred to
	note := func(it *agenda.Item) {
		for _, a := range it.Attachments {
			if a.SHA256 != "" {
				gone[a.SHA256] = true
			}
		}
	}

	// Previous versions: of the current items, and of items the agenda dropped earlier
	// (only the previous bucket still knows those, by their record's meeting id).
	items, previous, read := tx.Bucket(bucketItems), tx.Bucket(bucketPrevious), tx.Bucket(bucketRead)
	current := map[string]bool{}
	for i := range m.Items {
		current[m.Items[i].ID] = true
	}
	var dropped [][]byte
	err = previous.ForEach(func(k, v []byte) error {
		if current[string(k)] {
			return nil
		}
		pv, err := openValue(tx, bucketPrevious, k, v)
		if err != nil {
			return fmt.Errorf("stored item %s: %w", k, err)
		}
		ir, err := decodeItem(pv)
		if err != nil {
			return fmt.Errorf("stored item %s: %w", k, err)
		}
		if ir.MeetingID == id {
			note(&ir.Item)
			dropped = append(dropped, bytes.Clone(k))
		}
		return nil
	})
	if err != nil {
		return res, err
	}
	removeItem := func(key []byte) error {
		res.IndexDocs += countOwned(tx, ownerItem(string(key)), ownerAttachments(string(key)))
		if err := ix.removeItem(string(key)); err != nil {
			return err
		}
		if pv, err := getOpen(tx, bucketPrevious, key); err != nil {
			return fmt.Errorf("stored item %s: %w", key, err)
		} else if pv != nil {
			ir, err := decodeItem(pv)
			if err != nil {
				return fmt.Errorf("stored item %s: %w", key, err)
			}
			note(&ir.Item)
			res.Previous++
			if err := previous.Delete(key); err != nil {
				return err
			}
		}
		if err := items.Delete(key); err != nil {
			return err
		}
		return read.Delete(key)
	}
	for i := range m.Items {
		note(&m.Items[i])
		if err := removeItem([]byte(m.Items[i].ID)); err != nil {
			return res, err
		}
	}
	for _, k := range dropped {
		if err := removeItem(k); err != nil {
			return res, err
		}
	}

	res.IndexDocs += countOwned(tx, ownerMeeting(id))
	if err := ix.removeOwner(ownerMeeting(id)); err != nil {
		return res, err
	}
	if err := tx.Bucket(bucketSummaries).Delete(summaryKey(m.Start, id)); err != nil {
		return res, err
	}
	if err := tx.Bucket(bucketMeetings).Delete([]byte(id)); err != nil {
		return res, err
	}
	if err := keepNotes(tx, ix, id, withNotes, &res); err != nil {
		return res, err
	}
	// After the items are gone: a content another meeting's item has too stays.
	if res.Attachments, err = removeContents(tx, gone); err != nil {
		return res, err
	}
	return res, ix.flush()
}

// keepNotes orphans the notes of a removed meeting, or with withNotes turns the private
// ones into tombstones. Their meeting_notes entries stay: a re-import of the meeting
// finds and places them again.
func keepNotes(tx *bolt.Tx, ix *indexer, meetingID string, withNotes bool, res *RemoveResult) error {
	type put struct {
		seq  []byte
		note *agenda.Note
	}
	var puts []put
	err := forMeetingNotes(tx, meetingID, func(seq, _ []byte, n *agenda.Note) error {
		switch {
		case n.Deleted:
			return nil
		case withNotes && n.Visibility != agenda.Group:
			n.Deleted = true
			n.Revision++
			n.Updated = now()
			res.Removed++
		default:
			if n.Visibility == agenda.Group {
				res.Shared++
			}
			res.Orphaned++
			if n.Status == agenda.StatusOrphaned {
				return nil
			}
			n.Status = agenda.StatusOrphaned
		}
		puts = append(puts, put{seq, n})
		return nil
	})
	if err != nil {
		return err
	}
	for _, p := range puts { // after the cursor loop: writes may move the pages it walks
		if err := putSealed(tx, bucketNotes, p.seq, encodeNote(p.note)); err != nil {
			return err
		}
		if p.note.Deleted {
			if err := ix.indexNote(p.note); err != nil { // a tombstone: out of the index
				return err
			}
		}
	}
	return nil
}

// countOwned counts the index documents (sealed or not) of the owners with these
// prefixes: ownerX(id) for one owner, ownerAttachments(item) for an item's attachments.
func countOwned(tx *bolt.Tx, prefixes ...[]byte) int {
	n := 0
	c := tx.Bucket(bucketOwners).Cursor()
	for _, p := range prefixes {
		if len(p) > 0 && p[len(p)-1] != 0 {
			p = append(bytes.Clone(p), 0) // one owner: its key ends with the separator
		}
		for k, _ := c.Seek(p); k != nil && bytes.HasPrefix(k, p); k, _ = c.Next() {
			n++
		}
	}
	return n
}
