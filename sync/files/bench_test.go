package files

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/dagsorden/dagsorden/agenda"
	"github.com/dagsorden/dagsorden/internal/shared"
	"github.com/dagsorden/dagsorden/store"
)

// The import path as `dagsorden import` runs it: read, detect, parse, one store
// transaction. Benchmarks over the real public documents; they skip without ../shared.

func readAll(b *testing.B, paths ...string) agenda.Package {
	b.Helper()
	parsed, err := Read(paths)
	if err != nil {
		b.Fatal(err)
	}
	var p agenda.Package
	for _, f := range parsed {
		if f.Err != nil {
			b.Fatal(f.Err)
		}
		p.Meetings = append(p.Meetings, f.Package.Meetings...)
		p.Documents = append(p.Documents, f.Package.Documents...)
	}
	return p
}

func BenchmarkImportSeed001(b *testing.B) {
	path := shared.Path(b, "seeds", "001_147b9d108b7927a9.txt")
	for b.Loop() {
		b.StopTimer()
		st, err := store.Open(b.TempDir())
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		if _, err := st.Import(readAll(b, path)); err != nil {
			b.Fatal(err)
		}
		st.Close()
	}
}

// BenchmarkImportGreve imports all 288 Greve meetings into a new store, as one
// `dagsorden import greve/` does; ms/meeting is the figure to read.
func BenchmarkImportGreve(b *testing.B) {
	dir := shared.Path(b, "samples", "firstagenda", "greve")
	n := 0
	for b.Loop() {
		b.StopTimer()
		st, err := store.Open(b.TempDir())
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		p := readAll(b, dir)
		n = len(p.Meetings)
		if _, err := st.Import(p); err != nil {
			b.Fatal(err)
		}
		st.Close()
	}
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N)/float64(n), "ms/meeting")
}

func BenchmarkExportGreve(b *testing.B) {
	st, err := store.Open(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	if _, err := st.Import(readAll(b, filepath.Join(shared.Dir(b), "samples", "firstagenda", "greve"))); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if err := st.ExportJSON(io.Discard, ""); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkImportPublicationFolder: `dagsorden import DIR` of an eDoc publication folder
// (the XML, 8 item PDFs, the agenda PDF, 4 attachments, a README) into a new store.
func BenchmarkImportPublicationFolder(b *testing.B) {
	dir := b.TempDir()
	x, err := os.ReadFile(filepath.Join("..", "..", "agenda", "edoc", "testdata", "publishing", "eDocAgendaPublishing.xml"))
	if err != nil {
		b.Fatal(err)
	}
	pub := filepath.Join(dir, "04-12-2012 13:00:00")
	os.MkdirAll(pub, 0o700)
	os.WriteFile(filepath.Join(pub, "eDocAgendaPublishing.xml"), x, 0o600)
	os.WriteFile(filepath.Join(pub, "README.txt"), []byte("hej"), 0o600)
	for _, n := range []string{"1552814", "1537646", "1548285", "1548343", "1552816", "1552823", "1552824", "1552826", "1552821", "1552822", "1552827", "1552828"} {
		os.WriteFile(filepath.Join(pub, n+".PDF"), append([]byte("%PDF-1.4\n"), bytes.Repeat([]byte("x"), 200<<10)...), 0o600)
	}
	os.WriteFile(filepath.Join(pub, "Kvalitetsstandarder for stof- og alkoholbehandling 2013.pdf"), []byte("%PDF-1.4\n"), 0o600)
	for b.Loop() {
		b.StopTimer()
		st, err := store.Open(b.TempDir())
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		p := readAll(b, dir)
		if len(p.Meetings) != 1 {
			b.Fatalf("%d meetings", len(p.Meetings))
		}
		if _, err := st.Import(p); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		st.Close()
		b.StartTimer()
	}
}
