// Package sync brings agenda packages into the store from the member's sources —
// FirstAgenda Publication sites and signed dagsorden feeds — and publishes and serves
// feeds. It is the orchestrator behind `dagsorden keygen`, `publish`, `source`, `sync`
// and `serve`: the parts live in sub-packages (httpx, source, feed, firstagenda).
//
// It never imports the UI: progress goes to a callback (Options.Progress) that the UI
// turns into messages and the command line into a progress line. It never writes a name
// taken from a feed or a site into a path: per-source state files are named by a hash
// of the source, blobs by their verified sha256.
package sync

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/dagsorden/dagsorden/agenda"
	"github.com/dagsorden/dagsorden/store"
	"github.com/dagsorden/dagsorden/sync/feed"
	"github.com/dagsorden/dagsorden/sync/files"
	"github.com/dagsorden/dagsorden/sync/firstagenda"
	"github.com/dagsorden/dagsorden/sync/httpx"
	"github.com/dagsorden/dagsorden/sync/internal/atomicfile"
	"github.com/dagsorden/dagsorden/sync/progress"
	"github.com/dagsorden/dagsorden/sync/source"
)

// Progress is one progress report; see package progress.
type Progress = progress.Progress

// Keygen writes a feed signing key to path (0600) and its public key to path+".pub",
// and returns the public key's fingerprint for the user to pass on to subscribers.
func Keygen(path string) (fingerprint string, err error) {
	pub, err := feed.Keygen(path)
	if err != nil {
		return "", err
	}
	return feed.Fingerprint(pub), nil
}

// PublishResult says what Publish wrote.
type PublishResult = feed.PublishResult

// Publish writes a signed feed into out from inputs, signed with the private key in
// keyfile. inputs are files or folders that `import` reads; with fromStore they are
// data folders, and everything in those stores is published (closed items and stored
// attachment contents included). If any input cannot be read, nothing is written.
func Publish(inputs []string, out, keyfile string, fromStore bool) (PublishResult, error) {
	return PublishWith(inputs, out, keyfile, PublishOptions{FromStore: fromStore})
}

// PublishOptions are Publish's choices beyond the inputs.
type PublishOptions struct {
	FromStore bool
	// PreviousKeyFile is the private key the feed was signed with until now, when it
	// moves to keyfile: subscribers who pinned the old key follow the rotation it signs.
	PreviousKeyFile string
	// Validity is how long the index stays valid (0: 30 days).
	Validity time.Duration
}

// PublishWith is Publish with options.
func PublishWith(inputs []string, out, keyfile string, opts PublishOptions) (PublishResult, error) {
	priv, err := feed.LoadPrivateKey(keyfile)
	if err != nil {
		return PublishResult{}, err
	}
	fo := feed.PublishOptions{Validity: opts.Validity}
	if opts.PreviousKeyFile != "" {
		if fo.PreviousKey, err = feed.LoadPrivateKey(opts.PreviousKeyFile); err != nil {
			return PublishResult{}, err
		}
	}
	var pkg agenda.Package
	if opts.FromStore {
		pkg, err = readStores(inputs)
	} else {
		pkg, err = readInputs(inputs)
	}
	if err != nil {
		return PublishResult{}, err
	}
	if len(pkg.Meetings) == 0 && len(pkg.Documents) == 0 {
		return PublishResult{}, errors.New("nothing to publish: the inputs hold no meeting and no document")
	}
	return feed.Publish(pkg, out, priv, fo)
}

func readInputs(inputs []string) (agenda.Package, error) {
	var pkg agenda.Package
	parsed, err := files.Read(inputs)
	if err != nil {
		return pkg, err
	}
	var bad []error
	for _, p := range parsed {
		if p.Err != nil {
			bad = append(bad, p.Err)
			continue
		}
		pkg.Meetings = append(pkg.Meetings, p.Package.Meetings...)
		pkg.Documents = append(pkg.Documents, p.Package.Documents...)
	}
	switch len(bad) {
	case 0:
		return pkg, nil
	case 1:
		return pkg, fmt.Errorf("nothing published: %w", bad[0])
	default:
		return pkg, fmt.Errorf("nothing published: %d inputs could not be read, the first: %w", len(bad), bad[0])
	}
}

func readStores(dirs []string) (agenda.Package, error) {
	var pkg agenda.Package
	for _, dir := range dirs {
		if _, err := os.Stat(filepath.Join(dir, store.FileName)); err != nil {
			return pkg, fmt.Errorf("%s is not a dagsorden data folder (no %s)", dir, store.FileName)
		}
		st, err := store.Open(dir)
		if err != nil {
			return pkg, err
		}
		err = func() error {
			defer st.Close()
			sums, err := st.Meetings()
			if err != nil {
				return err
			}
			for _, s := range sums {
				m, err := st.Meeting(s.ID)
				if err != nil {
					return err
				}
				for i := range m.Items {
					for j := range m.Items[i].Attachments {
						a := &m.Items[i].Attachments[j]
						if a.SHA256 == "" {
							continue
						}
						content, err := st.Attachment(a.SHA256)
						if errors.Is(err, store.ErrNotFound) {
							continue
						}
						if err != nil {
							return err
						}
						a.Content = content
					}
				}
				pkg.Meetings = append(pkg.Meetings, *m)
			}
			docs, err := st.Documents()
			if err != nil {
				return err
			}
			pkg.Documents = append(pkg.Documents, docs...)
			return nil
		}()
		if err != nil {
			return pkg, fmt.Errorf("read the store in %s: %w", dir, err)
		}
	}
	return pkg, nil
}

// AddOptions are the arguments of `source add`.
type AddOptions struct {
	// Dir is the data folder whose source list gets the source.
	Dir string
	// Target is an https address (a FirstAgenda site or a feed) or a feed folder.
	Target     string
	Name       string   // default: the site's host or the folder's name
	Committees []string // limit to these bodies
	KeyFile    string   // a feed's public key file; without it the key is trusted on first use
	Insecure   bool     // allow plain http to a host that is not this machine
	// Rate is a site's request budget in requests per second (0: the default, 2).
	Rate float64
	// Kind forces the kind; empty means: a folder or --key is a feed, and an address
	// is asked whether it serves a feed index, else taken as a FirstAgenda site.
	Kind source.Kind
	// Transport replaces the network (tests).
	Transport http.RoundTripper
}

// SourceAdd checks the target (it fetches a feed's index or a site's committee list),
// pins a feed's key (from KeyFile, or trusted on first use: the returned Source's
// Fingerprint is what to show), and adds the source to the data folder's list.
func SourceAdd(ctx context.Context, opts AddOptions) (source.Source, error) {
	if opts.Dir == "" {
		return source.Source{}, errors.New("no data folder given for the source")
	}
	if opts.Rate < 0 {
		return source.Source{}, errors.New("the request rate cannot be negative")
	}
	s := source.Source{Name: opts.Name, Committees: opts.Committees, Insecure: opts.Insecure, Kind: opts.Kind, Rate: opts.Rate}
	var pinned ed25519.PublicKey
	if opts.KeyFile != "" {
		k, err := feed.LoadPublicKey(opts.KeyFile)
		if err != nil {
			return s, err
		}
		pinned = k
		if s.Kind == "" {
			s.Kind = source.KindFeed
		}
	}
	target := strings.TrimSpace(opts.Target)
	if source.IsURL(target) {
		u, err := url.Parse(target)
		if err != nil || u.Host == "" {
			return s, fmt.Errorf("%q is not a usable address", target)
		}
		if err := httpx.CheckURL(u, opts.Insecure); err != nil {
			return s, err
		}
		u.RawQuery, u.Fragment = "", ""
		u.Path = strings.TrimSuffix(strings.TrimSuffix(u.Path, "/"+feed.IndexName), "/")
		s.URL = u.String()
		if s.Name == "" {
			s.Name = u.Hostname()
		}
	} else {
		abs, err := filepath.Abs(target)
		if err != nil {
			return s, fmt.Errorf("%s: %w", target, err)
		}
		if fi, err := os.Stat(abs); err != nil || !fi.IsDir() {
			return s, fmt.Errorf("%s is neither an address nor a folder", target)
		}
		s.URL, s.Kind = abs, source.KindFeed
		if s.Name == "" {
			s.Name = filepath.Base(abs)
		}
	}
	hc := httpx.New(httpx.Options{Rate: -1, Insecure: opts.Insecure, Retries: 1, Transport: opts.Transport})

	var bodies []string
	if s.Kind == "" || s.Kind == source.KindFeed {
		idx, key, err := feed.Probe(ctx, s.URL, pinned, hc)
		switch {
		case err == nil:
			s.Kind, s.Key, s.Fingerprint = source.KindFeed, feed.EncodeKey(key), feed.Fingerprint(key)
			for _, m := range idx.Meetings {
				bodies = append(bodies, m.Body)
			}
		case s.Kind == source.KindFeed:
			return s, err
		default:
			var se *httpx.StatusError
			if !errors.As(err, &se) && !errors.Is(err, feed.ErrRejected) {
				return s, fmt.Errorf("cannot reach %s: %w", s.URL, err)
			}
			s.Kind = source.KindFirstAgenda
		}
	}
	if s.Kind == source.KindFirstAgenda {
		c, err := firstagenda.New(s.URL, hc)
		if err != nil {
			return s, err
		}
		cs, err := c.Committees(ctx)
		if err != nil {
			return s, fmt.Errorf("%s is neither a dagsorden feed nor a FirstAgenda site: %w", s.URL, err)
		}
		for _, cm := range cs {
			bodies = append(bodies, cm.Name)
		}
	}
	for _, want := range s.Committees {
		probe := source.Source{Committees: []string{want}}
		if !slices.ContainsFunc(bodies, probe.Wants) {
			slices.Sort(bodies)
			return s, fmt.Errorf("%s has no committee named %q (it has: %s)", s.URL, want, strings.Join(slices.Compact(bodies), ", "))
		}
	}
	err := source.Update(source.Path(opts.Dir), func(c *source.Config) error { return c.Add(s) })
	return s, err
}

// SourceList returns the sources of the data folder dir.
func SourceList(dir string) ([]source.Source, error) {
	c, err := source.Load(source.Path(dir))
	if err != nil {
		return nil, err
	}
	return c.Sources, nil
}

// SourceRemove removes a source from the data folder's list. What it brought into the
// store stays.
func SourceRemove(dir, name string) error {
	return source.Update(source.Path(dir), func(c *source.Config) error { return c.Remove(name) })
}

// MoveLegacySources moves the global source list of older versions into dir, the
// default data folder, once; see source.MoveLegacy. from is the old file when it moved.
func MoveLegacySources(dir string) (from string, err error) {
	return source.MoveLegacy(dir)
}

// Options for Sync.
type Options struct {
	SourceName string // only this source; empty means all
	DryRun     bool   // fetch what is needed to say what would change; write nothing
	// AllAttachments fetches every attachment a site lists, not only those of upcoming
	// and recent meetings (the rest are otherwise fetched when opened).
	AllAttachments bool
	// Rate replaces every site's request budget for this sync (requests per second;
	// 0: each source's own).
	Rate     float64
	Progress func(Progress)
	// Transport replaces the network (tests, benchmarks).
	Transport http.RoundTripper
}

// Plan is what a dry run found for one meeting.
type Plan struct {
	MeetingID string
	Body      string
	Title     string
	Start     time.Time
	New       bool
	Changes   []agenda.ItemChange
}

// SourceResult is what one source's sync did. Err is one sentence when it failed (it
// does not repeat the source's name: Name is there for that).
type SourceResult struct {
	Name string
	Kind source.Kind
	URL  string
	// NotModified: a feed whose index is unchanged (one request, no body).
	NotModified bool
	Listed      int // meetings the source offers after the committee filter
	Fetched     int // meetings fetched because they were new or changed
	Imports     []store.ImportResult
	Planned     []Plan   // dry run
	Skipped     []string // attachments kept as links, one sentence each
	// A site's attachments: fetched now, and left to fetch when opened.
	Attachments, NotDownloaded int
	AttachmentBytes            int64
	// Linked: minutes applied onto their agenda; Superseded: agenda publications not
	// applied over their meeting's minutes.
	Linked, Superseded int
	// Rate is the request budget the source synced with (0: none).
	Rate float64
	// KeyRotated is set when a feed's publisher moved to a new key signed by the old
	// one: Fingerprint is then the new key's, and the source pins it.
	KeyRotated bool
	// Fingerprint of a feed's key; TrustedOnFirstUse when it was pinned by this sync.
	Fingerprint       string
	TrustedOnFirstUse bool
	Requests, Bytes   int64
	Duration          time.Duration
	Err               error
}

// Counts tallies the imports: new meetings, updated ones, and unchanged ones.
func (r *SourceResult) Counts() (added, updated, unchanged int) {
	for _, im := range r.Imports {
		switch {
		case im.Unchanged:
			unchanged++
		case im.New:
			added++
		default:
			updated++
		}
	}
	return
}

// Sync syncs every source of st's data folder (or the one named) into st, one after the
// other. The error is for a broken list or an unknown source name; each source's own
// failure is in its SourceResult.Err, and the others still sync.
func Sync(ctx context.Context, st *store.Store, opts Options) ([]SourceResult, error) {
	cfgPath := source.Path(st.Dir())
	cfg, err := source.Load(cfgPath)
	if err != nil {
		return nil, err
	}
	srcs := cfg.Sources
	if opts.SourceName != "" {
		s, ok := cfg.Find(opts.SourceName)
		if !ok {
			return nil, fmt.Errorf("there is no source named %q (see dagsorden source list)", opts.SourceName)
		}
		srcs = []source.Source{*s}
	}
	if len(srcs) == 0 {
		return nil, errors.New("there are no sources yet; add one with dagsorden source add")
	}
	var out []SourceResult
	for _, s := range srcs {
		if err := ctx.Err(); err != nil {
			return out, err
		}
		start := time.Now()
		r := syncOne(ctx, st, s, cfgPath, opts)
		r.Duration = time.Since(start)
		progress.Func(opts.Progress).Report(Progress{Source: s.Name, Phase: progress.PhaseDone, Err: r.Err})
		out = append(out, r)
	}
	return out, nil
}

func syncOne(ctx context.Context, st *store.Store, s source.Source, cfgPath string, opts Options) SourceResult {
	r := SourceResult{Name: s.Name, Kind: s.Kind, URL: s.URL, Fingerprint: s.Fingerprint}
	if opts.Rate > 0 && s.Kind == source.KindFirstAgenda {
		s.Rate = opts.Rate
	}
	hc := newClient(s, opts.Transport)
	r.Rate = hc.Rate()
	statePath, err := statePath(st, s)
	if err != nil {
		r.Err = err
		return r
	}
	report := progress.Func(opts.Progress)
	switch s.Kind {
	case source.KindFeed:
		var state feed.State
		if err := loadState(statePath, &state); err != nil {
			r.Err = err
			return r
		}
		var pinned ed25519.PublicKey
		if s.Key != "" {
			if pinned, err = feed.ParsePublicKey(s.Key); err != nil {
				r.Err = fmt.Errorf("the pinned key of source %q is damaged in the sources file", s.Name)
				return r
			}
		}
		cache, err := feed.OpenCache(filepath.Join(st.Dir(), "cache", "blobs"))
		if err != nil {
			r.Err = err
			return r
		}
		defer cache.Close()
		maxAtt := int64(s.MaxAttachmentMB) << 20
		res, err := feed.Sync(ctx, st, &state, feed.Options{
			Source: s.Name, Location: s.URL, Key: pinned, HTTP: hc, Cache: cache,
			MaxAttachment: maxAtt, DryRun: opts.DryRun, Progress: report,
			Wants: s.Wants, Filter: s.FilterKey(),
			Checkpoint: func() error { return saveState(statePath, &state) },
		})
		r.NotModified, r.Listed, r.Fetched, r.Imports = res.NotModified, res.Meetings, res.Fetched, res.Imports
		r.Requests, r.Bytes = res.Stats.Requests, res.Stats.Bytes
		for _, p := range res.Planned {
			r.Planned = append(r.Planned, Plan(p))
		}
		if err == nil && (res.TrustedOnFirstUse || res.KeyRotated) && res.Key != nil && !opts.DryRun {
			r.TrustedOnFirstUse, r.KeyRotated, r.Fingerprint = res.TrustedOnFirstUse, res.KeyRotated, feed.Fingerprint(res.Key)
			err = source.Update(cfgPath, func(c *source.Config) error {
				cs, ok := c.Find(s.Name)
				if !ok || cs.URL != s.URL {
					return fmt.Errorf("source %q changed during the sync; its key was not pinned", s.Name)
				}
				cs.Key, cs.Fingerprint = feed.EncodeKey(res.Key), r.Fingerprint
				return nil
			})
		}
		if !opts.DryRun {
			if serr := saveState(statePath, &state); serr != nil && err == nil {
				err = serr
			}
		}
		r.Err = err
	case source.KindFirstAgenda:
		var state firstagenda.State
		if err := loadState(statePath, &state); err != nil {
			r.Err = err
			return r
		}
		c, err := firstagenda.New(s.URL, hc)
		if err != nil {
			r.Err = err
			return r
		}
		var since time.Time
		if s.HistoryDays > 0 {
			since = time.Now().AddDate(0, 0, -s.HistoryDays)
		}
		res, err := firstagenda.Sync(ctx, st, c, &state, firstagenda.Options{
			Source: s.Name, Wants: s.Wants, Attachments: !s.NoAttachments, AllAttachments: opts.AllAttachments,
			AttachmentDays: s.AttachmentDays, MaxAttachment: int64(s.MaxAttachmentMB) << 20, Since: since,
			DryRun: opts.DryRun, Progress: report,
			Checkpoint: func() error { return saveState(statePath, &state) },
		})
		r.Listed, r.Fetched, r.Imports, r.Skipped = res.Listed, res.Fetched, res.Imports, res.Skipped
		r.Attachments, r.NotDownloaded, r.AttachmentBytes = res.Attachments, res.NotDownloaded, res.AttachmentBytes
		r.Linked, r.Superseded = res.Linked, res.Superseded
		for _, p := range res.Planned {
			r.Planned = append(r.Planned, Plan(p))
		}
		r.Requests, r.Bytes = hc.Stats()
		if !opts.DryRun {
			if serr := saveState(statePath, &state); serr != nil && err == nil {
				err = serr
			}
		}
		r.Err = err
	default:
		r.Err = fmt.Errorf("source %q has unknown kind %q", s.Name, s.Kind)
	}
	return r
}

// newClient is the HTTP client a source syncs with: its request budget (a site's
// default is polite, a feed's static files have none), its transport security.
func newClient(s source.Source, rt http.RoundTripper) *httpx.Client {
	rate := s.EffectiveRate()
	if rate <= 0 {
		rate = -1
	}
	return httpx.New(httpx.Options{Rate: rate, Insecure: s.Insecure, Transport: rt})
}

// statePath is where a source's sync state lives: beside the store (so it goes with the
// data it describes), named by a hash of the source so no configured name becomes a
// path, and so a source re-added with another address starts afresh.
func statePath(st *store.Store, s source.Source) (string, error) {
	dir := filepath.Join(st.Dir(), "sync")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fmt.Errorf("create the sync state folder: %w", err)
	}
	sum := sha256.Sum256([]byte(string(s.Kind) + "\x00" + s.Name + "\x00" + s.URL))
	return filepath.Join(dir, hex.EncodeToString(sum[:16])+".json"), nil
}

// loadState reads a state file into *v. A missing or damaged file leaves *v empty: that
// only costs a full re-check, since the store skips what it already has.
func loadState[T any](path string, v *T) error {
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read sync state: %w", err)
	}
	if json.Unmarshal(data, v) != nil {
		var zero T
		*v = zero
	}
	return nil
}

func saveState(path string, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode sync state: %w", err)
	}
	return atomicfile.Write(path, data, 0o600)
}

// Handler serves the feed in dir at the root. It is a ServeMux so the group relay can
// mount itself beside the feed (mux.Handle("/relay/", …)).
func Handler(dir string) *http.ServeMux {
	mux := http.NewServeMux()
	mux.Handle("/", feed.Handler(dir))
	return mux
}

// Serve serves the feed in dir on addr (HOST:PORT) until ctx is done.
func Serve(ctx context.Context, dir, addr string) error {
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		return fmt.Errorf("%s is not a folder", dir)
	}
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", addr, err)
	}
	return ServeListener(ctx, l, Handler(dir))
}

// ServeListener serves h on l until ctx is done, then shuts down gracefully.
func ServeListener(ctx context.Context, l net.Listener, h http.Handler) error {
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(l) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(sctx)
		<-errc
		return nil
	}
}
