package pdf

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"runtime/metrics"
	"strings"
	"sync"
	"testing"
	"time"
)

// fileBombPDF is a 0.7 MB PDF of 5,000 pages that all draw one deflated stream of 31 MB:
// each page stays under the bound on one page's content, and the file inflates to 155 GB.
func fileBombPDF() []byte {
	var b builder
	cs := b.deflated("", bytes.Repeat([]byte(" "), 31<<20))
	pages := b.reserve()
	var kids []string
	for range 5000 {
		kids = append(kids, fmt.Sprintf("%d 0 R", b.add(fmt.Sprintf("<< /Type /Page /Parent %d 0 R /Contents %d 0 R >>", pages, cs))))
	}
	b.set(pages, fmt.Sprintf("<< /Type /Pages /Kids [%s] /Count %d /MediaBox [0 0 595 842] >>", strings.Join(kids, " "), len(kids)))
	return b.bytes(b.add(fmt.Sprintf("<< /Type /Catalog /Pages %d 0 R >>", pages)), "")
}

// runsBombPDF is one page whose 200 KB stream draws four million pieces of text.
func runsBombPDF() []byte {
	var b builder
	cs := b.deflated("", append([]byte("BT /F1 1 Tf "), bytes.Repeat([]byte("(x) Tj "), 4<<20)...))
	pages := b.reserve()
	pg := b.add(fmt.Sprintf("<< /Type /Page /Parent %d 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 %s >> >> /Contents %d 0 R >>", pages, courier, cs))
	b.set(pages, fmt.Sprintf("<< /Type /Pages /Kids [%d 0 R] /Count 1 >>", pg))
	return b.bytes(b.add(fmt.Sprintf("<< /Type /Catalog /Pages %d 0 R >>", pages)), "")
}

var (
	bombOnce sync.Once
	bomb     []byte
)

func theBomb() []byte {
	bombOnce.Do(func() { bomb = fileBombPDF() })
	return bomb
}

// peakHeap runs f and returns the most heap it held while it ran, sampled every
// millisecond.
func peakHeap(f func()) uint64 {
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	var peak uint64
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		for {
			metrics.Read(sample)
			peak = max(peak, sample[0].Value.Uint64())
			select {
			case <-done:
				return
			case <-tick.C:
			}
		}
	}()
	f()
	close(done)
	wg.Wait()
	return peak
}

// TestContentBombs: a PDF that inflates without bound, by sharing one stream among
// thousands of pages or by drawing millions of pieces of text, is refused with one
// sentence, both when imported and when its text is extracted for an attachment, and
// the heap stays bounded meanwhile. (How fast: BenchmarkBomb.)
func TestContentBombs(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a 155 GB bomb")
	}
	for _, tt := range []struct {
		name string
		data []byte
		want string
	}{
		{"5,000 pages share one 31 MB stream", theBomb(), "møde.pdf is too large to read (its pages' content inflates beyond 128 MB)"},
		{"four million pieces of text", runsBombPDF(), "møde.pdf is too large to read (a page that draws more than 200000 pieces of text)"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if len(tt.data) > 1<<20 {
				t.Fatalf("the bomb is %d KB; it should be small", len(tt.data)>>10)
			}
			var err, pageErr error
			peak := peakHeap(func() {
				_, err = Parse("møde.pdf", tt.data)
				_, pageErr = PageTexts(tt.data)
			})
			if err == nil || err.Error() != tt.want || !errors.Is(err, ErrTooLarge) {
				t.Errorf("Parse: %v\nwant %s", err, tt.want)
			}
			if !errors.Is(pageErr, ErrTooLarge) || !strings.HasPrefix(pageErr.Error(), "the PDF is too large to read") {
				t.Errorf("PageTexts: %v", pageErr)
			}
			if peak > 200<<20 {
				t.Errorf("the heap reached %d MB", peak>>20)
			}
			t.Logf("peak heap %d MB", peak>>20)
		})
	}
}

// BenchmarkBomb: how long refusing the 155 GB bomb takes (budget: 2 s).
func BenchmarkBomb(b *testing.B) {
	data := theBomb()
	b.ResetTimer()
	for b.Loop() {
		if _, err := PageTexts(data); !errors.Is(err, ErrTooLarge) {
			b.Fatal(err)
		}
	}
	b.ReportMetric(b.Elapsed().Seconds()/float64(b.N), "s/refusal")
}

// xrefStreamPDF writes objects (numbered from 1) with a cross-reference stream, so that
// some of them can live in an object stream: stm maps an object to the object stream
// holding it. Streams are written as given, uncompressed.
func xrefStreamPDF(objs []string, stm map[int]int, root int) []byte {
	var out bytes.Buffer
	out.WriteString("%PDF-1.5\n")
	offsets := make([]int, len(objs)+1)
	for i, body := range objs {
		if _, in := stm[i+1]; in {
			continue
		}
		offsets[i+1] = out.Len()
		fmt.Fprintf(&out, "%d 0 obj\n%s\nendobj\n", i+1, body)
	}
	xref := len(objs) + 1
	var rows bytes.Buffer
	index := map[int]int{}
	for i := 0; i <= xref; i++ {
		switch s, in := stm[i]; {
		case i == 0:
			rows.Write([]byte{0, 0, 0, 0, 0, 0xff, 0xff})
		case in:
			rows.WriteByte(2)
			binary.Write(&rows, binary.BigEndian, uint32(s))
			binary.Write(&rows, binary.BigEndian, uint16(index[s]))
			index[s]++
		case i == xref:
			rows.WriteByte(1)
			binary.Write(&rows, binary.BigEndian, uint32(out.Len()))
			rows.Write([]byte{0, 0})
		default:
			rows.WriteByte(1)
			binary.Write(&rows, binary.BigEndian, uint32(offsets[i]))
			rows.Write([]byte{0, 0})
		}
	}
	at := out.Len()
	fmt.Fprintf(&out, "%d 0 obj\n<< /Type /XRef /Size %d /W [1 4 2] /Root %d 0 R /Length %d >>\nstream\n%s\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n",
		xref, xref+1, root, rows.Len(), rows.Bytes(), at)
	return out.Bytes()
}

// objStm is an object stream holding the objects numbered from first, with dict added
// to its dictionary.
func objStm(first int, dict string, objs ...string) string {
	var head, body strings.Builder
	for i, o := range objs {
		fmt.Fprintf(&head, "%d %d ", first+i, body.Len())
		body.WriteString(o + " ")
	}
	data := head.String() + body.String()
	return fmt.Sprintf("<< /Type /ObjStm /N %d /First %d %s /Length %d >>\nstream\n%s\nendstream", len(objs), head.Len(), dict, len(data), data)
}

// TestLibraryLoops: files that would send the library into recursion or a loop without
// end (a fatal stack overflow, beyond recover, or a hang) are refused as damaged.
func TestLibraryLoops(t *testing.T) {
	// The object stream 2 holds the page tree 3, and its own /N is object 3's value:
	// resolving 3 needs 2's /N, which needs 3.
	selfN := xrefStreamPDF([]string{
		"<< /Type /Catalog /Pages 3 0 R >>",
		strings.Replace(objStm(3, "", "4"), "/N 1", "/N 3 0 R", 1),
		"",
	}, map[int]int{3: 2}, 1)
	// The object stream 2 is said (by the cross-reference stream) to live in itself.
	selfStm := xrefStreamPDF([]string{
		"<< /Type /Catalog /Pages 3 0 R >>",
		objStm(3, "", "<< /Type /Pages /Kids [] /Count 0 >>"),
		"",
	}, map[int]int{2: 2, 3: 2}, 1)
	// The object stream extends itself.
	extends := xrefStreamPDF([]string{
		"<< /Type /Catalog /Pages 3 0 R >>",
		objStm(4, "/Extends 2 0 R", "<< /Type /Pages /Kids [] /Count 0 >>"),
		"",
	}, map[int]int{3: 2}, 1)
	// A stream whose /Length is an object inside an object stream whose /Length is that
	// same object.
	length := xrefStreamPDF([]string{
		"<< /Type /Catalog /Pages 4 0 R >>",
		strings.Replace(objStm(3, "", "99"), "/Length", "/Length 3 0 R /X", 1),
		"",
		"<< /Type /Pages /Kids [5 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 4 0 R /MediaBox [0 0 595 842] /Contents 6 0 R >>",
		"<< /Length 3 0 R >>\nstream\nBT ET\nendstream",
	}, map[int]int{3: 2}, 1)
	good := textPDF([]tline{{x: 72, y: 700, text: "Dagsorden"}})
	prevLoop := bytes.Replace(good, []byte("/Root"), []byte(fmt.Sprintf("/Prev %d /Root", bytes.LastIndex(good, []byte("\nxref\n"))+1)), 1)
	hugeTable := bytes.Replace(good, []byte("xref\n0 "), []byte("xref\n4000000000 1\n0000000000 65535 f \n0 "), 1)
	hugeSize := xrefStreamPDF([]string{"<< /Type /Catalog >>"}, nil, 1)
	hugeSize = bytes.Replace(hugeSize, []byte("/Size 3 "), []byte("/Size 900000000 "), 1)
	var wide builder
	cs := wide.stream("/DecodeParms << /Predictor 12 /Columns 2000000000000 >> /Filter /FlateDecode", []byte("x"))
	widePages := wide.reserve()
	wpg := wide.add(fmt.Sprintf("<< /Type /Page /Parent %d 0 R /MediaBox [0 0 595 842] /Contents %d 0 R >>", widePages, cs))
	wide.set(widePages, fmt.Sprintf("<< /Type /Pages /Kids [%d 0 R] /Count 1 >>", wpg))
	widePDF := wide.bytes(wide.add(fmt.Sprintf("<< /Type /Catalog /Pages %d 0 R >>", widePages)), "")
	var inflating builder
	huge := inflating.deflated("/Type /ObjStm /N 1 /First 4", append([]byte("3 0 "), bytes.Repeat([]byte(" "), 64<<20)...))
	_ = huge
	objBomb := inflating.bytes(inflating.add("<< /Type /Catalog >>"), "")

	for _, tt := range []struct {
		name string
		data []byte
		kind error
		want string
	}{
		{"an object stream's /N inside itself", selfN, ErrDamaged, "objects refer to themselves without end"},
		{"an object stream inside itself", selfStm, ErrDamaged, "møde.pdf is a damaged PDF"},
		{"an object stream that extends itself", extends, ErrDamaged, "møde.pdf is a damaged PDF"},
		{"a length inside the stream it measures", length, ErrDamaged, "møde.pdf is a damaged PDF"},
		{"cross-reference sections in a loop", prevLoop, ErrDamaged, "its cross-reference sections loop"},
		{"four billion objects in the table", hugeTable, ErrDamaged, "names more objects than any real file has"},
		{"nine hundred million objects in the stream", hugeSize, ErrDamaged, "names more objects than any real file has"},
		{"predictor rows of two trillion bytes", widePDF, ErrDamaged, "impossibly wide"},
		{"an object stream of 64 MB", objBomb, ErrTooLarge, "an object stream inflates beyond 16 MB"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("møde.pdf", tt.data)
			if err == nil || !errors.Is(err, tt.kind) || !strings.Contains(err.Error(), tt.want) || strings.Contains(err.Error(), "\n") {
				t.Errorf("Parse: %v\nwant kind %v and %q", err, tt.kind, tt.want)
			}
			if _, err := PageTexts(tt.data); err == nil || !errors.Is(err, tt.kind) {
				t.Errorf("PageTexts: %v", err)
			}
		})
	}
}
