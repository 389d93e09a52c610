package group

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"golang.org/x/crypto/chacha20poly1305"
	"golang.org/x/crypto/nacl/box"
)

// Envelopes are the bytes the relay stores. Every one is signed by its author:
//
//	header: 0x02 kind | uvarint epoch | 8-byte author id | uvarint author seq
//	sealed (kind 1):  header | 24-byte nonce | XChaCha20-Poly1305 ciphertext of a JSON
//	                  payload under the group key of that epoch | signature
//	keys (kind 2):    header | uvarint count | count × (8-byte member id, 24-byte nonce,
//	                  uvarint len, NaCl box from the author's X25519 key to the member's)
//	                  | signature: a group key (of epoch) handed to each member
//	upgrade (kind 3): as keys; each box holds a reserved invite's secret and the hash of
//	                  the group's new genesis, for a member from before signed lists
//
// The signature is ed25519 by the author's key from the group's signed member list, over
// the group id, the envelope id and every byte before it: a relay (or a member) cannot
// pass off an envelope as another member's, move it to another group or id, or change
// its epoch or sequence number. The author's sequence number goes up by one per envelope,
// so a receiver tells a replayed envelope (a number seen before) and notices gaps (one
// withheld). The AEAD's associated data binds the group, epoch and envelope id as well,
// and a box's plaintext repeats them, for the same reasons.
//
// The relay sees sizes, epochs, author ids and counts, and in a keys envelope the member
// ids it knows anyway. Version 1 envelopes (before signed member lists) carried no
// signature; they are refused as unverifiable.

const (
	envelopeVersion = 2
	legacyVersion   = 1
	kindSealed      = 1
	kindKeys        = 2
	kindUpgrade     = 3
	keySize         = 32
	memberIDSize    = 8
)

var (
	// ErrUnreadable: an envelope this member has no key for, or one that fails
	// authentication (tampered, or sealed for another group or id).
	ErrUnreadable = errors.New("the envelope cannot be opened with this member's keys")
	// errMalformed: not an envelope at all.
	errMalformed = errors.New("malformed envelope")
	// errLegacy: an envelope from before signed member lists (no author signature).
	errLegacy = errors.New("an envelope from before the group's signed member list")
)

// author is who seals an envelope: their member id, the sequence number it gets, and
// their signing key.
type author struct {
	id   string
	seq  uint64
	sign ed25519.PrivateKey
}

func envelopeAD(groupID string, epoch uint64, envelopeID string) []byte {
	ad := make([]byte, 0, 64+len(groupID)+len(envelopeID))
	ad = append(ad, "dagsorden group envelope v2\x00"...)
	ad = append(ad, groupID...)
	ad = append(ad, 0)
	ad = binary.BigEndian.AppendUint64(ad, epoch)
	return append(ad, envelopeID...)
}

// signedMessage is what an envelope's signature covers: the group, the envelope id and
// the envelope without its signature.
func signedMessage(groupID, envelopeID string, unsigned []byte) []byte {
	m := make([]byte, 0, 64+len(unsigned))
	m = append(m, "dagsorden envelope signature v2\x00"...)
	m = append(m, groupID...)
	m = append(m, 0)
	m = append(m, envelopeID...)
	m = append(m, 0)
	return append(m, unsigned...)
}

func appendHeader(out []byte, kind byte, epoch uint64, a author) ([]byte, error) {
	if len(a.sign) != ed25519.PrivateKeySize {
		return nil, errors.New("this member has no signing key")
	}
	if a.seq == 0 {
		return nil, errors.New("an envelope needs its author's sequence number")
	}
	out = append(out, envelopeVersion, kind)
	out = binary.AppendUvarint(out, epoch)
	var ok bool
	if out, ok = appendID(out, a.id); !ok {
		return nil, fmt.Errorf("%q is not a member id", a.id)
	}
	return binary.AppendUvarint(out, a.seq), nil
}

func appendID(b []byte, id string) ([]byte, bool) {
	if !isHex(id, 2*memberIDSize) {
		return b, false
	}
	var raw [memberIDSize]byte
	hex.Decode(raw[:], []byte(id)) //nolint:errcheck // checked by isHex
	return append(b, raw[:]...), true
}

func sign(groupID, envelopeID string, unsigned []byte, a author) []byte {
	return append(unsigned, ed25519.Sign(a.sign, signedMessage(groupID, envelopeID, unsigned))...)
}

// seal encrypts payload for the group under key (of epoch) and signs it as a.
func seal(groupID string, a author, epoch uint64, key []byte, envelopeID string, payload []byte) ([]byte, error) {
	aead, err := chacha20poly1305.NewX(key)
	if err != nil {
		return nil, fmt.Errorf("group key: %w", err)
	}
	out, err := appendHeader(make([]byte, 0, 128+len(payload)), kindSealed, epoch, a)
	if err != nil {
		return nil, err
	}
	nonce := make([]byte, chacha20poly1305.NonceSizeX)
	rand.Read(nonce) // never fails (crypto/rand since Go 1.24); 192-bit nonces are safe at random
	out = append(out, nonce...)
	out = aead.Seal(out, nonce, payload, envelopeAD(groupID, epoch, envelopeID))
	return sign(groupID, envelopeID, out, a), nil
}

// envelopeHeader is the clear part of an envelope.
type envelopeHeader struct {
	kind   byte
	epoch  uint64
	author string // member id
	seq    uint64
	body   []byte // what follows the header, up to the signature
	signed []byte // the envelope without its signature
	sig    []byte
}

// parseEnvelope reads an envelope's clear header. It never panics.
func parseEnvelope(data []byte) (envelopeHeader, error) {
	if len(data) >= 1 && data[0] == legacyVersion {
		return envelopeHeader{}, errLegacy
	}
	if len(data) < 2+1+memberIDSize+1+ed25519.SignatureSize || data[0] != envelopeVersion {
		return envelopeHeader{}, errMalformed
	}
	h := envelopeHeader{kind: data[1]}
	if h.kind != kindSealed && h.kind != kindKeys && h.kind != kindUpgrade {
		return envelopeHeader{}, errMalformed
	}
	rest := data[2 : len(data)-ed25519.SignatureSize]
	epoch, n := binary.Uvarint(rest)
	if n <= 0 || epoch == 0 || len(rest)-n < memberIDSize {
		return envelopeHeader{}, errMalformed
	}
	rest = rest[n:]
	h.epoch, h.author = epoch, hex.EncodeToString(rest[:memberIDSize])
	rest = rest[memberIDSize:]
	seq, n := binary.Uvarint(rest)
	if n <= 0 || seq == 0 {
		return envelopeHeader{}, errMalformed
	}
	h.seq, h.body = seq, rest[n:]
	h.signed, h.sig = data[:len(data)-ed25519.SignatureSize], data[len(data)-ed25519.SignatureSize:]
	return h, nil
}

// verify checks the envelope's signature with its author's public signing key.
func (h *envelopeHeader) verify(groupID, envelopeID string, pub []byte) bool {
	return len(pub) == ed25519.PublicKeySize && ed25519.Verify(pub, signedMessage(groupID, envelopeID, h.signed), h.sig)
}

// open decrypts a sealed envelope with the key of its epoch (keyFor returns nil for an
// epoch this member has no key for). It does not check the signature: verify does.
func open(groupID, envelopeID string, h envelopeHeader, keyFor func(uint64) []byte) ([]byte, error) {
	if h.kind != kindSealed {
		return nil, errMalformed
	}
	key := keyFor(h.epoch)
	if key == nil {
		return nil, ErrUnreadable
	}
	if len(h.body) < chacha20poly1305.NonceSizeX+chacha20poly1305.Overhead {
		return nil, errMalformed
	}
	aead, err := chacha20poly1305.NewX(key)
	if err != nil {
		return nil, ErrUnreadable
	}
	nonce, ct := h.body[:chacha20poly1305.NonceSizeX], h.body[chacha20poly1305.NonceSizeX:]
	pt, err := aead.Open(nil, nonce, ct, envelopeAD(groupID, h.epoch, envelopeID))
	if err != nil {
		return nil, ErrUnreadable
	}
	return pt, nil
}

// recipient is a member who gets a box.
type recipient struct {
	id     string
	public []byte
}

// boxContext separates what a box of each kind can hold.
func boxContext(kind byte) string {
	if kind == kindUpgrade {
		return "dagsorden group upgrade v2\x00"
	}
	return "dagsorden group key v2\x00"
}

func boxMessage(kind byte, groupID string, epoch uint64, envelopeID string, content []byte) []byte {
	m := append([]byte(boxContext(kind)), groupID...)
	m = append(m, 0)
	m = binary.BigEndian.AppendUint64(m, epoch)
	m = append(m, envelopeID...)
	m = append(m, 0)
	return append(m, content...)
}

// sealBoxes builds a keys (or upgrade) envelope handing content to every recipient in a
// NaCl box from boxPrivate (the author's X25519 key), signed as a.
func sealBoxes(kind byte, groupID string, a author, envelopeID string, epoch uint64, content, boxPrivate []byte, to []recipient) ([]byte, error) {
	if len(boxPrivate) != keySize {
		return nil, errors.New("this member's private key is missing")
	}
	out, err := appendHeader(nil, kind, epoch, a)
	if err != nil {
		return nil, err
	}
	out = binary.AppendUvarint(out, uint64(len(to)))
	msg := boxMessage(kind, groupID, epoch, envelopeID, content)
	priv := (*[32]byte)(boxPrivate)
	for _, r := range to {
		if len(r.public) != keySize {
			return nil, fmt.Errorf("member %s has no valid public key", r.id)
		}
		var ok bool
		if out, ok = appendID(out, r.id); !ok {
			return nil, fmt.Errorf("%q is not a member id", r.id)
		}
		var nonce [24]byte
		rand.Read(nonce[:])
		sealed := box.Seal(nil, msg, &nonce, (*[32]byte)(r.public), priv)
		out = append(out, nonce[:]...)
		out = binary.AppendUvarint(out, uint64(len(sealed)))
		out = append(out, sealed...)
	}
	return sign(groupID, envelopeID, out, a), nil
}

// sealKeys hands key (of epoch) to every recipient.
func sealKeys(groupID string, a author, envelopeID string, epoch uint64, key, boxPrivate []byte, to []recipient) ([]byte, error) {
	return sealBoxes(kindKeys, groupID, a, envelopeID, epoch, key, boxPrivate, to)
}

// boxes walks the boxes of a keys or upgrade envelope: fn gets each recipient id with
// the box's nonce and sealed bytes, and stops the walk by returning false.
func boxes(h envelopeHeader, fn func(id string, nonce *[24]byte, sealed []byte) bool) error {
	if h.kind != kindKeys && h.kind != kindUpgrade {
		return errMalformed
	}
	b := h.body
	count, n := binary.Uvarint(b)
	if n <= 0 || count > uint64(len(b)) {
		return errMalformed
	}
	b = b[n:]
	for range count {
		if len(b) < memberIDSize+24 {
			return errMalformed
		}
		id := hex.EncodeToString(b[:memberIDSize])
		var nonce [24]byte
		copy(nonce[:], b[memberIDSize:memberIDSize+24])
		b = b[memberIDSize+24:]
		boxLen, n := binary.Uvarint(b)
		if n <= 0 || boxLen > uint64(len(b)-n) {
			return errMalformed
		}
		sealed := b[n : n+int(boxLen)]
		b = b[n+int(boxLen):]
		if !fn(id, &nonce, sealed) {
			return nil
		}
	}
	if len(b) != 0 {
		return errMalformed
	}
	return nil
}

// recipients lists the member ids a keys envelope has a box for.
func recipients(h envelopeHeader) []string {
	var ids []string
	if err := boxes(h, func(id string, _ *[24]byte, _ []byte) bool { ids = append(ids, id); return true }); err != nil {
		return nil
	}
	return ids
}

// openBox finds member me's box in a keys or upgrade envelope and opens it with me's
// private key, checking it came from senderPublic. It returns the box's content (a group
// key, or an upgrade's secret and genesis hash); ErrUnreadable when there is no box for
// me or it does not open.
func openBox(groupID, envelopeID string, h envelopeHeader, me string, private, senderPublic []byte, size int) ([]byte, error) {
	if len(private) != keySize || len(senderPublic) != keySize {
		return nil, ErrUnreadable
	}
	var out []byte
	opened := false
	err := boxes(h, func(id string, nonce *[24]byte, sealed []byte) bool {
		if id != me {
			return true
		}
		opened = true
		msg, ok := box.Open(nil, sealed, nonce, (*[32]byte)(senderPublic), (*[32]byte)(private))
		prefix := boxMessage(h.kind, groupID, h.epoch, envelopeID, nil)
		if ok && len(msg) == len(prefix)+size && bytes.HasPrefix(msg, prefix) {
			out = msg[len(prefix):]
		}
		return false
	})
	if err != nil {
		return nil, err
	}
	if !opened || out == nil {
		return nil, ErrUnreadable
	}
	return out, nil
}

// newEnvelopeID is 16 bytes in hex, the id format the relay accepts: 48 bits of
// milliseconds, then 80 random bits. Ids that grow with time land at the end of the
// relay's id index instead of all over it, which halves the pages a busy relay rewrites
// per commit (measured with the load test); the relay learns nothing it does not see
// anyway (it stamps every envelope with its arrival time).
func newEnvelopeID() string {
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], uint64(time.Now().UnixMilli())<<16)
	rand.Read(b[6:])
	return hex.EncodeToString(b[:])
}

// newKey is a fresh 256-bit group key.
func newKey() []byte {
	k := make([]byte, keySize)
	rand.Read(k)
	return k
}
