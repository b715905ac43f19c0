package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lifeline-gov/lifeline"
)

func TestCalc(t *testing.T) {
	in := `{"period": "2025-06", "household": {"adults": [{"id": "a1", "date_of_birth": "1990-01-01", "earnings": "100.01"}]}}`
	var out, errOut bytes.Buffer
	if err := run(context.Background(), []string{"calc"}, strings.NewReader(in), &out, &errOut); err != nil {
		t.Fatalf("calc: %v (%s)", err, errOut.String())
	}
	var res struct {
		Period   string `json:"period"`
		Benefits map[string]struct {
			Eligible  bool              `json:"eligible"`
			Amount    string            `json:"amount"`
			Frequency string            `json:"frequency"`
			Breakdown map[string]string `json:"breakdown"`
			Reasons   []struct{ Text, Amount, Citation string }
		} `json:"benefits"`
	}
	if err := json.Unmarshal(out.Bytes(), &res); err != nil {
		t.Fatalf("output is not JSON: %v\n%s", err, out.String())
	}
	uc := res.Benefits["universal_credit"]
	// 400.14 standard allowance − 55% × 100.01 (55.0055 → 55.01) = 345.13
	if res.Period != "2025-06" || !uc.Eligible || uc.Amount != "345.13" || uc.Frequency != "monthly" || uc.Breakdown["earned_income_deduction"] != "55.01" {
		t.Errorf("universal_credit = %+v", uc)
	}
	if len(res.Benefits) != 8 {
		t.Errorf("%d benefits in the result, want all 8", len(res.Benefits))
	}
	if cb := res.Benefits["child_benefit"]; cb.Eligible || cb.Amount != "0.00" || cb.Frequency != "weekly" {
		t.Errorf("child_benefit = %+v", cb)
	}
}

// Bad input fails with an error naming the field; main prints it and exits 1.
func TestCalcBadInput(t *testing.T) {
	tests := []struct{ in, field string }{
		{`{"period": "2025-06", "household": {"adults": [{"date_of_birth": "1990-02-30"}]}}`, "household.adults[0].date_of_birth"},
		{`{"period": "2025-06", "household": {"adults": [{"date_of_birth": "1990-01-01", "earnings": "-1.00"}]}}`, "household.adults[0].earnings"},
		{`{"period": "2019-06", "household": {"adults": [{"date_of_birth": "1990-01-01"}]}}`, "period"},
		{`{"period": "2025-06", "household": {"adults": [{"date_of_birth": "1990-01-01", "colour": "blue"}]}}`, "household.adults[0].colour"},
		{`{"period": "2025-06", "household": `, ""},
	}
	for _, tt := range tests {
		var out, errOut bytes.Buffer
		err := run(context.Background(), []string{"calc"}, strings.NewReader(tt.in), &out, &errOut)
		if err == nil || exitCode(err) == 0 {
			t.Errorf("calc %s: err = %v, want a non-zero exit", tt.in, err)
			continue
		}
		if got := lifeline.ErrorField(err); got != tt.field {
			t.Errorf("calc %s: field %q, want %q (%v)", tt.in, got, tt.field, err)
		}
		if out.Len() != 0 {
			t.Errorf("calc wrote output on bad input: %s", out.String())
		}
	}
}

func TestCalcReform(t *testing.T) {
	file := filepath.Join(t.TempDir(), "reform.yaml")
	reform := "name: Higher standard allowance\nparameters:\n  universal_credit.standard_allowance.single_25_or_over:\n    - {from: 2025-04-07, value: \"500.00\"}\n"
	if err := os.WriteFile(file, []byte(reform), 0o644); err != nil {
		t.Fatal(err)
	}
	in := `{"period": "2025-06", "household": {"adults": [{"date_of_birth": "1990-01-01"}]}}`
	var out, errOut bytes.Buffer
	if err := run(context.Background(), []string{"calc", "--reform", file}, strings.NewReader(in), &out, &errOut); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), `"amount": "500.00"`) {
		t.Errorf("reform not applied:\n%s", out.String())
	}
}

func TestSimulate(t *testing.T) {
	var out, errOut bytes.Buffer
	args := []string{"simulate", "--households", "20000", "--period", "2026-05", "--seed", "3"}
	if err := run(context.Background(), args, nil, &out, &errOut); err != nil {
		t.Fatalf("simulate: %v (%s)", err, errOut.String())
	}
	for _, want := range []string{"Simulated 20000 households for 2026-05", "universal_credit", "bereavement_support_payment", "total"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	file := filepath.Join(t.TempDir(), "reform.yaml")
	if err := os.WriteFile(file, []byte("name: taper 50\nparameters:\n  universal_credit.taper:\n    - {from: 2026-04-06, value: \"50\"}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	if err := run(context.Background(), append(args, "--reform", file), nil, &out, &errOut); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"With the reform", "Gainers:", "Losers:  0 households", "Net annual cost of the reform"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	if err := run(context.Background(), []string{"simulate", "--households", "10"}, nil, &out, &errOut); err == nil {
		t.Error("simulate without --period: want an error")
	}
}
