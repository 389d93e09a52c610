package brief

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dagsorden/dagsorden/agenda"
	"golang.org/x/net/html"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

func rec(i int) *int { return &i }

var t0 = time.Date(2025, 3, 3, 20, 0, 0, 0, agenda.Copenhagen)

func note(author string, r *int, s agenda.Stance, text string, minutes int) agenda.Note {
	return agenda.Note{ID: author + text, Author: author, Stance: s, Text: text, Visibility: agenda.Group,
		Anchor:  agenda.Anchor{ItemID: "i1", Recommendation: r},
		Created: t0.Add(time.Duration(minutes) * time.Minute), Updated: t0.Add(time.Duration(minutes) * time.Minute)}
}

func testInput() Input {
	m := &agenda.Meeting{
		ID: "m1", Body: agenda.Body{Name: "KKR Hovedstaden"}, Title: "Dagsorden",
		Start:      time.Date(2023, 4, 21, 10, 0, 0, 0, agenda.Copenhagen),
		Premeeting: time.Date(2023, 4, 21, 9, 0, 0, 0, agenda.Copenhagen),
		Location:   "Glostrup Park Hotel, Hovedvejen 41, 2600 Glostrup",
		Items: []agenda.Item{
			{ID: "i1", Number: "3.1", Title: "Rammeaftale for det specialiserede socialområde", CaseNumber: "SAG-2023-01182",
				Recommendations: []agenda.Recommendation{
					{Index: 0, Text: "at KKR Hovedstaden godkender rammeaftalen"},
					{Index: 1, Text: "at rammeaftalen sendes til godkendelse\ni kommunalbestyrelserne"},
				}},
			{ID: "i2", Number: "3.2", Title: "Lukket: Udpegning <til> bestyrelse & råd", Closed: true},
			{ID: "i4", Number: "3.3", Title: "Sundhedsklynger", CaseNumber: "SAG-2023-01301",
				Recommendations: []agenda.Recommendation{
					{Index: 0, Text: "at KKR Hovedstaden drøfter klyngernes arbejde"},
					{Index: 1, Text: "at KKR Hovedstaden godkender den fælles plan"},
				}},
			{ID: "i3", Number: "6", Title: "Eventuelt"},
		},
	}
	// Notes on another item, on the same recommendation indexes as item 3.1's: each
	// item's tally counts only its own.
	on4 := func(author string, r int, s agenda.Stance, text string, minutes int) agenda.Note {
		n := note(author, rec(r), s, text, minutes)
		n.ID, n.Anchor.ItemID = "i4"+n.ID, "i4"
		return n
	}
	n1 := note("Anne", rec(0), agenda.StanceFor, "Godt forslag.\nMen hvad med **økonomien**?", 1)
	n2 := note("Bo", rec(0), agenda.StanceAgainst, "<script>alert('x')</script>", 2)
	n3a := note("Carl", rec(1), agenda.StanceFor, "Carls udgave", 3)
	n3b := n3a
	n3b.Text, n3b.Stance, n3b.Updated = "Doras udgave", agenda.StanceAbstain, n3a.Updated.Add(time.Minute)
	item := note("Anne", nil, agenda.StanceNone, "Spørg til tidsplanen", 4)
	orphan := note("Bo", rec(0), agenda.StanceFor, "Om et punkt der er væk", 5)
	orphan.Anchor.ItemID, orphan.Anchor.ItemNumber = "gone", "9.9"
	orphan.Status = agenda.StatusOrphaned
	return Input{
		Meeting: m, Group: "A-gruppen", Members: []string{"Anne", "Bo", "Carl", "Dora"},
		Notes: []Note{
			{Note: n1, Mine: true}, {Note: n2},
			{Note: n3b, Conflict: true, Editor: "Dora"}, {Note: n3a, Conflict: true},
			{Note: item, Mine: true}, {Note: orphan},
			{Note: on4("Bo", 0, agenda.StanceFor, "", 6)}, {Note: on4("Dora", 0, agenda.StanceFor, "Klyngerne virker", 7)},
			{Note: on4("Anne", 1, agenda.StanceAgainst, "For dyrt", 8), Mine: true},
		},
		Generated: time.Date(2023, 4, 20, 18, 30, 0, 0, agenda.Copenhagen),
	}
}

func TestMarkdownGolden(t *testing.T) {
	got := Markdown(testInput())
	path := filepath.Join("testdata", "brief.golden.md")
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update once)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("Markdown differs from %s:\n%s", path, got)
	}
	// What the formøde relies on, independent of the golden file.
	for _, s := range []string{
		"# Formøde: KKR Hovedstaden – Dagsorden",
		"fredag 21. april 2023 kl. 10.00, Glostrup Park Hotel",
		"Formøde kl. 09.00",
		"## 3.1 Rammeaftale for det specialiserede socialområde",
		"### Indstilling 1\n\n> at KKR Hovedstaden godkender rammeaftalen",
		"Gruppen: 1 for · 1 imod · 0 undlader · 2 uden holdning — gruppen er uenig",
		"- Anne (mig) — for: Godt forslag.\n  Men hvad med **økonomien**?",
		"Doras udgave", "Carls udgave", "KONFLIKT",
		"### Noter til punktet", "## Noter uden sted",
		"Uden noter:\n\n- 3.2 Lukket: Udpegning <til> bestyrelse & råd (lukket punkt)\n",
		"Uden noter:\n\n- 6 Eventuelt\n",
	} {
		if !bytes.Contains(got, []byte(s)) {
			t.Errorf("Markdown lacks %q", s)
		}
	}
	// Each item's tallies count only the notes on that item.
	for _, want := range []string{
		"## 3.3 Sundhedsklynger\n\nSag SAG-2023-01301\n\n### Indstilling 1\n\n> at KKR Hovedstaden drøfter klyngernes arbejde\n\nGruppen: 2 for · 0 imod · 0 undlader · 2 uden holdning\n",
		"> at KKR Hovedstaden godkender den fælles plan\n\nGruppen: 0 for · 1 imod · 0 undlader · 3 uden holdning\n",
	} {
		if !bytes.Contains(got, []byte(want)) {
			t.Errorf("Markdown lacks %q:\n%s", want, got)
		}
	}
	// The conflict counts Carl's note once, with the newest version's stance.
	if !bytes.Contains(got, []byte("Gruppen: 0 for · 0 imod · 1 undlader · 3 uden holdning")) {
		t.Errorf("recommendation 2's tally counts the conflict wrongly:\n%s", got)
	}
}

func TestHTMLGolden(t *testing.T) {
	got, err := HTML(testInput())
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join("testdata", "brief.golden.html")
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update once)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("HTML differs from %s:\n%s", path, got)
	}
}

func TestOnlyNotedLeavesOutItemsWithoutNotes(t *testing.T) {
	in := testInput()
	in.OnlyNoted = true
	md := string(Markdown(in))
	for _, gone := range []string{"Eventuelt", "Udpegning", "Uden noter"} {
		if strings.Contains(md, gone) {
			t.Errorf("--only-noted still shows %q:\n%s", gone, md)
		}
	}
	for _, kept := range []string{"## 3.1 Rammeaftale", "## 3.3 Sundhedsklynger", "2 punkter uden noter er udeladt."} {
		if !strings.Contains(md, kept) {
			t.Errorf("--only-noted lacks %q:\n%s", kept, md)
		}
	}
	h, err := HTML(in)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(h, []byte("Eventuelt")) || !bytes.Contains(h, []byte("2 punkter uden noter er udeladt.")) {
		t.Errorf("HTML with OnlyNoted:\n%s", h)
	}
}

func TestNoteMarkdownCannotInjectMarkup(t *testing.T) {
	for _, c := range []struct{ in, want, not string }{
		{"[klik](javascript:alert(1))", "<a href=\"\">klik</a>", "javascript:"},
		{"<img src=x onerror=alert(1)>", "&lt;img src=x onerror=alert(1)&gt;", "<img"},
		{"R&D og <b>fed</b>", "R&amp;D og &lt;b&gt;fed&lt;/b&gt;", "<b>"},
		{"- punkt et\n- punkt to", "<li>punkt et</li>", ""},
		{"se https://dagsordener.greve.dk/", "<a href=\"https://dagsordener.greve.dk/\">", ""},
	} {
		got := string(noteHTML(c.in))
		if !strings.Contains(got, c.want) || (c.not != "" && strings.Contains(got, c.not)) {
			t.Errorf("noteHTML(%q) = %q; want it to contain %q and not %q", c.in, got, c.want, c.not)
		}
	}
}

func TestFileName(t *testing.T) {
	in := testInput()
	for _, c := range []struct{ format, want string }{
		{"html", "brief-kkr-hovedstaden-2023-04-21.html"},
		{"md", "brief-kkr-hovedstaden-2023-04-21.md"},
	} {
		if got := FileName(in.Meeting, c.format); got != c.want {
			t.Errorf("FileName(%s) = %q, want %q", c.format, got, c.want)
		}
	}
	m := *in.Meeting
	m.Body.Name, m.Start = "Børne- og Ungeudvalget / Åben del", time.Time{}
	if got := FileName(&m, "md"); got != "brief-boerne-og-ungeudvalget-aaben-del.md" {
		t.Errorf("FileName = %q", got)
	}
}

func TestPrivateBriefHasNoTally(t *testing.T) {
	in := testInput()
	in.Group, in.Members = "", nil
	got := string(Markdown(in))
	if strings.Contains(got, "Gruppen:") || !strings.Contains(got, "Mine noter") {
		t.Errorf("private brief:\n%s", got)
	}
}

func TestHTMLIsPrintReadyAndEscaped(t *testing.T) {
	out, err := HTML(testInput())
	if err != nil {
		t.Fatal(err)
	}
	doc, err := html.Parse(bytes.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	var h2s, tallies, quiet []string
	var scripts int
	var css string
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			switch n.Data {
			case "h2":
				h2s = append(h2s, text(n))
			case "script":
				scripts++
			case "li":
				if n.Parent != nil && n.Parent.Parent != nil && attr(n.Parent.Parent, "class") == "quiet" {
					quiet = append(quiet, text(n))
				}
			case "style":
				css += text(n)
			case "p":
				for _, a := range n.Attr {
					if a.Key == "class" && strings.HasPrefix(a.Val, "tally") {
						tallies = append(tallies, text(n))
					}
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	// Items without notes are one line each under "Uden noter", in agenda order.
	wantH2 := []string{"3.1 Rammeaftale for det specialiserede socialområde", "Uden noter", "3.3 Sundhedsklynger", "Uden noter", "Noter uden sted"}
	if strings.Join(h2s, "|") != strings.Join(wantH2, "|") {
		t.Errorf("headings %q, want %q", h2s, wantH2)
	}
	if want := "3.2 Lukket: Udpegning <til> bestyrelse & råd (lukket punkt)|6 Eventuelt"; strings.Join(quiet, "|") != want {
		t.Errorf("items without notes %q, want %q", quiet, want)
	}
	wantTallies := []string{
		"Gruppen: 1 for · 1 imod · 0 undlader · 2 uden holdning — gruppen er uenig",
		"Gruppen: 0 for · 0 imod · 1 undlader · 3 uden holdning",
		"Gruppen: 2 for · 0 imod · 0 undlader · 2 uden holdning",
		"Gruppen: 0 for · 1 imod · 0 undlader · 3 uden holdning",
	}
	if strings.Join(tallies, "|") != strings.Join(wantTallies, "|") {
		t.Errorf("tallies %q", tallies)
	}
	if scripts != 0 {
		t.Error("a note's <script> became an element")
	}
	if !bytes.Contains(out, []byte("&lt;script&gt;")) {
		t.Error("the note with markup is not shown escaped")
	}
	// Notes are Markdown: shown formatted, line breaks kept.
	if !bytes.Contains(out, []byte("<p>Godt forslag.<br>\nMen hvad med <strong>økonomien</strong>?</p>")) {
		t.Errorf("Anne's note is not rendered from Markdown:\n%s", out)
	}
	// One continuous flow: no forced page breaks; an item stays on one page if it fits.
	for _, s := range []string{"@page", "size: A4", "section.item { break-inside: avoid"} {
		if !strings.Contains(css, s) {
			t.Errorf("the CSS lacks %q", s)
		}
	}
	for _, s := range []string{"break-before: page", "page-break-before: always"} {
		if strings.Contains(css, s) {
			t.Errorf("the CSS still breaks the page before items: %q", s)
		}
	}
	if !bytes.HasPrefix(out, []byte("<!DOCTYPE html>")) || !bytes.Contains(out, []byte(`<html lang="da">`)) || !bytes.Contains(out, []byte(`charset="utf-8"`)) {
		t.Error("not a standalone Danish UTF-8 page")
	}
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

func text(n *html.Node) string {
	var b strings.Builder
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return strings.TrimSpace(b.String())
}

// BenchmarkBrief renders a 40-item meeting with 7 members' notes.
func BenchmarkBrief(b *testing.B) {
	in := testInput()
	m := *in.Meeting
	m.Items = nil
	var notes []Note
	for i := range 40 {
		id := "it" + string(rune('A'+i%26)) + string(rune('a'+i/26))
		m.Items = append(m.Items, agenda.Item{ID: id, Number: "1", Title: "Punkt", Recommendations: []agenda.Recommendation{{Index: 0, Text: "at godkende"}, {Index: 1, Text: "at orientere"}}})
		for _, who := range in.Members {
			n := note(who, rec(i%2), agenda.StanceFor, "En note med lidt tekst om punktet.", i)
			n.Anchor.ItemID = id
			notes = append(notes, Note{Note: n})
		}
	}
	in.Meeting, in.Notes = &m, notes
	b.Run("markdown", func(b *testing.B) {
		for b.Loop() {
			Markdown(in)
		}
	})
	b.Run("html", func(b *testing.B) {
		for b.Loop() {
			HTML(in)
		}
	})
}

func TestMyNoteWithoutAuthorIsMine(t *testing.T) {
	in := testInput()
	in.Notes[0].Author = ""
	if md := string(Markdown(in)); strings.Contains(md, "ukendt") || !strings.Contains(md, "- mig — for: Godt forslag.") {
		t.Errorf("my note without an author:\n%s", md)
	}
}
