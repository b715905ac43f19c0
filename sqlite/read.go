package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math"
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
	limit, err := lifeline.ReadLimit(q.Limit)
	if err != nil {
		return nil, err
	}
	asAt := int64(math.MaxInt64)
	if !q.AsAt.IsZero() {
		asAt = unixNano(q.AsAt)
	}
	// Committed but not yet durable events stay hidden: a reader must never
	// act on an event that a crash could take back.
	return db.query(ctx, `SELECT `+eventColumns+` FROM events
		WHERE stream = ? AND version >= ? AND recorded_at <= ? AND position <= ? ORDER BY version LIMIT ?`,
		stream, q.FromVersion, asAt, db.head.Load(), limit)
}

// ReadEvent returns the event with an id; see lifeline.EventLog.
func (db *DB) ReadEvent(ctx context.Context, id string) (lifeline.Event, error) {
	u, err := lifeline.ParseEventID(id)
	if err != nil {
		return lifeline.Event{}, err
	}
	// Ids are stored in their canonical form, which an id in capitals is not.
	events, err := db.query(ctx, `SELECT `+eventColumns+` FROM events WHERE id = ? AND position <= ?`,
		lifeline.FormatID(u), db.head.Load())
	if err != nil {
		return lifeline.Event{}, err
	}
	if len(events) == 0 {
		return lifeline.Event{}, lifeline.Errorf(lifeline.ENOTFOUND, "no event has id %s", lifeline.FormatID(u))
	}
	return events[0], nil
}

// ReadAll returns events after a position; see lifeline.EventLog.
func (db *DB) ReadAll(ctx context.Context, after int64, limit int) ([]lifeline.Event, error) {
	limit, err := lifeline.ReadLimit(limit)
	if err != nil {
		return nil, err
	}
	return db.query(ctx, `SELECT `+eventColumns+` FROM events WHERE position > ? AND position <= ? ORDER BY position LIMIT ?`,
		after, db.head.Load(), limit)
}

// unixNano is t in Unix nanoseconds, clamped to what an int64 holds: a time
// before 1678 or after 2262 is before or after every recorded event.
func unixNano(t time.Time) int64 {
	switch {
	case t.Before(time.Unix(0, math.MinInt64)):
		return math.MinInt64
	case t.After(time.Unix(0, math.MaxInt64)):
		return math.MaxInt64
	}
	return t.UnixNano()
}

// prepared returns the read statement for query, prepared once: parsing SQL
// took a quarter of the CPU of a read-heavy workload before statements were
// kept. database/sql prepares it again on each pooled connection as needed.
func (db *DB) prepared(ctx context.Context, query string) (*sql.Stmt, error) {
	if st, ok := db.stmts.Load(query); ok {
		return st.(*sql.Stmt), nil
	}
	st, err := db.read.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	if prev, loaded := db.stmts.LoadOrStore(query, st); loaded {
		st.Close()
		return prev.(*sql.Stmt), nil
	}
	return st, nil
}

func (db *DB) query(ctx context.Context, query string, args ...any) ([]lifeline.Event, error) {
	st, err := db.prepared(ctx, query)
	if err != nil {
		return nil, fmt.Errorf("sqlite: read events: %w", err)
	}
	rows, err := st.QueryContext(ctx, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: read events: %w", err)
	}
	defer rows.Close()
	var events []lifeline.Event
	var sealed [][]byte // per event: its sealed data, opened once the rows are closed
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
			data = nil
		}
		events = append(events, e)
		sealed = append(sealed, data)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: read events: %w", err)
	}
	// Keys are looked up on another connection: release this one first, or
	// reads that each hold a connection and wait for a second one could
	// take the whole pool and wait for each other for ever.
	rows.Close()
	for i := range events {
		if events[i].Subject == "" {
			continue
		}
		if err := db.unseal(ctx, &events[i], sealed[i]); err != nil {
			return nil, err
		}
	}
	return events, nil
}

// unseal opens a sealed payload, or marks the event erased if its subject's
// key is gone.
func (db *DB) unseal(ctx context.Context, e *lifeline.Event, sealed []byte) error {
	key, ok := db.keys.Cached(e.Subject)
	if !ok {
		db.keyMu.RLock()
		var wrapped []byte
		st, err := db.prepared(ctx, `SELECT wrapped FROM subject_keys WHERE subject = ?`)
		if err == nil {
			err = st.QueryRowContext(ctx, e.Subject).Scan(&wrapped)
		}
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
