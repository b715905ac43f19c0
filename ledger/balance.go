package ledger

import (
	"math"
	"strconv"
)

// Balance is an account's four running totals in pence. All four only ever
// grow, except that posting, voiding or expiring a pending transfer releases
// its amount from the pending totals.
type Balance struct {
	DebitsPending  int64
	DebitsPosted   int64
	CreditsPending int64
	CreditsPosted  int64
}

// Net is the posted balance with the ledger's one sign convention: debits
// are positive and credits negative, for every kind of account. An expense
// or a debt is normally positive; a payable (what we owe) is normally negative.
// The Nets of all accounts sum to zero.
func (b Balance) Net() int64 { return b.DebitsPosted - b.CreditsPosted }

// Available is what a credit-normal account can still pay out: credits
// posted less debits posted and reserved. For a payable, what we owe and have
// not yet put into a payment.
func (b Balance) Available() int64 { return b.CreditsPosted - b.DebitsPosted - b.DebitsPending }

// breaks returns a description of how b breaks constraint c, or "".
func (b Balance) breaks(c Constraint) string {
	if c&DebitsMustNotExceedCredits != 0 && b.DebitsPosted+b.DebitsPending > b.CreditsPosted {
		return "debits " + pence(b.DebitsPosted+b.DebitsPending) + " (posted " + pence(b.DebitsPosted) +
			", pending " + pence(b.DebitsPending) + ") would exceed credits " + pence(b.CreditsPosted)
	}
	if c&CreditsMustNotExceedDebits != 0 && b.CreditsPosted+b.CreditsPending > b.DebitsPosted {
		return "credits " + pence(b.CreditsPosted+b.CreditsPending) + " (posted " + pence(b.CreditsPosted) +
			", pending " + pence(b.CreditsPending) + ") would exceed debits " + pence(b.DebitsPosted)
	}
	return ""
}

// fits reports whether a+b stays within int64 for non-negative a and b.
func fits(a, b int64) bool { return a <= math.MaxInt64-b }

// pence formats an amount in pence as pounds, e.g. "£1234.56" or "-£0.05".
func pence(p int64) string {
	var b []byte
	u := uint64(p)
	if p < 0 {
		b = append(b, '-')
		u = -u
	}
	b = append(b, "£"...)
	b = strconv.AppendUint(b, u/100, 10)
	r := u % 100
	return string(append(b, '.', byte('0'+r/10), byte('0'+r%10)))
}

func itoa(i int64) string { return strconv.FormatInt(i, 10) }
