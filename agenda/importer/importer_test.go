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
		"empty page": []byte("<!doctype html><html><head><script>var x=1</script></head><body><nav>Menu</nav></body></html>"),
		"oversized":  append([]byte("DAGSORDEN\n"), make([]byte, MaxSize)...),
		"utf-16 xml": []byte("\xff\xfe<\x00r\x00"),
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

// A readable document without agenda items is reading material, never an error, and
// text in Windows-1252/Latin-1 is converted.
func TestReadingMaterial(t *testing.T) {
	cases := []struct {
		name, data, format, charset, title, text string
	}{
		{"page.html", "<!doctype html><html><head><title>Nyhedsbrev fra KKR</title></head><body><nav>Menu</nav><h2>Velkommen</h2><p>Hej alle.</p></body></html>",
			"html", "", "Nyhedsbrev fra KKR", "Hej alle."},
		{"latin1.txt", "Referat fra m\xf8de i udvalget\n\nGodkendt af \xc6ldrer\xe5det.\n", "text", "windows-1252", "Referat fra møde i udvalget", "Ældrerådet"},
		{"cp1252.txt", "Nyhedsbrev\n\nVi siger \x93tak\x94 \x96 og p\xe5 gensyn.\n", "text", "windows-1252", "Nyhedsbrev", "“tak” – og på gensyn"},
		// Looks like a KL agenda (cover word, body, date) but has no items.
		{"kl.txt", "DAGSORDEN 2023\n\nKKR HOVEDSTADEN\n\nDato: 21-04-2023 10:00\n\nMødet er aflyst.\n", "kl-text", "", "", "aflyst"},
		{"kl-latin1.txt", "DAGSORDEN 2023\n\nKKR HOVEDSTADEN\n\nDato: 21-04-2023 10:00\n\nM\xf8det er aflyst.\n", "kl-text", "windows-1252", "", "Mødet er aflyst"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r, err := Read(c.name, []byte(c.data))
			if err != nil {
				t.Fatal(err)
			}
			if !r.ReadingMaterial || r.Format != c.format || r.Charset != c.charset || len(r.Package.Documents) != 1 {
				t.Fatalf("result %+v", r)
			}
			d := r.Package.Documents[0]
			if c.title != "" && d.Title != c.title {
				t.Errorf("title %q", d.Title)
			}
			var all strings.Builder
			for _, s := range d.Sections {
				all.WriteString(s.Heading + "\n" + s.Text + "\n")
			}
			if !strings.Contains(all.String(), c.text) || strings.Contains(all.String(), "Menu") {
				t.Errorf("sections %q", all.String())
			}
		})
	}
	// A real agenda is not reading material.
	data, err := os.ReadFile(filepath.Join(shared.Dir(t), "seeds", "001_147b9d108b7927a9.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if r, err := Read("kkr.txt", data); err != nil || r.ReadingMaterial || len(r.Package.Meetings) != 1 {
		t.Errorf("KKR agenda: %v %+v", err, r.ReadingMaterial)
	}
}

func TestLegacyText(t *testing.T) {
	for in, want := range map[string]bool{
		"M\xf8de":      true,
		"Møde":         false, // UTF-8
		"\x00\xf8\xe6": false,
		"<?xml version=\"1.0\" encoding=\"iso-8859-1\"?><a>\xf8</a>": false,
		"%PDF-1.4 \xe2\xe3\xcf\xd3":                                  false,
		"\x81\x8d text":                                              false,
	} {
		if got := LegacyText([]byte(in)); got != want {
			t.Errorf("LegacyText(%q) = %v", in, got)
		}
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
