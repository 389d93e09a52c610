package group

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"unicode"

	"github.com/dagsorden/dagsorden/store"
)

// An invite code is everything a new member needs, handed over out of band (a message,
// a note at the meeting): the relay's address, the group id, a one-time invite token, the
// group's keys by epoch, and who the admin is (id, name and X25519 public key, so a new
// group key is accepted only from the admin). Only the invite token ever reaches the
// relay; the keys never do.
//
// Format: "DGI1-" followed by base64url (no padding) of a JSON object. White space
// anywhere in the code is ignored, so a code wrapped by a mail program still works.

const invitePrefix = "DGI1-"

// maxInviteCode bounds what DecodeInvite reads: a real code is well under 1 KB.
const maxInviteCode = 16 << 10

// Invite is the content of an invite code.
type Invite struct {
	Server    string           `json:"server"`
	GroupID   string           `json:"group"`
	Name      string           `json:"name"`
	Token     string           `json:"invite"`
	Keys      []inviteKey      `json:"keys"`
	AdminID   string           `json:"admin"`
	AdminName string           `json:"admin_name,omitempty"`
	AdminKey  []byte           `json:"admin_key"`
	epochKeys []store.EpochKey // Keys, decoded
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

func newInvite(g *store.GroupState, token string) *Invite {
	in := &Invite{Server: g.Server, GroupID: g.ID, Name: g.Name, Token: token,
		AdminID: g.AdminID, AdminName: g.Author, AdminKey: g.AdminKey}
	for _, k := range g.Keys {
		in.Keys = append(in.Keys, inviteKey{k.Epoch, k.Key})
	}
	return in
}

var errNotInvite = errors.New("this is not a dagsorden invite code (it starts with DGI1-); ask the group's admin for a new one")

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
	if !isHex(in.AdminID, 16) || len(in.AdminKey) != keySize {
		return errors.New("it does not say who the admin is")
	}
	if in.Token == "" || len(in.Token) > 128 || strings.ContainsFunc(in.Token, func(r rune) bool { return r <= ' ' || r > '~' }) {
		return errors.New("its invite token is malformed")
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

func isHex(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}
