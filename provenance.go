package lifeline

import "context"

// ProvenanceLog is the stored half of the provenance log (see package
// provenance): entries and the RFC 6962 stored hashes that tiles are cut
// from, the signed checkpoints, and witnesses' cosignature lines. Both
// stores implement it; hashes are SHA-256, entries the canonical bytes the
// provenance core encodes.
type ProvenanceLog interface {
	// AppendProvenance appends entries in order, in one durable transaction,
	// and returns the index of the first. Indexes are 0-based and gap-free
	// across every instance.
	AppendProvenance(ctx context.Context, entries [][]byte) (first int64, err error)
	// ProvenanceSize returns the number of entries appended. On SQLite the
	// last batch may not be synced yet; a checkpoint saved over it is.
	ProvenanceSize(ctx context.Context) (int64, error)
	// ProvenanceHashes returns the stored hashes at the given stored hash
	// indexes (tlog.StoredHashIndex), in order; ENOTFOUND if one is missing.
	ProvenanceHashes(ctx context.Context, indexes []int64) ([][32]byte, error)
	// ProvenanceEntries returns the entries with start ≤ index < end;
	// ENOTFOUND unless all exist.
	ProvenanceEntries(ctx context.Context, start, end int64) ([][]byte, error)
	// SaveProvenanceCheckpoint stores a signed checkpoint of the tree of
	// size entries, durably with the entries under it. Saving a size
	// already stored keeps the first.
	SaveProvenanceCheckpoint(ctx context.Context, size int64, signed []byte) error
	// LatestProvenanceCheckpoint returns the signed checkpoint of the largest
	// size stored; ENOTFOUND if none was ever saved.
	LatestProvenanceCheckpoint(ctx context.Context) (size int64, signed []byte, err error)
	// AddProvenanceCosignature stores a witness's cosignature line for the
	// checkpoint of size; the same line twice is stored once.
	AddProvenanceCosignature(ctx context.Context, size int64, line string) error
	// ProvenanceCosignatures returns the lines stored for size, oldest first.
	ProvenanceCosignatures(ctx context.Context, size int64) ([]string, error)
}
