package relay

import (
	"math"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// limiters keeps one token bucket per key (a token hash, a client address). Keys that
// were idle long enough for their bucket to refill are swept, so a flood of distinct
// keys cannot grow the map without bound.
type limiters struct {
	mu    sync.Mutex
	m     map[string]*limitEntry
	limit rate.Limit
	burst int
	sweep time.Time
}

type limitEntry struct {
	l    *rate.Limiter
	seen time.Time
}

// maxLimiters is when the map is swept; idle is how long an entry must be unused to go.
const (
	maxLimiters = 10000
	idleLimiter = 10 * time.Minute
)

func newLimiters(limit rate.Limit, burst int) *limiters {
	return &limiters{m: map[string]*limitEntry{}, limit: limit, burst: burst}
}

func (ls *limiters) get(key string, now time.Time) *rate.Limiter {
	ls.mu.Lock()
	defer ls.mu.Unlock()
	e := ls.m[key]
	if e == nil {
		if len(ls.m) >= maxLimiters && now.Sub(ls.sweep) > time.Second {
			ls.sweep = now
			for k, e := range ls.m {
				if now.Sub(e.seen) > idleLimiter {
					delete(ls.m, k)
				}
			}
		}
		e = &limitEntry{l: rate.NewLimiter(ls.limit, ls.burst)}
		ls.m[key] = e
	}
	e.seen = now
	return e.l
}

// allow takes one token for key, or says how long to wait for one.
func (ls *limiters) allow(key string, now time.Time) (bool, time.Duration) {
	l := ls.get(key, now)
	if l.AllowN(now, 1) {
		return true, 0
	}
	res := l.ReserveN(now, 1)
	d := res.DelayFrom(now)
	res.CancelAt(now)
	return false, d
}

// blocked reports whether key has no token left, without taking one: failed
// authentications are counted only when they fail.
func (ls *limiters) blocked(key string, now time.Time) (bool, time.Duration) {
	ls.mu.Lock()
	e := ls.m[key]
	ls.mu.Unlock()
	if e == nil || e.l.TokensAt(now) >= 1 {
		return false, 0
	}
	res := e.l.ReserveN(now, 1)
	d := res.DelayFrom(now)
	res.CancelAt(now)
	return true, d
}

// clientAddr is the client's IP address, the key for per-address limits. The relay is
// meant to face members directly (or behind a proxy that terminates TLS on the same
// host); it does not trust forwarding headers, which any client can forge.
func clientAddr(req *http.Request) string {
	host, _, err := net.SplitHostPort(req.RemoteAddr)
	if err != nil {
		return req.RemoteAddr
	}
	return host
}

func retryAfter(w http.ResponseWriter, d time.Duration) {
	w.Header().Set("Retry-After", strconv.Itoa(max(1, int(math.Ceil(d.Seconds())))))
}
