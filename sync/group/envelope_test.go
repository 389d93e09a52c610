package group

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"strings"
	"testing"

	"github.com/dagsorden/dagsorden/store"
	"golang.org/x/crypto/nacl/box"
)

const gid = "0123456789abcdef0123456789abcdef"

func TestSealAndOpen(t *testing.T) {
	key := newKey()
	keys := func(e uint64) []byte {
		if e == 3 {
			return key
		}
		return nil
	}
	id := newEnvelopeID()
	data, err := seal(gid, 3, key, id, []byte("hemmelig note"))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(data, []byte("hemmelig")) {
		t.Fatal("the plaintext is visible in the envelope")
	}
	h, err := parseEnvelope(data)
	if err != nil || h.kind != kindSealed || h.epoch != 3 {
		t.Fatalf("header %+v %v", h, err)
	}
	pt, err := open(gid, id, h, keys)
	if err != nil || string(pt) != "hemmelig note" {
		t.Fatalf("open: %q %v", pt, err)
	}
	// The associated data binds group, epoch and envelope id; any tampering fails.
	otherGroup := strings.Repeat("f", 32)
	if _, err := open(otherGroup, id, h, keys); !errors.Is(err, ErrUnreadable) {
		t.Error("opened under another group id")
	}
	if _, err := open(gid, newEnvelopeID(), h, keys); !errors.Is(err, ErrUnreadable) {
		t.Error("opened under another envelope id")
	}
	relabeled := bytes.Clone(data)
	relabeled[2] = 4 // epoch 3 → 4, with the right key offered for 4
	h4, _ := parseEnvelope(relabeled)
	if _, err := open(gid, id, h4, func(uint64) []byte { return key }); !errors.Is(err, ErrUnreadable) {
		t.Error("opened an envelope whose epoch was relabeled")
	}
	for i := 3; i < len(data); i += 7 {
		bad := bytes.Clone(data)
		bad[i] ^= 1
		hb, err := parseEnvelope(bad)
		if err != nil {
			continue
		}
		if _, err := open(gid, id, hb, keys); err == nil {
			t.Fatalf("a flipped bit at %d went unnoticed", i)
		}
	}
	if _, err := open(gid, id, h, func(uint64) []byte { return newKey() }); !errors.Is(err, ErrUnreadable) {
		t.Error("opened with the wrong key")
	}
	if _, err := open(gid, id, h, func(uint64) []byte { return nil }); !errors.Is(err, ErrUnreadable) {
		t.Error("opened without a key")
	}
}

func TestKeysEnvelope(t *testing.T) {
	adminPub, adminPriv, _ := box.GenerateKey(rand.Reader)
	bPub, bPriv, _ := box.GenerateKey(rand.Reader)
	cPub, cPriv, _ := box.GenerateKey(rand.Reader)
	_, xPriv, _ := box.GenerateKey(rand.Reader)
	key := newKey()
	id := newEnvelopeID()
	data, err := sealKeys(gid, id, 2, key, adminPriv[:], []recipient{{"bbbbbbbbbbbbbbbb", bPub[:]}, {"cccccccccccccccc", cPub[:]}})
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(data, key) {
		t.Fatal("the new key is visible in the envelope")
	}
	h, err := parseEnvelope(data)
	if err != nil || h.kind != kindKeys || h.epoch != 2 {
		t.Fatalf("header %+v %v", h, err)
	}
	for _, m := range []struct {
		id   string
		priv []byte
	}{{"bbbbbbbbbbbbbbbb", bPriv[:]}, {"cccccccccccccccc", cPriv[:]}} {
		got, err := openKeys(gid, id, h, m.id, m.priv, adminPub[:])
		if err != nil || !bytes.Equal(got, key) {
			t.Errorf("%s: %x %v", m.id, got, err)
		}
	}
	// Not for a member without a box, nor with someone else's private key, nor from
	// anyone but the admin, nor replayed under another envelope id or group.
	if _, err := openKeys(gid, id, h, "dddddddddddddddd", xPriv[:], adminPub[:]); !errors.Is(err, ErrUnreadable) {
		t.Error("a member without a box got the key")
	}
	if _, err := openKeys(gid, id, h, "bbbbbbbbbbbbbbbb", xPriv[:], adminPub[:]); !errors.Is(err, ErrUnreadable) {
		t.Error("the wrong private key opened a box")
	}
	if _, err := openKeys(gid, id, h, "bbbbbbbbbbbbbbbb", bPriv[:], cPub[:]); !errors.Is(err, ErrUnreadable) {
		t.Error("a box was accepted as from someone who is not the admin")
	}
	if _, err := openKeys(gid, newEnvelopeID(), h, "bbbbbbbbbbbbbbbb", bPriv[:], adminPub[:]); !errors.Is(err, ErrUnreadable) {
		t.Error("a box was accepted under another envelope id")
	}
	if _, err := openKeys(strings.Repeat("e", 32), id, h, "bbbbbbbbbbbbbbbb", bPriv[:], adminPub[:]); !errors.Is(err, ErrUnreadable) {
		t.Error("a box was accepted for another group")
	}
}

func TestParseEnvelopeRefusesGarbage(t *testing.T) {
	for _, bad := range [][]byte{
		nil, {}, {1}, {1, 1}, {2, 1, 1}, {1, 3, 1}, {1, 1, 0}, {1, 1, 0x80},
		{1, 1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff},
	} {
		if _, err := parseEnvelope(bad); err == nil {
			t.Errorf("parseEnvelope(%x) accepted", bad)
		}
	}
	// Well-formed header, broken bodies.
	priv := make([]byte, 32)
	for _, body := range [][]byte{{}, {5}, {1, 1}, {1, 1, 'x'}, {1, 200, 'x'}, append([]byte{1, 1, 'x'}, make([]byte, 24)...)} {
		h := envelopeHeader{kind: kindKeys, epoch: 1, body: body}
		if _, err := openKeys(gid, "id", h, "x", priv, priv); err == nil {
			t.Errorf("openKeys(%x) accepted", body)
		}
	}
	if _, err := open(gid, "id", envelopeHeader{kind: kindSealed, epoch: 1, body: []byte("short")}, func(uint64) []byte { return newKey() }); err == nil {
		t.Error("open accepted a short body")
	}
}

// FuzzEnvelope feeds arbitrary bytes to everything that reads a pulled envelope: it
// never panics, and nothing opens without the key.
func FuzzEnvelope(f *testing.F) {
	key := newKey()
	id := newEnvelopeID()
	good, _ := seal(gid, 1, key, id, []byte(`{"type":"profile","editor":"m","public_key":"`+base64.StdEncoding.EncodeToString(make([]byte, 32))+`"}`))
	f.Add(good)
	adminPub, adminPriv, _ := box.GenerateKey(rand.Reader)
	pub, priv, _ := box.GenerateKey(rand.Reader)
	keys, _ := sealKeys(gid, id, 2, key, adminPriv[:], []recipient{{"m", pub[:]}})
	f.Add(keys)
	f.Add([]byte{1, 1, 1})
	f.Add([]byte{1, 2, 1, 1, 1, 'm'})
	f.Fuzz(func(t *testing.T, data []byte) {
		h, err := parseEnvelope(data)
		if err != nil {
			return
		}
		if pt, err := open(gid, id, h, func(uint64) []byte { return newKey() }); err == nil {
			t.Fatalf("opened with a random key: %q", pt)
		}
		if pt, err := open(gid, id, h, func(uint64) []byte { return key }); err == nil {
			parsePayload(pt, "m")
		}
		openKeys(gid, id, h, "m", priv[:], adminPub[:])
	})
}

func testState() *store.GroupState {
	pub, _, _ := box.GenerateKey(rand.Reader)
	g := &store.GroupState{Name: "A-gruppen", Server: "https://relay.example.dk", ID: gid, AdminID: "0123456789abcdef",
		AdminKey: pub[:], Author: "Anne Admin"}
	g.SetKey(1, newKey())
	g.SetKey(2, newKey())
	return g
}

func TestInviteRoundTrip(t *testing.T) {
	g := testState()
	code := newInvite(g, "dgi_token").Encode()
	if !strings.HasPrefix(code, "DGI1-") {
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
	if in.Server != g.Server || in.GroupID != g.ID || in.Name != g.Name || in.Token != "dgi_token" ||
		in.AdminID != g.AdminID || !bytes.Equal(in.AdminKey, g.AdminKey) || in.AdminName != "Anne Admin" {
		t.Errorf("decoded %+v", in)
	}
	ks := in.EpochKeys()
	if len(ks) != 2 || !bytes.Equal(ks[1].Key, g.Key(2)) {
		t.Errorf("keys %+v", ks)
	}
}

func TestDecodeInviteRefusesBadCodes(t *testing.T) {
	g := testState()
	mutate := func(fn func(in *Invite)) string {
		in := newInvite(g, "dgi_token")
		fn(in)
		return in.Encode()
	}
	for name, code := range map[string]string{
		"empty":            "",
		"no prefix":        "hello",
		"other prefix":     "DGI2-abc",
		"not base64":       "DGI1-***",
		"not JSON":         "DGI1-" + base64.RawURLEncoding.EncodeToString([]byte("nope")),
		"JSON array":       "DGI1-" + base64.RawURLEncoding.EncodeToString([]byte("[]")),
		"too long":         "DGI1-" + strings.Repeat("A", maxInviteCode),
		"javascript url":   mutate(func(in *Invite) { in.Server = "javascript:alert(1)" }),
		"file url":         mutate(func(in *Invite) { in.Server = "file:///etc/passwd" }),
		"no host":          mutate(func(in *Invite) { in.Server = "https://" }),
		"bad group":        mutate(func(in *Invite) { in.GroupID = "../../x" }),
		"no admin":         mutate(func(in *Invite) { in.AdminID = "" }),
		"short admin key":  mutate(func(in *Invite) { in.AdminKey = []byte{1} }),
		"no token":         mutate(func(in *Invite) { in.Token = "" }),
		"token with space": mutate(func(in *Invite) { in.Token = "a b" }),
		"no keys":          mutate(func(in *Invite) { in.Keys = nil }),
		"short key":        mutate(func(in *Invite) { in.Keys[0].Key = []byte{1, 2, 3} }),
		"epoch zero":       mutate(func(in *Invite) { in.Keys[0].Epoch = 0 }),
		"duplicate epoch":  mutate(func(in *Invite) { in.Keys[1].Epoch = in.Keys[0].Epoch }),
		"empty name":       mutate(func(in *Invite) { in.Name = " " }),
		"control in name":  mutate(func(in *Invite) { in.Name = "A\x1b[2J" }),
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
	f.Add(newInvite(testState(), "dgi_token").Encode())
	f.Add("DGI1-")
	f.Add("DGI1-e30")
	f.Add("DGI1-eyJrZXlzIjpbeyJlcG9jaCI6MSwia2V5IjoiIn1dfQ")
	f.Fuzz(func(t *testing.T, code string) {
		in, err := DecodeInvite(code)
		if err != nil {
			return
		}
		// What decodes must be usable: a relay address and keys of the right size.
		if _, err := relayBase(in.Server, true); err != nil {
			t.Errorf("accepted an unusable server %q: %v", in.Server, err)
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
	for name, bad := range map[string]string{
		"not JSON":        `{`,
		"other sender":    good, // checked with another sender below
		"unknown type":    `{"type":"x","editor":"m1"}`,
		"no note":         `{"type":"note","editor":"m1","vector":{"m1":1}}`,
		"no vector":       strings.Replace(good, `"vector":{"m1":1},`, ``, 1),
		"editor unseen":   strings.Replace(good, `"vector":{"m1":1}`, `"vector":{"m2":1}`, 1),
		"bad stance":      strings.Replace(good, `"stance":"for"`, `"stance":"maybe"`, 1),
		"bad id":          strings.Replace(good, `"id":"abc"`, `"id":"../x"`, 1),
		"no item":         strings.Replace(good, `"item_id":"i"`, `"item_id":""`, 1),
		"negative rec":    strings.Replace(good, `"recommendation":0`, `"recommendation":-3`, 1),
		"profile no key":  `{"type":"profile","editor":"m1"}`,
		"profile bad key": `{"type":"profile","editor":"m1","public_key":"AAAA"}`,
	} {
		sender := "m1"
		if name == "other sender" {
			sender = "m2"
		}
		if _, err := parsePayload([]byte(bad), sender); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
