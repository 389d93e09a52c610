package store

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"

	"github.com/dagsorden/dagsorden/agenda"
	bolt "go.etcd.io/bbolt"
)

// SaveNote stores a note durably in one transaction (never NoSync): the user's own words.
//
// A new note (empty ID, or an ID the store does not know) gets a random 128-bit hex ID
// and Created; every save sets Updated and increments Revision (past the stored one). The
// note must be on an item in the store; when its anchor has neither quote nor text hash
// (say, only an item id and a recommendation index) it is completed with
// agenda.AnchorOn. Status is set by re-anchoring on the stored meeting: ok for an anchor
// that fits the stored text. A stored note whose item is gone can still be edited and
// stays orphaned. On success n holds what was stored.
func (s *Store) SaveNote(n *agenda.Note) error {
	if n == nil {
		return errors.New("no note to save")
	}
	if n.Anchor.ItemID == "" {
		return errors.New("a note must be on an item; this one has no item id")
	}
	if !slices.Contains(agenda.Stances, n.Stance) {
		return fmt.Errorf("unknown stance %q (use for, against, abstain, question or none)", n.Stance)
	}
	switch n.Visibility {
	case "", agenda.Private, agenda.Group:
	default:
		return fmt.Errorf("unknown visibility %q (use private or group)", n.Visibility)
	}
	var saved agenda.Note
	err := s.update(func(tx *bolt.Tx) error {
		note := *n
		if r := n.Anchor.Recommendation; r != nil {
			i := *r
			note.Anchor.Recommendation = &i // the caller's int is not ours to re-anchor
		}
		if note.Visibility == "" {
			note.Visibility = agenda.Private
		}
		stamp := now()
		seq, old, err := noteByID(tx, note.ID)
		if err != nil && !errors.Is(err, ErrNotFound) {
			return err
		}
		if err := placeNote(tx, &note, old != nil); err != nil {
			return err
		}
		notes, idx := tx.Bucket(bucketNotes), tx.Bucket(bucketMeetingNotes)
		if old == nil {
			if note.ID == "" {
				note.ID = newNoteID()
			}
			if note.Created.IsZero() {
				note.Created = stamp
			}
			if seq, err = notes.NextSequence(); err != nil {
				return err
			}
		} else {
			note.Created = old.Created
			note.Revision = max(note.Revision, old.Revision)
			if old.Anchor.MeetingID != note.Anchor.MeetingID {
				if err := idx.Delete(meetingNoteKey(old.Anchor.MeetingID, seq)); err != nil {
					return err
				}
			}
		}
		note.Revision++
		note.Updated = stamp
		if err := putNote(tx, seq, &note); err != nil {
			return err
		}
		saved = note
		return nil
	})
	if err != nil {
		return fmt.Errorf("the note was not saved: %w", err)
	}
	*n = saved
	return nil
}

// placeNote anchors a note on the stored version of its item's meeting.
func placeNote(tx *bolt.Tx, n *agenda.Note, exists bool) error {
	v := tx.Bucket(bucketItems).Get([]byte(n.Anchor.ItemID))
	if v == nil {
		if exists { // its item was removed by a re-publication: the note stays, orphaned
			n.Status = agenda.StatusOrphaned
			return nil
		}
		return notFound("item", n.Anchor.ItemID)
	}
	v, err := openValue(tx, bucketItems, []byte(n.Anchor.ItemID), v)
	if err != nil {
		return fmt.Errorf("stored item %s: %w", n.Anchor.ItemID, err)
	}
	ir, err := decodeItem(v)
	if err != nil {
		return fmt.Errorf("stored item %s: %w", n.Anchor.ItemID, err)
	}
	m, err := loadMeeting(tx, ir.MeetingID)
	if err != nil {
		return err
	}
	if m == nil {
		return fmt.Errorf("item %s names meeting %s, which is missing: %w", n.Anchor.ItemID, ir.MeetingID, errDamaged)
	}
	if n.Anchor.Quote.Exact == "" && n.Anchor.TextHash == "" {
		a, err := agenda.AnchorOn(&m.Meeting, &ir.Item, n.Anchor.Recommendation)
		if err != nil {
			return err
		}
		n.Anchor = a
	}
	agenda.Reanchor(n, &m.Meeting)
	return nil
}

// putNote writes a note under seq with its id and meeting index entries, and its
// document in the search index: a note is found the moment it is saved.
func putNote(tx *bolt.Tx, seq uint64, n *agenda.Note) error {
	if err := putSealed(tx, bucketNotes, u64(seq), encodeNote(n)); err != nil {
		return err
	}
	if err := tx.Bucket(bucketNoteIDs).Put([]byte(n.ID), u64(seq)); err != nil {
		return err
	}
	if err := tx.Bucket(bucketMeetingNotes).Put(meetingNoteKey(n.Anchor.MeetingID, seq), nil); err != nil {
		return err
	}
	ix := newIndexer(tx)
	if err := ix.indexNote(n); err != nil {
		return err
	}
	return ix.flush()
}

func newNoteID() string {
	var b [16]byte
	rand.Read(b[:]) // never fails (crypto/rand since Go 1.24)
	return hex.EncodeToString(b[:])
}

// noteByID finds a note and its sequence key; ErrNotFound when id is unknown or empty.
func noteByID(tx *bolt.Tx, id string) (uint64, *agenda.Note, error) {
	if id == "" {
		return 0, nil, notFound("note", id)
	}
	k := tx.Bucket(bucketNoteIDs).Get([]byte(id))
	if k == nil {
		return 0, nil, notFound("note", id)
	}
	seq := readU64(k)
	v := tx.Bucket(bucketNotes).Get(k)
	if v == nil {
		return 0, nil, fmt.Errorf("note %s is indexed but missing: %w", id, errDamaged)
	}
	v, err := openValue(tx, bucketNotes, k, v)
	if err != nil {
		return 0, nil, fmt.Errorf("stored note %s: %w", id, err)
	}
	n, err := decodeNote(v)
	if err != nil {
		return 0, nil, fmt.Errorf("stored note %s: %w", id, err)
	}
	return seq, n, nil
}

// Note returns one note, tombstone or not.
func (s *Store) Note(id string) (*agenda.Note, error) {
	var n *agenda.Note
	err := s.view(func(tx *bolt.Tx) error {
		var err error
		_, n, err = noteByID(tx, id)
		return err
	})
	return n, err
}

// Notes returns every note in creation order, tombstones excluded.
func (s *Store) Notes() ([]agenda.Note, error) {
	var out []agenda.Note
	err := s.view(func(tx *bolt.Tx) error {
		var err error
		out, err = allNotes(tx)
		return err
	})
	return out, err
}

func allNotes(tx *bolt.Tx) ([]agenda.Note, error) {
	var out []agenda.Note
	err := tx.Bucket(bucketNotes).ForEach(func(k, v []byte) error {
		v, err := openValue(tx, bucketNotes, k, v)
		if err != nil {
			return fmt.Errorf("stored note %x: %w", k, err)
		}
		n, err := decodeNote(v)
		if err != nil {
			return fmt.Errorf("stored note %x: %w", k, err)
		}
		if !n.Deleted {
			out = append(out, *n)
		}
		return nil
	})
	return out, err
}

// NotesForMeeting returns a meeting's notes in creation order, tombstones excluded.
func (s *Store) NotesForMeeting(meetingID string) ([]agenda.Note, error) {
	var out []agenda.Note
	err := s.view(func(tx *bolt.Tx) error {
		return forMeetingNotes(tx, meetingID, func(_, _ []byte, n *agenda.Note) error {
			if !n.Deleted {
				out = append(out, *n)
			}
			return nil
		})
	})
	return out, err
}

// DeleteNote turns a note into a tombstone (Deleted, revision+1), so group sync can pass
// the deletion on, and takes it out of the search index. Deleting a tombstone changes
// nothing.
func (s *Store) DeleteNote(id string) error {
	return s.update(func(tx *bolt.Tx) error {
		seq, n, err := noteByID(tx, id)
		if err != nil {
			return err
		}
		if n.Deleted {
			return errNoChange
		}
		n.Deleted = true
		n.Revision++
		n.Updated = now()
		if err := putSealed(tx, bucketNotes, u64(seq), encodeNote(n)); err != nil {
			return err
		}
		ix := newIndexer(tx)
		if err := ix.indexNote(n); err != nil { // a tombstone: out of the index
			return err
		}
		return ix.flush()
	})
}

// MarkRead records that the user read an item whose text hashed to textHash.
func (s *Store) MarkRead(itemID, textHash string) error {
	if itemID == "" {
		return errors.New("no item to mark as read")
	}
	return s.update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketRead)
		if v := b.Get([]byte(itemID)); v != nil && string(v) == textHash {
			return errNoChange
		}
		return b.Put([]byte(itemID), []byte(textHash))
	})
}

// ReadMarks maps each item the user has read to its text hash when they read it.
func (s *Store) ReadMarks() (map[string]string, error) {
	marks := map[string]string{}
	err := s.view(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketRead).ForEach(func(k, v []byte) error {
			marks[string(k)] = string(v)
			return nil
		})
	})
	return marks, err
}
