// Package payments turns awards into money in people's bank accounts: pay
// days and schedules, payment runs that post the ledger and write the files
// a bank takes (BACS Standard 18 and ISO 20022 pain.001), returns and
// reconciliation, payment safety, and recovery of overpayments.
//
// The calendar, the schedules and the file formats are pure; Run does the
// I/O, through the ledger store and the claims service.
package payments

import "github.com/lifeline-gov/lifeline/rules"

// Account is a UK bank account: six-digit sort code, eight-digit account
// number (already standardised and modulus-checked), and the holder's name.
type Account struct {
	SortCode string // "089999"
	Number   string // "66374958"
	Name     string // as the bank holds it; files truncate to their field widths
}

// Originator is the department sending a payment file.
type Originator struct {
	Name              string  // e.g. "LIFELINE DEMO DEPT"
	ServiceUserNumber string  // BACS SUN, six digits
	Account           Account // the account payments are drawn from
}

// Instruction is one credit to one person's account.
type Instruction struct {
	ID        string      // end-to-end id: unique per payment, at most 35 characters
	Payee     Account     // where the money goes
	Amount    rules.Money // pence, positive
	Reference string      // shown on the payee's statement, at most 18 characters
}

// Submission is one payment file: every instruction paid on one day.
type Submission struct {
	ID           string     // file / message id, at most 35 characters
	CreatedAt    string     // RFC 3339 time, UTC, as written in the file
	PayDate      rules.Date // the day the money reaches the accounts
	Originator   Originator
	Instructions []Instruction
}
