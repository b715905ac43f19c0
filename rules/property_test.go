package rules

import "testing"

// Properties of Universal Credit that must hold for any household: checked
// over a grid of households in each tax year.
func propertyHouseholds() []Household {
	var hs []Household
	for _, tenure := range []Tenure{NoTenure, SocialRent} {
		for nKids := 0; nKids <= 3; nKids++ {
			for _, lcwra := range []bool{false, true} {
				h := Household{Adults: []Adult{adult("1990-01-01")}, Tenure: tenure}
				if tenure == SocialRent {
					h.Rent = m("650.00")
				}
				h.Adults[0].LCWRA = lcwra
				h.Children = kids([]string{"2015-03-01", "2018-05-01", "2021-07-01"}[:nKids]...)
				hs = append(hs, h)
			}
		}
	}
	return hs
}

var propertyPeriods = []string{"2024-06", "2025-06", "2026-06"}

func ucOf(t *testing.T, r *Rates, h *Household) (Money, UCBreakdown) {
	t.Helper()
	var out Amounts
	r.Compute(h, &out)
	return out.Benefits[UniversalCredit].Amount, out.UC
}

// More earnings never raises Universal Credit before the benefit cap. After
// it, UC can rise: reaching the earnings exception lifts the cap, a cliff
// the law intends (SI 2013/376 reg 82), so a rise is allowed only there.
func TestPropertyMoreEarningsNeverRaisesUC(t *testing.T) {
	for _, p := range propertyPeriods {
		r, _ := testParams.Rates(per(p))
		for _, h := range propertyHouseholds() {
			h.Tenure, h.Rent = SocialRent, m("1400.00") // so that the cap bites
			prevUncapped, prevCapped := Money(1<<40), Money(1<<40)
			for e := Money(0); e <= m("4000.00"); e += m("7.37") {
				h.Adults[0].Earnings = e
				uc, b := ucOf(t, r, &h)
				if uc+b.BenefitCapReduction > prevUncapped {
					t.Fatalf("%s: earnings %s raised UC before the cap from %s to %s", p, e, prevUncapped, uc+b.BenefitCapReduction)
				}
				if uc > prevCapped && b.BenefitCapReduction != 0 {
					t.Fatalf("%s: earnings %s raised capped UC from %s to %s", p, e, prevCapped, uc)
				}
				prevUncapped, prevCapped = uc+b.BenefitCapReduction, uc
			}
		}
	}
}

// Above the work allowance, each extra pound of earnings costs exactly 55p
// of Universal Credit, until it reaches nil (and while the cap is not
// reducing it).
func TestPropertyEachPoundAboveWorkAllowanceCosts55p(t *testing.T) {
	for _, p := range propertyPeriods {
		r, _ := testParams.Rates(per(p))
		for _, h := range propertyHouseholds() {
			h.Adults[0].Earnings = m("900.00") // above every work allowance
			prev, _ := ucOf(t, r, &h)
			for h.Adults[0].Earnings < m("5000.00") {
				h.Adults[0].Earnings += Pounds(1)
				uc, b := ucOf(t, r, &h)
				if b.BenefitCapReduction > 0 {
					prev = uc
					continue
				}
				if uc == 0 {
					if prev > 55 {
						t.Fatalf("%s: UC fell from %s to nil on one more pound", p, prev)
					}
					break
				}
				if prev-uc != 55 {
					t.Fatalf("%s: at earnings %s, one more pound cost %s, want 0.55", p, h.Adults[0].Earnings, prev-uc)
				}
				prev = uc
			}
		}
	}
}

// Adding a child never lowers Universal Credit before the benefit cap.
func TestPropertyAddingAChildNeverLowersUC(t *testing.T) {
	births := []string{"2008-01-01", "2012-06-01", "2016-09-01", "2017-04-05", "2017-04-06", "2019-01-01", "2022-02-02", "2024-12-01"}
	for _, p := range propertyPeriods {
		r, _ := testParams.Rates(per(p))
		for _, h := range propertyHouseholds() {
			for _, earn := range []Money{0, m("800.00"), m("2500.00")} {
				h.Adults[0].Earnings = earn
				for _, b := range births {
					before, bb := ucOf(t, r, &h)
					more := h
					more.Children = append(append([]Child(nil), h.Children...), Child{DateOfBirth: d(b)})
					sortChildren(more.Children)
					after, ab := ucOf(t, r, &more)
					if before+bb.BenefitCapReduction > after+ab.BenefitCapReduction {
						t.Fatalf("%s: adding a child born %s lowered UC before the cap from %s to %s", p, b, before+bb.BenefitCapReduction, after+ab.BenefitCapReduction)
					}
				}
			}
		}
	}
}

func sortChildren(cs []Child) {
	for i := 1; i < len(cs); i++ {
		for j := i; j > 0 && cs[j].DateOfBirth < cs[j-1].DateOfBirth; j-- {
			cs[j], cs[j-1] = cs[j-1], cs[j]
		}
	}
}
