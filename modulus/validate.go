package modulus

import "github.com/lifeline-gov/lifeline"

// Validate is Check for callers that need only a yes or no, such as an API
// handler accepting bank details. It returns nil for an account that passes
// or is presumed valid, the parse error for malformed input, and an EINVALID
// *lifeline.Error on field account_number for an account that fails.
func Validate(sortCode, accountNumber string) error {
	res, err := Check(sortCode, accountNumber)
	if err != nil {
		return err
	}
	if !res.Valid {
		return lifeline.FieldErrorf(lifeline.EINVALID, accountNumberField,
			"The account number does not match the sort code. Check both against a bank statement or card; they are often mistyped by one digit.")
	}
	return nil
}
