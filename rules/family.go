package rules

import "fmt"

const (
	citeCB    = "Social Security Contributions and Benefits Act 1992 ss141-143; Child Benefit (Rates) Regulations 2006 (SI 2006/965) reg 2"
	citeBSP   = "Pensions Act 2014 ss30-31; Bereavement Support Payment Regulations 2017 (SI 2017/410) reg 3"
	citeChild = "SI 2013/376 reg 5; Child Benefit (General) Regulations 2006 (SI 2006/223) regs 3-4"
)

// childBenefit pays the eldest-child rate for the eldest qualifying child and
// the additional rate for each other. The High Income Child Benefit Charge is
// income tax, not part of the benefit, and is not applied.
func (r *Rates) childBenefit(h *Household, f *facts, out *Amounts, ex *explainer) {
	if f.children == 0 {
		if ex != nil && len(h.Children) > 0 {
			ex.add(ChildBenefit, "No child is under 16, or under 20 in approved education or training, on the last day of the period.", citeChild)
		}
		return
	}
	extra := Money(f.children-1) * r.cb.additional
	o := &out.Benefits[ChildBenefit]
	o.Eligible = true
	o.Amount = r.cb.eldest + extra
	if ex != nil {
		ex.addAmount(ChildBenefit, "Eldest qualifying child.", r.cb.eldest, citeCB)
		if f.children > 1 {
			ex.addAmount(ChildBenefit, fmt.Sprintf("%d other qualifying children at %s each.", f.children-1, r.cb.additional), extra, citeCB)
		}
		ex.line(ChildBenefit, "eldest_child", r.cb.eldest)
		ex.line(ChildBenefit, "additional_children", extra)
	}
}

// bereavementSupport pays the monthly instalment to an adult whose spouse or
// civil partner (or, since 9 February 2023, cohabiting partner with children)
// died on or after 6 April 2017 while the adult was under State Pension age.
// The 18 instalments are taken as the month of death and the 17 after it;
// the lump sum is shown in the breakdown. The deceased's contribution
// condition is assumed to be met.
func (r *Rates) bereavementSupport(h *Household, f *facts, out *Amounts, ex *explainer) {
	for i := range h.Adults {
		a := &h.Adults[i]
		died := a.PartnerDiedOn
		if died == 0 {
			continue
		}
		if died < r.bsp.deathsFrom {
			if ex != nil {
				ex.add(BereavementSupportPayment, fmt.Sprintf("%s's partner died on %s, before %s: the older bereavement benefits apply, which this engine does not cover.", a.ID, died, r.bsp.deathsFrom), citeBSP)
			}
			continue
		}
		if died > r.end {
			if ex != nil {
				ex.add(BereavementSupportPayment, fmt.Sprintf("%s's partner's death on %s is after this period.", a.ID, died), citeBSP)
			}
			continue
		}
		if f.pensionAge[i] <= died {
			if ex != nil {
				ex.add(BereavementSupportPayment, fmt.Sprintf("%s had reached State Pension age (%s) when their partner died.", a.ID, f.pensionAge[i]), "Pensions Act 2014 s30(1)(b)")
			}
			continue
		}
		n := monthIndex(r.Period.Year, r.Period.Month) - monthIndex(died.Year(), died.Month())
		if int64(n) >= r.bsp.instalments {
			if ex != nil {
				ex.add(BereavementSupportPayment, fmt.Sprintf("All %d monthly instalments following the death on %s have been paid.", r.bsp.instalments, died), citeBSP)
			}
			continue
		}
		lump, monthly, rate := r.bsp.standardLump, r.bsp.standardMonthly, "standard rate"
		if f.children > 0 {
			lump, monthly, rate = r.bsp.higherLump, r.bsp.higherMonthly, "higher rate, as the household is entitled to Child Benefit"
		}
		o := &out.Benefits[BereavementSupportPayment]
		o.Eligible = true
		o.Amount += monthly
		if ex != nil {
			ex.addAmount(BereavementSupportPayment, fmt.Sprintf("%s's partner died on %s: %s lump sum, paid once.", a.ID, died, rate), lump, citeBSP)
			ex.addAmount(BereavementSupportPayment, fmt.Sprintf("Monthly instalment %d of %d.", n+1, r.bsp.instalments), monthly, citeBSP)
			ex.sum(BereavementSupportPayment, "lump_sum", lump)
			ex.sum(BereavementSupportPayment, "monthly_instalment", monthly)
		}
	}
}
