// Package group is the member's side of party-group notes: it creates and joins groups
// on a relay (package sync/relay), seals shared notes with the group's key before they
// leave the machine, queues them while offline, and merges what other members wrote into
// the local store without ever losing a version.
//
// Keys: each group has a 32-byte key per epoch. Envelopes are sealed with
// XChaCha20-Poly1305 under the key of the current epoch, with the group id, epoch and
// envelope id as associated data. The invite code (given out of band) carries the keys;
// the relay only ever sees the invite token inside it. Each member has an X25519 key
// pair; when the admin removes a member, the admin makes a new key (a new epoch) and
// hands it to each remaining member in a NaCl box, so the removed member cannot read
// anything sealed afterwards, even with every old key.
//
// Shared notes: the member's notes with Visibility group and Group set are the source
// of what is shared (the note editor and `note add --group` just save notes). Sync
// captures every new revision as a version with a version vector, pulls what others
// wrote and merges by note id (see merge.go), keeps concurrent versions as a conflict,
// and writes the newest head into the notes bucket so every reader of notes shows it.
//
// What it must not do: send anything unsealed but the routing data, trust the relay
// with a key or a name, or drop a version it cannot order.
package group

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/dagsorden/dagsorden/store"
	"github.com/dagsorden/dagsorden/sync/relay"
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
}

// MemberInfo is one member as `group members` shows them.
type MemberInfo struct {
	ID    string `json:"id"`
	Name  string `json:"name"`
	Admin bool   `json:"admin"`
	Me    bool   `json:"me"`
}

func info(g *store.GroupState, pending int) Info {
	n := 0
	for _, m := range g.Members {
		if !m.Removed {
			n++
		}
	}
	return Info{Name: g.Name, Server: g.Server, GroupID: g.ID, MemberID: g.MemberID, Author: g.Author,
		Admin: g.Admin, Epoch: g.Epoch, Members: n, Pending: pending, Synced: g.Synced}
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

// Create makes a group on the relay at server (operatorToken may be "" on a relay with
// open groups). This member becomes its admin. The relay learns neither the name nor
// the key.
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
	resp, err := rc.createGroup(ctx, operatorToken, pub[:])
	if err != nil {
		return Info{}, fmt.Errorf("create group %s: %w", name, err)
	}
	if !isHex(resp.GroupID, 32) || !isHex(resp.MemberID, 16) || !validToken(resp.Token) {
		return Info{}, errBadRelayAnswer
	}
	author := cleanLine(c.Author, maxName)
	g := &store.GroupState{
		Name: name, Server: strings.TrimSpace(server), ID: resp.GroupID, MemberID: resp.MemberID, Token: resp.Token,
		Admin: true, AdminID: resp.MemberID, AdminKey: pub[:], PublicKey: pub[:], PrivateKey: priv[:],
		Author: author, Created: c.now(),
		Members: []store.GroupMember{{ID: resp.MemberID, Name: author, PublicKey: pub[:], Admin: true, Verified: true}},
	}
	g.SetKey(1, newKey())
	if err := c.Store.AddGroup(g); err != nil {
		return Info{}, fmt.Errorf("the group was made on the relay but could not be saved: %w", err)
	}
	if err := c.queueProfile(name); err != nil {
		return Info{}, err
	}
	c.flush(ctx, name) // best effort: the profile also goes with the next sync
	return c.Info(name)
}

// queueProfile seals this member's name and public key for the group.
func (c *Client) queueProfile(name string) error {
	return c.Store.UpdateGroup(name, func(g *store.GroupState, t *store.GroupTx) error {
		return enqueueProfile(g, t, c.now())
	})
}

func enqueueProfile(g *store.GroupState, t *store.GroupTx, now time.Time) error {
	p := payload{Type: typeProfile, Editor: g.MemberID, EditorName: g.Author, PublicKey: g.PublicKey}
	id := newEnvelopeID()
	data, err := seal(g.ID, g.Epoch, g.Key(g.Epoch), id, p.marshal())
	if err != nil {
		return err
	}
	return t.Enqueue(id, data, now)
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

// Invite asks the relay for a one-time invite and returns the invite code to hand to
// the new member out of band. Only the admin can invite.
func (c *Client) Invite(ctx context.Context, name string) (string, error) {
	g, err := c.Store.Group(name)
	if err != nil {
		return "", err
	}
	if !g.Admin {
		return "", fmt.Errorf("only the admin of %s can invite; ask them for an invite code", name)
	}
	if g.Rekey {
		// An invite carries the keys: finish the pending key change first, so the new
		// member does not get a key the removed member knows as the newest one.
		if _, err := c.sync(ctx, name); err != nil {
			return "", fmt.Errorf("finish removing the member before inviting: %w", err)
		}
		if g, err = c.Store.Group(name); err != nil {
			return "", err
		}
	}
	rc, err := c.relay(g.Server, g.Token)
	if err != nil {
		return "", err
	}
	resp, err := rc.invite(ctx, g.ID)
	if err != nil {
		return "", fmt.Errorf("invite to %s: %w", name, err)
	}
	return newInvite(g, resp.Invite).Encode(), nil
}

// Join joins the group an invite code names and announces this member's name to the
// group (sealed). The group is kept under name, or under the name in the code when name
// is "" (a member of two bodies may be invited to two groups called "A-gruppen").
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
	resp, err := rc.join(ctx, in.GroupID, in.Token, pub[:])
	if err != nil {
		return Info{}, fmt.Errorf("join %s: %w", in.Name, err)
	}
	if !isHex(resp.MemberID, 16) || !validToken(resp.Token) {
		return Info{}, errBadRelayAnswer
	}
	author := cleanLine(c.Author, maxName)
	g := &store.GroupState{
		Name: in.Name, Server: in.Server, ID: in.GroupID, MemberID: resp.MemberID, Token: resp.Token,
		AdminID: in.AdminID, AdminKey: in.AdminKey, PublicKey: pub[:], PrivateKey: priv[:],
		Author: author, Created: c.now(),
		Members: []store.GroupMember{
			{ID: in.AdminID, Name: cleanLine(in.AdminName, maxName), PublicKey: in.AdminKey, Admin: true, Verified: true},
			{ID: resp.MemberID, Name: author, PublicKey: pub[:], Verified: true},
		},
	}
	for _, k := range in.EpochKeys() {
		g.SetKey(k.Epoch, k.Key)
	}
	if err := c.Store.AddGroup(g); err != nil {
		return Info{}, fmt.Errorf("joined %s on the relay but could not save it: %w", in.Name, err)
	}
	if err := c.queueProfile(in.Name); err != nil {
		return Info{}, err
	}
	c.flush(ctx, in.Name)
	return c.Info(in.Name)
}

// Members returns the group's current members, refreshed from the relay; names come from
// the members' own sealed profiles (a member whose profile has not arrived yet shows
// without a name until the next sync).
func (c *Client) Members(ctx context.Context, name string) ([]MemberInfo, error) {
	if err := c.refreshRoster(ctx, name); err != nil {
		return nil, err
	}
	g, err := c.Store.Group(name)
	if err != nil {
		return nil, err
	}
	return memberInfos(g), nil
}

func memberInfos(g *store.GroupState) []MemberInfo {
	var out []MemberInfo
	for _, m := range g.Members {
		if m.Removed {
			continue
		}
		out = append(out, MemberInfo{ID: m.ID, Name: m.Name, Admin: m.Admin, Me: m.ID == g.MemberID})
	}
	return out
}

// refreshRoster fetches the member list from the relay and stores it.
func (c *Client) refreshRoster(ctx context.Context, name string) error {
	g, err := c.Store.Group(name)
	if err != nil {
		return err
	}
	rc, err := c.relay(g.Server, g.Token)
	if err != nil {
		return err
	}
	ms, err := rc.members(ctx, g.ID)
	if err != nil {
		return fmt.Errorf("members of %s: %w", name, err)
	}
	return c.Store.UpdateGroup(name, func(g *store.GroupState, _ *store.GroupTx) error {
		g.Members = mergeRoster(g.Members, ms)
		return nil
	})
}

// mergeRoster combines the relay's member list (who is a member, their relay public
// key) with what this member knows (names and keys from sealed profiles). Members the
// relay no longer lists stay, marked removed, so their old notes keep a name.
func mergeRoster(old []store.GroupMember, current []relay.Member) []store.GroupMember {
	byID := map[string]store.GroupMember{}
	for _, m := range old {
		byID[m.ID] = m
	}
	var out []store.GroupMember
	seen := map[string]bool{}
	for _, r := range current {
		if !isHex(r.ID, 16) || len(r.PublicKey) != keySize || seen[r.ID] {
			continue // not something our relay sends; never let it into the roster
		}
		m, ok := byID[r.ID]
		if !ok {
			m = store.GroupMember{ID: r.ID}
		}
		if !m.Verified {
			m.PublicKey = r.PublicKey
		}
		m.Admin, m.Removed = r.Admin, false
		out = append(out, m)
		seen[r.ID] = true
	}
	for _, m := range old {
		if !seen[m.ID] {
			m.Removed = true
			out = append(out, m)
		}
	}
	return out
}

// Remove takes member (a name, an id or an id prefix from `group members`) out of the
// group. Only the admin can. The relay refuses the member at once and revokes open
// invites; then a new group key is made and queued for the remaining members, so
// nothing sealed from now on is readable with the keys the removed member has.
func (c *Client) Remove(ctx context.Context, name, member string) (MemberInfo, error) {
	g, err := c.Store.Group(name)
	if err != nil {
		return MemberInfo{}, err
	}
	if !g.Admin {
		return MemberInfo{}, fmt.Errorf("only the admin of %s can remove members", name)
	}
	if err := c.refreshRoster(ctx, name); err != nil {
		return MemberInfo{}, err
	}
	if g, err = c.Store.Group(name); err != nil {
		return MemberInfo{}, err
	}
	target, err := findMember(g, member)
	if err != nil {
		return MemberInfo{}, err
	}
	if target.ID == g.MemberID {
		return MemberInfo{}, errors.New("the admin cannot remove themselves")
	}
	// Mark the key change as due before the relay removes the member: if anything after
	// this fails, the next sync makes the new key before sealing a single note.
	if err := c.Store.UpdateGroup(name, func(g *store.GroupState, _ *store.GroupTx) error {
		g.Rekey = true
		return nil
	}); err != nil {
		return MemberInfo{}, err
	}
	rc, err := c.relay(g.Server, g.Token)
	if err != nil {
		return MemberInfo{}, err
	}
	if err := rc.remove(ctx, g.ID, target.ID); err != nil {
		return MemberInfo{}, fmt.Errorf("remove %s from %s: %w", displayName(target), name, err)
	}
	removed := MemberInfo{ID: target.ID, Name: target.Name, Admin: target.Admin}
	if err := c.rekey(ctx, name); err != nil {
		return removed, fmt.Errorf("%s is removed, but the new group key is not out yet (the next sync sends it): %w", displayName(target), err)
	}
	c.flush(ctx, name)
	return removed, nil
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
// characters) among the current members.
func findMember(g *store.GroupState, who string) (*store.GroupMember, error) {
	who = strings.TrimSpace(who)
	var byName, byPrefix []*store.GroupMember
	for i := range g.Members {
		m := &g.Members[i]
		if m.Removed {
			continue
		}
		switch {
		case m.ID == who:
			return m, nil
		case strings.EqualFold(m.Name, who):
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

// rekey makes the next group key and queues it, sealed to each remaining member. The
// roster comes fresh from the relay (so a member removed a moment ago gets no box); a
// member whose relay key differs from the key they announced in their sealed profile
// is refused, so a relay cannot slip in a key of its own.
func (c *Client) rekey(ctx context.Context, name string) error {
	g, err := c.Store.Group(name)
	if err != nil {
		return err
	}
	rc, err := c.relay(g.Server, g.Token)
	if err != nil {
		return err
	}
	relayMembers, err := rc.members(ctx, g.ID)
	if err != nil {
		return fmt.Errorf("members of %s: %w", name, err)
	}
	return c.Store.UpdateGroup(name, func(g *store.GroupState, t *store.GroupTx) error {
		if !g.Rekey {
			return store.ErrNoChange // another process did it meanwhile
		}
		var to []recipient
		for _, rm := range relayMembers {
			if rm.ID == g.MemberID {
				continue
			}
			if m := g.Member(rm.ID); m != nil && m.Verified && !slices.Equal(m.PublicKey, rm.PublicKey) {
				return fmt.Errorf("the relay reports another key for %s than they announced to the group; not sending them the new key", displayName(m))
			}
			to = append(to, recipient{rm.ID, rm.PublicKey})
		}
		g.Members = mergeRoster(g.Members, relayMembers)
		epoch := g.Epoch + 1
		key := newKey()
		id := newEnvelopeID()
		data, err := sealKeys(g.ID, id, epoch, key, g.PrivateKey, to)
		if err != nil {
			return err
		}
		if err := t.Enqueue(id, data, c.now()); err != nil {
			return err
		}
		g.SetKey(epoch, key)
		g.Rekey = false
		return nil
	})
}
