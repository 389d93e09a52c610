package roster

import (
	"bytes"
	"cmp"
	"crypto/ed25519"
	"fmt"
	"slices"
)

// State is what a verified list says: the members and their keys, the admins, the open
// invites and the epochs. Build it with Replay, or grow it entry by entry with Apply.
type State struct {
	Group    string
	Seq      uint64   // the last entry applied (0: none)
	Head     [32]byte // its hash
	Epoch    uint64   // the current epoch
	First    uint64   // the genesis's epoch (a group from before signed lists had earlier ones)
	RekeyDue bool     // a member was removed and no key change followed yet
	Root     []byte   // the genesis admin's signing key

	members map[string]*Member
	order   []string
	invites map[string]*Invitation // by invite key
	commits map[uint64][]byte
}

// Member is one member as the list has them.
type Member struct {
	ID      string
	SignKey ed25519.PublicKey
	BoxKey  []byte
	Admin   bool
	Removed bool
	// Joined is the seq of their genesis or join entry.
	Joined uint64
	// InviteEpoch is the epoch that was current when their invite was made: their invite
	// code carried that epoch's key (and, with History, every earlier one).
	InviteEpoch uint64
	History     bool
	// Upgraded: they joined on an invite reserved for them (a member from before the
	// group had a signed list).
	Upgraded bool
	// RemovedEpoch is the last epoch whose key they held: nothing they sign under a later
	// epoch can be theirs.
	RemovedEpoch uint64
}

// Invitation is an invite registered in the list.
type Invitation struct {
	Key     []byte
	Seq     uint64
	By      string
	Expires int64
	History bool
	For     string
	Epoch   uint64 // current when it was made
	Used    bool
	Revoked bool // a removal came after it
}

// Error says which entry broke the list and why.
type Error struct {
	Seq    uint64
	Reason string
}

func (e *Error) Error() string {
	return fmt.Sprintf("entry %d of the group's signed member list %s", e.Seq, e.Reason)
}

func refuse(seq uint64, format string, args ...any) error {
	return &Error{Seq: seq, Reason: fmt.Sprintf(format, args...)}
}

// NewState is the empty state of group, whose genesis must be signed by root (nil: take
// the genesis's own key, as the relay does, which got the genesis from the creator).
func NewState(group string, root []byte) *State {
	return &State{Group: group, Root: bytes.Clone(root), members: map[string]*Member{}, invites: map[string]*Invitation{}, commits: map[uint64][]byte{}}
}

// Replay verifies raws, the whole list from its genesis, and returns its state. An
// error names the first entry that does not verify.
func Replay(group string, root []byte, raws [][]byte) (*State, error) {
	s := NewState(group, root)
	for i, raw := range raws {
		e, err := Parse(raw)
		if err != nil {
			return nil, refuse(uint64(i+1), "%v", err)
		}
		if err := s.Apply(e); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// Apply verifies e as the next entry and applies it. On error s is unchanged.
func (s *State) Apply(e *Entry) error {
	if e.Seq != s.Seq+1 {
		return refuse(e.Seq, "is out of order (expected entry %d)", s.Seq+1)
	}
	if e.Prev != s.Head {
		return refuse(e.Seq, "does not follow the entry before it")
	}
	if e.Group != s.Group {
		return refuse(e.Seq, "belongs to another group")
	}
	if e.Kind == Genesis {
		return s.genesis(e)
	}
	if s.Seq == 0 {
		return refuse(e.Seq, "comes before the genesis")
	}
	if e.Kind == Join {
		return s.join(e)
	}
	signer := s.members[e.Signer]
	if signer == nil || signer.Removed || !signer.Admin {
		return refuse(e.Seq, "(%s) is signed by %s, who is not an admin", e.Kind, e.Signer)
	}
	if !e.verify(signer.SignKey) {
		return refuse(e.Seq, "(%s) has a signature that does not verify", e.Kind)
	}
	switch e.Kind {
	case Invite:
		k := string(e.InviteKey)
		if s.invites[k] != nil {
			return refuse(e.Seq, "reuses an invite key")
		}
		if e.For != "" {
			if m := s.members[e.For]; m != nil {
				return refuse(e.Seq, "reserves an invite for %s, who is already in the list", e.For)
			}
		}
		s.invites[k] = &Invitation{Key: bytes.Clone(e.InviteKey), Seq: e.Seq, By: e.Signer, Expires: e.Expires,
			History: e.History, For: e.For, Epoch: s.Epoch}
	case Remove:
		m := s.members[e.Member]
		switch {
		case m == nil || m.Removed:
			return refuse(e.Seq, "removes %s, who is not a member", e.Member)
		case e.Member == e.Signer:
			return refuse(e.Seq, "has an admin remove themselves")
		}
		m.Removed, m.Admin, m.RemovedEpoch = true, false, s.Epoch
		for _, inv := range s.invites {
			if !inv.Used {
				inv.Revoked = true // the open codes carry a key the removed member knows
			}
		}
		s.RekeyDue = true
	case Rotate:
		if e.Epoch != s.Epoch+1 {
			return refuse(e.Seq, "starts epoch %d after epoch %d", e.Epoch, s.Epoch)
		}
		s.Epoch, s.RekeyDue = e.Epoch, false
		s.commits[e.Epoch] = bytes.Clone(e.Commit)
	case Admin:
		m := s.members[e.Member]
		switch {
		case m == nil || m.Removed:
			return refuse(e.Seq, "makes %s an admin, who is not a member", e.Member)
		case m.Admin:
			return refuse(e.Seq, "makes %s an admin, who already is one", e.Member)
		}
		m.Admin = true
	case Resign:
		if len(s.Admins()) < 2 {
			return refuse(e.Seq, "leaves the group without an admin")
		}
		signer.Admin = false
	default:
		return refuse(e.Seq, "has an unknown kind")
	}
	s.advance(e)
	return nil
}

func (s *State) genesis(e *Entry) error {
	if s.Seq != 0 || e.Seq != 1 {
		return refuse(e.Seq, "is a second genesis")
	}
	if s.Root != nil && !bytes.Equal(s.Root, e.SignKey) {
		return refuse(e.Seq, "is signed by another admin than the one your invite names")
	}
	if e.Epoch == 0 {
		return refuse(e.Seq, "starts at epoch 0")
	}
	if !e.verify(e.SignKey) {
		return refuse(e.Seq, "(genesis) has a signature that does not verify")
	}
	s.Root = bytes.Clone(e.SignKey)
	s.members[e.Signer] = &Member{ID: e.Signer, SignKey: bytes.Clone(e.SignKey), BoxKey: bytes.Clone(e.BoxKey),
		Admin: true, Joined: e.Seq, InviteEpoch: e.Epoch}
	s.order = append(s.order, e.Signer)
	s.Epoch, s.First = e.Epoch, e.Epoch
	s.commits[e.Epoch] = bytes.Clone(e.Commit)
	s.advance(e)
	return nil
}

func (s *State) join(e *Entry) error {
	inv := s.invites[string(e.InviteKey)]
	switch {
	case inv == nil:
		return refuse(e.Seq, "(join) uses an invite the list does not hold")
	case inv.Used:
		return refuse(e.Seq, "(join) uses an invite that was used already")
	case inv.Revoked:
		return refuse(e.Seq, "(join) uses an invite revoked by a removal")
	case inv.For != "" && inv.For != e.Signer:
		return refuse(e.Seq, "(join) uses an invite reserved for another member")
	case s.members[e.Signer] != nil:
		return refuse(e.Seq, "(join) adds %s, who is in the list already", e.Signer)
	case !e.verify(e.SignKey):
		return refuse(e.Seq, "(join) has a signature that does not verify")
	}
	inv.Used = true
	s.members[e.Signer] = &Member{ID: e.Signer, SignKey: bytes.Clone(e.SignKey), BoxKey: bytes.Clone(e.BoxKey),
		Joined: e.Seq, InviteEpoch: inv.Epoch, History: inv.History, Upgraded: inv.For != ""}
	s.order = append(s.order, e.Signer)
	s.advance(e)
	return nil
}

func (s *State) advance(e *Entry) {
	s.Seq, s.Head = e.Seq, e.Hash()
}

// Member returns a member (removed ones too), or nil.
func (s *State) Member(id string) *Member { return s.members[id] }

// Members returns every member the list ever held, in the order they joined.
func (s *State) Members() []*Member {
	out := make([]*Member, 0, len(s.order))
	for _, id := range s.order {
		out = append(out, s.members[id])
	}
	return out
}

// Active returns the members not removed, in the order they joined.
func (s *State) Active() []*Member {
	out := make([]*Member, 0, len(s.order))
	for _, id := range s.order {
		if m := s.members[id]; !m.Removed {
			out = append(out, m)
		}
	}
	return out
}

// Admins returns the current admins' ids.
func (s *State) Admins() []string {
	var out []string
	for _, id := range s.order {
		if m := s.members[id]; m.Admin && !m.Removed {
			out = append(out, id)
		}
	}
	return out
}

// IsAdmin reports whether id is a current admin.
func (s *State) IsAdmin(id string) bool {
	m := s.members[id]
	return m != nil && m.Admin && !m.Removed
}

// Invitation returns the invite of a public key, or nil.
func (s *State) Invitation(key []byte) *Invitation { return s.invites[string(key)] }

// OpenInvites returns the invites not used and not revoked, oldest first.
func (s *State) OpenInvites() []*Invitation {
	var out []*Invitation
	for _, inv := range s.invites {
		if !inv.Used && !inv.Revoked {
			out = append(out, inv)
		}
	}
	slices.SortFunc(out, func(a, b *Invitation) int { return cmp.Compare(a.Seq, b.Seq) })
	return out
}

// Commit returns the key commitment of an epoch, or nil when the list has none.
func (s *State) Commit(epoch uint64) []byte { return s.commits[epoch] }

// KeyMatches reports whether key is the group key the list committed to for epoch.
func (s *State) KeyMatches(epoch uint64, key []byte) bool {
	c := s.commits[epoch]
	return c != nil && bytes.Equal(c, KeyCommit(s.Group, epoch, key))
}
