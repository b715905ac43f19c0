package sqlite_test

import (
	"context"
	"crypto/rand"
	"database/sql"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"

	"github.com/lifeline-gov/lifeline"
	"github.com/lifeline-gov/lifeline/provenance"
	"github.com/lifeline-gov/lifeline/provenance/publish"
	"github.com/lifeline-gov/lifeline/sqlite"
	"github.com/lifeline-gov/lifeline/storetest"
)

func TestProvenanceConformance(t *testing.T) {
	storetest.RunProvenance(t, backend{})
}

// TestProvenanceTamperedStore edits a stored hash in the database file
// behind the store's back: the tiles served from it no longer verify
// against the checkpoint signed before.
func TestProvenanceTamperedStore(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db := open(t, dir, storetest.Config{})
	skey, vkey, _ := provenance.GenerateKey(rand.Reader, "lifeline.example/log")
	signer, _ := note.NewSigner(skey)
	verifier, _ := note.NewVerifier(vkey)
	es := make([][]byte, 600)
	for i := range es {
		es[i] = fmt.Appendf(nil, "entry %d\n", i)
	}
	if _, err := db.AppendProvenance(ctx, es); err != nil {
		t.Fatal(err)
	}
	if _, err := (&publish.Signer{Store: db, Leases: db, Holder: "t", Key: signer}).Step(ctx, time.Minute); err != nil {
		t.Fatal(err)
	}
	_, signed, _ := db.LatestProvenanceCheckpoint(ctx)
	c, err := provenance.OpenCheckpoint(signed, verifier)
	if err != nil {
		t.Fatal(err)
	}
	l := &publish.Log{Store: db, Verifier: verifier}
	tiles := provenance.TileReaderFunc(func(path string) ([]byte, error) {
		r, err := l.Tile(ctx, path)
		return r.Data, err
	})
	if _, err := provenance.InclusionProofFromTiles(c, 300, tiles); err != nil {
		t.Fatalf("before tampering: %v", err)
	}

	raw, err := sql.Open("sqlite", "file:"+filepath.Join(dir, sqlite.FileName))
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	// Stored hash 0 is leaf 0's, in tile/0/000, which entry 1's proof reads.
	if _, err := raw.Exec(`UPDATE provenance_hashes SET hash = zeroblob(32) WHERE idx = 0`); err != nil {
		t.Fatal(err)
	}
	if _, err := provenance.InclusionProofFromTiles(c, 1, tiles); lifeline.ErrorCode(err) != lifeline.EINVALID {
		t.Errorf("after tampering: %v, want invalid", err)
	}
}

// BenchmarkProvenanceAppend: see storetest.BenchmarkProvenanceAppend.
//
//	go test ./sqlite -run '^$' -bench ProvenanceAppend -benchtime 200000x
func BenchmarkProvenanceAppend(b *testing.B) {
	storetest.BenchmarkProvenanceAppend(b, func(b *testing.B) (lifeline.ProvenanceLog, lifeline.SubscriptionStore) {
		db, err := sqlite.Open(context.Background(), b.TempDir(), sqlite.Options{MasterKey: testKey})
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { db.Close() })
		return db, db
	})
}
