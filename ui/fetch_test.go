package ui

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"

	"github.com/dagsorden/dagsorden/agenda"
	"github.com/dagsorden/dagsorden/store"
)

// siteFetcher stands for the sync: it reports progress, waits until the test lets it
// finish, and stores the content in the real store as the sync does.
type siteFetcher struct {
	st      *store.Store
	content []byte
	release chan struct{}
	calls   int
	fail    error
}

func (f *siteFetcher) FetchAttachment(ctx context.Context, meetingID, itemID, attachmentID string, progress func(got, total int64)) (agenda.Attachment, error) {
	f.calls++
	total := int64(len(f.content))
	progress(total/3, total)
	if f.release != nil {
		<-f.release
	}
	if f.fail != nil {
		return agenda.Attachment{Title: "Høringssvar fra MED-udvalg og Ældrerådet"}, f.fail
	}
	progress(total, total)
	return f.st.PutAttachmentContent(itemID, attachmentID, f.content)
}

func TestOpeningANotDownloadedAttachmentFetchesIt(t *testing.T) {
	st := exampleStore(t)
	content := append([]byte("%PDF-1.4\n"), make([]byte, 300<<10)...)
	f := &siteFetcher{st: st, content: content, release: make(chan struct{})}
	d := newDriver(t, st, Options{Fetcher: f}, 120, 40)
	d.keys("enter", "j", "enter") // item 2: three attachments the sync left for later
	d.keys("o")
	d.mustSee("Vælg bilag", "ikke hentet · https://dagsordene")

	// enter on the second: its fetch starts; run the command by hand to look in between.
	_, cmd := d.m.Update(press("j"))
	d.exec(cmd)
	_, cmd = d.m.Update(press("enter"))
	// The batch: the fetch (blocked in the fetcher until released), the wait for its
	// reports, a status timer. Run them side by side and look at the screen when the
	// first report is in.
	msgs := make(chan tea.Msg, 32)
	var spawn func(tea.Cmd)
	spawn = func(c tea.Cmd) {
		go func() {
			msg := c()
			if b, ok := msg.(tea.BatchMsg); ok {
				for _, c := range b {
					if c != nil {
						spawn(c)
					}
				}
				return
			}
			msgs <- msg
		}()
	}
	spawn(cmd)
	var next tea.Cmd
	for next == nil {
		msg := <-msgs
		if _, ok := msg.(fetchWaitMsg); ok {
			_, next = d.m.Update(msg) // next waits for the following report: held back
			continue
		}
		d.deliver(msg)
	}
	d.mustSee("Henter Høringssvar fra MED-udvalg og Ældrerådet … 100 KB af 300 KB")
	close(f.release)
	d.exec(next)
	if f.calls != 1 || len(d.opened) != 1 {
		t.Fatalf("%d fetches, opened %v; want the fetched attachment opened once", f.calls, d.opened)
	}
	data, err := os.ReadFile(d.opened[0])
	os.Remove(d.opened[0])
	if err != nil || len(data) != len(content) {
		t.Fatalf("the viewer got %d bytes, %v", len(data), err)
	}
	// Stored now: the list says so once the store's change is seen, and o opens it
	// without fetching.
	d.poll()
	d.keys("o")
	if v := d.view(); strings.Count(v, "ikke hentet ·") != 2 {
		t.Fatalf("after the fetch the picker should list two not downloaded:\n%s", v)
	}
	d.keys("j", "enter")
	if f.calls != 1 || len(d.opened) != 2 {
		t.Fatalf("opening it again: %d fetches, %d opened", f.calls, len(d.opened))
	}
	os.Remove(d.opened[1])
}

func TestTextOfANotDownloadedAttachmentAndAFailedFetch(t *testing.T) {
	st := exampleStore(t)
	f := &siteFetcher{st: st, content: onePagePDF("Vejbump og fartdaempning ved skolen.")}
	d := newDriver(t, st, Options{Fetcher: f}, 120, 40)
	d.keys("enter", "j", "enter", "t", "j", "t")
	if f.calls != 1 {
		t.Fatalf("%d fetches for t", f.calls)
	}
	d.mustSee("Bilagets tekst: Høringssvar", "Vejbump og fartdaempning ved skolen.")

	f.fail = errors.New("dagsordener.fjordby.dk sent no answer within 15 s")
	d.keys("esc", "t", "t") // the first attachment, still not downloaded
	if f.calls != 2 {
		t.Fatalf("%d fetches", f.calls)
	}
	if v := d.view(); !strings.Contains(v, "kunne ikke hentes") {
		t.Fatalf("a failed fetch is not told:\n%s", v)
	}
	// Without a fetcher, the address is shown as before.
	e := newDriver(t, exampleStore(t), Options{}, 120, 40)
	e.keys("enter", "j", "enter", "o", "enter")
	e.mustSee("ligger ikke lokalt")
}

// onePagePDF is a real one-page PDF with line as its text: what the fetcher brings.
func onePagePDF(line string) []byte {
	var b strings.Builder
	var offs []int
	obj := func(body string) {
		offs = append(offs, b.Len())
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", len(offs), body)
	}
	b.WriteString("%PDF-1.4\n")
	stream := "BT /F1 11 Tf 72 760 Td (" + line + ") Tj ET"
	obj("<< /Type /Catalog /Pages 2 0 R >>")
	obj("<< /Type /Pages /Kids [4 0 R] /Count 1 >>")
	obj("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
	obj("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 3 0 R >> >> /Contents 5 0 R >>")
	obj(fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(stream), stream))
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(offs)+1)
	for _, o := range offs {
		fmt.Fprintf(&b, "%010d 00000 n \n", o)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(offs)+1, xref)
	return []byte(b.String())
}
