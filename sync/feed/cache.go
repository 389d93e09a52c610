package feed

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/dagsorden/dagsorden/sync/internal/atomicfile"
)

// Cache keeps verified blobs by sha256 on disk, so an interrupted sync resumes without
// fetching finished blobs again and an edited meeting costs only its changed blobs.
// Only a validated hash ever becomes a file name. Every read is verified again, so a
// file torn by a crash is found out and fetched anew.
type Cache struct {
	dir string
}

// OpenCache uses (creating it) dir for blobs.
func OpenCache(dir string) (*Cache, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create blob cache: %w", err)
	}
	return &Cache{dir: dir}, nil
}

func (c *Cache) path(hash string) (string, error) {
	if !ValidHash(hash) {
		return "", fmt.Errorf("invalid blob hash %q", hash)
	}
	return filepath.Join(c.dir, hash[:2], hash), nil
}

// Get returns the blob, or ok=false when it is absent or damaged (a damaged file is
// removed).
func (c *Cache) Get(hash string) ([]byte, bool) {
	p, err := c.path(hash)
	if err != nil {
		return nil, false
	}
	data, err := os.ReadFile(p)
	if err != nil {
		return nil, false
	}
	if sum := sha256.Sum256(data); hex.EncodeToString(sum[:]) != hash {
		os.Remove(p)
		return nil, false
	}
	return data, true
}

// Has reports whether a file for hash exists, without verifying it.
func (c *Cache) Has(hash string) bool {
	p, err := c.path(hash)
	if err != nil {
		return false
	}
	_, err = os.Stat(p)
	return err == nil
}

// Put stores data under hash after checking that it hashes so.
func (c *Cache) Put(hash string, data []byte) error {
	p, err := c.path(hash)
	if err != nil {
		return err
	}
	if sum := sha256.Sum256(data); hex.EncodeToString(sum[:]) != hash {
		return errors.New("blob does not match its hash")
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		return fmt.Errorf("blob cache: %w", err)
	}
	return atomicfile.WriteNoSync(p, data, 0o600)
}

// Remove drops a blob (attachments, once the store holds them).
func (c *Cache) Remove(hash string) {
	if p, err := c.path(hash); err == nil {
		os.Remove(p)
	}
}
