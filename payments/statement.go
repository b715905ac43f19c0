package payments

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/lifeline-gov/lifeline/claims"
	"github.com/lifeline-gov/lifeline/ledger"
	"github.com/lifeline-gov/lifeline/rules"
)

// Statement is what a person was due, what was deducted, what was paid and
// what is still owed, period by period and run by run, as at a day.
type Statement struct {
	PersonID string          `json:"person_id"`
	AsAt     rules.Date      `json:"as_at"`
	Periods  []StatementLine `json:"periods"`
	Runs     []Payment       `json:"payments"`
	Totals   []Totals        `json:"totals"` // one per benefit
}

// StatementLine is one period's entitlement and the day it was due.
type StatementLine struct {
	Benefit string      `json:"benefit"`
	AwardID string      `json:"award_id"`
	Start   rules.Date  `json:"start"`
	End     rules.Date  `json:"end"`
	PayDate rules.Date  `json:"pay_date"`
	Due     rules.Money `json:"due"`
}

// Totals add up one benefit: what was due and what was found overpaid
// equals what was paid, what was deducted for debts and what is still owed
// to the person. YouOwe is what is left of the debts.
type Totals struct {
	Benefit   string      `json:"benefit"`
	Due       rules.Money `json:"due"`
	Overpaid  rules.Money `json:"overpaid"`
	Paid      rules.Money `json:"paid"`
	Deducted  rules.Money `json:"deducted"`
	OwedToYou rules.Money `json:"owed_to_you"`
	YouOwe    rules.Money `json:"you_owe"`
}

// Awards is what a statement reads of the claims service.
type Awards interface {
	PersonAwards(ctx context.Context, personID string) ([]*claims.Award, error)
	Payee(ctx context.Context, personID string, day rules.Date) (claims.Payee, error)
}

// Statement builds a person's statement from their awards, the manifests
// of the payment runs made up to asAt and their ledger accounts.
func (r *Runner) Statement(ctx context.Context, awards Awards, personID string, asAt rules.Date) (*Statement, error) {
	list, err := awards.PersonAwards(ctx, personID)
	if err != nil {
		return nil, err
	}
	payee, err := awards.Payee(ctx, personID, asAt)
	if err != nil {
		return nil, err
	}
	runs, err := r.runsUpTo(asAt)
	if err != nil {
		return nil, err
	}
	st := &Statement{PersonID: personID, AsAt: asAt, Periods: []StatementLine{}, Runs: []Payment{}, Totals: []Totals{}}
	totals := map[string]*Totals{}
	total := func(b string) *Totals {
		if totals[b] == nil {
			totals[b] = &Totals{Benefit: b}
		}
		return totals[b]
	}
	lastRun := rules.Date(0)
	if len(runs) > 0 {
		lastRun = runs[len(runs)-1]
	}
	for _, a := range list {
		if a.Claimants[0] != personID {
			continue // paid to the lead claimant
		}
		periods := make([]Period, len(a.Periods))
		for i, p := range a.Periods {
			periods[i] = Period{N: p.N, Start: p.Start, End: p.End, Amount: p.Amount}
		}
		dues, err := Schedule(a.Benefit, payee.NINO, a.Start, periods)
		if err != nil {
			return nil, err
		}
		for _, d := range dues {
			if d.PayDate > lastRun {
				continue // not yet paid by any run
			}
			for _, n := range d.Periods {
				p := a.Periods[slices.IndexFunc(a.Periods, func(p claims.Period) bool { return p.N == n })]
				st.Periods = append(st.Periods, StatementLine{Benefit: a.Benefit, AwardID: a.ID, Start: p.Start, End: p.End, PayDate: d.PayDate, Due: p.Amount})
				total(a.Benefit).Due += p.Amount
			}
		}
	}
	for _, day := range runs {
		paid, err := r.manifest(day)
		if err != nil {
			return nil, err
		}
		for _, p := range paid {
			if p.PersonID == personID {
				if n := len(p.Account); n > 4 { // enough to recognise the account, not to use it
					p.Account = strings.Repeat("*", n-4) + p.Account[n-4:]
				}
				st.Runs = append(st.Runs, p)
				total(p.Benefit).Paid += p.Amount
				total(p.Benefit).Deducted += p.Deducted
			}
		}
	}
	for b, t := range totals {
		code := benefitCodes[b]
		pay, err := r.Ledger.Balance(ctx, ledger.AccountID{Kind: ledger.Payable, Benefit: code, Owner: personID})
		if err != nil {
			return nil, err
		}
		debt, err := r.Ledger.Balance(ctx, ledger.AccountID{Kind: ledger.Debt, Benefit: code, Owner: personID})
		if err != nil {
			return nil, err
		}
		t.OwedToYou = rules.Money(pay.Available())
		t.Overpaid = rules.Money(debt.DebitsPosted)
		t.YouOwe = rules.Money(debt.Net() - debt.CreditsPending)
		st.Totals = append(st.Totals, *t)
	}
	slices.SortFunc(st.Totals, func(a, b Totals) int { return strings.Compare(a.Benefit, b.Benefit) })
	return st, nil
}

// runsUpTo lists the days of the payment runs made, up to asAt, in order.
func (r *Runner) runsUpTo(asAt rules.Date) ([]rules.Date, error) {
	entries, err := os.ReadDir(r.Dir)
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var days []rules.Date
	for _, e := range entries {
		d, err := rules.ParseDate(strings.TrimPrefix(e.Name(), "payrun-"))
		if err != nil || d > asAt {
			continue
		}
		if _, err := os.Stat(filepath.Join(r.Dir, e.Name(), "manifest.json")); err == nil {
			days = append(days, d)
		}
	}
	slices.Sort(days)
	return days, nil
}
