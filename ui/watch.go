package ui

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/dagsorden/dagsorden/store"
)

// Watcher lists what mentions the member's watched words (dagsorden watch add). When the
// Store also implements it, the meetings screen has a section of those mentions, reloaded
// with the list whenever the store's generation moves; otherwise the section is absent.
// Hits come newest meeting first, in agenda order within a meeting.
type Watcher interface {
	WatchHits() ([]store.WatchHit, error)
}

// The store must satisfy the meetings screen's interface.
var _ Watcher = (*store.Store)(nil)

// watchShown is how many mentions the meetings screen lists: a glance at the newest, not
// a second agenda. The rest are a search away (/).
const watchShown = 6

// watchSearchHit turns a mention into the search hit that opens it, so enter on it goes
// where the search screen would: the item, at its attachments for an attachment.
func watchSearchHit(h *store.WatchHit) SearchHit {
	hit := SearchHit{Kind: HitItem, MeetingID: h.MeetingID, ItemID: h.ItemID, Title: h.Title}
	if h.AttachmentID != "" {
		hit.Kind, hit.AttachmentID, hit.AttachmentTitle = HitAttachment, h.AttachmentID, h.AttachmentTitle
		if len(h.Pages) > 0 {
			hit.Page = h.Pages[0]
		}
	}
	return hit
}

// watchKey tells one mention from another, to keep the cursor on it across reloads.
func watchKey(h *store.WatchHit) string {
	return h.Watch + "\x00" + h.ItemID + "\x00" + h.AttachmentID
}

// pagesText is ", s. 2, 4" for the pages of an attachment that mention a word; nothing
// for a text the importer gave unpaged (page 0).
func (t *Catalog) pagesText(pages []int) string {
	var ps []string
	for _, p := range pages {
		if p > 0 {
			ps = append(ps, strconv.Itoa(p))
		}
	}
	if len(ps) == 0 {
		return ""
	}
	return ", " + fmt.Sprintf(t.WatchPages, strings.Join(ps, ", "))
}

// watchLines is how many lines a mention takes: one, or on a terminal narrower than 110
// columns two for an attachment's, whose second line names the attachment and pages so
// they are not cut away.
func (s *homeScreen) watchLines(h *store.WatchHit) int {
	if h.AttachmentID != "" && s.w < 110 {
		return 2
	}
	return 1
}

// watchRow draws one mention, the most telling first so a narrow terminal cuts the
// least: the word, the meeting's date, the item, the attachment and pages, and the body
// last.
func (s *homeScreen) watchRow(i int) []string {
	st, t := s.c.Styles, s.c.T
	h := s.rows[i].hit
	selected := i == s.list.cursor
	marker := "  "
	if selected {
		marker = st.Cursor.Render("›") + " "
	}
	sep := st.Subtle.Render(" · ")
	lead := fit(h.Watch, s.watchW) + "  " + t.ShortDate(h.Start) + "  "
	line := marker + st.Changed.Render(fit(h.Watch, s.watchW)) + "  " +
		st.Subtle.Render(t.ShortDate(h.Start)) + "  " + st.Title.Render(h.Title)
	var att string
	if h.AttachmentID != "" {
		att = h.AttachmentTitle
		if w := t.Attachments[0]; !strings.HasPrefix(strings.ToLower(att), strings.ToLower(w)) {
			att = w + ": " + att // "Høringssvar" says less than "bilag: Høringssvar"
		}
		att += st.Subtle.Render(t.pagesText(h.Pages))
	}
	lines := []string{line}
	if att != "" && s.watchLines(h) == 2 {
		lines = append(lines, strings.Repeat(" ", 2+widthOf(lead))+att)
	} else if att != "" {
		lines[0] += sep + att
	}
	body, ok := s.bodyOf[h.MeetingID]
	if !ok {
		body = h.Meeting
	}
	if body != "" {
		lines[0] += sep + st.Subtle.Render(body)
	}
	for j := range lines {
		lines[j] = fit(lines[j], s.w)
		if selected {
			lines[j] = paintRow(st.CursorRow, lines[j])
		}
	}
	return lines
}
