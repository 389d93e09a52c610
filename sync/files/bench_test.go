package files

import (
	"io"
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
