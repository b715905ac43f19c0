package payments

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/lifeline-gov/lifeline"
	"github.com/lifeline-gov/lifeline/rules"
)

func TestRecoveryParams(t *testing.T) {
	p, err := parseRecovery(recoveryFile)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		day  string
		want int64
	}{
		{"recovery.uc_overall_cap", "2025-04-29", 2500},
		{"recovery.uc_overall_cap", "2025-04-30", 1500},
		{"recovery.uc_standard_rate", "2026-01-01", 1500},
		{"recovery.uc_fraud_rate", "2026-01-01", 4000},
		{"recovery.uc_minimum_payment", "2026-01-01", 1},
		{"recovery.weekly_standard", "2026-01-01", 1275},
		{"recovery.weekly_fraud", "2026-01-01", 3400},
		{"recovery.pension_credit_minimum_weekly", "2026-01-01", 10},
	} {
		got, err := p.at(c.name, d(c.day))
		if err != nil || got != c.want {
			t.Errorf("%s on %s = %d, %v; want %d", c.name, c.day, got, err, c.want)
		}
	}
	if _, err := p.at("recovery.uc_overall_cap", d("2023-12-31")); lifeline.ErrorCode(err) != lifeline.EINVALID {
		t.Errorf("before the first value: %v", err)
	}
	for name, text := range map[string]string{
		"unknown field": "recovery.uc_overall_cap:\n  colour: red\n",
		"missing":       "recovery.uc_overall_cap:\n  description: x\n  law: y\n  unit: percent\n  values:\n    - {from: 2024-01-01, value: \"15\", source: s}\n",
	} {
		if _, err := parseRecovery([]byte(text)); err == nil {
			t.Errorf("%s: parsed", name)
		}
	}
	for s, want := range map[string]int64{"15": 1500, "0": 0, "100": 10000, "12.5": 1250, "0.01": 1} {
		if got, err := parsePercent(s); err != nil || got != want {
			t.Errorf("parsePercent(%q) = %d, %v", s, got, err)
		}
	}
	for _, s := range []string{"", "x", "101", "1.234", "-5", ".5"} {
		if _, err := parsePercent(s); err == nil {
			t.Errorf("parsePercent(%q) accepted", s)
		}
	}
}

func TestDeductionsTable(t *testing.T) {
	const sa = rules.Money(40014) // single, 25 or over, 2025/26, monthly
	ce := func(id string, out rules.Money, prio int) Debt {
		return Debt{ID: id, Outstanding: out, Cause: CauseClaimantError, Order: prio}
	}
	fr := func(id string, out rules.Money, prio int) Debt {
		return Debt{ID: id, Outstanding: out, Cause: CauseFraud, Order: prio}
	}
	for _, c := range []struct {
		name    string
		benefit string
		day     string
		gross   rules.Money
		sa      rules.Money
		debts   []Debt
		want    []Deduction
	}{
		{"UC: 15% of the standard allowance, rounded down", "universal_credit", "2025-05-01", 80000, sa,
			[]Debt{ce("a", 100000, 1)}, []Deduction{{"a", 6002}}},
		{"UC before the Fair Repayment Rate: the 15% recovery rate still binds", "universal_credit", "2025-04-01", 80000, sa,
			[]Debt{ce("a", 100000, 1)}, []Deduction{{"a", 6002}}},
		{"UC official error is recovered like claimant error", "universal_credit", "2026-01-01", 80000, sa,
			[]Debt{{ID: "a", Outstanding: 100000, Cause: CauseOfficialError}}, []Deduction{{"a", 6002}}},
		{"UC fraud at 40%", "universal_credit", "2026-01-01", 80000, sa,
			[]Debt{fr("f", 100000, 1)}, []Deduction{{"f", 16005}}},
		// The legal order (SI 2013/380 Sch 6 para 5(2); CPAG items 10 and 12):
		// fraud overpayments before the others, whatever Order and ID say.
		// Each case below would come out differently if the order were
		// Order and ID only.
		{"UC fraud before error though the error's Order is lower: fraud takes the whole 40%", "universal_credit", "2026-01-01", 80000, sa,
			[]Debt{fr("f", 100000, 2), ce("a", 100000, 1)}, []Deduction{{"f", 16005}}},
		{"UC small fraud debt first, then error within the 15%", "universal_credit", "2026-01-01", 80000, sa,
			[]Debt{ce("a", 100000, 0), fr("z", 5000, 9)}, []Deduction{{"z", 5000}, {"a", 6002}}},
		{"UC small payment: fraud takes it all, leaving 1p", "universal_credit", "2026-01-01", 5000, sa,
			[]Debt{ce("a", 100000, 0), fr("z", 100000, 9)}, []Deduction{{"z", 4999}}},
		{"UC several overpayments: fraud, then claimant and official error alike by Order", "universal_credit", "2026-01-01", 80000, sa,
			[]Debt{{ID: "o", Outstanding: 3000, Cause: CauseOfficialError, Order: 2}, ce("c", 4000, 1), fr("f", 12000, 3)},
			[]Deduction{{"f", 12000}, {"c", 4000}, {"o", 5}}},
		{"official error is not behind claimant error: Order decides", "universal_credit", "2026-01-01", 80000, sa,
			[]Debt{ce("c", 100000, 2), {ID: "o", Outstanding: 100000, Cause: CauseOfficialError, Order: 1}}, []Deduction{{"o", 6002}}},
		{"Pension Credit: fraud first within £34 a week", "pension_credit", "2026-01-01", 80000, 0,
			[]Debt{ce("a", 100000, 0), fr("f", 10000, 5)}, []Deduction{{"f", 10000}, {"a", 3600}}},
		{"UC fraud first uses the whole 40%", "universal_credit", "2026-01-01", 80000, sa,
			[]Debt{fr("f", 100000, 1), ce("a", 100000, 2)}, []Deduction{{"f", 16005}}},
		{"outstanding smaller than the cap: the next debt takes the rest", "universal_credit", "2026-01-01", 80000, sa,
			[]Debt{ce("a", 2000, 1), ce("b", 100000, 2)}, []Deduction{{"a", 2000}, {"b", 4002}}},
		{"paused debt skipped", "universal_credit", "2026-01-01", 80000, sa,
			[]Debt{{ID: "a", Outstanding: 5000, Cause: CauseClaimantError, Order: 1, Paused: true}, ce("b", 100000, 2)},
			[]Deduction{{"b", 6002}}},
		{"same rank and Order: by ID", "universal_credit", "2026-01-01", 80000, sa,
			[]Debt{ce("b", 100000, 1), ce("a", 100, 1)}, []Deduction{{"a", 100}, {"b", 5902}}},
		{"Order beats ID", "universal_credit", "2026-01-01", 80000, sa,
			[]Debt{ce("a", 100000, 2), ce("b", 100, 1)}, []Deduction{{"b", 100}, {"a", 5902}}},
		{"last penny: a small payment keeps 1p", "universal_credit", "2026-01-01", 3000, sa,
			[]Debt{ce("a", 100000, 1)}, []Deduction{{"a", 2999}}},
		{"a 1p payment: nothing", "universal_credit", "2026-01-01", 1, sa, []Debt{ce("a", 100000, 1)}, nil},
		{"a nil payment: nothing", "universal_credit", "2026-01-01", 0, sa, []Debt{ce("a", 100000, 1)}, nil},
		{"no standard allowance known: nothing", "universal_credit", "2026-01-01", 80000, 0, []Debt{ce("a", 100000, 1)}, nil},
		{"no debts", "universal_credit", "2026-01-01", 80000, sa, nil, nil},
		{"nothing outstanding", "universal_credit", "2026-01-01", 80000, sa, []Debt{ce("a", 0, 1)}, nil},
		{"Pension Credit: £12.75 a week for 4 weeks", "pension_credit", "2026-01-01", 80000, 0,
			[]Debt{ce("a", 100000, 1)}, []Deduction{{"a", 5100}}},
		{"Pension Credit fraud: £34 a week", "pension_credit", "2026-01-01", 80000, 0,
			[]Debt{fr("f", 100000, 1)}, []Deduction{{"f", 13600}}},
		{"Pension Credit keeps 10p a week", "pension_credit", "2026-01-01", 1000, 0,
			[]Debt{fr("f", 100000, 1)}, []Deduction{{"f", 960}}},
		{"State Pension: the weekly default, fraud first", "state_pension", "2026-01-01", 92000, 0,
			[]Debt{ce("a", 100000, 1), fr("f", 100000, 2)}, []Deduction{{"f", 13600}}},
		{"State Pension: a small fraud debt, then the rest within £12.75 a week", "state_pension", "2026-01-01", 92000, 0,
			[]Debt{ce("a", 100000, 1), fr("f", 2000, 2)}, []Deduction{{"f", 2000}, {"a", 5100}}},
		{"Child Benefit: never", "child_benefit", "2026-01-01", 10000, 0, []Debt{ce("a", 100000, 1)}, nil},
		{"Bereavement Support Payment: never", "bereavement_support_payment", "2026-01-01", 35000, 0, []Debt{ce("a", 100000, 1)}, nil},
	} {
		got, err := Deductions(c.benefit, d(c.day), c.gross, c.sa, c.debts)
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s: got %v, want %v", c.name, got, c.want)
		}
	}
	// A short final block of a weekly benefit: the weekly limits for 2 weeks.
	got, err := DeductionsForWeeks("carers_allowance", d("2026-01-01"), 16660, 2, []Debt{ce("a", 100000, 1)})
	if err != nil || !reflect.DeepEqual(got, []Deduction{{"a", 2550}}) {
		t.Errorf("2 weeks of Carer's Allowance: %v %v", got, err)
	}
}

func TestDeductionsErrors(t *testing.T) {
	ok := []Debt{{ID: "a", Outstanding: 100, Cause: CauseFraud}}
	for _, c := range []struct {
		name    string
		benefit string
		day     rules.Date
		gross   rules.Money
		sa      rules.Money
		debts   []Debt
	}{
		{"unknown benefit", "jobseekers_allowance", d("2026-01-01"), 100, 100, ok},
		{"negative payment", "universal_credit", d("2026-01-01"), -1, 100, ok},
		{"negative standard allowance", "universal_credit", d("2026-01-01"), 100, -1, ok},
		{"before the rules", "universal_credit", d("2023-06-01"), 100, 100, ok},
		{"no ID", "pip", d("2026-01-01"), 100, 0, []Debt{{Outstanding: 1, Cause: CauseFraud}}},
		{"duplicate ID", "pip", d("2026-01-01"), 100, 0, append(slices.Clone(ok), ok...)},
		{"negative outstanding", "pip", d("2026-01-01"), 100, 0, []Debt{{ID: "a", Outstanding: -1, Cause: CauseFraud}}},
		{"unknown cause", "pip", d("2026-01-01"), 100, 0, []Debt{{ID: "a", Outstanding: 1, Cause: "mistake"}}},
	} {
		if _, err := Deductions(c.benefit, c.day, c.gross, c.sa, c.debts); lifeline.ErrorCode(err) != lifeline.EINVALID {
			t.Errorf("%s: got %v, want EINVALID", c.name, err)
		}
	}
	if _, err := DeductionsForWeeks("pip", d("2026-01-01"), 100, 0, ok); lifeline.ErrorCode(err) != lifeline.EINVALID {
		t.Errorf("0 weeks: %v", err)
	}
	if _, err := DeductionsForWeeks("universal_credit", d("2026-01-01"), 100, 4, ok); lifeline.ErrorCode(err) != lifeline.EINVALID {
		t.Errorf("UC by weeks: %v", err)
	}
}

// The properties that must hold for any payment and any debts: within the
// caps, leaving the minimum, never more than a debt owes, nothing for a
// paused debt, and priority respected.
func TestDeductionsProperties(t *testing.T) {
	rng := rand.New(rand.NewPCG(2026, 4))
	benefits := []string{"universal_credit", "universal_credit", "universal_credit", "pension_credit", "state_pension",
		"carers_allowance", "pip", "attendance_allowance", "child_benefit", "bereavement_support_payment"}
	causes := []string{CauseClaimantError, CauseOfficialError, CauseFraud}
	first, _ := rules.ParseDate("2024-01-01")
	for iter := range 20000 {
		benefit := benefits[rng.IntN(len(benefits))]
		day := first.AddDays(rng.IntN(4 * 365))
		gross := rules.Money(rng.IntN(200000))
		if rng.IntN(10) == 0 {
			gross = rules.Money(rng.IntN(50))
		}
		sa := rules.Money(rng.IntN(100000))
		var debts []Debt
		for i := range rng.IntN(6) {
			debts = append(debts, Debt{
				ID:          fmt.Sprintf("d%d", i),
				Outstanding: rules.Money(rng.IntN(30000)),
				Cause:       causes[rng.IntN(len(causes))],
				Order:       rng.IntN(4),
				Paused:      rng.IntN(5) == 0,
			})
		}
		rng.Shuffle(len(debts), func(i, j int) { debts[i], debts[j] = debts[j], debts[i] })
		got, err := Deductions(benefit, day, gross, sa, debts)
		if err != nil {
			t.Fatalf("iteration %d: %v", iter, err)
		}
		lim, err := RecoveryLimits(benefit, day, sa, DefaultWeeks)
		if err != nil {
			t.Fatal(err)
		}
		rank, err := priorityOn(day)
		if err != nil {
			t.Fatal(err)
		}
		again, _ := Deductions(benefit, day, gross, sa, debts)
		if !reflect.DeepEqual(got, again) {
			t.Fatalf("iteration %d: not deterministic", iter)
		}
		fail := func(format string, args ...any) {
			t.Fatalf("iteration %d (%s %s gross %s sa %s debts %+v → %v): "+format,
				append([]any{iter, benefit, day, gross, sa, debts, got}, args...)...)
		}
		byID := map[string]Debt{}
		for _, x := range debts {
			byID[x.ID] = x
		}
		taken := map[string]rules.Money{}
		var total, nonFraud rules.Money
		for _, x := range got {
			debt, ok := byID[x.DebtID]
			switch {
			case !ok:
				fail("deduction for unknown debt %q", x.DebtID)
			case x.Amount <= 0:
				fail("deduction of %s", x.Amount)
			case debt.Paused:
				fail("paused debt %q charged", x.DebtID)
			case taken[x.DebtID] > 0:
				fail("debt %q charged twice", x.DebtID)
			case x.Amount > debt.Outstanding:
				fail("debt %q charged %s of %s outstanding", x.DebtID, x.Amount, debt.Outstanding)
			}
			taken[x.DebtID] = x.Amount
			total += x.Amount
			if debt.Cause != CauseFraud {
				nonFraud += x.Amount
			}
		}
		if total > lim.Total || nonFraud > lim.NonFraud {
			fail("total %s (non-fraud %s) over the limits %+v", total, nonFraud, lim)
		}
		if total > 0 && total > gross-lim.MinPaid {
			fail("leaves %s, less than %s", gross-total, lim.MinPaid)
		}
		if lim.MinPaid < 1 {
			fail("minimum payment %s", lim.MinPaid)
		}
		if benefit == "universal_credit" && lim.Total > sa*40/100 {
			fail("UC limit %s over 40%% of %s", lim.Total, sa)
		}
		if benefit == "child_benefit" || benefit == "bereavement_support_payment" {
			if len(got) > 0 {
				fail("deducted from %s", benefit)
			}
		}
		checkOrder(fail, rank, debts, taken, nonFraud, lim)
		// And nothing is left on the table: no unpaused debt with money owing
		// could have taken a penny more.
		room := gross - lim.MinPaid - total
		for _, a := range debts {
			if a.Paused || taken[a.ID] == a.Outstanding {
				continue
			}
			head := min(room, lim.Total-total)
			if a.Cause != CauseFraud {
				head = min(head, lim.NonFraud-nonFraud)
			}
			if head > 0 {
				fail("debt %q could take %s more", a.ID, head)
			}
		}
	}
}

// checkOrder fails if the deductions taken broke the legal priority order:
// once a debt is passed over with money still owing, a debt after it in
// the order (rank of its cause, then Order, then ID) may take money only
// from a pool the earlier one could not use, and the only such pool is the
// fraud headroom when the non-fraud cap is used up.
func checkOrder(fail func(string, ...any), rank map[string]int, debts []Debt, taken map[string]rules.Money, nonFraud rules.Money, lim Limits) {
	order := slices.Clone(debts)
	slices.SortFunc(order, func(a, b Debt) int {
		return cmp.Or(cmp.Compare(rank[a.Cause], rank[b.Cause]), cmp.Compare(a.Order, b.Order), strings.Compare(a.ID, b.ID))
	})
	for i, a := range order {
		if a.Paused || taken[a.ID] == a.Outstanding {
			continue
		}
		for _, b := range order[i+1:] {
			if taken[b.ID] == 0 {
				continue
			}
			if a.Cause == CauseFraud || b.Cause != CauseFraud || nonFraud != lim.NonFraud {
				fail("debt %q (%s, order %d) took %s while earlier %q (%s, order %d) could take more",
					b.ID, b.Cause, b.Order, taken[b.ID], a.ID, a.Cause, a.Order)
			}
		}
	}
}
