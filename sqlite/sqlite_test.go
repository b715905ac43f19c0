package sqlite_test

import (
	"context"
	"testing"

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
