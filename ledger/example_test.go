package ledger_test

import (
	"fmt"
	"time"

	"github.com/lifeline-gov/lifeline/ledger"
)

// A month of Universal Credit for one person: the award falls due, an
// earlier overpayment is recovered by deduction in the same linked chain, the
// payment file reserves the rest, and the bank confirms it.
func Example() {
	l := ledger.New()
	day := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
	expense := ledger.AccountID{Kind: ledger.Expense, Benefit: "UC"}
	payable := ledger.AccountID{Kind: ledger.Payable, Benefit: "UC", Owner: "person-42"}
	debt := ledger.AccountID{Kind: ledger.Debt, Owner: "person-42"}
	clearing := ledger.AccountID{Kind: ledger.Clearing}

	// An overpayment found last month is a debt.
	l.Apply(ledger.Batch{{ID: "op-1", Debit: debt, Credit: expense, Amount: 120_00, Code: "overpayment", Time: day}})

	// The award and the deduction post together or not at all.
	a, _ := l.Apply(ledger.Batch{
		{ID: "due-2026-11", Debit: expense, Credit: payable, Amount: 800_00, Code: "award-due", Time: day, Flags: ledger.Linked},
		{ID: "rec-2026-11", Debit: payable, Credit: debt, Amount: 60_00, Code: "recovery", Time: day},
	})
	fmt.Println("award and recovery:", a.Err())

	// The payment file reserves what is left, for up to five days.
	l.Apply(ledger.Batch{{ID: "pay-2026-11", Debit: payable, Credit: clearing, Amount: 740_00, Code: "payment",
		Time: day.Add(time.Hour), Flags: ledger.Pending, Timeout: 5 * 24 * time.Hour}})
	fmt.Println("available after the file:", l.Balance(payable).Available())

	// The bank confirms: post the whole reservation.
	l.Apply(ledger.Batch{{ID: "paid-2026-11", PendingID: "pay-2026-11", Code: "bank-confirmed",
		Time: day.Add(48 * time.Hour), Flags: ledger.Post}})

	// A retry of the same confirmation changes nothing.
	a, _ = l.Apply(ledger.Batch{{ID: "paid-2026-11", PendingID: "pay-2026-11", Code: "bank-confirmed",
		Time: day.Add(48 * time.Hour), Flags: ledger.Post}})
	fmt.Println("retry is a repeat:", a.Results[0].Repeat)

	fmt.Println("payable:", l.Balance(payable).Net(), "debt:", l.Balance(debt).Net(), "clearing:", l.Balance(clearing).Net())
	fmt.Println("debt as at the first day:", l.BalanceAt(debt, day).Net())
	fmt.Println("trial balance:", l.TrialBalance().Total.Net())
	// Output:
	// award and recovery: <nil>
	// available after the file: 0
	// retry is a repeat: true
	// payable: 0 debt: 6000 clearing: -74000
	// debt as at the first day: 6000
	// trial balance: 0
}
