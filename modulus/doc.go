// Package modulus checks UK bank account details with Vocalink's modulus
// checking rules ("Validating account numbers: UK modulus checking"), the
// check Bacs participants use before paying an account.
//
// A modulus check says whether a sort code and account number could belong
// together. It catches mistyped and made-up details; it does not show that the
// account is open or that it belongs to the person named (Confirmation of
// Payee and bank verification do that).
//
// The package is pure: it reads nothing but the two tables embedded in it,
// Vocalink's published weight table and sort code substitution table (see
// SOURCES.md), parsed once when the package loads.
//
// # Using it
//
// Check parses the inputs, converts account numbers of 6, 7, 9 and 10 digits
// as the specification says, and runs the checks for the sort code:
//
//	res, err := modulus.Check("08-99-99", "66374958")
//	// err: malformed input, an EINVALID *lifeline.Error on field sort_code
//	//      or account_number whose message says how to write it
//	// res.Valid:   passed, or presumed valid because it cannot be checked
//	// res.Checked: false when the specification gives no check for it
//
// A failed check is a Result with Valid false, not an error. Validate wraps
// Check for callers that want only an error.
//
// A sort code missing from the weight table cannot be checked and the
// specification says such details are presumed valid; so are foreign
// currency accounts under exception 6. Check reports these as Valid but not
// Checked, so each caller can decide how much that is worth.
//
// # Claims
//
// When a person's bank details are given, on a claim or a "bank details
// changed" life event, call Validate (or Check) and reject details that fail
// with the error it returns, which the HTTP layer turns into a problem+json
// 400 naming the field. Store the details as ParseSortCode and
// ParseAccountNumber return them, which is what the person gave, and record
// whether they were Checked: details that could not be checked are a reason to
// verify them another way before the first payment.
//
// # Payments
//
// Check the details again when a payment is built, not only when they were
// given: an account must pass before it is paid, and the weight table changes
// as banks merge and renumber. A payment to details that fail is held, not
// sent, and a task raised. Pay the six-digit sort code and eight-digit account
// number in Result.SortCode and Result.AccountNumber: they are the form Bacs
// records carry, after the conversions for non-standard account numbers
// (for example Santander's nine digits, whose first digit moves to the end of
// the sort code).
package modulus
