package claims

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"slices"

	"github.com/lifeline-gov/lifeline/rules"
)

// This file is the pure core of deciding awards: from people's timelines to
// the engine's household for one period, and from an award and new amounts to
// a revision. No I/O and no clock: the caller passes "today".

// benefitByKey finds a benefit by its API name, e.g. universal_credit.
func benefitByKey(key string) (rules.Benefit, bool) {
	for b := rules.Benefit(0); b < rules.NumBenefits; b++ {
		if b.Key() == key {
			return b, true
		}
	}
	return 0, false
}

// BenefitKeys lists every benefit a claim may name.
func BenefitKeys() []string {
	keys := make([]string, rules.NumBenefits)
	for b := rules.Benefit(0); b < rules.NumBenefits; b++ {
		keys[b] = b.Key()
	}
	return keys
}

// jointBenefit says whether the benefit is claimed by a couple together.
func jointBenefit(b rules.Benefit) bool {
	return b == rules.UniversalCredit || b == rules.PensionCredit
}

// periodBounds returns the first and last day of period n of an award that
// started on start: UC assessment periods under SI 2013/376 reg 21 (and
// monthly Bereavement Support Payment on the same cycle), or weeks.
func periodBounds(freq string, start rules.Date, n int) (rules.Date, rules.Date) {
	if freq == "monthly" {
		return rules.AssessmentPeriod(start, n)
	}
	s := start.AddDays(7 * n)
	return s, s.AddDays(6)
}

// periodIndex is the period of an award that contains day, or -1 before it.
func periodIndex(freq string, start, day rules.Date) int {
	if freq == "monthly" {
		return rules.AssessmentPeriodOf(start, day)
	}
	return rules.WeekOf(start, day)
}

// people are the timelines an assessment may consult, by person id.
type people map[string]*Timeline

// unit describes who is assessed together for an award in one period.
type unit struct {
	benefit   rules.Benefit
	claimants []string
	start     rules.Date // the award's first day, for the bereavement run-on
	freq      string
}

// household builds the engine's input for the period from start to end.
func (u unit) household(ppl people, n int, start, end rules.Date) rules.Household {
	lead := ppl[u.claimants[0]]
	ls := lead.On(end)
	ids := []string{u.claimants[0]}
	switch {
	case u.benefit == rules.UniversalCredit:
		ids = u.claimants
	case u.benefit == rules.PensionCredit || u.benefit == rules.ChildBenefit:
		if ls.PartnerID != "" && ppl[ls.PartnerID] != nil {
			ids = append(ids, ls.PartnerID)
		}
	}
	var h rules.Household
	h.Country, h.London = countryOf(ls.Address.Postcode)
	h.Tenure = enumValue[rules.Tenure](tenures, ls.Tenure)
	h.Rent, h.LHARate = ls.MonthlyRent, ls.LHARate
	earnFrom := start
	if u.freq != "monthly" {
		earnFrom = end.AddMonths(-1).AddDays(1)
	}
	var partnerDiedOn rules.Date
	seen := map[string]bool{}
	addChildren := func(s *State) {
		for _, c := range s.Children {
			if !seen[c.ID] {
				seen[c.ID] = true
				h.Children = append(h.Children, rules.Child{
					DateOfBirth: c.DateOfBirth,
					Disability:  enumValue[rules.Disability](disabilities, c.Disability),
					Exception:   enumValue[rules.Exception](exceptions, c.Exception),
				})
			}
		}
	}
	for i, id := range ids {
		t := ppl[id]
		s := ls
		if i > 0 {
			s = t.On(end)
		}
		if s.DiedOn != 0 && s.DiedOn <= end && !u.runOn(n, s.DiedOn) {
			if i > 0 {
				partnerDiedOn = s.DiedOn
				addChildren(&s)
			}
			continue
		}
		h.Adults = append(h.Adults, adultOf(id, t, &s, earnFrom, end))
		h.Capital += s.Capital
		addChildren(&s)
	}
	// A partner who has died leaves the lead bereaved: Bereavement Support
	// Payment is assessed on the lead's own award.
	late := ls.PartnerID
	if late == "" {
		late = ls.BereavedOf
	}
	if partnerDiedOn == 0 && late != "" && len(ids) == 1 {
		if p := ppl[late]; p != nil {
			if died := p.DiedOn(); died != 0 && died <= end {
				partnerDiedOn = died
				ps := p.On(end)
				addChildren(&ps)
			}
		}
	}
	if partnerDiedOn != 0 && len(h.Adults) > 0 {
		h.Adults[0].PartnerDiedOn = partnerDiedOn
	}
	if len(h.Adults) == 0 { // every claimant has died: assess as at death, which pays nothing after it
		h.Adults = append(h.Adults, adultOf(ids[0], lead, &ls, earnFrom, end))
	}
	slices.SortStableFunc(h.Children, func(a, b rules.Child) int { return int(a.DateOfBirth - b.DateOfBirth) })
	for _, nd := range ls.NonDependants {
		h.NonDependants = append(h.NonDependants, rules.NonDependant{Age: nd.DateOfBirth.AgeOn(end), Exempt: nd.Exempt})
	}
	return h
}

// runOn says whether a joint claimant who died is still counted in period
// n: Universal Credit is worked out as if they had not died for the
// assessment period of the death and the two after it (SI 2013/376 reg 37).
func (u unit) runOn(n int, died rules.Date) bool {
	if u.benefit != rules.UniversalCredit || len(u.claimants) < 2 {
		return false
	}
	return n <= periodIndex(u.freq, u.start, died)+2
}

// lcwraProtectedBefore is when the Universal Credit Act 2025 took the LCWRA
// element for new claimants to the lower rate; people with LCWRA before it
// keep the protected rate (UC Act 2025 s2).
var lcwraProtectedBefore = rules.MakeDate(2026, 4, 6)

func adultOf(id string, t *Timeline, s *State, earnFrom, end rules.Date) rules.Adult {
	a := rules.Adult{
		ID:                   id,
		DateOfBirth:          s.DateOfBirth,
		Earnings:             t.EarningsBetween(earnFrom, end),
		LCWRA:                s.LCWRA,
		LCWRAProtected:       s.LCWRA && s.LCWRASince < lcwraProtectedBefore,
		CaringHours:          s.CaringHours,
		CaredForQualifies:    s.CaredForQual,
		PIPAssessed:          s.PIPAssessed,
		PIPDailyLivingPoints: s.PIPDailyLiving,
		PIPMobilityPoints:    s.PIPMobility,
		AttendanceNeeds:      enumValue[rules.Needs](needs, s.AttendanceNeeds),
		SPAssessed:           s.NIAssessed,
		NIQualifyingYears:    s.NIYears,
		InHospitalSince:      s.InHospitalSince,
		AbroadSince:          s.AbroadSince,
	}
	return a
}

// Explanation says why a period's amount is what it is, citing the law.
type Explanation struct {
	Eligible  bool            `json:"eligible"`
	Reasons   []Reason        `json:"reasons"`
	Breakdown []BreakdownLine `json:"breakdown,omitempty"`
}

// Reason is one step of an explanation.
type Reason struct {
	Text     string       `json:"text"`
	Amount   *rules.Money `json:"amount,omitempty"`
	Citation string       `json:"citation,omitempty"`
}

// BreakdownLine is one component of an amount.
type BreakdownLine struct {
	Key    string      `json:"key"`
	Amount rules.Money `json:"amount"`
}

// assessed is one period worked out.
type assessed struct {
	amount      rules.Money
	inputsHash  string
	explanation Explanation
}

// assessPeriod runs the engine for one period. A final period cut short
// (a weekly benefit ending on a death) is paid for the days it covers, at
// one seventh of the weekly rate a day, rounded to the nearest penny.
func assessPeriod(params *rules.Params, u unit, ppl people, n int, start, end rules.Date) (assessed, error) {
	h := u.household(ppl, n, start, end)
	fullEnd := end
	if u.freq != "monthly" {
		fullEnd = start.AddDays(6)
	}
	r, err := params.RatesBetween(start, fullEnd)
	if err != nil {
		return assessed{}, err
	}
	res := r.Explain(&h)
	br := res.Benefits[u.benefit]
	out := assessed{amount: br.Amount, inputsHash: inputsHash(u.benefit, start, end, &h)}
	out.explanation.Eligible = br.Eligible
	for _, rs := range br.Reasons {
		reason := Reason{Text: rs.Text, Citation: rs.Citation}
		if rs.HasAmount {
			amt := rs.Amount
			reason.Amount = &amt
		}
		out.explanation.Reasons = append(out.explanation.Reasons, reason)
	}
	for _, l := range br.Breakdown {
		if l.Amount != 0 {
			out.explanation.Breakdown = append(out.explanation.Breakdown, BreakdownLine{l.Key, l.Amount})
		}
	}
	if end < fullEnd {
		days := int64(start.DaysUntil(end) + 1)
		out.amount = (out.amount*rules.Money(days) + 3) / 7
		out.explanation.Reasons = append(out.explanation.Reasons, Reason{
			Text: "Entitlement ends on " + end.String() + ", so this week is paid for " + itoa(int(days)) + " of its 7 days.",
		})
	}
	return out, nil
}

// inputsHash commits to everything the amount was worked out from.
func inputsHash(b rules.Benefit, start, end rules.Date, h *rules.Household) string {
	raw, _ := json.Marshal(struct {
		Benefit    string
		Start, End rules.Date
		Household  *rules.Household
	}{b.Key(), start, end, h})
	sum := sha256.Sum256(raw)
	return hex.EncodeToString(sum[:])
}

func itoa(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}

// naturalEnd is the last day of an award decided now on facts that may
// already include its end: a single claimant of Universal Credit who has
// since become one of a couple (the award ends from the start of that
// assessment period), a couple who have since separated, or a death. This
// keeps a late decision the same as an early decision followed by the
// change. Zero means the award runs on.
func (u unit) naturalEnd(ppl people) rules.Date {
	lead := ppl[u.claimants[0]]
	apEnd := func(day rules.Date) rules.Date {
		start, _ := periodBounds(u.freq, u.start, periodIndex(u.freq, u.start, day))
		return start.AddDays(-1)
	}
	end := rules.Date(0)
	earlier := func(d rules.Date) {
		if end == 0 || d < end {
			end = d
		}
	}
	if died := lead.DiedOn(); died != 0 && len(u.claimants) == 1 {
		if u.freq == "monthly" {
			if _, last := periodBounds(u.freq, u.start, periodIndex(u.freq, u.start, died)); last == died {
				earlier(died)
			} else {
				earlier(apEnd(died))
			}
		} else {
			earlier(died)
		}
	}
	if u.benefit == rules.UniversalCredit {
		for _, f := range lead.facts {
			if f.on < u.start {
				continue
			}
			switch {
			case len(u.claimants) == 1 && (f.typ == PartnerMovedIn || f.typ == partnerJoined):
				earlier(apEnd(f.on))
			case len(u.claimants) == 2 && (f.typ == PartnerMovedOut || f.typ == partnerLeft):
				earlier(apEnd(f.on))
			}
		}
	}
	return end
}
