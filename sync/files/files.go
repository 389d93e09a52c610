// Package files reads agenda packages from files and directories on the local disk:
// the source behind `dagsorden import`. It reads and parses; it never writes.
//
// A directory is walked recursively, skipping hidden entries and following symbolic links
// (to files and to folders, as a link named on the command line is followed), and read as
// a folder that may hold publication folders (see agenda/folder).
package files

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/dagsorden/dagsorden/agenda"
	"github.com/dagsorden/dagsorden/agenda/folder"
	"github.com/dagsorden/dagsorden/agenda/importer"
)

// Parsed is one input file and what it held.
type Parsed struct {
	Path    string
	Package agenda.Package
	Err     error // one sentence naming the file; Package is empty when set
	// Format names the importer that read the file.
	Format string
	// ReadingMaterial: the file is readable but holds no agenda items, so it was read as
	// reading material.
	ReadingMaterial bool
}

// Result is what Read found: the files it parsed and a sentence for each file it
// deliberately did not import as a document of its own.
type Result struct {
	Parsed []Parsed
	Notes  []string
}

// maxDepth bounds how deep a walk goes, links included: deeper than any publication and
// shallow enough that a link loop the walk does not see ends.
const maxDepth = 32

// Read expands directories and parses every file, in a stable order. Errors per file are
// in Parsed.Err; the returned error is only for paths that do not exist or cannot be
// listed.
func Read(paths []string) ([]Parsed, error) {
	r, err := ReadAll(paths)
	return r.Parsed, err
}

// ReadAll is Read with the notes about skipped files.
func ReadAll(paths []string) (Result, error) {
	var res Result
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			return Result{}, fmt.Errorf("cannot read %s: %w", p, unwrapPathErr(err))
		}
		if !st.IsDir() {
			res.Parsed = append(res.Parsed, parseFile(p))
			continue
		}
		rels, err := walk(p)
		if err != nil {
			return Result{}, fmt.Errorf("cannot list %s: %w", p, unwrapPathErr(err))
		}
		out := folder.Read(os.DirFS(p), p, rels)
		for _, e := range out.Entries {
			full := filepath.Join(p, filepath.FromSlash(e.Path))
			err := e.Err
			if err != nil {
				// The folder reader names files relative to the folder; the user named
				// the folder.
				err = rename(err, e.Path, full)
			}
			pkg := e.Result.Package
			setPaths(&pkg, e.Path, full)
			res.Parsed = append(res.Parsed, Parsed{Path: full, Package: pkg, Err: err, Format: e.Result.Format, ReadingMaterial: e.Result.ReadingMaterial})
		}
		res.Notes = append(res.Notes, out.Notes...)
	}
	return res, nil
}

// walk lists the regular files under root as slash-separated relative paths, sorted,
// following symbolic links to files and folders. A folder reached twice through links
// (a loop, or two links to one folder) is listed once.
func walk(root string) ([]string, error) {
	var out []string
	seen := map[string]bool{}
	var visit func(dir, rel string, depth int) error
	visit = func(dir, rel string, depth int) error {
		real, err := filepath.EvalSymlinks(dir)
		if err != nil {
			return err
		}
		if seen[real] || depth > maxDepth {
			return nil
		}
		seen[real] = true
		entries, err := os.ReadDir(dir)
		if err != nil {
			return err
		}
		for _, e := range entries {
			if strings.HasPrefix(e.Name(), ".") {
				continue
			}
			full := filepath.Join(dir, e.Name())
			r := e.Name()
			if rel != "" {
				r = rel + "/" + e.Name()
			}
			mode := e.Type()
			if mode&fs.ModeSymlink != 0 {
				st, err := os.Stat(full)
				if err != nil {
					continue // a dangling link is nothing to import
				}
				mode = st.Mode().Type()
			}
			switch {
			case mode.IsDir():
				if err := visit(full, r, depth+1); err != nil {
					return err
				}
			case mode.IsRegular():
				out = append(out, r)
			}
		}
		return nil
	}
	if err := visit(root, "", 0); err != nil {
		return nil, err
	}
	slices.Sort(out)
	return out, nil
}

// setPaths gives the meetings and documents the path the user knows them by.
func setPaths(p *agenda.Package, rel, full string) {
	for i := range p.Meetings {
		if p.Meetings[i].Source.Path == rel || p.Meetings[i].Source.Path == "" {
			p.Meetings[i].Source.Path = full
		}
	}
	for i := range p.Documents {
		if p.Documents[i].Source.Path == rel || p.Documents[i].Source.Path == "" {
			p.Documents[i].Source.Path = full
		}
	}
}

type renamed struct {
	msg string
	err error
}

func (r *renamed) Error() string { return r.msg }
func (r *renamed) Unwrap() error { return r.err }

func rename(err error, rel, full string) error {
	if rel == full {
		return err
	}
	return &renamed{msg: strings.Replace(err.Error(), rel, full, 1), err: err}
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
	r, err := importer.Read(path, data)
	return Parsed{Path: path, Package: r.Package, Err: err, Format: r.Format, ReadingMaterial: r.ReadingMaterial}
}

func unwrapPathErr(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
