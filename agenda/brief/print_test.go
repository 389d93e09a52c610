package brief

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/dagsorden/dagsorden/agenda"
)

// longMeeting is a 38-item council meeting, each item with two or three recommendations
// of ordinary length, like a city council agenda.
func longMeeting() *agenda.Meeting {
	m := &agenda.Meeting{ID: "m38", Body: agenda.Body{Name: "Kommunalbestyrelsen"}, Title: "Dagsorden",
		Start: time.Date(2024, 6, 20, 17, 0, 0, 0, agenda.Copenhagen), Location: "Byrådssalen, Rådhuset"}
	for i := range 38 {
		it := agenda.Item{ID: fmt.Sprintf("i%02d", i+1), Number: strconv.Itoa(i + 1),
			Title:      fmt.Sprintf("Budgetopfølgning %d for 2024 – drift og anlæg på det tekniske område", i%4),
			CaseNumber: fmt.Sprintf("24/%05d", 1200+i), Closed: i >= 35}
		for r := range 2 + i%2 {
			it.Recommendations = append(it.Recommendations, agenda.Recommendation{Index: r,
				Text: "at kommunalbestyrelsen godkender forvaltningens forslag til omplacering af budgetmidler mellem driftsområderne, herunder en tillægsbevilling på 1,2 mio. kr. finansieret af kassebeholdningen"})
		}
		m.Items = append(m.Items, it)
	}
	return m
}

// A 38-item meeting with three notes prints on at most six A4 pages, measured the way a
// member prints it: the HTML brief through Chromium's print-to-PDF, pages counted by
// pdfinfo. Before the brief flowed continuously, every item began a new page (38+).
func TestBriefOf38ItemsPrintsOnFewPages(t *testing.T) {
	chromium, err := exec.LookPath("chromium")
	if err != nil {
		if chromium, err = exec.LookPath("chromium-browser"); err != nil {
			t.Skip("no chromium here: the print test needs headless Chromium (Debian package chromium)")
		}
	}
	pdfinfo, err := exec.LookPath("pdfinfo")
	if err != nil {
		t.Skip("no pdfinfo here (Debian package poppler-utils)")
	}
	m := longMeeting()
	on := func(item, author string, r int, s agenda.Stance, text string) Note {
		return Note{Note: agenda.Note{ID: item + author, Author: author, Stance: s, Text: text, Visibility: agenda.Group,
			Anchor: agenda.Anchor{ItemID: item, Recommendation: &r}, Updated: m.Start.Add(-24 * time.Hour)}}
	}
	in := Input{Meeting: m, Group: "A-gruppen", Members: []string{"Anne", "Bo", "Carl", "Dorte", "Eva"},
		Notes: []Note{
			on("i03", "Anne", 0, agenda.StanceFor, "Vi støtter, men **spørg** til kassebeholdningen."),
			on("i17", "Bo", 1, agenda.StanceAgainst, "For dyrt i år."),
			on("i30", "Carl", 0, agenda.StanceQuestion, "Hvad betyder det for vejvedligeholdet?"),
		},
		Generated: m.Start.Add(-3 * time.Hour)}
	page, err := HTML(in)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	src, pdf := filepath.Join(dir, "brief.html"), filepath.Join(dir, "brief.pdf")
	if err := os.WriteFile(src, page, 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
		"--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--user-data-dir="+filepath.Join(dir, "profile"), "--no-pdf-header-footer",
		"--print-to-pdf="+pdf, "file://"+src)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("chromium --print-to-pdf: %v\n%s", err, out)
	}
	out, err := exec.CommandContext(ctx, pdfinfo, pdf).Output()
	if err != nil {
		t.Fatalf("pdfinfo: %v", err)
	}
	mt := regexp.MustCompile(`(?m)^Pages:\s+(\d+)`).FindSubmatch(out)
	if mt == nil {
		t.Fatalf("pdfinfo says no page count:\n%s", out)
	}
	pages, _ := strconv.Atoi(string(mt[1]))
	t.Logf("38 items, 3 notes: %d A4 pages", pages)
	if pages > 6 {
		t.Errorf("the brief of a 38-item meeting with 3 notes prints on %d pages; want at most 6", pages)
	}
	if pages < 1 {
		t.Error("the printed brief has no pages")
	}
}
