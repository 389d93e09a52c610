package group

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/dagsorden/dagsorden/store"
	"github.com/dagsorden/dagsorden/sync/group/roster"
	"github.com/dagsorden/dagsorden/sync/relay"
)

// The member side of the group's signed member list (package roster): fetch it, verify
// every new entry on top of what is stored, and make the roster, the keys and the admin
// role follow it. Nothing a client does with a member's keys (seal a group key to them,
// check their signature, count them in a tally) rests on anything else.

// rosterOf replays the member list this member stored (each entry was verified before it
// was stored; the replay verifies them again, which costs about 50 µs an entry).
func rosterOf(g *store.GroupState) (*roster.State, error) {
	st, err := roster.Replay(g.ID, g.RootKey, g.Chain)
	if err != nil {
		return nil, fmt.Errorf("the stored member list of %s does not verify: %w", g.Name, err)
	}
	return st, nil
}

// errChain wraps a member list from the relay that does not verify.
func errChain(err error) error {
	return fmt.Errorf("the relay's copy of the group's signed member list does not verify, so nothing was taken from it (the relay or someone in front of it changed it): %w", err)
}

// pullChain fetches the entries after the ones g holds.
func pullChain(ctx context.Context, rc *relayClient, g *store.GroupState) ([][]byte, error) {
	var out [][]byte
	after := uint64(len(g.Chain))
	for {
		resp, err := rc.chain(ctx, g.ID, after)
		if err != nil {
			return nil, fmt.Errorf("the group's member list: %w", err)
		}
		out = append(out, resp.Entries...)
		after += uint64(len(resp.Entries))
		if len(out) > relay.MaxChain {
			return nil, errChain(errors.New("it is longer than any relay keeps"))
		}
		if !resp.More || len(resp.Entries) == 0 {
			return out, nil
		}
	}
}

// refreshChain brings the group's member list up to date from the relay and returns
// what it says.
func (c *Client) refreshChain(ctx context.Context, name string) (*roster.State, error) {
	g, err := c.Store.Group(name)
	if err != nil {
		return nil, err
	}
	rc, err := c.relay(g.Server, g.Token)
	if err != nil {
		return nil, err
	}
	raws, err := pullChain(ctx, rc, g)
	if err != nil {
		return nil, err
	}
	var st *roster.State
	err = c.Store.UpdateGroup(name, func(g *store.GroupState, _ *store.GroupTx) error {
		var err error
		st, err = extendChain(g, raws, uint64(len(g.Chain)))
		return err
	})
	return st, err
}

// extendChain verifies raws (entries from position from+1 on, as fetched) on top of the
// list g holds, stores them and makes g follow the list. Another process may have stored
// some of them meanwhile; an entry that differs from the stored one at its position is a
// relay showing two lists, and refused.
func extendChain(g *store.GroupState, raws [][]byte, from uint64) (*roster.State, error) {
	st, err := rosterOf(g)
	if err != nil {
		return nil, err
	}
	for i, raw := range raws {
		seq := from + uint64(i) + 1
		if seq <= st.Seq {
			if !bytes.Equal(g.Chain[seq-1], raw) {
				return nil, errChain(fmt.Errorf("entry %d differs from the one this member verified before", seq))
			}
			continue
		}
		e, err := roster.Parse(raw)
		if err != nil {
			return nil, errChain(&roster.Error{Seq: seq, Reason: err.Error()})
		}
		if err := st.Apply(e); err != nil {
			return nil, errChain(err)
		}
		g.Chain = append(g.Chain, e.Raw())
	}
	if st.Seq == 0 {
		return nil, errChain(errors.New("it is empty"))
	}
	follow(g, st)
	return st, nil
}

// follow makes g agree with the list: the roster (names are kept), the admin role,
// removal, and the group keys (a key that does not match the list's commitment for its
// epoch is dropped; a key made for a change the list now holds is taken).
func follow(g *store.GroupState, st *roster.State) {
	old := map[string]store.GroupMember{}
	for _, m := range g.Members {
		old[m.ID] = m
	}
	var out []store.GroupMember
	listed := map[string]bool{}
	for _, m := range st.Members() {
		o := old[m.ID]
		o.ID, o.PublicKey, o.SignKey = m.ID, m.BoxKey, m.SignKey
		o.Admin, o.Removed, o.Verified, o.Stranger = m.Admin, m.Removed, true, false
		if !m.Upgraded {
			o.KeyEpoch = max(o.KeyEpoch, m.InviteEpoch) // their invite code carried that key
		}
		out = append(out, o)
		listed[m.ID] = true
	}
	for _, m := range g.Members {
		if listed[m.ID] {
			continue
		}
		if !m.Stranger {
			// On the roster before the group had a signed list: kept so their old notes keep
			// a name, but no member until they are in the list.
			m.Removed, m.Verified, m.Admin = true, false, false
		}
		out = append(out, m)
	}
	g.Members = out
	g.Admin = st.IsAdmin(g.MemberID)
	if me := st.Member(g.MemberID); me != nil && me.Removed {
		g.Removed = true
	}
	// Keys: only those the list committed to (epochs before its genesis are a group's
	// days before signed lists; their keys stay as they were).
	g.Keys = slices.DeleteFunc(g.Keys, func(k store.EpochKey) bool {
		return k.Epoch >= st.First && !st.KeyMatches(k.Epoch, k.Key)
	})
	if nk := g.NextKey; nk.Epoch != 0 {
		switch {
		case st.KeyMatches(nk.Epoch, nk.Key):
			g.SetKey(nk.Epoch, nk.Key)
			g.NextKey = store.EpochKey{}
		case st.Epoch >= nk.Epoch:
			g.NextKey = store.EpochKey{} // another admin's key change came first
		}
	}
	g.Epoch = 0
	for _, k := range g.Keys {
		g.Epoch = max(g.Epoch, k.Epoch)
	}
}

// markStrangers records the members the relay lists that the signed list does not hold
// as members (a removed member the relay still serves is one too), and forgets strangers
// the relay no longer lists. It returns their ids. A stranger never gets a key, never
// counts as a member, and is shown as a warning.
func markStrangers(g *store.GroupState, st *roster.State, listed []relay.Member) []string {
	var strangers []string
	is := map[string]bool{}
	for _, r := range listed {
		if !isHex(r.ID, 16) || is[r.ID] {
			continue
		}
		if m := st.Member(r.ID); m != nil && !m.Removed {
			continue
		}
		is[r.ID] = true
		strangers = append(strangers, r.ID)
	}
	out := g.Members[:0]
	have := map[string]bool{}
	for _, m := range g.Members {
		m.Stranger = is[m.ID]
		if !m.Stranger && m.Name == "" && st.Member(m.ID) == nil {
			continue // a stranger the relay no longer lists
		}
		have[m.ID] = true
		out = append(out, m)
	}
	for _, id := range strangers {
		if !have[id] {
			out = append(out, store.GroupMember{ID: id, Stranger: true, Removed: true})
		}
	}
	g.Members = out
	return strangers
}

// isMember reports whether a roster entry is a current member of the signed list.
func isMember(m *store.GroupMember) bool { return m.Verified && !m.Removed && !m.Stranger }

// appendSigned sends entries this member signs (as an admin) on top of the current list:
// build makes them from the list as it is. When another entry came first (409), it fetches
// the list and builds them again. It returns the list after the change.
func (c *Client) appendSigned(ctx context.Context, name string, build func(g *store.GroupState, st *roster.State) ([]*roster.Entry, error)) (*roster.State, error) {
	for attempt := 0; ; attempt++ {
		st, err := c.refreshChain(ctx, name)
		if err != nil {
			return nil, err
		}
		g, err := c.Store.Group(name)
		if err != nil {
			return nil, err
		}
		if !st.IsAdmin(g.MemberID) {
			return nil, fmt.Errorf("only an admin of %s can do this (see group members)", name)
		}
		es, err := build(g, st)
		if err != nil || len(es) == 0 {
			return st, err
		}
		raws := make([][]byte, len(es))
		seq, head := st.Seq, st.Head
		for i, e := range es {
			e.Group, e.Seq, e.Prev, e.Signer = g.ID, seq+1, head, g.MemberID
			if err := e.Sign(ed25519.PrivateKey(g.SignPrivate)); err != nil {
				return nil, err
			}
			raws[i] = e.Raw()
			seq, head = e.Seq, e.Hash()
		}
		rc, err := c.relay(g.Server, g.Token)
		if err != nil {
			return nil, err
		}
		err = rc.appendChain(ctx, g.ID, raws)
		var re *RelayError
		if errors.As(err, &re) && re.Status == http.StatusConflict && attempt < 4 {
			continue
		}
		if err != nil {
			return nil, err
		}
		return c.refreshChain(ctx, name)
	}
}

// prepareKey returns the key for a key change to epoch, stored before anyone sees its
// commitment: if the relay takes the change and the answer is lost, the next look at
// the list finds it and takes this key (see follow).
func (c *Client) prepareKey(name string, epoch uint64) ([]byte, error) {
	var key []byte
	err := c.Store.UpdateGroup(name, func(g *store.GroupState, _ *store.GroupTx) error {
		if g.NextKey.Epoch != epoch {
			g.NextKey = store.EpochKey{Epoch: epoch, Key: newKey()}
		}
		key = g.NextKey.Key
		return nil
	})
	return key, err
}

// rotate starts a new epoch with a new key (an admin, after a removal): the list gets the
// key's commitment first, then the key goes to every member sealed to the key the list
// holds for them.
func (c *Client) rotate(ctx context.Context, name string) (*roster.State, error) {
	st, err := c.appendSigned(ctx, name, func(g *store.GroupState, st *roster.State) ([]*roster.Entry, error) {
		if !st.RekeyDue {
			return nil, nil // another admin did it
		}
		key, err := c.prepareKey(name, st.Epoch+1)
		if err != nil {
			return nil, err
		}
		return []*roster.Entry{{Kind: roster.Rotate, Epoch: st.Epoch + 1, Commit: roster.KeyCommit(g.ID, st.Epoch+1, key)}}, nil
	})
	if err != nil {
		return nil, err
	}
	err = c.Store.UpdateGroup(name, func(g *store.GroupState, t *store.GroupTx) error {
		return handKeys(g, t, st, c.now())
	})
	return st, err
}

// handKeys (an admin) seals the group key of the current epoch to every member who is
// not known to hold it yet: everyone after a key change, and a member whose invite was
// made before the epoch moved on. A member who joined with the history also gets the keys
// of the epochs between. Each member's key comes from the signed list only.
func handKeys(g *store.GroupState, t *store.GroupTx, st *roster.State, now time.Time) error {
	if !st.IsAdmin(g.MemberID) || sealEpoch(g, st) == 0 || g.Key(st.Epoch) == nil {
		return nil
	}
	low := st.Epoch
	need := map[uint64][]recipient{}
	for _, m := range st.Active() {
		gm := g.Member(m.ID)
		if m.ID == g.MemberID || gm == nil || gm.KeyEpoch >= st.Epoch {
			continue
		}
		for e := gm.KeyEpoch + 1; e <= st.Epoch; e++ {
			if e == st.Epoch || (m.History && g.Key(e) != nil && e >= st.First) {
				need[e] = append(need[e], recipient{m.ID, m.BoxKey})
				low = min(low, e)
			}
		}
		gm.KeyEpoch = st.Epoch
	}
	for e := low; e <= st.Epoch; e++ {
		if len(need[e]) == 0 {
			continue
		}
		id := newEnvelopeID()
		a := nextAuthor(g)
		data, err := sealKeys(g.ID, a, id, e, g.Key(e), g.PrivateKey, need[e])
		if err != nil {
			return err
		}
		if err := t.Enqueue(id, data, now); err != nil {
			return err
		}
		g.Seq = a.seq
	}
	return nil
}

// nextAuthor is this member as the author of their next envelope. The caller stores
// g.Seq = a.seq once the envelope is queued (an envelope not queued uses no number).
func nextAuthor(g *store.GroupState) author {
	return author{id: g.MemberID, seq: g.Seq + 1, sign: ed25519.PrivateKey(g.SignPrivate)}
}
