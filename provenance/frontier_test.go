package provenance

import (
	"slices"
	"testing"

	"golang.org/x/mod/sumdb/tlog"
)

// TestFrontier: appending to a tree of each size reads only the frontier.
func TestFrontier(t *testing.T) {
	var hashes []tlog.Hash
	for size := int64(0); size < 600; size++ {
		frontier := Frontier(size)
		for _, k := range []int{1, 3, 256} {
			r := tlog.HashReaderFunc(func(indexes []int64) ([]tlog.Hash, error) {
				out := make([]tlog.Hash, len(indexes))
				for i, x := range indexes {
					if !slices.Contains(frontier, x) {
						t.Fatalf("appending %d to a tree of %d read stored hash %d, not in the frontier %v", k, size, x, frontier)
					}
					out[i] = hashes[x]
				}
				return out, nil
			})
			leaves := make([]tlog.Hash, k)
			for i := range leaves {
				leaves[i] = LeafHash([]byte{byte(size), byte(i)})
			}
			if _, err := AppendHashes(size, leaves, r); err != nil {
				t.Fatal(err)
			}
		}
		hs, err := AppendHashes(size, []tlog.Hash{LeafHash([]byte{byte(size)})}, tlog.HashReaderFunc(func(indexes []int64) ([]tlog.Hash, error) {
			out := make([]tlog.Hash, len(indexes))
			for i, x := range indexes {
				out[i] = hashes[x]
			}
			return out, nil
		}))
		if err != nil {
			t.Fatal(err)
		}
		hashes = append(hashes, hs...)
	}
	if got := Frontier(6); !slices.Equal(got, []int64{tlog.StoredHashIndex(2, 0), tlog.StoredHashIndex(1, 2)}) {
		t.Errorf("Frontier(6) = %v", got)
	}
}
