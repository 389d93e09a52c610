package relay

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/dagsorden/dagsorden/sync/group/roster"
	bolt "go.etcd.io/bbolt"
)

// The group's signed member list, as the relay keeps it. The relay verifies every entry
// with package roster before it stores it, replaying the whole list each time: lists are
// short (a few hundred entries is a large group after years) and a replay of 200 entries
// is about 10 ms, while changes to a list are rare (invites, joins, removals).

var (
	errSigned      = refuse(http.StatusConflict, "this group's membership changes are signed entries of its member list; update dagsorden")
	errChainMoved  = refuse(http.StatusConflict, "the group's member list changed meanwhile; fetch it and sign again")
	errNoChain     = refuse(http.StatusConflict, "this group has no signed member list yet; its admin's dagsorden writes one on its next sync")
	errChainFull   = refuse(http.StatusInsufficientStorage, "the group's member list is full; ask the relay's operator")
	errInviteClaim = refuse(http.StatusUnauthorized, "this invite is unknown, used, expired or revoked; ask for a new one")
)

// hasChain reports whether group bucket g has a signed member list.
func hasChain(g *bolt.Bucket) bool {
	c := g.Bucket(bucketChain)
	if c == nil {
		return false
	}
	k, _ := c.Cursor().First()
	return k != nil
}

func chainEntries(g *bolt.Bucket) [][]byte {
	c := g.Bucket(bucketChain)
	if c == nil {
		return nil
	}
	var out [][]byte
	c.ForEach(func(_, v []byte) error { //nolint:errcheck // fn never fails
		out = append(out, bytes.Clone(v))
		return nil
	})
	return out
}

// chainState replays a group's stored list. A stored list that does not verify is
// damage (the relay verified every entry before storing it).
func chainState(groupID string, g *bolt.Bucket) (*roster.State, error) {
	st, err := roster.Replay(groupID, nil, chainEntries(g))
	if err != nil {
		return nil, fmt.Errorf("%w: group %s: %v", errDamaged, groupID, err)
	}
	return st, nil
}

func (r *Relay) handleChainGet(w http.ResponseWriter, req *http.Request) {
	c, ok := r.authorizeAs(w, req, true)
	if !ok {
		return
	}
	var after uint64
	if s := req.URL.Query().Get("after"); s != "" {
		var err error
		if after, err = strconv.ParseUint(s, 10, 64); err != nil || after == ^uint64(0) {
			r.fail(w, refuse(http.StatusBadRequest, "after must be a sequence number"))
			return
		}
	}
	out := ChainResponse{Entries: [][]byte{}}
	err := r.db.View(func(tx *bolt.Tx) error {
		ch := tx.Bucket(bucketGroups).Bucket([]byte(c.group)).Bucket(bucketChain)
		if ch == nil {
			return nil
		}
		cur := ch.Cursor()
		for k, v := cur.Seek(u64(after + 1)); k != nil; k, v = cur.Next() {
			if len(out.Entries) == MaxChainPage {
				out.More = true
				break
			}
			out.Entries = append(out.Entries, bytes.Clone(v))
		}
		return nil
	})
	if err != nil {
		r.fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, out)
}

// handleChainAppend stores entries an admin signed: invites, removals, key changes, new
// admins, hand-overs, and the genesis of a group from before signed lists (its upgrade).
// Joins come through handleJoin, with the invite's signature as their credential.
func (r *Relay) handleChainAppend(w http.ResponseWriter, req *http.Request) {
	c, ok := r.authorize(w, req)
	if !ok {
		return
	}
	var in ChainRequest
	if err := readJSON(w, req, &in); err != nil {
		r.fail(w, err)
		return
	}
	if n := len(in.Entries); n == 0 || n > MaxChainPage {
		r.fail(w, refuse(http.StatusBadRequest, "an append carries 1 to %d entries, not %d", MaxChainPage, n))
		return
	}
	entries := make([]*roster.Entry, len(in.Entries))
	for i, raw := range in.Entries {
		e, err := roster.Parse(raw)
		if err != nil {
			r.fail(w, refuse(http.StatusBadRequest, "entry %d: %v", i, err))
			return
		}
		switch {
		case e.Kind == roster.Join:
			r.fail(w, refuse(http.StatusBadRequest, "a join comes with the join request"))
			return
		case e.Signer != c.member:
			r.fail(w, refuse(http.StatusForbidden, "an entry must be signed by the member who sends it"))
			return
		}
		entries[i] = e
	}
	var out ChainAppendResponse
	err := r.db.Update(func(tx *bolt.Tx) error {
		g, err := stillMember(tx, c)
		if err != nil {
			return err
		}
		members := g.Bucket(bucketMembers)
		var st *roster.State
		if hasChain(g) {
			if st, err = chainState(c.group, g); err != nil {
				return err
			}
		} else {
			// The upgrade of a group from before signed lists: only its admin may write the
			// genesis, naming themselves and the key the relay knows for them.
			e := entries[0]
			var mr memberRecord
			if err := decodeRecord(members.Get([]byte(c.member)), &mr); err != nil {
				return err
			}
			if e.Kind != roster.Genesis {
				return errNoChain
			}
			if !c.admin || !bytes.Equal(e.BoxKey, mr.PublicKey) {
				return refuse(http.StatusForbidden, "only the group's admin may write its member list, with the key the relay knows for them")
			}
			st = roster.NewState(c.group, nil)
		}
		ch, err := g.CreateBucketIfNotExists(bucketChain)
		if err != nil {
			return err
		}
		for _, e := range entries {
			if e.Seq != st.Seq+1 || e.Prev != st.Head {
				return errChainMoved
			}
			if e.Seq > MaxChain {
				return errChainFull
			}
			if err := st.Apply(e); err != nil {
				return refuse(http.StatusBadRequest, "%v", err)
			}
			if err := r.follow(g, st, e); err != nil {
				return err
			}
			if err := ch.Put(u64(e.Seq), e.Raw()); err != nil {
				return err
			}
		}
		out.Seq = st.Seq
		return nil
	})
	if err != nil {
		r.fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, out)
}

// follow brings the relay's member records in step with an entry just applied.
func (r *Relay) follow(g *bolt.Bucket, st *roster.State, e *roster.Entry) error {
	members := g.Bucket(bucketMembers)
	update := func(id string, fn func(*memberRecord) error) error {
		v := members.Get([]byte(id))
		if v == nil {
			return nil // in the list but never on this relay (cannot happen for an honest relay)
		}
		var mr memberRecord
		if err := decodeRecord(v, &mr); err != nil {
			return err
		}
		if err := fn(&mr); err != nil {
			return err
		}
		return members.Put([]byte(id), encodeRecord(mr))
	}
	switch e.Kind {
	case roster.Genesis:
		// The invite tokens of the group's earlier days let anyone with one join without a
		// signed claim: revoke them.
		if err := g.DeleteBucket(bucketInvites); err != nil {
			return err
		}
		_, err := g.CreateBucket(bucketInvites)
		return err
	case roster.Remove:
		v := members.Get([]byte(e.Member))
		if v == nil {
			return nil
		}
		var mr memberRecord
		if err := decodeRecord(v, &mr); err != nil {
			return err
		}
		if !mr.Removed.IsZero() {
			return nil
		}
		return removeMember(g, e.Member, mr, r.now())
	case roster.Admin:
		return update(e.Member, func(mr *memberRecord) error { mr.Admin = true; return nil })
	case roster.Resign:
		return update(e.Signer, func(mr *memberRecord) error { mr.Admin = false; return nil })
	}
	return nil
}

// joinSigned adds a member on a signed join claim: the claim's invite signature is the
// credential. The relay places the claim at the head of the list, checks it there with
// the list's rules (the invite is in the list, unused, not revoked), and refuses an
// invite past the expiry its admin signed. A claim on an invite reserved for a member
// from before the list (an upgrade) confirms that member instead of adding one.
func (r *Relay) joinSigned(w http.ResponseWriter, req *http.Request, group string, in *JoinRequest) {
	e, err := roster.Parse(in.Claim)
	if err != nil || e.Kind != roster.Join || e.Group != group || !bytes.Equal(e.BoxKey, in.PublicKey) {
		r.failed(w, req, "claim:malformed", refuse(http.StatusBadRequest, "the join claim is malformed"))
		return
	}
	prefix := credentialPrefix("claim", hex.EncodeToString(e.InviteKey))
	// Cheap checks first, outside a write transaction: a made-up claim costs two
	// signature checks and a read, and counts as a failure.
	known := false
	if e.SelfSigned() {
		err = r.db.View(func(tx *bolt.Tx) error {
			g := tx.Bucket(bucketGroups).Bucket([]byte(group))
			if g == nil {
				return errUnknownGroup
			}
			for _, raw := range chainEntries(g) {
				if inv, err := roster.Parse(raw); err == nil && inv.Kind == roster.Invite && bytes.Equal(inv.InviteKey, e.InviteKey) {
					known = true
				}
			}
			return nil
		})
		if err != nil {
			r.fail(w, err)
			return
		}
	}
	if !known {
		r.failed(w, req, prefix, errInviteClaim)
		return
	}
	var out JoinResponse
	err = r.db.Update(func(tx *bolt.Tx) error {
		g := tx.Bucket(bucketGroups).Bucket([]byte(group))
		if g == nil {
			return errUnknownGroup
		}
		if !hasChain(g) {
			return errNoChain
		}
		st, err := chainState(group, g)
		if err != nil {
			return err
		}
		if st.Seq >= MaxChain {
			return errChainFull
		}
		inv := st.Invitation(e.InviteKey)
		if inv == nil || r.now().Unix() >= inv.Expires {
			return errInviteClaim
		}
		if err := e.Place(st.Seq+1, st.Head); err != nil {
			return err
		}
		if err := st.Apply(e); err != nil {
			var re *roster.Error
			if errors.As(err, &re) {
				return errInviteClaim
			}
			return err
		}
		members := g.Bucket(bucketMembers)
		out = JoinResponse{MemberID: e.Signer, Seq: e.Seq}
		if v := members.Get([]byte(e.Signer)); v != nil {
			var mr memberRecord
			if err := decodeRecord(v, &mr); err != nil {
				return err
			}
			if inv.For != e.Signer || !mr.Removed.IsZero() {
				return refuse(http.StatusConflict, "the group already has a member with this id; try again")
			}
			mr.PublicKey = bytes.Clone(e.BoxKey)
			if err := members.Put([]byte(e.Signer), encodeRecord(mr)); err != nil {
				return err
			}
		} else {
			if _, out.Token, err = addMember(tx, g, group, e.Signer, e.BoxKey, false, r.now()); err != nil {
				return err
			}
		}
		return g.Bucket(bucketChain).Put(u64(e.Seq), e.Raw())
	})
	if errors.Is(err, errInviteClaim) {
		r.failed(w, req, prefix, err)
		return
	}
	if err != nil {
		r.fail(w, err)
		return
	}
	writeJSON(w, http.StatusCreated, out)
}
