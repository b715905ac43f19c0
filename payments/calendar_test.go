package payments

import (
	"strings"
	"testing"
	"time"

	"github.com/lifeline-gov/lifeline"
	"github.com/lifeline-gov/lifeline/rules"
)

func d(s string) rules.Date {
	v, err := rules.ParseDate(s)
	if err != nil {
		panic(s + ": " + err.Error())
	}
	return v
}

func TestCalendarWeekday(t *testing.T) {
	for _, c := range []struct {
		day  string
		want time.Weekday
	}{
		{"2000-01-03", time.Monday},
		{"1999-12-31", time.Friday},
		{"2024-01-01", time.Monday},
		{"2024-02-29", time.Thursday},
		{"2026-12-25", time.Friday},
		{"2026-12-26", time.Saturday},
		{"2027-12-25", time.Saturday},
		{"2027-12-26", time.Sunday},
		{"2028-01-01", time.Saturday},
		{"1970-01-01", time.Thursday},
	} {
		if got := Weekday(d(c.day)); got != c.want {
			t.Errorf("Weekday(%s) = %s, want %s", c.day, got, c.want)
		}
	}
	// Agrees with the standard library over the years that matter.
	for day := d("2023-01-01"); day < d("2029-01-01"); day = day.AddDays(1) {
		want := time.Date(day.Year(), time.Month(day.Month()), day.Day(), 12, 0, 0, 0, time.UTC).Weekday()
		if got := Weekday(day); got != want {
			t.Fatalf("Weekday(%s) = %s, want %s", day, got, want)
		}
	}
}

// easter returns Easter Sunday of year y (Gregorian computus).
func easter(y int) rules.Date {
	a, b, c := y%19, y/100, y%100
	dd, e := b/4, b%4
	f := (b + 8) / 25
	g := (b - f + 1) / 3
	h := (19*a + b - dd - g + 15) % 30
	i, k := c/4, c%4
	l := (32 + 2*e + 2*i - h - k) % 7
	m := (a + 11*h + 22*l) / 451
	month := (h + l - 7*m + 114) / 31
	day := (h+l-7*m+114)%31 + 1
	return rules.MakeDate(y, month, day)
}

// ruleHolidays works out England and Wales bank holidays for year y from the
// standing rules, independently of bankholidays.txt.
func ruleHolidays(y int) map[rules.Date]bool {
	out := map[rules.Date]bool{}
	add := func(day rules.Date) { out[day] = true }
	weekend := func(day rules.Date) bool { w := Weekday(day); return w == time.Saturday || w == time.Sunday }
	nextFree := func(day rules.Date) rules.Date {
		for weekend(day) || out[day] {
			day = day.AddDays(1)
		}
		return day
	}
	add(nextFree(rules.MakeDate(y, 1, 1)))
	e := easter(y)
	add(e.AddDays(-2))
	add(e.AddDays(1))
	first := rules.MakeDate(y, 5, 1)
	for Weekday(first) != time.Monday {
		first = first.AddDays(1)
	}
	add(first)
	lastMonday := func(m, days int) rules.Date {
		day := rules.MakeDate(y, m, days)
		for Weekday(day) != time.Monday {
			day = day.AddDays(-1)
		}
		return day
	}
	add(lastMonday(5, 31))
	add(lastMonday(8, 31))
	add(nextFree(rules.MakeDate(y, 12, 25)))
	add(nextFree(rules.MakeDate(y, 12, 26)))
	return out
}

func TestCalendarFileMatchesRules(t *testing.T) {
	first, last := CalendarYears()
	if first != 2024 || last != 2027 {
		t.Fatalf("calendar covers %d-%d, want 2024-2027", first, last)
	}
	c := holidays()
	for y := first; y <= last; y++ {
		want := ruleHolidays(y)
		n := 0
		for day := range c.names {
			if day.Year() != y {
				continue
			}
			n++
			if !want[day] {
				t.Errorf("bankholidays.txt lists %s (%s), which the rules do not give", day, c.names[day])
			}
		}
		for day := range want {
			if _, ok := c.names[day]; !ok {
				t.Errorf("bankholidays.txt lacks %s, which the rules give", day)
			}
		}
		if n != 8 {
			t.Errorf("%d: %d holidays listed, want 8", y, n)
		}
	}
	if easter(2026) != d("2026-04-05") || easter(2027) != d("2027-03-28") || easter(2024) != d("2024-03-31") {
		t.Fatal("computus is wrong")
	}
}

func TestCalendarParseRejects(t *testing.T) {
	for name, text := range map[string]string{
		"no name":      "2024-01-01\n",
		"bad date":     "2024-02-30 Nothing\n",
		"weekend":      "2027-12-25 Christmas Day\n",
		"out of order": "2024-12-25 Christmas Day\n2024-01-01 New Year's Day\n",
		"duplicate":    "2024-01-01 A\n2024-01-01 B\n",
		"gap":          "2024-01-01 A\n2026-01-01 B\n",
		"empty":        "# nothing\n",
	} {
		if _, err := parseHolidays(text); err == nil {
			t.Errorf("%s: parsed without error", name)
		}
	}
	c, err := parseHolidays("# c\n\n2024-01-01 New Year's Day\n2025-01-01 New Year's Day\n")
	if err != nil || c.firstYear != 2024 || c.lastYear != 2025 || c.names[d("2024-01-01")] != "New Year's Day" {
		t.Fatalf("parse: %v %+v", err, c)
	}
}

func TestCalendarWorkingDay(t *testing.T) {
	for _, c := range []struct {
		day  string
		want bool
	}{
		{"2026-12-24", true},  // Thursday
		{"2026-12-25", false}, // Christmas Day, a Friday
		{"2026-12-26", false}, // Boxing Day, a Saturday
		{"2026-12-28", false}, // Boxing Day (substitute day), Monday
		{"2026-12-29", true},
		{"2026-04-03", false}, // Good Friday
		{"2026-04-06", false}, // Easter Monday
		{"2026-04-07", true},
		{"2026-06-13", false}, // Saturday
		{"2026-06-14", false}, // Sunday
		{"2026-06-15", true},
		{"2027-01-01", false},
		{"2027-12-27", false},
		{"2027-12-28", false},
		{"2027-12-29", true},
		{"2028-01-04", false}, // outside the calendar: unknown, so false
		{"2023-12-27", false},
	} {
		if got := WorkingDay(d(c.day)); got != c.want {
			t.Errorf("WorkingDay(%s) = %v, want %v", c.day, got, c.want)
		}
	}
	if name, ok := BankHoliday(d("2026-12-28")); !ok || !strings.Contains(name, "Boxing Day") {
		t.Errorf("BankHoliday(2026-12-28) = %q, %v", name, ok)
	}
	if _, ok := BankHoliday(d("2026-12-26")); ok {
		t.Error("26 December 2026 is a Saturday: the holiday is the Monday")
	}
}

func TestPayDay(t *testing.T) {
	for _, c := range []struct {
		name, due, want string
	}{
		{"working day", "2026-06-10", "2026-06-10"},
		{"Christmas 2026 on a Friday", "2026-12-25", "2026-12-24"},
		{"Boxing Day 2026 on a Saturday", "2026-12-26", "2026-12-24"},
		{"Boxing Day substitute Monday 28 December 2026", "2026-12-28", "2026-12-24"},
		{"Good Friday 2026", "2026-04-03", "2026-04-02"},
		{"Easter Monday 2026", "2026-04-06", "2026-04-02"},
		{"Easter Sunday 2026", "2026-04-05", "2026-04-02"},
		{"Saturday to Friday", "2026-06-13", "2026-06-12"},
		{"Sunday to Friday", "2026-06-14", "2026-06-12"},
		{"Monday bank holiday to Friday", "2026-05-25", "2026-05-22"},
		{"August bank holiday 2026", "2026-08-31", "2026-08-28"},
		{"New Year 2027, a Friday", "2027-01-01", "2026-12-31"},
		{"Christmas substitute 2027", "2027-12-28", "2027-12-24"},
		{"Christmas Day 2027, a Saturday", "2027-12-25", "2027-12-24"},
		{"New Year 2025, a Wednesday", "2025-01-01", "2024-12-31"},
		{"last covered day", "2027-12-31", "2027-12-31"},
	} {
		got, err := PayDay(d(c.due))
		if err != nil || got != d(c.want) {
			t.Errorf("%s: PayDay(%s) = %s, %v; want %s", c.name, c.due, got, err, c.want)
		}
	}
}

func TestPayDayOutOfRange(t *testing.T) {
	for _, due := range []rules.Date{
		d("2028-01-03"), // after the calendar
		d("2023-12-29"), // before it
		d("2024-01-01"), // a holiday whose working day before is in 2023
		rules.MakeDate(2026, 2, 30),
		0,
	} {
		got, err := PayDay(due)
		if err == nil {
			t.Errorf("PayDay(%s) = %s, want an error", due, got)
			continue
		}
		if lifeline.ErrorCode(err) != lifeline.EINVALID {
			t.Errorf("PayDay(%s): code %q, want %q", due, lifeline.ErrorCode(err), lifeline.EINVALID)
		}
	}
}

// Every pay day is a working day, never after the due day, and no more than
// four days before it (the longest run of non-working days in these years is
// Christmas 2026 and 2027: Friday or Saturday to Monday or Tuesday).
func TestPayDayProperties(t *testing.T) {
	for due := d("2024-01-02"); due <= d("2027-12-31"); due = due.AddDays(1) {
		got, err := PayDay(due)
		if err != nil {
			t.Fatalf("PayDay(%s): %v", due, err)
		}
		if !WorkingDay(got) || got > due || got.DaysUntil(due) > 4 {
			t.Fatalf("PayDay(%s) = %s", due, got)
		}
		for day := got.AddDays(1); day <= due; day = day.AddDays(1) {
			if WorkingDay(day) {
				t.Fatalf("PayDay(%s) = %s, but %s is a working day", due, got, day)
			}
		}
	}
}
