package sqlite

import (
	"bytes"
	"context"
	"crypto/cipher"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/lifeline-gov/lifeline"
	"github.com/lifeline-gov/lifeline/groupcommit"
)

// op is one unit of work for the writer: an append, or an erasure.
type op struct {
	append *lifeline.AppendRequest
	erase  string
}

// Append writes req durably; see lifeline.EventLog.
func (db *DB) Append(ctx context.Context, req lifeline.AppendRequest) (lifeline.AppendResult, error) {
	if err := req.Validate(); err != nil {
		return lifeline.AppendResult{}, err
	}
	res, err := db.queue.Do(ctx, op{append: &req})
	if errors.Is(err, groupcommit.ErrClosed) {
		return res, errClosed
	}
	return res, err
}

// EraseSubject deletes subject's data key; see lifeline.EventLog.
func (db *DB) EraseSubject(ctx context.Context, subject string) error {
	_, err := db.queue.Do(ctx, op{erase: subject})
	if errors.Is(err, groupcommit.ErrClosed) {
		return errClosed
	}
	if err != nil {
		return err
	}
	// The deleted row is zeroed in the database file (secure_delete), but the
	// WAL still holds the page as it was until a checkpoint copies it back.
	_, err = db.write.ExecContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`)
	return err
}

// writer owns the write connection. Only the group-commit goroutine calls it.
type writer struct {
	db       *DB
	conn     *sql.Conn
	head     int64            // last position written
	versions map[string]int64 // stream versions, valid while this process is the only writer
	stmts    struct {
		insert, version, idemGet, idemPut, keyGet, keyPut, keyDel *sql.Stmt
	}
}

func newWriter(ctx context.Context, db *DB) (*writer, error) {
	conn, err := db.write.Conn(ctx)
	if err != nil {
		return nil, err
	}
	w := &writer{db: db, conn: conn, versions: make(map[string]int64)}
	prep := []struct {
		stmt **sql.Stmt
		sql  string
	}{
		{&w.stmts.insert, `INSERT INTO events (position, id, stream, version, type, occurred_at, recorded_at, subject, data, actor, channel, correlation_id, causation_id)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`},
		{&w.stmts.version, `SELECT coalesce(max(version), 0) FROM events WHERE stream = ?`},
		{&w.stmts.idemGet, `SELECT fingerprint, stream, first_version, last_version, first_position, last_position, recorded_at FROM idempotency WHERE key = ?`},
		{&w.stmts.idemPut, `INSERT INTO idempotency (key, fingerprint, stream, first_version, last_version, first_position, last_position, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`},
		{&w.stmts.keyGet, `SELECT wrapped FROM subject_keys WHERE subject = ?`},
		{&w.stmts.keyPut, `INSERT INTO subject_keys (subject, wrapped) VALUES (?, ?)`},
		{&w.stmts.keyDel, `DELETE FROM subject_keys WHERE subject = ?`},
	}
	for _, p := range prep {
		if *p.stmt, err = conn.PrepareContext(ctx, p.sql); err != nil {
			w.close()
			return nil, fmt.Errorf("prepare %q: %w", p.sql, err)
		}
	}
	if err := conn.QueryRowContext(ctx, `SELECT coalesce(max(position), 0) FROM events`).Scan(&w.head); err != nil {
		w.close()
		return nil, err
	}
	return w, nil
}

func (w *writer) close() error {
	if w.conn == nil {
		return nil
	}
	for _, s := range []*sql.Stmt{w.stmts.insert, w.stmts.version, w.stmts.idemGet, w.stmts.idemPut, w.stmts.keyGet, w.stmts.keyPut, w.stmts.keyDel} {
		if s != nil {
			s.Close()
		}
	}
	err := w.conn.Close()
	w.conn = nil
	return err
}

// pending is what a batch has written so far, to be undone if it fails.
type pending struct {
	idem     map[string]*groupcommit.Op[op, lifeline.AppendResult] // keys first used in this batch
	versions map[string]int64                                       // stream versions before the batch
	newKeys  []string                                               // subjects whose key this batch created
	erased   []string
}

// commit writes a batch in one transaction and one fsync.
func (w *writer) commit(batch []*groupcommit.Op[op, lifeline.AppendResult]) {
	began := time.Now()
	ctx := context.Background() // a caller giving up must not abort the others' batch
	now := w.db.opts.Now().UTC()
	startHead := w.head
	p := pending{idem: map[string]*groupcommit.Op[op, lifeline.AppendResult]{}, versions: map[string]int64{}}

	fail := func(err error) {
		w.conn.ExecContext(ctx, `ROLLBACK`)
		w.head = startHead
		for s, v := range p.versions {
			w.versions[s] = v
		}
		for _, s := range p.newKeys {
			w.db.keys.Forget(s)
		}
		for _, o := range batch {
			if o.Err == nil {
				o.Err = fmt.Errorf("sqlite: commit batch: %w", err)
				o.Res = lifeline.AppendResult{}
			}
		}
		w.db.opts.Logger.Error("sqlite: batch failed", "err", err, "requests", len(batch))
	}

	if _, err := w.conn.ExecContext(ctx, `BEGIN IMMEDIATE`); err != nil {
		fail(err)
		return
	}
	events := 0
	for _, o := range batch {
		var err error
		switch {
		case o.Req.append != nil:
			var n int
			n, err = w.append(ctx, o, now, &p)
			events += n
		default:
			err = w.erase(ctx, o.Req.erase, &p)
		}
		if err != nil {
			fail(err)
			return
		}
	}
	w.db.keyMu.Lock() // erasures become visible to readers together with the commit
	_, err := w.conn.ExecContext(ctx, `COMMIT`)
	if err == nil {
		for _, s := range p.erased {
			w.db.keys.Forget(s)
		}
	}
	w.db.keyMu.Unlock()
	if err != nil {
		fail(err)
		return
	}
	if w.head > startHead {
		w.db.published(w.head)
	}
	if len(w.versions) > 1_000_000 { // bound memory; misses fall back to the index
		clear(w.versions)
	}
	if f := w.db.opts.OnCommit; f != nil {
		f(len(batch), events, time.Since(began))
	}
}

// append writes one request inside the batch transaction. A conflict or a
// reused key is the caller's error, not the batch's: it sets o.Err and
// returns nil. Errors returned fail the whole batch.
func (w *writer) append(ctx context.Context, o *groupcommit.Op[op, lifeline.AppendResult], now time.Time, p *pending) (int, error) {
	req := o.Req.append
	var fp []byte
	if req.IdempotencyKey != "" {
		fp = req.Fingerprint()
		res, found, err := w.replay(ctx, req.IdempotencyKey, p)
		if err != nil {
			return 0, err
		}
		if found != nil {
			if !bytes.Equal(found, fp) {
				o.Err = lifeline.FieldErrorf(lifeline.EIDEMPOTENCY, "idempotency_key",
					"idempotency key %q was already used for a different request: use a new key for a new request", req.IdempotencyKey)
				return 0, nil
			}
			res.Replayed = true
			o.Res = res
			return 0, nil
		}
	}

	version, err := w.version(ctx, req.Stream)
	if err != nil {
		return 0, err
	}
	if req.Expected != lifeline.ExpectAny && int64(req.Expected) != version {
		o.Err = lifeline.FieldErrorf(lifeline.ECONFLICT, "expected_version",
			"stream %s is at version %d, not %d: read it again and retry", req.Stream, version, req.Expected)
		return 0, nil
	}
	if _, ok := p.versions[req.Stream]; !ok {
		p.versions[req.Stream] = version
	}

	res := lifeline.AppendResult{Stream: req.Stream, FirstVersion: version + 1, FirstPosition: w.head + 1, RecordedAt: now}
	rec := now.UnixNano()
	for i := range req.Events {
		e := &req.Events[i]
		version++
		w.head++
		id, err := lifeline.NewID(now, w.db.opts.Rand)
		if err != nil {
			return 0, err
		}
		occurred := rec
		if !e.OccurredAt.IsZero() {
			occurred = e.OccurredAt.UnixNano()
		}
		data := []byte(e.Data)
		var subject any
		if e.Subject != "" {
			subject = e.Subject
			key, err := w.key(ctx, e.Subject, p)
			if err != nil {
				return 0, err
			}
			if data, err = w.db.keys.Seal(key, id, data); err != nil {
				return 0, err
			}
		}
		m := e.Metadata
		if _, err := w.stmts.insert.ExecContext(ctx, w.head, id, req.Stream, version, e.Type, occurred, rec, subject, data,
			nullable(m.Actor), nullable(m.Channel), nullable(m.CorrelationID), nullable(m.CausationID)); err != nil {
			return 0, fmt.Errorf("insert event: %w", err)
		}
	}
	w.versions[req.Stream] = version
	res.LastVersion, res.LastPosition = version, w.head
	if req.IdempotencyKey != "" {
		if _, err := w.stmts.idemPut.ExecContext(ctx, req.IdempotencyKey, fp, res.Stream, res.FirstVersion, res.LastVersion,
			res.FirstPosition, res.LastPosition, rec); err != nil {
			return 0, fmt.Errorf("record idempotency key: %w", err)
		}
		p.idem[req.IdempotencyKey] = o
	}
	o.Res = res
	return len(req.Events), nil
}

// replay returns the stored result and fingerprint for key, if it was used.
func (w *writer) replay(ctx context.Context, key string, p *pending) (lifeline.AppendResult, []byte, error) {
	if first, ok := p.idem[key]; ok { // used earlier in this same batch
		return first.Res, first.Req.append.Fingerprint(), nil
	}
	var res lifeline.AppendResult
	var fp []byte
	var rec int64
	err := w.stmts.idemGet.QueryRowContext(ctx, key).Scan(&fp, &res.Stream, &res.FirstVersion, &res.LastVersion, &res.FirstPosition, &res.LastPosition, &rec)
	if errors.Is(err, sql.ErrNoRows) {
		return res, nil, nil
	}
	if err != nil {
		return res, nil, fmt.Errorf("look up idempotency key: %w", err)
	}
	res.RecordedAt = time.Unix(0, rec).UTC()
	return res, fp, nil
}

func (w *writer) version(ctx context.Context, stream string) (int64, error) {
	if v, ok := w.versions[stream]; ok {
		return v, nil
	}
	var v int64
	if err := w.stmts.version.QueryRowContext(ctx, stream).Scan(&v); err != nil {
		return 0, fmt.Errorf("read version of %s: %w", stream, err)
	}
	w.versions[stream] = v
	return v, nil
}

// key returns subject's data key, creating it on first use.
func (w *writer) key(ctx context.Context, subject string, p *pending) (cipher.AEAD, error) {
	if k, ok := w.db.keys.Cached(subject); ok {
		return k, nil
	}
	var wrapped []byte
	err := w.stmts.keyGet.QueryRowContext(ctx, subject).Scan(&wrapped)
	if err == nil {
		return w.db.keys.Unwrap(subject, wrapped)
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("read key of %s: %w", subject, err)
	}
	k, wrapped, err := w.db.keys.NewKey(subject)
	if err != nil {
		return nil, err
	}
	p.newKeys = append(p.newKeys, subject)
	if _, err := w.stmts.keyPut.ExecContext(ctx, subject, wrapped); err != nil {
		return nil, fmt.Errorf("store key of %s: %w", subject, err)
	}
	return k, nil
}

func (w *writer) erase(ctx context.Context, subject string, p *pending) error {
	if _, err := w.stmts.keyDel.ExecContext(ctx, subject); err != nil {
		return fmt.Errorf("erase key of %s: %w", subject, err)
	}
	// Until the commit, new appends in this batch must not reuse the old key.
	w.db.keys.Forget(subject)
	p.erased = append(p.erased, subject)
	return nil
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}
