package provenance

import (
	"bytes"
	"errors"
	"testing"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/lifeline-gov/lifeline"
)

func TestVerifyConsistency(t *testing.T) {
	s, v, _ := testKeys(t, testOrigin)
	m := newMemLog()
	empty := m.checkpoint(t, s)
	cps := append([][]byte{empty}, m.grow(t, s, 1100, 97)...)
	sizes := []int64{0}
	for i := 1; i < len(cps); i++ {
		sizes = append(sizes, min(int64(i)*97, 1100))
	}
	for i := 0; i < len(cps); i += 3 {
		for j := i; j < len(cps); j += 2 {
			proof, err := ProveConsistency(sizes[i], sizes[j], m)
			if err != nil {
				t.Fatal(err)
			}
			if err := VerifyConsistency(cps[i], cps[j], proof, v); err != nil {
				t.Fatalf("%d to %d: %v", sizes[i], sizes[j], err)
			}
			if err := VerifyConsistencyFromTiles(cps[i], cps[j], m, v); err != nil {
				t.Fatalf("%d to %d from tiles: %v", sizes[i], sizes[j], err)
			}
			if i != j {
				if err := VerifyConsistency(cps[j], cps[i], proof, v); lifeline.ErrorCode(err) != lifeline.EINVALID {
					t.Fatalf("newer before older accepted: %v", err)
				}
			}
		}
	}
}

func TestConsistencyDetectsFork(t *testing.T) {
	s, v, _ := testKeys(t, testOrigin)
	honest, forked := newMemLog(), newMemLog()
	old := honest.grow(t, s, 300, 300)[0]
	honest.grow(t, s, 200, 200)
	forked.append(t, testEntries(0, 299)...)
	forked.append(t, []byte("rewritten history\n"))
	forked.append(t, testEntries(300, 200)...)
	forkedNew := forked.checkpoint(t, s)

	proof, err := ProveConsistency(300, 500, forked)
	if err != nil {
		t.Fatal(err)
	}
	if err := VerifyConsistency(old, forkedNew, proof, v); lifeline.ErrorCode(err) != lifeline.EINVALID {
		t.Fatalf("forked log passed the proof: %v", err)
	}
	if err := VerifyConsistencyFromTiles(old, forkedNew, forked, v); lifeline.ErrorCode(err) != lifeline.EINVALID {
		t.Fatalf("forked log passed from tiles: %v", err)
	}
	forkedOld := newMemLog()
	forkedOld.append(t, forked.entries[:300]...)
	if err := VerifyConsistency(old, forkedOld.checkpoint(t, s), nil, v); lifeline.ErrorCode(err) != lifeline.EINVALID {
		t.Fatalf("two roots for one size accepted: %v", err)
	}
}

func TestTamperedTilesAndBundles(t *testing.T) {
	s, v, _ := testKeys(t, testOrigin)
	m := newMemLog()
	cps := m.grow(t, s, 70000, 30000)
	old, cur := cps[0], cps[len(cps)-1]
	c, err := OpenCheckpoint(cur, v)
	if err != nil {
		t.Fatal(err)
	}
	if err := VerifyConsistencyFromTiles(old, cur, m, v); err != nil {
		t.Fatal(err)
	}
	if _, err := VerifyEntryBundle(c, 100, m.files["tile/entries/100"], m); err != nil {
		t.Fatal(err)
	}
	if _, err := VerifyEntryBundle(c, 273, m.files["tile/entries/273.p/112"], m); err != nil {
		t.Fatal(err)
	}

	// Every tile the consistency check reads is covered: change any one
	// byte of any of them and the check fails.
	var read []string
	spy := TileReaderFunc(func(path string) ([]byte, error) {
		read = append(read, path)
		return m.ReadTile(path)
	})
	if err := VerifyConsistencyFromTiles(old, cur, spy, v); err != nil {
		t.Fatal(err)
	}
	for _, path := range read {
		for _, at := range []int{0, len(m.files[path]) - 1} {
			tampered := TileReaderFunc(func(p string) ([]byte, error) {
				b, err := m.ReadTile(p)
				if p == path {
					b = bytes.Clone(b)
					b[at] ^= 1
				}
				return b, err
			})
			if err := VerifyConsistencyFromTiles(old, cur, tampered, v); lifeline.ErrorCode(err) != lifeline.EINVALID {
				t.Fatalf("tampered %s byte %d: err = %v, want EINVALID", path, at, err)
			}
		}
	}

	bundle := m.files["tile/entries/100"]
	entries, err := ParseEntryBundle(bundle)
	if err != nil {
		t.Fatal(err)
	}
	dropped, _ := MarshalEntryBundle(entries[:255])
	for name, b := range map[string][]byte{
		"changed byte":    flipByte(bundle, 40),
		"dropped entry":   dropped,
		"swapped bundle":  m.files["tile/entries/101"],
		"partial as full": m.files["tile/entries/273.p/112"],
	} {
		if _, err := VerifyEntryBundle(c, 100, b, m); lifeline.ErrorCode(err) != lifeline.EINVALID {
			t.Errorf("%s: err = %v, want EINVALID", name, err)
		}
	}
	leaf0 := m.files["tile/0/100"]
	wrongTile := TileReaderFunc(func(p string) ([]byte, error) {
		if p == "tile/0/100" {
			return flipByte(leaf0, 5), nil
		}
		return m.ReadTile(p)
	})
	if _, err := VerifyEntryBundle(c, 100, bundle, wrongTile); lifeline.ErrorCode(err) != lifeline.EINVALID {
		t.Errorf("tampered level-0 tile: err = %v, want EINVALID", err)
	}
	if _, err := VerifyEntryBundle(c, 274, bundle, m); lifeline.ErrorCode(err) != lifeline.EINVALID {
		t.Errorf("bundle past the tree: err = %v", err)
	}
}

func flipByte(b []byte, i int) []byte {
	out := bytes.Clone(b)
	out[i] ^= 1
	return out
}

func TestTileFetchFailureIsNotInvalid(t *testing.T) {
	s, v, _ := testKeys(t, testOrigin)
	m := newMemLog()
	cps := m.grow(t, s, 600, 300)
	down := errors.New("connection refused")
	err := VerifyConsistencyFromTiles(cps[0], cps[1], TileReaderFunc(func(string) ([]byte, error) { return nil, down }), v)
	if !errors.Is(err, down) || lifeline.ErrorCode(err) == lifeline.EINVALID {
		t.Fatalf("err = %v, want the fetch error", err)
	}
}

func TestInclusionProofFromTiles(t *testing.T) {
	s, v, _ := testKeys(t, testOrigin)
	m := newMemLog()
	cps := m.grow(t, s, 1000, 1000)
	c, err := OpenCheckpoint(cps[0], v)
	if err != nil {
		t.Fatal(err)
	}
	for _, i := range []int64{0, 255, 256, 999} {
		proof, err := InclusionProofFromTiles(c, i, m)
		if err != nil {
			t.Fatal(err)
		}
		if err := tlog.CheckRecord(proof, c.Size, c.Hash, i, LeafHash(m.entries[i])); err != nil {
			t.Fatalf("entry %d: %v", i, err)
		}
	}
	if _, err := InclusionProofFromTiles(c, 1000, m); err == nil {
		t.Error("proof for an entry past the tree")
	}
}
