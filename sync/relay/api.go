package relay

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"time"
)

// The relay's HTTP API, under Prefix. Requests authenticate with "Authorization: Bearer
// <member token>", except create (the operator token, unless the relay runs with open
// groups) and join (a join claim signed with the invite's one-time key, or for a group
// from before signed member lists, the invite token). Bodies are JSON; []byte fields are
// standard base64. Errors are {"error": "one sentence"} with these statuses: 400
// malformed request or an entry that does not verify, 401 unknown or forged credential,
// 403 not (or no longer) a member or not an admin, 404 unknown group or member, 409 an
// envelope id reused with other data, a member list that moved on, or a change that takes
// a signed entry, 413 body too large, 429 rate limited (with Retry-After), 507 the
// group's storage quota is used up.
//
//	POST   /relay/v1/groups                           CreateGroupRequest → 201 CreateGroupResponse
//	POST   /relay/v1/groups/{group}/join              JoinRequest        → 201 JoinResponse
//	GET    /relay/v1/groups/{group}/chain?after=SEQ                      → 200 ChainResponse
//	POST   /relay/v1/groups/{group}/chain             ChainRequest       → 200 ChainAppendResponse
//	GET    /relay/v1/groups/{group}/members                              → 200 MembersResponse
//	DELETE /relay/v1/groups/{group}/members/{member}  (admin)            → 204
//	POST   /relay/v1/groups/{group}/envelopes         PushRequest        → 200 PushResponse
//	GET    /relay/v1/groups/{group}/envelopes?after=SEQ[&limit=N]        → 200 PullResponse
//	POST   /relay/v1/groups/{group}/invites           (admin; groups without a signed list)
//
// The chain is the group's signed member list (package sync/group/roster). The relay
// checks every entry with the same rules the members do and applies what it says to its
// own member records (a removal refuses the member's token at once, a new admin may sign
// changes), but members never take the relay's word for who is a member: they replay the
// list themselves. A removed member may still read the chain, so their dagsorden learns
// (and can check) that the admin removed them.

// Prefix is where Handler serves: mount it with mux.Handle(relay.Prefix+"/", r.Handler()).
const Prefix = "/relay"

// Limits a client must respect.
const (
	// MaxBody is the largest request body the relay reads (413 beyond).
	MaxBody = 256 << 10
	// MaxEnvelope is the largest single envelope (ciphertext bytes).
	MaxEnvelope = 64 << 10
	// MaxPushEnvelopes is the most envelopes one push may carry.
	MaxPushEnvelopes = 200
	// MaxPull is the most envelopes one pull returns.
	MaxPull = 1000
	// MaxChainPage is the most member list entries one request returns or appends.
	MaxChainPage = 1000
	// MaxChain caps a group's member list (a weekly invite for a century is 5,200).
	MaxChain = 20000
)

// CreateGroupRequest registers the creator's X25519 public key; the creator becomes the
// group's admin. Genesis is the signed first entry of the group's member list: the group
// and member ids are the ones it names (the client chooses them at random). Without it
// (a client from before signed member lists) the relay chooses the ids and the group has
// no signed list until its admin's dagsorden writes one.
type CreateGroupRequest struct {
	PublicKey []byte `json:"public_key"`
	Genesis   []byte `json:"genesis,omitempty"`
}

// CreateGroupResponse carries the new group's id and the creator's member credentials.
type CreateGroupResponse struct {
	GroupID  string `json:"group_id"`
	MemberID string `json:"member_id"`
	Token    string `json:"token"`
}

// InviteResponse is a one-time invite token: it lets one person join, once, before it
// expires, and is revoked when the admin removes a member.
type InviteResponse struct {
	Invite  string    `json:"invite"`
	Expires time.Time `json:"expires"`
}

// JoinRequest registers the joiner's X25519 public key. Claim is the join entry for the
// group's member list, signed by the joiner and by the invite's one-time key: it is the
// credential, and the relay adds it to the list as it adds the member. A claim on an
// invite reserved for an existing member (a group upgraded to a signed list) adds no new
// member: it confirms that member's keys, and the answer carries no token.
type JoinRequest struct {
	PublicKey []byte `json:"public_key"`
	Claim     []byte `json:"claim,omitempty"`
}

// JoinResponse carries the new member's credentials and where the join landed in the
// member list.
type JoinResponse struct {
	MemberID string `json:"member_id"`
	Token    string `json:"token,omitempty"`
	Seq      uint64 `json:"seq,omitempty"`
}

// ChainResponse holds member list entries after the cursor, in order (entry n+1 is
// Entries[n-after]); More says there are more.
type ChainResponse struct {
	Entries [][]byte `json:"entries"`
	More    bool     `json:"more,omitempty"`
}

// ChainRequest appends entries signed by the caller (an admin) to the member list, all
// or none. Each must follow the current head: 409 when another entry came first (fetch
// the list, sign again on top of it).
type ChainRequest struct {
	Entries [][]byte `json:"entries"`
}

// ChainAppendResponse gives the list's new length.
type ChainAppendResponse struct {
	Seq uint64 `json:"seq"`
}

// Member is a current member of a group as the relay knows it: no name (names travel
// encrypted between members).
type Member struct {
	ID        string    `json:"id"`
	PublicKey []byte    `json:"public_key"`
	Admin     bool      `json:"admin,omitempty"`
	Joined    time.Time `json:"joined"`
}

// MembersResponse lists a group's current members.
type MembersResponse struct {
	Members []Member `json:"members"`
}

// PushEnvelope is one envelope to store: a client-chosen id (32 lowercase hex digits,
// random) and the ciphertext.
type PushEnvelope struct {
	ID   string `json:"id"`
	Data []byte `json:"data"`
}

// PushRequest carries 1 to MaxPushEnvelopes envelopes, stored all or none.
type PushRequest struct {
	Envelopes []PushEnvelope `json:"envelopes"`
}

// PushResponse gives each envelope's sequence number, in request order. Pushing an
// envelope again (same id, same data) is not an error: it returns the first sequence
// number, so a client may retry a push whose answer it never got.
type PushResponse struct {
	Seqs []uint64 `json:"seqs"`
}

// Envelope is a stored envelope as a pull returns it.
type Envelope struct {
	Seq    uint64    `json:"seq"`
	ID     string    `json:"id"`
	Sender string    `json:"sender"`
	Time   time.Time `json:"time"`
	Data   []byte    `json:"data"`
}

// PullResponse holds envelopes after the cursor, in sequence order; More says the page
// was cut short and the client should pull again after the last Seq.
type PullResponse struct {
	Envelopes []Envelope `json:"envelopes"`
	More      bool       `json:"more,omitempty"`
}

// ErrorResponse is the body of every refusal.
type ErrorResponse struct {
	Error string `json:"error"`
}

// PullBinary is the media type of the compact pull answer. A client that sends
// "Accept: application/vnd.dagsorden.envelopes" gets the envelopes in this binary
// form instead of JSON: no base64, and decoding is a loop over lengths rather than a
// JSON parse, which matters for a member who pulls thousands of envelopes after a week
// offline. JSON stays the default, for curl and for reading.
//
//	"DGE1"
//	per envelope: uvarint seq (≥ 1) | 16-byte id | varint unix nanoseconds |
//	              uvarint len | sender | uvarint len | data
//	end:          0x00 (no envelope has seq 0) | 0x00 or 0x01 (More)
const PullBinary = "application/vnd.dagsorden.envelopes"

const pullMagic = "DGE1"

// AppendPull appends the binary form of a pull answer to b.
func AppendPull(b []byte, p *PullResponse) []byte {
	b = append(b, pullMagic...)
	for i := range p.Envelopes {
		e := &p.Envelopes[i]
		b = binary.AppendUvarint(b, e.Seq)
		var id [16]byte
		hex.Decode(id[:], []byte(e.ID)) //nolint:errcheck // ids the relay stored are hex
		b = append(b, id[:]...)
		b = binary.AppendVarint(b, e.Time.UnixNano())
		b = binary.AppendUvarint(b, uint64(len(e.Sender)))
		b = append(b, e.Sender...)
		b = binary.AppendUvarint(b, uint64(len(e.Data)))
		b = append(b, e.Data...)
	}
	b = append(b, 0)
	if p.More {
		return append(b, 1)
	}
	return append(b, 0)
}

var errBadPull = errors.New("the relay's answer is not a valid envelope list")

// DecodePull reads the binary form of a pull answer. It never panics; on any damage it
// returns an error and no envelopes.
func DecodePull(b []byte) (PullResponse, error) {
	var p PullResponse
	if len(b) < len(pullMagic) || string(b[:len(pullMagic)]) != pullMagic {
		return PullResponse{}, errBadPull
	}
	b = b[len(pullMagic):]
	field := func() ([]byte, bool) {
		n, k := binary.Uvarint(b)
		if k <= 0 || n > uint64(len(b)-k) {
			return nil, false
		}
		f := b[k : k+int(n)]
		b = b[k+int(n):]
		return f, true
	}
	for {
		seq, k := binary.Uvarint(b)
		if k <= 0 {
			return PullResponse{}, errBadPull
		}
		b = b[k:]
		if seq == 0 {
			if len(b) != 1 || b[0] > 1 {
				return PullResponse{}, errBadPull
			}
			p.More = b[0] == 1
			if p.Envelopes == nil {
				p.Envelopes = []Envelope{}
			}
			return p, nil
		}
		if len(b) < 16 {
			return PullResponse{}, errBadPull
		}
		e := Envelope{Seq: seq, ID: hex.EncodeToString(b[:16])}
		b = b[16:]
		ns, k := binary.Varint(b)
		if k <= 0 {
			return PullResponse{}, errBadPull
		}
		b = b[k:]
		e.Time = time.Unix(0, ns).UTC()
		sender, ok := field()
		if !ok {
			return PullResponse{}, errBadPull
		}
		data, ok := field()
		if !ok {
			return PullResponse{}, errBadPull
		}
		e.Sender, e.Data = string(sender), bytes.Clone(data)
		p.Envelopes = append(p.Envelopes, e)
	}
}
