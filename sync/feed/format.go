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

	formatName    = "dagsorden-feed"
	formatVersion = 1
	manifestName  = "dagsorden-manifest"
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
	Format    string          `json:"format"`
	Version   int             `json:"version"`
	Title     string          `json:"title,omitempty"`
	Published time.Time       `json:"published"`
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
	Format    string          `json:"format"`
	Version   int             `json:"version"`
	Key       string          `json:"key"`
	Signature string          `json:"signature"`
	Index     json.RawMessage `json:"index"`
}

// signedMessage is what the signature covers: a domain label, so a signature made for
// something else can never pass as a feed index, and the index bytes as published.
func signedMessage(index []byte) []byte {
	return append([]byte("dagsorden feed index v1\n"), index...)
}

// sealIndex builds index.json: the index bytes appear verbatim in the envelope, so the
// client verifies exactly the bytes it parses.
func sealIndex(idx *Index, priv ed25519.PrivateKey) ([]byte, error) {
	payload, err := json.Marshal(idx)
	if err != nil {
		return nil, fmt.Errorf("encode index: %w", err)
	}
	sig := ed25519.Sign(priv, signedMessage(payload))
	var b bytes.Buffer
	fmt.Fprintf(&b, "{\"format\":%q,\"version\":%d,\"key\":%q,\"signature\":%q,\n\"index\":",
		formatName, formatVersion, EncodeKey(priv.Public().(ed25519.PublicKey)), base64.StdEncoding.EncodeToString(sig))
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
// nil), the signature, and the index's shape. It returns the index and the key that
// signed it. where names the feed in messages.
func OpenIndex(data []byte, pinned ed25519.PublicKey, where string) (*Index, ed25519.PublicKey, error) {
	var env envelope
	if err := json.Unmarshal(data, &env); err != nil {
		return nil, nil, reject("the feed at %s has no readable index (%s); refusing it", where, shortJSONError(err))
	}
	if env.Format != formatName {
		return nil, nil, reject("%s is not a dagsorden feed index; refusing it", where)
	}
	if env.Version != formatVersion {
		return nil, nil, reject("the feed at %s is version %d, which this dagsorden cannot read (it reads version %d); update dagsorden", where, env.Version, formatVersion)
	}
	rawKey, err := base64.StdEncoding.DecodeString(env.Key)
	if err != nil || len(rawKey) != ed25519.PublicKeySize {
		return nil, nil, reject("the feed at %s names no valid signing key; refusing it", where)
	}
	key := ed25519.PublicKey(rawKey)
	if pinned != nil && !key.Equal(pinned) {
		return nil, nil, reject("the feed at %s is signed with key %s, not the pinned publisher key %s; refusing it", where, Fingerprint(key), Fingerprint(pinned))
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
	if m.Format != manifestName || m.Version != formatVersion {
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
