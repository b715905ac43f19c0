package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime/pprof"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/lifeline-gov/lifeline"
)

const benchUsage = `Usage: lifeline bench events [flags]

Measures durable appends to the event log: concurrent producers each append
one event at a time and wait for it to be durable.
`

func runBench(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 && args[0] == "partner-queries" {
		return benchPartnerQueries(ctx, args[1:], stdout, stderr)
	}
	if len(args) > 0 && (args[0] == "life-events" || args[0] == "uprating" || args[0] == "payrun") {
		return runBenchClaims(ctx, args[0], args[1:], stdout, stderr)
	}
	if len(args) == 0 || args[0] != "events" {
		fmt.Fprint(stderr, benchUsage+"\n"+benchClaimsUsage+"\n"+benchQueriesUsage)
		return errUsage
	}
	fs := flag.NewFlagSet("bench events", flag.ContinueOnError)
	fs.SetOutput(stderr)
	producers := fs.Int("producers", 64, "concurrent producers")
	duration := fs.Duration("duration", 10*time.Second, "how long to measure, after a one-second warm-up")
	size := fs.Int("size", 300, "approximate bytes of JSON data per event")
	subjects := fs.Int("subjects", 100_000, "distinct people the events are about (each has a data key)")
	idempotent := fs.Bool("idempotency-keys", true, "send an idempotency key with every append, as real clients do")
	data := fs.String("data", "", "data directory for the embedded store (default: a new temporary directory, removed after)")
	database := fs.String("database", "", "PostgreSQL URL to measure instead of the embedded store")
	cpuprofile := fs.String("cpuprofile", "", "write a CPU profile of the measured period to this file")
	if err := fs.Parse(args[1:]); err != nil {
		return errUsage
	}
	dir := *data
	if dir == "" {
		tmp, err := os.MkdirTemp("", "lifeline-bench-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(tmp)
		dir = tmp
	}
	var batches, batchEvents, commitNanos, syncs, syncNanos atomic.Int64
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	st, _, err := openStore(ctx, storeConfig{dataDir: dir, database: *database, logger: logger,
		onCommit: func(requests, events int, took time.Duration) {
			batches.Add(1)
			batchEvents.Add(int64(events))
			commitNanos.Add(int64(took))
		},
		onSync: func(took time.Duration) {
			syncs.Add(1)
			syncNanos.Add(int64(took))
		}})
	if err != nil {
		return err
	}
	defer st.Close()

	payload := `{"note":"` + strings.Repeat("x", max(*size-12, 0)) + `"}`
	run := fmt.Sprintf("%x", time.Now().UnixNano())
	var measuring atomic.Bool
	var failed atomic.Int64
	latencies := make([][]time.Duration, *producers)
	bctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	for p := range *producers {
		wg.Go(func() {
			for i := 0; bctx.Err() == nil; i++ {
				subject := fmt.Sprintf("person-%d", (p*7919+i)%*subjects)
				req := lifeline.AppendRequest{Stream: subject, Expected: lifeline.ExpectAny,
					Events: []lifeline.NewEvent{{Type: "bench.note", Subject: subject, Data: []byte(payload)}}}
				if *idempotent {
					req.IdempotencyKey = fmt.Sprintf("bench-%s-%d-%d", run, p, i)
				}
				began := time.Now()
				_, err := st.Append(bctx, req)
				took := time.Since(began)
				if err != nil {
					if !errors.Is(err, context.Canceled) {
						failed.Add(1)
					}
					continue
				}
				if measuring.Load() {
					latencies[p] = append(latencies[p], took)
				}
			}
		})
	}
	time.Sleep(time.Second)
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err != nil {
			return err
		}
		defer f.Close()
		pprof.StartCPUProfile(f)
	}
	measuring.Store(true)
	b0, e0, c0, s0, sn0 := batches.Load(), batchEvents.Load(), commitNanos.Load(), syncs.Load(), syncNanos.Load()
	began := time.Now()
	select {
	case <-time.After(*duration):
	case <-ctx.Done():
	}
	measuring.Store(false)
	if *cpuprofile != "" {
		pprof.StopCPUProfile()
	}
	elapsed := time.Since(began)
	b1, e1, c1, s1, sn1 := batches.Load(), batchEvents.Load(), commitNanos.Load(), syncs.Load(), syncNanos.Load()
	cancel()
	wg.Wait()

	all := slices.Concat(latencies...)
	slices.Sort(all)
	if len(all) == 0 {
		return fmt.Errorf("no append succeeded (%d failed)", failed.Load())
	}
	store := "sqlite (WAL fsynced before every acknowledgement)"
	if *database != "" {
		store = "postgres (synchronous_commit=on)"
	}
	fmt.Fprintf(stdout, "store:        %s\n", store)
	fmt.Fprintf(stdout, "producers:    %d, event data %d bytes, idempotency keys %v\n", *producers, len(payload), *idempotent)
	fmt.Fprintf(stdout, "appends:      %d in %.1fs (%d failed)\n", len(all), elapsed.Seconds(), failed.Load())
	fmt.Fprintf(stdout, "throughput:   %.0f durable appends/s\n", float64(len(all))/elapsed.Seconds())
	fmt.Fprintf(stdout, "latency:      p50 %v  p99 %v  max %v\n", pct(all, 50), pct(all, 99), all[len(all)-1])
	if n := b1 - b0; n > 0 {
		fmt.Fprintf(stdout, "commits:      %d (%.0f/s), %.1f events and %v each\n", n, float64(n)/elapsed.Seconds(),
			float64(e1-e0)/float64(n), (time.Duration(c1-c0) / time.Duration(n)).Round(time.Microsecond))
	}
	if n := s1 - s0; n > 0 {
		fmt.Fprintf(stdout, "fsyncs:       %d (%.0f/s), %v each\n", n, float64(n)/elapsed.Seconds(), (time.Duration(sn1-sn0) / time.Duration(n)).Round(time.Microsecond))
	}
	return nil
}

func pct(sorted []time.Duration, p int) time.Duration {
	return sorted[(len(sorted)-1)*p/100].Round(10 * time.Microsecond)
}
