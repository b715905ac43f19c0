package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/lifeline-gov/lifeline"
	"github.com/lifeline-gov/lifeline/provenance"
)

var _ lifeline.ProvenanceLog = (*DB)(nil)

// provenanceRows bounds the rows of one multi-row insert, well under
// SQLite's limit of 32,766 bound parameters.
const provenanceRows = 1000

// AppendProvenance implements lifeline.ProvenanceLog. The caller batches:
// one call is one transaction and one fsync, so a batch of a thousand
// entries costs about what one entry does.
//
// It writes on the store's second write connection (the one leases use)
// with BEGIN IMMEDIATE, so it takes turns with the event writer for
// SQLite's single write lock; the head row is read inside that lock, which
// makes indexes gap-free.
func (db *DB) AppendProvenance(ctx context.Context, entries [][]byte) (int64, error) {
	leaves, err := provenanceLeaves(entries)
	if err != nil {
		return 0, err
	}
	if err := db.broken.Load(); err != nil {
		return 0, *err
	}
	tx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("sqlite: provenance append: %w", err)
	}
	defer tx.Rollback()
	var size int64
	if err := tx.QueryRowContext(ctx, `SELECT size FROM provenance_head WHERE id = 1`).Scan(&size); err != nil {
		return 0, fmt.Errorf("sqlite: provenance head: %w", err)
	}
	old, err := prefetched(hashReader{ctx: ctx, q: tx}, size)
	if err != nil {
		return 0, err
	}
	hashes, err := provenance.AppendHashes(size, leaves, old)
	if err != nil {
		return 0, err
	}
	if err := insertRows(ctx, tx, `INSERT INTO provenance_entries (idx, entry) VALUES `, len(entries), func(i int) (any, any) {
		return size + int64(i), entries[i]
	}); err != nil {
		return 0, fmt.Errorf("sqlite: provenance entries: %w", err)
	}
	base := tlog.StoredHashIndex(0, size)
	if err := insertRows(ctx, tx, `INSERT INTO provenance_hashes (idx, hash) VALUES `, len(hashes), func(i int) (any, any) {
		return base + int64(i), hashes[i][:]
	}); err != nil {
		return 0, fmt.Errorf("sqlite: provenance hashes: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE provenance_head SET size = ? WHERE id = 1`, size+int64(len(entries))); err != nil {
		return 0, fmt.Errorf("sqlite: provenance head: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("sqlite: provenance commit: %w", err)
	}
	return size, db.syncWAL()
}

// provenanceLeaves checks entries and hashes them outside the write lock.
func provenanceLeaves(entries [][]byte) ([]tlog.Hash, error) {
	if len(entries) == 0 {
		return nil, lifeline.Errorf(lifeline.EINVALID, "no provenance entries to append")
	}
	leaves := make([]tlog.Hash, len(entries))
	for i, e := range entries {
		if len(e) == 0 || len(e) > 0xffff {
			return nil, lifeline.Errorf(lifeline.EINVALID, "provenance entry %d is %d bytes; entries are 1 to 65,535 bytes", i, len(e))
		}
		leaves[i] = provenance.LeafHash(e)
	}
	return leaves, nil
}

// syncWAL makes every commit so far durable. The database runs with
// synchronous=NORMAL (see sqlite.go), so the provenance writes, like the
// event writer's, are synced here before anyone is told they happened.
func (db *DB) syncWAL() error {
	if err := db.wal.Sync(); err != nil {
		db.opts.Logger.Error("sqlite: fsync of the write-ahead log failed; refusing further writes", "err", err)
		var stop error = lifeline.Errorf(lifeline.EUNAVAILABLE, "the store could not write to disk and has stopped taking writes; an operator must restart it")
		db.broken.Store(&stop)
		return stop
	}
	return nil
}

// insertRows inserts n rows of two columns with multi-row INSERTs.
func insertRows(ctx context.Context, tx *sql.Tx, insert string, n int, row func(int) (any, any)) error {
	for start := 0; start < n; start += provenanceRows {
		end := min(n, start+provenanceRows)
		var q strings.Builder
		q.WriteString(insert)
		args := make([]any, 0, 2*(end-start))
		for i := start; i < end; i++ {
			if i > start {
				q.WriteByte(',')
			}
			q.WriteString("(?,?)")
			a, b := row(i)
			args = append(args, a, b)
		}
		if _, err := tx.ExecContext(ctx, q.String(), args...); err != nil {
			return err
		}
	}
	return nil
}

// prefetched reads the frontier of the tree of size in one query and
// serves AppendHashes from it, falling back to r for anything else.
func prefetched(r tlog.HashReader, size int64) (tlog.HashReader, error) {
	frontier := provenance.Frontier(size)
	hs, err := r.ReadHashes(frontier)
	if err != nil {
		return nil, err
	}
	known := make(map[int64]tlog.Hash, len(frontier))
	for i, x := range frontier {
		known[x] = hs[i]
	}
	return tlog.HashReaderFunc(func(indexes []int64) ([]tlog.Hash, error) {
		out := make([]tlog.Hash, len(indexes))
		for i, x := range indexes {
			h, ok := known[x]
			if !ok {
				return r.ReadHashes(indexes)
			}
			out[i] = h
		}
		return out, nil
	}), nil
}

type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// preparedReads runs queries on the read pool with statements prepared
// once: a receipt's proof reads a few dozen hashes, and parsing the SQL
// each time cost more than reading them. Queries differ only in how many
// hashes they name, so the statements cached stay few.
type preparedReads struct{ db *DB }

func (p preparedReads) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if len(args) > 128 {
		return p.db.read.QueryContext(ctx, query, args...)
	}
	st, err := p.db.prepared(ctx, query)
	if err != nil {
		return nil, err
	}
	return st.QueryContext(ctx, args...)
}

// hashReader is a tlog.HashReader over the stored hashes.
type hashReader struct {
	ctx context.Context
	q   querier
}

func (r hashReader) ReadHashes(indexes []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(indexes))
	if len(indexes) == 0 {
		return out, nil
	}
	want := make(map[int64][]int, len(indexes))
	args := make([]any, 0, len(indexes))
	for i, x := range indexes {
		if want[x] == nil {
			args = append(args, x)
		}
		want[x] = append(want[x], i)
	}
	q := `SELECT idx, hash FROM provenance_hashes WHERE idx IN (?` + strings.Repeat(",?", len(args)-1) + `)`
	rows, err := r.q.QueryContext(r.ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: read provenance hashes: %w", err)
	}
	defer rows.Close()
	found := 0
	for rows.Next() {
		var x int64
		var h []byte
		if err := rows.Scan(&x, &h); err != nil {
			return nil, fmt.Errorf("sqlite: read provenance hashes: %w", err)
		}
		if len(h) != tlog.HashSize {
			return nil, fmt.Errorf("sqlite: stored hash %d is %d bytes", x, len(h))
		}
		for _, i := range want[x] {
			copy(out[i][:], h)
		}
		found++
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: read provenance hashes: %w", err)
	}
	if found != len(args) {
		return nil, lifeline.Errorf(lifeline.ENOTFOUND, "stored hashes missing from the provenance log")
	}
	return out, nil
}

// ProvenanceSize implements lifeline.ProvenanceLog.
func (db *DB) ProvenanceSize(ctx context.Context) (int64, error) {
	var size int64
	if err := db.read.QueryRowContext(ctx, `SELECT size FROM provenance_head WHERE id = 1`).Scan(&size); err != nil {
		return 0, fmt.Errorf("sqlite: provenance size: %w", err)
	}
	return size, nil
}

// ProvenanceHashes implements lifeline.ProvenanceLog.
func (db *DB) ProvenanceHashes(ctx context.Context, indexes []int64) ([][32]byte, error) {
	hs, err := hashReader{ctx: ctx, q: preparedReads{db}}.ReadHashes(indexes)
	if err != nil {
		return nil, err
	}
	out := make([][32]byte, len(hs))
	for i, h := range hs {
		out[i] = h
	}
	return out, nil
}

// ProvenanceEntries implements lifeline.ProvenanceLog.
func (db *DB) ProvenanceEntries(ctx context.Context, start, end int64) ([][]byte, error) {
	if start < 0 || end < start {
		return nil, lifeline.Errorf(lifeline.EINVALID, "bad entry range %d to %d", start, end)
	}
	rows, err := db.read.QueryContext(ctx, `SELECT entry FROM provenance_entries WHERE idx >= ? AND idx < ? ORDER BY idx`, start, end)
	if err != nil {
		return nil, fmt.Errorf("sqlite: read provenance entries: %w", err)
	}
	defer rows.Close()
	var out [][]byte
	for rows.Next() {
		var e []byte
		if err := rows.Scan(&e); err != nil {
			return nil, fmt.Errorf("sqlite: read provenance entries: %w", err)
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: read provenance entries: %w", err)
	}
	if int64(len(out)) != end-start {
		return nil, lifeline.Errorf(lifeline.ENOTFOUND, "provenance entries %d to %d are not all in the log", start, end)
	}
	return out, nil
}

// SaveProvenanceCheckpoint implements lifeline.ProvenanceLog. The row is
// written, synced, and only then marked durable for readers: they could
// otherwise serve a checkpoint (and entries under it) that a power cut
// takes back, after which the log would sign another tree of that size. The
// mark needs no sync of its own: if it is lost, the next save of the same
// size sets it again, and Open syncs the log before anyone reads.
func (db *DB) SaveProvenanceCheckpoint(ctx context.Context, size int64, signed []byte) error {
	if err := db.broken.Load(); err != nil {
		return *err
	}
	if _, err := db.write.ExecContext(ctx, `INSERT INTO provenance_checkpoints (size, signed) VALUES (?, ?) ON CONFLICT (size) DO NOTHING`, size, signed); err != nil {
		return fmt.Errorf("sqlite: save provenance checkpoint: %w", err)
	}
	if err := db.syncWAL(); err != nil {
		return err
	}
	if _, err := db.write.ExecContext(ctx, `UPDATE provenance_checkpoints SET durable = 1 WHERE size = ? AND durable = 0`, size); err != nil {
		return fmt.Errorf("sqlite: save provenance checkpoint: %w", err)
	}
	return nil
}

// LatestProvenanceCheckpoint implements lifeline.ProvenanceLog.
func (db *DB) LatestProvenanceCheckpoint(ctx context.Context) (int64, []byte, error) {
	var size int64
	var signed []byte
	err := db.read.QueryRowContext(ctx, `SELECT size, signed FROM provenance_checkpoints WHERE durable = 1 ORDER BY size DESC LIMIT 1`).Scan(&size, &signed)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil, lifeline.Errorf(lifeline.ENOTFOUND, "the provenance log has no checkpoint yet")
	}
	if err != nil {
		return 0, nil, fmt.Errorf("sqlite: latest provenance checkpoint: %w", err)
	}
	return size, signed, nil
}

// AddProvenanceCosignature implements lifeline.ProvenanceLog.
func (db *DB) AddProvenanceCosignature(ctx context.Context, size int64, line string) error {
	if _, err := db.write.ExecContext(ctx, `INSERT INTO provenance_cosignatures (size, line) VALUES (?, ?) ON CONFLICT (size, line) DO NOTHING`, size, line); err != nil {
		return fmt.Errorf("sqlite: add provenance cosignature: %w", err)
	}
	return db.syncWAL()
}

// ProvenanceCosignatures implements lifeline.ProvenanceLog.
func (db *DB) ProvenanceCosignatures(ctx context.Context, size int64) ([]string, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT line FROM provenance_cosignatures WHERE size = ? ORDER BY seq`, size)
	if err != nil {
		return nil, fmt.Errorf("sqlite: read provenance cosignatures: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var l string
		if err := rows.Scan(&l); err != nil {
			return nil, fmt.Errorf("sqlite: read provenance cosignatures: %w", err)
		}
		out = append(out, l)
	}
	return out, rows.Err()
}
