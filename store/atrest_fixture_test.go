package store

// The data of the encryption-at-rest tests: a store with what must never be readable
// in its file. The same function made testdata/v3-plaintext.db with the code before
// encryption (version 3 of the store), so a migrated store and a new one hold the same.

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/dagsorden/dagsorden/agenda"
)

// Secrets of the fixture: none of them may appear in the file of an encrypted store.
var atRestSecrets = []string{
	"Spørg til Kvistgaardsplanen og finansieringen", // a private note
	"kvistgaardsplan",                        // its distinctive word as the index stems it
	"Gruppen stemmer imod Tornehøjforslaget", // a group note
	"tornehøjforslag",
	"relay-token-Hq7ZpX2vN4",           // the relay token
	"GROUPKEY-EPOCH-1-0123456789abcde", // group keys of two epochs
	"GROUPKEY-EPOCH-2-0123456789abcde",
	"PRIVATEKEY-x25519-0123456789abcd",          // the member's private key
	"Købesummen fra Vestervang Ejendomme",       // a closed item's body
	"vestervang",                                // its distinctive word
	"godkender salget til Vestervang Ejendomme", // its recommendation
	"Blomsterdalsklausulen",                     // its decision
	"blomsterdalsklausul",
	"Fortroligt bilag om Ravnsborgaftalen", // the text of its attachment (a PDF)
	"ravnsborgaftal",
}

// atRestPublic must stay findable (and is plaintext): the same file's public texts.
var atRestPublic = []string{"Lokalplan for Hundige Strand", "Salg af grund"}

// atRestMeeting is a meeting with an open item and a closed one with an attachment.
func atRestMeeting() agenda.Meeting {
	pdf := MakePDF("Fortroligt bilag om Ravnsborgaftalen.")
	m := agenda.Meeting{
		Body: agenda.Body{Name: "Økonomiudvalget"}, Kind: agenda.KindAgenda, Title: "Dagsorden",
		Start: time.Date(2025, 5, 6, 15, 0, 0, 0, agenda.Copenhagen), Source: agenda.Source{Format: "test"},
		Items: []agenda.Item{
			{Number: "1", Title: "Lokalplan for Hundige Strand", CaseNumber: "25/1",
				Sections:        []agenda.Section{{Heading: "Sagsfremstilling", Text: "Planen giver mulighed for 120 boliger ved stranden."}},
				Recommendations: []agenda.Recommendation{{Index: 0, Text: "at lokalplanen vedtages"}, {Index: 1, Text: "at planen sendes i høring"}}},
			{Number: "2", Title: "Salg af grund", CaseNumber: "25/2", Closed: true,
				Sections:        []agenda.Section{{Heading: "Sagsfremstilling", Text: "Købesummen fra Vestervang Ejendomme er 14,7 mio. kr."}},
				Recommendations: []agenda.Recommendation{{Index: 0, Text: "at udvalget godkender salget til Vestervang Ejendomme"}},
				Decision:        "Godkendt med Blomsterdalsklausulen.",
				Attachments:     []agenda.Attachment{{Title: "Bilag 1: Købsaftale", Content: pdf, MediaType: "application/pdf"}}},
		},
	}
	agenda.AssignIDs(&m)
	return m
}

// fillAtRest puts the fixture into s: the meeting, a private note, a group with a shared
// note and a queued envelope.
func fillAtRest(t testing.TB, s *Store) agenda.Meeting {
	t.Helper()
	m := atRestMeeting()
	if _, err := s.Import(agenda.Package{Meetings: []agenda.Meeting{m}}); err != nil {
		t.Fatal(err)
	}
	stored, err := s.Meeting(m.ID)
	if err != nil {
		t.Fatal(err)
	}
	rec := 0
	a, err := agenda.AnchorOn(stored, &stored.Items[0], &rec)
	if err != nil {
		t.Fatal(err)
	}
	n := agenda.Note{Anchor: a, Stance: agenda.StanceAgainst, Text: "Spørg til Kvistgaardsplanen og finansieringen"}
	if err := s.SaveNote(&n); err != nil {
		t.Fatal(err)
	}
	g := &GroupState{
		Name: "A-gruppen", Server: "https://relay.example.dk", ID: "0123456789abcdef0123456789abcdef",
		MemberID: "1111111111111111", Token: "relay-token-Hq7ZpX2vN4", Admin: true, Epoch: 2,
		Keys:      []EpochKey{{1, []byte("GROUPKEY-EPOCH-1-0123456789abcde")}, {2, []byte("GROUPKEY-EPOCH-2-0123456789abcde")}},
		PublicKey: []byte("public-key"), PrivateKey: []byte("PRIVATEKEY-x25519-0123456789abcd"), Author: "Anne",
	}
	if err := s.AddGroup(g); err != nil {
		t.Fatal(err)
	}
	b, err := agenda.AnchorOn(stored, &stored.Items[1], &rec)
	if err != nil {
		t.Fatal(err)
	}
	gn := agenda.Note{ID: "feedfacefeedfacefeedfacefeedface", Anchor: b, Stance: agenda.StanceFor,
		Text: "Gruppen stemmer imod Tornehøjforslaget", Visibility: agenda.Group, Group: "A-gruppen", Author: "Bo", Revision: 1}
	err = s.UpdateGroup("A-gruppen", func(g *GroupState, tx *GroupTx) error {
		if err := tx.PutNote(&GroupNote{ID: gn.ID, Heads: []GroupVersion{{Note: gn, Vector: map[string]uint64{"2222222222222222": 1}, Editor: "2222222222222222", EditorName: "Bo"}}}); err != nil {
			return err
		}
		if _, err := tx.Mirror(&gn); err != nil {
			return err
		}
		return tx.Enqueue("env1", []byte("sealed envelope"), time.Now())
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.ExtractAttachmentTexts(); err != nil {
		t.Fatal(err)
	}
	return m
}

// filesHolding returns the files of dir (recursively) that hold s.
func filesHolding(t testing.TB, dir, s string) []string {
	t.Helper()
	var out []string
	for _, path := range allFiles(t, dir) {
		b := readFile(t, path)
		if bytes.Contains(b, []byte(s)) {
			out = append(out, path)
		}
	}
	return out
}

func allFiles(t testing.TB, dir string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			out = append(out, path)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func readFile(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
