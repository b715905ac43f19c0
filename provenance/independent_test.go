package provenance_test

// This test checks what package provenance publishes with a verifier built
// only on golang.org/x/mod/sumdb/tlog, sumdb/note and the standard library,
// reading the C2SP specifications afresh: none of the package's parsing or
// verifying code is used, only the code that writes.

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/lifeline-gov/lifeline/provenance"
)

// published is what the log serves under /log/, produced by the package.
type published struct {
	files       map[string][]byte
	checkpoints [][]byte
	receipts    [][]byte // JSON
	proofs      map[[2]int64]tlog.TreeProof
	vkey        string
	witness     ed25519.PublicKey
}

func publish(t *testing.T) published {
	t.Helper()
	const origin = "lifeline.example/independent"
	skey, vkey, err := provenance.GenerateKey(rand.NewChaCha8([32]byte{7}), origin)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := note.NewSigner(skey)
	if err != nil {
		t.Fatal(err)
	}
	logV, _ := note.NewVerifier(vkey)
	wkey := ed25519.NewKeyFromSeed(bytes.Repeat([]byte{42}, 32))
	wv, _ := provenance.NewCosignatureVerifier("partner.example/witness", wkey.Public().(ed25519.PublicKey))
	ws, _ := provenance.NewCosigner("partner.example/witness", wkey, 1767225600)

	p := published{files: map[string][]byte{}, proofs: map[[2]int64]tlog.TreeProof{}, vkey: vkey, witness: wkey.Public().(ed25519.PublicKey)}
	var entries [][]byte
	var hashes []tlog.Hash
	hr := tlog.HashReaderFunc(func(ix []int64) ([]tlog.Hash, error) {
		out := make([]tlog.Hash, len(ix))
		for i, x := range ix {
			out[i] = hashes[x]
		}
		return out, nil
	})
	er := entryReaderFunc(func(a, b int64) ([][]byte, error) { return entries[a:b], nil })
	var sizes []int64
	for _, batch := range []int{1, 300, 211, 256, 1000} {
		old := int64(len(entries))
		var leaves []tlog.Hash
		for i := range batch {
			e, err := provenance.Disclosure{
				AgreementID: "dsa-1", PartnerID: "council.example", Purpose: "free school meals", LegalBasis: "Welfare Reform Act 2012 s.131",
				RequestHash: sha256.Sum256(fmt.Appendf(nil, "q%d", int(old)+i)), ResponseHash: sha256.Sum256(fmt.Appendf(nil, "r%d", int(old)+i)),
			}.MarshalEntry()
			if err != nil {
				t.Fatal(err)
			}
			entries = append(entries, e)
			leaves = append(leaves, provenance.LeafHash(e))
		}
		hs, err := provenance.AppendHashes(old, leaves, hr)
		if err != nil {
			t.Fatal(err)
		}
		hashes = append(hashes, hs...)
		size := int64(len(entries))
		tiles, err := provenance.HashTiles(old, size, hr)
		if err != nil {
			t.Fatal(err)
		}
		bundles, err := provenance.EntryBundles(old, size, er)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range append(tiles, bundles...) {
			p.files[r.Path] = r.Data
		}
		root, _ := tlog.TreeHash(size, hr)
		signed, err := provenance.SignCheckpoint(provenance.Checkpoint{Origin: origin, Size: size, Hash: root}, signer)
		if err != nil {
			t.Fatal(err)
		}
		text := signed[:bytes.LastIndex(signed, []byte("\n\n"))+1]
		line, _ := note.Sign(&note.Note{Text: string(text)}, ws)
		served, err := provenance.MergeCosignatures(signed, logV, []note.Verifier{wv}, []string{string(line[len(text)+1:])})
		if err != nil {
			t.Fatal(err)
		}
		p.checkpoints = append(p.checkpoints, served)
		for _, i := range []int64{0, old, size / 2, size - 1} {
			r, err := provenance.NewReceipt(served, i, entries[i], hr)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := json.Marshal(r)
			p.receipts = append(p.receipts, b)
		}
		for _, o := range sizes {
			proof, err := provenance.ProveConsistency(o, size, hr)
			if err != nil {
				t.Fatal(err)
			}
			p.proofs[[2]int64{o, size}] = proof
		}
		sizes = append(sizes, size)
	}
	return p
}

type entryReaderFunc func(start, end int64) ([][]byte, error)

func (f entryReaderFunc) ReadEntries(start, end int64) ([][]byte, error) { return f(start, end) }

// --- the independent verifier ---

// c2spPath encodes a tile path per C2SP tlog-tiles, written afresh here.
func c2spPath(level string, n int64, w int) string {
	s := fmt.Sprintf("%03d", n%1000)
	for n /= 1000; n > 0; n /= 1000 {
		s = fmt.Sprintf("x%03d/", n%1000) + s
	}
	p := "tile/" + level + "/" + s
	if w < 256 {
		p += ".p/" + strconv.Itoa(w)
	}
	return p
}

// tiles serves level ≥ 0 tiles to tlog.TileHashReader from the published files.
type tiles map[string][]byte

func (tiles) Height() int { return 8 }
func (ts tiles) ReadTiles(list []tlog.Tile) ([][]byte, error) {
	out := make([][]byte, len(list))
	for i, t := range list {
		b, ok := ts[c2spPath(strconv.Itoa(t.L), t.N, t.W)]
		if !ok {
			return nil, fmt.Errorf("missing tile %+v", t)
		}
		out[i] = b
	}
	return out, nil
}
func (tiles) SaveTiles([]tlog.Tile, [][]byte) {}

// openCheckpoint verifies the log signature with note and parses the three
// mandatory lines of a C2SP checkpoint.
func openCheckpoint(t *testing.T, vkey string, signed []byte) (origin string, tree tlog.Tree) {
	t.Helper()
	v, err := note.NewVerifier(vkey)
	if err != nil {
		t.Fatal(err)
	}
	n, err := note.Open(signed, note.VerifierList(v))
	if err != nil {
		t.Fatalf("checkpoint does not verify: %v", err)
	}
	lines := strings.Split(n.Text, "\n")
	if len(lines) != 4 || lines[3] != "" {
		t.Fatalf("checkpoint text %q", n.Text)
	}
	size, err := strconv.ParseInt(lines[1], 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	root, err := base64.StdEncoding.DecodeString(lines[2])
	if err != nil || len(root) != 32 {
		t.Fatalf("root %q", lines[2])
	}
	if lines[0] != v.Name() {
		t.Fatalf("origin %q is not the key name %q", lines[0], v.Name())
	}
	tree = tlog.Tree{N: size}
	copy(tree.Hash[:], root)
	return lines[0], tree
}

func TestIndependentVerifier(t *testing.T) {
	p := publish(t)
	ts := tiles(p.files)
	var trees []tlog.Tree
	for _, cp := range p.checkpoints {
		_, tree := openCheckpoint(t, p.vkey, cp)
		trees = append(trees, tree)

		// The root hash is recomputable from the tiles alone.
		root, err := tlog.TreeHash(tree.N, tlog.TileHashReader(tree, ts))
		if err != nil || root != tree.Hash {
			t.Fatalf("size %d: tiles give root %v, %v", tree.N, root, err)
		}
		checkWitness(t, cp, p.witness)
	}
	last := trees[len(trees)-1]

	t.Run("entry bundles match level-0 tiles", func(t *testing.T) {
		hr := tlog.TileHashReader(last, ts)
		for n := int64(0); n*256 < last.N; n++ {
			w := int(min(256, last.N-n*256))
			bundle, ok := p.files[c2spPath("entries", n, w)]
			if !ok {
				t.Fatalf("missing bundle %d", n)
			}
			i := 0
			for ; len(bundle) > 0; i++ {
				l := int(binary.BigEndian.Uint16(bundle))
				entry := bundle[2 : 2+l]
				bundle = bundle[2+l:]
				index := n*256 + int64(i)
				got, err := hr.ReadHashes([]int64{tlog.StoredHashIndex(0, index)})
				if err != nil || got[0] != tlog.RecordHash(entry) {
					t.Fatalf("entry %d does not hash to its leaf (%v)", index, err)
				}
				proof, err := tlog.ProveRecord(last.N, index, hr)
				if err != nil {
					t.Fatal(err)
				}
				if err := tlog.CheckRecord(proof, last.N, last.Hash, index, tlog.RecordHash(entry)); err != nil {
					t.Fatalf("inclusion of %d: %v", index, err)
				}
			}
			if i != w {
				t.Fatalf("bundle %d holds %d entries, want %d", n, i, w)
			}
		}
	})

	t.Run("receipts", func(t *testing.T) {
		for _, raw := range p.receipts {
			var r struct {
				Index      int64    `json:"index"`
				LeafHash   string   `json:"leaf_hash"`
				Checkpoint string   `json:"checkpoint"`
				Proof      []string `json:"inclusion_proof"`
				Entry      string   `json:"entry"`
			}
			if err := json.Unmarshal(raw, &r); err != nil {
				t.Fatal(err)
			}
			_, tree := openCheckpoint(t, p.vkey, []byte(r.Checkpoint))
			leaf, err := tlog.ParseHash(r.LeafHash)
			if err != nil {
				t.Fatal(err)
			}
			entry, _ := base64.StdEncoding.DecodeString(r.Entry)
			if tlog.RecordHash(entry) != leaf {
				t.Fatalf("receipt %d: entry does not hash to leaf", r.Index)
			}
			var proof tlog.RecordProof
			for _, s := range r.Proof {
				h, err := tlog.ParseHash(s)
				if err != nil {
					t.Fatal(err)
				}
				proof = append(proof, h)
			}
			if err := tlog.CheckRecord(proof, tree.N, tree.Hash, r.Index, leaf); err != nil {
				t.Fatalf("receipt %d: %v", r.Index, err)
			}
		}
	})

	t.Run("consistency", func(t *testing.T) {
		for i, old := range trees {
			for _, cur := range trees[i+1:] {
				proof, err := tlog.ProveTree(cur.N, old.N, tlog.TileHashReader(cur, ts))
				if err != nil {
					t.Fatal(err)
				}
				if err := tlog.CheckTree(proof, cur.N, cur.Hash, old.N, old.Hash); err != nil {
					t.Fatalf("%d to %d from tiles: %v", old.N, cur.N, err)
				}
				if err := tlog.CheckTree(p.proofs[[2]int64{old.N, cur.N}], cur.N, cur.Hash, old.N, old.Hash); err != nil {
					t.Fatalf("%d to %d, served proof: %v", old.N, cur.N, err)
				}
			}
		}
	})

	t.Run("tampered tile is detected", func(t *testing.T) {
		for path := range p.files {
			current := path == c2spPath("0", last.N/256, int(last.N%256)) || path == c2spPath("1", 0, int(last.N/256))
			if strings.HasPrefix(path, "tile/entries/") || strings.Contains(path, ".p/") && !current {
				continue // entries are checked above; older partial tiles are not read
			}
			bad := tiles{}
			for k, v := range p.files {
				bad[k] = v
			}
			b := bytes.Clone(p.files[path])
			b[100] ^= 1
			bad[path] = b
			hr := tlog.TileHashReader(last, bad)
			var idx []int64
			for n := int64(0); n < last.N; n++ {
				idx = append(idx, tlog.StoredHashIndex(0, n))
			}
			if _, err := hr.ReadHashes(idx); err == nil {
				t.Fatalf("tampered %s went unnoticed", path)
			}
		}
	})
}

// checkWitness verifies the witness cosignature per C2SP tlog-cosignature:
// key ID SHA-256(name || "\n" || 0x04 || key)[:4], and an Ed25519 signature
// over "cosignature/v1\ntime <t>\n" followed by the checkpoint text.
func checkWitness(t *testing.T, signed []byte, pub ed25519.PublicKey) {
	t.Helper()
	split := bytes.LastIndex(signed, []byte("\n\n"))
	text, sigs := signed[:split+1], string(signed[split+2:])
	const name = "partner.example/witness"
	id := sha256.Sum256(append([]byte(name+"\n\x04"), pub...))
	found := 0
	for _, line := range strings.Split(strings.TrimSuffix(sigs, "\n"), "\n") {
		rest, _ := strings.CutPrefix(line, "— ")
		n, b64, _ := strings.Cut(rest, " ")
		raw, err := base64.StdEncoding.DecodeString(b64)
		if n != name || err != nil {
			continue
		}
		if len(raw) != 4+8+64 || !bytes.Equal(raw[:4], id[:4]) {
			t.Fatalf("cosignature %q has the wrong shape", line)
		}
		msg := fmt.Appendf(nil, "cosignature/v1\ntime %d\n%s", binary.BigEndian.Uint64(raw[4:12]), text)
		if !ed25519.Verify(pub, msg, raw[12:]) {
			t.Fatal("witness cosignature does not verify")
		}
		found++
	}
	if found != 1 {
		t.Fatalf("found %d witness cosignatures, want 1", found)
	}
}
