package sqlite

import (
	"bytes"
	"context"
	"crypto/cipher"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/lifeline-gov/lifeline"
	"github.com/lifeline-gov/lifeline/groupcommit"
)

// op is one unit of work for the writer: an append, or an erasure.
type op struct {
	append *lifeline.AppendRequest
	erase  string
	prep   *prepared
}

// prepared is the work on an append that needs no database, done on the
// caller's goroutine so that the single writer does as little as possible.
type prepared struct {
	fingerprint []byte
	ids         []string
	sealed      [][]byte      // per event: data sealed in advance, or nil
	sealedWith  []cipher.AEAD // the key each was sealed with
}

// Append writes req durably; see lifeline.EventLog.
func (db *DB) Append(ctx context.Context, req lifeline.AppendRequest) (lifeline.AppendResult, error) {
	if err := req.Validate(); err != nil {
		return lifeline.AppendResult{}, err
	}
	p, err := db.prepare(&req)
	if err != nil {
		return lifeline.AppendResult{}, err
	}
	if err := db.broken.Load(); err != nil {
		return lifeline.AppendResult{}, *err
	}
	res, err := db.queue.Do(ctx, op{append: &req, prep: p})
	if errors.Is(err, groupcommit.ErrClosed) {
		return res, errClosed
	}
	return res, err
}

func (db *DB) prepare(req *lifeline.AppendRequest) (*prepared, error) {
	n := len(req.Events)
	p := &prepared{ids: make([]string, n), sealed: make([][]byte, n), sealedWith: make([]cipher.AEAD, n)}
	if req.IdempotencyKey != "" {
		p.fingerprint = req.Fingerprint()
	}
	now := db.opts.Now()
	for i, e := range req.Events {
		id, err := lifeline.NewID(now, db.opts.Rand)
		if err != nil {
			return nil, err
		}
		p.ids[i] = id
		if e.Subject == "" {
			continue
		}
		// A key not yet cached is loaded or created by the writer.
		if key, ok := db.keys.Cached(e.Subject); ok {
			if p.sealed[i], err = db.keys.Seal(key, id, e.Data); err != nil {
				return nil, err
			}
			p.sealedWith[i] = key
		}
	}
	return p, nil
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
	// A checkpoint that readers keep from finishing reports busy rather than
	// failing: the old page is then still in the log, so say so.
	for attempt := 0; ; attempt++ {
		var busy, logged, copied int64
		if err := db.write.QueryRowContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`).Scan(&busy, &logged, &copied); err != nil {
			return fmt.Errorf("sqlite: truncate the write-ahead log after erasing %s: %w", subject, err)
		}
		if busy == 0 {
			return nil
		}
		if attempt == 2 || ctx.Err() != nil {
			return lifeline.Errorf(lifeline.EUNAVAILABLE, "the key of %s is erased, but long-running reads kept an old copy from being purged from the write-ahead log: retry the erasure", subject)
		}
	}
}

// writer owns the write connection. Only the group-commit goroutine calls it.
type writer struct {
	db       *DB
	conn     *sql.Conn
	head     int64            // last position written
	versions map[string]int64 // stream versions, valid while this process is the only writer
	stmts    struct {
		version, idemGet, keyGet, keyPut, keyDel *sql.Stmt
	}
	// Rows of the batch, written at its end with multi-row inserts: one
	// statement per chunk costs far less than one per row.
	events, idem rows
}

// rows buffers the values of rows for one table.
type rows struct {
	insert string            // "INSERT INTO t (a, b) VALUES "
	cols   int               // values per row
	values []any             // cols values per row
	stmts  map[int]*sql.Stmt // prepared statements by row count
}

const rowsPerInsert = 64

func (r *rows) add(v ...any) { r.values = append(r.values, v...) }

// flush inserts the buffered rows.
func (r *rows) flush(ctx context.Context, conn *sql.Conn) error {
	for len(r.values) > 0 {
		n := min(len(r.values)/r.cols, rowsPerInsert)
		stmt := r.stmts[n]
		if stmt == nil {
			row := "(?" + strings.Repeat(", ?", r.cols-1) + ")"
			var err error
			if stmt, err = conn.PrepareContext(ctx, r.insert+row+strings.Repeat(", "+row, n-1)); err != nil {
				return err
			}
			r.stmts[n] = stmt
		}
		if _, err := stmt.ExecContext(ctx, r.values[:n*r.cols]...); err != nil {
			return err
		}
		r.values = r.values[n*r.cols:]
	}
	r.values = r.values[:0:cap(r.values)]
	return nil
}

func (r *rows) reset() { clear(r.values); r.values = r.values[:0] }

func (r *rows) close() {
	for _, s := range r.stmts {
		s.Close()
	}
}

func newWriter(ctx context.Context, db *DB) (*writer, error) {
	conn, err := db.write.Conn(ctx)
	if err != nil {
		return nil, err
	}
	w := &writer{db: db, conn: conn, versions: make(map[string]int64),
		events: rows{insert: `INSERT INTO events (position, id, stream, version, type, occurred_at, recorded_at, subject, data,
			actor, channel, correlation_id, causation_id) VALUES `, cols: 13, stmts: map[int]*sql.Stmt{}},
		idem: rows{insert: `INSERT INTO idempotency (key, fingerprint, stream, first_version, last_version, first_position,
			last_position, recorded_at) VALUES `, cols: 8, stmts: map[int]*sql.Stmt{}},
	}
	prep := []struct {
		stmt **sql.Stmt
		sql  string
	}{
		{&w.stmts.version, `SELECT coalesce(max(version), 0) FROM events WHERE stream = ?`},
		{&w.stmts.idemGet, `SELECT fingerprint, stream, first_version, last_version, first_position, last_position, recorded_at FROM idempotency WHERE key = ?`},
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
	for _, s := range []*sql.Stmt{w.stmts.version, w.stmts.idemGet, w.stmts.keyGet, w.stmts.keyPut, w.stmts.keyDel} {
		if s != nil {
			s.Close()
		}
	}
	w.events.close()
	w.idem.close()
	err := w.conn.Close()
	w.conn = nil
	return err
}

// pending is what a batch has written so far, to be undone if it fails.
type pending struct {
	idem     map[string]*groupcommit.Op[op, lifeline.AppendResult] // keys first used in this batch
	versions map[string]int64                                      // stream versions before the batch
	newKeys  []string                                              // subjects whose key this batch created
	erased   map[string]bool                                       // subjects whose key this batch deleted
	// keys of subjects erased earlier in this batch: until the commit a
	// reader may still find the old key and cache it again, so the cache
	// cannot be trusted for them.
	keys map[string]cipher.AEAD
}

// commit writes a batch in one transaction and one fsync.
func (w *writer) commit(batch []*groupcommit.Op[op, lifeline.AppendResult]) {
	began := time.Now()
	ctx := context.Background() // a caller giving up must not abort the others' batch
	now := w.db.opts.Now().UTC()
	startHead := w.head
	p := pending{idem: map[string]*groupcommit.Op[op, lifeline.AppendResult]{}, versions: map[string]int64{},
		erased: map[string]bool{}, keys: map[string]cipher.AEAD{}}

	fail := func(err error) {
		w.conn.ExecContext(ctx, `ROLLBACK`)
		w.events.reset()
		w.idem.reset()
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
	for _, r := range []*rows{&w.events, &w.idem} {
		if err := r.flush(ctx, w.conn); err != nil {
			fail(fmt.Errorf("insert rows: %w", err))
			return
		}
	}
	w.db.keyMu.Lock() // erasures become visible to readers together with the commit
	_, err := w.conn.ExecContext(ctx, `COMMIT`)
	if err == nil {
		for s := range p.erased {
			w.db.keys.Forget(s)
		}
	}
	w.db.keyMu.Unlock()
	if err != nil {
		fail(err)
		return
	}
	w.db.committed.Store(w.head)
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
	fp := o.Req.prep.fingerprint
	if req.IdempotencyKey != "" {
		res, found, err := w.replay(ctx, req.IdempotencyKey, p)
		if err != nil {
			return 0, err
		}
		if found != nil {
			if !bytes.Equal(found, fp) {
				o.Err = lifeline.ReusedKeyError(req.IdempotencyKey)
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
	if err := req.Expected.Check(req.Stream, version); err != nil {
		o.Err = err
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
		id := o.Req.prep.ids[i]
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
			// Sealed in advance with the current key: keep it. A key erased
			// or replaced since then is not current, so seal again.
			if key == o.Req.prep.sealedWith[i] {
				data = o.Req.prep.sealed[i]
			} else if data, err = w.db.keys.Seal(key, id, data); err != nil {
				return 0, err
			}
		}
		m := e.Metadata
		w.events.add(w.head, id, req.Stream, version, e.Type, occurred, rec, subject, data,
			nullable(m.Actor), nullable(m.Channel), nullable(m.CorrelationID), nullable(m.CausationID))
	}
	w.versions[req.Stream] = version
	res.LastVersion, res.LastPosition = version, w.head
	if req.IdempotencyKey != "" {
		w.idem.add(req.IdempotencyKey, fp, res.Stream, res.FirstVersion, res.LastVersion, res.FirstPosition, res.LastPosition, rec)
		p.idem[req.IdempotencyKey] = o
	}
	o.Res = res
	return len(req.Events), nil
}

// replay returns the stored result and fingerprint for key, if it was used.
func (w *writer) replay(ctx context.Context, key string, p *pending) (lifeline.AppendResult, []byte, error) {
	if first, ok := p.idem[key]; ok { // used earlier in this same batch
		return first.Res, first.Req.prep.fingerprint, nil
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
	if p.erased[subject] {
		if k, ok := p.keys[subject]; ok {
			return k, nil
		}
	} else if k, ok := w.db.keys.Cached(subject); ok {
		return k, nil
	}
	var wrapped []byte
	err := w.stmts.keyGet.QueryRowContext(ctx, subject).Scan(&wrapped)
	if err == nil {
		k, err := w.db.keys.Unwrap(subject, wrapped)
		if err == nil && p.erased[subject] {
			p.keys[subject] = k
		}
		return k, err
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
	if p.erased[subject] {
		p.keys[subject] = k
	}
	return k, nil
}

func (w *writer) erase(ctx context.Context, subject string, p *pending) error {
	if _, err := w.stmts.keyDel.ExecContext(ctx, subject); err != nil {
		return fmt.Errorf("erase key of %s: %w", subject, err)
	}
	// Until the commit, new appends in this batch must not reuse the old key
	// (see pending.keys).
	w.db.keys.Forget(subject)
	p.erased[subject] = true
	delete(p.keys, subject)
	return nil
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}
