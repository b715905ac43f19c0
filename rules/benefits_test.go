package rules

import "testing"

// The other seven benefits, worked by hand from the published weekly rates.
func TestOtherBenefits(t *testing.T) {
	type want struct {
		b      Benefit
		amount string
	}
	a := func(f func(*Adult)) Household {
		x := adult("1990-01-01")
		f(&x)
		return Household{Adults: []Adult{x}}
	}
	tests := []struct {
		name   string
		period string
		h      Household
		want   []want
	}{
		{"State Pension, 35 years", "2025-06", a(func(x *Adult) { x.DateOfBirth, x.SPAssessed, x.NIQualifyingYears = d("1958-01-01"), true, 35 }),
			[]want{{StatePension, "230.25"}}},
		{"State Pension, 20 years: 20/35", "2025-06", a(func(x *Adult) { x.DateOfBirth, x.SPAssessed, x.NIQualifyingYears = d("1958-01-01"), true, 20 }),
			[]want{{StatePension, "131.57"}}}, // 230.25 × 20 / 35 = 131.571…
		{"State Pension, 10 years, 2026/27", "2026-05", a(func(x *Adult) { x.DateOfBirth, x.SPAssessed, x.NIQualifyingYears = d("1958-01-01"), true, 10 }),
			[]want{{StatePension, "68.94"}}}, // 241.30 × 10 / 35 = 68.942…
		{"State Pension, 9 years: none", "2025-06", a(func(x *Adult) { x.DateOfBirth, x.SPAssessed, x.NIQualifyingYears = d("1958-01-01"), true, 9 }),
			[]want{{StatePension, "0.00"}}},
		{"State Pension age reached during the period (66 and 1 month)", "2026-05", a(func(x *Adult) { x.DateOfBirth, x.SPAssessed, x.NIQualifyingYears = d("1960-04-06"), true, 40 }),
			[]want{{StatePension, "241.30"}}}, // pension age 6 May 2026
		{"State Pension age not yet reached", "2026-04", a(func(x *Adult) { x.DateOfBirth, x.SPAssessed, x.NIQualifyingYears = d("1960-04-06"), true, 40 }),
			[]want{{StatePension, "0.00"}, {UniversalCredit, "400.14"}}},
		{"Pension Credit, no income", "2025-06", a(func(x *Adult) { x.DateOfBirth = d("1950-01-01") }),
			[]want{{PensionCredit, "227.10"}, {UniversalCredit, "0.00"}}},
		{"Pension Credit less the State Pension", "2025-06", a(func(x *Adult) { x.DateOfBirth, x.SPAssessed, x.NIQualifyingYears = d("1956-01-01"), true, 20 }),
			[]want{{StatePension, "131.57"}, {PensionCredit, "95.53"}}}, // 227.10 − 131.57
		{"Pension Credit, capital £10,000.01: £1 deemed income", "2025-06", a(func(x *Adult) { x.DateOfBirth = d("1950-01-01") }),
			nil},
		{"Pension Credit, couple, 2026/27", "2026-05", Household{Adults: []Adult{adult("1950-01-01"), {ID: "a2", DateOfBirth: d("1952-01-01")}}},
			[]want{{PensionCredit, "363.25"}}},
		{"Pension Credit, earnings with the £5 disregard", "2025-06", a(func(x *Adult) { x.DateOfBirth, x.Earnings = d("1950-01-01"), m("216.67") }),
			[]want{{PensionCredit, "182.10"}}}, // 216.67 × 12 / 52 = 50.00; 50.00 − 5.00 = 45.00; 227.10 − 45.00
		{"Carer's Allowance, earnings exactly at the limit", "2025-06", a(func(x *Adult) { x.CaringHours, x.CaredForQualifies, x.Earnings = 35, true, m("849.33") }),
			[]want{{CarersAllowance, "83.30"}}}, // 849.33 × 12 / 52 = 195.999… ≤ 196.00
		{"Carer's Allowance, earnings a penny over the limit", "2025-06", a(func(x *Adult) { x.CaringHours, x.CaredForQualifies, x.Earnings = 35, true, m("849.34") }),
			[]want{{CarersAllowance, "0.00"}}}, // 849.34 × 12 / 52 = 196.0015… > 196.00
		{"Carer's Allowance, 2024/25 limit", "2024-06", a(func(x *Adult) { x.CaringHours, x.CaredForQualifies, x.Earnings = 50, true, m("654.33") }),
			[]want{{CarersAllowance, "81.90"}}}, // 654.33 × 12 / 52 = 150.99… ≤ 151.00
		{"Carer's Allowance, full-time education", "2025-06", a(func(x *Adult) { x.CaringHours, x.CaredForQualifies, x.InFullTimeEducation = 35, true, true }),
			[]want{{CarersAllowance, "0.00"}}},
		{"Carer's Allowance, cared-for person without a qualifying benefit", "2026-05", a(func(x *Adult) { x.CaringHours = 50 }),
			[]want{{CarersAllowance, "0.00"}, {UniversalCredit, "424.90"}}},
		{"Carer's Allowance, 2026/27", "2026-05", a(func(x *Adult) { x.CaringHours, x.CaredForQualifies = 35, true }),
			[]want{{CarersAllowance, "86.45"}}},
		{"PIP, 7 and 8 points", "2025-06", a(func(x *Adult) { x.PIPAssessed, x.PIPDailyLivingPoints, x.PIPMobilityPoints = true, 7, 8 }),
			[]want{{PIP, "29.20"}}}, // no daily living; mobility standard
		{"PIP, 11 and 12 points", "2025-06", a(func(x *Adult) { x.PIPAssessed, x.PIPDailyLivingPoints, x.PIPMobilityPoints = true, 11, 12 }),
			[]want{{PIP, "150.95"}}}, // 73.90 daily living standard + 77.05 mobility enhanced
		{"PIP, 12 and 12 points, 2026/27", "2026-05", a(func(x *Adult) { x.PIPAssessed, x.PIPDailyLivingPoints, x.PIPMobilityPoints = true, 12, 12 }),
			[]want{{PIP, "194.60"}}}, // 114.60 + 80.00
		{"PIP, 2024/25", "2024-06", a(func(x *Adult) { x.PIPAssessed, x.PIPDailyLivingPoints, x.PIPMobilityPoints = true, 8, 12 }),
			[]want{{PIP, "148.40"}}}, // 72.65 + 75.75
		{"Attendance Allowance, day and night", "2026-05", a(func(x *Adult) { x.DateOfBirth, x.AttendanceNeeds = d("1950-01-01"), DayAndNight }),
			[]want{{AttendanceAllowance, "114.60"}}},
		{"Attendance Allowance, day or night, 2024/25", "2024-06", a(func(x *Adult) { x.DateOfBirth, x.AttendanceNeeds = d("1950-01-01"), DayOrNight }),
			[]want{{AttendanceAllowance, "72.65"}}},
		{"Attendance Allowance under pension age: none", "2025-06", a(func(x *Adult) { x.AttendanceNeeds = DayAndNight }),
			[]want{{AttendanceAllowance, "0.00"}}},
		{"Child Benefit, three children", "2025-06", Household{Adults: []Adult{adult("1980-01-01")}, Children: kids("2010-01-01", "2012-01-01", "2020-01-01")},
			[]want{{ChildBenefit, "60.55"}}}, // 26.05 + 2 × 17.25
		{"Child Benefit, 16-year-old after the 1 September following the birthday, not in education", "2025-10", Household{Adults: []Adult{adult("1980-01-01")}, Children: kids("2009-01-01")},
			[]want{{ChildBenefit, "0.00"}}},
		{"Child Benefit, 16-year-old before that 1 September", "2025-06", Household{Adults: []Adult{adult("1980-01-01")}, Children: kids("2009-01-01")},
			[]want{{ChildBenefit, "26.05"}}},
		{"Bereavement Support Payment, higher rate", "2025-06", Household{Adults: []Adult{{ID: "a1", DateOfBirth: d("1985-01-01"), PartnerDiedOn: d("2025-01-15")}}, Children: kids("2015-01-01")},
			[]want{{BereavementSupportPayment, "350.00"}}},
		{"Bereavement Support Payment, 18th instalment", "2026-06", Household{Adults: []Adult{{ID: "a1", DateOfBirth: d("1985-01-01"), PartnerDiedOn: d("2025-01-15")}}},
			[]want{{BereavementSupportPayment, "100.00"}}}, // January 2025 is the first month, June 2026 the 18th
		{"Bereavement Support Payment, after 18 instalments", "2026-07", Household{Adults: []Adult{{ID: "a1", DateOfBirth: d("1985-01-01"), PartnerDiedOn: d("2025-01-15")}}},
			[]want{{BereavementSupportPayment, "0.00"}}},
		{"Bereavement Support Payment, death before 6 April 2017", "2025-06", Household{Adults: []Adult{{ID: "a1", DateOfBirth: d("1985-01-01"), PartnerDiedOn: d("2017-04-05")}}},
			[]want{{BereavementSupportPayment, "0.00"}}},
	}
	tests[8].h.Capital = m("10000.01")
	tests[8].want = []want{{PensionCredit, "226.10"}} // 227.10 − £1 for the part of £500 over £10,000
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := compute(t, tt.period, tt.h)
			for _, w := range tt.want {
				if got := res.Benefits[w.b].Amount; got != m(w.amount) {
					t.Errorf("%s = %s, want %s; reasons: %v", w.b.Key(), got, w.amount, res.Benefits[w.b].Reasons)
				}
			}
		})
	}
}

func TestNoRulesForPeriod(t *testing.T) {
	for _, p := range []string{"2024-03", "2027-04", "1999-01"} {
		if _, err := testParams.Rates(per(p)); err == nil {
			t.Errorf("Rates(%s): want an error", p)
		}
	}
	for _, p := range []string{"2024-04", "2027-03"} {
		if _, err := testParams.Rates(per(p)); err != nil {
			t.Errorf("Rates(%s): %v", p, err)
		}
	}
}
