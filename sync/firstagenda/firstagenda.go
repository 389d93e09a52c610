// Package firstagenda syncs from a FirstAgenda Publication site (the public agenda sites
// of many Danish municipalities): it lists committees and meetings
// (/api/agenda/udvalgsliste), fetches each new, re-released or recent meeting
// (/api/agenda/dagsorden/{id}), applies each meeting in its own store transaction, and
// fetches attachment PDFs (/vis/pdf/bilag/{id}?redirectDirectlyToPdf=true) under a size
// cap.
//
// A first sync takes seconds, not minutes: the meetings come first, newest first, at
// the site's polite request budget (the httpx client's rate, 2 requests/s by default);
// attachments of upcoming meetings and of the last AttachmentDays (30) are fetched at
// once, four at a time, from the file store the site redirects them to (outside the
// site's budget); older ones are listed as not downloaded and fetched when the member
// opens one (FetchAttachment) or asks for all (AllAttachments).
//
// Changes are never missed: every upcoming or recent meeting (RecentDays, 60) is asked
// for again on every sync with a conditional request (ETag / Last-Modified when the
// site offers them, else the content hash decides), whatever its release time says.
// The minutes (referat) of a meeting are applied onto its agenda, so the member's notes
// and the decisions meet on the same items, and an agenda publication never overwrites
// its meeting's minutes.
//
// It does the anonymous-session dance some sites need (the API answers 302 until the
// client holds the cookie that GET / hands out). Ids from the site are checked before
// they go into an address and never become file names. Parsing is the
// agenda/firstagenda importer's job, not this package's.
package firstagenda

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"

	"github.com/dagsorden/dagsorden/agenda"
	fa "github.com/dagsorden/dagsorden/agenda/firstagenda"
	"github.com/dagsorden/dagsorden/store"
	"github.com/dagsorden/dagsorden/sync/httpx"
	"github.com/dagsorden/dagsorden/sync/progress"
)

// Limits on what the site may make us read.
const (
	MaxListSize    = 32 << 20
	MaxMeetingSize = fa.MaxInput
	// DefaultMaxAttachment caps one attachment PDF unless the source sets its own cap.
	DefaultMaxAttachment = 50 << 20
)

// RecentDays: meetings held up to this many days ago (and every upcoming one) are asked
// for again on every sync. An older meeting already synced is fetched again only when
// the site states a new release time: the minutes are out by then, and a site with years
// of meetings must not cost hundreds of requests per sync.
const RecentDays = 60

// DefaultAttachmentDays: attachments of upcoming meetings and of meetings held up to
// this many days ago are fetched at sync (what a member needs offline tonight); older
// ones when opened.
const DefaultAttachmentDays = 30

// DefaultParallel is how many attachments are downloaded at once.
const DefaultParallel = 4

// Client talks to one site.
type Client struct {
	base *url.URL
	http *httpx.Client
	// fileStore: the site answers attachment requests with a redirect to another host
	// (its file store). Those lookups cost the site a signed address, not a file, so
	// they run outside the API budget, under files: FileRateFactor times its rate.
	fileStore atomic.Bool
	files     *rate.Limiter
}

// FileRateFactor is how much faster than its API budget a site is asked for the
// redirects to its file store.
const FileRateFactor = 4

// New checks the site address (https, or http for loopback or with the client's
// Insecure) and builds a client.
func New(site string, hc *httpx.Client) (*Client, error) {
	u, err := url.Parse(site)
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("%q is not a usable site address", site)
	}
	if err := hc.CheckURL(u); err != nil {
		return nil, err
	}
	u.Path = strings.TrimSuffix(u.Path, "/")
	u.RawQuery, u.Fragment = "", ""
	c := &Client{base: u, http: hc}
	if r := hc.Rate(); r > 0 {
		c.files = rate.NewLimiter(rate.Limit(r*FileRateFactor), 1)
	}
	return c, nil
}

// Site is the base address, as the importer and the store know it.
func (c *Client) Site() string { return c.base.String() }

// api fetches a JSON route. Some sites answer 302 until the client holds the anonymous
// session cookie that the front page hands out: then GET / once and ask again.
func (c *Client) api(ctx context.Context, path string, limit int64) ([]byte, error) {
	resp, err := c.apiCond(ctx, path, limit, Validators{})
	if err != nil {
		return nil, err
	}
	return resp.Body, nil
}

// Validators make a meeting request conditional, when the site offered them.
type Validators struct {
	ETag         string `json:"etag,omitempty"`
	LastModified string `json:"last_modified,omitempty"`
}

func (c *Client) apiCond(ctx context.Context, path string, limit int64, cond Validators) (*httpx.Response, error) {
	u := c.base.JoinPath(path).String()
	h := http.Header{"Accept": {"application/json"}}
	if cond.ETag != "" {
		h.Set("If-None-Match", cond.ETag)
	}
	if cond.LastModified != "" {
		h.Set("If-Modified-Since", cond.LastModified)
	}
	for attempt := 0; ; attempt++ {
		resp, err := c.http.Get(ctx, httpx.Request{URL: u, Limit: limit, NoRedirect: true, Header: h})
		if err != nil {
			return nil, err
		}
		if resp.Status == http.StatusNotModified {
			return resp, nil
		}
		if resp.Status >= 300 && resp.Status < 400 {
			if attempt > 0 {
				return nil, fmt.Errorf("%s keeps redirecting its API even with a session cookie", c.base.Host)
			}
			if _, err := c.http.Get(ctx, httpx.Request{URL: c.base.JoinPath("/").String(), Limit: 8 << 20}); err != nil {
				return nil, fmt.Errorf("open an anonymous session on %s: %w", c.base.Host, err)
			}
			continue
		}
		return resp, nil
	}
}

// Committee is one entry of the site's committee list.
type Committee struct {
	ID       string
	Name     string
	Group    string // the list's group label
	Historic bool
	Meetings []MeetingRef
}

// MeetingRef is one publication of a meeting in the list.
type MeetingRef struct {
	ID       string // the publication id: GET /api/agenda/dagsorden/{ID}
	Date     time.Time
	Released string // as the site writes it; compared, not parsed
	Name     string // "Dagsorden", "Referat", "Tillægsdagsorden" …
}

type listJSON struct {
	Udvalg map[string][]struct {
		ID        json.RawMessage `json:"Id"`
		Navn      string          `json:"Navn"`
		Historisk json.RawMessage `json:"Historisk"`
		Moeder    []struct {
			ID              json.RawMessage `json:"Id"`
			Dato            string          `json:"Dato"`
			MeetingBeginUtc string          `json:"MeetingBeginUtc"`
			ReleasedDate    json.RawMessage `json:"ReleasedDate"`
			Navn            string          `json:"Navn"`
		} `json:"Moeder"`
	} `json:"Udvalg"`
}

// Committees fetches and reads the committee list.
func (c *Client) Committees(ctx context.Context) ([]Committee, error) {
	data, err := c.api(ctx, "/api/agenda/udvalgsliste", MaxListSize)
	if err != nil {
		return nil, fmt.Errorf("fetch the committee list of %s: %w", c.base.Host, err)
	}
	cs, err := ParseCommittees(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", c.base.Host, err)
	}
	return cs, nil
}

// ParseCommittees reads /api/agenda/udvalgsliste. Entries with ids that are not plain
// GUID-like tokens are left out: they would go into addresses.
func ParseCommittees(data []byte) ([]Committee, error) {
	var l listJSON
	if err := json.Unmarshal(data, &l); err != nil {
		return nil, errors.New("the committee list is not the JSON FirstAgenda sends")
	}
	if l.Udvalg == nil {
		return nil, errors.New("the committee list has no committees (no \"Udvalg\")")
	}
	groups := make([]string, 0, len(l.Udvalg))
	for g := range l.Udvalg {
		groups = append(groups, g)
	}
	slices.Sort(groups)
	var out []Committee
	for _, g := range groups {
		for _, u := range l.Udvalg[g] {
			c := Committee{ID: rawString(u.ID), Name: strings.TrimSpace(u.Navn), Group: g, Historic: rawString(u.Historisk) == "true"}
			for _, m := range u.Moeder {
				id := rawString(m.ID)
				if !ValidID(id) {
					continue
				}
				ref := MeetingRef{ID: id, Released: rawString(m.ReleasedDate), Name: m.Navn}
				ref.Date, _ = parseTime(agenda.Copenhagen, m.MeetingBeginUtc, m.Dato)
				c.Meetings = append(c.Meetings, ref)
			}
			out = append(out, c)
		}
	}
	return out, nil
}

func rawString(r json.RawMessage) string {
	var s string
	if json.Unmarshal(r, &s) == nil {
		return s
	}
	t := strings.TrimSpace(string(r))
	if t == "null" {
		return ""
	}
	return t
}

func parseTime(loc *time.Location, vals ...string) (time.Time, error) {
	for _, v := range vals {
		if v == "" {
			continue
		}
		if t, err := time.Parse(time.RFC3339, v); err == nil {
			return t, nil
		}
		if t, err := time.ParseInLocation("2006-01-02T15:04:05", v, loc); err == nil {
			return t, nil
		}
	}
	return time.Time{}, errors.New("no time")
}

// ValidID reports whether a site id may go into an address: letters, digits and
// dashes, as FirstAgenda's GUIDs are.
func ValidID(id string) bool {
	if id == "" || len(id) > 64 {
		return false
	}
	for _, r := range id {
		if !(r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r == '-') {
			return false
		}
	}
	return true
}

// Meeting fetches one meeting's JSON. With validators from an earlier answer the
// request is conditional: notModified reports a 304 (no body).
func (c *Client) Meeting(ctx context.Context, id string, cond Validators) (data []byte, v Validators, notModified bool, err error) {
	if !ValidID(id) {
		return nil, cond, false, fmt.Errorf("%q is not a FirstAgenda meeting id", id)
	}
	resp, err := c.apiCond(ctx, "/api/agenda/dagsorden/"+id, MaxMeetingSize, cond)
	if err != nil {
		return nil, cond, false, err
	}
	if resp.Status == http.StatusNotModified {
		return nil, cond, true, nil
	}
	return resp.Body, Validators{ETag: resp.Header.Get("ETag"), LastModified: resp.Header.Get("Last-Modified")}, false, nil
}

// Attachment fetches one attachment's PDF, at most limit bytes; progress (may be nil)
// gets the bytes so far and the announced size. When the site redirects to its file
// store, the download runs outside the site's request budget.
func (c *Client) Attachment(ctx context.Context, id string, limit int64, progress func(got, total int64)) ([]byte, error) {
	if !ValidID(id) {
		return nil, fmt.Errorf("%q is not a FirstAgenda attachment id", id)
	}
	// A large PDF on a slow line must not hit the API's deadline: give it time for
	// the whole cap at 256 KB/s (the throughput floor still catches a stalled one).
	timeout := max(httpx.DefaultTimeout, time.Duration(limit/(256<<10))*time.Second)
	req := httpx.Request{URL: fa.PDFURL(c.Site(), "bilag", id), Limit: limit, NoRedirect: true, Timeout: timeout, Progress: progress}
	if c.fileStore.Load() {
		if c.files != nil {
			if err := c.files.Wait(ctx); err != nil {
				return nil, err
			}
		}
		req.NoRateLimit = true
	}
	for hops := 0; ; hops++ {
		resp, err := c.http.Get(ctx, req)
		if err != nil {
			return nil, err
		}
		if resp.Status < 300 || resp.Status >= 400 {
			return resp.Body, nil
		}
		loc, err := resp.URL.Parse(resp.Header.Get("Location"))
		if err != nil || resp.Header.Get("Location") == "" || hops >= 5 {
			return nil, fmt.Errorf("%s sends attachment %s to no usable address", c.base.Host, id)
		}
		req.URL = loc.String()
		if !strings.EqualFold(loc.Host, c.base.Host) {
			c.fileStore.Store(true)
			req.NoRateLimit = true // the file store is not the site
			req.NoRedirect = false
		}
	}
}

// Store is what a site sync needs of the store.
type Store interface {
	Import(p agenda.Package) ([]store.ImportResult, error)
	Meeting(id string) (*agenda.Meeting, error)
	Meetings() ([]store.MeetingSummary, error)
	PutAttachmentContent(itemID, attachmentID string, content []byte) (agenda.Attachment, error)
}

// State is what the subscriber remembers of one site between syncs (the caller keeps it
// beside the store). Sync updates it in place, also on failure. What attachments are
// stored is the store's business: it is asked, not remembered here.
type State struct {
	Meetings map[string]MeetingState `json:"meetings,omitempty"` // by publication id
}

// MeetingState is one applied publication.
type MeetingState struct {
	Released string     `json:"released,omitempty"`
	Hash     string     `json:"hash"` // sha256 of the meeting JSON
	HTTP     Validators `json:"http,omitzero"`
}

// Options for one Sync.
type Options struct {
	Source string
	// Wants selects committees by name; nil means all.
	Wants func(committee string) bool
	// Attachments fetches attachment PDFs: of upcoming meetings and of those held in
	// the last AttachmentDays (0: DefaultAttachmentDays) at once, the others only with
	// AllAttachments. MaxAttachment caps each (0: the default); Parallel bounds the
	// downloads at once (0: DefaultParallel).
	Attachments    bool
	AttachmentDays int
	AllAttachments bool
	MaxAttachment  int64
	Parallel       int
	// Since skips meetings before it (zero: all the site lists).
	Since time.Time
	// Now is the clock that decides what is upcoming and recent; nil means time.Now.
	Now func() time.Time
	// Checkpoint saves the state durably; Sync calls it after forgetting a meeting it
	// is about to write, so a sync killed in between re-checks that meeting next time
	// rather than trusting a state older than the store. nil: the caller saves at the end.
	Checkpoint func() error
	DryRun     bool
	Progress   progress.Func
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

// Result says what a Sync did.
type Result struct {
	Listed      int // publications of the chosen committees on the site
	Fetched     int // meeting requests made (new, re-released, or recent and revalidated)
	NotModified int // of which the site answered 304, or sent the same content again
	Attachments int // attachment PDFs fetched
	// AttachmentBytes is what they weighed; NotDownloaded counts the attachments of the
	// source's meetings left for later (older meetings: fetched when opened).
	AttachmentBytes int64
	NotDownloaded   int
	// Linked counts minutes applied onto their meeting's agenda although the site
	// dates them differently; Superseded counts agenda publications not applied
	// because the store holds the meeting's minutes already.
	Linked, Superseded int
	Imports            []store.ImportResult
	Planned            []Plan
	// Skipped names attachments left without content (over the cap, or failed),
	// one sentence each; the meeting is still applied with their addresses.
	Skipped []string
}

// Sync fetches what is new, re-released or recent on the site and applies it, then the
// attachments the member needs now (all of them with AllAttachments).
func Sync(ctx context.Context, st Store, c *Client, state *State, opts Options) (Result, error) {
	s := &siteSync{st: st, c: c, state: state, opts: opts, seen: map[string]bool{}}
	return s.run(ctx)
}

type siteSync struct {
	st    Store
	c     *Client
	state *State
	opts  Options
	now   time.Time
	// eagerFrom: attachments of meetings from here on are fetched at sync.
	eagerFrom time.Time
	byDay     map[dayKey][]store.MeetingSummary // stored meetings of the site, for linking minutes
	dl        *downloader
	seen      map[string]bool // attachment ids queued
	res       Result
}

type dayKey struct{ body, day string }

func (s *siteSync) run(ctx context.Context) (Result, error) {
	opts := &s.opts
	if opts.MaxAttachment <= 0 {
		opts.MaxAttachment = DefaultMaxAttachment
	}
	if opts.AttachmentDays <= 0 {
		opts.AttachmentDays = DefaultAttachmentDays
	}
	if opts.Parallel <= 0 {
		opts.Parallel = DefaultParallel
	}
	s.now = time.Now()
	if opts.Now != nil {
		s.now = opts.Now()
	}
	s.eagerFrom = s.now.AddDate(0, 0, -opts.AttachmentDays)
	if s.state.Meetings == nil {
		s.state.Meetings = map[string]MeetingState{}
	}
	tr := &tracker{source: opts.Source, report: opts.Progress, start: time.Now(), rate: s.c.http.Rate(), parallel: opts.Parallel}
	tr.send(progress.Progress{Phase: progress.PhaseIndex, Message: "asking " + s.c.base.Host + " for its committees"})
	committees, err := s.c.Committees(ctx)
	if err != nil {
		return s.res, err
	}
	refs := s.choose(committees)
	s.res.Listed = len(refs)
	todo := s.plan(refs)
	tr.setMeetings(len(todo))

	if err := s.indexStored(); err != nil {
		return s.res, err
	}
	if opts.Attachments && !opts.DryRun {
		s.dl = newDownloader(ctx, s.st, s.c, opts.MaxAttachment, opts.Parallel, tr)
	}
	err = s.meetings(ctx, todo, tr)
	if err == nil && s.dl != nil {
		err = s.queueStored()
	}
	if s.dl != nil {
		if derr := s.dl.finish(err != nil); err == nil {
			err = derr
		}
		s.res.Attachments, s.res.AttachmentBytes, s.res.Skipped = s.dl.fetched, s.dl.bytes, append(s.res.Skipped, s.dl.skipped...)
	}
	if err != nil {
		return s.res, err
	}
	if !opts.DryRun {
		if s.res.NotDownloaded, err = s.countNotDownloaded(); err != nil {
			return s.res, err
		}
	}
	tr.send(progress.Progress{Phase: progress.PhaseApply, Done: len(todo), Total: len(todo)})
	return s.res, nil
}

// choose lists the publications of the wanted committees, in the order they are fetched:
// what a member needs first comes first. Upcoming meetings and those of the last
// AttachmentDays, then the rest of the last RecentDays, then older ones; newest first
// within each; of one meeting's publications the agenda before its supplement before its
// minutes, so the minutes are applied last.
func (s *siteSync) choose(committees []Committee) []MeetingRef {
	var refs []MeetingRef
	seen := map[string]bool{}
	for _, cm := range committees {
		if s.opts.Wants != nil && !s.opts.Wants(cm.Name) {
			continue
		}
		for _, m := range cm.Meetings {
			if seen[m.ID] || (!s.opts.Since.IsZero() && !m.Date.IsZero() && m.Date.Before(s.opts.Since)) {
				continue
			}
			seen[m.ID] = true
			refs = append(refs, m)
		}
	}
	recentFrom := s.now.AddDate(0, 0, -RecentDays)
	class := func(r MeetingRef) int {
		switch {
		case r.Date.IsZero() || !r.Date.Before(s.eagerFrom):
			return 0
		case !r.Date.Before(recentFrom):
			return 1
		}
		return 2
	}
	slices.SortStableFunc(refs, func(a, b MeetingRef) int {
		if c := cmp.Compare(class(a), class(b)); c != 0 {
			return c
		}
		if c := b.Date.Compare(a.Date); c != 0 {
			return c
		}
		if c := cmp.Compare(kindRank(a.Name), kindRank(b.Name)); c != 0 {
			return c
		}
		return strings.Compare(a.Released, b.Released)
	})
	return refs
}

// kindRank orders one meeting's publications by the site's name for them.
func kindRank(name string) int {
	n := strings.ToLower(name)
	switch {
	case strings.Contains(n, "referat"):
		return 2
	case strings.Contains(n, "tillæg"):
		return 1
	}
	return 0
}

// plan picks the publications to ask for: every new one, every upcoming or recent one
// (revalidated), and an older one only when the site states a new release time.
func (s *siteSync) plan(refs []MeetingRef) []MeetingRef {
	recentFrom := s.now.AddDate(0, 0, -RecentDays)
	var todo []MeetingRef
	for _, ref := range refs {
		prev, known := s.state.Meetings[ref.ID]
		recent := ref.Date.IsZero() || !ref.Date.Before(recentFrom)
		if known && !recent && (ref.Released == "" || prev.Released == ref.Released) {
			continue // settled: see RecentDays
		}
		todo = append(todo, ref)
	}
	return todo
}

// indexStored indexes the site's stored meetings by body and day, for linking minutes.
func (s *siteSync) indexStored() error {
	sums, err := s.st.Meetings()
	if err != nil {
		return fmt.Errorf("read the store: %w", err)
	}
	s.byDay = map[dayKey][]store.MeetingSummary{}
	for _, m := range sums {
		if sameSite(m.Source.Site, s.c.Site()) {
			k := keyOf(m.Body.Name, m.Start)
			s.byDay[k] = append(s.byDay[k], m)
		}
	}
	return nil
}

func keyOf(body string, start time.Time) dayKey {
	return dayKey{agenda.NormalizeTitle(body), start.In(agenda.Copenhagen).Format("2006-01-02")}
}

func sameSite(a, b string) bool {
	return strings.EqualFold(strings.TrimRight(a, "/"), strings.TrimRight(b, "/"))
}

func (s *siteSync) meetings(ctx context.Context, todo []MeetingRef, tr *tracker) error {
	for i, ref := range todo {
		if err := ctx.Err(); err != nil {
			return err
		}
		label := ref.Name + " " + ref.Date.In(agenda.Copenhagen).Format("2006-01-02")
		tr.meeting(i, label)
		prev, known := s.state.Meetings[ref.ID]
		var cond Validators
		if known {
			cond = prev.HTTP
		}
		data, v, notModified, err := s.c.Meeting(ctx, ref.ID, cond)
		if err != nil {
			return fmt.Errorf("fetch meeting %s: %w", ref.ID, err)
		}
		s.res.Fetched++
		tr.meetingBytes(len(data))
		if notModified {
			s.res.NotModified++
			if !s.opts.DryRun {
				prev.Released = ref.Released
				s.state.Meetings[ref.ID] = prev
			}
			continue
		}
		sum := sha256.Sum256(data)
		hash := hex.EncodeToString(sum[:])
		if known && prev.Hash == hash {
			s.res.NotModified++
			if !s.opts.DryRun {
				s.state.Meetings[ref.ID] = MeetingState{Released: ref.Released, Hash: hash, HTTP: v}
			}
			continue // same content: not written again
		}
		pkg, err := fa.ParseSite("meeting "+ref.ID+" on "+s.c.base.Host, data, s.c.Site())
		if err != nil {
			return err
		}
		var apply []agenda.Meeting
		for _, m := range pkg.Meetings {
			m.Source.Path = ""
			ok, err := s.prepare(&m)
			if err != nil {
				return err
			}
			if !ok {
				continue
			}
			if s.opts.DryRun {
				p, err := plan(s.st, m)
				if err != nil {
					return err
				}
				s.res.Planned = append(s.res.Planned, p)
				continue
			}
			apply = append(apply, m)
		}
		if s.opts.DryRun {
			continue
		}
		if known {
			delete(s.state.Meetings, ref.ID)
			if s.opts.Checkpoint != nil {
				if err := s.opts.Checkpoint(); err != nil {
					return err
				}
			}
		}
		if len(apply) > 0 {
			tr.send(progress.Progress{Phase: progress.PhaseApply, Done: i, Total: len(todo), Message: label})
			results, err := s.st.Import(agenda.Package{Meetings: apply})
			s.res.Imports = append(s.res.Imports, results...)
			if err != nil {
				return fmt.Errorf("apply meeting %s: %w", ref.ID, err)
			}
		}
		s.state.Meetings[ref.ID] = MeetingState{Released: ref.Released, Hash: hash, HTTP: v}
		for _, m := range apply {
			s.stored(m)
			if s.dl != nil && (s.opts.AllAttachments || s.eager(m.Start)) {
				if err := s.queue(m.ID); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

func (s *siteSync) eager(start time.Time) bool { return !start.Before(s.eagerFrom) }

// prepare readies a parsed meeting for the store: minutes find their agenda, an agenda
// publication does not overwrite its meeting's minutes, and attachments already fetched
// keep their content. ok is false when the meeting is not to be applied.
func (s *siteSync) prepare(m *agenda.Meeting) (ok bool, err error) {
	stored, err := s.st.Meeting(m.ID)
	if errors.Is(err, store.ErrNotFound) {
		stored, err = nil, nil
	}
	if err != nil {
		return false, fmt.Errorf("read the store: %w", err)
	}
	if stored == nil && m.Kind == agenda.KindMinutes {
		// The minutes may state another start time than the agenda (the time the
		// meeting began): the agenda of the same body on the same day is the meeting.
		var agendas []store.MeetingSummary
		for _, c := range s.byDay[keyOf(m.Body.Name, m.Start)] {
			if c.Kind != agenda.KindMinutes {
				agendas = append(agendas, c)
			}
		}
		if len(agendas) == 1 {
			m.ID = agendas[0].ID
			s.res.Linked++
			if stored, err = s.st.Meeting(m.ID); err != nil {
				return false, fmt.Errorf("read the store: %w", err)
			}
		}
	}
	if stored != nil && stored.Kind == agenda.KindMinutes && m.Kind != agenda.KindMinutes {
		s.res.Superseded++
		return false, nil
	}
	if stored != nil {
		keepFetched(stored, m)
	}
	return true, nil
}

// keepFetched gives m's attachments the content the store already holds for the same
// site attachment id (FirstAgenda never reuses them): a re-publication does not make
// them "not downloaded" again, nor the item changed.
func keepFetched(stored, m *agenda.Meeting) {
	have := map[string]agenda.Attachment{}
	for _, it := range stored.Items {
		for _, a := range it.Attachments {
			if a.SourceID != "" && a.SHA256 != "" {
				have[a.SourceID] = a
			}
		}
	}
	for i := range m.Items {
		for j := range m.Items[i].Attachments {
			a := &m.Items[i].Attachments[j]
			if h, ok := have[a.SourceID]; ok && a.SHA256 == "" && a.Content == nil {
				a.SHA256, a.Size = h.SHA256, h.Size
			}
		}
	}
}

// stored notes a meeting just applied, for linking later minutes of it.
func (s *siteSync) stored(m agenda.Meeting) {
	k := keyOf(m.Body.Name, m.Start)
	for i, c := range s.byDay[k] {
		if c.ID == m.ID {
			s.byDay[k][i].Kind = m.Kind
			return
		}
	}
	s.byDay[k] = append(s.byDay[k], store.MeetingSummary{ID: m.ID, Body: m.Body, Kind: m.Kind, Start: m.Start, Source: m.Source})
}

// queue hands the stored meeting's missing attachments to the downloader.
func (s *siteSync) queue(meetingID string) error {
	m, err := s.st.Meeting(meetingID)
	if err != nil {
		return fmt.Errorf("read the store: %w", err)
	}
	for _, it := range m.Items {
		for _, a := range it.Attachments {
			if missing(a) && !s.seen[a.ID] {
				s.seen[a.ID] = true
				s.dl.add(job{meeting: m.Title, item: it, att: a})
			}
		}
	}
	return nil
}

// missing: a site attachment with a PDF rendition whose content is not stored.
func missing(a agenda.Attachment) bool {
	return a.SHA256 == "" && a.SourceID != "" && a.MediaType == "application/pdf" && ValidID(a.SourceID)
}

// queueStored queues the attachments that meetings not fetched this time still lack:
// those of an interrupted sync, or all of them with AllAttachments. Newest first.
func (s *siteSync) queueStored() error {
	for _, m := range s.mine() {
		if s.opts.AllAttachments || s.eager(m.Start) {
			if err := s.queue(m.ID); err != nil {
				return err
			}
		}
	}
	return nil
}

// mine lists the stored meetings of this source, newest first.
func (s *siteSync) mine() []store.MeetingSummary {
	var out []store.MeetingSummary
	for _, ms := range s.byDay {
		for _, m := range ms {
			if s.opts.Wants == nil || s.opts.Wants(m.Body.Name) {
				out = append(out, m)
			}
		}
	}
	slices.SortFunc(out, func(a, b store.MeetingSummary) int { return b.Start.Compare(a.Start) })
	return out
}

func (s *siteSync) countNotDownloaded() (int, error) {
	n := 0
	for _, sm := range s.mine() {
		m, err := s.st.Meeting(sm.ID)
		if err != nil {
			return 0, fmt.Errorf("read the store: %w", err)
		}
		for _, it := range m.Items {
			for _, a := range it.Attachments {
				if missing(a) {
					n++
				}
			}
		}
	}
	return n, nil
}

func plan(st Store, m agenda.Meeting) (Plan, error) {
	prev, err := st.Meeting(m.ID)
	if errors.Is(err, store.ErrNotFound) {
		prev, err = nil, nil
	}
	if err != nil {
		return Plan{}, fmt.Errorf("read the store: %w", err)
	}
	p := Plan{MeetingID: m.ID, Body: m.Body.Name, Title: m.Title, Start: m.Start, New: prev == nil}
	for _, c := range agenda.Reconcile(prev, &m) {
		if c.Kind != agenda.Unchanged {
			p.Changes = append(p.Changes, c)
		}
	}
	return p, nil
}
