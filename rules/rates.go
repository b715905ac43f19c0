package rules

import (
	"fmt"

	"github.com/lifeline-gov/lifeline"
)

// Rates are the parameters resolved for one period: every rate in force,
// looked up once so that computing a household is plain arithmetic.
//
// Universal Credit amounts (and the benefit cap) are those in force on the
// first day of the period, because an up-rating applies from the first
// assessment period beginning on or after the up-rating date. Weekly benefits
// use the rates in force on the last day of the period: the amount shown is
// the week's amount at the end of the month.
type Rates struct {
	Period Period
	start  Date // first day: UC rates and the day the assessment period begins
	end    Date // last day: circumstances and weekly rates

	uc  ucRates
	cap capRates
	sp  spRates
	pc  pcRates
	ca  caRates
	pip pipRates
	aa  aaRates
	cb  cbRates
	bsp bspRates
	spa []spaBand
}

type ucRates struct {
	singleUnder25, single25, coupleUnder25, couple25 Money
	higherAge                                        int64
	minimumAge                                       int64
	firstChildPre2017, child                         Money
	firstChildHigherBornBefore                       Date
	disabledChildLower, disabledChildHigher          Money
	lcwra, lcwraNewClaimant                          Money
	carer                                            Money
	childcarePct                                     int64 // basis points
	childcareMax1, childcareMax2                     Money
	nonDepContribution                               Money
	nonDepMinAge                                     int64
	workAllowanceHigher, workAllowanceLower          Money
	taperPct                                         int64 // basis points
	capitalLower, capitalUpper                       Money
	tariffAmount, tariffBand                         Money
	twoChildLimit                                    bool
	twoChildLimitFrom                                Date
}

type capRates struct {
	singleOutside, familyOutside, singleLondon, familyLondon Money
	nlwHourly                                                Money
	hours                                                    int64
}

type spRates struct {
	fullRate            Money
	fullYears, minYears int64
	schemeStart         Date
}

type pcRates struct {
	smgSingle, smgCouple             Money
	capitalDisregard, deemed, band   Money
	disregardSingle, disregardCouple Money
}

type caRates struct {
	rate, earningsLimit Money
	hours, minAge       int64
}

type pipRates struct {
	dailyStandard, dailyEnhanced, mobilityStandard, mobilityEnhanced Money
	standardPoints, enhancedPoints, minAge                           int64
}

type aaRates struct{ lower, higher Money }

type cbRates struct {
	eldest, additional Money
	qypMaxAge          int64
}

type bspRates struct {
	higherLump, higherMonthly, standardLump, standardMonthly Money
	instalments                                              int64
	deathsFrom                                               Date
}

// when says on which day of the period a parameter is read.
type when uint8

const (
	atStart when = iota
	atEnd
)

// slot registers one parameter: its name, unit, when it is read and where
// its value goes in Rates.
type slot struct {
	name string
	unit string
	at   when
	set  func(r *Rates, v value)
}

func moneySlot(name string, at when, f func(r *Rates) *Money) slot {
	return slot{name, "money", at, func(r *Rates, v value) { *f(r) = v.money }}
}
func countSlot(name string, at when, f func(r *Rates) *int64) slot {
	return slot{name, "count", at, func(r *Rates, v value) { *f(r) = v.count }}
}
func percentSlot(name string, at when, f func(r *Rates) *int64) slot {
	return slot{name, "percent", at, func(r *Rates, v value) { *f(r) = v.count }}
}
func dateSlot(name string, at when, f func(r *Rates) *Date) slot {
	return slot{name, "date", at, func(r *Rates, v value) { *f(r) = v.date }}
}
func boolSlot(name string, at when, f func(r *Rates) *bool) slot {
	return slot{name, "bool", at, func(r *Rates, v value) { *f(r) = v.count == 1 }}
}

// registry lists every parameter the engine reads. Loading checks that the
// YAML defines exactly these, so no rate can be silently missing or unused.
var registry = []slot{
	moneySlot("universal_credit.standard_allowance.single_under_25", atStart, func(r *Rates) *Money { return &r.uc.singleUnder25 }),
	moneySlot("universal_credit.standard_allowance.single_25_or_over", atStart, func(r *Rates) *Money { return &r.uc.single25 }),
	moneySlot("universal_credit.standard_allowance.couple_both_under_25", atStart, func(r *Rates) *Money { return &r.uc.coupleUnder25 }),
	moneySlot("universal_credit.standard_allowance.couple_one_or_both_25_or_over", atStart, func(r *Rates) *Money { return &r.uc.couple25 }),
	countSlot("universal_credit.standard_allowance.higher_age", atStart, func(r *Rates) *int64 { return &r.uc.higherAge }),
	countSlot("universal_credit.minimum_age", atStart, func(r *Rates) *int64 { return &r.uc.minimumAge }),
	moneySlot("universal_credit.child.first_born_before_6_april_2017", atStart, func(r *Rates) *Money { return &r.uc.firstChildPre2017 }),
	moneySlot("universal_credit.child.other", atStart, func(r *Rates) *Money { return &r.uc.child }),
	dateSlot("universal_credit.first_child_higher_rate.born_before", atStart, func(r *Rates) *Date { return &r.uc.firstChildHigherBornBefore }),
	moneySlot("universal_credit.disabled_child.lower", atStart, func(r *Rates) *Money { return &r.uc.disabledChildLower }),
	moneySlot("universal_credit.disabled_child.higher", atStart, func(r *Rates) *Money { return &r.uc.disabledChildHigher }),
	moneySlot("universal_credit.lcwra.standard", atStart, func(r *Rates) *Money { return &r.uc.lcwra }),
	moneySlot("universal_credit.lcwra.new_claimant", atStart, func(r *Rates) *Money { return &r.uc.lcwraNewClaimant }),
	moneySlot("universal_credit.carer", atStart, func(r *Rates) *Money { return &r.uc.carer }),
	percentSlot("universal_credit.childcare.percentage", atStart, func(r *Rates) *int64 { return &r.uc.childcarePct }),
	moneySlot("universal_credit.childcare.max_one_child", atStart, func(r *Rates) *Money { return &r.uc.childcareMax1 }),
	moneySlot("universal_credit.childcare.max_two_or_more", atStart, func(r *Rates) *Money { return &r.uc.childcareMax2 }),
	moneySlot("universal_credit.housing.non_dependant_contribution", atStart, func(r *Rates) *Money { return &r.uc.nonDepContribution }),
	countSlot("universal_credit.housing.non_dependant_min_age", atStart, func(r *Rates) *int64 { return &r.uc.nonDepMinAge }),
	moneySlot("universal_credit.work_allowance.higher", atStart, func(r *Rates) *Money { return &r.uc.workAllowanceHigher }),
	moneySlot("universal_credit.work_allowance.lower", atStart, func(r *Rates) *Money { return &r.uc.workAllowanceLower }),
	percentSlot("universal_credit.taper", atStart, func(r *Rates) *int64 { return &r.uc.taperPct }),
	moneySlot("universal_credit.capital.lower_limit", atStart, func(r *Rates) *Money { return &r.uc.capitalLower }),
	moneySlot("universal_credit.capital.upper_limit", atStart, func(r *Rates) *Money { return &r.uc.capitalUpper }),
	moneySlot("universal_credit.capital.tariff_amount", atStart, func(r *Rates) *Money { return &r.uc.tariffAmount }),
	moneySlot("universal_credit.capital.tariff_band", atStart, func(r *Rates) *Money { return &r.uc.tariffBand }),
	boolSlot("universal_credit.two_child_limit.applies", atStart, func(r *Rates) *bool { return &r.uc.twoChildLimit }),
	dateSlot("universal_credit.two_child_limit.born_on_or_after", atStart, func(r *Rates) *Date { return &r.uc.twoChildLimitFrom }),

	moneySlot("benefit_cap.monthly.single_outside_london", atStart, func(r *Rates) *Money { return &r.cap.singleOutside }),
	moneySlot("benefit_cap.monthly.family_outside_london", atStart, func(r *Rates) *Money { return &r.cap.familyOutside }),
	moneySlot("benefit_cap.monthly.single_london", atStart, func(r *Rates) *Money { return &r.cap.singleLondon }),
	moneySlot("benefit_cap.monthly.family_london", atStart, func(r *Rates) *Money { return &r.cap.familyLondon }),
	moneySlot("benefit_cap.earnings_exception.hourly_rate", atStart, func(r *Rates) *Money { return &r.cap.nlwHourly }),
	countSlot("benefit_cap.earnings_exception.hours", atStart, func(r *Rates) *int64 { return &r.cap.hours }),

	moneySlot("state_pension.full_rate", atEnd, func(r *Rates) *Money { return &r.sp.fullRate }),
	countSlot("state_pension.full_years", atEnd, func(r *Rates) *int64 { return &r.sp.fullYears }),
	countSlot("state_pension.minimum_years", atEnd, func(r *Rates) *int64 { return &r.sp.minYears }),
	dateSlot("state_pension.scheme_start", atEnd, func(r *Rates) *Date { return &r.sp.schemeStart }),

	moneySlot("pension_credit.standard_minimum_guarantee.single", atEnd, func(r *Rates) *Money { return &r.pc.smgSingle }),
	moneySlot("pension_credit.standard_minimum_guarantee.couple", atEnd, func(r *Rates) *Money { return &r.pc.smgCouple }),
	moneySlot("pension_credit.capital.disregard", atEnd, func(r *Rates) *Money { return &r.pc.capitalDisregard }),
	moneySlot("pension_credit.capital.deemed_income", atEnd, func(r *Rates) *Money { return &r.pc.deemed }),
	moneySlot("pension_credit.capital.band", atEnd, func(r *Rates) *Money { return &r.pc.band }),
	moneySlot("pension_credit.earnings_disregard.single", atEnd, func(r *Rates) *Money { return &r.pc.disregardSingle }),
	moneySlot("pension_credit.earnings_disregard.couple", atEnd, func(r *Rates) *Money { return &r.pc.disregardCouple }),

	moneySlot("carers_allowance.weekly_rate", atEnd, func(r *Rates) *Money { return &r.ca.rate }),
	moneySlot("carers_allowance.earnings_limit", atEnd, func(r *Rates) *Money { return &r.ca.earningsLimit }),
	countSlot("carers_allowance.hours", atEnd, func(r *Rates) *int64 { return &r.ca.hours }),
	countSlot("carers_allowance.minimum_age", atEnd, func(r *Rates) *int64 { return &r.ca.minAge }),

	moneySlot("pip.daily_living.standard", atEnd, func(r *Rates) *Money { return &r.pip.dailyStandard }),
	moneySlot("pip.daily_living.enhanced", atEnd, func(r *Rates) *Money { return &r.pip.dailyEnhanced }),
	moneySlot("pip.mobility.standard", atEnd, func(r *Rates) *Money { return &r.pip.mobilityStandard }),
	moneySlot("pip.mobility.enhanced", atEnd, func(r *Rates) *Money { return &r.pip.mobilityEnhanced }),
	countSlot("pip.points.standard", atEnd, func(r *Rates) *int64 { return &r.pip.standardPoints }),
	countSlot("pip.points.enhanced", atEnd, func(r *Rates) *int64 { return &r.pip.enhancedPoints }),
	countSlot("pip.minimum_age", atEnd, func(r *Rates) *int64 { return &r.pip.minAge }),

	moneySlot("attendance_allowance.lower", atEnd, func(r *Rates) *Money { return &r.aa.lower }),
	moneySlot("attendance_allowance.higher", atEnd, func(r *Rates) *Money { return &r.aa.higher }),

	moneySlot("child_benefit.eldest", atEnd, func(r *Rates) *Money { return &r.cb.eldest }),
	moneySlot("child_benefit.additional", atEnd, func(r *Rates) *Money { return &r.cb.additional }),
	countSlot("child_benefit.qualifying_young_person_max_age", atEnd, func(r *Rates) *int64 { return &r.cb.qypMaxAge }),

	moneySlot("bereavement_support_payment.higher.lump_sum", atEnd, func(r *Rates) *Money { return &r.bsp.higherLump }),
	moneySlot("bereavement_support_payment.higher.monthly", atEnd, func(r *Rates) *Money { return &r.bsp.higherMonthly }),
	moneySlot("bereavement_support_payment.standard.lump_sum", atEnd, func(r *Rates) *Money { return &r.bsp.standardLump }),
	moneySlot("bereavement_support_payment.standard.monthly", atEnd, func(r *Rates) *Money { return &r.bsp.standardMonthly }),
	countSlot("bereavement_support_payment.instalments", atEnd, func(r *Rates) *int64 { return &r.bsp.instalments }),
	dateSlot("bereavement_support_payment.deaths_on_or_after", atEnd, func(r *Rates) *Date { return &r.bsp.deathsFrom }),

	{name: "state_pension_age.table", unit: "table", at: atEnd, set: func(r *Rates, v value) { r.spa = v.table }},
	{name: "coverage.last_day", unit: "date", at: atEnd, set: func(r *Rates, v value) {}},
}

func registryIndex(name string) int {
	for i, s := range registry {
		if s.name == name {
			return i
		}
	}
	return -1
}

// Rates resolves every parameter for period p. It fails, naming the field
// "period", when the period is outside the published rates.
func (p *Params) Rates(period Period) (*Rates, error) {
	return p.RatesBetween(period.First(), period.Last())
}

// RatesBetween resolves the parameters for a period that is not a calendar
// month: a Universal Credit assessment period or a benefit week. As with
// Rates, UC amounts are those in force on start and weekly rates and
// circumstances those on end; the result's Period is start's month.
func (p *Params) RatesBetween(start, end Date) (*Rates, error) {
	period := Period{Year: start.Year(), Month: start.Month()}
	span := period.String()
	if start != period.First() || end != period.Last() {
		span = start.String() + " to " + end.String()
	}
	if end < start {
		return nil, lifeline.FieldErrorf(lifeline.EINVALID, "period", "period %s ends before it starts", span)
	}
	r := &Rates{Period: period, start: start, end: end}
	if last, ok := p.defs["coverage.last_day"].at(r.end); ok && r.end > last.v.date {
		return nil, lifeline.FieldErrorf(lifeline.EINVALID, "period",
			"no rules for %s: published rates end on %s", span, last.v.date)
	}
	for _, s := range registry {
		on := r.start
		if s.at == atEnd {
			on = r.end
		}
		dv, ok := p.defs[s.name].at(on)
		if !ok {
			return nil, lifeline.FieldErrorf(lifeline.EINVALID, "period",
				"no rules for %s: the rates held begin with the tax year 2024/25 (%s has no value in force on %s)", span, s.name, on)
		}
		s.set(r, dv.v)
	}
	return r, nil
}

// String is for debugging and error messages.
func (r *Rates) String() string { return fmt.Sprintf("rates for %s", r.Period) }
