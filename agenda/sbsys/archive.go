package sbsys

import (
	"archive/zip"
	"bytes"
	"errors"
	"io"
	"path"
	"regexp"
	"strings"

	"golang.org/x/text/unicode/norm"

	"github.com/dagsorden/dagsorden/agenda/internal/esdh"
)

// Limits bound what one publication zip may unpack to. Everything is read into memory,
// never onto disk, so these limits are what stands between a hostile archive and the
// member's laptop running out of memory.
type Limits struct {
	// MaxEntries is the most entries (files and folders) the archive may list.
	MaxEntries int
	// MaxEntrySize is the most one entry may unpack to.
	MaxEntrySize int64
	// MaxTotalSize is the most all the entries read together may unpack to.
	MaxTotalSize int64
	// MaxRatio is the most an entry larger than 1 MiB may unpack to per byte it takes in
	// the archive. PDFs and DOCX hardly compress; XML does about 10:1. A bomb of zeros
	// does 1000:1.
	MaxRatio int64
}

// DefaultLimits fit every real publication with room to spare: a council meeting has a
// few hundred enclosures, the largest PDFs are tens of MB (and the archive itself is at
// most the importer's 64 MB, which PDFs barely compress into). They keep an import's
// memory under 200 MB whatever the archive claims.
var DefaultLimits = Limits{
	MaxEntries:   10000,
	MaxEntrySize: 64 << 20,
	MaxTotalSize: 160 << 20,
	MaxRatio:     100,
}

// archive is a zip read into memory: entries by cleaned, case-folded path (SBSYS writes
// Windows paths, which are case-insensitive).
type archive struct {
	lim   Limits
	files map[string]*zip.File
	order []string // cleaned names in archive order
	read  int64    // bytes unpacked so far
}

var windowsDrive = regexp.MustCompile(`^[A-Za-z]:`)

// openArchive lists the archive and refuses it as a whole when any name could point
// outside it: an archive that carries such a name was made by a tool that is broken or
// hostile, and importing the rest of it would hide that from the member.
func openArchive(data []byte, lim Limits) (*archive, error) {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil && !errors.Is(err, zip.ErrInsecurePath) {
		// ErrInsecurePath comes with a usable reader; the names are checked below.
		return nil, esdh.Reason(esdh.ErrMalformed, "it is not a readable zip archive (%v)", err)
	}
	if len(zr.File) > lim.MaxEntries {
		return nil, esdh.Reason(esdh.ErrTooLarge, "the archive lists %d entries, more than the %d a publication may have", len(zr.File), lim.MaxEntries)
	}
	a := &archive{lim: lim, files: map[string]*zip.File{}}
	var declared uint64
	for _, f := range zr.File {
		name := strings.ReplaceAll(f.Name, `\`, "/")
		if unsafeName(name) {
			return nil, esdh.Reason(esdh.ErrUnsafe, "the archive holds an entry named %q, which points outside the archive; it is refused", f.Name)
		}
		if f.FileInfo().IsDir() || strings.HasSuffix(name, "/") {
			continue
		}
		if f.UncompressedSize64 > uint64(lim.MaxEntrySize) {
			return nil, esdh.Reason(esdh.ErrTooLarge, "the entry %q would unpack to %s, more than the %s one file may be", f.Name, esdh.Size(int64(min(f.UncompressedSize64, 1<<62))), esdh.Size(lim.MaxEntrySize))
		}
		if lim.MaxRatio > 0 && f.UncompressedSize64 > 1<<20 && f.UncompressedSize64 > uint64(lim.MaxRatio)*max(f.CompressedSize64, 1) {
			return nil, esdh.Reason(esdh.ErrTooLarge, "the entry %q would unpack to %s from %s, a ratio no publication file has; it is refused as a possible zip bomb", f.Name, esdh.Size(int64(min(f.UncompressedSize64, 1<<62))), esdh.Size(int64(min(f.CompressedSize64, 1<<62))))
		}
		declared += min(f.UncompressedSize64, 1<<62)
		if declared > uint64(lim.MaxTotalSize) {
			return nil, esdh.Reason(esdh.ErrTooLarge, "the archive would unpack to more than %s in total; it is refused as a possible zip bomb", esdh.Size(lim.MaxTotalSize))
		}
		key := strings.ToLower(norm.NFC.String(path.Clean(name)))
		if _, dup := a.files[key]; dup {
			return nil, esdh.Reason(esdh.ErrUnsafe, "the archive holds two entries named %q; it is refused as ambiguous", f.Name)
		}
		a.files[key] = f
		a.order = append(a.order, key)
	}
	return a, nil
}

// unsafeName reports names that are absolute, carry a drive letter, climb with "..", or
// hold a NUL. The zip is never unpacked to disk, but a name like that has no meaning inside
// a publication and is how zip-slip attacks start.
func unsafeName(name string) bool {
	if name == "" || strings.HasPrefix(name, "/") || windowsDrive.MatchString(name) || strings.ContainsRune(name, 0) {
		return true
	}
	for _, part := range strings.Split(name, "/") {
		if part == ".." {
			return true
		}
	}
	return false
}

// lookup finds an entry by a path relative to dir, in the same folding as the index.
// A relative path that climbs out of the archive finds nothing.
func (a *archive) lookup(dir, rel string) *zip.File {
	rel = strings.ReplaceAll(rel, `\`, "/")
	if rel == "" || unsafeName(rel) {
		return nil
	}
	// Zip tools on macOS store "å" decomposed; the XML writes it composed.
	return a.files[strings.ToLower(norm.NFC.String(path.Join(dir, rel)))]
}

// readFile unpacks one entry into memory, trusting the stream and not the header: the
// reader is cut one byte past the limit, so an entry whose header lies about its size
// still cannot unpack to more than the limit.
func (a *archive) readFile(f *zip.File) ([]byte, error) {
	if f.Flags&0x1 != 0 {
		return nil, esdh.Reason(esdh.ErrMalformed, "the entry %q is encrypted, which publications never are", f.Name)
	}
	rc, err := f.Open()
	if err != nil {
		return nil, esdh.Reason(esdh.ErrMalformed, "the entry %q cannot be unpacked (%v)", f.Name, err)
	}
	defer rc.Close()
	limit := min(a.lim.MaxEntrySize, a.lim.MaxTotalSize-a.read)
	var buf bytes.Buffer
	buf.Grow(int(min(f.UncompressedSize64, uint64(limit), 1<<20)))
	n, err := io.Copy(&buf, io.LimitReader(rc, limit+1))
	a.read += n
	if n > limit {
		if a.read > a.lim.MaxTotalSize {
			return nil, esdh.Reason(esdh.ErrTooLarge, "the archive unpacks to more than %s in total; it is refused as a possible zip bomb", esdh.Size(a.lim.MaxTotalSize))
		}
		return nil, esdh.Reason(esdh.ErrTooLarge, "the entry %q unpacks to more than %s; it is refused as a possible zip bomb", f.Name, esdh.Size(a.lim.MaxEntrySize))
	}
	if errors.Is(err, zip.ErrFormat) || errors.Is(err, zip.ErrChecksum) {
		// archive/zip checks the stream against the header's size and checksum.
		return nil, esdh.Reason(esdh.ErrMalformed, "the entry %q does not match its own header (a damaged file, or a zip bomb hiding its size)", f.Name)
	}
	if err != nil {
		return nil, esdh.Reason(esdh.ErrMalformed, "the entry %q is damaged (%v)", f.Name, err)
	}
	return buf.Bytes(), nil
}

var publicationXML = regexp.MustCompile(`(?i)(^|/)publication\d*\.xml$`)

// publications are the PublicationN.xml entries; when there is none, the archive's only
// XML file, if it has exactly one.
func (a *archive) publications() []string {
	var pubs, xmls []string
	for _, k := range a.order {
		if publicationXML.MatchString(k) {
			pubs = append(pubs, k)
		}
		if strings.HasSuffix(k, ".xml") {
			xmls = append(xmls, k)
		}
	}
	if len(pubs) == 0 && len(xmls) == 1 {
		return xmls
	}
	return pubs
}
