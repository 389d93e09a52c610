// Package relay is the server side of dagsorden's party-group notes: a store-and-forward
// relay for end-to-end encrypted envelopes. Members of a group push envelopes and pull
// the ones after a cursor; the relay checks every request against group membership and
// keeps the envelopes in its own bbolt file.
//
// What it must not do: see plaintext. The relay never holds a group key, a note, a group
// name or a member name. It stores ciphertext with the routing data it needs (group id,
// envelope id, sequence number, size, time, sender id), member X25519 public keys and the
// sha256 of every token — never a token. Its logs carry the route, status, size and
// duration of each request and nothing else: no tokens, no bodies, no ids.
//
// Tokens are 256 random bits. Member tokens are looked up by their hash and the stored
// hash is compared in constant time. Request bodies are capped (MaxBody) and each member
// token is rate limited. Failed authentications are limited per client address and per
// credential prefix, but a valid credential is checked first and never refused for
// someone else's failures: a member behind the same office NAT as a guesser still syncs.
// Invites are one-time; a pushed envelope id is stored once (a retried push gets its
// first sequence number back, a reused id with other data is refused).
//
// Membership: the group's signed member list (package sync/group/roster) is the
// authority, for the relay as for the members. The relay checks every entry it is given
// with the same rules before it stores it, and keeps its own member records (tokens,
// removals, admins) in step with the list.
package relay

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/netip"
	"path/filepath"
	"time"

	"github.com/dagsorden/dagsorden/sync/group/roster"
	bolt "go.etcd.io/bbolt"
	"golang.org/x/time/rate"
)

// Options configure a Relay. The zero value is a closed relay (creating a group needs
// the operator token) with the default limits.
type Options struct {
	// OpenGroups lets anyone create a group (rate limited per client address).
	OpenGroups bool
	// Logger receives one line per request (route, status, size, duration). nil: none.
	Logger *slog.Logger
	// TokenRate and TokenBurst limit each member token: requests per second and the
	// burst allowed. 0 means 20 per second with a burst of 200: a sync is a handful of
	// requests, a busy formøde with 50 members syncing at once stays far below it.
	TokenRate  float64
	TokenBurst int
	// FailRate and FailBurst limit failed authentications per client address and per
	// credential prefix. 0 means 1 per second with a burst of 20.
	FailRate  float64
	FailBurst int
	// TrustedProxies are the reverse proxies whose X-Forwarded-For header names the
	// client (for per-address limits). Empty: the header is ignored.
	TrustedProxies []netip.Prefix
	// InviteTTL is how long an invite stays valid. 0 means 7 days.
	InviteTTL time.Duration
	// MaxGroupBytes caps the ciphertext one group may store, so one member cannot fill
	// the relay's disk. 0 means 1 GiB (a group's notes for years take a few MB).
	MaxGroupBytes uint64
	// Now is the clock (tests). nil means time.Now.
	Now func() time.Time
}

// Relay is the relay server. Its handler is safe for concurrent use.
type Relay struct {
	db       *bolt.DB
	opts     Options
	log      *slog.Logger
	now      func() time.Time
	operator string // the operator token, only when this start created it

	tokens      *limiters // per member token
	fails       *limiters // failed authentications per client address
	prefixFails *limiters // failed authentications per credential prefix
	creates     *limiters // group creations per client address on an open relay
}

// New opens (creating when absent) the relay's store in dataDir. On the first start it
// makes the operator token: OperatorToken returns it, once, for the caller to show.
func New(dataDir string, opts Options) (*Relay, error) {
	if dataDir == "" {
		return nil, errors.New("no relay data folder given")
	}
	abs, err := filepath.Abs(dataDir)
	if err != nil {
		return nil, fmt.Errorf("relay data folder %s: %w", dataDir, err)
	}
	if opts.TokenRate <= 0 {
		opts.TokenRate = 20
	}
	if opts.TokenBurst <= 0 {
		opts.TokenBurst = 200
	}
	if opts.FailRate <= 0 {
		opts.FailRate = 1
	}
	if opts.FailBurst <= 0 {
		opts.FailBurst = 20
	}
	if opts.InviteTTL <= 0 {
		opts.InviteTTL = 7 * 24 * time.Hour
	}
	if opts.MaxGroupBytes == 0 {
		opts.MaxGroupBytes = 1 << 30
	}
	r := &Relay{opts: opts, log: opts.Logger, now: opts.Now}
	if r.log == nil {
		r.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if r.now == nil {
		r.now = time.Now
	}
	r.tokens = newLimiters(rate.Limit(opts.TokenRate), opts.TokenBurst)
	r.fails = newLimiters(rate.Limit(opts.FailRate), opts.FailBurst)
	r.prefixFails = newLimiters(rate.Limit(opts.FailRate), opts.FailBurst)
	r.creates = newLimiters(rate.Every(10*time.Second), 10)
	if r.db, err = openDB(abs); err != nil {
		return nil, err
	}
	err = r.db.Update(func(tx *bolt.Tx) error {
		meta := tx.Bucket(bucketMeta)
		if meta.Get(keyOperator) != nil {
			return nil
		}
		tok := newToken("dgo_")
		h := hashToken(tok)
		r.operator = tok
		return meta.Put(keyOperator, h[:])
	})
	if err != nil {
		r.db.Close()
		return nil, fmt.Errorf("cannot set up the relay's operator token: %w", err)
	}
	if r.operator != "" {
		r.log.Info("relay: created the operator token")
	}
	return r, nil
}

// OperatorToken is the operator token when this start created it (the first start),
// otherwise "". Only its hash is stored: show it to the operator now or never.
func (r *Relay) OperatorToken() string { return r.operator }

// ResetOperatorToken replaces the operator token (for an operator who lost it) and
// returns the new one; the old one stops working at once.
func (r *Relay) ResetOperatorToken() (string, error) {
	tok := newToken("dgo_")
	h := hashToken(tok)
	err := r.db.Update(func(tx *bolt.Tx) error { return tx.Bucket(bucketMeta).Put(keyOperator, h[:]) })
	if err != nil {
		return "", fmt.Errorf("cannot replace the operator token: %w", err)
	}
	return tok, nil
}

// Close closes the relay's store. Serve no more requests after it.
func (r *Relay) Close() error { return r.db.Close() }

// Handler serves the API under Prefix ("/relay/v1/…").
func (r *Relay) Handler() http.Handler {
	mux := http.NewServeMux()
	p := Prefix + "/v1/groups"
	mux.HandleFunc("POST "+p, r.handleCreate)
	mux.HandleFunc("POST "+p+"/{group}/invites", r.handleInvite)
	mux.HandleFunc("POST "+p+"/{group}/join", r.handleJoin)
	mux.HandleFunc("GET "+p+"/{group}/chain", r.handleChainGet)
	mux.HandleFunc("POST "+p+"/{group}/chain", r.handleChainAppend)
	mux.HandleFunc("GET "+p+"/{group}/members", r.handleMembers)
	mux.HandleFunc("DELETE "+p+"/{group}/members/{member}", r.handleRemove)
	mux.HandleFunc("POST "+p+"/{group}/envelopes", r.handlePush)
	mux.HandleFunc("GET "+p+"/{group}/envelopes", r.handlePull)
	return r.logRequests(mux)
}

// Server wraps h (the relay's handler, alone or beside the feed's) in an http.Server
// with the timeouts a server facing the internet needs: a client that trickles its
// headers or body, or never reads the answer, cannot hold a connection for long.
func Server(addr string, h http.Handler) *http.Server {
	return &http.Server{
		Addr: addr, Handler: h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       time.Minute,
		WriteTimeout:      2 * time.Minute,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    32 << 10,
	}
}

// newToken is prefix + 256 random bits, base64url. The prefix says what kind of token a
// leaked string is (and lets secret scanners find it).
func newToken(prefix string) string {
	var b [32]byte
	rand.Read(b[:]) // never fails (crypto/rand since Go 1.24)
	return prefix + base64.RawURLEncoding.EncodeToString(b[:])
}

func newID(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

func hashToken(tok string) [32]byte { return sha256.Sum256([]byte(tok)) }

// sameHash compares two token hashes in constant time.
func sameHash(a, b []byte) bool { return subtle.ConstantTimeCompare(a, b) == 1 }

// isHexID reports whether s is n lowercase hex digits.
func isHexID(s string, n int) bool { return roster.IsHex(s, n) }

// Lengths of ids, in hex digits.
const (
	groupIDLen    = 32
	memberIDLen   = 16
	envelopeIDLen = 32
)
