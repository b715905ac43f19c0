// Package groupcommit batches concurrent writes into one transaction.
//
// Callers hand a request to a Queue and wait. One goroutine takes every
// request waiting at that moment (up to a limit), commits them together with a
// single flush to disk, and only then answers each caller. While one batch
// commits, the next one gathers, so batches grow with load and a lone caller
// is never made to wait for company.
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

// Queue is a group-commit queue.
type Queue[Req, Res any] struct {
	ops      chan *Op[Req, Res]
	commit   CommitFunc[Req, Res]
	maxBatch int

	mu     sync.RWMutex
	closed bool
	wg     sync.WaitGroup
}

// New starts a queue that commits batches of at most maxBatch requests.
func New[Req, Res any](maxBatch int, commit CommitFunc[Req, Res]) *Queue[Req, Res] {
	q := &Queue[Req, Res]{ops: make(chan *Op[Req, Res], maxBatch), commit: commit, maxBatch: maxBatch}
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
	batch := make([]*Op[Req, Res], 0, q.maxBatch)
	for op := range q.ops {
		batch = append(batch[:0], op)
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
		for _, op := range batch {
			close(op.done)
		}
		clear(batch)
	}
}
