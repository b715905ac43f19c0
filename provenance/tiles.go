package provenance

import (
	"encoding/binary"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/lifeline-gov/lifeline"
)

// TileHeight is the height of every tile, fixed at 8 by C2SP tlog-tiles: a
// full tile holds 256 hashes and a full entry bundle 256 entries.
const TileHeight = 8

const tileWidth = 1 << TileHeight

// entriesLevel is the tlog.Tile level that stands for an entry bundle, as
// sumdb uses level -1 for its record data tiles.
const entriesLevel = -1

// A Resource is one file of the published log: its path under the log's
// prefix and its contents.
type Resource struct {
	Tile tlog.Tile // Tile.L is -1 for an entry bundle
	Path string
	Data []byte
}

// Full reports whether the resource is a full tile or bundle, which never
// changes again and may be cached forever.
func (r Resource) Full() bool { return r.Tile.W == tileWidth }

// TilePath returns the C2SP tlog-tiles path of t:
//
//	tile/<L>/<N>[.p/<W>]       hash tile at level L
//	tile/entries/<N>[.p/<W>]   entry bundle (t.L == -1)
//
// <N> is written as zero-padded three-digit path elements, all but the last
// prefixed with "x" (1234067 is x001/x234/067); the .p/<W> suffix appears
// only for partial tiles, 1 ≤ W ≤ 255. Unlike sumdb's Tile.Path, there is no
// height element.
func TilePath(t tlog.Tile) string {
	var b strings.Builder
	b.WriteString("tile/")
	if t.L == entriesLevel {
		b.WriteString("entries/")
	} else {
		b.WriteString(strconv.Itoa(t.L))
		b.WriteByte('/')
	}
	n := t.N
	var groups []string
	for {
		groups = append(groups, fmt.Sprintf("%03d", n%1000))
		n /= 1000
		if n == 0 {
			break
		}
	}
	for i := len(groups) - 1; i >= 0; i-- {
		if i > 0 {
			b.WriteByte('x')
		}
		b.WriteString(groups[i])
		if i > 0 {
			b.WriteByte('/')
		}
	}
	if t.W != tileWidth {
		b.WriteString(".p/")
		b.WriteString(strconv.Itoa(t.W))
	}
	return b.String()
}

// ParseTilePath is the strict inverse of TilePath.
func ParseTilePath(path string) (tlog.Tile, error) {
	bad := func() (tlog.Tile, error) {
		return tlog.Tile{}, lifeline.Errorf(lifeline.EINVALID, "malformed tile path %q", path)
	}
	rest, ok := strings.CutPrefix(path, "tile/")
	if !ok {
		return bad()
	}
	t := tlog.Tile{H: TileHeight, W: tileWidth}
	level, rest, ok := strings.Cut(rest, "/")
	if !ok {
		return bad()
	}
	if level == "entries" {
		t.L = entriesLevel
	} else {
		l, ok := parseCount(level)
		if !ok || l > 63 {
			return bad()
		}
		t.L = int(l)
	}
	if index, width, partial := strings.Cut(rest, ".p/"); partial {
		w, ok := parseCount(width)
		if !ok || w < 1 || w >= tileWidth {
			return bad()
		}
		t.W, rest = int(w), index
	}
	elems := strings.Split(rest, "/")
	for i, e := range elems {
		if i < len(elems)-1 {
			if e, ok = strings.CutPrefix(e, "x"); !ok {
				return bad()
			}
		}
		if len(e) != 3 || strings.Trim(e, "0123456789") != "" {
			return bad()
		}
		d, _ := strconv.Atoi(e)
		if t.N > (1<<63-1-int64(d))/1000 {
			return bad()
		}
		t.N = t.N*1000 + int64(d)
	}
	if TilePath(t) != path { // rejects leading 000 groups
		return bad()
	}
	return t, nil
}

// HashTiles returns the hash tiles to publish when the tree grows from
// oldSize to newSize: every tile that becomes full and the new partial tile
// at each level. r must serve the stored hashes of the tree of newSize (see
// AppendHashes).
func HashTiles(oldSize, newSize int64, r tlog.HashReader) ([]Resource, error) {
	if oldSize < 0 || newSize < oldSize {
		return nil, fmt.Errorf("provenance: bad tree sizes %d to %d", oldSize, newSize)
	}
	var out []Resource
	for _, t := range tlog.NewTiles(TileHeight, oldSize, newSize) {
		data, err := tlog.ReadTileData(t, r)
		if err != nil {
			return nil, fmt.Errorf("provenance: reading tile %s: %w", TilePath(t), err)
		}
		out = append(out, Resource{Tile: t, Path: TilePath(t), Data: data})
	}
	return out, nil
}

// An EntryReader returns the encoded entries with indexes start ≤ i < end.
type EntryReader interface {
	ReadEntries(start, end int64) ([][]byte, error)
}

// EntryBundles returns the entry bundles to publish when the tree grows from
// oldSize to newSize, one for each level-0 tile that HashTiles returns.
func EntryBundles(oldSize, newSize int64, r EntryReader) ([]Resource, error) {
	if oldSize < 0 || newSize < oldSize {
		return nil, fmt.Errorf("provenance: bad tree sizes %d to %d", oldSize, newSize)
	}
	var out []Resource
	for _, t := range tlog.NewTiles(TileHeight, oldSize, newSize) {
		if t.L != 0 {
			continue
		}
		start := t.N * tileWidth
		entries, err := r.ReadEntries(start, start+int64(t.W))
		if err != nil {
			return nil, fmt.Errorf("provenance: reading entries for bundle %d: %w", t.N, err)
		}
		if len(entries) != t.W {
			return nil, fmt.Errorf("provenance: read %d entries for bundle %d, want %d", len(entries), t.N, t.W)
		}
		data, err := MarshalEntryBundle(entries)
		if err != nil {
			return nil, err
		}
		t.L = entriesLevel
		out = append(out, Resource{Tile: t, Path: TilePath(t), Data: data})
	}
	return out, nil
}

// MarshalEntryBundle encodes entries in the C2SP tlog-tiles entry bundle
// format: for each entry in order, its length as a big-endian uint16, then
// its bytes. A bundle holds 1 to 256 entries of at most 65,535 bytes each.
func MarshalEntryBundle(entries [][]byte) ([]byte, error) {
	if len(entries) == 0 || len(entries) > tileWidth {
		return nil, fmt.Errorf("provenance: entry bundle of %d entries", len(entries))
	}
	size := 0
	for _, e := range entries {
		if len(e) > 0xffff {
			return nil, fmt.Errorf("provenance: entry of %d bytes is too long for a bundle", len(e))
		}
		size += 2 + len(e)
	}
	out := make([]byte, 0, size)
	for _, e := range entries {
		out = binary.BigEndian.AppendUint16(out, uint16(len(e)))
		out = append(out, e...)
	}
	return out, nil
}

// ParseEntryBundle decodes an entry bundle written by MarshalEntryBundle.
// The entries alias data.
func ParseEntryBundle(data []byte) ([][]byte, error) {
	var entries [][]byte
	for len(data) > 0 {
		if len(data) < 2 {
			return nil, lifeline.Errorf(lifeline.EINVALID, "entry bundle ends inside a length prefix")
		}
		n := int(binary.BigEndian.Uint16(data))
		if len(data) < 2+n {
			return nil, lifeline.Errorf(lifeline.EINVALID, "entry bundle ends inside an entry")
		}
		entries = append(entries, data[2:2+n:2+n])
		data = data[2+n:]
		if len(entries) > tileWidth {
			return nil, lifeline.Errorf(lifeline.EINVALID, "entry bundle holds more than %d entries", tileWidth)
		}
	}
	if len(entries) == 0 {
		return nil, lifeline.Errorf(lifeline.EINVALID, "entry bundle is empty")
	}
	return entries, nil
}
