// Package files reads agenda packages from files and directories on the local disk:
// the source behind `dagsorden import`. It reads and parses; it never writes.
package files

import (
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/dagsorden/dagsorden/agenda"
	"github.com/dagsorden/dagsorden/agenda/importer"
)

// Parsed is one input file and what it held.
type Parsed struct {
	Path    string
	Package agenda.Package
	Err     error // one sentence naming the file; Package is empty when set
}

// Read expands directories (recursively, skipping hidden entries) and parses every file,
// in a stable order. Errors per file are in Parsed.Err; the returned error is only for
// paths that do not exist or cannot be listed.
func Read(paths []string) ([]Parsed, error) {
	var files []string
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			return nil, fmt.Errorf("cannot read %s: %w", p, unwrapPathErr(err))
		}
		if !st.IsDir() {
			files = append(files, p)
			continue
		}
		var found []string
		err = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if path != p && strings.HasPrefix(d.Name(), ".") {
				if d.IsDir() {
					return filepath.SkipDir
				}
				return nil
			}
			if d.Type().IsRegular() {
				found = append(found, path)
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("cannot list %s: %w", p, unwrapPathErr(err))
		}
		slices.Sort(found)
		files = append(files, found...)
	}
	out := make([]Parsed, 0, len(files))
	for _, f := range files {
		out = append(out, parseFile(f))
	}
	return out, nil
}

func parseFile(path string) Parsed {
	f, err := os.Open(path)
	if err != nil {
		return Parsed{Path: path, Err: fmt.Errorf("cannot read %s: %w", path, unwrapPathErr(err))}
	}
	defer f.Close()
	// Read one byte past the limit so an oversized file is reported, not truncated.
	data, err := io.ReadAll(io.LimitReader(f, importer.MaxSize+1))
	if err != nil {
		return Parsed{Path: path, Err: fmt.Errorf("cannot read %s: %w", path, unwrapPathErr(err))}
	}
	p, err := importer.Parse(path, data)
	return Parsed{Path: path, Package: p, Err: err}
}

func unwrapPathErr(err error) error {
	var pe *fs.PathError
	if e, ok := err.(*fs.PathError); ok {
		pe = e
		return pe.Err
	}
	return err
}
