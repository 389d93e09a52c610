package htmlmd

import (
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/dagsorden/dagsorden/agenda"
)

// tagLike finds anything a Markdown renderer could take for raw HTML: "<" followed by a
// letter, "/", "!" or "?".
var tagLike = regexp.MustCompile(`<[A-Za-z/!?]`)

func TestToMarkdown(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string
	}{
		{"paragraphs", "<p>Første</p><p>Anden</p>", "Første\n\nAnden"},
		{"danish named entities", "<p>&Oslash;konomi &aelig;ble &aring; &AElig;&oslash;&Aring;</p>", "Økonomi æble å ÆøÅ"},
		{"nbsp is a space and nbsp paragraphs vanish", "<p>kr.&nbsp;5</p><p>&nbsp;</p><p>&nbsp;</p><p>slut</p>", "kr. 5\n\nslut"},
		{"crlf", "<p>linje\r\nto</p>\r\n\r\n<p>tre</p>", "linje to\n\ntre"},
		{"br is a hard break", "<p>Godkendt.<br>Fraværende: A</p>", "Godkendt.  \nFraværende: A"},
		{"double br collapses to one blank line", "<span>Godkendt.<br><br><br><br>Fraværende: A</span>", "Godkendt.\n\nFraværende: A"},
		{"emphasis kept", "<p><em>indstiller</em>, at <strong>x</strong></p>", "*indstiller*, at **x**"},
		{"empty emphasis stripped", "<p>a <b> </b><i></i><em>&nbsp;</em><strong><br></strong>b</p>", "a  \nb"},
		{"stray meta and title in a div", "<div><meta charset='utf-8'><title>Dokument1</title><p>Tekst</p></div>", "Tekst"},
		{"script style comment", "<div><script>alert(1)</script><style>p{}</style><!-- noter --><p>Tekst</p></div>", "Tekst"},
		{"head dropped", "<html><head><title>T</title><meta name=x></head><body><p>Krop</p></body></html>", "Krop"},
		{"nested list", "<ul><li>a<ul><li>a1</li><li>a2</li></ul></li><li>b</li></ul>", "- a\n\n  - a1\n  - a2\n- b"},
		{"ordered list", "<ol><li>en</li><li>to</li></ol>", "1. en\n2. to"},
		{"two adjacent lists without the converter's end comment", "<ul><li>a</li></ul><ul><li>b</li></ul>", "- a\n\n- b"},
		{"table", "<table><tr><td>Navn</td><td>Beløb</td></tr><tr><td>Skole</td><td>5 &lt; 6</td></tr></table>",
			"| Navn | Beløb |\n|---|---|\n| Skole | 5 < 6 |"},
		{"table with multi-line cells falls back to rows", "<table><tr><td><p>a</p><p>b</p></td></tr><tr><td>c</td></tr></table>", "a\n\nb\n\nc"},
		{"escaped tag text cannot become a tag", "<p>skriv &lt;b&gt; og &lt;/p&gt; og 3 &lt; 4 &gt; 2</p>", "skriv &lt;b> og &lt;/p> og 3 < 4 > 2"},
		{"gt at line start stays escaped", "<p>&gt; 5 mio. kr.</p>", "&gt; 5 mio. kr."},
		{"link", `<p>Se <a href="https://greve.dk/x">her</a></p>`, "Se [her](https://greve.dk/x)"},
		{"malformed", "<p>x<p>y</div></span><li>z<b>fed", "x\n\ny\n\nz**fed**"},
		{"unknown and namespaced tags", "<o:p>Word</o:p><foo>bar</foo><svg><text>s</text></svg>", "Wordbar"},
		{"image becomes its alt text", `<p>Kort: <img src="data:image/png;base64,AAAA" alt="Lokalplan &lt;1&gt;"> <img src=x></p>`, "Kort: Lokalplan <1>"},
		{"attributes dropped", `<p title="<b>" class=x><a href="https://x.dk" title="<i>">x</a></p>`, "[x](https://x.dk)"},
		{"code and pre are text", "<p>Skriv <code>&lt;b&gt;</code></p><pre>Linje 1\n  &lt;script&gt;\nLinje 3\n</pre>", "Skriv &lt;b>\n\nLinje 1  \n&lt;script>  \nLinje 3"},
		{"empty", "", ""},
		{"only blank", "<div>\r\n\r\n</div><p>&nbsp;</p>", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ToMarkdown(tt.in)
			if err != nil {
				t.Fatalf("ToMarkdown: %v", err)
			}
			if got != tt.want {
				t.Errorf("ToMarkdown(%q)\n got %q\nwant %q", tt.in, got, tt.want)
			}
			if tagLike.MatchString(got) {
				t.Errorf("raw HTML left in %q", got)
			}
		})
	}
}

func TestSections(t *testing.T) {
	// The shape of a real FirstAgenda item body: the decision in a <div>, the wrapper
	// heading "Fremstilling", sub-headings nested two wrappers deep, an empty <h2> left by
	// the editor, and CRLF throughout.
	in := "<div><div id='sagsfremstillingContainer'>\r\n\r\n" +
		"<div><h3>Beslutning</h3>\r\n<span>Godkendt.<br><br>Fraværende: A</span>\r\n</div>\r\n" +
		"<h3>Fremstilling</h3>\r\n<span class='ukendt'><div>\r\n" +
		"<h2>Sagsprocedure</h2>\r\n<p>Økonomiudvalget.</p>\r\n" +
		"<h2><strong>Indstilling</strong></h2>\r\n<p>Forvaltningen indstiller, at</p><ol><li>planen godkendes,</li><li>bevillingen gives.</li></ol>\r\n" +
		"<h2>\r\n<div><em><br>\r\n</em></div>\r\n</h2>\r\n<p>&nbsp;</p>\r\n<div>Mere tekst.</div>\r\n" +
		"<h4>Økonomiske\r\nkonsekvenser</h4><ul><li>Ingen.</li></ul>" +
		"</div></span></div></div>"
	got, err := Sections(in)
	if err != nil {
		t.Fatal(err)
	}
	want := []agenda.Section{
		{Heading: "Beslutning", Text: "Godkendt.\n\nFraværende: A"},
		{Heading: "Sagsprocedure", Text: "Økonomiudvalget."},
		{Heading: "Indstilling", Text: "Forvaltningen indstiller, at\n\n1. planen godkendes,\n2. bevillingen gives."},
		// The empty heading ends the Indstilling: what follows is the case text whose
		// heading the editor deleted.
		{Heading: "", Text: "Mere tekst."},
		{Heading: "Økonomiske konsekvenser", Text: "- Ingen."},
	}
	if len(got) != len(want) {
		t.Fatalf("got %d sections %q, want %d", len(got), got, len(want))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("section %d:\n got %q\nwant %q", i, got[i], want[i])
		}
	}
	// The splitter every importer uses must see the two bullets.
	if recs := agenda.Recommendations(got[2].Text); len(recs) != 2 {
		t.Errorf("recommendations of %q: %+v, want 2", got[2].Text, recs)
	}
}

func TestSectionsLeadingText(t *testing.T) {
	got, err := Sections("<p>Indledning</p><h1>Én</h1><p>1</p><h2>To</h2><p>2</p><h5>Lille</h5><p>5</p><h6>x</h6>")
	if err != nil {
		t.Fatal(err)
	}
	want := []agenda.Section{
		{Heading: "", Text: "Indledning"},
		{Heading: "Én", Text: "1"},
		// <h5> and <h6> are not cut: they stay inside as Markdown headings.
		{Heading: "To", Text: "2\n\n##### Lille\n\n5\n\n###### x"},
	}
	if len(got) != len(want) {
		t.Fatalf("got %q, want %q", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("section %d: got %q, want %q", i, got[i], want[i])
		}
	}

	// Blank text before the first heading is not a section.
	got, err = Sections("<div>\r\n<p>&nbsp;</p></div><h3>Beslutning</h3><p>Godkendt.</p>")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Heading != "Beslutning" {
		t.Errorf("got %q, want only the Beslutning section", got)
	}

	// A heading that opens in a wrapper keeps the wrapper's content after the cut: a list
	// that goes on after a heading inside it stays a list.
	got, err = Sections("<div><ul><li>før</li></ul><h3>A</h3><ul><li>efter</li></ul></div>")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[1] != (agenda.Section{Heading: "A", Text: "- efter"}) {
		t.Errorf("got %q", got)
	}
}

func TestProseHeadings(t *testing.T) {
	// From Greve: an editor typed the Indstilling as headings. They must read as
	// paragraphs of the Indstilling section, so the splitter sees the lead-in and units.
	in := "<h4>Indstilling</h4>" +
		"<h4><em><span>Administrationen indstiller, at</span></em></h4>" +
		"<h4>1. aftale om driftstilskud med Greve\nHarmoniorkester 2023-2026 godkendes.</h4>" +
		"<p>2. underskudsgarantien bliver godkendt.</p>" +
		"<h4>Sagsbeskrivelse</h4><p>Tekst.</p>" +
		"<h3>Det bemærkes yderligere, at der vil være usikkerhed omkring budgettet, frem til projektet udbydes.</h3>" +
		"<h3>Kommunikation.</h3><p>Ingen.</p>" +
		"<table><tr><td><h3>650 m2</h3>brutto</td><td><h3>37,6 mio. kr.</h3></td></tr></table>"
	got, err := Sections(in)
	if err != nil {
		t.Fatal(err)
	}
	want := []agenda.Section{
		{Heading: "Indstilling", Text: "*Administrationen indstiller, at*\n\n1\\. aftale om driftstilskud med Greve Harmoniorkester 2023-2026 godkendes.\n\n2\\. underskudsgarantien bliver godkendt."},
		{Heading: "Sagsbeskrivelse", Text: "Tekst.\n\nDet bemærkes yderligere, at der vil være usikkerhed omkring budgettet, frem til projektet udbydes."},
		{Heading: "Kommunikation.", Text: "Ingen.\n\n| 650 m2 brutto | 37,6 mio. kr. |\n|---|---|"},
	}
	if len(got) != len(want) {
		t.Fatalf("got %d sections %q, want %d", len(got), got, len(want))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("section %d:\n got %q\nwant %q", i, got[i], want[i])
		}
	}
}

func TestSectionsEmpty(t *testing.T) {
	for _, in := range []string{"", "   ", "<div></div>", "<h3></h3>", "<!-- x -->"} {
		got, err := Sections(in)
		if err != nil || len(got) != 0 {
			t.Errorf("Sections(%q) = %q, %v; want none", in, got, err)
		}
	}
}

func TestTooDeep(t *testing.T) {
	in := strings.Repeat("<div>", 600) + "x"
	if _, err := ToMarkdown(in); err == nil {
		t.Error("600 nested <div>: want an error, got none")
	}
	if _, err := Sections(in); err == nil {
		t.Error("Sections: 600 nested <div>: want an error, got none")
	}
	// Nesting a real editor produces is fine.
	if got, err := ToMarkdown(strings.Repeat("<div>", 100) + "x"); err != nil || got != "x" {
		t.Errorf("100 nested <div>: %q, %v", got, err)
	}
}

func FuzzToMarkdown(f *testing.F) {
	for _, s := range []string{
		"", "<p>a</p>", "<h3>Beslutning</h3><p>Godkendt.</p>",
		"<div><meta charset=utf-8><title>t</title>x</div>",
		"<table><tr><td>a</td></tr></table>", "<ul><li>a<ul><li>b</li></ul></li></ul>",
		"&lt;script&gt;", "<p>&gt; x</p>", "<em><br></em>", "<a href='<x>'>y</a>",
		"<pre><code>&lt;b&gt;</code></pre>", "<code><b>x</b></code>", "<p>`<b>x</b>`</p>",
		"<img src=x alt='<b>'>", "\xff<p>\xfe</p>", "<h2><div><em><br></em></div></h2>",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		md, err := ToMarkdown(in)
		if err != nil {
			return
		}
		if strings.Contains(md, "\r") {
			t.Errorf("CR in output %q", md)
		}
		if strings.Contains(md, "\n\n\n") {
			t.Errorf("more than one blank line in %q", md)
		}
		if utf8.ValidString(in) && !utf8.ValidString(md) {
			t.Errorf("valid input gave invalid UTF-8 %q", md)
		}
		secs, err := Sections(in)
		if err != nil {
			t.Fatalf("ToMarkdown accepted %q but Sections failed: %v", in, err)
		}
		for _, s := range secs {
			if strings.TrimSpace(s.Text) == "" {
				t.Errorf("blank section %q", s)
			}
		}
		// Nothing that reads as HTML survives: not the input's tags, and not its text
		// ("&lt;b&gt;" is text, and stays "&lt;b>").
		if tagLike.MatchString(md) {
			t.Errorf("raw HTML in output %q of %q", md, in)
		}
		for _, s := range secs {
			if tagLike.MatchString(s.Text) {
				t.Errorf("raw HTML in section %q of %q", s, in)
			}
		}
	})
}

func BenchmarkToMarkdown(b *testing.B) {
	body := strings.Repeat("<h2>Sagsbeskrivelse</h2><p>Greve Kommune har modtaget en ans&oslash;gning om <em>tilskud</em> til projektet.<br>Se bilag.</p><ul><li>punkt et</li><li>punkt to</li></ul><table><tr><td>a</td><td>b</td></tr></table>", 40)
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		if _, err := Sections(body); err != nil {
			b.Fatal(err)
		}
	}
}
