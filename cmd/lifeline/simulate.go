package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"runtime"
	"time"

	"github.com/lifeline-gov/lifeline/rules"
	"github.com/lifeline-gov/lifeline/rules/microsim"
)

// runSimulate costs every benefit over a synthetic population, and with
// --reform the difference a reform makes.
func runSimulate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("simulate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	n := fs.Int64("households", 1_000_000, "number of synthetic households")
	period := fs.String("period", "", "month assessed, YYYY-MM (required)")
	seed := fs.Uint64("seed", 1, "population seed; the same seed gives the same population")
	reformFile := fs.String("reform", "", "YAML `file` of parameter overrides to compare with the baseline")
	workers := fs.Int("workers", 0, "worker goroutines (0: one per CPU)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: lifeline simulate --households N --period YYYY-MM [--seed S] [--reform FILE]")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	if *period == "" || fs.NArg() > 0 || *n <= 0 {
		fs.Usage()
		return errUsage
	}
	p, err := rules.ParsePeriod(*period)
	if err != nil {
		return fmt.Errorf("--period %v", err)
	}
	base, err := rules.DefaultParams().Rates(p)
	if err != nil {
		return err
	}
	var reform *rules.Rates
	if *reformFile != "" {
		e, err := engineWithReform(*reformFile)
		if err != nil {
			return err
		}
		if reform, err = e.Rates(p); err != nil {
			return err
		}
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	g := microsim.NewGenerator(*seed, p)
	w := *workers
	if w <= 0 {
		w = runtime.GOMAXPROCS(0)
	}
	start := time.Now()
	c := microsim.Run(g, *n, base, reform, w)
	elapsed := time.Since(start)

	calcs := *n
	if reform != nil {
		calcs *= 2
	}
	fmt.Fprintf(stdout, "Simulated %d households for %s (seed %d) on %d workers in %s: %.0f household calculations a second.\n\n",
		*n, p, *seed, w, elapsed.Round(time.Millisecond), float64(calcs)/elapsed.Seconds())
	fmt.Fprintln(stdout, "Annual cost and caseload (households with a payable amount) of the synthetic population:")
	printTotals(stdout, &c.Baseline, nil)
	if reform != nil {
		fmt.Fprintln(stdout, "\nWith the reform:")
		printTotals(stdout, &c.Reform, &c.Baseline)
		fmt.Fprintf(stdout, "\nGainers: %d households, gaining £%s a year in all.\n", c.Gainers, pounds(c.GainTotal))
		fmt.Fprintf(stdout, "Losers:  %d households, losing £%s a year in all.\n", c.Losers, pounds(c.LossTotal))
		fmt.Fprintf(stdout, "Net annual cost of the reform: £%s.\n", pounds(c.NetCost()))
	}
	return nil
}

func printTotals(w io.Writer, t, base *microsim.Totals) {
	fmt.Fprintf(w, "  %-28s %22s %12s", "benefit", "annual cost (£)", "caseload")
	if base != nil {
		fmt.Fprintf(w, " %22s", "change (£)")
	}
	fmt.Fprintln(w)
	var sum int64
	for b := rules.Benefit(0); b < rules.NumBenefits; b++ {
		fmt.Fprintf(w, "  %-28s %22s %12d", b.Key(), pounds(t.Cost[b]), t.Caseload[b])
		if base != nil {
			fmt.Fprintf(w, " %22s", pounds(t.Cost[b]-base.Cost[b]))
		}
		fmt.Fprintln(w)
		sum += t.Cost[b]
	}
	fmt.Fprintf(w, "  %-28s %22s\n", "total", pounds(sum))
}

// pounds formats pence as pounds with thousands separators, no floats.
func pounds(pence int64) string {
	neg := pence < 0
	if neg {
		pence = -pence
	}
	s := rules.Money(pence).String()
	whole, frac := s[:len(s)-3], s[len(s)-3:]
	var out []byte
	for i := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			out = append(out, ',')
		}
		out = append(out, whole[i])
	}
	if neg {
		return "-" + string(out) + frac
	}
	return string(out) + frac
}
