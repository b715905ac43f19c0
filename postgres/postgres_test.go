package postgres_test

import (
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"log/slog"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/lifeline-gov/lifeline"
	"github.com/lifeline-gov/lifeline/postgres"
	"github.com/lifeline-gov/lifeline/postgres/pgtest"
	"github.com/lifeline-gov/lifeline/storetest"
	"github.com/lifeline-gov/lifeline/subscription"
)

var (
	masterKey = bytes.Repeat([]byte{0x5a}, 32)
	quiet     = slog.New(slog.DiscardHandler)
)

// adminURL returns the URL of the throwaway cluster's postgres database.
func adminURL(t testing.TB) string { return pgtest.AdminURL(t) }

func testContext(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func adminExec(t testing.TB, sql string) { t.Helper(); pgtest.Exec(t, sql) }

func createDatabase(t testing.TB) (string, string) { return pgtest.NewDatabase(t) }

// openDB opens an instance on the database at url, closed when the test ends.
func openDB(t testing.TB, url string, opts postgres.Options) *postgres.DB {
	t.Helper()
	opts.MasterKey = masterKey
	if opts.Logger == nil {
		opts.Logger = quiet
	}
	db, err := postgres.Open(testContext(t), url, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

type backend struct{}

func (backend) New(t *testing.T, c storetest.Config) storetest.Database {
	u, _ := createDatabase(t)
	d := &database{url: u}
	d.store = d.Open(t, c)
	return d
}

func (d *database) OpenWithKey(t *testing.T, key []byte) error {
	db, err := postgres.Open(testContext(t), d.url, postgres.Options{MasterKey: key, Logger: quiet})
	if err == nil {
		db.Close()
	}
	return err
}

type database struct {
	url   string
	store storetest.Store
}

func (d *database) Open(t *testing.T, c storetest.Config) storetest.Store {
	return openDB(t, d.url, postgres.Options{Now: c.Now})
}

func (d *database) Store() storetest.Store { return d.store }
func (d *database) MultiInstance() bool    { return true }

// Files lists every file of the cluster, after a checkpoint has written
// every dirty page out.
func (d *database) Files(t *testing.T) []string {
	ctx := testContext(t)
	conn, err := pgx.Connect(ctx, adminURL(t))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var dir string
	if _, err := conn.Exec(ctx, "CHECKPOINT"); err != nil {
		t.Fatal(err)
	}
	if err := conn.QueryRow(ctx, "SHOW data_directory").Scan(&dir); err != nil {
		t.Fatal(err)
	}
	var files []string
	err = filepath.WalkDir(dir, func(path string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if e.Type().IsRegular() {
			files = append(files, path)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("list the cluster's files (the test must run as root or as the server's user): %v", err)
	}
	return files
}

func TestConformance(t *testing.T) {
	adminURL(t)
	storetest.Run(t, backend{})
}

func note(subject, data string) lifeline.NewEvent {
	return lifeline.NewEvent{Type: "note-added", Subject: subject, Data: []byte(data)}
}

// TestNoGapsAcrossInstances is the sequence gap test: several instances,
// each with its own pool as separate servers would have, append from many
// goroutines while a reader tails the log from its last position. The
// reader must receive every event exactly once with consecutive positions:
// an event committed after a later position became visible would be skipped.
func TestNoGapsAcrossInstances(t *testing.T) {
	u, _ := createDatabase(t)
	ctx := testContext(t)
	const instances, writers, appends = 3, 12, 40
	var dbs []*postgres.DB
	for range instances {
		dbs = append(dbs, openDB(t, u, postgres.Options{}))
	}
	reader := openDB(t, u, postgres.Options{})

	var wg sync.WaitGroup
	var written atomic.Int64
	for i, db := range dbs {
		for w := range writers {
			wg.Go(func() {
				for n := range appends {
					size := 1 + n%3 // multi-event appends too
					events := make([]lifeline.NewEvent, size)
					for k := range events {
						events[k] = note("", fmt.Sprintf(`{"i":%d,"w":%d,"n":%d}`, i, w, n))
					}
					_, err := db.Append(ctx, lifeline.AppendRequest{Stream: fmt.Sprintf("s-%d-%d", i, w%3),
						Expected: lifeline.ExpectAny, Events: events})
					if err != nil {
						t.Errorf("instance %d writer %d: %v", i, w, err)
						return
					}
					written.Add(int64(size))
				}
			})
		}
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()

	var pos int64
	ids := map[string]bool{}
	finished := false
	for {
		es, err := reader.ReadAll(ctx, pos, 50)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range es {
			if e.Position != pos+1 {
				t.Fatalf("after position %d the reader got %d: an event was skipped", pos, e.Position)
			}
			if ids[e.ID] {
				t.Fatalf("event %s delivered twice", e.ID)
			}
			ids[e.ID] = true
			pos = e.Position
		}
		if len(es) > 0 {
			continue
		}
		if finished {
			break
		}
		select {
		case <-done:
			finished = true // one more read picks up the last commits
		default:
			wctx, cancel := context.WithTimeout(ctx, time.Second)
			err := reader.WaitForAppend(wctx, pos)
			cancel()
			if err != nil && ctx.Err() != nil {
				t.Fatal(err)
			}
		}
	}
	if want := written.Load(); pos != want || int64(len(ids)) != want {
		t.Fatalf("reader saw %d events up to position %d; %d were written", len(ids), pos, want)
	}
	if h, err := reader.Head(ctx); err != nil || h != pos {
		t.Errorf("Head = %d, %v; want %d", h, err, pos)
	}
}

// TestIdempotencyAcrossInstances: retries of one request through different
// instances write it once.
func TestIdempotencyAcrossInstances(t *testing.T) {
	u, _ := createDatabase(t)
	ctx := testContext(t)
	a, b := openDB(t, u, postgres.Options{}), openDB(t, u, postgres.Options{})
	req := lifeline.AppendRequest{Stream: "claim-1", Expected: lifeline.ExpectNoStream, IdempotencyKey: "k-1",
		Events: []lifeline.NewEvent{note("person-1", `{"amount":100}`)}}
	var wg sync.WaitGroup
	var fresh atomic.Int64
	for i := range 20 {
		db := a
		if i%2 == 1 {
			db = b
		}
		wg.Go(func() {
			res, err := db.Append(ctx, req)
			if err != nil {
				t.Errorf("retry %d: %v", i, err)
				return
			}
			if !res.Replayed {
				fresh.Add(1)
			}
			if res.FirstPosition != 1 || res.LastVersion != 1 {
				t.Errorf("retry %d: %+v", i, res)
			}
		})
	}
	wg.Wait()
	if fresh.Load() != 1 {
		t.Errorf("%d retries wrote; want exactly 1", fresh.Load())
	}
	other := req
	other.Events = []lifeline.NewEvent{note("person-1", `{"amount":999}`)}
	_, err := b.Append(ctx, other)
	if lifeline.ErrorCode(err) != lifeline.EIDEMPOTENCY {
		t.Errorf("reused key on another instance: %v, want %s", err, lifeline.EIDEMPOTENCY)
	}
}

// TestErasureAcrossInstances: once one instance erases a subject, the
// others read the subject's events as erased even though they hold the key
// unwrapped in their caches, and do not seal new events with the old key.
func TestErasureAcrossInstances(t *testing.T) {
	u, _ := createDatabase(t)
	ctx := testContext(t)
	a, b := openDB(t, u, postgres.Options{}), openDB(t, u, postgres.Options{})
	appendNote := func(db *postgres.DB, data string) {
		t.Helper()
		if _, err := db.Append(ctx, lifeline.AppendRequest{Stream: "person-7", Expected: lifeline.ExpectAny,
			Events: []lifeline.NewEvent{note("person-7", data)}}); err != nil {
			t.Fatal(err)
		}
	}
	read := func(db *postgres.DB) []lifeline.Event {
		t.Helper()
		es, err := db.ReadStream(ctx, "person-7", lifeline.StreamQuery{})
		if err != nil {
			t.Fatal(err)
		}
		return es
	}
	appendNote(b, `{"n":1}`) // b caches the key from its append
	appendNote(a, `{"n":2}`)
	if es := read(b); len(es) != 2 || es[0].Erased || es[1].Erased { // and from its reads
		t.Fatalf("before erasure: %+v", es)
	}
	if err := a.EraseSubject(ctx, "person-7"); err != nil {
		t.Fatal(err)
	}
	for name, db := range map[string]*postgres.DB{"erasing instance": a, "other instance": b} {
		for _, e := range read(db) {
			if !e.Erased || string(e.Data) != "null" {
				t.Errorf("%s: event %d after erasure: erased %v, data %s", name, e.Version, e.Erased, e.Data)
			}
		}
	}
	appendNote(b, `{"n":3}`) // must get a new key, not the one b still has cached
	for name, db := range map[string]*postgres.DB{"erasing instance": a, "other instance": b} {
		es := read(db)
		if len(es) != 3 || !es[0].Erased || !es[1].Erased || es[2].Erased || string(es[2].Data) != `{"n":3}` {
			t.Errorf("%s: after a new append: %+v", name, es)
		}
	}
}

// TestWaitForAppendAcrossInstances: a waiter on one instance wakes promptly
// when another appends, also after its listener connection was killed.
func TestWaitForAppendAcrossInstances(t *testing.T) {
	u, name := createDatabase(t)
	ctx := testContext(t)
	a, b := openDB(t, u, postgres.Options{}), openDB(t, u, postgres.Options{})
	wakes := func(after int64) {
		t.Helper()
		done := make(chan error, 1)
		go func() { done <- b.WaitForAppend(ctx, after) }()
		time.Sleep(200 * time.Millisecond)
		began := time.Now()
		if _, err := a.Append(ctx, lifeline.AppendRequest{Stream: "s", Expected: lifeline.ExpectAny,
			Events: []lifeline.NewEvent{note("", `{}`)}}); err != nil {
			t.Fatal(err)
		}
		select {
		case err := <-done:
			if err != nil {
				t.Fatal(err)
			}
		case <-time.After(2 * time.Second): // less than the fallback re-check
			t.Fatal("the waiter did not wake within 2s of an append on another instance")
		}
		t.Logf("woke %v after the append", time.Since(began))
	}
	wakes(0)
	adminExec(t, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'lifeline-listener' AND datname = '"+name+"'")
	wakes(1)
}

// TestSubscriptionFailoverAcrossInstances runs one named subscription on
// several instances: only one processes events at a time, and when it dies
// without releasing its lease, another takes over once the lease runs out.
func TestSubscriptionFailoverAcrossInstances(t *testing.T) {
	u, _ := createDatabase(t)
	ctx := testContext(t)
	const instances = 3
	const ttl = 3 * time.Second // generous: a holder starved of CPU for longer than the TTL rightly loses its lease
	type delivery struct {
		instance int
		position int64
		at       time.Time
	}
	var mu sync.Mutex
	var got []delivery
	deliveries := func() []delivery {
		mu.Lock()
		defer mu.Unlock()
		return append([]delivery(nil), got...)
	}
	dbs := make([]*postgres.DB, instances)
	for i := range dbs {
		dbs[i] = openDB(t, u, postgres.Options{})
		r := &subscription.Runner{Name: "projector", Holder: fmt.Sprintf("instance-%d", i), Log: dbs[i], Store: dbs[i],
			Logger: quiet, LeaseTTL: ttl, BatchSize: 10, RetryWait: 10 * time.Millisecond,
			Handle: func(ctx context.Context, e lifeline.Event) error {
				mu.Lock()
				got = append(got, delivery{i, e.Position, time.Now()})
				mu.Unlock()
				return nil
			}}
		rctx, cancel := context.WithCancel(ctx)
		stopped := make(chan struct{})
		go func() { r.Run(rctx); close(stopped) }()
		t.Cleanup(func() { cancel(); <-stopped })
	}
	writer := openDB(t, u, postgres.Options{})
	appendN := func(n int) {
		for i := range n {
			if _, err := writer.Append(ctx, lifeline.AppendRequest{Stream: fmt.Sprintf("s-%d", i%4),
				Expected: lifeline.ExpectAny, Events: []lifeline.NewEvent{note("", `{}`)}}); err != nil {
				t.Fatal(err)
			}
		}
	}
	waitFor := func(pos int64) []delivery {
		t.Helper()
		deadline := time.Now().Add(15 * time.Second)
		for time.Now().Before(deadline) {
			ds := deliveries()
			if len(ds) > 0 && ds[len(ds)-1].position >= pos {
				return ds
			}
			time.Sleep(10 * time.Millisecond)
		}
		t.Fatalf("deliveries stopped at %v, want up to position %d", deliveries(), pos)
		return nil
	}

	appendN(30)
	ds := waitFor(30)
	active := ds[0].instance
	for i, d := range ds {
		if d.instance != active {
			t.Fatalf("instances %d and %d both processed events while one held the lease", active, d.instance)
		}
		if d.position != int64(i+1) {
			t.Fatalf("delivered %v, want positions 1..30 in order", ds)
		}
	}
	time.Sleep(300 * time.Millisecond)
	if n := len(deliveries()); n != 30 {
		t.Fatalf("%d deliveries of 30 events by a single active instance", n)
	}

	// The active instance dies: its store goes away without its lease being
	// released. Another instance must take over, but not before the lease
	// has run out.
	died := time.Now()
	dbs[active].Close()
	appendN(20)
	ds = waitFor(50)[30:]
	next := ds[0].instance
	if next == active {
		t.Fatalf("the dead instance %d processed events", active)
	}
	if took := ds[0].at.Sub(died); took < ttl/2 || took > 5*ttl {
		t.Errorf("took over %v after the holder died; the lease TTL is %v", took, ttl)
	} else {
		t.Logf("instance %d took over from %d after %v", next, active, took)
	}
	want := ds[0].position // at-least-once: a batch may be redelivered
	if want > 31 {
		t.Fatalf("after takeover delivery resumed at %d, skipping events from 31", want)
	}
	for _, d := range ds {
		if d.instance != next {
			t.Fatalf("instances %d and %d both processed events after the takeover", next, d.instance)
		}
		if d.position != want {
			t.Fatalf("after takeover delivered %v out of order", ds)
		}
		want++
	}
}
