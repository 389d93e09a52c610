// Package httpx is the polite HTTP client every dagsorden source uses: a request-rate
// limit (2 requests/s unless the caller says otherwise), retries with exponential backoff
// on 5xx answers and timeouts, Retry-After honoured, a size limit on every response body,
// HTTPS required except for loopback addresses or when the caller opts in with Insecure,
// and a cookie jar (FirstAgenda sites hand out an anonymous session cookie).
//
// Every wait is bounded, so a slow or hostile server cannot hold a sync for long: no
// headers within HeaderTimeout (15 s) fails the attempt, so does a body that arrives
// slower than MinThroughput (1 KB/s, measured over 15 s), and so does an attempt that is
// not done by its total deadline. Such a stall is retried once; a host that stalls three
// times is given up on for the rest of the client's life. Retries of all kinds stop when
// the client (one per source) has spent RetryBudget (2 minutes) on them.
//
// It only fetches bytes: it knows nothing of agendas, feeds or the store, and it never
// writes to disk.
package httpx

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"
)

// DefaultRate is the request rate a source gets unless it asks for another: public
// agenda sites publish no limit, and polite scrapers stay at 1–2 requests per second.
const DefaultRate = 2

// DefaultMaxBody caps a response body when the caller gives no limit of its own.
const DefaultMaxBody = 32 << 20

// Bounds on waiting, unless Options say otherwise.
const (
	DefaultHeaderTimeout    = 15 * time.Second
	DefaultMinThroughput    = 1 << 10 // bytes per second
	DefaultThroughputWindow = 15 * time.Second
	DefaultTimeout          = 2 * time.Minute
	DefaultRetryBudget      = 2 * time.Minute
	// maxStalls: a host that stalled this many times is not asked again.
	maxStalls = 3
)

// Options configure a Client. The zero value is a polite HTTPS-only client.
type Options struct {
	// Rate is requests per second. 0 means DefaultRate; a negative value means no limit
	// (for static feeds built to be fetched in bulk).
	Rate float64
	// Retries is how many times a failed request is tried again (5xx, 429, timeouts,
	// dropped connections). 0 means 4; a negative value means never. A stall (no
	// headers, too slow, past the deadline) is tried again at most once.
	Retries int
	// Backoff is the first wait before a retry; it doubles with every retry (with
	// jitter) up to MaxBackoff. 0 means 500 ms.
	Backoff    time.Duration
	MaxBackoff time.Duration // 0 means 30 s
	// RetryBudget bounds the time the client spends on retries in all (failed
	// attempts and waits before trying again): after it, a request is tried once. 0
	// means DefaultRetryBudget.
	RetryBudget time.Duration
	// Timeout bounds one attempt, body included. 0 means DefaultTimeout; a Request may
	// set its own (large attachments).
	Timeout time.Duration
	// HeaderTimeout bounds the wait for the answer's headers (connecting included).
	HeaderTimeout time.Duration
	// MinThroughput is the slowest body accepted, in bytes per second, measured over
	// ThroughputWindow. 0 means DefaultMinThroughput.
	MinThroughput    int64
	ThroughputWindow time.Duration
	// MaxBody caps a body when a request gives no limit. 0 means DefaultMaxBody.
	MaxBody int64
	// Insecure allows plain http:// to hosts that are not loopback.
	Insecure bool
	// UserAgent identifies dagsorden to site operators.
	UserAgent string
	// Transport replaces the network transport (tests count requests with it).
	Transport http.RoundTripper
}

// Client is safe for concurrent use. Concurrent requests share the rate limit.
type Client struct {
	opts    Options
	hc      *http.Client
	noRedir *http.Client
	limit   *rate.Limiter // nil: no limit

	mu         sync.Mutex
	retrySpent time.Duration
	stalls     map[string]int // by host

	requests, bytes atomic.Int64
}

// Stats reports how many requests the client made (retries included) and how many
// body bytes it received.
func (c *Client) Stats() (requests, bytes int64) {
	return c.requests.Load(), c.bytes.Load()
}

// New builds a Client.
func New(opts Options) *Client {
	if opts.Rate == 0 {
		opts.Rate = DefaultRate
	}
	if opts.Retries == 0 {
		opts.Retries = 4
	} else if opts.Retries < 0 {
		opts.Retries = 0
	}
	if opts.Backoff <= 0 {
		opts.Backoff = 500 * time.Millisecond
	}
	if opts.MaxBackoff <= 0 {
		opts.MaxBackoff = 30 * time.Second
	}
	if opts.RetryBudget <= 0 {
		opts.RetryBudget = DefaultRetryBudget
	}
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultTimeout
	}
	if opts.HeaderTimeout <= 0 {
		opts.HeaderTimeout = DefaultHeaderTimeout
	}
	if opts.MinThroughput <= 0 {
		opts.MinThroughput = DefaultMinThroughput
	}
	if opts.ThroughputWindow <= 0 {
		opts.ThroughputWindow = DefaultThroughputWindow
	}
	if opts.MaxBody <= 0 {
		opts.MaxBody = DefaultMaxBody
	}
	if opts.UserAgent == "" {
		opts.UserAgent = "dagsorden (+https://github.com/dagsorden/dagsorden)"
	}
	rt := opts.Transport
	if rt == nil {
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.MaxIdleConnsPerHost = 16
		// No ResponseHeaderTimeout: our own header timer (once) bounds the wait and
		// says so; the transport's would race it with an error of its own.
		rt = t
	}
	jar, _ := cookiejar.New(nil) // cookiejar.New never fails without options
	c := &Client{opts: opts, stalls: map[string]int{}}
	if opts.Rate > 0 {
		// A burst of one: the rate is a spacing between requests, never a quota spent at once.
		c.limit = rate.NewLimiter(rate.Limit(opts.Rate), 1)
	}
	c.hc = &http.Client{Transport: rt, Jar: jar, CheckRedirect: c.checkRedirect}
	c.noRedir = &http.Client{Transport: rt, Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}
	return c
}

// Rate is the client's request budget per second; 0 means none.
func (c *Client) Rate() float64 {
	if c.limit == nil {
		return 0
	}
	return c.opts.Rate
}

func (c *Client) checkRedirect(req *http.Request, via []*http.Request) error {
	if len(via) >= 10 {
		return errors.New("too many redirects")
	}
	return c.CheckURL(req.URL)
}

// CheckURL reports whether u may be fetched: http(s) only, and plain http only for
// loopback hosts or with Insecure.
func (c *Client) CheckURL(u *url.URL) error {
	return CheckURL(u, c.opts.Insecure)
}

// CheckURL is the transport-security rule on its own, for validating a source before
// any request is made.
func CheckURL(u *url.URL, insecure bool) error {
	switch u.Scheme {
	case "https":
		return nil
	case "http":
		if insecure || IsLoopback(u.Hostname()) {
			return nil
		}
		return &insecureError{fmt.Sprintf("%s uses plain http; dagsorden only uses https for hosts other than this machine (use --insecure to allow it)", u.Redacted())}
	}
	return &insecureError{fmt.Sprintf("%s is not an http or https address", u.Redacted())}
}

// IsLoopback reports whether host names this machine.
func IsLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Request is one GET.
type Request struct {
	URL string
	// Header is sent as is (conditional headers, Accept …).
	Header http.Header
	// Limit caps the body; 0 means the client's MaxBody.
	Limit int64
	// NoRedirect returns a 3xx answer instead of following it.
	NoRedirect bool
	// NoRateLimit skips the client's request budget (downloads from a file store the
	// site redirected to: another host, outside the site's budget).
	NoRateLimit bool
	// Timeout replaces the client's total deadline for this request (0: the client's).
	Timeout time.Duration
	// Progress, when set, is called as the body arrives with the bytes so far and the
	// announced length (0 when the server announced none).
	Progress func(got, total int64)
}

// Response is a fully read answer. Status 304 and 3xx (with NoRedirect) are answers,
// not errors; any other status outside 2xx is an error of type *StatusError.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
	URL    *url.URL // after redirects
}

// StatusError is an unsuccessful HTTP status after retries.
type StatusError struct {
	URL    string
	Status int
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("%s answered %d %s", e.URL, e.Status, http.StatusText(e.Status))
}

// ErrInsecure is wrapped by errors about addresses the security rule refuses.
var ErrInsecure = errors.New("insecure address")

type insecureError struct{ msg string }

func (e *insecureError) Error() string        { return e.msg }
func (e *insecureError) Is(target error) bool { return target == ErrInsecure }

// ErrTooLarge is wrapped by errors about bodies over their limit.
var ErrTooLarge = errors.New("response too large")

// ErrTooSlow matches every *WaitError.
var ErrTooSlow = errors.New("the server was too slow")

// WaitError is a request given up on because the server kept it waiting: no headers in
// time, a body below the minimum throughput, or past the total deadline. Its text is a
// sentence naming the host.
type WaitError struct {
	Host string
	Why  string // "sent no answer within 15 s", …
}

func (e *WaitError) Error() string        { return e.Host + " " + e.Why }
func (e *WaitError) Is(target error) bool { return target == ErrTooSlow }

// Get fetches r.URL politely and returns the whole body.
func (c *Client) Get(ctx context.Context, r Request) (*Response, error) {
	u, err := url.Parse(r.URL)
	if err != nil {
		return nil, fmt.Errorf("bad address %q: %w", r.URL, err)
	}
	if err := c.CheckURL(u); err != nil {
		return nil, err
	}
	limit := r.Limit
	if limit <= 0 {
		limit = c.opts.MaxBody
	}
	stalled := 0
	for attempt := 0; ; attempt++ {
		if err := c.givenUp(u.Host); err != nil {
			return nil, err
		}
		if !r.NoRateLimit {
			if err := c.wait(ctx); err != nil {
				return nil, err
			}
		}
		began := time.Now()
		resp, retryAfter, err := c.once(ctx, u, r, limit)
		if err == nil {
			return resp, nil
		}
		if !retryable(ctx, err) || attempt >= c.opts.Retries {
			return nil, err
		}
		var we *WaitError
		if errors.As(err, &we) {
			stalled++
			if c.stalled(u.Host) || stalled > 1 {
				return nil, err // one more try at most: a stalling server rarely recovers at once
			}
		}
		d := c.backoff(attempt)
		if retryAfter > 0 {
			d = retryAfter
		}
		if ok, left := c.spend(time.Since(began), d); !ok {
			if retryAfter > 0 {
				return nil, fmt.Errorf("%w; it asks to wait %s before trying again, longer than dagsorden waits", err, retryAfter.Round(time.Second))
			}
			return nil, fmt.Errorf("%w (stopped retrying: %s spent on retries of this source)", err, left.Round(time.Second))
		}
		t := time.NewTimer(d)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, ctx.Err()
		case <-t.C:
		}
	}
}

// spend books a failed attempt and the wait before the next against the retry budget;
// false when the budget does not allow the retry (spent says how much went already).
func (c *Client) spend(failed, wait time.Duration) (ok bool, spent time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.retrySpent += failed
	if c.retrySpent+wait > c.opts.RetryBudget {
		return false, c.retrySpent
	}
	c.retrySpent += wait
	return true, c.retrySpent
}

// stalled counts a stall of host and reports whether the host is now given up on.
func (c *Client) stalled(host string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.stalls[host]++
	return c.stalls[host] >= maxStalls
}

func (c *Client) givenUp(host string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.stalls[host] >= maxStalls {
		return &WaitError{Host: host, Why: fmt.Sprintf("kept dagsorden waiting %d times; gave up on it for this sync", c.stalls[host])}
	}
	return nil
}

type retryErr struct {
	err error
}

func (e *retryErr) Error() string { return e.err.Error() }
func (e *retryErr) Unwrap() error { return e.err }

func retryable(ctx context.Context, err error) bool {
	if ctx.Err() != nil {
		return false
	}
	var re *retryErr
	return errors.As(err, &re)
}

func (c *Client) backoff(attempt int) time.Duration {
	d := c.opts.Backoff << attempt
	if d > c.opts.MaxBackoff || d <= 0 {
		d = c.opts.MaxBackoff
	}
	// Full jitter on the upper half, so many clients retrying at once spread out.
	return d/2 + time.Duration(rand.Int64N(int64(d/2)+1))
}

// wait blocks until the rate limit lets the next request start.
func (c *Client) wait(ctx context.Context) error {
	if c.limit == nil {
		return ctx.Err()
	}
	return c.limit.Wait(ctx)
}

// Why an attempt was cancelled, read back with context.Cause.
var (
	errNoHeaders = errors.New("no headers in time")
	errTooSlow   = errors.New("below the minimum throughput")
	errDeadline  = errors.New("past the total deadline")
)

func (c *Client) once(ctx context.Context, u *url.URL, r Request, limit int64) (*Response, time.Duration, error) {
	timeout := c.opts.Timeout
	if r.Timeout > 0 {
		timeout = r.Timeout
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	ctx, cancelT := context.WithTimeoutCause(ctx, timeout, errDeadline)
	defer cancelT()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, 0, fmt.Errorf("bad address %s: %w", u.Redacted(), err)
	}
	for k, v := range r.Header {
		req.Header[k] = v
	}
	req.Header.Set("User-Agent", c.opts.UserAgent)
	hc := c.hc
	if r.NoRedirect {
		hc = c.noRedir
	}
	c.requests.Add(1)
	// Our own header timer, so the bound holds whatever the transport (tests bring
	// their own) and the error can say what happened.
	headers := time.AfterFunc(c.opts.HeaderTimeout, func() { cancel(errNoHeaders) })
	resp, err := hc.Do(req)
	headers.Stop()
	if err != nil {
		var ie *insecureError
		if errors.As(err, &ie) {
			// A refused redirect (https → http) is not worth retrying.
			return nil, 0, ie
		}
		if we := c.waitError(ctx, u, timeout); we != nil {
			return nil, 0, &retryErr{we}
		}
		return nil, 0, &retryErr{fmt.Errorf("fetch %s: %w", u.Redacted(), err)}
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 500 || resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusRequestTimeout {
		_, _ = readBody(ctx, resp, 64<<10, nil)
		return nil, parseRetryAfter(resp.Header.Get("Retry-After")), &retryErr{&StatusError{URL: u.Redacted(), Status: resp.StatusCode}}
	}
	if resp.StatusCode >= 400 {
		return nil, 0, &StatusError{URL: u.Redacted(), Status: resp.StatusCode}
	}
	if resp.ContentLength > limit {
		return nil, 0, fmt.Errorf("%s is %d bytes, more than the limit of %d: %w", u.Redacted(), resp.ContentLength, limit, ErrTooLarge)
	}
	// The watchdog: a body that brings fewer than MinThroughput×window bytes in any
	// window is cut off.
	var got atomic.Int64
	done := make(chan struct{})
	defer close(done)
	go func() {
		t := time.NewTicker(c.opts.ThroughputWindow)
		defer t.Stop()
		floor := int64(float64(c.opts.MinThroughput) * c.opts.ThroughputWindow.Seconds())
		last := int64(0)
		for {
			select {
			case <-done:
				return
			case <-t.C:
				n := got.Load()
				if n-last < floor {
					cancel(errTooSlow)
					return
				}
				last = n
			}
		}
	}()
	body, err := readBody(ctx, resp, limit+1, func(n int64) {
		got.Store(n)
		if r.Progress != nil {
			r.Progress(n, max(resp.ContentLength, 0))
		}
	})
	c.bytes.Add(int64(len(body)))
	if err != nil {
		if we := c.waitError(ctx, u, timeout); we != nil {
			return nil, 0, &retryErr{we}
		}
		return nil, 0, &retryErr{fmt.Errorf("read %s: %w", u.Redacted(), err)}
	}
	if int64(len(body)) > limit {
		return nil, 0, fmt.Errorf("%s is larger than the limit of %d bytes: %w", u.Redacted(), limit, ErrTooLarge)
	}
	return &Response{Status: resp.StatusCode, Header: resp.Header, Body: body, URL: resp.Request.URL}, 0, nil
}

// waitError turns a cancelled attempt into the sentence that says why, or nil when it
// was not one of ours.
func (c *Client) waitError(ctx context.Context, u *url.URL, timeout time.Duration) *WaitError {
	switch cause := context.Cause(ctx); {
	case errors.Is(cause, errNoHeaders):
		return &WaitError{Host: u.Host, Why: fmt.Sprintf("sent no answer within %s", seconds(c.opts.HeaderTimeout))}
	case errors.Is(cause, errTooSlow):
		return &WaitError{Host: u.Host, Why: fmt.Sprintf("sent its answer too slowly (under %s/s for %s)", byteSize(c.opts.MinThroughput), seconds(c.opts.ThroughputWindow))}
	case errors.Is(cause, errDeadline):
		return &WaitError{Host: u.Host, Why: fmt.Sprintf("did not finish its answer within %s", seconds(timeout))}
	}
	return nil
}

// readBody reads at most limit bytes, calling progress with the count so far.
func readBody(ctx context.Context, resp *http.Response, limit int64, progress func(int64)) ([]byte, error) {
	size := 64 << 10
	if resp.ContentLength > 0 && resp.ContentLength < limit {
		size = int(resp.ContentLength) + 1 // one more to see the end without a grow
	}
	buf := make([]byte, 0, size)
	for {
		if int64(len(buf)) >= limit {
			return buf, nil
		}
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		end := min(int64(cap(buf)), limit)
		n, err := resp.Body.Read(buf[len(buf):end])
		buf = buf[:len(buf)+n]
		if n > 0 && progress != nil {
			progress(int64(len(buf)))
		}
		if err != nil {
			if errors.Is(err, io.EOF) {
				return buf, nil
			}
			if ctx.Err() != nil {
				return buf, ctx.Err()
			}
			return buf, err
		}
	}
}

func seconds(d time.Duration) string {
	if d%time.Second == 0 {
		return fmt.Sprintf("%d s", int(d/time.Second))
	}
	return d.String()
}

func byteSize(n int64) string {
	if n >= 1<<10 && n%(1<<10) == 0 {
		return fmt.Sprintf("%d KB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}

// parseRetryAfter reads seconds or an HTTP date; 0 when absent or unreadable.
func parseRetryAfter(v string) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if n, err := strconv.Atoi(v); err == nil && n >= 0 {
		return time.Duration(n) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := time.Until(t); d > 0 {
			return d
		}
	}
	return 0
}
