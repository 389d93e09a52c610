package httpx

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func fast(o Options) Options {
	o.Backoff = time.Millisecond
	o.MaxBackoff = 5 * time.Millisecond
	if o.Rate == 0 {
		o.Rate = -1
	}
	return o
}

func TestRetriesServerErrorsThenSucceeds(t *testing.T) {
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) < 3 {
			http.Error(w, "busy", http.StatusBadGateway)
			return
		}
		w.Write([]byte("ok"))
	}))
	defer srv.Close()
	c := New(fast(Options{}))
	resp, err := c.Get(context.Background(), Request{URL: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	if string(resp.Body) != "ok" || n.Load() != 3 {
		t.Fatalf("body %q after %d requests, want ok after 3", resp.Body, n.Load())
	}
}

func TestGivesUpAfterRetries(t *testing.T) {
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	defer srv.Close()
	c := New(fast(Options{Retries: 2}))
	_, err := c.Get(context.Background(), Request{URL: srv.URL})
	var se *StatusError
	if !errors.As(err, &se) || se.Status != 503 {
		t.Fatalf("err = %v, want a 503 StatusError", err)
	}
	if n.Load() != 3 {
		t.Fatalf("%d requests, want 3 (1 + 2 retries)", n.Load())
	}
}

func TestClientErrorsAreNotRetried(t *testing.T) {
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		http.NotFound(w, r)
	}))
	defer srv.Close()
	_, err := New(fast(Options{})).Get(context.Background(), Request{URL: srv.URL})
	if err == nil || n.Load() != 1 {
		t.Fatalf("err %v after %d requests; want an error after 1", err, n.Load())
	}
}

func TestRetryAfterIsHonoured(t *testing.T) {
	var mu sync.Mutex
	var times []time.Time
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		times = append(times, time.Now())
		first := len(times) == 1
		mu.Unlock()
		if first {
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(http.StatusTooManyRequests)
			return
		}
		w.Write([]byte("ok"))
	}))
	defer srv.Close()
	o := fast(Options{})
	o.MaxBackoff = time.Second
	c := New(o)
	if _, err := c.Get(context.Background(), Request{URL: srv.URL}); err != nil {
		t.Fatal(err)
	}
	if len(times) != 2 {
		t.Fatalf("%d requests, want 2", len(times))
	}
	if gap := times[1].Sub(times[0]); gap < 900*time.Millisecond {
		t.Fatalf("retried after %v; the server asked for 1 s", gap)
	}
}

func TestTimeoutIsRetried(t *testing.T) {
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) == 1 {
			select {
			case <-r.Context().Done():
			case <-time.After(2 * time.Second):
			}
			return
		}
		w.Write([]byte("ok"))
	}))
	defer srv.Close()
	o := fast(Options{})
	o.Timeout = 100 * time.Millisecond
	resp, err := New(o).Get(context.Background(), Request{URL: srv.URL})
	if err != nil || string(resp.Body) != "ok" {
		t.Fatalf("got %v, %v; want ok after a retry", resp, err)
	}
}

func TestRateLimitSpacesRequests(t *testing.T) {
	var mu sync.Mutex
	var times []time.Time
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		times = append(times, time.Now())
		mu.Unlock()
	}))
	defer srv.Close()
	c := New(Options{Rate: 20}) // 50 ms apart
	var wg sync.WaitGroup
	for range 5 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := c.Get(context.Background(), Request{URL: srv.URL}); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if span := times[len(times)-1].Sub(times[0]); span < 190*time.Millisecond {
		t.Fatalf("5 requests at 20/s arrived within %v; want ≥ 200 ms", span)
	}
}

func TestSizeLimit(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/chunked" {
			w.(http.Flusher).Flush() // no Content-Length: the limit must hold while reading
		}
		w.Write([]byte(strings.Repeat("x", 1000)))
	}))
	defer srv.Close()
	c := New(fast(Options{}))
	for _, p := range []string{"/", "/chunked"} {
		_, err := c.Get(context.Background(), Request{URL: srv.URL + p, Limit: 999})
		if !errors.Is(err, ErrTooLarge) {
			t.Errorf("%s: err = %v, want ErrTooLarge", p, err)
		}
		resp, err := c.Get(context.Background(), Request{URL: srv.URL + p, Limit: 1000})
		if err != nil || len(resp.Body) != 1000 {
			t.Errorf("%s at the limit: %v", p, err)
		}
	}
}

func TestHTTPSRequiredExceptLoopback(t *testing.T) {
	for _, tc := range []struct {
		url      string
		insecure bool
		ok       bool
	}{
		{"https://dagsordener.greve.dk/", false, true},
		{"http://dagsordener.greve.dk/", false, false},
		{"http://dagsordener.greve.dk/", true, true},
		{"http://127.0.0.1:8080/", false, true},
		{"http://[::1]:8080/", false, true},
		{"http://localhost/", false, true},
		{"ftp://example.org/", true, false},
		{"file:///etc/passwd", true, false},
	} {
		u, _ := url.Parse(tc.url)
		err := CheckURL(u, tc.insecure)
		if (err == nil) != tc.ok {
			t.Errorf("CheckURL(%s, insecure=%v) = %v, want ok=%v", tc.url, tc.insecure, err, tc.ok)
		}
		if err != nil && !errors.Is(err, ErrInsecure) {
			t.Errorf("CheckURL(%s): error %v does not wrap ErrInsecure", tc.url, err)
		}
	}
	// A plain-http address is refused before any request is made.
	_, err := New(fast(Options{})).Get(context.Background(), Request{URL: "http://dagsordener.greve.dk/api"})
	if !errors.Is(err, ErrInsecure) {
		t.Fatalf("err = %v, want ErrInsecure", err)
	}
}

func TestRedirectToPlainHTTPIsRefused(t *testing.T) {
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		http.Redirect(w, r, "http://evil.example.org/x", http.StatusFound)
	}))
	defer srv.Close()
	_, err := New(fast(Options{})).Get(context.Background(), Request{URL: srv.URL})
	if !errors.Is(err, ErrInsecure) || n.Load() != 1 {
		t.Fatalf("err = %v after %d requests; want ErrInsecure after 1", err, n.Load())
	}
}

func TestCookieJarAndNoRedirect(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/":
			http.SetCookie(w, &http.Cookie{Name: "session", Value: "anon", Path: "/"})
		case "/api":
			if c, err := r.Cookie("session"); err != nil || c.Value != "anon" {
				http.Redirect(w, r, "/", http.StatusFound)
				return
			}
			w.Write([]byte("data"))
		}
	}))
	defer srv.Close()
	c := New(fast(Options{}))
	ctx := context.Background()
	resp, err := c.Get(ctx, Request{URL: srv.URL + "/api", NoRedirect: true})
	if err != nil || resp.Status != http.StatusFound {
		t.Fatalf("first API call: %v, %v; want a 302 answer", resp, err)
	}
	if _, err := c.Get(ctx, Request{URL: srv.URL + "/"}); err != nil {
		t.Fatal(err)
	}
	resp, err = c.Get(ctx, Request{URL: srv.URL + "/api", NoRedirect: true})
	if err != nil || string(resp.Body) != "data" {
		t.Fatalf("API call with the session cookie: %v, %v", resp, err)
	}
}

func TestParseRetryAfter(t *testing.T) {
	for in, want := range map[string]time.Duration{"": 0, "3": 3 * time.Second, "-1": 0, "soon": 0} {
		if got := parseRetryAfter(in); got != want {
			t.Errorf("parseRetryAfter(%q) = %v, want %v", in, got, want)
		}
	}
	if d := parseRetryAfter(time.Now().Add(10 * time.Second).UTC().Format(http.TimeFormat)); d < 8*time.Second || d > 11*time.Second {
		t.Errorf("HTTP date 10 s ahead gave %v", d)
	}
}
