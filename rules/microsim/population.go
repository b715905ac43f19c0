// Package microsim costs benefits over a synthetic population: a
// deterministic set of households shaped roughly like Great Britain's, each
// run through the rules engine, with totals by benefit and, for a reform,
// who gains and who loses.
//
// Everything is integer arithmetic: money in pence, probabilities in parts
// per thousand. The same seed and household count give the same population
// on any machine and with any number of workers.
package microsim

import "github.com/lifeline-gov/lifeline/rules"

// rng is SplitMix64: small, fast and good enough for a synthetic population.
type rng struct{ s uint64 }

func (r *rng) next() uint64 {
	r.s += 0x9e3779b97f4a7c15
	z := r.s
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// intn returns a uniform integer in [0, n).
func (r *rng) intn(n int) int { return int((r.next() >> 33) % uint64(n)) }

// between returns a uniform integer in [lo, hi].
func (r *rng) between(lo, hi int) int { return lo + r.intn(hi-lo+1) }

// chance reports true with probability perMille / 1000.
func (r *rng) chance(perMille int) bool { return r.intn(1000) < perMille }

// pick returns an index chosen with the given weights (which sum to 1000).
func (r *rng) pick(weights []int) int {
	x := r.intn(1000)
	for i, w := range weights {
		if x < w {
			return i
		}
		x -= w
	}
	return len(weights) - 1
}

// The population's shape. These are rough figures, in parts per thousand,
// in the spirit of the ONS Families and Households and the DWP Family
// Resources Survey; they are documented in docs/RULES.md and make no claim to
// reproduce official caseloads.
var (
	householdTypes = []int{
		140, // single person over State Pension age
		100, // couple over State Pension age
		20,  // mixed-age couple
		60,  // single person aged 18-24, no children
		200, // single person aged 25 to pension age, no children
		210, // couple of working age, no children
		70,  // lone parent
		200, // couple with children
	}
	countryWeights     = []int{840, 50, 80, 30} // England, Wales, Scotland, Northern Ireland
	workingTenure      = []int{80, 220, 200, 500}
	pensionerTenure    = []int{0, 70, 180, 750}
	loneParentChildren = []int{500, 350, 150}
	coupleChildren     = []int{400, 400, 150, 50}
	capitalBands       = []int{500, 200, 150, 150}
	// Monthly net earnings by percentile (0, 10, 25, 50, 75, 90, 100), in pence.
	earningsPercentiles = []struct{ pct, pence int64 }{
		{0, 20000}, {100, 70000}, {250, 130000}, {500, 210000}, {750, 300000}, {900, 420000}, {1000, 800000},
	}
)

const (
	typeSinglePensioner = iota
	typeCouplePensioner
	typeMixedAge
	typeYoungSingle
	typeSingle
	typeCouple
	typeLoneParent
	typeCoupleChildren
)

// Generator builds household number i of a population, deterministically.
type Generator struct {
	Seed   uint64
	Period rules.Period
	end    rules.Date
}

// NewGenerator returns a generator for households assessed in period.
func NewGenerator(seed uint64, period rules.Period) *Generator {
	return &Generator{Seed: seed, Period: period, end: period.Last()}
}

// Household fills h with household number i, reusing h's slices so that a
// worker allocates nothing once warmed up.
func (g *Generator) Household(i uint64, h *rules.Household) {
	r := rng{s: g.Seed*0x2545f4914f6cdd1d ^ i*0x9e3779b97f4a7c15}
	r.next()
	adults, children, nondeps := h.Adults[:0], h.Children[:0], h.NonDependants[:0]
	*h = rules.Household{}
	h.Country = rules.Country(r.pick(countryWeights))
	h.London = h.Country == rules.England && r.chance(155)

	kind := r.pick(householdTypes)
	pensioners := kind == typeSinglePensioner || kind == typeCouplePensioner
	switch kind {
	case typeSinglePensioner:
		adults = append(adults, g.pensioner(&r, "a1"))
	case typeCouplePensioner:
		adults = append(adults, g.pensioner(&r, "a1"), g.pensioner(&r, "a2"))
	case typeMixedAge:
		adults = append(adults, g.pensioner(&r, "a1"), g.worker(&r, "a2", 58, 65))
	case typeYoungSingle:
		adults = append(adults, g.worker(&r, "a1", 18, 24))
	case typeSingle:
		adults = append(adults, g.worker(&r, "a1", 25, 65))
	case typeCouple:
		adults = append(adults, g.worker(&r, "a1", 20, 65), g.worker(&r, "a2", 20, 65))
	case typeLoneParent:
		adults = append(adults, g.worker(&r, "a1", 18, 55))
		children = g.children(&r, children, 1+r.pick(loneParentChildren))
	case typeCoupleChildren:
		adults = append(adults, g.worker(&r, "a1", 20, 55), g.worker(&r, "a2", 20, 55))
		children = g.children(&r, children, 1+r.pick(coupleChildren))
	}
	h.Adults, h.Children = adults, children

	tenure := workingTenure
	if pensioners {
		tenure = pensionerTenure
	}
	h.Tenure = rules.Tenure(r.pick(tenure))
	switch h.Tenure {
	case rules.SocialRent:
		h.Rent = pounds(r.between(400, 750))
	case rules.PrivateRent:
		h.Rent = pounds(r.between(600, 1500))
		h.LHARate = h.Rent * rules.Money(r.between(70, 120)) / 100
	}
	if r.chance(80) {
		nondeps = append(nondeps, rules.NonDependant{Age: r.between(18, 40), Exempt: r.chance(200)})
	}
	h.NonDependants = nondeps
	if len(children) > 0 && allWorking(adults) && r.chance(300) {
		h.ChildcareCosts = pounds(r.between(100, 900))
	}
	switch r.pick(capitalBands) {
	case 0:
		h.Capital = pounds(r.between(0, 999))
	case 1:
		h.Capital = pounds(r.between(1000, 6000))
	case 2:
		h.Capital = pounds(r.between(6000, 16000))
	default:
		h.Capital = pounds(r.between(16001, 60000))
	}
}

func pounds(n int) rules.Money { return rules.Money(n) * 100 }

func allWorking(adults []rules.Adult) bool {
	for i := range adults {
		if adults[i].Earnings == 0 {
			return false
		}
	}
	return true
}

// dob returns a date of birth for someone aged years on the period's last day.
func (g *Generator) dob(r *rng, years int) rules.Date {
	y := g.end.Year() - years - 1
	m := r.between(1, 12)
	d := r.between(1, 28)
	born := rules.MakeDate(y, m, d)
	if born.AgeOn(g.end) < years {
		born = rules.MakeDate(y-1, m, d)
	}
	return born
}

func (g *Generator) pensioner(r *rng, id string) rules.Adult {
	a := rules.Adult{ID: id, DateOfBirth: g.dob(r, r.between(67, 95))}
	a.SPAssessed = true
	switch {
	case r.chance(800):
		a.NIQualifyingYears = r.between(35, 45)
	case r.chance(850):
		a.NIQualifyingYears = r.between(10, 34)
	default:
		a.NIQualifyingYears = r.between(0, 9)
	}
	if r.chance(80) {
		a.Earnings = pounds(r.between(100, 1500))
	}
	if r.chance(400) {
		a.UnearnedIncome = pounds(r.between(50, 900)) // private pensions
	}
	// The engine assesses only the new State Pension. Someone born before
	// 6 April 1951 reached pension age before it began, so their (basic)
	// State Pension is drawn here as other income, roughly its range.
	if a.DateOfBirth < rules.MakeDate(1951, 4, 6) {
		a.SPAssessed = false
		a.UnearnedIncome += pounds(r.between(550, 1100))
	}
	switch x := r.intn(1000); {
	case x < 80:
		a.AttendanceNeeds = rules.DayOrNight
	case x < 150:
		a.AttendanceNeeds = rules.DayAndNight
	}
	return a
}

func (g *Generator) worker(r *rng, id string, minAge, maxAge int) rules.Adult {
	a := rules.Adult{ID: id, DateOfBirth: g.dob(r, r.between(minAge, maxAge))}
	a.LCWRA = r.chance(80)
	if a.LCWRA {
		a.LCWRAProtected = r.chance(700)
	}
	works := 750
	if a.LCWRA {
		works = 150
	}
	if r.chance(works) {
		a.Earnings = earnings(r)
	}
	if r.chance(100) {
		a.UnearnedIncome = pounds(r.between(50, 300))
	}
	switch x := r.intn(1000); {
	case x < 50:
		a.CaringHours = r.between(35, 80)
		a.CaredForQualifies = r.chance(800)
	case x < 80:
		a.CaringHours = r.between(5, 34)
		a.CaredForQualifies = r.chance(800)
	}
	if r.chance(100) {
		a.PIPAssessed = true
		a.PIPDailyLivingPoints = r.between(0, 20)
		a.PIPMobilityPoints = r.between(0, 16)
	}
	if r.chance(3) {
		a.PartnerDiedOn = g.end.AddMonths(-r.between(0, 24))
		if a.PartnerDiedOn < a.DateOfBirth {
			a.PartnerDiedOn = 0
		}
	}
	a.InFullTimeEducation = a.DateOfBirth.AgeOn(g.end) < 23 && r.chance(300)
	return a
}

// earnings draws monthly net earnings from the percentile table, linear
// between points.
func earnings(r *rng) rules.Money {
	x := int64(r.intn(1000))
	for i := 1; i < len(earningsPercentiles); i++ {
		lo, hi := earningsPercentiles[i-1], earningsPercentiles[i]
		if x < hi.pct {
			return rules.Money(lo.pence + (hi.pence-lo.pence)*(x-lo.pct)/(hi.pct-lo.pct))
		}
	}
	return rules.Money(earningsPercentiles[len(earningsPercentiles)-1].pence)
}

// children appends n children, eldest first.
func (g *Generator) children(r *rng, cs []rules.Child, n int) []rules.Child {
	start := len(cs)
	age := r.between(n-1, 17)
	for k := 0; k < n; k++ {
		c := rules.Child{DateOfBirth: g.dob(r, age)}
		switch x := r.intn(1000); {
		case x < 35:
			c.Disability = rules.DisabledLower
		case x < 50:
			c.Disability = rules.DisabledHigher
		}
		c.InApprovedEducation = age >= 16 && r.chance(800)
		if k >= 2 && r.chance(50) {
			c.Exception = rules.MultipleBirth
		}
		cs = append(cs, c)
		if age > 0 {
			age -= r.between(1, min(age, 4))
		}
	}
	// Eldest first: ages only fall, but equal dates may be generated out of
	// order within a year; sort the few elements by insertion.
	for i := start + 1; i < len(cs); i++ {
		for j := i; j > start && cs[j].DateOfBirth < cs[j-1].DateOfBirth; j-- {
			cs[j], cs[j-1] = cs[j-1], cs[j]
		}
	}
	return cs
}
