package payments

import (
	_ "embed"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/lifeline-gov/lifeline"
	"github.com/lifeline-gov/lifeline/rules"
)

// The calendar: which days money can reach a bank account in England and
// Wales, and the day a payment due on some other day is made.
//
// Sources:
//   - Bank holidays: GOV.UK, https://www.gov.uk/bank-holidays (data feed
//     https://www.gov.uk/bank-holidays.json), as bankholidays.txt records,
//     with the secondary sources each year was checked against.
//   - A payment due on a weekend or bank holiday is made on the working day
//     before: GOV.UK "How and when your benefits are paid",
//     https://www.gov.uk/how-to-have-your-benefits-paid ("If your payment
//     date is on a weekend or a bank holiday you'll usually be paid on the
//     working day before. This may be different for tax credits and Child
//     Benefit."); for Child Benefit HMRC also pays early, "usually the last
//     working day before the bank holiday" (revenuebenefits.org.uk, Child
//     Benefit payment information; GOV.UK https://www.gov.uk/child-benefit-payment-dates).
//     HMRC's Scotland- and Northern Ireland-only late payments do not arise
//     here: the calendar is England and Wales only.

//go:embed bankholidays.txt
var bankHolidaysFile string

// holidayCalendar is the parsed bankholidays.txt.
type holidayCalendar struct {
	names               map[rules.Date]string
	firstYear, lastYear int
}

var loadHolidays = sync.OnceValues(func() (*holidayCalendar, error) {
	return parseHolidays(bankHolidaysFile)
})

// parseHolidays reads the bank holiday list: comments (#) and blank lines
// are skipped; every other line is "YYYY-MM-DD name". Dates must be real
// weekdays, in order, each once, and every year from the first to the last
// must have at least one.
func parseHolidays(text string) (*holidayCalendar, error) {
	c := &holidayCalendar{names: map[rules.Date]string{}}
	var last rules.Date
	years := map[int]bool{}
	for i, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		ds, name, ok := strings.Cut(line, " ")
		name = strings.TrimSpace(name)
		if !ok || name == "" {
			return nil, fmt.Errorf("bankholidays.txt line %d: want \"YYYY-MM-DD name\"", i+1)
		}
		d, err := rules.ParseDate(ds)
		if err != nil {
			return nil, fmt.Errorf("bankholidays.txt line %d: %s %v", i+1, ds, err)
		}
		if d <= last {
			return nil, fmt.Errorf("bankholidays.txt line %d: %s is not after %s", i+1, d, last)
		}
		if wd := Weekday(d); wd == time.Saturday || wd == time.Sunday {
			return nil, fmt.Errorf("bankholidays.txt line %d: %s is a %s", i+1, d, wd)
		}
		c.names[d] = name
		years[d.Year()] = true
		last = d
	}
	if len(c.names) == 0 {
		return nil, fmt.Errorf("bankholidays.txt lists no holidays")
	}
	c.firstYear, c.lastYear = 1<<30, 0
	for y := range years {
		c.firstYear, c.lastYear = min(c.firstYear, y), max(c.lastYear, y)
	}
	for y := c.firstYear; y <= c.lastYear; y++ {
		if !years[y] {
			return nil, fmt.Errorf("bankholidays.txt skips the year %d", y)
		}
	}
	return c, nil
}

func holidays() *holidayCalendar {
	c, err := loadHolidays()
	if err != nil {
		// The embedded file is checked by the tests; a broken one is a
		// build fault, not a runtime condition.
		panic(err)
	}
	return c
}

// weekdayOrigin is a known Monday.
var weekdayOrigin = rules.MakeDate(2000, 1, 3)

// Weekday returns the day of the week of d.
func Weekday(d rules.Date) time.Weekday {
	n := weekdayOrigin.DaysUntil(d) % 7 // 0 is Monday
	if n < 0 {
		n += 7
	}
	return time.Weekday((n + 1) % 7)
}

// CalendarYears returns the first and last years the bank holiday list
// covers.
func CalendarYears() (first, last int) {
	c := holidays()
	return c.firstYear, c.lastYear
}

// Covers reports whether d falls in a year the bank holiday list covers.
func Covers(d rules.Date) bool {
	c := holidays()
	return d.Year() >= c.firstYear && d.Year() <= c.lastYear
}

// BankHoliday returns the name of the England and Wales bank holiday on d,
// if d is one.
func BankHoliday(d rules.Date) (string, bool) {
	name, ok := holidays().names[d]
	return name, ok
}

// WorkingDay reports whether d is a working day in England and Wales: not a
// Saturday or Sunday and not a bank holiday. For a day outside the years the
// list covers (see Covers) it cannot know, and says false, so that nothing
// is paid on a day that may turn out to be a holiday.
func WorkingDay(d rules.Date) bool {
	if !Covers(d) {
		return false
	}
	if wd := Weekday(d); wd == time.Saturday || wd == time.Sunday {
		return false
	}
	_, hol := BankHoliday(d)
	return !hol
}

// PayDay returns the day a payment due on d is made: d itself if it is a
// working day, otherwise the last working day before it (DWP and HMRC pay
// early, never late: see the sources above). It fails with EINVALID when d,
// or a day it would move back through, is outside the years the bank
// holiday list covers.
func PayDay(d rules.Date) (rules.Date, error) {
	if _, err := rules.ParseDate(d.String()); err != nil {
		return 0, lifeline.Errorf(lifeline.EINVALID, "pay day %s %v", d, err)
	}
	for day := d; ; day = day.AddDays(-1) {
		if !Covers(day) {
			first, last := CalendarYears()
			return 0, lifeline.Errorf(lifeline.EINVALID,
				"cannot work out the pay day for %s: the bank holiday calendar covers %d to %d only", d, first, last)
		}
		if WorkingDay(day) {
			return day, nil
		}
	}
}
