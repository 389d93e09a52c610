package relay

// The relay's bbolt file, relay.db in the relay data folder. The tree:
//
//	meta
//	  version                  → uint64 BE: the schema version, len(migrations) once migrated
//	  operator                 → sha256 of the operator token (the token itself is never stored)
//	tokens
//	  <sha256 of member token> → tokenRecord: the group and member the token belongs to
//	groups
//	  <group id>               → bucket, one per group:
//	    info                   → groupRecord: when it was created, bytes stored
//	    members
//	      <member id>          → memberRecord: token hash, X25519 public key, admin, joined,
//	                             removed
//	    invites
//	      <sha256 of invite>   → inviteRecord: who made it and when it expires; deleted when
//	                             used, and all of them when a member is removed
//	    envelopes
//	      <seq: uint64 BE>     → envelope record (binary, see encodeEnvelope): envelope id,
//	                             sender member id, time, ciphertext
//	    envelope_ids
//	      <envelope id>        → seq: uint64 BE, so a pushed envelope is stored once
//	    chain
//	      <seq: uint64 BE>     → one entry of the group's signed member list (package
//	                             sync/group/roster), as the members signed it; empty for a
//	                             group from before signed lists until its admin writes one
//
// The relay holds no group names, no member names and no keys: only ids, public keys,
// token hashes, the signed member lists (ids, public keys, key commitments) and
// ciphertext with the routing data it needs (group, envelope id, sequence number, size,
// time, sender).

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"
)

// FileName is the relay's bbolt file inside its data folder.
const FileName = "relay.db"

var (
	bucketMeta        = []byte("meta")
	bucketTokens      = []byte("tokens")
	bucketGroups      = []byte("groups")
	bucketMembers     = []byte("members")
	bucketInvites     = []byte("invites")
	bucketEnvelopes   = []byte("envelopes")
	bucketEnvelopeIDs = []byte("envelope_ids")
	bucketChain       = []byte("chain")

	keyVersion  = []byte("version")
	keyOperator = []byte("operator")
	keyInfo     = []byte("info")
)

// migrations bring relay.db from schema version i to i+1. Append only; each has a test.
var migrations = []func(tx *bolt.Tx) error{
	// 1: the initial layout.
	func(tx *bolt.Tx) error {
		for _, b := range [][]byte{bucketMeta, bucketTokens, bucketGroups} {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return fmt.Errorf("create bucket %s: %w", b, err)
			}
		}
		return nil
	},
	// 2: a signed member list per group (empty for the groups already there).
	func(tx *bolt.Tx) error {
		groups := tx.Bucket(bucketGroups)
		return groups.ForEachBucket(func(k []byte) error {
			if _, err := groups.Bucket(k).CreateBucketIfNotExists(bucketChain); err != nil {
				return fmt.Errorf("group %s: %w", k, err)
			}
			return nil
		})
	},
}

func schemaVersion(tx *bolt.Tx) uint64 {
	if meta := tx.Bucket(bucketMeta); meta != nil {
		return readU64(meta.Get(keyVersion))
	}
	return 0
}

func migrate(tx *bolt.Tx) error {
	v := schemaVersion(tx)
	if v > uint64(len(migrations)) {
		return fmt.Errorf("the relay data was written by a newer dagsorden (relay version %d, this one knows %d); update dagsorden", v, len(migrations))
	}
	for i := int(v); i < len(migrations); i++ {
		if err := migrations[i](tx); err != nil {
			return fmt.Errorf("cannot upgrade the relay data to version %d: %w", i+1, err)
		}
	}
	return tx.Bucket(bucketMeta).Put(keyVersion, u64(uint64(len(migrations))))
}

// lockTimeout bounds the wait for another process holding relay.db.
const lockTimeout = 2 * time.Second

// openDB opens (creating safely when absent) relay.db in dir and runs pending
// migrations. A new file is initialised in a temporary file and linked into place, so a
// crash during creation never leaves a half-made relay.db.
func openDB(dir string) (*bolt.DB, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("cannot create the relay data folder %s: %w", dir, err)
	}
	path := filepath.Join(dir, FileName)
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		if err := createDB(dir, path); err != nil {
			return nil, err
		}
	} else if err != nil {
		return nil, fmt.Errorf("cannot read the relay data in %s: %w", dir, err)
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: lockTimeout})
	if errors.Is(err, bolterrors.ErrTimeout) {
		return nil, fmt.Errorf("another dagsorden serve is using the relay data folder %s", dir)
	}
	if err != nil {
		return nil, fmt.Errorf("cannot open the relay data %s: %w", path, err)
	}
	// Pushes from many members are coalesced into one transaction and one fsync (see
	// handlePush). Commits are fsync-bound, so gathering pushes for bbolt's usual 10 ms
	// serves a busy formøde better than committing each at once.
	db.MaxBatchDelay = 10 * time.Millisecond
	if err := db.Update(migrate); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

func createDB(dir, path string) error {
	f, err := os.CreateTemp(dir, FileName+".new-*") // mode 0600
	if err != nil {
		return fmt.Errorf("cannot create the relay data in %s: %w", dir, err)
	}
	tmp := f.Name()
	defer os.Remove(tmp)
	if err := f.Close(); err != nil {
		return fmt.Errorf("cannot create the relay data in %s: %w", dir, err)
	}
	db, err := bolt.Open(tmp, 0o600, &bolt.Options{Timeout: lockTimeout})
	if err != nil {
		return fmt.Errorf("cannot create the relay data in %s: %w", dir, err)
	}
	err = db.Update(migrate)
	if cerr := db.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("cannot create the relay data in %s: %w", dir, err)
	}
	if err := os.Link(tmp, path); err != nil && !errors.Is(err, fs.ErrExist) {
		if _, serr := os.Stat(path); !errors.Is(serr, fs.ErrNotExist) {
			return nil
		}
		if err := os.Rename(tmp, path); err != nil {
			return fmt.Errorf("cannot create the relay data in %s: %w", dir, err)
		}
	}
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("cannot sync the relay data folder %s: %w", dir, err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, os.ErrInvalid) {
		return fmt.Errorf("cannot sync the relay data folder %s: %w", dir, err)
	}
	return nil
}

func u64(v uint64) []byte {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], v)
	return b[:]
}

func readU64(b []byte) uint64 {
	if len(b) != 8 {
		return 0
	}
	return binary.BigEndian.Uint64(b)
}

// Records other than envelopes are small and rarely written: JSON after a version byte.
const recordVersion = 1

type tokenRecord struct {
	Group  string `json:"g"`
	Member string `json:"m"`
}

type groupRecord struct {
	Created time.Time `json:"created"`
	Bytes   uint64    `json:"bytes,omitempty"` // ciphertext stored, for the quota
}

type memberRecord struct {
	TokenHash []byte    `json:"token_hash"`
	PublicKey []byte    `json:"public_key"`
	Admin     bool      `json:"admin,omitempty"`
	Joined    time.Time `json:"joined"`
	Removed   time.Time `json:"removed,omitzero"`
}

type inviteRecord struct {
	By      string    `json:"by"`
	Created time.Time `json:"created"`
	Expires time.Time `json:"expires"`
}

var errDamaged = errors.New("damaged relay record")

func encodeRecord(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // unreachable: the record types marshal
	}
	return append([]byte{recordVersion}, b...)
}

func decodeRecord(b []byte, v any) error {
	if len(b) == 0 || b[0] != recordVersion {
		return errDamaged
	}
	if err := json.Unmarshal(b[1:], v); err != nil {
		return fmt.Errorf("%w: %v", errDamaged, err)
	}
	return nil
}

// storedEnvelope is one envelope as relay.db holds it.
type storedEnvelope struct {
	ID     [16]byte
	Sender string
	Time   time.Time
	Data   []byte
}

// encodeEnvelope: version byte, 16-byte id, 8-byte unix nanoseconds, uvarint length and
// sender id, then the ciphertext to the end. Binary because pulls read thousands.
func encodeEnvelope(e *storedEnvelope) []byte {
	b := make([]byte, 0, 1+16+8+1+len(e.Sender)+len(e.Data))
	b = append(b, recordVersion)
	b = append(b, e.ID[:]...)
	b = binary.BigEndian.AppendUint64(b, uint64(e.Time.UnixNano()))
	b = binary.AppendUvarint(b, uint64(len(e.Sender)))
	b = append(b, e.Sender...)
	return append(b, e.Data...)
}

// decodeEnvelope copies what it returns out of b (memory of a transaction).
func decodeEnvelope(b []byte) (storedEnvelope, error) {
	var e storedEnvelope
	if len(b) < 1+16+8+1 || b[0] != recordVersion {
		return e, errDamaged
	}
	copy(e.ID[:], b[1:17])
	e.Time = time.Unix(0, int64(binary.BigEndian.Uint64(b[17:25]))).UTC()
	n, k := binary.Uvarint(b[25:])
	if k <= 0 || n > uint64(len(b)-25-k) {
		return e, errDamaged
	}
	rest := b[25+k:]
	e.Sender = string(rest[:n])
	e.Data = append([]byte(nil), rest[n:]...)
	return e, nil
}
