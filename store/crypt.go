package store

// Encryption at rest. Each store has its own data key: 32 random bytes that seal the
// sensitive values of the file with XChaCha20-Poly1305. What is sealed (see the bucket
// tree in buckets.go):
//
//   - every value of notes (the member's own words, private and shared);
//   - every value of groups, group_notes and group_outbox (relay token, group keys of
//     every epoch, the member's private keys, the group's notes), whole values, so a field
//     added to GroupState is sealed without a change here;
//   - the items and previous records of closed items (body, recommendations, decision,
//     attachment list), the text of attachments only closed items have (attachment_text)
//     and their content (sealed_blobs instead of blobs);
//   - the search index's documents of notes and closed items (sealed_docs): their words
//     are never in search_postings or search_terms, whose keys are plain words.
//
// Everything else is plaintext, because it is published anyway or says little: meetings,
// open items, reading material, attachments of open items, every item's number and title
// (agendas publish the titles of closed items too, "Lukket: Salg af grund"), ids, read
// marks, watch words and the index of public texts.
//
// A sealed value is sealedMagic, a 24-byte random nonce and the ciphertext with its tag.
// The associated data is the bucket's name, 0x00 and the key, so a value cannot be moved
// to another key or bucket (a closed item's record cannot be swapped with another's)
// without failing to open. Readers tell sealed values from records by the first byte
// (a record begins with codecVersion), which lets items, previous and attachment_text
// hold both.
//
// The data key is kept outside the file (keys.go): in the OS keyring, and/or wrapped with
// a passphrase (argon2id) in meta/crypt.

import (
	"bytes"
	"crypto/rand"
	"crypto/subtle"
	"errors"
	"fmt"
	"sync"

	bolt "go.etcd.io/bbolt"
	"golang.org/x/crypto/argon2"
	"golang.org/x/crypto/chacha20poly1305"
)

// sealedMagic begins every sealed value. A record begins with codecVersion (1), raw
// blobs never reach an unseal.
const sealedMagic = 0xE5

// keySize is the data key's size.
const keySize = chacha20poly1305.KeySize

// vault seals and opens the values of one store with its data key.
type vault struct {
	id   string // the key's id: names it in keyrings, stored in meta/crypt
	key  []byte
	rec  *cryptRecord // meta/crypt of the store
	aead interface {
		Seal(dst, nonce, plaintext, additionalData []byte) []byte
		Open(dst, nonce, ciphertext, additionalData []byte) ([]byte, error)
		NonceSize() int
		Overhead() int
	}
}

func newVault(id string, key []byte) (*vault, error) {
	aead, err := chacha20poly1305.NewX(key)
	if err != nil {
		return nil, fmt.Errorf("the data key: %w", err)
	}
	return &vault{id: id, key: bytes.Clone(key), aead: aead}, nil
}

// ad is the associated data of a value: bucket 0x00 key.
func ad(bucket, key []byte) []byte {
	b := make([]byte, 0, len(bucket)+1+len(key))
	b = append(append(b, bucket...), 0)
	return append(b, key...)
}

func (v *vault) seal(bucket, key, plain []byte) []byte {
	n := v.aead.NonceSize()
	out := make([]byte, 1+n, 1+n+len(plain)+v.aead.Overhead())
	out[0] = sealedMagic
	rand.Read(out[1 : 1+n]) // never fails (crypto/rand since Go 1.24)
	return v.aead.Seal(out, out[1:1+n], plain, ad(bucket, key))
}

// errSealDamaged: a sealed value does not open with the store's key. With the right key
// (checked at Open) that means the value was damaged or moved.
var errSealDamaged = fmt.Errorf("%w: a sealed value does not open with the store's key", errDamaged)

func (v *vault) open(bucket, key, sealed []byte) ([]byte, error) {
	n := v.aead.NonceSize()
	if len(sealed) < 1+n+v.aead.Overhead() || sealed[0] != sealedMagic {
		return nil, errSealDamaged
	}
	plain, err := v.aead.Open(nil, sealed[1:1+n], sealed[1+n:], ad(bucket, key))
	if err != nil {
		return nil, errSealDamaged
	}
	return plain, nil
}

func isSealed(v []byte) bool { return len(v) > 0 && v[0] == sealedMagic }

// The vault of each open bbolt file. A Store opens the file for every operation; the
// functions that read and write records take only the transaction (so does the group
// code, which runs inside UpdateGroup), and find the data key of the Store that opened
// the file here rather than through every signature of the package.
var dbVaults sync.Map // *bolt.DB → *vault

// errLocked: a transaction of a file opened without its data key. A bug, not a state a
// user can reach: Open fails when it cannot unlock the store.
var errLocked = errors.New("the store's data key is not unlocked")

func vaultOf(tx *bolt.Tx) (*vault, error) {
	if v, ok := dbVaults.Load(tx.DB()); ok {
		return v.(*vault), nil
	}
	return nil, errLocked
}

// sealValue seals plain for bucket/key with the data key of tx's store.
func sealValue(tx *bolt.Tx, bucket, key, plain []byte) ([]byte, error) {
	v, err := vaultOf(tx)
	if err != nil {
		return nil, err
	}
	return v.seal(bucket, key, plain), nil
}

// openValue returns the record stored in bucket under key: v opened when it is sealed,
// v itself when it is not (public records, and records written before migration 4).
func openValue(tx *bolt.Tx, bucket, key, v []byte) ([]byte, error) {
	if !isSealed(v) {
		return v, nil
	}
	vt, err := vaultOf(tx)
	if err != nil {
		return nil, err
	}
	return vt.open(bucket, key, v)
}

// getOpen is Get and openValue; nil when the key is absent.
func getOpen(tx *bolt.Tx, bucket, key []byte) ([]byte, error) {
	b := tx.Bucket(bucket)
	if b == nil {
		return nil, nil
	}
	v := b.Get(key)
	if v == nil {
		return nil, nil
	}
	return openValue(tx, bucket, key, v)
}

// putSealed seals plain and puts it into bucket under key.
func putSealed(tx *bolt.Tx, bucket, key, plain []byte) error {
	v, err := sealValue(tx, bucket, key, plain)
	if err != nil {
		return err
	}
	return tx.Bucket(bucket).Put(key, v)
}

// putMaybeSealed puts plain, sealed when secret.
func putMaybeSealed(tx *bolt.Tx, bucket, key, plain []byte, secret bool) error {
	if secret {
		return putSealed(tx, bucket, key, plain)
	}
	return tx.Bucket(bucket).Put(key, plain)
}

// KDFParams are argon2id's parameters for a passphrase.
type KDFParams struct {
	Time      uint32 // passes
	MemoryKiB uint32
	Threads   uint8
}

// DefaultKDF is RFC 9106's second recommended setting (64 MiB, three passes): about a
// quarter of a second on a laptop, once per session.
var DefaultKDF = KDFParams{Time: 3, MemoryKiB: 64 * 1024, Threads: 4}

// testKDF makes a passphrase cheap to check, for test stores only.
var testKDF = KDFParams{Time: 1, MemoryKiB: 8, Threads: 1}

// cryptRecord is meta/crypt: what a reader needs to find and check the data key. It
// holds no secret: the wrapped key needs the passphrase to open.
type cryptRecord struct {
	KeyID string // hex; names the key in keyrings and the session cache
	// Check is a constant sealed with the data key: a key from a keyring is checked
	// against it before it is trusted with the store.
	Check []byte
	// The passphrase wrap, when a passphrase is set: the data key sealed with the key
	// argon2id derives from the passphrase and Salt.
	Salt    []byte
	KDF     KDFParams
	Wrapped []byte
}

var (
	keyCrypt    = []byte("crypt")
	checkBucket = []byte("meta")
	checkKey    = []byte("crypt-check")
	checkPlain  = []byte("dagsorden data key")
	wrapBucket  = []byte("meta")
	wrapKey     = []byte("crypt-wrap")
)

func (r *cryptRecord) hasPassphrase() bool { return len(r.Wrapped) > 0 }

func encodeCrypt(r *cryptRecord) []byte {
	e := newRecord()
	e.str(1, r.KeyID)
	e.str(2, string(r.Check))
	e.str(3, string(r.Salt))
	e.uint(4, uint64(r.KDF.Time))
	e.uint(5, uint64(r.KDF.MemoryKiB))
	e.uint(6, uint64(r.KDF.Threads))
	e.str(7, string(r.Wrapped))
	return e.b
}

func decodeCrypt(b []byte) (*cryptRecord, error) {
	d, err := openRecord(b)
	if err != nil {
		return nil, err
	}
	r := &cryptRecord{}
	for d.more() {
		f, w := d.field()
		switch f {
		case 1:
			r.KeyID = d.str(w)
		case 2:
			r.Check = []byte(d.str(w))
		case 3:
			r.Salt = []byte(d.str(w))
		case 4:
			r.KDF.Time = uint32(d.uint(w))
		case 5:
			r.KDF.MemoryKiB = uint32(d.uint(w))
		case 6:
			r.KDF.Threads = uint8(d.uint(w))
		case 7:
			r.Wrapped = []byte(d.str(w))
		default:
			d.skip(w)
		}
	}
	if d.err == nil && (r.KeyID == "" || len(r.Check) == 0) {
		d.fail("the key record lacks its id or check")
	}
	return r, d.err
}

// readCrypt reads meta/crypt; nil for a store that is not encrypted yet.
func readCrypt(tx *bolt.Tx) (*cryptRecord, error) {
	meta := tx.Bucket(bucketMeta)
	if meta == nil {
		return nil, nil
	}
	v := meta.Get(keyCrypt)
	if v == nil {
		return nil, nil
	}
	r, err := decodeCrypt(v)
	if err != nil {
		return nil, fmt.Errorf("the store's key record: %w", err)
	}
	return r, nil
}

// checks reports whether key is the data key the record was made with.
func (r *cryptRecord) checks(key []byte) bool {
	v, err := newVault(r.KeyID, key)
	if err != nil {
		return false
	}
	plain, err := v.open(checkBucket, checkKey, r.Check)
	return err == nil && subtle.ConstantTimeCompare(plain, checkPlain) == 1
}

// kek derives the key-encryption key from a passphrase.
func kek(passphrase string, salt []byte, p KDFParams) ([]byte, error) {
	if p.Time == 0 || p.MemoryKiB == 0 || p.Threads == 0 {
		return nil, fmt.Errorf("%w: bad passphrase parameters", errDamaged)
	}
	if p.MemoryKiB > 4<<20 || p.Time > 100 {
		// A damaged or hostile record must not make Open allocate gigabytes.
		return nil, fmt.Errorf("%w: passphrase parameters beyond reason (%d KiB, %d passes)", errDamaged, p.MemoryKiB, p.Time)
	}
	return argon2.IDKey([]byte(passphrase), salt, p.Time, p.MemoryKiB, p.Threads, keySize), nil
}

// wrap sets the record's passphrase: the data key sealed with a key derived from it.
func (r *cryptRecord) wrap(key []byte, passphrase string, p KDFParams) error {
	salt := make([]byte, 16)
	rand.Read(salt)
	k, err := kek(passphrase, salt, p)
	if err != nil {
		return err
	}
	w, err := newVault(r.KeyID, k)
	if err != nil {
		return err
	}
	r.Salt, r.KDF = salt, p
	r.Wrapped = w.seal(wrapBucket, append(bytes.Clone(wrapKey), r.KeyID...), key)
	return nil
}

// errWrongPassphrase: the passphrase does not open the wrapped key.
var errWrongPassphrase = errors.New("wrong passphrase")

// unwrap opens the data key with a passphrase.
func (r *cryptRecord) unwrap(passphrase string) ([]byte, error) {
	k, err := kek(passphrase, r.Salt, r.KDF)
	if err != nil {
		return nil, err
	}
	w, err := newVault(r.KeyID, k)
	if err != nil {
		return nil, err
	}
	key, err := w.open(wrapBucket, append(bytes.Clone(wrapKey), r.KeyID...), r.Wrapped)
	if err != nil || !r.checks(key) {
		return nil, errWrongPassphrase
	}
	return key, nil
}

// newCryptRecord makes the record of a new data key.
func newCryptRecord(id string, key []byte) (*cryptRecord, error) {
	v, err := newVault(id, key)
	if err != nil {
		return nil, err
	}
	return &cryptRecord{KeyID: id, Check: v.seal(checkBucket, checkKey, checkPlain)}, nil
}
