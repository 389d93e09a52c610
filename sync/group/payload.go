package group

import (
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/dagsorden/dagsorden/agenda"
	"github.com/dagsorden/dagsorden/store"
)

// payload is what a sealed envelope holds, as JSON.
type payload struct {
	Type       string            `json:"type"` // typeNote or typeProfile
	Note       *agenda.Note      `json:"note,omitempty"`
	Vector     map[string]uint64 `json:"vector,omitempty"`
	Clock      uint64            `json:"clock,omitempty"`
	Editor     string            `json:"editor"` // member id of the writer
	EditorName string            `json:"editor_name,omitempty"`
	PublicKey  []byte            `json:"public_key,omitempty"` // profile: the writer's X25519 key
}

const (
	typeNote    = "note"
	typeProfile = "profile"
)

// Limits on what a member accepts from another.
const (
	maxNoteText = 48 << 10
	maxName     = 200
	maxVector   = 1000
)

// notePayload is the payload of one version of a shared note. Group and Status are the
// receiver's business and are left out.
func notePayload(v *store.GroupVersion) payload {
	n := v.Note
	n.Group, n.Status = "", ""
	return payload{Type: typeNote, Note: &n, Vector: v.Vector, Clock: v.Clock, Editor: v.Editor, EditorName: v.EditorName}
}

func (p *payload) marshal() []byte {
	b, err := json.Marshal(p)
	if err != nil {
		panic(err) // unreachable: plain fields
	}
	return b
}

var errBadPayload = errors.New("the envelope's content is not a valid group message")

// parsePayload decodes and checks a payload from member sender. It never panics.
func parsePayload(b []byte, sender string) (*payload, error) {
	var p payload
	if err := json.Unmarshal(b, &p); err != nil {
		return nil, errBadPayload
	}
	if p.Editor != sender { // the relay vouches for who pushed; a member cannot write as another
		return nil, errBadPayload
	}
	p.EditorName = cleanLine(p.EditorName, maxName)
	switch p.Type {
	case typeProfile:
		if len(p.PublicKey) != keySize {
			return nil, errBadPayload
		}
	case typeNote:
		n := p.Note
		if n == nil || !validNoteID(n.ID) || n.Anchor.ItemID == "" || len(n.Text) > maxNoteText ||
			!slices.Contains(agenda.Stances, n.Stance) || len(p.Vector) == 0 || len(p.Vector) > maxVector || p.Vector[p.Editor] == 0 {
			return nil, errBadPayload
		}
		if r := n.Anchor.Recommendation; r != nil && (*r < 0 || *r > 10000) {
			return nil, errBadPayload
		}
		n.Text = cleanText(n.Text)
		n.Author = cleanLine(n.Author, maxName)
		n.Anchor.ItemTitle = cleanLine(n.Anchor.ItemTitle, 1000)
		n.Anchor.ItemNumber = cleanLine(n.Anchor.ItemNumber, 100)
		n.Anchor.CaseNumber = cleanLine(n.Anchor.CaseNumber, 100)
		n.Visibility = agenda.Group
	default:
		return nil, errBadPayload
	}
	return &p, nil
}

func validNoteID(id string) bool {
	if id == "" || len(id) > 64 {
		return false
	}
	for _, r := range id {
		if !('0' <= r && r <= '9' || 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || r == '-' || r == '_') {
			return false
		}
	}
	return true
}

// cleanText drops control characters except tab and newline: another member's text is
// shown in a terminal, where escape sequences could repaint or mislead.
func cleanText(s string) string {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	return strings.Map(func(r rune) rune {
		if r == '\n' || r == '\t' {
			return r
		}
		if r < ' ' || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			return -1
		}
		return r
	}, s)
}

// cleanLine is cleanText on one line, cut to at most n bytes.
func cleanLine(s string, n int) string {
	s = strings.Join(strings.Fields(cleanText(s)), " ")
	for len(s) > n {
		_, size := utf8.DecodeLastRuneInString(s)
		s = s[:len(s)-size]
	}
	return s
}
