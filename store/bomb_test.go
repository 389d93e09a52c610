package store_test

import (
	"bytes"
	"compress/zlib"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/dagsorden/dagsorden/agenda"
	"github.com/dagsorden/dagsorden/store"
)

// bombPDF is a 0.7 MB PDF of 5,000 pages that all draw one deflated stream of 31 MB of
// spaces: each page is small enough on its own, the file inflates to 155 GB.
func bombPDF(t testing.TB) []byte {
	t.Helper()
	var z bytes.Buffer
	zw := zlib.NewWriter(&z)
	zw.Write(bytes.Repeat([]byte(" "), 31<<20))
	zw.Close()
	var b bytes.Buffer
	var offsets []int
	obj := func(s string) int {
		offsets = append(offsets, b.Len())
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", len(offsets), s)
		return len(offsets)
	}
	b.WriteString("%PDF-1.4\n")
	obj("<< /Type /Catalog /Pages 2 0 R >>")
	const n = 5000
	kids := make([]string, n)
	for i := range kids {
		kids[i] = fmt.Sprintf("%d 0 R", 4+i)
	}
	obj(fmt.Sprintf("<< /Type /Pages /Kids [%s] /Count %d /MediaBox [0 0 595 842] >>", strings.Join(kids, " "), n))
	obj(fmt.Sprintf("<< /Length %d /Filter /FlateDecode >>\nstream\n%s\nendstream", z.Len(), z.Bytes()))
	for range n {
		obj("<< /Type /Page /Parent 2 0 R /Contents 3 0 R >>")
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(offsets)+1)
	for _, o := range offsets {
		fmt.Fprintf(&b, "%010d 00000 n \n", o)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(offsets)+1, xref)
	return b.Bytes()
}

// A PDF bomb as an attachment (an SBSYS enclosure, a synced attachment: both reach the
// store as content) does not stop or stall the import: the meeting and the content are
// stored, and the attachment's text is refused with the sentence saying why.
// (How long the refusal takes: BenchmarkImportBombAttachment.)
func TestImportWithAPDFBombAttachment(t *testing.T) {
	st, err := store.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	bomb := bombPDF(t)
	m := bombMeeting(bomb)
	if _, err := st.Import(agenda.Package{Meetings: []agenda.Meeting{m}}); err != nil {
		t.Fatalf("the import failed on a PDF bomb attachment: %v", err)
	}
	sum := m.Items[0].Attachments[0].SHA256
	_, err = st.AttachmentText(sum)
	if !errors.Is(err, store.ErrNoText) || !strings.Contains(err.Error(), "too large") {
		t.Fatalf("the bomb's text: %v; want it refused as too large", err)
	}
	got, err := st.Attachment(sum)
	if err != nil || !bytes.Equal(got, bomb) {
		t.Fatalf("the bomb's content is not stored as it came: %v", err)
	}
}

func bombMeeting(bomb []byte) agenda.Meeting {
	sum := sha256.Sum256(bomb)
	m := agenda.Meeting{
		Body: agenda.Body{Name: "Økonomiudvalget"}, Kind: agenda.KindAgenda,
		Start:  time.Date(2026, 12, 10, 16, 0, 0, 0, agenda.Copenhagen),
		Source: agenda.Source{Format: "test"},
		Items: []agenda.Item{
			{Number: "1", Title: "Budgetopfølgning", Attachments: []agenda.Attachment{{
				Title: "Bilag 1", FileName: "bilag.pdf", MediaType: "application/pdf",
				Size: int64(len(bomb)), SHA256: hex.EncodeToString(sum[:]), Content: bomb,
			}}},
			{Number: "2", Title: "Eventuelt"},
		},
	}
	agenda.AssignIDs(&m)
	return m
}

func BenchmarkImportBombAttachment(b *testing.B) {
	bomb := bombPDF(b)
	for b.Loop() {
		st, err := store.Open(b.TempDir())
		if err != nil {
			b.Fatal(err)
		}
		if _, err := st.Import(agenda.Package{Meetings: []agenda.Meeting{bombMeeting(bomb)}}); err != nil {
			b.Fatal(err)
		}
		st.Close()
	}
}
