package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/lifeline-gov/lifeline/claims"
	"github.com/lifeline-gov/lifeline/payments"
	"github.com/lifeline-gov/lifeline/rules"
)

// runPayrun makes the payment run for one day, or settles or reconciles one:
//
//	lifeline payrun --date D                       pay what is due, write the files
//	lifeline payrun settle --date D [--returns F]  the bank's answer: post, returns to suspense
//	lifeline payrun reconcile --date D             match the files, the ledger and the returns
//	lifeline payrun statement --date D --person P  a person's statement: due, deducted, paid, owed
func runPayrun(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	action := "run"
	if len(args) > 0 && (args[0] == "settle" || args[0] == "reconcile" || args[0] == "statement") {
		action, args = args[0], args[1:]
	}
	fs := flag.NewFlagSet("payrun "+action, flag.ContinueOnError)
	fs.SetOutput(stderr)
	dateFlag := fs.String("date", "", "the pay day: everything due on or before it is paid (required), e.g. 2026-11-23")
	data := fs.String("data", "./data", "data directory: the embedded database, the master key file and the payment files")
	database := fs.String("database", os.Getenv("LIFELINE_DATABASE_URL"), "PostgreSQL URL; empty for the embedded store (env LIFELINE_DATABASE_URL)")
	out := fs.String("out", "", "directory for the payment files (default: DATA/payments)")
	sun := fs.String("sun", "999999", "the department's BACS service user number")
	name := fs.String("name", "LIFELINE DEMO DEPT", "the department's name on the files")
	sortCode := fs.String("sort-code", "089999", "the sort code of the account payments are drawn from")
	account := fs.String("account", "66374958", "the account number payments are drawn from")
	person := fs.String("person", "", "statement: the person's id")
	returnsFile := fs.String("returns", "", "settle: the bank's returns file (instruction_id,amount,reason_code,reason per line)")
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	date, err := rules.ParseDate(*dateFlag)
	if err != nil {
		fmt.Fprintln(stderr, "--date is required: the pay day, e.g. --date 2026-11-23")
		return errUsage
	}
	st, master, err := openQuiet(ctx, *data, *database, stderr)
	if err != nil {
		return err
	}
	defer st.Close()
	dir := *out
	if dir == "" {
		dir = filepath.Join(*data, "payments")
	}
	svc := newClaims(st, master, true)
	r := newPayments(st, svc, dir)
	r.Originator = payments.Originator{Name: *name, ServiceUserNumber: *sun, Account: payments.Account{SortCode: *sortCode, Number: *account, Name: *name}}
	var rep any
	switch action {
	case "settle":
		var returns []payments.Return
		if *returnsFile != "" {
			f, err := os.Open(*returnsFile)
			if err != nil {
				return err
			}
			returns, err = payments.ReadReturns(f)
			f.Close()
			if err != nil {
				return err
			}
		}
		rep, err = r.Settle(ctx, date, returns, svc)
	case "reconcile":
		rep, err = r.Reconcile(ctx, date)
	case "statement":
		rep, err = r.Statement(ctx, svc, *person, date)
	default:
		rep, err = r.Run(ctx, date)
		if err != nil {
			err = fmt.Errorf("the payment run stopped (run the same command again to resume; nobody is paid twice): %w", err)
		}
	}
	if err != nil {
		return err
	}
	b, _ := json.MarshalIndent(rep, "", "  ")
	fmt.Fprintf(stdout, "%s\n", b)
	return nil
}

// newPayments is the payments engine on the store, writing its files in dir,
// as the demo department (override Originator for a real one).
func newPayments(st store, svc *claims.Service, dir string) *payments.Runner {
	return &payments.Runner{Claims: svc, Ledger: st, Dir: dir, Provenance: st, Debts: &payments.Debts{Log: st, Ledger: st},
		Originator: payments.Originator{Name: "LIFELINE DEMO DEPT", ServiceUserNumber: "999999",
			Account: payments.Account{SortCode: "089999", Number: "66374958", Name: "LIFELINE DEMO DEPT"}}}
}
