package store

import (
	"bytes"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/dagsorden/dagsorden/agenda"
	bolt "go.etcd.io/bbolt"
)

// MeetingSummary is what a list of meetings shows, read without decoding item bodies.
type MeetingSummary struct {
	ID, Title, Location    string
	Body                   agenda.Body
	Kind                   agenda.Kind
	Start, End, Premeeting time.Time
	Source                 agenda.Source
	Items                  []ItemSummary // in agenda order
	Updated                time.Time     // when this version was stored
}

// ItemSummary is one line of an agenda.
type ItemSummary struct {
	ID, Number, Group, Title, CaseNumber string
	Closed                               bool
	Recommendations                      int
	// TextHash is agenda.ItemTextHash: compare it with ReadMarks to see "changed since read".
	TextHash string
	// Changed: added or changed by the latest re-publication.
	Changed bool
}

// Meetings lists every meeting, ordered by start (then id).
func (s *Store) Meetings() ([]MeetingSummary, error) {
	var out []MeetingSummary
	err := s.view(func(tx *bolt.Tx) error {
		// Copy every record out in one string (two passes: size, then copy), so the
		// summaries' strings are substrings of one allocation, not thousands.
		b := tx.Bucket(bucketSummaries)
		size, n := 0, 0
		if err := b.ForEach(func(_, v []byte) error { size += len(v); n++; return nil }); err != nil {
			return err
		}
		var all strings.Builder
		all.Grow(size)
		ends := make([]int, 0, n)
		if err := b.ForEach(func(_, v []byte) error {
			all.Write(v)
			ends = append(ends, all.Len())
			return nil
		}); err != nil {
			return err
		}
		records := all.String()
		out = make([]MeetingSummary, len(ends))
		slab := make([]ItemSummary, 0, size/128) // a guess at the items' number; it grows if short
		start := 0
		for i, end := range ends {
			d, err := openRecordString(records[start:end])
			if err == nil {
				err = readSummary(d, &out[i], &slab)
			}
			if err != nil {
				return fmt.Errorf("stored meeting summary %d: %w", i, err)
			}
			start = end
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Meeting returns a meeting with all its items, in agenda order. Attachment Content is
// not filled in: read it with Attachment(sha256).
func (s *Store) Meeting(id string) (*agenda.Meeting, error) {
	var m *agenda.Meeting
	err := s.view(func(tx *bolt.Tx) error {
		r, err := loadMeeting(tx, id)
		if err != nil {
			return err
		}
		if r == nil {
			return notFound("meeting", id)
		}
		m = &r.Meeting
		return nil
	})
	return m, err
}

// Item returns an item and the id of its meeting.
func (s *Store) Item(id string) (*agenda.Item, string, error) {
	var r *itemRecord
	err := s.view(func(tx *bolt.Tx) error {
		var err error
		r, err = getItem(tx, bucketItems, id)
		return err
	})
	if err != nil {
		return nil, "", err
	}
	return &r.Item, r.MeetingID, nil
}

// PreviousItem returns the version of an item before its last change (or the last
// version of an item a re-publication removed); ErrNotFound when there is none.
func (s *Store) PreviousItem(id string) (*agenda.Item, error) {
	var r *itemRecord
	err := s.view(func(tx *bolt.Tx) error {
		var err error
		r, err = getItem(tx, bucketPrevious, id)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &r.Item, nil
}

func getItem(tx *bolt.Tx, bucket []byte, id string) (*itemRecord, error) {
	v := tx.Bucket(bucket).Get([]byte(id))
	if v == nil {
		if bytes.Equal(bucket, bucketPrevious) {
			return nil, notFound("previous version of item", id)
		}
		return nil, notFound("item", id)
	}
	v, err := openValue(tx, bucket, []byte(id), v)
	if err != nil {
		return nil, fmt.Errorf("stored item %s: %w", id, err)
	}
	r, err := decodeItem(v)
	if err != nil {
		return nil, fmt.Errorf("stored item %s: %w", id, err)
	}
	return r, nil
}

// Documents lists the reading material, by date (undated last), then title and id.
func (s *Store) Documents() ([]agenda.Document, error) {
	var out []agenda.Document
	err := s.view(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketDocuments).ForEach(func(k, v []byte) error {
			d, err := decodeDocument(v)
			if err != nil {
				return fmt.Errorf("stored document %s: %w", k, err)
			}
			out = append(out, *d)
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	sortDocuments(out)
	return out, nil
}

func sortDocuments(docs []agenda.Document) {
	sort.SliceStable(docs, func(i, j int) bool {
		a, b := &docs[i], &docs[j]
		if a.Date.IsZero() != b.Date.IsZero() {
			return !a.Date.IsZero()
		}
		if !a.Date.Equal(b.Date) {
			return a.Date.Before(b.Date)
		}
		if a.Title != b.Title {
			return a.Title < b.Title
		}
		return a.ID < b.ID
	})
}

// Document returns one document.
func (s *Store) Document(id string) (*agenda.Document, error) {
	var d *agenda.Document
	err := s.view(func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketDocuments).Get([]byte(id))
		if v == nil {
			return notFound("document", id)
		}
		var err error
		if d, err = decodeDocument(v); err != nil {
			return fmt.Errorf("stored document %s: %w", id, err)
		}
		return nil
	})
	return d, err
}

// Attachment returns the stored content with this sha256 (hex).
func (s *Store) Attachment(sha256 string) ([]byte, error) {
	var b []byte
	err := s.view(func(tx *bolt.Tx) error {
		k := []byte(strings.ToLower(sha256))
		if v := tx.Bucket(bucketBlobs).Get(k); v != nil {
			b = bytes.Clone(v)
			return nil
		}
		v, err := getOpen(tx, bucketSealedBlobs, k)
		if err != nil {
			return fmt.Errorf("stored attachment %s: %w", sha256, err)
		}
		if v == nil {
			return notFound("attachment content", sha256)
		}
		b = bytes.Clone(v)
		return nil
	})
	return b, err
}

// HasAttachment reports whether content with this sha256 is stored, so a sync can skip
// fetching it again.
func (s *Store) HasAttachment(sha256 string) (bool, error) {
	var ok bool
	err := s.view(func(tx *bolt.Tx) error {
		k := []byte(strings.ToLower(sha256))
		ok = tx.Bucket(bucketBlobs).Get(k) != nil
		if sb := tx.Bucket(bucketSealedBlobs); !ok && sb != nil {
			ok = sb.Get(k) != nil
		}
		return nil
	})
	return ok, err
}
