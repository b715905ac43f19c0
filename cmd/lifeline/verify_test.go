package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"

	"github.com/lifeline-gov/lifeline"
	lhttp "github.com/lifeline-gov/lifeline/http"
	"github.com/lifeline-gov/lifeline/provenance"
	"github.com/lifeline-gov/lifeline/provenance/publish"
	"github.com/lifeline-gov/lifeline/sqlite"
)

// logFixture is an in-process server over a real SQLite store, whose log the
// platform (here, the test) appends to and signs.
type logFixture struct {
	t      *testing.T
	db     *sqlite.DB
	signer note.Signer
	vkey   string
	url    string
	tamper bool // flip a byte of every full hash tile served
	n      int
}

func newLogFixture(t *testing.T) *logFixture {
	db, err := sqlite.Open(context.Background(), t.TempDir(), sqlite.Options{MasterKey: []byte("0123456789abcdef0123456789abcdef")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	skey, vkey, err := provenance.GenerateKey(rand.Reader, "lifeline.example/log")
	if err != nil {
		t.Fatal(err)
	}
	signer, _ := note.NewSigner(skey)
	verifier, _ := note.NewVerifier(vkey)
	f := &logFixture{t: t, db: db, signer: signer, vkey: vkey}
	h := (&lhttp.Server{Log: db, Provenance: &publish.Log{Store: db, Verifier: verifier}}).Handler()
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !f.tamper || !strings.HasPrefix(r.URL.Path, "/log/tile/0/") || strings.Contains(r.URL.Path, ".p/") {
			h.ServeHTTP(w, r)
			return
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		body := rec.Body.Bytes()
		if len(body) > 0 {
			body[0] ^= 1
		}
		w.WriteHeader(rec.Code)
		w.Write(body)
	}))
	t.Cleanup(ts.Close)
	f.url = ts.URL
	return f
}

// publish appends n entries, signs a checkpoint and writes it to a file.
func (f *logFixture) publish(n int) (checkpointFile string, entries [][]byte) {
	ctx := context.Background()
	for i := range n {
		entries = append(entries, fmt.Appendf(nil, "lifeline-provenance/test\nentry %d\n", f.n+i))
	}
	f.n += n
	if _, err := f.db.AppendProvenance(ctx, entries); err != nil {
		f.t.Fatal(err)
	}
	if _, err := (&publish.Signer{Store: f.db, Leases: f.db, Holder: "test", Key: f.signer}).Step(ctx, time.Minute); err != nil {
		f.t.Fatal(err)
	}
	size, signed, err := f.db.LatestProvenanceCheckpoint(ctx)
	if err != nil {
		f.t.Fatal(err)
	}
	return f.write(fmt.Sprintf("checkpoint-%d", size), signed), entries
}

func (f *logFixture) write(name string, data []byte) string {
	path := filepath.Join(f.t.TempDir(), name)
	if err := os.WriteFile(path, data, 0o600); err != nil {
		f.t.Fatal(err)
	}
	return path
}

// receipt writes a receipt for entry index under the checkpoint in file.
func (f *logFixture) receipt(checkpointFile string, index int64, entry []byte, edit func(*provenance.Receipt)) string {
	signed, _ := os.ReadFile(checkpointFile)
	r, err := provenance.NewReceipt(signed, index, entry, publish.HashReader(context.Background(), f.db))
	if err != nil {
		f.t.Fatal(err)
	}
	if edit != nil {
		edit(&r)
	}
	data, err := r.MarshalJSON()
	if err != nil {
		f.t.Fatal(err)
	}
	return f.write(fmt.Sprintf("receipt-%d-%d.json", index, len(signed)), data)
}

func TestVerify(t *testing.T) {
	f := newLogFixture(t)
	old, first := f.publish(300)
	mid, _ := f.publish(1)
	cur, _ := f.publish(400)
	good := f.receipt(old, 7, first[7], nil)
	badProof := f.receipt(old, 7, first[7], func(r *provenance.Receipt) { r.Proof[0][0] ^= 1 })
	otherEntry := f.receipt(old, 7, first[7], func(r *provenance.Receipt) { r.Entry = first[8] })
	_, otherVkey, _ := provenance.GenerateKey(rand.Reader, "lifeline.example/log")

	// A fork: the same key signs a tree of the same size with other entries.
	fork := newLogFixture(t)
	fork.signer, fork.vkey, fork.n = f.signer, f.vkey, 1000
	forked, _ := fork.publish(701)

	key := []string{"--key", f.vkey}
	log := []string{"--log", f.url}
	args := func(parts ...[]string) []string {
		var out []string
		for _, p := range parts {
			out = append(out, p...)
		}
		return out
	}
	tests := []struct {
		name   string
		args   []string
		tamper bool
		want   string // error code, "" for success
		output string
	}{
		{"receipt", args([]string{"verify", "receipt", good}, key), false, "", "receipt OK: entry 7"},
		{"receipt against the log", args([]string{"verify", "receipt", good}, key, log), false, "", "log OK: the published checkpoint of size 701"},
		{"flags first", args([]string{"verify", "receipt"}, log, key, []string{good}), false, "", "log OK"},
		{"bad proof", args([]string{"verify", "receipt", badProof}, key), false, lifeline.EINVALID, ""},
		{"entry not the leaf", args([]string{"verify", "receipt", otherEntry}, key), false, lifeline.EINVALID, ""},
		{"other key", args([]string{"verify", "receipt", good}, []string{"--key", otherVkey}), false, lifeline.EINVALID, ""},
		{"no key", []string{"verify", "receipt", good}, false, lifeline.EINVALID, ""},
		{"tampered tiles", args([]string{"verify", "receipt", good}, key, log), true, lifeline.EINVALID, ""},
		{"consistency", args([]string{"verify", "consistency", old, cur}, key, log), false, "", "size 701 extends the checkpoint of size 300"},
		{"consistency small step", args([]string{"verify", "consistency", mid, cur}, key, log), false, "", "consistent"},
		{"consistency same", args([]string{"verify", "consistency", cur, cur}, key), false, "", "consistent"},
		{"consistency reversed", args([]string{"verify", "consistency", cur, old}, key, log), false, lifeline.EINVALID, ""},
		{"consistency needs the log", args([]string{"verify", "consistency", old, cur}, key), false, lifeline.EINVALID, ""},
		{"fork", args([]string{"verify", "consistency", cur, forked}, key, log), false, lifeline.EINVALID, ""},
		{"fork, older", args([]string{"verify", "consistency", old, forked}, key, log), false, lifeline.EINVALID, ""},
		{"tampered tiles, consistency", args([]string{"verify", "consistency", old, cur}, key, log), true, lifeline.EINVALID, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f.tamper = tt.tamper
			defer func() { f.tamper = false }()
			var out, errOut bytes.Buffer
			err := run(context.Background(), tt.args, nil, &out, &errOut)
			if tt.want == "" {
				if err != nil {
					t.Fatalf("%v\n%s", err, errOut.String())
				}
				if !strings.Contains(out.String(), tt.output) {
					t.Errorf("output %q, want it to contain %q", out.String(), tt.output)
				}
				return
			}
			if got := lifeline.ErrorCode(err); got != tt.want {
				t.Errorf("error %v (code %q), want code %q", err, got, tt.want)
			}
		})
	}
}

func TestVerifyUsage(t *testing.T) {
	for _, args := range [][]string{{"verify"}, {"verify", "nonsense"}, {"verify", "receipt"}, {"verify", "consistency", "a"}, {"verify", "receipt", "a", "b"}} {
		if err := run(context.Background(), args, nil, io.Discard, io.Discard); err != errUsage {
			t.Errorf("%q: %v, want usage", args, err)
		}
	}
}

// TestServePublishesLog runs the real binary: it creates the log key with
// mode 0600 and publishes a checkpoint of the empty log within a second.
func TestServePublishesLog(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the real binary")
	}
	dir := t.TempDir()
	srv := startServer(t, buildBinary(t), dir, "")
	fi, err := os.Stat(filepath.Join(dir, publish.KeyFile))
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("log key mode %v, want 0600", fi.Mode().Perm())
	}
	skey, _ := os.ReadFile(filepath.Join(dir, publish.KeyFile))
	vkey, err := provenance.VerifierKey(strings.TrimSpace(string(skey)))
	if err != nil {
		t.Fatal(err)
	}
	var signed []byte
	for deadline := time.Now().Add(3 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		res, err := http.Get(srv.url + "/log/checkpoint")
		if err != nil {
			t.Fatal(err)
		}
		signed, _ = io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode == 200 {
			break
		}
	}
	v, _ := provenance.NewVerifier(vkey)
	c, err := provenance.OpenCheckpoint(signed, v)
	if err != nil {
		t.Fatalf("served checkpoint %q: %v\n%s", signed, err, srv.logs)
	}
	if c.Origin != "lifeline.example/log" || c.Size != 0 {
		t.Errorf("checkpoint %+v, want the empty lifeline.example/log", c)
	}
}
