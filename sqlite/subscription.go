package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/lifeline-gov/lifeline"
)

// Lease and checkpoint writes are rare (one per batch of events), so they go
// straight to the write connection rather than through the group commit.

// AcquireLease implements lifeline.SubscriptionStore.
func (db *DB) AcquireLease(ctx context.Context, name, holder string, ttl time.Duration) (bool, error) {
	now := db.opts.Now().UnixNano()
	res, err := db.write.ExecContext(ctx, `INSERT INTO subscriptions (name, holder, lease_until) VALUES (?, ?, ?)
		ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, lease_until = excluded.lease_until
		WHERE subscriptions.holder = excluded.holder OR subscriptions.lease_until < ?`,
		name, holder, now+int64(ttl), now)
	if err != nil {
		return false, fmt.Errorf("sqlite: acquire lease %s: %w", name, err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// ReleaseLease implements lifeline.SubscriptionStore.
func (db *DB) ReleaseLease(ctx context.Context, name, holder string) error {
	_, err := db.write.ExecContext(ctx, `UPDATE subscriptions SET lease_until = 0 WHERE name = ? AND holder = ?`, name, holder)
	if err != nil {
		return fmt.Errorf("sqlite: release lease %s: %w", name, err)
	}
	return nil
}

// Checkpoint implements lifeline.SubscriptionStore.
func (db *DB) Checkpoint(ctx context.Context, name string) (int64, error) {
	var pos int64
	err := db.read.QueryRowContext(ctx, `SELECT position FROM subscriptions WHERE name = ?`, name).Scan(&pos)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("sqlite: checkpoint %s: %w", name, err)
	}
	return pos, nil
}

// SaveCheckpoint implements lifeline.SubscriptionStore.
func (db *DB) SaveCheckpoint(ctx context.Context, name, holder string, position int64) error {
	res, err := db.write.ExecContext(ctx, `UPDATE subscriptions SET position = ? WHERE name = ? AND holder = ? AND lease_until >= ?`,
		position, name, holder, db.opts.Now().UnixNano())
	if err != nil {
		return fmt.Errorf("sqlite: save checkpoint %s: %w", name, err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return lifeline.Errorf(lifeline.ECONFLICT, "subscription %s is no longer held by %s", name, holder)
	}
	return nil
}
