package rules

import (
	"strings"
	"testing"

	"github.com/lifeline-gov/lifeline"
)

const minimal = `{"period": "2025-06", "household": {"adults": [{"date_of_birth": "1990-01-01"}]}}`

func TestDecodeSituationMinimal(t *testing.T) {
	s, err := DecodeSituation(strings.NewReader(minimal))
	if err != nil {
		t.Fatal(err)
	}
	if s.Period != (Period{2025, 6}) || len(s.Household.Adults) != 1 || s.Household.Adults[0].ID != "a1" || s.Household.Country != England {
		t.Errorf("decoded %+v", s)
	}
}

// Bad input is an EINVALID *lifeline.Error naming the field.
func TestDecodeSituationErrors(t *testing.T) {
	adult := func(field string) string {
		return `{"period": "2025-06", "household": {"adults": [{"date_of_birth": "1990-01-01", ` + field + `}]}}`
	}
	tests := []struct{ name, in, field string }{
		{"malformed JSON", `{"period": "2025-06",`, ""},
		{"not an object", `[1, 2]`, "situation"},
		{"empty", ``, ""},
		{"trailing data", minimal + ` {}`, ""},
		{"unknown field", `{"period": "2025-06", "household": {"adults": [{"date_of_birth": "1990-01-01"}]}, "extra": 1}`, "extra"},
		{"unknown adult field", adult(`"salary": "1.00"`), "household.adults[0].salary"},
		{"unknown housing field", `{"period": "2025-06", "household": {"adults": [{"date_of_birth": "1990-01-01"}], "housing": {"tenure": "none", "garden": true}}}`, "household.housing.garden"},
		{"unknown field in the second child", `{"period": "2025-06", "household": {"adults": [{"date_of_birth": "1990-01-01"}], "children": [{"date_of_birth": "2019-01-01"}, {"date_of_birth": "2020-01-01", "name": "x"}]}}`, "household.children[1].name"},
		{"period missing", `{"household": {"adults": [{"date_of_birth": "1990-01-01"}]}}`, "period"},
		{"period malformed", `{"period": "2025-6", "household": {"adults": [{"date_of_birth": "1990-01-01"}]}}`, "period"},
		{"period a number", `{"period": 202506, "household": {}}`, "period"},
		{"household missing", `{"period": "2025-06"}`, "household"},
		{"no adults", `{"period": "2025-06", "household": {"adults": []}}`, "household.adults"},
		{"three adults", `{"period": "2025-06", "household": {"adults": [{"date_of_birth": "1990-01-01"}, {"date_of_birth": "1990-01-01"}, {"date_of_birth": "1990-01-01"}]}}`, "household.adults"},
		{"date of birth missing", `{"period": "2025-06", "household": {"adults": [{"id": "a1"}]}}`, "household.adults[0].date_of_birth"},
		{"impossible date", `{"period": "2025-06", "household": {"adults": [{"date_of_birth": "1990-02-30"}]}}`, "household.adults[0].date_of_birth"},
		{"born after the period", `{"period": "2025-06", "household": {"adults": [{"date_of_birth": "2025-07-01"}]}}`, "household.adults[0].date_of_birth"},
		{"negative money", adult(`"earnings": "-1.00"`), "household.adults[0].earnings"},
		{"one decimal place", adult(`"earnings": "12.3"`), "household.adults[0].earnings"},
		{"exponent", adult(`"unearned_income": "1e3"`), "household.adults[0].unearned_income"},
		{"money as a number", adult(`"earnings": 12.30`), "household.adults.earnings"},
		{"negative hours", adult(`"caring_hours": -1`), "household.adults[0].caring_hours"},
		{"hours over a week", adult(`"caring_hours": 169`), "household.adults[0].caring_hours"},
		{"unknown needs", adult(`"attendance_needs": "sometimes"`), "household.adults[0].attendance_needs"},
		{"negative points", adult(`"pip_daily_living_points": -2`), "household.adults[0].pip_daily_living_points"},
		{"partner died on an impossible day", adult(`"partner_died_on": "2024-13-01"`), "household.adults[0].partner_died_on"},
		{"unknown country", `{"period": "2025-06", "household": {"country": "france", "adults": [{"date_of_birth": "1990-01-01"}]}}`, "household.country"},
		{"unknown tenure", `{"period": "2025-06", "household": {"adults": [{"date_of_birth": "1990-01-01"}], "housing": {"tenure": "castle"}}}`, "household.housing.tenure"},
		{"private rent without LHA", `{"period": "2025-06", "household": {"adults": [{"date_of_birth": "1990-01-01"}], "housing": {"tenure": "private-rent", "rent": "500.00", "lha_rate": "0.00"}}}`, "household.housing.lha_rate"},
		{"child's impossible date", `{"period": "2025-06", "household": {"adults": [{"date_of_birth": "1990-01-01"}], "children": [{"date_of_birth": "2019-02-29"}]}}`, "household.children[0].date_of_birth"},
		{"unknown exception", `{"period": "2025-06", "household": {"adults": [{"date_of_birth": "1990-01-01"}], "children": [{"date_of_birth": "2019-01-01", "two_child_limit_exception": "twins"}]}}`, "household.children[0].two_child_limit_exception"},
		{"non-dependant without age", `{"period": "2025-06", "household": {"adults": [{"date_of_birth": "1990-01-01"}], "non_dependants": [{"exempt": true}]}}`, "household.non_dependants[0].age"},
		{"negative capital", `{"period": "2025-06", "household": {"adults": [{"date_of_birth": "1990-01-01"}], "capital": "-5.00"}}`, "household.capital"},
		{"duplicate adult ids", `{"period": "2025-06", "household": {"adults": [{"id": "x", "date_of_birth": "1990-01-01"}, {"id": "x", "date_of_birth": "1990-01-01"}]}}`, "household.adults[1].id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := DecodeSituation(strings.NewReader(tt.in))
			if err == nil {
				t.Fatal("want an error")
			}
			if code := lifeline.ErrorCode(err); code != lifeline.EINVALID {
				t.Errorf("code = %q, want %q (%v)", code, lifeline.EINVALID, err)
			}
			if got := lifeline.ErrorField(err); got != tt.field {
				t.Errorf("field = %q, want %q (%v)", got, tt.field, err)
			}
		})
	}
}

func TestCalculateNoRulesForPeriod(t *testing.T) {
	s, err := DecodeSituation(strings.NewReader(`{"period": "2023-06", "household": {"adults": [{"date_of_birth": "1990-01-01"}]}}`))
	if err != nil {
		t.Fatal(err)
	}
	_, err = NewEngine(testParams).Calculate(s)
	if lifeline.ErrorCode(err) != lifeline.EINVALID || lifeline.ErrorField(err) != "period" {
		t.Errorf("err = %v, want EINVALID naming period", err)
	}
}

// FuzzDecodeSituation checks that no input makes the decoder or the engine
// panic, and that every accepted situation can be calculated and encoded.
// "go test" runs the seeds; "go test -fuzz FuzzDecodeSituation ./rules" explores.
func FuzzDecodeSituation(f *testing.F) {
	f.Add(minimal)
	f.Add(`{"period": "2026-05", "household": {"adults": [{"date_of_birth": "1960-04-06", "ni_qualifying_years": 12, "caring_hours": 35, "cared_for_receives_qualifying_benefit": true}]}}`)
	f.Add(`{"period": "2024-04", "household": {"london": true, "adults": [{"date_of_birth": "2000-02-29", "earnings": "99999.99"}], "children": [{"date_of_birth": "2024-04-30", "disability": "higher"}], "housing": {"tenure": "private-rent", "rent": "1.00", "lha_rate": "0.01"}}}`)
	f.Add(`{"period": "2027-03", "household": {"adults": [{"date_of_birth": "1900-01-01", "partner_died_on": "2027-03-31", "attendance_needs": "day-or-night"}], "capital": "1000000000.00"}}`)
	f.Add(`{"period": "2025-13"}`)
	f.Add(`{"period": "2025-06", "household": {"adults": [{"date_of_birth": "1990-01-01", "earnings": "1e3"}]}}`)
	f.Add(`{"period":null,"household":null}`)
	f.Add(`{`)
	engine := NewEngine(testParams)
	f.Fuzz(func(t *testing.T, in string) {
		s, err := DecodeSituation(strings.NewReader(in))
		if err != nil {
			if lifeline.ErrorCode(err) == lifeline.EINTERNAL {
				t.Fatalf("decoder error is not a *lifeline.Error: %v", err)
			}
			return
		}
		res, err := engine.Calculate(s)
		if err != nil {
			if lifeline.ErrorField(err) != "period" {
				t.Fatalf("Calculate: %v", err)
			}
			return
		}
		var b strings.Builder
		if err := EncodeResult(&b, res); err != nil {
			t.Fatal(err)
		}
		for _, br := range res.Benefits {
			if br.Amount < 0 {
				t.Fatalf("%s: negative amount %s", br.Benefit.Key(), br.Amount)
			}
		}
	})
}
