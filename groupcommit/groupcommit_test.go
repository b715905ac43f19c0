package groupcommit_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/lifeline-gov/lifeline/groupcommit"
)

func TestBatchesAndAnswersEveryCaller(t *testing.T) {
	var mu sync.Mutex
	var sizes []int
	started, release := make(chan struct{}), make(chan struct{})
	var once sync.Once
	q := groupcommit.New(16, func(batch []*groupcommit.Op[int, int]) {
		once.Do(func() { close(started); <-release }) // hold the first commit so that the others pile up
		mu.Lock()
		sizes = append(sizes, len(batch))
		mu.Unlock()
		for _, op := range batch {
			op.Res = op.Req * 2
			if op.Req == 13 {
				op.Err = errors.New("thirteen")
			}
		}
	}, nil)
	var wg sync.WaitGroup
	results := make([]int, 40)
	errs := make([]error, 40)
	wg.Go(func() { results[0], errs[0] = q.Do(context.Background(), 0) })
	<-started
	for i := 1; i < 40; i++ {
		wg.Go(func() { results[i], errs[i] = q.Do(context.Background(), i) })
	}
	time.Sleep(50 * time.Millisecond) // let them queue behind the held commit
	close(release)
	wg.Wait()
	q.Close()
	for i := range 40 {
		if i == 13 {
			if errs[i] == nil {
				t.Error("op 13's own error was not returned")
			}
			continue
		}
		if errs[i] != nil || results[i] != 2*i {
			t.Errorf("op %d = %d, %v", i, results[i], errs[i])
		}
	}
	total, biggest := 0, 0
	for _, n := range sizes {
		total += n
		biggest = max(biggest, n)
		if n > 16 {
			t.Errorf("batch of %d exceeds the limit of 16", n)
		}
	}
	if total != 40 || biggest < 2 {
		t.Errorf("batches %v: want 40 ops in all, some batched together", sizes)
	}
	if _, err := q.Do(context.Background(), 1); !errors.Is(err, groupcommit.ErrClosed) {
		t.Errorf("Do after Close = %v, want ErrClosed", err)
	}
}

func TestCloseCommitsWhatIsQueued(t *testing.T) {
	var mu sync.Mutex
	committed := 0
	q := groupcommit.New(4, func(batch []*groupcommit.Op[int, int]) {
		mu.Lock()
		committed += len(batch)
		mu.Unlock()
	}, nil)
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Go(func() { q.Do(context.Background(), i) })
	}
	wg.Wait()
	q.Close()
	if committed != 20 {
		t.Errorf("%d committed, want 20", committed)
	}
}

// TestSyncStage checks that with a sync stage no caller is answered before a
// sync that began after its commit, and that a failed sync fails its callers.
func TestSyncStage(t *testing.T) {
	var mu sync.Mutex
	committed, synced := 0, 0 // ops committed, and ops covered by a finished sync
	fail := false
	q := groupcommit.New(8, func(batch []*groupcommit.Op[int, int]) {
		mu.Lock()
		committed += len(batch)
		for _, op := range batch {
			op.Res = committed
		}
		mu.Unlock()
	}, func() error {
		mu.Lock()
		covered, f := committed, fail
		mu.Unlock()
		time.Sleep(time.Millisecond) // an fsync
		mu.Lock()
		synced = max(synced, covered)
		mu.Unlock()
		if f {
			return errors.New("fsync failed")
		}
		return nil
	})
	var wg sync.WaitGroup
	for range 64 {
		wg.Go(func() {
			n, err := q.Do(context.Background(), 0)
			mu.Lock()
			defer mu.Unlock()
			if err != nil || n > synced {
				t.Errorf("answered op %d (err %v) before a sync covered it (synced %d)", n, err, synced)
			}
		})
	}
	wg.Wait()
	mu.Lock()
	fail = true
	mu.Unlock()
	if _, err := q.Do(context.Background(), 0); err == nil {
		t.Error("a failed sync did not fail its caller")
	}
	q.Close()
}
