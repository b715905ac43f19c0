package rules

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

// TestIndependentCases are the cases an outside tester would write from the
// published rates, run through the public JSON contract exactly as
// `lifeline calc` runs them: DecodeSituation, Engine.Calculate, EncodeResult,
// then the JSON is read back. Every expected figure is worked by hand in the
// comment next to it from the rates in rules/params (GOV.UK and CPAG tables;
// see the source of each value).
//
// want maps "benefit" to the amount it must pay, and "benefit.line" to a
// breakdown line. An amount of "0.00" also requires "eligible": false; write
// "eligible 0.00" for an underlying entitlement with nothing payable.
func TestIndependentCases(t *testing.T) {
	engine := NewEngine(testParams)
	tests := []struct {
		name string
		in   string // the situation, period first
		want map[string]string
	}{
		// ---- Universal Credit, 2024/25 (CPAG 2024/25 table) ----
		{"UC April 2024 is a 2023/24 assessment period",
			`"2024-04", "household": {"adults": [{"id": "a1", "date_of_birth": "1990-01-01"}]}`,
			map[string]string{"universal_credit": "368.74"}}, // first AP on or after 8 April 2024 is May; 2023/24 single 25+ rate
		{"UC single 25+, 2024/25",
			`"2024-06", "household": {"adults": [{"id": "a1", "date_of_birth": "1994-01-01"}]}`,
			map[string]string{"universal_credit": "393.45"}},
		{"UC lone parent, social rent, earnings over the lower work allowance, 2024/25",
			`"2024-06", "household": {"adults": [{"id": "a1", "date_of_birth": "1990-01-01", "earnings": "1000.00"}],
			  "children": [{"date_of_birth": "2015-03-01"}, {"date_of_birth": "2019-05-01"}],
			  "housing": {"tenure": "social-rent", "rent": "600.00"}}`,
			map[string]string{
				// 393.45 + 333.33 (first child born before 6 April 2017) + 287.92 + 600.00 = 1614.70
				"universal_credit.maximum_amount": "1614.70",
				// (1000.00 − 404.00) × 55% = 327.80
				"universal_credit.earned_income_deduction": "327.80",
				"universal_credit":                         "1286.90", // 1614.70 − 327.80; earnings 1000 ≥ 793.17, so no cap
				"child_benefit":                            "42.55",   // 25.60 + 16.95
			}},
		{"two-child limit: third child born 5 April 2017 is outside it, 2024/25",
			`"2024-06", "household": {"adults": [{"id": "a1", "date_of_birth": "1985-01-01"}],
			  "children": [{"date_of_birth": "2014-01-01"}, {"date_of_birth": "2015-01-01"}, {"date_of_birth": "2017-04-05"}]}`,
			map[string]string{"universal_credit": "1302.62"}}, // 393.45 + 333.33 + 2 × 287.92
		{"two-child limit: third child born 6 April 2017 gets no element, 2024/25",
			`"2024-06", "household": {"adults": [{"id": "a1", "date_of_birth": "1985-01-01"}],
			  "children": [{"date_of_birth": "2014-01-01"}, {"date_of_birth": "2015-01-01"}, {"date_of_birth": "2017-04-06"}]}`,
			map[string]string{"universal_credit": "1014.70", "child_benefit": "59.50"}}, // 393.45 + 333.33 + 287.92; CB 25.60 + 2 × 16.95
		{"benefit cap earnings exception at exactly the threshold, 2024/25",
			`"2024-06", "household": {"adults": [{"id": "a1", "date_of_birth": "1990-01-01", "earnings": "793.17"}],
			  "children": [{"date_of_birth": "2018-01-01"}], "housing": {"tenure": "social-rent", "rent": "1500.00"}}`,
			map[string]string{
				// 11.44 × 16 × 52 / 12 = 793.173… → 793.17 (reg 6(1)); earnings equal it, so no cap.
				// 393.45 + 287.92 + 1500.00 = 2181.37; (793.17 − 404) × 55% = 214.0435 → 214.04
				"universal_credit":                       "1967.33",
				"universal_credit.benefit_cap_reduction": "0.00",
			}},
		{"benefit cap a penny under the earnings exception, 2024/25",
			`"2024-06", "household": {"adults": [{"id": "a1", "date_of_birth": "1990-01-01", "earnings": "793.16"}],
			  "children": [{"date_of_birth": "2018-01-01"}], "housing": {"tenure": "social-rent", "rent": "1500.00"}}`,
			map[string]string{
				// (793.16 − 404) × 55% = 214.038 → 214.04; award 1967.33; CB 25.60 × 52 / 12 = 110.93;
				// 1967.33 + 110.93 = 2078.26 − 1835.00 = 243.26 taken off: 1835.00 − 110.93 = 1724.07
				"universal_credit":                       "1724.07",
				"universal_credit.benefit_cap_reduction": "243.26",
			}},

		// ---- Universal Credit, 2025/26 (CPAG 2025/26 table) ----
		{"UC couple 25+, three children after April 2017, 2025/26",
			`"2025-06", "household": {"adults": [{"id": "a1", "date_of_birth": "1995-01-01"}, {"id": "a2", "date_of_birth": "1995-02-01"}],
			  "children": [{"date_of_birth": "2018-01-01"}, {"date_of_birth": "2019-01-01"}, {"date_of_birth": "2021-01-01"}]}`,
			map[string]string{
				"universal_credit": "1213.72", // 628.10 + 2 × 292.81 (two-child limit)
				"child_benefit":    "60.55",   // 26.05 + 2 × 17.25; × 52 / 12 = 262.38, total 1476.10 under the 1835.00 cap
			}},
		{"capital exactly £6,000: no tariff income",
			`"2025-06", "household": {"adults": [{"id": "a1", "date_of_birth": "1990-01-01"}], "capital": "6000.00"}`,
			map[string]string{"universal_credit": "400.14", "universal_credit.tariff_income": "0.00"}},
		{"capital £6,000.01: one part band",
			`"2025-06", "household": {"adults": [{"id": "a1", "date_of_birth": "1990-01-01"}], "capital": "6000.01"}`,
			map[string]string{"universal_credit": "395.79", "universal_credit.tariff_income": "4.35"}}, // 400.14 − 4.35
		{"capital exactly £16,000: 40 bands",
			`"2025-06", "household": {"adults": [{"id": "a1", "date_of_birth": "1990-01-01"}], "capital": "16000.00"}`,
			map[string]string{"universal_credit": "226.14", "universal_credit.tariff_income": "174.00"}}, // 10000 / 250 = 40 × 4.35 = 174.00
		{"capital £16,000.01: no UC",
			`"2025-06", "household": {"adults": [{"id": "a1", "date_of_birth": "1990-01-01"}], "capital": "16000.01"}`,
			map[string]string{"universal_credit": "0.00"}},
		{"benefit cap, single outside London, 2025/26",
			`"2025-06", "household": {"adults": [{"id": "a1", "date_of_birth": "1990-01-01"}], "housing": {"tenure": "social-rent", "rent": "1000.00"}}`,
			map[string]string{"universal_credit": "1229.42", "universal_credit.benefit_cap_reduction": "170.72"}}, // 400.14 + 1000 = 1400.14 − 1229.42
		{"benefit cap, single in London, not reached, 2025/26",
			`"2025-06", "household": {"london": true, "adults": [{"id": "a1", "date_of_birth": "1990-01-01"}], "housing": {"tenure": "social-rent", "rent": "1000.00"}}`,
			map[string]string{"universal_credit": "1400.14"}}, // under 1413.92
		{"non-dependant aged 30: housing cost contribution, 2025/26",
			`"2025-06", "household": {"adults": [{"id": "a1", "date_of_birth": "1980-01-01"}], "housing": {"tenure": "social-rent", "rent": "600.00"},
			  "non_dependants": [{"age": 30}]}`,
			map[string]string{"universal_credit": "907.12", "universal_credit.housing": "506.98"}}, // 600 − 93.02; 400.14 + 506.98
		{"non-dependant aged 20: no contribution",
			`"2025-06", "household": {"adults": [{"id": "a1", "date_of_birth": "1980-01-01"}], "housing": {"tenure": "social-rent", "rent": "600.00"},
			  "non_dependants": [{"age": 20}]}`,
			map[string]string{"universal_credit": "1000.14"}},
		{"carer element and Carer's Allowance as income, 2025/26",
			`"2025-06", "household": {"adults": [{"id": "a1", "date_of_birth": "1985-01-01", "caring_hours": 35, "cared_for_receives_qualifying_benefit": true}]}`,
			map[string]string{
				"carers_allowance":                           "83.30",
				"universal_credit.carer":                     "201.68",
				"universal_credit.unearned_income_deduction": "360.97", // 83.30 × 52 / 12 = 360.966…
				"universal_credit":                           "240.85", // 400.14 + 201.68 − 360.97
			}},
		{"25th birthday on the period's last day",
			`"2026-05", "household": {"adults": [{"id": "a1", "date_of_birth": "2001-05-31"}]}`,
			map[string]string{"universal_credit": "424.90"}},
		{"25th birthday the day after the period",
			`"2026-05", "household": {"adults": [{"id": "a1", "date_of_birth": "2001-06-01"}]}`,
			map[string]string{"universal_credit": "338.58"}},

		// ---- Universal Credit, 2026/27 (DWP proposed rates 2026 to 2027) ----
		{"April 2026: still the 2025/26 UC rates and the two-child limit",
			`"2026-04", "household": {"adults": [{"id": "a1", "date_of_birth": "1990-01-01"}],
			  "children": [{"date_of_birth": "2018-01-01"}, {"date_of_birth": "2019-01-01"}, {"date_of_birth": "2021-01-01"}]}`,
			map[string]string{
				"universal_credit": "985.76", // 400.14 + 2 × 292.81: the AP began on 1 April, before 6 April 2026
				"child_benefit":    "62.85",  // weekly rates from 6 April 2026: 27.05 + 2 × 17.90
			}},
		{"May 2026: two-child limit gone",
			`"2026-05", "household": {"adults": [{"id": "a1", "date_of_birth": "1990-01-01"}],
			  "children": [{"date_of_birth": "2018-01-01"}, {"date_of_birth": "2019-01-01"}, {"date_of_birth": "2021-01-01"}]}`,
			map[string]string{"universal_credit": "1336.72"}}, // 424.90 + 3 × 303.94
		{"lower work allowance, 2026/27",
			`"2026-05", "household": {"adults": [{"id": "a1", "date_of_birth": "1990-01-01", "earnings": "1000.00"}],
			  "children": [{"date_of_birth": "2019-01-01"}], "housing": {"tenure": "social-rent", "rent": "500.00"}}`,
			map[string]string{
				"universal_credit.earned_income_deduction": "315.15", // (1000 − 427) × 55%
				"universal_credit":                         "913.69", // 424.90 + 303.94 + 500.00 − 315.15
			}},
		{"higher work allowance, 2026/27",
			`"2026-05", "household": {"adults": [{"id": "a1", "date_of_birth": "1990-01-01", "earnings": "1000.00"}],
			  "children": [{"date_of_birth": "2019-01-01"}]}`,
			map[string]string{"universal_credit": "569.34"}}, // 424.90 + 303.94 − (1000 − 710) × 55% (159.50)
		{"higher disabled child addition, 2026/27",
			`"2026-05", "household": {"adults": [{"id": "a1", "date_of_birth": "1990-01-01"}],
			  "children": [{"date_of_birth": "2019-01-01", "disability": "higher"}]}`,
			map[string]string{"universal_credit": "1243.55", "universal_credit.disabled_child": "514.71"}}, // 424.90 + 303.94 + 514.71
		{"LCWRA without lcwra_protected: new-claimant rate, 2026/27",
			`"2026-05", "household": {"adults": [{"id": "a1", "date_of_birth": "1990-01-01", "lcwra": true}]}`,
			map[string]string{"universal_credit": "642.16"}}, // 424.90 + 217.26 (Universal Credit Act 2025 s2)
		{"LCWRA protected, 2026/27",
			`"2026-05", "household": {"adults": [{"id": "a1", "date_of_birth": "1990-01-01", "lcwra": true, "lcwra_protected": true}]}`,
			map[string]string{"universal_credit": "854.70"}}, // 424.90 + 429.80
		{"childcare capped for one child, 2026/27",
			`"2026-05", "household": {"adults": [{"id": "a1", "date_of_birth": "1990-01-01", "earnings": "1500.00"}],
			  "children": [{"date_of_birth": "2022-01-01"}], "childcare_costs": "1500.00"}`,
			map[string]string{
				"universal_credit.childcare": "1071.09", // 85% × 1500 = 1275.00, over the 1071.09 cap
				"universal_credit":           "1365.43", // 424.90 + 303.94 + 1071.09 − (1500 − 710) × 55% (434.50)
			}},
		{"Child Benefit in the cap, 2026/27",
			`"2026-05", "household": {"adults": [{"id": "a1", "date_of_birth": "1985-01-01"}],
			  "children": [{"date_of_birth": "2016-01-01"}, {"date_of_birth": "2018-01-01"}, {"date_of_birth": "2019-01-01"}, {"date_of_birth": "2021-01-01"}],
			  "housing": {"tenure": "social-rent", "rent": "900.00"}}`,
			map[string]string{
				"child_benefit": "80.75", // 27.05 + 3 × 17.90; × 52 / 12 = 349.916… → 349.92
				// 424.90 + 351.88 + 3 × 303.94 + 900 = 2588.60; + 349.92 = 2938.52; less the 1835.00 cap
				"universal_credit.benefit_cap_reduction": "1103.52",
				"universal_credit":                       "1485.08", // 1835.00 − 349.92
			}},

		// ---- State Pension and Pension Credit ----
		{"State Pension full rate, 2024/25",
			`"2024-06", "household": {"adults": [{"id": "a1", "date_of_birth": "1958-01-01", "ni_qualifying_years": 35}]}`,
			map[string]string{"state_pension": "221.20", "pension_credit": "0.00", "universal_credit": "0.00"}}, // 221.20 ≥ 218.15
		{"State Pension 20/35 and Pension Credit, 2025/26",
			`"2025-06", "household": {"adults": [{"id": "a1", "date_of_birth": "1959-01-01", "ni_qualifying_years": 20}]}`,
			map[string]string{"state_pension": "131.57", "pension_credit": "95.53"}}, // 230.25 × 20 / 35 = 131.571…; 227.10 − 131.57
		{"State Pension age 66 and 1 month reached in May 2026",
			`"2026-05", "household": {"adults": [{"id": "a1", "date_of_birth": "1960-04-06", "ni_qualifying_years": 35}]}`,
			map[string]string{"state_pension": "241.30"}}, // pension age 6 May 2026
		{"State Pension age not reached in April 2026",
			`"2026-04", "household": {"adults": [{"id": "a1", "date_of_birth": "1960-04-06", "ni_qualifying_years": 35}]}`,
			map[string]string{"state_pension": "0.00", "universal_credit": "400.14"}},
		{"State Pension, 9 years: none",
			`"2026-05", "household": {"adults": [{"id": "a1", "date_of_birth": "1958-01-01", "ni_qualifying_years": 9}]}`,
			map[string]string{"state_pension": "0.00", "pension_credit": "238.00"}},
		{"Pension Credit couple, 2024/25",
			`"2024-06", "household": {"adults": [{"id": "a1", "date_of_birth": "1950-01-01"}, {"id": "a2", "date_of_birth": "1951-01-01"}]}`,
			map[string]string{"pension_credit": "332.95"}},
		{"Pension Credit couple, 2025/26",
			`"2025-06", "household": {"adults": [{"id": "a1", "date_of_birth": "1950-01-01"}, {"id": "a2", "date_of_birth": "1951-01-01"}]}`,
			map[string]string{"pension_credit": "346.60"}},
		{"Pension Credit couple, 2026/27",
			`"2026-05", "household": {"adults": [{"id": "a1", "date_of_birth": "1950-01-01"}, {"id": "a2", "date_of_birth": "1951-01-01"}]}`,
			map[string]string{"pension_credit": "363.25"}},
		{"Pension Credit, capital £10,000.01, 2024/25",
			`"2024-06", "household": {"adults": [{"id": "a1", "date_of_birth": "1950-01-01"}], "capital": "10000.01"}`,
			map[string]string{"pension_credit": "217.15"}}, // £1 for the part £500 band: 218.15 − 1.00

		// ---- PIP and Attendance Allowance ----
		{"PIP standard daily living, enhanced mobility, 2024/25",
			`"2024-06", "household": {"adults": [{"id": "a1", "date_of_birth": "1985-01-01", "pip_daily_living_points": 8, "pip_mobility_points": 12}]}`,
			map[string]string{"pip": "148.40"}}, // 72.65 + 75.75
		{"PIP enhanced daily living, standard mobility, 2025/26",
			`"2025-06", "household": {"adults": [{"id": "a1", "date_of_birth": "1985-01-01", "pip_daily_living_points": 12, "pip_mobility_points": 8}]}`,
			map[string]string{"pip": "139.60"}}, // 110.40 + 29.20
		{"PIP 7 daily living points, enhanced mobility, 2026/27",
			`"2026-05", "household": {"adults": [{"id": "a1", "date_of_birth": "1985-01-01", "pip_daily_living_points": 7, "pip_mobility_points": 12}]}`,
			map[string]string{"pip": "80.00"}},
		{"Attendance Allowance higher, 2024/25",
			`"2024-06", "household": {"adults": [{"id": "a1", "date_of_birth": "1950-01-01", "attendance_needs": "day-and-night"}]}`,
			map[string]string{"attendance_allowance": "108.55"}},
		{"Attendance Allowance lower, 2025/26",
			`"2025-06", "household": {"adults": [{"id": "a1", "date_of_birth": "1950-01-01", "attendance_needs": "day-or-night"}]}`,
			map[string]string{"attendance_allowance": "73.90"}},
		{"Attendance Allowance higher, 2026/27",
			`"2026-05", "household": {"adults": [{"id": "a1", "date_of_birth": "1950-01-01", "attendance_needs": "day-and-night"}]}`,
			map[string]string{"attendance_allowance": "114.60"}},

		// ---- Carer's Allowance earnings limits ----
		{"Carer's Allowance within the £151 limit, 2024/25",
			`"2024-06", "household": {"adults": [{"id": "a1", "date_of_birth": "1985-01-01", "earnings": "654.33", "caring_hours": 40, "cared_for_receives_qualifying_benefit": true}]}`,
			map[string]string{"carers_allowance": "81.90"}}, // 654.33 × 12 / 52 = 150.999…
		{"Carer's Allowance a penny over the £196 limit, 2025/26",
			`"2025-06", "household": {"adults": [{"id": "a1", "date_of_birth": "1985-01-01", "earnings": "849.34", "caring_hours": 35, "cared_for_receives_qualifying_benefit": true}]}`,
			map[string]string{"carers_allowance": "0.00"}}, // 849.34 × 12 / 52 = 196.0015… > 196
		{"Carer's Allowance at exactly the £204 limit, 2026/27",
			`"2026-05", "household": {"adults": [{"id": "a1", "date_of_birth": "1985-01-01", "earnings": "884.00", "caring_hours": 35, "cared_for_receives_qualifying_benefit": true}]}`,
			map[string]string{"carers_allowance": "86.45"}}, // 884.00 × 12 / 52 = 204.00, not more than the limit
		{"Carer's Allowance a penny over the £204 limit, 2026/27",
			`"2026-05", "household": {"adults": [{"id": "a1", "date_of_birth": "1985-01-01", "earnings": "884.01", "caring_hours": 35, "cared_for_receives_qualifying_benefit": true}]}`,
			map[string]string{"carers_allowance": "0.00"}},
		{"Carer's Allowance, 34 hours: none",
			`"2026-05", "household": {"adults": [{"id": "a1", "date_of_birth": "1985-01-01", "caring_hours": 34, "cared_for_receives_qualifying_benefit": true}]}`,
			map[string]string{"carers_allowance": "0.00", "universal_credit": "424.90"}}, // no carer element either

		// ---- Child Benefit ----
		{"Child Benefit, one child, 2026/27",
			`"2026-05", "household": {"adults": [{"id": "a1", "date_of_birth": "1985-01-01"}], "children": [{"date_of_birth": "2020-01-01"}]}`,
			map[string]string{"child_benefit": "27.05"}},

		// ---- Bereavement Support Payment (unchanged since April 2017) ----
		{"BSP higher rate with a child, 2024/25",
			`"2024-06", "household": {"adults": [{"id": "a1", "date_of_birth": "1985-01-01", "partner_died_on": "2024-05-10"}], "children": [{"date_of_birth": "2015-01-01"}]}`,
			map[string]string{"bereavement_support_payment": "350.00", "bereavement_support_payment.lump_sum": "3500.00"}},
		{"BSP standard rate, 2025/26",
			`"2025-06", "household": {"adults": [{"id": "a1", "date_of_birth": "1985-01-01", "partner_died_on": "2025-01-20"}]}`,
			map[string]string{"bereavement_support_payment": "100.00", "bereavement_support_payment.lump_sum": "2500.00"}},
		{"BSP higher rate, 2026/27",
			`"2026-05", "household": {"adults": [{"id": "a1", "date_of_birth": "1985-01-01", "partner_died_on": "2026-02-01"}], "children": [{"date_of_birth": "2015-01-01"}]}`,
			map[string]string{"bereavement_support_payment": "350.00"}},

		// ---- Interactions ----
		{"mixed-age couple: UC, not Pension Credit, partner's State Pension as income",
			`"2025-06", "household": {"adults": [{"id": "a1", "date_of_birth": "1955-01-01", "ni_qualifying_years": 10}, {"id": "a2", "date_of_birth": "1990-01-01"}]}`,
			map[string]string{
				"state_pension":    "65.79",  // 230.25 × 10 / 35 = 65.785…
				"pension_credit":   "0.00",   // both must have reached pension age
				"universal_credit": "343.01", // 628.10 − 65.79 × 52 / 12 (285.09)
			}},
		{"PIP daily living: no non-dependant contribution and no benefit cap",
			`"2025-06", "household": {"adults": [{"id": "a1", "date_of_birth": "1990-01-01", "pip_daily_living_points": 8}],
			  "housing": {"tenure": "social-rent", "rent": "1000.00"}, "non_dependants": [{"age": 30}]}`,
			map[string]string{"pip": "73.90", "universal_credit": "1400.14"}}, // 400.14 + 1000.00, over the 1229.42 cap but exempt
		{"Carer's Allowance overlapped by the State Pension; no Pension Credit",
			`"2025-06", "household": {"adults": [{"id": "a1", "date_of_birth": "1955-01-01", "ni_qualifying_years": 35, "caring_hours": 35, "cared_for_receives_qualifying_benefit": true}]}`,
			map[string]string{"state_pension": "230.25", "carers_allowance": "eligible 0.00", "pension_credit": "0.00"}},
		{"private rent limited to the LHA rate, 2024/25",
			`"2024-06", "household": {"adults": [{"id": "a1", "date_of_birth": "1990-01-01"}], "children": [{"date_of_birth": "2019-01-01"}],
			  "housing": {"tenure": "private-rent", "rent": "900.00", "lha_rate": "750.00"}}`,
			map[string]string{"universal_credit.housing": "750.00", "universal_credit": "1431.37"}}, // 393.45 + 287.92 + 750.00
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, err := DecodeSituation(strings.NewReader(`{"period": ` + tc.in + `}`))
			if err != nil {
				t.Fatalf("decode: %v", err)
			}
			res, err := engine.Calculate(s)
			if err != nil {
				t.Fatalf("calculate: %v", err)
			}
			var buf bytes.Buffer
			if err := EncodeResult(&buf, res); err != nil {
				t.Fatalf("encode: %v", err)
			}
			var out struct {
				Benefits map[string]struct {
					Eligible  bool              `json:"eligible"`
					Amount    string            `json:"amount"`
					Breakdown map[string]string `json:"breakdown"`
				} `json:"benefits"`
			}
			if err := json.Unmarshal(buf.Bytes(), &out); err != nil {
				t.Fatalf("result is not the JSON contract: %v\n%s", err, buf.String())
			}
			for key, want := range tc.want {
				ben, line, isLine := strings.Cut(key, ".")
				got, ok := out.Benefits[ben]
				if !ok {
					t.Errorf("%s missing from the result", ben)
					continue
				}
				if isLine {
					if got.Breakdown[line] != want {
						t.Errorf("%s: got %q, want %s", key, got.Breakdown[line], want)
					}
					continue
				}
				wantEligible := want != "0.00"
				if amt, ok := strings.CutPrefix(want, "eligible "); ok {
					want, wantEligible = amt, true
				}
				if got.Amount != want || got.Eligible != wantEligible {
					t.Errorf("%s: got eligible %v, %s; want eligible %v, %s", key, got.Eligible, got.Amount, wantEligible, want)
				}
			}
		})
	}
}
