package sqlite_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"

	"github.com/lifeline-gov/lifeline/sqlite"
	"github.com/lifeline-gov/lifeline/storetest"
)

func TestLedger(t *testing.T) {
	storetest.RunLedger(t, backend{})
}

// Tamper changes the database file through a connection of its own.
func (d *database) Tamper(t *testing.T, query string) {
	db, err := sql.Open("sqlite", "file:"+filepath.Join(d.dir, sqlite.FileName)+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.ExecContext(context.Background(), query); err != nil {
		t.Fatal(err)
	}
}

// BenchmarkLedgerPost measures durable ledger batches of 8,190 transfers
// among 100,000 people's payables:
//
//	go test ./sqlite/ -run '^$' -bench LedgerPost -benchtime 40x
func BenchmarkLedgerPost(b *testing.B) {
	db, err := sqlite.Open(context.Background(), b.TempDir(), sqlite.Options{MasterKey: testKey})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	storetest.BenchLedgerPost(b, db, 100_000)
}

// BenchmarkLedgerPostSmall measures one-transfer batches from 16 callers.
func BenchmarkLedgerPostSmall(b *testing.B) {
	db, err := sqlite.Open(context.Background(), b.TempDir(), sqlite.Options{MasterKey: testKey})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	storetest.BenchLedgerPostSmall(b, db)
}
