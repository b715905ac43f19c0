package publish

import (
	"context"
	"errors"
	"sync"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/lifeline-gov/lifeline"
	"github.com/lifeline-gov/lifeline/groupcommit"
	"github.com/lifeline-gov/lifeline/provenance"
)

// Notary commits entries to the log and hands back their receipts at once,
// so a partner's response can carry proof of its own disclosure.
//
// Waiting for the published checkpoint would add up to a second to every
// call. Instead the notary signs a checkpoint of its own over the entry,
// coalescing every caller waiting at the time into one signature. That
// checkpoint is not stored or served: the tree is append-only and each size
// has one root, so it is consistent with every published checkpoint, and a
// verifier can check that against the published tiles as soon as the
// Signer's next checkpoint (within its Interval) covers it.
type Notary struct {
	store    lifeline.ProvenanceLog
	key      note.Signer
	appender *Appender
	signs    *groupcommit.Queue[int64, []byte]

	mu     sync.Mutex
	hashes map[int64]tlog.Hash // stored hashes read before: they never change
}

// maxCachedHashes bounds the notary's hash cache (32 MiB of hashes).
const maxCachedHashes = 1 << 20

// hashReader reads stored hashes through the cache. Proofs for entries
// appended close together share most of their hashes.
func (n *Notary) hashReader(ctx context.Context) tlog.HashReader {
	store := HashReader(ctx, n.store)
	return tlog.HashReaderFunc(func(indexes []int64) ([]tlog.Hash, error) {
		out := make([]tlog.Hash, len(indexes))
		var missing []int64
		n.mu.Lock()
		for i, x := range indexes {
			h, ok := n.hashes[x]
			if !ok {
				missing = append(missing, x)
			}
			out[i] = h
		}
		n.mu.Unlock()
		if len(missing) == 0 {
			return out, nil
		}
		got, err := store.ReadHashes(missing)
		if err != nil {
			return nil, err
		}
		n.mu.Lock()
		if len(n.hashes)+len(got) > maxCachedHashes {
			clear(n.hashes)
		}
		for i, x := range missing {
			n.hashes[x] = got[i]
		}
		for i, x := range indexes {
			out[i] = n.hashes[x]
		}
		n.mu.Unlock()
		return out, nil
	})
}

// NewNotary starts a notary that appends to store and signs with key (the
// log's own key). Close it to flush.
func NewNotary(store lifeline.ProvenanceLog, key note.Signer) *Notary {
	n := &Notary{store: store, key: key, appender: NewAppender(store), hashes: map[int64]tlog.Hash{}}
	n.signs = groupcommit.New(maxAppendBatch, n.sign, nil)
	return n
}

// sign answers a batch of callers, each wanting a checkpoint of at least
// the size it asked for, with one checkpoint of the largest. Only sizes
// callers asked for are signed: each was returned by a durable append, so
// the tree under the signature survives a crash, whereas the store's size
// may count entries not yet synced.
func (n *Notary) sign(batch []*groupcommit.Op[int64, []byte]) {
	var size int64
	for _, op := range batch {
		size = max(size, op.Req)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	signed, err := func() ([]byte, error) {
		root, err := tlog.TreeHash(size, n.hashReader(ctx))
		if err != nil {
			return nil, err
		}
		return provenance.SignCheckpoint(provenance.Checkpoint{Origin: n.key.Name(), Size: size, Hash: root}, n.key)
	}()
	for _, op := range batch {
		op.Res, op.Err = signed, err
	}
}

// Commit appends e durably and returns its receipt, the entry included.
func (n *Notary) Commit(ctx context.Context, e provenance.Entry) (provenance.Receipt, error) {
	entry, err := e.MarshalEntry()
	if err != nil {
		return provenance.Receipt{}, err
	}
	index, err := n.appender.Append(ctx, entry)
	if err != nil {
		return provenance.Receipt{}, err
	}
	signed, err := n.signs.Do(ctx, index+1)
	if errors.Is(err, groupcommit.ErrClosed) {
		return provenance.Receipt{}, lifeline.Errorf(lifeline.EUNAVAILABLE, "the provenance log is shutting down; retry")
	}
	if err != nil {
		return provenance.Receipt{}, err
	}
	return provenance.NewReceipt(signed, index, entry, n.hashReader(ctx))
}

// Append appends an encoded entry without waiting for a receipt, for
// callers that ask for receipts later (see Receipt).
func (n *Notary) Append(ctx context.Context, entry []byte) (int64, error) {
	return n.appender.Append(ctx, entry)
}

// Receipt returns the receipt of the entry at index under the latest
// published checkpoint; ENOTFOUND until one covers it.
func (n *Notary) Receipt(ctx context.Context, index int64) (provenance.Receipt, error) {
	size, signed, err := n.store.LatestProvenanceCheckpoint(ctx)
	if err != nil {
		return provenance.Receipt{}, err
	}
	if index < 0 || index >= size {
		return provenance.Receipt{}, lifeline.Errorf(lifeline.ENOTFOUND, "entry %d is not in the published log yet (size %d); try again in a second", index, size)
	}
	entries, err := n.store.ProvenanceEntries(ctx, index, index+1)
	if err != nil {
		return provenance.Receipt{}, err
	}
	return provenance.NewReceipt(signed, index, entries[0], HashReader(ctx, n.store))
}

// Close commits everything queued and stops.
func (n *Notary) Close() {
	n.appender.Close()
	n.signs.Close()
}
