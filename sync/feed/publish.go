package feed

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/dagsorden/dagsorden/agenda"
	"github.com/dagsorden/dagsorden/sync/internal/atomicfile"
)

// PublishOptions tune Publish.
type PublishOptions struct {
	// Title names the feed for subscribers ("KKR Hovedstaden, sekretariatet").
	Title string
	// ReplaceKey allows publishing into a folder whose feed was signed with another
	// key. Without it Publish refuses: every subscriber would reject the new index.
	ReplaceKey bool
	// PreviousKey is the key the feed was signed with until now, when the publisher
	// moves to a new one: the index then carries the rotation, signed by the old key,
	// and subscribers who pinned it follow to the new one.
	PreviousKey ed25519.PrivateKey
	// Validity is how long the index stays valid (0: DefaultValidity; at most
	// MaxValidity). An unchanged feed is signed again once half of it has passed, so
	// publish from a timer (cron) at least that often.
	Validity time.Duration
	// Now is the clock (tests); nil means time.Now.
	Now func() time.Time
}

// PublishResult says what Publish did.
type PublishResult struct {
	Meetings, Documents int
	Blobs               int   // blobs the index reaches
	NewBlobs            int   // of which written now
	NewBytes            int64 // bytes of the new blobs
	// IndexChanged is false when the feed already held exactly these meetings and
	// documents: then index.json is left alone, so subscribers' next sync costs them one
	// request with no body.
	IndexChanged bool
	Fingerprint  string
	// Duplicates counts meetings given more than once (the later release was kept).
	Duplicates int
}

// Publish writes pkg as a feed into dir, signed with priv. Blobs are written first
// (content-addressed, each atomically and durably), index.json last, so a reader or a
// crash never sees an index that points at a missing blob. Blobs no longer referenced
// are left in place: a subscriber in the middle of a sync may still need them.
func Publish(pkg agenda.Package, dir string, priv ed25519.PrivateKey, opts PublishOptions) (PublishResult, error) {
	now := time.Now
	if opts.Now != nil {
		now = opts.Now
	}
	pub := priv.Public().(ed25519.PublicKey)
	res := PublishResult{Fingerprint: Fingerprint(pub)}
	blobDir := filepath.Join(dir, filepath.FromSlash(BlobDir))
	if err := os.MkdirAll(blobDir, 0o755); err != nil {
		return res, fmt.Errorf("create feed folder: %w", err)
	}
	validity := opts.Validity
	if validity <= 0 {
		validity = DefaultValidity
	}
	if validity > MaxValidity {
		return res, fmt.Errorf("an index may be valid for at most %d days, not %d", int(MaxValidity.Hours()/24), int(validity.Hours()/24))
	}
	t := now().UTC()
	indexPath := filepath.Join(dir, IndexName)
	old, oldErr := os.ReadFile(indexPath)
	var oldEnv envelope
	var oldIdx Index
	if oldErr == nil && json.Unmarshal(old, &oldEnv) == nil {
		json.Unmarshal(oldEnv.Index, &oldIdx) // a version 1 index has no sequence: 0
	}
	rotations := oldEnv.Rotations
	if oldEnv.Key != "" && oldEnv.Key != EncodeKey(pub) {
		k, _ := ParsePublicKey(oldEnv.Key)
		switch {
		case opts.PreviousKey != nil && EncodeKey(opts.PreviousKey.Public().(ed25519.PublicKey)) == oldEnv.Key:
			rotations = append(slices.Clone(rotations), Rotate(opts.PreviousKey, pub))
		case opts.PreviousKey != nil:
			return res, fmt.Errorf("%s is signed with key %s, not with the previous key given", dir, Fingerprint(k))
		case !opts.ReplaceKey:
			return res, fmt.Errorf("%s holds a feed signed with another key (%s); its subscribers would refuse this one, so give that key as the previous key (the rotation is signed with it), publish to a new folder, or use the old key", dir, Fingerprint(k))
		default:
			rotations = nil // a new feed in the old folder: its subscribers must trust it anew
		}
	}
	w := &blobWriter{dir: blobDir, seen: map[string]bool{}}

	meetings := dedupe(pkg.Meetings, &res.Duplicates)
	idx := &Index{Format: formatName, Version: formatVersion, Title: opts.Title, Published: t, Expires: t.Add(validity), Meetings: []IndexMeeting{}}
	for i := range meetings {
		m := &meetings[i]
		man := Manifest{Format: manifestName, Version: manifestVersion, Meeting: *m}
		man.Meeting.Items = nil
		man.Meeting.Source.Path = "" // the publisher's file names are none of the subscribers' business
		for j := range m.Items {
			it := m.Items[j]
			it.Attachments = slices.Clone(it.Attachments)
			var mi ManifestItem
			for k := range it.Attachments {
				a := &it.Attachments[k]
				if len(a.Content) == 0 {
					continue
				}
				b, err := w.put(a.Content)
				if err != nil {
					return res, err
				}
				a.SHA256, a.Size = b.SHA256, b.Size
				if !slices.Contains(mi.Attachments, b) {
					mi.Attachments = append(mi.Attachments, b)
				}
			}
			body, err := json.Marshal(&it)
			if err != nil {
				return res, fmt.Errorf("encode item %s of %s: %w", it.Number, m.Title, err)
			}
			if mi.Body, err = w.put(body); err != nil {
				return res, err
			}
			man.Items = append(man.Items, mi)
		}
		data, err := json.Marshal(&man)
		if err != nil {
			return res, fmt.Errorf("encode meeting %s: %w", m.Title, err)
		}
		b, err := w.put(data)
		if err != nil {
			return res, err
		}
		idx.Meetings = append(idx.Meetings, IndexMeeting{ID: m.ID, Body: m.Body.Name, Title: m.Title, Start: m.Start, Manifest: b})
	}
	for _, d := range pkg.Documents {
		d.Source.Path = ""
		data, err := json.Marshal(&d)
		if err != nil {
			return res, fmt.Errorf("encode document %s: %w", d.Title, err)
		}
		b, err := w.put(data)
		if err != nil {
			return res, err
		}
		idx.Documents = append(idx.Documents, IndexDocument{ID: d.ID, Title: d.Title, Blob: b})
	}
	if err := idx.validate(); err != nil {
		return res, fmt.Errorf("the package cannot be published: %v", err)
	}
	res.Meetings, res.Documents = len(idx.Meetings), len(idx.Documents)
	res.Blobs, res.NewBlobs, res.NewBytes = len(w.seen), w.written, w.bytes
	if err := w.flush(); err != nil {
		return res, err
	}

	var oldMod time.Time
	if oldErr == nil {
		// Unchanged content keeps its index (subscribers' next sync costs one request
		// without a body) until half its validity has passed: then it is signed again
		// with a new expiry, before subscribers would refuse it as expired.
		if prev, _, err := OpenIndex(old, pub, dir); err == nil && sameContent(prev, idx) && len(rotations) == len(oldEnv.Rotations) &&
			!prev.Published.After(t) && t.Before(prev.Expires.Add(-prev.Expires.Sub(prev.Published)/2)) {
			return res, nil
		}
		if fi, err := os.Stat(indexPath); err == nil {
			oldMod = fi.ModTime()
		}
	}
	// The next number, and at least the time in milliseconds: an index restored from a
	// backup into the folder cannot make the publisher hand out a number twice.
	idx.Sequence = max(oldIdx.Sequence+1, uint64(max(t.UnixMilli(), 0)))
	data, err := sealIndex(idx, priv, rotations)
	if err != nil {
		return res, err
	}
	// Static servers give Last-Modified in whole seconds and answer 304 when it is not
	// after the client's If-Modified-Since. A re-publication within the same second as
	// the previous one must still look newer, so its time moves to the next second.
	mod := time.Now()
	if !oldMod.IsZero() && !mod.Truncate(time.Second).After(oldMod.Truncate(time.Second)) {
		mod = oldMod.Truncate(time.Second).Add(time.Second)
	}
	if err := atomicfile.WriteModTime(indexPath, data, 0o644, mod); err != nil {
		return res, err
	}
	res.IndexChanged = true
	return res, nil
}

// dedupe keeps one meeting per id at its newest release (agenda.Latest), in start order
// so the index is stable.
func dedupe(ms []agenda.Meeting, dups *int) []agenda.Meeting {
	out, dropped := agenda.Latest(ms)
	*dups += dropped
	slices.SortStableFunc(out, func(a, b agenda.Meeting) int {
		if c := a.Start.Compare(b.Start); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return out
}

func sameContent(a, b *Index) bool {
	x, y := *a, *b
	x.Published, y.Published = time.Time{}, time.Time{}
	x.Expires, y.Expires = time.Time{}, time.Time{}
	x.Sequence, y.Sequence = 0, 0
	bx, _ := json.Marshal(&x)
	by, _ := json.Marshal(&y)
	return bytes.Equal(bx, by)
}

type blobWriter struct {
	dir     string
	seen    map[string]bool
	written int
	bytes   int64
	pending []string // new blob files not yet fsynced
}

// flush makes the new blobs durable before the index that names them is written.
func (w *blobWriter) flush() error {
	if len(w.pending) == 0 {
		return nil
	}
	if err := syncFiles(w.dir, w.pending); err != nil {
		return fmt.Errorf("write blobs: %w", err)
	}
	w.pending = nil
	return atomicfile.SyncDir(w.dir)
}

func (w *blobWriter) put(data []byte) (Blob, error) {
	sum := sha256.Sum256(data)
	h := hex.EncodeToString(sum[:])
	b := Blob{SHA256: h, Size: int64(len(data))}
	if w.seen[h] {
		return b, nil
	}
	w.seen[h] = true
	p := filepath.Join(w.dir, h)
	if fi, err := os.Stat(p); err == nil && fi.Size() == b.Size {
		return b, nil // written by an earlier publication (renames make it whole)
	}
	if err := atomicfile.WriteNoSync(p, data, 0o644); err != nil {
		return b, err
	}
	w.pending = append(w.pending, p)
	w.written++
	w.bytes += b.Size
	return b, nil
}
