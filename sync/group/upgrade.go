package group

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/dagsorden/dagsorden/store"
	"github.com/dagsorden/dagsorden/sync/group/roster"
)

// Groups made before signed member lists ("legacy": no root key) are upgraded without
// trusting the relay, by what each member already trusts: the admin's X25519 key, which
// their invite code gave them, and which authenticated every group key they ever took.
//
//  1. The admin's dagsorden (on its first sync after the update) makes a signing key and
//     writes the genesis of the group's signed list: itself, its X25519 key (the one the
//     members know), and a new epoch whose key goes only to members of the list. With it
//     go one invite entry per member it has verified (their key came in their own sealed
//     profile), each reserved for that member, with a secret derived from the admin's
//     signing key (so an interrupted upgrade can be finished). The relay takes the genesis
//     only from the group's admin, with the X25519 key it knows for them.
//  2. It seals each member's secret and the genesis's hash in a box from its X25519 key
//     to the member's (an upgrade envelope).
//  3. A member's dagsorden finds its box, opens it with the admin's key from its invite,
//     takes the genesis only when its hash is the one in the box (its signing key becomes
//     the member's root of trust), and confirms its own keys with a join claim on the
//     reserved invite. Its relay token stays.
//  4. The admin's next sync hands the new epoch's key to each member who confirmed.
//
// A member the relay lists but the admin never verified gets no invite, so no key: they
// show as unknown, and the admin can invite them anew. Envelopes from before the upgrade
// that a member had not pulled yet carry no author signature and are not applied: sync
// once before updating.

// legacy reports whether g is a group from before signed member lists, not upgraded here.
func legacy(g *store.GroupState) bool { return g.RootKey == nil }

// upgradeTTL is how long members have to confirm (their dagsorden must be updated first).
const upgradeTTL = 90 * 24 * time.Hour

// upgradeSecret is the secret of the reserved invite for member: derived from the admin's
// signing key, so the upgrade envelope can be made again after an interruption.
func upgradeSecret(g *store.GroupState, member string) ([]byte, error) {
	seed := ed25519.PrivateKey(g.SignPrivate).Seed()
	return hkdf.Key(sha256.New, seed, []byte(g.ID), "dagsorden upgrade invite v1 "+member, roster.InviteSecretSize)
}

// upgrade moves a legacy group onto a signed list. It reports whether the group is
// upgraded here now (the sync goes on); when not, res.Notice says what it waits for.
func (c *Client) upgrade(ctx context.Context, name string, res *SyncResult) (bool, error) {
	err := c.Store.UpdateGroup(name, func(g *store.GroupState, _ *store.GroupTx) error {
		if g.SignPrivate != nil {
			return store.ErrNoChange
		}
		pub, priv, err := ed25519.GenerateKey(rand.Reader)
		g.SignPublic, g.SignPrivate = pub, priv
		return err
	})
	if err != nil {
		return false, err
	}
	g, err := c.Store.Group(name)
	if err != nil {
		return false, err
	}
	rc, err := c.relay(g.Server, g.Token)
	if err != nil {
		return false, err
	}
	first, err := rc.chain(ctx, g.ID, 0)
	var re *RelayError
	if errors.As(err, &re) && (re.Status == http.StatusNotFound || re.Status == http.StatusMethodNotAllowed) && re.Msg == "" {
		return false, fmt.Errorf("the relay at %s runs an older dagsorden without signed member lists; ask its operator to update it", g.Server)
	}
	if err != nil {
		return false, fmt.Errorf("the group's member list: %w", err)
	}
	admin := g.Admin && g.MemberID == g.AdminID
	if len(first.Entries) == 0 {
		if !admin {
			res.Notice = fmt.Sprintf("%s is waiting for its admin to update dagsorden and sync, which gives it a signed member list; your notes for it wait here", name)
			return false, nil
		}
		if err := c.writeGenesis(ctx, name); err != nil {
			return false, fmt.Errorf("upgrade to a signed member list: %w", err)
		}
		return c.finishUpgrade(name)
	}
	genesis, err := roster.Parse(first.Entries[0])
	if err != nil || genesis.Kind != roster.Genesis {
		return false, errChain(errors.New("it does not start with a genesis"))
	}
	if admin && genesis.Signer == g.MemberID && bytes.Equal(genesis.SignKey, g.SignPublic) {
		return c.finishUpgrade(name) // ours, interrupted before it was stored here
	}
	return c.confirmUpgrade(ctx, name, genesis, res)
}

// writeGenesis (the admin) writes the genesis and the reserved invites of the members it
// verified and the relay still lists.
func (c *Client) writeGenesis(ctx context.Context, name string) error {
	g, err := c.Store.Group(name)
	if err != nil {
		return err
	}
	rc, err := c.relay(g.Server, g.Token)
	if err != nil {
		return err
	}
	listed, err := rc.members(ctx, g.ID)
	if err != nil {
		return err
	}
	onRelay := map[string]bool{}
	for _, m := range listed {
		onRelay[m.ID] = true
	}
	epoch := g.Epoch + 1
	key, err := c.prepareKey(name, epoch)
	if err != nil {
		return err
	}
	sign := ed25519.PrivateKey(g.SignPrivate)
	e := &roster.Entry{Kind: roster.Genesis, Group: g.ID, Seq: 1, Signer: g.MemberID, SignKey: g.SignPublic,
		BoxKey: g.PublicKey, Epoch: epoch, Commit: roster.KeyCommit(g.ID, epoch, key)}
	if err := e.Sign(sign); err != nil {
		return err
	}
	raws := [][]byte{e.Raw()}
	prev, seq := e.Hash(), uint64(1)
	for _, m := range g.Members {
		if !m.Verified || m.Removed || m.ID == g.MemberID || !onRelay[m.ID] || len(m.PublicKey) != keySize {
			continue
		}
		secret, err := upgradeSecret(g, m.ID)
		if err != nil {
			return err
		}
		ik, err := roster.InviteKey(secret)
		if err != nil {
			return err
		}
		seq++
		inv := &roster.Entry{Kind: roster.Invite, Group: g.ID, Seq: seq, Prev: prev, Signer: g.MemberID,
			InviteKey: ik.Public().(ed25519.PublicKey), Expires: c.now().Add(upgradeTTL).Unix(), For: m.ID}
		if err := inv.Sign(sign); err != nil {
			return err
		}
		raws = append(raws, inv.Raw())
		prev = inv.Hash()
	}
	return rc.appendChain(ctx, g.ID, raws)
}

// finishUpgrade (the admin) stores the signed list as this member's and seals each
// member's reserved invite to them.
func (c *Client) finishUpgrade(name string) (bool, error) {
	g, err := c.Store.Group(name)
	if err != nil {
		return false, err
	}
	rc, err := c.relay(g.Server, g.Token)
	if err != nil {
		return false, err
	}
	raws, err := pullChain(context.Background(), rc, g)
	if err != nil {
		return false, err
	}
	err = c.Store.UpdateGroup(name, func(g *store.GroupState, t *store.GroupTx) error {
		g.RootKey = g.SignPublic
		st, err := extendChain(g, raws, 0)
		if err != nil {
			return err
		}
		var to []recipient
		var contents [][]byte
		genesis := sha256.Sum256(g.Chain[0])
		for _, inv := range st.OpenInvites() {
			m := g.Member(inv.For)
			if inv.For == "" || m == nil || len(m.PublicKey) != keySize {
				continue
			}
			secret, err := upgradeSecret(g, inv.For)
			if err != nil {
				return err
			}
			to = append(to, recipient{m.ID, m.PublicKey})
			contents = append(contents, append(secret, genesis[:]...))
		}
		// One envelope per member: each box holds that member's own secret.
		for i := range to {
			id := newEnvelopeID()
			a := nextAuthor(g)
			data, err := sealBoxes(kindUpgrade, g.ID, a, id, st.First, contents[i], g.PrivateKey, to[i:i+1])
			if err != nil {
				return err
			}
			if err := t.Enqueue(id, data, c.now()); err != nil {
				return err
			}
			g.Seq = a.seq
		}
		return nil
	})
	return err == nil, err
}

// confirmUpgrade (a member) looks for the admin's upgrade envelope for this member,
// checks the genesis against it, and confirms its keys on the reserved invite.
func (c *Client) confirmUpgrade(ctx context.Context, name string, genesis *roster.Entry, res *SyncResult) (bool, error) {
	g, err := c.Store.Group(name)
	if err != nil {
		return false, err
	}
	rc, err := c.relay(g.Server, g.Token)
	if err != nil {
		return false, err
	}
	want := genesis.Hash()
	var secret []byte
	// The envelopes are only read here, not applied: the cursor stays, and the sync after
	// the upgrade applies them with the signed list.
	for after := g.Cursor; secret == nil; {
		page, err := rc.pull(ctx, g.ID, after, pullPage)
		if err != nil {
			return false, fmt.Errorf("pull: %w", err)
		}
		for _, e := range page.Envelopes {
			h, err := parseEnvelope(e.Data)
			if err != nil || h.kind != kindUpgrade || h.author != g.AdminID {
				continue
			}
			content, err := openBox(g.ID, e.ID, h, g.MemberID, g.PrivateKey, g.AdminKey, roster.InviteSecretSize+32)
			if err == nil && bytes.Equal(content[roster.InviteSecretSize:], want[:]) {
				secret = content[:roster.InviteSecretSize]
				break
			}
		}
		if len(page.Envelopes) == 0 || !page.More {
			break
		}
		after = page.Envelopes[len(page.Envelopes)-1].Seq
	}
	if secret == nil {
		res.Notice = fmt.Sprintf("%s now has a signed member list, but its admin has not confirmed you in it yet; sync again later, or ask the admin for a new invite", name)
		return false, nil
	}
	ik, err := roster.InviteKey(secret)
	if err != nil {
		return false, err
	}
	claim, err := roster.NewJoin(g.ID, g.MemberID, ed25519.PrivateKey(g.SignPrivate), g.PublicKey, ik)
	if err != nil {
		return false, err
	}
	if _, err := rc.join(ctx, g.ID, g.PublicKey, claim.Raw()); err != nil {
		// Confirmed before, and the answer lost? The list says.
		raws, perr := pullChain(ctx, rc, &store.GroupState{ID: g.ID})
		st, rerr := roster.Replay(g.ID, genesis.SignKey, raws)
		if perr != nil || rerr != nil || st.Member(g.MemberID) == nil || !bytes.Equal(st.Member(g.MemberID).SignKey, g.SignPublic) {
			return false, fmt.Errorf("confirm your keys in the group's signed member list: %w", err)
		}
	}
	err = c.Store.UpdateGroup(name, func(g *store.GroupState, _ *store.GroupTx) error {
		g.RootKey = bytes.Clone(genesis.SignKey)
		return nil
	})
	return err == nil, err
}
