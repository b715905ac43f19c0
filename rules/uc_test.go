package rules

import "testing"

// Universal Credit, worked by hand from the published monthly rates
// (CPAG 2024/25 and 2025/26 tables; DWP proposed rates 2026/27).
func TestUniversalCredit(t *testing.T) {
	single := func(dob string) Household { return Household{Adults: []Adult{adult(dob)}} }
	with := func(h Household, f func(*Household)) Household { f(&h); return h }
	tests := []struct {
		name   string
		period string
		h      Household
		want   string
	}{
		{"single 30, no income, 2025/26", "2025-06", single("1995-01-01"),
			"400.14"}, // standard allowance, single 25 or over
		{"single 30, 2024/25", "2024-06", single("1994-01-01"),
			"393.45"},
		{"single 30, 2026/27", "2026-05", single("1996-01-01"),
			"424.90"},
		{"April 2024 is still a 2023/24 assessment period", "2024-04", single("1990-01-01"),
			"368.74"}, // the 2024/25 rates apply from the first assessment period beginning on or after 8 April 2024
		{"April 2026 is still a 2025/26 assessment period", "2026-04", single("1990-01-01"),
			"400.14"},
		{"25th birthday on the last day of the period", "2025-06", single("2000-06-30"),
			"400.14"}, // 25 by the end of the assessment period: the higher rate for all of it
		{"25th birthday the day after the period", "2025-06", single("2000-07-01"),
			"316.98"}, // single under 25
		{"couple both under 25", "2024-06", Household{Adults: []Adult{adult("2001-01-01"), {ID: "a2", DateOfBirth: d("2002-01-01")}}},
			"489.23"},
		{"couple, one 25 or over", "2025-06", Household{Adults: []Adult{adult("2001-01-01"), {ID: "a2", DateOfBirth: d("1990-01-01")}}},
			"628.10"},
		{"first child born 5 April 2017: higher amount", "2025-06", with(single("1990-01-01"), func(h *Household) { h.Children = kids("2017-04-05") }),
			"739.14"}, // 400.14 + 339.00
		{"first child born 6 April 2017: standard amount", "2025-06", with(single("1990-01-01"), func(h *Household) { h.Children = kids("2017-04-06") }),
			"692.95"}, // 400.14 + 292.81
		{"three children after April 2017: two-child limit", "2025-06", with(single("1990-01-01"), func(h *Household) { h.Children = kids("2018-01-01", "2019-01-01", "2020-01-01") }),
			"985.76"}, // 400.14 + 2 × 292.81; no element for the third
		{"third child born before 6 April 2017 is outside the limit", "2025-06", with(single("1980-01-01"), func(h *Household) { h.Children = kids("2012-01-01", "2014-01-01", "2016-01-01") }),
			"1324.76"}, // 400.14 + 339.00 + 2 × 292.81
		{"third child, multiple-birth exception", "2025-06", with(single("1990-01-01"), func(h *Household) {
			h.Children = kids("2018-01-01", "2020-01-01", "2020-01-01")
			h.Children[2].Exception = MultipleBirth
		}), "1278.57"}, // 400.14 + 3 × 292.81
		{"two-child limit abolished from April 2026", "2026-05", with(single("1990-01-01"), func(h *Household) { h.Children = kids("2018-01-01", "2019-01-01", "2020-01-01") }),
			"1336.72"}, // 424.90 + 3 × 303.94
		{"disabled child additions, even for a child outside the limit", "2025-06", with(single("1990-01-01"), func(h *Household) {
			h.Children = kids("2018-01-01", "2019-01-01", "2020-01-01")
			h.Children[0].Disability = DisabledLower
			h.Children[2].Disability = DisabledHigher
		}), "1640.39"}, // 400.14 + 2 × 292.81 + 158.76 + 495.87
		{"LCWRA, 2025/26", "2025-06", with(single("1990-01-01"), func(h *Household) { h.Adults[0].LCWRA = true }),
			"823.41"}, // 400.14 + 423.27
		{"LCWRA new claimant, 2026/27", "2026-05", with(single("1990-01-01"), func(h *Household) { h.Adults[0].LCWRA = true }),
			"642.16"}, // 424.90 + 217.26 (Universal Credit Act 2025 s2)
		{"LCWRA protected, 2026/27", "2026-05", with(single("1990-01-01"), func(h *Household) { h.Adults[0].LCWRA, h.Adults[0].LCWRAProtected = true, true }),
			"854.70"}, // 424.90 + 429.80
		{"carer for exactly 35 hours, with Carer's Allowance as income", "2025-06", with(single("1990-01-01"), func(h *Household) {
			h.Adults[0].CaringHours, h.Adults[0].CaredForQualifies = 35, true
		}), "240.85"}, // 400.14 + 201.68 carer = 601.82; CA 83.30 × 52 / 12 = 360.966… → 360.97; 601.82 − 360.97
		{"carer for 34 hours: no carer element, no Carer's Allowance", "2025-06", with(single("1990-01-01"), func(h *Household) {
			h.Adults[0].CaringHours, h.Adults[0].CaredForQualifies = 34, true
		}), "400.14"},
		{"carer with LCWRA: only the LCWRA element", "2025-06", with(single("1990-01-01"), func(h *Household) {
			h.Adults[0].CaringHours, h.Adults[0].CaredForQualifies, h.Adults[0].LCWRA = 40, true, true
		}), "462.44"}, // 400.14 + 423.27 − 360.97 Carer's Allowance
		{"earnings, no work allowance", "2025-06", with(single("1990-01-01"), func(h *Household) { h.Adults[0].Earnings = m("100.01") }),
			"345.13"}, // 55% × 100.01 = 55.0055 → 55.01; 400.14 − 55.01
		{"earnings above the higher work allowance", "2025-06", with(single("1990-01-01"), func(h *Household) {
			h.Children = kids("2018-01-01")
			h.Adults[0].Earnings = m("1000.00")
		}), "519.15"}, // 400.14 + 292.81 = 692.95; (1000 − 684) × 55% = 173.80; 692.95 − 173.80
		{"unearned income pound for pound", "2025-06", with(single("1990-01-01"), func(h *Household) { h.Adults[0].UnearnedIncome = m("100.00") }),
			"300.14"},
		{"capital £6,000: no tariff income", "2025-06", with(single("1990-01-01"), func(h *Household) { h.Capital = m("6000.00") }),
			"400.14"},
		{"capital £6,000.01: one band of tariff income", "2025-06", with(single("1990-01-01"), func(h *Household) { h.Capital = m("6000.01") }),
			"395.79"}, // 400.14 − 4.35
		{"capital £16,000: forty bands", "2025-06", with(single("1990-01-01"), func(h *Household) { h.Capital = m("16000.00") }),
			"226.14"}, // 10,000 / 250 = 40 bands × 4.35 = 174.00; 400.14 − 174.00
		{"capital £16,000.01: over the limit", "2025-06", with(single("1990-01-01"), func(h *Household) { h.Capital = m("16000.01") }),
			"0.00"},
		{"social rent", "2025-06", with(single("1990-01-01"), func(h *Household) { h.Tenure, h.Rent = SocialRent, m("500.00") }),
			"900.14"},
		{"social rent with a non-dependant aged 30", "2025-06", with(single("1990-01-01"), func(h *Household) {
			h.Tenure, h.Rent = SocialRent, m("500.00")
			h.NonDependants = []NonDependant{{Age: 30}, {Age: 20}, {Age: 40, Exempt: true}}
		}), "807.12"}, // 400.14 + 500.00 − 93.02 (no contribution under 21 or exempt)
		{"private rent limited to the LHA rate", "2025-06", with(single("1990-01-01"), func(h *Household) { h.Tenure, h.Rent, h.LHARate = PrivateRent, m("900.00"), m("700.00") }),
			"1100.14"}, // 400.14 + 700.00
		{"owner: no housing element", "2025-06", with(single("1990-01-01"), func(h *Household) { h.Tenure, h.Rent = Owner, m("900.00") }),
			"400.14"},
		{"childcare costs, 85%", "2025-06", with(single("1990-01-01"), func(h *Household) {
			h.Children = kids("2018-01-01")
			h.Adults[0].Earnings, h.ChildcareCosts = m("1000.00"), m("300.00")
		}), "774.15"}, // 692.95 + 255.00 childcare = 947.95; − 173.80 earned income deduction
		{"childcare costs, capped for one child", "2025-06", with(single("1990-01-01"), func(h *Household) {
			h.Children = kids("2018-01-01")
			h.Adults[0].Earnings, h.ChildcareCosts = m("684.00"), m("2000.00")
		}), "1724.83"}, // 85% × 2000 = 1700 > 1031.88 cap; 692.95 + 1031.88; earnings within the work allowance
		{"childcare costs, not working: none", "2025-06", with(single("1990-01-01"), func(h *Household) {
			h.Children = kids("2018-01-01")
			h.ChildcareCosts = m("300.00")
		}), "692.95"},
		{"benefit cap, single outside London", "2025-06", with(single("1990-01-01"), func(h *Household) { h.Tenure, h.Rent = SocialRent, m("1200.00") }),
			"1229.42"}, // 400.14 + 1200.00 = 1600.14, capped at 1229.42
		{"benefit cap, single in London", "2025-06", with(single("1990-01-01"), func(h *Household) { h.London, h.Tenure, h.Rent = true, SocialRent, m("1200.00") }),
			"1413.92"},
		{"benefit cap with Child Benefit counted", "2026-05", with(single("1990-01-01"), func(h *Household) {
			h.Children = kids("2018-01-01", "2019-01-01", "2020-01-01")
			h.Tenure, h.Rent = SocialRent, m("1500.00")
		}), "1562.65"}, // 424.90 + 3 × 303.94 + 1500 = 2836.72; CB (27.05 + 2 × 17.90) × 52 / 12 = 272.35; cap 1835.00 − 272.35
		{"earnings exactly at the cap's earnings exception: no cap", "2025-06", with(single("1990-01-01"), func(h *Household) {
			h.Tenure, h.Rent = SocialRent, m("2000.00")
			h.Adults[0].Earnings = m("846.56")
		}), "1934.53"}, // 16 × 12.21 × 52 / 12 = 846.56; 2400.14 − 55% × 846.56 (465.608 → 465.61)
		{"earnings a penny under the exception: capped", "2025-06", with(single("1990-01-01"), func(h *Household) {
			h.Tenure, h.Rent = SocialRent, m("2000.00")
			h.Adults[0].Earnings = m("846.55")
		}), "1229.42"},
		{"benefit cap: LCWRA is an exception", "2025-06", with(single("1990-01-01"), func(h *Household) {
			h.Tenure, h.Rent = SocialRent, m("1200.00")
			h.Adults[0].LCWRA = true
		}), "2023.41"}, // 400.14 + 423.27 + 1200.00
		{"single over State Pension age: no UC", "2025-06", single("1955-01-01"),
			"0.00"},
		{"mixed-age couple: UC with the partner's State Pension as income", "2025-06", Household{Adults: []Adult{
			{ID: "a1", DateOfBirth: d("1955-01-01"), SPAssessed: true, NIQualifyingYears: 35},
			{ID: "a2", DateOfBirth: d("1970-01-01")},
		}}, "0.00"}, // 628.10 − 230.25 × 52 / 12 (997.75) < 0
		{"mixed-age couple, small State Pension", "2025-06", Household{Adults: []Adult{
			{ID: "a1", DateOfBirth: d("1955-01-01"), SPAssessed: true, NIQualifyingYears: 10},
			{ID: "a2", DateOfBirth: d("1970-01-01")},
		}}, "343.01"}, // SP 230.25 × 10 / 35 = 65.7857 → 65.79 a week; × 52 / 12 = 285.09; 628.10 − 285.09
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := compute(t, tt.period, tt.h)
			got := res.Benefits[UniversalCredit].Amount
			if got != m(tt.want) {
				t.Errorf("universal credit = %s, want %s\nbreakdown: %v", got, tt.want, res.Benefits[UniversalCredit].Breakdown)
			}
			if res.Benefits[UniversalCredit].Eligible != (got > 0) {
				t.Errorf("eligible = %v with amount %s", res.Benefits[UniversalCredit].Eligible, got)
			}
		})
	}
}

// The carer element and LCWRA (SI 2013/376 regs 29(4) and 30(1)).
func TestCarerElementWithLCWRA(t *testing.T) {
	couple := func(aLCWRA, aCares, bLCWRA, bCares bool) Household {
		a := Adult{ID: "a1", DateOfBirth: d("1980-01-01"), LCWRA: aLCWRA}
		b := Adult{ID: "a2", DateOfBirth: d("1982-01-01"), LCWRA: bLCWRA}
		if aCares {
			a.CaringHours, a.CaredForQualifies, a.Earnings = 40, true, m("1000.00") // over the CA limit: no CA, but still a carer
		}
		if bCares {
			b.CaringHours, b.CaredForQualifies, b.Earnings = 40, true, m("1000.00")
		}
		return Household{Adults: []Adult{a, b}}
	}
	tests := []struct {
		name        string
		h           Household
		lcwra, care string
	}{
		{"one LCWRA, the other cares", couple(true, false, false, true), "423.27", "201.68"},
		{"the claimant with LCWRA cares: LCWRA only", couple(true, true, false, false), "423.27", "0.00"},
		{"both LCWRA, one cares: the element goes to the other, so carer too", couple(true, true, true, false), "423.27", "201.68"},
		{"both LCWRA, both care: one carer element", couple(true, true, true, true), "423.27", "201.68"},
		{"neither LCWRA, both care", couple(false, true, false, true), "0.00", "403.36"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := compute(t, "2025-06", tt.h)
			if got := res.line(UniversalCredit, "lcwra"); got != m(tt.lcwra) {
				t.Errorf("lcwra = %s, want %s", got, tt.lcwra)
			}
			if got := res.line(UniversalCredit, "carer"); got != m(tt.care) {
				t.Errorf("carer = %s, want %s", got, tt.care)
			}
		})
	}
	student := Household{Adults: []Adult{{ID: "a1", DateOfBirth: d("2004-01-01"), CaringHours: 40, CaredForQualifies: true, InFullTimeEducation: true}}}
	if got := compute(t, "2025-06", student).line(UniversalCredit, "carer"); got != 0 {
		t.Errorf("carer element for a full-time student = %s, want 0.00", got)
	}
}
