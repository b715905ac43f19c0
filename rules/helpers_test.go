package rules

import "testing"

var testParams = DefaultParams()

// d parses a date or panics: for test tables.
func d(s string) Date {
	v, err := ParseDate(s)
	if err != nil {
		panic(s + ": " + err.Error())
	}
	return v
}

// m parses money or panics: for test tables.
func m(s string) Money {
	v, err := ParseMoney(s)
	if err != nil {
		panic(s + ": " + err.Error())
	}
	return v
}

func per(s string) Period {
	p, err := ParsePeriod(s)
	if err != nil {
		panic(err)
	}
	return p
}

func adult(dob string) Adult { return Adult{ID: "a1", DateOfBirth: d(dob)} }

func kids(dobs ...string) []Child {
	var cs []Child
	for _, s := range dobs {
		cs = append(cs, Child{DateOfBirth: d(s)})
	}
	return cs
}

// compute runs the engine, explained, and checks that the unexplained path
// (the simulator's) gives the same amounts.
func compute(t *testing.T, period string, h Household) Result {
	t.Helper()
	r, err := testParams.Rates(per(period))
	if err != nil {
		t.Fatalf("rates for %s: %v", period, err)
	}
	res := r.Explain(&h)
	var fast Amounts
	r.Compute(&h, &fast)
	for b := Benefit(0); b < NumBenefits; b++ {
		if fast.Benefits[b].Amount != res.Benefits[b].Amount || fast.Benefits[b].Eligible != res.Benefits[b].Eligible {
			t.Fatalf("%s: explained %v/%s, fast %v/%s", b.Key(), res.Benefits[b].Eligible, res.Benefits[b].Amount, fast.Benefits[b].Eligible, fast.Benefits[b].Amount)
		}
	}
	return res
}

func (res Result) line(b Benefit, key string) Money {
	for _, l := range res.Benefits[b].Breakdown {
		if l.Key == key {
			return l.Amount
		}
	}
	return -1
}
