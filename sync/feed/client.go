package feed

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/dagsorden/dagsorden/agenda"
	"github.com/dagsorden/dagsorden/store"
	"github.com/dagsorden/dagsorden/sync/httpx"
	"github.com/dagsorden/dagsorden/sync/progress"
)

// Store is what a feed sync needs of the store.
type Store interface {
	Import(p agenda.Package) ([]store.ImportResult, error)
	Meeting(id string) (*agenda.Meeting, error)
	HasAttachment(sha256 string) (bool, error)
}

// State is what a subscriber remembers of one feed between syncs. The caller keeps it
// (beside the store) and passes it back; Sync updates it in place, also on failure, so
// meetings already applied are not applied again.
type State struct {
	// Key is the publisher key the rest of the state was verified with.
	Key string `json:"key,omitempty"`
	// Index are the validators of the last index applied in full. They are set only
	// when everything the index names is in the store, so a 304 means "nothing to do".
	Index     Validators `json:"index"`
	Published time.Time  `json:"published,omitzero"`
	Filter    string     `json:"filter,omitempty"`
	// Sequence is the highest index number verified, recorded before anything of that
	// index is applied (and kept across key rotations); IndexSHA256 is that index's
	// hash and Expires its expiry, which also holds for a 304 answer.
	Sequence    uint64    `json:"sequence,omitempty"`
	IndexSHA256 string    `json:"index_sha256,omitempty"`
	Expires     time.Time `json:"expires,omitzero"`
	// Meetings and Documents map the index's ids to the manifest/blob hash applied.
	Meetings  map[string]string `json:"meetings,omitempty"`
	Documents map[string]string `json:"documents,omitempty"`
}

// Options for one Sync.
type Options struct {
	Source string // the source's name, for progress reports
	// Location is the feed: an http(s) base address (index.json below it) or a folder.
	Location string
	// Key is the pinned publisher key; nil means trust on first use.
	Key ed25519.PublicKey
	// HTTP is the client; nil means one with no rate limit (a feed is static files
	// built to be fetched in bulk) that is still HTTPS-only and size-capped.
	HTTP  *httpx.Client
	Cache *Cache
	// Parallel bounds concurrent downloads; 0 means 8.
	Parallel int
	// MaxAttachment caps one attachment; 0 means DefaultMaxAttachment.
	MaxAttachment int64
	// Wants limits the sync to meetings of these bodies (nil: all). Filter names the
	// selection (source.FilterKey): validators earned under another selection are not
	// trusted, so a 304 never hides meetings that were filtered out before.
	Wants  func(body string) bool
	Filter string
	// Checkpoint saves the state durably. Sync calls it after forgetting the meetings
	// it is about to apply and before the first store write: a sync killed halfway then
	// re-checks those meetings next time instead of trusting a state older than the
	// store (which would leave a meeting at the wrong version if the publisher reverts
	// it). nil means the caller saves only at the end.
	Checkpoint func() error
	// DryRun fetches and verifies what it must to say what would change (not the
	// attachments), and writes nothing to the store.
	DryRun   bool
	Progress progress.Func
	// Now is the clock that judges expiry; nil means time.Now.
	Now func() time.Time
}

// Result says what a Sync did.
type Result struct {
	// NotModified: the index was unchanged since the last full sync (one request, no body).
	NotModified bool
	// Key signed the index; TrustedOnFirstUse is set when no key was pinned, so the
	// caller pins it and shows its fingerprint.
	Key               ed25519.PublicKey
	TrustedOnFirstUse bool
	// KeyRotated: the feed is signed by a new key that rotations signed by the pinned
	// key lead to; the caller pins Key from now on.
	KeyRotated bool
	Title      string
	Meetings   int // in the index
	Fetched    int // meetings whose manifest changed since the last sync
	Imports    []store.ImportResult
	Documents  int
	// Planned is filled in a dry run: what each changed meeting would do.
	Planned []Plan
	Stats   Stats
}

// Plan is what a dry run found for one meeting.
type Plan struct {
	MeetingID string
	Body      string
	Title     string
	Start     time.Time
	New       bool
	Changes   []agenda.ItemChange // only entries that are not Unchanged
}

type fetchedMeeting struct {
	entry    IndexMeeting
	manifest *Manifest
	meeting  agenda.Meeting
	carried  map[string]bool // attachment hashes whose content the feed carries
}

// Sync brings the feed into st. It verifies the signature and every hash before it
// applies anything, then applies each changed meeting in one store transaction. A
// rejection (bad signature, wrong key, tampered blob, malformed index) is a *Rejection
// and leaves the store untouched.
func Sync(ctx context.Context, st Store, state *State, opts Options) (res Result, err error) {
	if opts.Cache == nil {
		return res, errors.New("feed sync needs a blob cache")
	}
	if opts.HTTP == nil {
		opts.HTTP = httpx.New(httpx.Options{Rate: -1})
	}
	if opts.Parallel <= 0 {
		opts.Parallel = 8
	}
	if opts.MaxAttachment <= 0 {
		opts.MaxAttachment = DefaultMaxAttachment
	}
	var cnt counters
	defer func() { res.Stats = cnt.stats() }()
	f, err := newFetcher(opts.Location, opts.HTTP, &cnt)
	if err != nil {
		return res, err
	}
	s := &syncer{opts: opts, f: f, st: st, cnt: &cnt}
	s.report(progress.Progress{Phase: progress.PhaseIndex, Message: "asking " + f.where()})

	// The validators count only if they were earned with the key we trust now.
	pinned := opts.Key
	var cond Validators
	if state.Key != "" && (pinned == nil || state.Key == EncodeKey(pinned)) && state.Filter == opts.Filter {
		cond = state.Index
	}
	body, v, notModified, err := f.get(ctx, IndexName, cond, MaxIndexSize)
	if err != nil {
		var se *httpx.StatusError
		if errors.As(err, &se) && se.Status == 404 {
			return res, reject("there is no dagsorden feed at %s (no %s)", f.where(), IndexName)
		}
		return res, fmt.Errorf("fetch the feed index: %w", err)
	}
	now := time.Now()
	if opts.Now != nil {
		now = opts.Now()
	}
	if notModified {
		// The server says nothing changed; the index it stands by must still be valid,
		// or a server could freeze the feed by answering 304 for ever.
		if !state.Expires.IsZero() && now.After(state.Expires) {
			return res, expired(f.where(), state.Expires)
		}
		res.NotModified = true
		res.Key = pinned
		return res, nil
	}
	idx, key, err := OpenIndex(body, pinned, f.where())
	if err != nil {
		return res, err
	}
	if err := CheckFresh(idx, now, f.where()); err != nil {
		return res, err
	}
	res.Key, res.TrustedOnFirstUse, res.Title, res.Meetings = key, pinned == nil, idx.Title, len(idx.Meetings)
	res.KeyRotated = pinned != nil && !key.Equal(pinned)
	sum := sha256.Sum256(body)
	hash := hex.EncodeToString(sum[:])
	switch {
	case state.Key == EncodeKey(key):
	case res.KeyRotated && state.Key == EncodeKey(pinned):
		// A rotation the pinned key signed: what was verified with it still counts.
		state.Key = EncodeKey(key)
	default:
		// A new key (first sync, or a re-pinned feed): trust nothing remembered.
		*state = State{Key: EncodeKey(key)}
	}
	switch {
	case idx.Sequence < state.Sequence:
		return res, reject("the feed at %s offers index number %d, older than the one already synced (number %d); refusing it as a possible replay",
			f.where(), idx.Sequence, state.Sequence)
	case idx.Sequence == state.Sequence && state.IndexSHA256 != "" && hash != state.IndexSHA256:
		return res, reject("the feed at %s offers a second, different index numbered %d; refusing it (the publisher must number every index anew)", f.where(), idx.Sequence)
	}
	if !opts.DryRun && (idx.Sequence > state.Sequence || state.IndexSHA256 == "") {
		// Recorded before anything is applied: a sync interrupted from here on cannot
		// be followed by an older index.
		state.Sequence, state.IndexSHA256, state.Expires = idx.Sequence, hash, idx.Expires
		// The validators were earned by an older index: a 304 to them must not pass for
		// "this one is applied" (the older index's ETag would be answered with one).
		state.Index = Validators{}
		if opts.Checkpoint != nil {
			if err := opts.Checkpoint(); err != nil {
				return res, err
			}
		}
	}

	var todo []IndexMeeting
	for _, m := range idx.Meetings {
		if opts.Wants != nil && !opts.Wants(m.Body) {
			continue
		}
		if state.Meetings[m.ID] != m.Manifest.SHA256 {
			todo = append(todo, m)
		}
	}
	var docs []IndexDocument
	for _, d := range idx.Documents {
		if state.Documents[d.ID] != d.Blob.SHA256 {
			docs = append(docs, d)
		}
	}
	res.Fetched = len(todo)

	// 1. Manifests and documents.
	var first []Blob
	for _, m := range todo {
		first = append(first, m.Manifest)
	}
	for _, d := range docs {
		first = append(first, d.Blob)
	}
	if err := s.fetchAll(ctx, first); err != nil {
		return res, err
	}
	fetched := make([]*fetchedMeeting, len(todo))
	var second []Blob
	for i, m := range todo {
		data, ok := s.blob(m.Manifest.SHA256)
		if !ok {
			return res, fmt.Errorf("the blob cache lost manifest %s", m.Manifest.SHA256[:12])
		}
		man, err := parseManifest(data, opts.MaxAttachment)
		if err != nil {
			return res, reject("the feed at %s has a malformed manifest for meeting %s (%v); refusing it", f.where(), m.ID, err)
		}
		fetched[i] = &fetchedMeeting{entry: m, manifest: man, carried: map[string]bool{}}
		for _, it := range man.Items {
			second = append(second, it.Body)
			for _, a := range it.Attachments {
				fetched[i].carried[a.SHA256] = true
				if opts.DryRun {
					continue
				}
				if ok, err := st.HasAttachment(a.SHA256); err != nil {
					return res, fmt.Errorf("check the store for attachments: %w", err)
				} else if !ok {
					second = append(second, a)
				}
			}
		}
	}
	// 2. Item bodies and attachments: everything is fetched and verified before the
	// first meeting is applied.
	if err := s.fetchAll(ctx, second); err != nil {
		return res, err
	}
	s.report(progress.Progress{Phase: progress.PhaseVerify, Total: len(fetched)})
	for _, fm := range fetched {
		fm.meeting = fm.manifest.Meeting
		fm.meeting.Items = make([]agenda.Item, 0, len(fm.manifest.Items))
		for j, mi := range fm.manifest.Items {
			data, ok := s.blob(mi.Body.SHA256)
			if !ok {
				return res, fmt.Errorf("the blob cache lost item %s", mi.Body.SHA256[:12])
			}
			it, err := parseItem(data, mi)
			if err != nil {
				return res, reject("the feed at %s has a malformed item %d in meeting %s (%v); refusing it", f.where(), j+1, fm.entry.ID, err)
			}
			fm.meeting.Items = append(fm.meeting.Items, *it)
		}
		// The feed's own ids are not trusted: the subscriber derives them as any
		// importer does, and the store's Reconcile keeps them stable from then on.
		fm.meeting.Source.Format = "feed"
		fm.meeting.Source.Path = ""
		agenda.AssignIDs(&fm.meeting)
	}
	parsedDocs := make([]agenda.Document, 0, len(docs))
	for _, d := range docs {
		data, ok := s.blob(d.Blob.SHA256)
		if !ok {
			return res, fmt.Errorf("the blob cache lost document %s", d.Blob.SHA256[:12])
		}
		var doc agenda.Document
		if err := json.Unmarshal(data, &doc); err != nil || !validID(doc.ID) {
			return res, reject("the feed at %s has a malformed document %s; refusing it", f.where(), d.ID)
		}
		doc.Source.Format, doc.Source.Path = "feed", ""
		parsedDocs = append(parsedDocs, doc)
	}

	if opts.DryRun {
		for _, fm := range fetched {
			prev, err := st.Meeting(fm.meeting.ID)
			if err != nil && !errors.Is(err, store.ErrNotFound) {
				return res, fmt.Errorf("read the store: %w", err)
			}
			if err != nil {
				prev = nil
			}
			m := fm.meeting
			p := Plan{MeetingID: m.ID, Body: m.Body.Name, Title: m.Title, Start: m.Start, New: prev == nil}
			for _, c := range agenda.Reconcile(prev, &m) {
				if c.Kind != agenda.Unchanged {
					p.Changes = append(p.Changes, c)
				}
			}
			res.Planned = append(res.Planned, p)
		}
		res.Documents = len(parsedDocs)
		return res, nil
	}

	// 3. Apply: every meeting whole in one transaction (several to a transaction).
	if state.Meetings == nil {
		state.Meetings = map[string]string{}
	}
	if state.Documents == nil {
		state.Documents = map[string]string{}
	}
	if len(fetched) > 0 || len(docs) > 0 {
		for _, fm := range fetched {
			delete(state.Meetings, fm.entry.ID)
		}
		for _, d := range docs {
			delete(state.Documents, d.ID)
		}
		state.Index = Validators{}
		if opts.Checkpoint != nil {
			if err := opts.Checkpoint(); err != nil {
				return res, err
			}
		}
	}
	// The meetings go to the store a chunk at a time (at most applyChunk bytes of
	// attachments held in memory); the store writes each chunk in short transactions of
	// whole meetings.
	for start := 0; start < len(fetched); {
		if err := ctx.Err(); err != nil {
			return res, err
		}
		var chunk []agenda.Meeting
		var loaded [][]string
		var held int64
		end := start
		for ; end < len(fetched) && (end == start || held < applyChunk); end++ {
			m, l, n, err := withContent(st, s.blob, fetched[end])
			if err != nil {
				return res, err
			}
			chunk, loaded, held = append(chunk, m), append(loaded, l), held+n
		}
		first := fetched[start].meeting
		s.report(progress.Progress{Phase: progress.PhaseApply, Done: start, Total: len(fetched), Message: first.Body.Name + ": " + first.Title})
		results, err := st.Import(agenda.Package{Meetings: chunk})
		res.Imports = append(res.Imports, results...)
		// What was written is remembered even when a later meeting failed.
		for i := range results {
			fm := fetched[start+i]
			state.Meetings[fm.entry.ID] = fm.entry.Manifest.SHA256
			// The store holds the attachments now; the cache keeps only the small blobs.
			for _, h := range loaded[i] {
				opts.Cache.Remove(h)
			}
		}
		if err != nil {
			m := fetched[start+len(results)].meeting
			return res, fmt.Errorf("apply %s %s: %w", m.Body.Name, m.Start.In(agenda.Copenhagen).Format("2006-01-02"), err)
		}
		start = end
	}
	if len(parsedDocs) > 0 {
		if _, err := st.Import(agenda.Package{Documents: parsedDocs}); err != nil {
			return res, fmt.Errorf("apply documents: %w", err)
		}
		for _, d := range docs {
			state.Documents[d.ID] = d.Blob.SHA256
		}
		res.Documents = len(parsedDocs)
	}
	// Forget meetings the feed no longer lists (the store keeps them).
	inIndex := map[string]bool{}
	for _, m := range idx.Meetings {
		inIndex[m.ID] = true
	}
	for id := range state.Meetings {
		if !inIndex[id] {
			delete(state.Meetings, id)
		}
	}
	state.Index = v
	state.Published = idx.Published
	state.Expires = idx.Expires
	state.Filter = opts.Filter
	s.report(progress.Progress{Phase: progress.PhaseApply, Done: len(fetched), Total: len(fetched)})
	return res, nil
}

// applyChunk bounds the attachment bytes one Import call holds in memory.
const applyChunk = 64 << 20

// withContent is a fetched meeting ready for the store: the attachments the feed carries
// get their verified content from the cache (loaded lists them, n counts their bytes),
// or are already in the store.
func withContent(st Store, blob func(string) ([]byte, bool), fm *fetchedMeeting) (m agenda.Meeting, loaded []string, n int64, err error) {
	m = fm.meeting
	m.Items = append([]agenda.Item(nil), m.Items...)
	for j := range m.Items {
		it := &m.Items[j]
		it.Attachments = append([]agenda.Attachment(nil), it.Attachments...)
		for k := range it.Attachments {
			a := &it.Attachments[k]
			a.Content = nil
			if !fm.carried[a.SHA256] {
				continue
			}
			if data, ok := blob(a.SHA256); ok {
				a.Content = data
				loaded = append(loaded, a.SHA256)
				n += int64(len(data))
			} else if has, err := st.HasAttachment(a.SHA256); err != nil || !has {
				return m, nil, 0, fmt.Errorf("attachment %q of %s went missing during the sync; sync again", a.Title, m.Title)
			}
		}
	}
	return m, loaded, n, nil
}

// Probe fetches and verifies a feed's index without applying anything: for `source add`,
// to tell a feed from a site and to show the key that will be pinned.
func Probe(ctx context.Context, location string, pinned ed25519.PublicKey, hc *httpx.Client) (*Index, ed25519.PublicKey, error) {
	if hc == nil {
		hc = httpx.New(httpx.Options{Rate: -1})
	}
	var cnt counters
	f, err := newFetcher(location, hc, &cnt)
	if err != nil {
		return nil, nil, err
	}
	body, _, _, err := f.get(ctx, IndexName, Validators{}, MaxIndexSize)
	if err != nil {
		var se *httpx.StatusError
		if errors.As(err, &se) && se.Status == 404 {
			return nil, nil, reject("there is no dagsorden feed at %s (no %s)", f.where(), IndexName)
		}
		return nil, nil, fmt.Errorf("fetch the feed index: %w", err)
	}
	idx, key, err := OpenIndex(body, pinned, f.where())
	if err != nil {
		return nil, nil, err
	}
	if err := CheckFresh(idx, time.Now(), f.where()); err != nil {
		return nil, nil, err
	}
	return idx, key, nil
}

// freshBudget bounds the verified blobs a sync keeps in memory for applying them, so
// they are not read back from the cache and hashed a second time.
const freshBudget = 256 << 20

type syncer struct {
	freshMu    sync.Mutex
	fresh      map[string][]byte
	freshBytes int64

	opts Options
	f    fetcher
	st   Store
	cnt  *counters
	mu   sync.Mutex
}

// keep holds a blob fetched and verified by this sync, within freshBudget.
func (s *syncer) keep(hash string, data []byte) {
	s.freshMu.Lock()
	defer s.freshMu.Unlock()
	if s.freshBytes+int64(len(data)) > freshBudget {
		return
	}
	if s.fresh == nil {
		s.fresh = map[string][]byte{}
	}
	s.fresh[hash] = data
	s.freshBytes += int64(len(data))
}

// blob is a verified blob: from this sync's memory, else from the cache (verified as
// it is read).
func (s *syncer) blob(hash string) ([]byte, bool) {
	s.freshMu.Lock()
	data, ok := s.fresh[hash]
	s.freshMu.Unlock()
	if ok {
		return data, true
	}
	return s.opts.Cache.Get(hash)
}

func (s *syncer) report(p progress.Progress) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p.Source = s.opts.Source
	p.Bytes = s.cnt.bytes.Load()
	s.opts.Progress.Report(p)
}

// fetchAll downloads the blobs the cache lacks, with bounded parallelism, verifying
// each against its hash before it enters the cache.
func (s *syncer) fetchAll(ctx context.Context, blobs []Blob) error {
	seen := map[string]bool{}
	var need []Blob
	for _, b := range blobs {
		if seen[b.SHA256] || s.opts.Cache.Has(b.SHA256) {
			continue
		}
		seen[b.SHA256] = true
		need = append(need, b)
	}
	if len(need) == 0 {
		return nil
	}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(s.opts.Parallel)
	var done int
	var mu sync.Mutex
	for _, b := range need {
		g.Go(func() error {
			data, _, _, err := s.f.get(gctx, BlobDir+"/"+b.SHA256, Validators{}, b.Size)
			if err != nil {
				if errors.Is(err, httpx.ErrTooLarge) {
					return reject("the feed at %s serves blob %s larger than its manifest says; refusing it", s.f.where(), b.SHA256[:12])
				}
				var se *httpx.StatusError
				if errors.As(err, &se) && se.Status == 404 {
					return reject("the feed at %s lacks blob %s that its index names; refusing it", s.f.where(), b.SHA256[:12])
				}
				return fmt.Errorf("fetch blob %s: %w", b.SHA256[:12], err)
			}
			sum := sha256.Sum256(data)
			if hex.EncodeToString(sum[:]) != b.SHA256 || int64(len(data)) != b.Size {
				return reject("the feed at %s serves blob %s with content that does not match its hash (tampered or damaged); refusing it", s.f.where(), b.SHA256[:12])
			}
			if err := s.opts.Cache.Put(b.SHA256, data); err != nil {
				return err
			}
			s.keep(b.SHA256, data)
			mu.Lock()
			done++
			n := done
			mu.Unlock()
			s.report(progress.Progress{Phase: progress.PhaseFetch, Done: n, Total: len(need)})
			return nil
		})
	}
	return g.Wait()
}
