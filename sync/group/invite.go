package group

import (
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"unicode"

	"github.com/dagsorden/dagsorden/store"
	"github.com/dagsorden/dagsorden/sync/group/roster"
)

// An invite code is everything a new member needs, handed over out of band (a message,
// a note at the meeting): the relay's address, the group id, the signing key of the
// admin who made the group (the root of trust: the group's signed member list must start
// with a genesis it signed), a one-time secret, the group key of the current epoch (every
// earlier one too only when the admin shares the history), and who invited (id and name,
// shown until their signed profile arrives).
//
// The secret never reaches the relay. The admin registers the public half of a key
// derived from it in the member list (an Invite entry); the joiner signs their join
// claim with the private half, so every member can check the join without the admin
// online, and the relay cannot make one up.
//
// Format: "DGI2-" followed by base64url (no padding) of a JSON object. White space
// anywhere in the code is ignored, so a code wrapped by a mail program still works.

const (
	invitePrefix       = "DGI2-"
	legacyInvitePrefix = "DGI1-"
)

// maxInviteCode bounds what DecodeInvite reads: a real code is well under 1 KB (with the
// history of a group that changed its key weekly for years, some tens of KB).
const maxInviteCode = 1 << 20

// Invite is the content of an invite code.
type Invite struct {
	Server    string      `json:"server"`
	GroupID   string      `json:"group"`
	Name      string      `json:"name"`
	RootKey   []byte      `json:"root"`   // the genesis admin's ed25519 public key
	Secret    []byte      `json:"secret"` // one-time: derives the invite's signing key
	AdminID   string      `json:"admin"`  // who invited
	AdminName string      `json:"admin_name,omitempty"`
	Keys      []inviteKey `json:"keys"`
	epochKeys []store.EpochKey
}

type inviteKey struct {
	Epoch uint64 `json:"epoch"`
	Key   []byte `json:"key"`
}

// EpochKeys returns the group keys the invite carries.
func (in *Invite) EpochKeys() []store.EpochKey { return in.epochKeys }

// Encode returns the invite code.
func (in *Invite) Encode() string {
	b, err := json.Marshal(in)
	if err != nil {
		panic(err) // unreachable: plain fields
	}
	return invitePrefix + base64.RawURLEncoding.EncodeToString(b)
}

// newInvite is the code for an invite with secret, carrying the key of epoch (and with
// history every earlier key this member has).
func newInvite(g *store.GroupState, secret []byte, epoch uint64, history bool) *Invite {
	in := &Invite{Server: g.Server, GroupID: g.ID, Name: g.Name, RootKey: g.RootKey, Secret: secret,
		AdminID: g.MemberID, AdminName: g.Author}
	for _, k := range g.Keys {
		if k.Epoch == epoch || (history && k.Epoch < epoch) {
			in.Keys = append(in.Keys, inviteKey{k.Epoch, k.Key})
		}
	}
	return in
}

var errNotInvite = errors.New("this is not a dagsorden invite code (it starts with DGI2-); ask the group's admin for a new one")

// DecodeInvite reads an invite code. On anything but a well-formed code it returns one
// clear sentence and never panics.
func DecodeInvite(code string) (*Invite, error) {
	if len(code) > maxInviteCode {
		return nil, errNotInvite
	}
	code = strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, code)
	if strings.HasPrefix(code, legacyInvitePrefix) {
		return nil, errors.New("this invite code is from an older dagsorden; ask the group's admin to update dagsorden and make a new invite")
	}
	rest, ok := strings.CutPrefix(code, invitePrefix)
	if !ok {
		return nil, errNotInvite
	}
	raw, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(rest, "="))
	if err != nil {
		return nil, errors.New("the invite code is damaged (not base64url); copy all of it, or ask for a new one")
	}
	var in Invite
	if err := json.Unmarshal(raw, &in); err != nil {
		return nil, errors.New("the invite code is damaged; copy all of it, or ask for a new one")
	}
	if err := in.check(); err != nil {
		return nil, fmt.Errorf("the invite code is not valid: %w", err)
	}
	return &in, nil
}

func (in *Invite) check() error {
	u, err := url.Parse(in.Server)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return errors.New("it has no usable relay address")
	}
	if !isHex(in.GroupID, 32) {
		return errors.New("its group id is malformed")
	}
	if !isHex(in.AdminID, 16) || len(in.RootKey) != ed25519.PublicKeySize {
		return errors.New("it does not say who the admin is")
	}
	if len(in.Secret) != roster.InviteSecretSize {
		return errors.New("its one-time secret is malformed")
	}
	if err := store.CheckGroupName(in.Name); err != nil {
		return err
	}
	if len(in.Keys) == 0 || len(in.Keys) > 10000 {
		return errors.New("it carries no group key")
	}
	seen := map[uint64]bool{}
	in.epochKeys = nil
	for _, k := range in.Keys {
		if k.Epoch == 0 || seen[k.Epoch] || len(k.Key) != keySize {
			return errors.New("one of its group keys is malformed")
		}
		seen[k.Epoch] = true
		in.epochKeys = append(in.epochKeys, store.EpochKey{Epoch: k.Epoch, Key: k.Key})
	}
	return nil
}

func isHex(s string, n int) bool { return roster.IsHex(s, n) }
