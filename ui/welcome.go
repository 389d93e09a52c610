package ui

import "strings"

// welcomeView is the first-run screen of an empty store: how to import a file or add a
// source, and the bundled example: on enter in a throw-away store, on i in the member's
// own.
func welcomeView(c *Common, w, h int, openExample, keepExample, loading bool) string {
	st, t := c.Styles, c.T
	tw := max(min(w-4, 76), 10)
	var lines []string
	add := func(style func(...string) string, text string) {
		for _, l := range wrapText(text, tw) {
			lines = append(lines, "  "+style(l))
		}
	}
	lines = append(lines, "")
	add(st.Title.Render, t.WelcomeTitle)
	lines = append(lines, "")
	add(st.NoteText.Render, t.WelcomeIntro)
	lines = append(lines, "")
	add(st.Heading.Render, t.WelcomeImportHead)
	add(st.NoteText.Render, t.WelcomeImport)
	lines = append(lines, "")
	add(st.Heading.Render, t.WelcomeSourceHead)
	add(st.NoteText.Render, t.WelcomeSource)
	lines = append(lines, "")
	switch {
	case loading:
		add(st.Status.Render, t.WelcomeLoadingExample)
	default:
		if openExample {
			add(st.Bold.Render, t.WelcomeExample)
		}
		if keepExample {
			add(st.NoteText.Render, t.WelcomeKeepExample)
		}
	}
	add(st.Subtle.Render, t.WelcomeQuit)
	if len(lines) > h {
		lines = lines[:h]
	}
	return strings.Join(lines, "\n")
}
