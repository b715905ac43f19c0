package rules

import "testing"

func TestParseDate(t *testing.T) {
	for _, s := range []string{"2024-02-29", "1900-01-01", "2199-12-31", "2017-04-05"} {
		if got, err := ParseDate(s); err != nil || got.String() != s {
			t.Errorf("ParseDate(%q) = %s, %v", s, got, err)
		}
	}
	for _, s := range []string{"2023-02-29", "2025-04-31", "2025-13-01", "2025-00-10", "2025-1-01", "25-01-01", "2025/01/01", "1899-12-31", "2025-01-01T00:00:00Z", ""} {
		if _, err := ParseDate(s); err == nil {
			t.Errorf("ParseDate(%q): want an error", s)
		}
	}
}

func TestAgeOn(t *testing.T) {
	tests := []struct {
		dob, on string
		want    int
	}{
		{"2000-06-15", "2025-06-14", 24}, // the day before the 25th birthday
		{"2000-06-15", "2025-06-15", 25}, // the 25th birthday
		{"2000-02-29", "2025-02-28", 24}, // born on 29 February: 25 on 1 March in a common year
		{"2000-02-29", "2025-03-01", 25},
		{"2000-02-29", "2024-02-29", 24},
	}
	for _, tt := range tests {
		if got := d(tt.dob).AgeOn(d(tt.on)); got != tt.want {
			t.Errorf("%s.AgeOn(%s) = %d, want %d", tt.dob, tt.on, got, tt.want)
		}
	}
}

func TestAddMonths(t *testing.T) {
	tests := []struct {
		from string
		n    int
		want string
	}{
		{"1960-12-31", 66*12 + 9, "2027-09-30"}, // no 31 September: the month's last day
		{"1960-04-06", 66*12 + 1, "2026-05-06"},
		{"2024-01-31", 1, "2024-02-29"},
		{"2025-03-15", -3, "2024-12-15"},
	}
	for _, tt := range tests {
		if got := d(tt.from).AddMonths(tt.n); got != d(tt.want) {
			t.Errorf("%s.AddMonths(%d) = %s, want %s", tt.from, tt.n, got, tt.want)
		}
	}
}
