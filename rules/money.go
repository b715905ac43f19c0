package rules

import (
	"errors"
	"fmt"
	"strconv"
)

// Money is an amount in pence. It is never a float.
type Money int64

// maxMoney bounds parsed amounts so that every product the engine forms
// (at most a few hundred times an amount) stays far inside int64.
const maxMoney Money = 100_000_000_000 // £1,000,000,000.00

// Pounds returns whole pounds as Money; a convenience for tests and tables.
func Pounds(p int64) Money { return Money(p * 100) }

// String formats m as a decimal string with two places, e.g. "1234.56".
func (m Money) String() string {
	var buf [24]byte
	return string(m.appendTo(buf[:0]))
}

func (m Money) appendTo(b []byte) []byte {
	if m < 0 {
		b = append(b, '-')
		m = -m
	}
	b = strconv.AppendInt(b, int64(m/100), 10)
	p := int64(m % 100)
	return append(b, '.', byte('0'+p/10), byte('0'+p%10))
}

var errMoneyFormat = errors.New(`must be a decimal string with exactly two decimal places, such as "1234.56"`)

// ParseMoney parses a non-negative amount written with exactly two decimal
// places: "0.00", "12.30", "1234.56". It rejects signs, exponents, spaces,
// leading zeros ("01.00") and any other number of decimals.
func ParseMoney(s string) (Money, error) {
	n := len(s)
	if n < 4 || s[n-3] != '.' {
		return 0, errMoneyFormat
	}
	whole, frac := s[:n-3], s[n-2:]
	if len(whole) > 1 && whole[0] == '0' {
		return 0, errMoneyFormat
	}
	var v int64
	for i := 0; i < len(whole); i++ {
		c := whole[i]
		if c < '0' || c > '9' {
			return 0, errMoneyFormat
		}
		if v > int64(maxMoney)/100 {
			return 0, errors.New("is too large (the most is 1000000000.00)")
		}
		v = v*10 + int64(c-'0')
	}
	for i := 0; i < 2; i++ {
		if frac[i] < '0' || frac[i] > '9' {
			return 0, errMoneyFormat
		}
	}
	m := Money(v*100 + int64(frac[0]-'0')*10 + int64(frac[1]-'0'))
	if m > maxMoney {
		return 0, errors.New("is too large (the most is 1000000000.00)")
	}
	return m, nil
}

// MarshalText writes m as its two-place decimal string.
func (m Money) MarshalText() ([]byte, error) { return m.appendTo(nil), nil }

// UnmarshalText reads what MarshalText writes, with ParseMoney's checks.
func (m *Money) UnmarshalText(b []byte) error {
	v, err := ParseMoney(string(b))
	if err != nil {
		return fmt.Errorf("amount %q %v", b, err)
	}
	*m = v
	return nil
}

// mulDivRound returns m × num / den rounded to the nearest penny, a half
// penny rounding up. This is the Universal Credit rule (SI 2013/376 reg 6(1):
// a fraction of a penny under a half is disregarded, otherwise it is treated
// as a penny) and the engine uses it wherever a conversion or percentage
// produces a fraction. Callers pass non-negative m, num and den > 0.
func mulDivRound(m Money, num, den int64) Money {
	p := int64(m) * num
	q, r := p/den, p%den
	if 2*r >= den {
		q++
	}
	return Money(q)
}

// weeklyToMonthly converts a weekly amount to a monthly one: × 52 / 12
// (SI 2013/376 reg 73: unearned income paid weekly is converted to its
// monthly equivalent), rounded under reg 6(1).
func weeklyToMonthly(w Money) Money { return mulDivRound(w, 52, 12) }

// monthlyToWeekly converts a monthly amount to a weekly one: × 12 / 52
// (SI 2002/1792 reg 17(1) for Pension Credit), rounded to the nearest penny.
func monthlyToWeekly(m Money) Money { return mulDivRound(m, 12, 52) }

func maxMoney0(m Money) Money {
	if m < 0 {
		return 0
	}
	return m
}

func minMoney(a, b Money) Money {
	if a < b {
		return a
	}
	return b
}
