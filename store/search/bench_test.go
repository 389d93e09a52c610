package search

import (
	"strings"
	"testing"
)

// item is about 4 KB of an agenda item's Markdown, as the importers write it.
var item = strings.Repeat("### Sagsfremstilling\n\nKommunalbestyrelsen besluttede i foråret at igangsætte en analyse af kapaciteten på området. "+
	"Analysen viser, at behovet for pladser vil stige med ca. 8 procent frem mod 2030. Lokalplanforslaget giver mulighed for at opføre "+
	"op til 120 boliger i to til fire etager. **Ændringen** medfører en årlig besparelse på ca. 1,2 mio. kr. fra og med budgetåret 2026. "+
	"Se [bilag 2](https://example.dk/b.pdf).\n\n- Handicaprådet og Ældrerådet er hørt\n- Sagen sendes i høring i otte uger\n\n", 6)

// BenchmarkTerms: what indexing an item costs in this package (Markdown to plain text,
// words, stems), per item of about 4 KB.
func BenchmarkTerms(b *testing.B) {
	a := NewAnalyzer()
	n := 0
	b.SetBytes(int64(len(item)))
	for b.Loop() {
		a.Terms(Plain(item), func(string, Token) { n++ })
	}
}

// BenchmarkSnippet: a snippet of a 4 KB item for a two-word query.
func BenchmarkSnippet(b *testing.B) {
	a := NewAnalyzer()
	m := a.Matcher(a.ParseQuery("budgetåret besparelse"))
	text := Plain(item)
	b.SetBytes(int64(len(text)))
	for b.Loop() {
		m.Snippet(text, 160)
	}
}
