package main

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"golang.org/x/text/unicode/norm"

	"github.com/dagsorden/dagsorden/internal/shared"
)

// Publication folders as the ESDH systems write them, each imported through the built
// binary with `dagsorden import DIR`: items and attachments (with their content) right,
// the stray README skipped with a note.

// textPDF is a one-page PDF whose text is text (ASCII), with a correct cross-reference
// table, so the store extracts and indexes it like a real attachment.
func textPDF(text string) []byte {
	var b bytes.Buffer
	var offs []int
	obj := func(body string) {
		offs = append(offs, b.Len())
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", len(offs), body)
	}
	b.WriteString("%PDF-1.4\n")
	obj("<< /Type /Catalog /Pages 2 0 R >>")
	obj("<< /Type /Pages /Kids [3 0 R] /Count 1 >>")
	obj("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>")
	obj("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
	stream := fmt.Sprintf("BT /F1 12 Tf 72 720 Td (%s) Tj ET", text)
	obj(fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(stream), stream))
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(offs)+1)
	for _, o := range offs {
		fmt.Fprintf(&b, "%010d 00000 n \n", o)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(offs)+1, xref)
	return b.Bytes()
}

// docx is a minimal Word document (a zip with word/document.xml).
func docx(t *testing.T, text string) []byte {
	var b bytes.Buffer
	w := zip.NewWriter(&b)
	for name, body := range map[string]string{
		"[Content_Types].xml": `<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>`,
		"word/document.xml":   `<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>` + text + `</w:t></w:r></w:p></w:body></w:document>`,
	} {
		f, err := w.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(f, body)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func writeTree(t *testing.T, root string, files map[string][]byte) {
	t.Helper()
	for name, body := range files {
		p := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, body, 0o600); err != nil {
			t.Fatal(err)
		}
	}
}

type exportAttachment struct {
	ID, Title string
	MediaType string `json:"media_type"`
	Size      int64
	SHA256    string
}

type exportFull struct {
	Meetings []struct {
		Body, Kind, Start string
		Items             []struct {
			Number, Title   string
			Closed          bool
			Sections        []struct{ Heading, Text string }
			Recommendations []struct{ Text string }
			Decision        string
			Attachments     []exportAttachment
		}
	}
	Documents []struct{ Title string }
}

func exportFullOf(t *testing.T, data string) exportFull {
	t.Helper()
	var e exportFull
	if err := json.Unmarshal([]byte(mustRun(t, data, "export", "--json")), &e); err != nil {
		t.Fatal(err)
	}
	return e
}

// edocPublishingFolder is eDoc's older publication as its folder holds it: the XML, one
// PDF per item, the agenda PDF, the attachments (one with a decomposed "å" in its name, as
// a macOS zip stores it) and a README that is not part of it.
func edocPublishingFolder(t *testing.T, root string) {
	x, err := os.ReadFile(filepath.Join("..", "..", "agenda", "edoc", "testdata", "publishing", "eDocAgendaPublishing.xml"))
	if err != nil {
		t.Fatal(err)
	}
	x = bytes.Replace(x, []byte("1548285.PDF"), []byte("Forslag til takst på Torvevej.PDF"), 1)
	dir := "04-12-2012 13:00:00/"
	files := map[string][]byte{
		dir + "eDocAgendaPublishing.xml": x,
		dir + "1552814.PDF":              textPDF("Hele dagsordenen"),
		dir + "1537646.PDF":              textPDF("Bygningsliste med tagrenovering"),
		dir + norm.NFD.String("Forslag til takst på Torvevej.PDF"): textPDF("Forslag om takstreduktion"),
		dir + "1548343.PDF": textPDF("KL proces det naere sundhedsvaesen"),
		dir + "Kvalitetsstandarder for stof- og alkoholbehandling 2013.pdf": textPDF("Kvalitetsstandard stofmisbrug"),
		dir + "README.txt": []byte("Udtræk fra eDoc, lavet af IT.\n"),
	}
	for _, n := range []string{"1552816", "1552823", "1552824", "1552826", "1552821", "1552822", "1552827", "1552828"} {
		files[dir+n+".PDF"] = textPDF("Sagsfremstilling " + n)
	}
	writeTree(t, root, files)
}

func TestImportEDocPublishingFolder(t *testing.T) {
	src := t.TempDir()
	edocPublishingFolder(t, src)
	data := t.TempDir()
	r := dagsorden(t, data, "import", src)
	if r.code != 0 {
		t.Fatalf("exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	if !strings.Contains(r.stderr, "README.txt was skipped") || !strings.Contains(r.stderr, "1552814.PDF is the agenda as one PDF") {
		t.Errorf("notes:\n%s", r.stderr)
	}
	if strings.Count(r.stderr, "\n") != 2 {
		t.Errorf("want two notes, got:\n%s", r.stderr)
	}
	e := exportFullOf(t, data)
	if len(e.Meetings) != 1 || len(e.Documents) != 0 {
		t.Fatalf("%d meetings, %d documents", len(e.Meetings), len(e.Documents))
	}
	m := e.Meetings[0]
	if m.Body != "Sundheds- og Forebyggelsesudvalget" || m.Kind != "referat" || len(m.Items) != 8 {
		t.Fatalf("meeting %s %s with %d items", m.Body, m.Kind, len(m.Items))
	}
	stored := 0
	for _, it := range m.Items {
		for _, a := range it.Attachments {
			if a.SHA256 == "" || a.Size == 0 || a.MediaType != "application/pdf" {
				t.Errorf("item %s attachment %q has no content: %+v", it.Number, a.Title, a)
			}
			stored++
		}
	}
	// 8 item PDFs and 4 attachments.
	if stored != 12 {
		t.Errorf("%d attachments stored, want 12", stored)
	}
	if got := mustRun(t, data, "search", "takstreduktion"); !strings.Contains(got, "attachment\t") {
		t.Errorf("the attachment with the decomposed name is not indexed:\n%s", got)
	}
}

func TestImportSBSYSFolder(t *testing.T) {
	src := t.TempDir()
	zr, err := zip.OpenReader(shared.Path(t, "samples", "sbsys", "Publication32.zip"))
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	files := map[string][]byte{"Publication32/LÆS MIG.txt": []byte("Pakken er udpakket af IT.\n")}
	for _, f := range zr.File {
		if f.FileInfo().IsDir() {
			continue
		}
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(rc)
		rc.Close()
		files[strings.ReplaceAll(f.Name, `\`, "/")] = b
	}
	writeTree(t, src, files)
	data := t.TempDir()
	r := dagsorden(t, data, "import", src)
	if r.code != 0 || !strings.Contains(r.stderr, "LÆS MIG.txt was skipped") {
		t.Fatalf("exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	e := exportFullOf(t, data)
	if len(e.Meetings) != 1 || e.Meetings[0].Body != "KMB IT-udvalget" || len(e.Meetings[0].Items) != 5 || len(e.Documents) != 0 {
		t.Fatalf("export %+v", e)
	}
	found := false
	for _, it := range e.Meetings[0].Items {
		for _, a := range it.Attachments {
			found = found || (a.Title == "Brev fra KL til Kommunalbestyrelsen vedr Monopolbrud" && a.SHA256 != "" && a.MediaType == "application/pdf")
		}
	}
	if !found {
		t.Error("the enclosure's content is not stored")
	}
	if got := mustRun(t, data, "search", "prisgennemslag"); !strings.Contains(got, "Monopolbrud, page 2") {
		t.Errorf("enclosure text not indexed:\n%s", got)
	}
}

func TestImportAcadreFolder(t *testing.T) {
	s := shared.Dir(t)
	agendaXML := mustRead(t, filepath.Join(s, "samples", "acadre", "3687981.XML"))
	// The sample's third enclosure is a DOCX; here it is a PDF, so the folder has all three
	// kinds Acadre writes.
	agendaXML = bytes.Replace(agendaXML, []byte("3629343E3.DOCX"), []byte("3629343E3.PDF"), 1)
	src := t.TempDir()
	writeTree(t, src, map[string][]byte{
		"XML_1863.xml":                        mustRead(t, filepath.Join(s, "samples", "acadre", "XML_1863.xml")),
		"Files_1863_3687982/3687981.XML":      agendaXML,
		"Files_1863_3687982/3525829E1.DOCX":   docx(t, "Opsamlingsnotat fra temamødet"),
		"Files_1863_3687982/2531342E2.DOC":    append([]byte("\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"), make([]byte, 504)...),
		"Files_1863_3687982/3629343E3.PDF":    textPDF("Kulturkommune arbejdsoplaeg"),
		"Files_1863_3687982/Thumbs.db":        []byte("\x00\x01junk"),
		"Files_1863_3687982/unrelated.pdf":    textPDF("Noget andet"),
		"Files_1863_3687982/notes/README.txt": []byte("hej"),
	})
	data := t.TempDir()
	r := dagsorden(t, data, "import", src)
	if r.code != 0 {
		t.Fatalf("exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	for _, want := range []string{"XML_1863.xml is Acadre's index", "Thumbs.db was skipped", "unrelated.pdf was skipped", "README.txt was skipped"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("no note %q in:\n%s", want, r.stderr)
		}
	}
	e := exportFullOf(t, data)
	if len(e.Meetings) != 1 || len(e.Meetings[0].Items) != 1 {
		t.Fatalf("export %+v", e)
	}
	types := map[string]bool{}
	for _, a := range e.Meetings[0].Items[0].Attachments {
		if a.SHA256 == "" {
			t.Errorf("attachment %q has no content", a.Title)
		}
		types[a.MediaType] = true
	}
	if len(types) != 3 || !types["application/pdf"] || !types["application/msword"] {
		t.Errorf("media types %v", types)
	}
	if got := mustRun(t, data, "search", "kulturkommune"); !strings.Contains(got, "attachment\t") {
		t.Errorf("PDF enclosure not indexed:\n%s", got)
	}
}

// eDoc (Fujitsu) as OS2dagsorden's example lays it out: one folder per publication, named
// for when it was published, each with the XML, its HTML rendering and the attachments.
func fujitsuTree(t *testing.T, root string) (newer, older string) {
	s := filepath.Join(shared.Dir(t), "samples", "edoc-fujitsu")
	base := "Hennys testudvalg/2017-05-02 10.00/Dagsorden/"
	newer, older = base+"2017-04-21 12.24.03", base+"2017-04-21 12.00.48"
	writeTree(t, root, map[string][]byte{
		newer + "/e9117c72-1d79-4fe9-9653-ef7ab6f27187.xml":  mustRead(t, filepath.Join(s, "2017-04-21_122403_e9117c72.xml")),
		newer + "/e9117c72-1d79-4fe9-9653-ef7ab6f27187.html": mustRead(t, filepath.Join(s, "2017-04-21_122403_e9117c72.html")),
		newer + "/Attachments/6104646-6648380-1.pdf":         textPDF("Testbilag et"),
		newer + "/Attachments/6104646-6648381-1.pdf":         []byte("<html>not a pdf</html>"),
		older + "/41a93779-8b2a-414b-9f87-691e24f8f40a.xml":  mustRead(t, filepath.Join(s, "2017-04-21_120048_41a93779.xml")),
		older + "/41a93779-8b2a-414b-9f87-691e24f8f40a.html": mustRead(t, filepath.Join(s, "2017-04-21_120048_41a93779.html")),
	})
	return filepath.Join(root, newer), filepath.Join(root, older)
}

func TestImportEDocFujitsuFolders(t *testing.T) {
	src := t.TempDir()
	newer, older := fujitsuTree(t, src)
	data := t.TempDir()
	r := dagsorden(t, data, "import", newer)
	if r.code != 0 || !strings.Contains(r.stderr, "HTML rendering") || !strings.Contains(r.stderr, "named as a PDF but is not one") {
		t.Fatalf("exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	e := exportFullOf(t, data)
	if len(e.Meetings) != 1 || len(e.Meetings[0].Items) != 6 || len(e.Documents) != 0 {
		t.Fatalf("export %+v", e)
	}
	var kinds []string
	for _, it := range e.Meetings[0].Items {
		for _, a := range it.Attachments {
			if a.SHA256 != "" {
				kinds = append(kinds, a.MediaType)
			}
		}
	}
	if strings.Join(kinds, ",") != "application/pdf,application/octet-stream" {
		t.Errorf("stored attachments %v", kinds)
	}
	before := mustRead(t, filepath.Join(data, "dagsorden.db"))
	// The older publication, imported after the newer one, never replaces it.
	r = dagsorden(t, data, "import", older)
	if r.code != 0 || !strings.Contains(r.stdout, "kept newer stored version") {
		t.Fatalf("older after newer: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	if !bytes.Equal(before, mustRead(t, filepath.Join(data, "dagsorden.db"))) {
		t.Error("importing the older publication wrote to the store")
	}
	// Both at once: one meeting, the newer.
	data2 := t.TempDir()
	mustRun(t, data2, "import", src)
	if e2 := exportFullOf(t, data2); len(e2.Meetings) != 1 || len(e2.Meetings[0].Items) != 6 {
		t.Fatalf("both: %+v", e2)
	}
}

func TestImportSavedFirstAgendaPage(t *testing.T) {
	src := t.TempDir()
	writeTree(t, src, map[string][]byte{
		"referat.html":                             mustRead(t, filepath.Join("..", "..", "agenda", "firstagenda", "testdata", "page", "referat.html")),
		"referat_files/aarhus.css":                 []byte("body{}"),
		"referat_files/common.js":                  []byte("var x;"),
		"referat_files/Bilag 1 Udviklingsplan.pdf": textPDF("Udviklingsplan for Pier 3"),
	})
	data := t.TempDir()
	r := dagsorden(t, data, "import", src)
	if r.code != 0 || r.stderr != "" {
		t.Fatalf("exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	e := exportFullOf(t, data)
	if len(e.Meetings) != 1 || len(e.Meetings[0].Items) != 3 || e.Meetings[0].Kind != "referat" || len(e.Documents) != 0 {
		t.Fatalf("export %+v", e)
	}
	if a := e.Meetings[0].Items[1].Attachments; len(a) != 2 || a[1].SHA256 == "" {
		t.Errorf("attachments %+v", a)
	}
	if !e.Meetings[0].Items[2].Closed {
		t.Error("item 3 is not closed")
	}
}

// Identical bytes from another path (a copy of the folder, a copy of a file) report
// unchanged and write nothing.
func TestSameContentFromAnotherPathIsUnchanged(t *testing.T) {
	a, b := t.TempDir(), t.TempDir()
	edocPublishingFolder(t, a)
	edocPublishingFolder(t, b)
	note := []byte("Nyhedsbrev fra KKR\n\nVelkommen til årets første nyhedsbrev. Der er meget at fortælle om.\n")
	writeTree(t, a, map[string][]byte{"nyt/nyhedsbrev.txt": note})
	writeTree(t, b, map[string][]byte{"andet/kopi.txt": note})
	data := t.TempDir()
	mustRun(t, data, "import", a)
	db := filepath.Join(data, "dagsorden.db")
	before := mustRead(t, db)
	out := mustRun(t, data, "import", b)
	if !strings.Contains(out, "(unchanged)") {
		t.Errorf("second import from another path:\n%s", out)
	}
	if !bytes.Equal(before, mustRead(t, db)) {
		t.Error("identical content from another path was written")
	}
}

// A folder of symbolic links imports exactly as the folder they point into.
func TestFolderOfSymlinks(t *testing.T) {
	src := t.TempDir()
	edocPublishingFolder(t, src)
	pub := filepath.Join(src, "04-12-2012 13:00:00")
	links := t.TempDir()
	entries, err := os.ReadDir(pub)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if err := os.Symlink(filepath.Join(pub, e.Name()), filepath.Join(links, e.Name())); err != nil {
			t.Fatal(err)
		}
	}
	// And a link to a folder, and a loop.
	os.Symlink(pub, filepath.Join(links, "sub"))
	os.Symlink(links, filepath.Join(links, "loop"))
	direct, linked := t.TempDir(), t.TempDir()
	mustRun(t, direct, "import", pub)
	r := dagsorden(t, linked, "import", links)
	if r.code != 0 {
		t.Fatalf("exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	_, want := exportOf(t, direct)
	_, got := exportOf(t, linked)
	if got != want {
		t.Error("the folder of links imported differently from the folder")
	}
}

func TestLatin1AndReadingMaterialSay(t *testing.T) {
	dir := t.TempDir()
	writeTree(t, dir, map[string][]byte{
		"latin1.txt": []byte("DAGSORDEN 2023\n\nKKR HOVEDSTADEN\n\nDato: 21-04-2023 10:00\n\nM\xf8det er flyttet til \xc5rhus.\n"),
		"side.html":  []byte("<!doctype html><html><head><title>Program for temadag</title></head><body><h2>Formiddag</h2><p>Oplæg om ældrepleje.</p></body></html>"),
	})
	data := t.TempDir()
	r := dagsorden(t, data, "import", filepath.Join(dir, "latin1.txt"), filepath.Join(dir, "side.html"))
	if r.code != 0 {
		t.Fatalf("exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	if n := strings.Count(r.stdout, "no agenda items recognised; imported as reading material"); n != 2 {
		t.Errorf("want the sentence twice:\n%s", r.stdout)
	}
	_, out := exportOf(t, data)
	if !strings.Contains(out, "Mødet er flyttet til Århus") || !strings.Contains(out, "Oplæg om ældrepleje") {
		t.Errorf("export lacks the converted text:\n%s", out)
	}
}

// A zip that would unpack to far more than it is — one enclosure of 256 MiB of zeros, a
// high ratio, too many entries — is refused before it is unpacked, within 200 MB of memory,
// with one sentence, and the store is unchanged.
func TestZipBombsAreRefused(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a 256 MiB zip entry")
	}
	data := t.TempDir()
	mustRun(t, data, "import", shared.Path(t, "seeds", "001_147b9d108b7927a9.txt"))
	_, before := exportOf(t, data)
	zr, err := zip.OpenReader(shared.Path(t, "samples", "sbsys", "Publication32.zip"))
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	var pubXML []byte
	for _, f := range zr.File {
		if strings.HasSuffix(f.Name, ".xml") {
			rc, _ := f.Open()
			pubXML, _ = io.ReadAll(rc)
			rc.Close()
		}
	}
	dir := t.TempDir()
	build := func(name string, entries func(w *zip.Writer)) string {
		var b bytes.Buffer
		w := zip.NewWriter(&b)
		f, _ := w.Create("Publication32/Publication32.xml")
		f.Write(pubXML)
		entries(w)
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b.Bytes(), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	zeros := func(n int) func(w *zip.Writer) {
		return func(w *zip.Writer) {
			f, _ := w.Create("Publication32/Enclosures/1.pdf")
			chunk := make([]byte, 1<<20)
			for range n {
				f.Write(chunk)
			}
		}
	}
	cases := map[string]string{
		"256 MiB of zeros": build("bomb.zip", zeros(256)),
		"high ratio":       build("ratio.zip", zeros(8)),
		"many entries": build("many.zip", func(w *zip.Writer) {
			for i := range 10001 {
				f, _ := w.Create(fmt.Sprintf("Publication32/Enclosures/%d.pdf", i))
				f.Write([]byte("%PDF-"))
			}
		}),
	}
	for name, p := range cases {
		t.Run(name, func(t *testing.T) {
			cmd := exec.Command(bin, "--data", data, "import", p)
			var out, errb bytes.Buffer
			cmd.Stdout, cmd.Stderr = &out, &errb
			err := cmd.Run()
			if err == nil {
				t.Fatalf("exit 0\n%s", out.String())
			}
			msg := strings.TrimSpace(errb.String())
			if !strings.Contains(msg, filepath.Base(p)) || strings.Count(msg, "\n") > 1 {
				t.Errorf("message %q", msg)
			}
			// Maxrss is in KiB on Linux.
			if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok && ru.Maxrss > 200<<10 {
				t.Errorf("peak memory %d MiB, more than 200", ru.Maxrss>>10)
			}
			if _, after := exportOf(t, data); after != before {
				t.Error("a refused zip changed the store")
			}
		})
	}
}
