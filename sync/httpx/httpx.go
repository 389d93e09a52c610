// Package httpx is the polite HTTP client every dagsorden source uses: a request-rate
// limit (2 requests/s unless the caller says otherwise), retries with exponential backoff
// on 5xx answers and timeouts, Retry-After honoured, a size limit on every response body,
// HTTPS required except for loopback addresses or when the caller opts in with Insecure,
// and a cookie jar (FirstAgenda sites hand out an anonymous session cookie).
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
)

// DefaultRate is the request rate a source gets unless it asks for another: public
// agenda sites publish no limit, and polite scrapers stay at 1–2 requests per second.
const DefaultRate = 2

// DefaultMaxBody caps a response body when the caller gives no limit of its own.
const DefaultMaxBody = 32 << 20

// Options configure a Client. The zero value is a polite HTTPS-only client.
type Options struct {
	// Rate is requests per second. 0 means DefaultRate; a negative value means no limit
	// (for static feeds built to be fetched in bulk).
	Rate float64
	// Retries is how many times a failed request is tried again (5xx, 429, timeouts,
	// dropped connections). 0 means 4; a negative value means never.
	Retries int
	// Backoff is the first wait before a retry; it doubles with every retry (with
	// jitter) up to MaxBackoff. 0 means 500 ms.
	Backoff    time.Duration
	MaxBackoff time.Duration // 0 means 30 s; Retry-After is capped at 4× this
	// Timeout bounds one attempt, body included. 0 means 2 minutes.
	Timeout time.Duration
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
	mu      sync.Mutex
	next    time.Time // earliest start of the next request
	gap     time.Duration

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
	if opts.Timeout <= 0 {
		opts.Timeout = 2 * time.Minute
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
		t.ResponseHeaderTimeout = 30 * time.Second
		rt = t
	}
	jar, _ := cookiejar.New(nil) // cookiejar.New never fails without options
	c := &Client{opts: opts}
	if opts.Rate > 0 {
		c.gap = time.Duration(float64(time.Second) / opts.Rate)
	}
	c.hc = &http.Client{Transport: rt, Jar: jar, CheckRedirect: c.checkRedirect}
	c.noRedir = &http.Client{Transport: rt, Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}
	return c
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
	var lastErr error
	for attempt := 0; ; attempt++ {
		if err := c.wait(ctx); err != nil {
			return nil, err
		}
		resp, retryAfter, err := c.once(ctx, u, r, limit)
		if err == nil {
			return resp, nil
		}
		lastErr = err
		if !retryable(ctx, err) || attempt >= c.opts.Retries {
			return nil, lastErr
		}
		d := c.backoff(attempt)
		if retryAfter > 0 {
			d = min(retryAfter, 4*c.opts.MaxBackoff)
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
	if c.gap == 0 {
		return ctx.Err()
	}
	c.mu.Lock()
	now := time.Now()
	start := c.next
	if start.Before(now) {
		start = now
	}
	c.next = start.Add(c.gap)
	c.mu.Unlock()
	d := time.Until(start)
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

func (c *Client) once(ctx context.Context, u *url.URL, r Request, limit int64) (*Response, time.Duration, error) {
	ctx, cancel := context.WithTimeout(ctx, c.opts.Timeout)
	defer cancel()
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
	resp, err := hc.Do(req)
	if err != nil {
		var ie *insecureError
		if errors.As(err, &ie) {
			// A refused redirect (https → http) is not worth retrying.
			return nil, 0, ie
		}
		if ctx.Err() != nil && errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return nil, 0, &retryErr{fmt.Errorf("%s did not answer in time", u.Redacted())}
		}
		return nil, 0, &retryErr{fmt.Errorf("fetch %s: %w", u.Redacted(), err)}
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 500 || resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusRequestTimeout {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		return nil, parseRetryAfter(resp.Header.Get("Retry-After")), &retryErr{&StatusError{URL: u.Redacted(), Status: resp.StatusCode}}
	}
	if resp.StatusCode >= 400 {
		return nil, 0, &StatusError{URL: u.Redacted(), Status: resp.StatusCode}
	}
	if resp.ContentLength > limit {
		return nil, 0, fmt.Errorf("%s is %d bytes, more than the limit of %d: %w", u.Redacted(), resp.ContentLength, limit, ErrTooLarge)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	c.bytes.Add(int64(len(body)))
	if err != nil {
		if ctx.Err() != nil && errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return nil, 0, &retryErr{fmt.Errorf("%s did not finish in time", u.Redacted())}
		}
		return nil, 0, &retryErr{fmt.Errorf("read %s: %w", u.Redacted(), err)}
	}
	if int64(len(body)) > limit {
		return nil, 0, fmt.Errorf("%s is larger than the limit of %d bytes: %w", u.Redacted(), limit, ErrTooLarge)
	}
	return &Response{Status: resp.StatusCode, Header: resp.Header, Body: body, URL: resp.Request.URL}, 0, nil
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
