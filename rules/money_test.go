package rules

import "testing"

func TestParseMoney(t *testing.T) {
	good := map[string]Money{"0.00": 0, "0.01": 1, "12.30": 1230, "1234.56": 123456, "1000000000.00": 100000000000}
	for s, want := range good {
		got, err := ParseMoney(s)
		if err != nil || got != want {
			t.Errorf("ParseMoney(%q) = %d, %v; want %d", s, got, err, want)
		}
		if got.String() != s {
			t.Errorf("Money(%d).String() = %q, want %q", got, got.String(), s)
		}
	}
	for _, s := range []string{"", "12.3", "12", "12.", ".50", "-1.00", "+1.00", "1e3", "1.000", "01.00", " 1.00", "1.00 ", "1,000.00", "1.0a", "NaN", "1000000000.01", "99999999999999999999.00"} {
		if got, err := ParseMoney(s); err == nil {
			t.Errorf("ParseMoney(%q) = %d, want an error", s, got)
		}
	}
}

func TestMulDivRound(t *testing.T) {
	tests := []struct {
		m        Money
		num, den int64
		want     Money
	}{
		{m("100.01"), 55, 100, m("55.01")}, // 55.0055: under half a penny is disregarded
		{m("0.01"), 50, 100, m("0.01")},    // exactly half a penny is treated as a penny
		{m("0.01"), 49, 100, 0},            // 0.0049: disregarded
		{m("83.30"), 52, 12, m("360.97")},  // 360.9666...: rounded up
		{m("849.33"), 12, 52, m("196.00")}, // 195.999...: rounded up
	}
	for _, tt := range tests {
		if got := mulDivRound(tt.m, tt.num, tt.den); got != tt.want {
			t.Errorf("mulDivRound(%s, %d, %d) = %s, want %s", tt.m, tt.num, tt.den, got, tt.want)
		}
	}
}
