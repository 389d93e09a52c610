package roster

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"strings"
	"testing"
)

const gid = "0123456789abcdef0123456789abcdef"

type person struct {
	id   string
	sign ed25519.PrivateKey
	box  []byte
}

func newPerson(t testing.TB) person {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	id := make([]byte, MemberIDSize)
	rand.Read(id)
	box := make([]byte, KeySize)
	rand.Read(box)
	return person{id: hex.EncodeToString(id), sign: priv, box: box}
}

func (p person) pub() []byte { return p.sign.Public().(ed25519.PublicKey) }

// chain builds a list entry by entry, each placed after the last.
type chain struct {
	t    testing.TB
	raws [][]byte
	head [32]byte
}

func (c *chain) add(e *Entry, by ed25519.PrivateKey) *Entry {
	c.t.Helper()
	e.Group, e.Seq, e.Prev = gid, uint64(len(c.raws)+1), c.head
	if e.Kind == Join {
		if err := e.Place(e.Seq, e.Prev); err != nil {
			c.t.Fatal(err)
		}
	} else if err := e.Sign(by); err != nil {
		c.t.Fatal(err)
	}
	c.raws = append(c.raws, e.Raw())
	c.head = e.Hash()
	return e
}

func secret(t testing.TB) ([]byte, ed25519.PrivateKey) {
	t.Helper()
	s := make([]byte, InviteSecretSize)
	rand.Read(s)
	k, err := InviteKey(s)
	if err != nil {
		t.Fatal(err)
	}
	return s, k
}

func key() []byte {
	k := make([]byte, 32)
	rand.Read(k)
	return k
}

func join(t testing.TB, p person, inv ed25519.PrivateKey) *Entry {
	t.Helper()
	e, err := NewJoin(gid, p.id, p.sign, p.box, inv)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// fullChain: A makes the group, invites B and C, B joins, C joins with history, A
// removes C and rotates, makes B an admin and resigns; B invites D (left open).
func fullChain(t testing.TB) (*chain, person, person, person, []byte) {
	a, b, c := newPerson(t), newPerson(t), newPerson(t)
	ch := &chain{t: t}
	k1 := key()
	ch.add(&Entry{Kind: Genesis, Signer: a.id, SignKey: a.pub(), BoxKey: a.box, Epoch: 1, Commit: KeyCommit(gid, 1, k1)}, a.sign)
	_, ib := secret(t)
	_, ic := secret(t)
	ch.add(&Entry{Kind: Invite, Signer: a.id, InviteKey: ib.Public().(ed25519.PublicKey), Expires: 1_800_000_000}, a.sign)
	ch.add(&Entry{Kind: Invite, Signer: a.id, InviteKey: ic.Public().(ed25519.PublicKey), Expires: 1_800_000_000, History: true}, a.sign)
	ch.add(join(t, b, ib), nil)
	ch.add(join(t, c, ic), nil)
	ch.add(&Entry{Kind: Remove, Signer: a.id, Member: c.id}, a.sign)
	ch.add(&Entry{Kind: Rotate, Signer: a.id, Epoch: 2, Commit: KeyCommit(gid, 2, key())}, a.sign)
	ch.add(&Entry{Kind: Admin, Signer: a.id, Member: b.id}, a.sign)
	ch.add(&Entry{Kind: Resign, Signer: a.id}, a.sign)
	_, id := secret(t)
	ch.add(&Entry{Kind: Invite, Signer: b.id, InviteKey: id.Public().(ed25519.PublicKey), Expires: 1_800_000_000}, b.sign)
	return ch, a, b, c, k1
}

func TestReplayAFullList(t *testing.T) {
	ch, a, b, c, k1 := fullChain(t)
	s, err := Replay(gid, a.pub(), ch.raws)
	if err != nil {
		t.Fatal(err)
	}
	if s.Seq != 10 || s.Epoch != 2 || s.RekeyDue || s.Head != ch.head {
		t.Errorf("state: seq %d epoch %d rekey %v", s.Seq, s.Epoch, s.RekeyDue)
	}
	if got := s.Admins(); len(got) != 1 || got[0] != b.id {
		t.Errorf("admins %v, want only B (A handed over)", got)
	}
	if act := s.Active(); len(act) != 2 || act[0].ID != a.id || act[1].ID != b.id {
		t.Errorf("active members %+v", act)
	}
	cm := s.Member(c.id)
	if cm == nil || !cm.Removed || cm.RemovedEpoch != 1 || !cm.History || cm.InviteEpoch != 1 {
		t.Errorf("C: %+v", cm)
	}
	if !bytes.Equal(s.Member(b.id).BoxKey, b.box) || !bytes.Equal(s.Member(b.id).SignKey, b.pub()) {
		t.Error("B's keys are not the ones B claimed")
	}
	if !s.KeyMatches(1, k1) || s.KeyMatches(1, key()) || s.KeyMatches(3, k1) {
		t.Error("key commitments")
	}
	if open := s.OpenInvites(); len(open) != 1 || open[0].By != b.id {
		t.Errorf("open invites %+v, want B's", open)
	}
	// Without a root the genesis's own key is taken (the relay's case).
	if _, err := Replay(gid, nil, ch.raws); err != nil {
		t.Error(err)
	}
}

func TestReplayRefusesWhatARelayCouldDo(t *testing.T) {
	ch, a, b, _, _ := fullChain(t)
	x := newPerson(t) // the relay's own member
	replay := func(raws [][]byte) error {
		_, err := Replay(gid, a.pub(), raws)
		return err
	}
	cut := func(i int) [][]byte { return append([][]byte{}, ch.raws[:i]...) }

	other := &chain{t: t}
	other.add(&Entry{Kind: Genesis, Signer: x.id, SignKey: x.pub(), BoxKey: x.box, Epoch: 1, Commit: key()}, x.sign)
	_, inv := secret(t)
	cases := map[string][][]byte{
		"another genesis":   other.raws,
		"swapped entries":   append(append(cut(3), ch.raws[4]), ch.raws[3]),
		"entry left out":    append(cut(5), ch.raws[6:]...),
		"entry repeated":    append(cut(4), ch.raws[3]),
		"entry from before": append(cut(10), ch.raws[1]),
	}
	// An entry the relay signs itself, placed correctly.
	forged := &chain{t: t, raws: cut(10), head: ch.head}
	forged.add(&Entry{Kind: Invite, Signer: x.id, InviteKey: inv.Public().(ed25519.PublicKey)}, x.sign)
	cases["invite by a non-member"] = forged.raws
	forged = &chain{t: t, raws: cut(10), head: ch.head}
	forged.add(&Entry{Kind: Invite, Signer: b.id, InviteKey: inv.Public().(ed25519.PublicKey)}, x.sign)
	cases["invite in an admin's name"] = forged.raws
	// A join on an invite the list never held (the relay makes up its own).
	forged = &chain{t: t, raws: cut(10), head: ch.head}
	forged.add(join(t, x, inv), nil)
	cases["join without an invite"] = forged.raws
	// A join that claims a real open invite without its key.
	st, _ := Replay(gid, a.pub(), ch.raws)
	e, _ := NewJoin(gid, x.id, x.sign, x.box, inv)
	e.InviteKey = st.OpenInvites()[0].Key
	e.Sig = ed25519.Sign(x.sign, mustSigned(t, e))
	forged = &chain{t: t, raws: cut(10), head: ch.head}
	forged.add(e, nil)
	cases["join on a stolen invite key"] = forged.raws
	// A join on C's invite, revoked when C was removed... C's invite is used; make a new
	// chain where an open invite is revoked by a removal.
	for name, raws := range cases {
		if err := replay(raws); err == nil {
			t.Errorf("%s: accepted", name)
		} else if !strings.Contains(err.Error(), "signed member list") {
			t.Errorf("%s: error %q does not say what broke", name, err)
		}
	}
	// Any bit flipped anywhere in any entry breaks the list.
	for i := range ch.raws {
		for j := 0; j < len(ch.raws[i]); j += 5 {
			raws := cut(len(ch.raws))
			bad := bytes.Clone(raws[i])
			bad[j] ^= 0x10
			raws[i] = bad
			if replay(raws) == nil {
				t.Fatalf("entry %d byte %d flipped: accepted", i+1, j)
			}
		}
	}
}

func mustSigned(t testing.TB, e *Entry) []byte {
	t.Helper()
	m, err := e.signed()
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestInviteRules(t *testing.T) {
	a, b, c := newPerson(t), newPerson(t), newPerson(t)
	ch := &chain{t: t}
	ch.add(&Entry{Kind: Genesis, Signer: a.id, SignKey: a.pub(), BoxKey: a.box, Epoch: 4, Commit: key()}, a.sign)
	_, ib := secret(t)
	_, ic := secret(t)
	_, iFor := secret(t)
	ch.add(&Entry{Kind: Invite, Signer: a.id, InviteKey: ib.Public().(ed25519.PublicKey)}, a.sign)
	ch.add(&Entry{Kind: Invite, Signer: a.id, InviteKey: ic.Public().(ed25519.PublicKey)}, a.sign)
	ch.add(&Entry{Kind: Invite, Signer: a.id, InviteKey: iFor.Public().(ed25519.PublicKey), For: b.id}, a.sign)
	ch.add(join(t, b, ib), nil)
	s, err := Replay(gid, a.pub(), ch.raws)
	if err != nil {
		t.Fatal(err)
	}
	if m := s.Member(b.id); m.InviteEpoch != 4 || m.History {
		t.Errorf("B: %+v", m)
	}
	try := func(e *Entry) error {
		t.Helper()
		st, err := Replay(gid, a.pub(), ch.raws)
		if err != nil {
			t.Fatal(err)
		}
		e.Group = gid
		if err := e.Place(st.Seq+1, st.Head); err != nil {
			t.Fatal(err)
		}
		p, err := Parse(e.Raw())
		if err != nil {
			t.Fatal(err)
		}
		return st.Apply(p)
	}
	if err := try(join(t, c, ib)); err == nil || !strings.Contains(err.Error(), "used already") {
		t.Errorf("second use of an invite: %v", err)
	}
	if err := try(join(t, c, iFor)); err == nil || !strings.Contains(err.Error(), "reserved") {
		t.Errorf("an invite reserved for B used by C: %v", err)
	}
	// A removal revokes the open invite made before it.
	ch.add(&Entry{Kind: Remove, Signer: a.id, Member: b.id}, a.sign)
	if err := try(join(t, c, ic)); err == nil || !strings.Contains(err.Error(), "revoked") {
		t.Errorf("an invite from before a removal: %v", err)
	}
	if st, _ := Replay(gid, a.pub(), ch.raws); !st.RekeyDue || len(st.OpenInvites()) != 0 {
		t.Error("after a removal: no key change due, or invites still open")
	}
	// B, removed, cannot come back on an old invite, nor sign anything.
	if err := try(join(t, b, iFor)); err == nil {
		t.Error("a removed member joined again")
	}
	bad := &Entry{Kind: Invite, Group: gid, Signer: b.id, InviteKey: key()}
	st, _ := Replay(gid, a.pub(), ch.raws)
	bad.Seq, bad.Prev = st.Seq+1, st.Head
	bad.Sign(b.sign)
	if err := st.Apply(bad); err == nil {
		t.Error("a removed admin-to-be signed an invite")
	}
}

func TestAdminRules(t *testing.T) {
	a, b := newPerson(t), newPerson(t)
	ch := &chain{t: t}
	ch.add(&Entry{Kind: Genesis, Signer: a.id, SignKey: a.pub(), BoxKey: a.box, Epoch: 1, Commit: key()}, a.sign)
	_, ib := secret(t)
	ch.add(&Entry{Kind: Invite, Signer: a.id, InviteKey: ib.Public().(ed25519.PublicKey)}, a.sign)
	ch.add(join(t, b, ib), nil)
	next := func(e *Entry, by ed25519.PrivateKey) error {
		st, err := Replay(gid, a.pub(), ch.raws)
		if err != nil {
			t.Fatal(err)
		}
		e.Group, e.Seq, e.Prev = gid, st.Seq+1, st.Head
		if err := e.Sign(by); err != nil {
			t.Fatal(err)
		}
		return st.Apply(e)
	}
	for name, tc := range map[string]struct {
		e  *Entry
		by ed25519.PrivateKey
	}{
		"the only admin resigns":      {&Entry{Kind: Resign, Signer: a.id}, a.sign},
		"a member makes an admin":     {&Entry{Kind: Admin, Signer: b.id, Member: b.id}, b.sign},
		"a member removes the admin":  {&Entry{Kind: Remove, Signer: b.id, Member: a.id}, b.sign},
		"the admin removes themself":  {&Entry{Kind: Remove, Signer: a.id, Member: a.id}, a.sign},
		"a stranger becomes an admin": {&Entry{Kind: Admin, Signer: a.id, Member: newPerson(t).id}, a.sign},
		"an epoch skipped":            {&Entry{Kind: Rotate, Signer: a.id, Epoch: 3, Commit: key()}, a.sign},
		"a member rotates":            {&Entry{Kind: Rotate, Signer: b.id, Epoch: 2, Commit: key()}, b.sign},
		"a second genesis":            {&Entry{Kind: Genesis, Signer: a.id, SignKey: a.pub(), BoxKey: a.box, Epoch: 2, Commit: key()}, a.sign},
	} {
		if err := next(tc.e, tc.by); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	// A hand-over: B made admin by A, then A resigns; B can now sign, A cannot.
	ch.add(&Entry{Kind: Admin, Signer: a.id, Member: b.id}, a.sign)
	ch.add(&Entry{Kind: Resign, Signer: a.id}, a.sign)
	if err := next(&Entry{Kind: Rotate, Signer: b.id, Epoch: 2, Commit: key()}, b.sign); err != nil {
		t.Errorf("the new admin's key change: %v", err)
	}
	if err := next(&Entry{Kind: Rotate, Signer: a.id, Epoch: 2, Commit: key()}, a.sign); err == nil {
		t.Error("the admin who handed over still signs changes")
	}
}

func TestReplayWithTheWrongRoot(t *testing.T) {
	ch, _, _, _, _ := fullChain(t)
	if _, err := Replay(gid, newPerson(t).pub(), ch.raws); err == nil || !strings.Contains(err.Error(), "another admin than the one your invite names") {
		t.Errorf("genesis by another key than the invite's: %v", err)
	}
	if _, err := Replay(strings.Repeat("f", 32), nil, ch.raws); err == nil {
		t.Error("the list of another group accepted")
	}
	if _, err := Replay(gid, nil, ch.raws[1:]); err == nil {
		t.Error("a list without its genesis accepted")
	}
}

func TestParseRefusesBadInput(t *testing.T) {
	ch, _, _, _, _ := fullChain(t)
	good := ch.raws[3] // a join
	var e *Entry
	for name, raw := range map[string][]byte{
		"empty":          nil,
		"magic only":     []byte(magic),
		"other magic":    append([]byte("DGR2"), good[4:]...),
		"unknown kind":   append(append([]byte(magic), 99), good[5:]...),
		"truncated":      good[:len(good)-1],
		"trailing byte":  append(bytes.Clone(good), 0),
		"huge":           bytes.Repeat([]byte{1}, MaxEntry+1),
		"long varint":    overlongSeq(good),
		"bad flags":      badFlags(t, ch.raws[1]),
		"join w/o 2 sig": good[:len(good)-SigSize],
	} {
		var err error
		if e, err = Parse(raw); err == nil {
			t.Errorf("%s: parsed as %+v", name, e)
		} else if !strings.Contains(err.Error(), "member list entry") {
			t.Errorf("%s: %q", name, err)
		}
	}
	for i, raw := range ch.raws {
		e, err := Parse(raw)
		if err != nil {
			t.Fatalf("entry %d: %v", i+1, err)
		}
		if !bytes.Equal(e.Raw(), raw) {
			t.Errorf("entry %d does not round-trip", i+1)
		}
	}
}

// overlongSeq re-encodes the seq varint with a redundant continuation byte.
func overlongSeq(raw []byte) []byte {
	i := len(magic) + 1 + GroupIDSize
	out := append([]byte{}, raw[:i]...)
	out = append(out, raw[i]|0x80, 0)
	return append(out, raw[i+1:]...)
}

func badFlags(t *testing.T, invite []byte) []byte {
	e, err := Parse(invite)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := e.body()
	i := bytes.Index(invite, body) + KeySize + 5 // key, expires (5 bytes for 1.8e9), flags
	out := bytes.Clone(invite)
	out[i] = 2
	return out
}

func TestInviteKeyIsDerivedFromTheSecret(t *testing.T) {
	s, k := secret(t)
	k2, _ := InviteKey(s)
	if !bytes.Equal(k, k2) {
		t.Error("the same secret gave two keys")
	}
	s[0] ^= 1
	if k3, _ := InviteKey(s); bytes.Equal(k, k3) {
		t.Error("another secret gave the same key")
	}
	if _, err := InviteKey(s[:16]); err == nil {
		t.Error("a short secret accepted")
	}
}

// FuzzParse: no input panics Parse, and what parses encodes to the same bytes.
func FuzzParse(f *testing.F) {
	ch, _, _, _, _ := fullChain(f)
	for _, raw := range ch.raws {
		f.Add(raw)
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		e, err := Parse(raw)
		if err != nil {
			return
		}
		if !bytes.Equal(e.Raw(), raw) {
			t.Fatalf("parsed entry re-encodes differently")
		}
	})
}

// FuzzReplay: a list made of a real list with one entry replaced by arbitrary bytes never
// panics Replay and never verifies unless the bytes are the original entry.
func FuzzReplay(f *testing.F) {
	ch, a, _, _, _ := fullChain(f)
	for i, raw := range ch.raws {
		f.Add(uint8(i), raw)
	}
	f.Fuzz(func(t *testing.T, at uint8, raw []byte) {
		i := int(at) % len(ch.raws)
		raws := append([][]byte{}, ch.raws...)
		raws[i] = raw
		_, err := Replay(gid, a.pub(), raws)
		if err == nil && !bytes.Equal(raw, ch.raws[i]) {
			t.Fatalf("entry %d replaced by %x verified", i+1, raw)
		}
		var re *Error
		if err != nil && !errors.As(err, &re) {
			t.Fatalf("error without an entry number: %v", err)
		}
	})
}

// BenchmarkReplay200 verifies a list of 200 entries (a 50-member group after years of
// invites and a few removals): what a client does at each sync, and the relay at each
// change.
func BenchmarkReplay200(b *testing.B) {
	a := newPerson(b)
	ch := &chain{t: b}
	ch.add(&Entry{Kind: Genesis, Signer: a.id, SignKey: a.pub(), BoxKey: a.box, Epoch: 1, Commit: key()}, a.sign)
	for len(ch.raws) < 200 {
		_, inv := secret(b)
		ch.add(&Entry{Kind: Invite, Signer: a.id, InviteKey: inv.Public().(ed25519.PublicKey)}, a.sign)
		ch.add(join(b, newPerson(b), inv), nil)
	}
	for b.Loop() {
		if _, err := Replay(gid, a.pub(), ch.raws); err != nil {
			b.Fatal(err)
		}
	}
}
