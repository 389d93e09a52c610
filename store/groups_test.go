package store

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/dagsorden/dagsorden/agenda"
	bolt "go.etcd.io/bbolt"
)

func groupTestStore(t *testing.T) (*Store, agenda.Meeting) {
	t.Helper()
	s, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	m := agenda.Meeting{
		Body: agenda.Body{Name: "Økonomiudvalget"}, Kind: agenda.KindAgenda, Title: "Dagsorden",
		Start: time.Date(2025, 5, 6, 15, 0, 0, 0, agenda.Copenhagen), Source: agenda.Source{Format: "example"},
		Items: []agenda.Item{{Number: "1", Title: "Budget", Recommendations: []agenda.Recommendation{{Index: 0, Text: "at godkende budgettet"}}}},
	}
	agenda.AssignIDs(&m)
	if _, err := s.Import(agenda.Package{Meetings: []agenda.Meeting{m}}); err != nil {
		t.Fatal(err)
	}
	return s, m
}

func fullGroup() *GroupState {
	return &GroupState{
		Name: "A-gruppen", Server: "https://relay.example.dk", ID: "0123456789abcdef0123456789abcdef",
		MemberID: "1111111111111111", Token: "dgm_secret", Admin: true, AdminID: "1111111111111111",
		AdminKey: []byte("admin-public-key-32-bytes-long!!"), Epoch: 2,
		Keys:      []EpochKey{{1, []byte("k1")}, {2, []byte("k2")}},
		PublicKey: []byte("pub"), PrivateKey: []byte("priv"), Author: "Anne",
		Cursor: 42, Clock: 7 << 16,
		Members: []GroupMember{{ID: "1111111111111111", Name: "Anne", PublicKey: []byte("pub"), Admin: true, Verified: true,
			SignKey: []byte("sign"), KeyEpoch: 2},
			{ID: "2222222222222222", Name: "Bo", Removed: true}, {ID: "3333333333333333", Stranger: true}},
		Created: time.Date(2025, 1, 2, 3, 4, 5, 6, agenda.Copenhagen), Synced: time.Date(2025, 2, 3, 4, 5, 6, 7, agenda.Copenhagen),
		Rekey: true, SignPublic: []byte("spub"), SignPrivate: []byte("spriv"), RootKey: []byte("root"),
		Chain: [][]byte{[]byte("genesis"), []byte("join")}, Seq: 17,
		Seen:    []AuthorSeen{{Member: "2222222222222222", Next: 5, Above: []uint64{7, 9}}, {Member: "1111111111111111", Next: 1}},
		Removed: true, NextKey: EpochKey{3, []byte("k3")}, ProfileEpoch: 2,
	}
}

func TestGroupStateRoundTrip(t *testing.T) {
	s, _ := groupTestStore(t)
	if gs, err := s.Groups(); err != nil || len(gs) != 0 {
		t.Fatalf("a new store has groups: %v %v", gs, err)
	}
	if _, err := s.Group("A-gruppen"); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown group: %v", err)
	}
	g := fullGroup()
	// Every field must be set, or the round trip proves nothing about it.
	v := reflect.ValueOf(*g)
	for i := range v.NumField() {
		if v.Field(i).IsZero() {
			t.Fatalf("fullGroup leaves %s zero", v.Type().Field(i).Name)
		}
	}
	if err := s.AddGroup(g); err != nil {
		t.Fatal(err)
	}
	got, err := s.Group("A-gruppen")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, g) {
		t.Errorf("round trip:\n got %+v\nwant %+v", got, g)
	}
	if err := s.AddGroup(fullGroup()); err == nil || !strings.Contains(err.Error(), "already have a group named") {
		t.Errorf("same name twice: %v", err)
	}
	same := fullGroup()
	same.Name = "Other name"
	if err := s.AddGroup(same); err == nil || !strings.Contains(err.Error(), "already in this group") {
		t.Errorf("same group under another name: %v", err)
	}
	for _, bad := range []string{"", "  ", "a\x1bb", strings.Repeat("x", 201)} {
		b := fullGroup()
		b.Name, b.ID = bad, "ffffffffffffffffffffffffffffffff"
		if err := s.AddGroup(b); err == nil {
			t.Errorf("group name %q accepted", bad)
		}
	}
}

func TestSetKey(t *testing.T) {
	var g GroupState
	g.SetKey(2, []byte("two"))
	g.SetKey(1, []byte("one"))
	g.SetKey(2, []byte("TWO"))
	if g.Epoch != 2 || len(g.Keys) != 2 || g.Keys[0].Epoch != 1 || string(g.Key(2)) != "TWO" || g.Key(3) != nil {
		t.Errorf("%+v", g)
	}
}

func TestUpdateGroup(t *testing.T) {
	s, _ := groupTestStore(t)
	if err := s.AddGroup(fullGroup()); err != nil {
		t.Fatal(err)
	}
	gen, _ := s.Generation()
	if err := s.UpdateGroup("A-gruppen", func(g *GroupState, _ *GroupTx) error {
		g.Cursor = 99
		return ErrNoChange
	}); err != nil {
		t.Fatal(err)
	}
	if g, _ := s.Group("A-gruppen"); g.Cursor != 42 {
		t.Error("ErrNoChange wrote")
	}
	if gen2, _ := s.Generation(); gen2 != gen {
		t.Error("ErrNoChange bumped the generation")
	}
	boom := errors.New("boom")
	if err := s.UpdateGroup("A-gruppen", func(g *GroupState, tx *GroupTx) error {
		g.Cursor = 99
		tx.Enqueue("e", []byte("d"), time.Now())
		return boom
	}); !errors.Is(err, boom) {
		t.Fatal(err)
	}
	if ob, _ := s.GroupOutbox("A-gruppen"); len(ob) != 0 {
		t.Error("a failed update left an outbox entry")
	}
	if err := s.UpdateGroup("A-gruppen", func(g *GroupState, _ *GroupTx) error {
		g.Name = "renamed"
		return nil
	}); err == nil {
		t.Error("renamed a group")
	}
	if err := s.UpdateGroup("nope", func(*GroupState, *GroupTx) error { return nil }); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown group: %v", err)
	}
	if err := s.ViewGroup("A-gruppen", func(_ *GroupState, tx *GroupTx) error {
		return tx.Enqueue("e", []byte("d"), time.Now())
	}); err == nil {
		t.Error("wrote in a read-only transaction")
	}
}

func TestGroupNotesAndOutbox(t *testing.T) {
	s, m := groupTestStore(t)
	if err := s.AddGroup(fullGroup()); err != nil {
		t.Fatal(err)
	}
	other := fullGroup()
	other.Name, other.ID = "V-gruppen", "ffffffffffffffffffffffffffffffff"
	if err := s.AddGroup(other); err != nil {
		t.Fatal(err)
	}
	zero := 0
	v := GroupVersion{
		Note: agenda.Note{ID: "n1", Text: "tekst", Stance: agenda.StanceFor, Author: "Anne", Visibility: agenda.Group,
			Anchor:  agenda.Anchor{MeetingID: m.ID, ItemID: m.Items[0].ID, Recommendation: &zero, Quote: agenda.Quote{Exact: "at godkende budgettet"}},
			Created: time.Date(2025, 5, 1, 10, 0, 0, 0, agenda.Copenhagen), Updated: time.Date(2025, 5, 1, 11, 0, 0, 0, agenda.Copenhagen), Revision: 3},
		Vector: map[string]uint64{"1111111111111111": 2, "2222222222222222": 1}, Clock: 12345, Editor: "2222222222222222",
		EditorName: "Bo", Envelope: "env1",
	}
	w := v
	w.Note.Text, w.Vector, w.Envelope = "anden tekst", map[string]uint64{"1111111111111111": 3}, "env2"
	want := &GroupNote{ID: "n1", Heads: []GroupVersion{v, w}, Local: NoteSync{Revision: 4, Vector: map[string]uint64{"1111111111111111": 3}, Detached: true},
		Creator: "2222222222222222", Origin: []byte("origin-signature")}
	err := s.UpdateGroup("A-gruppen", func(_ *GroupState, tx *GroupTx) error {
		if err := tx.PutNote(want); err != nil {
			return err
		}
		for i, e := range []string{"a", "b", "c"} {
			if err := tx.Enqueue(e, []byte{byte(i)}, time.Now()); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.GroupNote("A-gruppen", "n1")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) || !got.Conflict() {
		t.Errorf("group note round trip:\n got %+v\nwant %+v", got, want)
	}
	if _, err := s.GroupNote("V-gruppen", "n1"); !errors.Is(err, ErrNotFound) {
		t.Errorf("a note of A-gruppen is visible in V-gruppen: %v", err)
	}
	all, _ := s.GroupNotes("A-gruppen")
	if len(all) != 1 {
		t.Errorf("GroupNotes: %d", len(all))
	}
	ob, _ := s.GroupOutbox("A-gruppen")
	if len(ob) != 3 || ob[0].Envelope != "a" || ob[2].Envelope != "c" || ob[1].Data[0] != 1 {
		t.Fatalf("outbox %+v", ob)
	}
	if ob2, _ := s.GroupOutbox("V-gruppen"); len(ob2) != 0 {
		t.Error("another group's outbox is not empty")
	}
	s.UpdateGroup("A-gruppen", func(_ *GroupState, tx *GroupTx) error { return tx.Dequeue([]uint64{ob[0].Seq, ob[2].Seq, 999}) })
	if ob, _ = s.GroupOutbox("A-gruppen"); len(ob) != 1 || ob[0].Envelope != "b" {
		t.Errorf("after dequeue: %+v", ob)
	}
}

func TestMirror(t *testing.T) {
	s, m := groupTestStore(t)
	if err := s.AddGroup(fullGroup()); err != nil {
		t.Fatal(err)
	}
	zero := 0
	remote := agenda.Note{ID: "remote1", Text: "fra Bo", Stance: agenda.StanceAgainst, Author: "Bo",
		Visibility: agenda.Group, Group: "A-gruppen", Revision: 5,
		Anchor: agenda.Anchor{MeetingID: m.ID, ItemID: m.Items[0].ID, Recommendation: &zero, Quote: agenda.Quote{Exact: "at godkende budgettet"}}}
	elsewhere := remote
	elsewhere.ID, elsewhere.Anchor.MeetingID, elsewhere.Anchor.ItemID = "remote2", "unknown-meeting", "unknown-item"
	tomb := remote
	tomb.ID, tomb.Deleted = "remote3", true
	err := s.UpdateGroup("A-gruppen", func(_ *GroupState, tx *GroupTx) error {
		for _, n := range []agenda.Note{remote, elsewhere} {
			if _, err := tx.Mirror(&n); err != nil {
				return err
			}
		}
		stored, err := tx.Mirror(&tomb)
		if stored != nil {
			t.Error("a tombstone of an unknown note was written")
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	ns, _ := s.NotesForMeeting(m.ID)
	if len(ns) != 1 || ns[0].ID != "remote1" || ns[0].Status != agenda.StatusOK || ns[0].Revision != 5 || ns[0].Author != "Bo" {
		t.Errorf("mirrored note on a known item: %+v", ns)
	}
	if n, _ := s.Note("remote2"); n == nil || n.Status != agenda.StatusOrphaned {
		t.Errorf("mirrored note on an item this member lacks: %+v", n)
	}
	if _, err := s.Note("remote3"); !errors.Is(err, ErrNotFound) {
		t.Errorf("tombstone: %v", err)
	}
	// A later version with a lower revision keeps the higher; a tombstone hides it.
	older := remote
	older.Text, older.Revision, older.Deleted = "slettet", 2, true
	s.UpdateGroup("A-gruppen", func(_ *GroupState, tx *GroupTx) error {
		stored, err := tx.Mirror(&older)
		if err == nil && stored.Revision != 5 {
			t.Errorf("revision went down to %d", stored.Revision)
		}
		return err
	})
	if ns, _ := s.NotesForMeeting(m.ID); len(ns) != 0 {
		t.Errorf("a mirrored deletion still shows: %+v", ns)
	}
	// The user can edit a mirrored note like their own.
	n, _ := s.Note("remote2")
	n.Text = "rettet"
	if err := s.SaveNote(n); err != nil {
		t.Errorf("editing a mirrored note: %v", err)
	}
	// OwnNotes sees every note, tombstones included.
	var seen []string
	s.ViewGroup("A-gruppen", func(_ *GroupState, tx *GroupTx) error {
		return tx.OwnNotes(func(n *agenda.Note) error {
			seen = append(seen, n.ID)
			return nil
		})
	})
	if strings.Join(seen, ",") != "remote1,remote2" {
		t.Errorf("OwnNotes: %v", seen)
	}
	// The group buckets appear only with the first group write.
	s2, _ := Open(t.TempDir())
	s2.view(func(tx *bolt.Tx) error {
		if tx.Bucket(bucketGroupNotes) != nil || tx.Bucket(bucketGroups) != nil {
			t.Error("a store without groups has group buckets")
		}
		return nil
	})
}
