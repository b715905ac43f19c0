package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/lifeline-gov/lifeline"
)

// AcquireLease takes or renews the lease on name for holder until ttl from
// now (by the store's clock). It reports false when another holder's lease
// has not yet run out. One statement: the row lock taken by the upsert
// settles races between instances.
func (db *DB) AcquireLease(ctx context.Context, name, holder string, ttl time.Duration) (bool, error) {
	now := db.clock()
	var ok bool
	err := db.pool.QueryRow(ctx, `INSERT INTO subscriptions AS s (name, holder, lease_until) VALUES ($1, $2, $4)
		ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, lease_until = excluded.lease_until
		WHERE s.holder = excluded.holder OR s.lease_until IS NULL OR s.lease_until <= $3
		RETURNING true`, name, holder, now, now.Add(ttl)).Scan(&ok)
	if errors.Is(err, pgx.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("postgres: acquire lease on %q: %w", name, err)
	}
	return ok, nil
}

// ReleaseLease gives up holder's lease on name, if it still has it.
func (db *DB) ReleaseLease(ctx context.Context, name, holder string) error {
	_, err := db.pool.Exec(ctx, `UPDATE subscriptions SET holder = '', lease_until = NULL
		WHERE name = $1 AND holder = $2`, name, holder)
	if err != nil {
		return fmt.Errorf("postgres: release lease on %q: %w", name, err)
	}
	return nil
}

// Checkpoint returns the last position name has processed, 0 if none.
func (db *DB) Checkpoint(ctx context.Context, name string) (int64, error) {
	var pos int64
	err := db.pool.QueryRow(ctx, `SELECT position FROM subscriptions WHERE name = $1`, name).Scan(&pos)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("postgres: read checkpoint of %q: %w", name, err)
	}
	return pos, nil
}

// SaveCheckpoint records that name processed up to position. The lease is
// checked in the same statement that moves the checkpoint, so an instance
// whose lease ran out or was taken over cannot move it (fencing).
func (db *DB) SaveCheckpoint(ctx context.Context, name, holder string, position int64) error {
	tag, err := db.pool.Exec(ctx, `UPDATE subscriptions SET position = $3
		WHERE name = $1 AND holder = $2 AND lease_until > $4`, name, holder, position, db.clock())
	if err != nil {
		return fmt.Errorf("postgres: save checkpoint of %q: %w", name, err)
	}
	if tag.RowsAffected() == 0 {
		return lifeline.Errorf(lifeline.ECONFLICT, "subscription %q is not leased to %q: its lease ran out or another instance took it over", name, holder)
	}
	return nil
}
