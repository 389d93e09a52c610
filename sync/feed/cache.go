package feed

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"

	"github.com/dagsorden/dagsorden/sync/internal/atomicfile"
)

// Cache keeps verified blobs by sha256 on disk, so an interrupted sync resumes without
// fetching finished blobs again and an edited meeting costs only its changed blobs.
//
// Small blobs (manifests, item bodies, documents: the thousands) are appended to one
// pack file, because creating a file per blob costs more than fetching it over
// loopback. Large blobs (attachments: few, and dropped once the store holds them) are
// files of their own, named by hash. Only a verified hash ever becomes a file name.
// Every record is verified when the pack is opened and every read is verified again, so
// a file torn by a crash (or a kill in the middle of an append) is found out: a torn
// pack tail is cut off, a damaged blob file removed, and the blob fetched anew.
type Cache struct {
	dir string

	mu      sync.Mutex
	pack    *os.File // opened on first use
	packErr error
	index   map[string]packEntry
	dirs    map[string]bool // fan-out folders known to exist
}

type packEntry struct{ off, size int64 }

const (
	// packLimit: blobs up to this size go into the pack.
	packLimit = 1 << 20
	// packMax: a pack larger than this is started afresh when opened (it only ever
	// grows; its blobs can be fetched again).
	packMax  = 512 << 20
	packName = "small.pack"
	// A record is magic, sha256, length, data.
	recordHeader = 4 + sha256.Size + 8
)

var packMagic = []byte("DGB1")

// OpenCache uses (creating it) dir for blobs.
func OpenCache(dir string) (*Cache, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create blob cache: %w", err)
	}
	return &Cache{dir: dir, dirs: map[string]bool{}}, nil
}

// openPack reads and verifies the pack once; callers hold c.mu.
func (c *Cache) openPack() error {
	if c.pack != nil || c.packErr != nil {
		return c.packErr
	}
	p := filepath.Join(c.dir, packName)
	if fi, err := os.Stat(p); err == nil && fi.Size() > packMax {
		os.Remove(p)
	}
	// O_APPEND: two dagsorden processes syncing at once append whole records instead
	// of overwriting each other's.
	f, err := os.OpenFile(p, os.O_RDWR|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		c.packErr = fmt.Errorf("open blob cache: %w", err)
		return c.packErr
	}
	c.index = map[string]packEntry{}
	data, err := io.ReadAll(f)
	if err != nil {
		f.Close()
		c.packErr = fmt.Errorf("read blob cache: %w", err)
		return c.packErr
	}
	off := int64(0)
	for {
		rest := data[off:]
		if len(rest) < recordHeader || !bytes.Equal(rest[:4], packMagic) {
			break
		}
		size := int64(binary.BigEndian.Uint64(rest[4+sha256.Size:]))
		if size < 0 || size > packLimit || int64(len(rest)) < recordHeader+size {
			break
		}
		blob := rest[recordHeader : recordHeader+size]
		sum := sha256.Sum256(blob)
		if !bytes.Equal(sum[:], rest[4:4+sha256.Size]) {
			break
		}
		c.index[hex.EncodeToString(sum[:])] = packEntry{off: off + recordHeader, size: size}
		off += recordHeader + size
	}
	if off < int64(len(data)) {
		// A torn or damaged tail: cut it off so appends continue from a clean record.
		if err := f.Truncate(off); err != nil {
			f.Close()
			c.packErr = fmt.Errorf("repair blob cache: %w", err)
			return c.packErr
		}
	}
	c.pack = f
	return nil
}

func (c *Cache) filePath(hash string) string {
	return filepath.Join(c.dir, hash[:2], hash)
}

// Get returns the blob, or ok=false when it is absent or damaged.
func (c *Cache) Get(hash string) ([]byte, bool) {
	if !ValidHash(hash) {
		return nil, false
	}
	c.mu.Lock()
	if err := c.openPack(); err == nil {
		if e, ok := c.index[hash]; ok {
			buf := make([]byte, e.size)
			_, err := c.pack.ReadAt(buf, e.off)
			if err == nil && verify(hash, buf) {
				c.mu.Unlock()
				return buf, true
			}
			delete(c.index, hash)
		}
	}
	c.mu.Unlock()
	p := c.filePath(hash)
	data, err := os.ReadFile(p)
	if err != nil {
		return nil, false
	}
	if !verify(hash, data) {
		os.Remove(p)
		return nil, false
	}
	return data, true
}

// Has reports whether the cache holds hash (pack entries are verified on open; blob
// files are checked for existence only and verified when read).
func (c *Cache) Has(hash string) bool {
	if !ValidHash(hash) {
		return false
	}
	c.mu.Lock()
	if c.openPack() == nil {
		if _, ok := c.index[hash]; ok {
			c.mu.Unlock()
			return true
		}
	}
	c.mu.Unlock()
	_, err := os.Stat(c.filePath(hash))
	return err == nil
}

// Put stores data under hash after checking that it hashes so.
func (c *Cache) Put(hash string, data []byte) error {
	if !ValidHash(hash) {
		return fmt.Errorf("invalid blob hash %q", hash)
	}
	if !verify(hash, data) {
		return errors.New("blob does not match its hash")
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(data) <= packLimit {
		if err := c.openPack(); err != nil {
			return err
		}
		if _, ok := c.index[hash]; ok {
			return nil
		}
		// One write per record: a kill leaves at most a torn last record, which the
		// next open cuts off.
		rec := make([]byte, recordHeader+len(data))
		copy(rec, packMagic)
		sum, _ := hex.DecodeString(hash)
		copy(rec[4:], sum)
		binary.BigEndian.PutUint64(rec[4+sha256.Size:], uint64(len(data)))
		copy(rec[recordHeader:], data)
		if _, err := c.pack.Write(rec); err != nil {
			return fmt.Errorf("write blob cache: %w", err)
		}
		end, err := c.pack.Seek(0, io.SeekCurrent)
		if err != nil {
			return fmt.Errorf("write blob cache: %w", err)
		}
		c.index[hash] = packEntry{off: end - int64(len(rec)) + recordHeader, size: int64(len(data))}
		return nil
	}
	sub := filepath.Join(c.dir, hash[:2])
	if !c.dirs[sub] {
		if err := os.MkdirAll(sub, 0o700); err != nil {
			return fmt.Errorf("blob cache: %w", err)
		}
		c.dirs[sub] = true
	}
	return atomicfile.WriteNoSync(c.filePath(hash), data, 0o600)
}

// Remove drops a blob file (attachments, once the store holds them). Pack entries stay:
// they are small, and the pack is started afresh when it grows too big.
func (c *Cache) Remove(hash string) {
	if ValidHash(hash) {
		os.Remove(c.filePath(hash))
	}
}

// Close releases the pack file.
func (c *Cache) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.pack == nil {
		return nil
	}
	err := c.pack.Close()
	c.pack, c.index, c.packErr = nil, nil, nil
	return err
}

func verify(hash string, data []byte) bool {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:]) == hash
}
