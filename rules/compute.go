package rules

import "fmt"

// facts are what every benefit needs to know about the household on the
// last day of the period, worked out once.
type facts struct {
	age        [2]int
	pensionAge [2]Date
	overSPA    [2]bool
	nAdults    int

	children int // children and qualifying young people responsible for

	// Per-adult results other benefits depend on (weekly).
	sp         [2]Money
	ca         [2]Money
	caEntitled [2]bool
	pipDaily   [2]Money
	pipMob     [2]Money
	aa         [2]Money
}

// Compute works out every benefit for h in the period of r. With ex nil it
// neither formats nor allocates, which is the simulator's hot path.
// h.Children must be ordered eldest first and h.Adults must hold 1 or 2.
func (r *Rates) Compute(h *Household, out *Amounts) { r.compute(h, out, nil) }

func (r *Rates) compute(h *Household, out *Amounts, ex *explainer) {
	*out = Amounts{}
	var f facts
	f.nAdults = len(h.Adults)
	for i := range h.Adults {
		a := &h.Adults[i]
		f.age[i] = a.DateOfBirth.AgeOn(r.end)
		f.pensionAge[i], _ = r.pensionAgeDate(a.DateOfBirth)
		f.overSPA[i] = f.pensionAge[i] <= r.end
	}
	for i := range h.Children {
		if r.qualifyingChild(&h.Children[i]) {
			f.children++
		}
	}
	for i := range h.Adults {
		r.personalIndependence(h, i, &f, out, ex)
		r.attendanceAllowance(h, i, &f, out, ex)
		r.statePension(h, i, &f, out, ex)
		r.carersAllowance(h, i, &f, out, ex)
	}
	r.childBenefit(h, &f, out, ex)
	r.bereavementSupport(h, &f, out, ex)
	r.universalCredit(h, &f, out, ex)
	r.pensionCredit(h, &f, out, ex)
}

// qualifyingChild reports whether the household is responsible for c as a
// child or qualifying young person on the last day of the period: under 16;
// 16 until the 1 September after the 16th birthday; or under 20 (the
// Child Benefit limit, also used for Universal Credit) in approved
// education or training (SI 2013/376 reg 5; SI 2006/223 regs 3-4).
func (r *Rates) qualifyingChild(c *Child) bool {
	if c.DateOfBirth > r.end {
		return false
	}
	age := c.DateOfBirth.AgeOn(r.end)
	if age < 16 {
		return true
	}
	sixteenth := c.DateOfBirth.AddMonths(16 * 12)
	sept := MakeDate(sixteenth.Year(), 9, 1)
	if sixteenth >= sept {
		sept = MakeDate(sixteenth.Year()+1, 9, 1)
	}
	if r.end < sept {
		return true
	}
	return c.InApprovedEducation && int64(age) < r.cb.qypMaxAge
}

func (r *Rates) adultName(h *Household, i int) string {
	return fmt.Sprintf("%s (born %s)", h.Adults[i].ID, h.Adults[i].DateOfBirth)
}
