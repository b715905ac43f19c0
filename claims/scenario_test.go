package claims_test

import (
	"testing"

	"github.com/lifeline-gov/lifeline"
	"github.com/lifeline-gov/lifeline/claims"
	"github.com/lifeline-gov/lifeline/rules"
)

// Two single claimants start living together on 15 August 2026 and report it
// three months late. Each single award ends from the start of its own
// assessment period in which they became a couple; what was paid for those
// periods is overpaid; a joint award starts on the earlier cycle.
func TestScenarioPartnerMovesInReportedLate(t *testing.T) {
	eachStore(t, func(t *testing.T, st store) {
		a := start(t, st)
		ann := a.person("Ann", "1985-03-02")
		ben := a.person("Ben", "1983-07-19")
		annUC := a.awarded("universal_credit", []string{ann}, "2026-05-04")
		benUC := a.awarded("universal_credit", []string{ben}, "2026-06-10")
		a.event(claims.EarningsReported, ben, "2026-08-28", map[string]any{"employer_paye_reference": "123/AB456", "amount": "600.00"})
		benUC = a.award(benUC.ID)

		v := a.event(claims.PartnerMovedIn, ann, "2026-08-15", map[string]any{"partner_id": ben})

		// Ann's periods start on the 4th, Ben's on the 10th: the joint award
		// takes the earlier cycle, 4 August.
		annAfter, benAfter := a.award(annUC.ID), a.award(benUC.ID)
		for _, c := range []struct {
			name    string
			before  claims.Award
			after   claims.Award
			endsOn  string
			stopped []string // periods removed that had been due
		}{
			{"Ann", annUC, annAfter, "2026-08-03", []string{"2026-08-04", "2026-09-04", "2026-10-04"}},
			{"Ben", benUC, benAfter, "2026-08-09", []string{"2026-08-10", "2026-09-10", "2026-10-10"}},
		} {
			if c.after.Status != "ended" || c.after.EndsOn.String() != c.endsOn {
				t.Errorf("%s's single award: status %s ending %s, want ended on %s", c.name, c.after.Status, c.after.EndsOn, c.endsOn)
			}
			var want rules.Money
			for _, s := range c.stopped {
				want += periodStarting(t, c.before, s).Amount
			}
			o := outcomeFor(t, v, c.before.ID)
			if o.Outcome != claims.Stopped || o.Amount != want || want == 0 {
				t.Errorf("%s's outcome: %s %s, want stopped with %s overpaid (the periods %v)", c.name, o.Outcome, o.Amount, want, c.stopped)
			}
			last := c.after.Revisions[len(c.after.Revisions)-1]
			if last.Overpayment != want || last.Cause != v.ID {
				t.Errorf("%s's revision: overpayment %s caused by %s, want %s caused by %s", c.name, last.Overpayment, last.Cause, want, v.ID)
			}
			for _, p := range c.after.Periods {
				if p.End.String() > c.endsOn {
					t.Errorf("%s's ended award still has the period from %s", c.name, p.Start)
				}
			}
		}
		var joint claims.Outcome
		for _, o := range v.Outcomes {
			if o.Outcome == claims.Started {
				joint = o
			}
		}
		if joint.AwardID == "" {
			t.Fatalf("no joint award started: %+v", v.Outcomes)
		}
		j := a.award(joint.AwardID)
		if j.Start.String() != "2026-08-04" || len(j.Claimants) != 2 || j.Benefit != "universal_credit" {
			t.Fatalf("joint award: %s from %s for %v, want universal_credit from 2026-08-04 for two", j.Benefit, j.Start, j.Claimants)
		}
		// Each joint period is the couple's standard allowance less 55% of
		// Ben's earnings in it (no work allowance: no children or LCWRA).
		couple, _, _ := claimsParams().Source("universal_credit.standard_allowance.couple_one_or_both_25_or_over", rules.MakeDate(2026, 8, 4))
		aug := periodStarting(t, j, "2026-08-04")
		if want := money(t, couple) - money(t, "330.00"); aug.Amount != want {
			t.Errorf("joint award, August period: %s, want %s (couple rate %s less 55%% of £600 earnings)", aug.Amount, want, couple)
		}
		if sep := periodStarting(t, j, "2026-09-04"); sep.Amount != money(t, couple) {
			t.Errorf("joint award, September period: %s, want the couple rate %s", sep.Amount, couple)
		}
		var arrears rules.Money
		for _, p := range j.Periods {
			if p.End.String() < "2026-11-23" {
				arrears += p.Amount
			}
		}
		if joint.Amount != arrears {
			t.Errorf("joint award outcome: %s due, want %s (the periods already ended)", joint.Amount, arrears)
		}
		// Both people now list the joint award.
		for _, p := range []string{ann, ben} {
			var got struct{ Awards []claims.Award }
			a.call("GET", "/v1/people/"+p+"/awards", nil, "", 200, &got)
			found := false
			for _, aw := range got.Awards {
				found = found || aw.ID == j.ID
			}
			if !found {
				t.Errorf("person %s does not list the joint award", p)
			}
		}
	})
}

// A child born on 20 July 2026 adds the child element from the assessment
// period that contains the birth, and no earlier; the periods already paid
// are underpaid by that much each.
func TestScenarioBirthAddsChildElement(t *testing.T) {
	eachStore(t, func(t *testing.T, st store) {
		a := start(t, st)
		cat := a.person("Cat", "1995-01-30")
		uc := a.awarded("universal_credit", []string{cat}, "2026-04-15")
		v := a.event(claims.ChildBorn, cat, "2026-07-20", map[string]any{"name": "Dot"})
		after := a.award(uc.ID)
		element, _, _ := claimsParams().Source("universal_credit.child.other", rules.MakeDate(2026, 7, 15))
		child := money(t, element)
		for _, p := range after.Periods {
			before := periodStarting(t, uc, p.Start.String())
			want := before.Amount
			if p.Start.String() >= "2026-07-15" {
				want += child
			}
			if p.Amount != want {
				t.Errorf("period from %s: %s, want %s", p.Start, p.Amount, want)
			}
		}
		o := outcomeFor(t, v, uc.ID)
		// Due already: the periods from 15 July, 15 August, 15 September and 15 October.
		if o.Outcome != claims.Underpaid || o.Amount != 4*child {
			t.Errorf("outcome %s %s, want underpayment of 4 x %s", o.Outcome, o.Amount, child)
		}
		var p claims.PersonView
		a.call("GET", "/v1/people/"+cat, nil, "", 200, &p)
		if len(p.Children) != 1 || p.Children[0].DateOfBirth.String() != "2026-07-20" {
			t.Errorf("children: %+v", p.Children)
		}
		// Before the birth was recorded, we believed there was no child.
		a.call("GET", "/v1/people/"+cat+"?as_at="+v.RecordedAt.Add(-1).Format("2006-01-02T15:04:05.999999999Z07:00"), nil, "", 200, &p)
		if len(p.Children) != 0 {
			t.Errorf("as at just before the report: children %+v, want none", p.Children)
		}
	})
}

// A death stops every award of the person: State Pension is paid up to the
// day of death (the last week for the days it covers) and nothing after;
// Universal Credit of a single claimant is not paid for the assessment
// period of the death.
func TestScenarioDeathStopsEveryAward(t *testing.T) {
	eachStore(t, func(t *testing.T, st store) {
		a := start(t, st)
		dan := a.person("Dan", "1955-02-11")
		a.event(claims.NIRecordUpdated, dan, "2026-05-01", map[string]any{"qualifying_years": 35})
		a.event(claims.DisabilityAssessed, dan, "2026-05-01", map[string]any{"attendance_needs": "day-and-night"})
		sp := a.awarded("state_pension", []string{dan}, "2026-06-01")
		aa := a.awarded("attendance_allowance", []string{dan}, "2026-06-01")
		eve := a.person("Eve", "1990-10-10")
		uc := a.awarded("universal_credit", []string{eve}, "2026-06-05")

		v := a.event(claims.Death, dan, "2026-10-07", nil)
		for _, aw := range []claims.Award{sp, aa} {
			after := a.award(aw.ID)
			if after.Status != "ended" || after.EndsOn.String() != "2026-10-07" {
				t.Errorf("%s: %s ending %s, want ended on 2026-10-07", aw.Benefit, after.Status, after.EndsOn)
			}
			last := after.Periods[len(after.Periods)-1]
			weekly := periodStarting(t, aw, last.Start.String()).Amount
			// Weeks start on Mondays from 1 June; the death is on the Wednesday
			// of the week from 5 October: three of its seven days.
			if last.Start.String() != "2026-10-05" || last.End.String() != "2026-10-07" || last.Amount != (weekly*3+3)/7 {
				t.Errorf("%s last period %s to %s: %s, want 2026-10-05 to 2026-10-07 at 3/7 of %s", aw.Benefit, last.Start, last.End, last.Amount, weekly)
			}
			if o := outcomeFor(t, v, aw.ID); o.Outcome != claims.Stopped || o.Amount == 0 {
				t.Errorf("%s outcome %s %s, want stopped with the weeks after the death overpaid", aw.Benefit, o.Outcome, o.Amount)
			}
		}
		// Eve's assessment periods start on the 5th; she dies on 20 September.
		a.event(claims.Death, eve, "2026-09-20", nil)
		after := a.award(uc.ID)
		if after.EndsOn.String() != "2026-09-04" {
			t.Errorf("UC ends on %s, want 2026-09-04: nothing for the period of the death", after.EndsOn)
		}
		for _, p := range after.Periods {
			if p.Start.String() >= "2026-09-05" {
				t.Errorf("UC still has the period from %s", p.Start)
			}
		}
		// Nothing can be reported about a person after their death.
		a.call("POST", "/v1/life-events", map[string]any{"type": claims.CapitalChanged, "person_id": eve, "occurred_on": "2026-10-01", "data": map[string]any{"amount": "100.00"}}, "", 409, nil)
	})
}

// Earnings reported by HMRC lower the award for the assessment period in
// which they were paid; the period had been paid, so it is overpaid.
func TestScenarioEarningsLowerAnAward(t *testing.T) {
	eachStore(t, func(t *testing.T, st store) {
		a := start(t, st)
		fay := a.person("Fay", "1980-12-01")
		uc := a.awarded("universal_credit", []string{fay}, "2026-05-01")
		v := a.event(claims.EarningsReported, fay, "2026-09-25", map[string]any{"employer_paye_reference": "123/AB456", "amount": "400.00"})
		after := a.award(uc.ID)
		sep := periodStarting(t, after, "2026-09-01")
		want := periodStarting(t, uc, "2026-09-01").Amount - money(t, "220.00") // 55% of £400
		if sep.Amount != want {
			t.Errorf("September period: %s, want %s", sep.Amount, want)
		}
		if oct := periodStarting(t, after, "2026-10-01"); oct.Amount != periodStarting(t, uc, "2026-10-01").Amount {
			t.Errorf("October period changed to %s: earnings count in the period they are paid", oct.Amount)
		}
		if o := outcomeFor(t, v, uc.ID); o.Outcome != claims.Overpaid || o.Amount != money(t, "220.00") {
			t.Errorf("outcome %s %s, want overpayment of 220.00", o.Outcome, o.Amount)
		}
		if sep.Explanation == nil || len(sep.Explanation.Reasons) == 0 || sep.RulesVersion == "" || sep.InputsHash == "" {
			t.Errorf("period has no explanation, rules version or inputs hash: %+v", sep)
		}
	})
}

// The same event sent twice with one Idempotency-Key is recorded once, and
// processing it twice revises nothing twice.
func TestScenarioSameEventTwice(t *testing.T) {
	eachStore(t, func(t *testing.T, st store) {
		a := start(t, st)
		gus := a.person("Gus", "1988-04-04")
		uc := a.awarded("universal_credit", []string{gus}, "2026-06-01")
		data := map[string]any{"employer_paye_reference": "9/Z1", "amount": "250.00"}
		first := a.report(claims.EarningsReported, gus, "2026-07-20", data, "rti-2026-07-gus")
		second := a.report(claims.EarningsReported, gus, "2026-07-20", data, "rti-2026-07-gus")
		if first.ID != second.ID {
			t.Fatalf("a retry made a second event: %s and %s", first.ID, second.ID)
		}
		a.processed(first.ID)
		// Deliver it to the processor again, as after a restart.
		e, err := st.ReadEvent(t.Context(), first.ID)
		if err != nil {
			t.Fatal(err)
		}
		if err := a.svc.HandleBatch(t.Context(), []lifeline.Event{e}); err != nil {
			t.Fatal(err)
		}
		after := a.award(uc.ID)
		if len(after.Revisions) != 1 {
			t.Errorf("%d revisions, want 1", len(after.Revisions))
		}
		var p claims.PersonView
		a.call("GET", "/v1/people/"+gus, nil, "", 200, &p)
		if len(p.Earnings) != 1 {
			t.Errorf("%d earnings recorded, want 1", len(p.Earnings))
		}
		// The same key for a different report is refused.
		a.call("POST", "/v1/life-events", map[string]any{"type": claims.EarningsReported, "person_id": gus, "occurred_on": "2026-07-21", "data": data}, "rti-2026-07-gus", 422, nil)
	})
}

func claimsParams() *rules.Params { return rules.DefaultParams() }
