package document

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/dagsorden/dagsorden/internal/shared"
)

func readSeed(t testing.TB, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(shared.Path(t, "seeds", name))
	if err != nil {
		t.Skipf("seed %s not readable: %v", name, err)
	}
	return data
}

// TestSeeds checks the four pieces of reading material in ../shared/seeds: title, date and
// the section headings each states (read off the documents by hand).
func TestSeeds(t *testing.T) {
	tests := []struct {
		file     string
		title    string
		date     time.Time
		format   string
		sections []string
	}{
		{"000_e436054878241b4b.txt", "Nyhedsmail fra KKR Hovedstaden, maj 2023", day(2023, 5, 1), FormatText, []string{
			"",
			"Tværkommunalt klimasamarbejde for at understøtte grøn omstilling",
			"Strategisk input til den decentrale erhvervsfremmeindsats",
			"KKR-strategi for sundhedsområdet skal bl.a. styrke sundhedsklyngerne",
			"Alle hovedstadskommunernes sundhedspolitikere inviteres til virtuelt dialogmøde om Sundhedsaftalen 2024-2027",
			"Årsberetning for Greater Copenhagen EU Office",
		}},
		{"002_cd004b4ce17a1a55.txt", "Folder om KKR Hovedstaden", day(2022, 3, 1), FormatMarkdown, []string{
			"KKR Hovedstaden",
			"En hilsen fra formandskabet",
			"01 / Samarbejdet i KKR - fælles rammer og løsninger",
			"02 / Ny valgperiode – nye dagsordener",
			"03 / KKR Hovedstadens fagområder",
			"04 / KKR's opbygning",
			"05 / Samspil med KL",
			"06 / KKR i regionale fora",
			"07 / Sekretariatsbetjening af KKR",
			"KL",
		}},
		{"003_c852b11768673639.txt", "Program for politisk møde om KKR-samarbejdet", day(2019, 8, 19), FormatText, []string{
			"", "Program",
		}},
		{"004_8bc79fa394dd768f.txt", "Nyhedsbrev KKR Sjælland september 2020", day(2020, 9, 14), FormatText, []string{
			"",
			"KKR Sjællands indspil til prioritering af erhvervsfremmemidler, fyrtårnsinitiativer, ny politisk rammeaftale og landsdækkende klynger",
			"DK2020: Oplæg til fælles geografisk organisering for KKR Sjælland og Region Sjælland",
			"Rammeaftale for det specialiserede social- og undervisningsområde 2021 og 2022",
			"Forslag til fokusområder i rammeaftale 2021-22",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.file[:3], func(t *testing.T) {
			data := readSeed(t, tt.file)
			if !Sniff(data) {
				t.Errorf("Sniff = false for reading material")
			}
			d := parseOne(t, tt.file, data)
			if d.Title != tt.title || !d.Date.Equal(tt.date) || d.Source.Format != tt.format {
				t.Errorf("title %q date %v format %q\nwant  %q %v %q", d.Title, d.Date, d.Source.Format, tt.title, tt.date, tt.format)
			}
			if got := headings(d); strings.Join(got, "\n") != strings.Join(tt.sections, "\n") {
				t.Errorf("sections:\n got %q\nwant %q", got, tt.sections)
			}
		})
	}
}

func TestSeedDetails(t *testing.T) {
	text := func(file string) string {
		d := parseOne(t, file, readSeed(t, file))
		var b strings.Builder
		for _, s := range d.Sections {
			b.WriteString(s.Text + "\n\n")
		}
		return b.String()
	}
	news := text("000_e436054878241b4b.txt")
	for _, gone := range []string{"The logo", "Se nyhedsbrevet online", "framelde", "Nyhedsbrev fra KKR Hovedstaden"} {
		if strings.Contains(news, gone) {
			t.Errorf("000: %q should be gone (image description, dead-link line, masthead)", gone)
		}
	}
	for _, kept := range []string{
		"Referat og materiale fra mødet kan findes her.",
		"1. Hvad har kommunerne brug for, hvis borgerne skal holdes ude af hospitalerne?\n2. Hvor ligger",
		"Tilmelding sker via [https://hovedstadenskommuner.dk/aktuelt-3/](https://hovedstadenskommuner.dk/aktuelt-3/).",
	} {
		if !strings.Contains(news, kept) {
			t.Errorf("000: missing %q", kept)
		}
	}

	folder := text("002_cd004b4ce17a1a55.txt")
	for _, kept := range []string{
		"den forskellighed bruger vi til at dele viden og erfaringer med hinanden", // joined across a page break
		"Uddannelse og Beskæftigelse (VUB)",                                        // de-hyphenated
		"### 1. Sundhedsområdet",
		"Borgmester\\\nSteen Christiansen (A)\\\nFormand",
	} {
		if !strings.Contains(folder, kept) {
			t.Errorf("002: missing %q", kept)
		}
	}

	prog := text("003_c852b11768673639.txt")
	slots := len(regexp.MustCompile(`(?m)^- \*\*\d{1,2}\.\d{2}\*\* \S`).FindAllString(prog, -1))
	sessions := len(regexp.MustCompile(`(?m)^- \*\*\d\. .*\*\*\\\n  \S`).FindAllString(prog, -1))
	if slots != 4 || sessions != 6 {
		t.Errorf("003: %d timed slots and %d sessions as list items, want 4 and 6:\n%s", slots, sessions, prog)
	}
	if !strings.Contains(prog, "- **15.00** Velkomst ved KKR-formandskabet og oplæg fra Lisbeth Knudsen\n- **15.45**") {
		t.Errorf("003: timed slots are not one list")
	}
	if !strings.Contains(prog, "Tilmelding: #SAMARBEJDEMEDMERVÆRDI") {
		t.Errorf("003: dead link not reduced to its text")
	}
}

func BenchmarkParseSeeds(b *testing.B) {
	for _, file := range []string{"000_e436054878241b4b.txt", "002_cd004b4ce17a1a55.txt", "003_c852b11768673639.txt", "004_8bc79fa394dd768f.txt"} {
		data := readSeed(b, file)
		b.Run(file[:3], func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Parse(file, data); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkParseSeed001 parses the KKR agenda as reading material: the cost of the fallback
// on the largest seed.
func BenchmarkParseSeed001(b *testing.B) {
	data := readSeed(b, "001_147b9d108b7927a9.txt")
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse("001.txt", data); err != nil {
			b.Fatal(err)
		}
	}
}

// TestSniffLeavesOtherFormats: none of the agenda packages in ../shared/samples (FirstAgenda
// JSON, ESDH XML, eDoc HTML, PDF, SBSYS zip) is taken for reading material; the samples'
// own README is Markdown and is.
func TestSniffLeavesOtherFormats(t *testing.T) {
	root := shared.Path(t, "samples")
	n := 0
	err := filepath.WalkDir(root, func(path string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		n++
		want := strings.HasSuffix(path, ".md")
		if got := Sniff(data); got != want {
			t.Errorf("Sniff(%s) = %v, want %v", strings.TrimPrefix(path, root), got, want)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n < 290 {
		t.Errorf("only %d sample files", n)
	}
}
