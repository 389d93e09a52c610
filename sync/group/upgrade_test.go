package group

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/dagsorden/dagsorden/agenda"
	"github.com/dagsorden/dagsorden/store"
	"github.com/dagsorden/dagsorden/sync/group/roster"
	"github.com/dagsorden/dagsorden/sync/relay"
	"golang.org/x/crypto/nacl/box"
)

// legacyGroup makes what a store from before signed member lists held: a group created
// and joined through the relay's old endpoints (the relay chose the ids, the invite was a
// token), its keys from the invite, the roster as the old client verified it (names and
// X25519 keys from sealed profiles), and one shared note. admin and members get it;
// unverified joins the group on the relay, but never reached anyone's roster (their
// profile never arrived).
func legacyGroup(t *testing.T, url, operator string, m agenda.Meeting, admin *member, members []*member, unverified *member) {
	t.Helper()
	ctx := context.Background()
	c := &Client{}
	rc, _ := c.relay(url, "")
	type cred struct {
		id, token string
		pub, priv *[32]byte
	}
	creds := map[*member]cred{}
	pub, priv, _ := box.GenerateKey(rand.Reader)
	var created relay.CreateGroupResponse
	if err := rc.do(ctx, http.MethodPost, "/v1/groups", operator, relay.CreateGroupRequest{PublicKey: pub[:]}, &created, http.StatusCreated); err != nil {
		t.Fatal(err)
	}
	creds[admin] = cred{created.MemberID, created.Token, pub, priv}
	for _, mb := range append(slices.Clone(members), unverified) {
		var inv relay.InviteResponse
		if err := rc.do(ctx, http.MethodPost, groupPath(created.GroupID)+"/invites", created.Token, nil, &inv, http.StatusCreated); err != nil {
			t.Fatal(err)
		}
		pub, priv, _ := box.GenerateKey(rand.Reader)
		var j relay.JoinResponse
		if err := rc.do(ctx, http.MethodPost, groupPath(created.GroupID)+"/join", inv.Invite, relay.JoinRequest{PublicKey: pub[:]}, &j, http.StatusCreated); err != nil {
			t.Fatal(err)
		}
		creds[mb] = cred{j.MemberID, j.Token, pub, priv}
	}
	k1 := newKey()
	roster := []store.GroupMember{{ID: creds[admin].id, Name: admin.name, PublicKey: creds[admin].pub[:], Admin: true, Verified: true}}
	for _, mb := range members {
		roster = append(roster, store.GroupMember{ID: creds[mb].id, Name: mb.name, PublicKey: creds[mb].pub[:], Verified: true})
	}
	zero := 0
	a, _ := agenda.AnchorOn(&m, &m.Items[0], &zero)
	shared := agenda.Note{ID: "legacynote1", Anchor: a, Stance: agenda.StanceFor, Text: "fra før opgraderingen",
		Author: admin.name, Visibility: agenda.Group, Group: "A-gruppen", Revision: 1}
	for _, mb := range append(slices.Clone(members), admin, unverified) {
		cr := creds[mb]
		g := &store.GroupState{Name: "A-gruppen", Server: url, ID: created.GroupID, MemberID: cr.id, Token: cr.token,
			Admin: mb == admin, AdminID: creds[admin].id, AdminKey: creds[admin].pub[:], PublicKey: cr.pub[:], PrivateKey: cr.priv[:],
			Author: mb.name, Created: time.Now(), Members: slices.Clone(roster)}
		g.SetKey(1, k1)
		if err := mb.st.AddGroup(g); err != nil {
			t.Fatal(err)
		}
		err := mb.st.UpdateGroup("A-gruppen", func(g *store.GroupState, tx *store.GroupTx) error {
			v := store.GroupVersion{Note: shared, Vector: map[string]uint64{creds[admin].id: 1}, Clock: 1 << 16,
				Editor: creds[admin].id, EditorName: admin.name, Envelope: newEnvelopeID()}
			n := shared
			stored, err := tx.Mirror(&n)
			if err != nil {
				return err
			}
			return tx.PutNote(&store.GroupNote{ID: shared.ID, Heads: []store.GroupVersion{v},
				Local: store.NoteSync{Revision: stored.Revision, Vector: v.Vector}})
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}

// A group from before signed member lists is upgraded by its admin's dagsorden; members
// accept it only through the admin's X25519 key their invite gave them, not the relay's
// word. A member the admin never verified gets no key; a relay that shows a list of its
// own is not believed.
func TestUpgradeOfAGroupFromBeforeSignedLists(t *testing.T) {
	hr, url, op := newHostileRelay(t)
	m := testMeeting()
	a, b, z := newMember(t, "A", m), newMember(t, "B", m), newMember(t, "Z", m)
	legacyGroup(t, url, op, m, a, []*member{b}, z)
	ctx := context.Background()
	for _, mb := range []*member{a, b} {
		if l, _ := mb.c.List(); len(l) != 1 || !l[0].Legacy {
			t.Fatalf("%s's group is not seen as one from before signed lists: %+v", mb.name, l)
		}
	}
	// A member syncing first waits for the admin, and shares nothing meanwhile.
	shareNote(t, b, &m, 2, -1, agenda.StanceNone, "A-gruppen", "B skrev mens gruppen ventede")
	res := mustSync(t, b)
	if !strings.Contains(res[0].Notice, "waiting for its admin") || res[0].Pushed != 0 {
		t.Errorf("B before the upgrade: %+v", res[0])
	}

	// The relay makes up a list of its own for the group, with an upgrade envelope to B
	// that claims to be from A. B does not take it: its box is not from A's key.
	bg, _ := b.st.Group("A-gruppen")
	fakeGen := &roster.Entry{Kind: roster.Genesis, Group: bg.ID, Seq: 1, Signer: bg.AdminID, SignKey: hr.fake.signPub,
		BoxKey: hr.fake.boxPub[:], Epoch: 2, Commit: roster.KeyCommit(bg.ID, 2, newKey())}
	fakeGen.Sign(hr.fake.signPriv)
	hr.mu.Lock()
	hr.chain = [][]byte{fakeGen.Raw()}
	hr.mu.Unlock()
	h := sha256.Sum256(fakeGen.Raw())
	id := newEnvelopeID()
	data, _ := sealBoxes(kindUpgrade, bg.ID, author{id: bg.AdminID, seq: 1, sign: hr.fake.signPriv}, id, 2,
		append(make([]byte, 32), h[:]...), hr.fake.boxPriv[:], []recipient{{bg.MemberID, bg.PublicKey}})
	hr.injectOnce(relay.Envelope{ID: id, Sender: bg.AdminID, Data: data})
	res = mustSync(t, b)
	if bg, _ := b.st.Group("A-gruppen"); !legacy(bg) || !strings.Contains(res[0].Notice, "has not confirmed you") {
		t.Fatalf("B took the relay's own list: %+v", res[0])
	}
	hr.mu.Lock()
	hr.chain = nil
	hr.mu.Unlock()

	// The admin's sync upgrades the group: a signed list with A, B reserved, Z not in it.
	res = mustSync(t, a)
	ag, _ := a.st.Group("A-gruppen")
	if legacy(ag) || ag.Epoch != 2 || res[0].Err != nil {
		t.Fatalf("A after its upgrade: epoch %d, %+v", ag.Epoch, res[0])
	}
	ms, _ := a.c.Members(ctx, "A-gruppen")
	state := map[string]string{}
	for _, mi := range ms {
		switch {
		case mi.Waiting:
			state[mi.Name] = "waiting"
		case mi.Unknown:
			state[mi.ID] = "unknown"
		default:
			state[mi.Name] = "member"
		}
	}
	zg, _ := z.st.Group("A-gruppen")
	if state["A"] != "member" || state["B"] != "waiting" || state[zg.MemberID] != "unknown" || state[hr.fake.id] != "unknown" {
		t.Errorf("A's members after the upgrade: %v", state)
	}

	// B confirms on its next sync; A's next sync hands B the new key; B's waiting note
	// goes out, and A reads it as B's.
	res = mustSync(t, b)
	if bg, _ := b.st.Group("A-gruppen"); legacy(bg) || res[0].Err != nil {
		t.Fatalf("B did not confirm: %+v", res[0])
	}
	mustSync(t, a)
	res = mustSync(t, b)
	bg, _ = b.st.Group("A-gruppen")
	if bg.Epoch != 2 || res[0].Shared != 1 {
		t.Errorf("B after A handed the key: epoch %d, %+v", bg.Epoch, res[0])
	}
	mustSync(t, a)
	var got *agenda.Note
	for _, n := range notesOf(t, a, m.ID) {
		if n.Text == "B skrev mens gruppen ventede" {
			got = &n
		}
	}
	if got == nil || got.Author != "B" {
		t.Errorf("A's copy of B's note: %+v", got)
	}
	// The note from before the upgrade is still there for both, with its author.
	for _, mb := range []*member{a, b} {
		n, err := mb.st.Note("legacynote1")
		if err != nil || n.Text != "fra før opgraderingen" || n.Author != "A" {
			t.Errorf("%s's note from before: %+v %v", mb.name, n, err)
		}
	}
	// Z never got the new key, and Z's old client cannot take part: it has no signed
	// place in the group.
	for _, e := range hr.allEnvelopes(t, a) {
		h, err := parseEnvelope(e.Data)
		if err != nil {
			continue
		}
		if (h.kind == kindKeys || h.kind == kindUpgrade) && slices.Contains(recipients(h), zg.MemberID) {
			t.Errorf("envelope %d has a box for the member A never verified", e.Seq)
		}
	}
	if ms, _ := a.c.Members(ctx, "A-gruppen"); len(ms) != 4 {
		t.Errorf("A's members at the end: %+v", ms)
	}
	// The admin clears Z off the relay (Z was never in the signed list); the relay's own
	// made-up member it cannot clear, and it stays a warning.
	if mi, err := a.c.Remove(ctx, "A-gruppen", zg.MemberID); err != nil || !mi.Unknown {
		t.Errorf("clearing Z off the relay: %+v %v", mi, err)
	}
	ms, _ = a.c.Members(ctx, "A-gruppen")
	var ids []string
	for _, mi := range ms {
		ids = append(ids, mi.ID)
	}
	if len(ms) != 3 || slices.Contains(ids, zg.MemberID) || !slices.Contains(ids, hr.fake.id) {
		t.Errorf("A's members after clearing Z: %+v", ms)
	}
}
