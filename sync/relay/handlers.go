package relay

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/dagsorden/dagsorden/sync/group/roster"
	bolt "go.etcd.io/bbolt"
)

// statusError is a refusal: the status and the sentence the client gets.
type statusError struct {
	status int
	msg    string
}

func (e *statusError) Error() string { return e.msg }

func refuse(status int, format string, args ...any) *statusError {
	return &statusError{status, fmt.Sprintf(format, args...)}
}

var (
	errNoToken      = refuse(http.StatusUnauthorized, "this request needs a token (Authorization: Bearer …)")
	errUnknownToken = refuse(http.StatusUnauthorized, "the relay does not know this token")
	errUnknownGroup = refuse(http.StatusNotFound, "the relay has no such group")
	errNotMember    = refuse(http.StatusForbidden, "this token is not a member of the group")
	errRemoved      = refuse(http.StatusForbidden, "this member has been removed from the group")
	errNotAdmin     = refuse(http.StatusForbidden, "only the group's admin may do this")
	errBadGroupID   = refuse(http.StatusBadRequest, "the group id is malformed")
)

// writeJSON writes v with status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v) //nolint:errcheck // the client went away; nothing to do
}

// fail answers a refusal, or a 500 for anything else (logged, never shown: it may name
// files on the server).
func (r *Relay) fail(w http.ResponseWriter, err error) {
	var se *statusError
	if errors.As(err, &se) {
		writeJSON(w, se.status, ErrorResponse{se.msg})
		return
	}
	r.log.Error("relay: internal error", "err", err)
	writeJSON(w, http.StatusInternalServerError, ErrorResponse{"the relay could not complete the request; try again later"})
}

// readJSON decodes a body of at most MaxBody bytes into v.
func readJSON(w http.ResponseWriter, req *http.Request, v any) error {
	if req.ContentLength > MaxBody {
		return refuse(http.StatusRequestEntityTooLarge, "the request is larger than %d bytes", MaxBody)
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, req.Body, MaxBody))
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return refuse(http.StatusRequestEntityTooLarge, "the request is larger than %d bytes", MaxBody)
	}
	if err != nil {
		return refuse(http.StatusBadRequest, "the request body could not be read")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(v); err != nil {
		return refuse(http.StatusBadRequest, "the request body is not the expected JSON")
	}
	if dec.More() {
		return refuse(http.StatusBadRequest, "the request body has data after the JSON")
	}
	return nil
}

// bearer returns the token of "Authorization: Bearer <token>".
func bearer(req *http.Request) (string, bool) {
	h := req.Header.Get("Authorization")
	tok, ok := strings.CutPrefix(h, "Bearer ")
	tok = strings.TrimSpace(tok)
	if !ok || tok == "" || len(tok) > 128 {
		return "", false
	}
	return tok, true
}

// failed answers a request whose credential did not check out. Failures count per
// client address and per credential prefix (see credentialPrefix); once either has run
// out the answer is 429 instead of refusal, and the failure is not counted again (a
// flood from one address cannot fill the per-prefix table). A valid credential never
// comes here, so it is never refused for failures that are not its own.
func (r *Relay) failed(w http.ResponseWriter, req *http.Request, prefix string, refusal error) {
	now := r.now()
	addr := r.clientAddr(req)
	blocked, d := r.fails.blocked(addr, now)
	if pb, pd := r.prefixFails.blocked(prefix, now); pb {
		blocked, d = true, max(d, pd)
	}
	if blocked {
		retryAfter(w, d)
		writeJSON(w, http.StatusTooManyRequests, ErrorResponse{"too many failed attempts; wait a moment"})
		return
	}
	r.fails.allow(addr, now)
	r.prefixFails.allow(prefix, now)
	r.fail(w, refusal)
}

// caller is an authenticated member of the group the request names.
type caller struct {
	group, member string
	admin         bool
	removed       bool
}

// authorize checks the member token against the group in the path: 400 malformed group
// id, 401 unknown token, 404 unknown group, 403 not a member or removed, 429 over the
// token's rate or too many failures. It writes the refusal itself.
func (r *Relay) authorize(w http.ResponseWriter, req *http.Request) (caller, bool) {
	return r.authorizeAs(w, req, false)
}

// authorizeAs is authorize; with allowRemoved a removed member gets through (to read
// the member list that says they were removed).
func (r *Relay) authorizeAs(w http.ResponseWriter, req *http.Request, allowRemoved bool) (caller, bool) {
	group := req.PathValue("group")
	if !isHexID(group, groupIDLen) {
		r.fail(w, errBadGroupID)
		return caller{}, false
	}
	tok, ok := bearer(req)
	if !ok {
		r.failed(w, req, "none", errNoToken)
		return caller{}, false
	}
	h := hashToken(tok)
	c := caller{group: group}
	var refusal error
	known := false
	err := r.db.View(func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketTokens).Get(h[:])
		if v == nil {
			refusal = errUnknownToken
			return nil
		}
		var tr tokenRecord
		if err := decodeRecord(v, &tr); err != nil {
			return err
		}
		g := tx.Bucket(bucketGroups).Bucket([]byte(tr.Group))
		if g == nil {
			return fmt.Errorf("token of missing group: %w", errDamaged)
		}
		var mr memberRecord
		if err := decodeRecord(g.Bucket(bucketMembers).Get([]byte(tr.Member)), &mr); err != nil {
			return err
		}
		if !sameHash(mr.TokenHash, h[:]) {
			refusal = errUnknownToken
			return nil
		}
		known = true
		c.removed = !mr.Removed.IsZero()
		switch {
		case tx.Bucket(bucketGroups).Bucket([]byte(group)) == nil:
			refusal = errUnknownGroup
		case tr.Group != group:
			refusal = errNotMember
		case c.removed && !allowRemoved:
			refusal = errRemoved
		}
		c.member, c.admin = tr.Member, mr.Admin && !c.removed
		return nil
	})
	if err != nil {
		r.fail(w, err)
		return caller{}, false
	}
	if !known {
		r.failed(w, req, credentialPrefix("token", tok), refusal)
		return caller{}, false
	}
	if ok, d := r.tokens.allow(hex.EncodeToString(h[:]), r.now()); !ok {
		retryAfter(w, d)
		writeJSON(w, http.StatusTooManyRequests, ErrorResponse{"too many requests with this token; wait a moment"})
		return caller{}, false
	}
	if refusal != nil {
		r.fail(w, refusal)
		return caller{}, false
	}
	return c, true
}

// stillMember re-checks the caller inside a write transaction: a member removed between
// authorize and the write must not get through.
func stillMember(tx *bolt.Tx, c caller) (*bolt.Bucket, error) {
	g := tx.Bucket(bucketGroups).Bucket([]byte(c.group))
	if g == nil {
		return nil, errUnknownGroup
	}
	var mr memberRecord
	if err := decodeRecord(g.Bucket(bucketMembers).Get([]byte(c.member)), &mr); err != nil {
		return nil, err
	}
	if !mr.Removed.IsZero() {
		return nil, errRemoved
	}
	return g, nil
}

func checkPublicKey(k []byte) error {
	if len(k) != 32 {
		return refuse(http.StatusBadRequest, "the public key must be 32 bytes (X25519)")
	}
	return nil
}

// addMember writes a new member of group g (id "" picks a random one) with a fresh token
// and returns both.
func addMember(tx *bolt.Tx, g *bolt.Bucket, groupID, id string, pub []byte, admin bool, now time.Time) (string, string, error) {
	members := g.Bucket(bucketMembers)
	if id == "" {
		id = newID(memberIDLen / 2)
		for members.Get([]byte(id)) != nil { // 64 random bits: a collision is all but impossible
			id = newID(memberIDLen / 2)
		}
	} else if members.Get([]byte(id)) != nil {
		return "", "", refuse(http.StatusConflict, "the group already has a member with this id; try again")
	}
	tok := newToken("dgm_")
	h := hashToken(tok)
	mr := memberRecord{TokenHash: h[:], PublicKey: pub, Admin: admin, Joined: now.UTC()}
	if err := members.Put([]byte(id), encodeRecord(mr)); err != nil {
		return "", "", err
	}
	if err := tx.Bucket(bucketTokens).Put(h[:], encodeRecord(tokenRecord{Group: groupID, Member: id})); err != nil {
		return "", "", err
	}
	return id, tok, nil
}

func (r *Relay) handleCreate(w http.ResponseWriter, req *http.Request) {
	if r.opts.OpenGroups {
		if ok, d := r.creates.allow(r.clientAddr(req), r.now()); !ok {
			retryAfter(w, d)
			writeJSON(w, http.StatusTooManyRequests, ErrorResponse{"too many new groups from this address; wait a moment"})
			return
		}
	} else {
		tok, ok := bearer(req)
		if !ok {
			r.failed(w, req, "none", refuse(http.StatusUnauthorized, "creating a group needs the relay's operator token"))
			return
		}
		h := hashToken(tok)
		var stored []byte
		if err := r.db.View(func(tx *bolt.Tx) error {
			stored = bytes.Clone(tx.Bucket(bucketMeta).Get(keyOperator))
			return nil
		}); err != nil {
			r.fail(w, err)
			return
		}
		if !sameHash(stored, h[:]) {
			r.failed(w, req, credentialPrefix("operator", tok), refuse(http.StatusUnauthorized, "this is not the relay's operator token"))
			return
		}
	}
	var in CreateGroupRequest
	if err := readJSON(w, req, &in); err != nil {
		r.fail(w, err)
		return
	}
	if err := checkPublicKey(in.PublicKey); err != nil {
		r.fail(w, err)
		return
	}
	var genesis *roster.Entry
	if in.Genesis != nil {
		e, err := roster.Parse(in.Genesis)
		if err == nil && e.Kind == roster.Genesis {
			err = roster.NewState(e.Group, nil).Apply(e)
		} else if err == nil {
			err = errors.New("is not a genesis")
		}
		if err != nil {
			r.fail(w, refuse(http.StatusBadRequest, "the group's first member list entry does not verify: %v", err))
			return
		}
		if !bytes.Equal(e.BoxKey, in.PublicKey) {
			r.fail(w, refuse(http.StatusBadRequest, "the public key is not the one the genesis names"))
			return
		}
		genesis = e
	}
	var out CreateGroupResponse
	err := r.db.Update(func(tx *bolt.Tx) error {
		groups := tx.Bucket(bucketGroups)
		id, member := newID(groupIDLen/2), ""
		if genesis != nil {
			id, member = genesis.Group, genesis.Signer
			if groups.Bucket([]byte(id)) != nil {
				return refuse(http.StatusConflict, "a group with this id exists; try again")
			}
		}
		for groups.Bucket([]byte(id)) != nil {
			id = newID(groupIDLen / 2)
		}
		g, err := groups.CreateBucket([]byte(id))
		if err != nil {
			return err
		}
		for _, b := range [][]byte{bucketMembers, bucketInvites, bucketEnvelopes, bucketEnvelopeIDs, bucketChain} {
			if _, err := g.CreateBucket(b); err != nil {
				return err
			}
		}
		if err := g.Put(keyInfo, encodeRecord(groupRecord{Created: r.now().UTC()})); err != nil {
			return err
		}
		if genesis != nil {
			if err := g.Bucket(bucketChain).Put(u64(1), genesis.Raw()); err != nil {
				return err
			}
		}
		mid, tok, err := addMember(tx, g, id, member, in.PublicKey, true, r.now())
		out = CreateGroupResponse{GroupID: id, MemberID: mid, Token: tok}
		return err
	})
	if err != nil {
		r.fail(w, err)
		return
	}
	writeJSON(w, http.StatusCreated, out)
}

func (r *Relay) handleInvite(w http.ResponseWriter, req *http.Request) {
	c, ok := r.authorize(w, req)
	if !ok {
		return
	}
	if !c.admin {
		r.fail(w, errNotAdmin)
		return
	}
	tok := newToken("dgi_")
	h := hashToken(tok)
	now := r.now().UTC()
	rec := inviteRecord{By: c.member, Created: now, Expires: now.Add(r.opts.InviteTTL)}
	err := r.db.Update(func(tx *bolt.Tx) error {
		g, err := stillMember(tx, c)
		if err != nil {
			return err
		}
		if hasChain(g) {
			return errSigned
		}
		return g.Bucket(bucketInvites).Put(h[:], encodeRecord(rec))
	})
	if err != nil {
		r.fail(w, err)
		return
	}
	writeJSON(w, http.StatusCreated, InviteResponse{Invite: tok, Expires: rec.Expires})
}

func (r *Relay) handleJoin(w http.ResponseWriter, req *http.Request) {
	group := req.PathValue("group")
	if !isHexID(group, groupIDLen) {
		r.fail(w, errBadGroupID)
		return
	}
	var in JoinRequest
	if err := readJSON(w, req, &in); err != nil {
		r.fail(w, err)
		return
	}
	if err := checkPublicKey(in.PublicKey); err != nil {
		r.fail(w, err)
		return
	}
	if in.Claim != nil {
		r.joinSigned(w, req, group, &in)
		return
	}
	tok, ok := bearer(req)
	if !ok {
		r.failed(w, req, "none", refuse(http.StatusUnauthorized, "joining needs an invite (Authorization: Bearer …)"))
		return
	}
	h := hashToken(tok)
	var out JoinResponse
	err := r.db.Update(func(tx *bolt.Tx) error {
		g := tx.Bucket(bucketGroups).Bucket([]byte(group))
		if g == nil {
			return errUnknownGroup
		}
		if hasChain(g) {
			return refuse(http.StatusConflict, "this group takes signed joins; ask its admin for a new invite code and update dagsorden")
		}
		invites := g.Bucket(bucketInvites)
		v := invites.Get(h[:])
		if v == nil {
			return refuse(http.StatusUnauthorized, "this invite is unknown, used or revoked")
		}
		var ir inviteRecord
		if err := decodeRecord(v, &ir); err != nil {
			return err
		}
		if err := invites.Delete(h[:]); err != nil {
			return err
		}
		if !r.now().Before(ir.Expires) {
			return nil // the expired invite is deleted; refused below
		}
		mid, mtok, err := addMember(tx, g, group, "", in.PublicKey, false, r.now())
		out = JoinResponse{MemberID: mid, Token: mtok}
		return err
	})
	var se *statusError
	if errors.As(err, &se) && se.status == http.StatusUnauthorized {
		r.failed(w, req, credentialPrefix("invite", tok), err)
		return
	}
	if err != nil {
		r.fail(w, err)
		return
	}
	if out.Token == "" {
		r.failed(w, req, credentialPrefix("invite", tok), refuse(http.StatusUnauthorized, "this invite has expired; ask for a new one"))
		return
	}
	writeJSON(w, http.StatusCreated, out)
}

func (r *Relay) handleMembers(w http.ResponseWriter, req *http.Request) {
	c, ok := r.authorize(w, req)
	if !ok {
		return
	}
	out := MembersResponse{Members: []Member{}}
	err := r.db.View(func(tx *bolt.Tx) error {
		g := tx.Bucket(bucketGroups).Bucket([]byte(c.group))
		return g.Bucket(bucketMembers).ForEach(func(k, v []byte) error {
			var mr memberRecord
			if err := decodeRecord(v, &mr); err != nil {
				return err
			}
			if mr.Removed.IsZero() {
				out.Members = append(out.Members, Member{ID: string(k), PublicKey: mr.PublicKey, Admin: mr.Admin, Joined: mr.Joined})
			}
			return nil
		})
	})
	if err != nil {
		r.fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, out)
}

func (r *Relay) handleRemove(w http.ResponseWriter, req *http.Request) {
	c, ok := r.authorize(w, req)
	if !ok {
		return
	}
	if !c.admin {
		r.fail(w, errNotAdmin)
		return
	}
	target := req.PathValue("member")
	if !isHexID(target, memberIDLen) {
		r.fail(w, refuse(http.StatusBadRequest, "the member id is malformed"))
		return
	}
	if target == c.member {
		r.fail(w, refuse(http.StatusBadRequest, "the admin cannot remove themselves"))
		return
	}
	err := r.db.Update(func(tx *bolt.Tx) error {
		g, err := stillMember(tx, c)
		if err != nil {
			return err
		}
		members := g.Bucket(bucketMembers)
		v := members.Get([]byte(target))
		if v == nil {
			return refuse(http.StatusNotFound, "the group has no such member")
		}
		var mr memberRecord
		if err := decodeRecord(v, &mr); err != nil {
			return err
		}
		if !mr.Removed.IsZero() {
			return refuse(http.StatusNotFound, "that member has already been removed")
		}
		if hasChain(g) {
			// A member of the signed list leaves it by a signed removal; this request only
			// clears out relay records the list does not hold (left over from before it).
			st, err := chainState(c.group, g)
			if err != nil {
				return err
			}
			if st.Member(target) != nil {
				return errSigned
			}
		}
		return removeMember(g, target, mr, r.now())
	})
	if err != nil {
		r.fail(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// removeMember marks a member removed (their token is refused from now on) and revokes
// every open invite token: each carries a group key the removed member knows.
func removeMember(g *bolt.Bucket, id string, mr memberRecord, now time.Time) error {
	mr.Removed, mr.Admin = now.UTC(), false
	if err := g.Bucket(bucketMembers).Put([]byte(id), encodeRecord(mr)); err != nil {
		return err
	}
	if err := g.DeleteBucket(bucketInvites); err != nil {
		return err
	}
	_, err := g.CreateBucket(bucketInvites)
	return err
}

var errGroupFull = refuse(http.StatusInsufficientStorage, "the group's space on the relay is full; ask the relay's operator")

var errEnvelopeConflict = refuse(http.StatusConflict, "an envelope with this id is already stored with other content")

func (r *Relay) handlePush(w http.ResponseWriter, req *http.Request) {
	c, ok := r.authorize(w, req)
	if !ok {
		return
	}
	var in PushRequest
	if err := readJSON(w, req, &in); err != nil {
		r.fail(w, err)
		return
	}
	if n := len(in.Envelopes); n == 0 || n > MaxPushEnvelopes {
		r.fail(w, refuse(http.StatusBadRequest, "a push carries 1 to %d envelopes, not %d", MaxPushEnvelopes, n))
		return
	}
	ids := make([][16]byte, len(in.Envelopes))
	seen := make(map[[16]byte][]byte, len(in.Envelopes))
	for i, e := range in.Envelopes {
		if !isHexID(e.ID, envelopeIDLen) {
			r.fail(w, refuse(http.StatusBadRequest, "envelope %d has a malformed id (32 lowercase hex digits)", i))
			return
		}
		if len(e.Data) == 0 || len(e.Data) > MaxEnvelope {
			r.fail(w, refuse(http.StatusBadRequest, "envelope %d is empty or larger than %d bytes", i, MaxEnvelope))
			return
		}
		hex.Decode(ids[i][:], []byte(e.ID)) //nolint:errcheck // checked by isHexID
		if prev, dup := seen[ids[i]]; dup && !bytes.Equal(prev, e.Data) {
			r.fail(w, errEnvelopeConflict)
			return
		}
		seen[ids[i]] = e.Data
	}
	now := r.now().UTC()
	var seqs []uint64
	// Batch coalesces concurrent pushes into one transaction and one fsync. The function
	// may run more than once, so it starts from scratch each time.
	err := r.db.Batch(func(tx *bolt.Tx) error {
		seqs = seqs[:0]
		g, err := stillMember(tx, c)
		if err != nil {
			return err
		}
		var info groupRecord
		if err := decodeRecord(g.Get(keyInfo), &info); err != nil {
			return err
		}
		envs, idx := g.Bucket(bucketEnvelopes), g.Bucket(bucketEnvelopeIDs)
		for i, e := range in.Envelopes {
			if s := idx.Get(ids[i][:]); s != nil {
				old, err := decodeEnvelope(envs.Get(s))
				if err != nil {
					return err
				}
				if !bytes.Equal(old.Data, e.Data) {
					return errEnvelopeConflict
				}
				seqs = append(seqs, readU64(s))
				continue
			}
			if info.Bytes += uint64(len(e.Data)); info.Bytes > r.opts.MaxGroupBytes {
				return errGroupFull
			}
			seq, err := envs.NextSequence()
			if err != nil {
				return err
			}
			rec := storedEnvelope{ID: ids[i], Sender: c.member, Time: now, Data: e.Data}
			if err := envs.Put(u64(seq), encodeEnvelope(&rec)); err != nil {
				return err
			}
			if err := idx.Put(ids[i][:], u64(seq)); err != nil {
				return err
			}
			seqs = append(seqs, seq)
		}
		return g.Put(keyInfo, encodeRecord(info))
	})
	if err != nil {
		r.fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, PushResponse{Seqs: seqs})
}

// maxPullBytes bounds the ciphertext in one pull answer (before base64).
const maxPullBytes = 4 << 20

func (r *Relay) handlePull(w http.ResponseWriter, req *http.Request) {
	c, ok := r.authorize(w, req)
	if !ok {
		return
	}
	q := req.URL.Query()
	var after uint64
	if s := q.Get("after"); s != "" {
		var err error
		if after, err = strconv.ParseUint(s, 10, 64); err != nil || after == ^uint64(0) {
			r.fail(w, refuse(http.StatusBadRequest, "after must be a sequence number"))
			return
		}
	}
	limit := 500
	if s := q.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > MaxPull {
			r.fail(w, refuse(http.StatusBadRequest, "limit must be 1 to %d", MaxPull))
			return
		}
		limit = n
	}
	out := PullResponse{Envelopes: []Envelope{}}
	err := r.db.View(func(tx *bolt.Tx) error {
		cur := tx.Bucket(bucketGroups).Bucket([]byte(c.group)).Bucket(bucketEnvelopes).Cursor()
		size := 0
		for k, v := cur.Seek(u64(after + 1)); k != nil; k, v = cur.Next() {
			if len(out.Envelopes) == limit || size >= maxPullBytes {
				out.More = true
				break
			}
			e, err := decodeEnvelope(v)
			if err != nil {
				return fmt.Errorf("envelope %d: %w", readU64(k), err)
			}
			size += len(e.Data)
			out.Envelopes = append(out.Envelopes, Envelope{
				Seq: readU64(k), ID: hex.EncodeToString(e.ID[:]), Sender: e.Sender, Time: e.Time, Data: e.Data,
			})
		}
		return nil
	})
	if err != nil {
		r.fail(w, err)
		return
	}
	if req.Header.Get("Accept") == PullBinary {
		w.Header().Set("Content-Type", PullBinary)
		w.Header().Set("Cache-Control", "no-store")
		w.Write(AppendPull(nil, &out)) //nolint:errcheck // the client went away
		return
	}
	writeJSON(w, http.StatusOK, out)
}

// statusWriter remembers the status and size of an answer for the log line.
type statusWriter struct {
	http.ResponseWriter
	status int
	size   int
}

func (s *statusWriter) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusWriter) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	n, err := s.ResponseWriter.Write(b)
	s.size += n
	return n, err
}

// logRequests logs each request's route pattern (never the path: it holds ids), status,
// sizes and duration. Nothing from headers or bodies.
func (r *Relay) logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, req)
		route := req.Pattern
		if route == "" {
			route = "unmatched"
		}
		r.log.Info("relay request", "route", route, "status", sw.status,
			"in", max(req.ContentLength, 0), "out", sw.size, "ms", float64(time.Since(start).Microseconds())/1000)
	})
}
