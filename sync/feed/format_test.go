package feed

import (
	"bytes"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dagsorden/dagsorden/agenda"
)

// signed seals an arbitrary index payload, for building bad indexes that carry a good
// signature (so the checks after the signature are reached).
func signed(priv ed25519.PrivateKey, payload string) []byte {
	sig := ed25519.Sign(priv, signedMessage([]byte(payload)))
	return []byte(`{"format":"dagsorden-feed","version":2,"key":"` + EncodeKey(publicKey(priv)) +
		`","signature":"` + base64.StdEncoding.EncodeToString(sig) + `","index":` + payload + `}`)
}

func TestOpenIndexBadInputs(t *testing.T) {
	priv := newKey(t)
	hash := strings.Repeat("a", 64)
	good := `{"format":"dagsorden-feed","version":2,"sequence":3,"published":"2025-01-01T00:00:00Z","expires":"2025-01-31T00:00:00Z","meetings":[{"id":"m1","body":"B","start":"2025-01-01T00:00:00Z","manifest":{"sha256":"` + hash + `","size":10}}]}`
	if _, _, err := OpenIndex(signed(priv, good), publicKey(priv), "test"); err != nil {
		t.Fatalf("the good index is refused: %v", err)
	}
	for name, data := range map[string][]byte{
		"empty":            nil,
		"garbage":          []byte("\x00\x01binary"),
		"truncated":        signed(priv, good)[:100],
		"not a feed":       []byte(`{"format":"something","version":1}`),
		"future version":   []byte(`{"format":"dagsorden-feed","version":9}`),
		"bad key":          []byte(`{"format":"dagsorden-feed","version":2,"key":"xx","signature":"","index":{}}`),
		"no signature":     []byte(`{"format":"dagsorden-feed","version":2,"key":"` + EncodeKey(publicKey(priv)) + `","signature":"","index":` + good + `}`),
		"format 1":         []byte(`{"format":"dagsorden-feed","version":1,"key":"` + EncodeKey(publicKey(priv)) + `","signature":"","index":` + good + `}`),
		"no expiry":        signed(priv, strings.Replace(good, `,"expires":"2025-01-31T00:00:00Z"`, ``, 1)),
		"expiry before":    signed(priv, strings.Replace(good, `"expires":"2025-01-31T00:00:00Z"`, `"expires":"2024-12-31T00:00:00Z"`, 1)),
		"expiry in years":  signed(priv, strings.Replace(good, `"expires":"2025-01-31T00:00:00Z"`, `"expires":"2099-01-01T00:00:00Z"`, 1)),
		"index not object": signed(priv, `[1,2,3]`),
		"path in hash":     signed(priv, strings.Replace(good, hash, "../../../../etc/passwd"+strings.Repeat("a", 42), 1)),
		"upper-case hash":  signed(priv, strings.Replace(good, hash, strings.ToUpper(hash), 1)),
		"slash in id":      signed(priv, strings.Replace(good, `"id":"m1"`, `"id":"../m1"`, 1)),
		"huge manifest":    signed(priv, strings.Replace(good, `"size":10`, `"size":99999999999`, 1)),
		"negative size":    signed(priv, strings.Replace(good, `"size":10`, `"size":-1`, 1)),
		"duplicate":        signed(priv, strings.Replace(good, `]}`, `,{"id":"m1","body":"B","start":"2025-01-01T00:00:00Z","manifest":{"sha256":"`+hash+`","size":10}}]}`, 1)),
		"inner format":     signed(priv, strings.Replace(good, `"format":"dagsorden-feed","version":2,"sequence"`, `"format":"x","version":2,"sequence"`, 1)),
	} {
		_, _, err := OpenIndex(data, publicKey(priv), "https://feed.example.org/")
		if err == nil {
			t.Errorf("%s: accepted", name)
			continue
		}
		if !errors.Is(err, ErrRejected) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: %v is not a one-sentence rejection", name, err)
		}
	}
}

func TestParseManifestAndItemBadInputs(t *testing.T) {
	h := strings.Repeat("b", 64)
	for name, data := range map[string]string{
		"empty":           ``,
		"wrong format":    `{"format":"x","version":1}`,
		"no body":         `{"format":"dagsorden-manifest","version":1,"meeting":{"start":"2025-01-01T00:00:00Z"}}`,
		"items inside":    `{"format":"dagsorden-manifest","version":1,"meeting":{"body":{"name":"B"},"start":"2025-01-01T00:00:00Z","items":[{}]}}`,
		"bad item hash":   `{"format":"dagsorden-manifest","version":1,"meeting":{"body":{"name":"B"},"start":"2025-01-01T00:00:00Z"},"items":[{"body":{"sha256":"zz","size":1}}]}`,
		"huge attachment": `{"format":"dagsorden-manifest","version":1,"meeting":{"body":{"name":"B"},"start":"2025-01-01T00:00:00Z"},"items":[{"body":{"sha256":"` + h + `","size":1},"attachments":[{"sha256":"` + h + `","size":999999999999}]}]}`,
	} {
		if _, err := parseManifest([]byte(data), DefaultMaxAttachment); err == nil {
			t.Errorf("manifest %s: accepted", name)
		}
	}
	mi := ManifestItem{Body: Blob{SHA256: h, Size: 1}, Attachments: []Blob{{SHA256: h, Size: 5}}}
	for name, data := range map[string]string{
		"garbage":      `nope`,
		"undeclared":   `{"title":"x","attachments":[]}`,
		"wrong size":   `{"title":"x","attachments":[{"sha256":"` + h + `","size":6}]}`,
		"wrong type":   `{"title":7}`,
		"not an item":  `[]`,
		"deep garbage": strings.Repeat("[", 10000),
	} {
		if _, err := parseItem([]byte(data), mi); err == nil {
			t.Errorf("item %s: accepted", name)
		}
	}
}

func TestKeygenWritesAPairAndRefusesToOverwrite(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "feed.key")
	pub, err := Keygen(path)
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("private key mode %v, %v; want 0600", fi.Mode().Perm(), err)
	}
	priv, err := LoadPrivateKey(path)
	if err != nil || !publicKey(priv).Equal(pub) {
		t.Fatalf("private key does not load back: %v", err)
	}
	pub2, err := LoadPublicKey(path + ".pub")
	if err != nil || !pub2.Equal(pub) {
		t.Fatalf("public key does not load back: %v", err)
	}
	data, _ := os.ReadFile(path + ".pub")
	if !bytes.Contains(data, []byte(Fingerprint(pub))) {
		t.Fatal("the .pub file does not show the fingerprint")
	}
	if _, err := Keygen(path); err == nil {
		t.Fatal("Keygen overwrote an existing key")
	}
	if _, err := ParsePublicKey(EncodeKey(pub)); err != nil {
		t.Fatalf("bare base64 key: %v", err)
	}
	for _, bad := range []string{"", "xyz", base64.StdEncoding.EncodeToString([]byte("short"))} {
		if _, err := ParsePublicKey(bad); err == nil {
			t.Errorf("ParsePublicKey(%q) accepted", bad)
		}
	}
	if _, err := LoadPrivateKey(path + ".pub"); err == nil {
		t.Fatal("a public key loaded as a private key")
	}
}

func FuzzOpenIndex(f *testing.F) {
	_, priv, _ := ed25519.GenerateKey(bytes.NewReader(bytes.Repeat([]byte{7}, 64)))
	idx := &Index{Format: formatName, Version: formatVersion, Sequence: 1, Published: time.Unix(0, 0).UTC(), Expires: time.Unix(86400, 0).UTC(),
		Meetings: []IndexMeeting{{ID: "m", Body: "B", Manifest: Blob{SHA256: strings.Repeat("c", 64), Size: 3}}}}
	good, _ := sealIndex(idx, priv, []Rotation{Rotate(priv, publicKey(priv))})
	f.Add(good)
	f.Add([]byte(`{"format":"dagsorden-feed","version":1}`))
	f.Add([]byte(`{}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		got, _, err := OpenIndex(data, nil, "fuzz")
		if err == nil {
			for _, m := range got.Meetings {
				if !ValidHash(m.Manifest.SHA256) || !validID(m.ID) {
					t.Fatalf("accepted an invalid entry %+v", m)
				}
			}
		}
	})
}

func FuzzParseManifest(f *testing.F) {
	m := Manifest{Format: manifestName, Version: manifestVersion, Meeting: agenda.Meeting{Body: agenda.Body{Name: "B"}, Start: time.Unix(0, 0)},
		Items: []ManifestItem{{Body: Blob{SHA256: strings.Repeat("d", 64), Size: 2}}}}
	good, _ := json.Marshal(m)
	f.Add(good)
	f.Add([]byte(`{"format":"dagsorden-manifest"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		man, err := parseManifest(data, DefaultMaxAttachment)
		if err != nil {
			return
		}
		for _, it := range man.Items {
			if !ValidHash(it.Body.SHA256) {
				t.Fatal("accepted an invalid hash")
			}
			parseItem(data, it) // must not panic on whatever the fuzzer made
		}
	})
}
