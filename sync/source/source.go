// Package source keeps the member's list of sources: FirstAgenda Publication sites and
// dagsorden feeds, each optionally limited to chosen committees, with a feed's pinned
// publisher key and a site's request rate.
//
// The list belongs to the data folder it feeds: it is sources.toml beside dagsorden.db
// (Path), so `--data DIR` scopes the sources as it scopes everything else, and each
// store's sync state (also in the data folder) describes the sources it was earned with.
// It is a plain TOML file rather than a bucket of the store so that a person can read
// and fix it, and so that the store's format stays the store's business. Older versions
// kept one global list in the XDG config directory (LegacyPath); MoveLegacy moves it into
// the default data folder once.
//
// It reads and writes those files and validates what goes into them; it fetches
// nothing. The file is written atomically with mode 0600 (it pins keys: tampering
// with it would let another publisher in).
package source

import (
	"bytes"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/BurntSushi/toml"

	"github.com/dagsorden/dagsorden/agenda"
	"github.com/dagsorden/dagsorden/sync/httpx"
	"github.com/dagsorden/dagsorden/sync/internal/atomicfile"
)

// Kind is what a source speaks.
type Kind string

const (
	KindFeed        Kind = "feed"        // a dagsorden feed (index.json + blobs), over http(s) or in a folder
	KindFirstAgenda Kind = "firstagenda" // a FirstAgenda Publication site
)

// Source is one entry of the config.
type Source struct {
	Name string `toml:"name" json:"name"`
	Kind Kind   `toml:"kind" json:"kind"`
	// URL is an http(s) address, or for a feed also an absolute folder path.
	URL string `toml:"url" json:"url"`
	// Committees limits the source to these bodies (matched without regard to case,
	// punctuation or spacing); empty means all.
	Committees []string `toml:"committees,omitempty" json:"committees,omitempty"`
	// Key is a feed's pinned publisher key (base64 ed25519); Fingerprint is shown to
	// people.
	Key         string `toml:"key,omitempty" json:"key,omitempty"`
	Fingerprint string `toml:"fingerprint,omitempty" json:"fingerprint,omitempty"`
	// Insecure allows plain http to a host that is not this machine.
	Insecure bool `toml:"insecure,omitempty" json:"insecure,omitempty"`
	// Rate is requests per second: 0 means the default (2 for a site, no limit for a
	// feed, which is static files); negative means no limit.
	Rate float64 `toml:"rate,omitempty" json:"rate,omitempty"`
	// NoAttachments skips fetching attachment PDFs from a FirstAgenda site.
	NoAttachments bool `toml:"no_attachments,omitempty" json:"no_attachments,omitempty"`
	// MaxAttachmentMB caps one attachment; 0 means 50 MB for a site, 200 MB for a feed.
	MaxAttachmentMB int `toml:"max_attachment_mb,omitempty" json:"max_attachment_mb,omitempty"`
	// HistoryDays limits a FirstAgenda site to meetings from that many days back
	// (0: all the site lists).
	HistoryDays int `toml:"history_days,omitempty" json:"history_days,omitempty"`
	// AttachmentDays: a site's attachments of upcoming meetings and of meetings held
	// up to this many days ago are fetched at sync, older ones when opened (0: 30).
	AttachmentDays int `toml:"attachment_days,omitempty" json:"attachment_days,omitempty"`
}

// Config is the whole file.
type Config struct {
	Sources []Source `toml:"source"`
}

// FileName is the list's file inside the data folder.
const FileName = "sources.toml"

// Path is the source list of the data folder dir.
func Path(dir string) string { return filepath.Join(dir, FileName) }

// LegacyPath is where versions before per-store sources kept the one global list:
// $DAGSORDEN_CONFIG (a file ending in .toml, or a directory holding sources.toml), else
// $XDG_CONFIG_HOME/dagsorden/sources.toml, else ~/.config/dagsorden/sources.toml.
func LegacyPath() string {
	if p := os.Getenv("DAGSORDEN_CONFIG"); p != "" {
		if strings.HasSuffix(p, ".toml") {
			return p
		}
		return filepath.Join(p, FileName)
	}
	if d := os.Getenv("XDG_CONFIG_HOME"); d != "" {
		return filepath.Join(d, "dagsorden", FileName)
	}
	if home, err := os.UserHomeDir(); err == nil {
		return filepath.Join(home, ".config", "dagsorden", FileName)
	}
	return filepath.Join(".dagsorden", FileName)
}

// MoveLegacy moves the global list of older versions (LegacyPath) into the data folder
// dir, once: only when dir has no list of its own yet. The old file is renamed to
// LegacyPath()+".moved", so no later run (nor another data folder) takes it again.
// It returns the old file's path when it moved something.
func MoveLegacy(dir string) (from string, err error) {
	legacy := LegacyPath()
	data, err := os.ReadFile(legacy)
	if errors.Is(err, os.ErrNotExist) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("read the old sources file: %w", err)
	}
	if _, err := os.Stat(Path(dir)); err == nil {
		return "", nil // the data folder has its own list: that one counts
	}
	if _, err := Load(legacy); err != nil {
		return "", fmt.Errorf("cannot move the old sources file into %s: %w", dir, err)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fmt.Errorf("create the data folder: %w", err)
	}
	if err := atomicfile.Write(Path(dir), data, 0o600); err != nil {
		return "", err
	}
	if err := os.Rename(legacy, legacy+".moved"); err != nil && !errors.Is(err, os.ErrNotExist) {
		return "", fmt.Errorf("moved the sources into %s, but cannot rename the old file %s: %w", dir, legacy, err)
	}
	return legacy, nil
}

// Load reads the config; a missing file is an empty config.
func Load(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return &Config{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read the sources file: %w", err)
	}
	var c Config
	md, err := toml.Decode(string(data), &c)
	if err != nil {
		return nil, fmt.Errorf("the sources file %s is not valid TOML: %v", path, err)
	}
	if und := md.Undecoded(); len(und) > 0 {
		return nil, fmt.Errorf("the sources file %s has an unknown setting %q", path, und[0].String())
	}
	seen := map[string]bool{}
	for i := range c.Sources {
		s := &c.Sources[i]
		if err := s.Validate(); err != nil {
			return nil, fmt.Errorf("the sources file %s: %w", path, err)
		}
		if seen[s.Name] {
			return nil, fmt.Errorf("the sources file %s names source %q twice", path, s.Name)
		}
		seen[s.Name] = true
	}
	return &c, nil
}

// Save writes the config atomically, mode 0600 in a 0700 directory.
func (c *Config) Save(path string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("create the config folder: %w", err)
	}
	var b bytes.Buffer
	b.WriteString("# dagsorden sources: edit with `dagsorden source add/remove`.\n\n")
	if err := toml.NewEncoder(&b).Encode(c); err != nil {
		return fmt.Errorf("encode the sources: %w", err)
	}
	return atomicfile.Write(path, b.Bytes(), 0o600)
}

// Update loads the file, lets fn change it and saves it: the read happens right
// before the write, so two commands rarely undo each other's change.
func Update(path string, fn func(*Config) error) error {
	c, err := Load(path)
	if err != nil {
		return err
	}
	if err := fn(c); err != nil {
		return err
	}
	return c.Save(path)
}

// Find returns the source with this name.
func (c *Config) Find(name string) (*Source, bool) {
	for i := range c.Sources {
		if c.Sources[i].Name == name {
			return &c.Sources[i], true
		}
	}
	return nil, false
}

// Add appends s after validating it; names are unique.
func (c *Config) Add(s Source) error {
	if err := s.Validate(); err != nil {
		return err
	}
	if _, ok := c.Find(s.Name); ok {
		return fmt.Errorf("there is already a source named %q (remove it first or pick another --name)", s.Name)
	}
	for _, o := range c.Sources {
		if o.URL == s.URL && o.Kind == s.Kind {
			return fmt.Errorf("%s is already a source, named %q", s.URL, o.Name)
		}
	}
	c.Sources = append(c.Sources, s)
	return nil
}

// Remove deletes the source with this name.
func (c *Config) Remove(name string) error {
	i := slices.IndexFunc(c.Sources, func(s Source) bool { return s.Name == name })
	if i < 0 {
		return fmt.Errorf("there is no source named %q", name)
	}
	c.Sources = slices.Delete(c.Sources, i, i+1)
	return nil
}

// EffectiveRate is the request budget the source syncs with, in requests per second;
// 0 or less means no limit.
func (s *Source) EffectiveRate() float64 {
	switch {
	case s.Rate < 0:
		return 0
	case s.Rate > 0:
		return s.Rate
	case s.Kind == KindFeed:
		return 0 // static files, built to be fetched in bulk
	}
	return DefaultRate
}

// DefaultRate is a site's request budget unless its source sets another: public agenda
// sites publish no limit, and polite scrapers stay at 1–2 requests per second.
const DefaultRate = 2

// Validate checks one entry.
func (s *Source) Validate() error {
	if s.Name == "" || len(s.Name) > 100 || strings.ContainsAny(s.Name, "\x00\n\r\t/\\") {
		return fmt.Errorf("source name %q is not usable (1–100 characters, no slashes or control characters)", s.Name)
	}
	switch s.Kind {
	case KindFeed, KindFirstAgenda:
	default:
		return fmt.Errorf("source %q has unknown kind %q (feed or firstagenda)", s.Name, s.Kind)
	}
	if IsURL(s.URL) {
		u, err := url.Parse(s.URL)
		if err != nil || u.Host == "" {
			return fmt.Errorf("source %q: %q is not a usable address", s.Name, s.URL)
		}
		if err := httpx.CheckURL(u, s.Insecure); err != nil {
			return fmt.Errorf("source %q: %w", s.Name, err)
		}
	} else {
		if s.Kind != KindFeed {
			return fmt.Errorf("source %q: a FirstAgenda site needs an https address, not %q", s.Name, s.URL)
		}
		if !filepath.IsAbs(s.URL) {
			return fmt.Errorf("source %q: the feed folder %q must be an absolute path", s.Name, s.URL)
		}
	}
	if s.MaxAttachmentMB < 0 || s.HistoryDays < 0 || s.AttachmentDays < 0 {
		return fmt.Errorf("source %q: limits cannot be negative", s.Name)
	}
	return nil
}

// IsURL reports whether target is an address rather than a folder.
func IsURL(target string) bool {
	return strings.Contains(target, "://")
}

// Wants reports whether the source is subscribed to body.
func (s *Source) Wants(body string) bool {
	if len(s.Committees) == 0 {
		return true
	}
	n := agenda.NormalizeTitle(body)
	for _, c := range s.Committees {
		if agenda.NormalizeTitle(c) == n {
			return true
		}
	}
	return false
}

// FilterKey is a stable string of what Wants selects, so sync state earned under
// another filter is not trusted.
func (s *Source) FilterKey() string {
	var ns []string
	for _, c := range s.Committees {
		ns = append(ns, agenda.NormalizeTitle(c))
	}
	slices.Sort(ns)
	return strings.Join(ns, "\x00")
}
