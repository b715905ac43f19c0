package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/lifeline-gov/lifeline"
	"github.com/lifeline-gov/lifeline/provenance"
)

var _ lifeline.ProvenanceLog = (*DB)(nil)

// AppendProvenance implements lifeline.ProvenanceLog. The caller batches:
// one call is one transaction, so one WAL flush covers the whole batch.
//
// Indexes come from the provenance_head row, never a sequence, for the
// reason given in append.go (the sequence gap problem): each append locks
// the row first, reads the size, writes entries and stored hashes above it,
// moves the row and commits, all under the lock. Appends from every
// instance are therefore serialised, indexes are gap-free, and a snapshot
// that sees index i sees every index below it. The stored hashes of a new
// leaf depend on the hashes before it, so this order is needed for
// correctness, not just tidiness. PostgreSQL's COMMIT returns once the WAL
// is flushed (synchronous_commit is on), so a returned append is durable.
func (db *DB) AppendProvenance(ctx context.Context, entries [][]byte) (int64, error) {
	if len(entries) == 0 {
		return 0, lifeline.Errorf(lifeline.EINVALID, "no provenance entries to append")
	}
	leaves := make([]tlog.Hash, len(entries))
	for i, e := range entries {
		if len(e) == 0 || len(e) > 0xffff {
			return 0, lifeline.Errorf(lifeline.EINVALID, "provenance entry %d is %d bytes; entries are 1 to 65,535 bytes", i, len(e))
		}
		leaves[i] = provenance.LeafHash(e) // hashed before taking the lock
	}
	size, err := db.appendProvenance(ctx, entries, leaves)
	if err != nil {
		if lifeline.ErrorCode(err) != lifeline.EINTERNAL {
			return 0, err
		}
		return 0, fmt.Errorf("postgres: provenance append: %w", err)
	}
	return size, nil
}

// appendProvenance writes one batch in three round trips: begin and lock
// the head; read the frontier of the tree (provenance.Frontier), which is
// every old hash the new ones depend on; then insert, move the head and
// commit. The lock is held for the last two.
func (db *DB) appendProvenance(ctx context.Context, entries [][]byte, leaves []tlog.Hash) (int64, error) {
	ctx, cancel := context.WithTimeout(ctx, commitTimeout)
	defer cancel()
	conn, err := db.pool.Acquire(ctx)
	if err != nil {
		return 0, fmt.Errorf("acquire a connection: %w", err)
	}
	defer conn.Release() // destroys the connection if it is still in a transaction
	committed := false
	defer rollbackUnlessCommitted(conn, &committed)
	var size int64
	b := &pgx.Batch{}
	b.Queue("begin")
	b.Queue(`SELECT size FROM provenance_head FOR UPDATE`).QueryRow(func(row pgx.Row) error { return row.Scan(&size) })
	if err := conn.SendBatch(ctx, b).Close(); err != nil {
		return 0, fmt.Errorf("lock provenance head: %w", err)
	}
	frontier := provenance.Frontier(size)
	old, err := hashReader{ctx: ctx, q: conn}.ReadHashes(frontier)
	if err != nil {
		return 0, err
	}
	known := make(map[int64]tlog.Hash, len(frontier))
	for i, x := range frontier {
		known[x] = old[i]
	}
	hashes, err := provenance.AppendHashes(size, leaves, tlog.HashReaderFunc(func(indexes []int64) ([]tlog.Hash, error) {
		out := make([]tlog.Hash, len(indexes))
		for i, x := range indexes {
			var ok bool
			if out[i], ok = known[x]; !ok {
				return hashReader{ctx: ctx, q: conn}.ReadHashes(indexes)
			}
		}
		return out, nil
	}))
	if err != nil {
		return 0, err
	}
	idx := make([]int64, len(entries))
	for i := range idx {
		idx[i] = size + int64(i)
	}
	hidx := make([]int64, len(hashes))
	hbytes := make([][]byte, len(hashes))
	base := tlog.StoredHashIndex(0, size)
	for i := range hashes {
		hidx[i], hbytes[i] = base+int64(i), hashes[i][:]
	}
	b = &pgx.Batch{}
	b.Queue(`INSERT INTO provenance_entries (idx, entry) SELECT * FROM unnest($1::bigint[], $2::bytea[])`, idx, entries)
	b.Queue(`INSERT INTO provenance_hashes (idx, hash) SELECT * FROM unnest($1::bigint[], $2::bytea[])`, hidx, hbytes)
	b.Queue(`UPDATE provenance_head SET size = $1`, size+int64(len(entries)))
	b.Queue("commit")
	if err := conn.SendBatch(ctx, b).Close(); err != nil {
		return 0, err
	}
	committed = true
	return size, nil
}

type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
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
	rows, err := r.q.Query(r.ctx, `SELECT idx, hash FROM provenance_hashes WHERE idx = ANY($1)`, indexes)
	if err != nil {
		return nil, fmt.Errorf("postgres: read provenance hashes: %w", err)
	}
	got := make(map[int64]tlog.Hash, len(indexes))
	var x int64
	var h []byte
	_, err = pgx.ForEachRow(rows, []any{&x, &h}, func() error {
		if len(h) != tlog.HashSize {
			return fmt.Errorf("stored hash %d is %d bytes", x, len(h))
		}
		got[x] = tlog.Hash(h)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: read provenance hashes: %w", err)
	}
	for i, x := range indexes {
		var ok bool
		if out[i], ok = got[x]; !ok {
			return nil, lifeline.Errorf(lifeline.ENOTFOUND, "stored hash %d is missing from the provenance log", x)
		}
	}
	return out, nil
}

// ProvenanceSize implements lifeline.ProvenanceLog.
func (db *DB) ProvenanceSize(ctx context.Context) (int64, error) {
	var size int64
	if err := db.pool.QueryRow(ctx, `SELECT size FROM provenance_head`).Scan(&size); err != nil {
		return 0, fmt.Errorf("postgres: provenance size: %w", err)
	}
	return size, nil
}

// ProvenanceHashes implements lifeline.ProvenanceLog.
func (db *DB) ProvenanceHashes(ctx context.Context, indexes []int64) ([][32]byte, error) {
	hs, err := hashReader{ctx: ctx, q: db.pool}.ReadHashes(indexes)
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
	rows, err := db.pool.Query(ctx, `SELECT entry FROM provenance_entries WHERE idx >= $1 AND idx < $2 ORDER BY idx`, start, end)
	if err != nil {
		return nil, fmt.Errorf("postgres: read provenance entries: %w", err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowTo[[]byte])
	if err != nil {
		return nil, fmt.Errorf("postgres: read provenance entries: %w", err)
	}
	if int64(len(out)) != end-start {
		return nil, lifeline.Errorf(lifeline.ENOTFOUND, "provenance entries %d to %d are not all in the log", start, end)
	}
	return out, nil
}

// SaveProvenanceCheckpoint implements lifeline.ProvenanceLog.
func (db *DB) SaveProvenanceCheckpoint(ctx context.Context, size int64, signed []byte) error {
	if _, err := db.pool.Exec(ctx, `INSERT INTO provenance_checkpoints (size, signed) VALUES ($1, $2) ON CONFLICT (size) DO NOTHING`, size, signed); err != nil {
		return fmt.Errorf("postgres: save provenance checkpoint: %w", err)
	}
	return nil
}

// LatestProvenanceCheckpoint implements lifeline.ProvenanceLog.
func (db *DB) LatestProvenanceCheckpoint(ctx context.Context) (int64, []byte, error) {
	var size int64
	var signed []byte
	err := db.pool.QueryRow(ctx, `SELECT size, signed FROM provenance_checkpoints ORDER BY size DESC LIMIT 1`).Scan(&size, &signed)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, nil, lifeline.Errorf(lifeline.ENOTFOUND, "the provenance log has no checkpoint yet")
	}
	if err != nil {
		return 0, nil, fmt.Errorf("postgres: latest provenance checkpoint: %w", err)
	}
	return size, signed, nil
}

// AddProvenanceCosignature implements lifeline.ProvenanceLog.
func (db *DB) AddProvenanceCosignature(ctx context.Context, size int64, line string) error {
	if _, err := db.pool.Exec(ctx, `INSERT INTO provenance_cosignatures (size, line) VALUES ($1, $2) ON CONFLICT (size, line) DO NOTHING`, size, line); err != nil {
		return fmt.Errorf("postgres: add provenance cosignature: %w", err)
	}
	return nil
}

// ProvenanceCosignatures implements lifeline.ProvenanceLog.
func (db *DB) ProvenanceCosignatures(ctx context.Context, size int64) ([]string, error) {
	rows, err := db.pool.Query(ctx, `SELECT line FROM provenance_cosignatures WHERE size = $1 ORDER BY seq`, size)
	if err != nil {
		return nil, fmt.Errorf("postgres: read provenance cosignatures: %w", err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("postgres: read provenance cosignatures: %w", err)
	}
	return out, nil
}
