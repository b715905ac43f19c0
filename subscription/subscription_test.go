package subscription

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lifeline-gov/lifeline"
)

// memStore is a SubscriptionStore in memory, on the real clock.
type memStore struct {
	mu     sync.Mutex
	holder string
	until  time.Time
	pos    int64
}

func (s *memStore) AcquireLease(ctx context.Context, name, holder string, ttl time.Duration) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.holder != holder && time.Now().Before(s.until) {
		return false, nil
	}
	s.holder, s.until = holder, time.Now().Add(ttl)
	return true, nil
}

func (s *memStore) ReleaseLease(ctx context.Context, name, holder string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.holder == holder {
		s.until = time.Time{}
	}
	return nil
}

func (s *memStore) Checkpoint(ctx context.Context, name string) (int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.pos, nil
}

func (s *memStore) SaveCheckpoint(ctx context.Context, name, holder string, position int64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.holder != holder || !time.Now().Before(s.until) {
		return lifeline.Errorf(lifeline.ECONFLICT, "not held")
	}
	s.pos = position
	return nil
}

// memLog is a fixed log of n events.
type memLog struct{ n int64 }

func (l memLog) ReadAll(ctx context.Context, after int64, limit int) ([]lifeline.Event, error) {
	var es []lifeline.Event
	for p := after + 1; p <= l.n && len(es) < limit; p++ {
		es = append(es, lifeline.Event{Position: p})
	}
	return es, nil
}

func (l memLog) Head(ctx context.Context) (int64, error) { return l.n, nil }

func (l memLog) WaitForAppend(ctx context.Context, after int64) error {
	<-ctx.Done()
	return ctx.Err()
}

// TestLeaseHeldThroughLongBatch: a batch whose handlers take longer than the
// lease must keep the lease, so that no other instance processes the same
// subscription at the same time.
func TestLeaseHeldThroughLongBatch(t *testing.T) {
	store := &memStore{}
	log := memLog{n: 20}
	var active, overlaps atomic.Int32
	var handled atomic.Int64
	handle := func(ctx context.Context, e lifeline.Event) error {
		if active.Add(1) > 1 {
			overlaps.Add(1)
		}
		time.Sleep(40 * time.Millisecond)
		active.Add(-1)
		handled.Add(1)
		return nil
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var wg sync.WaitGroup
	for _, holder := range []string{"a", "b"} {
		r := &Runner{Name: "n", Holder: holder, Log: log, Store: store, Handle: handle, LeaseTTL: 150 * time.Millisecond}
		wg.Go(func() { r.Run(ctx) })
		time.Sleep(10 * time.Millisecond) // a takes the lease first
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		if pos, _ := store.Checkpoint(ctx, "n"); pos == log.n || time.Now().After(deadline) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	wg.Wait()
	if n := overlaps.Load(); n > 0 {
		t.Errorf("two instances handled events at the same time %d times", n)
	}
	if pos, _ := store.Checkpoint(context.Background(), "n"); pos != log.n {
		t.Errorf("checkpoint %d, want %d", pos, log.n)
	}
	if n := handled.Load(); n != log.n {
		t.Errorf("%d events handled, want %d: the lease was lost mid-batch and the batch redone", n, log.n)
	}
}

// A batch handler gets whole batches in order; a failed batch is delivered
// again from its start, and the checkpoint never passes a batch that failed.
func TestBatchHandler(t *testing.T) {
	store := &memStore{}
	log := memLog{n: 25}
	var seen []int64
	failures := 1
	handle := func(ctx context.Context, events []lifeline.Event) error {
		if failures > 0 && events[0].Position > 10 {
			failures--
			return lifeline.Errorf(lifeline.EUNAVAILABLE, "try again")
		}
		for _, e := range events {
			seen = append(seen, e.Position)
		}
		return nil
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	r := &Runner{Name: "n", Holder: "a", Log: log, Store: store, HandleBatch: handle, BatchSize: 10, RetryWait: time.Millisecond}
	done := make(chan struct{})
	go func() { r.Run(ctx); close(done) }()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		if pos, _ := store.Checkpoint(ctx, "n"); pos == log.n {
			break
		}
	}
	cancel()
	<-done
	if len(seen) != int(log.n) {
		t.Fatalf("handled %d events, want %d once each: %v", len(seen), log.n, seen)
	}
	for i, p := range seen {
		if p != int64(i+1) {
			t.Fatalf("event %d was position %d: out of order or repeated: %v", i, p, seen)
		}
	}
}
