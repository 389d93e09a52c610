package feed

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// Handler serves the feed in dir: index.json and blobs/sha256/<hash>, nothing else (no
// directory listings, no other files that happen to lie in dir). It adds what a plain
// static server may lack: a strong ETag on the index (so clients can use If-None-Match)
// and immutable caching for blobs. Mount it where the feed should appear, e.g.
// mux.Handle("/", feed.Handler(dir)); the group relay mounts itself beside it.
func Handler(dir string) http.Handler {
	return &handler{dir: dir}
}

type handler struct {
	dir  string
	mu   sync.Mutex
	etag string // of the index at modTime/size
	mod  time.Time
	size int64
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	p := strings.TrimPrefix(r.URL.Path, "/")
	switch {
	case p == IndexName:
		h.serveIndex(w, r)
	case strings.HasPrefix(p, BlobDir+"/") && ValidHash(strings.TrimPrefix(p, BlobDir+"/")):
		hash := strings.TrimPrefix(p, BlobDir+"/")
		f, err := os.Open(filepath.Join(h.dir, filepath.FromSlash(BlobDir), hash))
		if err != nil {
			http.NotFound(w, r)
			return
		}
		defer f.Close()
		fi, err := f.Stat()
		if err != nil {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("ETag", `"`+hash+`"`)
		w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
		w.Header().Set("Content-Type", "application/octet-stream")
		http.ServeContent(w, r, "", fi.ModTime(), f)
	default:
		http.NotFound(w, r)
	}
}

func (h *handler) serveIndex(w http.ResponseWriter, r *http.Request) {
	f, err := os.Open(filepath.Join(h.dir, IndexName))
	if err != nil {
		http.NotFound(w, r)
		return
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		http.NotFound(w, r)
		return
	}
	h.mu.Lock()
	if h.etag == "" || !fi.ModTime().Equal(h.mod) || fi.Size() != h.size {
		s := sha256.New()
		buf := make([]byte, fi.Size())
		if _, err := f.ReadAt(buf, 0); err != nil {
			h.mu.Unlock()
			http.Error(w, "index unreadable", http.StatusInternalServerError)
			return
		}
		s.Write(buf)
		h.etag = `"` + hex.EncodeToString(s.Sum(nil))[:32] + `"`
		h.mod, h.size = fi.ModTime(), fi.Size()
	}
	etag := h.etag
	h.mu.Unlock()
	w.Header().Set("ETag", etag)
	w.Header().Set("Cache-Control", "no-cache")
	w.Header().Set("Content-Type", "application/json")
	http.ServeContent(w, r, "", fi.ModTime(), f)
}
