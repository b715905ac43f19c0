package microsim

import (
	"runtime"
	"sync"

	"github.com/lifeline-gov/lifeline/rules"
)

// Totals are annual costs (pence) and caseloads (households with a payable
// amount) by benefit.
type Totals struct {
	Households int64
	Cost       [rules.NumBenefits]int64
	Caseload   [rules.NumBenefits]int64
}

// Comparison is a reform against the baseline.
type Comparison struct {
	Baseline, Reform Totals
	Gainers, Losers  int64
	GainTotal        int64 // annual pence gained by gainers
	LossTotal        int64 // annual pence lost by losers (positive)
}

// NetCost is the reform's annual cost over the baseline (negative: a saving).
func (c *Comparison) NetCost() int64 { return c.GainTotal - c.LossTotal }

// Run computes every benefit for households [0, n) of the generator's
// population under base and, if reform is not nil, under reform too. It
// uses workers goroutines (0 means GOMAXPROCS).
func Run(g *Generator, n int64, base, reform *rules.Rates, workers int) Comparison {
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	parts := make([]Comparison, workers)
	var wg sync.WaitGroup
	chunk := (n + int64(workers) - 1) / int64(workers)
	for w := 0; w < workers; w++ {
		lo, hi := int64(w)*chunk, min(int64(w+1)*chunk, n)
		if lo >= hi {
			continue
		}
		wg.Add(1)
		go func(c *Comparison) {
			defer wg.Done()
			runRange(g, lo, hi, base, reform, c)
		}(&parts[w])
	}
	wg.Wait()
	var total Comparison
	for i := range parts {
		total.add(&parts[i])
	}
	return total
}

// runRange is the hot loop: one Household and two Amounts, reused.
func runRange(g *Generator, lo, hi int64, base, reform *rules.Rates, c *Comparison) {
	h := rules.Household{
		Adults:        make([]rules.Adult, 0, 2),
		Children:      make([]rules.Child, 0, 8),
		NonDependants: make([]rules.NonDependant, 0, 2),
	}
	var a, b rules.Amounts
	for i := lo; i < hi; i++ {
		g.Household(uint64(i), &h)
		base.Compute(&h, &a)
		before := c.Baseline.record(&a)
		if reform == nil {
			continue
		}
		reform.Compute(&h, &b)
		after := c.Reform.record(&b)
		switch {
		case after > before:
			c.Gainers++
			c.GainTotal += after - before
		case after < before:
			c.Losers++
			c.LossTotal += before - after
		}
	}
}

func (t *Totals) record(a *rules.Amounts) int64 {
	t.Households++
	var sum int64
	for b := rules.Benefit(0); b < rules.NumBenefits; b++ {
		if a.Benefits[b].Amount > 0 {
			v := int64(a.Annual(b))
			t.Cost[b] += v
			t.Caseload[b]++
			sum += v
		}
	}
	return sum
}

func (c *Comparison) add(o *Comparison) {
	c.Baseline.add(&o.Baseline)
	c.Reform.add(&o.Reform)
	c.Gainers += o.Gainers
	c.Losers += o.Losers
	c.GainTotal += o.GainTotal
	c.LossTotal += o.LossTotal
}

func (t *Totals) add(o *Totals) {
	t.Households += o.Households
	for b := range t.Cost {
		t.Cost[b] += o.Cost[b]
		t.Caseload[b] += o.Caseload[b]
	}
}
