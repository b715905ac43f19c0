package microsim

import (
	"runtime"
	"testing"

	"github.com/lifeline-gov/lifeline/rules"
)

func rates(t testing.TB, period string) *rules.Rates {
	p, err := rules.ParsePeriod(period)
	if err != nil {
		t.Fatal(err)
	}
	r, err := rules.DefaultParams().Rates(p)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// The same seed gives the same totals whatever the number of workers.
func TestRunIsDeterministic(t *testing.T) {
	r := rates(t, "2026-05")
	g := NewGenerator(7, r.Period)
	one := Run(g, 20000, r, nil, 1)
	three := Run(g, 20000, r, nil, 3)
	if one.Baseline != three.Baseline {
		t.Errorf("1 worker %+v\n3 workers %+v", one.Baseline, three.Baseline)
	}
	other := Run(NewGenerator(8, r.Period), 20000, r, nil, 1)
	if other.Baseline == one.Baseline {
		t.Error("a different seed gave the same population")
	}
	for b := rules.Benefit(0); b < rules.NumBenefits; b++ {
		if one.Baseline.Caseload[b] == 0 {
			t.Errorf("no caseload for %s in 20,000 households", b.Key())
		}
	}
}

// A reform compared with itself changes nothing; a more generous one has
// gainers and a positive net cost.
func TestRunReform(t *testing.T) {
	base := rates(t, "2026-05")
	g := NewGenerator(1, base.Period)
	same := Run(g, 5000, base, base, 2)
	if same.Gainers != 0 || same.Losers != 0 || same.NetCost() != 0 {
		t.Errorf("self-comparison: %+v", same)
	}
	p := rules.DefaultParams()
	reformed, err := p.ParseReform(stringsReader("name: taper 50\nparameters:\n  universal_credit.taper:\n    - {from: 2026-04-06, value: \"50\"}\n"))
	if err != nil {
		t.Fatal(err)
	}
	rr, err := reformed.Rates(base.Period)
	if err != nil {
		t.Fatal(err)
	}
	c := Run(g, 5000, base, rr, 2)
	if c.Gainers == 0 || c.Losers != 0 || c.NetCost() <= 0 {
		t.Errorf("lower taper: gainers %d, losers %d, net cost %d", c.Gainers, c.Losers, c.NetCost())
	}
}

// The hot path allocates nothing with explanations off.
func TestComputeDoesNotAllocate(t *testing.T) {
	r := rates(t, "2026-05")
	g := NewGenerator(3, r.Period)
	h := rules.Household{Adults: make([]rules.Adult, 0, 2), Children: make([]rules.Child, 0, 8), NonDependants: make([]rules.NonDependant, 0, 2)}
	var out rules.Amounts
	run := func(from, n uint64) {
		for i := from; i < from+n; i++ {
			g.Household(i, &h)
			r.Compute(&h, &out)
		}
	}
	run(0, 1000) // warm up: let the slices reach their capacity
	// Count every allocation over many households: testing.AllocsPerRun
	// would round an occasional one down to zero.
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	run(1000, 50000)
	runtime.ReadMemStats(&after)
	if n := after.Mallocs - before.Mallocs; n != 0 {
		t.Errorf("%d allocations over 50,000 households, want 0", n)
	}
}

// BenchmarkHouseholds measures household calculations per second over all
// CPUs, generation included: go test -bench Households -cpu 2 ./rules/microsim
func BenchmarkHouseholds(b *testing.B) {
	r := rates(b, "2026-05")
	g := NewGenerator(1, r.Period)
	b.ReportAllocs()
	b.ResetTimer()
	Run(g, int64(b.N), r, nil, 0)
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "households/s")
}

// BenchmarkCompute is one household on one core, explanations off.
func BenchmarkCompute(b *testing.B) {
	r := rates(b, "2026-05")
	g := NewGenerator(1, r.Period)
	h := rules.Household{Adults: make([]rules.Adult, 0, 2), Children: make([]rules.Child, 0, 8), NonDependants: make([]rules.NonDependant, 0, 2)}
	var out rules.Amounts
	hs := make([]rules.Household, 1024)
	for i := range hs {
		g.Household(uint64(i), &h)
		hs[i] = h
		hs[i].Adults = append([]rules.Adult(nil), h.Adults...)
		hs[i].Children = append([]rules.Child(nil), h.Children...)
		hs[i].NonDependants = append([]rules.NonDependant(nil), h.NonDependants...)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		r.Compute(&hs[i&1023], &out)
	}
}
