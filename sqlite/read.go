package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/lifeline-gov/lifeline"
	"github.com/lifeline-gov/lifeline/seal"
)

const eventColumns = `position, id, stream, version, type, occurred_at, recorded_at, subject, data, actor, channel, correlation_id, causation_id`

// ReadStream returns a stream's events; see lifeline.EventLog.
func (db *DB) ReadStream(ctx context.Context, stream string, q lifeline.StreamQuery) ([]lifeline.Event, error) {
	if err := lifeline.ValidateStreamName(stream); err != nil {
		return nil, err
	}
	limit, err := readLimit(q.Limit)
	if err != nil {
		return nil, err
	}
	asAt := int64(1<<63 - 1)
	if !q.AsAt.IsZero() {
		asAt = q.AsAt.UnixNano()
	}
	// Committed but not yet durable events stay hidden: a reader must never
	// act on an event that a crash could take back.
	return db.query(ctx, `SELECT `+eventColumns+` FROM events
		WHERE stream = ? AND version >= ? AND recorded_at <= ? AND position <= ? ORDER BY version LIMIT ?`,
		stream, q.FromVersion, asAt, db.head.Load(), limit)
}

// ReadAll returns events after a position; see lifeline.EventLog.
func (db *DB) ReadAll(ctx context.Context, after int64, limit int) ([]lifeline.Event, error) {
	limit, err := readLimit(limit)
	if err != nil {
		return nil, err
	}
	return db.query(ctx, `SELECT `+eventColumns+` FROM events WHERE position > ? AND position <= ? ORDER BY position LIMIT ?`,
		after, db.head.Load(), limit)
}

func readLimit(n int) (int, error) {
	switch {
	case n == 0:
		return lifeline.DefaultReadLimit, nil
	case n < 0 || n > lifeline.MaxReadLimit:
		return 0, lifeline.FieldErrorf(lifeline.EINVALID, "limit", "limit %d is out of range: use 1 to %d", n, lifeline.MaxReadLimit)
	}
	return n, nil
}

func (db *DB) query(ctx context.Context, query string, args ...any) ([]lifeline.Event, error) {
	rows, err := db.read.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: read events: %w", err)
	}
	defer rows.Close()
	var events []lifeline.Event
	for rows.Next() {
		var e lifeline.Event
		var occurred, recorded int64
		var subject, actor, channel, correlation, causation sql.NullString
		var data []byte
		if err := rows.Scan(&e.Position, &e.ID, &e.Stream, &e.Version, &e.Type, &occurred, &recorded, &subject, &data,
			&actor, &channel, &correlation, &causation); err != nil {
			return nil, fmt.Errorf("sqlite: read events: %w", err)
		}
		e.OccurredAt = time.Unix(0, occurred).UTC()
		e.RecordedAt = time.Unix(0, recorded).UTC()
		e.Subject = subject.String
		e.Metadata = lifeline.Metadata{Actor: actor.String, Channel: channel.String, CorrelationID: correlation.String, CausationID: causation.String}
		if e.Subject == "" {
			e.Data = data
		} else if err := db.unseal(ctx, &e, data); err != nil {
			return nil, err
		}
		events = append(events, e)
	}
	return events, rows.Err()
}

// unseal opens a sealed payload, or marks the event erased if its subject's
// key is gone.
func (db *DB) unseal(ctx context.Context, e *lifeline.Event, sealed []byte) error {
	key, ok := db.keys.Cached(e.Subject)
	if !ok {
		db.keyMu.RLock()
		var wrapped []byte
		err := db.read.QueryRowContext(ctx, `SELECT wrapped FROM subject_keys WHERE subject = ?`, e.Subject).Scan(&wrapped)
		if err == nil {
			key, err = db.keys.Unwrap(e.Subject, wrapped)
		}
		db.keyMu.RUnlock()
		if errors.Is(err, sql.ErrNoRows) {
			e.Erased, e.Data = true, json.RawMessage("null")
			return nil
		}
		if err != nil {
			return fmt.Errorf("sqlite: key of %s: %w", e.Subject, err)
		}
	}
	plain, err := seal.Open(key, e.ID, sealed)
	if err != nil {
		// Sealed under a key that has since been erased and replaced.
		e.Erased, e.Data = true, json.RawMessage("null")
		return nil
	}
	e.Data = plain
	return nil
}
