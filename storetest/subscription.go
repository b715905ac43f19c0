package storetest

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/lifeline-gov/lifeline"
	"github.com/lifeline-gov/lifeline/subscription"
)

func contextWithTimeout(t *testing.T, d time.Duration) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx(t), d)
}

func testLeases(t *testing.T, b Backend) {
	clk := newClock()
	s := b.New(t, Config{Now: clk.Now}).Store()
	c := ctx(t)
	steps := []struct {
		name   string
		do     func() (bool, error)
		want   bool
		wantEC string
	}{
		{"first holder takes it", func() (bool, error) { return s.AcquireLease(c, "sub", "a", time.Minute) }, true, ""},
		{"second holder is refused", func() (bool, error) { return s.AcquireLease(c, "sub", "b", time.Minute) }, false, ""},
		{"holder renews", func() (bool, error) { return s.AcquireLease(c, "sub", "a", time.Minute) }, true, ""},
		{"holder saves", func() (bool, error) { return true, s.SaveCheckpoint(c, "sub", "a", 5) }, true, ""},
		{"other cannot save", func() (bool, error) { return false, s.SaveCheckpoint(c, "sub", "b", 9) }, false, lifeline.ECONFLICT},
		{"expired lease is taken over", func() (bool, error) {
			clk.Advance(61 * time.Second)
			return s.AcquireLease(c, "sub", "b", time.Minute)
		}, true, ""},
		{"old holder is fenced off", func() (bool, error) { return false, s.SaveCheckpoint(c, "sub", "a", 7) }, false, lifeline.ECONFLICT},
		{"released lease is free at once", func() (bool, error) {
			if err := s.ReleaseLease(c, "sub", "b"); err != nil {
				return false, err
			}
			return s.AcquireLease(c, "sub", "a", time.Minute)
		}, true, ""},
		{"names are independent", func() (bool, error) { return s.AcquireLease(c, "other", "b", time.Minute) }, true, ""},
	}
	for _, st := range steps {
		got, err := st.do()
		if st.wantEC != "" {
			if lifeline.ErrorCode(err) != st.wantEC {
				t.Errorf("%s: error %v, want code %s", st.name, err, st.wantEC)
			}
			continue
		}
		if err != nil || got != st.want {
			t.Errorf("%s: got %v, %v; want %v", st.name, got, err, st.want)
		}
	}
	if cp, err := s.Checkpoint(c, "sub"); err != nil || cp != 5 {
		t.Errorf("checkpoint = %d, %v; want 5 (the fenced saves must not land)", cp, err)
	}
	if cp, err := s.Checkpoint(c, "never"); err != nil || cp != 0 {
		t.Errorf("checkpoint of a new subscription = %d, %v; want 0", cp, err)
	}
}

// collector is a handler that records what it saw.
type collector struct {
	mu   sync.Mutex
	seen []int64
	fail map[int64]int // positions that fail this many times first
	got  chan struct{}
}

func newCollector() *collector {
	return &collector{fail: map[int64]int{}, got: make(chan struct{}, 1<<16)}
}

func (c *collector) handle(ctx context.Context, e lifeline.Event) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.fail[e.Position] > 0 {
		c.fail[e.Position]--
		return fmt.Errorf("transient failure at %d", e.Position)
	}
	c.seen = append(c.seen, e.Position)
	c.got <- struct{}{}
	return nil
}

func (c *collector) positions() []int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]int64(nil), c.seen...)
}

func (c *collector) waitFor(t *testing.T, n int) {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for len(c.positions()) < n {
		select {
		case <-c.got:
		case <-deadline:
			t.Fatalf("handler saw %d events, want %d", len(c.positions()), n)
		}
	}
}

func runner(name, holder string, s Store, c *collector) *subscription.Runner {
	return &subscription.Runner{Name: name, Holder: holder, Log: s, Store: s, Handle: c.handle, Logger: slog.New(slog.DiscardHandler),
		LeaseTTL: 2 * time.Second, BatchSize: 7, RetryWait: 10 * time.Millisecond}
}

func start(t *testing.T, r *subscription.Runner) (stop func()) {
	c, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { r.Run(c); close(done) }()
	stopped := false
	stop = func() {
		if !stopped {
			stopped = true
			cancel()
			<-done
		}
	}
	t.Cleanup(stop)
	return stop
}

func appendN(t *testing.T, s Store, n int) {
	for i := range n {
		mustAppend(t, s, lifeline.AppendRequest{Stream: fmt.Sprintf("s-%d", i%5), Expected: lifeline.ExpectAny,
			Events: []lifeline.NewEvent{event("a", `{}`)}})
	}
}

func wantInOrder(t *testing.T, got []int64, from, to int64) {
	t.Helper()
	if int64(len(got)) != to-from+1 {
		t.Fatalf("delivered %d events (%v), want positions %d..%d", len(got), got, from, to)
	}
	for i, p := range got {
		if p != from+int64(i) {
			t.Fatalf("delivered %v, want %d..%d in order", got, from, to)
		}
	}
}

func testSubscription(t *testing.T, b Backend) {
	s := b.New(t, Config{}).Store()
	appendN(t, s, 20)
	c := newCollector()
	c.fail[13] = 2 // a handler error is retried, not skipped
	start(t, runner("sub", "a", s, c))
	c.waitFor(t, 20)
	// Live tail: events appended while the runner waits arrive promptly.
	began := time.Now()
	appendN(t, s, 5)
	c.waitFor(t, 25)
	if d := time.Since(began); d > 2*time.Second {
		t.Errorf("live tail took %v to deliver", d)
	}
	wantInOrder(t, c.positions(), 1, 25)
}

func testSubscriptionResume(t *testing.T, b Backend) {
	db := b.New(t, Config{})
	s := db.Store()
	appendN(t, s, 30)
	c := newCollector()
	stop := start(t, runner("sub", "a", s, c))
	c.waitFor(t, 30)
	stop()
	s.Close()

	s = db.Open(t, Config{})
	appendN(t, s, 10)
	c2 := newCollector()
	start(t, runner("sub", "a", s, c2))
	c2.waitFor(t, 10)
	time.Sleep(100 * time.Millisecond) // a resume that restarted from 0 would show here
	wantInOrder(t, c2.positions(), 31, 40)
}

func testSubscriptionFailover(t *testing.T, b Backend) {
	db := b.New(t, Config{})
	s := db.Store()
	other := s
	if db.MultiInstance() {
		other = db.Open(t, Config{})
	}
	appendN(t, s, 10)
	ca, cb := newCollector(), newCollector()
	stopA := start(t, runner("sub", "a", s, ca))
	ca.waitFor(t, 10)
	start(t, runner("sub", "b", other, cb))
	appendN(t, s, 5)
	ca.waitFor(t, 15)
	time.Sleep(300 * time.Millisecond)
	if n := len(cb.positions()); n != 0 {
		t.Fatalf("second instance processed %d events while the first held the lease", n)
	}
	// The first instance stops; the second takes over from its checkpoint.
	stopA()
	appendN(t, s, 5)
	cb.waitFor(t, 5)
	wantInOrder(t, cb.positions(), 16, 20)
}
