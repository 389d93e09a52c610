// Package group is the member's side of party-group notes: it creates and joins groups
// on a relay (package sync/relay), seals shared notes with the group's key before they
// leave the machine, signs everything it sends, queues it while offline, and merges what
// other members wrote into the local store without ever losing a version.
//
// Who is a member: the group's signed member list (package sync/group/roster), a
// hash-linked log of changes each signed by an admin's ed25519 key (the model is an MLS
// commit log). Its genesis names the admin who made the group; the invite code carries
// that admin's signing key, so a member checks the whole list from its first entry
// before sealing a key to anyone or showing anyone as a member. An invite is an entry
// with the public half of a key derived from a one-time secret in the code; the joiner
// signs their join claim (member id, signing key, X25519 key) with the private half, so
// every member can check a join with no admin online, and the relay, which never sees the
// secret, cannot make one up. Removals, key changes, new admins and hand-overs are
// entries too. The relay's own member list is only compared with it: a member the relay
// lists but the signed list does not hold (a "stranger") never gets a key and is shown as
// a warning.
//
// Authorship: every envelope is signed by its author (see envelope.go) and verified
// against the author's key from the list before anything in it is applied; names come
// from the members' own signed profiles, never from the relay. Every version of a note
// carries its creator's signature on the note id, so a member can edit another's note
// but cannot pass a note off as someone else's. Each author numbers their envelopes: a
// replayed envelope is detected and never merged, and gaps (envelopes the relay withholds)
// are counted (seen.go).
//
// Keys: each group has a 32-byte key per epoch, and the list commits to each epoch's key
// (a hash), so a key is taken only when it matches. Envelopes are sealed with
// XChaCha20-Poly1305 under the key of the current epoch. A new member gets the current
// epoch's key only (in the invite code, or sealed to the key in their verified join when
// the epoch moved on since), not the keys of the past, unless the admin shares the history
// (`group invite --with-history`). When an admin removes a member, a new epoch begins: the
// new key is sealed to each remaining member's key from the list, so the removed member
// cannot read anything sealed afterwards, even with every old key. Their dagsorden reads
// the signed removal, says so once, and leaves the group alone from then on.
//
// Groups made before signed member lists are upgraded by their admin's dagsorden (see
// upgrade.go), without trusting the relay.
//
// Shared notes: the member's notes with Visibility group and Group set are the source
// of what is shared (the note editor and `note add --group` just save notes). Sync
// captures every new revision as a version with a version vector, pulls what others
// wrote and merges by note id (see merge.go), keeps concurrent versions as a conflict,
// and writes the newest head into the notes bucket so every reader of notes shows it.
//
// What it must not do: send anything unsealed but the routing data and the signed
// member list (ids and public keys the relay knows anyway), trust the relay with a key,
// a name or a membership, or drop a version it cannot order.
package group

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/dagsorden/dagsorden/store"
	"github.com/dagsorden/dagsorden/sync/group/roster"
	"golang.org/x/crypto/nacl/box"
)

// Client runs the group commands for one member's store.
type Client struct {
	Store *store.Store
	// HTTP is the client for relay requests. nil: one with a 60 s timeout.
	HTTP *http.Client
	// Insecure allows plain http:// to relays that are not on loopback.
	Insecure bool
	// Author is the name this member shows the group when creating or joining.
	Author string
	// Now is the clock (tests). nil: time.Now.
	Now func() time.Time
}

func (c *Client) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

// Info is what `group list` shows: nothing secret.
type Info struct {
	Name     string    `json:"name"`
	Server   string    `json:"server"`
	GroupID  string    `json:"group_id"`
	MemberID string    `json:"member_id"`
	Author   string    `json:"author"`
	Admin    bool      `json:"admin"`
	Epoch    uint64    `json:"epoch"`
	Members  int       `json:"members"`
	Pending  int       `json:"pending"` // envelopes waiting to be pushed
	Synced   time.Time `json:"synced,omitzero"`
	// Removed: an admin removed this member (the signed list says so); the group's notes
	// stay here, nothing is synced.
	Removed bool `json:"removed,omitempty"`
	// Unknown counts the members the relay lists that the signed list does not hold.
	Unknown int `json:"unknown,omitempty"`
	// Legacy: the group is from before signed member lists and waits for its upgrade.
	Legacy bool `json:"legacy,omitempty"`
}

// MemberInfo is one member as `group members` shows them.
type MemberInfo struct {
	ID    string `json:"id"`
	Name  string `json:"name"`
	Admin bool   `json:"admin"`
	Me    bool   `json:"me"`
	// Unknown: the relay lists this member, the group's signed member list does not. They
	// get no key; `group members` shows them as a warning.
	Unknown bool `json:"unknown,omitempty"`
	// Waiting: a member from before the group had a signed list who has not confirmed
	// their keys yet (their dagsorden does it on its next sync, once updated).
	Waiting bool `json:"waiting,omitempty"`
}

func info(g *store.GroupState, pending int) Info {
	in := Info{Name: g.Name, Server: g.Server, GroupID: g.ID, MemberID: g.MemberID, Author: g.Author,
		Admin: g.Admin, Epoch: g.Epoch, Pending: pending, Synced: g.Synced, Removed: g.Removed, Legacy: legacy(g)}
	for i := range g.Members {
		switch m := &g.Members[i]; {
		case isMember(m):
			in.Members++
		case m.Stranger:
			in.Unknown++
		}
	}
	return in
}

func (c *Client) checkNew(name string) error {
	if err := store.CheckGroupName(name); err != nil {
		return err
	}
	_, err := c.Store.Group(name)
	if err == nil {
		return fmt.Errorf("you already have a group named %q", name)
	}
	if !errors.Is(err, store.ErrNotFound) {
		return err
	}
	return nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b) // never fails (crypto/rand since Go 1.24)
	return hex.EncodeToString(b)
}

// Create makes a group on the relay at server (operatorToken may be "" on a relay with
// open groups). This member becomes its admin and signs its genesis. The relay learns
// neither the name nor the key.
func (c *Client) Create(ctx context.Context, name, server, operatorToken string) (Info, error) {
	if err := c.checkNew(name); err != nil {
		return Info{}, err
	}
	rc, err := c.relay(server, "")
	if err != nil {
		return Info{}, err
	}
	pub, priv, err := box.GenerateKey(rand.Reader)
	if err != nil {
		return Info{}, err
	}
	signPub, signPriv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return Info{}, err
	}
	gid, mid, key := randomHex(roster.GroupIDSize), randomHex(roster.MemberIDSize), newKey()
	genesis := &roster.Entry{Kind: roster.Genesis, Group: gid, Seq: 1, Signer: mid, SignKey: signPub, BoxKey: pub[:],
		Epoch: 1, Commit: roster.KeyCommit(gid, 1, key)}
	if err := genesis.Sign(signPriv); err != nil {
		return Info{}, err
	}
	resp, err := rc.createGroup(ctx, operatorToken, pub[:], genesis.Raw())
	if err != nil {
		return Info{}, fmt.Errorf("create group %s: %w", name, err)
	}
	if resp.GroupID != gid || resp.MemberID != mid || !validToken(resp.Token) {
		return Info{}, errBadRelayAnswer
	}
	author := cleanLine(c.Author, maxName)
	g := &store.GroupState{
		Name: name, Server: strings.TrimSpace(server), ID: gid, MemberID: mid, Token: resp.Token,
		Admin: true, AdminID: mid, AdminKey: pub[:], PublicKey: pub[:], PrivateKey: priv[:],
		SignPublic: signPub, SignPrivate: signPriv, RootKey: signPub, Chain: [][]byte{genesis.Raw()},
		Author: author, Created: c.now(),
		Members: []store.GroupMember{{ID: mid, Name: author, PublicKey: pub[:], SignKey: signPub, Admin: true, Verified: true, KeyEpoch: 1}},
	}
	g.SetKey(1, key)
	if err := c.Store.AddGroup(g); err != nil {
		return Info{}, fmt.Errorf("the group was made on the relay but could not be saved: %w", err)
	}
	if err := c.queueProfile(name); err != nil {
		return Info{}, err
	}
	c.flush(ctx, name) // best effort: the profile also goes with the next sync
	return c.Info(name)
}

// queueProfile seals this member's name for the group under the current epoch, unless
// it went out under that epoch already or the key is not here yet.
func (c *Client) queueProfile(name string) error {
	return c.Store.UpdateGroup(name, func(g *store.GroupState, t *store.GroupTx) error {
		st, err := rosterOf(g)
		if err != nil {
			return err
		}
		if !enqueueProfile(g, t, st, c.now()) {
			return store.ErrNoChange
		}
		return nil
	})
}

// enqueueProfile queues this member's signed profile (their name) when it has not gone
// out under the current epoch: members who join later hold only later keys. It reports
// whether it queued one.
func enqueueProfile(g *store.GroupState, t *store.GroupTx, st *roster.State, now time.Time) bool {
	key := g.Key(st.Epoch)
	if g.ProfileEpoch >= st.Epoch || key == nil || sealEpoch(g, st) == 0 || g.Removed {
		return false
	}
	p := payload{Type: typeProfile, Editor: g.MemberID, EditorName: g.Author}
	id := newEnvelopeID()
	a := nextAuthor(g)
	data, err := seal(g.ID, a, st.Epoch, key, id, p.marshal())
	if err != nil || t.Enqueue(id, data, now) != nil {
		return false
	}
	g.Seq, g.ProfileEpoch = a.seq, st.Epoch
	return true
}

// Info describes one group.
func (c *Client) Info(name string) (Info, error) {
	var out Info
	err := c.Store.ViewGroup(name, func(g *store.GroupState, t *store.GroupTx) error {
		ob, err := t.Outbox()
		out = info(g, len(ob))
		return err
	})
	return out, err
}

// List describes every group this member is in, by name.
func (c *Client) List() ([]Info, error) {
	gs, err := c.Store.Groups()
	if err != nil {
		return nil, err
	}
	out := make([]Info, 0, len(gs))
	for _, g := range gs {
		i, err := c.Info(g.Name)
		if err != nil {
			return nil, err
		}
		out = append(out, i)
	}
	return out, nil
}

// inviteTTL is how long an invite code works: the relay refuses it after the expiry
// signed in the list.
const inviteTTL = 7 * 24 * time.Hour

// Invite registers a one-time invite in the group's signed member list and returns the
// invite code to hand to the new member out of band. Only an admin can invite. The code
// carries the current epoch's key; with history, every earlier key too.
func (c *Client) Invite(ctx context.Context, name string, history bool) (string, error) {
	g, err := c.Store.Group(name)
	if err != nil {
		return "", err
	}
	if err := usable(g); err != nil {
		return "", err
	}
	st, err := c.refreshChain(ctx, name)
	if err != nil {
		return "", err
	}
	if !st.IsAdmin(g.MemberID) {
		return "", fmt.Errorf("only an admin of %s can invite; ask them for an invite code", name)
	}
	if st.RekeyDue {
		// A removal without its key change yet: the code must not carry a key the removed
		// member knows as the newest one.
		if _, err := c.rotate(ctx, name); err != nil {
			return "", fmt.Errorf("finish removing the member before inviting: %w", err)
		}
	}
	secret := make([]byte, roster.InviteSecretSize)
	rand.Read(secret)
	ik, err := roster.InviteKey(secret)
	if err != nil {
		return "", err
	}
	var epoch uint64
	st, err = c.appendSigned(ctx, name, func(g *store.GroupState, st *roster.State) ([]*roster.Entry, error) {
		if sealEpoch(g, st) == 0 || g.Key(st.Epoch) == nil {
			return nil, fmt.Errorf("you do not have the group's current key yet; sync %s, then invite again", name)
		}
		epoch = st.Epoch
		return []*roster.Entry{{Kind: roster.Invite, InviteKey: ik.Public().(ed25519.PublicKey),
			Expires: c.now().Add(inviteTTL).Unix(), History: history}}, nil
	})
	if err != nil {
		return "", fmt.Errorf("invite to %s: %w", name, err)
	}
	if g, err = c.Store.Group(name); err != nil {
		return "", err
	}
	if inv := st.Invitation(ik.Public().(ed25519.PublicKey)); inv == nil || inv.Epoch != epoch {
		return "", fmt.Errorf("invite to %s: the group's key changed while the invite was made; invite again", name)
	}
	return newInvite(g, secret, epoch, history).Encode(), nil
}

// usable says in one sentence why a group cannot be used, or nil.
func usable(g *store.GroupState) error {
	switch {
	case g.Removed:
		return fmt.Errorf("you were removed from %s by its admin", g.Name)
	case legacy(g):
		return fmt.Errorf("%s is from an older dagsorden and has no signed member list yet; sync first", g.Name)
	}
	return nil
}

// Join joins the group an invite code names: it signs the join claim with the invite's
// one-time key, checks the group's signed member list from its genesis (signed by the
// admin the code names) and the code's keys against it, and announces this member's
// name to the group. The group is kept under name, or under the name in the code when
// name is "" (a member of two bodies may be invited to two groups called "A-gruppen").
func (c *Client) Join(ctx context.Context, code, name string) (Info, error) {
	in, err := DecodeInvite(code)
	if err != nil {
		return Info{}, err
	}
	if name = strings.TrimSpace(name); name != "" {
		in.Name = name
	}
	if err := c.checkNew(in.Name); err != nil {
		if !errors.Is(err, store.ErrNotFound) && name == "" && strings.Contains(err.Error(), "already have a group named") {
			return Info{}, fmt.Errorf("%w; join it under another name", err)
		}
		return Info{}, err
	}
	gs, err := c.Store.Groups()
	if err != nil {
		return Info{}, err
	}
	for _, g := range gs {
		if g.ID == in.GroupID {
			return Info{}, fmt.Errorf("you are already in this group, as %q", g.Name)
		}
	}
	rc, err := c.relay(in.Server, "")
	if err != nil {
		return Info{}, err
	}
	pub, priv, err := box.GenerateKey(rand.Reader)
	if err != nil {
		return Info{}, err
	}
	signPub, signPriv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return Info{}, err
	}
	ik, err := roster.InviteKey(in.Secret)
	if err != nil {
		return Info{}, err
	}
	mid := randomHex(roster.MemberIDSize)
	claim, err := roster.NewJoin(in.GroupID, mid, signPriv, pub[:], ik)
	if err != nil {
		return Info{}, err
	}
	resp, err := rc.join(ctx, in.GroupID, pub[:], claim.Raw())
	if err != nil {
		return Info{}, fmt.Errorf("join %s: %w", in.Name, err)
	}
	if resp.MemberID != mid || !validToken(resp.Token) {
		return Info{}, errBadRelayAnswer
	}
	author := cleanLine(c.Author, maxName)
	g := &store.GroupState{
		Name: in.Name, Server: in.Server, ID: in.GroupID, MemberID: mid, Token: resp.Token,
		AdminID: in.AdminID, PublicKey: pub[:], PrivateKey: priv[:], SignPublic: signPub, SignPrivate: signPriv,
		RootKey: in.RootKey, Author: author, Created: c.now(),
		Members: []store.GroupMember{
			{ID: in.AdminID, Name: cleanLine(in.AdminName, maxName)},
			{ID: mid, Name: author},
		},
	}
	for _, k := range in.EpochKeys() {
		g.SetKey(k.Epoch, k.Key)
	}
	if err := c.Store.AddGroup(g); err != nil {
		return Info{}, fmt.Errorf("joined %s on the relay but could not save it: %w", in.Name, err)
	}
	// The first sync checks the list (and the code's keys against it) and announces this
	// member's name. Best effort: if it fails, the next sync does it.
	c.sync(ctx, in.Name) //nolint:errcheck
	return c.Info(in.Name)
}

// Members returns the group's current members from its signed member list, refreshed
// from the relay, and the members the relay lists that the list does not hold (Unknown).
// Names come from the members' own signed profiles (a member whose profile has not
// arrived yet shows without a name until the next sync).
func (c *Client) Members(ctx context.Context, name string) ([]MemberInfo, error) {
	g, err := c.Store.Group(name)
	if err != nil {
		return nil, err
	}
	if err := usable(g); err != nil {
		return nil, err
	}
	st, err := c.refreshChain(ctx, name)
	if err != nil {
		return nil, err
	}
	rc, err := c.relay(g.Server, g.Token)
	if err != nil {
		return nil, err
	}
	listed, err := rc.members(ctx, g.ID)
	if err != nil {
		return nil, fmt.Errorf("members of %s: %w", name, err)
	}
	err = c.Store.UpdateGroup(name, func(g *store.GroupState, _ *store.GroupTx) error {
		markStrangers(g, st, listed)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if g, err = c.Store.Group(name); err != nil {
		return nil, err
	}
	return memberInfos(g, st), nil
}

func memberInfos(g *store.GroupState, st *roster.State) []MemberInfo {
	waiting := map[string]bool{}
	for _, inv := range st.OpenInvites() {
		if inv.For != "" {
			waiting[inv.For] = true
		}
	}
	var out, unknown []MemberInfo
	for i := range g.Members {
		m := &g.Members[i]
		switch {
		case isMember(m):
			out = append(out, MemberInfo{ID: m.ID, Name: m.Name, Admin: m.Admin, Me: m.ID == g.MemberID})
		case m.Stranger && waiting[m.ID]:
			out = append(out, MemberInfo{ID: m.ID, Name: m.Name, Waiting: true})
		case m.Stranger:
			unknown = append(unknown, MemberInfo{ID: m.ID, Unknown: true})
		}
	}
	return append(out, unknown...)
}

// Remove takes member (a name, an id or an id prefix from `group members`) out of the
// group. Only an admin can. The removal and a new epoch go into the signed list in one
// step (the relay refuses the member's token at once and every open invite is revoked),
// then the new key is sealed to each remaining member, so nothing sealed from now on is
// readable with the keys the removed member has. A member the relay lists but the signed
// list does not hold is only cleared off the relay.
func (c *Client) Remove(ctx context.Context, name, member string) (MemberInfo, error) {
	g, err := c.Store.Group(name)
	if err != nil {
		return MemberInfo{}, err
	}
	if err := usable(g); err != nil {
		return MemberInfo{}, err
	}
	if _, err := c.Members(ctx, name); err != nil {
		return MemberInfo{}, err
	}
	if g, err = c.Store.Group(name); err != nil {
		return MemberInfo{}, err
	}
	if !g.Admin {
		return MemberInfo{}, fmt.Errorf("only an admin of %s can remove members", name)
	}
	target, err := findMember(g, member)
	if err != nil {
		return MemberInfo{}, err
	}
	if target.ID == g.MemberID {
		return MemberInfo{}, errors.New("an admin cannot remove themselves; hand the group over first (group admin NAME MEMBER --hand-over)")
	}
	removed := MemberInfo{ID: target.ID, Name: target.Name, Admin: target.Admin}
	if target.Stranger {
		rc, err := c.relay(g.Server, g.Token)
		if err != nil {
			return MemberInfo{}, err
		}
		if err := rc.remove(ctx, g.ID, target.ID); err != nil {
			return MemberInfo{}, fmt.Errorf("remove %s from the relay: %w", target.ID, err)
		}
		removed.Unknown = true
		return removed, nil
	}
	_, err = c.appendSigned(ctx, name, func(g *store.GroupState, st *roster.State) ([]*roster.Entry, error) {
		if m := st.Member(target.ID); m == nil || m.Removed {
			return nil, fmt.Errorf("%s is not a member of %s any more", displayName(target), name)
		}
		key, err := c.prepareKey(name, st.Epoch+1)
		if err != nil {
			return nil, err
		}
		return []*roster.Entry{
			{Kind: roster.Remove, Member: target.ID},
			{Kind: roster.Rotate, Epoch: st.Epoch + 1, Commit: roster.KeyCommit(g.ID, st.Epoch+1, key)},
		}, nil
	})
	if err != nil {
		return MemberInfo{}, fmt.Errorf("remove %s from %s: %w", displayName(target), name, err)
	}
	if _, err := c.rotate(ctx, name); err != nil {
		return removed, fmt.Errorf("%s is removed, but the new group key is not out yet (the next sync sends it): %w", displayName(target), err)
	}
	c.flush(ctx, name)
	return removed, nil
}

// MakeAdmin makes member an admin of the group (signed by this admin). With handOver
// this member then stops being one: the group is handed over.
func (c *Client) MakeAdmin(ctx context.Context, name, member string, handOver bool) (MemberInfo, error) {
	g, err := c.Store.Group(name)
	if err != nil {
		return MemberInfo{}, err
	}
	if err := usable(g); err != nil {
		return MemberInfo{}, err
	}
	if _, err := c.refreshChain(ctx, name); err != nil {
		return MemberInfo{}, err
	}
	if g, err = c.Store.Group(name); err != nil {
		return MemberInfo{}, err
	}
	target, err := findMember(g, member)
	if err != nil {
		return MemberInfo{}, err
	}
	if target.Stranger || !target.Verified {
		return MemberInfo{}, fmt.Errorf("%s is not in the group's signed member list", displayName(target))
	}
	_, err = c.appendSigned(ctx, name, func(g *store.GroupState, st *roster.State) ([]*roster.Entry, error) {
		var es []*roster.Entry
		if !st.IsAdmin(target.ID) {
			es = append(es, &roster.Entry{Kind: roster.Admin, Member: target.ID})
		} else if !handOver {
			return nil, fmt.Errorf("%s is an admin of %s already", displayName(target), name)
		}
		if handOver && target.ID != g.MemberID {
			es = append(es, &roster.Entry{Kind: roster.Resign})
		}
		return es, nil
	})
	if err != nil {
		return MemberInfo{}, err
	}
	return MemberInfo{ID: target.ID, Name: target.Name, Admin: true}, nil
}

var errBadRelayAnswer = errors.New("the relay's answer is not what dagsorden expects; is the address a dagsorden relay?")

func validToken(t string) bool {
	return t != "" && len(t) <= 128 && !strings.ContainsFunc(t, func(r rune) bool { return r <= ' ' || r > '~' })
}

func displayName(m *store.GroupMember) string {
	if m.Name != "" {
		return m.Name
	}
	return m.ID
}

// findMember resolves a name (case-insensitive), an id or a unique id prefix (≥ 4
// characters) among the current members and the strangers the relay lists.
func findMember(g *store.GroupState, who string) (*store.GroupMember, error) {
	who = strings.TrimSpace(who)
	var byName, byPrefix []*store.GroupMember
	for i := range g.Members {
		m := &g.Members[i]
		if !isMember(m) && !m.Stranger {
			continue
		}
		switch {
		case m.ID == who:
			return m, nil
		case m.Name != "" && strings.EqualFold(m.Name, who):
			byName = append(byName, m)
		case len(who) >= 4 && strings.HasPrefix(m.ID, who):
			byPrefix = append(byPrefix, m)
		}
	}
	switch {
	case len(byName) == 1:
		return byName[0], nil
	case len(byName) > 1:
		return nil, fmt.Errorf("several members of %s are called %q; name one by id (see group members)", g.Name, who)
	case len(byPrefix) == 1:
		return byPrefix[0], nil
	case len(byPrefix) > 1:
		return nil, fmt.Errorf("%q matches several member ids of %s; give more of the id", who, g.Name)
	}
	return nil, fmt.Errorf("%s has no member %q (see group members)", g.Name, who)
}
