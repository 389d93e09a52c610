package store

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/dagsorden/dagsorden/agenda"
)

// GroupVersion is one version of a shared note.
type GroupVersion struct {
	// Note is the note as its editor wrote it. Group, Visibility and Status are this
	// member's business and are set when the version is shown.
	Note agenda.Note
	// Vector is the version vector: member id → how many edits of this note that member
	// had made when this version was written. It tells a newer version from a concurrent one.
	Vector map[string]uint64
	// Clock is the hybrid logical clock of the edit; it orders concurrent versions.
	Clock      uint64
	Editor     string // member id of whoever wrote this version
	EditorName string
	Envelope   string // id of the envelope it travelled in
}

// GroupNote is a shared note as this member's store holds it.
type GroupNote struct {
	ID string
	// Heads are the versions no other version supersedes, newest Clock first. More than
	// one head is a conflict: members edited the note concurrently, and every version is
	// kept until someone writes one that supersedes them all.
	Heads []GroupVersion
	// Local says what the notes bucket shows of this note.
	Local NoteSync
	// Creator is the member id of who wrote the note first, and Origin their signature on
	// the group and note id: every version carries both, so a member can edit another's
	// note but never make a note of their own look like someone else's. Empty for notes
	// shared before signed member lists.
	Creator string
	Origin  []byte
}

// Conflict reports whether the note has concurrent versions.
func (n *GroupNote) Conflict() bool { return len(n.Heads) > 1 }

// NoteSync ties a shared note to its copy in the notes bucket.
type NoteSync struct {
	// Revision is the notes-bucket revision that Vector describes: a higher revision
	// there is a local edit not yet sent.
	Revision uint64
	// Vector is the version vector of what the notes bucket shows, the base of the next
	// local edit.
	Vector map[string]uint64
	// Detached: the member took the note out of the group; the notes-bucket copy is
	// theirs alone and later versions from the group no longer touch it.
	Detached bool
}

// OutboxEntry is a sealed envelope waiting to go to the relay.
type OutboxEntry struct {
	Seq      uint64 // queue position
	Envelope string // envelope id
	Data     []byte // the sealed envelope
	Queued   time.Time
}

var errReadOnly = errors.New("cannot write in a read-only group transaction")

// Note returns the stored shared note id of this group, or nil when there is none.
func (t *GroupTx) Note(id string) (*GroupNote, error) {
	v, err := getOpen(t.tx, bucketGroupNotes, groupKey(t.g.ID, []byte(id)))
	if err != nil {
		return nil, fmt.Errorf("stored group note %s: %w", id, err)
	}
	if v == nil {
		return nil, nil
	}
	n, err := decodeGroupNote(v)
	if err != nil {
		return nil, fmt.Errorf("stored group note %s: %w", id, err)
	}
	return n, nil
}

// PutNote stores a shared note of this group.
func (t *GroupTx) PutNote(n *GroupNote) error {
	if !t.tx.Writable() {
		return errReadOnly
	}
	if n.ID == "" {
		return errors.New("a group note needs an id")
	}
	return putSealed(t.tx, bucketGroupNotes, groupKey(t.g.ID, []byte(n.ID)), encodeGroupNote(n))
}

// EachNote calls fn for every shared note of this group, in note id order.
func (t *GroupTx) EachNote(fn func(n *GroupNote) error) error {
	return forGroup(t.tx, bucketGroupNotes, t.g.ID, func(k, v []byte) error {
		n, err := decodeGroupNote(v)
		if err != nil {
			return fmt.Errorf("stored group note %s: %w", k, err)
		}
		return fn(n)
	})
}

// OwnNotes calls fn for every note in the notes bucket, tombstones included, in
// creation order.
func (t *GroupTx) OwnNotes(fn func(n *agenda.Note) error) error {
	return t.tx.Bucket(bucketNotes).ForEach(func(k, v []byte) error {
		v, err := openValue(t.tx, bucketNotes, k, v)
		if err != nil {
			return fmt.Errorf("stored note %x: %w", k, err)
		}
		n, err := decodeNote(v)
		if err != nil {
			return fmt.Errorf("stored note %x: %w", k, err)
		}
		return fn(n)
	})
}

// StoredNote returns a note of the notes bucket (tombstone or not), or nil.
func (t *GroupTx) StoredNote(id string) (*agenda.Note, error) {
	_, n, err := noteByID(t.tx, id)
	if errors.Is(err, ErrNotFound) {
		return nil, nil
	}
	return n, err
}

// Mirror writes a version from the group into the notes bucket, so every reader of
// notes (the UI, note list, export) shows it. It keeps the note's id and the larger of
// the two revisions, re-anchors it on the stored meeting (orphaned when this member does
// not have the item) and returns what it stored. A tombstone for a note the bucket
// does not have writes nothing and returns nil.
func (t *GroupTx) Mirror(n *agenda.Note) (*agenda.Note, error) {
	if !t.tx.Writable() {
		return nil, errReadOnly
	}
	if n.ID == "" {
		return nil, errors.New("a shared note needs an id")
	}
	note := *n
	if r := n.Anchor.Recommendation; r != nil {
		i := *r
		note.Anchor.Recommendation = &i
	}
	seq, old, err := noteByID(t.tx, note.ID)
	if err != nil && !errors.Is(err, ErrNotFound) {
		return nil, err
	}
	if old == nil && note.Deleted {
		return nil, nil
	}
	if old == nil {
		if seq, err = t.tx.Bucket(bucketNotes).NextSequence(); err != nil {
			return nil, err
		}
	} else {
		note.Revision = max(note.Revision, old.Revision)
		if old.Anchor.MeetingID != note.Anchor.MeetingID {
			if err := t.tx.Bucket(bucketMeetingNotes).Delete(meetingNoteKey(old.Anchor.MeetingID, seq)); err != nil {
				return nil, err
			}
		}
	}
	note.Status = agenda.StatusOrphaned
	v, err := getOpen(t.tx, bucketItems, []byte(note.Anchor.ItemID))
	if err != nil {
		return nil, fmt.Errorf("stored item %s: %w", note.Anchor.ItemID, err)
	}
	if v != nil {
		ir, err := decodeItem(v)
		if err != nil {
			return nil, fmt.Errorf("stored item %s: %w", note.Anchor.ItemID, err)
		}
		m, err := loadMeeting(t.tx, ir.MeetingID)
		if err != nil {
			return nil, err
		}
		if m != nil {
			agenda.Reanchor(&note, &m.Meeting)
		}
	}
	if err := putNote(t.tx, seq, &note); err != nil {
		return nil, err
	}
	return &note, nil
}

// Enqueue appends a sealed envelope to this group's outbox.
func (t *GroupTx) Enqueue(envelope string, data []byte, queued time.Time) error {
	if !t.tx.Writable() {
		return errReadOnly
	}
	b := t.tx.Bucket(bucketGroupOutbox)
	seq, err := b.NextSequence()
	if err != nil {
		return err
	}
	e := newRecord()
	e.str(1, envelope)
	e.str(2, string(data))
	e.time(3, queued)
	return putSealed(t.tx, bucketGroupOutbox, groupKey(t.g.ID, u64(seq)), e.b)
}

// Outbox returns this group's queued envelopes in queue order.
func (t *GroupTx) Outbox() ([]OutboxEntry, error) {
	var out []OutboxEntry
	err := forGroup(t.tx, bucketGroupOutbox, t.g.ID, func(k, v []byte) error {
		o, err := decodeOutbox(k, v)
		if err != nil {
			return err
		}
		out = append(out, o)
		return nil
	})
	return out, err
}

// Dequeue removes sent envelopes from the outbox; unknown positions are ignored (another
// process may have sent them first).
func (t *GroupTx) Dequeue(seqs []uint64) error {
	if !t.tx.Writable() {
		return errReadOnly
	}
	b := t.tx.Bucket(bucketGroupOutbox)
	for _, s := range seqs {
		if err := b.Delete(groupKey(t.g.ID, u64(s))); err != nil {
			return err
		}
	}
	return nil
}

// GroupOutbox returns a group's queued envelopes in queue order.
func (s *Store) GroupOutbox(name string) ([]OutboxEntry, error) {
	var out []OutboxEntry
	err := s.ViewGroup(name, func(_ *GroupState, t *GroupTx) error {
		var err error
		out, err = t.Outbox()
		return err
	})
	return out, err
}

// GroupNotes returns every shared note of a group, in note id order, tombstoned ones
// included (a head with Note.Deleted).
func (s *Store) GroupNotes(name string) ([]GroupNote, error) {
	var out []GroupNote
	err := s.ViewGroup(name, func(_ *GroupState, t *GroupTx) error {
		return t.EachNote(func(n *GroupNote) error {
			out = append(out, *n)
			return nil
		})
	})
	return out, err
}

// GroupNote returns one shared note of a group; the error wraps ErrNotFound when the
// group has no such note.
func (s *Store) GroupNote(name, noteID string) (*GroupNote, error) {
	var out *GroupNote
	err := s.ViewGroup(name, func(_ *GroupState, t *GroupTx) error {
		var err error
		out, err = t.Note(noteID)
		if err == nil && out == nil {
			err = notFound("group note", noteID)
		}
		return err
	})
	return out, err
}

func decodeOutbox(k, v []byte) (OutboxEntry, error) {
	o := OutboxEntry{Seq: readU64(k)}
	d, err := openRecord(v)
	if err != nil {
		return o, fmt.Errorf("outbox entry %d: %w", o.Seq, err)
	}
	for d.more() {
		f, w := d.field()
		switch f {
		case 1:
			o.Envelope = d.str(w)
		case 2:
			o.Data = []byte(d.str(w))
		case 3:
			o.Queued = d.time(w)
		default:
			d.skip(w)
		}
	}
	if d.err != nil {
		return o, fmt.Errorf("outbox entry %d: %w", o.Seq, d.err)
	}
	return o, nil
}

func putVector(e *enc, f int, v map[string]uint64) {
	for _, k := range slices.Sorted(maps.Keys(v)) {
		e.msg(f, func(e *enc) {
			e.str(1, k)
			e.uint(2, v[k])
		})
	}
}

func readVectorEntry(d *dec, w int, v *map[string]uint64) {
	sub := d.sub(w)
	var k string
	var n uint64
	for sub.more() {
		f, w := sub.field()
		switch f {
		case 1:
			k = sub.str(w)
		case 2:
			n = sub.uint(w)
		default:
			sub.skip(w)
		}
	}
	d.done(sub)
	if *v == nil {
		*v = map[string]uint64{}
	}
	(*v)[k] = n
}

func encodeGroupNote(n *GroupNote) []byte {
	e := newRecord()
	e.str(1, n.ID)
	for i := range n.Heads {
		h := &n.Heads[i]
		e.msg(2, func(e *enc) {
			e.str(1, string(encodeNote(&h.Note)))
			putVector(e, 2, h.Vector)
			e.uint(3, h.Clock)
			e.str(4, h.Editor)
			e.str(5, h.EditorName)
			e.str(6, h.Envelope)
		})
	}
	e.msg(3, func(e *enc) {
		e.uint(1, n.Local.Revision)
		putVector(e, 2, n.Local.Vector)
		e.bool(3, n.Local.Detached)
	})
	e.str(4, n.Creator)
	e.str(5, string(n.Origin))
	return e.b
}

func decodeGroupNote(b []byte) (*GroupNote, error) {
	d, err := openRecord(b)
	if err != nil {
		return nil, err
	}
	n := &GroupNote{}
	for d.more() {
		f, w := d.field()
		switch f {
		case 1:
			n.ID = d.str(w)
		case 2:
			sub := d.sub(w)
			var h GroupVersion
			for sub.more() {
				f, w := sub.field()
				switch f {
				case 1:
					note, err := decodeNote([]byte(sub.str(w)))
					if err != nil {
						sub.fail("version note: %v", err)
						break
					}
					h.Note = *note
				case 2:
					readVectorEntry(sub, w, &h.Vector)
				case 3:
					h.Clock = sub.uint(w)
				case 4:
					h.Editor = sub.str(w)
				case 5:
					h.EditorName = sub.str(w)
				case 6:
					h.Envelope = sub.str(w)
				default:
					sub.skip(w)
				}
			}
			d.done(sub)
			n.Heads = append(n.Heads, h)
		case 3:
			sub := d.sub(w)
			for sub.more() {
				f, w := sub.field()
				switch f {
				case 1:
					n.Local.Revision = sub.uint(w)
				case 2:
					readVectorEntry(sub, w, &n.Local.Vector)
				case 3:
					n.Local.Detached = sub.bool(w)
				default:
					sub.skip(w)
				}
			}
			d.done(sub)
		case 4:
			n.Creator = d.str(w)
		case 5:
			n.Origin = []byte(d.str(w))
		default:
			d.skip(w)
		}
	}
	return n, d.err
}
