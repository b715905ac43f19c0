package publish

import (
	"context"
	"errors"
	"time"

	"github.com/lifeline-gov/lifeline"
	"github.com/lifeline-gov/lifeline/groupcommit"
)

// maxAppendBatch bounds the entries of one append transaction.
const maxAppendBatch = 4096

// Appender batches entries from concurrent callers: every entry waiting
// when the previous batch finishes goes into the next one, so under load a
// transaction and a sync carry thousands of entries, while a lone caller
// never waits for company. Services that commit decisions and disclosures
// to the log append through one Appender per process.
type Appender struct {
	q *groupcommit.Queue[[]byte, int64]
}

// NewAppender starts an appender on s. Close it to flush.
func NewAppender(s lifeline.ProvenanceLog) *Appender {
	commit := func(batch []*groupcommit.Op[[]byte, int64]) {
		entries := make([][]byte, len(batch))
		for i, op := range batch {
			entries[i] = op.Req
		}
		// The queue has no context of its own; the bound stops a stuck
		// database holding every caller for ever.
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		first, err := s.AppendProvenance(ctx, entries)
		for i, op := range batch {
			op.Res, op.Err = first+int64(i), err
		}
	}
	return &Appender{q: groupcommit.New(maxAppendBatch, commit, nil)}
}

// Append adds one encoded entry to the log and returns its index once it
// is durable. A malformed entry fails its whole batch, so callers append
// only what provenance.Entry.MarshalEntry produced.
func (a *Appender) Append(ctx context.Context, entry []byte) (int64, error) {
	if len(entry) == 0 || len(entry) > 0xffff {
		return 0, lifeline.Errorf(lifeline.EINVALID, "provenance entry is %d bytes; entries are 1 to 65,535 bytes", len(entry))
	}
	i, err := a.q.Do(ctx, entry)
	if errors.Is(err, groupcommit.ErrClosed) {
		return 0, lifeline.Errorf(lifeline.EUNAVAILABLE, "the provenance log is shutting down; retry")
	}
	return i, err
}

// Close appends everything queued and stops.
func (a *Appender) Close() { a.q.Close() }
