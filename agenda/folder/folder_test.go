package folder

import (
	"io/fs"
	"os"
	"strings"
	"testing"
	"testing/fstest"

	"golang.org/x/text/unicode/norm"
)

func publishingFS(t testing.TB) fstest.MapFS {
	x, err := os.ReadFile("../edoc/testdata/publishing/eDocAgendaPublishing.xml")
	if err != nil {
		t.Fatal(err)
	}
	pdf := func(s string) *fstest.MapFile { return &fstest.MapFile{Data: []byte("%PDF-1.4\n% " + s + "\n")} }
	fsys := fstest.MapFS{
		"pub/eDocAgendaPublishing.xml": {Data: x},
		"pub/1552814.PDF":              pdf("agenda"),
		"pub/1537646.PDF":              pdf("a"),
		"pub/1548285.PDF":              pdf("b"),
		"pub/1548343.PDF":              {Data: []byte("<html>an error page saved as PDF</html>")},
		"pub/README.md":                {Data: []byte("# Udtræk\n")},
		// Outside the publication: imported on its own.
		"nyhedsbrev.txt": {Data: []byte("Nyhedsbrev fra KKR\n\nVelkommen til årets første nyhedsbrev, der handler om meget.\n")},
	}
	for _, n := range []string{"1552816", "1552823", "1552824", "1552826", "1552821", "1552822", "1552827", "1552828"} {
		fsys["pub/"+n+".pdf"] = pdf(n) // lower-case extension: names compare folded
	}
	fsys[norm.NFD.String("pub/Kvalitetsstandarder for stof- og alkoholbehandling 2013.pdf")] = pdf("å")
	return fsys
}

func paths(fsys fstest.MapFS) []string {
	var out []string
	for p := range fsys {
		out = append(out, p)
	}
	return out
}

func TestPublicationFolder(t *testing.T) {
	fsys := publishingFS(t)
	out := Read(fsys, "/home/x/04-12-2012 13:00:00", paths(fsys))
	if len(out.Entries) != 2 {
		t.Fatalf("entries %+v", out.Entries)
	}
	doc, pub := out.Entries[0], out.Entries[1]
	if doc.Err != nil || !doc.Result.ReadingMaterial || pub.Err != nil || pub.Path != "pub/eDocAgendaPublishing.xml" {
		t.Fatalf("entries %+v", out.Entries)
	}
	m := pub.Result.Package.Meetings[0]
	stored, notPDF := 0, 0
	for _, it := range m.Items {
		for _, a := range it.Attachments {
			if a.Content == nil {
				t.Errorf("item %s: %q has no content", it.Number, a.Title)
				continue
			}
			stored++
			if a.MediaType != "application/pdf" {
				notPDF++
			}
		}
	}
	if stored != 12 || notPDF != 1 {
		t.Errorf("stored %d, not PDF %d", stored, notPDF)
	}
	notes := strings.Join(out.Notes, "\n")
	for _, want := range []string{"README.md was skipped", "1552814.PDF is the agenda as one PDF", "1548343.PDF is named as a PDF but is not one"} {
		if !strings.Contains(notes, want) {
			t.Errorf("no note %q in\n%s", want, notes)
		}
	}
	if len(out.Notes) != 3 {
		t.Errorf("notes:\n%s", notes)
	}
}

func TestReleasedFromFolderName(t *testing.T) {
	for p, want := range map[string]string{
		"Hennys testudvalg/2017-05-02 10.00/Dagsorden/2017-04-21 12.24.03/x.xml": "2017-04-21 12:24:03",
		"2017-04-21_122403_e9117c72.xml":                                         "2017-04-21 12:24:03",
		"04-12-2012 13:00:00/eDocAgendaPublishing.xml":                           "0001-01-01 00:00:00",
	} {
		if got := released(p).Format("2006-01-02 15:04:05"); got != want {
			t.Errorf("%s: %s, want %s", p, got, want)
		}
	}
}

func FuzzRead(f *testing.F) {
	fsys := publishingFS(f)
	x := fsys["pub/eDocAgendaPublishing.xml"].Data
	f.Add(x, []byte("%PDF-1.4"), "pub/1537646.PDF")
	f.Add([]byte(`<?xml version="1.0"?><Publication><Agendas/></Publication>`), []byte("x"), "Enclosures/1.pdf")
	f.Add([]byte(`<!doctype html><table id="dagsordenDetaljer"><tr class="punktrow"><td><h2 class="overskrift">x</h2></td></tr></table>`), []byte("PK\x03\x04"), "a_files/b.pdf")
	f.Fuzz(func(t *testing.T, agendaFile, other []byte, name string) {
		if !fs.ValidPath(name) || name == "a.xml" || name == "." {
			return
		}
		m := fstest.MapFS{"a.xml": {Data: agendaFile}, name: {Data: other}}
		out := Read(m, ".", []string{"a.xml", name})
		for _, e := range out.Entries {
			if e.Err == nil && len(e.Result.Package.Meetings) == 0 && len(e.Result.Package.Documents) == 0 {
				t.Fatal("success with nothing read")
			}
		}
	})
}
