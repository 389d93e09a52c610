package relay

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"testing"
	"time"

	"github.com/dagsorden/dagsorden/sync/group/roster"
	bolt "go.etcd.io/bbolt"
)

// A member as the client side makes one: a random id, ed25519 and X25519 keys.
type signer struct {
	id   string
	sign ed25519.PrivateKey
	box  []byte
	tok  string
}

func newSigner() *signer {
	_, priv, _ := ed25519.GenerateKey(rand.Reader)
	id := make([]byte, 8)
	rand.Read(id)
	return &signer{id: hex.EncodeToString(id), sign: priv, box: pubKey()}
}

func (s *signer) pub() []byte { return s.sign.Public().(ed25519.PublicKey) }

// signedGroup is a group made with a genesis, and what the test knows of its list.
type signedGroup struct {
	f     *fixture
	id    string
	admin *signer
	st    *roster.State
}

func (f *fixture) signedCreate() *signedGroup {
	f.t.Helper()
	a := newSigner()
	gid := newID(16)
	e := &roster.Entry{Kind: roster.Genesis, Group: gid, Seq: 1, Signer: a.id, SignKey: a.pub(), BoxKey: a.box, Epoch: 1, Commit: pubKey()}
	if err := e.Sign(a.sign); err != nil {
		f.t.Fatal(err)
	}
	var out CreateGroupResponse
	if code := f.call("POST", "/v1/groups", f.r.OperatorToken(), CreateGroupRequest{PublicKey: a.box, Genesis: e.Raw()}, &out); code != http.StatusCreated {
		f.t.Fatalf("create with a genesis: %d", code)
	}
	if out.GroupID != gid || out.MemberID != a.id {
		f.t.Fatalf("the relay did not take the genesis's ids: %+v", out)
	}
	a.tok = out.Token
	sg := &signedGroup{f: f, id: gid, admin: a, st: roster.NewState(gid, a.pub())}
	if err := sg.st.Apply(e); err != nil {
		f.t.Fatal(err)
	}
	return sg
}

// entry signs e as the next entry of the list the test knows.
func (sg *signedGroup) entry(e *roster.Entry, by *signer) *roster.Entry {
	sg.f.t.Helper()
	e.Group, e.Seq, e.Prev, e.Signer = sg.id, sg.st.Seq+1, sg.st.Head, by.id
	if err := e.Sign(by.sign); err != nil {
		sg.f.t.Fatal(err)
	}
	return e
}

// append posts entries signed by by and, when the relay takes them, applies them here.
func (sg *signedGroup) append(by *signer, es ...*roster.Entry) int {
	sg.f.t.Helper()
	var raws [][]byte
	for _, e := range es {
		raws = append(raws, e.Raw())
	}
	code := sg.f.call("POST", "/v1/groups/"+sg.id+"/chain", by.tok, ChainRequest{Entries: raws}, nil)
	if code == http.StatusOK {
		for _, e := range es {
			if err := sg.st.Apply(e); err != nil {
				sg.f.t.Fatal(err)
			}
		}
	}
	return code
}

// invite registers a new invite and returns its private key.
func (sg *signedGroup) invite(by *signer, expires time.Time) ed25519.PrivateKey {
	sg.f.t.Helper()
	secret := make([]byte, roster.InviteSecretSize)
	rand.Read(secret)
	k, _ := roster.InviteKey(secret)
	if code := sg.append(by, sg.entry(&roster.Entry{Kind: roster.Invite, InviteKey: k.Public().(ed25519.PublicKey), Expires: expires.Unix()}, by)); code != http.StatusOK {
		sg.f.t.Fatalf("invite: %d", code)
	}
	return k
}

func (sg *signedGroup) join(m *signer, inv ed25519.PrivateKey) (JoinResponse, int) {
	sg.f.t.Helper()
	claim, err := roster.NewJoin(sg.id, m.id, m.sign, m.box, inv)
	if err != nil {
		sg.f.t.Fatal(err)
	}
	var out JoinResponse
	code := sg.f.call("POST", "/v1/groups/"+sg.id+"/join", "", JoinRequest{PublicKey: m.box, Claim: claim.Raw()}, &out)
	if code == http.StatusCreated {
		claim.Place(out.Seq, sg.st.Head)
		if err := sg.st.Apply(claim); err != nil {
			sg.f.t.Fatalf("the relay placed the join where it does not verify: %v", err)
		}
		m.tok = out.Token
	}
	return out, code
}

func (sg *signedGroup) chain(tok string) (ChainResponse, int) {
	sg.f.t.Helper()
	var out ChainResponse
	code := sg.f.call("GET", "/v1/groups/"+sg.id+"/chain?after=0", tok, nil, &out)
	return out, code
}

func TestSignedListLifecycle(t *testing.T) {
	f := newFixture(t, Options{})
	sg := f.signedCreate()
	a := sg.admin
	b, c := newSigner(), newSigner()
	week := time.Now().Add(7 * 24 * time.Hour)
	if _, code := sg.join(b, sg.invite(a, week)); code != http.StatusCreated {
		t.Fatalf("B's join: %d", code)
	}
	ic := sg.invite(a, week)
	if _, code := sg.join(c, ic); code != http.StatusCreated {
		t.Fatalf("C's join: %d", code)
	}
	if _, code := sg.join(newSigner(), ic); code != http.StatusUnauthorized {
		t.Errorf("a second join on C's invite: %d, want 401", code)
	}
	// Every member reads the same list the test built, and it verifies from the genesis.
	ch, code := sg.chain(b.tok)
	if code != 200 || len(ch.Entries) != int(sg.st.Seq) {
		t.Fatalf("B reads %d entries (%d), want %d", len(ch.Entries), code, sg.st.Seq)
	}
	st, err := roster.Replay(sg.id, a.pub(), ch.Entries)
	if err != nil || st.Head != sg.st.Head || len(st.Active()) != 3 {
		t.Fatalf("the list B reads: %v", err)
	}
	// Only an admin's signed entries go in; a member cannot even sign in the admin's name.
	if code := sg.append(b, sg.entry(&roster.Entry{Kind: roster.Remove, Member: c.id}, b)); code != http.StatusBadRequest {
		t.Errorf("a removal signed by a member: %d, want 400", code)
	}
	forged := sg.entry(&roster.Entry{Kind: roster.Remove, Member: c.id}, a)
	forged.Sig = ed25519.Sign(b.sign, []byte("x"))
	if code := f.call("POST", "/v1/groups/"+sg.id+"/chain", b.tok, ChainRequest{Entries: [][]byte{mustEncode(t, forged, a)}}, nil); code != http.StatusForbidden {
		t.Errorf("the admin's entry sent with a member's token: %d, want 403", code)
	}
	// Entries that do not follow the head are refused with 409: sign again on top.
	stale := &roster.Entry{Kind: roster.Rotate, Group: sg.id, Seq: sg.st.Seq, Prev: sg.st.Head, Signer: a.id, Epoch: 2, Commit: pubKey()}
	stale.Sign(a.sign)
	if code := sg.append(a, stale); code != http.StatusConflict {
		t.Errorf("an entry on an old head: %d, want 409", code)
	}
	// A join is no admin entry.
	j, _ := roster.NewJoin(sg.id, newSigner().id, newSigner().sign, pubKey(), ic)
	if code := f.call("POST", "/v1/groups/"+sg.id+"/chain", a.tok, ChainRequest{Entries: [][]byte{j.Raw()}}, nil); code != http.StatusBadRequest {
		t.Errorf("a join through the admin's append: %d", code)
	}
	// The legacy ways round the list are closed for this group.
	if code := f.call("POST", "/v1/groups/"+sg.id+"/invites", a.tok, nil, nil); code != http.StatusConflict {
		t.Errorf("an unsigned invite: %d, want 409", code)
	}
	if code := f.call("DELETE", "/v1/groups/"+sg.id+"/members/"+c.id, a.tok, nil, nil); code != http.StatusConflict {
		t.Errorf("an unsigned removal of a listed member: %d, want 409", code)
	}

	// A signed removal: C's token stops working at once, but C may read the list that
	// says so; an open invite is revoked with it.
	open := sg.invite(a, week)
	if code := sg.append(a, sg.entry(&roster.Entry{Kind: roster.Remove, Member: c.id}, a),
		sg.entry(&roster.Entry{Kind: roster.Rotate, Epoch: 2, Commit: pubKey()}, a)); code != http.StatusConflict {
		// Two entries signed on the same head: the second does not follow the first.
		t.Errorf("two entries signed on one head: %d, want 409", code)
	}
	rm := sg.entry(&roster.Entry{Kind: roster.Remove, Member: c.id}, a)
	rot := &roster.Entry{Kind: roster.Rotate, Group: sg.id, Seq: rm.Seq + 1, Prev: rm.Hash(), Signer: a.id, Epoch: 2, Commit: pubKey()}
	rot.Sign(a.sign)
	if code := sg.append(a, rm, rot); code != http.StatusOK {
		t.Fatalf("removal and key change: %d", code)
	}
	if code := f.call("GET", "/v1/groups/"+sg.id+"/envelopes", c.tok, nil, nil); code != http.StatusForbidden {
		t.Errorf("the removed member's pull: %d, want 403", code)
	}
	if ch, code := sg.chain(c.tok); code != 200 || len(ch.Entries) != int(sg.st.Seq) {
		t.Errorf("the removed member reads the list: %d, %d entries", code, len(ch.Entries))
	}
	if _, code := sg.join(newSigner(), open); code != http.StatusUnauthorized {
		t.Errorf("a join on an invite made before the removal: %d, want 401", code)
	}
	var members MembersResponse
	f.call("GET", "/v1/groups/"+sg.id+"/members", a.tok, nil, &members)
	if len(members.Members) != 2 {
		t.Errorf("relay members after the removal: %+v", members.Members)
	}

	// Hand-over: B becomes admin, A resigns; the relay follows (B may invite, A not).
	if code := sg.append(a, sg.entry(&roster.Entry{Kind: roster.Admin, Member: b.id}, a)); code != http.StatusOK {
		t.Fatalf("new admin: %d", code)
	}
	if code := sg.append(a, sg.entry(&roster.Entry{Kind: roster.Resign}, a)); code != http.StatusOK {
		t.Fatalf("resign: %d", code)
	}
	sg.invite(b, week)
	if code := sg.append(a, sg.entry(&roster.Entry{Kind: roster.Rotate, Epoch: 3, Commit: pubKey()}, a)); code != http.StatusBadRequest {
		t.Errorf("the old admin's key change after the hand-over: %d, want 400", code)
	}
	var after MembersResponse // a fresh value: JSON leaves fields it does not see alone
	f.call("GET", "/v1/groups/"+sg.id+"/members", a.tok, nil, &after)
	for _, m := range after.Members {
		if m.Admin != (m.ID == b.id) {
			t.Errorf("relay member %s admin=%v after the hand-over", m.ID, m.Admin)
		}
	}
}

func mustEncode(t *testing.T, e *roster.Entry, by *signer) []byte {
	t.Helper()
	sig := e.Sig
	if err := e.Sign(by.sign); err != nil {
		t.Fatal(err)
	}
	e.Sig = sig
	raw := bytes.Clone(e.Raw())
	copy(raw[len(raw)-roster.SigSize:], sig)
	return raw
}

func TestSignedJoinRules(t *testing.T) {
	now := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	f := newFixture(t, Options{FailRate: 0.01, FailBurst: 3, Now: func() time.Time { return now }})
	sg := f.signedCreate()
	inv := sg.invite(sg.admin, now.Add(time.Hour))
	// A made-up invite key, a claim whose own signature does not verify, and a claim on
	// a real invite without its key are refused as failed credentials.
	_, fake, _ := ed25519.GenerateKey(rand.Reader)
	if _, code := sg.join(newSigner(), fake); code != http.StatusUnauthorized {
		t.Errorf("a claim on an invite the list does not hold: %d", code)
	}
	m := newSigner()
	claim, _ := roster.NewJoin(sg.id, m.id, m.sign, m.box, inv)
	raw := bytes.Clone(claim.Raw())
	raw[len(raw)-1] ^= 1 // the invite signature
	if code := f.call("POST", "/v1/groups/"+sg.id+"/join", "", JoinRequest{PublicKey: m.box, Claim: raw}, nil); code != http.StatusUnauthorized {
		t.Errorf("a claim with a broken invite signature: %d", code)
	}
	if code := f.call("POST", "/v1/groups/"+sg.id+"/join", "", JoinRequest{PublicKey: pubKey(), Claim: claim.Raw()}, nil); code != http.StatusBadRequest {
		t.Errorf("a claim whose box key is not the one registered: %d", code)
	}
	// The failures are counted: a fourth made-up claim from the address is held back…
	sg.join(newSigner(), fake)
	if _, code := sg.join(newSigner(), fake); code != http.StatusTooManyRequests {
		t.Errorf("made-up claims past the limit: %d, want 429", code)
	}
	// …but the real invite still works from the same address.
	if _, code := sg.join(m, inv); code != http.StatusCreated {
		t.Errorf("the real claim from the same address: %d", code)
	}
	// An invite past its signed expiry is refused.
	late := sg.invite(sg.admin, now.Add(time.Hour))
	now = now.Add(2 * time.Hour)
	f.r.fails, f.r.prefixFails = newLimiters(1, 100), newLimiters(1, 100)
	if _, code := sg.join(newSigner(), late); code != http.StatusUnauthorized {
		t.Errorf("an expired invite: %d, want 401", code)
	}
}

// A group from before signed lists: its admin writes the genesis and reserved invites for
// the members it knows; each member confirms their keys on theirs, keeping their token.
func TestUpgradeOfAGroupWithoutAList(t *testing.T) {
	f := newFixture(t, Options{})
	g := f.create() // legacy: relay-chosen ids, no genesis
	m := f.join(g.GroupID, f.invite(g))
	gp := "/v1/groups/" + g.GroupID
	stray := f.join(g.GroupID, f.invite(g))
	leftover := f.invite(g)
	var members MembersResponse
	f.call("GET", gp+"/members", g.Token, nil, &members)
	keyOf := map[string][]byte{}
	for _, mb := range members.Members {
		keyOf[mb.ID] = mb.PublicKey
	}
	a := &signer{id: g.MemberID, box: keyOf[g.MemberID], tok: g.Token}
	_, a.sign, _ = ed25519.GenerateKey(rand.Reader)
	if ch, code := (&signedGroup{f: f, id: g.GroupID}).chain(m.Token); code != 200 || len(ch.Entries) != 0 {
		t.Fatalf("a group without a list: %d, %d entries", code, len(ch.Entries))
	}
	genesis := func(signer *signer, box []byte) *roster.Entry {
		e := &roster.Entry{Kind: roster.Genesis, Group: g.GroupID, Seq: 1, Signer: signer.id, SignKey: signer.pub(), BoxKey: box, Epoch: 3, Commit: pubKey()}
		e.Sign(signer.sign)
		return e
	}
	// Only its admin, with the key the relay knows for them.
	mm := &signer{id: m.MemberID, box: keyOf[m.MemberID], tok: m.Token}
	_, mm.sign, _ = ed25519.GenerateKey(rand.Reader)
	post := func(tok string, es ...*roster.Entry) int {
		var raws [][]byte
		for _, e := range es {
			raws = append(raws, e.Raw())
		}
		return f.call("POST", gp+"/chain", tok, ChainRequest{Entries: raws}, nil)
	}
	if code := post(m.Token, genesis(mm, mm.box)); code != http.StatusForbidden {
		t.Errorf("a member writes the genesis: %d, want 403", code)
	}
	if code := post(g.Token, genesis(a, pubKey())); code != http.StatusForbidden {
		t.Errorf("a genesis with a box key the relay does not know for the admin: %d, want 403", code)
	}
	sg := &signedGroup{f: f, id: g.GroupID, admin: a, st: roster.NewState(g.GroupID, a.pub())}
	gen := genesis(a, a.box)
	if code := post(g.Token, gen); code != http.StatusOK {
		t.Fatalf("the admin's genesis: %d", code)
	}
	sg.st.Apply(gen)
	// The old invite tokens stop working with the genesis.
	if code := f.call("POST", gp+"/join", leftover, JoinRequest{PublicKey: pubKey()}, nil); code != http.StatusConflict {
		t.Errorf("an unsigned invite after the upgrade: %d, want 409", code)
	}
	secret := make([]byte, 32)
	rand.Read(secret)
	inv, _ := roster.InviteKey(secret)
	if code := sg.append(a, sg.entry(&roster.Entry{Kind: roster.Invite, InviteKey: inv.Public().(ed25519.PublicKey), Expires: time.Now().Add(time.Hour).Unix(), For: m.MemberID}, a)); code != http.StatusOK {
		t.Fatalf("reserved invite: %d", code)
	}
	// Someone else cannot take the reserved invite, not even with the member's id.
	impostor := newSigner()
	impostor.id = stray.MemberID
	if _, code := sg.join(impostor, inv); code != http.StatusUnauthorized {
		t.Errorf("another member on a reserved invite: %d, want 401", code)
	}
	out, code := sg.join(mm, inv)
	if code != http.StatusCreated || out.Token != "" || out.MemberID != m.MemberID {
		t.Fatalf("the member's confirmation: %d %+v", code, out)
	}
	if code := f.call("GET", gp+"/envelopes", m.Token, nil, nil); code != http.StatusOK {
		t.Errorf("the member's old token after confirming: %d", code)
	}
	// The stray relay member (never confirmed) is no member of the list; the admin may
	// clear them out of the relay without a signed entry.
	if code := f.call("DELETE", gp+"/members/"+stray.MemberID, g.Token, nil, nil); code != http.StatusNoContent {
		t.Errorf("clearing a relay member the list does not hold: %d", code)
	}
}

func TestMigrationTwoGivesEveryGroupAList(t *testing.T) {
	f := newFixture(t, Options{})
	g := f.create()
	// Make the group look like one from before migration 2, and the file version 1.
	f.r.db.Update(func(tx *bolt.Tx) error {
		tx.Bucket(bucketGroups).Bucket([]byte(g.GroupID)).DeleteBucket(bucketChain)
		return tx.Bucket(bucketMeta).Put(keyVersion, u64(1))
	})
	f.r.Close()
	r, err := New(f.dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	r.db.View(func(tx *bolt.Tx) error {
		if tx.Bucket(bucketGroups).Bucket([]byte(g.GroupID)).Bucket(bucketChain) == nil {
			t.Error("migration 2 made no chain bucket for the old group")
		}
		if v := schemaVersion(tx); v != 2 {
			t.Errorf("schema version %d after migrating", v)
		}
		return nil
	})
}

// FuzzJoinClaim: arbitrary bytes as a join claim never crash the relay, never answer
// 5xx, and never add a member unless they are a valid claim on an open invite.
func FuzzJoinClaim(f *testing.F) {
	fx := &fixture{t: f, dir: f.TempDir(), logs: &logBuffer{}}
	r, err := New(fx.dir, Options{FailRate: 1e6, FailBurst: 1e6})
	if err != nil {
		f.Fatal(err)
	}
	defer r.Close()
	fx.r, fx.h = r, r.Handler()
	sg := fx.signedCreate()
	inv := sg.invite(sg.admin, time.Now().Add(time.Hour))
	m := newSigner()
	good, _ := roster.NewJoin(sg.id, m.id, m.sign, m.box, inv)
	f.Add(good.Raw(), m.box)
	f.Add([]byte("DGR1"), m.box)
	f.Add(good.Raw()[:40], m.box)
	count := func() int {
		n := 0
		r.db.View(func(tx *bolt.Tx) error {
			return tx.Bucket(bucketGroups).Bucket([]byte(sg.id)).Bucket(bucketMembers).ForEach(func(_, _ []byte) error { n++; return nil })
		})
		return n
	}
	f.Fuzz(func(t *testing.T, claim, box []byte) {
		fx.t = t
		before := count()
		var out JoinResponse
		code := fx.call("POST", "/v1/groups/"+sg.id+"/join", "", JoinRequest{PublicKey: box, Claim: claim}, &out)
		switch code {
		case 201:
			if bytes.Equal(claim, good.Raw()) && count() == before+1 {
				return
			}
			t.Fatalf("a claim that is not the real one added a member: %x", claim)
		case 400, 401, 409, 429:
			if count() != before {
				t.Fatalf("a refused claim changed the members")
			}
		default:
			t.Fatalf("status %d for claim %x", code, claim)
		}
	})
}

// FuzzChainAppend: arbitrary entries sent by the admin never crash the relay or answer
// 5xx, and the stored list always still verifies.
func FuzzChainAppend(f *testing.F) {
	fx := &fixture{t: f, dir: f.TempDir(), logs: &logBuffer{}}
	r, err := New(fx.dir, Options{TokenRate: 1e6, TokenBurst: 1e6})
	if err != nil {
		f.Fatal(err)
	}
	defer r.Close()
	fx.r, fx.h = r, r.Handler()
	sg := fx.signedCreate()
	e := sg.entry(&roster.Entry{Kind: roster.Rotate, Epoch: 2, Commit: pubKey()}, sg.admin)
	f.Add(e.Raw())
	f.Add([]byte("DGR1\x05"))
	f.Fuzz(func(t *testing.T, raw []byte) {
		fx.t = t
		code := fx.call("POST", "/v1/groups/"+sg.id+"/chain", sg.admin.tok, ChainRequest{Entries: [][]byte{raw}}, nil)
		if code >= 500 {
			t.Fatalf("status %d for %x", code, raw)
		}
		r.db.View(func(tx *bolt.Tx) error {
			if _, err := chainState(sg.id, tx.Bucket(bucketGroups).Bucket([]byte(sg.id))); err != nil {
				t.Fatalf("the stored list no longer verifies after %x: %v", raw, err)
			}
			return nil
		})
	})
}
