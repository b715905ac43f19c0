package rules

import "testing"

// A stay in hospital or abroad suspends disability benefits only once it has
// lasted longer than the law allows, counted to the last day of the period;
// Universal Credit stops after a month abroad.
func TestAbsences(t *testing.T) {
	const period = "2025-06" // ends 30 June 2025
	pip := Adult{ID: "a1", DateOfBirth: d("1980-01-01"), PIPAssessed: true, PIPDailyLivingPoints: 12, PIPMobilityPoints: 12}
	aa := Adult{ID: "a1", DateOfBirth: d("1945-01-01"), AttendanceNeeds: DayAndNight}
	uc := Adult{ID: "a1", DateOfBirth: d("1980-01-01")}
	tests := []struct {
		name    string
		adult   Adult
		benefit Benefit
		change  func(a *Adult)
		payable bool
	}{
		{"PIP, no stay", pip, PIP, func(*Adult) {}, true},
		{"PIP, 28th day in hospital", pip, PIP, func(a *Adult) { a.InHospitalSince = d("2025-06-03") }, true},
		{"PIP, 29th day in hospital", pip, PIP, func(a *Adult) { a.InHospitalSince = d("2025-06-02") }, false},
		{"PIP, admitted after the period", pip, PIP, func(a *Adult) { a.InHospitalSince = d("2025-07-01") }, true},
		{"PIP, 13 weeks abroad", pip, PIP, func(a *Adult) { a.AbroadSince = d("2025-04-01") }, true},
		{"PIP, 13 weeks and a day abroad", pip, PIP, func(a *Adult) { a.AbroadSince = d("2025-03-31") }, false},
		{"AA, 29th day in hospital", aa, AttendanceAllowance, func(a *Adult) { a.InHospitalSince = d("2025-06-02") }, false},
		{"AA, 28th day in hospital", aa, AttendanceAllowance, func(a *Adult) { a.InHospitalSince = d("2025-06-03") }, true},
		{"UC, abroad exactly a month", uc, UniversalCredit, func(a *Adult) { a.AbroadSince = d("2025-05-30") }, true},
		{"UC, abroad over a month", uc, UniversalCredit, func(a *Adult) { a.AbroadSince = d("2025-05-29") }, false},
		{"UC, in hospital", uc, UniversalCredit, func(a *Adult) { a.InHospitalSince = d("2025-01-01") }, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := tt.adult
			tt.change(&a)
			h := Household{Adults: []Adult{a}}
			res, err := NewEngine(testParams).Calculate(Situation{Period: per(period), Household: h})
			if err != nil {
				t.Fatal(err)
			}
			got := res.Benefits[tt.benefit]
			if payable := got.Amount > 0; payable != tt.payable {
				t.Errorf("%s amount %s, want payable=%v; reasons: %v", tt.benefit.Key(), got.Amount, tt.payable, got.Reasons)
			}
		})
	}
}
