package postgres

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/lifeline-gov/lifeline"
	"github.com/lifeline-gov/lifeline/seal"
)

// selectEvents reads events with the key each was sealed with, if that key
// still exists: the key's presence is checked in the same snapshot as the
// event, so a read after an erasure on any instance finds no key.
const selectEvents = `SELECT e.position, e.version, e.key_id, e.occurred_at, e.recorded_at, e.id, e.stream, e.type,
	e.subject, e.actor, e.channel, e.correlation_id, e.causation_id, e.data, k.wrapped
FROM events e LEFT JOIN subject_keys k ON k.subject = e.subject AND k.key_id = e.key_id `

// ReadStream returns a stream's events in version order.
func (db *DB) ReadStream(ctx context.Context, stream string, q lifeline.StreamQuery) ([]lifeline.Event, error) {
	if err := lifeline.ValidateStreamName(stream); err != nil {
		return nil, err
	}
	limit, err := lifeline.ReadLimit(q.Limit)
	if err != nil {
		return nil, err
	}
	from := max(q.FromVersion, 1)
	var rows pgx.Rows
	if q.AsAt.IsZero() {
		rows, err = db.pool.Query(ctx, selectEvents+`WHERE e.stream = $1 AND e.version >= $2
			ORDER BY e.version LIMIT $3`, stream, from, limit)
	} else {
		// recorded_at has microseconds, so comparing with AsAt truncated to
		// microseconds (as pgx sends it) is exact.
		rows, err = db.pool.Query(ctx, selectEvents+`WHERE e.stream = $1 AND e.version >= $2 AND e.recorded_at <= $4
			ORDER BY e.version LIMIT $3`, stream, from, limit, q.AsAt)
	}
	if err != nil {
		return nil, fmt.Errorf("postgres: read stream %q: %w", stream, err)
	}
	events, err := db.scanEvents(rows)
	if err != nil {
		return nil, fmt.Errorf("postgres: read stream %q: %w", stream, err)
	}
	return events, nil
}

// ReadEvent returns the event with id. Like ReadStream, it sees what one
// statement's snapshot sees: there is no head to hide events behind.
func (db *DB) ReadEvent(ctx context.Context, id string) (lifeline.Event, error) {
	u, err := lifeline.ParseEventID(id)
	if err != nil {
		return lifeline.Event{}, err
	}
	rows, err := db.pool.Query(ctx, selectEvents+`WHERE e.id = $1`, pgtype.UUID{Bytes: u, Valid: true})
	if err != nil {
		return lifeline.Event{}, fmt.Errorf("postgres: read event %s: %w", lifeline.FormatID(u), err)
	}
	events, err := db.scanEvents(rows)
	if err != nil {
		return lifeline.Event{}, fmt.Errorf("postgres: read event %s: %w", lifeline.FormatID(u), err)
	}
	if len(events) == 0 {
		return lifeline.Event{}, lifeline.Errorf(lifeline.ENOTFOUND, "no event has id %s", lifeline.FormatID(u))
	}
	return events[0], nil
}

// ReadAll returns events with a position greater than after, in order. One
// statement sees one snapshot, and positions become visible in order (see
// commitBatch), so the result never skips an event that could appear later.
func (db *DB) ReadAll(ctx context.Context, after int64, limit int) ([]lifeline.Event, error) {
	limit, err := lifeline.ReadLimit(limit)
	if err != nil {
		return nil, err
	}
	rows, err := db.pool.Query(ctx, selectEvents+`WHERE e.position > $1 ORDER BY e.position LIMIT $2`, after, limit)
	if err != nil {
		return nil, fmt.Errorf("postgres: read events after %d: %w", after, err)
	}
	events, err := db.scanEvents(rows)
	if err != nil {
		return nil, fmt.Errorf("postgres: read events after %d: %w", after, err)
	}
	return events, nil
}

// scanEvents reads rows of selectEvents and opens sealed payloads.
func (db *DB) scanEvents(rows pgx.Rows) ([]lifeline.Event, error) {
	defer rows.Close()
	events := []lifeline.Event{}
	for rows.Next() {
		var (
			e             lifeline.Event
			keyID         pgtype.Int8
			id            pgtype.UUID
			data, wrapped []byte
		)
		err := rows.Scan(&e.Position, &e.Version, &keyID, &e.OccurredAt, &e.RecordedAt, &id, &e.Stream, &e.Type,
			&e.Subject, &e.Metadata.Actor, &e.Metadata.Channel, &e.Metadata.CorrelationID, &e.Metadata.CausationID,
			&data, &wrapped)
		if err != nil {
			return nil, err
		}
		e.ID = lifeline.FormatID(id.Bytes)
		e.OccurredAt = e.OccurredAt.UTC()
		e.RecordedAt = e.RecordedAt.UTC()
		switch {
		case e.Subject == "":
			e.Data = data
		case !keyID.Valid || wrapped == nil: // the subject's key was erased
			e.Erased = true
			e.Data = json.RawMessage("null")
		default:
			aead, err := db.aead(keyID.Int64, e.Subject, wrapped)
			if err != nil {
				return nil, fmt.Errorf("event %d: %w", e.Position, err)
			}
			if e.Data, err = seal.Open(aead, e.ID, data); err != nil {
				return nil, fmt.Errorf("open event %d: %w", e.Position, err)
			}
		}
		events = append(events, e)
	}
	return events, rows.Err()
}

// EraseSubject deletes subject's data key, so every payload sealed with it
// reads as erased, on every instance, from the moment this returns: reads
// check that the key row exists in the snapshot they read the event in, and
// appends check it under the head lock, which this takes too, so no append
// can seal with the key after it is gone. Keys cached unwrapped by other
// instances are never used again and age out of their caches.
//
// The wrapped key's row becomes a dead tuple; a VACUUM is then requested in
// the background to remove it from the table's pages. Copies may survive for a
// while in WAL segments and free space until PostgreSQL reuses them; without
// the master key they are of no use.
func (db *DB) EraseSubject(ctx context.Context, subject string) error {
	var ids []int64
	err := pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT FROM log_head FOR SHARE`); err != nil {
			return err
		}
		rows, _ := tx.Query(ctx, `DELETE FROM subject_keys WHERE subject = $1 RETURNING key_id`, subject)
		var err error
		ids, err = pgx.CollectRows(rows, pgx.RowTo[int64])
		return err
	})
	if err != nil {
		return fmt.Errorf("postgres: erase the key of subject %q: %w", subject, err)
	}
	db.keys.drop(ids)
	db.keyring.Forget(subject)
	if len(ids) > 0 {
		select {
		case db.vacuum <- struct{}{}:
		default: // one is already requested
		}
	}
	return nil
}
