package rules

// Universal Credit is assessed in assessment periods of one month beginning
// with the first date of entitlement (SI 2013/376 reg 21(1)). Each begins on
// the same day of the month, except (reg 21(2)):
//   - from the 31st, each begins on the last day of the month;
//   - from the 29th or 30th, each begins on that day, except in February,
//     when it begins on the 27th, or the 28th in a leap year.
// The claims service uses these to lay out an award's periods and to find
// the period from which a change of circumstances takes effect.

// AssessmentPeriod returns the first and last day of the nth assessment
// period (n from 0) of an award whose first date of entitlement is first.
func AssessmentPeriod(first Date, n int) (start, end Date) {
	return periodStart(first, n), periodStart(first, n+1).addDays(-1)
}

// AssessmentPeriodOf returns the index of the assessment period containing
// day, or -1 if day is before first.
func AssessmentPeriodOf(first, day Date) int {
	if day < first {
		return -1
	}
	n := (day.Year()-first.Year())*12 + day.Month() - first.Month()
	for n > 0 && periodStart(first, n) > day {
		n--
	}
	for periodStart(first, n+1) <= day {
		n++
	}
	return n
}

func periodStart(first Date, n int) Date {
	if n == 0 { // reg 21(1): the first begins with the first date of entitlement, even on 29 February
		return first
	}
	months := first.Year()*12 + first.Month() - 1 + n
	y, m := months/12, months%12+1
	day := first.Day()
	switch {
	case day == 31:
		day = daysIn(y, m)
	case (day == 29 || day == 30) && m == 2:
		day = 27
		if isLeap(y) {
			day = 28
		}
	}
	return MakeDate(y, m, day)
}

// WeekOf returns the index (from 0) of the week, counted from start, that
// contains day, or -1 if day is before start: weekly benefits are paid in
// weeks from the day entitlement starts.
func WeekOf(start, day Date) int {
	if day < start {
		return -1
	}
	return (day.dayNumber() - start.dayNumber()) / 7
}

// addDays returns d moved by n days.
func (d Date) addDays(n int) Date { return dateOfDayNumber(d.dayNumber() + n) }

// dayNumber counts days from 1 March of year 0, so leap days fall at the end
// of each counted year and the arithmetic stays simple.
func (d Date) dayNumber() int {
	y, m := d.Year(), d.Month()
	if m < 3 {
		y--
		m += 12
	}
	return 365*y + y/4 - y/100 + y/400 + (153*(m-3)+2)/5 + d.Day() - 1
}

func dateOfDayNumber(n int) Date {
	y := (10000*n + 14780) / 3652425
	doy := n - (365*y + y/4 - y/100 + y/400)
	if doy < 0 {
		y--
		doy = n - (365*y + y/4 - y/100 + y/400)
	}
	mi := (100*doy + 52) / 3060
	m := (mi+2)%12 + 1
	y += (mi + 2) / 12
	return MakeDate(y, m, doy-(mi*306+5)/10+1)
}
