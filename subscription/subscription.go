// Package subscription runs durable, named consumers of the event log.
//
// A Runner delivers every event to its handler at least once, in global
// order, and records a checkpoint after each batch so that a restart resumes
// where it stopped. A lease in the store lets one instance at a time run a
// given name; when the holder dies its lease runs out and another takes over.
package subscription

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/lifeline-gov/lifeline"
)

// Handler processes one event. An error stops the batch; the event is
// delivered again after a pause, so handlers must be idempotent.
type Handler func(ctx context.Context, e lifeline.Event) error

// BatchHandler processes a batch of events at once, e.g. in parallel. An
// error means the whole batch is delivered again, so it must be idempotent.
type BatchHandler func(ctx context.Context, events []lifeline.Event) error

// Log is what a Runner reads.
type Log interface {
	ReadAll(ctx context.Context, after int64, limit int) ([]lifeline.Event, error)
	Head(ctx context.Context) (int64, error)
	WaitForAppend(ctx context.Context, after int64) error
}

// Runner is one named consumer.
type Runner struct {
	Name   string
	Holder string // identifies this instance, e.g. host and process id
	Log    Log
	Store  lifeline.SubscriptionStore
	Handle Handler
	// HandleBatch, when set, is used instead of Handle.
	HandleBatch BatchHandler
	Logger      *slog.Logger
	ReportLag   func(name string, lag int64) // optional: for the lag metric

	LeaseTTL  time.Duration // default 15s
	BatchSize int           // default 500
	RetryWait time.Duration // pause after a handler error; default 1s
}

func (r *Runner) defaults() {
	if r.LeaseTTL == 0 {
		r.LeaseTTL = 15 * time.Second
	}
	if r.BatchSize == 0 {
		r.BatchSize = 500
	}
	if r.RetryWait == 0 {
		r.RetryWait = time.Second
	}
	if r.Logger == nil {
		r.Logger = slog.Default()
	}
}

// Run processes events until ctx ends. It waits while another instance holds
// the lease and gives the lease up when it returns.
func (r *Runner) Run(ctx context.Context) error {
	r.defaults()
	log := r.Logger.With("subscription", r.Name, "holder", r.Holder)
	for {
		held, err := r.Store.AcquireLease(ctx, r.Name, r.Holder, r.LeaseTTL)
		if ctx.Err() != nil {
			return nil
		}
		if err != nil {
			log.Error("acquire lease", "err", err)
		}
		if held {
			log.Info("lease acquired")
			err := r.consume(ctx)
			if ctx.Err() != nil {
				// A clean stop: let another instance take over at once.
				rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
				r.Store.ReleaseLease(rctx, r.Name, r.Holder)
				cancel()
				return nil
			}
			log.Warn("stopped consuming", "err", err)
		}
		if !sleep(ctx, r.LeaseTTL/3) {
			return nil
		}
	}
}

// consume runs while the lease is held; it returns when it is lost or on error.
func (r *Runner) consume(ctx context.Context) error {
	pos, err := r.Store.Checkpoint(ctx, r.Name)
	if err != nil {
		return err
	}
	renewed := time.Now()
	// renew keeps the lease, also between the events of a batch: handlers
	// that together take longer than the lease must not let another
	// instance take over and process the same events at the same time.
	renew := func() error {
		if time.Since(renewed) <= r.LeaseTTL/3 {
			return nil
		}
		held, err := r.Store.AcquireLease(ctx, r.Name, r.Holder, r.LeaseTTL)
		if err != nil {
			return err
		}
		if !held {
			return fmt.Errorf("lease lost")
		}
		renewed = time.Now()
		return nil
	}
	for {
		if err := renew(); err != nil {
			return err
		}
		events, err := r.Log.ReadAll(ctx, pos, r.BatchSize)
		if err != nil {
			return err
		}
		if len(events) == 0 {
			r.reportLag(ctx, pos)
			wctx, cancel := context.WithTimeout(ctx, r.LeaseTTL/3)
			err := r.Log.WaitForAppend(wctx, pos)
			cancel()
			if ctx.Err() != nil {
				return ctx.Err()
			}
			if err != nil && err != context.DeadlineExceeded {
				return err
			}
			continue
		}
		done := pos
		var herr error
		if r.HandleBatch != nil {
			if herr = renew(); herr == nil {
				if herr = r.HandleBatch(ctx, events); herr == nil {
					done = events[len(events)-1].Position
				}
			}
			events = nil
		}
		for _, e := range events {
			if herr = renew(); herr != nil {
				break
			}
			if herr = r.Handle(ctx, e); herr != nil {
				break
			}
			done = e.Position
		}
		if done > pos {
			// Saved even when ctx has just ended: a clean stop keeps its
			// progress, so the next instance does not redo this batch.
			sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
			err := r.Store.SaveCheckpoint(sctx, r.Name, r.Holder, done)
			cancel()
			if err != nil {
				return err
			}
			pos = done
			r.reportLag(ctx, pos)
		}
		if herr != nil && ctx.Err() != nil {
			return ctx.Err() // stopping: the batch is redone by whoever runs next
		}
		if herr != nil {
			r.Logger.Error("handler failed; will retry", "subscription", r.Name, "position", done+1, "err", herr)
			if !sleep(ctx, r.RetryWait) {
				return ctx.Err()
			}
		}
	}
}

func (r *Runner) reportLag(ctx context.Context, pos int64) {
	if r.ReportLag == nil {
		return
	}
	if head, err := r.Log.Head(ctx); err == nil {
		r.ReportLag(r.Name, head-pos)
	}
}

func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
