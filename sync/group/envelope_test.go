package group

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"strings"
	"testing"

	"github.com/dagsorden/dagsorden/store"
	"github.com/dagsorden/dagsorden/sync/group/roster"
	"golang.org/x/crypto/nacl/box"
)

const gid = "0123456789abcdef0123456789abcdef"

// testAuthor is a member who signs envelopes, with their public key.
func testAuthor(t testing.TB, id string, seq uint64) (author, ed25519.PublicKey) {
	t.Helper()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return author{id: id, seq: seq, sign: priv}, pub
}

func TestSealAndOpen(t *testing.T) {
	key := newKey()
	keys := func(e uint64) []byte {
		if e == 3 {
			return key
		}
		return nil
	}
	a, pub := testAuthor(t, "aaaaaaaaaaaaaaaa", 7)
	id := newEnvelopeID()
	data, err := seal(gid, a, 3, key, id, []byte("hemmelig note"))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(data, []byte("hemmelig")) {
		t.Fatal("the plaintext is visible in the envelope")
	}
	h, err := parseEnvelope(data)
	if err != nil || h.kind != kindSealed || h.epoch != 3 || h.author != a.id || h.seq != 7 {
		t.Fatalf("header %+v %v", h, err)
	}
	if !h.verify(gid, id, pub) {
		t.Fatal("the author's signature does not verify")
	}
	pt, err := open(gid, id, h, keys)
	if err != nil || string(pt) != "hemmelig note" {
		t.Fatalf("open: %q %v", pt, err)
	}
	// The signature binds group, envelope id, header and ciphertext; the associated data
	// binds group, epoch and id: any tampering fails one or the other.
	otherGroup := strings.Repeat("f", 32)
	if h.verify(otherGroup, id, pub) {
		t.Error("verified under another group id")
	}
	if _, err := open(otherGroup, id, h, keys); !errors.Is(err, ErrUnreadable) {
		t.Error("opened under another group id")
	}
	if other := newEnvelopeID(); h.verify(gid, other, pub) {
		t.Error("verified under another envelope id (a replay under a new id)")
	}
	if _, pub2 := testAuthor(t, a.id, 1); h.verify(gid, id, pub2) {
		t.Error("verified with another member's key")
	}
	relabeled := bytes.Clone(data)
	relabeled[2] = 4 // epoch 3 → 4, with the right key offered for 4
	h4, _ := parseEnvelope(relabeled)
	if h4.verify(gid, id, pub) {
		t.Error("verified an envelope whose epoch was relabeled")
	}
	if _, err := open(gid, id, h4, func(uint64) []byte { return key }); !errors.Is(err, ErrUnreadable) {
		t.Error("opened an envelope whose epoch was relabeled")
	}
	for i := 0; i < len(data); i += 5 {
		bad := bytes.Clone(data)
		bad[i] ^= 1
		hb, err := parseEnvelope(bad)
		if err != nil {
			continue
		}
		if hb.verify(gid, id, pub) {
			t.Fatalf("a flipped bit at %d went unnoticed", i)
		}
	}
	if _, err := open(gid, id, h, func(uint64) []byte { return newKey() }); !errors.Is(err, ErrUnreadable) {
		t.Error("opened with the wrong key")
	}
	if _, err := open(gid, id, h, func(uint64) []byte { return nil }); !errors.Is(err, ErrUnreadable) {
		t.Error("opened without a key")
	}
	// Nothing is sealed without a signing key or a sequence number.
	if _, err := seal(gid, author{id: a.id, seq: 1}, 3, key, id, nil); err == nil {
		t.Error("sealed without a signing key")
	}
	if _, err := seal(gid, author{id: a.id, sign: a.sign}, 3, key, id, nil); err == nil {
		t.Error("sealed without a sequence number")
	}
}

func TestKeysEnvelope(t *testing.T) {
	adminPub, adminPriv, _ := box.GenerateKey(rand.Reader)
	bPub, bPriv, _ := box.GenerateKey(rand.Reader)
	cPub, cPriv, _ := box.GenerateKey(rand.Reader)
	_, xPriv, _ := box.GenerateKey(rand.Reader)
	a, signPub := testAuthor(t, "aaaaaaaaaaaaaaaa", 2)
	key := newKey()
	id := newEnvelopeID()
	data, err := sealKeys(gid, a, id, 2, key, adminPriv[:], []recipient{{"bbbbbbbbbbbbbbbb", bPub[:]}, {"cccccccccccccccc", cPub[:]}})
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(data, key) {
		t.Fatal("the new key is visible in the envelope")
	}
	h, err := parseEnvelope(data)
	if err != nil || h.kind != kindKeys || h.epoch != 2 || !h.verify(gid, id, signPub) {
		t.Fatalf("header %+v %v", h, err)
	}
	if r := recipients(h); len(r) != 2 || r[0] != "bbbbbbbbbbbbbbbb" || r[1] != "cccccccccccccccc" {
		t.Errorf("recipients %v", r)
	}
	for _, m := range []struct {
		id   string
		priv []byte
	}{{"bbbbbbbbbbbbbbbb", bPriv[:]}, {"cccccccccccccccc", cPriv[:]}} {
		got, err := openBox(gid, id, h, m.id, m.priv, adminPub[:], keySize)
		if err != nil || !bytes.Equal(got, key) {
			t.Errorf("%s: %x %v", m.id, got, err)
		}
	}
	// Not for a member without a box, nor with someone else's private key, nor from
	// anyone but the sender, nor under another envelope id or group.
	if _, err := openBox(gid, id, h, "dddddddddddddddd", xPriv[:], adminPub[:], keySize); !errors.Is(err, ErrUnreadable) {
		t.Error("a member without a box got the key")
	}
	if _, err := openBox(gid, id, h, "bbbbbbbbbbbbbbbb", xPriv[:], adminPub[:], keySize); !errors.Is(err, ErrUnreadable) {
		t.Error("the wrong private key opened a box")
	}
	if _, err := openBox(gid, id, h, "bbbbbbbbbbbbbbbb", bPriv[:], cPub[:], keySize); !errors.Is(err, ErrUnreadable) {
		t.Error("a box was accepted as from someone who did not seal it")
	}
	if _, err := openBox(gid, newEnvelopeID(), h, "bbbbbbbbbbbbbbbb", bPriv[:], adminPub[:], keySize); !errors.Is(err, ErrUnreadable) {
		t.Error("a box was accepted under another envelope id")
	}
	if _, err := openBox(strings.Repeat("e", 32), id, h, "bbbbbbbbbbbbbbbb", bPriv[:], adminPub[:], keySize); !errors.Is(err, ErrUnreadable) {
		t.Error("a box was accepted for another group")
	}
	// An upgrade envelope's box never passes for a key box, nor the other way round.
	up, _ := sealBoxes(kindUpgrade, gid, a, id, 2, key, adminPriv[:], []recipient{{"bbbbbbbbbbbbbbbb", bPub[:]}})
	hu, _ := parseEnvelope(up)
	hu.kind = kindKeys
	if _, err := openBox(gid, id, hu, "bbbbbbbbbbbbbbbb", bPriv[:], adminPub[:], keySize); err == nil {
		t.Error("an upgrade box opened as a key box")
	}
}

func TestParseEnvelopeRefusesGarbage(t *testing.T) {
	for _, bad := range [][]byte{
		nil, {}, {2}, {2, 1}, {3, 1, 1}, {2, 9, 1}, {2, 1, 0}, {2, 1, 0x80},
		append([]byte{2, 1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, make([]byte, 80)...),
		append([]byte{2, 1, 1, 1, 2, 3, 4, 5, 6, 7, 8, 0}, make([]byte, 64)...), // seq 0
	} {
		if _, err := parseEnvelope(bad); err == nil {
			t.Errorf("parseEnvelope(%x) accepted", bad)
		}
	}
	// A version 1 envelope (before signed member lists) is told apart.
	if _, err := parseEnvelope([]byte{1, 1, 1, 5, 5, 5}); !errors.Is(err, errLegacy) {
		t.Errorf("a version 1 envelope: %v", err)
	}
	// Well-formed header, broken bodies.
	priv := make([]byte, 32)
	for _, body := range [][]byte{{}, {5}, {1, 1}, {1, 1, 'x'}, {1, 200, 'x'}, append([]byte{1}, make([]byte, 8+24)...)} {
		h := envelopeHeader{kind: kindKeys, epoch: 1, body: body}
		if _, err := openBox(gid, "id", h, "x", priv, priv, keySize); err == nil {
			t.Errorf("openBox(%x) accepted", body)
		}
	}
	if _, err := open(gid, "id", envelopeHeader{kind: kindSealed, epoch: 1, body: []byte("short")}, func(uint64) []byte { return newKey() }); err == nil {
		t.Error("open accepted a short body")
	}
}

// FuzzEnvelope feeds arbitrary bytes to everything that reads a pulled envelope: it
// never panics, nothing verifies without the author's key, and nothing opens without the
// group key.
func FuzzEnvelope(f *testing.F) {
	key := newKey()
	id := newEnvelopeID()
	a, pub := testAuthor(f, "aaaaaaaaaaaaaaaa", 1)
	good, _ := seal(gid, a, 1, key, id, []byte(`{"type":"profile","editor":"aaaaaaaaaaaaaaaa","editor_name":"A"}`))
	f.Add(good)
	adminPub, adminPriv, _ := box.GenerateKey(rand.Reader)
	bpub, priv, _ := box.GenerateKey(rand.Reader)
	keys, _ := sealKeys(gid, a, id, 2, key, adminPriv[:], []recipient{{"bbbbbbbbbbbbbbbb", bpub[:]}})
	f.Add(keys)
	f.Add([]byte{2, 1, 1})
	f.Add([]byte{1, 2, 1, 1, 1, 'm'})
	f.Fuzz(func(t *testing.T, data []byte) {
		h, err := parseEnvelope(data)
		if err != nil {
			return
		}
		if h.verify(gid, id, pub) && !bytes.Equal(data, good) && !bytes.Equal(data, keys) {
			t.Fatalf("a changed envelope verified: %x", data)
		}
		if pt, err := open(gid, id, h, func(uint64) []byte { return newKey() }); err == nil {
			t.Fatalf("opened with a random key: %q", pt)
		}
		if pt, err := open(gid, id, h, func(uint64) []byte { return key }); err == nil {
			parsePayload(pt, h.author)
		}
		openBox(gid, id, h, "bbbbbbbbbbbbbbbb", priv[:], adminPub[:], keySize)
		recipients(h)
	})
}

func testState() *store.GroupState {
	pub, _, _ := ed25519.GenerateKey(rand.Reader)
	g := &store.GroupState{Name: "A-gruppen", Server: "https://relay.example.dk", ID: gid, MemberID: "0123456789abcdef",
		RootKey: pub, Author: "Anne Admin"}
	g.SetKey(1, newKey())
	g.SetKey(2, newKey())
	return g
}

func testSecret() []byte {
	s := make([]byte, 32)
	rand.Read(s)
	return s
}

func TestInviteRoundTrip(t *testing.T) {
	g := testState()
	secret := testSecret()
	code := newInvite(g, secret, 2, false).Encode()
	if !strings.HasPrefix(code, "DGI2-") {
		t.Fatalf("code %q", code)
	}
	// A mail program wraps it; the member pastes it with the line breaks.
	var wrapped strings.Builder
	for i, r := range code {
		if i > 0 && i%60 == 0 {
			wrapped.WriteString("\n  ")
		}
		wrapped.WriteRune(r)
	}
	in, err := DecodeInvite(" " + wrapped.String() + "\n")
	if err != nil {
		t.Fatal(err)
	}
	if in.Server != g.Server || in.GroupID != g.ID || in.Name != g.Name || !bytes.Equal(in.Secret, secret) ||
		in.AdminID != g.MemberID || !bytes.Equal(in.RootKey, g.RootKey) || in.AdminName != "Anne Admin" {
		t.Errorf("decoded %+v", in)
	}
	// Without the history: the current key only.
	if ks := in.EpochKeys(); len(ks) != 1 || ks[0].Epoch != 2 || !bytes.Equal(ks[0].Key, g.Key(2)) {
		t.Errorf("keys %+v", ks)
	}
	// With it: every key up to the current one.
	in, _ = DecodeInvite(newInvite(g, secret, 2, true).Encode())
	if ks := in.EpochKeys(); len(ks) != 2 || !bytes.Equal(ks[0].Key, g.Key(1)) {
		t.Errorf("keys with the history %+v", ks)
	}
	// The secret itself is in the code; its invite key (what the relay sees) is not.
	ik, _ := roster.InviteKey(secret)
	raw, _ := base64.RawURLEncoding.DecodeString(strings.TrimPrefix(code, "DGI2-"))
	if bytes.Contains(raw, ik.Public().(ed25519.PublicKey)) || bytes.Contains([]byte(code), []byte(base64.StdEncoding.EncodeToString(ik.Public().(ed25519.PublicKey)))) {
		t.Error("the code carries the invite's public key")
	}
}

func TestDecodeInviteRefusesBadCodes(t *testing.T) {
	g := testState()
	mutate := func(fn func(in *Invite)) string {
		in := newInvite(g, testSecret(), 2, true)
		fn(in)
		return in.Encode()
	}
	for name, code := range map[string]string{
		"empty":           "",
		"no prefix":       "hello",
		"other prefix":    "DGI3-abc",
		"older dagsorden": "DGI1-eyJrZXlzIjpbXX0",
		"not base64":      "DGI2-***",
		"not JSON":        "DGI2-" + base64.RawURLEncoding.EncodeToString([]byte("nope")),
		"JSON array":      "DGI2-" + base64.RawURLEncoding.EncodeToString([]byte("[]")),
		"too long":        "DGI2-" + strings.Repeat("A", maxInviteCode),
		"javascript url":  mutate(func(in *Invite) { in.Server = "javascript:alert(1)" }),
		"file url":        mutate(func(in *Invite) { in.Server = "file:///etc/passwd" }),
		"no host":         mutate(func(in *Invite) { in.Server = "https://" }),
		"bad group":       mutate(func(in *Invite) { in.GroupID = "../../x" }),
		"no admin":        mutate(func(in *Invite) { in.AdminID = "" }),
		"no root key":     mutate(func(in *Invite) { in.RootKey = nil }),
		"short root key":  mutate(func(in *Invite) { in.RootKey = []byte{1} }),
		"no secret":       mutate(func(in *Invite) { in.Secret = nil }),
		"short secret":    mutate(func(in *Invite) { in.Secret = in.Secret[:16] }),
		"no keys":         mutate(func(in *Invite) { in.Keys = nil }),
		"short key":       mutate(func(in *Invite) { in.Keys[0].Key = []byte{1, 2, 3} }),
		"epoch zero":      mutate(func(in *Invite) { in.Keys[0].Epoch = 0 }),
		"duplicate epoch": mutate(func(in *Invite) { in.Keys[1].Epoch = in.Keys[0].Epoch }),
		"empty name":      mutate(func(in *Invite) { in.Name = " " }),
		"control in name": mutate(func(in *Invite) { in.Name = "A\x1b[2J" }),
	} {
		in, err := DecodeInvite(code)
		if err == nil {
			t.Errorf("%s: accepted %+v", name, in)
			continue
		}
		if msg := err.Error(); strings.Contains(msg, "\n") || !strings.Contains(msg, "invite") {
			t.Errorf("%s: error %q is not one sentence about the invite", name, msg)
		}
	}
}

func FuzzDecodeInvite(f *testing.F) {
	f.Add(newInvite(testState(), testSecret(), 2, true).Encode())
	f.Add("DGI2-")
	f.Add("DGI2-e30")
	f.Add("DGI2-eyJrZXlzIjpbeyJlcG9jaCI6MSwia2V5IjoiIn1dfQ")
	f.Fuzz(func(t *testing.T, code string) {
		in, err := DecodeInvite(code)
		if err != nil {
			return
		}
		// What decodes must be usable: a relay address, a root key, a secret that derives
		// an invite key, and group keys of the right size.
		if _, err := relayBase(in.Server, true); err != nil {
			t.Errorf("accepted an unusable server %q: %v", in.Server, err)
		}
		if _, err := roster.InviteKey(in.Secret); err != nil || len(in.RootKey) != ed25519.PublicKeySize {
			t.Errorf("accepted secret %x, root %x", in.Secret, in.RootKey)
		}
		for _, k := range in.EpochKeys() {
			if len(k.Key) != keySize || k.Epoch == 0 {
				t.Errorf("accepted key %+v", k)
			}
		}
	})
}

func TestParsePayload(t *testing.T) {
	good := `{"type":"note","editor":"m1","vector":{"m1":1},"clock":5,"note":{"id":"abc","anchor":{"meeting_id":"m","item_id":"i","recommendation":0,"quote":{"exact":"x"}},"stance":"for","text":"ok \u001b[31mrød\u001b[0m\nlinje 2","author":"A\u0007"}}`
	p, err := parsePayload([]byte(good), "m1")
	if err != nil {
		t.Fatal(err)
	}
	if p.Note.Text != "ok [31mrød[0m\nlinje 2" || p.Note.Author != "A" {
		t.Errorf("control characters kept: %q %q", p.Note.Text, p.Note.Author)
	}
	sig := base64.StdEncoding.EncodeToString(make([]byte, 64))
	withCreator := strings.Replace(good, `"clock":5,`, `"clock":5,"creator":"0123456789abcdef","origin":"`+sig+`",`, 1)
	if _, err := parsePayload([]byte(withCreator), "m1"); err != nil {
		t.Errorf("a note with its creator: %v", err)
	}
	for name, bad := range map[string]string{
		"not JSON":         `{`,
		"other author":     good, // checked with another author below
		"unknown type":     `{"type":"x","editor":"m1"}`,
		"no note":          `{"type":"note","editor":"m1","vector":{"m1":1}}`,
		"no vector":        strings.Replace(good, `"vector":{"m1":1},`, ``, 1),
		"editor unseen":    strings.Replace(good, `"vector":{"m1":1}`, `"vector":{"m2":1}`, 1),
		"bad stance":       strings.Replace(good, `"stance":"for"`, `"stance":"maybe"`, 1),
		"bad id":           strings.Replace(good, `"id":"abc"`, `"id":"../x"`, 1),
		"no item":          strings.Replace(good, `"item_id":"i"`, `"item_id":""`, 1),
		"negative rec":     strings.Replace(good, `"recommendation":0`, `"recommendation":-3`, 1),
		"bad creator":      strings.Replace(withCreator, `"creator":"0123456789abcdef"`, `"creator":"x"`, 1),
		"creator w/o sig":  strings.Replace(withCreator, `"origin":"`+sig+`",`, ``, 1),
		"profile as other": `{"type":"profile","editor":"m2","editor_name":"B"}`,
	} {
		author := "m1"
		if name == "other author" {
			author = "m2"
		}
		if _, err := parsePayload([]byte(bad), author); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
