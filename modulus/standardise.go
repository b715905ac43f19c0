package modulus

import "strings"

// standardise converts a sort code and an account number of 6 to 10 digits
// into the six and eight digits the check works on, as the specification's
// section on non-standard account numbers says.
func standardise(sortCode, account string) (string, string) {
	switch len(account) {
	case 6:
		return sortCode, "00" + account
	case 7:
		return sortCode, "0" + account
	case 9:
		// Santander (formerly Alliance & Leicester): the first digit of the
		// account number replaces the last digit of the sort code.
		return sortCode[:5] + account[:1], account[1:]
	case 10:
		// Co-operative Bank: the first eight digits. The spec names the bank,
		// not its sort codes; Co-operative Bank sort codes begin 08.
		if strings.HasPrefix(sortCode, "08") {
			return sortCode, account[:8]
		}
		// National Westminster Bank and others: the last eight digits.
		return sortCode, account[2:]
	}
	return sortCode, account
}
