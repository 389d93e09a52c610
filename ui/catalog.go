package ui

import (
	"fmt"
	"strings"
	"time"

	"github.com/dagsorden/dagsorden/agenda"
)

// Catalog holds every string the reading room shows, in one language. Screens never spell
// a word themselves; a new string goes here, in both languages.
type Catalog struct {
	Lang string

	AppName, Loading, NotAvailable string

	// Welcome (empty store).
	WelcomeTitle, WelcomeIntro, WelcomeImportHead, WelcomeImport, WelcomeSourceHead,
	WelcomeSource, WelcomeExample, WelcomeKeepExample, WelcomeLoadingExample, WelcomeQuit string

	// Meetings and reading material.
	MeetingsTab, DocumentsTab, Upcoming, Past, AllBodies, FilterLabel, NoMeetings,
	NoDocuments, NoMeetingsForBody, Premeeting, Undated string
	// The list filter and pickers.
	FilterPrompt, FilterPlaceholder, FilterNothing, Of, BodyPick, NoMeetingsMatch string
	Kinds                                                                         map[agenda.Kind]string

	// Counts: singular and plural.
	Items, Unread, Changed, Annotated, Notes, Recs, Attachments [2]string

	// Agenda.
	ItemClosed, NoItems, AgendaLegend string

	// Item.
	Recommendation, RecShort, Decision, AttachmentsHead, NoNotes, NotesHead, ItemNote,
	MyStance, SelectRecFirst, NoAttachments, AttachmentPick, AttachmentOpening,
	AttachmentAddress, AttachmentNoAddress, ChangedSinceRead, CaseLabel, ItemUpdated,
	ItemGone, PlainUntilRendered string

	// Notes.
	Orphans, OrphansIntro string

	Private, Group, StatusChanged, StatusOrphaned, Unsaved, Saving, NoteSaved,
	NoteDeleted, ConfirmDelete, EmptyNote, StanceSaved string
	Stances map[agenda.Stance]string

	// Editor.
	NewNoteTitle, EditNoteTitle, StanceLabel, VisibilityLabel, EditorPlaceholder,
	ConfirmDiscard string

	// Search.
	SearchTitle, SearchPlaceholder, SearchNone, SearchUnavailable string
	// Search within the open meeting or in all, the count of hits and how many more.
	SearchPlaceholderMeeting, SearchInMeeting, SearchInAll, SearchMore, KeySearchAll,
	KeySearchMeeting string
	SearchHits [2]string

	HitKinds map[string]string
	Page     string // "s. %d"

	// Help.
	HelpTitle, HelpNavigation, HelpItem, HelpMeetings, HelpEditor, HelpGeneral,
	HelpMarkers, HelpMouse, HelpClose string
	Markers [][2]string

	// Keys: the help text of each binding.
	KeySelect, KeyUp, KeyDown, KeyOpen, KeyBack, KeyTab, KeyTop, KeyBottom, KeyPageUp, KeyPageDown,
	KeyNextRec, KeyPrevRec, KeySearch, KeyNewNote, KeyEditNote, KeyStance, KeyAttachment,
	KeyDeleteNote, KeyFilter, KeyBody, KeyToday, KeyChoose, KeyClear, KeyHelp, KeyQuit, KeyKeepExample, KeyForceQuit, KeySave, KeyCancel,
	KeyNextField, KeyCycleStance, KeyToggleGroup, KeyYes, KeyNo string

	// Formøde, brief, diff, sync, attachment text, watch words.
	FormoedeTitle, OnlyMine, FilterDisagree, FilterNoPosition, FormoedeEmpty, FormoedeNoSplit,
	FormoedeAllPositioned, NoPosition, Disagreement, Me, EditedBy, ConflictLabel,
	PrivateOnlyYou, ConflictResolved, NoConflicts, SelectConflictFirst, BriefWritten,
	BriefUnavailable, FormoedeUnavailable, HelpFormoede string
	Members [2]string
	DiffTitle, DiffAgainstRead, DiffAgainstPrevious, DiffNone, DiffNoPrevious,
	DiffUnavailable, SyncRunning, SyncDone, SyncFailed, SyncUnavailable, SyncBusy,
	SyncLast, SyncSourceFailed, AttachmentTextTitle, AttachmentNoText, AttachmentTextUnavailable,
	AttachmentHitAt, WatchHead, WatchPages, WatchMore string
	// Attachments a sync left for when they are opened.
	AttachmentNotDownloaded, AttachmentFetching, AttachmentFetchOf, AttachmentFetchFailed string
	KeyFormoede, KeyDisagree, KeyNoPosition, KeyNextConflict, KeyResolve, KeyBrief, KeyDiff, KeyCopyID, CopiedID,
	KeySync, KeyText, KeySwitchGroup string

	// Status and errors.
	ErrBusy, ErrNotFound, ErrGeneric, QuitWaiting, QuitUnsaved, MeetingAdded,
	Refreshed string

	weekdays [7]string
	months   [12]string
}

// Count formats n with the singular or plural noun: "1 punkt", "3 punkter".
func (c *Catalog) Count(n int, noun [2]string) string {
	if n == 1 {
		return "1 " + noun[0]
	}
	return fmt.Sprintf("%d %s", n, noun[1])
}

// Date formats a day: "fre. 21. apr. 2023" / "Fri 21 Apr 2023".
func (c *Catalog) Date(t time.Time) string {
	t = t.In(agenda.Copenhagen)
	wd, mo := c.weekdays[t.Weekday()], c.months[t.Month()-1]
	if c.Lang == "en" {
		return fmt.Sprintf("%s %d %s %d", wd, t.Day(), mo, t.Year())
	}
	return fmt.Sprintf("%s %d. %s %d", wd, t.Day(), mo, t.Year())
}

// ShortDate formats a day in few cells: "08.12.2026" / "8 Dec 2026".
func (c *Catalog) ShortDate(t time.Time) string {
	t = t.In(agenda.Copenhagen)
	if c.Lang == "en" {
		return fmt.Sprintf("%d %s %d", t.Day(), c.months[t.Month()-1], t.Year())
	}
	return t.Format("02.01.2006")
}

// Clock formats a time of day: "kl. 10.00" / "10:00".
func (c *Catalog) Clock(t time.Time) string {
	t = t.In(agenda.Copenhagen)
	if c.Lang == "en" {
		return t.Format("15:04")
	}
	return fmt.Sprintf("kl. %d.%02d", t.Hour(), t.Minute())
}

// Stance names a stance; StanceNone gets the word for "none".
func (c *Catalog) Stance(s agenda.Stance) string {
	if v, ok := c.Stances[s]; ok {
		return v
	}
	return string(s)
}

// Kind names a meeting kind.
func (c *Catalog) Kind(k agenda.Kind) string {
	if v, ok := c.Kinds[k]; ok {
		return v
	}
	return string(k)
}

// Visibility names a note's visibility.
func (c *Catalog) Visibility(v agenda.Visibility) string {
	if v == agenda.Group {
		return c.Group
	}
	return c.Private
}

// RecLabel names a recommendation by its 1-based number: "Indstilling 2".
func (c *Catalog) RecLabel(i int) string { return fmt.Sprintf("%s %d", c.Recommendation, i+1) }

// NewCatalog returns the catalogue for lang ("en" for English; anything else is Danish).
func NewCatalog(lang string) *Catalog {
	if strings.HasPrefix(strings.ToLower(lang), "en") {
		return english()
	}
	return danish()
}

func danish() *Catalog {
	return &Catalog{
		Lang:         "da",
		AppName:      "dagsorden",
		Loading:      "Henter …",
		NotAvailable: "ikke tilgængelig",

		WelcomeTitle:          "Velkommen til dagsorden",
		WelcomeIntro:          "Her læser du dine dagsordener uden net, skriver noter og tager stilling til hver indstilling. Der er endnu ingen møder i din samling.",
		WelcomeImportHead:     "Hent en dagsorden fra en fil",
		WelcomeImport:         "I en anden terminal:  dagsorden import FIL …  (tekst, PDF, FirstAgenda-JSON, SBSYS, Acadre, eDoc). Mødet dukker op her af sig selv.",
		WelcomeSourceHead:     "Abonnér på en kilde",
		WelcomeSource:         "dagsorden source add https://dagsordener.<kommune>.dk  og derefter  dagsorden sync",
		WelcomeExample:        "Tryk enter for at se eksemplet: et byrådsmøde i den opdigtede Fjordby Kommune, i en kopi der slettes igen, når du lukker den.",
		WelcomeKeepExample:    "Tryk i for at lægge eksemplet i din egen samling (fjern det igen med dagsorden meeting remove).",
		WelcomeLoadingExample: "Henter eksemplet …",
		WelcomeQuit:           "q afslutter.",

		MeetingsTab:       "Møder",
		DocumentsTab:      "Læsestof",
		Upcoming:          "Kommende møder",
		Past:              "Tidligere møder",
		AllBodies:         "alle udvalg",
		FilterPrompt:      "Filter:",
		FilterPlaceholder: "skriv for at indsnævre",
		FilterNothing:     "Intet passer på filteret (esc rydder det).",
		Of:                "af",
		BodyPick:          "Vælg udvalg",
		NoMeetingsMatch:   "Ingen møder passer på filteret (esc rydder det).",
		FilterLabel:       "Udvalg",
		NoMeetings:        "Ingen møder.",
		NoDocuments:       "Intet læsestof endnu.",
		NoMeetingsForBody: "Ingen møder for dette udvalg.",
		Premeeting:        "formøde",
		Undated:           "uden dato",
		Kinds: map[agenda.Kind]string{
			agenda.KindAgenda: "Dagsorden", agenda.KindMinutes: "Referat",
			agenda.KindSupplementary: "Tillægsdagsorden", agenda.KindExtraordinary: "Ekstraordinært møde",
		},

		Items:       [2]string{"punkt", "punkter"},
		Unread:      [2]string{"ulæst", "ulæste"},
		Changed:     [2]string{"ændret", "ændrede"},
		Annotated:   [2]string{"med noter", "med noter"},
		Notes:       [2]string{"note", "noter"},
		Recs:        [2]string{"indstilling", "indstillinger"},
		Attachments: [2]string{"bilag", "bilag"},

		ItemClosed:   "lukket",
		NoItems:      "Dagsordenen har ingen punkter.",
		AgendaLegend: "● ulæst  ✓ læst  Δ ændret siden du læste  + for  − imod  = undlader  ? spørgsmål",

		Recommendation:      "Indstilling",
		RecShort:            "Indst.",
		Decision:            "Beslutning",
		AttachmentsHead:     "Bilag",
		NoNotes:             "Ingen noter endnu. n skriver en.",
		NotesHead:           "Noter",
		ItemNote:            "Hele punktet",
		MyStance:            "din holdning",
		SelectRecFirst:      "Vælg først en indstilling med ] eller [.",
		NoAttachments:       "Punktet har ingen bilag.",
		AttachmentPick:      "Vælg bilag (enter åbner, esc fortryder)",
		AttachmentOpening:   "Åbner %s …",
		AttachmentAddress:   "%s ligger ikke lokalt. Adresse: %s",
		AttachmentNoAddress: "%s ligger ikke lokalt, og kilden har ingen adresse på det.",
		ChangedSinceRead:    "ændret siden du læste det",
		CaseLabel:           "Sag",
		ItemUpdated:         "Punktet er opdateret.",
		ItemGone:            "Punktet findes ikke længere på dagsordenen.",
		PlainUntilRendered:  "",

		Orphans:      "Noter uden sted",
		OrphansIntro: "Punkterne, disse noter blev skrevet på, er ikke længere på dagsordenen. Noterne er gemt; e retter en note.",

		Private:        "privat",
		Group:          "gruppe",
		StatusChanged:  "teksten er ændret",
		StatusOrphaned: "uden sted",
		Unsaved:        "ikke gemt",
		Saving:         "gemmer …",
		NoteSaved:      "Noten er gemt.",
		NoteDeleted:    "Noten er slettet.",
		ConfirmDelete:  "Slet noten? j sletter, n fortryder.",
		EmptyNote:      "Noten er tom; intet gemt.",
		StanceSaved:    "Holdning: %s",
		Stances: map[agenda.Stance]string{
			agenda.StanceNone: "ingen", agenda.StanceFor: "for", agenda.StanceAgainst: "imod",
			agenda.StanceAbstain: "undlader", agenda.StanceQuestion: "spørgsmål",
		},

		NewNoteTitle:      "Ny note",
		EditNoteTitle:     "Ret note",
		StanceLabel:       "Holdning",
		VisibilityLabel:   "Synlig for",
		EditorPlaceholder: "Skriv din note …",
		ConfirmDiscard:    "Noten er ikke gemt. Kassér ændringerne? j kasserer, n skriver videre, ctrl+s gemmer.",

		SearchTitle:              "Søg",
		SearchPlaceholder:        "Søg i møder, punkter, indstillinger, noter og læsestof …",
		SearchNone:               "Ingen resultater.",
		SearchUnavailable:        "Søgning er ikke tilgængelig i denne udgave af samlingen.",
		SearchPlaceholderMeeting: "Søg i mødets punkter, indstillinger, bilag og noter …",
		SearchInMeeting:          "i dette møde",
		SearchInAll:              "i alle møder",
		SearchMore:               "↓ %d flere",
		KeySearchAll:             "søg i alle møder",
		KeySearchMeeting:         "søg i dette møde",
		SearchHits:               [2]string{"resultat", "resultater"},
		HitKinds: map[string]string{
			HitMeeting: "Møde", HitItem: "Punkt", HitRecommendation: "Indstilling",
			HitNote: "Note", HitDocument: "Læsestof", HitAttachment: "Bilag",
		},
		Page: "s. %d",

		HelpTitle:      "Taster",
		HelpNavigation: "Bevæg dig",
		HelpItem:       "I et punkt",
		HelpMeetings:   "Møder",
		HelpEditor:     "Når du skriver en note",
		HelpGeneral:    "Overalt",
		HelpMarkers:    "Tegn",
		HelpMouse:      "Musehjulet ruller, et klik vælger (klik igen for at åbne).",
		HelpClose:      "esc eller ? lukker hjælpen",
		Markers: [][2]string{
			{"●", "ulæst punkt"}, {"✓", "læst punkt"}, {"Δ", "ændret siden du læste det"},
			{"[lukket]", "lukket punkt"}, {"✎ 2", "antal noter"},
			{"+ − = ? ·", "din holdning til hver indstilling: for, imod, undlader, spørgsmål, ingen"},
			{"▶", "den valgte indstilling"},
		},

		KeySelect: "vælg", KeyUp: "op", KeyDown: "ned", KeyOpen: "åbn", KeyBack: "tilbage", KeyTab: "skift rude",
		KeyTop: "til toppen", KeyBottom: "til bunden", KeyPageUp: "side op", KeyPageDown: "side ned",
		KeyNextRec: "næste indstilling", KeyPrevRec: "forrige indstilling", KeySearch: "søg",
		KeyNewNote: "ny note", KeyEditNote: "ret note", KeyStance: "skift holdning",
		KeyAttachment: "åbn bilag", KeyDeleteNote: "slet note", KeyFilter: "filtrér", KeyBody: "udvalg", KeyToday: "i dag", KeyChoose: "vælg", KeyClear: "ryd",
		KeyHelp: "hjælp", KeyQuit: "afslut", KeyKeepExample: "læg eksemplet i din samling", KeyForceQuit: "afslut altid (gemmer først)",
		KeySave: "gem", KeyCancel: "tilbage", KeyNextField: "næste felt",
		KeyCycleStance: "skift holdning", KeyToggleGroup: "privat/gruppe", KeyYes: "ja", KeyNo: "nej",

		FormoedeTitle:         "Formøde",
		OnlyMine:              "kun mine noter",
		FilterDisagree:        "hvor vi er uenige",
		FilterNoPosition:      "hvor ingen har taget stilling",
		FormoedeEmpty:         "Ingen indstillinger eller noter at vise endnu.",
		FormoedeNoSplit:       "Ingen indstillinger, hvor gruppen er uenig. u viser alle igen.",
		FormoedeAllPositioned: "Nogen har taget stilling til hver indstilling. i viser alle igen.",
		NoPosition:            "uden holdning",
		Disagreement:          "uenige",
		Me:                    "mig",
		EditedBy:              "(rettet af %s)",
		ConflictLabel:         "konflikt",
		PrivateOnlyYou:        "privat, kun for dig",
		ConflictResolved:      "Konflikten er løst: versionen fra %s står og deles ved næste synkronisering.",
		NoConflicts:           "Ingen konflikter i denne gruppe.",
		SelectConflictFirst:   "Vælg først en version med c.",
		BriefWritten:          "Formødebrevet er skrevet til %s",
		BriefUnavailable:      "Formødebrevet kan ikke skrives herfra.",
		FormoedeUnavailable:   "Formødevisningen er ikke tilgængelig i denne udgave.",
		HelpFormoede:          "Formøde",
		Members:               [2]string{"medlem", "medlemmer"},

		DiffTitle:                 "Ændringer",
		DiffAgainstRead:           "mod den udgave, du læste",
		DiffAgainstPrevious:       "mod den forrige udgave",
		DiffNone:                  "Ingen ændringer i teksten.",
		DiffNoPrevious:            "Der er ingen tidligere udgave af punktet.",
		DiffUnavailable:           "Ændringer kan ikke vises i denne udgave af samlingen.",
		SyncRunning:               "Synkroniserer …",
		SyncDone:                  "Synkroniseret: %s",
		SyncFailed:                "Synkroniseringen fejlede: %s",
		SyncUnavailable:           "Synkronisering er ikke sat op her.",
		SyncBusy:                  "En synkronisering kører allerede.",
		SyncLast:                  "Sidst synkroniseret %s",
		SyncSourceFailed:          "%s: %s",
		AttachmentTextTitle:       "Bilagets tekst",
		AttachmentNoText:          "Der er ingen tekst i %s.",
		AttachmentTextUnavailable: "Bilagets tekst kan ikke vises i denne udgave af samlingen.",
		AttachmentHitAt:           "Fundet i bilaget %s",
		AttachmentNotDownloaded:   "ikke hentet",
		AttachmentFetching:        "Henter %s … %s",
		AttachmentFetchOf:         "%s af %s",
		AttachmentFetchFailed:     "%s kunne ikke hentes: %s",
		WatchHead:                 "Overvågede ord",
		WatchPages:                "s. %s",
		WatchMore:                 "… og %d flere; søg efter ordet med /",

		KeyFormoede: "formøde", KeyDisagree: "uenige", KeyNoPosition: "ingen holdning",
		KeyNextConflict: "næste konflikt", KeyResolve: "behold versionen", KeyBrief: "skriv formødebrev",
		KeyDiff: "vis ændringer", KeyCopyID: "kopiér punktets id", CopiedID: "Punktets id er kopieret: %s", KeySync: "synkronisér", KeyText: "bilagets tekst", KeySwitchGroup: "skift gruppe",

		ErrBusy:      "En anden dagsorden arbejder med samlingen lige nu; prøv igen om et øjeblik.",
		ErrNotFound:  "Det findes ikke længere i samlingen.",
		ErrGeneric:   "Fejl: %s",
		QuitWaiting:  "Gemmer dine noter, før programmet lukker …",
		QuitUnsaved:  "En note kunne ikke gemmes. Tryk q igen for at afslutte alligevel.",
		MeetingAdded: "Samlingen er opdateret.",
		Refreshed:    "Opdateret.",

		weekdays: [7]string{"søn.", "man.", "tirs.", "ons.", "tors.", "fre.", "lør."},
		months:   [12]string{"jan.", "feb.", "mar.", "apr.", "maj", "jun.", "jul.", "aug.", "sep.", "okt.", "nov.", "dec."},
	}
}

func english() *Catalog {
	return &Catalog{
		Lang:         "en",
		AppName:      "dagsorden",
		Loading:      "Loading …",
		NotAvailable: "not available",

		WelcomeTitle:          "Welcome to dagsorden",
		WelcomeIntro:          "Read your agendas offline, write notes and take a stance on every recommendation. Your collection has no meetings yet.",
		WelcomeImportHead:     "Import an agenda from a file",
		WelcomeImport:         "In another terminal:  dagsorden import FILE …  (text, PDF, FirstAgenda JSON, SBSYS, Acadre, eDoc). The meeting appears here by itself.",
		WelcomeSourceHead:     "Subscribe to a source",
		WelcomeSource:         "dagsorden source add https://dagsordener.<kommune>.dk  then  dagsorden sync",
		WelcomeExample:        "Press enter to look at the example: a council meeting in the fictional Fjordby Kommune, in a copy deleted again when you close it.",
		WelcomeKeepExample:    "Press i to put the example into your own store (remove it again with dagsorden meeting remove).",
		WelcomeLoadingExample: "Loading the example …",
		WelcomeQuit:           "q quits.",

		MeetingsTab:       "Meetings",
		DocumentsTab:      "Reading",
		Upcoming:          "Upcoming meetings",
		Past:              "Past meetings",
		AllBodies:         "all bodies",
		FilterPrompt:      "Filter:",
		FilterPlaceholder: "type to narrow",
		FilterNothing:     "Nothing matches the filter (esc clears it).",
		Of:                "of",
		BodyPick:          "Choose a body",
		NoMeetingsMatch:   "No meetings match the filter (esc clears it).",
		FilterLabel:       "Body",
		NoMeetings:        "No meetings.",
		NoDocuments:       "No reading material yet.",
		NoMeetingsForBody: "No meetings for this body.",
		Premeeting:        "pre-meeting",
		Undated:           "undated",
		Kinds: map[agenda.Kind]string{
			agenda.KindAgenda: "Agenda", agenda.KindMinutes: "Minutes",
			agenda.KindSupplementary: "Supplementary agenda", agenda.KindExtraordinary: "Extraordinary meeting",
		},

		Items:       [2]string{"item", "items"},
		Unread:      [2]string{"unread", "unread"},
		Changed:     [2]string{"changed", "changed"},
		Annotated:   [2]string{"annotated", "annotated"},
		Notes:       [2]string{"note", "notes"},
		Recs:        [2]string{"recommendation", "recommendations"},
		Attachments: [2]string{"attachment", "attachments"},

		ItemClosed:   "closed",
		NoItems:      "The agenda has no items.",
		AgendaLegend: "● unread  ✓ read  Δ changed since read  + for  − against  = abstain  ? question",

		Recommendation:      "Recommendation",
		RecShort:            "Rec.",
		Decision:            "Decision",
		AttachmentsHead:     "Attachments",
		NoNotes:             "No notes yet. n writes one.",
		NotesHead:           "Notes",
		ItemNote:            "Whole item",
		MyStance:            "your stance",
		SelectRecFirst:      "Select a recommendation with ] or [ first.",
		NoAttachments:       "The item has no attachments.",
		AttachmentPick:      "Choose an attachment (enter opens, esc cancels)",
		AttachmentOpening:   "Opening %s …",
		AttachmentAddress:   "%s is not stored locally. Address: %s",
		AttachmentNoAddress: "%s is not stored locally, and the source gives no address for it.",
		ChangedSinceRead:    "changed since you read it",
		CaseLabel:           "Case",
		ItemUpdated:         "The item has been updated.",
		ItemGone:            "The item is no longer on the agenda.",

		Orphans:      "Notes without a place",
		OrphansIntro: "The items these notes were written on are no longer on the agenda. The notes are kept; e edits one.",

		Private:        "private",
		Group:          "group",
		StatusChanged:  "text changed",
		StatusOrphaned: "orphaned",
		Unsaved:        "not saved",
		Saving:         "saving …",
		NoteSaved:      "Note saved.",
		NoteDeleted:    "Note deleted.",
		ConfirmDelete:  "Delete the note? y deletes, n cancels.",
		EmptyNote:      "The note is empty; nothing saved.",
		StanceSaved:    "Stance: %s",
		Stances: map[agenda.Stance]string{
			agenda.StanceNone: "none", agenda.StanceFor: "for", agenda.StanceAgainst: "against",
			agenda.StanceAbstain: "abstain", agenda.StanceQuestion: "question",
		},

		NewNoteTitle:      "New note",
		EditNoteTitle:     "Edit note",
		StanceLabel:       "Stance",
		VisibilityLabel:   "Visible to",
		EditorPlaceholder: "Write your note …",
		ConfirmDiscard:    "The note is not saved. Discard the changes? y discards, n keeps writing, ctrl+s saves.",

		SearchTitle:              "Search",
		SearchPlaceholder:        "Search meetings, items, recommendations, notes and reading …",
		SearchNone:               "No results.",
		SearchUnavailable:        "Search is not available for this collection.",
		SearchPlaceholderMeeting: "Search the meeting's items, recommendations, attachments and notes …",
		SearchInMeeting:          "in this meeting",
		SearchInAll:              "in all meetings",
		SearchMore:               "↓ %d more",
		KeySearchAll:             "search all meetings",
		KeySearchMeeting:         "search this meeting",
		SearchHits:               [2]string{"hit", "hits"},
		HitKinds: map[string]string{
			HitMeeting: "Meeting", HitItem: "Item", HitRecommendation: "Recommendation",
			HitNote: "Note", HitDocument: "Reading", HitAttachment: "Attachment",
		},
		Page: "p. %d",

		HelpTitle:      "Keys",
		HelpNavigation: "Moving around",
		HelpItem:       "In an item",
		HelpMeetings:   "Meetings",
		HelpEditor:     "Writing a note",
		HelpGeneral:    "Everywhere",
		HelpMarkers:    "Markers",
		HelpMouse:      "The mouse wheel scrolls, a click selects (click again to open).",
		HelpClose:      "esc or ? closes help",
		Markers: [][2]string{
			{"●", "unread item"}, {"✓", "read item"}, {"Δ", "changed since you read it"},
			{"[closed]", "closed item"}, {"✎ 2", "number of notes"},
			{"+ − = ? ·", "your stance on each recommendation: for, against, abstain, question, none"},
			{"▶", "the selected recommendation"},
		},

		KeySelect: "select", KeyUp: "up", KeyDown: "down", KeyOpen: "open", KeyBack: "back", KeyTab: "switch pane",
		KeyTop: "top", KeyBottom: "bottom", KeyPageUp: "page up", KeyPageDown: "page down",
		KeyNextRec: "next recommendation", KeyPrevRec: "previous recommendation", KeySearch: "search",
		KeyNewNote: "new note", KeyEditNote: "edit note", KeyStance: "cycle stance",
		KeyAttachment: "open attachment", KeyDeleteNote: "delete note", KeyFilter: "filter", KeyBody: "body", KeyToday: "today", KeyChoose: "choose", KeyClear: "clear",
		KeyHelp: "help", KeyQuit: "quit", KeyKeepExample: "put the example into your store", KeyForceQuit: "always quit (saves first)",
		KeySave: "save", KeyCancel: "back", KeyNextField: "next field",
		KeyCycleStance: "cycle stance", KeyToggleGroup: "private/group", KeyYes: "yes", KeyNo: "no",

		FormoedeTitle:         "Pre-meeting",
		OnlyMine:              "only my notes",
		FilterDisagree:        "where we disagree",
		FilterNoPosition:      "where nobody has a position",
		FormoedeEmpty:         "No recommendations or notes to show yet.",
		FormoedeNoSplit:       "No recommendation the group disagrees on. u shows all again.",
		FormoedeAllPositioned: "Someone has a position on every recommendation. i shows all again.",
		NoPosition:            "no position",
		Disagreement:          "split",
		Me:                    "me",
		EditedBy:              "(edited by %s)",
		ConflictLabel:         "conflict",
		PrivateOnlyYou:        "private, only you",
		ConflictResolved:      "Conflict resolved: the version from %s stands and is shared with the next sync.",
		NoConflicts:           "No conflicts in this group.",
		SelectConflictFirst:   "Select a version with c first.",
		BriefWritten:          "The brief was written to %s",
		BriefUnavailable:      "The brief cannot be written from here.",
		FormoedeUnavailable:   "The pre-meeting view is not available in this build.",
		HelpFormoede:          "Pre-meeting",
		Members:               [2]string{"member", "members"},

		DiffTitle:                 "Changes",
		DiffAgainstRead:           "against the version you read",
		DiffAgainstPrevious:       "against the previous version",
		DiffNone:                  "No changes in the text.",
		DiffNoPrevious:            "There is no earlier version of the item.",
		DiffUnavailable:           "Changes cannot be shown for this collection.",
		SyncRunning:               "Syncing …",
		SyncDone:                  "Synced: %s",
		SyncFailed:                "The sync failed: %s",
		SyncUnavailable:           "Sync is not set up here.",
		SyncBusy:                  "A sync is already running.",
		SyncLast:                  "Last synced %s",
		SyncSourceFailed:          "%s: %s",
		AttachmentTextTitle:       "Attachment text",
		AttachmentNoText:          "There is no text in %s.",
		AttachmentTextUnavailable: "Attachment text cannot be shown for this collection.",
		AttachmentHitAt:           "Found in the attachment %s",
		AttachmentNotDownloaded:   "not downloaded",
		AttachmentFetching:        "Fetching %s … %s",
		AttachmentFetchOf:         "%s of %s",
		AttachmentFetchFailed:     "%s could not be fetched: %s",
		WatchHead:                 "Watched words",
		WatchPages:                "p. %s",
		WatchMore:                 "… and %d more; search for the word with /",

		KeyFormoede: "pre-meeting", KeyDisagree: "disagree", KeyNoPosition: "no position",
		KeyNextConflict: "next conflict", KeyResolve: "keep this version", KeyBrief: "write the brief",
		KeyDiff: "show changes", KeyCopyID: "copy the item id", CopiedID: "The item id is copied: %s", KeySync: "sync", KeyText: "attachment text", KeySwitchGroup: "switch group",

		ErrBusy:      "Another dagsorden is working with the collection; try again in a moment.",
		ErrNotFound:  "It is no longer in the collection.",
		ErrGeneric:   "Error: %s",
		QuitWaiting:  "Saving your notes before quitting …",
		QuitUnsaved:  "A note could not be saved. Press q again to quit anyway.",
		MeetingAdded: "The collection has been updated.",
		Refreshed:    "Updated.",

		weekdays: [7]string{"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"},
		months:   [12]string{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"},
	}
}
