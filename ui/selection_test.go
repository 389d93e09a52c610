package ui

import (
	"strings"
	"testing"

	uv "github.com/charmbracelet/ultraviolet"
	"github.com/charmbracelet/x/ansi"
)

// The selected row of every list is highlighted across the screen's full width, with
// colour and without: checked on the cells a terminal would show (the view parsed by
// ultraviolet, the screen model Bubble Tea draws with), not on the text. Inner styles
// end with a reset, which used to cancel the bar after the first styled word.
func TestSelectedRowIsHighlightedAcrossItsWidth(t *testing.T) {
	scenes := []struct {
		name  string
		store func(t testing.TB) Store
		keys  []string
		text  string
	}{
		{"meetings", func(t testing.TB) Store { return exampleStore(t) }, nil, ""},
		{"documents", func(t testing.TB) Store { return fixtureStore(t) }, []string{"tab"}, ""},
		{"agenda", func(t testing.TB) Store { return exampleStore(t) }, []string{"enter", "j"}, ""},
		{"search", func(t testing.TB) Store { return fixtureStore(t) }, []string{"/"}, "skole"},
		{"watch", func(t testing.TB) Store { return watchStore(t) }, []string{"k"}, ""},
	}
	for _, sc := range scenes {
		for _, noColor := range []bool{false, true} {
			for _, w := range []int{60, 100, 200} {
				name := sc.name + map[bool]string{false: "/colour", true: "/no-colour"}[noColor]
				d := newDriver(t, sc.store(t), Options{NoColor: noColor}, w, 40)
				d.keys(sc.keys...)
				if sc.text != "" {
					d.typeText(sc.text)
					d.settle()
					d.keys("down")
				}
				view := d.m.View().Content
				buf := uv.NewScreenBuffer(w, 40)
				uv.NewStyledString(view).Draw(buf, buf.Bounds())
				lines := strings.Split(view, "\n")
				rows := 0
				for y, l := range lines {
					plain := ansi.Strip(l)
					if !strings.Contains(plain, "›") || strings.Contains(plain, "dagsorden ›") {
						continue // not the selected row (the header's breadcrumb uses › too)
					}
					rows++
					for x := 0; x < w; x++ {
						c := buf.CellAt(x, y)
						if c == nil {
							continue // the second half of a wide character
						}
						lit := c.Style.Bg != nil
						if noColor {
							lit = c.Style.Attrs&uv.AttrReverse != 0
						}
						if !lit {
							t.Errorf("%s at %d columns: the selected row is not highlighted at column %d:\n%q", name, w, x, plain)
							break
						}
					}
				}
				if rows == 0 {
					t.Errorf("%s at %d columns: no selected row on screen:\n%s", name, w, ansi.Strip(view))
				}
			}
		}
	}
}
