package provenance

import (
	"bytes"
	"encoding/json"
	"testing"

	"golang.org/x/mod/sumdb/tlog"
)

// Parsers must never panic, and whatever they accept must be canonical:
// encoding the result gives back the input byte for byte.

func FuzzParseEntry(f *testing.F) {
	for i := range 3 {
		f.Add(testEntry(i))
	}
	f.Add([]byte("lifeline-provenance/v1 decision\naward a\nperiod 2026-01-01 2026-01-01\nrules r\ninputs AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\namount 00\n"))
	f.Add([]byte("lifeline-provenance/v1 ledger-batch\n"))
	f.Add([]byte(""))
	f.Fuzz(func(t *testing.T, data []byte) {
		e, err := ParseEntry(data)
		if err != nil {
			return
		}
		again, err := e.MarshalEntry()
		if err != nil {
			t.Fatalf("ParseEntry accepted %q, which does not marshal: %v", data, err)
		}
		if !bytes.Equal(again, data) {
			t.Fatalf("ParseEntry accepted non-canonical %q (canonical %q)", data, again)
		}
	})
}

func FuzzParseCheckpoint(f *testing.F) {
	f.Add([]byte("example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"))
	f.Add([]byte("o\n0\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\next\n"))
	f.Add([]byte("o\n01\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2J=\n"))
	f.Fuzz(func(t *testing.T, text []byte) {
		c, err := ParseCheckpoint(text)
		if err != nil {
			return
		}
		again, err := c.MarshalText()
		if err != nil || !bytes.Equal(again, text) {
			t.Fatalf("ParseCheckpoint accepted %q, which marshals to %q, %v", text, again, err)
		}
	})
}

func FuzzParseReceipt(f *testing.F) {
	s, _, _ := testKeys(f, testOrigin)
	m := newMemLog()
	m.append(f, testEntries(0, 9)...)
	for _, i := range []int64{0, 8} {
		r, err := NewReceipt(m.checkpoint(f, s), i, m.entries[i], m)
		if err != nil {
			f.Fatal(err)
		}
		b, _ := json.Marshal(r)
		f.Add(b)
		r.Entry = nil
		b, _ = json.Marshal(r)
		f.Add(b)
	}
	f.Add([]byte(`{"version":1,"index":0,"leaf_hash":"","checkpoint":"","inclusion_proof":[],"index":1}`))
	f.Add([]byte(`{}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := ParseReceipt(data)
		if err != nil {
			return
		}
		b, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		again, err := ParseReceipt(b)
		if err != nil {
			t.Fatalf("re-encoded receipt %s does not parse: %v", b, err)
		}
		if again.Index != r.Index || again.LeafHash != r.LeafHash || !bytes.Equal(again.Checkpoint, r.Checkpoint) ||
			!bytes.Equal(again.Entry, r.Entry) || !equalProofs(again.Proof, r.Proof) {
			t.Fatalf("receipt changed in a round trip: %+v then %+v", r, again)
		}
	})
}

func equalProofs(a, b tlog.RecordProof) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func FuzzParseEntryBundle(f *testing.F) {
	b, _ := MarshalEntryBundle(testEntries(0, 3))
	f.Add(b)
	f.Add([]byte{0, 1})
	f.Fuzz(func(t *testing.T, data []byte) {
		entries, err := ParseEntryBundle(data)
		if err != nil {
			return
		}
		again, err := MarshalEntryBundle(entries)
		if err != nil || !bytes.Equal(again, data) {
			t.Fatalf("bundle %x re-encodes as %x, %v", data, again, err)
		}
	})
}

func FuzzParseTilePath(f *testing.F) {
	for _, p := range []string{"tile/0/000", "tile/entries/x001/x234/067.p/8", "tile/63/999.p/255", "tile/0/x000/001"} {
		f.Add(p)
	}
	f.Fuzz(func(t *testing.T, path string) {
		tile, err := ParseTilePath(path)
		if err != nil {
			return
		}
		if TilePath(tile) != path {
			t.Fatalf("ParseTilePath(%q) = %+v, which encodes as %q", path, tile, TilePath(tile))
		}
	})
}
