package ui

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/dagsorden/dagsorden/agenda"
	"github.com/dagsorden/dagsorden/agenda/importer"
	"github.com/dagsorden/dagsorden/internal/shared"
)

// samplePackages imports the public agendas beside the checkout: the KKR agenda, every
// ESDH sample and every tenth Greve meeting (all 288 take too long for every test run).
func samplePackages(t *testing.T) []agenda.Package {
	t.Helper()
	files := []string{shared.Path(t, "seeds", "001_147b9d108b7927a9.txt")}
	greve, _ := filepath.Glob(shared.Path(t, "samples", "firstagenda", "greve", "*.json"))
	for i := 0; i < len(greve); i += 10 {
		files = append(files, greve[i])
	}
	for _, dir := range []string{"sbsys", "acadre", "edoc-fujitsu"} {
		more, _ := filepath.Glob(shared.Path(t, "samples", dir, "*"))
		files = append(files, more...)
	}
	var out []agenda.Package
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			continue // a folder or a README
		}
		p, err := importer.Parse(filepath.Base(f), data)
		if err != nil {
			continue // not an agenda (a README); the importers' own tests cover errors
		}
		out = append(out, p)
	}
	if len(out) < 20 {
		t.Fatalf("only %d sample packages imported", len(out))
	}
	return out
}

// On real agendas, every item's recommendations are drawn in place inside the section
// they were split from, never appended after a section shown whole (which would show
// the text twice).
func TestRecommendationsSitInTheirSectionOnRealAgendas(t *testing.T) {
	items := 0
	for _, p := range samplePackages(t) {
		for _, m := range p.Meetings {
			for _, it := range m.Items {
				if len(it.Recommendations) == 0 {
					continue
				}
				items++
				ok := false
				for _, sec := range it.Sections {
					if agenda.IsRecommendationHeading(sec.Heading) {
						if _, fits := splitIndstilling(sec.Text, it.Recommendations); fits {
							ok = true
						}
					}
				}
				if !ok {
					t.Errorf("%s item %s %q: no Indstilling section holds its %d recommendations", m.Body.Name, it.Number, it.Title, len(it.Recommendations))
				}
			}
		}
	}
	if items < 100 {
		t.Fatalf("only %d items with recommendations: the test proves little", items)
	}
	t.Logf("%d items with recommendations", items)
}

// Every item of the KKR agenda opens, selects each recommendation and fits 60 columns.
func TestSeedItemsOpenAtSixtyColumns(t *testing.T) {
	data, err := os.ReadFile(shared.Path(t, "seeds", "001_147b9d108b7927a9.txt"))
	if err != nil {
		t.Skip(err)
	}
	p, err := importer.Parse("001.txt", data)
	if err != nil {
		t.Fatal(err)
	}
	st := openStore(t)
	if _, err := st.Import(p); err != nil {
		t.Fatal(err)
	}
	d := newDriver(t, st, Options{}, 60, 24)
	d.keys("enter")
	for i, it := range p.Meetings[0].Items {
		d.m.top().(*agendaScreen).selectItem(it.ID)
		d.keys("enter")
		d.mustSee(it.Number)
		for range it.Recommendations {
			d.keys("]")
			checkFrame(t, d.m.View().Content, 60, 24)
		}
		if n := len(it.Recommendations); n > 0 {
			d.mustSee("▶")
		}
		d.keys("G")
		checkFrame(t, d.m.View().Content, 60, 24)
		d.keys("esc")
		if t.Failed() {
			t.Fatalf("item %d (%s):\n%s", i, it.Number, d.view())
		}
	}
}

// The search acceptance through the screen: on the KKR agenda "sundhedsklynger"
// ranks item 3.5 first, and enter opens it.
func TestSearchSeedSundhedsklynger(t *testing.T) {
	data, err := os.ReadFile(shared.Path(t, "seeds", "001_147b9d108b7927a9.txt"))
	if err != nil {
		t.Skip(err)
	}
	p, err := importer.Parse("001.txt", data)
	if err != nil {
		t.Fatal(err)
	}
	st := openStore(t)
	if _, err := st.Import(p); err != nil {
		t.Fatal(err)
	}
	d := newDriver(t, st, Options{}, 120, 30)
	d.keys("/")
	d.typeText("sundhedsklynger")
	s := d.m.top().(*searchScreen)
	if len(s.hits) == 0 || s.hits[0].ItemID == "" {
		t.Fatalf("no item hit:\n%s", d.view())
	}
	d.mustSee("3.5 Temadrøftelse om sundhedsområdet")
	d.keys("enter")
	d.mustSee("3.5  Temadrøftelse om sundhedsområdet og samarbejdet i sundhedsklyngerne")
}
