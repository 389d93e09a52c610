package group

import (
	"bytes"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"golang.org/x/crypto/chacha20poly1305"
	"golang.org/x/crypto/nacl/box"
)

// Envelopes are the bytes the relay stores. Two kinds:
//
//	sealed: 0x01 0x01 | uvarint epoch | 24-byte nonce | XChaCha20-Poly1305 ciphertext
//	        of a JSON payload under the group key of that epoch. The associated data binds
//	        the group id, the epoch and the envelope id, so the relay cannot move an
//	        envelope to another group, relabel its epoch or replay it under another id.
//	keys:   0x01 0x02 | uvarint epoch | uvarint count | count × (uvarint len, member id,
//	        24-byte nonce, uvarint len, box): the admin hands a new group key to each
//	        remaining member, sealed with NaCl box from the admin's X25519 key to the
//	        member's. The boxed plaintext repeats group id, epoch and envelope id before
//	        the key, for the same reason.
//
// Only members hold group keys; the relay sees sizes, the epoch number and, in a keys
// envelope, the member ids it already knows.

const (
	envelopeVersion = 1
	kindSealed      = 1
	kindKeys        = 2
	keySize         = 32
)

var (
	// ErrUnreadable: an envelope this member has no key for, or one that fails
	// authentication (tampered, or sealed for another group or id).
	ErrUnreadable = errors.New("the envelope cannot be opened with this member's keys")
	// errMalformed: not an envelope at all.
	errMalformed = errors.New("malformed envelope")
)

func envelopeAD(groupID string, epoch uint64, envelopeID string) []byte {
	ad := make([]byte, 0, 64+len(groupID)+len(envelopeID))
	ad = append(ad, "dagsorden group envelope v1\x00"...)
	ad = append(ad, groupID...)
	ad = append(ad, 0)
	ad = binary.BigEndian.AppendUint64(ad, epoch)
	return append(ad, envelopeID...)
}

// seal encrypts payload for the group under key (of epoch).
func seal(groupID string, epoch uint64, key []byte, envelopeID string, payload []byte) ([]byte, error) {
	aead, err := chacha20poly1305.NewX(key)
	if err != nil {
		return nil, fmt.Errorf("group key: %w", err)
	}
	out := []byte{envelopeVersion, kindSealed}
	out = binary.AppendUvarint(out, epoch)
	nonce := make([]byte, chacha20poly1305.NonceSizeX)
	rand.Read(nonce) // never fails (crypto/rand since Go 1.24); 192-bit nonces are safe at random
	out = append(out, nonce...)
	return aead.Seal(out, nonce, payload, envelopeAD(groupID, epoch, envelopeID)), nil
}

// envelopeHeader is the clear part of an envelope.
type envelopeHeader struct {
	kind  byte
	epoch uint64
	body  []byte // what follows the epoch
}

// parseEnvelope reads an envelope's clear header. It never panics on any input.
func parseEnvelope(data []byte) (envelopeHeader, error) {
	if len(data) < 3 || data[0] != envelopeVersion {
		return envelopeHeader{}, errMalformed
	}
	h := envelopeHeader{kind: data[1]}
	if h.kind != kindSealed && h.kind != kindKeys {
		return envelopeHeader{}, errMalformed
	}
	epoch, n := binary.Uvarint(data[2:])
	if n <= 0 || epoch == 0 {
		return envelopeHeader{}, errMalformed
	}
	h.epoch, h.body = epoch, data[2+n:]
	return h, nil
}

// open decrypts a sealed envelope with the key of its epoch (keyFor returns nil for an
// epoch this member has no key for).
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

// recipient is a member who gets the new key.
type recipient struct {
	id     string
	public []byte
}

func keyMessage(groupID string, epoch uint64, envelopeID string, key []byte) []byte {
	m := append([]byte("dagsorden group key v1\x00"), groupID...)
	m = append(m, 0)
	m = binary.BigEndian.AppendUint64(m, epoch)
	m = append(m, envelopeID...)
	m = append(m, 0)
	return append(m, key...)
}

// sealKeys builds a keys envelope handing key (of epoch) to every recipient, from the
// admin's private key.
func sealKeys(groupID, envelopeID string, epoch uint64, key, adminPrivate []byte, to []recipient) ([]byte, error) {
	if len(adminPrivate) != keySize {
		return nil, errors.New("the admin's private key is missing")
	}
	priv := (*[32]byte)(adminPrivate)
	out := []byte{envelopeVersion, kindKeys}
	out = binary.AppendUvarint(out, epoch)
	out = binary.AppendUvarint(out, uint64(len(to)))
	msg := keyMessage(groupID, epoch, envelopeID, key)
	for _, r := range to {
		if len(r.public) != keySize {
			return nil, fmt.Errorf("member %s has no valid public key", r.id)
		}
		var nonce [24]byte
		rand.Read(nonce[:])
		sealed := box.Seal(nil, msg, &nonce, (*[32]byte)(r.public), priv)
		out = binary.AppendUvarint(out, uint64(len(r.id)))
		out = append(out, r.id...)
		out = append(out, nonce[:]...)
		out = binary.AppendUvarint(out, uint64(len(sealed)))
		out = append(out, sealed...)
	}
	return out, nil
}

// openKeys finds member me's box in a keys envelope and opens it with me's private key,
// checking it came from the admin's public key. ErrUnreadable when there is no box for
// me or it does not open.
func openKeys(groupID, envelopeID string, h envelopeHeader, me string, private, adminPublic []byte) ([]byte, error) {
	if h.kind != kindKeys {
		return nil, errMalformed
	}
	if len(private) != keySize || len(adminPublic) != keySize {
		return nil, ErrUnreadable
	}
	b := h.body
	count, n := binary.Uvarint(b)
	if n <= 0 || count > uint64(len(b)) {
		return nil, errMalformed
	}
	b = b[n:]
	for range count {
		idLen, n := binary.Uvarint(b)
		if n <= 0 || idLen > uint64(len(b)-n) {
			return nil, errMalformed
		}
		id := string(b[n : n+int(idLen)])
		b = b[n+int(idLen):]
		if len(b) < 24 {
			return nil, errMalformed
		}
		var nonce [24]byte
		copy(nonce[:], b[:24])
		b = b[24:]
		boxLen, n := binary.Uvarint(b)
		if n <= 0 || boxLen > uint64(len(b)-n) {
			return nil, errMalformed
		}
		sealed := b[n : n+int(boxLen)]
		b = b[n+int(boxLen):]
		if id != me {
			continue
		}
		msg, ok := box.Open(nil, sealed, &nonce, (*[32]byte)(adminPublic), (*[32]byte)(private))
		if !ok {
			return nil, ErrUnreadable
		}
		prefix := keyMessage(groupID, h.epoch, envelopeID, nil)
		if len(msg) != len(prefix)+keySize || !bytes.HasPrefix(msg, prefix) {
			return nil, ErrUnreadable
		}
		return msg[len(prefix):], nil
	}
	return nil, ErrUnreadable
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
