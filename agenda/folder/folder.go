// Package folder reads a folder of agenda files as the member has it on disk, and
// recognises publication folders in it: the folders ESDH systems write, where one agenda
// file (SBSYS PublicationN.xml, Acadre's agenda XML and its index, eDoc's XML, eDoc's older
// eDocAgendaPublishing.xml, a FirstAgenda meeting) names the files beside it.
//
// In a publication folder the agenda file becomes the meeting and the files it references
// (enclosures, per-item PDFs, DOC/DOCX attachments) become its attachments with their
// content; an HTML rendering of the agenda beside its XML, an agenda PDF the XML names,
// and Acadre's index are the same meeting, not documents of their own; any other file in
// the publication folder (a README, a stray note) is skipped with a note. Files outside
// publication folders are imported one by one, as when they are named alone.
//
// Names are compared after Unicode normalisation (NFC) and case folding: zip tools on macOS
// store "å" decomposed, and the publishers write Windows paths, which ignore case. When a
// meeting does not say when it was published, the time is taken from the folder names the
// publishers write ("2017-04-21 12.24.03"), so an older publication imported after a newer
// one never replaces it.
//
// The package reads through an fs.FS and never writes; it does not follow links itself
// (the caller lists the files, following symbolic links as it sees fit).
package folder

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"

	"golang.org/x/text/unicode/norm"

	"github.com/dagsorden/dagsorden/agenda"
	"github.com/dagsorden/dagsorden/agenda/acadre"
	"github.com/dagsorden/dagsorden/agenda/edoc"
	"github.com/dagsorden/dagsorden/agenda/firstagenda"
	"github.com/dagsorden/dagsorden/agenda/importer"
	"github.com/dagsorden/dagsorden/agenda/internal/esdh"
	"github.com/dagsorden/dagsorden/agenda/sbsys"
)

// MaxPackage bounds what the attachments of one publication folder may add up to.
const MaxPackage = 1 << 30

// Entry is one file of the folder that was imported on its own or as a publication's
// agenda, with what it held.
type Entry struct {
	Path   string // as given, slash-separated, relative to the folder
	Result importer.Result
	Err    error
}

// Outcome is what Read found in a folder.
type Outcome struct {
	Entries []Entry
	// Notes are one sentence each about files that were not imported as documents of
	// their own: stray files, renderings, agenda PDFs, attachments that are not what
	// their name says.
	Notes []string
}

// publication formats name files beside them; their folder is a publication folder.
var publication = map[string]bool{
	"sbsys": true, "acadre": true, "edoc": true, edoc.FormatPublishing: true,
}

// agendaFormats may reference files beside them even when their folder is not a
// publication folder of its own (a FirstAgenda export).
var agendaFormats = map[string]bool{
	"firstagenda": true, firstagenda.FormatPage: true,
}

type file struct {
	path string // as given
	key  string // NFC, case-folded
	dir  string // key of its folder, "." for the root
	size int64
	head []byte
	kind string // importer format, "" when none
}

// Read reads the files at paths (slash-separated, relative to fsys's root, in any order).
// root is the folder's own path as the user named it: its names count for the release
// time too (the user may name the "2017-04-21 12.24.03" folder itself).
func Read(fsys fs.FS, root string, paths []string) Outcome {
	r := &reader{fsys: fsys, root: filepath.ToSlash(root), byKey: map[string]*file{}, claimed: map[string]bool{}}
	return r.read(paths)
}

type reader struct {
	fsys    fs.FS
	root    string
	files   []*file
	byKey   map[string]*file
	byBase  map[string][]*file
	claimed map[string]bool
	out     Outcome
	total   int64
}

// headSize is how much of a file is read to tell what it is: enough for every Sniff
// (firstagenda's looks at the first MiB).
const headSize = 1 << 20

func key(p string) string { return strings.ToLower(norm.NFC.String(path.Clean(p))) }

func (r *reader) read(paths []string) Outcome {
	sorted := append([]string(nil), paths...)
	sort.Strings(sorted)
	r.byBase = map[string][]*file{}
	for _, p := range sorted {
		f := &file{path: p, key: key(p)}
		f.dir = path.Dir(f.key)
		head, size, err := r.head(p)
		if err != nil {
			r.out.Entries = append(r.out.Entries, Entry{Path: p, Err: fmt.Errorf("cannot read %s: %w", p, err)})
			continue
		}
		f.head, f.size = head, size
		if int64(len(head)) == size || !strings.HasPrefix(string(head), "%PDF") {
			f.kind = importer.Detect(head)
		} else {
			f.kind = "pdf"
		}
		r.files = append(r.files, f)
		r.byKey[f.key] = f
		base := path.Base(f.key)
		r.byBase[base] = append(r.byBase[base], f)
	}
	// Publication folders: where an ESDH agenda file stands.
	scopes := map[string]bool{}
	var agendas []*file
	for _, f := range r.files {
		if publication[f.kind] || agendaFormats[f.kind] {
			agendas = append(agendas, f)
		}
		// A zip carries its enclosures inside; only an agenda file that names files
		// beside it makes its folder a publication folder.
		if publication[f.kind] && !strings.HasPrefix(string(f.head), "PK") {
			scopes[f.dir] = true
		}
	}
	// Acadre's index (XML_<n>.xml) is read first: it names the agenda XML and where the
	// enclosures went, and is the same publication.
	for _, f := range agendas {
		r.readAgenda(f)
	}
	for _, f := range r.files {
		if r.claimed[f.key] {
			continue
		}
		// A browser's "<page>_files" folder holds the saved page's images, styles and
		// scripts (and any attachment the page links to, claimed above).
		if r.isAssetFolder(f.key) {
			continue
		}
		scope, in := scopeOf(f.dir, scopes)
		if !in {
			r.readAlone(f)
			continue
		}
		switch {
		case f.kind == "html" || strings.HasSuffix(f.key, ".html") || strings.HasSuffix(f.key, ".htm"):
			r.note("%s is the publication's HTML rendering of the agenda in %s: the same meeting, read from its XML", f.path, display(scope))
		default:
			r.note("%s was skipped: it is in the publication folder %s but the agenda does not name it", f.path, display(scope))
		}
	}
	sort.SliceStable(r.out.Entries, func(i, j int) bool { return r.out.Entries[i].Path < r.out.Entries[j].Path })
	return r.out
}

func display(dir string) string {
	if dir == "." {
		return "being imported"
	}
	return dir + "/"
}

// scopeOf finds the deepest publication folder that holds dir.
func scopeOf(dir string, scopes map[string]bool) (string, bool) {
	for d := dir; ; d = path.Dir(d) {
		if scopes[d] {
			return d, true
		}
		if d == "." || d == "/" {
			return "", false
		}
	}
}

// isAssetFolder: k lies in a folder a browser wrote beside a saved page ("Møde_files",
// "Møde-filer" in Danish Edge).
func (r *reader) isAssetFolder(k string) bool {
	parts := strings.Split(k, "/")
	for i, part := range parts[:len(parts)-1] {
		stem, ok := strings.CutSuffix(part, "_files")
		if !ok {
			stem, ok = strings.CutSuffix(part, "-filer")
		}
		if !ok {
			continue
		}
		dir := strings.Join(parts[:i], "/")
		if dir == "" {
			dir = "."
		}
		for _, ext := range []string{".html", ".htm"} {
			if r.byKey[path.Join(dir, stem+ext)] != nil {
				return true
			}
		}
	}
	return false
}

func (r *reader) note(format string, args ...any) {
	r.out.Notes = append(r.out.Notes, fmt.Sprintf(format, args...))
}

// head reads up to headSize bytes of p and its size.
func (r *reader) head(p string) ([]byte, int64, error) {
	f, err := r.fsys.Open(p)
	if err != nil {
		return nil, 0, unwrap(err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, 0, unwrap(err)
	}
	b, err := io.ReadAll(io.LimitReader(f, headSize))
	if err != nil {
		return nil, 0, unwrap(err)
	}
	return b, st.Size(), nil
}

func (r *reader) content(f *file) ([]byte, error) {
	if int64(len(f.head)) == f.size {
		return f.head, nil
	}
	if f.size > importer.MaxSize {
		return nil, fmt.Errorf("%s is %d MB; dagsorden reads files of at most %d MB", f.path, f.size>>20, importer.MaxSize>>20)
	}
	h, err := r.fsys.Open(f.path)
	if err != nil {
		return nil, fmt.Errorf("cannot read %s: %w", f.path, unwrap(err))
	}
	defer h.Close()
	b, err := io.ReadAll(io.LimitReader(h, importer.MaxSize+1))
	if err != nil {
		return nil, fmt.Errorf("cannot read %s: %w", f.path, unwrap(err))
	}
	return b, nil
}

func unwrap(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

func (r *reader) readAlone(f *file) {
	data, err := r.content(f)
	if err != nil {
		r.out.Entries = append(r.out.Entries, Entry{Path: f.path, Err: err})
		return
	}
	res, err := importer.Read(f.path, data)
	r.out.Entries = append(r.out.Entries, Entry{Path: f.path, Result: res, Err: err})
}

func (r *reader) readAgenda(f *file) {
	r.claimed[f.key] = true
	data, err := r.content(f)
	if err != nil {
		r.out.Entries = append(r.out.Entries, Entry{Path: f.path, Err: err})
		return
	}
	res, err := importer.Read(f.path, data)
	if errors.Is(err, acadre.ErrIndexOnly) {
		// The index of a publication whose agenda XML is in the folder too: the same
		// publication. Alone, it is the error it always was.
		if ix, ierr := acadre.ParseIndex(f.path, data); ierr == nil {
			if cur, ok := ix.Current(); ok && r.find(f.dir, cur.XMLFile) != nil {
				r.note("%s is Acadre's index of the publication; the meeting is read from %s", f.path, cur.XMLFile)
				return
			}
		}
	}
	if err != nil {
		r.out.Entries = append(r.out.Entries, Entry{Path: f.path, Err: err})
		return
	}
	refs := map[string]string{}
	switch f.kind {
	case "sbsys":
		refs = sbsys.EnclosureFiles(data)
	case edoc.FormatPublishing:
		for _, a := range edoc.AgendaFiles(data) {
			if g := r.find(f.dir, a); g != nil && !r.claimed[g.key] {
				r.claimed[g.key] = true
				r.note("%s is the agenda as one PDF; the meeting is read from %s", g.path, path.Base(f.path))
			}
		}
	}
	for i := range res.Package.Meetings {
		m := &res.Package.Meetings[i]
		if m.Source.Released.IsZero() {
			m.Source.Released = released(path.Join(r.root, f.path))
		}
		for j := range m.Items {
			for k := range m.Items[j].Attachments {
				r.attach(f, &m.Items[j].Attachments[k], refs)
			}
		}
		// Ids of attachments derive from their content when the source gave none.
		agenda.AssignIDs(m)
	}
	r.out.Entries = append(r.out.Entries, Entry{Path: f.path, Result: res})
}

// attach finds the file an attachment names and stores its content in it.
func (r *reader) attach(agendaFile *file, a *agenda.Attachment, refs map[string]string) {
	if a.Content != nil {
		return
	}
	var g *file
	if rel, ok := refs[a.SourceID]; ok {
		g = r.byKey[key(path.Join(agendaFile.dir, rel))]
		if g == nil {
			g = r.find(agendaFile.dir, path.Base(rel))
		}
	}
	if g == nil && a.FileName != "" {
		g = r.find(agendaFile.dir, a.FileName)
	}
	if g == nil && a.SourceID != "" {
		g = r.findStem(agendaFile.dir, a.SourceID)
	}
	if g == nil && a.Title != "" {
		g = r.findStem(agendaFile.dir, a.Title)
	}
	if g == nil || g.key == agendaFile.key {
		return
	}
	data, err := r.content(g)
	if err != nil {
		r.note("%s could not be read, so attachment %q is listed without its content: %v", g.path, a.Title, err)
		r.claimed[g.key] = true
		return
	}
	if r.total+int64(len(data)) > MaxPackage {
		r.note("%s was not stored: the publication's attachments add up to more than %s", g.path, esdh.Size(MaxPackage))
		r.claimed[g.key] = true
		return
	}
	r.total += int64(len(data))
	r.claimed[g.key] = true
	if a.FileName == "" {
		a.FileName = esdh.FileName(g.path)
	}
	esdh.Store(a, data)
	// A file named as a PDF that is not one is stored as what it is.
	if strings.EqualFold(path.Ext(g.path), ".pdf") && a.MediaType != "application/pdf" {
		r.note("%s is named as a PDF but is not one; it is stored as a file of unknown type", g.path)
	}
}

// find looks up a file a publication names, relative to the agenda's folder (Windows
// separators allowed), else by its base name: in the agenda's folder and below first,
// then anywhere, when only one file has that name.
func (r *reader) find(dir, ref string) *file {
	ref = strings.ReplaceAll(ref, `\`, "/")
	if g := r.byKey[key(path.Join(dir, ref))]; g != nil {
		return g
	}
	base := key(path.Base(ref))
	return r.pick(dir, r.byBase[base])
}

// findStem finds a file whose name without extension is s (an export named by title or
// id).
func (r *reader) findStem(dir, s string) *file {
	want := key(esdh.FileName(s))
	if want == "" || want == "." {
		return nil
	}
	var cands []*file
	for _, f := range r.files {
		b := path.Base(f.key)
		if strings.TrimSuffix(b, path.Ext(b)) == want {
			cands = append(cands, f)
		}
	}
	return r.pick(dir, cands)
}

func (r *reader) pick(dir string, cands []*file) *file {
	var near []*file
	for _, c := range cands {
		if c.dir == dir || strings.HasPrefix(c.dir, dir+"/") || dir == "." {
			near = append(near, c)
		}
	}
	switch {
	case len(near) == 1:
		return near[0]
	case len(near) == 0 && len(cands) == 1:
		return cands[0]
	}
	return nil
}

// Folder names the publishers write: "2017-04-21 12.24.03" (eDoc), "2017-04-21_122403".
var releasedName = regexp.MustCompile(`(\d{4})-(\d{2})-(\d{2})[ _T](\d{2})[.:]?(\d{2})[.:]?(\d{2})`)

// released is the publication time stated by the nearest folder name (or the file name)
// on p's path, or the zero time.
func released(p string) time.Time {
	for d := p; d != "." && d != "/" && d != "" && !strings.HasSuffix(d, ":/"); d = path.Dir(d) {
		m := releasedName.FindStringSubmatch(path.Base(d))
		if m == nil {
			continue
		}
		t, err := time.ParseInLocation("2006-01-02 15:04:05", fmt.Sprintf("%s-%s-%s %s:%s:%s", m[1], m[2], m[3], m[4], m[5], m[6]), agenda.Copenhagen)
		if err == nil {
			return t
		}
	}
	return time.Time{}
}
