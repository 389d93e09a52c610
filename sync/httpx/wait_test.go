package httpx

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// trickle answers with headers at once, then one byte every gap, until the client hangs
// up: a slowloris in reverse, the server starving the client.
func trickle(gap time.Duration, n *atomic.Int32) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		w.(http.Flusher).Flush()
		for {
			select {
			case <-r.Context().Done():
				return
			case <-time.After(gap):
				if _, err := w.Write([]byte(" ")); err != nil {
					return
				}
				w.(http.Flusher).Flush()
			}
		}
	}
}

// silent accepts the request and never answers.
func silent(n *atomic.Int32) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		<-r.Context().Done()
	}
}

func TestTrickledBodyFailsOnMinimumThroughput(t *testing.T) {
	var n atomic.Int32
	srv := httptest.NewServer(trickle(20*time.Millisecond, &n))
	defer srv.Close()
	o := fast(Options{MinThroughput: 1024, ThroughputWindow: 300 * time.Millisecond})
	start := time.Now()
	_, err := New(o).Get(context.Background(), Request{URL: srv.URL})
	took := time.Since(start)
	var we *WaitError
	if !errors.As(err, &we) || !errors.Is(err, ErrTooSlow) || !strings.Contains(err.Error(), "too slowly") {
		t.Fatalf("err = %v; want a WaitError saying the answer came too slowly", err)
	}
	// One retry (a second backend may be healthy), then it gives up.
	if n.Load() != 2 || took > 1500*time.Millisecond {
		t.Fatalf("%d attempts in %v; want 2 within about two windows", n.Load(), took)
	}
}

func TestNoHeadersFailsOnHeaderTimeout(t *testing.T) {
	var n atomic.Int32
	srv := httptest.NewServer(silent(&n))
	defer srv.Close()
	o := fast(Options{HeaderTimeout: 200 * time.Millisecond})
	start := time.Now()
	_, err := New(o).Get(context.Background(), Request{URL: srv.URL})
	took := time.Since(start)
	if !errors.Is(err, ErrTooSlow) || !strings.Contains(err.Error(), "no answer within") {
		t.Fatalf("err = %v; want no answer within the header timeout", err)
	}
	if n.Load() != 2 || took > time.Second {
		t.Fatalf("%d attempts in %v; want 2 of 200 ms", n.Load(), took)
	}
}

func TestTotalDeadlineEndsAnyRequest(t *testing.T) {
	var n atomic.Int32
	// Fast enough for the throughput floor, but endless.
	srv := httptest.NewServer(trickle(time.Millisecond, &n))
	defer srv.Close()
	o := fast(Options{Timeout: 300 * time.Millisecond, MinThroughput: 1, Retries: -1})
	start := time.Now()
	_, err := New(o).Get(context.Background(), Request{URL: srv.URL})
	if !errors.Is(err, ErrTooSlow) || !strings.Contains(err.Error(), "did not finish") || time.Since(start) > time.Second {
		t.Fatalf("err = %v after %v; want the total deadline", err, time.Since(start))
	}
}

func TestAHostThatKeepsStallingIsGivenUpOn(t *testing.T) {
	var n atomic.Int32
	srv := httptest.NewServer(silent(&n))
	defer srv.Close()
	c := New(fast(Options{HeaderTimeout: 100 * time.Millisecond}))
	ctx := context.Background()
	c.Get(ctx, Request{URL: srv.URL + "/a"}) // two stalls
	c.Get(ctx, Request{URL: srv.URL + "/b"}) // the third: the host is given up on
	before := n.Load()
	start := time.Now()
	_, err := c.Get(ctx, Request{URL: srv.URL + "/c"})
	if n.Load() != before || time.Since(start) > 50*time.Millisecond || !errors.Is(err, ErrTooSlow) || !strings.Contains(err.Error(), "gave up on") {
		t.Fatalf("after 3 stalls: err %v, %d more requests, %v; want an immediate refusal", err, n.Load()-before, time.Since(start))
	}
}

func TestRetriesStopWithinTheBudget(t *testing.T) {
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	defer srv.Close()
	o := Options{Rate: -1, Retries: 1000, Backoff: 40 * time.Millisecond, MaxBackoff: 40 * time.Millisecond, RetryBudget: 400 * time.Millisecond}
	c := New(o)
	start := time.Now()
	_, err := c.Get(context.Background(), Request{URL: srv.URL})
	took := time.Since(start)
	if err == nil || took > 700*time.Millisecond || n.Load() < 5 {
		t.Fatalf("%v after %d attempts in %v; want retries for about 400 ms, then the error", err, n.Load(), took)
	}
	if !strings.Contains(err.Error(), "stopped retrying") {
		t.Fatalf("err = %v; want it to say retrying stopped", err)
	}
	// The budget is the source's: a later request is tried once, not retried.
	before := n.Load()
	c.Get(context.Background(), Request{URL: srv.URL})
	if n.Load()-before != 1 {
		t.Fatalf("%d attempts after the budget was spent; want 1", n.Load()-before)
	}
}

func TestRetryAfterBeyondTheBudgetIsNotAwaited(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "3600")
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	defer srv.Close()
	start := time.Now()
	_, err := New(fast(Options{})).Get(context.Background(), Request{URL: srv.URL})
	if err == nil || time.Since(start) > time.Second || !strings.Contains(err.Error(), "asks to wait") {
		t.Fatalf("%v after %v; want an immediate error saying the server asks to wait", err, time.Since(start))
	}
}

func TestProgressReportsBytesAsTheyArrive(t *testing.T) {
	body := strings.Repeat("x", 300<<10)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		w.Write([]byte(body))
	}))
	defer srv.Close()
	var calls int
	var last, total int64
	resp, err := New(fast(Options{})).Get(context.Background(), Request{URL: srv.URL, Progress: func(got, of int64) {
		calls++
		if got < last {
			t.Errorf("progress went back from %d to %d", last, got)
		}
		last, total = got, of
	}})
	if err != nil || len(resp.Body) != len(body) {
		t.Fatal(err)
	}
	if calls < 2 || last != int64(len(body)) || total != int64(len(body)) {
		t.Fatalf("%d progress calls, last %d of %d; want several, ending at the whole body", calls, last, total)
	}
}
