package provenance

import (
	"bytes"
	"slices"
	"testing"

	"golang.org/x/mod/sumdb/tlog"
)

func TestTilePath(t *testing.T) {
	tests := []struct {
		tile tlog.Tile
		path string
	}{
		{tlog.Tile{H: 8, L: 0, N: 0, W: 256}, "tile/0/000"},
		{tlog.Tile{H: 8, L: 0, N: 0, W: 1}, "tile/0/000.p/1"},
		{tlog.Tile{H: 8, L: 2, N: 999, W: 255}, "tile/2/999.p/255"},
		{tlog.Tile{H: 8, L: 1, N: 1000, W: 256}, "tile/1/x001/000"},
		{tlog.Tile{H: 8, L: 0, N: 1234067, W: 256}, "tile/0/x001/x234/067"},
		{tlog.Tile{H: 8, L: 63, N: 5, W: 3}, "tile/63/005.p/3"},
		{tlog.Tile{H: 8, L: -1, N: 1234067, W: 8}, "tile/entries/x001/x234/067.p/8"},
		{tlog.Tile{H: 8, L: -1, N: 0, W: 256}, "tile/entries/000"},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			if got := TilePath(tt.tile); got != tt.path {
				t.Fatalf("TilePath(%+v) = %q, want %q", tt.tile, got, tt.path)
			}
			got, err := ParseTilePath(tt.path)
			if err != nil || got != tt.tile {
				t.Fatalf("ParseTilePath(%q) = %+v, %v; want %+v", tt.path, got, err, tt.tile)
			}
		})
	}
}

func TestParseTilePathRejects(t *testing.T) {
	for _, path := range []string{
		"", "tile", "tile/0", "tile/0/", "tile/0/0", "tile/0/0000", "tile/00/000", "tile/64/000",
		"tile/-1/000", "tile/0/001/002", "tile/0/x000/001", "tile/0/x001", "tile/0/000.p/0",
		"tile/0/000.p/256", "tile/0/000.p/01", "tile/0/000.p/", "tile/8/0/000", "tile/data/000",
		"tile/entries/000.p/1/2", "/tile/0/000", "tile/0/000/", "tile/0/x1/000", "tile/0/+12",
		"tile/0/x009/x223/x372/x036/x854/x775/808", // overflows int64
	} {
		if tile, err := ParseTilePath(path); err == nil {
			t.Errorf("ParseTilePath(%q) = %+v, want error", path, tile)
		}
	}
}

// The example in the C2SP tlog-tiles spec: a tree of 70,000 entries.
func TestHashTilesSpecExample(t *testing.T) {
	m := newMemLog()
	m.append(t, testEntries(0, 70000)...)
	var full, partial []string
	for _, r := range m.filesSorted() {
		if tile, _ := ParseTilePath(r); tile.W == tileWidth {
			full = append(full, r)
		} else {
			partial = append(partial, r)
		}
	}
	count := func(list []string, prefix string) int {
		n := 0
		for _, p := range list {
			if len(p) > len(prefix) && p[:len(prefix)] == prefix {
				n++
			}
		}
		return n
	}
	if n := count(full, "tile/0/"); n != 273 {
		t.Errorf("%d full level-0 tiles, want 273", n)
	}
	if n := count(full, "tile/entries/"); n != 273 {
		t.Errorf("%d full bundles, want 273", n)
	}
	if n := count(full, "tile/1/"); n != 1 {
		t.Errorf("%d full level-1 tiles, want 1", n)
	}
	wantPartial := []string{"tile/0/273.p/112", "tile/1/001.p/17", "tile/2/000.p/1", "tile/entries/273.p/112"}
	if !slices.Equal(partial, wantPartial) {
		t.Errorf("partial tiles %q, want %q", partial, wantPartial)
	}
}

func (m *memLog) filesSorted() []string {
	var paths []string
	for p := range m.files {
		paths = append(paths, p)
	}
	slices.Sort(paths)
	return paths
}

// Publishing in batches must give the same full tiles as publishing at once,
// and every tile must hold the hashes the stored hashes imply.
func TestHashTilesIncremental(t *testing.T) {
	s, _, _ := testKeys(t, testOrigin)
	whole := newMemLog()
	whole.append(t, testEntries(0, 1000)...)
	for _, batch := range []int{1, 7, 255, 256, 257, 999} {
		m := newMemLog()
		m.grow(t, s, 1000, batch)
		for path, data := range whole.files {
			if got, ok := m.files[path]; !ok || !bytes.Equal(got, data) {
				t.Fatalf("batch %d: %s differs from the one-shot log", batch, path)
			}
		}
	}
	for path, data := range whole.files {
		tile, err := ParseTilePath(path)
		if err != nil {
			t.Fatal(err)
		}
		if tile.L < 0 {
			continue
		}
		want, err := tlog.ReadTileData(tile, whole)
		if err != nil || !bytes.Equal(want, data) {
			t.Fatalf("%s does not hold the stored hashes (%v)", path, err)
		}
	}
}

func TestAppendHashesMatchesTlog(t *testing.T) {
	// tlog.StoredHashes, one record at a time, is the reference.
	var ref []tlog.Hash
	refReader := tlog.HashReaderFunc(func(ix []int64) ([]tlog.Hash, error) {
		out := make([]tlog.Hash, len(ix))
		for i, x := range ix {
			out[i] = ref[x]
		}
		return out, nil
	})
	m := newMemLog()
	for _, batch := range []int{1, 2, 3, 100, 1, 300} {
		entries := testEntries(int(m.size()), batch)
		for i, e := range entries {
			hs, err := tlog.StoredHashes(m.size()+int64(i), e, refReader)
			if err != nil {
				t.Fatal(err)
			}
			ref = append(ref, hs...)
		}
		m.append(t, entries...)
		if !slices.Equal(m.hashes, ref) {
			t.Fatalf("after %d entries the stored hashes differ from tlog.StoredHashes", m.size())
		}
	}
}

func TestEntryBundleFormat(t *testing.T) {
	got, err := MarshalEntryBundle([][]byte{[]byte("ab"), {}, bytes.Repeat([]byte{7}, 258)})
	if err != nil {
		t.Fatal(err)
	}
	want := append([]byte{0, 2, 'a', 'b', 0, 0, 1, 2}, bytes.Repeat([]byte{7}, 258)...)
	if !bytes.Equal(got, want) {
		t.Fatalf("bundle = %x, want %x", got, want)
	}
	back, err := ParseEntryBundle(got)
	if err != nil || len(back) != 3 || string(back[0]) != "ab" || len(back[1]) != 0 || len(back[2]) != 258 {
		t.Fatalf("ParseEntryBundle = %q, %v", back, err)
	}
	for _, bad := range [][]byte{nil, {0}, {0, 3, 'a', 'b'}, append(want, 0)} {
		if _, err := ParseEntryBundle(bad); err == nil {
			t.Errorf("ParseEntryBundle(%x) succeeded", bad)
		}
	}
	tooMany := make([][]byte, 257)
	if _, err := MarshalEntryBundle(tooMany); err == nil {
		t.Error("MarshalEntryBundle accepted 257 entries")
	}
	if _, err := ParseEntryBundle(make([]byte, 2*257)); err == nil {
		t.Error("ParseEntryBundle accepted 257 entries")
	}
	if _, err := MarshalEntryBundle([][]byte{make([]byte, 1<<16)}); err == nil {
		t.Error("MarshalEntryBundle accepted a 65,536-byte entry")
	}
}
