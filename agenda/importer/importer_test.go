package importer

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dagsorden/dagsorden/agenda/example"
	"github.com/dagsorden/dagsorden/internal/shared"
)

// Every real sample is recognised as its own format, from content alone.
func TestDetectRealSamples(t *testing.T) {
	s := shared.Dir(t)
	cases := map[string]string{
		"seeds/001_147b9d108b7927a9.txt":                                      "kl-text",
		"seeds/000_e436054878241b4b.txt":                                      "text",
		"seeds/003_c852b11768673639.txt":                                      "text",
		"samples/firstagenda/greve/2022-01-10_oekonomiudvalget_e049b9bf.json": "firstagenda",
		"samples/sbsys/Publication32.zip":                                     "sbsys",
		"samples/acadre/3687981.XML":                                          "acadre",
		"samples/edoc-fujitsu/2017-04-21_120048_41a93779.xml":                 "edoc",
		"samples/pdf/syddjurs-puk-2013-06-20-referat.pdf":                     "pdf",
	}
	for rel, want := range cases {
		data, err := os.ReadFile(filepath.Join(s, rel))
		if err != nil {
			t.Fatal(err)
		}
		if got := Detect(data); got != want {
			t.Errorf("%s detected as %q, want %q", rel, got, want)
		}
		if _, err := Parse(rel, data); err != nil {
			t.Errorf("%s: %v", rel, err)
		}
	}
	if got := Detect(example.Data()); got != "dagsorden" {
		t.Errorf("the bundled example detected as %q", got)
	}
}

func TestBadInputs(t *testing.T) {
	cases := map[string][]byte{
		"empty":      nil,
		"blank":      []byte("  \n\t\n"),
		"binary":     {0, 1, 2, 0xff, 0xfe, 0, 0x89, 'P', 'N', 'G'},
		"html page":  []byte("<!doctype html><html><body><p>Hej</p></body></html>"),
		"oversized":  append([]byte("DAGSORDEN\n"), make([]byte, MaxSize)...),
		"latin-1":    []byte("Referat fra m\xf8de i udvalget\n\nGodkendt.\n"),
		"random xml": []byte(`<?xml version="1.0"?><root><a>1</a></root>`),
	}
	for name, data := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := Parse("input.bin", data)
			if err == nil {
				t.Fatal("no error")
			}
			if msg := err.Error(); !strings.Contains(msg, "input.bin") || strings.Contains(msg, "\n") {
				t.Errorf("want one sentence naming the input, got %q", msg)
			}
		})
	}
	if _, err := Parse("x", []byte{0, 0, 0, 1}); !errors.Is(err, ErrUnknownFormat) {
		t.Errorf("binary input: %v, want ErrUnknownFormat", err)
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte("DAGSORDEN 2023\n\nKKR HOVEDSTADEN\n\nDato: 21-04-2023 10:00\n\n1.1. Punkt\n"))
	f.Add([]byte(`{"Dagsordenpunkter": []}`))
	f.Add([]byte("%PDF-1.4\n"))
	f.Add([]byte("PK\x03\x04"))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := Parse("fuzz", data)
		if err == nil && len(p.Meetings) == 0 && len(p.Documents) == 0 {
			t.Fatal("success with nothing imported")
		}
	})
}
