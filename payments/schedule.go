package payments

import (
	"slices"
	"time"

	"github.com/lifeline-gov/lifeline"
	"github.com/lifeline-gov/lifeline/rules"
)

// Period is what a schedule needs of an award period.
type Period struct {
	N          int
	Start, End rules.Date
	Amount     rules.Money
}

// Due is one payment of an award: the periods it pays and the day.
type Due struct {
	Periods []int // period numbers, in date order
	PayDate rules.Date
	Amount  rules.Money
}

// How each benefit is paid. Every rule pays in arrears; the due day it gives
// is then moved to the working day before if it is not a working day
// (PayDay).
//
// Universal Credit. "Universal credit is payable monthly in arrears in
// respect of each assessment period" and, paid into an account, "within
// seven days of the last day of the assessment period": SI 2013/380
// (Universal Credit, PIP, JSA and ESA (Claims and Payments) Regulations
// 2013) reg 47(1) and (2), https://www.legislation.gov.uk/uksi/2013/380/part/4.
// DWP pays on the seventh day: a claim on 8 March has its first assessment
// period end on 7 April and is paid on 14 April
// (benefitsaware.centralenglandlc.org.uk, "Universal Credit Waiting Periods
// and Pay Days"); "At the end of that period, entitlement for that month is
// calculated and paid seven days later" (DWP answer to written question
// 40875, parallelparliament.co.uk/question/40875).
//
// State Pension. "Usually every 4 weeks" (GOV.UK, How and when your
// benefits are paid, https://www.gov.uk/how-to-have-your-benefits-paid), in
// arrears for people reaching State Pension age since 6 April 2010 (CPAG,
// askcpag.org.uk "How is state pension paid?"; Saga, "State pension: when
// will I be paid?", 2013), on a pay day set by the last two digits of the
// National Insurance number: 00-19 Monday, 20-39 Tuesday, 40-59 Wednesday,
// 60-79 Thursday, 80-99 Friday (Saga, as above; the DWP Pension Credit
// guide below gives the same table). The benefit week ends on the pay day:
// for a Wednesday pay day the week "will begin on a Thursday and end on the
// following Wednesday" (DWP, PC10S "A detailed guide to Pension Credit",
// "When Pension Credit is paid", dwp.gov.uk). So the weekly periods are
// grouped in fours from the award start, and each block is paid on the first
// pay-day weekday on or after its last day: a block ending on the pay
// weekday itself is paid that day, as the benefit week it completes ends
// then.
//
// Pension Credit. For people reaching the qualifying age on or after
// 6 April 2010, "weekly, fortnightly or four weekly in arrears", pay day by
// the same National Insurance number table (DWP PC10S, as above; GOV.UK:
// "Usually every 4 weeks"). We use four-weekly, as for State Pension.
//
// Carer's Allowance, PIP and Attendance Allowance. "Usually every 4 weeks"
// (GOV.UK, as above; Carer's Allowance "weekly in advance or every 4
// weeks"), in arrears: "PIP is paid every four weeks in arrears. This means
// that payments are made at the end of each four week period" (Citizens
// Advice, "Personal Independence Payment (PIP) - getting paid"). We did not
// find the rule fixing the weekday, which DWP sets in the award letter; our
// rule, a decision of ours: each four-week block from the award start is
// paid on the day after it ends, so the payments fall on the weekday the
// award started on, every four weeks. Carer's Allowance paid weekly in
// advance is not modelled.
//
// Child Benefit. "Usually paid every 4 weeks on a Monday or Tuesday"
// (GOV.UK, Child Benefit payment dates, https://www.gov.uk/child-benefit-payment-dates;
// weekly payment for some single parents is not modelled). The Child
// Benefit week starts on a Monday (SI 1987/1968 reg 16(3), as made,
// legislation.gov.uk/uksi/1987/1968/regulation/16/made). Our rule: each
// four-week block is paid on the first Monday after it ends. Which of Monday
// or Tuesday HMRC uses for a claim we could not find.
//
// Bereavement Support Payment. Up to 18 monthly payments (GOV.UK,
// https://www.gov.uk/bereavement-support-payment/what-youll-get). We found
// no source for the day of the month; our rule, a decision of ours: each
// monthly period is paid on the day after it ends.

// payRule is how one benefit's periods are grouped and when a group is due.
type payRule struct {
	monthly bool                                                 // each period paid alone; else four-week blocks from the award start
	due     func(end rules.Date, payday time.Weekday) rules.Date // the due day of a group ending on end
	nino    bool                                                 // the pay weekday comes from the NINO
}

var payRules = map[string]payRule{
	"universal_credit":            {monthly: true, due: func(end rules.Date, _ time.Weekday) rules.Date { return end.AddDays(7) }},
	"bereavement_support_payment": {monthly: true, due: dayAfter},
	"state_pension":               {due: onOrAfter, nino: true},
	"pension_credit":              {due: onOrAfter, nino: true},
	"carers_allowance":            {due: dayAfter},
	"pip":                         {due: dayAfter},
	"attendance_allowance":        {due: dayAfter},
	"child_benefit": {due: func(end rules.Date, _ time.Weekday) rules.Date {
		return onOrAfter(end.AddDays(1), time.Monday)
	}},
}

func dayAfter(end rules.Date, _ time.Weekday) rules.Date { return end.AddDays(1) }

// onOrAfter returns the first day on or after end that falls on weekday wd.
func onOrAfter(end rules.Date, wd time.Weekday) rules.Date {
	n := (int(wd) - int(Weekday(end)) + 7) % 7
	return end.AddDays(n)
}

// NINOPayDay returns the State Pension and Pension Credit pay weekday for a
// National Insurance number, from its last two digits: 00-19 Monday, 20-39
// Tuesday, 40-59 Wednesday, 60-79 Thursday, 80-99 Friday (sources above).
// Specimen (QQ) numbers are accepted, for test data.
func NINOPayDay(nino string) (time.Weekday, error) {
	n, err := lifeline.ParseNINO(nino, true)
	if err != nil {
		return 0, err
	}
	digits := int(n[6]-'0')*10 + int(n[7]-'0')
	return time.Monday + time.Weekday(digits/20), nil
}

// Schedule works out when each period of an award is paid: which periods
// each payment covers, on which day, and for how much. benefit is the rules
// benefit key; nino is needed for state_pension and pension_credit only;
// periods are the award's assessment periods (universal_credit,
// bereavement_support_payment) or weeks from awardStart (the others).
//
// Periods are grouped into payments as the rules above say; a group cut
// short because the award ended is paid on the pay day after its last
// period. Every group is returned, in pay-date order, even one whose periods
// come to zero: a period reduced to nothing after it was paid is still due
// on its day, which is when an overpayment of it is judged. The result
// depends only on the arguments, not on their order.
func Schedule(benefit string, nino string, awardStart rules.Date, periods []Period) ([]Due, error) {
	rule, ok := payRules[benefit]
	if !ok {
		return nil, lifeline.FieldErrorf(lifeline.EINVALID, "benefit", "no payment schedule for the benefit %q", benefit)
	}
	var payday time.Weekday
	if rule.nino {
		wd, err := NINOPayDay(nino)
		if err != nil {
			return nil, err
		}
		payday = wd
	}
	if _, err := rules.ParseDate(awardStart.String()); err != nil {
		return nil, lifeline.FieldErrorf(lifeline.EINVALID, "award_start", "award start %s %v", awardStart, err)
	}
	ps := slices.Clone(periods)
	seen := map[int]bool{}
	for _, p := range ps {
		bad := func(format string, args ...any) error {
			return lifeline.FieldErrorf(lifeline.EINVALID, "periods", "period %d: "+format, append([]any{p.N}, args...)...)
		}
		if seen[p.N] {
			return nil, bad("appears twice")
		}
		seen[p.N] = true
		for _, day := range []rules.Date{p.Start, p.End} {
			if _, err := rules.ParseDate(day.String()); err != nil {
				return nil, bad("date %s %v", day, err)
			}
		}
		switch {
		case p.End < p.Start:
			return nil, bad("ends (%s) before it starts (%s)", p.End, p.Start)
		case p.Start < awardStart:
			return nil, bad("starts (%s) before the award (%s)", p.Start, awardStart)
		case p.Amount < 0:
			return nil, bad("has a negative amount %s", p.Amount)
		}
	}
	slices.SortFunc(ps, func(a, b Period) int {
		if a.Start != b.Start {
			return int(a.Start) - int(b.Start)
		}
		return a.N - b.N
	})

	// Group: each period alone, or by four-week block from the award start.
	type group struct {
		key    int
		end    rules.Date
		first  rules.Date
		ns     []int
		amount rules.Money
	}
	var groups []*group
	byKey := map[int]*group{}
	for i, p := range ps {
		key := i
		if !rule.monthly {
			key = awardStart.DaysUntil(p.Start) / 28
		}
		g := byKey[key]
		if g == nil {
			g = &group{key: key, first: p.Start}
			byKey[key] = g
			groups = append(groups, g)
		}
		g.ns = append(g.ns, p.N)
		g.end = max(g.end, p.End)
		g.amount += p.Amount
	}

	var out []Due
	for _, g := range groups {
		pay, err := PayDay(rule.due(g.end, payday))
		if err != nil {
			return nil, err
		}
		out = append(out, Due{Periods: g.ns, PayDate: pay, Amount: g.amount})
	}
	slices.SortStableFunc(out, func(a, b Due) int { return int(a.PayDate) - int(b.PayDate) })
	return out, nil
}
