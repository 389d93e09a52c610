// Package feed is the dagsorden feed: a directory of plain files that any static web
// server or object store can serve, through which a secretariat or a party group
// publishes its own agenda packages (closed items included) to members.
//
// Layout of a feed directory:
//
//	index.json                  signed index: every meeting's manifest hash (written last)
//	blobs/sha256/<64 hex>       content-addressed blobs: manifests, item bodies,
//	                            attachments, documents
//
// index.json is an envelope {"format","version","key","signature","index"} whose
// "index" value is signed byte for byte with ed25519 (see signedMessage). A manifest
// names one meeting (without its items) and, per item, the blob of the item's body and
// the blobs of its attachments. Since every blob is named by its sha256 and every
// manifest's hash sits in the signed index, the signature covers the whole feed.
//
// The client (Sync) pins the publisher's key, asks for index.json with conditional
// headers (an unchanged feed costs one request and no body), fetches only blobs it does
// not have, verifies every hash and the signature before it applies anything, and
// applies each meeting in one store transaction. Nothing read from a feed ever becomes a
// file name: blobs are stored and fetched under their verified hash only.
//
// This package must not draw anything or import the UI: progress goes to a callback.
package feed

import (
	"bytes"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/dagsorden/dagsorden/agenda"
)

const (
	// IndexName is the index file in a feed directory.
	IndexName = "index.json"
	// BlobDir is where blobs live, below the feed directory.
	BlobDir = "blobs/sha256"

	formatName = "dagsorden-feed"
	// formatVersion 2: the index carries a sequence number and an expiry, and the
	// envelope key rotations. Version 1 indexes (no expiry: a frozen feed would go
	// unnoticed) are refused with a sentence asking for a new publication.
	formatVersion   = 2
	manifestName    = "dagsorden-manifest"
	manifestVersion = 1
)

// Freshness rules (as TUF's for its metadata).
const (
	// DefaultValidity is how long an index stays valid unless the publisher says
	// otherwise; a publisher re-signs an unchanged feed once half of it has passed.
	DefaultValidity = 30 * 24 * time.Hour
	// MaxValidity bounds the expiry a publisher may set: an index valid for years
	// would make a frozen feed undetectable.
	MaxValidity = 366 * 24 * time.Hour
	// MaxClockSkew is how far in the future an index's publication time may lie
	// (clocks differ); a later one is refused rather than adopted.
	MaxClockSkew = 24 * time.Hour
)

// Limits on what a feed may make a client read. They keep a hostile or broken feed from
// exhausting memory; real agendas are far below them (Greve's largest item is 190 KB).
const (
	MaxIndexSize    = 32 << 20
	MaxManifestSize = 4 << 20
	MaxItemSize     = 16 << 20
	MaxDocumentSize = 16 << 20
	// DefaultMaxAttachment caps one attachment unless the source sets its own cap.
	DefaultMaxAttachment = 200 << 20
	maxMeetings          = 100000
	maxItems             = 10000
	maxAttachments       = 1000
)

// Index is the signed list of what the feed holds.
type Index struct {
	Format  string `json:"format"`
	Version int    `json:"version"`
	Title   string `json:"title,omitempty"`
	// Sequence grows by one with every index the publisher signs. A subscriber
	// records the highest it verified, before applying anything, and refuses a lower
	// one: an old index, however validly signed, cannot roll the feed back.
	Sequence  uint64    `json:"sequence"`
	Published time.Time `json:"published"`
	// Expires is when the index stops being valid: a feed whose publisher stopped
	// signing (or that an attacker freezes at an old index) is refused after it.
	Expires   time.Time       `json:"expires"`
	Meetings  []IndexMeeting  `json:"meetings"`
	Documents []IndexDocument `json:"documents,omitempty"`
}

// IndexMeeting is one meeting of the index. ID is the publisher's meeting id; the
// client uses it only to remember what it applied.
type IndexMeeting struct {
	ID       string    `json:"id"`
	Body     string    `json:"body"`
	Title    string    `json:"title,omitempty"`
	Start    time.Time `json:"start"`
	Manifest Blob      `json:"manifest"`
}

// IndexDocument is one piece of reading material; its blob is the agenda.Document JSON.
type IndexDocument struct {
	ID    string `json:"id"`
	Title string `json:"title,omitempty"`
	Blob  Blob   `json:"blob"`
}

// Blob names a blob by hash and says how big it is, so a client can refuse an
// oversized one before reading it.
type Blob struct {
	SHA256 string `json:"sha256"`
	Size   int64  `json:"size"`
}

// Manifest is one meeting: its fields without items, and per item the blobs.
type Manifest struct {
	Format  string         `json:"format"`
	Version int            `json:"version"`
	Meeting agenda.Meeting `json:"meeting"` // Items is empty here
	Items   []ManifestItem `json:"items"`
}

// ManifestItem points at an item body (agenda.Item JSON, attachments without content)
// and at the attachment contents the feed carries.
type ManifestItem struct {
	Body        Blob   `json:"body"`
	Attachments []Blob `json:"attachments,omitempty"`
}

type envelope struct {
	Format    string `json:"format"`
	Version   int    `json:"version"`
	Key       string `json:"key"`
	Signature string `json:"signature"`
	// Rotations lead from the feed's earlier keys to Key, oldest first: each names a
	// key and its successor and is signed by the key it leaves. A subscriber who pinned
	// an earlier key follows them to the current one; nothing else moves a pin.
	Rotations []Rotation      `json:"rotations,omitempty"`
	Index     json.RawMessage `json:"index"`
}

// Rotation is a publisher's statement that key From hands over to key To, signed by
// From.
type Rotation struct {
	From      string `json:"from"`
	To        string `json:"to"`
	Signature string `json:"signature"`
}

// signedMessage is what the signature covers: a domain label, so a signature made for
// something else can never pass as a feed index, and the index bytes as published.
func signedMessage(index []byte) []byte {
	return append([]byte("dagsorden feed index v2\n"), index...)
}

// rotationMessage is what a rotation's signature covers.
func rotationMessage(from, to string) []byte {
	return []byte("dagsorden feed key rotation v1\n" + from + "\n" + to + "\n")
}

// Rotate signs the statement that key old hands the feed over to key next.
func Rotate(old ed25519.PrivateKey, next ed25519.PublicKey) Rotation {
	from, to := EncodeKey(old.Public().(ed25519.PublicKey)), EncodeKey(next)
	return Rotation{From: from, To: to, Signature: base64.StdEncoding.EncodeToString(ed25519.Sign(old, rotationMessage(from, to)))}
}

// follow walks the rotations from pinned to key; ok when every step is signed by the
// key it leaves.
func follow(pinned, key ed25519.PublicKey, rotations []Rotation) bool {
	cur := EncodeKey(pinned)
	target := EncodeKey(key)
	for steps := 0; cur != target && steps <= len(rotations); steps++ {
		next := ""
		for _, r := range rotations {
			if r.From != cur {
				continue
			}
			k, err := ParsePublicKey(r.From)
			sig, serr := base64.StdEncoding.DecodeString(r.Signature)
			if err != nil || serr != nil || !ed25519.Verify(k, rotationMessage(r.From, r.To), sig) {
				continue
			}
			if _, err := ParsePublicKey(r.To); err == nil {
				next = r.To
				break
			}
		}
		if next == "" {
			return false
		}
		cur = next
	}
	return cur == target
}

// sealIndex builds index.json: the index bytes appear verbatim in the envelope, so the
// client verifies exactly the bytes it parses.
func sealIndex(idx *Index, priv ed25519.PrivateKey, rotations []Rotation) ([]byte, error) {
	payload, err := json.Marshal(idx)
	if err != nil {
		return nil, fmt.Errorf("encode index: %w", err)
	}
	sig := ed25519.Sign(priv, signedMessage(payload))
	var b bytes.Buffer
	fmt.Fprintf(&b, "{\"format\":%q,\"version\":%d,\"key\":%q,\"signature\":%q,\n",
		formatName, formatVersion, EncodeKey(priv.Public().(ed25519.PublicKey)), base64.StdEncoding.EncodeToString(sig))
	if len(rotations) > 0 {
		rot, err := json.Marshal(rotations)
		if err != nil {
			return nil, fmt.Errorf("encode key rotations: %w", err)
		}
		b.WriteString("\"rotations\":")
		b.Write(rot)
		b.WriteString(",\n")
	}
	b.WriteString("\"index\":")
	b.Write(payload)
	b.WriteString("}\n")
	return b.Bytes(), nil
}

// Rejection is why a feed was refused. Its text is one sentence for the user; nothing
// from a rejected feed is applied.
type Rejection struct {
	Reason string
}

func (r *Rejection) Error() string { return r.Reason }

// ErrRejected matches every *Rejection with errors.Is.
var ErrRejected = errors.New("feed rejected")

// Is lets errors.Is(err, ErrRejected) find a rejection.
func (r *Rejection) Is(target error) bool { return target == ErrRejected }

func reject(format string, args ...any) error {
	return &Rejection{Reason: fmt.Sprintf(format, args...)}
}

// OpenIndex checks index.json: the envelope, the key against pinned (when pinned is not
// nil: the signing key must be pinned, or reached from it by the envelope's rotations,
// each signed by the key it leaves), the signature, and the index's shape. It returns
// the index and the key that signed it. where names the feed in messages. Whether the
// index is fresh is CheckFresh's question.
func OpenIndex(data []byte, pinned ed25519.PublicKey, where string) (*Index, ed25519.PublicKey, error) {
	var env envelope
	if err := json.Unmarshal(data, &env); err != nil {
		return nil, nil, reject("the feed at %s has no readable index (%s); refusing it", where, shortJSONError(err))
	}
	if env.Format != formatName {
		return nil, nil, reject("%s is not a dagsorden feed index; refusing it", where)
	}
	switch {
	case env.Version == 1:
		return nil, nil, reject("the feed at %s was published by an older dagsorden (format 1, whose indexes never expire); ask its publisher to publish it again with a current one", where)
	case env.Version != formatVersion:
		return nil, nil, reject("the feed at %s is version %d, which this dagsorden cannot read (it reads version %d); update dagsorden", where, env.Version, formatVersion)
	}
	rawKey, err := base64.StdEncoding.DecodeString(env.Key)
	if err != nil || len(rawKey) != ed25519.PublicKeySize {
		return nil, nil, reject("the feed at %s names no valid signing key; refusing it", where)
	}
	key := ed25519.PublicKey(rawKey)
	if pinned != nil && !key.Equal(pinned) && !follow(pinned, key, env.Rotations) {
		return nil, nil, reject("the feed at %s is signed with key %s, not the pinned publisher key %s, and no key rotation signed by the pinned key leads to it; refusing it", where, Fingerprint(key), Fingerprint(pinned))
	}
	sig, err := base64.StdEncoding.DecodeString(env.Signature)
	if err != nil || !ed25519.Verify(key, signedMessage(env.Index), sig) {
		return nil, nil, reject("the feed at %s has a bad signature (its index was altered or not signed by key %s); refusing it", where, Fingerprint(key))
	}
	var idx Index
	if err := json.Unmarshal(env.Index, &idx); err != nil {
		return nil, nil, reject("the feed at %s has a malformed index (%s); refusing it", where, shortJSONError(err))
	}
	if err := idx.validate(); err != nil {
		return nil, nil, reject("the feed at %s has a malformed index (%v); refusing it", where, err)
	}
	return &idx, key, nil
}

func (idx *Index) validate() error {
	if idx.Format != formatName || idx.Version != formatVersion {
		return fmt.Errorf("format %q version %d", idx.Format, idx.Version)
	}
	if idx.Published.IsZero() || idx.Expires.IsZero() {
		return errors.New("no publication time or no expiry")
	}
	if !idx.Expires.After(idx.Published) || idx.Expires.Sub(idx.Published) > MaxValidity {
		return fmt.Errorf("an expiry %s after its publication, outside 0–%d days", idx.Expires.Sub(idx.Published).Round(time.Hour), int(MaxValidity.Hours()/24))
	}
	if len(idx.Meetings) > maxMeetings || len(idx.Documents) > maxMeetings {
		return errors.New("too many entries")
	}
	seen := map[string]bool{}
	for i, m := range idx.Meetings {
		if !validID(m.ID) {
			return fmt.Errorf("meeting %d has an invalid id", i+1)
		}
		if seen["m"+m.ID] {
			return fmt.Errorf("meeting %s is listed twice", m.ID)
		}
		seen["m"+m.ID] = true
		if err := m.Manifest.validate(MaxManifestSize); err != nil {
			return fmt.Errorf("meeting %s: manifest %w", m.ID, err)
		}
	}
	for i, d := range idx.Documents {
		if !validID(d.ID) {
			return fmt.Errorf("document %d has an invalid id", i+1)
		}
		if seen["d"+d.ID] {
			return fmt.Errorf("document %s is listed twice", d.ID)
		}
		seen["d"+d.ID] = true
		if err := d.Blob.validate(MaxDocumentSize); err != nil {
			return fmt.Errorf("document %s: %w", d.ID, err)
		}
	}
	return nil
}

// CheckFresh refuses an index that has expired (its publisher stopped signing it, or
// someone serves an old one to hide what came after) or claims a publication time
// further ahead than clocks differ (adopted, it would make every later genuine index
// look old). now is the subscriber's clock.
func CheckFresh(idx *Index, now time.Time, where string) error {
	if idx.Published.After(now.Add(MaxClockSkew)) {
		return reject("the feed at %s has an index published %s, in the future by this computer's clock; refusing it (check the clock here and at the publisher)", where, idx.Published.Format("2006-01-02 15:04"))
	}
	if now.After(idx.Expires) {
		return expired(where, idx.Expires)
	}
	return nil
}

func expired(where string, at time.Time) error {
	return reject("the feed at %s expired on %s: its publisher has not signed it since, so newer agendas may be withheld; refusing it until the publisher publishes again", where, at.In(agenda.Copenhagen).Format("2006-01-02 15:04"))
}

func (b Blob) validate(limit int64) error {
	if !ValidHash(b.SHA256) {
		return errors.New("has an invalid sha256")
	}
	if b.Size < 0 || b.Size > limit {
		return fmt.Errorf("is %d bytes, over the limit of %d", b.Size, limit)
	}
	return nil
}

// ValidHash reports whether s is a lowercase hex sha256: the only kind of name a blob
// may have, and so the only name from a feed that ever reaches the file system.
func ValidHash(s string) bool {
	if len(s) != 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	_, err := hex.DecodeString(s)
	return err == nil
}

func validID(s string) bool {
	if len(s) == 0 || len(s) > 128 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}

// parseManifest decodes and checks a manifest blob (already verified against its hash).
func parseManifest(data []byte, maxAttachment int64) (*Manifest, error) {
	var m Manifest
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("unreadable (%s)", shortJSONError(err))
	}
	if m.Format != manifestName || m.Version != manifestVersion {
		return nil, fmt.Errorf("format %q version %d", m.Format, m.Version)
	}
	if m.Meeting.Body.Name == "" || m.Meeting.Start.IsZero() {
		return nil, errors.New("the meeting has no body or no start time")
	}
	if len(m.Meeting.Items) != 0 {
		return nil, errors.New("items inside the meeting record")
	}
	if len(m.Items) > maxItems {
		return nil, errors.New("too many items")
	}
	for i, it := range m.Items {
		if err := it.Body.validate(MaxItemSize); err != nil {
			return nil, fmt.Errorf("item %d: body %w", i+1, err)
		}
		if len(it.Attachments) > maxAttachments {
			return nil, fmt.Errorf("item %d: too many attachments", i+1)
		}
		for _, a := range it.Attachments {
			if err := a.validate(maxAttachment); err != nil {
				return nil, fmt.Errorf("item %d: attachment %w", i+1, err)
			}
		}
	}
	return &m, nil
}

// parseItem decodes an item body and ties its attachments to the contents the manifest
// lists: an attachment the manifest carries must be declared in the item with the same
// hash and size.
func parseItem(data []byte, mi ManifestItem) (*agenda.Item, error) {
	var it agenda.Item
	if err := json.Unmarshal(data, &it); err != nil {
		return nil, fmt.Errorf("unreadable (%s)", shortJSONError(err))
	}
	if len(it.Attachments) > maxAttachments {
		return nil, errors.New("too many attachments")
	}
	declared := map[string]int64{}
	for _, a := range it.Attachments {
		if a.SHA256 != "" {
			declared[a.SHA256] = a.Size
		}
	}
	for _, b := range mi.Attachments {
		size, ok := declared[b.SHA256]
		if !ok || size != b.Size {
			return nil, fmt.Errorf("attachment %s is not declared by the item", b.SHA256[:12])
		}
	}
	return &it, nil
}

func shortJSONError(err error) string {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Sprintf("invalid JSON at byte %d", se.Offset)
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return fmt.Sprintf("wrong type for %s", te.Field)
	}
	return "invalid JSON"
}
