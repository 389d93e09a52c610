package main

import (
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/dagsorden/dagsorden/agenda"
	"github.com/dagsorden/dagsorden/store"
	"github.com/dagsorden/dagsorden/sync/files"
)

func newImportCmd(e *env) *cobra.Command {
	var skipBad, dry bool
	c := &cobra.Command{
		Use:   "import PATH…",
		Short: "Import agenda files or folders into the store.",
		Long: "Import agenda files or folders of them: KL/KKR agenda text, FirstAgenda JSON,\n" +
			"PDF agendas, SBSYS/Acadre/eDoc packages, dagsorden packages and reading material.\n" +
			"Everything is imported in one step: if any file cannot be read, nothing is imported.",
		Example: `dagsorden import dagsorden.txt
dagsorden import ~/Hentet/greve/ --skip-bad`,
		Args: minArgs(1, "name at least one file or folder to import"),
		RunE: func(_ *cobra.Command, paths []string) error { return runImport(e, paths, skipBad, dry) },
	}
	c.Flags().BoolVar(&skipBad, "skip-bad", false, "import the readable files even when some cannot be read")
	c.Flags().BoolVar(&dry, "dry-run", false, "read and check the files, but change nothing")
	return c
}

func runImport(e *env, paths []string, skipBad, dry bool) error {
	read, err := files.ReadAll(paths)
	if err != nil {
		return err
	}
	parsed := read.Parsed
	for _, n := range read.Notes {
		fmt.Fprintf(e.stderr, "dagsorden: note: %s\n", n)
	}
	var pkg agenda.Package
	var reading []string
	bad := 0
	for _, p := range parsed {
		if p.Err != nil {
			bad++
			fmt.Fprintf(e.stderr, "dagsorden: %v\n", p.Err)
			continue
		}
		if p.ReadingMaterial {
			reading = append(reading, p.Path)
		}
		pkg.Meetings = append(pkg.Meetings, p.Package.Meetings...)
		pkg.Documents = append(pkg.Documents, p.Package.Documents...)
	}
	pkg.Documents = uniqueDocuments(pkg.Documents)
	good := len(parsed) - bad
	// Several publications of one meeting (eDoc re-publishes under new file names) are
	// one meeting at its newest version.
	pkg.Meetings, _ = agenda.Latest(pkg.Meetings)
	if len(parsed) == 0 {
		if len(read.Notes) > 0 {
			return fmt.Errorf("nothing imported: the only files in %s are not agenda files", strings.Join(paths, ", "))
		}
		return fmt.Errorf("found no files to import in %v", paths)
	}
	// Said before anything is written, so the member knows what the import will be.
	for _, p := range reading {
		fmt.Fprintf(e.stdout, "%s: no agenda items recognised; imported as reading material\n", p)
	}
	if bad > 0 && (!skipBad || good == 0) {
		if good > 0 {
			return fmt.Errorf("nothing imported: %s could not be read (use --skip-bad to import the %s that could)",
				plural(bad, "file", "files"), plural(good, "other", "others"))
		}
		return fmt.Errorf("nothing imported: %s could not be read", plural(bad, "file", "files"))
	}
	if dry {
		for _, m := range pkg.Meetings {
			fmt.Fprintln(e.stdout, meetingLine(m.Body.Name, m.Start, m.Title, len(m.Items), "would import"))
		}
		for _, d := range pkg.Documents {
			fmt.Fprintln(e.stdout, documentLine(d, "would import"))
		}
		return nil
	}
	st, err := e.openStore()
	if err != nil {
		return err
	}
	defer st.Close()
	results, err := st.Import(pkg)
	if err != nil {
		return fmt.Errorf("nothing imported: %w", err)
	}
	for _, r := range results {
		fmt.Fprintln(e.stdout, meetingLine(r.Body, r.Start, r.Title, r.Items, resultWord(r)))
	}
	for _, d := range pkg.Documents {
		fmt.Fprintln(e.stdout, documentLine(d, "document"))
	}
	if bad > 0 {
		return fmt.Errorf("%s imported, %s skipped because it could not be read",
			plural(good, "file", "files"), plural(bad, "file", "files"))
	}
	return nil
}

func resultWord(r store.ImportResult) string {
	switch {
	case r.New:
		return "new"
	case r.Older:
		return "kept newer stored version"
	case r.Unchanged:
		return "unchanged"
	}
	changed := 0
	for _, c := range r.Changes {
		if c.Kind != agenda.Unchanged {
			changed++
		}
	}
	s := "updated: " + plural(changed, "item changed", "items changed")
	if n := r.Notes[agenda.StatusChanged]; n > 0 {
		s += ", " + plural(n, "note to review", "notes to review")
	}
	if n := r.Notes[agenda.StatusOrphaned]; n > 0 {
		s += ", " + plural(n, "note without its item", "notes without their item")
	}
	return s
}

func meetingLine(body string, start time.Time, title string, items int, what string) string {
	return fmt.Sprintf("%s\t%s\t%s\t%s\t(%s)", body, start.In(agenda.Copenhagen).Format("2006-01-02 15:04"),
		title, plural(items, "item", "items"), what)
}

func documentLine(d agenda.Document, what string) string {
	date := "—"
	if !d.Date.IsZero() {
		date = d.Date.In(agenda.Copenhagen).Format("2006-01-02")
	}
	return fmt.Sprintf("document\t%s\t%s\t%s\t(%s)", date, d.Title, plural(len(d.Sections), "section", "sections"), what)
}

// uniqueDocuments keeps one of documents with the same id: the same reading material
// reached by two paths (a file and a link to it) is one document.
func uniqueDocuments(docs []agenda.Document) []agenda.Document {
	seen := map[string]bool{}
	out := docs[:0:0]
	for _, d := range docs {
		if seen[d.ID] {
			continue
		}
		seen[d.ID] = true
		out = append(out, d)
	}
	return out
}
