package relay

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

type fixture struct {
	t    testing.TB
	r    *Relay
	h    http.Handler
	dir  string
	logs *logBuffer
}

func newFixture(t *testing.T, opts Options) *fixture {
	t.Helper()
	f := &fixture{t: t, dir: t.TempDir(), logs: &logBuffer{}}
	opts.Logger = slog.New(slog.NewTextHandler(f.logs, nil))
	r, err := New(f.dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	f.r, f.h = r, r.Handler()
	return f
}

// call sends one request through the relay's handler and decodes a JSON answer into out.
func (f *fixture) call(method, path, token string, body any, out any) int {
	f.t.Helper()
	var rd *bytes.Reader
	switch b := body.(type) {
	case nil:
		rd = bytes.NewReader(nil)
	case []byte:
		rd = bytes.NewReader(b)
	case string:
		rd = bytes.NewReader([]byte(b))
	default:
		js, err := json.Marshal(b)
		if err != nil {
			f.t.Fatal(err)
		}
		rd = bytes.NewReader(js)
	}
	req := httptest.NewRequest(method, Prefix+path, rd)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	w := httptest.NewRecorder()
	f.h.ServeHTTP(w, req)
	if out != nil && w.Code < 300 {
		if err := json.Unmarshal(w.Body.Bytes(), out); err != nil {
			f.t.Fatalf("%s %s: answer %q: %v", method, path, w.Body.String(), err)
		}
	}
	return w.Code
}

func pubKey() []byte {
	k := make([]byte, 32)
	rand.Read(k)
	return k
}

func (f *fixture) create() CreateGroupResponse {
	f.t.Helper()
	var out CreateGroupResponse
	if code := f.call("POST", "/v1/groups", f.r.OperatorToken(), CreateGroupRequest{PublicKey: pubKey()}, &out); code != http.StatusCreated {
		f.t.Fatalf("create group: %d", code)
	}
	return out
}

func (f *fixture) invite(g CreateGroupResponse) string {
	f.t.Helper()
	var out InviteResponse
	if code := f.call("POST", "/v1/groups/"+g.GroupID+"/invites", g.Token, nil, &out); code != http.StatusCreated {
		f.t.Fatalf("invite: %d", code)
	}
	return out.Invite
}

func (f *fixture) join(groupID, invite string) JoinResponse {
	f.t.Helper()
	var out JoinResponse
	if code := f.call("POST", "/v1/groups/"+groupID+"/join", invite, JoinRequest{PublicKey: pubKey()}, &out); code != http.StatusCreated {
		f.t.Fatalf("join: %d", code)
	}
	return out
}

func envID(i int) string { return fmt.Sprintf("%032x", i+1) }

func (f *fixture) push(groupID, token string, envs ...PushEnvelope) []uint64 {
	f.t.Helper()
	var out PushResponse
	if code := f.call("POST", "/v1/groups/"+groupID+"/envelopes", token, PushRequest{Envelopes: envs}, &out); code != http.StatusOK {
		f.t.Fatalf("push: %d", code)
	}
	return out.Seqs
}

// dump fingerprints everything in relay.db: every bucket, key, value and sequence.
func (f *fixture) dump() [32]byte {
	f.t.Helper()
	h := sha256.New()
	var walk func(b *bolt.Bucket, depth int) error
	walk = func(b *bolt.Bucket, depth int) error {
		fmt.Fprintf(h, "seq %d\n", b.Sequence())
		return b.ForEach(func(k, v []byte) error {
			fmt.Fprintf(h, "%d %x=%x\n", depth, k, v)
			if v == nil {
				return walk(b.Bucket(k), depth+1)
			}
			return nil
		})
	}
	err := f.r.db.View(func(tx *bolt.Tx) error {
		return tx.ForEach(func(name []byte, b *bolt.Bucket) error {
			fmt.Fprintf(h, "bucket %s\n", name)
			return walk(b, 1)
		})
	})
	if err != nil {
		f.t.Fatal(err)
	}
	return [32]byte(h.Sum(nil))
}

func TestFirstStartMakesTheOperatorTokenOnce(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "relay")
	r, err := New(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	tok := r.OperatorToken()
	if !strings.HasPrefix(tok, "dgo_") || len(tok) != 4+43 {
		t.Errorf("operator token %q: want dgo_ and 256 bits in base64url", tok)
	}
	var stored []byte
	r.db.View(func(tx *bolt.Tx) error {
		stored = bytes.Clone(tx.Bucket(bucketMeta).Get(keyOperator))
		return nil
	})
	if h := sha256.Sum256([]byte(tok)); !bytes.Equal(stored, h[:]) {
		t.Error("the stored operator credential is not the token's sha256")
	}
	r.Close()
	raw, _ := os.ReadFile(filepath.Join(dir, FileName))
	if bytes.Contains(raw, []byte(tok)) {
		t.Error("relay.db holds the operator token itself")
	}
	fi, err := os.Stat(filepath.Join(dir, FileName))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("relay.db: %v %v, want mode 0600", fi.Mode(), err)
	}
	if di, _ := os.Stat(dir); di.Mode().Perm() != 0o700 {
		t.Errorf("relay data folder mode %v, want 0700", di.Mode().Perm())
	}
	r2, err := New(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer r2.Close()
	if r2.OperatorToken() != "" {
		t.Error("a second start made a new operator token")
	}
	// The first token still creates groups; after a reset only the new one does.
	f := &fixture{t: t, r: r2, h: r2.Handler()}
	if code := f.call("POST", "/v1/groups", tok, CreateGroupRequest{PublicKey: pubKey()}, nil); code != http.StatusCreated {
		t.Errorf("create with the operator token after restart: %d", code)
	}
	tok2, err := r2.ResetOperatorToken()
	if err != nil {
		t.Fatal(err)
	}
	if code := f.call("POST", "/v1/groups", tok, CreateGroupRequest{PublicKey: pubKey()}, nil); code != http.StatusUnauthorized {
		t.Errorf("create with the replaced operator token: %d, want 401", code)
	}
	if code := f.call("POST", "/v1/groups", tok2, CreateGroupRequest{PublicKey: pubKey()}, nil); code != http.StatusCreated {
		t.Errorf("create with the new operator token: %d", code)
	}
}

func TestASecondRelayOnTheSameFolderIsRefused(t *testing.T) {
	dir := t.TempDir()
	r, err := New(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	start := time.Now()
	_, err = New(dir, Options{})
	if err == nil || !strings.Contains(err.Error(), "another dagsorden serve is using") {
		t.Errorf("second relay on the same folder: %v", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("the second relay waited %v", d)
	}
}

func TestMigrationOneMakesTheLayout(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, FileName)
	db, err := bolt.Open(path, 0o600, nil) // an empty file, as a crash before migrating leaves
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	r, err := New(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	r.db.View(func(tx *bolt.Tx) error {
		for _, b := range [][]byte{bucketMeta, bucketTokens, bucketGroups} {
			if tx.Bucket(b) == nil {
				t.Errorf("bucket %s missing after migration", b)
			}
		}
		if v := schemaVersion(tx); v != uint64(len(migrations)) {
			t.Errorf("schema version %d, want %d", v, len(migrations))
		}
		return nil
	})
	r.Close()
	// A file from a newer relay is refused, not misread.
	db, _ = bolt.Open(path, 0o600, nil)
	db.Update(func(tx *bolt.Tx) error { return tx.Bucket(bucketMeta).Put(keyVersion, u64(99)) })
	db.Close()
	if _, err := New(dir, Options{}); err == nil || !strings.Contains(err.Error(), "newer dagsorden") {
		t.Errorf("newer relay data: %v", err)
	}
}

func TestBadInputIsRefusedAndChangesNothing(t *testing.T) {
	f := newFixture(t, Options{})
	g := f.create()
	m := f.join(g.GroupID, f.invite(g))
	used := f.invite(g)
	f.join(g.GroupID, used)
	revoked := f.invite(g)
	other := f.create()
	f.push(g.GroupID, g.Token, PushEnvelope{ID: envID(0), Data: []byte("ciphertext-0")})
	gone := f.join(g.GroupID, f.invite(g))
	if code := f.call("DELETE", "/v1/groups/"+g.GroupID+"/members/"+gone.MemberID, g.Token, nil, nil); code != http.StatusNoContent {
		t.Fatalf("remove: %d", code)
	}
	fresh := f.invite(g) // the removal revoked the earlier one

	gp := "/v1/groups/" + g.GroupID
	big := PushRequest{Envelopes: []PushEnvelope{{ID: envID(1), Data: bytes.Repeat([]byte{1}, MaxBody)}}}
	tooMany := PushRequest{}
	for i := range MaxPushEnvelopes + 1 {
		tooMany.Envelopes = append(tooMany.Envelopes, PushEnvelope{ID: envID(100 + i), Data: []byte("x")})
	}
	forged := "dgm_" + base64.RawURLEncoding.EncodeToString(pubKey())
	cases := []struct {
		name          string
		method, path  string
		token         string
		body          any
		want          int
		noContentLen  bool
		extraHeaderFn func(*http.Request)
	}{
		{"oversized body", "POST", gp + "/envelopes", g.Token, big, http.StatusRequestEntityTooLarge, false, nil},
		{"oversized body without length", "POST", gp + "/envelopes", g.Token, big, http.StatusRequestEntityTooLarge, true, nil},
		{"not JSON", "POST", gp + "/envelopes", g.Token, "{envelopes:", http.StatusBadRequest, false, nil},
		{"data after JSON", "POST", gp + "/envelopes", g.Token, `{"envelopes":[{"id":"` + envID(2) + `","data":"eA=="}]} {}`, http.StatusBadRequest, false, nil},
		{"data not base64", "POST", gp + "/envelopes", g.Token, `{"envelopes":[{"id":"` + envID(2) + `","data":"!!"}]}`, http.StatusBadRequest, false, nil},
		{"no envelopes", "POST", gp + "/envelopes", g.Token, PushRequest{}, http.StatusBadRequest, false, nil},
		{"too many envelopes", "POST", gp + "/envelopes", g.Token, tooMany, http.StatusBadRequest, false, nil},
		{"malformed envelope id", "POST", gp + "/envelopes", g.Token, PushRequest{Envelopes: []PushEnvelope{{ID: "xyz", Data: []byte("x")}}}, http.StatusBadRequest, false, nil},
		{"upper-case envelope id", "POST", gp + "/envelopes", g.Token, PushRequest{Envelopes: []PushEnvelope{{ID: strings.ToUpper("abcdef" + envID(3)[6:]), Data: []byte("x")}}}, http.StatusBadRequest, false, nil},
		{"empty envelope", "POST", gp + "/envelopes", g.Token, PushRequest{Envelopes: []PushEnvelope{{ID: envID(3)}}}, http.StatusBadRequest, false, nil},
		{"envelope over the limit", "POST", gp + "/envelopes", g.Token, PushRequest{Envelopes: []PushEnvelope{{ID: envID(3), Data: make([]byte, MaxEnvelope+1)}}}, http.StatusBadRequest, false, nil},
		{"envelope id reused with other data", "POST", gp + "/envelopes", g.Token, PushRequest{Envelopes: []PushEnvelope{{ID: envID(4), Data: []byte("new")}, {ID: envID(0), Data: []byte("forged")}}}, http.StatusConflict, false, nil},
		{"same id twice in one push", "POST", gp + "/envelopes", g.Token, PushRequest{Envelopes: []PushEnvelope{{ID: envID(5), Data: []byte("a")}, {ID: envID(5), Data: []byte("b")}}}, http.StatusConflict, false, nil},
		{"unknown group", "POST", "/v1/groups/" + strings.Repeat("ab", 16) + "/envelopes", g.Token, PushRequest{Envelopes: []PushEnvelope{{ID: envID(6), Data: []byte("x")}}}, http.StatusNotFound, false, nil},
		{"unknown group pull", "GET", "/v1/groups/" + strings.Repeat("ab", 16) + "/envelopes", g.Token, nil, http.StatusNotFound, false, nil},
		{"malformed group id", "GET", "/v1/groups/..%2f..%2fetc/envelopes", g.Token, nil, http.StatusBadRequest, false, nil},
		{"forged token", "POST", gp + "/envelopes", forged, PushRequest{Envelopes: []PushEnvelope{{ID: envID(7), Data: []byte("x")}}}, http.StatusUnauthorized, false, nil},
		{"forged token pull", "GET", gp + "/envelopes", forged, nil, http.StatusUnauthorized, false, nil},
		{"no token", "GET", gp + "/envelopes", "", nil, http.StatusUnauthorized, false, nil},
		{"basic auth", "GET", gp + "/envelopes", "", nil, http.StatusUnauthorized, false, func(r *http.Request) { r.SetBasicAuth("a", "b") }},
		{"invite token as member token", "GET", gp + "/envelopes", fresh, nil, http.StatusUnauthorized, false, nil},
		{"operator token as member token", "GET", gp + "/envelopes", f.r.OperatorToken(), nil, http.StatusUnauthorized, false, nil},
		{"other group's member", "GET", gp + "/envelopes", other.Token, nil, http.StatusForbidden, false, nil},
		{"other group's member pushes", "POST", gp + "/envelopes", other.Token, PushRequest{Envelopes: []PushEnvelope{{ID: envID(8), Data: []byte("x")}}}, http.StatusForbidden, false, nil},
		{"removed member pulls", "GET", gp + "/envelopes", gone.Token, nil, http.StatusForbidden, false, nil},
		{"removed member pushes", "POST", gp + "/envelopes", gone.Token, PushRequest{Envelopes: []PushEnvelope{{ID: envID(9), Data: []byte("x")}}}, http.StatusForbidden, false, nil},
		{"removed member invites", "POST", gp + "/invites", gone.Token, nil, http.StatusForbidden, false, nil},
		{"member invites", "POST", gp + "/invites", m.Token, nil, http.StatusForbidden, false, nil},
		{"member removes the admin", "DELETE", gp + "/members/" + g.MemberID, m.Token, nil, http.StatusForbidden, false, nil},
		{"admin removes themselves", "DELETE", gp + "/members/" + g.MemberID, g.Token, nil, http.StatusBadRequest, false, nil},
		{"remove unknown member", "DELETE", gp + "/members/" + strings.Repeat("0", 16), g.Token, nil, http.StatusNotFound, false, nil},
		{"remove removed member", "DELETE", gp + "/members/" + gone.MemberID, g.Token, nil, http.StatusNotFound, false, nil},
		{"remove malformed member", "DELETE", gp + "/members/zz", g.Token, nil, http.StatusBadRequest, false, nil},
		{"replayed invite", "POST", gp + "/join", used, JoinRequest{PublicKey: pubKey()}, http.StatusUnauthorized, false, nil},
		{"invite revoked by a removal", "POST", gp + "/join", revoked, JoinRequest{PublicKey: pubKey()}, http.StatusUnauthorized, false, nil},
		{"forged invite", "POST", gp + "/join", "dgi_" + base64.RawURLEncoding.EncodeToString(pubKey()), JoinRequest{PublicKey: pubKey()}, http.StatusUnauthorized, false, nil},
		{"invite of another group", "POST", "/v1/groups/" + other.GroupID + "/join", fresh, JoinRequest{PublicKey: pubKey()}, http.StatusUnauthorized, false, nil},
		{"join with a short key", "POST", gp + "/join", fresh, JoinRequest{PublicKey: []byte("short")}, http.StatusBadRequest, false, nil},
		{"join with no body", "POST", gp + "/join", fresh, nil, http.StatusBadRequest, false, nil},
		{"join an unknown group", "POST", "/v1/groups/" + strings.Repeat("cd", 16) + "/join", fresh, JoinRequest{PublicKey: pubKey()}, http.StatusNotFound, false, nil},
		{"pull after not a number", "GET", gp + "/envelopes?after=abc", g.Token, nil, http.StatusBadRequest, false, nil},
		{"pull after negative", "GET", gp + "/envelopes?after=-1", g.Token, nil, http.StatusBadRequest, false, nil},
		{"pull limit zero", "GET", gp + "/envelopes?limit=0", g.Token, nil, http.StatusBadRequest, false, nil},
		{"pull limit too big", "GET", gp + "/envelopes?limit=5000", g.Token, nil, http.StatusBadRequest, false, nil},
		{"create without operator token", "POST", "/v1/groups", "", CreateGroupRequest{PublicKey: pubKey()}, http.StatusUnauthorized, false, nil},
		{"create with a member token", "POST", "/v1/groups", g.Token, CreateGroupRequest{PublicKey: pubKey()}, http.StatusUnauthorized, false, nil},
		{"create with a bad key", "POST", "/v1/groups", f.r.OperatorToken(), CreateGroupRequest{PublicKey: []byte{1, 2}}, http.StatusBadRequest, false, nil},
		{"wrong method", "PUT", gp + "/envelopes", g.Token, nil, http.StatusMethodNotAllowed, false, nil},
		{"unknown route", "GET", "/v1/nothing", g.Token, nil, http.StatusNotFound, false, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := f.dump()
			var body []byte
			switch b := tc.body.(type) {
			case nil:
			case string:
				body = []byte(b)
			default:
				body, _ = json.Marshal(b)
			}
			req := httptest.NewRequest(tc.method, Prefix+tc.path, bytes.NewReader(body))
			if tc.noContentLen {
				req.ContentLength = -1
			}
			if tc.token != "" {
				req.Header.Set("Authorization", "Bearer "+tc.token)
			}
			if tc.extraHeaderFn != nil {
				tc.extraHeaderFn(req)
			}
			req.RemoteAddr = fmt.Sprintf("192.0.2.%d:1234", len(tc.name)) // keep failed-auth limits apart
			w := httptest.NewRecorder()
			f.h.ServeHTTP(w, req)
			if w.Code != tc.want {
				t.Errorf("status %d, want %d (%s)", w.Code, tc.want, w.Body.String())
			}
			// Every refusal of the relay's own carries one sentence (the mux's 404 and 405
			// for routes that do not exist are plain text).
			if tc.want != http.StatusMethodNotAllowed && tc.path != "/v1/nothing" {
				var er ErrorResponse
				if err := json.Unmarshal(w.Body.Bytes(), &er); err != nil || er.Error == "" {
					t.Errorf("refusal without a sentence: %q", w.Body.String())
				}
			}
			if after := f.dump(); after != before {
				t.Error("the refused request changed relay.db")
			}
		})
	}
	// The envelope a forger tried to overwrite is intact.
	var pr PullResponse
	f.call("GET", gp+"/envelopes", g.Token, nil, &pr)
	if len(pr.Envelopes) != 1 || string(pr.Envelopes[0].Data) != "ciphertext-0" {
		t.Errorf("envelopes after the bad requests: %+v", pr.Envelopes)
	}
	// The logs name no token, no group or member id and no data.
	logs := f.logs.String()
	for what, s := range map[string]string{"member token": g.Token, "forged token": forged, "invite": fresh,
		"operator token": f.r.OperatorToken(), "group id": g.GroupID, "member id": m.MemberID, "data": "ciphertext-0"} {
		if strings.Contains(logs, s) {
			t.Errorf("the logs contain a %s", what)
		}
	}
	if !strings.Contains(logs, "status=403") || !strings.Contains(logs, "status=413") {
		t.Errorf("the logs do not record refusals:\n%s", logs)
	}
}

func TestPushIsIdempotentAndPullPages(t *testing.T) {
	f := newFixture(t, Options{})
	g := f.create()
	m := f.join(g.GroupID, f.invite(g))
	gp := "/v1/groups/" + g.GroupID
	var envs []PushEnvelope
	for i := range 25 {
		envs = append(envs, PushEnvelope{ID: envID(i), Data: []byte(fmt.Sprintf("ct-%d", i))})
	}
	seqs := f.push(g.GroupID, g.Token, envs[:20]...)
	if len(seqs) != 20 || seqs[0] != 1 || seqs[19] != 20 {
		t.Fatalf("seqs %v", seqs)
	}
	// A retried push (the client never saw the answer) gets the same numbers back and
	// stores nothing twice; new envelopes in the same push get new numbers.
	again := f.push(g.GroupID, m.Token, envs[15:]...)
	want := []uint64{16, 17, 18, 19, 20, 21, 22, 23, 24, 25}
	if fmt.Sprint(again) != fmt.Sprint(want) {
		t.Errorf("retried push: %v, want %v", again, want)
	}
	var all []Envelope
	after := uint64(0)
	for pages := 0; ; pages++ {
		var pr PullResponse
		if code := f.call("GET", fmt.Sprintf("%s/envelopes?after=%d&limit=10", gp, after), m.Token, nil, &pr); code != 200 {
			t.Fatalf("pull: %d", code)
		}
		all = append(all, pr.Envelopes...)
		if len(pr.Envelopes) > 0 {
			after = pr.Envelopes[len(pr.Envelopes)-1].Seq
		}
		if !pr.More {
			break
		}
		if pages > 5 {
			t.Fatal("pulling does not end")
		}
	}
	if len(all) != 25 {
		t.Fatalf("pulled %d envelopes, want 25", len(all))
	}
	for i, e := range all {
		if e.Seq != uint64(i+1) || e.ID != envID(i) || string(e.Data) != fmt.Sprintf("ct-%d", i) || e.Time.IsZero() {
			t.Errorf("envelope %d: %+v", i, e)
		}
	}
	if all[0].Sender != g.MemberID || all[24].Sender != m.MemberID {
		t.Errorf("senders %s, %s", all[0].Sender, all[24].Sender)
	}
	var members MembersResponse
	f.call("GET", gp+"/members", m.Token, nil, &members)
	if len(members.Members) != 2 {
		t.Errorf("members: %+v", members)
	}
}

// callFrom is call from a client address (RemoteAddr), with an X-Forwarded-For header
// when xff is not "".
func (f *fixture) callFrom(addr, xff, method, path, token string) int {
	f.t.Helper()
	req := httptest.NewRequest(method, Prefix+path, nil)
	req.RemoteAddr = addr
	if xff != "" {
		req.Header.Set("X-Forwarded-For", xff)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	w := httptest.NewRecorder()
	f.h.ServeHTTP(w, req)
	return w.Code
}

func TestRateLimits(t *testing.T) {
	f := newFixture(t, Options{TokenRate: 0.01, TokenBurst: 3, FailRate: 0.01, FailBurst: 2})
	g := f.create()
	gp := "/v1/groups/" + g.GroupID
	for i := range 3 {
		if code := f.call("GET", gp+"/envelopes", g.Token, nil, nil); code != 200 {
			t.Fatalf("request %d: %d", i, code)
		}
	}
	req := httptest.NewRequest("GET", Prefix+gp+"/envelopes", nil)
	req.Header.Set("Authorization", "Bearer "+g.Token)
	w := httptest.NewRecorder()
	f.h.ServeHTTP(w, req)
	if w.Code != http.StatusTooManyRequests || w.Header().Get("Retry-After") == "" {
		t.Errorf("request over the token's rate: %d, Retry-After %q", w.Code, w.Header().Get("Retry-After"))
	}
	// Someone guesses tokens from the address a member also uses (an office NAT): the
	// guesses run out, the member is served.
	other := f.create()
	const office = "198.51.100.7:5000"
	guess := func() string { return "dgm_" + base64.RawURLEncoding.EncodeToString(pubKey()) }
	for i := range 2 {
		if code := f.callFrom(office, "", "GET", gp+"/envelopes", guess()); code != http.StatusUnauthorized {
			t.Fatalf("guess %d: %d, want 401", i, code)
		}
	}
	for i := range 3 {
		if code := f.callFrom(office, "", "GET", gp+"/envelopes", guess()); code != http.StatusTooManyRequests {
			t.Errorf("guess %d after the limit: %d, want 429", i+3, code)
		}
	}
	for i := range 2 {
		if code := f.callFrom(office, "", "GET", "/v1/groups/"+other.GroupID+"/envelopes", other.Token); code != http.StatusOK {
			t.Errorf("a member's valid token from the guesser's address (request %d): %d, want 200", i, code)
		}
	}
	if code := f.callFrom(office, "", "POST", "/v1/groups", f.r.OperatorToken()); code == http.StatusTooManyRequests || code == http.StatusUnauthorized {
		t.Errorf("the operator's token from the guesser's address: %d", code)
	}
	// One bad token tried from many addresses runs out by its prefix.
	stale := guess()
	for i := range 4 {
		code := f.callFrom(fmt.Sprintf("203.0.113.%d:80", i+1), "", "GET", gp+"/envelopes", stale)
		if want := map[bool]int{true: 401, false: 429}[i < 2]; code != want {
			t.Errorf("the same bad token from address %d: %d, want %d", i+1, code, want)
		}
	}
	// IPv6 clients are counted by /64: stepping through addresses in it does not help.
	for i := range 3 {
		code := f.callFrom(fmt.Sprintf("[2001:db8:1:2::%x]:443", i+1), "", "GET", gp+"/envelopes", guess())
		if want := map[bool]int{true: 401, false: 429}[i < 2]; code != want {
			t.Errorf("guess %d from the same /64: %d, want %d", i+1, code, want)
		}
	}
}

func TestForwardedForOnlyFromATrustedProxy(t *testing.T) {
	proxies, err := ParseProxies([]string{"10.0.0.0/8", "127.0.0.1"})
	if err != nil {
		t.Fatal(err)
	}
	f := newFixture(t, Options{FailRate: 0.01, FailBurst: 2, TrustedProxies: proxies})
	g := f.create()
	gp := "/v1/groups/" + g.GroupID + "/envelopes"
	guess := func() string { return "dgm_" + base64.RawURLEncoding.EncodeToString(pubKey()) }
	// Through the trusted proxy: each client is counted by its own address, so one
	// guessing client does not block another behind the same proxy.
	for range 2 {
		f.callFrom("10.1.2.3:4000", "203.0.113.50", "GET", gp, guess())
	}
	if code := f.callFrom("10.1.2.3:4000", "203.0.113.50", "GET", gp, guess()); code != http.StatusTooManyRequests {
		t.Errorf("third guess of one client behind the proxy: %d, want 429", code)
	}
	if code := f.callFrom("10.1.2.3:4000", "203.0.113.51", "GET", gp, guess()); code != http.StatusUnauthorized {
		t.Errorf("another client behind the proxy: %d, want 401 (not blocked)", code)
	}
	// A chain of proxies: the client is the rightmost untrusted hop, whatever it wrote
	// further left.
	if code := f.callFrom("127.0.0.1:4000", "198.51.100.1, 203.0.113.50, 10.9.9.9", "GET", gp, guess()); code != http.StatusTooManyRequests {
		t.Errorf("the blocked client through two proxies with a forged hop: %d, want 429", code)
	}
	// From an address that is not a trusted proxy the header is ignored: a guesser
	// cannot step round its limit by writing a new X-Forwarded-For each time.
	for i := range 2 {
		f.callFrom("192.0.2.99:1", fmt.Sprintf("198.51.100.%d", i), "GET", gp, guess())
	}
	if code := f.callFrom("192.0.2.99:1", "198.51.100.77", "GET", gp, guess()); code != http.StatusTooManyRequests {
		t.Errorf("a guesser forging X-Forwarded-For: %d, want 429", code)
	}
	if _, err := ParseProxies([]string{"not a cidr"}); err == nil {
		t.Error("a bad --trusted-proxy value accepted")
	}
}

func TestInvitesExpire(t *testing.T) {
	now := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	f := newFixture(t, Options{InviteTTL: time.Hour, Now: func() time.Time { return now }})
	g := f.create()
	inv := f.invite(g)
	now = now.Add(2 * time.Hour)
	if code := f.call("POST", "/v1/groups/"+g.GroupID+"/join", inv, JoinRequest{PublicKey: pubKey()}, nil); code != http.StatusUnauthorized {
		t.Errorf("expired invite: %d, want 401", code)
	}
}

func TestOpenGroupsNeedNoOperatorToken(t *testing.T) {
	f := newFixture(t, Options{OpenGroups: true})
	if code := f.call("POST", "/v1/groups", "", CreateGroupRequest{PublicKey: pubKey()}, nil); code != http.StatusCreated {
		t.Errorf("create on an open relay: %d", code)
	}
}

func TestEnvelopeRecordRoundTrip(t *testing.T) {
	in := storedEnvelope{Sender: "0123456789abcdef", Time: time.Unix(1700000000, 123).UTC(), Data: []byte("ciphertext")}
	copy(in.ID[:], "0123456789abcdef")
	out, err := decodeEnvelope(encodeEnvelope(&in))
	if err != nil || out.ID != in.ID || out.Sender != in.Sender || !out.Time.Equal(in.Time) || !bytes.Equal(out.Data, in.Data) {
		t.Errorf("round trip: %+v %v", out, err)
	}
	for _, bad := range [][]byte{nil, {1}, {2, 0, 0}, append([]byte{1}, make([]byte, 24)...), append(append([]byte{1}, make([]byte, 24)...), 200)} {
		if _, err := decodeEnvelope(bad); err == nil {
			t.Errorf("decodeEnvelope(%x) accepted", bad)
		}
	}
}

// FuzzPush sends arbitrary bodies to the push endpoint: the relay answers with a
// status from its list and never panics.
func FuzzPush(f *testing.F) {
	f.Add([]byte(`{"envelopes":[{"id":"00000000000000000000000000000001","data":"eA=="}]}`))
	f.Add([]byte(`{"envelopes":[]}`))
	f.Add([]byte(`{"envelopes":[{"id":"zz","data":null}]}`))
	f.Add([]byte(`[]`))
	f.Add([]byte(``))
	f.Add([]byte(`{"envelopes":[{"id":"00000000000000000000000000000001","data":"eA=="},{"id":"00000000000000000000000000000001","data":"eQ=="}]}`))
	dir := f.TempDir()
	r, err := New(dir, Options{TokenRate: 1e6, TokenBurst: 1e6})
	if err != nil {
		f.Fatal(err)
	}
	defer r.Close()
	h := r.Handler()
	var g CreateGroupResponse
	{
		js, _ := json.Marshal(CreateGroupRequest{PublicKey: pubKey()})
		req := httptest.NewRequest("POST", Prefix+"/v1/groups", bytes.NewReader(js))
		req.Header.Set("Authorization", "Bearer "+r.OperatorToken())
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		json.Unmarshal(w.Body.Bytes(), &g)
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		req := httptest.NewRequest("POST", Prefix+"/v1/groups/"+g.GroupID+"/envelopes", bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+g.Token)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		switch w.Code {
		case 200, 400, 409, 413:
		default:
			t.Errorf("status %d for %q", w.Code, body)
		}
	})
}

func TestBinaryPullMatchesJSON(t *testing.T) {
	f := newFixture(t, Options{})
	g := f.create()
	var envs []PushEnvelope
	for i := range 7 {
		envs = append(envs, PushEnvelope{ID: envID(i), Data: bytes.Repeat([]byte{byte(i)}, 100*i+1)})
	}
	f.push(g.GroupID, g.Token, envs...)
	for _, q := range []string{"?after=0&limit=5", "?after=5", "?after=7"} {
		var js PullResponse
		f.call("GET", "/v1/groups/"+g.GroupID+"/envelopes"+q, g.Token, nil, &js)
		req := httptest.NewRequest("GET", Prefix+"/v1/groups/"+g.GroupID+"/envelopes"+q, nil)
		req.Header.Set("Authorization", "Bearer "+g.Token)
		req.Header.Set("Accept", PullBinary)
		w := httptest.NewRecorder()
		f.h.ServeHTTP(w, req)
		if w.Code != 200 || w.Header().Get("Content-Type") != PullBinary {
			t.Fatalf("%s: %d %s", q, w.Code, w.Header().Get("Content-Type"))
		}
		bin, err := DecodePull(w.Body.Bytes())
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		if len(bin.Envelopes) != len(js.Envelopes) || bin.More != js.More {
			t.Fatalf("%s: binary %d/%v, JSON %d/%v", q, len(bin.Envelopes), bin.More, len(js.Envelopes), js.More)
		}
		for i := range bin.Envelopes {
			a, b := bin.Envelopes[i], js.Envelopes[i]
			if a.Seq != b.Seq || a.ID != b.ID || a.Sender != b.Sender || !a.Time.Equal(b.Time) || !bytes.Equal(a.Data, b.Data) {
				t.Errorf("%s envelope %d: binary %+v, JSON %+v", q, i, a, b)
			}
		}
	}
}

func TestDecodePullRefusesDamage(t *testing.T) {
	good := AppendPull(nil, &PullResponse{Envelopes: []Envelope{{Seq: 3, ID: envID(1), Sender: "s", Time: time.Unix(5, 0), Data: []byte("abc")}}, More: true})
	if p, err := DecodePull(good); err != nil || len(p.Envelopes) != 1 || !p.More || string(p.Envelopes[0].Data) != "abc" {
		t.Fatalf("good: %+v %v", p, err)
	}
	for name, b := range map[string][]byte{
		"empty":            nil,
		"wrong magic":      []byte("DGE2\x00\x00"),
		"no end":           []byte("DGE1"),
		"end without flag": []byte("DGE1\x00"),
		"bad flag":         []byte("DGE1\x00\x07"),
		"trailing bytes":   append(bytes.Clone(good), 0),
		"cut short":        good[:len(good)-6],
		"short id":         []byte("DGE1\x01abc"),
		"huge length":      append([]byte("DGE1\x01"), append(make([]byte, 16), 0x02, 0xff, 0xff, 0xff, 0xff, 0x0f)...),
	} {
		if p, err := DecodePull(b); err == nil {
			t.Errorf("%s: accepted %+v", name, p)
		}
	}
}

func FuzzDecodePull(f *testing.F) {
	f.Add(AppendPull(nil, &PullResponse{Envelopes: []Envelope{{Seq: 1, ID: envID(0), Sender: "abc", Time: time.Unix(1, 2), Data: []byte("x")}}}))
	f.Add(AppendPull(nil, &PullResponse{More: true}))
	f.Add([]byte("DGE1\x01"))
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := DecodePull(b)
		if err != nil {
			return
		}
		// What decodes survives a round trip unchanged.
		again, err := DecodePull(AppendPull(nil, &p))
		if err != nil || len(again.Envelopes) != len(p.Envelopes) || again.More != p.More {
			t.Fatalf("round trip of %x: %+v %v", b, again, err)
		}
		for i := range p.Envelopes {
			x, y := p.Envelopes[i], again.Envelopes[i]
			if x.Seq != y.Seq || x.ID != y.ID || x.Sender != y.Sender || !x.Time.Equal(y.Time) || !bytes.Equal(x.Data, y.Data) {
				t.Errorf("round trip changed envelope %d: %+v → %+v", i, x, y)
			}
		}
	})
}

func TestGroupQuota(t *testing.T) {
	f := newFixture(t, Options{MaxGroupBytes: 100})
	g := f.create()
	f.push(g.GroupID, g.Token, PushEnvelope{ID: envID(0), Data: make([]byte, 80)})
	f.push(g.GroupID, g.Token, PushEnvelope{ID: envID(0), Data: make([]byte, 80)}) // a retry costs nothing
	before := f.dump()
	code := f.call("POST", "/v1/groups/"+g.GroupID+"/envelopes", g.Token,
		PushRequest{Envelopes: []PushEnvelope{{ID: envID(1), Data: make([]byte, 10)}, {ID: envID(2), Data: make([]byte, 20)}}}, nil)
	if code != http.StatusInsufficientStorage {
		t.Errorf("push over the quota: %d, want 507", code)
	}
	if f.dump() != before {
		t.Error("a push over the quota changed relay.db")
	}
	f.push(g.GroupID, g.Token, PushEnvelope{ID: envID(1), Data: make([]byte, 20)})
}
