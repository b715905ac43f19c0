// Package publish is the impure shell around the provenance core: it signs
// checkpoints of the stored log in the background, serves the log's
// checkpoint and tiles from a store, and loads the log's signing key. The
// maths stays in package provenance; this package adds the store, the clock
// and the files.
package publish

import (
	"context"
	"log/slog"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/lifeline-gov/lifeline"
	"github.com/lifeline-gov/lifeline/provenance"
)

// HashReader returns a tlog.HashReader over the store's stored hashes. The
// tlog interface has no context, so the reader carries ctx.
func HashReader(ctx context.Context, s lifeline.ProvenanceLog) tlog.HashReader {
	return tlog.HashReaderFunc(func(indexes []int64) ([]tlog.Hash, error) {
		hs, err := s.ProvenanceHashes(ctx, indexes)
		if err != nil {
			return nil, err
		}
		out := make([]tlog.Hash, len(hs))
		for i, h := range hs {
			out[i] = h
		}
		return out, nil
	})
}

// LeaseName is the lease that lets one instance at a time sign.
const LeaseName = "provenance.signer"

// Signer publishes a signed checkpoint of the stored log every Interval
// while there are new entries, and one of the empty log on first start.
// Across PostgreSQL instances only the holder of LeaseName signs. Signing is
// also safe without the lease: a checkpoint is a function of the log's size,
// so two signers store the same tree for the same size, and the larger size
// is the one served.
type Signer struct {
	Store    lifeline.ProvenanceLog
	Leases   lifeline.SubscriptionStore
	Holder   string      // this instance, e.g. host/pid
	Key      note.Signer // named after the log's origin
	Interval time.Duration
	Logger   *slog.Logger
}

// Run signs until ctx ends, then gives up the lease.
func (s *Signer) Run(ctx context.Context) {
	interval := s.Interval
	if interval <= 0 {
		interval = time.Second
	}
	logger := s.Logger
	if logger == nil {
		logger = slog.Default()
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if _, err := s.Step(ctx, 5*interval); err != nil && ctx.Err() == nil {
			logger.ErrorContext(ctx, "provenance: publishing a checkpoint", "err", err)
		}
		select {
		case <-ctx.Done():
			rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
			if err := s.Leases.ReleaseLease(rctx, LeaseName, s.Holder); err != nil {
				logger.Warn("provenance: releasing the signer lease", "err", err)
			}
			cancel()
			return
		case <-t.C:
		}
	}
}

// Step publishes a checkpoint if this instance holds (or can take) the
// lease and the log has grown since the latest one. It reports the size of
// the checkpoint published, or -1 if none was.
func (s *Signer) Step(ctx context.Context, ttl time.Duration) (int64, error) {
	ok, err := s.Leases.AcquireLease(ctx, LeaseName, s.Holder, ttl)
	if err != nil || !ok {
		return -1, err
	}
	size, err := s.Store.ProvenanceSize(ctx)
	if err != nil {
		return -1, err
	}
	last, _, err := s.Store.LatestProvenanceCheckpoint(ctx)
	switch {
	case lifeline.ErrorCode(err) == lifeline.ENOTFOUND:
		last = -1
	case err != nil:
		return -1, err
	}
	if size <= last {
		return -1, nil
	}
	root, err := tlog.TreeHash(size, HashReader(ctx, s.Store))
	if err != nil {
		return -1, err
	}
	signed, err := provenance.SignCheckpoint(provenance.Checkpoint{Origin: s.Key.Name(), Size: size, Hash: root}, s.Key)
	if err != nil {
		return -1, err
	}
	return size, s.Store.SaveProvenanceCheckpoint(ctx, size, signed)
}

// Log serves the stored log in the C2SP formats.
type Log struct {
	Store     lifeline.ProvenanceLog
	Verifier  note.Verifier   // the log's own key
	Witnesses []note.Verifier // partners whose cosignatures are served
	Logger    *slog.Logger
}

// Checkpoint returns the latest signed checkpoint with the witnesses'
// cosignatures merged in (C2SP tlog-cosignature), and its tree size.
func (l *Log) Checkpoint(ctx context.Context) (int64, []byte, error) {
	size, signed, err := l.Store.LatestProvenanceCheckpoint(ctx)
	if err != nil {
		return 0, nil, err
	}
	if len(l.Witnesses) == 0 {
		return size, signed, nil
	}
	lines, err := l.Store.ProvenanceCosignatures(ctx, size)
	if err != nil || len(lines) == 0 {
		return size, signed, err
	}
	merged, err := provenance.MergeCosignatures(signed, l.Verifier, l.Witnesses, lines)
	if err != nil {
		// Lines are checked before they are stored; a witness since removed
		// must not take the checkpoint down with it.
		l.logger().WarnContext(ctx, "provenance: serving the checkpoint without cosignatures", "err", err)
		return size, signed, nil
	}
	return size, merged, nil
}

// AddCosignature stores a witness's cosignature line on the latest
// checkpoint, after checking it is by a known witness and verifies.
func (l *Log) AddCosignature(ctx context.Context, line string) error {
	size, signed, err := l.Store.LatestProvenanceCheckpoint(ctx)
	if err != nil {
		return err
	}
	for _, w := range l.Witnesses {
		if _, err := provenance.VerifyCosignature(signed, line, w); err == nil {
			return l.Store.AddProvenanceCosignature(ctx, size, line)
		}
	}
	return lifeline.Errorf(lifeline.EINVALID, "the cosignature is not by a known witness or does not verify against the latest checkpoint")
}

// Tile returns the resource at path (a C2SP tlog-tiles path such as
// "tile/0/001" or "tile/entries/000.p/5"), cut from the stored log. Only
// resources inside the latest checkpoint's tree exist; anything else is
// ENOTFOUND. Full resources never change.
func (l *Log) Tile(ctx context.Context, path string) (provenance.Resource, error) {
	t, err := provenance.ParseTilePath(path)
	if err != nil {
		return provenance.Resource{}, lifeline.Errorf(lifeline.ENOTFOUND, "no such tile: %s", path)
	}
	size, _, err := l.Store.LatestProvenanceCheckpoint(ctx)
	if lifeline.ErrorCode(err) == lifeline.ENOTFOUND {
		size = 0
	} else if err != nil {
		return provenance.Resource{}, err
	}
	if !inTree(t, size) {
		return provenance.Resource{}, lifeline.Errorf(lifeline.ENOTFOUND, "tile %s is beyond the tree of size %d", path, size)
	}
	r := provenance.Resource{Tile: t, Path: path}
	if t.L < 0 {
		start := t.N * (1 << provenance.TileHeight)
		entries, err := l.Store.ProvenanceEntries(ctx, start, start+int64(t.W))
		if err != nil {
			return r, err
		}
		r.Data, err = provenance.MarshalEntryBundle(entries)
		return r, err
	}
	r.Data, err = tlog.ReadTileData(t, HashReader(ctx, l.Store))
	return r, err
}

// inTree reports whether every hash (or entry) of t lies in the tree of
// size: a level-L tile covers hashes at height 8L, each of 2^(8L) leaves.
func inTree(t tlog.Tile, size int64) bool {
	const w = 1 << provenance.TileHeight
	shift := uint(provenance.TileHeight * max(t.L, 0))
	if shift >= 63 {
		return false
	}
	units := size >> shift // complete hashes at the tile's height
	return t.N <= (units-int64(t.W))/w && t.N*w+int64(t.W) <= units
}

func (l *Log) logger() *slog.Logger {
	if l.Logger == nil {
		return slog.Default()
	}
	return l.Logger
}
