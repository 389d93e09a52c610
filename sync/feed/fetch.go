package feed

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/dagsorden/dagsorden/sync/httpx"
)

// Validators are what a server offered to make the next request for the index
// conditional. Plain static servers (python's http.server) offer only Last-Modified.
type Validators struct {
	ETag         string `json:"etag,omitempty"`
	LastModified string `json:"last_modified,omitempty"`
}

// fetcher reads feed files by the names this package builds (IndexName or a blob path
// from a validated hash), never by a name taken from the feed.
type fetcher interface {
	get(ctx context.Context, name string, cond Validators, limit int64) (body []byte, v Validators, notModified bool, err error)
	where() string
}

// Stats counts what a sync cost on the wire.
type Stats struct {
	Requests int64 // requests made (or files opened, for a feed in a folder)
	Bodies   int64 // answers that carried a body
	Bytes    int64 // body bytes received
}

type counters struct{ requests, bodies, bytes atomic.Int64 }

func (c *counters) stats() Stats {
	return Stats{Requests: c.requests.Load(), Bodies: c.bodies.Load(), Bytes: c.bytes.Load()}
}

// newFetcher picks HTTP for http(s) addresses and the file system for anything else.
func newFetcher(location string, client *httpx.Client, c *counters) (fetcher, error) {
	if strings.HasPrefix(location, "http://") || strings.HasPrefix(location, "https://") {
		u, err := url.Parse(location)
		if err != nil {
			return nil, fmt.Errorf("bad feed address %q: %w", location, err)
		}
		if err := client.CheckURL(u); err != nil {
			return nil, err
		}
		u.Path = strings.TrimSuffix(strings.TrimSuffix(u.Path, "/"+IndexName), "/") + "/"
		u.RawQuery, u.Fragment = "", ""
		return &httpFetcher{base: u, client: client, c: c}, nil
	}
	if strings.Contains(location, "://") {
		return nil, fmt.Errorf("%s is neither an http(s) address nor a folder", location)
	}
	return &dirFetcher{dir: location, c: c}, nil
}

type httpFetcher struct {
	base   *url.URL
	client *httpx.Client
	c      *counters
}

func (f *httpFetcher) where() string { return f.base.Redacted() }

func (f *httpFetcher) get(ctx context.Context, name string, cond Validators, limit int64) ([]byte, Validators, bool, error) {
	h := http.Header{}
	if cond.ETag != "" {
		h.Set("If-None-Match", cond.ETag)
	}
	if cond.LastModified != "" {
		h.Set("If-Modified-Since", cond.LastModified)
	}
	f.c.requests.Add(1)
	resp, err := f.client.Get(ctx, httpx.Request{URL: f.base.JoinPath(name).String(), Header: h, Limit: limit})
	if err != nil {
		return nil, Validators{}, false, err
	}
	if resp.Status == http.StatusNotModified {
		return nil, cond, true, nil
	}
	if len(resp.Body) > 0 {
		f.c.bodies.Add(1)
		f.c.bytes.Add(int64(len(resp.Body)))
	}
	return resp.Body, Validators{ETag: resp.Header.Get("ETag"), LastModified: resp.Header.Get("Last-Modified")}, false, nil
}

// dirFetcher reads a feed from a folder (a USB stick, a synced share).
type dirFetcher struct {
	dir string
	c   *counters
}

func (f *dirFetcher) where() string { return f.dir }

func (f *dirFetcher) get(ctx context.Context, name string, cond Validators, limit int64) ([]byte, Validators, bool, error) {
	if err := ctx.Err(); err != nil {
		return nil, Validators{}, false, err
	}
	f.c.requests.Add(1)
	file, err := os.Open(filepath.Join(f.dir, filepath.FromSlash(name)))
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, Validators{}, false, &httpx.StatusError{URL: filepath.Join(f.dir, filepath.FromSlash(name)), Status: http.StatusNotFound}
		}
		return nil, Validators{}, false, fmt.Errorf("read feed: %w", err)
	}
	defer file.Close()
	fi, err := file.Stat()
	if err != nil {
		return nil, Validators{}, false, fmt.Errorf("read feed: %w", err)
	}
	// The file's identity stands in for an ETag: same time and size, same content
	// (index.json is only ever replaced by rename).
	v := Validators{ETag: strconv.FormatInt(fi.ModTime().UnixNano(), 36) + "-" + strconv.FormatInt(fi.Size(), 36)}
	if cond.ETag != "" && cond.ETag == v.ETag {
		return nil, v, true, nil
	}
	if fi.Size() > limit {
		return nil, v, false, fmt.Errorf("%s is %d bytes, more than the limit of %d: %w", file.Name(), fi.Size(), limit, httpx.ErrTooLarge)
	}
	data, err := io.ReadAll(io.LimitReader(file, limit+1))
	if err != nil {
		return nil, v, false, fmt.Errorf("read feed: %w", err)
	}
	if int64(len(data)) > limit {
		return nil, v, false, fmt.Errorf("%s is larger than the limit of %d bytes: %w", file.Name(), limit, httpx.ErrTooLarge)
	}
	f.c.bodies.Add(1)
	f.c.bytes.Add(int64(len(data)))
	return data, v, false, nil
}
