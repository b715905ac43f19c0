package rules

import "testing"

func TestAssessmentPeriods(t *testing.T) {
	tests := []struct {
		name       string
		first      string
		n          int
		start, end string
	}{
		{"first period from the claim date", "2025-06-15", 0, "2025-06-15", "2025-07-14"},
		{"third period", "2025-06-15", 2, "2025-08-15", "2025-09-14"},
		{"over a year end", "2025-11-10", 2, "2026-01-10", "2026-02-09"},
		{"from the 1st: calendar months", "2025-01-01", 1, "2025-02-01", "2025-02-28"},
		{"from the 28th: always the 28th", "2025-01-28", 1, "2025-02-28", "2025-03-27"},
		// reg 21(2)(a): from the 31st, the last day of each month.
		{"31st, into February", "2025-01-31", 0, "2025-01-31", "2025-02-27"},
		{"31st, February period", "2025-01-31", 1, "2025-02-28", "2025-03-30"},
		{"31st, March period", "2025-01-31", 2, "2025-03-31", "2025-04-29"},
		{"31st, April period", "2025-01-31", 3, "2025-04-30", "2025-05-30"},
		{"31st, leap February", "2024-01-31", 1, "2024-02-29", "2024-03-30"},
		// reg 21(2)(b): from the 29th or 30th, that day, but the 27th in February (28th in a leap year).
		{"30th, into February", "2025-01-30", 0, "2025-01-30", "2025-02-26"},
		{"30th, February period", "2025-01-30", 1, "2025-02-27", "2025-03-29"},
		{"30th, after February", "2025-01-30", 2, "2025-03-30", "2025-04-29"},
		{"29th, leap February", "2024-01-29", 1, "2024-02-28", "2024-03-28"},
		{"29th, common February", "2025-01-29", 1, "2025-02-27", "2025-03-28"},
		{"30th, in a 30-day month", "2025-04-30", 0, "2025-04-30", "2025-05-29"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start, end := AssessmentPeriod(d(tt.first), tt.n)
			if start.String() != tt.start || end.String() != tt.end {
				t.Errorf("period %d from %s = %s to %s, want %s to %s", tt.n, tt.first, start, end, tt.start, tt.end)
			}
		})
	}
}

// TestAssessmentPeriodsTile checks, for every first date over four years,
// that periods follow each other without gap or overlap, each lasts 27 to 31
// days, and AssessmentPeriodOf finds the period of every day.
func TestAssessmentPeriodsTile(t *testing.T) {
	for first := d("2023-01-01"); first < d("2027-01-01"); first = first.addDays(1) {
		prevEnd := first.addDays(-1)
		for n := range 14 {
			start, end := AssessmentPeriod(first, n)
			if start != prevEnd.addDays(1) {
				t.Fatalf("first %s: period %d starts %s, the day after %s was expected", first, n, start, prevEnd)
			}
			if days := end.dayNumber() - start.dayNumber() + 1; days < 27 || days > 31 {
				t.Fatalf("first %s: period %d lasts %d days", first, n, days)
			}
			for _, day := range []Date{start, end} {
				if got := AssessmentPeriodOf(first, day); got != n {
					t.Fatalf("first %s: AssessmentPeriodOf(%s) = %d, want %d", first, day, got, n)
				}
			}
			prevEnd = end
		}
	}
	if got := AssessmentPeriodOf(d("2025-06-15"), d("2025-06-14")); got != -1 {
		t.Errorf("a day before entitlement is in period %d, want -1", got)
	}
}

func TestDayArithmetic(t *testing.T) {
	for day := d("1999-12-25"); day < d("2031-01-05"); day = day.addDays(1) {
		if back := dateOfDayNumber(day.dayNumber()); back != day {
			t.Fatalf("%s round-trips to %s", day, back)
		}
		next := day.addDays(1)
		want := MakeDate(day.Year(), day.Month(), day.Day()+1)
		if day.Day() == daysIn(day.Year(), day.Month()) {
			want = MakeDate(day.Year(), day.Month(), 1).AddMonths(1)
		}
		if next != want {
			t.Fatalf("the day after %s is %s, want %s", day, next, want)
		}
	}
	if got := WeekOf(d("2025-06-02"), d("2025-06-16")); got != 2 {
		t.Errorf("WeekOf = %d, want 2", got)
	}
	if got := WeekOf(d("2025-06-02"), d("2025-06-01")); got != -1 {
		t.Errorf("WeekOf before start = %d, want -1", got)
	}
}
