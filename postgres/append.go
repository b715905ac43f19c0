package postgres

import (
	"bytes"
	"context"
	"crypto/cipher"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/lifeline-gov/lifeline"
	"github.com/lifeline-gov/lifeline/groupcommit"
)

// channel is the LISTEN/NOTIFY channel each commit announces its last
// position on. Notifications are per database, so one name serves all.
const channel = "lifeline_events"

// appendReq is one caller's validated append, waiting for its batch.
type appendReq struct {
	req         lifeline.AppendRequest
	fingerprint []byte // set when req carries an idempotency key
}

type appendOp = groupcommit.Op[*appendReq, lifeline.AppendResult]

// Append writes req atomically and returns once it is durable. Concurrent
// appends share a transaction and a WAL flush.
func (db *DB) Append(ctx context.Context, req lifeline.AppendRequest) (lifeline.AppendResult, error) {
	if err := req.Validate(); err != nil {
		return lifeline.AppendResult{}, err
	}
	r := &appendReq{req: req}
	if req.IdempotencyKey != "" {
		r.fingerprint = req.Fingerprint() // hashed here, in parallel, not in the writer
	}
	res, err := db.queue.Do(ctx, r)
	if errors.Is(err, groupcommit.ErrClosed) {
		return lifeline.AppendResult{}, lifeline.Errorf(lifeline.EUNAVAILABLE, "the event log is shutting down; retry on another instance")
	}
	return res, err
}

// What became of one request of a batch.
const (
	pending  = iota // to be written: done if and only if the batch commits
	echoed          // repeats the key of an earlier request in the batch
	replayed        // repeats the key of a request committed before
	refused         // conflict or reused key; nothing to write
)

type outcome struct {
	kind int
	res  lifeline.AppendResult // pending, replayed
	err  error                 // refused
	of   int                   // echoed: the index of the request it repeats
}

// maxTxBytes bounds the payload bytes of one transaction, far below
// PostgreSQL's 1 GB message limit; a larger batch is split.
const maxTxBytes = 64 << 20

// commit is the group-commit function: it runs on the queue's goroutine.
func (db *DB) commit(batch []*appendOp) {
	for len(batch) > 0 {
		n, size := 0, 0
		for n < len(batch) && (n == 0 || size+batchBytes(batch[n]) <= maxTxBytes) {
			size += batchBytes(batch[n])
			n++
		}
		db.commitPart(batch[:n])
		batch = batch[n:]
	}
}

func batchBytes(op *appendOp) int {
	n := 0
	for _, e := range op.Req.req.Events {
		n += len(e.Data)
	}
	return n
}

// commitPart commits batch in one transaction and answers its requests.
func (db *DB) commitPart(batch []*appendOp) {
	start := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), commitTimeout)
	defer cancel()
	out := make([]outcome, len(batch))
	events, last, err := db.commitBatch(ctx, batch, out)
	if err != nil {
		err = fmt.Errorf("postgres: append: %w", err)
		db.log.Error("group commit failed", "requests", len(batch), "err", err)
	}
	for i, op := range batch {
		o := &out[i]
		switch {
		case o.kind == replayed:
			op.Res = o.res
		case o.kind == refused:
			op.Err = o.err
		case err != nil:
			op.Err = err
		case o.kind == pending:
			op.Res = o.res
		case o.kind == echoed:
			op.Res = out[o.of].res
			op.Res.Replayed = true
		}
	}
	if err == nil && events > 0 {
		db.advance(last)
	}
	if db.onCommit != nil {
		db.onCommit(len(batch), events, time.Since(start))
	}
}

// storedAppend is an append remembered under its idempotency key.
type storedAppend struct {
	fingerprint []byte
	res         lifeline.AppendResult
}

// storedKey is a subject's key row as the batch found it.
type storedKey struct {
	id      int64
	wrapped []byte
}

// batchKey is the key a batch seals a subject's events with.
type batchKey struct {
	id      int64
	aead    cipher.AEAD
	wrapped []byte // set only for a key this batch creates
}

// eventRows holds a batch's events column by column, for one INSERT from
// unnest: one statement however many rows.
type eventRows struct {
	position, version                                            []int64
	keyID                                                        []pgtype.Int8
	occurredAt                                                   []time.Time
	id                                                           []pgtype.UUID
	stream, typ, subject, actor, channel, correlation, causation []string
	data                                                         [][]byte
}

// idempotencyRows holds the batch's new idempotency keys column by column.
type idempotencyRows struct {
	key                                                    []string
	fingerprint                                            [][]byte
	stream                                                 []string
	firstVersion, lastVersion, firstPosition, lastPosition []int64
}

// commitBatch writes every request of batch it can in one transaction and
// records each request's outcome in out. It returns the number of events
// written and the last position, or the error that stopped the transaction,
// in which case no pending request was written.
//
// It takes two round trips and one WAL flush, whatever the batch size: the
// first locks the head and looks up everything the batch depends on (stream
// versions, idempotency keys, subject keys), the second inserts and commits.
func (db *DB) commitBatch(ctx context.Context, batch []*appendOp, out []outcome) (int, int64, error) {
	now := db.clock()
	var streams, keys, subjects []string
	seen := make(map[string]bool)
	add := func(list *[]string, prefix byte, s string) {
		k := string(prefix) + s
		if !seen[k] {
			seen[k] = true
			*list = append(*list, s)
		}
	}
	for _, op := range batch {
		r := &op.Req.req
		add(&streams, 's', r.Stream)
		if r.IdempotencyKey != "" {
			add(&keys, 'k', r.IdempotencyKey)
		}
		for i := range r.Events {
			if s := r.Events[i].Subject; s != "" {
				add(&subjects, 'p', s)
			}
		}
	}

	conn, err := db.pool.Acquire(ctx)
	if err != nil {
		return 0, 0, fmt.Errorf("acquire a connection: %w", err)
	}
	defer conn.Release() // destroys the connection if it is still in a transaction
	committed := false
	defer rollbackUnlessCommitted(conn, &committed)

	// The sequence gap problem: a reader that has seen position p and asks
	// for positions above p must never later find a lower position appear.
	// A sequence cannot promise that: transaction A may take position 10,
	// B take 11 and commit first, and a reader then sees 11 before 10.
	//
	// So every batch first locks the single log_head row and only then reads
	// the head and picks its positions, holding the lock until its COMMIT.
	// PostgreSQL makes a committed transaction visible to new snapshots
	// before it releases its locks, so by the time the next batch (on this
	// or any instance) gets the lock and picks positions above ours, our
	// events are already visible. Any snapshot that sees position p therefore
	// sees every position below p, and ReadAll with one statement (one
	// snapshot) returns a gap-free prefix. The lock also serialises the
	// reads below (versions, idempotency keys, subject keys) with the writes
	// that depend on them, across instances, so no other locking is needed.
	// It costs one row lock per batch, not per event.
	var head int64
	versions := make(map[string]int64, len(streams))
	stored := make(map[string]storedAppend, len(keys))
	current := make(map[string]storedKey, len(subjects))
	b := &pgx.Batch{}
	b.Queue("begin")
	b.Queue(`SELECT position FROM log_head FOR UPDATE`).QueryRow(func(row pgx.Row) error {
		return row.Scan(&head)
	})
	b.Queue(`SELECT u.stream, coalesce((SELECT max(e.version) FROM events e WHERE e.stream = u.stream), 0)
		FROM unnest($1::text[]) AS u(stream)`, streams).Query(func(rows pgx.Rows) error {
		var s string
		var v int64
		_, err := pgx.ForEachRow(rows, []any{&s, &v}, func() error {
			versions[s] = v
			return nil
		})
		return err
	})
	if len(keys) > 0 {
		b.Queue(`SELECT key, fingerprint, stream, first_version, last_version, first_position, last_position, recorded_at
			FROM idempotency_keys WHERE key = ANY($1::text[])`, keys).Query(func(rows pgx.Rows) error {
			var k string
			var s storedAppend
			_, err := pgx.ForEachRow(rows, []any{&k, &s.fingerprint, &s.res.Stream, &s.res.FirstVersion, &s.res.LastVersion,
				&s.res.FirstPosition, &s.res.LastPosition, &s.res.RecordedAt}, func() error {
				s.res.RecordedAt = s.res.RecordedAt.UTC()
				s.res.Replayed = true
				stored[k] = s
				return nil
			})
			return err
		})
	}
	if len(subjects) > 0 {
		b.Queue(`SELECT subject, key_id, wrapped FROM subject_keys WHERE subject = ANY($1::text[])`, subjects).Query(func(rows pgx.Rows) error {
			var s string
			var k storedKey
			_, err := pgx.ForEachRow(rows, []any{&s, &k.id, &k.wrapped}, func() error {
				current[s] = k
				return nil
			})
			return err
		})
	}
	if err := conn.SendBatch(ctx, b).Close(); err != nil {
		return 0, 0, fmt.Errorf("lock the log head and read stream versions: %w", err)
	}

	var ev eventRows
	var idem idempotencyRows
	byKey := make(map[string]int, len(keys)) // idempotency key -> request written with it
	sealWith := make(map[string]batchKey, len(subjects))
	var fresh []string // subjects given a new key by this batch, in order
	pos := head
	for i, op := range batch {
		r := &op.Req.req
		if k := r.IdempotencyKey; k != "" {
			if s, ok := stored[k]; ok {
				if bytes.Equal(s.fingerprint, op.Req.fingerprint) {
					out[i] = outcome{kind: replayed, res: s.res}
				} else {
					out[i] = outcome{kind: refused, err: lifeline.ReusedKeyError(k)}
				}
				continue
			}
			if j, ok := byKey[k]; ok {
				if bytes.Equal(batch[j].Req.fingerprint, op.Req.fingerprint) {
					out[i] = outcome{kind: echoed, of: j}
				} else {
					out[i] = outcome{kind: refused, err: lifeline.ReusedKeyError(k)}
				}
				continue
			}
		}
		version := versions[r.Stream]
		if err := r.Expected.Check(r.Stream, version); err != nil {
			out[i] = outcome{kind: refused, err: err}
			continue
		}
		res := lifeline.AppendResult{
			Stream:        r.Stream,
			FirstVersion:  version + 1,
			LastVersion:   version + int64(len(r.Events)),
			FirstPosition: pos + 1,
			LastPosition:  pos + int64(len(r.Events)),
			RecordedAt:    now,
		}
		for _, e := range r.Events {
			pos++
			version++
			id, err := lifeline.NewID(now, db.rand)
			if err != nil {
				return 0, 0, fmt.Errorf("make an event id: %w", err)
			}
			uuid, err := lifeline.ParseID(id)
			if err != nil {
				return 0, 0, err
			}
			data := []byte(e.Data)
			var keyID pgtype.Int8
			if e.Subject != "" {
				k, ok := sealWith[e.Subject]
				if !ok {
					if k, err = db.batchKey(e.Subject, pos, current); err != nil {
						return 0, 0, err
					}
					sealWith[e.Subject] = k
					if k.wrapped != nil {
						fresh = append(fresh, e.Subject)
					}
				}
				if data, err = db.keyring.Seal(k.aead, id, data); err != nil {
					return 0, 0, fmt.Errorf("seal event data: %w", err)
				}
				keyID = pgtype.Int8{Int64: k.id, Valid: true}
			}
			occurred := e.OccurredAt
			if occurred.IsZero() {
				occurred = now
			}
			ev.position = append(ev.position, pos)
			ev.version = append(ev.version, version)
			ev.keyID = append(ev.keyID, keyID)
			ev.occurredAt = append(ev.occurredAt, occurred)
			ev.id = append(ev.id, pgtype.UUID{Bytes: uuid, Valid: true})
			ev.stream = append(ev.stream, r.Stream)
			ev.typ = append(ev.typ, e.Type)
			ev.subject = append(ev.subject, e.Subject)
			ev.actor = append(ev.actor, e.Metadata.Actor)
			ev.channel = append(ev.channel, e.Metadata.Channel)
			ev.correlation = append(ev.correlation, e.Metadata.CorrelationID)
			ev.causation = append(ev.causation, e.Metadata.CausationID)
			ev.data = append(ev.data, data)
		}
		versions[r.Stream] = version
		out[i] = outcome{kind: pending, res: res}
		if k := r.IdempotencyKey; k != "" {
			byKey[k] = i
			idem.key = append(idem.key, k)
			idem.fingerprint = append(idem.fingerprint, op.Req.fingerprint)
			idem.stream = append(idem.stream, r.Stream)
			idem.firstVersion = append(idem.firstVersion, res.FirstVersion)
			idem.lastVersion = append(idem.lastVersion, res.LastVersion)
			idem.firstPosition = append(idem.firstPosition, res.FirstPosition)
			idem.lastPosition = append(idem.lastPosition, res.LastPosition)
		}
	}
	n := len(ev.position)
	if n == 0 {
		return 0, head, nil // replays and refusals only: the deferred rollback ends it
	}

	b = &pgx.Batch{}
	if len(fresh) > 0 {
		ids := make([]int64, len(fresh))
		wrapped := make([][]byte, len(fresh))
		for i, s := range fresh {
			ids[i], wrapped[i] = sealWith[s].id, sealWith[s].wrapped
		}
		b.Queue(`INSERT INTO subject_keys (subject, key_id, wrapped)
			SELECT * FROM unnest($1::text[], $2::bigint[], $3::bytea[])`, fresh, ids, wrapped)
	}
	b.Queue(`INSERT INTO events (position, version, key_id, occurred_at, recorded_at, id, stream, type, subject,
			actor, channel, correlation_id, causation_id, data)
		SELECT u.position, u.version, u.key_id, u.occurred_at, $1, u.id, u.stream, u.type, u.subject,
			u.actor, u.channel, u.correlation_id, u.causation_id, u.data
		FROM unnest($2::bigint[], $3::bigint[], $4::bigint[], $5::timestamptz[], $6::uuid[], $7::text[], $8::text[],
			$9::text[], $10::text[], $11::text[], $12::text[], $13::text[], $14::bytea[])
		AS u(position, version, key_id, occurred_at, id, stream, type, subject, actor, channel, correlation_id,
			causation_id, data)`,
		now, ev.position, ev.version, ev.keyID, ev.occurredAt, ev.id, ev.stream, ev.typ, ev.subject,
		ev.actor, ev.channel, ev.correlation, ev.causation, ev.data)
	if len(idem.key) > 0 {
		b.Queue(`INSERT INTO idempotency_keys (key, fingerprint, stream, first_version, last_version, first_position,
				last_position, recorded_at)
			SELECT u.key, u.fingerprint, u.stream, u.first_version, u.last_version, u.first_position, u.last_position, $1
			FROM unnest($2::text[], $3::bytea[], $4::text[], $5::bigint[], $6::bigint[], $7::bigint[], $8::bigint[])
			AS u(key, fingerprint, stream, first_version, last_version, first_position, last_position)`,
			now, idem.key, idem.fingerprint, idem.stream, idem.firstVersion, idem.lastVersion,
			idem.firstPosition, idem.lastPosition)
	}
	b.Queue(`UPDATE log_head SET position = $1`, pos)
	// Delivered to listeners only if and when the transaction commits.
	b.Queue(`SELECT pg_notify($1, $2)`, channel, strconv.FormatInt(pos, 10))
	b.Queue("commit")
	if err := conn.SendBatch(ctx, b).Close(); err != nil {
		return 0, 0, fmt.Errorf("write %d events: %w", n, err)
	}
	committed = true
	// New keys become usable from the cache only now that their rows exist:
	// a key id names a stored key for ever, never one that was rolled back.
	for _, s := range fresh {
		k := sealWith[s]
		db.keys.put(k.id, s, k.aead)
	}
	return n, pos, nil
}

// batchKey returns the key to seal subject's events with in this batch: its
// stored key, or a new one numbered pos, the position of the first event it
// seals, which no other key can ever have.
func (db *DB) batchKey(subject string, pos int64, current map[string]storedKey) (batchKey, error) {
	if s, ok := current[subject]; ok {
		aead, err := db.aead(s.id, subject, s.wrapped)
		if err != nil {
			return batchKey{}, err
		}
		return batchKey{id: s.id, aead: aead}, nil
	}
	aead, wrapped, err := db.keyring.NewKey(subject)
	if err != nil {
		return batchKey{}, fmt.Errorf("make a data key: %w", err)
	}
	return batchKey{id: pos, aead: aead, wrapped: wrapped}, nil
}

// aead returns the unwrapped key id of subject, from the cache when it can.
// The caller has just read the key row, which proves the key still exists.
func (db *DB) aead(id int64, subject string, wrapped []byte) (cipher.AEAD, error) {
	if a, ok := db.keys.get(id, subject); ok {
		return a, nil
	}
	a, err := db.keyring.Unwrap(subject, wrapped)
	if err != nil {
		return nil, err
	}
	db.keys.put(id, subject, a)
	return a, nil
}
