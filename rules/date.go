package rules

import (
	"errors"
	"fmt"
	"strconv"
)

// Date is a civil date packed as YYYYMMDD, e.g. 20250601. Packed dates
// compare in calendar order, and age in completed years is a subtraction.
type Date int32

// MakeDate returns the Date for y-m-d; it does not validate.
func MakeDate(y, m, d int) Date { return Date(y*10000 + m*100 + d) }

func (d Date) Year() int  { return int(d) / 10000 }
func (d Date) Month() int { return int(d) / 100 % 100 }
func (d Date) Day() int   { return int(d) % 100 }

// String formats d as YYYY-MM-DD.
func (d Date) String() string {
	b := make([]byte, 0, 10)
	b = appendPadded(b, d.Year(), 4)
	b = append(b, '-')
	b = appendPadded(b, d.Month(), 2)
	b = append(b, '-')
	return string(appendPadded(b, d.Day(), 2))
}

func appendPadded(b []byte, v, width int) []byte {
	s := strconv.Itoa(v)
	for i := len(s); i < width; i++ {
		b = append(b, '0')
	}
	return append(b, s...)
}

// MarshalText writes d as YYYY-MM-DD; the zero Date is written as "".
func (d Date) MarshalText() ([]byte, error) {
	if d == 0 {
		return []byte{}, nil
	}
	return []byte(d.String()), nil
}

// UnmarshalText reads what MarshalText writes.
func (d *Date) UnmarshalText(b []byte) error {
	if len(b) == 0 {
		*d = 0
		return nil
	}
	v, err := ParseDate(string(b))
	if err != nil {
		return fmt.Errorf("date %q %v", b, err)
	}
	*d = v
	return nil
}

// AddDays returns the day n days after d (before, for negative n).
func (d Date) AddDays(n int) Date { return d.addDays(n) }

// DaysUntil returns how many days later than d the day e is.
func (d Date) DaysUntil(e Date) int { return e.dayNumber() - d.dayNumber() }

// AgeOn returns the age in completed years of a person born on d, on day on.
// A person born on 29 February attains an age on 1 March in common years.
func (d Date) AgeOn(on Date) int {
	if on < d {
		return -1
	}
	return int(on-d) / 10000
}

// AddMonths adds n months (n may exceed 12); a day that does not exist in the
// resulting month becomes that month's last day (31 August + 1 month is
// 30 September), as the State Pension age tables are read.
func (d Date) AddMonths(n int) Date {
	months := d.Year()*12 + d.Month() - 1 + n
	y, m := months/12, months%12+1
	day := d.Day()
	if last := daysIn(y, m); day > last {
		day = last
	}
	return MakeDate(y, m, day)
}

func isLeap(y int) bool { return y%4 == 0 && (y%100 != 0 || y%400 == 0) }

func daysIn(y, m int) int {
	switch m {
	case 2:
		if isLeap(y) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

var errDateFormat = errors.New(`must be a date written YYYY-MM-DD, such as "1990-01-31"`)

// ParseDate parses a real calendar date written YYYY-MM-DD, years 1900-2199.
func ParseDate(s string) (Date, error) {
	if len(s) != 10 || s[4] != '-' || s[7] != '-' {
		return 0, errDateFormat
	}
	y, ok1 := digits(s[0:4])
	m, ok2 := digits(s[5:7])
	d, ok3 := digits(s[8:10])
	if !ok1 || !ok2 || !ok3 {
		return 0, errDateFormat
	}
	if y < 1900 || y > 2199 {
		return 0, errors.New("has a year outside 1900-2199")
	}
	if m < 1 || m > 12 || d < 1 || d > daysIn(y, m) {
		return 0, errors.New("is not a real calendar date")
	}
	return MakeDate(y, m, d), nil
}

func digits(s string) (int, bool) {
	v := 0
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
		v = v*10 + int(s[i]-'0')
	}
	return v, true
}

// Period is a calendar month assessed, e.g. 2025-06.
type Period struct{ Year, Month int }

// ParsePeriod parses YYYY-MM.
func ParsePeriod(s string) (Period, error) {
	if len(s) != 7 || s[4] != '-' {
		return Period{}, errors.New(`must be a month written YYYY-MM, such as "2025-06"`)
	}
	y, ok1 := digits(s[0:4])
	m, ok2 := digits(s[5:7])
	if !ok1 || !ok2 || m < 1 || m > 12 || y < 1900 {
		return Period{}, errors.New(`must be a month written YYYY-MM, such as "2025-06"`)
	}
	return Period{y, m}, nil
}

func (p Period) String() string {
	b := appendPadded(nil, p.Year, 4)
	b = append(b, '-')
	return string(appendPadded(b, p.Month, 2))
}

// First and Last are the first and last days of the month.
func (p Period) First() Date { return MakeDate(p.Year, p.Month, 1) }
func (p Period) Last() Date  { return MakeDate(p.Year, p.Month, daysIn(p.Year, p.Month)) }

// monthIndex numbers months consecutively, for counting months between dates.
func monthIndex(y, m int) int { return y*12 + m - 1 }
