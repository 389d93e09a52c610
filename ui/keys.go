package ui

import "charm.land/bubbles/v2/key"

// KeyMap is every binding of the reading room. The help screen and the footer are built
// from it, so what the UI does and what it says it does cannot drift apart.
type KeyMap struct {
	Up, Down, Open, Back, Tab, Top, Bottom, PageUp, PageDown key.Binding

	NextRec, PrevRec, NewNote, EditNote, Stance, Attachment, DeleteNote key.Binding

	Filter, Body, Today key.Binding

	Formoede, Disagree, NoPosition, NextConflict, Resolve, Brief, Diff, Sync, Text, CopyID key.Binding

	Save, Cancel, NextField, PrevField, CycleStance, ToggleGroup key.Binding

	Yes, No key.Binding

	Search, Help, Quit, ForceQuit key.Binding
	// KeepExample imports the example into the member's store (the welcome screen).
	KeepExample key.Binding
	// HelpAnywhere opens the help where ? is text (the note editor, the search field).
	HelpAnywhere key.Binding
}

// DefaultKeyMap is the key map of issue 3, with help texts from the catalogue.
func DefaultKeyMap(t *Catalog) KeyMap {
	b := func(help, desc string, keys ...string) key.Binding {
		return key.NewBinding(key.WithKeys(keys...), key.WithHelp(help, desc))
	}
	return KeyMap{
		Up:       b("↑/k", t.KeyUp, "up", "k"),
		Down:     b("↓/j", t.KeyDown, "down", "j"),
		Open:     b("enter/→/l", t.KeyOpen, "enter", "right", "l"),
		Back:     b("esc/←/h", t.KeyBack, "esc", "left", "h"),
		Tab:      b("tab", t.KeyTab, "tab", "shift+tab"),
		Top:      b("g", t.KeyTop, "g", "home"),
		Bottom:   b("G", t.KeyBottom, "G", "end"),
		PageUp:   b("pgup", t.KeyPageUp, "pgup"),
		PageDown: b("pgdn", t.KeyPageDown, "pgdown", "space"),

		NextRec:    b("]", t.KeyNextRec, "]"),
		PrevRec:    b("[", t.KeyPrevRec, "["),
		NewNote:    b("n", t.KeyNewNote, "n"),
		EditNote:   b("e", t.KeyEditNote, "e"),
		Stance:     b("s", t.KeyStance, "s"),
		Attachment: b("o", t.KeyAttachment, "o"),
		DeleteNote: b("x", t.KeyDeleteNote, "x"),

		Filter: b("f", t.KeyFilter, "f"),
		Body:   b("b", t.KeyBody, "b"),
		Today:  b(".", t.KeyToday, "."),

		Formoede:     b("F", t.KeyFormoede, "F"),
		Disagree:     b("u", t.KeyDisagree, "u"),
		NoPosition:   b("i", t.KeyNoPosition, "i"),
		NextConflict: b("c", t.KeyNextConflict, "c"),
		Resolve:      b("r", t.KeyResolve, "r"),
		Brief:        b("B", t.KeyBrief, "B"),
		Diff:         b("d", t.KeyDiff, "d"),
		Sync:         b("S", t.KeySync, "S"),
		Text:         b("t", t.KeyText, "t"),
		CopyID:       b("y", t.KeyCopyID, "y"),

		Save:        b("ctrl+s", t.KeySave, "ctrl+s"),
		Cancel:      b("esc", t.KeyCancel, "esc"),
		NextField:   b("tab", t.KeyNextField, "tab"),
		PrevField:   b("shift+tab", t.KeyNextField, "shift+tab"),
		CycleStance: b("ctrl+t", t.KeyCycleStance, "ctrl+t"),
		ToggleGroup: b("ctrl+g", t.KeyToggleGroup, "ctrl+g"),

		Yes: b("j/y", t.KeyYes, "j", "y"),
		No:  b("n", t.KeyNo, "n", "esc"),

		Search:       b("/", t.KeySearch, "/"),
		Help:         b("?", t.KeyHelp, "?"),
		HelpAnywhere: b("f1", t.KeyHelp, "f1"),
		Quit:         b("q", t.KeyQuit, "q"),
		KeepExample:  b("i", t.KeyKeepExample, "i"),
		ForceQuit:    b("ctrl+c", t.KeyForceQuit, "ctrl+c"),
	}
}

// helpGroups is the full help: every binding, grouped by where it applies.
func (k KeyMap) helpGroups(t *Catalog) []helpGroup {
	return []helpGroup{
		{t.HelpNavigation, []key.Binding{k.Up, k.Down, k.Open, k.Back, k.Tab, k.Top, k.Bottom, k.PageUp, k.PageDown}},
		{t.HelpItem, []key.Binding{k.NextRec, k.PrevRec, k.NewNote, k.EditNote, k.Stance, k.Attachment, k.DeleteNote, k.Diff, k.Text, k.CopyID}},
		{t.HelpMeetings, []key.Binding{k.Filter, k.Body, k.Today, k.Sync}},
		{t.HelpFormoede, []key.Binding{k.Formoede, k.Disagree, k.NoPosition, k.NextConflict, k.Resolve, k.Brief}},
		{t.HelpEditor, []key.Binding{k.Save, k.Cancel, k.NextField, k.CycleStance, k.ToggleGroup}},
		{t.HelpGeneral, []key.Binding{k.Search, k.Help, k.Quit, k.ForceQuit}},
	}
}

type helpGroup struct {
	Title    string
	Bindings []key.Binding
}
