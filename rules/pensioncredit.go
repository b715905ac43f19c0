package rules

import "fmt"

const (
	citePC        = "State Pension Credit Act 2002 ss1-2; SI 2002/1792 reg 6(1)"
	citePCAge     = "State Pension Credit Act 2002 s1(2), as amended by the Welfare Reform Act 2012 s4 (mixed-age couples from 15 May 2019)"
	citePCIncome  = "State Pension Credit Act 2002 s15; SI 2002/1792 reg 17(1)"
	citePCCapital = "SI 2002/1792 reg 15(6)"
	citePCEarn    = "SI 2002/1792 reg 17(9) and Sch VI"
)

// pensionCredit assesses the guarantee credit: the standard minimum
// guarantee less weekly income, counting the State Pension and Carer's
// Allowance the engine has computed. Additional amounts (severe disability,
// carer, child, housing costs) and savings credit are not covered.
func (r *Rates) pensionCredit(h *Household, f *facts, out *Amounts, ex *explainer) {
	for i := 0; i < f.nAdults; i++ {
		if !f.overSPA[i] {
			if ex != nil {
				if f.nAdults == 2 {
					ex.add(PensionCredit, fmt.Sprintf("%s has not reached State Pension age (%s); a couple can get Pension Credit only if both have.", h.Adults[i].ID, f.pensionAge[i]), citePCAge)
				} else {
					ex.add(PensionCredit, fmt.Sprintf("%s has not reached State Pension age (%s).", h.Adults[i].ID, f.pensionAge[i]), citePCAge)
				}
			}
			return
		}
	}
	smg, disregard := r.pc.smgSingle, r.pc.disregardSingle
	if f.nAdults == 2 {
		smg, disregard = r.pc.smgCouple, r.pc.disregardCouple
	}
	var pensions, carers, earnMonthly, unearnedMonthly Money
	for i := range h.Adults {
		pensions += f.sp[i]
		carers += f.ca[i]
		earnMonthly += h.Adults[i].Earnings
		unearnedMonthly += h.Adults[i].UnearnedIncome
	}
	// Monthly amounts become weekly: × 12 / 52, rounded to the nearest penny.
	earnings := monthlyToWeekly(earnMonthly)
	earnDisregarded := minMoney(earnings, disregard)
	unearned := monthlyToWeekly(unearnedMonthly)
	var deemed Money
	if over := h.Capital - r.pc.capitalDisregard; over > 0 {
		// £1 a week for every £500, or part of £500, above £10,000.
		deemed = Money((int64(over)+int64(r.pc.band)-1)/int64(r.pc.band)) * r.pc.deemed
	}
	income := pensions + carers + earnings - earnDisregarded + unearned + deemed
	gc := maxMoney0(smg - income)
	o := &out.Benefits[PensionCredit]
	o.Eligible = gc > 0
	o.Amount = gc
	if ex != nil {
		ex.addAmount(PensionCredit, "Standard minimum guarantee.", smg, citePC)
		if pensions > 0 {
			ex.addAmount(PensionCredit, "State Pension counts as income.", pensions, citePCIncome)
		}
		if carers > 0 {
			ex.addAmount(PensionCredit, "Carer's Allowance counts as income.", carers, citePCIncome)
		}
		if earnings > 0 {
			ex.addAmount(PensionCredit, fmt.Sprintf("Earnings of %s a month are %s a week (× 12 / 52); %s a week is disregarded.", earnMonthly, earnings, earnDisregarded), earnings-earnDisregarded, citePCEarn)
		}
		if unearned > 0 {
			ex.addAmount(PensionCredit, fmt.Sprintf("Other income of %s a month is %s a week (× 12 / 52).", unearnedMonthly, unearned), unearned, citePCIncome)
		}
		if deemed > 0 {
			ex.addAmount(PensionCredit, fmt.Sprintf("Capital of %s: %s a week for each %s, or part, over %s.", h.Capital, r.pc.deemed, r.pc.band, r.pc.capitalDisregard), deemed, citePCCapital)
		}
		if gc > 0 {
			ex.addAmount(PensionCredit, "Guarantee credit: the standard minimum guarantee less income.", gc, citePC)
		} else {
			ex.addAmount(PensionCredit, "Income is at or above the standard minimum guarantee, so no guarantee credit.", income, citePC)
		}
		ex.line(PensionCredit, "standard_minimum_guarantee", smg)
		ex.line(PensionCredit, "state_pension", pensions)
		ex.line(PensionCredit, "carers_allowance", carers)
		ex.line(PensionCredit, "earnings", earnings-earnDisregarded)
		ex.line(PensionCredit, "unearned_income", unearned)
		ex.line(PensionCredit, "deemed_capital_income", deemed)
		ex.line(PensionCredit, "income", income)
	}
}
