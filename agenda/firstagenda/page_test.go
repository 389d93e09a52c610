package firstagenda

import (
	"os"
	"strings"
	"testing"
)

// The fixture follows the structure of a FirstAgenda meeting page as saved from a browser
// (the markup of dagsordener.aarhus.dk's pages, as the public scraper GitHub
// jakobmwang/dagsordener keeps in data/test/example_minutes.html; that repository has no
// licence, so its file is not copied): three rows, two open with decisions, one closed.
func TestSavedPage(t *testing.T) {
	data, err := os.ReadFile("testdata/page/referat.html")
	if err != nil {
		t.Fatal(err)
	}
	if !SniffPage(data) || Sniff(data) {
		t.Fatal("sniff")
	}
	p, err := ParsePage("referat.html", data)
	if err != nil {
		t.Fatal(err)
	}
	m := p.Meetings[0]
	if m.Body.Name != "Teknisk Udvalg" || m.Kind != "referat" || m.Start.Format("2006-01-02 15:04") != "2025-10-06 15:00" ||
		m.Location != "Rådhuset, lokale 390" || m.Source.Site != "https://dagsordener.aarhus.dk" {
		t.Errorf("meeting %+v", m)
	}
	if len(m.Items) != 3 {
		t.Fatalf("%d items", len(m.Items))
	}
	one, two, three := m.Items[0], m.Items[1], m.Items[2]
	if one.Decision != "Ingen bemærkninger." || one.CaseNumber != "EMN-2025-010561" || len(one.Attachments) != 1 {
		t.Errorf("item 1 %+v", one)
	}
	if len(two.Recommendations) != 2 || !strings.HasPrefix(two.Recommendations[1].Text, "At 2) Byrådet godkender udviklingsplanen") {
		t.Errorf("item 2 recommendations %+v", two.Recommendations)
	}
	if !strings.Contains(two.Decision, "Et flertal") || strings.Contains(two.Decision, "høring") {
		t.Errorf("item 2 decision %q", two.Decision)
	}
	if a := two.Attachments; len(a) != 2 || !strings.HasPrefix(a[0].URL, "https://dagsordener.aarhus.dk/vis/pdf/bilag/94551d83") || a[1].FileName != "Bilag 1 Udviklingsplan.pdf" {
		t.Errorf("item 2 attachments %+v", a)
	}
	if !three.Closed || three.Title != "Køb af ejendom" || three.Number != "3" {
		t.Errorf("item 3 %+v", three)
	}
}

func FuzzParsePage(f *testing.F) {
	data, err := os.ReadFile("testdata/page/referat.html")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(data)
	f.Add([]byte(`<table id="dagsordenDetaljer"><tr class="punktrow"><td><span class="label">1</span></td><td><h2 class="overskrift">Lukket: x</h2><a class="bilag-link" href="../x.pdf">b</a></td></tr></table><span class="udvalg">U</span><span class="dato">1. maj 2020 kl. 10.00</span>`))
	f.Fuzz(func(t *testing.T, data []byte) {
		if !SniffPage(data) {
			return
		}
		p, err := ParsePage("fuzz.html", data)
		if err == nil && len(p.Meetings) != 1 {
			t.Fatal("success without a meeting")
		}
	})
}
