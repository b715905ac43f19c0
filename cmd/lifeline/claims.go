package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"os"
	"runtime/pprof"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/lifeline-gov/lifeline"
	"github.com/lifeline-gov/lifeline/claims"
	"github.com/lifeline-gov/lifeline/payments"
	"github.com/lifeline-gov/lifeline/rules"
	"github.com/lifeline-gov/lifeline/subscription"
)

// runUprate reassesses every live award from the new rates' start date.
func runUprate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("uprate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fromFlag := fs.String("from", "", "first day of the new rates, e.g. 2026-04-06 (required)")
	data := fs.String("data", "./data", "data directory: the embedded database and the master key file")
	database := fs.String("database", os.Getenv("LIFELINE_DATABASE_URL"), "PostgreSQL URL; empty for the embedded store (env LIFELINE_DATABASE_URL)")
	workers := fs.Int("workers", 16, "awards reassessed at once")
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	from, err := rules.ParseDate(*fromFlag)
	if err != nil {
		fmt.Fprintln(stderr, "--from is required: the first day of the new rates, e.g. --from 2026-04-06")
		return errUsage
	}
	st, master, err := openQuiet(ctx, *data, *database, stderr)
	if err != nil {
		return err
	}
	defer st.Close()
	svc := newClaims(st, master, false)
	began := time.Now()
	rep, err := svc.Uprate(ctx, from, *workers, func(done, _ int64) {
		fmt.Fprintf(stderr, "uprating: %d awards done (%.0f/s)\n", done, float64(done)/time.Since(began).Seconds())
	})
	if err != nil {
		return fmt.Errorf("uprating stopped (run the same command again to resume): %w", err)
	}
	out, _ := json.MarshalIndent(rep, "", "  ")
	fmt.Fprintf(stdout, "%s\n", out)
	return nil
}

const benchClaimsUsage = `Usage: lifeline bench life-events [flags]
       lifeline bench uprating [flags]
       lifeline bench payrun [flags]

life-events: seeds a population (each person with a Universal Credit award),
then reports earnings for random people from many producers and measures
how fast life events are ingested and fully processed (circumstances,
reassessment, revisions, outcomes).

uprating: seeds awards decided under last year's rates and measures the
up-rating that reassesses every one of them from 6 April 2026.

payrun: seeds people with Universal Credit awards and bank accounts and
times the payment run that pays them (ledger postings and both files).
`

// benchEnv is the store a claims benchmark runs on.
type benchEnv struct {
	st      store
	cleanup func()
}

func openBenchEnv(ctx context.Context, data, database string, stderr io.Writer) (*benchEnv, []byte, error) {
	dir := data
	cleanup := func() {}
	if dir == "" {
		tmp, err := os.MkdirTemp("", "lifeline-bench-")
		if err != nil {
			return nil, nil, err
		}
		dir, cleanup = tmp, func() { os.RemoveAll(tmp) }
	}
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	st, master, err := openStore(ctx, storeConfig{dataDir: dir, database: database, logger: logger})
	if err != nil {
		cleanup()
		return nil, nil, err
	}
	return &benchEnv{st: st, cleanup: func() { st.Close(); cleanup() }}, master, nil
}

// benchDOB is a seeded person's date of birth: the first draws of their
// generator, so a benchmark can find them again by number and birth date.
func benchDOB(r *rand.Rand) rules.Date {
	return rules.MakeDate(1966+r.IntN(35), 1+r.IntN(12), 1+r.IntN(28))
}

// seed loads n people with awards starting between from and from+spread days.
func seed(ctx context.Context, svc *claims.Service, n int, from rules.Date, spread int, stderr io.Writer) ([]string, error) {
	const batch, workers = 200, 32
	ids := make([]string, n)
	var next, done atomic.Int64
	var wg sync.WaitGroup
	var firstErr atomic.Pointer[error]
	began := time.Now()
	for range workers {
		wg.Go(func() {
			for firstErr.Load() == nil {
				lo := int(next.Add(batch)) - batch
				if lo >= n {
					return
				}
				hi := min(lo+batch, n)
				people := make([]claims.SeedPerson, 0, hi-lo)
				for i := lo; i < hi; i++ {
					r := rand.New(rand.NewPCG(uint64(i), 7))
					people = append(people, claims.SeedPerson{
						Details: claims.Details{NINO: fmt.Sprintf("QQ%06dA", i%1_000_000), GivenNames: "Bench", FamilyName: fmt.Sprint(i),
							DateOfBirth: benchDOB(r),
							Address:     claims.Address{Lines: []string{"1 Bench Street"}, Postcode: "LS1 1AA"}, IdentityConfidence: "high",
							BankAccount: &claims.BankAccount{SortCode: "089999", AccountNumber: "66374958", HolderName: "BENCH " + fmt.Sprint(i)}},
						Benefit: rules.UniversalCredit,
						Start:   from.AddDays(r.IntN(spread)),
					})
				}
				got, err := svc.Seed(ctx, people)
				if err != nil {
					firstErr.CompareAndSwap(nil, &err)
					return
				}
				copy(ids[lo:hi], got)
				if d := done.Add(int64(hi - lo)); d%100_000 < batch {
					fmt.Fprintf(stderr, "seeded %d people (%.0f/s)\n", d, float64(d)/time.Since(began).Seconds())
				}
			}
		})
	}
	wg.Wait()
	if p := firstErr.Load(); p != nil {
		return nil, *p
	}
	return ids, nil
}

func runBenchClaims(ctx context.Context, which string, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("bench "+which, flag.ContinueOnError)
	fs.SetOutput(stderr)
	people := fs.Int("people", 1_000_000, "people in the population, each with an award")
	events := fs.Int("events", 200_000, "life events to report (life-events)")
	producers := fs.Int("producers", 256, "concurrent reporters (life-events)")
	workers := fs.Int("workers", 16, "awards reassessed at once (uprating)")
	data := fs.String("data", "", "data directory for the embedded store (default: a new temporary directory, removed after)")
	database := fs.String("database", "", "PostgreSQL URL to measure instead of the embedded store")
	cpuprofile := fs.String("cpuprofile", "", "write a CPU profile of the measured part to this file")
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	env, master, err := openBenchEnv(ctx, *data, *database, stderr)
	if err != nil {
		return err
	}
	defer env.cleanup()
	profile := func() func() {
		if *cpuprofile == "" {
			return func() {}
		}
		f, err := os.Create(*cpuprofile)
		if err != nil {
			fmt.Fprintln(stderr, err)
			return func() {}
		}
		pprof.StartCPUProfile(f)
		return func() { pprof.StopCPUProfile(); f.Close() }
	}
	store := "sqlite"
	if *database != "" {
		store = "postgres"
	}
	switch which {
	case "uprating":
		return benchUprating(ctx, env, master, *people, *workers, store, profile, stdout, stderr)
	case "payrun":
		return benchPayrun(ctx, env, master, *people, store, profile, stdout, stderr)
	}
	return benchLifeEvents(ctx, env, master, *people, *events, *producers, store, profile, stdout, stderr)
}

func benchLifeEvents(ctx context.Context, env *benchEnv, master []byte, n, events, producers int, store string, profile func() func(), stdout, stderr io.Writer) error {
	svc := newClaims(env.st, master, true)
	began := time.Now()
	ids, err := seed(ctx, svc, n, rules.MakeDate(2026, 8, 1), 60, stderr)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "seeded:      %d people with Universal Credit awards in %.1fs\n", n, time.Since(began).Seconds())
	// The reassessment starts from here: the seeded population needs none.
	head, err := env.st.Head(ctx)
	if err != nil {
		return err
	}
	const holder = "bench"
	if _, err := env.st.AcquireLease(ctx, claims.SubscriptionName, holder, time.Minute); err != nil {
		return err
	}
	if err := env.st.SaveCheckpoint(ctx, claims.SubscriptionName, holder, head); err != nil {
		return err
	}
	if err := env.st.ReleaseLease(ctx, claims.SubscriptionName, holder); err != nil {
		return err
	}
	rctx, stop := context.WithCancel(ctx)
	defer stop()
	runner := &subscription.Runner{Name: claims.SubscriptionName, Holder: holder, Log: env.st, Store: env.st, HandleBatch: svc.HandleBatch,
		Logger: slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))}
	var rwg sync.WaitGroup
	rwg.Go(func() { runner.Run(rctx) })

	endProfile := profile()
	began = time.Now()
	var next, failed atomic.Int64
	var wg sync.WaitGroup
	for range producers {
		wg.Go(func() {
			for {
				i := next.Add(1) - 1
				if i >= int64(events) || ctx.Err() != nil {
					return
				}
				r := rand.New(rand.NewPCG(uint64(i), 11))
				on := rules.MakeDate(2026, 9, 1).AddDays(r.IntN(80))
				report := claims.LifeEventReport{Type: claims.EarningsReported, PersonID: ids[r.IntN(len(ids))], OccurredOn: on.String(),
					Data: json.RawMessage(fmt.Sprintf(`{"employer_paye_reference":"123/AB456","amount":"%d.%02d"}`, 100+r.IntN(1500), r.IntN(100)))}
				if _, err := svc.RecordLifeEvent(ctx, report, fmt.Sprintf("bench-%d", i)); err != nil {
					failed.Add(1)
					fmt.Fprintln(stderr, "report:", err)
				}
			}
		})
	}
	wg.Wait()
	ingested := time.Since(began)
	target, err := env.st.Head(ctx)
	if err != nil {
		return err
	}
	for {
		done, err := env.st.Checkpoint(ctx, claims.SubscriptionName)
		if err != nil {
			return err
		}
		if done >= target {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	processed := time.Since(began)
	endProfile()
	stop()
	rwg.Wait()
	ok := int64(events) - failed.Load()
	fmt.Fprintf(stdout, "store:       %s, %d producers\n", store, producers)
	fmt.Fprintf(stdout, "ingested:    %d life events in %.1fs (%.0f/s), %d refused\n", ok, ingested.Seconds(), float64(ok)/ingested.Seconds(), failed.Load())
	fmt.Fprintf(stdout, "processed:   all of them, end to end, in %.1fs: %.0f life events/s (circumstances, reassessment, revisions, outcomes)\n",
		processed.Seconds(), float64(ok)/processed.Seconds())
	return nil
}

// lastYearsRates is the 2026/27 up-rating not yet made: the 2025/26
// Universal Credit amounts carried on past 6 April 2026.
const lastYearsRates = `
name: "2026/27 up-rating not yet applied"
parameters:
  universal_credit.standard_allowance.single_under_25:
    - {from: 2026-04-06, value: "316.98"}
  universal_credit.standard_allowance.single_25_or_over:
    - {from: 2026-04-06, value: "400.14"}
`

func benchUprating(ctx context.Context, env *benchEnv, master []byte, n, workers int, store string, profile func() func(), stdout, stderr io.Writer) error {
	old, err := rules.DefaultParams().ParseReform(strings.NewReader(lastYearsRates))
	if err != nil {
		return err
	}
	before := claims.New(env.st, claims.Config{Params: old, IndexKey: indexKey(master), AllowSpecimenNINO: true})
	began := time.Now()
	if _, err := seed(ctx, before, n, rules.MakeDate(2026, 3, 1), 28, stderr); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "seeded:      %d Universal Credit awards from March 2026 under last year's rates in %.1fs\n", n, time.Since(began).Seconds())
	svc := newClaims(env.st, master, true)
	endProfile := profile()
	began = time.Now()
	rep, err := svc.Uprate(ctx, rules.MakeDate(2026, 4, 6), workers, func(done, _ int64) {
		if done%100_000 < lifeline.MaxReadLimit {
			fmt.Fprintf(stderr, "uprating: %d awards (%.0f/s)\n", done, float64(done)/time.Since(began).Seconds())
		}
	})
	endProfile()
	if err != nil {
		return err
	}
	took := time.Since(began)
	fmt.Fprintf(stdout, "store:       %s, %d workers\n", store, workers)
	fmt.Fprintf(stdout, "uprated:     %d awards in %.1fs (%.0f awards/s): %d revised, %d unchanged, %d not live\n",
		rep.Awards, took.Seconds(), float64(rep.Awards)/took.Seconds(), rep.Revised, rep.Unchanged, rep.NotLive)
	return nil
}

func benchPayrun(ctx context.Context, env *benchEnv, master []byte, n int, store string, profile func() func(), stdout, stderr io.Writer) error {
	svc := newClaims(env.st, master, true)
	began := time.Now()
	if _, err := seed(ctx, svc, n, rules.MakeDate(2026, 9, 1), 30, stderr); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "seeded:      %d Universal Credit awards with bank accounts in %.1fs\n", n, time.Since(began).Seconds())
	dir, err := os.MkdirTemp("", "lifeline-payrun-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	r := &payments.Runner{Claims: svc, Ledger: env.st, Dir: dir,
		Originator: payments.Originator{Name: "LIFELINE BENCH", ServiceUserNumber: "999999", Account: payments.Account{SortCode: "089999", Number: "66374958", Name: "LIFELINE BENCH"}}}
	endProfile := profile()
	began = time.Now()
	rep, err := r.Run(ctx, rules.MakeDate(2026, 11, 23))
	endProfile()
	if err != nil {
		return err
	}
	took := time.Since(began)
	again := time.Now()
	if _, err := r.Run(ctx, rules.MakeDate(2026, 11, 23)); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "store:       %s\n", store)
	fmt.Fprintf(stdout, "payrun:      %d payments (%s) in %.1fs: %.0f payments/s, ledger postings and both files\n", rep.Payments, rep.Total, took.Seconds(), float64(rep.Payments)/took.Seconds())
	fmt.Fprintf(stdout, "again:       the same run repeated in %.1fs, paying nobody twice\n", time.Since(again).Seconds())
	return nil
}
