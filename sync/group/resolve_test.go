package group

import (
	"context"
	"testing"

	"github.com/dagsorden/dagsorden/agenda"
	"github.com/dagsorden/dagsorden/store"
	"github.com/dagsorden/dagsorden/sync/group/roster"
)

// conflictAB makes A and B edit one shared note offline, then syncs until both hold the
// conflict. It returns the meeting and the note.
func conflictAB(t *testing.T) (agenda.Meeting, *member, *member, agenda.Note) {
	t.Helper()
	_, m, a, b, _ := setupABC(t)
	n := shareNote(t, a, &m, 0, 0, agenda.StanceFor, "A-gruppen", "udkast")
	mustSync(t, a)
	mustSync(t, b)
	edit := func(mb *member, text string, s agenda.Stance) {
		t.Helper()
		x, err := mb.st.Note(n.ID)
		if err != nil {
			t.Fatal(err)
		}
		x.Text, x.Stance = text, s
		if err := mb.st.SaveNote(x); err != nil {
			t.Fatal(err)
		}
	}
	edit(a, "A: vi stemmer for", agenda.StanceFor)
	edit(b, "B: vi stemmer imod", agenda.StanceAgainst)
	mustSync(t, a)
	mustSync(t, b)
	mustSync(t, a)
	for _, mb := range []*member{a, b} {
		if cfs, err := mb.c.Conflicts(); err != nil || len(cfs) != 1 {
			t.Fatalf("%s before resolving: conflicts %+v %v", mb.name, cfs, err)
		}
	}
	return m, a, b, n
}

// versionOf is the conflict version whose text is text.
func versionOf(t *testing.T, mb *member, noteID, text string) agenda.Note {
	t.Helper()
	cfs, err := mb.c.Conflicts()
	if err != nil {
		t.Fatal(err)
	}
	for _, cf := range cfs {
		for _, v := range cf.Versions {
			if cf.NoteID == noteID && v.Note.Text == text {
				return v.Note
			}
		}
	}
	t.Fatalf("%s has no conflict version %q of %s: %+v", mb.name, text, noteID, cfs)
	return agenda.Note{}
}

// settled checks that mb shows note id without conflict, saying want, everywhere a
// reader looks: Conflicts, the brief input, the group's heads and the notes bucket.
func settled(t *testing.T, mb *member, meetingID, id, want string) {
	t.Helper()
	if cfs, err := mb.c.Conflicts(); err != nil || len(cfs) != 0 {
		t.Errorf("%s: conflicts %+v %v, want none", mb.name, cfs, err)
	}
	in, err := mb.c.BriefInput(meetingID, "A-gruppen")
	if err != nil {
		t.Fatal(err)
	}
	found := 0
	for _, bn := range in.Notes {
		if bn.ID != id {
			continue
		}
		found++
		if bn.Conflict || bn.Text != want {
			t.Errorf("%s's brief shows %q (conflict %v), want %q settled", mb.name, bn.Text, bn.Conflict, want)
		}
	}
	if found != 1 {
		t.Errorf("%s's brief shows the note %d times, want once", mb.name, found)
	}
	gn, err := mb.st.GroupNote("A-gruppen", id)
	if err != nil {
		t.Fatal(err)
	}
	if len(gn.Heads) != 1 || gn.Heads[0].Note.Text != want {
		t.Errorf("%s: %d heads, first %q, want one saying %q", mb.name, len(gn.Heads), gn.Heads[0].Note.Text, want)
	}
	if got, err := mb.st.Note(id); err != nil || got.Text != want {
		t.Errorf("%s's notes bucket shows %+v %v, want %q", mb.name, got, err, want)
	}
}

func TestResolveEndsTheConflictAtOnceAndAfterARestart(t *testing.T) {
	m, a, b, n := conflictAB(t)
	before, err := a.st.GroupNote("A-gruppen", n.ID)
	if err != nil {
		t.Fatal(err)
	}
	queued, _ := a.st.GroupOutbox("A-gruppen")

	keep := versionOf(t, a, n.ID, "B: vi stemmer imod")
	if err := a.c.Resolve("A-gruppen", keep); err != nil {
		t.Fatal(err)
	}
	settled(t, a, m.ID, n.ID, "B: vi stemmer imod")

	// The new head is A's edit and supersedes every head it resolved.
	after, _ := a.st.GroupNote("A-gruppen", n.ID)
	h := after.Heads[0]
	ag, _ := a.st.Group("A-gruppen")
	if h.Editor != ag.MemberID || h.EditorName != "A" {
		t.Errorf("the resolution is by %q (%s), want A", h.EditorName, h.Editor)
	}
	for _, old := range before.Heads {
		if Compare(h.Vector, old.Vector) != After {
			t.Errorf("resolution vector %v does not supersede head %v", h.Vector, old.Vector)
		}
	}
	if h.Note.Stance != agenda.StanceAgainst || h.Note.Author != "A" {
		t.Errorf("the kept version lost its stance or author: %+v", h.Note)
	}
	// It waits in the outbox, sealed, for the next sync.
	ob, _ := a.st.GroupOutbox("A-gruppen")
	if len(ob) != len(queued)+1 || ob[len(ob)-1].Envelope != h.Envelope {
		t.Fatalf("outbox %d entries (was %d), want the resolution queued as envelope %s", len(ob), len(queued), h.Envelope)
	}

	// A restart (a fresh client on the store reopened from disk) before any sync.
	dir := a.st.Dir()
	if err := a.st.Close(); err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	a.st = st
	a.c = &Client{Store: st, Author: "A", HTTP: a.c.HTTP}
	settled(t, a, m.ID, n.ID, "B: vi stemmer imod")

	// After both sync, B has the resolution too, and a later sync changes nothing.
	mustSync(t, a)
	if res := mustSync(t, b); res[0].Conflicts != 0 || res[0].Applied != 1 {
		t.Errorf("B's sync: %+v", res[0])
	}
	settled(t, b, m.ID, n.ID, "B: vi stemmer imod")
	if res := mustSync(t, a); res[0].Applied != 0 || res[0].Shared != 0 {
		t.Errorf("A's sync after B's: %+v", res[0])
	}
	settled(t, a, m.ID, n.ID, "B: vi stemmer imod")
}

// An edit of the note that no sync carried yet is not overwritten unseen: it is sealed
// first, so the group's log has it, and the resolution supersedes it too.
func TestResolveSharesAnUnsyncedEditFirst(t *testing.T) {
	m, a, b, n := conflictAB(t)
	mine, _ := a.st.Note(n.ID)
	mine.Text = "A: et tredje forslag, ikke delt endnu"
	if err := a.st.SaveNote(mine); err != nil {
		t.Fatal(err)
	}
	queued, _ := a.st.GroupOutbox("A-gruppen")
	if err := a.c.Resolve("A-gruppen", versionOf(t, a, n.ID, "A: vi stemmer for")); err != nil {
		t.Fatal(err)
	}
	settled(t, a, m.ID, n.ID, "A: vi stemmer for")
	if ob, _ := a.st.GroupOutbox("A-gruppen"); len(ob) != len(queued)+2 {
		t.Errorf("outbox has %d entries, want %d (the unsynced edit, then the resolution)", len(ob), len(queued)+2)
	}
	// B pulls both; the second supersedes the first and both of B's heads.
	mustSync(t, a)
	mustSync(t, b)
	settled(t, b, m.ID, n.ID, "A: vi stemmer for")
}

// removalWithoutKeyChange adds a member to A-gruppen and has the admin a remove them
// with a signed removal alone, as an interrupted admin could leave the list: a key
// change is then due, and nothing may be sealed under the old key.
func removalWithoutKeyChange(t *testing.T, a *member) {
	t.Helper()
	ctx := context.Background()
	d := newMember(t, "D", testMeeting())
	code, err := a.c.Invite(ctx, "A-gruppen", false)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.c.Join(ctx, code, ""); err != nil {
		t.Fatal(err)
	}
	dg, _ := d.st.Group("A-gruppen")
	st, err := a.c.appendSigned(ctx, "A-gruppen", func(*store.GroupState, *roster.State) ([]*roster.Entry, error) {
		return []*roster.Entry{{Kind: roster.Remove, Member: dg.MemberID}}, nil
	})
	if err != nil || !st.RekeyDue {
		t.Fatalf("a removal alone: %v (key change due %v)", err, st != nil && st.RekeyDue)
	}
}

// While a key change after a removal is pending nothing can be sealed; the conflict
// still ends here at once, and the sync that makes the new key shares the resolution.
func TestResolveWhileAKeyChangeIsPending(t *testing.T) {
	m, a, b, n := conflictAB(t)
	removalWithoutKeyChange(t, a)
	queued, _ := a.st.GroupOutbox("A-gruppen")
	if err := a.c.Resolve("A-gruppen", versionOf(t, a, n.ID, "B: vi stemmer imod")); err != nil {
		t.Fatal(err)
	}
	settled(t, a, m.ID, n.ID, "B: vi stemmer imod")
	if ob, _ := a.st.GroupOutbox("A-gruppen"); len(ob) != len(queued) {
		t.Errorf("something was sealed with the old key: outbox %d entries, was %d", len(ob), len(queued))
	}
	res := mustSync(t, a)
	if res[0].Shared != 1 {
		t.Errorf("A's sync shared %d versions, want the resolution", res[0].Shared)
	}
	if ag, _ := a.st.Group("A-gruppen"); ag.Epoch != 2 {
		t.Fatalf("A's key change did not happen: epoch %d", ag.Epoch)
	}
	settled(t, a, m.ID, n.ID, "B: vi stemmer imod")
	mustSync(t, b)
	settled(t, b, m.ID, n.ID, "B: vi stemmer imod")

	// With the key change pending, an unsynced edit of the note cannot be sealed, so
	// resolving is refused rather than overwriting it.
	_, a2, _, n2 := conflictAB(t)
	mine, _ := a2.st.Note(n2.ID)
	mine.Text = "A: mit eget, ikke delt"
	if err := a2.st.SaveNote(mine); err != nil {
		t.Fatal(err)
	}
	removalWithoutKeyChange(t, a2)
	if err := a2.c.Resolve("A-gruppen", versionOf(t, a2, n2.ID, "B: vi stemmer imod")); err == nil {
		t.Error("resolving over an edit that cannot be shared was allowed")
	}
	if got, _ := a2.st.Note(n2.ID); got.Text != "A: mit eget, ikke delt" {
		t.Errorf("the unsynced edit was overwritten: %q", got.Text)
	}
}
