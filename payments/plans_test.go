package payments

import (
	"encoding/json"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/lifeline-gov/lifeline"
	"github.com/lifeline-gov/lifeline/claims"
	"github.com/lifeline-gov/lifeline/ledger"
	"github.com/lifeline-gov/lifeline/rules"
)

// A plan's schedule: instalments of the amount on the frequency's days, the
// last one smaller, until the total is repaid.
func TestPlanSchedule(t *testing.T) {
	for _, c := range []struct {
		name  string
		plan  planAgreed
		count int
		dues  []string // the first few due days
		last  rules.Money
		final string
	}{
		{"weekly", planAgreed{PlanTerms: PlanTerms{Amount: 2000, Frequency: FrequencyWeekly, Start: d("2026-10-26")}, Total: 22000},
			11, []string{"2026-10-26", "2026-11-02", "2026-11-09"}, 2000, "2027-01-04"},
		{"weekly, a smaller last instalment", planAgreed{PlanTerms: PlanTerms{Amount: 3000, Frequency: FrequencyWeekly, Start: d("2026-10-26")}, Total: 10000},
			4, []string{"2026-10-26", "2026-11-02", "2026-11-09", "2026-11-16"}, 1000, "2026-11-16"},
		{"4-weekly", planAgreed{PlanTerms: PlanTerms{Amount: 5000, Frequency: FrequencyFourWeekly, Start: d("2026-12-21")}, Total: 12000},
			3, []string{"2026-12-21", "2027-01-18", "2027-02-15"}, 2000, "2027-02-15"},
		{"monthly from the 31st: the month's last day when it is shorter", planAgreed{PlanTerms: PlanTerms{Amount: 1000, Frequency: FrequencyMonthly, Start: d("2027-01-31")}, Total: 4000},
			4, []string{"2027-01-31", "2027-02-28", "2027-03-31", "2027-04-30"}, 1000, "2027-04-30"},
		{"monthly across a leap February", planAgreed{PlanTerms: PlanTerms{Amount: 1000, Frequency: FrequencyMonthly, Start: d("2027-12-30")}, Total: 2500},
			3, []string{"2027-12-30", "2028-01-30", "2028-02-29"}, 500, "2028-02-29"},
		{"one instalment for more than is owed", planAgreed{PlanTerms: PlanTerms{Amount: 50000, Frequency: FrequencyMonthly, Start: d("2026-11-01")}, Total: 1234},
			1, []string{"2026-11-01"}, 1234, "2026-11-01"},
	} {
		p := c.plan
		if n := p.count(); n != c.count {
			t.Errorf("%s: %d instalments, want %d", c.name, n, c.count)
			continue
		}
		for k, want := range c.dues {
			if got := p.instalment(k).Due; got != d(want) {
				t.Errorf("%s: instalment %d due %s, want %s", c.name, k+1, got, want)
			}
		}
		last := p.instalment(c.count - 1)
		if last.Amount != c.last || last.Due != d(c.final) {
			t.Errorf("%s: last instalment %+v, want %s on %s", c.name, last, c.last, c.final)
		}
		var sum rules.Money
		for k := range c.count {
			sum += p.instalment(k).Amount
		}
		if sum != p.Total {
			t.Errorf("%s: instalments add up to %s, not the total %s", c.name, sum, p.Total)
		}
	}
}

// A plan as it stands on a day: payments count against the oldest
// instalment not yet paid; one due before the day and unpaid is missed; a
// plan ends when repaid, cancelled, or the debt is cleared.
func TestPlanAt(t *testing.T) {
	weekly := planAgreed{ID: 1, PlanTerms: PlanTerms{Amount: 2000, Frequency: FrequencyWeekly, Start: d("2026-10-26")}, Total: 7000, AgreedOn: d("2026-10-20")}
	pay := func(on string, amount rules.Money) PlanPayment {
		return PlanPayment{On: d(on), Amount: amount, Kind: "repayment", Transfer: "repaid/" + on}
	}
	type want struct {
		status                string
		paid, arrears, remain rules.Money
		paidN, missedN        int
		statuses              []string // of the instalments listed
		next                  int      // NextDue.N, 0 for none
		ended                 string
	}
	for _, c := range []struct {
		name        string
		pays        []PlanPayment
		cancelled   *planCancelled
		asAt        string
		outstanding rules.Money
		want        want
	}{
		{"before the first instalment", nil, nil, "2026-10-21", 7000,
			want{PlanActive, 0, 0, 7000, 0, 0, []string{InstalmentUpcoming}, 1, ""}},
		{"on the first instalment's day, unpaid: due, not missed", nil, nil, "2026-10-26", 7000,
			want{PlanActive, 0, 0, 7000, 0, 0, []string{InstalmentDue, InstalmentUpcoming}, 1, ""}},
		{"the day after, unpaid: missed", nil, nil, "2026-10-27", 7000,
			want{PlanActive, 0, 2000, 7000, 0, 1, []string{InstalmentMissed, InstalmentUpcoming}, 2, ""}},
		{"paid on time", []PlanPayment{pay("2026-10-26", 2000), pay("2026-11-02", 2000)}, nil, "2026-11-03", 7000,
			want{PlanActive, 4000, 0, 3000, 2, 0, []string{InstalmentPaid, InstalmentPaid, InstalmentUpcoming}, 3, ""}},
		{"a part payment: the rest is in arrears", []PlanPayment{pay("2026-10-26", 1500)}, nil, "2026-10-30", 7000,
			want{PlanActive, 1500, 500, 5500, 0, 1, []string{InstalmentMissed, InstalmentUpcoming}, 2, ""}},
		{"a late payment makes good the oldest missed instalment", []PlanPayment{pay("2026-11-04", 2000)}, nil, "2026-11-04", 7000,
			want{PlanActive, 2000, 2000, 5000, 1, 1, []string{InstalmentPaid, InstalmentMissed, InstalmentUpcoming}, 3, ""}},
		{"paid ahead: later instalments are paid", []PlanPayment{pay("2026-10-26", 6000)}, nil, "2026-10-27", 7000,
			want{PlanActive, 6000, 0, 1000, 3, 0, []string{InstalmentPaid, InstalmentPaid}, 4, ""}},
		{"payments after the day do not count", []PlanPayment{pay("2026-10-26", 2000), pay("2026-11-10", 5000)}, nil, "2026-11-03", 7000,
			want{PlanActive, 2000, 2000, 5000, 1, 1, []string{InstalmentPaid, InstalmentMissed, InstalmentUpcoming}, 3, ""}},
		{"repaid: completed on the day of the last payment", []PlanPayment{pay("2026-10-26", 2000), pay("2026-11-02", 5000)}, nil, "2026-12-01", 0,
			want{PlanCompleted, 7000, 0, 0, 4, 0, []string{InstalmentPaid, InstalmentPaid, InstalmentPaid, InstalmentPaid}, 0, "2026-11-02"}},
		{"the debt cleared otherwise (written off): completed", nil, nil, "2026-11-20", 0,
			want{PlanCompleted, 0, 0, 7000, 0, 0, []string{InstalmentMissed, InstalmentMissed, InstalmentMissed, InstalmentMissed}, 0, ""}},
		{"cancelled: no arrears owed", nil, &planCancelled{ID: 1, Reason: "back on benefit", On: d("2026-11-03")}, "2026-11-10", 7000,
			want{PlanCancelled, 0, 0, 7000, 0, 0, []string{InstalmentMissed, InstalmentMissed, InstalmentMissed, InstalmentUpcoming}, 0, "2026-11-03"}},
		{"as at a day before the cancellation: active", nil, &planCancelled{ID: 1, Reason: "x", On: d("2026-11-03")}, "2026-10-27", 7000,
			want{PlanActive, 0, 2000, 7000, 0, 1, []string{InstalmentMissed, InstalmentUpcoming}, 2, ""}},
	} {
		rec := &planRecord{planAgreed: weekly, cancelled: c.cancelled, payments: c.pays}
		pl := rec.at(d(c.asAt), c.outstanding)
		var statuses []string
		for _, in := range pl.Instalments {
			statuses = append(statuses, in.Status)
		}
		next := 0
		if pl.NextDue != nil {
			next = pl.NextDue.N
		}
		ended := ""
		if pl.EndedOn != 0 {
			ended = pl.EndedOn.String()
		}
		got := want{pl.Status, pl.Paid, pl.Arrears, pl.Remaining, pl.InstalmentsPaid, pl.InstalmentsMissed, statuses, next, ended}
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s:\n got %+v\nwant %+v", c.name, got, c.want)
		}
		if pl.InstalmentCount != 4 || pl.FinalDue != d("2026-11-16") {
			t.Errorf("%s: %d instalments, final due %s", c.name, pl.InstalmentCount, pl.FinalDue)
		}
	}
	// What a payment run may make good: instalments due by the day the
	// grace allows, less everything recorded so far, never more than owed.
	for _, c := range []struct {
		pays        []PlanPayment
		dueBy       string
		outstanding rules.Money
		want        rules.Money
	}{
		{nil, "2026-10-25", 7000, 0},
		{nil, "2026-10-26", 7000, 2000},
		{nil, "2026-11-02", 7000, 4000},
		{[]PlanPayment{pay("2026-11-08", 2000)}, "2026-11-02", 7000, 2000},
		{[]PlanPayment{pay("2026-11-08", 5000)}, "2026-11-02", 7000, 0},
		{nil, "2026-11-02", 1500, 1500},
	} {
		rec := &planRecord{planAgreed: weekly, payments: c.pays}
		if got := rec.arrearsForRun(c.outstanding, d(c.dueBy)); got != c.want {
			t.Errorf("arrears due by %s with %v, %s owed: %s, want %s", c.dueBy, c.pays, c.outstanding, got, c.want)
		}
	}
}

// Agreeing a plan refuses bad terms and records nothing when it does;
// the same key returns the same plan; only one plan is active at a time.
func TestAgreePlan(t *testing.T) {
	eachStore(t, func(t *testing.T, d *dept) {
		clock := time.Date(2026, 10, 20, 10, 0, 0, 0, time.UTC)
		debts := &Debts{Log: d.st, Ledger: d.st, Now: func() time.Time { return clock }}
		p := "person-plan-1"
		terms := PlanTerms{Amount: 2500, Frequency: FrequencyMonthly, Start: day("2026-11-01")}
		if _, err := debts.AgreePlan(t.Context(), p, "universal_credit", terms, ""); lifeline.ErrorCode(err) != lifeline.ECONFLICT {
			t.Errorf("a plan with nothing owed: %v, want ECONFLICT", err)
		}
		owe(t, d.st, p, "UC", 10000)
		version := func() int {
			events, err := d.st.ReadStream(t.Context(), debtStream(p, "universal_credit"), lifeline.StreamQuery{Limit: 100})
			if err != nil {
				t.Fatal(err)
			}
			return len(events)
		}
		for _, c := range []struct {
			name    string
			benefit string
			terms   PlanTerms
			code    string
			field   string
		}{
			{"no benefit", "jobseekers_allowance", terms, lifeline.EINVALID, "benefit"},
			{"nil amount", "universal_credit", PlanTerms{Frequency: FrequencyWeekly, Start: day("2026-11-01")}, lifeline.EINVALID, "amount"},
			{"negative amount", "universal_credit", PlanTerms{Amount: -1, Frequency: FrequencyWeekly, Start: day("2026-11-01")}, lifeline.EINVALID, "amount"},
			{"fortnightly", "universal_credit", PlanTerms{Amount: 100, Frequency: "fortnightly", Start: day("2026-11-01")}, lifeline.EINVALID, "frequency"},
			{"no start", "universal_credit", PlanTerms{Amount: 100, Frequency: FrequencyWeekly}, lifeline.EINVALID, "start"},
			{"start yesterday", "universal_credit", PlanTerms{Amount: 100, Frequency: FrequencyWeekly, Start: day("2026-10-19")}, lifeline.EINVALID, "start"},
			{"start over a year away", "universal_credit", PlanTerms{Amount: 100, Frequency: FrequencyWeekly, Start: day("2027-10-22")}, lifeline.EINVALID, "start"},
			{"a note too long", "universal_credit", PlanTerms{Amount: 100, Frequency: FrequencyWeekly, Start: day("2026-11-01"), Note: string(make([]byte, 501))}, lifeline.EINVALID, "note"},
			{"too many instalments", "universal_credit", PlanTerms{Amount: 1, Frequency: FrequencyWeekly, Start: day("2026-11-01")}, lifeline.EINVALID, "amount"},
		} {
			before := version()
			_, err := debts.AgreePlan(t.Context(), p, c.benefit, c.terms, "")
			if lifeline.ErrorCode(err) != c.code || lifeline.ErrorField(err) != c.field {
				t.Errorf("%s: %v, want %s on %s", c.name, err, c.code, c.field)
			}
			if after := version(); after != before {
				t.Errorf("%s: refused, yet %d events were recorded", c.name, after-before)
			}
		}
		pl, err := debts.AgreePlan(t.Context(), p, "universal_credit", terms, "k1")
		if err != nil {
			t.Fatal(err)
		}
		if pl.ID != 1 || pl.Total != 10000 || pl.InstalmentCount != 4 || pl.Status != PlanActive || pl.NextDue == nil || pl.NextDue.Due != day("2026-11-01") {
			t.Errorf("plan %+v", pl)
		}
		// A retry, even the next day, returns the same plan and records nothing.
		clock = clock.Add(24 * time.Hour)
		before := version()
		again, err := debts.AgreePlan(t.Context(), p, "universal_credit", terms, "k1")
		if err != nil || again.ID != 1 || version() != before {
			t.Errorf("retry: %+v %v, %d events recorded", again, err, version()-before)
		}
		if _, err := debts.AgreePlan(t.Context(), p, "universal_credit", PlanTerms{Amount: 5000, Frequency: FrequencyWeekly, Start: day("2026-11-01")}, "k1"); lifeline.ErrorCode(err) != lifeline.EIDEMPOTENCY {
			t.Errorf("the key reused on other terms: %v", err)
		}
		if _, err := debts.AgreePlan(t.Context(), p, "universal_credit", terms, "k2"); lifeline.ErrorCode(err) != lifeline.ECONFLICT {
			t.Errorf("a second plan while the first is active: %v", err)
		}
		// Cancelling: a reason is needed; a plan that is not there is not found;
		// cancelling twice is harmless; then another plan may be agreed.
		if _, err := debts.CancelPlan(t.Context(), p, "universal_credit", 1, ""); lifeline.ErrorField(err) != "reason" {
			t.Errorf("no reason: %v", err)
		}
		if _, err := debts.CancelPlan(t.Context(), p, "universal_credit", 7, "x"); lifeline.ErrorCode(err) != lifeline.ENOTFOUND {
			t.Errorf("plan 7: %v", err)
		}
		for range 2 {
			c, err := debts.CancelPlan(t.Context(), p, "universal_credit", 1, "the person is back on benefit")
			if err != nil || c.Status != PlanCancelled || c.EndedOn != day("2026-10-21") {
				t.Errorf("cancel: %+v %v", c, err)
			}
		}
		two, err := debts.AgreePlan(t.Context(), p, "universal_credit", PlanTerms{Amount: 4000, Frequency: FrequencyFourWeekly, Start: day("2026-10-21")}, "k2")
		if err != nil || two.ID != 2 || two.InstalmentCount != 3 {
			t.Fatalf("second plan: %+v %v", two, err)
		}
		plans, err := debts.Plans(t.Context(), p, "universal_credit", 0)
		if err != nil || len(plans) != 2 || plans[0].Status != PlanCancelled || plans[1].Status != PlanActive {
			t.Errorf("plans: %+v %v", plans, err)
		}
		// A direct repayment counts against the active plan, once however often
		// it is recorded; repaying the rest ends the plan.
		for range 2 {
			if err := debts.Repaid(t.Context(), p, "universal_credit", 4000, "r1", "card"); err != nil {
				t.Fatal(err)
			}
		}
		clock = clock.Add(28 * 24 * time.Hour)
		plans, _ = debts.Plans(t.Context(), p, "universal_credit", 0)
		if pl := plans[1]; pl.Paid != 4000 || pl.InstalmentsPaid != 1 || pl.InstalmentsMissed != 0 || pl.Arrears != 0 || len(pl.Payments) != 1 {
			t.Errorf("after one repayment: %+v", pl)
		}
		if err := debts.Repaid(t.Context(), p, "universal_credit", 6000, "r2", "card"); err != nil {
			t.Fatal(err)
		}
		plans, _ = debts.Plans(t.Context(), p, "universal_credit", 0)
		if pl := plans[1]; pl.Status != PlanCompleted || pl.Remaining != 0 || pl.DebtOutstanding != 0 {
			t.Errorf("repaid in full: %+v", pl)
		}
		if _, err := debts.CancelPlan(t.Context(), p, "universal_credit", 2, "x"); lifeline.ErrorCode(err) != lifeline.ECONFLICT {
			t.Errorf("cancelling a completed plan: %v", err)
		}
	})
}

// owe raises a debt in the ledger directly, as an overpayment found after
// a period was paid does.
func owe(t *testing.T, st ledger.Store, person, code string, amount rules.Money) {
	t.Helper()
	applied, err := st.Post(t.Context(), ledger.Batch{{ID: ledger.ID(fmt.Sprintf("test-overpayment/%s/%s/%d", code, person, amount)),
		Debit:  ledger.AccountID{Kind: ledger.Debt, Benefit: code, Owner: person},
		Credit: ledger.AccountID{Kind: ledger.Expense, Benefit: code}, Amount: int64(amount), Code: "overpayment",
		Time: time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)}})
	if err == nil {
		err = applied.Err()
	}
	if err != nil {
		t.Fatal(err)
	}
}

// A plan and benefit at once: the run deducts nothing while the plan is up
// to date, makes good a missed instalment (no more) once the grace is past,
// and what it deducts counts against the plan, so nobody pays twice; a
// cancelled plan lets deductions resume at the usual rate.
func TestPlanPausesDeductions(t *testing.T) {
	eachStore(t, func(t *testing.T, d *dept) {
		clock := time.Date(2026, 10, 20, 10, 0, 0, 0, time.UTC)
		debts := &Debts{Log: d.st, Ledger: d.st, Now: func() time.Time { return clock }}
		d.run.Debts = debts
		upToDate, behind, cancelled := d.claimant("2026-08-03"), d.claimant("2026-08-03"), d.claimant("2026-08-03")
		d.payrun("2026-10-12") // pays the periods from 3 August and 3 September
		for _, p := range []string{upToDate, behind, cancelled} {
			if _, err := d.svc.RecordLifeEvent(t.Context(), claims.LifeEventReport{Type: claims.EarningsReported, PersonID: p, OccurredOn: "2026-08-20",
				Data: json.RawMessage(`{"employer_paye_reference":"1/A","amount":"400.00"}`)}, ""); err != nil {
				t.Fatal(err)
			}
		}
		d.process()
		if rep := d.payrun("2026-10-20"); rep.Payments != 0 { // raises the debts; nothing is due
			t.Fatalf("run of 20 October: %+v", rep)
		}
		terms := PlanTerms{Amount: 2000, Frequency: FrequencyWeekly, Start: day("2026-10-26")}
		for _, p := range []string{upToDate, behind, cancelled} {
			pl, err := debts.AgreePlan(t.Context(), p, "universal_credit", terms, "")
			if err != nil {
				t.Fatal(err)
			}
			if pl.Total != 22000 || pl.InstalmentCount != 11 {
				t.Fatalf("plan %+v, want £220 in 11 weekly instalments", pl)
			}
		}
		if _, err := debts.CancelPlan(t.Context(), cancelled, "universal_credit", 1, "asked to repay from benefit"); err != nil {
			t.Fatal(err)
		}
		for i, on := range []time.Time{time.Date(2026, 10, 26, 9, 0, 0, 0, time.UTC), time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)} {
			clock = on
			if err := debts.Repaid(t.Context(), upToDate, "universal_credit", 2000, fmt.Sprint("w", i), "standing order"); err != nil {
				t.Fatal(err)
			}
		}
		clock = time.Date(2026, 11, 6, 9, 0, 0, 0, time.UTC)
		deducted := map[string]rules.Money{}
		rep := d.payrun("2026-11-09") // pays the period from 3 October
		for _, p := range mustManifest(t, rep) {
			deducted[p.PersonID] = p.Deducted
		}
		// Instalments due by 2 November (the pay day less 7 days' grace): two.
		if deducted[upToDate] != 0 {
			t.Errorf("plan up to date, yet %s was deducted", deducted[upToDate])
		}
		if deducted[behind] != 4000 {
			t.Errorf("two instalments missed: deducted %s, want 40.00 (the arrears, within the 63.73 cap)", deducted[behind])
		}
		if deducted[cancelled] != 6373 {
			t.Errorf("plan cancelled: deducted %s, want the usual 15%% (63.73)", deducted[cancelled])
		}
		// The run again, as a retry: nothing more is deducted or counted.
		d.payrun("2026-11-09")
		for _, c := range []struct {
			person string
			paid   rules.Money
			status []string
		}{
			{upToDate, 4000, []string{InstalmentPaid, InstalmentPaid, InstalmentDue, InstalmentUpcoming}},
			{behind, 4000, []string{InstalmentPaid, InstalmentPaid, InstalmentDue, InstalmentUpcoming}},
		} {
			plans, err := debts.Plans(t.Context(), c.person, "universal_credit", day("2026-11-09"))
			if err != nil || len(plans) != 1 {
				t.Fatalf("plans %+v %v", plans, err)
			}
			pl := plans[0]
			var status []string
			for _, in := range pl.Instalments {
				status = append(status, in.Status)
			}
			if pl.Paid != c.paid || pl.Arrears != 0 || !reflect.DeepEqual(status, c.status) || pl.DebtOutstanding != 22000-c.paid {
				t.Errorf("plan as at 9 November: paid %s arrears %s instalments %v outstanding %s", pl.Paid, pl.Arrears, status, pl.DebtOutstanding)
			}
		}
		// The deduction was recorded once in the debt's stream.
		events, _ := d.st.ReadStream(t.Context(), debtStream(behind, "universal_credit"), lifeline.StreamQuery{Limit: 100})
		n := 0
		for _, e := range events {
			if e.Type == eventDeducted {
				n++
			}
		}
		if n != 1 {
			t.Errorf("%d deduction events, want 1", n)
		}
	})
}
