package storetest

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/lifeline-gov/lifeline"
	"github.com/lifeline-gov/lifeline/provenance"
	"github.com/lifeline-gov/lifeline/provenance/publish"
)

// ProvenanceStore is what RunProvenance needs of a store.
type ProvenanceStore interface {
	Store
	lifeline.ProvenanceLog
}

// RunProvenance runs the provenance log's conformance tests against b. The
// backend's stores must implement lifeline.ProvenanceLog.
func RunProvenance(t *testing.T, b Backend) {
	tests := []struct {
		name string
		fn   func(*testing.T, Backend)
	}{
		{"Ordering", testProvenanceOrdering},
		{"RejectsInvalid", testProvenanceRejects},
		{"Concurrency", testProvenanceConcurrency},
		{"Durability", testProvenanceDurability},
		{"Checkpoints", testProvenanceCheckpoints},
		{"Cosignatures", testProvenanceCosignatures},
		{"TilesMatchCore", testProvenanceTiles},
		{"TamperedTileDetected", testProvenanceTamper},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.fn(t, b) })
	}
}

func provStore(t *testing.T, s Store) ProvenanceStore {
	t.Helper()
	p, ok := s.(ProvenanceStore)
	if !ok {
		t.Fatalf("%T does not implement lifeline.ProvenanceLog", s)
	}
	return p
}

func entries(from, n int) [][]byte {
	out := make([][]byte, n)
	for i := range out {
		out[i] = fmt.Appendf(nil, "lifeline-provenance/test\nentry %d\n", from+i)
	}
	return out
}

func mustAppendProvenance(t *testing.T, s lifeline.ProvenanceLog, es [][]byte) int64 {
	t.Helper()
	first, err := s.AppendProvenance(ctx(t), es)
	if err != nil {
		t.Fatalf("AppendProvenance: %v", err)
	}
	return first
}

// memTree is the log computed by the pure core alone, to compare with.
type memTree struct {
	entries [][]byte
	hashes  []tlog.Hash
}

func (m *memTree) ReadHashes(indexes []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(indexes))
	for i, x := range indexes {
		out[i] = m.hashes[x]
	}
	return out, nil
}

func (m *memTree) ReadEntries(start, end int64) ([][]byte, error) { return m.entries[start:end], nil }

func newMemTree(t *testing.T, es [][]byte) *memTree {
	m := &memTree{}
	for _, e := range es {
		hs, err := provenance.AppendHashes(int64(len(m.entries)), []tlog.Hash{provenance.LeafHash(e)}, m)
		if err != nil {
			t.Fatal(err)
		}
		m.hashes = append(m.hashes, hs...)
		m.entries = append(m.entries, e)
	}
	return m
}

// checkLog checks the store holds exactly want, in order, with the root the
// pure core computes.
func checkLog(t *testing.T, s lifeline.ProvenanceLog, want [][]byte) {
	t.Helper()
	size, err := s.ProvenanceSize(ctx(t))
	if err != nil || size != int64(len(want)) {
		t.Fatalf("ProvenanceSize = %d, %v; want %d", size, err, len(want))
	}
	got, err := s.ProvenanceEntries(ctx(t), 0, size)
	if err != nil {
		t.Fatal(err)
	}
	for i := range want {
		if !bytes.Equal(got[i], want[i]) {
			t.Fatalf("entry %d = %q, want %q", i, got[i], want[i])
		}
	}
	root, err := tlog.TreeHash(size, publish.HashReader(ctx(t), s))
	if err != nil {
		t.Fatal(err)
	}
	wantRoot, _ := tlog.TreeHash(size, newMemTree(t, want))
	if root != wantRoot {
		t.Fatalf("stored root %v, want %v", root, wantRoot)
	}
}

func testProvenanceOrdering(t *testing.T, b Backend) {
	s := provStore(t, b.New(t, Config{}).Store())
	var all [][]byte
	for _, n := range []int{1, 2, 255, 1, 300, 1500} {
		es := entries(len(all), n)
		if first := mustAppendProvenance(t, s, es); first != int64(len(all)) {
			t.Fatalf("first index %d, want %d", first, len(all))
		}
		all = append(all, es...)
	}
	checkLog(t, s, all)
	if _, err := s.ProvenanceEntries(ctx(t), 0, int64(len(all))+1); lifeline.ErrorCode(err) != lifeline.ENOTFOUND {
		t.Errorf("reading past the end: %v, want not_found", err)
	}
}

func testProvenanceRejects(t *testing.T, b Backend) {
	s := provStore(t, b.New(t, Config{}).Store())
	for name, es := range map[string][][]byte{
		"none":     nil,
		"empty":    {[]byte("a"), {}},
		"too long": {make([]byte, 1<<16)},
	} {
		if _, err := s.AppendProvenance(ctx(t), es); lifeline.ErrorCode(err) != lifeline.EINVALID {
			t.Errorf("%s: %v, want invalid", name, err)
		}
	}
	if size, _ := s.ProvenanceSize(ctx(t)); size != 0 {
		t.Errorf("size %d after refused appends", size)
	}
}

// testProvenanceConcurrency appends from many goroutines, and from a second
// instance where the backend allows one: every batch lands whole and
// contiguous, and the indexes are gap-free.
func testProvenanceConcurrency(t *testing.T, b Backend) {
	db := b.New(t, Config{})
	stores := []lifeline.ProvenanceLog{provStore(t, db.Store())}
	if db.MultiInstance() {
		stores = append(stores, provStore(t, db.Open(t, Config{})))
	}
	const workers, batches, per = 8, 10, 7
	firsts := make([][]int64, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			s := stores[w%len(stores)]
			for i := range batches {
				first, err := s.AppendProvenance(ctx(t), entries((w*batches+i)*per, per))
				if err != nil {
					t.Error(err)
					return
				}
				firsts[w] = append(firsts[w], first)
			}
		})
	}
	wg.Wait()
	want := make([][]byte, workers*batches*per)
	for w, fs := range firsts {
		for i, first := range fs {
			for j, e := range entries((w*batches+i)*per, per) {
				if want[first+int64(j)] != nil {
					t.Fatalf("index %d assigned twice", first+int64(j))
				}
				want[first+int64(j)] = e
			}
		}
	}
	for i, e := range want {
		if e == nil {
			t.Fatalf("index %d never assigned", i)
		}
	}
	checkLog(t, stores[0], want)
}

func testProvenanceDurability(t *testing.T, b Backend) {
	db := b.New(t, Config{})
	s := provStore(t, db.Store())
	es := entries(0, 300)
	mustAppendProvenance(t, s, es)
	if err := s.SaveProvenanceCheckpoint(ctx(t), 300, []byte("checkpoint 300")); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s2 := provStore(t, db.Open(t, Config{}))
	checkLog(t, s2, es)
	if size, signed, err := s2.LatestProvenanceCheckpoint(ctx(t)); err != nil || size != 300 || string(signed) != "checkpoint 300" {
		t.Errorf("after reopening: checkpoint %d %q %v", size, signed, err)
	}
	more := entries(300, 5)
	if first := mustAppendProvenance(t, s2, more); first != 300 {
		t.Errorf("first index after reopening %d, want 300", first)
	}
	checkLog(t, s2, append(es, more...))
}

func newLogKey(t *testing.T) (note.Signer, note.Verifier) {
	t.Helper()
	skey, vkey, err := provenance.GenerateKey(rand.Reader, "lifeline.example/test-log")
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
	return s, v
}

func testProvenanceCheckpoints(t *testing.T, b Backend) {
	s := provStore(t, b.New(t, Config{}).Store())
	key, verifier := newLogKey(t)
	if _, _, err := s.LatestProvenanceCheckpoint(ctx(t)); lifeline.ErrorCode(err) != lifeline.ENOTFOUND {
		t.Fatalf("checkpoint of a new log: %v, want not_found", err)
	}
	signer := &publish.Signer{Store: s, Leases: s, Holder: "a", Key: key}
	other := &publish.Signer{Store: s, Leases: s, Holder: "b", Key: key}
	steps := []struct {
		name   string
		signer *publish.Signer
		add    int
		want   int64 // size published, -1 for none
	}{
		{"empty log", signer, 0, 0},
		{"nothing new", signer, 0, -1},
		{"new entries", signer, 300, 300},
		{"another holder waits", other, 5, -1},
		{"holder goes on", signer, 0, 305},
	}
	var all [][]byte
	for _, st := range steps {
		if st.add > 0 {
			es := entries(len(all), st.add)
			mustAppendProvenance(t, s, es)
			all = append(all, es...)
		}
		got, err := st.signer.Step(ctx(t), time.Minute)
		if err != nil || got != st.want {
			t.Fatalf("%s: Step = %d, %v; want %d", st.name, got, err, st.want)
		}
	}
	size, signed, err := s.LatestProvenanceCheckpoint(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	c, err := provenance.OpenCheckpoint(signed, verifier)
	if err != nil {
		t.Fatal(err)
	}
	root, _ := tlog.TreeHash(305, newMemTree(t, all))
	if size != 305 || c.Size != 305 || c.Hash != root {
		t.Errorf("checkpoint %d %+v, want size 305 root %v", size, c, root)
	}
	// A late, smaller checkpoint and a second one of the same size change
	// nothing that is served.
	s.SaveProvenanceCheckpoint(ctx(t), 300, []byte("stale"))
	s.SaveProvenanceCheckpoint(ctx(t), 305, []byte("again"))
	if _, again, _ := s.LatestProvenanceCheckpoint(ctx(t)); !bytes.Equal(again, signed) {
		t.Errorf("latest checkpoint changed to %q", again)
	}
}

func testProvenanceCosignatures(t *testing.T, b Backend) {
	s := provStore(t, b.New(t, Config{}).Store())
	key, verifier := newLogKey(t)
	mustAppendProvenance(t, s, entries(0, 3))
	if _, err := (&publish.Signer{Store: s, Leases: s, Holder: "a", Key: key}).Step(ctx(t), time.Minute); err != nil {
		t.Fatal(err)
	}
	wpub, wkey, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	witness, err := provenance.NewCosigner("witness.example/w1", wkey, 1700000000)
	if err != nil {
		t.Fatal(err)
	}
	wv, err := provenance.NewCosignatureVerifier("witness.example/w1", wpub)
	if err != nil {
		t.Fatal(err)
	}
	l := &publish.Log{Store: s, Verifier: verifier, Witnesses: []note.Verifier{wv}}
	_, signed, err := l.Checkpoint(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	n, err := note.Open(signed, note.VerifierList(verifier))
	if err != nil {
		t.Fatal(err)
	}
	cosigned, err := note.Sign(&note.Note{Text: n.Text}, witness)
	if err != nil {
		t.Fatal(err)
	}
	line := string(cosigned[len(n.Text)+1:])
	if err := l.AddCosignature(ctx(t), "— witness.example/w1 AAAA"); lifeline.ErrorCode(err) != lifeline.EINVALID {
		t.Errorf("bad cosignature: %v, want invalid", err)
	}
	for range 2 {
		if err := l.AddCosignature(ctx(t), line); err != nil {
			t.Fatal(err)
		}
	}
	if lines, err := s.ProvenanceCosignatures(ctx(t), 3); err != nil || len(lines) != 1 {
		t.Fatalf("cosignatures = %q, %v; want one line", lines, err)
	}
	_, merged, err := l.Checkpoint(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := note.Open(merged, note.VerifierList(verifier, wv)); err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(merged, []byte(line)) {
		t.Errorf("served checkpoint lacks the cosignature:\n%s", merged)
	}
}

// publishAll appends es and publishes a checkpoint of the log.
func publishAll(t *testing.T, s ProvenanceStore, key note.Signer, es [][]byte) []byte {
	t.Helper()
	mustAppendProvenance(t, s, es)
	if _, err := (&publish.Signer{Store: s, Leases: s, Holder: "a", Key: key}).Step(ctx(t), time.Minute); err != nil {
		t.Fatal(err)
	}
	_, signed, err := s.LatestProvenanceCheckpoint(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	return signed
}

func testProvenanceTiles(t *testing.T, b Backend) {
	s := provStore(t, b.New(t, Config{}).Store())
	es := entries(0, 700)
	key, verifier := newLogKey(t)
	publishAll(t, s, key, es)
	l := &publish.Log{Store: s, Verifier: verifier}
	m := newMemTree(t, es)
	want, err := provenance.HashTiles(0, 700, m)
	if err != nil {
		t.Fatal(err)
	}
	bundles, err := provenance.EntryBundles(0, 700, m)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range append(want, bundles...) {
		got, err := l.Tile(ctx(t), r.Path)
		if err != nil {
			t.Errorf("%s: %v", r.Path, err)
			continue
		}
		if !bytes.Equal(got.Data, r.Data) || got.Full() != r.Full() {
			t.Errorf("%s: served tile differs from the core's", r.Path)
		}
	}
	for _, path := range []string{"tile/0/002", "tile/0/003.p/1", "tile/0/002.p/189", "tile/1/000", "tile/1/000.p/3",
		"tile/2/000.p/1", "tile/entries/002", "tile/entries/002.p/189", "tile/0/x001/000", "tile/0/002.p/0", "nonsense"} {
		if _, err := l.Tile(ctx(t), path); lifeline.ErrorCode(err) != lifeline.ENOTFOUND {
			t.Errorf("%s: %v, want not_found", path, err)
		}
	}
	// A narrower partial tile than the latest is a prefix and may be served.
	if got, err := l.Tile(ctx(t), "tile/0/002.p/5"); err != nil || !bytes.Equal(got.Data, want[2].Data[:5*tlog.HashSize]) {
		t.Errorf("tile/0/002.p/5: %v", err)
	}
}

func testProvenanceTamper(t *testing.T, b Backend) {
	s := provStore(t, b.New(t, Config{}).Store())
	es := entries(0, 600)
	key, verifier := newLogKey(t)
	old := publishAll(t, s, key, es[:300])
	cur := publishAll(t, s, key, es[300:])
	l := &publish.Log{Store: s, Verifier: verifier}
	honest := provenance.TileReaderFunc(func(path string) ([]byte, error) {
		r, err := l.Tile(ctx(t), path)
		return r.Data, err
	})
	if err := provenance.VerifyConsistencyFromTiles(old, cur, honest, verifier); err != nil {
		t.Fatalf("honest tiles: %v", err)
	}
	for _, victim := range []string{"tile/0/000", "tile/0/001", "tile/1/000.p/2"} {
		tampered := provenance.TileReaderFunc(func(path string) ([]byte, error) {
			data, err := honest(path)
			if path == victim && err == nil {
				data = bytes.Clone(data)
				data[len(data)-1] ^= 1
			}
			return data, err
		})
		c, _ := provenance.OpenCheckpoint(cur, verifier)
		_, perr := provenance.InclusionProofFromTiles(c, 0, tampered)
		cerr := provenance.VerifyConsistencyFromTiles(old, cur, tampered, verifier)
		if lifeline.ErrorCode(perr) != lifeline.EINVALID && lifeline.ErrorCode(cerr) != lifeline.EINVALID {
			t.Errorf("tampered %s: proofs %v and %v, want invalid", victim, perr, cerr)
		}
	}
}

// BenchmarkProvenanceAppend measures durable appends of entries of about
// 200 bytes while a signer publishes a checkpoint every second, as
// lifeline serve does; b.N counts entries and the figure to read is
// entries/s. open returns a fresh store each run. Two shapes: batches of
// 1,000 handed to the store directly, and 64 or 256 concurrent callers
// appending one entry each through a publish.Appender, which batches them.
func BenchmarkProvenanceAppend(b *testing.B, open func(b *testing.B) (lifeline.ProvenanceLog, lifeline.SubscriptionStore)) {
	entry := fmt.Appendf(nil, "lifeline-provenance/v1 decision\naward %0170d\n", 0)
	b.Run("batch=1000", func(b *testing.B) {
		s, leases := open(b)
		es := make([][]byte, 1000)
		for i := range es {
			es[i] = entry
		}
		benchProvenance(b, s, leases, func(ctx context.Context) {
			for n := 0; n < b.N; n += len(es) {
				if _, err := s.AppendProvenance(ctx, es[:min(len(es), b.N-n)]); err != nil {
					b.Fatal(err)
				}
			}
		})
	})
	for _, producers := range []int{64, 256} {
		b.Run(fmt.Sprintf("producers=%d", producers), func(b *testing.B) {
			s, leases := open(b)
			a := publish.NewAppender(s)
			defer a.Close()
			benchProvenance(b, s, leases, func(ctx context.Context) {
				var next atomic.Int64
				var wg sync.WaitGroup
				for range producers {
					wg.Go(func() {
						for next.Add(1) <= int64(b.N) {
							if _, err := a.Append(ctx, entry); err != nil {
								b.Error(err)
								return
							}
						}
					})
				}
				wg.Wait()
			})
		})
	}
}

func benchProvenance(b *testing.B, s lifeline.ProvenanceLog, leases lifeline.SubscriptionStore, run func(context.Context)) {
	skey, _, err := provenance.GenerateKey(rand.Reader, "lifeline.example/bench")
	if err != nil {
		b.Fatal(err)
	}
	key, _ := note.NewSigner(skey)
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan struct{})
	counted := &countingLog{ProvenanceLog: s}
	go func() {
		defer close(done)
		(&publish.Signer{Store: counted, Leases: leases, Holder: "bench", Key: key}).Run(ctx)
	}()
	b.ResetTimer()
	began := time.Now()
	run(ctx)
	took := time.Since(began)
	b.StopTimer()
	stop()
	<-done
	b.ReportMetric(float64(b.N)/took.Seconds(), "entries/s")
	b.ReportMetric(float64(counted.saved.Load())/took.Seconds(), "checkpoints/s")
}

// countingLog counts the checkpoints the signer publishes.
type countingLog struct {
	lifeline.ProvenanceLog
	saved atomic.Int64
}

func (c *countingLog) SaveProvenanceCheckpoint(ctx context.Context, size int64, signed []byte) error {
	c.saved.Add(1)
	return c.ProvenanceLog.SaveProvenanceCheckpoint(ctx, size, signed)
}
