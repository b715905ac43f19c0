package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/lifeline-gov/lifeline/payments"
	"github.com/lifeline-gov/lifeline/rules"
)

// runPayrun makes the payment run for one day.
func runPayrun(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("payrun", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dateFlag := fs.String("date", "", "the pay day: everything due on or before it is paid (required), e.g. 2026-11-23")
	data := fs.String("data", "./data", "data directory: the embedded database, the master key file and the payment files")
	database := fs.String("database", os.Getenv("LIFELINE_DATABASE_URL"), "PostgreSQL URL; empty for the embedded store (env LIFELINE_DATABASE_URL)")
	out := fs.String("out", "", "directory for the payment files (default: DATA/payments)")
	sun := fs.String("sun", "999999", "the department's BACS service user number")
	name := fs.String("name", "LIFELINE DEMO DEPT", "the department's name on the files")
	sortCode := fs.String("sort-code", "089999", "the sort code of the account payments are drawn from")
	account := fs.String("account", "66374958", "the account number payments are drawn from")
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	date, err := rules.ParseDate(*dateFlag)
	if err != nil {
		fmt.Fprintln(stderr, "--date is required: the pay day, e.g. --date 2026-11-23")
		return errUsage
	}
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	st, master, err := openStore(ctx, storeConfig{dataDir: *data, database: *database, logger: logger})
	if err != nil {
		return err
	}
	defer st.Close()
	dir := *out
	if dir == "" {
		dir = filepath.Join(*data, "payments")
	}
	r := &payments.Runner{Claims: newClaims(st, master, true), Ledger: st, Dir: dir,
		Originator: payments.Originator{Name: *name, ServiceUserNumber: *sun, Account: payments.Account{SortCode: *sortCode, Number: *account, Name: *name}}}
	rep, err := r.Run(ctx, date)
	if err != nil {
		return fmt.Errorf("the payment run stopped (run the same command again to resume; nobody is paid twice): %w", err)
	}
	b, _ := json.MarshalIndent(rep, "", "  ")
	fmt.Fprintf(stdout, "%s\n", b)
	return nil
}
