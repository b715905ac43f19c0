package rules

import "fmt"

const (
	citeUCAge       = "Welfare Reform Act 2012 s4(1)(a)-(b)"
	citeUCSPA       = "Welfare Reform Act 2012 s4(1)(b); State Pension Credit Act 2002 s4(1A)"
	citeUCCapital   = "SI 2013/376 reg 18(1)"
	citeUCStandard  = "SI 2013/376 reg 36(3) table"
	citeUCChild     = "SI 2013/376 reg 24(1), reg 36(3) table"
	citeUCTwoChild  = "SI 2013/376 regs 24A-24B"
	citeUCDisabled  = "SI 2013/376 reg 24(2)"
	citeUCLCWRA     = "SI 2013/376 reg 27, reg 36(3) table"
	citeUCLCWRA26   = "Universal Credit Act 2025 s2"
	citeUCCarer     = "SI 2013/376 regs 29-30"
	citeUCCarerBoth = "SI 2013/376 reg 29(4)"
	citeUCChildcare = "SI 2013/376 regs 31-34"
	citeUCHousing   = "SI 2013/376 reg 25-26 and Sch 4"
	citeUCLHA       = "SI 2013/376 Sch 4 paras 22-25"
	citeUCNonDep    = "SI 2013/376 Sch 4 paras 13-16"
	citeUCWA        = "SI 2013/376 reg 22(1)(b), (2)"
	citeUCUnearned  = "SI 2013/376 regs 22(1)(a), 66, 73"
	citeUCTariff    = "SI 2013/376 reg 72(1)"
	citeUCMax       = "Welfare Reform Act 2012 s8(2); SI 2013/376 reg 23"
	citeUCAward     = "Welfare Reform Act 2012 s8(1), (3); SI 2013/376 reg 22"
	citeUCRound     = "SI 2013/376 reg 6(1)"
	citeCap         = "SI 2013/376 regs 78-81"
	citeCapExempt   = "SI 2013/376 reg 83"
	citeCapEarnings = "SI 2013/376 reg 82(1)(a)"
)

// universalCredit assesses one monthly assessment period (the calendar
// month) on the circumstances of its last day, because a change takes
// effect from the first day of the assessment period in which it occurs
// (SI 2013/381 Sch 1 para 20).
func (r *Rates) universalCredit(h *Household, f *facts, out *Amounts, ex *explainer) {
	o := &out.Benefits[UniversalCredit]
	b := &out.UC
	if ex != nil {
		ex.add(UniversalCredit, fmt.Sprintf("Assessment period %s to %s: rates in force on %s (an up-rating applies from the first assessment period beginning on or after the up-rating date); circumstances as on %s.", r.start, r.end, r.start, r.end), "SI 2013/376 reg 21; Social Security Benefits Up-rating Orders; SI 2013/381 Sch 1 para 20")
	}
	if !r.ucBasicConditions(h, f, ex) {
		return
	}

	// Standard allowance.
	anyOver25 := false
	for i := 0; i < f.nAdults; i++ {
		if int64(f.age[i]) >= r.uc.higherAge {
			anyOver25 = true
		}
	}
	switch {
	case f.nAdults == 1 && anyOver25:
		b.StandardAllowance = r.uc.single25
	case f.nAdults == 1:
		b.StandardAllowance = r.uc.singleUnder25
	case anyOver25:
		b.StandardAllowance = r.uc.couple25
	default:
		b.StandardAllowance = r.uc.coupleUnder25
	}
	if ex != nil {
		who := "single claimant"
		if f.nAdults == 2 {
			who = "joint claimants"
		}
		age := fmt.Sprintf("aged under %d", r.uc.higherAge)
		if anyOver25 {
			age = fmt.Sprintf("aged %d or over", r.uc.higherAge)
			if f.nAdults == 2 {
				age = fmt.Sprintf("one or both aged %d or over", r.uc.higherAge)
			}
		} else if f.nAdults == 2 {
			age = fmt.Sprintf("both aged under %d", r.uc.higherAge)
		}
		ex.addAmount(UniversalCredit, fmt.Sprintf("Standard allowance: %s, %s.", who, age), b.StandardAllowance, citeUCStandard)
	}

	r.ucChildren(h, f, b, ex)

	// LCWRA element: one per award, at the protected rate if any claimant
	// with LCWRA is protected, or if there is no separate new-claimant rate.
	lcwraAdult := [2]bool{}
	for i := 0; i < f.nAdults; i++ {
		a := &h.Adults[i]
		if !a.LCWRA {
			continue
		}
		lcwraAdult[i] = true
		amt := r.uc.lcwra
		if r.uc.lcwraNewClaimant > 0 && !a.LCWRAProtected {
			amt = r.uc.lcwraNewClaimant
		}
		if amt > b.LCWRA {
			b.LCWRA = amt
		}
	}
	if ex != nil && b.LCWRA > 0 {
		if r.uc.lcwraNewClaimant > 0 && b.LCWRA == r.uc.lcwraNewClaimant {
			ex.addAmount(UniversalCredit, fmt.Sprintf("LCWRA element at the rate for claimants first entitled from 6 April 2026 (the protected rate of %s applies to pre-2026 claimants, those meeting the severe conditions criteria and the terminally ill: set lcwra_protected).", r.uc.lcwra), b.LCWRA, citeUCLCWRA26)
		} else {
			ex.addAmount(UniversalCredit, "Limited capability for work and work-related activity (LCWRA) element; only one is included in an award.", b.LCWRA, citeUCLCWRA)
		}
	}

	// Carer element: one per claimant with regular and substantial caring
	// responsibilities, meaning they meet the Carer's Allowance conditions
	// other than the earnings limit (reg 30(1)): 35 hours, a qualifying
	// benefit, not in full-time education. A claimant with LCWRA gets only the
	// LCWRA element, unless in a joint claim the one LCWRA element can be
	// attributed to the other claimant (reg 29(4)).
	carerElement := false
	lcwraForOther := lcwraAdult[0] && lcwraAdult[1] // the element can go to either
	for i := 0; i < f.nAdults; i++ {
		a := &h.Adults[i]
		if !r.caresRegularly(a) {
			continue
		}
		if lcwraAdult[i] {
			if lcwraForOther {
				lcwraForOther = false // attributed to the other claimant, once
			} else {
				if ex != nil {
					ex.add(UniversalCredit, fmt.Sprintf("%s has regular and substantial caring responsibilities but also LCWRA: only the LCWRA element is included for the same claimant.", a.ID), citeUCCarerBoth)
				}
				continue
			}
		}
		carerElement = true
		b.Carer += r.uc.carer
		if ex != nil {
			ex.addAmount(UniversalCredit, fmt.Sprintf("Carer element: %s cares for %d hours a week (at least %d) for a severely disabled person.", a.ID, a.CaringHours, r.ca.hours), r.uc.carer, citeUCCarer)
		}
	}

	r.ucChildcare(h, f, b, lcwraAdult, carerElement, ex)
	r.ucHousing(h, f, b, ex)

	b.MaximumAmount = b.StandardAllowance + b.Child + b.DisabledChild + b.LCWRA + b.Carer + b.Childcare + b.Housing
	if ex != nil {
		ex.addAmount(UniversalCredit, "Maximum amount: the total of the allowance and elements.", b.MaximumAmount, citeUCMax)
	}

	// Earned income: 55% of earnings above any work allowance.
	var earnings Money
	for i := range h.Adults {
		earnings += h.Adults[i].Earnings
	}
	var wa Money
	if f.children > 0 || b.LCWRA > 0 {
		wa = r.uc.workAllowanceHigher
		if b.Housing > 0 {
			wa = r.uc.workAllowanceLower
		}
	}
	if excess := earnings - wa; excess > 0 {
		b.EarnedIncomeDeduction = mulDivRound(excess, r.uc.taperPct, 10000) // reg 6(1) rounding
	}
	if ex != nil && earnings > 0 {
		text := fmt.Sprintf("Earnings of %s a month; no work allowance (no child and no LCWRA)", earnings)
		if wa > 0 {
			kind := "higher"
			if b.Housing > 0 {
				kind = "lower"
			}
			text = fmt.Sprintf("Earnings of %s a month less the %s work allowance of %s", earnings, kind, wa)
		}
		ex.addAmount(UniversalCredit, fmt.Sprintf("%s; %s of the rest is deducted, rounded to the nearest penny.", text, pct(r.uc.taperPct)), b.EarnedIncomeDeduction, citeUCWA+"; "+citeUCRound)
	}

	// Unearned income, pound for pound: other income, Carer's Allowance and
	// State Pension (weekly × 52 / 12), and tariff income from capital.
	var unearned Money
	for i := range h.Adults {
		a := &h.Adults[i]
		unearned += a.UnearnedIncome
		if f.ca[i] > 0 {
			m := weeklyToMonthly(f.ca[i])
			unearned += m
			if ex != nil {
				ex.addAmount(UniversalCredit, fmt.Sprintf("%s's Carer's Allowance of %s a week counts as unearned income: × 52 / 12.", a.ID, f.ca[i]), m, citeUCUnearned+"; "+citeUCRound)
			}
		}
		if f.sp[i] > 0 {
			m := weeklyToMonthly(f.sp[i])
			unearned += m
			if ex != nil {
				ex.addAmount(UniversalCredit, fmt.Sprintf("%s's State Pension of %s a week counts as unearned income: × 52 / 12.", a.ID, f.sp[i]), m, citeUCUnearned+"; "+citeUCRound)
			}
		}
		if ex != nil && a.UnearnedIncome > 0 {
			ex.addAmount(UniversalCredit, fmt.Sprintf("%s's other unearned income, deducted in full.", a.ID), a.UnearnedIncome, citeUCUnearned)
		}
	}
	b.UnearnedIncomeDeduction = unearned
	if over := h.Capital - r.uc.capitalLower; over > 0 {
		bands := (int64(over) + int64(r.uc.tariffBand) - 1) / int64(r.uc.tariffBand)
		b.TariffIncome = Money(bands) * r.uc.tariffAmount
		if ex != nil {
			ex.addAmount(UniversalCredit, fmt.Sprintf("Capital of %s: %s for each %s, or part of %s, over %s (%d bands) is treated as unearned income.", h.Capital, r.uc.tariffAmount, r.uc.tariffBand, r.uc.tariffBand, r.uc.capitalLower, bands), b.TariffIncome, citeUCTariff)
		}
	}

	award := maxMoney0(b.MaximumAmount - b.EarnedIncomeDeduction - b.UnearnedIncomeDeduction - b.TariffIncome)
	if ex != nil {
		ex.addAmount(UniversalCredit, "Award before the benefit cap: maximum amount less income.", award, citeUCAward)
	}
	award -= r.benefitCap(h, f, out, award, earnings, carerElement, ex)
	o.Eligible = award > 0
	o.Amount = award
	if ex != nil && award == 0 {
		ex.add(UniversalCredit, "Income is at or above the maximum amount, so no Universal Credit is payable.", citeUCAward)
	}
}

// ucBasicConditions checks age, pension age and capital.
// ucAllAbroad reports whether every adult has been outside Great Britain
// for longer than the one month a temporary absence keeps entitlement
// (SI 2013/376 reg 11(1)). A partner alone abroad longer would make the
// other a single claimant (reg 3(3)(d)); that is not modelled.
func (r *Rates) ucAllAbroad(h *Household, f *facts, ex *explainer) bool {
	for i := 0; i < f.nAdults; i++ {
		if since := h.Adults[i].AbroadSince; since == 0 || since.AddMonths(1) >= r.end {
			return false
		}
	}
	if ex != nil {
		ex.add(UniversalCredit, "Outside Great Britain since "+h.Adults[0].AbroadSince.String()+", longer than the one month a temporary absence is allowed.", "SI 2013/376 reg 11(1)")
	}
	return f.nAdults > 0
}

func (r *Rates) ucBasicConditions(h *Household, f *facts, ex *explainer) bool {
	// A temporary absence from Great Britain keeps entitlement for one month
	// (SI 2013/376 reg 11(1)); a household all of whose adults have been
	// away longer has none. (A partner alone abroad longer than that would
	// make the other a single claimant, reg 3(3)(d); that is not modelled.)
	if r.ucAllAbroad(h, f, ex) {
		return false
	}
	adultsOK := 0
	for i := 0; i < f.nAdults; i++ {
		if int64(f.age[i]) >= r.uc.minimumAge {
			adultsOK++
		}
	}
	if adultsOK == 0 {
		if ex != nil {
			ex.add(UniversalCredit, fmt.Sprintf("No claimant is aged %d or over.", r.uc.minimumAge), citeUCAge)
		}
		return false
	}
	under := 0
	for i := 0; i < f.nAdults; i++ {
		if !f.overSPA[i] {
			under++
		}
	}
	if under == 0 {
		if ex != nil {
			if f.nAdults == 1 {
				ex.add(UniversalCredit, fmt.Sprintf("The claimant reached State Pension age on %s; Pension Credit applies instead.", f.pensionAge[0]), citeUCSPA)
			} else {
				ex.add(UniversalCredit, "Both joint claimants have reached State Pension age; Pension Credit applies instead.", citeUCSPA)
			}
		}
		return false
	}
	if ex != nil && under < f.nAdults {
		ex.add(UniversalCredit, "A mixed-age couple (one partner over State Pension age) claims Universal Credit jointly.", citeUCSPA)
	}
	if h.Capital > r.uc.capitalUpper {
		if ex != nil {
			ex.addAmount(UniversalCredit, fmt.Sprintf("Capital of %s is over the limit of %s.", h.Capital, r.uc.capitalUpper), h.Capital, citeUCCapital)
		}
		return false
	}
	return true
}

// ucChildren adds the child element for each child and qualifying young
// person (subject to the two-child limit while it applied) and the disabled
// child addition for each disabled child, limit or not.
func (r *Rates) ucChildren(h *Household, f *facts, b *UCBreakdown, ex *explainer) {
	k := 0 // position among qualifying children, eldest first
	for i := range h.Children {
		c := &h.Children[i]
		if !r.qualifyingChild(c) {
			continue
		}
		pos := k
		k++
		amt := r.uc.child
		if pos == 0 && c.DateOfBirth < r.uc.firstChildHigherBornBefore {
			amt = r.uc.firstChildPre2017
		}
		limited := r.uc.twoChildLimit && pos >= 2 && c.DateOfBirth >= r.uc.twoChildLimitFrom && c.Exception == NoException
		if limited {
			if ex != nil {
				ex.add(UniversalCredit, fmt.Sprintf("Child born %s is the %s child, born on or after %s, with no exception: no child element (two-child limit).", c.DateOfBirth, ordinal(pos+1), r.uc.twoChildLimitFrom), citeUCTwoChild)
			}
		} else {
			b.Child += amt
			if ex != nil {
				var why string
				switch {
				case pos == 0 && amt == r.uc.firstChildPre2017 && r.uc.firstChildPre2017 != r.uc.child:
					why = fmt.Sprintf("first child, born before %s: higher amount", r.uc.firstChildHigherBornBefore)
				case pos < 2 || !r.uc.twoChildLimit:
					why = fmt.Sprintf("%s child", ordinal(pos+1))
				case c.DateOfBirth < r.uc.twoChildLimitFrom:
					why = fmt.Sprintf("%s child, born before %s, so outside the two-child limit", ordinal(pos+1), r.uc.twoChildLimitFrom)
				default:
					why = fmt.Sprintf("%s child, exception to the two-child limit: %s", ordinal(pos+1), c.Exception)
				}
				cite := citeUCChild
				if pos >= 2 && r.uc.twoChildLimit {
					cite += "; " + citeUCTwoChild
				}
				ex.addAmount(UniversalCredit, fmt.Sprintf("Child element for the child born %s (%s).", c.DateOfBirth, why), amt, cite)
			}
		}
		switch c.Disability {
		case DisabledLower:
			b.DisabledChild += r.uc.disabledChildLower
			if ex != nil {
				ex.addAmount(UniversalCredit, fmt.Sprintf("Disabled child addition, lower rate, for the child born %s.", c.DateOfBirth), r.uc.disabledChildLower, citeUCDisabled+"(a)")
			}
		case DisabledHigher:
			b.DisabledChild += r.uc.disabledChildHigher
			if ex != nil {
				ex.addAmount(UniversalCredit, fmt.Sprintf("Disabled child addition, higher rate, for the child born %s.", c.DateOfBirth), r.uc.disabledChildHigher, citeUCDisabled+"(b)")
			}
		}
	}
	if ex != nil && !r.uc.twoChildLimit && k > 2 {
		ex.add(UniversalCredit, "The two-child limit no longer applies: a child element is included for every child.", "Universal Credit (Removal of Two Child Limit) Act 2026 (assessment periods starting on or after 6 April 2026)")
	}
}

// caresRegularly reports regular and substantial caring responsibilities for
// a severely disabled person: the Carer's Allowance conditions apart from the
// earnings limit (SI 2013/376 reg 30(1)).
func (r *Rates) caresRegularly(a *Adult) bool {
	return int64(a.CaringHours) >= r.ca.hours && a.CaredForQualifies && !a.InFullTimeEducation
}

// ucChildcare meets 85% of childcare costs up to a cap, when the single
// claimant works, or both joint claimants work (or one works and the other
// has LCWRA or caring responsibilities).
func (r *Rates) ucChildcare(h *Household, f *facts, b *UCBreakdown, lcwra [2]bool, carer bool, ex *explainer) {
	if h.ChildcareCosts == 0 {
		return
	}
	if f.children == 0 {
		if ex != nil {
			ex.add(UniversalCredit, "Childcare costs are paid but no child is counted, so no childcare costs element.", citeUCChildcare)
		}
		return
	}
	working := 0
	for i := 0; i < f.nAdults; i++ {
		if h.Adults[i].Earnings > 0 {
			working++
		}
	}
	ok := working == f.nAdults
	if !ok && f.nAdults == 2 && working == 1 {
		for i := 0; i < 2; i++ {
			a := &h.Adults[i]
			if a.Earnings == 0 && (lcwra[i] || r.caresRegularly(a)) {
				ok = true
			}
		}
	}
	if !ok {
		if ex != nil {
			ex.add(UniversalCredit, "The work condition for the childcare costs element is not met: a single claimant, or both joint claimants, must be in paid work (or one working while the other has LCWRA or caring responsibilities).", "SI 2013/376 reg 32")
		}
		return
	}
	covered := mulDivRound(h.ChildcareCosts, r.uc.childcarePct, 10000) // reg 6(1) rounding
	limit := r.uc.childcareMax1
	if f.children > 1 {
		limit = r.uc.childcareMax2
	}
	b.Childcare = minMoney(covered, limit)
	if ex != nil {
		text := fmt.Sprintf("Childcare costs element: %s of %s paid, rounded to the nearest penny", pct(r.uc.childcarePct), h.ChildcareCosts)
		if covered > limit {
			text += fmt.Sprintf(", limited to the maximum of %s", limit)
		}
		ex.addAmount(UniversalCredit, text+".", b.Childcare, citeUCChildcare+"; "+citeUCRound)
	}
}

// ucHousing computes the housing costs element for renters: the rent (for
// private renters, no more than the Local Housing Allowance rate) less a
// housing costs contribution for each non-dependant who is not exempt.
func (r *Rates) ucHousing(h *Household, f *facts, b *UCBreakdown, ex *explainer) {
	var eligible Money
	switch h.Tenure {
	case PrivateRent:
		eligible = minMoney(h.Rent, h.LHARate)
		if ex != nil && h.Rent > 0 {
			if h.Rent > h.LHARate {
				ex.addAmount(UniversalCredit, fmt.Sprintf("Private rent of %s a month is limited to the Local Housing Allowance rate of %s.", h.Rent, h.LHARate), eligible, citeUCLHA)
			} else {
				ex.addAmount(UniversalCredit, fmt.Sprintf("Private rent of %s a month, within the Local Housing Allowance rate of %s.", h.Rent, h.LHARate), eligible, citeUCLHA)
			}
		}
	case SocialRent:
		eligible = h.Rent
		if ex != nil && h.Rent > 0 {
			ex.addAmount(UniversalCredit, "Social rent (no bedroom information is given, so no under-occupation reduction is applied).", eligible, "SI 2013/376 Sch 4 paras 30-36")
		}
	case Owner:
		if ex != nil {
			ex.add(UniversalCredit, "Owner-occupiers get no housing costs element for mortgage interest (loans for mortgage interest replaced it from April 2018).", "SI 2013/376 Sch 5; Loans for Mortgage Interest Regulations 2017")
		}
		return
	default:
		return
	}
	if eligible == 0 {
		return
	}
	// No contributions at all if a claimant gets PIP daily living or
	// Attendance Allowance.
	claimantExempt := false
	for i := 0; i < f.nAdults; i++ {
		if f.pipDaily[i] > 0 || f.aa[i] > 0 {
			claimantExempt = true
		}
	}
	var contributions Money
	for _, nd := range h.NonDependants {
		switch {
		case claimantExempt:
		case int64(nd.Age) < r.uc.nonDepMinAge, nd.Exempt:
			if ex != nil {
				ex.add(UniversalCredit, fmt.Sprintf("Non-dependant aged %d makes no housing costs contribution (under %d, or exempt).", nd.Age, r.uc.nonDepMinAge), citeUCNonDep)
			}
		default:
			contributions += r.uc.nonDepContribution
			if ex != nil {
				ex.addAmount(UniversalCredit, fmt.Sprintf("Housing costs contribution for a non-dependant aged %d.", nd.Age), r.uc.nonDepContribution, citeUCNonDep)
			}
		}
	}
	if ex != nil && claimantExempt && len(h.NonDependants) > 0 {
		ex.add(UniversalCredit, "No housing costs contributions: a claimant gets PIP daily living component or Attendance Allowance.", citeUCNonDep)
	}
	b.Housing = maxMoney0(eligible - contributions)
	if ex != nil {
		ex.addAmount(UniversalCredit, "Housing costs element.", b.Housing, citeUCHousing)
	}
}

// pct formats basis points as a percentage: 5500 is "55%", 8550 "85.5%".
func pct(bp int64) string {
	if bp%100 == 0 {
		return fmt.Sprintf("%d%%", bp/100)
	}
	if bp%10 == 0 {
		return fmt.Sprintf("%d.%d%%", bp/100, bp%100/10)
	}
	return fmt.Sprintf("%d.%02d%%", bp/100, bp%100)
}

func ordinal(n int) string {
	switch n {
	case 1:
		return "first"
	case 2:
		return "second"
	case 3:
		return "third"
	case 4:
		return "fourth"
	case 5:
		return "fifth"
	}
	return fmt.Sprintf("%dth", n)
}
