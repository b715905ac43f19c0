package postgres

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
)

const (
	// recheckEvery bounds how long a waiter can miss an append if every
	// notification about it were lost; it is a safety net, not the mechanism.
	recheckEvery = 5 * time.Second
	maxBackoff   = 5 * time.Second
)

// Head returns the position of the last event readers can see.
func (db *DB) Head(ctx context.Context) (int64, error) {
	var head int64
	if err := db.pool.QueryRow(ctx, `SELECT position FROM log_head`).Scan(&head); err != nil {
		return 0, fmt.Errorf("postgres: read the log head: %w", err)
	}
	db.observe(head)
	return head, nil
}

// WaitForAppend returns when Head passes after, or ctx ends. It waits on
// notifications from this instance's commits and, through LISTEN, from every
// other instance's; it asks the database only at the start, after the
// listener reconnects (notifications may have been lost) and every
// recheckEvery.
func (db *DB) WaitForAppend(ctx context.Context, after int64) error {
	ask := true
	var resets uint64
	timer := time.NewTimer(recheckEvery)
	defer timer.Stop()
	for {
		ch := db.changes() // before checking, so no wake-up falls in between
		if db.seen.Load() > after {
			return nil
		}
		if r := db.resets.Load(); ask || r != resets {
			resets = r
			head, err := db.Head(ctx)
			if err != nil {
				if ctx.Err() != nil {
					return ctx.Err()
				}
				return err
			}
			if head > after {
				return nil
			}
			ask = false
		}
		select {
		case <-ch:
		case <-timer.C:
			ask = true
			timer.Reset(recheckEvery)
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// changes returns a channel closed at the next change of seen or resets.
func (db *DB) changes() <-chan struct{} {
	db.mu.Lock()
	defer db.mu.Unlock()
	return db.changed
}

// wake wakes every waiter.
func (db *DB) wake() {
	db.mu.Lock()
	close(db.changed)
	db.changed = make(chan struct{})
	db.mu.Unlock()
}

// observe records that position is visible, without waking anyone.
func (db *DB) observe(position int64) bool {
	for {
		old := db.seen.Load()
		if position <= old {
			return false
		}
		if db.seen.CompareAndSwap(old, position) {
			return true
		}
	}
}

// advance records that position is visible and wakes the waiters.
func (db *DB) advance(position int64) {
	if db.observe(position) {
		db.wake()
	}
}

// connectListener opens the connection that LISTENs for commits. It is a
// connection of its own, outside the pool: it is busy for as long as the DB
// is open.
func (db *DB) connectListener(ctx context.Context) (*pgx.Conn, error) {
	cfg := db.pool.Config().ConnConfig.Copy()
	if cfg.RuntimeParams == nil {
		cfg.RuntimeParams = map[string]string{}
	}
	cfg.RuntimeParams["application_name"] = "lifeline-listener"
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: connect the listener: %w", err)
	}
	if _, err := conn.Exec(ctx, "LISTEN "+channel); err != nil {
		conn.Close(context.Background())
		return nil, fmt.Errorf("postgres: listen for appends: %w", err)
	}
	// Commits made before LISTEN took effect sent notifications we missed.
	db.resets.Add(1)
	db.wake()
	return conn, nil
}

// listen turns notifications into wake-ups until ctx ends, reconnecting
// with backoff when the connection fails. After each reconnection every
// waiter checks the head again, since notifications sent while the listener
// was away are lost.
func (db *DB) listen(ctx context.Context, conn *pgx.Conn) {
	defer db.wg.Done()
	backoff := 50 * time.Millisecond
	for {
		if conn != nil {
			err := db.receive(ctx, conn)
			conn.Close(context.Background())
			conn = nil
			if ctx.Err() != nil {
				return
			}
			db.log.Warn("postgres: lost the notification listener; reconnecting", "err", err)
			db.resets.Add(1)
			db.wake()
		}
		t := time.NewTimer(backoff)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		c, err := db.connectListener(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			db.log.Warn("postgres: reconnect the notification listener", "err", err, "retry_in", backoff)
			backoff = min(backoff*2, maxBackoff)
			continue
		}
		conn, backoff = c, 50*time.Millisecond
	}
}

// receive handles notifications on conn until it fails or ctx ends.
func (db *DB) receive(ctx context.Context, conn *pgx.Conn) error {
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			return err
		}
		pos, err := strconv.ParseInt(n.Payload, 10, 64)
		if err != nil {
			// Not one of ours: make waiters ask the database instead.
			db.log.Warn("postgres: malformed notification on "+channel, "payload", n.Payload)
			db.resets.Add(1)
			db.wake()
			continue
		}
		db.advance(pos)
	}
}
