package rules

import "fmt"

// benefitCap returns the reduction for the benefit cap: the amount by which
// Universal Credit plus Child Benefit (monthly) exceeds the cap, less any
// childcare costs element, unless an exception applies.
func (r *Rates) benefitCap(h *Household, f *facts, out *Amounts, award, earnings Money, carer bool, ex *explainer) Money {
	b := &out.UC
	if award == 0 {
		return 0
	}
	exempt := r.capException(h, f, earnings, carer)
	if exempt != noCapException {
		if ex != nil {
			ex.add(UniversalCredit, "The benefit cap does not apply: "+r.capExceptionText(exempt)+".", capExceptionCite[exempt])
		}
		return 0
	}
	limit, kind := r.cap.singleOutside, "single claimant without children, outside Greater London"
	family := f.nAdults == 2 || f.children > 0
	switch {
	case family && h.London:
		limit, kind = r.cap.familyLondon, "couple or lone parent, Greater London"
	case family:
		limit, kind = r.cap.familyOutside, "couple or lone parent, outside Greater London"
	case h.London:
		limit, kind = r.cap.singleLondon, "single claimant without children, Greater London"
	}
	cb := weeklyToMonthly(out.Benefits[ChildBenefit].Amount)
	total := award + cb
	if total <= limit {
		if ex != nil {
			ex.addAmount(UniversalCredit, fmt.Sprintf("Benefit cap (%s) of %s is not exceeded: Universal Credit plus Child Benefit (%s a month) comes to %s.", kind, limit, cb, total), 0, citeCap)
		}
		return 0
	}
	red := maxMoney0(total - limit - b.Childcare)
	red = minMoney(red, award)
	b.BenefitCapReduction = red
	if ex != nil {
		ex.addAmount(UniversalCredit, fmt.Sprintf("Benefit cap (%s) of %s: Universal Credit plus Child Benefit (%s a month, × 52 / 12) comes to %s; the excess less any childcare costs element is deducted.", kind, limit, cb, total), red, citeCap)
	}
	return red
}

// capExceptionKind says why the benefit cap does not apply.
type capExceptionKind uint8

const (
	noCapException capExceptionKind = iota
	capLCWRA
	capPIP
	capAA
	capCA
	capPensionAge
	capCarerElement
	capDisabledChild
	capEarnings
)

var capExceptionCite = [...]string{
	capLCWRA: citeCapExempt + "(1)(a)", capPIP: citeCapExempt + "(1)(g)", capAA: citeCapExempt + "(1)(c)",
	capCA: citeCapExempt, capPensionAge: citeCapExempt, capCarerElement: citeCapExempt,
	capDisabledChild: citeCapExempt + "(1)(f)", capEarnings: citeCapEarnings + "; SI 2013/376 reg 6(1)",
}

// capException finds the first exception to the benefit cap that applies
// (SI 2013/376 regs 82-83). It formats nothing: it is on the hot path.
func (r *Rates) capException(h *Household, f *facts, earnings Money, carer bool) capExceptionKind {
	for i := 0; i < f.nAdults; i++ {
		switch {
		case h.Adults[i].LCWRA:
			return capLCWRA
		case f.pipDaily[i] > 0 || f.pipMob[i] > 0:
			return capPIP
		case f.aa[i] > 0:
			return capAA
		case f.caEntitled[i]:
			return capCA
		case f.overSPA[i]:
			return capPensionAge
		}
	}
	if carer {
		return capCarerElement
	}
	for i := range h.Children {
		if h.Children[i].Disability != NotDisabled && r.qualifyingChild(&h.Children[i]) {
			return capDisabledChild
		}
	}
	// Earnings exception: monthly earnings at least 16 hours a week at the
	// National Living Wage, converted × 52 / 12. The conversion is a
	// calculation under SI 2013/376, so reg 6(1) rounds it to the nearest
	// penny (2024/25: 11.44 × 16 × 52 / 12 = 793.173… → 793.17), and
	// earnings equal to the rounded figure meet the exception. (Comparing
	// unrounded, as this code did before, refused the exception at exactly
	// the 793.17 the explanation quoted as the threshold.)
	if earnings >= r.capEarningsThreshold() {
		return capEarnings
	}
	return noCapException
}

func (r *Rates) capExceptionText(k capExceptionKind) string {
	switch k {
	case capLCWRA:
		return "a claimant has LCWRA"
	case capPIP:
		return "a claimant gets PIP"
	case capAA:
		return "a claimant gets Attendance Allowance"
	case capCA:
		return "a claimant is entitled to Carer's Allowance"
	case capPensionAge:
		return "a claimant has reached State Pension age"
	case capCarerElement:
		return "the award includes the carer element"
	case capDisabledChild:
		return "a child gets a disability benefit"
	case capEarnings:
		return fmt.Sprintf("earnings are at least %d hours a week at the National Living Wage of %s an hour (%s a month, × 52 / 12, rounded to the nearest penny)", r.cap.hours, r.cap.nlwHourly, r.capEarningsThreshold())
	}
	return ""
}

// capEarningsThreshold is the monthly earnings that meet the benefit cap's
// earnings exception: the National Living Wage for 16 hours a week, × 52 / 12,
// rounded to the nearest penny (SI 2013/376 regs 6(1) and 82(1)(a)).
func (r *Rates) capEarningsThreshold() Money {
	return mulDivRound(r.cap.nlwHourly*Money(r.cap.hours), 52, 12)
}
