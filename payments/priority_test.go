package payments

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lifeline-gov/lifeline"
	"github.com/lifeline-gov/lifeline/claims"
	"github.com/lifeline-gov/lifeline/ledger"
	"github.com/lifeline-gov/lifeline/rules"
)

func TestRecoveryOrderParams(t *testing.T) {
	o, err := parseOrder(orderFile)
	if err != nil {
		t.Fatal(err)
	}
	rank, err := o.priorityAt(d("2026-01-01"))
	if err != nil {
		t.Fatal(err)
	}
	if !(rank[CauseFraud] < rank[CauseClaimantError] && rank[CauseClaimantError] == rank[CauseOfficialError]) {
		t.Errorf("ranks %v: want fraud first, then claimant and official error together", rank)
	}
	home, err := o.homeAt(d("2026-01-01"))
	if err != nil || home.benefits[0] != "universal_credit" || slices.Contains(home.debtsOf, "child_benefit") || slices.Contains(home.debtsOf, "bereavement_support_payment") {
		t.Errorf("home benefits %+v %v", home, err)
	}
	if g, err := o.graceAt(d("2026-01-01")); err != nil || g != 7 {
		t.Errorf("grace %d %v", g, err)
	}
	if _, err := o.priorityAt(d("2013-04-28")); lifeline.ErrorCode(err) != lifeline.EINVALID {
		t.Errorf("before the first value: %v", err)
	}
	// Each broken file is refused, naming what is wrong.
	good := string(orderFile)
	for name, c := range map[string]struct{ from, to, want string }{
		"a cause in two categories": {"causes: [claimant-error, official-error]", "causes: [claimant-error, official-error, fraud]", "two categories"},
		"a cause in none":           {"causes: [claimant-error, official-error]", "causes: [claimant-error]", "in no category"},
		"an unknown cause":          {"causes: [fraud]", "causes: [fraud, mistake]", `no cause "mistake"`},
		"an unknown benefit":        {"benefits: [universal_credit,", "benefits: [jobseekers_allowance,", "unknown"},
		"Child Benefit as a home":   {"benefits: [universal_credit,", "benefits: [child_benefit,", "nothing may be deducted"},
		"no source":                 {"      source: \"Our decision. A run", "      src: \"Our decision. A run", "src"},
		"an unknown parameter":      {"recovery.plan_grace_days:", "recovery.plan_grace_weeks:", "plan_grace_weeks"},
		"grace out of range":        {"value: 7", "value: 365", "0 to 90"},
	} {
		bad := strings.Replace(good, c.from, c.to, 1)
		if bad == good {
			t.Fatalf("%s: %q is not in the file", name, c.from)
		}
		if _, err := parseOrder([]byte(bad)); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want an error about %q", name, err, c.want)
		}
	}
}

// Which payment recovers a debt: its own benefit's, on its own pay day,
// while the person has it; else the first home benefit they have a live
// award of, on that benefit's pay day; never two at once.
func TestHomeOf(t *testing.T) {
	o, err := loadOrder()
	if err != nil {
		t.Fatal(err)
	}
	homes, _ := o.homeAt(d("2026-01-01"))
	set := func(bs ...string) map[string]bool {
		m := map[string]bool{}
		for _, b := range bs {
			m[b] = true
		}
		return m
	}
	pay := func(bs ...string) map[string]*payment {
		m := map[string]*payment{}
		for _, b := range bs {
			m[b] = &payment{}
		}
		return m
	}
	for _, c := range []struct {
		name    string
		debt    string
		paying  map[string]*payment
		waiting map[string]bool
		live    map[string]bool
		want    string
	}{
		{"own benefit paid now", "universal_credit", pay("universal_credit", "pip"), set(), set("universal_credit", "pip"), "universal_credit"},
		{"own benefit live, paid another day", "universal_credit", pay("pip"), set(), set("universal_credit", "pip"), ""},
		{"own benefit's payment held", "pip", pay("universal_credit"), set("pip"), set("universal_credit", "pip"), ""},
		{"own benefit ended, its last payment now", "pip", pay("pip", "universal_credit"), set(), set("universal_credit"), "pip"},
		{"own benefit ended: Universal Credit takes it", "pip", pay("universal_credit", "state_pension"), set(), set("universal_credit", "state_pension"), "universal_credit"},
		{"own benefit ended: UC takes it, but on its own pay day", "pip", pay("state_pension"), set(), set("universal_credit", "state_pension"), ""},
		{"own benefit ended, no UC: Pension Credit before State Pension", "attendance_allowance", pay("state_pension", "pension_credit"), set(), set("state_pension", "pension_credit"), "pension_credit"},
		{"nothing live: the first paid now", "carers_allowance", pay("state_pension"), set(), set(), "state_pension"},
		{"a Child Benefit debt never moves", "child_benefit", pay("universal_credit"), set(), set("universal_credit"), ""},
		{"a Bereavement Support Payment debt never moves", "bereavement_support_payment", pay("universal_credit"), set(), set("universal_credit"), ""},
		{"nothing paid now", "pip", pay(), set(), set("universal_credit"), ""},
	} {
		if got := homeOf(c.debt, homes, c.paying, c.waiting, c.live); got != c.want {
			t.Errorf("%s: %q, want %q", c.name, got, c.want)
		}
	}
}

// fakeClaims serves awards and payees from memory, for runs that need
// awards the claims service does not make (an ended award of another
// benefit).
type fakeClaims struct {
	awards []*claims.Award
	payees map[string]claims.Payee
}

func (f *fakeClaims) AwardIDs(_ context.Context, skip int64, limit int) ([]string, error) {
	var ids []string
	for i := int(skip); i < len(f.awards) && len(ids) < limit; i++ {
		ids = append(ids, f.awards[i].ID)
	}
	return ids, nil
}

func (f *fakeClaims) Award(_ context.Context, id string, _ time.Time) (*claims.Award, error) {
	for _, a := range f.awards {
		if a.ID == id {
			return a, nil
		}
	}
	return nil, lifeline.Errorf(lifeline.ENOTFOUND, "no award %s", id)
}

func (f *fakeClaims) Payee(_ context.Context, person string, _ rules.Date) (claims.Payee, error) {
	return f.payees[person], nil
}

// A payment of Universal Credit recovers the person's debt of a benefit
// they no longer get (PIP) as well as its own, in the legal order: a fraud
// debt before an ordinary one, whichever benefit it is of; among ordinary
// debts, Universal Credit's own first. The caps hold for the payment as a
// whole.
func TestRunRecoversSeveralDebtsInPriorityOrder(t *testing.T) {
	for _, s := range stores {
		t.Run(s.name, func(t *testing.T) {
			st := s.open(t)
			const sa = 40014
			fc := &fakeClaims{payees: map[string]claims.Payee{}}
			for i, p := range []string{"person-fraud-pip", "person-plain-pip", "person-small-fraud"} {
				fc.payees[p] = claims.Payee{PersonID: p, NINO: fmt.Sprintf("QQ12345%dC", i), Name: "P TEST",
					Bank: &claims.BankAccount{SortCode: "089999", AccountNumber: "66374958", HolderName: "P TEST"}}
				fc.awards = append(fc.awards,
					&claims.Award{ID: "award-uc-" + p, Benefit: "universal_credit", Claimants: []string{p}, Start: d("2026-10-03"), Decision: "dec-uc-" + p, Status: "live",
						Periods: []claims.Period{{N: 1, Start: d("2026-10-03"), End: d("2026-11-02"), Amount: 80000,
							Explanation: &claims.Explanation{Eligible: true, Breakdown: []claims.BreakdownLine{{Key: "standard_allowance", Amount: sa}}}}}},
					&claims.Award{ID: "award-pip-" + p, Benefit: "pip", Claimants: []string{p}, Start: d("2025-01-06"), Decision: "dec-pip-" + p, Status: "ended", EndsOn: d("2026-06-30")})
			}
			debts := &Debts{Log: st, Ledger: st, Now: func() time.Time { return time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC) }}
			r := &Runner{Claims: fc, Ledger: st, Dir: t.TempDir(), Debts: debts,
				Originator: Originator{Name: "LIFELINE TEST", ServiceUserNumber: "999999", Account: Account{SortCode: "089999", Number: "66374958", Name: "LIFELINE TEST"}}}
			owe(t, st, "person-fraud-pip", "UC", 100000)
			owe(t, st, "person-fraud-pip", "PIP", 50000)
			owe(t, st, "person-plain-pip", "UC", 2000)
			owe(t, st, "person-plain-pip", "PIP", 100000)
			owe(t, st, "person-small-fraud", "UC", 100000)
			owe(t, st, "person-small-fraud", "PIP", 5000)
			for _, p := range []string{"person-fraud-pip", "person-small-fraud"} {
				if err := debts.Decide(t.Context(), p, "pip", DebtDecision{Cause: CauseFraud, Recoverable: true}); err != nil {
					t.Fatal(err)
				}
			}
			if err := debts.Decide(t.Context(), "person-plain-pip", "universal_credit", DebtDecision{Cause: CauseOfficialError, Recoverable: true}); err != nil {
				t.Fatal(err)
			}
			rep, err := r.Run(t.Context(), d("2026-11-09"))
			if err != nil {
				t.Fatal(err)
			}
			want := map[string][]Recovery{ // as the manifest lists them: by the debt's benefit
				// Fraud first takes the whole 40% (160.05): the UC debt waits.
				"person-fraud-pip": {{"pip", 16005}},
				// Both ordinary: UC's own first (20.00), then PIP's to the 15% (40.02).
				"person-plain-pip": {{"pip", 4002}, {"universal_credit", 2000}},
				// The small fraud debt, then the UC debt within the 15%.
				"person-small-fraud": {{"pip", 5000}, {"universal_credit", 6002}},
			}
			manifest := mustManifest(t, rep)
			if len(manifest) != 3 {
				t.Fatalf("manifest %+v", manifest)
			}
			for _, p := range manifest {
				var sum rules.Money
				for _, x := range p.Recoveries {
					sum += x.Amount
				}
				if !reflect.DeepEqual(p.Recoveries, want[p.PersonID]) || sum != p.Deducted || p.Amount+p.Deducted != 80000 {
					t.Errorf("%s: recovered %v (deducted %s, paid %s), want %v", p.PersonID, p.Recoveries, p.Deducted, p.Amount, want[p.PersonID])
				}
				if p.Deducted > sa*40/100 {
					t.Errorf("%s: deducted %s, over 40%% of the standard allowance", p.PersonID, p.Deducted)
				}
			}
			// The ledger moved each recovery to its own debt.
			pip, _ := st.Balance(t.Context(), ledger.AccountID{Kind: ledger.Debt, Benefit: "PIP", Owner: "person-fraud-pip"})
			uc, _ := st.Balance(t.Context(), ledger.AccountID{Kind: ledger.Debt, Benefit: "UC", Owner: "person-fraud-pip"})
			if pip.Net() != 50000-16005 || uc.Net() != 100000 {
				t.Errorf("debts after the run: PIP %d, UC %d", pip.Net(), uc.Net())
			}
			files := readAll(t, rep.Files)
			// A rerun pays once, reports the same recoveries and writes the
			// same files.
			again, err := r.Run(t.Context(), d("2026-11-09"))
			if err != nil {
				t.Fatal(err)
			}
			if again.Repeated != 3 || again.Deducted != rep.Deducted {
				t.Errorf("rerun %+v, first %+v", again, rep)
			}
			for name, b := range readAll(t, again.Files) {
				if !bytes.Equal(b, files[name]) {
					t.Errorf("the rerun's %s differs", name)
				}
			}
			tb, err := st.TrialBalance(t.Context())
			if err != nil || tb.Total.Net() != 0 {
				t.Errorf("trial balance %+v %v", tb.Total, err)
			}
		})
	}
}

// For any sequence of payments to a person with several debts, whatever
// their causes, new debts, hardship pauses and direct repayments between
// them: no period's deductions exceed the caps, each leaves the minimum
// payment, no debt is recovered past what it owes, and every period follows
// the legal priority order.
func TestRecoveryNeverExceedsTheCapInAnyPeriod(t *testing.T) {
	rng := rand.New(rand.NewPCG(2026, 5))
	causes := []string{CauseClaimantError, CauseOfficialError, CauseFraud}
	type plan struct {
		benefit string
		step    int // days between payments
	}
	plans := []plan{{"universal_credit", 30}, {"pension_credit", 28}, {"state_pension", 28}, {"carers_allowance", 28}, {"pip", 28}, {"attendance_allowance", 28}}
	for iter := range 2000 {
		pl := plans[rng.IntN(len(plans))]
		day := d("2024-01-01").AddDays(rng.IntN(3 * 365))
		sa := rules.Money(20000 + rng.IntN(60000))
		type debt struct {
			Debt
			raised, recovered, repaid rules.Money
		}
		var debts []*debt
		add := func() {
			amt := rules.Money(1 + rng.IntN(80000))
			debts = append(debts, &debt{Debt: Debt{ID: fmt.Sprintf("d%d", len(debts)), Cause: causes[rng.IntN(len(causes))], Order: rng.IntN(3)}, raised: amt})
		}
		for range 1 + rng.IntN(4) {
			add()
		}
		for period := range 24 {
			if rng.IntN(6) == 0 {
				add() // a new overpayment found
			}
			var in []Debt
			for _, x := range debts {
				x.Outstanding = x.raised - x.recovered - x.repaid
				x.Paused = rng.IntN(8) == 0
				in = append(in, x.Debt)
			}
			rng.Shuffle(len(in), func(i, j int) { in[i], in[j] = in[j], in[i] })
			gross := rules.Money(rng.IntN(150000))
			if rng.IntN(8) == 0 {
				gross = rules.Money(rng.IntN(100))
			}
			got, err := Deductions(pl.benefit, day, gross, sa, in)
			if err != nil {
				t.Fatalf("iteration %d period %d: %v", iter, period, err)
			}
			lim, _ := RecoveryLimits(pl.benefit, day, sa, DefaultWeeks)
			rank, _ := priorityOn(day)
			fail := func(format string, args ...any) {
				t.Fatalf("iteration %d, period %d (%s %s, gross %s, sa %s, debts %+v → %v): "+format,
					append([]any{iter, period, pl.benefit, day, gross, sa, in, got}, args...)...)
			}
			taken := map[string]rules.Money{}
			var total, nonFraud rules.Money
			for _, x := range got {
				i := slices.IndexFunc(debts, func(y *debt) bool { return y.ID == x.DebtID })
				if i < 0 || x.Amount <= 0 || debts[i].Paused || x.Amount > debts[i].Outstanding {
					fail("deduction %v", x)
				}
				taken[x.DebtID] += x.Amount
				total += x.Amount
				if debts[i].Cause != CauseFraud {
					nonFraud += x.Amount
				}
				debts[i].recovered += x.Amount
			}
			switch {
			case total > lim.Total || nonFraud > lim.NonFraud:
				fail("took %s (%s not for fraud), over the caps %+v", total, nonFraud, lim)
			case total > 0 && gross-total < lim.MinPaid:
				fail("left %s of the payment, less than %s", gross-total, lim.MinPaid)
			case pl.benefit == "universal_credit" && total > sa*40/100:
				fail("took %s, over 40%% of the standard allowance", total)
			}
			checkOrder(fail, rank, in, taken, nonFraud, lim)
			for _, x := range debts {
				if x.recovered+x.repaid > x.raised {
					fail("debt %s recovered %s and repaid %s of %s", x.ID, x.recovered, x.repaid, x.raised)
				}
				if left := x.raised - x.recovered - x.repaid; left > 0 && rng.IntN(10) == 0 {
					x.repaid += rules.Money(1 + rng.IntN(int(left))) // a direct repayment
				}
			}
			day = day.AddDays(pl.step)
		}
	}
}
