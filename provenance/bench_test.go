package provenance

import (
	"testing"

	"golang.org/x/mod/sumdb/tlog"
)

// BenchmarkAppend measures the pure core of an append: leaf hashes, stored
// hashes, the tiles and entry bundles to publish, and the new root, for
// batches of 1,000 entries (a group commit) on an in-memory store. The
// durable store adds its own cost on top.
func BenchmarkAppend(b *testing.B) {
	const batch = 1000
	entries := testEntries(0, batch)
	m := newMemLog()
	// Preallocate so that the in-memory store's growth is not measured.
	m.hashes = make([]tlog.Hash, 0, tlog.StoredHashCount(int64(b.N+batch)))
	m.entries = make([][]byte, 0, b.N+batch)
	leaves := make([]tlog.Hash, batch)
	b.ResetTimer()
	for n := 0; n < b.N; n += batch {
		old := m.size()
		for i, e := range entries {
			leaves[i] = LeafHash(e)
		}
		hs, err := AppendHashes(old, leaves, m)
		if err != nil {
			b.Fatal(err)
		}
		m.hashes = append(m.hashes, hs...)
		m.entries = append(m.entries, entries...)
		if _, err := HashTiles(old, m.size(), m); err != nil {
			b.Fatal(err)
		}
		if _, err := EntryBundles(old, m.size(), m); err != nil {
			b.Fatal(err)
		}
		if _, err := tlog.TreeHash(m.size(), m); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(m.size())/b.Elapsed().Seconds(), "entries/s")
}
