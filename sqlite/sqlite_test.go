package sqlite_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/lifeline-gov/lifeline"

	"github.com/lifeline-gov/lifeline/sqlite"
	"github.com/lifeline-gov/lifeline/storetest"
)

var testKey = []byte("0123456789abcdef0123456789abcdef")

type backend struct{}

type database struct {
	dir   string
	store *sqlite.DB
}

func (backend) New(t *testing.T, c storetest.Config) storetest.Database {
	d := &database{dir: t.TempDir()}
	d.store = open(t, d.dir, c)
	return d
}

func open(t *testing.T, dir string, c storetest.Config) *sqlite.DB {
	t.Helper()
	db, err := sqlite.Open(context.Background(), dir, sqlite.Options{MasterKey: testKey, Now: c.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func (d *database) Store() storetest.Store { return d.store }

func (d *database) Open(t *testing.T, c storetest.Config) storetest.Store {
	d.store = open(t, d.dir, c)
	return d.store
}

func (d *database) Files(t *testing.T) []string { return d.store.Files() }

// MultiInstance is false: a lock file keeps a second process off the directory.
func (d *database) MultiInstance() bool { return false }

func (d *database) OpenWithKey(t *testing.T, key []byte) error {
	db, err := sqlite.Open(context.Background(), d.dir, sqlite.Options{MasterKey: key})
	if err == nil {
		db.Close()
	}
	return err
}

func TestConformance(t *testing.T) {
	storetest.Run(t, backend{})
}

func TestSecondProcessIsLockedOut(t *testing.T) {
	dir := t.TempDir()
	open(t, dir, storetest.Config{})
	if _, err := sqlite.Open(context.Background(), dir, sqlite.Options{MasterKey: testKey}); err == nil {
		t.Fatal("a second store opened the same directory")
	}
}

// TestConcurrentReadsOfErasedEvents: a read holds a connection while it
// scans, and erased subjects' keys are looked up for every event. Reads
// must not wait on each other for connections (a deadlock once every
// connection of the pool is held by a scan that needs one more).
func TestConcurrentReadsOfErasedEvents(t *testing.T) {
	db := open(t, t.TempDir(), storetest.Config{})
	ctx := context.Background()
	for i := range 50 {
		subject := fmt.Sprintf("person-%d", i)
		if _, err := db.Append(ctx, lifeline.AppendRequest{Stream: "s", Expected: lifeline.ExpectAny, Events: []lifeline.NewEvent{
			{Type: "note", Subject: subject, Data: []byte(`{"a":1}`)},
		}}); err != nil {
			t.Fatal(err)
		}
		if err := db.EraseSubject(ctx, subject); err != nil {
			t.Fatal(err)
		}
	}
	rctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	var wg sync.WaitGroup
	errs := make(chan error, 32)
	for range 32 {
		wg.Go(func() {
			for range 20 {
				es, err := db.ReadAll(rctx, 0, 100)
				if err == nil && len(es) != 50 {
					err = fmt.Errorf("%d events, want 50", len(es))
				}
				if err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}
