package group

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/dagsorden/dagsorden/agenda"
	"github.com/dagsorden/dagsorden/store"
	"github.com/dagsorden/dagsorden/sync/group/roster"
	"github.com/dagsorden/dagsorden/sync/relay"
)

// SyncResult says what one group's sync did.
type SyncResult struct {
	Group      string   `json:"group"`
	Pulled     int      `json:"pulled"`     // envelopes read from the relay
	Applied    int      `json:"applied"`    // versions from others that changed a note
	Shared     int      `json:"shared"`     // local edits sealed and queued
	Pushed     int      `json:"pushed"`     // envelopes the relay took
	Unreadable int      `json:"unreadable"` // envelopes without a key here, malformed, or failing authentication
	Conflicts  int      `json:"conflicts"`  // notes with concurrent versions after the sync
	Skipped    []string `json:"skipped,omitempty"`
	// Forged counts envelopes whose signature does not verify against their author's key
	// in the signed member list (or that claim an author not in it, or a note's creator
	// falsely): refused, never applied.
	Forged int `json:"forged,omitempty"`
	// Replayed counts envelopes that arrived again (an author's sequence number seen
	// before): never merged again.
	Replayed int `json:"replayed,omitempty"`
	// Reordered counts envelopes that arrived after a later one of the same author.
	Reordered int `json:"reordered,omitempty"`
	// Missing counts envelopes other members sent that have not arrived (gaps in their
	// sequence numbers): the relay may be withholding them.
	Missing int `json:"missing,omitempty"`
	// Older counts envelopes sealed before this member joined, under a key the admin did
	// not share with them (the history).
	Older int `json:"older,omitempty"`
	// Strangers are the member ids the relay lists that the signed member list does not
	// hold: they got no key.
	Strangers []string `json:"strangers,omitempty"`
	// Removed: this member was removed from the group (the signed member list says so).
	// Notice says it in one sentence the first time; later syncs skip the group quietly.
	Removed bool   `json:"removed,omitempty"`
	Notice  string `json:"notice,omitempty"`
	Err     error  `json:"-"`
}

func (r *SyncResult) add(o *SyncResult) {
	r.Pulled += o.Pulled
	r.Applied += o.Applied
	r.Shared += o.Shared
	r.Unreadable += o.Unreadable
	r.Forged += o.Forged
	r.Replayed += o.Replayed
	r.Reordered += o.Reordered
	r.Older += o.Older
	r.Skipped = append(r.Skipped, o.Skipped...)
}

// Sync syncs every group: pull and merge what others wrote, share local edits, push
// the outbox. A group that fails does not stop the others; the error names each one. A
// group this member was removed from is skipped without error.
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

// removedNotice is what a removed member's dagsorden says, once.
func removedNotice(group string) string {
	return fmt.Sprintf("you were removed from %s by its admin; its notes you have stay readable here", group)
}

func (c *Client) sync(ctx context.Context, name string) (SyncResult, error) {
	res := SyncResult{Group: name}
	g, err := c.Store.Group(name)
	if err != nil {
		return res, err
	}
	if g.Removed {
		res.Removed = true
		return res, nil
	}
	if legacy(g) {
		done, err := c.upgrade(ctx, name, &res)
		if err != nil || !done {
			return res, err
		}
	}
	rc, err := c.relay(g.Server, g.Token)
	if err != nil {
		return res, err
	}
	// The member list first: who may write, with which keys, and whether this member is
	// still in the group.
	st, err := c.refreshChain(ctx, name)
	if err != nil {
		return res, err
	}
	if me := st.Member(g.MemberID); me == nil {
		return res, errors.New("the group's signed member list does not hold your join; ask the admin for a new invite")
	} else if me.Removed {
		res.Removed, res.Notice = true, removedNotice(name)
		return res, nil
	}
	if g.NextKey.Epoch > st.Epoch {
		// A key change prepared here that the list, fetched just now, does not hold: it
		// never reached the relay (a removal that failed); forget its key.
		err := c.Store.UpdateGroup(name, func(g *store.GroupState, _ *store.GroupTx) error {
			if g.NextKey.Epoch <= st.Epoch {
				return store.ErrNoChange
			}
			g.NextKey = store.EpochKey{}
			return nil
		})
		if err != nil {
			return res, err
		}
	}
	if st.RekeyDue && st.IsAdmin(g.MemberID) {
		if st, err = c.rotate(ctx, name); err != nil {
			return res, fmt.Errorf("the new group key after a removal could not be made: %w", err)
		}
	}
	// Pull: a new group key or another member's edit is known before this member's own
	// edits are sealed and based.
	after := g.Cursor
	refreshed := false
	for {
		page, err := rc.pull(ctx, g.ID, after, pullPage)
		if err != nil {
			return res, fmt.Errorf("pull: %w", err)
		}
		if len(page.Envelopes) == 0 {
			break
		}
		if !refreshed && aheadOf(st, page.Envelopes) {
			// An author who joined, or a key change made, after the list was fetched: fetch
			// it again before judging their envelopes.
			if st, err = c.refreshChain(ctx, name); err != nil {
				return res, err
			}
			refreshed = true
		}
		var pr SyncResult
		err = c.Store.UpdateGroup(name, func(g *store.GroupState, t *store.GroupTx) error {
			pr = SyncResult{}
			return apply(g, t, st, page.Envelopes, &pr, c.now())
		})
		if err != nil {
			return res, err
		}
		res.add(&pr)
		after = max(after, page.Envelopes[len(page.Envelopes)-1].Seq)
		if !page.More {
			break
		}
	}
	listed, err := rc.members(ctx, g.ID)
	if err != nil {
		return res, fmt.Errorf("members: %w", err)
	}
	var cr SyncResult
	err = c.Store.UpdateGroup(name, func(g *store.GroupState, t *store.GroupTx) error {
		cr = SyncResult{}
		cr.Strangers = markStrangers(g, st, listed)
		g.Synced = c.now()
		if err := handKeys(g, t, st, c.now()); err != nil {
			return err
		}
		enqueueProfile(g, t, st, c.now())
		cr.Missing = missing(g)
		return capture(g, t, st, &cr, c.now())
	})
	if err != nil {
		return res, err
	}
	res.Shared += cr.Shared
	res.Skipped = append(res.Skipped, cr.Skipped...)
	res.Strangers, res.Missing = cr.Strangers, cr.Missing
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

// aheadOf reports whether a page holds an envelope the list st cannot judge yet: by an
// author it does not hold, or of an epoch after its current one.
func aheadOf(st *roster.State, envs []relay.Envelope) bool {
	for _, e := range envs {
		h, err := parseEnvelope(e.Data)
		if err == nil && (st.Member(h.author) == nil || h.epoch > st.Epoch) {
			return true
		}
	}
	return false
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
// Each envelope's signature is checked against its author's key in the member list st
// before anything in it is used. An envelope that cannot be read (no key, tampered,
// malformed, forged, replayed) is counted and passed over: one bad envelope must not stop
// a group's sync.
func apply(g *store.GroupState, t *store.GroupTx, st *roster.State, envs []relay.Envelope, res *SyncResult, now time.Time) error {
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
		m := st.Member(h.author)
		switch {
		case m == nil:
			res.Forged++ // no member of the list: a relay's own, or made up
			continue
		case seenBefore(g, h.author, h.seq):
			// The author's number arrived before: sent again, as it was or (the same bytes)
			// under another id. Never merged twice.
			res.Replayed++
			continue
		case !h.verify(g.ID, e.ID, m.SignKey):
			res.Forged++
			continue
		case m.Removed && h.epoch > m.RemovedEpoch:
			res.Forged++ // signed by a removed member under a key they never had
			continue
		}
		if observe(g, h.author, h.seq) == arrivalLate {
			res.Reordered++
		}
		if h.author == g.MemberID {
			// Ours (after a restore from a backup the store may not know it): its number
			// is used, and a note in it merges like any other, harmlessly.
			g.Seq = max(g.Seq, h.seq)
		}
		switch h.kind {
		case kindKeys:
			applyKeys(g, st, m, e.ID, h, res)
			continue
		case kindUpgrade:
			continue // for members from before the signed list (upgrade.go)
		}
		pt, err := open(g.ID, e.ID, h, g.Key)
		if err != nil {
			if g.Key(h.epoch) == nil && h.epoch < g.Epoch {
				res.Older++ // sealed before this member joined; the history was not shared
			} else {
				res.Unreadable++
			}
			continue
		}
		p, err := parsePayload(pt, h.author)
		if err != nil {
			res.Unreadable++
			continue
		}
		switch p.Type {
		case typeProfile:
			if gm := g.Member(h.author); gm != nil {
				gm.Name = p.EditorName
			}
		case typeNote:
			rec, err := t.Note(p.Note.ID)
			if err != nil {
				return err
			}
			if !originHolds(g, st, rec, p) {
				res.Forged++
				continue
			}
			g.Clock = Observe(g.Clock, p.Clock, now)
			v := store.GroupVersion{Note: *p.Note, Vector: p.Vector, Clock: p.Clock, Editor: p.Editor,
				EditorName: nameOf(g, p.Editor), Envelope: e.ID}
			changed, err := integrate(g, t, rec, v, p, sealEpoch(g, st), res, now)
			if err != nil {
				return err
			}
			if changed && h.author != g.MemberID {
				res.Applied++
			}
		}
	}
	return nil
}

// applyKeys takes a group key from a keys envelope with a box for this member: sealed
// from the author's key in the list, and matching the list's commitment for its epoch.
// An admin also notes who was handed the key, to hand it to whoever still lacks it.
func applyKeys(g *store.GroupState, st *roster.State, from *roster.Member, envelopeID string, h envelopeHeader, res *SyncResult) {
	if st.IsAdmin(from.ID) {
		for _, id := range recipients(h) {
			if gm := g.Member(id); gm != nil {
				gm.KeyEpoch = max(gm.KeyEpoch, h.epoch)
			}
		}
	}
	if from.ID == g.MemberID || g.Key(h.epoch) != nil {
		return // ours, or a key this member has
	}
	key, err := openBox(g.ID, envelopeID, h, g.MemberID, g.PrivateKey, from.BoxKey, keySize)
	if errors.Is(err, ErrUnreadable) && !slices.Contains(recipients(h), g.MemberID) {
		return // a key for others
	}
	if err != nil || !st.KeyMatches(h.epoch, key) {
		res.Unreadable++
		return
	}
	g.SetKey(h.epoch, key)
}

// originHolds checks a note version's creator: their signature on the note id, by their
// key in the list, and the same creator as every earlier version here. A version without
// a creator is accepted only for a note from before signed member lists.
func originHolds(g *store.GroupState, st *roster.State, rec *store.GroupNote, p *payload) bool {
	if p.Creator == "" {
		return rec == nil || rec.Creator == ""
	}
	cm := st.Member(p.Creator)
	if cm == nil || !verifyOrigin(g.ID, p.Note.ID, cm.SignKey, p.Origin) {
		return false
	}
	return rec == nil || rec.Creator == "" || rec.Creator == p.Creator
}

// nameOf is a member's name from their signed profile ("" until it arrives).
func nameOf(g *store.GroupState, id string) string {
	if m := g.Member(id); m != nil {
		return m.Name
	}
	return ""
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

// integrate merges one version into its note (rec, nil when new here). A local edit of
// the note not yet captured is captured first, against the version it was based on, so
// an incoming version can never silently replace it: if they are concurrent, both stay.
func integrate(g *store.GroupState, t *store.GroupTx, rec *store.GroupNote, v store.GroupVersion, p *payload, epoch uint64, res *SyncResult, now time.Time) (bool, error) {
	if rec == nil {
		rec = &store.GroupNote{ID: v.Note.ID}
	}
	if rec.Creator == "" && p.Creator != "" {
		rec.Creator, rec.Origin = p.Creator, p.Origin
	}
	own, err := t.StoredNote(v.Note.ID)
	if err != nil {
		return false, err
	}
	captured := false
	if pending(g, rec, own) && canSeal(g, epoch) {
		switch err := captureOne(g, t, rec, own, epoch, now); {
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
	// The author shown is the creator's signed name, never what a version says. A note
	// from before signed member lists keeps the author it had here (or, new here, gets its
	// editor's signed name).
	switch old, err := t.StoredNote(n.ID); {
	case err != nil:
		return err
	case rec.Creator != "":
		n.Author = creatorName(g, rec.Creator)
	case old != nil:
		n.Author = old.Author
	default:
		n.Author = creatorName(g, w.Editor)
	}
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

var (
	errTooLong    = errors.New("the note is too long to share")
	errCannotSeal = errors.New("the group's current key is not here yet")
)

// creatorName is how a note's creator is shown: their signed name, else "medlem" and the
// start of their id.
func creatorName(g *store.GroupState, id string) string {
	if n := nameOf(g, id); n != "" {
		return n
	}
	return "medlem " + id[:min(6, len(id))]
}

// sealEpoch is the epoch new envelopes are sealed under: the list's current one, or 0
// while a key change is due (nothing may be sealed under a key a removed member knows):
// after a removal the list holds without its key change, and while this admin's own key
// change is on its way (prepared, not seen in the list yet).
func sealEpoch(g *store.GroupState, st *roster.State) uint64 {
	if st.RekeyDue || g.NextKey.Epoch > st.Epoch {
		return 0
	}
	return st.Epoch
}

// canSeal reports whether this member can seal under epoch now: it holds its key.
func canSeal(g *store.GroupState, epoch uint64) bool {
	return epoch != 0 && g.Key(epoch) != nil && !g.Removed
}

// captureOne seals the notes-bucket copy own as a new version of rec, based on what the
// notes bucket showed before the edit (rec.Local), and queues it. A note new to the
// group gets this member as its creator, with their signature on its id.
func captureOne(g *store.GroupState, t *store.GroupTx, rec *store.GroupNote, own *agenda.Note, epoch uint64, now time.Time) error {
	if !canSeal(g, epoch) {
		return errCannotSeal
	}
	if rec.Creator == "" && len(rec.Heads) == 0 {
		rec.Creator, rec.Origin = g.MemberID, noteOrigin(g.ID, rec.ID, ed25519.PrivateKey(g.SignPrivate))
	}
	v := nextVersion(g, rec, own, now)
	p := notePayload(&v)
	p.Creator, p.Origin = rec.Creator, rec.Origin
	a := nextAuthor(g)
	data, err := seal(g.ID, a, epoch, g.Key(epoch), v.Envelope, p.marshal())
	if err != nil {
		return err
	}
	if len(data) > relay.MaxEnvelope {
		return errTooLong
	}
	if err := t.Enqueue(v.Envelope, data, now); err != nil {
		return err
	}
	g.Seq = a.seq
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
//
// Nothing is captured while this member cannot seal (no key of the list's current epoch
// yet, or a key change due): the edits stay pending and go with a later sync.
func capture(g *store.GroupState, t *store.GroupTx, st *roster.State, res *SyncResult, now time.Time) error {
	epoch := sealEpoch(g, st)
	if !canSeal(g, epoch) {
		return nil
	}
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
			if rec.Creator == g.MemberID || (rec.Creator == "" && (own.Author == "" || own.Author == g.Author)) {
				tomb := *own
				tomb.Deleted = true
				if err := captureOne(g, t, rec, &tomb, epoch, now); err != nil && !errors.Is(err, errTooLong) {
					return err
				}
				res.Shared++
			}
			rec.Local.Detached = true
			rec.Local.Revision = own.Revision
			return t.PutNote(rec)
		}
		switch err := captureOne(g, t, rec, own, epoch, now); {
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
