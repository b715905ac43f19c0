package rules

import (
	"strings"
	"testing"

	"github.com/lifeline-gov/lifeline"
)

// Every parameter has a source for every value, and resolves for every
// month of the three tax years covered.
func TestParamsCoverThreeTaxYears(t *testing.T) {
	for _, name := range testParams.Names() {
		for _, v := range testParams.defs[name].Values {
			if strings.TrimSpace(v.Source) == "" {
				t.Errorf("%s from %s has no source", name, v.From)
			}
		}
	}
	for y := 2024; y <= 2026; y++ {
		for mo := 4; mo < 16; mo++ {
			p := Period{y + (mo-1)/12, (mo-1)%12 + 1}
			if _, err := testParams.Rates(p); err != nil {
				t.Errorf("tax year %d/%d, %s: %v", y, y+1-2000, p, err)
			}
		}
	}
}

func TestParamsSource(t *testing.T) {
	val, src, ok := testParams.Source("universal_credit.standard_allowance.single_25_or_over", d("2025-06-01"))
	if !ok || val != "400.14" || !strings.Contains(src, "askcpag") {
		t.Errorf("Source = %q, %q, %v", val, src, ok)
	}
}

const reformYAML = `
name: "Work allowances up by £100, taper 50%"
parameters:
  universal_credit.work_allowance.higher:
    - from: 2026-04-06
      value: "810.00"
  universal_credit.taper:
    - from: 2026-04-06
      value: "50"
      source: "Illustrative reform"
`

func TestReform(t *testing.T) {
	reformed, err := testParams.ParseReform(strings.NewReader(reformYAML))
	if err != nil {
		t.Fatal(err)
	}
	h := Household{Adults: []Adult{adult("1990-01-01")}, Children: kids("2018-01-01")}
	h.Adults[0].Earnings = m("1000.00")
	calc := func(p *Params, period string) Money {
		r, err := p.Rates(per(period))
		if err != nil {
			t.Fatal(err)
		}
		var out Amounts
		r.Compute(&h, &out)
		return out.Benefits[UniversalCredit].Amount
	}
	// 2026/27 baseline: 424.90 + 303.94 = 728.84; (1000 − 710) × 55% = 159.50; 569.34.
	if got := calc(testParams, "2026-05"); got != m("569.34") {
		t.Errorf("baseline = %s, want 569.34", got)
	}
	// Reform: (1000 − 810) × 50% = 95.00; 728.84 − 95.00 = 633.84.
	if got := calc(reformed, "2026-05"); got != m("633.84") {
		t.Errorf("reformed = %s, want 633.84", got)
	}
	// Before the reform's date nothing changes: 2025/26, 692.95 − (1000 − 684) × 55% = 519.15.
	if got := calc(reformed, "2025-06"); got != m("519.15") {
		t.Errorf("reformed 2025-06 = %s, want 519.15", got)
	}
	if got := calc(testParams, "2026-05"); got != m("569.34") {
		t.Errorf("the reform changed the baseline parameters: %s", got)
	}
}

func TestReformErrors(t *testing.T) {
	for _, in := range []string{
		"name: x\nparameters:\n  no.such.parameter:\n    - {from: 2026-04-06, value: \"1.00\"}\n",
		"name: x\nparameters:\n  universal_credit.taper:\n    - {from: 2026-04-06, value: \"55.555\"}\n",
		"name: x\nparameters:\n  universal_credit.carer:\n    - {from: 2026-02-30, value: \"1.00\"}\n",
		"parameters:\n  universal_credit.carer:\n    - {from: 2026-04-06, value: \"1.00\"}\n",
		"name: x\nunknown: 1\n",
	} {
		if _, err := testParams.ParseReform(strings.NewReader(in)); lifeline.ErrorCode(err) != lifeline.EINVALID {
			t.Errorf("ParseReform(%q) = %v, want EINVALID", in, err)
		}
	}
}

// A parameter file is refused if a value has no source, a malformed value
// or an unknown field.
func TestParseParamYAMLErrors(t *testing.T) {
	for _, in := range []string{
		"x:\n  unit: money\n  values:\n    - {from: 2025-04-07, value: \"1.00\"}\n",                           // no source
		"x:\n  unit: money\n  values:\n    - {from: 2025-04-07, value: \"1.0\", source: s}\n",                 // one decimal place
		"x:\n  unit: money\n  values:\n    - {from: 2025-02-29, value: \"1.00\", source: s}\n",                // impossible date
		"x:\n  unit: furlongs\n  values:\n    - {from: 2025-04-07, value: \"1\", source: s}\n",                // unknown unit
		"x:\n  unit: money\n  colour: red\n  values:\n    - {from: 2025-04-07, value: \"1.00\", source: s}\n", // unknown field
		"x:\n  unit: money\n  values: []\n",                                                                   // no values
	} {
		if _, err := parseParamYAML([]byte(in), "test.yaml"); err == nil {
			t.Errorf("parseParamYAML(%q): want an error", in)
		}
	}
}

// A version names the parameters exactly: the same law gives the same
// version, and any reform gives another.
func TestParamsVersion(t *testing.T) {
	v := testParams.Version()
	if !strings.HasPrefix(v, "rules-") || len(v) != len("rules-")+12 {
		t.Fatalf("Version() = %q, want rules- and 12 hex digits", v)
	}
	if again := DefaultParams().Version(); again != v {
		t.Errorf("loading the same parameters twice gave versions %s and %s", v, again)
	}
	reformed, err := testParams.ParseReform(strings.NewReader(reformYAML))
	if err != nil {
		t.Fatal(err)
	}
	if reformed.Version() == v {
		t.Errorf("a reform kept the version %s", v)
	}
}

// Universal Credit rates follow the first day of an assessment period and
// weekly rates its last day, so a period that begins before 6 April 2026
// keeps the 2025/26 standard allowance and one that begins after takes the
// new rate (the up-rating applies from the first assessment period that
// begins on or after the up-rating date).
func TestRatesBetweenFollowsThePeriodStart(t *testing.T) {
	single := Household{Adults: []Adult{{ID: "a", DateOfBirth: d("1980-01-01")}}}
	tests := []struct {
		start, end string
		want       Money
	}{
		{"2026-03-10", "2026-04-09", 40014},
		{"2026-04-10", "2026-05-09", 42490},
		{"2026-04-06", "2026-05-05", 42490},
	}
	for _, tt := range tests {
		r, err := testParams.RatesBetween(d(tt.start), d(tt.end))
		if err != nil {
			t.Fatalf("%s to %s: %v", tt.start, tt.end, err)
		}
		var out Amounts
		r.Compute(&single, &out)
		if got := out.UC.StandardAllowance; got != tt.want {
			t.Errorf("%s to %s: standard allowance %s, want %s", tt.start, tt.end, got, tt.want)
		}
	}
	if _, err := testParams.RatesBetween(d("2026-05-01"), d("2026-04-30")); lifeline.ErrorCode(err) != lifeline.EINVALID {
		t.Errorf("a period that ends before it starts: err = %v, want invalid", err)
	}
}
