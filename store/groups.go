package store

// Party groups: what this member keeps about each group they share notes with. The
// buckets below come on top of the tree in buckets.go. They are created by the first
// group write (a store of someone in no group has none of them), so no migration is
// needed; every reader treats a missing bucket as empty.
//
//	groups
//	  <group name>                → GroupState: relay, credentials, keys by epoch, the
//	                                group's signed member list and the roster made from it,
//	                                relay cursor, clock, what arrived from each author.
//	                                Holds secrets (member token, group keys, private keys):
//	                                sealed, as every value here (crypt.go).
//	group_notes
//	  <group id> 0x00 <note id>   → GroupNote: the note's current versions (heads; more than
//	                                one is a conflict) and what the notes bucket shows of it
//	group_outbox
//	  <group id> 0x00 <seq>       → OutboxEntry: a sealed envelope waiting to be pushed, in
//	                                the order it was queued
//
// The store only keeps these records: sealing, merging and the relay protocol live in
// package sync/group, which runs its logic inside UpdateGroup's transaction.

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
)

var (
	bucketGroups      = []byte("groups")
	bucketGroupNotes  = []byte("group_notes")
	bucketGroupOutbox = []byte("group_outbox")
)

// ErrNoChange, returned by an UpdateGroup function, rolls the transaction back and makes
// UpdateGroup return nil: nothing is written, the generation stays.
var ErrNoChange = errNoChange

// GroupState is one group as this member knows it.
type GroupState struct {
	Name     string // this member's name for the group; unique in the store
	Server   string // the relay's base URL
	ID       string // the group's id at the relay
	MemberID string // this member's id in the group
	Token    string // this member's relay token (secret)
	Admin    bool   // this member is an admin of the group (per its signed member list)
	// AdminID and AdminKey name the admin who invited this member and their X25519 public
	// key, as the invite said. For a group from before signed member lists, AdminKey is
	// what authenticates the admin's upgrade of the group.
	AdminID  string
	AdminKey []byte
	Epoch    uint64     // the newest epoch this member has a key for
	Keys     []EpochKey // every group key this member has, by epoch (secret)
	// PublicKey and PrivateKey are this member's X25519 key pair for receiving new
	// group keys (PrivateKey is secret).
	PublicKey, PrivateKey []byte
	Author                string        // the name this member shows the group
	Cursor                uint64        // the last relay sequence number applied
	Clock                 uint64        // hybrid logical clock of this member's last event
	Members               []GroupMember // the roster as last verified, and the relay's strangers
	Created, Synced       time.Time
	// Rekey: a key change is due (kept from stores before signed member lists, where the
	// removal set it; the signed list now says when one is due).
	Rekey bool
	// SignPublic and SignPrivate are this member's ed25519 key pair: every envelope it
	// writes, and every member list entry it signs as an admin, carries a signature by it
	// (SignPrivate is secret; it is the 64-byte form of crypto/ed25519).
	SignPublic, SignPrivate []byte
	// RootKey is the signing key of the admin who made the group, from the invite code (or
	// this member's own): the member list must start with a genesis signed by it.
	RootKey []byte
	// Chain is the group's signed member list, every entry verified before it was added.
	Chain [][]byte
	// Seq is the sequence number of this member's last envelope in this group.
	Seq uint64
	// Seen is what arrived from each author, by their sequence numbers.
	Seen []AuthorSeen
	// Removed: the signed member list says this member was removed. Sync leaves the group
	// alone; its notes stay.
	Removed bool
	// NextKey is a group key made for a key change the relay has perhaps not taken yet:
	// when the list shows the change, this is its key.
	NextKey EpochKey
	// ProfileEpoch is the epoch this member's name was last sealed under (members who
	// join later hold only later keys, so the name is sealed again after each key change).
	ProfileEpoch uint64
}

// AuthorSeen is what arrived from one author: every sequence number below Next, and those
// in Above. A number seen again is a replay; a number missing below the highest is a gap.
type AuthorSeen struct {
	Member string
	Next   uint64
	Above  []uint64
}

// EpochKey is a group key and its epoch.
type EpochKey struct {
	Epoch uint64
	Key   []byte
}

// GroupMember is one member of the roster.
type GroupMember struct {
	ID        string
	Name      string // from the member's own signed profile; "" until it arrives
	PublicKey []byte // X25519, from the signed member list
	Admin     bool
	Removed   bool
	// Verified: the member is in the signed member list (their keys are from it).
	Verified bool
	SignKey  []byte // ed25519, from the signed member list
	// Stranger: the relay lists this id as a member, the signed list does not. A stranger
	// never gets a key and never counts as a member.
	Stranger bool
	// KeyEpoch is the newest epoch whose key this member is known to hold (from their
	// invite or a keys envelope): an admin hands them a newer one.
	KeyEpoch uint64
}

// Key returns the group key of an epoch, or nil.
func (g *GroupState) Key(epoch uint64) []byte {
	for _, k := range g.Keys {
		if k.Epoch == epoch {
			return k.Key
		}
	}
	return nil
}

// SetKey adds (or replaces) the key of an epoch and moves Epoch up to it when newer.
func (g *GroupState) SetKey(epoch uint64, key []byte) {
	for i := range g.Keys {
		if g.Keys[i].Epoch == epoch {
			g.Keys[i].Key = slices.Clone(key)
			g.Epoch = max(g.Epoch, epoch)
			return
		}
	}
	g.Keys = append(g.Keys, EpochKey{epoch, slices.Clone(key)})
	slices.SortFunc(g.Keys, func(a, b EpochKey) int { return cmp.Compare(a.Epoch, b.Epoch) })
	g.Epoch = max(g.Epoch, epoch)
}

// Member returns the roster entry of a member id, or nil.
func (g *GroupState) Member(id string) *GroupMember {
	for i := range g.Members {
		if g.Members[i].ID == id {
			return &g.Members[i]
		}
	}
	return nil
}

// CheckGroupName says in one sentence what is wrong with a group name, or nil.
func CheckGroupName(name string) error {
	switch {
	case strings.TrimSpace(name) == "":
		return errors.New("a group needs a name")
	case len(name) > 200:
		return errors.New("a group name must be shorter than 200 bytes")
	case strings.ContainsFunc(name, func(r rune) bool { return r < ' ' || r == 0x7f }):
		return fmt.Errorf("the group name %q contains control characters", name)
	}
	return nil
}

// AddGroup stores a new group. It fails when a group of that name, or the same group
// at the same relay, is already there.
func (s *Store) AddGroup(g *GroupState) error {
	if err := CheckGroupName(g.Name); err != nil {
		return err
	}
	if g.ID == "" {
		return errors.New("a group needs its relay id")
	}
	return s.update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists(bucketGroups)
		if err != nil {
			return err
		}
		if b.Get([]byte(g.Name)) != nil {
			return fmt.Errorf("you already have a group named %q", g.Name)
		}
		err = b.ForEach(func(k, v []byte) error {
			v, err := openValue(tx, bucketGroups, k, v)
			if err != nil {
				return fmt.Errorf("stored group %q: %w", k, err)
			}
			other, err := decodeGroup(v)
			if err != nil {
				return fmt.Errorf("stored group %q: %w", k, err)
			}
			if other.ID == g.ID && other.Server == g.Server {
				return fmt.Errorf("you are already in this group, as %q", other.Name)
			}
			return nil
		})
		if err != nil {
			return err
		}
		return putSealed(tx, bucketGroups, []byte(g.Name), encodeGroup(g))
	})
}

// Group returns one group's state; the error wraps ErrNotFound when there is none.
func (s *Store) Group(name string) (*GroupState, error) {
	var g *GroupState
	err := s.view(func(tx *bolt.Tx) error {
		var err error
		g, err = loadGroup(tx, name)
		return err
	})
	return g, err
}

// Groups returns every group, by name.
func (s *Store) Groups() ([]GroupState, error) {
	var out []GroupState
	err := s.view(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketGroups)
		if b == nil {
			return nil
		}
		return b.ForEach(func(k, v []byte) error {
			v, err := openValue(tx, bucketGroups, k, v)
			if err != nil {
				return fmt.Errorf("stored group %q: %w", k, err)
			}
			g, err := decodeGroup(v)
			if err != nil {
				return fmt.Errorf("stored group %q: %w", k, err)
			}
			out = append(out, *g)
			return nil
		})
	})
	return out, err
}

func loadGroup(tx *bolt.Tx, name string) (*GroupState, error) {
	b := tx.Bucket(bucketGroups)
	var v []byte
	if b != nil {
		v = b.Get([]byte(name))
	}
	if v == nil {
		return nil, notFound("group", name)
	}
	v, err := openValue(tx, bucketGroups, []byte(name), v)
	if err != nil {
		return nil, fmt.Errorf("stored group %q: %w", name, err)
	}
	g, err := decodeGroup(v)
	if err != nil {
		return nil, fmt.Errorf("stored group %q: %w", name, err)
	}
	return g, nil
}

// GroupTx is one transaction on a group: its notes, its outbox and the member's own
// notes. It lives only as long as the function UpdateGroup or ViewGroup runs; in a
// ViewGroup every write fails.
type GroupTx struct {
	tx *bolt.Tx
	g  *GroupState
}

// UpdateGroup runs fn in one write transaction on the named group and then stores the
// state fn leaves in g. fn must not do network I/O (the store is locked while it runs).
// When fn returns ErrNoChange nothing is written.
func (s *Store) UpdateGroup(name string, fn func(g *GroupState, t *GroupTx) error) error {
	return s.update(func(tx *bolt.Tx) error {
		g, err := loadGroup(tx, name)
		if err != nil {
			return err
		}
		for _, b := range [][]byte{bucketGroupNotes, bucketGroupOutbox} {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		if err := fn(g, &GroupTx{tx: tx, g: g}); err != nil {
			return err
		}
		if g.Name != name {
			return errors.New("a group cannot be renamed in UpdateGroup")
		}
		return putSealed(tx, bucketGroups, []byte(name), encodeGroup(g))
	})
}

// ViewGroup runs fn in a read-only transaction on the named group.
func (s *Store) ViewGroup(name string, fn func(g *GroupState, t *GroupTx) error) error {
	return s.view(func(tx *bolt.Tx) error {
		g, err := loadGroup(tx, name)
		if err != nil {
			return err
		}
		return fn(g, &GroupTx{tx: tx, g: g})
	})
}

// groupKey is the key of a record of group id in group_notes or group_outbox. The 0x00
// separator keeps one group's keys together: group ids are hex.
func groupKey(groupID string, rest []byte) []byte {
	k := make([]byte, 0, len(groupID)+1+len(rest))
	k = append(k, groupID...)
	k = append(k, 0)
	return append(k, rest...)
}

func groupPrefix(groupID string) []byte { return groupKey(groupID, nil) }

// forGroup calls fn for every record of a group in bucket name (absent: none), unsealed.
func forGroup(tx *bolt.Tx, name []byte, groupID string, fn func(k, v []byte) error) error {
	b := tx.Bucket(name)
	if b == nil {
		return nil
	}
	p := groupPrefix(groupID)
	c := b.Cursor()
	for k, v := c.Seek(p); k != nil && bytes.HasPrefix(k, p); k, v = c.Next() {
		v, err := openValue(tx, name, k, v)
		if err != nil {
			return fmt.Errorf("stored group record %q: %w", k, err)
		}
		if err := fn(k[len(p):], v); err != nil {
			return err
		}
	}
	return nil
}

func encodeGroup(g *GroupState) []byte {
	e := newRecord()
	e.str(1, g.Name)
	e.str(2, g.Server)
	e.str(3, g.ID)
	e.str(4, g.MemberID)
	e.str(5, g.Token)
	e.bool(6, g.Admin)
	e.str(7, g.AdminID)
	e.str(8, string(g.AdminKey))
	e.uint(9, g.Epoch)
	for _, k := range g.Keys {
		e.msg(10, func(e *enc) {
			e.uint(1, k.Epoch)
			e.str(2, string(k.Key))
		})
	}
	e.str(11, string(g.PublicKey))
	e.str(12, string(g.PrivateKey))
	e.str(13, g.Author)
	e.uint(14, g.Cursor)
	e.uint(15, g.Clock)
	for _, m := range g.Members {
		e.msg(16, func(e *enc) {
			e.str(1, m.ID)
			e.str(2, m.Name)
			e.str(3, string(m.PublicKey))
			e.bool(4, m.Admin)
			e.bool(5, m.Removed)
			e.bool(6, m.Verified)
			e.str(7, string(m.SignKey))
			e.bool(8, m.Stranger)
			e.uint(9, m.KeyEpoch)
		})
	}
	e.time(17, g.Created)
	e.time(18, g.Synced)
	e.bool(19, g.Rekey)
	e.str(20, string(g.SignPublic))
	e.str(21, string(g.SignPrivate))
	e.str(22, string(g.RootKey))
	for _, raw := range g.Chain {
		e.str(23, string(raw))
	}
	e.uint(24, g.Seq)
	for _, a := range g.Seen {
		e.msg(25, func(e *enc) {
			e.str(1, a.Member)
			e.uint(2, a.Next)
			for _, n := range a.Above {
				e.uint(3, n)
			}
		})
	}
	e.bool(26, g.Removed)
	if g.NextKey.Epoch != 0 {
		e.msg(27, func(e *enc) {
			e.uint(1, g.NextKey.Epoch)
			e.str(2, string(g.NextKey.Key))
		})
	}
	e.uint(28, g.ProfileEpoch)
	return e.b
}

func decodeGroup(b []byte) (*GroupState, error) {
	d, err := openRecord(b)
	if err != nil {
		return nil, err
	}
	g := &GroupState{}
	for d.more() {
		f, w := d.field()
		switch f {
		case 1:
			g.Name = d.str(w)
		case 2:
			g.Server = d.str(w)
		case 3:
			g.ID = d.str(w)
		case 4:
			g.MemberID = d.str(w)
		case 5:
			g.Token = d.str(w)
		case 6:
			g.Admin = d.bool(w)
		case 7:
			g.AdminID = d.str(w)
		case 8:
			g.AdminKey = []byte(d.str(w))
		case 9:
			g.Epoch = d.uint(w)
		case 10:
			g.Keys = append(g.Keys, decodeEpochKey(d, w))
		case 11:
			g.PublicKey = []byte(d.str(w))
		case 12:
			g.PrivateKey = []byte(d.str(w))
		case 13:
			g.Author = d.str(w)
		case 14:
			g.Cursor = d.uint(w)
		case 15:
			g.Clock = d.uint(w)
		case 16:
			sub := d.sub(w)
			var m GroupMember
			for sub.more() {
				f, w := sub.field()
				switch f {
				case 1:
					m.ID = sub.str(w)
				case 2:
					m.Name = sub.str(w)
				case 3:
					m.PublicKey = []byte(sub.str(w))
				case 4:
					m.Admin = sub.bool(w)
				case 5:
					m.Removed = sub.bool(w)
				case 6:
					m.Verified = sub.bool(w)
				case 7:
					m.SignKey = []byte(sub.str(w))
				case 8:
					m.Stranger = sub.bool(w)
				case 9:
					m.KeyEpoch = sub.uint(w)
				default:
					sub.skip(w)
				}
			}
			d.done(sub)
			g.Members = append(g.Members, m)
		case 17:
			g.Created = d.time(w)
		case 18:
			g.Synced = d.time(w)
		case 19:
			g.Rekey = d.bool(w)
		case 20:
			g.SignPublic = []byte(d.str(w))
		case 21:
			g.SignPrivate = []byte(d.str(w))
		case 22:
			g.RootKey = []byte(d.str(w))
		case 23:
			g.Chain = append(g.Chain, []byte(d.str(w)))
		case 24:
			g.Seq = d.uint(w)
		case 25:
			sub := d.sub(w)
			var a AuthorSeen
			for sub.more() {
				f, w := sub.field()
				switch f {
				case 1:
					a.Member = sub.str(w)
				case 2:
					a.Next = sub.uint(w)
				case 3:
					a.Above = append(a.Above, sub.uint(w))
				default:
					sub.skip(w)
				}
			}
			d.done(sub)
			g.Seen = append(g.Seen, a)
		case 26:
			g.Removed = d.bool(w)
		case 27:
			g.NextKey = decodeEpochKey(d, w)
		case 28:
			g.ProfileEpoch = d.uint(w)
		default:
			d.skip(w)
		}
	}
	return g, d.err
}

func decodeEpochKey(d *dec, w int) EpochKey {
	sub := d.sub(w)
	var k EpochKey
	for sub.more() {
		f, w := sub.field()
		switch f {
		case 1:
			k.Epoch = sub.uint(w)
		case 2:
			k.Key = []byte(sub.str(w))
		default:
			sub.skip(w)
		}
	}
	d.done(sub)
	return k
}
