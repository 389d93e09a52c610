// Package firstagenda syncs from a FirstAgenda Publication site (the public agenda sites
// of many Danish municipalities): it lists committees and meetings
// (/api/agenda/udvalgsliste), fetches each new or re-released meeting
// (/api/agenda/dagsorden/{id}), and fetches attachment PDFs
// (/vis/pdf/bilag/{id}?redirectDirectlyToPdf=true) under a size cap, then applies each
// meeting in one store transaction.
//
// It is polite (the httpx client's rate limit, 2 requests/s by default, retries with
// backoff, Retry-After), does the anonymous-session dance some sites need (the API
// answers 302 until the client holds the cookie that GET / hands out), and is
// incremental: a meeting whose release time is unchanged is not fetched again, and one
// whose content hash is unchanged is not written again. Ids from the site are checked
// before they go into an address and never become file names. Parsing is the
// agenda/firstagenda importer's job, not this package's.
package firstagenda

import (
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
	"time"

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

// SettledAfter: a meeting already synced whose site gives no release time is not
// fetched again once it was held this long ago (the minutes are out by then), so a site
// with years of meetings does not cost hundreds of requests per sync.
const SettledAfter = 60 * 24 * time.Hour

// Client talks to one site.
type Client struct {
	base *url.URL
	http *httpx.Client
}

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
	return &Client{base: u, http: hc}, nil
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

// Attachment fetches one attachment's PDF, at most limit bytes.
func (c *Client) Attachment(ctx context.Context, id string, limit int64) ([]byte, error) {
	if !ValidID(id) {
		return nil, fmt.Errorf("%q is not a FirstAgenda attachment id", id)
	}
	resp, err := c.http.Get(ctx, httpx.Request{URL: fa.PDFURL(c.Site(), "bilag", id), Limit: limit})
	if err != nil {
		return nil, err
	}
	return resp.Body, nil
}

// Store is what a site sync needs of the store.
type Store interface {
	Import(p agenda.Package) ([]store.ImportResult, error)
	Meeting(id string) (*agenda.Meeting, error)
	HasAttachment(sha256 string) (bool, error)
}

// State is what the subscriber remembers of one site between syncs (the caller keeps
// it beside the store). Sync updates it in place, also on failure.
type State struct {
	Meetings    map[string]MeetingState `json:"meetings,omitempty"`    // by publication id
	Attachments map[string]AttachState  `json:"attachments,omitempty"` // by attachment id
}

// MeetingState is one applied publication.
type MeetingState struct {
	Released string     `json:"released,omitempty"`
	Hash     string     `json:"hash"` // sha256 of the meeting JSON
	HTTP     Validators `json:"http,omitzero"`
}

// AttachState is a fetched attachment (FirstAgenda never reuses attachment ids).
type AttachState struct {
	SHA256 string `json:"sha256"`
	Size   int64  `json:"size"`
}

// Options for one Sync.
type Options struct {
	Source string
	// Wants selects committees by name; nil means all.
	Wants func(committee string) bool
	// Attachments fetches attachment PDFs; MaxAttachment caps each (0: the default).
	Attachments   bool
	MaxAttachment int64
	// Since skips meetings before it (zero: all the site lists).
	Since time.Time
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
	Fetched     int // meeting JSONs fetched (new or re-released)
	Attachments int // attachment PDFs fetched
	Imports     []store.ImportResult
	Planned     []Plan
	// Skipped names attachments left without content (over the cap, or failed),
	// one sentence each; the meeting is still applied with their addresses.
	Skipped []string
}

// Sync fetches what is new or re-released on the site and applies it.
func Sync(ctx context.Context, st Store, c *Client, state *State, opts Options) (Result, error) {
	var res Result
	if opts.MaxAttachment <= 0 {
		opts.MaxAttachment = DefaultMaxAttachment
	}
	if state.Meetings == nil {
		state.Meetings = map[string]MeetingState{}
	}
	if state.Attachments == nil {
		state.Attachments = map[string]AttachState{}
	}
	report := func(p progress.Progress) {
		p.Source = opts.Source
		opts.Progress.Report(p)
	}
	report(progress.Progress{Phase: progress.PhaseIndex, Message: "asking " + c.base.Host + " for its committees"})
	committees, err := c.Committees(ctx)
	if err != nil {
		return res, err
	}
	var refs []MeetingRef
	seen := map[string]bool{}
	for _, cm := range committees {
		if opts.Wants != nil && !opts.Wants(cm.Name) {
			continue
		}
		for _, m := range cm.Meetings {
			if seen[m.ID] || (!opts.Since.IsZero() && !m.Date.IsZero() && m.Date.Before(opts.Since)) {
				continue
			}
			seen[m.ID] = true
			refs = append(refs, m)
		}
	}
	res.Listed = len(refs)
	settled := time.Now().Add(-SettledAfter)
	// Oldest first, so that of two publications of one meeting (agenda, then minutes)
	// the later is applied last.
	slices.SortStableFunc(refs, func(a, b MeetingRef) int {
		if c := a.Date.Compare(b.Date); c != 0 {
			return c
		}
		return strings.Compare(a.Released, b.Released)
	})
	for i, ref := range refs {
		if err := ctx.Err(); err != nil {
			return res, err
		}
		prev, known := state.Meetings[ref.ID]
		if known && ref.Released != "" && prev.Released == ref.Released {
			continue // not re-released: not fetched again
		}
		if known && ref.Released == "" && !ref.Date.IsZero() && ref.Date.Before(settled) {
			// The site states no release time, so nothing says whether this meeting
			// changed. One held more than SettledAfter ago is taken as settled rather
			// than fetched again on every sync.
			continue
		}
		report(progress.Progress{Phase: progress.PhaseFetch, Done: i, Total: len(refs), Message: ref.Name + " " + ref.Date.In(agenda.Copenhagen).Format("2006-01-02")})
		var cond Validators
		if known {
			cond = prev.HTTP
		}
		data, v, notModified, err := c.Meeting(ctx, ref.ID, cond)
		if err != nil {
			return res, fmt.Errorf("fetch meeting %s: %w", ref.ID, err)
		}
		if notModified {
			if !opts.DryRun {
				prev.Released = ref.Released
				state.Meetings[ref.ID] = prev
			}
			continue
		}
		res.Fetched++
		sum := sha256.Sum256(data)
		hash := hex.EncodeToString(sum[:])
		if known && prev.Hash == hash {
			if !opts.DryRun {
				state.Meetings[ref.ID] = MeetingState{Released: ref.Released, Hash: hash, HTTP: v}
			}
			continue // same content: not written again
		}
		pkg, err := fa.ParseSite("meeting "+ref.ID+" on "+c.base.Host, data, c.Site())
		if err != nil {
			return res, err
		}
		for mi := range pkg.Meetings {
			m := &pkg.Meetings[mi]
			m.Source.Path = ""
			if opts.DryRun {
				p, err := plan(st, *m)
				if err != nil {
					return res, err
				}
				res.Planned = append(res.Planned, p)
				continue
			}
			if opts.Attachments {
				if err := fetchAttachments(ctx, st, c, state, opts, m, &res); err != nil {
					return res, err
				}
			}
		}
		if opts.DryRun {
			continue
		}
		report(progress.Progress{Phase: progress.PhaseApply, Done: i, Total: len(refs), Message: ref.Name + " " + ref.Date.In(agenda.Copenhagen).Format("2006-01-02")})
		if known {
			delete(state.Meetings, ref.ID)
			if opts.Checkpoint != nil {
				if err := opts.Checkpoint(); err != nil {
					return res, err
				}
			}
		}
		results, err := st.Import(pkg)
		if err != nil {
			return res, fmt.Errorf("apply meeting %s: %w", ref.ID, err)
		}
		res.Imports = append(res.Imports, results...)
		state.Meetings[ref.ID] = MeetingState{Released: ref.Released, Hash: hash, HTTP: v}
	}
	report(progress.Progress{Phase: progress.PhaseApply, Done: len(refs), Total: len(refs)})
	return res, nil
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

// fetchAttachments fills in the content of the meeting's PDF attachments: from the
// store when an earlier sync fetched that attachment id, else from the site.
func fetchAttachments(ctx context.Context, st Store, c *Client, state *State, opts Options, m *agenda.Meeting, res *Result) error {
	for i := range m.Items {
		it := &m.Items[i]
		for j := range it.Attachments {
			a := &it.Attachments[j]
			if a.SourceID == "" || a.MediaType != "application/pdf" || !ValidID(a.SourceID) {
				continue // no PDF rendition at the site
			}
			if as, ok := state.Attachments[a.SourceID]; ok {
				if has, err := st.HasAttachment(as.SHA256); err != nil {
					return fmt.Errorf("check the store for attachments: %w", err)
				} else if has {
					a.SHA256, a.Size = as.SHA256, as.Size
					continue
				}
			}
			data, err := c.Attachment(ctx, a.SourceID, opts.MaxAttachment)
			if err != nil {
				if ctx.Err() != nil {
					return ctx.Err()
				}
				if errors.Is(err, httpx.ErrTooLarge) {
					res.Skipped = append(res.Skipped, fmt.Sprintf("attachment %q of item %s in %s is larger than %d MB; kept as a link", a.Title, it.Number, m.Title, opts.MaxAttachment>>20))
				} else {
					res.Skipped = append(res.Skipped, fmt.Sprintf("attachment %q of item %s in %s could not be fetched (%v); kept as a link", a.Title, it.Number, m.Title, err))
				}
				continue
			}
			res.Attachments++
			sum := sha256.Sum256(data)
			a.Content, a.SHA256, a.Size = data, hex.EncodeToString(sum[:]), int64(len(data))
			state.Attachments[a.SourceID] = AttachState{SHA256: a.SHA256, Size: a.Size}
		}
	}
	return nil
}
