package group

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/dagsorden/dagsorden/agenda"
	"github.com/dagsorden/dagsorden/agenda/brief"
	"github.com/dagsorden/dagsorden/store"
)

// Brief renders the formøde brief of a meeting. With a group: the notes shared with it,
// each member's stance tallied per recommendation over the group's current members, and
// every version of a note in conflict. Without: this member's own notes (private ones
// and those they wrote for a group). format is "md" (or "markdown") or "html".
func (c *Client) Brief(meetingID, group, format string) ([]byte, error) {
	format = strings.ToLower(strings.TrimSpace(format))
	if format != "md" && format != "markdown" && format != "html" {
		return nil, fmt.Errorf("unknown brief format %q (use md or html)", format)
	}
	in, err := c.BriefInput(meetingID, group)
	if err != nil {
		return nil, err
	}
	if format == "html" {
		return brief.HTML(in)
	}
	return brief.Markdown(in), nil
}

// BriefInput gathers what the brief of a meeting shows (the UI's formøde view uses the
// same): see Brief.
func (c *Client) BriefInput(meetingID, group string) (brief.Input, error) {
	m, err := c.Store.Meeting(meetingID)
	if err != nil {
		return brief.Input{}, fmt.Errorf("meeting %s: %w", meetingID, err)
	}
	notes, err := c.Store.NotesForMeeting(meetingID)
	if err != nil {
		return brief.Input{}, err
	}
	in := brief.Input{Meeting: m, Group: group, Generated: c.now()}
	if group == "" {
		me := strings.TrimSpace(c.Author)
		for _, n := range notes {
			if n.Visibility != agenda.Group || (me != "" && n.Author == me) {
				in.Notes = append(in.Notes, brief.Note{Note: n, Mine: true})
			}
		}
		return in, nil
	}
	g, err := c.Store.Group(group)
	if errors.Is(err, store.ErrNotFound) {
		return brief.Input{}, fmt.Errorf("you are in no group named %q (see group list)", group)
	}
	if err != nil {
		return brief.Input{}, err
	}
	// Only members of the signed list count, by their signed names; a stranger the relay
	// lists is no member. A group still waiting for its upgrade counts its old roster.
	for i := range g.Members {
		if mb := &g.Members[i]; isMember(mb) || (legacy(g) && !mb.Removed && !mb.Stranger) {
			in.Members = append(in.Members, memberName(mb))
		}
	}
	slices.SortFunc(in.Members, func(a, b string) int { return strings.Compare(strings.ToLower(a), strings.ToLower(b)) })
	gns, err := c.Store.GroupNotes(group)
	if err != nil {
		return brief.Input{}, err
	}
	byID := map[string]*store.GroupNote{}
	for i := range gns {
		byID[gns[i].ID] = &gns[i]
	}
	for _, n := range notes {
		if n.Visibility != agenda.Group || n.Group != group {
			continue
		}
		// Authors: a note that came from the group has its creator's signed name. One
		// without a group record was written here and not shared yet (only sync writes
		// what others send), and one from before signed member lists keeps its author.
		gn := byID[n.ID]
		if gn != nil && gn.Creator != "" {
			n.Author = creatorName(g, gn.Creator)
		}
		mine := n.Author == g.Author
		if gn != nil && gn.Creator != "" {
			mine = gn.Creator == g.MemberID
		}
		if gn == nil || !gn.Conflict() {
			in.Notes = append(in.Notes, brief.Note{Note: n, Mine: mine})
			continue
		}
		for _, h := range gn.Heads {
			v := h.Note
			v.Anchor, v.Group, v.Visibility, v.Status, v.Author = n.Anchor, group, agenda.Group, n.Status, n.Author
			bn := brief.Note{Note: v, Mine: mine, Conflict: true}
			if ed := versionEditor(g, &h); ed != v.Author {
				bn.Editor = ed
			}
			in.Notes = append(in.Notes, bn)
		}
	}
	return in, nil
}

// versionEditor names who wrote a version: their signed name (a version from before
// signed member lists keeps the name it came with).
func versionEditor(g *store.GroupState, h *store.GroupVersion) string {
	if n := nameOf(g, h.Editor); n != "" {
		return n
	}
	return h.EditorName
}

func memberName(m *store.GroupMember) string {
	if m.Name != "" {
		return m.Name
	}
	return "medlem " + m.ID[:min(6, len(m.ID))]
}

// Resolve settles a conflict: n (with the id of the note in conflict) becomes a new
// version by this member whose version vector covers every current head (their join,
// plus one edit of ours), so it supersedes them all. In one transaction it is written to
// the notes bucket, made the note's only head, and sealed into the outbox; the next sync
// pushes it, and every member who pulls it drops the versions it supersedes. The conflict
// is over here at once (Conflicts and BriefInput show one version, also after a restart).
//
// An edit of the note here that no sync has shared yet is sealed first as a version of
// its own, so the resolution supersedes it knowingly and its text still reaches the
// group's log on the relay. While a key change after a removal is pending (or the group
// has no key yet) nothing can be sealed: the resolution still ends the conflict here, and
// the next sync, which makes the new key first, shares it as a local edit.
func (c *Client) Resolve(group string, n agenda.Note) error {
	now := c.now()
	return c.Store.UpdateGroup(group, func(g *store.GroupState, t *store.GroupTx) error {
		rec, err := t.Note(n.ID)
		if err != nil {
			return err
		}
		if rec == nil {
			return fmt.Errorf("%s has no shared note %s", group, n.ID)
		}
		own, err := t.StoredNote(n.ID)
		if err != nil {
			return err
		}
		st, err := rosterOf(g)
		if err != nil {
			return err
		}
		epoch := sealEpoch(g, st)
		sealable := canSeal(g, epoch)
		if pending(g, rec, own) {
			if !sealable {
				return fmt.Errorf("your own edit of this note is not shared with %s yet; sync first, then resolve", group)
			}
			switch err := captureOne(g, t, rec, own, epoch, now); {
			case errors.Is(err, errTooLong):
				return fmt.Errorf("your own edit of this note is too long to share with %s; shorten it, then resolve", group)
			case err != nil:
				return err
			}
		}
		// The base of the resolution is every head: NextVector then puts our entry past
		// each of them, so the new version is strictly newer than all.
		vs := []map[string]uint64{rec.Local.Vector}
		for _, h := range rec.Heads {
			vs = append(vs, h.Vector)
		}
		rec.Local.Vector = Join(vs...)
		rec.Local.Detached = false
		note := n
		note.Group, note.Visibility, note.Deleted = g.Name, agenda.Group, false
		note.Revision = rec.Local.Revision + 1
		if own != nil {
			note.Revision = max(note.Revision, own.Revision+1)
			if note.Created.IsZero() {
				note.Created = own.Created
			}
		}
		note.Updated = now.Round(0).In(agenda.Copenhagen)
		stored, err := t.Mirror(&note)
		if err != nil {
			return err
		}
		if sealable {
			switch err := captureOne(g, t, rec, stored, epoch, now); {
			case errors.Is(err, errTooLong):
				return fmt.Errorf("the kept version is too long to share with %s", group)
			case err != nil:
				return err
			}
		} else {
			// Not sealed: the new head is ours alone for now. rec.Local.Revision stays
			// below the notes bucket's, so the next sync captures the note as a local edit
			// based on this version, which supersedes it again, and shares that.
			v := nextVersion(g, rec, stored, now)
			v.Envelope = "" // it travels in no envelope
			rec.Heads, _ = Merge(rec.Heads, v)
			g.Clock = v.Clock
			rec.Local.Vector = v.Vector
		}
		return t.PutNote(rec)
	})
}

// Conflict is a shared note whose members edited it concurrently: every version is
// kept until someone resolves it (Resolve). The notes bucket shows the first.
type Conflict struct {
	Group    string            `json:"group"`
	NoteID   string            `json:"note_id"`
	Versions []ConflictVersion `json:"versions"` // newest first
}

// ConflictVersion is one of a conflict's versions.
type ConflictVersion struct {
	Note   agenda.Note `json:"note"`
	Editor string      `json:"editor"` // who wrote this version
}

// Conflicts lists every shared note in conflict, in every group.
func (c *Client) Conflicts() ([]Conflict, error) {
	gs, err := c.Store.Groups()
	if err != nil {
		return nil, err
	}
	var out []Conflict
	for _, g := range gs {
		gns, err := c.Store.GroupNotes(g.Name)
		if err != nil {
			return nil, err
		}
		for _, gn := range gns {
			if !gn.Conflict() {
				continue
			}
			cf := Conflict{Group: g.Name, NoteID: gn.ID}
			for _, h := range gn.Heads {
				n := h.Note
				n.Group, n.Visibility = g.Name, agenda.Group
				if gn.Creator != "" {
					n.Author = creatorName(&g, gn.Creator)
				}
				cf.Versions = append(cf.Versions, ConflictVersion{Note: n, Editor: versionEditor(&g, &h)})
			}
			out = append(out, cf)
		}
	}
	return out, nil
}
