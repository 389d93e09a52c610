package group

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"time"

	"github.com/dagsorden/dagsorden/agenda"
	"github.com/dagsorden/dagsorden/store"
	"github.com/dagsorden/dagsorden/sync/relay"
)

// SyncResult says what one group's sync did.
type SyncResult struct {
	Group      string   `json:"group"`
	Pulled     int      `json:"pulled"`     // envelopes read from the relay
	Applied    int      `json:"applied"`    // versions from others that changed a note
	Shared     int      `json:"shared"`     // local edits sealed and queued
	Pushed     int      `json:"pushed"`     // envelopes the relay took
	Unreadable int      `json:"unreadable"` // envelopes without a key here, or failing authentication
	Conflicts  int      `json:"conflicts"`  // notes with concurrent versions after the sync
	Skipped    []string `json:"skipped,omitempty"`
	Err        error    `json:"-"`
}

// Sync syncs every group: pull and merge what others wrote, share local edits, push
// the outbox. A group that fails does not stop the others; the error names each one.
func (c *Client) Sync(ctx context.Context) ([]SyncResult, error) {
	gs, err := c.Store.Groups()
	if err != nil {
		return nil, err
	}
	var out []SyncResult
	var errs []error
	for _, g := range gs {
		r, err := c.sync(ctx, g.Name)
		r.Err = err
		if err != nil {
			errs = append(errs, fmt.Errorf("group %s: %w", g.Name, err))
		}
		out = append(out, r)
	}
	return out, errors.Join(errs...)
}

// SyncGroup syncs one group.
func (c *Client) SyncGroup(ctx context.Context, name string) (SyncResult, error) {
	return c.sync(ctx, name)
}

// pullPage is how many envelopes one pull asks for.
const pullPage = 500

func (c *Client) sync(ctx context.Context, name string) (SyncResult, error) {
	res := SyncResult{Group: name}
	g, err := c.Store.Group(name)
	if err != nil {
		return res, err
	}
	rc, err := c.relay(g.Server, g.Token)
	if err != nil {
		return res, err
	}
	if g.Rekey {
		if err := c.rekey(ctx, name); err != nil {
			return res, fmt.Errorf("the new group key after a removal could not be made: %w", err)
		}
	}
	// Pull first: a new group key or another member's edit is known before this
	// member's own edits are sealed and based.
	after := g.Cursor
	for {
		page, err := rc.pull(ctx, g.ID, after, pullPage)
		if err != nil {
			return res, fmt.Errorf("pull: %w", err)
		}
		if len(page.Envelopes) == 0 {
			break
		}
		var pr SyncResult
		err = c.Store.UpdateGroup(name, func(g *store.GroupState, t *store.GroupTx) error {
			pr = SyncResult{}
			return apply(g, t, page.Envelopes, &pr, c.now())
		})
		if err != nil {
			return res, err
		}
		res.Pulled += pr.Pulled
		res.Applied += pr.Applied
		res.Shared += pr.Shared
		res.Unreadable += pr.Unreadable
		after = max(after, page.Envelopes[len(page.Envelopes)-1].Seq)
		if !page.More {
			break
		}
	}
	members, err := rc.members(ctx, g.ID)
	if err != nil {
		return res, fmt.Errorf("members: %w", err)
	}
	var cr SyncResult
	err = c.Store.UpdateGroup(name, func(g *store.GroupState, t *store.GroupTx) error {
		cr = SyncResult{}
		g.Members = mergeRoster(g.Members, members)
		g.Synced = c.now()
		return capture(g, t, &cr, c.now())
	})
	if err != nil {
		return res, err
	}
	res.Shared += cr.Shared
	res.Skipped = cr.Skipped
	if res.Pushed, err = c.push(ctx, name); err != nil {
		return res, fmt.Errorf("push: %w", err)
	}
	err = c.Store.ViewGroup(name, func(_ *store.GroupState, t *store.GroupTx) error {
		return t.EachNote(func(n *store.GroupNote) error {
			if n.Conflict() {
				res.Conflicts++
			}
			return nil
		})
	})
	return res, err
}

// flush pushes the outbox and ignores failure: whatever is left goes with the next sync.
func (c *Client) flush(ctx context.Context, name string) { c.push(ctx, name) } //nolint:errcheck

// pushBody bounds one push request, under relay.MaxBody with room for JSON and base64.
const pushBody = relay.MaxBody * 7 / 10

// push sends the outbox in order, in requests under the relay's limits, removing each
// batch once the relay has it. A retried push is harmless: the relay keeps an envelope
// id once.
func (c *Client) push(ctx context.Context, name string) (int, error) {
	g, err := c.Store.Group(name)
	if err != nil {
		return 0, err
	}
	ob, err := c.Store.GroupOutbox(name)
	if err != nil || len(ob) == 0 {
		return 0, err
	}
	rc, err := c.relay(g.Server, g.Token)
	if err != nil {
		return 0, err
	}
	pushed := 0
	for len(ob) > 0 {
		n, size := 0, 0
		for n < len(ob) && n < relay.MaxPushEnvelopes {
			s := len(ob[n].Data)*4/3 + 64
			if n > 0 && size+s > pushBody {
				break
			}
			size += s
			n++
		}
		batch := make([]relay.PushEnvelope, n)
		seqs := make([]uint64, n)
		for i, e := range ob[:n] {
			batch[i] = relay.PushEnvelope{ID: e.Envelope, Data: e.Data}
			seqs[i] = e.Seq
		}
		if _, err := rc.push(ctx, g.ID, batch); err != nil {
			return pushed, err
		}
		if err := c.Store.UpdateGroup(name, func(_ *store.GroupState, t *store.GroupTx) error {
			return t.Dequeue(seqs)
		}); err != nil {
			return pushed, err
		}
		pushed += n
		ob = ob[n:]
	}
	return pushed, nil
}

// apply merges pulled envelopes into the group's notes and state, in sequence order.
// An envelope that cannot be read (no key, tampered, malformed, or not allowed from its
// sender) is counted and passed over: one bad envelope must not stop a group's sync.
func apply(g *store.GroupState, t *store.GroupTx, envs []relay.Envelope, res *SyncResult, now time.Time) error {
	for _, e := range envs {
		if e.Seq <= g.Cursor {
			continue // another process applied it already
		}
		g.Cursor = e.Seq
		res.Pulled++
		h, err := parseEnvelope(e.Data)
		if err != nil {
			res.Unreadable++
			continue
		}
		if h.kind == kindKeys {
			if e.Sender == g.MemberID || g.Key(h.epoch) != nil {
				continue // the admin's own key change, or a key this member has (from the invite)
			}
			if e.Sender != g.AdminID {
				res.Unreadable++ // only the admin hands out keys
				continue
			}
			key, err := openKeys(g.ID, e.ID, h, g.MemberID, g.PrivateKey, g.AdminKey)
			if err != nil {
				res.Unreadable++
				continue
			}
			g.SetKey(h.epoch, key)
			continue
		}
		pt, err := open(g.ID, e.ID, h, g.Key)
		if err != nil {
			res.Unreadable++
			continue
		}
		p, err := parsePayload(pt, e.Sender)
		if err != nil {
			res.Unreadable++
			continue
		}
		switch p.Type {
		case typeProfile:
			if !isHex(e.Sender, 16) {
				res.Unreadable++
				continue
			}
			m := g.Member(e.Sender)
			if m == nil {
				g.Members = append(g.Members, store.GroupMember{ID: e.Sender})
				m = &g.Members[len(g.Members)-1]
			}
			m.Name, m.PublicKey, m.Verified = p.EditorName, p.PublicKey, true
		case typeNote:
			g.Clock = Observe(g.Clock, p.Clock, now)
			v := store.GroupVersion{Note: *p.Note, Vector: p.Vector, Clock: p.Clock, Editor: p.Editor,
				EditorName: p.EditorName, Envelope: e.ID}
			changed, err := integrate(g, t, v, res, now)
			if err != nil {
				return err
			}
			if changed && e.Sender != g.MemberID {
				res.Applied++
			}
		}
	}
	return nil
}

// pending reports whether own (the notes-bucket copy) holds an edit for group g that
// has not been captured as a version.
func pending(g *store.GroupState, rec *store.GroupNote, own *agenda.Note) bool {
	if own == nil || own.Visibility != agenda.Group || own.Group != g.Name || rec.Local.Detached {
		return false
	}
	if len(rec.Heads) == 0 && rec.Local.Revision == 0 {
		return !own.Deleted
	}
	return own.Revision > rec.Local.Revision
}

// integrate merges one version into its note. A local edit of the note not yet
// captured is captured first, against the version it was based on, so an incoming
// version can never silently replace it: if they are concurrent, both stay.
func integrate(g *store.GroupState, t *store.GroupTx, v store.GroupVersion, res *SyncResult, now time.Time) (bool, error) {
	rec, err := t.Note(v.Note.ID)
	if err != nil {
		return false, err
	}
	if rec == nil {
		rec = &store.GroupNote{ID: v.Note.ID}
	}
	own, err := t.StoredNote(v.Note.ID)
	if err != nil {
		return false, err
	}
	captured := false
	if pending(g, rec, own) {
		switch err := captureOne(g, t, rec, own, now); {
		case errors.Is(err, errTooLong):
			res.Skipped = append(res.Skipped, own.ID)
		case err != nil:
			return false, err
		default:
			captured = true
			res.Shared++
		}
	}
	heads, changed := Merge(rec.Heads, v)
	if !changed {
		if captured {
			return false, t.PutNote(rec)
		}
		return false, nil
	}
	rec.Heads = heads
	if !rec.Local.Detached {
		if err := mirror(g, t, rec); err != nil {
			return false, err
		}
	}
	return true, t.PutNote(rec)
}

// mirror writes the head to show into the notes bucket: the newest head that is not a
// deletion (an edit concurrent with a deletion stays visible), else the deletion.
func mirror(g *store.GroupState, t *store.GroupTx, rec *store.GroupNote) error {
	w := rec.Heads[0]
	for _, h := range rec.Heads {
		if !h.Note.Deleted {
			w = h
			break
		}
	}
	n := w.Note
	n.Group, n.Visibility = g.Name, agenda.Group
	stored, err := t.Mirror(&n)
	if err != nil {
		return err
	}
	if stored != nil {
		rec.Local.Revision = stored.Revision
	}
	rec.Local.Vector = maps.Clone(w.Vector)
	return nil
}

var errTooLong = errors.New("the note is too long to share")

// captureOne seals the notes-bucket copy own as a new version of rec, based on what the
// notes bucket showed before the edit (rec.Local), and queues it.
func captureOne(g *store.GroupState, t *store.GroupTx, rec *store.GroupNote, own *agenda.Note, now time.Time) error {
	v := nextVersion(g, rec, own, now)
	p := notePayload(&v)
	data, err := seal(g.ID, g.Epoch, g.Key(g.Epoch), v.Envelope, p.marshal())
	if err != nil {
		return err
	}
	if len(data) > relay.MaxEnvelope {
		return errTooLong
	}
	if err := t.Enqueue(v.Envelope, data, now); err != nil {
		return err
	}
	g.Clock = v.Clock
	rec.Heads, _ = Merge(rec.Heads, v)
	rec.Local.Revision, rec.Local.Vector = own.Revision, v.Vector
	return nil
}

// nextVersion is own as this member's next version of rec, based on what the notes
// bucket showed before the edit (rec.Local).
func nextVersion(g *store.GroupState, rec *store.GroupNote, own *agenda.Note, now time.Time) store.GroupVersion {
	n := *own
	if n.Author == "" {
		n.Author = g.Author
	}
	n.Group, n.Visibility = g.Name, agenda.Group
	return store.GroupVersion{Note: n, Vector: NextVector(rec.Local.Vector, rec.Heads, g.MemberID),
		Clock: Tick(g.Clock, now), Editor: g.MemberID, EditorName: g.Author, Envelope: newEnvelopeID()}
}

// capture seals every local edit of the group's notes not yet shared: new shared notes,
// edits, deletions, and notes taken out of the group (a deletion for the group when the
// member wrote the note; otherwise only this member's copy leaves the group).
func capture(g *store.GroupState, t *store.GroupTx, res *SyncResult, now time.Time) error {
	return t.OwnNotes(func(own *agenda.Note) error {
		rec, err := t.Note(own.ID)
		if err != nil {
			return err
		}
		shared := own.Visibility == agenda.Group && own.Group == g.Name
		switch {
		case shared && rec == nil:
			if own.Deleted {
				return nil // deleted before it was ever shared
			}
			rec = &store.GroupNote{ID: own.ID}
		case shared && rec.Local.Detached:
			rec.Local.Detached = false // shared again
		case shared && own.Revision <= rec.Local.Revision:
			return nil
		case shared:
		case rec == nil || rec.Local.Detached:
			return nil
		default:
			// Taken out of the group: a deletion for the group when it is this member's
			// own note, then the local copy is left alone for good.
			if own.Author == "" || own.Author == g.Author {
				tomb := *own
				tomb.Deleted = true
				if err := captureOne(g, t, rec, &tomb, now); err != nil && !errors.Is(err, errTooLong) {
					return err
				}
				res.Shared++
			}
			rec.Local.Detached = true
			rec.Local.Revision = own.Revision
			return t.PutNote(rec)
		}
		switch err := captureOne(g, t, rec, own, now); {
		case errors.Is(err, errTooLong):
			res.Skipped = append(res.Skipped, own.ID)
			return nil
		case err != nil:
			return err
		}
		res.Shared++
		return t.PutNote(rec)
	})
}
