package provenance

import (
	"crypto/sha256"
	"fmt"
	"math/rand/v2"
	"testing"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

const testOrigin = "lifeline.example/log"

// memLog is an in-memory store of the kind the database adapters will be:
// entries by index, stored hashes by stored hash index, published files by path.
type memLog struct {
	entries [][]byte
	hashes  []tlog.Hash
	files   map[string][]byte
}

func newMemLog() *memLog { return &memLog{files: map[string][]byte{}} }

func (m *memLog) size() int64 { return int64(len(m.entries)) }

func (m *memLog) ReadHashes(indexes []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(indexes))
	for i, x := range indexes {
		if x < 0 || x >= int64(len(m.hashes)) {
			return nil, fmt.Errorf("no stored hash %d", x)
		}
		out[i] = m.hashes[x]
	}
	return out, nil
}

func (m *memLog) ReadEntries(start, end int64) ([][]byte, error) {
	if start < 0 || end > m.size() || start > end {
		return nil, fmt.Errorf("no entries [%d, %d)", start, end)
	}
	return m.entries[start:end], nil
}

func (m *memLog) ReadTile(path string) ([]byte, error) {
	b, ok := m.files[path]
	if !ok {
		return nil, fmt.Errorf("%s: not found", path)
	}
	return b, nil
}

// append adds entries, stores their hashes and publishes the new tiles and bundles.
func (m *memLog) append(t testing.TB, entries ...[]byte) {
	t.Helper()
	old := m.size()
	leaves := make([]tlog.Hash, len(entries))
	for i, e := range entries {
		leaves[i] = LeafHash(e)
	}
	hs, err := AppendHashes(old, leaves, m)
	if err != nil {
		t.Fatal(err)
	}
	m.hashes = append(m.hashes, hs...)
	m.entries = append(m.entries, entries...)
	if int64(len(m.hashes)) != tlog.StoredHashCount(m.size()) {
		t.Fatalf("stored %d hashes for %d entries, want %d", len(m.hashes), m.size(), tlog.StoredHashCount(m.size()))
	}
	tiles, err := HashTiles(old, m.size(), m)
	if err != nil {
		t.Fatal(err)
	}
	bundles, err := EntryBundles(old, m.size(), m)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range append(tiles, bundles...) {
		m.files[r.Path] = r.Data
	}
}

// checkpoint signs the current tree head.
func (m *memLog) checkpoint(t testing.TB, s note.Signer) []byte {
	t.Helper()
	h, err := tlog.TreeHash(m.size(), m)
	if err != nil {
		t.Fatal(err)
	}
	signed, err := SignCheckpoint(Checkpoint{Origin: s.Name(), Size: m.size(), Hash: h}, s)
	if err != nil {
		t.Fatal(err)
	}
	return signed
}

// testKeys returns a deterministic log key pair.
func testKeys(t testing.TB, origin string) (note.Signer, note.Verifier, string) {
	t.Helper()
	skey, vkey, err := GenerateKey(rand.NewChaCha8([32]byte{1}), origin)
	if err != nil {
		t.Fatal(err)
	}
	s, err := note.NewSigner(skey)
	if err != nil {
		t.Fatal(err)
	}
	v, err := note.NewVerifier(vkey)
	if err != nil {
		t.Fatal(err)
	}
	return s, v, vkey
}

// testEntry returns a distinct valid entry for index i, cycling the kinds.
func testEntry(i int) []byte {
	var e Entry
	switch i % 3 {
	case 0:
		e = Decision{
			AwardID: fmt.Sprintf("award-%d", i), PeriodStart: "2026-04-06", PeriodEnd: "2026-05-05",
			RulesVersion: "uc-2026.1", InputsHash: sha256.Sum256(fmt.Appendf(nil, "inputs %d", i)), AmountPence: int64(i) * 100,
		}
	case 1:
		e = Disclosure{
			AgreementID: "dsa-7", PartnerID: "council.example", Purpose: "council tax reduction",
			LegalBasis:  "Social Security Administration Act 1992 s.122C",
			RequestHash: sha256.Sum256(fmt.Appendf(nil, "req %d", i)), ResponseHash: sha256.Sum256(fmt.Appendf(nil, "resp %d", i)),
		}
	default:
		e = LedgerBatch{ChainID: "ledger", Sequence: int64(i), HeadHash: sha256.Sum256(fmt.Appendf(nil, "head %d", i))}
	}
	b, err := e.MarshalEntry()
	if err != nil {
		panic(err)
	}
	return b
}

func testEntries(from, n int) [][]byte {
	out := make([][]byte, n)
	for i := range out {
		out[i] = testEntry(from + i)
	}
	return out
}

// grow appends n entries in batches of the given size, returning the signed
// checkpoint after each batch.
func (m *memLog) grow(t testing.TB, s note.Signer, n, batch int) [][]byte {
	t.Helper()
	var cps [][]byte
	for n > 0 {
		k := min(batch, n)
		m.append(t, testEntries(int(m.size()), k)...)
		cps = append(cps, m.checkpoint(t, s))
		n -= k
	}
	return cps
}
