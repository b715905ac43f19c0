package provenance

import (
	"fmt"

	"golang.org/x/mod/sumdb/tlog"
)

// AppendHashes returns the stored hashes to add when leaves are appended to
// a tree of oldSize, in storage order: the first belongs at stored hash index
// tlog.StoredHashIndex(0, oldSize) and the rest follow densely. r must serve
// the stored hashes of the tree of oldSize; it is asked only for hashes that
// the new leaves complete subtrees with.
//
// The store keeps these hashes in an append-only table keyed by index; that
// table is what HashTiles, tlog.TreeHash and tlog.ProveRecord read.
func AppendHashes(oldSize int64, leaves []tlog.Hash, r tlog.HashReader) ([]tlog.Hash, error) {
	if oldSize < 0 {
		return nil, fmt.Errorf("provenance: negative tree size %d", oldSize)
	}
	p := &pendingHashes{base: tlog.StoredHashIndex(0, oldSize), old: r}
	for i, leaf := range leaves {
		hashes, err := tlog.StoredHashesForRecordHash(oldSize+int64(i), leaf, p)
		if err != nil {
			return nil, fmt.Errorf("provenance: hashing leaf %d: %w", oldSize+int64(i), err)
		}
		p.hashes = append(p.hashes, hashes...)
	}
	return p.hashes, nil
}

// pendingHashes reads stored hashes from the existing tree below base and
// from the hashes computed so far in this batch above it.
type pendingHashes struct {
	base   int64
	old    tlog.HashReader
	hashes []tlog.Hash
}

func (p *pendingHashes) ReadHashes(indexes []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(indexes))
	var oldIdx []int64
	var oldPos []int
	for i, x := range indexes {
		switch {
		case x >= p.base+int64(len(p.hashes)):
			return nil, fmt.Errorf("stored hash %d not yet computed", x)
		case x >= p.base:
			out[i] = p.hashes[x-p.base]
		default:
			oldIdx = append(oldIdx, x)
			oldPos = append(oldPos, i)
		}
	}
	if len(oldIdx) > 0 {
		hs, err := p.old.ReadHashes(oldIdx)
		if err != nil {
			return nil, err
		}
		if len(hs) != len(oldIdx) {
			return nil, fmt.Errorf("read %d stored hashes, want %d", len(hs), len(oldIdx))
		}
		for j, h := range hs {
			out[oldPos[j]] = h
		}
	}
	return out, nil
}
