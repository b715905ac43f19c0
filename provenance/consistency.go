package provenance

import (
	"fmt"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/lifeline-gov/lifeline"
)

// ProveConsistency returns the RFC 6962 consistency proof that the tree of
// newSize extends the tree of oldSize. r serves the stored hashes of the tree
// of newSize.
func ProveConsistency(oldSize, newSize int64, r tlog.HashReader) (tlog.TreeProof, error) {
	if oldSize == 0 && newSize >= 0 {
		return tlog.TreeProof{}, nil // the empty tree is a prefix of every tree
	}
	return tlog.ProveTree(newSize, oldSize, r)
}

// VerifyConsistency checks that the newer signed checkpoint extends the older
// one: both are signed by the log, have the same origin, and the proof shows
// the old tree is a prefix of the new.
func VerifyConsistency(oldCheckpoint, newCheckpoint []byte, proof tlog.TreeProof, log note.Verifier) error {
	old, cur, err := openPair(oldCheckpoint, newCheckpoint, log)
	if err != nil {
		return err
	}
	if old.Size == cur.Size || old.Size == 0 {
		if len(proof) != 0 {
			return lifeline.Errorf(lifeline.EINVALID, "consistency proof should be empty")
		}
		return sameTree(old, cur)
	}
	if err := tlog.CheckTree(proof, cur.Size, cur.Hash, old.Size, old.Hash); err != nil {
		return lifeline.Errorf(lifeline.EINVALID, "checkpoints are not consistent: %v", err)
	}
	return nil
}

// A TileReader fetches a published resource by its C2SP path relative to the
// log prefix, such as "tile/0/x001/234" or "tile/1/000.p/7". The HTTP client
// implements it with GETs under /log/; an implementation that needs a
// context binds it when it is made. Contents are not trusted: every tile is
// checked against a signed root before use.
type TileReader interface {
	ReadTile(path string) ([]byte, error)
}

// TileReaderFunc adapts a function to TileReader.
type TileReaderFunc func(path string) ([]byte, error)

func (f TileReaderFunc) ReadTile(path string) ([]byte, error) { return f(path) }

// VerifyConsistencyFromTiles checks that the newer signed checkpoint extends
// the older one using only published tiles: the tiles needed for the proof
// are authenticated against the new root, then the proof they yield is
// checked against the old root.
func VerifyConsistencyFromTiles(oldCheckpoint, newCheckpoint []byte, tiles TileReader, log note.Verifier) error {
	old, cur, err := openPair(oldCheckpoint, newCheckpoint, log)
	if err != nil {
		return err
	}
	if old.Size == cur.Size || old.Size == 0 {
		return sameTree(old, cur)
	}
	a := &tileAdapter{r: tiles}
	proof, err := tlog.ProveTree(cur.Size, old.Size, tlog.TileHashReader(cur.Tree(), a))
	if err != nil {
		return a.fault("the new checkpoint", err)
	}
	if err := tlog.CheckTree(proof, cur.Size, cur.Hash, old.Size, old.Hash); err != nil {
		return lifeline.Errorf(lifeline.EINVALID, "checkpoints are not consistent: %v", err)
	}
	return nil
}

// InclusionProofFromTiles returns the inclusion proof for entry index in the
// tree of a verified checkpoint, computed from authenticated tiles.
func InclusionProofFromTiles(c Checkpoint, index int64, tiles TileReader) (tlog.RecordProof, error) {
	if index < 0 || index >= c.Size {
		return nil, lifeline.Errorf(lifeline.EINVALID, "entry %d is not in the checkpoint of size %d", index, c.Size)
	}
	a := &tileAdapter{r: tiles}
	proof, err := tlog.ProveRecord(c.Size, index, tlog.TileHashReader(c.Tree(), a))
	if err != nil {
		return nil, a.fault("the checkpoint", err)
	}
	return proof, nil
}

// VerifyEntryBundle parses the entry bundle with index n (tile/entries/<n>)
// of a verified checkpoint and checks every entry against the leaf hashes
// in the authenticated level-0 tile. It returns the entries.
func VerifyEntryBundle(c Checkpoint, n int64, bundle []byte, tiles TileReader) ([][]byte, error) {
	start := n * tileWidth
	if n < 0 || start >= c.Size || start/tileWidth != n {
		return nil, lifeline.Errorf(lifeline.EINVALID, "entry bundle %d is not in the checkpoint of size %d", n, c.Size)
	}
	entries, err := ParseEntryBundle(bundle)
	if err != nil {
		return nil, err
	}
	width := min(c.Size-start, tileWidth)
	if int64(len(entries)) != width {
		return nil, lifeline.Errorf(lifeline.EINVALID, "entry bundle %d holds %d entries, want %d", n, len(entries), width)
	}
	indexes := make([]int64, width)
	for i := range indexes {
		indexes[i] = tlog.StoredHashIndex(0, start+int64(i))
	}
	a := &tileAdapter{r: tiles}
	leaves, err := tlog.TileHashReader(c.Tree(), a).ReadHashes(indexes)
	if err != nil {
		return nil, a.fault("the checkpoint", err)
	}
	for i, e := range entries {
		if LeafHash(e) != leaves[i] {
			return nil, lifeline.Errorf(lifeline.EINVALID, "entry %d in bundle %d does not match the log", start+int64(i), n)
		}
	}
	return entries, nil
}

func openPair(oldCheckpoint, newCheckpoint []byte, log note.Verifier) (old, cur Checkpoint, err error) {
	if old, err = OpenCheckpoint(oldCheckpoint, log); err != nil {
		return old, cur, err
	}
	if cur, err = OpenCheckpoint(newCheckpoint, log); err != nil {
		return old, cur, err
	}
	if old.Size > cur.Size {
		return old, cur, lifeline.Errorf(lifeline.EINVALID, "the older checkpoint (size %d) is larger than the newer (size %d)", old.Size, cur.Size)
	}
	return old, cur, nil
}

// sameTree checks the cases without a proof: equal sizes must have equal
// roots, and the empty tree must have the RFC 6962 empty root.
func sameTree(old, cur Checkpoint) error {
	if old.Size == 0 {
		if empty, _ := tlog.TreeHash(0, nil); old.Hash != empty {
			return lifeline.Errorf(lifeline.EINVALID, "checkpoint of size 0 has a root other than the empty hash")
		}
	}
	if old.Size == cur.Size && old.Hash != cur.Hash {
		return lifeline.Errorf(lifeline.EINVALID, "two checkpoints of size %d have different roots: the log has forked", old.Size)
	}
	return nil
}

// tileAdapter presents a TileReader as the tlog.TileReader that
// tlog.TileHashReader needs, translating tiles to C2SP paths. It remembers
// a failure to fetch, so that an unreachable server is not reported as a
// dishonest log.
type tileAdapter struct {
	r       TileReader
	readErr error
}

// fault describes err from a tile-backed computation checked against what.
func (a *tileAdapter) fault(what string, err error) error {
	if a.readErr != nil {
		return fmt.Errorf("provenance: fetching tiles: %w", a.readErr)
	}
	return lifeline.Errorf(lifeline.EINVALID, "published tiles do not match %s: %v", what, err)
}

func (*tileAdapter) Height() int { return TileHeight }

func (a *tileAdapter) ReadTiles(tiles []tlog.Tile) ([][]byte, error) {
	data := make([][]byte, len(tiles))
	for i, t := range tiles {
		path := TilePath(t)
		b, err := a.r.ReadTile(path)
		if err != nil {
			a.readErr = fmt.Errorf("reading %s: %w", path, err)
			return nil, a.readErr
		}
		if len(b) != t.W*tlog.HashSize {
			return nil, fmt.Errorf("%s is %d bytes, want %d", path, len(b), t.W*tlog.HashSize)
		}
		data[i] = b
	}
	return data, nil
}

// SaveTiles does nothing: a verifier keeps no cache.
func (*tileAdapter) SaveTiles([]tlog.Tile, [][]byte) {}
