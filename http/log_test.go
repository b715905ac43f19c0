package http

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"

	"github.com/lifeline-gov/lifeline/provenance"
	"github.com/lifeline-gov/lifeline/provenance/publish"
	"github.com/lifeline-gov/lifeline/sqlite"
)

// newLogServer serves a SQLite store's provenance log; publish appends n
// entries and signs a checkpoint of the log.
func newLogServer(t *testing.T, witnesses ...note.Verifier) (ts *httptest.Server, verifier note.Verifier, publishN func(n int) []byte) {
	t.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, t.TempDir(), sqlite.Options{MasterKey: []byte("0123456789abcdef0123456789abcdef")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	skey, vkey, err := provenance.GenerateKey(rand.Reader, "lifeline.example/log")
	if err != nil {
		t.Fatal(err)
	}
	signer, _ := note.NewSigner(skey)
	verifier, _ = note.NewVerifier(vkey)
	s := &Server{Log: db, Provenance: &publish.Log{Store: db, Verifier: verifier, Witnesses: witnesses}}
	ts = httptest.NewServer(s.Handler())
	t.Cleanup(ts.Close)
	size := 0
	publishN = func(n int) []byte {
		t.Helper()
		es := make([][]byte, n)
		for i := range es {
			es[i] = fmt.Appendf(nil, "entry %d\n", size+i)
		}
		size += n
		if _, err := db.AppendProvenance(ctx, es); err != nil {
			t.Fatal(err)
		}
		if _, err := (&publish.Signer{Store: db, Leases: db, Holder: "test", Key: signer}).Step(ctx, time.Minute); err != nil {
			t.Fatal(err)
		}
		_, signed, err := db.LatestProvenanceCheckpoint(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return signed
	}
	return ts, verifier, publishN
}

func get(t *testing.T, url string) (*http.Response, []byte) {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res, body
}

func TestLogServing(t *testing.T) {
	ts, verifier, publishN := newLogServer(t)
	if res, _ := get(t, ts.URL+"/log/checkpoint"); res.StatusCode != http.StatusNotFound {
		t.Errorf("checkpoint before any was signed: %d, want 404", res.StatusCode)
	}
	old := publishN(300)
	cur := publishN(300) // 600 entries: two full tiles, one partial
	tests := []struct {
		path   string
		status int
		cache  string
		size   int
	}{
		{"/log/checkpoint", 200, cacheCheckpoint, len(cur)},
		{"/log/tile/0/000", 200, cacheFull, 256 * 32},
		{"/log/tile/0/001", 200, cacheFull, 256 * 32},
		{"/log/tile/0/002.p/88", 200, cachePartial, 88 * 32},
		{"/log/tile/0/002.p/10", 200, cachePartial, 10 * 32},
		{"/log/tile/1/000.p/2", 200, cachePartial, 2 * 32},
		{"/log/tile/entries/000", 200, cacheFull, -1},
		{"/log/tile/entries/002.p/88", 200, cachePartial, -1},
		{"/log/tile/0/002", 404, "", -1},
		{"/log/tile/0/002.p/89", 404, "", -1},
		{"/log/tile/1/000", 404, "", -1},
		{"/log/tile/entries/003.p/1", 404, "", -1},
		{"/log/tile/0/2", 404, "", -1},
		{"/log/tile/", 404, "", -1},
	}
	for _, tt := range tests {
		res, body := get(t, ts.URL+tt.path)
		if res.StatusCode != tt.status {
			t.Errorf("%s: status %d, want %d", tt.path, res.StatusCode, tt.status)
			continue
		}
		if tt.status != 200 {
			continue
		}
		if got := res.Header.Get("Cache-Control"); got != tt.cache {
			t.Errorf("%s: Cache-Control %q, want %q", tt.path, got, tt.cache)
		}
		if tt.size >= 0 && len(body) != tt.size {
			t.Errorf("%s: %d bytes, want %d", tt.path, len(body), tt.size)
		}
	}
	if _, body := get(t, ts.URL+"/log/checkpoint"); !bytes.Equal(body, cur) {
		t.Errorf("served checkpoint %q, want %q", body, cur)
	}

	// A client that trusts only the verifier key checks the served log.
	tiles := provenance.TileReaderFunc(func(path string) ([]byte, error) {
		res, body := get(t, ts.URL+"/log/"+path)
		if res.StatusCode != 200 {
			return nil, fmt.Errorf("GET %s: %s", path, res.Status)
		}
		return body, nil
	})
	if err := provenance.VerifyConsistencyFromTiles(old, cur, tiles, verifier); err != nil {
		t.Fatalf("consistency over HTTP: %v", err)
	}
	c, err := provenance.OpenCheckpoint(cur, verifier)
	if err != nil {
		t.Fatal(err)
	}
	_, bundle := get(t, ts.URL+"/log/tile/entries/002.p/88")
	entries, err := provenance.VerifyEntryBundle(c, 2, bundle, tiles)
	if err != nil || string(entries[0]) != "entry 512\n" {
		t.Fatalf("entry bundle over HTTP: %q, %v", entries, err)
	}
}

func TestLogNotPublished(t *testing.T) {
	ts := httptest.NewServer((&Server{}).Handler())
	defer ts.Close()
	for _, path := range []string{"/log/checkpoint", "/log/tile/0/000"} {
		if res, _ := get(t, ts.URL+path); res.StatusCode != http.StatusNotFound {
			t.Errorf("%s: %d, want 404", path, res.StatusCode)
		}
	}
}

// TestWitnessCosignatures has a witness cosign the latest checkpoint
// through POST /log/cosignatures and finds the cosignature served with it.
func TestWitnessCosignatures(t *testing.T) {
	key := ed25519.NewKeyFromSeed(bytes.Repeat([]byte{7}, 32))
	witness, err := provenance.NewCosignatureVerifier("witness.hmrc.test/w1", key.Public().(ed25519.PublicKey))
	if err != nil {
		t.Fatal(err)
	}
	ts, verifier, publishN := newLogServer(t, witness)
	signed := publishN(5)
	cosign := func(name string, k ed25519.PrivateKey) string {
		s, err := provenance.NewCosigner(name, k, 1_790_000_000)
		if err != nil {
			t.Fatal(err)
		}
		text := signed[:bytes.Index(signed, []byte("\n\n"))+1]
		out, err := note.Sign(&note.Note{Text: string(text)}, s)
		if err != nil {
			t.Fatal(err)
		}
		return strings.TrimSpace(string(out[len(text)+1:]))
	}
	post := func(body string) int {
		res, err := http.Post(ts.URL+"/log/cosignatures", "text/plain", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	tests := []struct {
		name, body string
		status     int
	}{
		{"empty", "", 400},
		{"not a signature line", "hello\n", 400},
		{"an unknown witness", cosign("witness.evil.test/w1", ed25519.NewKeyFromSeed(bytes.Repeat([]byte{9}, 32))) + "\n", 400},
		{"the known witness under another name", cosign("witness.other.test/w1", key) + "\n", 400},
		{"the known witness", cosign("witness.hmrc.test/w1", key) + "\n", 200},
		{"the same again", cosign("witness.hmrc.test/w1", key) + "\n", 200},
	}
	for _, tt := range tests {
		if got := post(tt.body); got != tt.status {
			t.Errorf("%s: status %d, want %d", tt.name, got, tt.status)
		}
	}
	_, served := get(t, ts.URL+"/log/checkpoint")
	n, err := note.Open(served, note.VerifierList(verifier, witness))
	if err != nil {
		t.Fatalf("served checkpoint: %v\n%s", err, served)
	}
	if len(n.Sigs) != 2 || n.Sigs[1].Name != "witness.hmrc.test/w1" {
		t.Fatalf("served signatures %+v, want the log's and the witness's once", n.Sigs)
	}
}
