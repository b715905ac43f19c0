// Command lifeline runs the Lifeline platform and its tools.
//
//	lifeline serve      run the platform (HTTP API, pages, background work)
//	lifeline bench      measure the platform on this machine
//	lifeline calc       calculate entitlement for one situation (JSON on stdin)
//	lifeline simulate   cost every benefit over a synthetic population
//	lifeline verify     check provenance receipts and checkpoints
//	lifeline uprate     reassess every live award from new rates' start
//	lifeline payrun     pay everything due: ledger postings and the bank's files
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/lifeline-gov/lifeline"
)

const usage = `Usage: lifeline <command> [flags]

Commands:
  serve      run the platform
  bench      measure the platform on this machine (events, life-events, uprating)
  calc       calculate entitlement for one situation read as JSON on stdin
  simulate   cost every benefit over a synthetic population
  verify     check a provenance receipt, or that one checkpoint extends another
  uprate     reassess every live award with new rates (lifeline uprate --from 2026-04-06)
  payrun     pay everything due on a day, writing BACS Standard 18 and pain.001 files

Run "lifeline <command> -h" for a command's flags.
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "lifeline:", describe(err))
		os.Exit(exitCode(err))
	}
}

// run dispatches to a subcommand. Each subcommand parses its own flags.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return errUsage
	}
	name, args := args[0], args[1:]
	switch name {
	case "serve":
		return runServe(ctx, args, stderr)
	case "bench":
		return runBench(ctx, args, stdout, stderr)
	case "calc":
		return runCalc(ctx, args, stdin, stdout, stderr)
	case "simulate":
		return runSimulate(ctx, args, stdout, stderr)
	case "verify":
		return runVerify(ctx, args, stdout, stderr)
	case "uprate":
		return runUprate(ctx, args, stdout, stderr)
	case "payrun":
		return runPayrun(ctx, args, stdout, stderr)
	case "-h", "-help", "--help", "help":
		fmt.Fprint(stdout, usage)
		return nil
	default:
		fmt.Fprint(stderr, usage)
		return fmt.Errorf("unknown command %q", name)
	}
}

// errUsage reports bad command-line use; the usage text has been printed.
var errUsage = fmt.Errorf("see usage above")

// describe words err for a person at a terminal: a domain error by its
// message and field, anything else as it is.
func describe(err error) string {
	if e, ok := errors.AsType[*lifeline.Error](err); ok {
		if e.Field != "" && !strings.Contains(e.Message, e.Field) {
			return e.Field + ": " + e.Message
		}
		return e.Message
	}
	return err.Error()
}

func exitCode(err error) int {
	if err == errUsage {
		return 2
	}
	return 1
}
