package modulus

import (
	"strings"

	"github.com/lifeline-gov/lifeline"
)

// Field names used in errors, matching the API's JSON.
const (
	sortCodeField      = "sort_code"
	accountNumberField = "account_number"
)

// ParseSortCode returns the six digits of a sort code written as 12-34-56,
// 12 34 56 or 123456 (surrounding spaces ignored). Anything else is an
// EINVALID *lifeline.Error on field sort_code saying what is wrong.
func ParseSortCode(s string) (string, error) {
	s = strings.TrimSpace(s)
	if len(s) == 8 && s[2] == s[5] && (s[2] == '-' || s[2] == ' ') {
		s = s[:2] + s[3:5] + s[6:]
	}
	const how = "write it as six digits, like 12-34-56, 12 34 56 or 123456"
	switch {
	case s == "":
		return "", lifeline.FieldErrorf(lifeline.EINVALID, sortCodeField, "The sort code is missing: %s.", how)
	case !allDigits(s):
		return "", lifeline.FieldErrorf(lifeline.EINVALID, sortCodeField, "The sort code may contain only digits, with a hyphen or space between each pair: %s.", how)
	case len(s) != 6:
		return "", lifeline.FieldErrorf(lifeline.EINVALID, sortCodeField, "The sort code has %d digits but must have six: %s.", len(s), how)
	}
	return s, nil
}

// ParseAccountNumber returns the digits of an account number, 6 to 10 of them,
// with surrounding spaces and any spaces or hyphens inside removed. The digits
// are returned as given: converting them to the eight the check uses depends
// on the sort code, so Check does it.
func ParseAccountNumber(s string) (string, error) {
	s = strings.TrimSpace(s)
	if strings.ContainsAny(s, " -") {
		s = withoutSeparators(s)
	}
	const how = "UK account numbers are usually eight digits, like 12345678 (6 to 10 digits are accepted)"
	switch {
	case s == "":
		return "", lifeline.FieldErrorf(lifeline.EINVALID, accountNumberField, "The account number is missing: %s.", how)
	case !allDigits(s):
		return "", lifeline.FieldErrorf(lifeline.EINVALID, accountNumberField, "The account number may contain only digits: %s.", how)
	case len(s) < 6 || len(s) > 10:
		return "", lifeline.FieldErrorf(lifeline.EINVALID, accountNumberField, "The account number has %d digits: %s.", len(s), how)
	}
	return s, nil
}

// withoutSeparators drops spaces and hyphens, as in 1234 5678 or 1234-5678.
func withoutSeparators(s string) string {
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] != ' ' && s[i] != '-' {
			b = append(b, s[i])
		}
	}
	return string(b)
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
