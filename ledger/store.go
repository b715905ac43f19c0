package ledger

import (
	"context"
	"time"
)

// Store is the ledger kept durably, as the SQLite and PostgreSQL adapters
// keep it (see the package doc for what each must do). Each Post or Expire
// is atomic and durable: it has committed when it returns (a store may
// commit concurrent calls in one transaction, each as its own entry), or it
// wrote nothing. Reads see only committed history.
type Store interface {
	// Post applies a batch (see State.Apply). The per-transfer outcomes are
	// in Applied.Results; the error is for a batch that could not be applied
	// at all, or could not be stored.
	Post(ctx context.Context, b Batch) (Applied, error)
	// Expire releases reservations due at or before t, up to MaxBatch per
	// call (see State.Expire); call again while Applied.Entry is not nil.
	Expire(ctx context.Context, t time.Time) (Applied, error)
	// Balance returns an account's balance now (zero if never used).
	Balance(ctx context.Context, a AccountID) (Balance, error)
	// BalanceAt returns an account's balance after every posting dated at
	// or before t.
	BalanceAt(ctx context.Context, a AccountID, t time.Time) (Balance, error)
	// TrialBalance lists every account's balance now, sorted by account.
	TrialBalance(ctx context.Context) (TrialBalance, error)
	// Transfer returns a transfer and its status; false if there is none.
	Transfer(ctx context.Context, id ID) (Record, bool, error)
	// LedgerHead returns where the chain stands.
	LedgerHead(ctx context.Context) (Head, error)
	// LedgerEntries returns up to limit entries from entry from (1-based)
	// on, as stored, for Verify and Rebuild.
	LedgerEntries(ctx context.Context, from uint64, limit int) ([]Entry, error)
}
