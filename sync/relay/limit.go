package relay

import (
	"fmt"
	"math"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
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

// clientAddr is the key for per-address limits: the client's IP address, or for IPv6
// its /64 (one home or phone holds a whole /64 and could otherwise step round the limit
// with every request). Behind a reverse proxy every request comes from the proxy, so
// X-Forwarded-For is read, but only when the request comes from an address the operator
// listed as a trusted proxy (any client can write the header): the client is then the
// rightmost address in it that is not itself a trusted proxy.
func (r *Relay) clientAddr(req *http.Request) string {
	addr := remoteAddr(req.RemoteAddr)
	if addr.IsValid() && r.trusted(addr) {
		hops := strings.Split(strings.Join(req.Header.Values("X-Forwarded-For"), ","), ",")
		for i := len(hops) - 1; i >= 0; i-- {
			hop, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
			if err != nil {
				break // a damaged header: keep the last address we could trust
			}
			addr = hop.Unmap()
			if !r.trusted(addr) {
				break
			}
		}
	}
	if !addr.IsValid() {
		return req.RemoteAddr
	}
	if addr.Is6() {
		p, _ := addr.Prefix(64)
		return p.String()
	}
	return addr.String()
}

func remoteAddr(s string) netip.Addr {
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return ap.Addr().Unmap()
	}
	a, _ := netip.ParseAddr(s)
	return a.Unmap()
}

func (r *Relay) trusted(a netip.Addr) bool {
	for _, p := range r.opts.TrustedProxies {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// ParseProxies reads the CIDRs (or single addresses) of trusted proxies, as `serve
// --trusted-proxy` takes them.
func ParseProxies(list []string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, s := range list {
		s = strings.TrimSpace(s)
		p, err := netip.ParsePrefix(s)
		if err != nil {
			a, aerr := netip.ParseAddr(s)
			if aerr != nil {
				return nil, fmt.Errorf("%q is not an address or CIDR (like 10.0.0.0/8 or 127.0.0.1)", s)
			}
			p = netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen())
		}
		out = append(out, p.Masked())
	}
	return out, nil
}

// credentialPrefix is the key for per-credential failure limits: the kind prefix and the
// first characters of what was presented. A token retried again and again (a stale one
// on a member's old laptop, or one someone tries from many addresses) runs out on its
// own, without locking the address it comes from for everyone else there.
func credentialPrefix(kind, presented string) string {
	return kind + ":" + presented[:min(len(presented), 12)]
}

func retryAfter(w http.ResponseWriter, d time.Duration) {
	w.Header().Set("Retry-After", strconv.Itoa(max(1, int(math.Ceil(d.Seconds())))))
}
