package ledger

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"os"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files")

func TestEntryRoundTrip(t *testing.T) {
	for _, e := range sample(t).Entries(1) {
		b, _ := e.MarshalBinary()
		var got Entry
		if err := got.UnmarshalBinary(b); err != nil {
			t.Fatalf("entry %d: %v", e.Seq, err)
		}
		if got.Hash != e.Hash || got.Hash != sha256.Sum256(b) {
			t.Fatalf("entry %d: decoded hash %s, want %s", e.Seq, got.Hash, e.Hash)
		}
		b2, _ := got.MarshalBinary()
		if !bytes.Equal(b, b2) {
			t.Fatalf("entry %d does not re-encode to the same bytes", e.Seq)
		}
	}
}

// TestEntryGolden pins the canonical encoding: changing it would break every
// stored chain and every head committed to the provenance log.
func TestEntryGolden(t *testing.T) {
	var out strings.Builder
	for _, e := range sample(t).Entries(1) {
		b, _ := e.MarshalBinary()
		out.WriteString("entry " + itoa(int64(e.Seq)) + " hash " + e.Hash.String() + "\n" + hex.Dump(b) + "\n")
	}
	head, _ := sample(t).Head().MarshalText()
	out.WriteString(string(head) + "\n")
	const path = "testdata/entries.golden"
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(out.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if out.String() != string(want) {
		t.Fatalf("encoding changed; if on purpose, bump the version in %q and run go test -update", entryMagic)
	}
}

func TestUnmarshalErrors(t *testing.T) {
	e := sample(t).Entries(1)[0]
	good, _ := e.MarshalBinary()
	edit := func(f func(b []byte) []byte) []byte { return f(append([]byte(nil), good...)) }
	// The first posting starts after magic, seq, prev and count.
	const p0 = 4 + 8 + 32 + 4
	tests := []struct {
		name string
		data []byte
		want string
	}{
		{"empty", nil, `ledger: entry does not start with "LLE1"`},
		{"other version", edit(func(b []byte) []byte { b[3] = '2'; return b }), `ledger: entry does not start with "LLE1"`},
		{"truncated header", good[:20], `ledger: entry is truncated`},
		{"truncated posting", good[:len(good)-1], `ledger: entry 1 posting 1: ledger: entry is truncated`},
		{"trailing byte", append(append([]byte(nil), good...), 0), `ledger: entry 1 has 1 bytes after its last posting`},
		{"seq zero", edit(func(b []byte) []byte { b[11] = 0; return b }), `ledger: entry seq is 0; entries count from 1`},
		{"no postings", edit(func(b []byte) []byte { return append(b[:p0-4], 0, 0, 0, 0) }), `ledger: entry 1 has 0 postings; want 1 to 8190`},
		{"huge count", edit(func(b []byte) []byte { b[p0-2], b[p0-1] = 0x1f, 0x40; return b }), `ledger: entry 1 claims 8000 postings but has only 152 bytes`},
		{"bad flags", edit(func(b []byte) []byte { b[p0+16] = 0x40; return b }), `ledger: entry 1 posting 0: lifeline: invalid: transfer due-1: unknown flags 0x40 (field flags)`},
		{"gap in posting seq", edit(func(b []byte) []byte { b[p0+7] = 9; return b }), `ledger: entry 1: posting 2 follows posting 9`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got Entry
			err := got.UnmarshalBinary(tt.data)
			if err == nil || err.Error() != tt.want {
				t.Fatalf("got %v\nwant %s", err, tt.want)
			}
		})
	}
}

// FuzzUnmarshalEntry checks the decoder never panics and is canonical: any
// input it accepts re-encodes to exactly itself, so one entry has one hash.
func FuzzUnmarshalEntry(f *testing.F) {
	for _, e := range sample(f).Entries(1) {
		b, _ := e.MarshalBinary()
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var e Entry
		if err := e.UnmarshalBinary(data); err != nil {
			return
		}
		b, _ := e.MarshalBinary()
		if !bytes.Equal(b, data) {
			t.Fatalf("accepted input does not re-encode to itself")
		}
		if e.Hash != sha256.Sum256(data) {
			t.Fatalf("hash is not SHA-256 of the encoding")
		}
	})
}

func TestHeadText(t *testing.T) {
	h := sample(t).Head()
	text, _ := h.MarshalText()
	if !strings.HasPrefix(string(text), "lifeline-ledger-head v1 5 10 ") {
		t.Fatalf("head text %q", text)
	}
	var got Head
	if err := got.UnmarshalText(text); err != nil {
		t.Fatal(err)
	}
	if got.Seq != h.Seq || got.Postings != h.Postings || got.Hash != h.Hash {
		t.Fatalf("round trip: %+v, want %+v", got, h)
	}
	for _, bad := range []string{
		"", "lifeline-ledger-head v1 5 10", "lifeline-ledger-head v1 05 10 " + h.Hash.String(),
		"lifeline-ledger-head v1 5 10 " + strings.ToUpper(h.Hash.String()),
		"lifeline-ledger-head v1 5 10 " + h.Hash.String() + "\n",
		"lifeline-ledger-head v1 99999999999999999999 10 " + h.Hash.String(),
	} {
		if err := got.UnmarshalText([]byte(bad)); err == nil {
			t.Errorf("accepted %q", bad)
		}
	}
}
