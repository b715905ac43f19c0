package rules

import "testing"

// State Pension age from the tables in the Pensions Act 1995 Sch 4 as
// amended by the Pensions Acts 2007, 2011 and 2014.
func TestPensionAge(t *testing.T) {
	r, err := testParams.Rates(per("2025-06"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct{ dob, want string }{
		{"1950-01-01", "2015-01-01"}, // before 6 December 1953: 65 (men's age; sex is not recorded)
		{"1953-12-06", "2019-03-06"}, // Pensions Act 2011 table: a fixed date
		{"1954-09-20", "2020-09-06"},
		{"1954-10-06", "2020-10-06"}, // 66
		{"1960-04-05", "2026-04-05"}, // the last day of 66
		{"1960-04-06", "2026-05-06"}, // Pensions Act 2014: 66 and 1 month
		{"1960-12-31", "2027-09-30"}, // 66 and 9 months; 31 September does not exist
		{"1961-03-05", "2028-02-05"}, // 66 and 11 months
		{"1961-03-06", "2028-03-06"}, // 67
		{"1977-04-05", "2044-04-05"}, // the last day of 67
		{"1977-04-06", "2044-05-06"}, // Pensions Act 2007 table: a fixed date
		{"1978-03-20", "2046-03-06"},
		{"1978-04-06", "2046-04-06"}, // 68
	}
	for _, tt := range tests {
		if got := r.PensionAge(d(tt.dob)); got != d(tt.want) {
			t.Errorf("PensionAge(%s) = %s, want %s", tt.dob, got, tt.want)
		}
	}
}
