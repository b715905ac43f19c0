package publish

import (
	"context"
	"crypto/rand"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/lifeline-gov/lifeline"
	"github.com/lifeline-gov/lifeline/provenance"
)

func TestLoadKey(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, KeyFile)
	s1, v1, err := LoadKey("", path, "lifeline.example/log")
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file %v, %v; want mode 0600", fi, err)
	}
	s2, v2, err := LoadKey("", path, "lifeline.example/log")
	if err != nil || v2 != v1 || s2.KeyHash() != s1.KeyHash() {
		t.Fatalf("second start: %v %v, want the same key", v2, err)
	}
	skey, vkey, _ := provenance.GenerateKey(rand.Reader, "other.example/log")
	tests := []struct {
		name         string
		skey, origin string
		ok           bool
		vkey         string
	}{
		{"from configuration", skey, "other.example/log", true, vkey},
		{"configuration for another origin", skey, "lifeline.example/log", false, ""},
		{"file for another origin", "", "other.example/log", false, ""},
		{"bad origin", "", "has space", false, ""},
		{"malformed key", "PRIVATE+KEY+nonsense", "lifeline.example/log", false, ""},
	}
	for _, tt := range tests {
		_, got, err := LoadKey(tt.skey, path, tt.origin)
		if (err == nil) != tt.ok || got != tt.vkey {
			t.Errorf("%s: %q, %v", tt.name, got, err)
		}
	}
}

func TestInTree(t *testing.T) {
	tests := []struct {
		path string
		size int64
		want bool
	}{
		{"tile/0/000.p/1", 0, false},
		{"tile/0/000.p/1", 1, true},
		{"tile/0/000.p/2", 1, false},
		{"tile/0/000", 255, false},
		{"tile/0/000", 256, true},
		{"tile/0/001.p/1", 257, true},
		{"tile/1/000.p/1", 255, false},
		{"tile/1/000.p/1", 256, true},
		{"tile/1/000", 65535, false},
		{"tile/1/000", 65536, true},
		{"tile/entries/000.p/7", 7, true},
		{"tile/entries/000.p/8", 7, false},
		{"tile/8/000.p/1", 1 << 62, false},
		{"tile/0/x036/x028/x797/x018/x963/967", 1<<63 - 1, false},
	}
	for _, tt := range tests {
		tile, err := provenance.ParseTilePath(tt.path)
		if err != nil {
			t.Fatalf("%s: %v", tt.path, err)
		}
		if got := inTree(tile, tt.size); got != tt.want {
			t.Errorf("inTree(%s, %d) = %v, want %v", tt.path, tt.size, got, tt.want)
		}
	}
}

// memLog is an in-memory lifeline.ProvenanceLog and lease store.
type memLog struct {
	mu      sync.Mutex
	entries [][]byte
	hashes  []tlog.Hash
	cps     map[int64][]byte
	holder  string
}

func (m *memLog) AppendProvenance(_ context.Context, es [][]byte) (int64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	first := int64(len(m.entries))
	for _, e := range es {
		hs, err := provenance.AppendHashes(int64(len(m.entries)), []tlog.Hash{provenance.LeafHash(e)}, tlog.HashReaderFunc(m.read))
		if err != nil {
			return 0, err
		}
		m.hashes = append(m.hashes, hs...)
		m.entries = append(m.entries, e)
	}
	return first, nil
}

func (m *memLog) read(indexes []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(indexes))
	for i, x := range indexes {
		out[i] = m.hashes[x]
	}
	return out, nil
}

func (m *memLog) ProvenanceSize(context.Context) (int64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return int64(len(m.entries)), nil
}

func (m *memLog) ProvenanceHashes(_ context.Context, indexes []int64) ([][32]byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	hs, _ := m.read(indexes)
	out := make([][32]byte, len(hs))
	for i, h := range hs {
		out[i] = h
	}
	return out, nil
}

func (m *memLog) ProvenanceEntries(_ context.Context, start, end int64) ([][]byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.entries[start:end], nil
}

func (m *memLog) SaveProvenanceCheckpoint(_ context.Context, size int64, signed []byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.cps[size]; !ok {
		m.cps[size] = signed
	}
	return nil
}

func (m *memLog) LatestProvenanceCheckpoint(context.Context) (int64, []byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	best := int64(-1)
	for size := range m.cps {
		best = max(best, size)
	}
	if best < 0 {
		return 0, nil, lifeline.Errorf(lifeline.ENOTFOUND, "none")
	}
	return best, m.cps[best], nil
}

func (m *memLog) AddProvenanceCosignature(context.Context, int64, string) error { return nil }
func (m *memLog) ProvenanceCosignatures(context.Context, int64) ([]string, error) {
	return nil, nil
}

func (m *memLog) AcquireLease(_ context.Context, name, holder string, _ time.Duration) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.holder == "" || m.holder == holder {
		m.holder = holder
		return true, nil
	}
	return false, nil
}

func (m *memLog) ReleaseLease(_ context.Context, name, holder string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.holder == holder {
		m.holder = ""
	}
	return nil
}

func (m *memLog) Checkpoint(context.Context, string) (int64, error)           { return 0, nil }
func (m *memLog) SaveCheckpoint(context.Context, string, string, int64) error { return nil }

// TestSignerRun: while entries keep coming, a checkpoint covering them
// appears within the interval; on shutdown the lease is released.
func TestSignerRun(t *testing.T) {
	m := &memLog{cps: map[int64][]byte{}}
	skey, vkey, _ := provenance.GenerateKey(rand.Reader, "lifeline.example/log")
	key, _ := note.NewSigner(skey)
	v, _ := note.NewVerifier(vkey)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		(&Signer{Store: m, Leases: m, Holder: "me", Key: key, Interval: 50 * time.Millisecond}).Run(ctx)
	}()
	for i := range 5 {
		m.AppendProvenance(ctx, [][]byte{{byte(i + 1)}})
		want := int64(i + 1)
		deadline := time.Now().Add(time.Second)
		for {
			size, signed, err := m.LatestProvenanceCheckpoint(ctx)
			if err == nil && size == want {
				c, err := provenance.OpenCheckpoint(signed, v)
				if err != nil || c.Size != want {
					t.Fatalf("checkpoint %+v, %v", c, err)
				}
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("no checkpoint of size %d within a second", want)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	cancel()
	<-done
	if m.holder != "" {
		t.Errorf("lease still held by %q after shutdown", m.holder)
	}
}

func TestAppender(t *testing.T) {
	m := &memLog{cps: map[int64][]byte{}}
	a := NewAppender(m)
	const n = 500
	got := make([]int64, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			var err error
			if got[i], err = a.Append(context.Background(), []byte{byte(i), byte(i >> 8)}); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	a.Close()
	for i, idx := range got {
		if e := m.entries[idx]; e[0] != byte(i) || e[1] != byte(i>>8) {
			t.Fatalf("entry %d landed at %d, which holds %v", i, idx, e)
		}
	}
	if _, err := a.Append(context.Background(), []byte("late")); lifeline.ErrorCode(err) != lifeline.EUNAVAILABLE {
		t.Errorf("append after Close: %v", err)
	}
	if _, err := NewAppender(m).Append(context.Background(), nil); lifeline.ErrorCode(err) != lifeline.EINVALID {
		t.Errorf("empty entry: %v", err)
	}
}
