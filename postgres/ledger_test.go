package postgres_test

import (
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/lifeline-gov/lifeline/postgres"
	"github.com/lifeline-gov/lifeline/storetest"
)

func TestLedger(t *testing.T) {
	adminURL(t)
	storetest.RunLedger(t, backend{})
}

// Tamper changes the database through a connection of its own.
func (d *database) Tamper(t *testing.T, query string) {
	ctx := testContext(t)
	conn, err := pgx.Connect(ctx, d.url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, query); err != nil {
		t.Fatal(err)
	}
}

// BenchmarkLedgerPost measures durable ledger batches of 8,190 transfers
// among 100,000 people's payables:
//
//	scripts/with-postgres.sh go test ./postgres/ -run '^$' -bench LedgerPost -benchtime 40x
func BenchmarkLedgerPost(b *testing.B) {
	u, _ := createDatabase(b)
	db := openDB(b, u, postgres.Options{})
	storetest.BenchLedgerPost(b, db, 100_000)
}

// BenchmarkLedgerPostSmall measures one-transfer batches from 16 callers.
func BenchmarkLedgerPostSmall(b *testing.B) {
	u, _ := createDatabase(b)
	storetest.BenchLedgerPostSmall(b, openDB(b, u, postgres.Options{}))
}
