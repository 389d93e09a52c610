package feed

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/dagsorden/dagsorden/agenda"
	"github.com/dagsorden/dagsorden/sync/httpx"
)

// syncAt syncs f with a durable checkpoint in stateFile and the clock at now.
func (f *fixture) syncAt(pinned ed25519.PublicKey, stateFile string, now time.Time) (Result, error) {
	return Sync(context.Background(), f.st, &f.state, Options{
		Source: "test", Location: f.srv.URL, Key: pinned, Cache: f.cache,
		HTTP:       httpx.New(httpx.Options{Rate: -1, Retries: -1}),
		Now:        func() time.Time { return now },
		Checkpoint: func() error { return writeState(stateFile, &f.state) },
	})
}

func writeState(path string, s *State) error {
	data, _ := json.Marshal(s)
	return os.WriteFile(path, data, 0o600)
}

func readState(t *testing.T, path string) State {
	t.Helper()
	var s State
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &s); err != nil {
		t.Fatal(err)
	}
	return s
}

func publishAt(t *testing.T, f *fixture, now time.Time, opts PublishOptions) {
	t.Helper()
	ms := testMeetings(4, 3, 2000)
	opts.Now = func() time.Time { return now }
	if _, err := Publish(packageOf(ms), f.dir, f.priv, opts); err != nil {
		t.Fatal(err)
	}
}

func TestInterruptedSyncThenAnOlderIndexIsRefused(t *testing.T) {
	ms := testMeetings(6, 3, 3000)
	f := newFixture(t, ms)
	stateFile := filepath.Join(t.TempDir(), "state.json")
	if _, err := f.syncAt(publicKey(f.priv), stateFile, time.Now()); err != nil {
		t.Fatal(err)
	}
	old, _ := os.ReadFile(filepath.Join(f.dir, IndexName))

	// A new publication, and a sync that dies right after the index: the network drops.
	for i := range ms {
		ms[i].Items[1].Title += " (ny udgave)"
	}
	publish(t, ms, f.dir, f.priv)
	before := export(t, f.st)
	f.served.Store(0)
	f.dropAfter.Store(1)
	if _, err := f.syncAt(publicKey(f.priv), stateFile, time.Now()); err == nil {
		t.Fatal("the interrupted sync succeeded")
	}
	// As a new process would: only what was checkpointed survives.
	f.state = readState(t, stateFile)
	if newer := readIndex(t, f.dir, f).Sequence; f.state.Sequence != newer {
		t.Fatalf("after the interrupted sync the state records index %d; want %d, recorded before anything was applied", f.state.Sequence, newer)
	}
	if !bytes.Equal(before, export(t, f.st)) {
		t.Fatal("the interrupted sync changed the store although nothing was applied")
	}

	// Someone serves the older (validly signed) index: refused, nothing changes.
	f.dropAfter.Store(0)
	os.WriteFile(filepath.Join(f.dir, IndexName), old, 0o644)
	_, err := f.syncAt(publicKey(f.priv), stateFile, time.Now())
	mustReject(t, err, "older than the one already synced")
	if !bytes.Equal(before, export(t, f.st)) {
		t.Fatal("a refused index changed the store")
	}
	// The genuine index is still welcome.
	publish(t, ms, f.dir, f.priv)
	if _, err := f.syncAt(publicKey(f.priv), stateFile, time.Now()); err != nil {
		t.Fatal(err)
	}
	m, _ := f.st.Meeting(ms[0].ID)
	if m.Items[1].Title != ms[0].Items[1].Title {
		t.Fatalf("after the genuine index: %q", m.Items[1].Title)
	}
}

func TestExpiredIndexIsRefused(t *testing.T) {
	f := newFixture(t, testMeetings(1, 1, 0))
	stateFile := filepath.Join(t.TempDir(), "state.json")
	now := time.Now()
	// Published 40 days ago with the default validity of 30 days.
	os.Remove(filepath.Join(f.dir, IndexName))
	publishAt(t, f, now.AddDate(0, 0, -40), PublishOptions{})
	_, err := f.syncAt(publicKey(f.priv), stateFile, now)
	mustReject(t, err, "expired on")
	if ms, _ := f.st.Meetings(); len(ms) != 0 {
		t.Fatal("an expired index was applied")
	}

	// Valid for an hour: fine now; two hours later the server's 304 does not save it.
	publishAt(t, f, now, PublishOptions{Validity: time.Hour})
	if _, err := f.syncAt(publicKey(f.priv), stateFile, now); err != nil {
		t.Fatal(err)
	}
	later := now.Add(2 * time.Hour)
	f.wire.reset()
	_, err = f.syncAt(publicKey(f.priv), stateFile, later)
	mustReject(t, err, "expired on")
	if _, bodies, _ := f.wire.counts(); bodies != 0 {
		t.Fatalf("%d bodies; the 304 path was not taken", bodies)
	}
	// The publisher, running again from its timer, signs the unchanged feed anew.
	publishAt(t, f, later, PublishOptions{Validity: time.Hour})
	if _, err := f.syncAt(publicKey(f.priv), stateFile, later); err != nil {
		t.Fatalf("the re-signed index: %v", err)
	}
}

func TestFarFutureIndexIsRefusedAndLaterGenuineOnesAccepted(t *testing.T) {
	f := newFixture(t, testMeetings(1, 1, 0))
	stateFile := filepath.Join(t.TempDir(), "state.json")
	if _, err := f.syncAt(publicKey(f.priv), stateFile, time.Now()); err != nil {
		t.Fatal(err)
	}
	seq := f.state.Sequence
	// A publisher whose clock says 2099.
	publishAt(t, f, time.Date(2099, 1, 1, 12, 0, 0, 0, time.UTC), PublishOptions{})
	_, err := f.syncAt(publicKey(f.priv), stateFile, time.Now())
	mustReject(t, err, "in the future")
	if f.state.Sequence != seq || readState(t, stateFile).Sequence != seq {
		t.Fatal("the far-future index was recorded")
	}
	// The clock fixed, the next genuine index is accepted.
	publishAt(t, f, time.Now(), PublishOptions{})
	res, err := f.syncAt(publicKey(f.priv), stateFile, time.Now())
	if err != nil {
		t.Fatalf("a genuine index after the 2099 one: %v", err)
	}
	if len(res.Imports) != 4 || f.state.Sequence <= seq {
		t.Fatalf("%d meetings, sequence %d (was %d)", len(res.Imports), f.state.Sequence, seq)
	}
}

func TestKeyRotation(t *testing.T) {
	ms := testMeetings(2, 2, 0)
	f := newFixture(t, ms)
	k1 := f.priv
	stateFile := filepath.Join(t.TempDir(), "state.json")
	if _, err := f.syncAt(publicKey(k1), stateFile, time.Now()); err != nil {
		t.Fatal(err)
	}
	seq := f.state.Sequence

	// The publisher moves to k2, the rotation signed by k1.
	k2 := newKey(t)
	if _, err := Publish(packageOf(ms), f.dir, k2, PublishOptions{}); err == nil {
		t.Fatal("publishing with another key without the old one succeeded")
	}
	if _, err := Publish(packageOf(ms), f.dir, k2, PublishOptions{PreviousKey: k1}); err != nil {
		t.Fatal(err)
	}
	res, err := f.syncAt(publicKey(k1), stateFile, time.Now())
	if err != nil {
		t.Fatalf("a rotation signed by the pinned key: %v", err)
	}
	if !res.KeyRotated || !res.Key.Equal(publicKey(k2)) || f.state.Key != EncodeKey(publicKey(k2)) || f.state.Sequence <= seq {
		t.Fatalf("after the rotation: rotated %v, key %s, state %+v", res.KeyRotated, Fingerprint(res.Key), f.state.Sequence)
	}
	// Later publications carry the rotation, for subscribers who have not synced since.
	ms[0].Items[0].Title = "Ny titel"
	if _, err := Publish(packageOf(ms), f.dir, k2, PublishOptions{}); err != nil {
		t.Fatal(err)
	}
	late := newFixture(t, ms)
	late.srv = f.srv
	if _, err := late.syncAt(publicKey(k1), filepath.Join(t.TempDir(), "s"), time.Now()); err != nil {
		t.Fatalf("a subscriber still pinned to the first key: %v", err)
	}

	// Anything else is refused: a new key without a rotation…
	k3 := newKey(t)
	if _, err := Publish(packageOf(ms), f.dir, k3, PublishOptions{ReplaceKey: true}); err != nil {
		t.Fatal(err)
	}
	_, err = f.syncAt(publicKey(k2), stateFile, time.Now())
	mustReject(t, err, "no key rotation signed by the pinned key")
	// …and a rotation signed by the new key itself rather than the pinned one.
	raw, _ := os.ReadFile(filepath.Join(f.dir, IndexName))
	idx, _, err := OpenIndex(raw, nil, f.dir)
	if err != nil {
		t.Fatal(err)
	}
	idx.Sequence += 10
	from, to := EncodeKey(publicKey(k2)), EncodeKey(publicKey(k3))
	forged := Rotation{From: from, To: to, Signature: base64.StdEncoding.EncodeToString(ed25519.Sign(k3, rotationMessage(from, to)))}
	data, _ := sealIndex(idx, k3, []Rotation{forged})
	os.WriteFile(filepath.Join(f.dir, IndexName), data, 0o644)
	_, err = f.syncAt(publicKey(k2), stateFile, time.Now())
	mustReject(t, err, "no key rotation signed by the pinned key")
}

func packageOf(ms []agenda.Meeting) agenda.Package { return agenda.Package{Meetings: ms} }
