package rules

import "fmt"

const (
	citePIPDaily    = "Welfare Reform Act 2012 s78; SI 2013/377 reg 5"
	citePIPMobility = "Welfare Reform Act 2012 s79; SI 2013/377 reg 6"
	citePIPAge      = "Welfare Reform Act 2012 s83; SI 2013/377 regs 25-27"
	citeAA          = "Social Security Contributions and Benefits Act 1992 ss64-65"
	citeSP          = "Pensions Act 2014 ss2-4"
	citeSPA         = "Pensions Act 1995 s126 and Sch 4 Part 1, as amended by the Pensions Acts 2007, 2011 and 2014"
	citeCA          = "Social Security Contributions and Benefits Act 1992 s70"
	citeCAHours     = "SI 1976/409 reg 4(1)"
	citeCAEarnings  = "SI 1976/409 reg 8"
	citeCAEducation = "Social Security Contributions and Benefits Act 1992 s70(3); SI 1976/409 reg 5"
	citeOverlap     = "Social Security (Overlapping Benefits) Regulations 1979 (SI 1979/597) reg 4"
)

// personalIndependence assesses Personal Independence Payment for adult i from the points
// scored: 8 for the standard rate of a component, 12 for the enhanced.
func (r *Rates) personalIndependence(h *Household, i int, f *facts, out *Amounts, ex *explainer) {
	a := &h.Adults[i]
	if !a.PIPAssessed {
		return
	}
	if int64(f.age[i]) < r.pip.minAge {
		if ex != nil {
			ex.add(PIP, fmt.Sprintf("%s is under %d, so cannot get PIP (Disability Living Allowance applies to children).", r.adultName(h, i), r.pip.minAge), citePIPAge)
		}
		return
	}
	if f.overSPA[i] {
		if ex != nil {
			ex.add(PIP, fmt.Sprintf("%s has reached State Pension age (%s), so cannot make a new claim for PIP; Attendance Allowance is assessed instead.", r.adultName(h, i), f.pensionAge[i]), citePIPAge)
		}
		return
	}
	if r.disabilityBenefitSuspended(h, i, PIP, citePIPHospital, citePIPAbroad, ex) {
		return
	}
	daily := r.pipRate(a.PIPDailyLivingPoints, r.pip.dailyStandard, r.pip.dailyEnhanced)
	mob := r.pipRate(a.PIPMobilityPoints, r.pip.mobilityStandard, r.pip.mobilityEnhanced)
	f.pipDaily[i], f.pipMob[i] = daily, mob
	o := &out.Benefits[PIP]
	if daily > 0 || mob > 0 {
		o.Eligible = true
	}
	o.Amount += daily + mob
	if ex != nil {
		ex.addAmount(PIP, fmt.Sprintf("%s: daily living component from %d points (%s).", a.ID, a.PIPDailyLivingPoints, r.pipRateName(a.PIPDailyLivingPoints)), daily, citePIPDaily)
		ex.addAmount(PIP, fmt.Sprintf("%s: mobility component from %d points (%s).", a.ID, a.PIPMobilityPoints, r.pipRateName(a.PIPMobilityPoints)), mob, citePIPMobility)
		ex.sum(PIP, "daily_living", daily)
		ex.sum(PIP, "mobility", mob)
		if h.Country == Scotland {
			ex.add(PIP, "In Scotland, Adult Disability Payment from Social Security Scotland replaces PIP for new claims; it is paid at the same weekly rates, which is what is shown.", "Social Security (Scotland) Act 2018; Disability Assistance for Working Age People (Scotland) Regulations 2022")
		}
	}
}

func (r *Rates) pipRate(points int, standard, enhanced Money) Money {
	switch {
	case int64(points) >= r.pip.enhancedPoints:
		return enhanced
	case int64(points) >= r.pip.standardPoints:
		return standard
	}
	return 0
}

func (r *Rates) pipRateName(points int) string {
	switch {
	case int64(points) >= r.pip.enhancedPoints:
		return fmt.Sprintf("%d or more: enhanced rate", r.pip.enhancedPoints)
	case int64(points) >= r.pip.standardPoints:
		return fmt.Sprintf("%d to %d: standard rate", r.pip.standardPoints, r.pip.enhancedPoints-1)
	}
	return fmt.Sprintf("fewer than %d: no award", r.pip.standardPoints)
}

// attendanceAllowance assesses adult i, who must have reached State Pension age.
func (r *Rates) attendanceAllowance(h *Household, i int, f *facts, out *Amounts, ex *explainer) {
	a := &h.Adults[i]
	if a.AttendanceNeeds == NoNeeds {
		return
	}
	if !f.overSPA[i] {
		if ex != nil {
			ex.add(AttendanceAllowance, fmt.Sprintf("%s has not reached State Pension age (%s); Attendance Allowance is for people over it (PIP is for those under).", r.adultName(h, i), f.pensionAge[i]), citeAA)
		}
		return
	}
	if r.disabilityBenefitSuspended(h, i, AttendanceAllowance, citeAAHospital, citeAAAbroad, ex) {
		return
	}
	amt, name := r.aa.lower, "lower rate: attention or supervision by day or by night"
	if a.AttendanceNeeds == DayAndNight {
		amt, name = r.aa.higher, "higher rate: attention or supervision by day and by night"
	}
	f.aa[i] = amt
	o := &out.Benefits[AttendanceAllowance]
	o.Eligible = true
	o.Amount += amt
	if ex != nil {
		ex.addAmount(AttendanceAllowance, fmt.Sprintf("%s: %s.", a.ID, name), amt, citeAA)
		ex.line(AttendanceAllowance, a.ID, amt)
		if h.Country == Scotland {
			ex.add(AttendanceAllowance, "In Scotland, Pension Age Disability Payment from Social Security Scotland replaces Attendance Allowance; it is paid at the same weekly rates.", "Disability Assistance (Scotland) Regulations 2025")
		}
	}
}

// statePension assesses the new State Pension for adult i when the NI record
// is given: full rate at 35 qualifying years, (years / 35) of it from 10.
func (r *Rates) statePension(h *Household, i int, f *facts, out *Amounts, ex *explainer) {
	a := &h.Adults[i]
	if !a.SPAssessed {
		return
	}
	if !f.overSPA[i] {
		if ex != nil {
			ex.add(StatePension, fmt.Sprintf("%s reaches State Pension age on %s, after this period.", r.adultName(h, i), f.pensionAge[i]), citeSPA)
		}
		return
	}
	if f.pensionAge[i] < r.sp.schemeStart {
		if ex != nil {
			ex.add(StatePension, fmt.Sprintf("%s reached State Pension age on %s, before %s, so is in the old (basic) State Pension scheme, which this engine does not cover.", r.adultName(h, i), f.pensionAge[i], r.sp.schemeStart), "Pensions Act 2014 s1(2)")
		}
		return
	}
	years := int64(a.NIQualifyingYears)
	if years < r.sp.minYears {
		if ex != nil {
			ex.add(StatePension, fmt.Sprintf("%s has %d qualifying years, fewer than the minimum of %d.", a.ID, years, r.sp.minYears), "Pensions Act 2014 s2(2)-(3); SI 2015/173 reg 13(1)")
		}
		return
	}
	amt := r.sp.fullRate
	if years < r.sp.fullYears {
		// Pensions Act 2014 s3(2): the full rate × N / 35. The Act gives no
		// rounding rule for the result; the engine rounds to the nearest
		// penny, half up (the convention of SI 2013/376 reg 6).
		amt = mulDivRound(r.sp.fullRate, years, r.sp.fullYears)
	}
	f.sp[i] = amt
	o := &out.Benefits[StatePension]
	o.Eligible = true
	o.Amount += amt
	if ex != nil {
		ex.add(StatePension, fmt.Sprintf("%s reached State Pension age on %s.", r.adultName(h, i), f.pensionAge[i]), citeSPA)
		if years >= r.sp.fullYears {
			ex.addAmount(StatePension, fmt.Sprintf("%s: %d qualifying years, at least %d, so the full rate.", a.ID, years, r.sp.fullYears), amt, "Pensions Act 2014 s3")
		} else {
			ex.addAmount(StatePension, fmt.Sprintf("%s: %d qualifying years, so %d/%d of the full rate %s, rounded to the nearest penny.", a.ID, years, years, r.sp.fullYears, r.sp.fullRate), amt, "Pensions Act 2014 s3(2)")
		}
		ex.line(StatePension, a.ID, amt)
	}
}

// carersAllowance assesses adult i: 35 hours a week caring for someone who
// gets a qualifying disability benefit, aged 16 or over, not in full-time
// education, and earnings not above the weekly limit.
func (r *Rates) carersAllowance(h *Household, i int, f *facts, out *Amounts, ex *explainer) {
	a := &h.Adults[i]
	if a.CaringHours == 0 && !a.CaredForQualifies {
		return
	}
	if int64(a.CaringHours) < r.ca.hours {
		if ex != nil {
			ex.add(CarersAllowance, fmt.Sprintf("%s cares for %d hours a week, fewer than %d.", a.ID, a.CaringHours, r.ca.hours), citeCAHours)
		}
		return
	}
	if !a.CaredForQualifies {
		if ex != nil {
			ex.add(CarersAllowance, fmt.Sprintf("The person %s cares for does not get a qualifying disability benefit.", a.ID), citeCA+"(1)(a)")
		}
		return
	}
	if int64(f.age[i]) < r.ca.minAge {
		if ex != nil {
			ex.add(CarersAllowance, fmt.Sprintf("%s is under %d.", a.ID, r.ca.minAge), citeCA+"(3)")
		}
		return
	}
	if a.InFullTimeEducation {
		if ex != nil {
			ex.add(CarersAllowance, fmt.Sprintf("%s is in full-time education.", a.ID), citeCAEducation)
		}
		return
	}
	// Weekly earnings are monthly earnings × 12 / 52. Comparing
	// monthly × 12 with limit × 52 decides "exceeds the limit" exactly,
	// with no rounding in between.
	if int64(a.Earnings)*12 > int64(r.ca.earningsLimit)*52 {
		if ex != nil {
			ex.add(CarersAllowance, fmt.Sprintf("%s's earnings of %s a month are %s a week (× 12 / 52), more than the limit of %s.", a.ID, a.Earnings, monthlyToWeekly(a.Earnings), r.ca.earningsLimit), citeCAEarnings)
		}
		return
	}
	f.caEntitled[i] = true
	o := &out.Benefits[CarersAllowance]
	o.Eligible = true
	amt := r.ca.rate
	if f.sp[i] >= amt {
		amt = 0
	} else {
		amt -= f.sp[i]
	}
	f.ca[i] = amt
	o.Amount += amt
	if ex != nil {
		ex.addAmount(CarersAllowance, fmt.Sprintf("%s cares for %d hours a week for someone who gets a qualifying benefit, and earns %s a month (%s a week), within the limit of %s.", a.ID, a.CaringHours, a.Earnings, monthlyToWeekly(a.Earnings), r.ca.earningsLimit), r.ca.rate, citeCA)
		if f.sp[i] > 0 {
			ex.addAmount(CarersAllowance, fmt.Sprintf("%s gets %s State Pension a week, which overlaps with Carer's Allowance: only any excess of Carer's Allowance is paid (underlying entitlement remains).", a.ID, f.sp[i]), amt, citeOverlap)
		}
		if h.Country == Scotland {
			ex.add(CarersAllowance, "In Scotland, Carer Support Payment from Social Security Scotland replaces Carer's Allowance; it is paid at the same weekly rate.", "Carer's Assistance (Carer Support Payment) (Scotland) Regulations 2023")
		}
		ex.line(CarersAllowance, a.ID, amt)
	}
}

// Disability benefits stop being payable after the first 28 days as a
// hospital in-patient and after 13 weeks abroad (26 for medical treatment,
// which the household does not record, so the shorter limit is applied).
const (
	hospitalPayableDays = 28
	abroadPayableDays   = 13 * 7

	citePIPHospital = "SI 2013/377 regs 29-30"
	citePIPAbroad   = "SI 2013/377 reg 17"
	citeAAHospital  = "SI 1991/2740 regs 6 and 8"
	citeAAAbroad    = "SI 1991/2740 reg 2(2)(d)"
)

func (r *Rates) disabilityBenefitSuspended(h *Household, i int, b Benefit, citeHospital, citeAbroad string, ex *explainer) bool {
	a := &h.Adults[i]
	if n := stayDays(a.InHospitalSince, r.end); n > hospitalPayableDays {
		if ex != nil {
			ex.add(b, fmt.Sprintf("%s has been a hospital in-patient since %s (%d days); it is not payable after the first %d days.", r.adultName(h, i), a.InHospitalSince, n, hospitalPayableDays), citeHospital)
		}
		return true
	}
	if n := stayDays(a.AbroadSince, r.end); n > abroadPayableDays {
		if ex != nil {
			ex.add(b, fmt.Sprintf("%s has been outside Great Britain since %s (%d days); it is not payable after %d weeks' absence.", r.adultName(h, i), a.AbroadSince, n, abroadPayableDays/7), citeAbroad)
		}
		return true
	}
	return false
}
