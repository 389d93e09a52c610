// Package roster is a party group's signed member list: a numbered, hash-linked
// sequence of changes (the model is an MLS commit log, or Signal's group credentials).
// Every change is signed by one of the group's admins with their ed25519 key, except a
// join, which the joiner signs twice: with their own new signing key and with the one-time
// key of the invite it uses (derived from the secret in the invite code, which never
// reaches the relay). So a client that knows the genesis admin's signing key (from its
// invite code, or because it made the group) can check, with no admin online, who is a
// member, which keys are theirs, who may sign changes and which group key belongs to
// which epoch.
//
// The relay stores and serves the list, and checks each new entry with the same rules
// before it takes it, so an honest relay never holds a list clients would refuse. The
// clients never take the relay's word for it: a relay can withhold entries (show an older
// list), but it cannot forge, reorder, splice or drop an entry from the middle.
//
// Entries hold only ids, public keys, epoch numbers and key commitments, which the relay
// knows anyway: never a name, never a key that opens anything.
//
// What it must not do: any I/O, or trust anything it has not verified.
package roster

import (
	"bytes"
	"crypto/ed25519"
	"crypto/hkdf"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
)

// Kind is what an entry changes.
type Kind byte

const (
	// Genesis opens the list: the group id, its first admin and their keys, and the
	// commitment to the first epoch's group key.
	Genesis Kind = 1
	// Invite registers the public half of a one-time invite key (admin).
	Invite Kind = 2
	// Join adds a member on an invite: signed by the joiner and by the invite's key.
	Join Kind = 3
	// Remove takes a member out (admin). It revokes every open invite and makes a new
	// group key due.
	Remove Kind = 4
	// Rotate starts the next epoch and commits to its group key (admin).
	Rotate Kind = 5
	// Admin makes a member an admin (admin).
	Admin Kind = 6
	// Resign ends the signer's own admin role; another admin must remain.
	Resign Kind = 7
)

func (k Kind) String() string {
	switch k {
	case Genesis:
		return "genesis"
	case Invite:
		return "invite"
	case Join:
		return "join"
	case Remove:
		return "removal"
	case Rotate:
		return "key change"
	case Admin:
		return "new admin"
	case Resign:
		return "admin hand-over"
	}
	return fmt.Sprintf("kind %d", byte(k))
}

// Sizes, in bytes.
const (
	GroupIDSize  = 16 // 32 hex digits
	MemberIDSize = 8  // 16 hex digits
	KeySize      = 32
	SigSize      = ed25519.SignatureSize
	// MaxEntry bounds an encoded entry; the largest real one (a join) is under 300 bytes.
	MaxEntry = 512
)

const magic = "DGR1"

// Entry is one change of the member list. Which fields a kind uses is listed at each.
type Entry struct {
	Kind   Kind
	Group  string   // 32 lowercase hex digits
	Seq    uint64   // 1 for the genesis, then one more per entry
	Prev   [32]byte // Hash of the entry before; zero for the genesis
	Signer string   // the admin who signs; for a Join, the joining member

	SignKey   []byte // Genesis, Join: the signer's ed25519 public key
	BoxKey    []byte // Genesis, Join: the signer's X25519 public key (to receive group keys)
	Epoch     uint64 // Genesis, Rotate: the epoch that begins
	Commit    []byte // Genesis, Rotate: KeyCommit of that epoch's group key
	InviteKey []byte // Invite, Join: the invite's ed25519 public key
	Expires   int64  // Invite: unix seconds after which the relay refuses the invite
	History   bool   // Invite: the code carries every earlier group key too
	For       string // Invite: the only member id that may use it ("" anyone): upgrades
	Member    string // Remove, Admin: the member acted on

	Sig       []byte // the signer's signature
	InviteSig []byte // Join: the invite key's signature

	raw []byte
}

// Raw is the entry's encoding: what travels, is stored and is hashed.
func (e *Entry) Raw() []byte { return e.raw }

// Hash links the next entry to this one.
func (e *Entry) Hash() [32]byte { return sha256.Sum256(e.raw) }

var (
	errMalformed = errors.New("is not a well-formed member list entry")
	zeroID       = make([]byte, MemberIDSize)
)

func appendHex(b []byte, s string, n int) ([]byte, bool) {
	if !IsHex(s, 2*n) {
		return b, false
	}
	var buf [GroupIDSize]byte
	hex.Decode(buf[:n], []byte(s)) //nolint:errcheck // checked by isHex
	return append(b, buf[:n]...), true
}

// body is the kind-specific part.
func (e *Entry) body() ([]byte, error) {
	var b []byte
	key := func(k []byte, what string) error {
		if len(k) != KeySize {
			return fmt.Errorf("the %s must be %d bytes", what, KeySize)
		}
		b = append(b, k...)
		return nil
	}
	member := func(id string) error {
		var ok bool
		if b, ok = appendHex(b, id, MemberIDSize); !ok {
			return errors.New("a member id must be 16 lowercase hex digits")
		}
		return nil
	}
	switch e.Kind {
	case Genesis:
		if err := errors.Join(key(e.SignKey, "signing key"), key(e.BoxKey, "box key")); err != nil {
			return nil, err
		}
		b = binary.AppendUvarint(b, e.Epoch)
		return b, key(e.Commit, "key commitment")
	case Invite:
		if err := key(e.InviteKey, "invite key"); err != nil {
			return nil, err
		}
		b = binary.AppendUvarint(b, uint64(e.Expires))
		flags := byte(0)
		if e.History {
			flags = 1
		}
		b = append(b, flags)
		if e.For == "" {
			return append(b, zeroID...), nil
		}
		return b, member(e.For)
	case Join:
		return b, errors.Join(key(e.SignKey, "signing key"), key(e.BoxKey, "box key"), key(e.InviteKey, "invite key"))
	case Remove, Admin:
		return b, member(e.Member)
	case Rotate:
		b = binary.AppendUvarint(b, e.Epoch)
		return b, key(e.Commit, "key commitment")
	case Resign:
		return b, nil
	}
	return nil, fmt.Errorf("unknown entry kind %d", e.Kind)
}

// unsigned is the encoding up to the signatures.
func (e *Entry) unsigned() ([]byte, error) {
	body, err := e.body()
	if err != nil {
		return nil, err
	}
	b := append([]byte(magic), byte(e.Kind))
	var ok bool
	if b, ok = appendHex(b, e.Group, GroupIDSize); !ok {
		return nil, errors.New("a group id must be 32 lowercase hex digits")
	}
	b = binary.AppendUvarint(b, e.Seq)
	b = append(b, e.Prev[:]...)
	if b, ok = appendHex(b, e.Signer, MemberIDSize); !ok {
		return nil, errors.New("a member id must be 16 lowercase hex digits")
	}
	return append(b, body...), nil
}

// Domain separation: a signature over one kind of message is never valid for another.
const (
	entryContext = "dagsorden roster entry v1\x00"
	joinContext  = "dagsorden roster join v1\x00"
)

// signed is what the signer's signature covers. A join's signatures leave out its
// position (Seq and Prev): the relay places it at the head of the list when it arrives,
// and every later entry's Prev pins it there.
func (e *Entry) signed() ([]byte, error) {
	if e.Kind != Join {
		u, err := e.unsigned()
		return append([]byte(entryContext), u...), err
	}
	body, err := e.body()
	if err != nil {
		return nil, err
	}
	b := append([]byte(joinContext), byte(e.Kind))
	var ok bool
	if b, ok = appendHex(b, e.Group, GroupIDSize); !ok {
		return nil, errors.New("a group id must be 32 lowercase hex digits")
	}
	if b, ok = appendHex(b, e.Signer, MemberIDSize); !ok {
		return nil, errors.New("a member id must be 16 lowercase hex digits")
	}
	return append(b, body...), nil
}

func (e *Entry) encode() error {
	u, err := e.unsigned()
	if err != nil {
		return err
	}
	if len(e.Sig) != SigSize || (e.Kind == Join) != (len(e.InviteSig) == SigSize) || (e.Kind != Join && len(e.InviteSig) != 0) {
		return errors.New("the entry is not signed")
	}
	raw := append(u, e.Sig...)
	e.raw = append(raw, e.InviteSig...)
	return nil
}

// Sign signs an entry that is not a join with the signer's private key and encodes it.
func (e *Entry) Sign(priv ed25519.PrivateKey) error {
	if e.Kind == Join {
		return errors.New("a join is signed by NewJoin")
	}
	msg, err := e.signed()
	if err != nil {
		return err
	}
	e.Sig = ed25519.Sign(priv, msg)
	return e.encode()
}

// NewJoin makes the join claim of member (their signing key pair and X25519 public key)
// on the invite whose private key is invite. Its position is the relay's to set (Place).
func NewJoin(group, member string, sign ed25519.PrivateKey, box []byte, invite ed25519.PrivateKey) (*Entry, error) {
	e := &Entry{Kind: Join, Group: group, Seq: 1, Signer: member, SignKey: sign.Public().(ed25519.PublicKey),
		BoxKey: box, InviteKey: invite.Public().(ed25519.PublicKey)}
	msg, err := e.signed()
	if err != nil {
		return nil, err
	}
	e.Sig, e.InviteSig = ed25519.Sign(sign, msg), ed25519.Sign(invite, msg)
	return e, e.encode()
}

// Place puts a join at position seq after the entry whose hash is prev. Only a join can
// be placed: every other entry's signature covers its position.
func (e *Entry) Place(seq uint64, prev [32]byte) error {
	if e.Kind != Join {
		return errors.New("only a join can be placed")
	}
	e.Seq, e.Prev = seq, prev
	return e.encode()
}

// Parse reads one encoded entry. It checks the form (and that the encoding is the only
// one of its content), not the signatures: State.Apply does. It never panics.
func Parse(raw []byte) (*Entry, error) {
	if len(raw) > MaxEntry || len(raw) < len(magic)+1+GroupIDSize+1+32+MemberIDSize+SigSize || string(raw[:len(magic)]) != magic {
		return nil, errMalformed
	}
	b := raw[len(magic):]
	e := &Entry{Kind: Kind(b[0])}
	b = b[1:]
	take := func(n int) []byte {
		if len(b) < n {
			b = nil
			return nil
		}
		v := b[:n:n]
		b = b[n:]
		return v
	}
	uvarint := func() (uint64, bool) {
		v, n := binary.Uvarint(b)
		if n <= 0 {
			return 0, false
		}
		b = b[n:]
		return v, true
	}
	e.Group = hex.EncodeToString(take(GroupIDSize))
	seq, ok := uvarint()
	if !ok {
		return nil, errMalformed
	}
	e.Seq = seq
	prev := take(32)
	if prev == nil {
		return nil, errMalformed
	}
	copy(e.Prev[:], prev)
	signer := take(MemberIDSize)
	if signer == nil {
		return nil, errMalformed
	}
	e.Signer = hex.EncodeToString(signer)
	member := func() string {
		id := take(MemberIDSize)
		if id == nil {
			return ""
		}
		return hex.EncodeToString(id)
	}
	switch e.Kind {
	case Genesis:
		e.SignKey, e.BoxKey = take(KeySize), take(KeySize)
		if e.Epoch, ok = uvarint(); !ok {
			return nil, errMalformed
		}
		e.Commit = take(KeySize)
	case Invite:
		e.InviteKey = take(KeySize)
		exp, ok := uvarint()
		if !ok || exp > 1<<62 {
			return nil, errMalformed
		}
		e.Expires = int64(exp)
		flags := take(1)
		if flags == nil || flags[0] > 1 {
			return nil, errMalformed
		}
		e.History = flags[0] == 1
		if f := take(MemberIDSize); f != nil && !bytes.Equal(f, zeroID) {
			e.For = hex.EncodeToString(f)
		}
	case Join:
		e.SignKey, e.BoxKey, e.InviteKey = take(KeySize), take(KeySize), take(KeySize)
	case Remove, Admin:
		e.Member = member()
	case Rotate:
		if e.Epoch, ok = uvarint(); !ok {
			return nil, errMalformed
		}
		e.Commit = take(KeySize)
	case Resign:
	default:
		return nil, errMalformed
	}
	e.Sig = take(SigSize)
	if e.Kind == Join {
		e.InviteSig = take(SigSize)
	}
	if b == nil || len(b) != 0 {
		return nil, errMalformed
	}
	// The one encoding of this content must be these bytes: no trailing data, no
	// over-long varints, no field that says one thing and hashes as another.
	if err := e.encode(); err != nil || !bytes.Equal(e.raw, raw) {
		return nil, errMalformed
	}
	e.raw = bytes.Clone(raw)
	return e, nil
}

// verify checks the signer's signature with pub (and a join's invite signature).
func (e *Entry) verify(pub []byte) bool {
	msg, err := e.signed()
	if err != nil || len(pub) != ed25519.PublicKeySize || !ed25519.Verify(pub, msg, e.Sig) {
		return false
	}
	if e.Kind == Join {
		return len(e.InviteKey) == KeySize && ed25519.Verify(e.InviteKey, msg, e.InviteSig)
	}
	return true
}

// SelfSigned reports whether a join claim's two signatures verify with the keys it
// carries: a cheap first check before looking the invite up in the list.
func (e *Entry) SelfSigned() bool { return e.Kind == Join && e.verify(e.SignKey) }

// KeyCommit binds a group key to its epoch in the list: a key handed to a member is
// taken only when it matches, so nobody but the holders of a key can hand it out, and a
// relay cannot slip in one of its own. sha256 of a 256-bit random key reveals nothing.
func KeyCommit(group string, epoch uint64, key []byte) []byte {
	h := sha256.New()
	h.Write([]byte("dagsorden group key commit v1\x00"))
	h.Write([]byte(group))
	h.Write(binary.BigEndian.AppendUint64(nil, epoch))
	h.Write(key)
	return h.Sum(nil)
}

// InviteSecretSize is the size of an invite code's one-time secret.
const InviteSecretSize = 32

// InviteKey derives an invite's one-time signing key from the secret in its code. Only
// its public half reaches the relay (in the Invite entry).
func InviteKey(secret []byte) (ed25519.PrivateKey, error) {
	if len(secret) != InviteSecretSize {
		return nil, errors.New("the invite secret must be 32 bytes")
	}
	seed, err := hkdf.Key(sha256.New, secret, nil, "dagsorden invite key v1", ed25519.SeedSize)
	if err != nil {
		return nil, err
	}
	return ed25519.NewKeyFromSeed(seed), nil
}

// IsHex reports whether s is n lowercase hex digits: the form of group, member and
// envelope ids everywhere in the group protocol.
func IsHex(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}
