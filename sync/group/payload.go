package group

import (
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/dagsorden/dagsorden/agenda"
	"github.com/dagsorden/dagsorden/store"
)

// payload is what a sealed envelope holds, as JSON. Who wrote it is the envelope's
// signed author; Editor repeats it, and must match.
type payload struct {
	Type   string            `json:"type"` // typeNote or typeProfile
	Note   *agenda.Note      `json:"note,omitempty"`
	Vector map[string]uint64 `json:"vector,omitempty"`
	Clock  uint64            `json:"clock,omitempty"`
	Editor string            `json:"editor"` // member id of the writer
	// EditorName is, in a profile, the name the member shows the group. In a note it is
	// ignored: names come from profiles only.
	EditorName string `json:"editor_name,omitempty"`
	// Creator and Origin (notes): the member who wrote the note first and their signature
	// on the group and note id (see noteOrigin). Empty for a note from before signed
	// member lists.
	Creator string `json:"creator,omitempty"`
	Origin  []byte `json:"origin,omitempty"`
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
	return payload{Type: typeNote, Note: &n, Vector: v.Vector, Clock: v.Clock, Editor: v.Editor}
}

// noteOrigin is the creator's signature on a note of the group: with it in every version,
// anyone may edit the note, but nobody can make a note look as if another member wrote it.
func noteOrigin(groupID, noteID string, priv ed25519.PrivateKey) []byte {
	return ed25519.Sign(priv, originMessage(groupID, noteID))
}

func originMessage(groupID, noteID string) []byte {
	return []byte("dagsorden note origin v1\x00" + groupID + "\x00" + noteID)
}

func verifyOrigin(groupID, noteID string, pub, sig []byte) bool {
	return len(pub) == ed25519.PublicKeySize && len(sig) == ed25519.SignatureSize && ed25519.Verify(pub, originMessage(groupID, noteID), sig)
}

func (p *payload) marshal() []byte {
	b, err := json.Marshal(p)
	if err != nil {
		panic(err) // unreachable: plain fields
	}
	return b
}

var errBadPayload = errors.New("the envelope's content is not a valid group message")

// parsePayload decodes and checks a payload from author (the envelope's signed author).
// It never panics.
func parsePayload(b []byte, author string) (*payload, error) {
	var p payload
	if err := json.Unmarshal(b, &p); err != nil {
		return nil, errBadPayload
	}
	if p.Editor != author {
		return nil, errBadPayload
	}
	p.EditorName = cleanLine(p.EditorName, maxName)
	switch p.Type {
	case typeProfile:
	case typeNote:
		if p.Creator != "" && (!isHex(p.Creator, 16) || len(p.Origin) != ed25519.SignatureSize) {
			return nil, errBadPayload
		}
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
