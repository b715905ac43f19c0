// Package groupcommit batches concurrent writes into one transaction.
//
// Callers hand a request to a Queue and wait. One goroutine takes every
// request waiting at that moment (up to a limit), commits them together, and
// only once they are durable answers each caller. While one batch commits,
// the next one gathers, so batches grow with load and a lone caller is never
// made to wait for company.
//
// Durability can be a stage of its own: with a SyncFunc, the committer hands
// each committed batch to a second goroutine that makes it durable (an fsync)
// and then answers its callers, while the committer goes on with the next
// batch. One sync covers every batch committed before it started.
package groupcommit

import (
	"context"
	"errors"
	"sync"
)

// ErrClosed is returned for requests made after Close.
var ErrClosed = errors.New("groupcommit: queue is closed")

// Op is one caller's request and, once committed, its result.
type Op[Req, Res any] struct {
	Req  Req
	Res  Res
	Err  error
	done chan struct{}
}

// CommitFunc commits a batch and sets Res or Err on every op. It is called
// from one goroutine only, so it may keep unsynchronised state.
type CommitFunc[Req, Res any] func(batch []*Op[Req, Res])

// SyncFunc makes durable everything committed before it was called. An error
// fails every op it was to cover.
type SyncFunc func() error

// Queue is a group-commit queue.
type Queue[Req, Res any] struct {
	ops      chan *Op[Req, Res]
	commit   CommitFunc[Req, Res]
	sync     SyncFunc
	synced   chan []*Op[Req, Res] // committed batches waiting for a sync
	maxBatch int

	mu     sync.RWMutex
	closed bool
	wg     sync.WaitGroup
}

// New starts a queue that commits batches of at most maxBatch requests. If
// sync is nil, a commit is durable when commit returns.
func New[Req, Res any](maxBatch int, commit CommitFunc[Req, Res], sync SyncFunc) *Queue[Req, Res] {
	q := &Queue[Req, Res]{ops: make(chan *Op[Req, Res], maxBatch), commit: commit, sync: sync, maxBatch: maxBatch}
	if sync != nil {
		// One slot: while the syncer syncs, the committer commits one batch
		// into the slot and one more that it holds, then waits while requests
		// pile up. The next sync covers both, so each fsync serves everything
		// that arrived during the one before, and commits stay large.
		q.synced = make(chan []*Op[Req, Res], 1)
		q.wg.Add(1)
		go q.syncLoop()
	}
	q.wg.Add(1)
	go q.loop()
	return q
}

// Do queues req and waits for its batch to commit. If ctx ends first, Do
// returns ctx's error, but the request may still commit: callers that must
// know retry with an idempotency key.
func (q *Queue[Req, Res]) Do(ctx context.Context, req Req) (Res, error) {
	op := &Op[Req, Res]{Req: req, done: make(chan struct{})}
	q.mu.RLock()
	if q.closed {
		q.mu.RUnlock()
		var zero Res
		return zero, ErrClosed
	}
	select {
	case q.ops <- op:
		q.mu.RUnlock()
	case <-ctx.Done():
		q.mu.RUnlock()
		var zero Res
		return zero, ctx.Err()
	}
	select {
	case <-op.done:
		return op.Res, op.Err
	case <-ctx.Done():
		var zero Res
		return zero, ctx.Err()
	}
}

// Close stops taking requests, commits every request already queued, and
// returns when the last batch is durable.
func (q *Queue[Req, Res]) Close() {
	q.mu.Lock()
	if !q.closed {
		q.closed = true
		close(q.ops)
	}
	q.mu.Unlock()
	q.wg.Wait()
}

func (q *Queue[Req, Res]) loop() {
	defer q.wg.Done()
	if q.synced != nil {
		defer close(q.synced)
	}
	for op := range q.ops {
		batch := make([]*Op[Req, Res], 1, q.maxBatch)
		batch[0] = op
	gather:
		for len(batch) < q.maxBatch {
			select {
			case op, ok := <-q.ops:
				if !ok {
					break gather
				}
				batch = append(batch, op)
			default:
				break gather
			}
		}
		q.commit(batch)
		if q.synced != nil {
			q.synced <- batch
			continue
		}
		for _, op := range batch {
			close(op.done)
		}
	}
}

// syncLoop makes committed batches durable, as many at a time as are waiting,
// and then answers their callers.
func (q *Queue[Req, Res]) syncLoop() {
	defer q.wg.Done()
	for batch := range q.synced {
		batches := [][]*Op[Req, Res]{batch}
	gather:
		for {
			select {
			case b, ok := <-q.synced:
				if !ok {
					break gather
				}
				batches = append(batches, b)
			default:
				break gather
			}
		}
		err := q.sync()
		for _, b := range batches {
			for _, op := range b {
				if err != nil && op.Err == nil {
					op.Err = err
				}
				close(op.done)
			}
		}
	}
}
