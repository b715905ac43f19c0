package provenance

import "golang.org/x/mod/sumdb/tlog"

// Frontier returns the stored hash indexes of the roots of the perfect
// subtrees that make up a tree of size, largest first: the only stored
// hashes of the old tree that AppendHashes asks for when leaves are
// appended to it. A store reads them in one query before appending, rather
// than one query per leaf that completes a subtree.
func Frontier(size int64) []int64 {
	var out []int64
	for level := 62; level >= 0; level-- {
		if size>>level&1 == 1 {
			out = append(out, tlog.StoredHashIndex(level, size>>level-1))
		}
	}
	return out
}
