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
