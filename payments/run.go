package payments

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/lifeline-gov/lifeline"
	"github.com/lifeline-gov/lifeline/claims"
	"github.com/lifeline-gov/lifeline/ledger"
	"github.com/lifeline-gov/lifeline/modulus"
	"github.com/lifeline-gov/lifeline/provenance"
	"github.com/lifeline-gov/lifeline/rules"
)

// Claims is what a payment run reads of the claims service.
type Claims interface {
	AwardIDs(ctx context.Context, skip int64, limit int) ([]string, error)
	Award(ctx context.Context, id string, asAt time.Time) (*claims.Award, error)
	Payee(ctx context.Context, personID string, day rules.Date) (claims.Payee, error)
}

// Runner makes payment runs.
type Runner struct {
	Claims     Claims
	Ledger     ledger.Store
	Originator Originator
	Dir        string // payment files go in Dir/payrun-YYYY-MM-DD/
	// CoolingOff holds the first payment to a new account for this many
	// days after an unverified change of bank details. Default 7.
	CoolingOff int
	// Debts has the decisions about debts (cause, recoverability, hardship
	// pauses); nil recovers every debt at the rate for claimant error.
	Debts *Debts
	// Provenance, if set, is where the ledger's head is committed after a
	// run or a settlement moved money, so that nobody can rewrite the
	// ledger's history unnoticed.
	Provenance lifeline.ProvenanceLog
}

// Report says what a payment run did.
type Report struct {
	Date       rules.Date  `json:"date"`
	Payments   int         `json:"payments"`
	Total      rules.Money `json:"total"`
	Deducted   rules.Money `json:"deducted"`
	Repeated   int         `json:"repeated"` // payments made by an earlier attempt at this run, paid once
	Held       []Hold      `json:"held"`
	Files      []string    `json:"files"`
	LedgerHead string      `json:"ledger_head"`
}

// Hold is a payment not made, and why.
type Hold struct {
	PersonID string      `json:"person_id"`
	Benefit  string      `json:"benefit"`
	Amount   rules.Money `json:"amount"`
	Reason   string      `json:"reason"`
}

// Payment is one payment of a run, as its manifest records it.
type Payment struct {
	ID       string      `json:"id"`
	PersonID string      `json:"person_id"`
	Benefit  string      `json:"benefit"`
	Amount   rules.Money `json:"amount"`
	Deducted rules.Money `json:"deducted"`
	// Recoveries says which debts the deductions went to, by benefit name
	// (so that a rerun, which reads them back from the ledger, writes the
	// same manifest): a payment may recover another benefit's debt (see
	// homeOf).
	Recoveries []Recovery `json:"recoveries,omitempty"`
	SortCode   string     `json:"sort_code"`
	Account    string     `json:"account_number"`
	Name       string     `json:"name"`
	Reference  string     `json:"reference"`
	repeat     bool       // made by an earlier attempt at the run
}

// Recovery is what one payment recovered of the person's debt for a
// benefit.
type Recovery struct {
	DebtBenefit string      `json:"debt_benefit"`
	Amount      rules.Money `json:"amount"`
}

// benefitCodes are the short names benefits have in ledger accounts and on
// bank statements.
var benefitCodes = map[string]string{
	"universal_credit": "UC", "state_pension": "SP", "pension_credit": "PC", "carers_allowance": "CA",
	"pip": "PIP", "attendance_allowance": "AA", "child_benefit": "CHB", "bereavement_support_payment": "BSP",
}

// group is what one person is due of one benefit in a run.
type group struct {
	benefit, code string
	payee         claims.Payee
	accruals      []ledger.Transfer
	standard      rules.Money // the latest due period's standard allowance (UC), for the deduction cap
	standardFrom  rules.Date  // the first day of that period: the cap in force then applies
	live          bool        // the person has a live award of the benefit
}

// Run pays everything due on or before date. It is safe to run again, or to
// resume after a crash: every transfer has an id derived from what it pays,
// so the ledger posts each once, and the files are written from the ledger's
// record of the run, so they come out the same.
func (r *Runner) Run(ctx context.Context, date rules.Date) (*Report, error) {
	if r.CoolingOff == 0 {
		r.CoolingOff = 7
	}
	if !WorkingDay(date) {
		prev, err := PayDay(date)
		if err != nil {
			return nil, err
		}
		return nil, lifeline.FieldErrorf(lifeline.EINVALID, "date", "%s is not a working day: money reaches accounts on working days, so pay on %s", date, prev)
	}
	at := time.Date(date.Year(), time.Month(date.Month()), date.Day(), 6, 0, 0, 0, time.UTC)
	before, err := r.Ledger.LedgerHead(ctx)
	if err != nil {
		return nil, err
	}
	groups, err := r.gather(ctx, date)
	if err != nil {
		return nil, err
	}
	keys := make([]string, 0, len(groups))
	for k := range groups {
		keys = append(keys, k)
	}
	slices.Sort(keys)

	// First every accrual: what each person is owed for the periods due.
	var batch ledger.Batch
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		applied, err := r.Ledger.Post(ctx, batch)
		if err != nil {
			return err
		}
		for _, res := range applied.Results {
			if res.Err != nil && lifeline.ErrorCode(res.Err) != lifeline.ECONFLICT {
				return res.Err
			}
		}
		batch = batch[:0]
		return nil
	}
	for _, k := range keys {
		g := groups[k]
		if len(batch)+len(g.accruals) > ledger.MaxBatch {
			if err := flush(); err != nil {
				return nil, err
			}
		}
		for _, t := range g.accruals {
			t.Time = at
			batch = append(batch, t)
		}
	}
	if err := flush(); err != nil {
		return nil, err
	}

	// Then the payments, with deductions for debts, worked out in parallel
	// one person at a time (each reads and recovers only that person's
	// accounts, so no two workers recover the same debt) and posted in
	// batches.
	people := map[string][]*group{}
	var persons []string
	for _, k := range keys { // in key order, so each person's groups are in benefit order
		g := groups[k]
		if people[g.payee.PersonID] == nil {
			persons = append(persons, g.payee.PersonID)
		}
		people[g.payee.PersonID] = append(people[g.payee.PersonID], g)
	}
	slices.Sort(persons)
	rep := &Report{Date: date, Held: []Hold{}}
	type outcome struct {
		pays      []*Payment
		holds     []Hold
		transfers []ledger.Transfer
	}
	outcomes := make([]outcome, len(persons))
	const workers = 8
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := w; i < len(persons) && errs[w] == nil; i += workers {
				o := &outcomes[i]
				o.pays, o.holds, o.transfers, errs[w] = r.payPerson(ctx, date, at, people[persons[i]])
			}
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	var paid []Payment
	for _, o := range outcomes {
		rep.Held = append(rep.Held, o.holds...)
		for _, p := range o.pays {
			paid = append(paid, *p)
		}
		if len(batch)+len(o.transfers) > ledger.MaxBatch {
			if err := flush(); err != nil {
				return nil, err
			}
		}
		batch = append(batch, o.transfers...)
	}
	if err := flush(); err != nil {
		return nil, err
	}
	slices.SortFunc(rep.Held, func(a, b Hold) int {
		return cmp.Or(strings.Compare(a.Benefit, b.Benefit), strings.Compare(a.PersonID, b.PersonID))
	})
	for _, p := range paid {
		if p.repeat {
			rep.Repeated++
		}
		rep.Payments++
		rep.Total += p.Amount
		rep.Deducted += p.Deducted
	}
	files, err := r.write(date, paid)
	if err != nil {
		return nil, err
	}
	rep.Files = files
	head, err := r.commitHead(ctx, before)
	if err != nil {
		return nil, err
	}
	text, _ := head.MarshalText()
	rep.LedgerHead = string(text)
	return rep, nil
}

// commitHead commits the ledger's head to the provenance log if it moved
// since before.
func (r *Runner) commitHead(ctx context.Context, before ledger.Head) (ledger.Head, error) {
	head, err := r.Ledger.LedgerHead(ctx)
	if err != nil || r.Provenance == nil || head.Seq == before.Seq {
		return head, err
	}
	entry, err := provenance.LedgerBatch{ChainID: "ledger", Sequence: int64(head.Seq), HeadHash: head.Hash}.MarshalEntry()
	if err != nil {
		return head, err
	}
	_, err = r.Provenance.AppendProvenance(ctx, [][]byte{entry})
	return head, err
}

// gather reads every award and works out, per person and benefit, the
// accruals for every period paid on or before date. Awards are read in
// parallel; what each gives is merged in index order.
func (r *Runner) gather(ctx context.Context, date rules.Date) (map[string]*group, error) {
	const workers = 8
	groups := map[string]*group{}
	for skip := int64(0); ; {
		ids, err := r.Claims.AwardIDs(ctx, skip, lifeline.MaxReadLimit)
		if err != nil {
			return nil, err
		}
		if len(ids) == 0 {
			return groups, nil
		}
		skip += int64(len(ids))
		parts := make([]*group, len(ids))
		errs := make([]error, workers)
		var wg sync.WaitGroup
		for w := range workers {
			wg.Go(func() {
				for i := w; i < len(ids) && errs[w] == nil; i += workers {
					parts[i], errs[w] = r.readAward(ctx, ids[i], date)
				}
			})
		}
		wg.Wait()
		if err := errors.Join(errs...); err != nil {
			return nil, err
		}
		for _, part := range parts {
			if part == nil {
				continue
			}
			key := part.benefit + "/" + part.payee.PersonID
			g := groups[key]
			if g == nil {
				groups[key] = part
				continue
			}
			g.accruals = append(g.accruals, part.accruals...)
			g.live = g.live || part.live
			if part.standardFrom > g.standardFrom {
				g.standard, g.standardFrom = part.standard, part.standardFrom
			}
		}
	}
}

// readAward works out what one award adds to its lead claimant's payment.
func (r *Runner) readAward(ctx context.Context, id string, date rules.Date) (*group, error) {
	a, err := r.Claims.Award(ctx, id, time.Time{})
	if lifeline.ErrorCode(err) == lifeline.ENOTFOUND {
		return nil, nil // erased
	}
	if err != nil {
		return nil, err
	}
	payee, err := r.Claims.Payee(ctx, a.Claimants[0], date)
	if err != nil {
		return nil, err
	}
	g := &group{benefit: a.Benefit, code: benefitCodes[a.Benefit], payee: payee, live: a.Status == "live"}
	periods := make([]Period, len(a.Periods))
	for i, p := range a.Periods {
		periods[i] = Period{N: p.N, Start: p.Start, End: p.End, Amount: p.Amount}
	}
	dues, err := Schedule(a.Benefit, payee.NINO, a.Start, periods)
	if err != nil {
		return nil, err
	}
	payDate := map[int]rules.Date{}
	for _, d := range dues {
		if d.PayDate > date {
			continue
		}
		for _, n := range d.Periods {
			payDate[n] = d.PayDate
		}
	}
	for _, p := range a.Periods {
		pd, due := payDate[p.N]
		if !due {
			continue
		}
		for _, s := range accrualSteps(a, p.N) {
			g.accruals = append(g.accruals, accrual(a, g, p.N, s, pd))
		}
		if p.Explanation != nil {
			for _, l := range p.Explanation.Breakdown {
				if l.Key == "standard_allowance" && p.Start >= g.standardFrom {
					g.standard, g.standardFrom = l.Amount, p.Start
				}
			}
		}
	}
	return g, nil
}

// step is one change to a period's amount: the decision, then each revision.
type step struct {
	event string
	on    rules.Date // the day it was recorded
	delta rules.Money
}

// accrualSteps lists the changes to period n of an award, from its history.
func accrualSteps(a *claims.Award, n int) []step {
	var steps []step
	for _, rev := range a.Revisions {
		for _, ch := range rev.Changes {
			if ch.N != n {
				continue
			}
			if len(steps) == 0 && !ch.New && ch.OldAmount != 0 {
				steps = append(steps, step{event: a.Decision, delta: ch.OldAmount})
			}
			newAmount := ch.NewAmount
			if ch.Removed {
				newAmount = 0
			}
			if d := newAmount - ch.OldAmount; d != 0 {
				steps = append(steps, step{event: rev.ID, on: civil(rev.RecordedAt), delta: d})
			}
		}
	}
	if len(steps) == 0 {
		for _, p := range a.Periods {
			if p.N == n && p.Amount != 0 {
				steps = append(steps, step{event: a.Decision, delta: p.Amount})
			}
		}
	}
	return steps
}

func civil(t time.Time) rules.Date {
	t = t.UTC()
	return rules.MakeDate(t.Year(), int(t.Month()), t.Day())
}

// accrual is the ledger transfer for one step. An increase is owed to the
// person; a decrease recorded before the period was paid reduces what is
// owed, and one recorded after it was paid is an overpayment: a debt.
func accrual(a *claims.Award, g *group, n int, s step, payDate rules.Date) ledger.Transfer {
	expense := ledger.AccountID{Kind: ledger.Expense, Benefit: g.code}
	payable := ledger.AccountID{Kind: ledger.Payable, Benefit: g.code, Owner: a.Claimants[0]}
	t := ledger.Transfer{ID: ledger.ID(fmt.Sprintf("accrue/%s/%d/%s", a.ID, n, s.event)), Ref: a.ID}
	switch {
	case s.delta > 0:
		t.Debit, t.Credit, t.Amount, t.Code = expense, payable, int64(s.delta), "award-due"
	case s.on > payDate:
		debt := ledger.AccountID{Kind: ledger.Debt, Benefit: g.code, Owner: a.Claimants[0]}
		t.Debit, t.Credit, t.Amount, t.Code = debt, expense, int64(-s.delta), "overpayment"
	default:
		t.Debit, t.Credit, t.Amount, t.Code = payable, expense, int64(-s.delta), "award-reduced"
	}
	return t
}

// payment is one payment being worked out.
type payment struct {
	g    *group
	p    *Payment
	id   ledger.ID
	owed rules.Money
}

// payPerson works out one person's payments in a run, one per benefit:
// what they are owed, less deductions for their debts, if it is safe to
// pay. Each debt is recovered from at most one of the payments (homeOf);
// each payment takes its debts in the legal priority order, within its
// benefit's caps.
func (r *Runner) payPerson(ctx context.Context, date rules.Date, at time.Time, gs []*group) ([]*Payment, []Hold, []ledger.Transfer, error) {
	var pays []*Payment
	var holds []Hold
	paying := map[string]*payment{} // benefit -> a payment made now
	waiting := map[string]bool{}    // benefit -> its payment is held, or was made by an earlier attempt
	live := map[string]bool{}
	for _, g := range gs {
		live[g.benefit] = live[g.benefit] || g.live
		pm, hold, err := r.prepare(ctx, date, g, gs)
		switch {
		case err != nil:
			return nil, nil, nil, err
		case hold != nil:
			holds = append(holds, *hold)
			waiting[g.benefit] = true
		case pm != nil && pm.p.repeat:
			pays = append(pays, pm.p)
			waiting[g.benefit] = true
		case pm != nil:
			paying[g.benefit] = pm
		}
	}
	if len(paying) == 0 {
		return pays, holds, nil, nil
	}
	order, err := loadOrder()
	if err != nil {
		return nil, nil, nil, lifeline.Errorf(lifeline.EINTERNAL, "recovery order parameters: %v", err)
	}
	homes, err := order.homeAt(date)
	if err != nil {
		return nil, nil, nil, err
	}
	grace, err := order.graceAt(date)
	if err != nil {
		return nil, nil, nil, err
	}
	// The debts each payment recovers, and for those with a repayment plan
	// the deduction to record against it.
	person := gs[0].payee.PersonID
	debts := map[string][]Debt{}
	planned := map[string]bool{} // debt benefit -> an active plan
	for _, g := range gs {
		b := g.benefit
		h := homeOf(b, homes, paying, waiting, live)
		if h == "" {
			continue
		}
		debt, err := r.Ledger.Balance(ctx, ledger.AccountID{Kind: ledger.Debt, Benefit: g.code, Owner: person})
		if err != nil {
			return nil, nil, nil, err
		}
		outstanding := rules.Money(debt.Net() - debt.CreditsPending)
		if outstanding <= 0 {
			continue
		}
		d := Debt{ID: b, Outstanding: outstanding, Cause: CauseClaimantError, Order: 1}
		if b == h {
			d.Order = 0 // the debt of the benefit being paid comes first among equals
		}
		if r.Debts != nil {
			rec, err := r.Debts.read(ctx, person, b)
			if err != nil {
				return nil, nil, nil, err
			}
			if !rec.state.Recoverable {
				continue
			}
			d.Cause, d.Paused = rec.state.Cause, rec.state.PausedUntil >= date
			if p := rec.active(); p != nil {
				// A plan up to date pauses deductions; a missed instalment
				// is made good, no more (see plans.go).
				d.Outstanding = p.arrearsForRun(outstanding, date.AddDays(-grace))
				planned[b] = true
			}
		}
		if d.Outstanding > 0 {
			debts[h] = append(debts[h], d)
		}
	}
	var transfers []ledger.Transfer
	benefits := slices.Sorted(maps.Keys(paying))
	for _, b := range benefits {
		pm := paying[b]
		g, p := pm.g, pm.p
		payable := ledger.AccountID{Kind: ledger.Payable, Benefit: g.code, Owner: person}
		if len(debts[b]) > 0 {
			capDay := date
			if g.standardFrom != 0 {
				capDay = g.standardFrom
			}
			ds, err := Deductions(b, capDay, pm.owed, g.standard, debts[b])
			if err != nil {
				return nil, nil, nil, err
			}
			for _, x := range ds {
				tid := recoveryID(pm.id, b, x.DebtID)
				if planned[x.DebtID] {
					if err := r.Debts.recordDeduction(ctx, person, x.DebtID, tid, date); err != nil {
						return nil, nil, nil, err
					}
				}
				transfers = append(transfers, ledger.Transfer{ID: tid, Debit: payable,
					Credit: ledger.AccountID{Kind: ledger.Debt, Benefit: benefitCodes[x.DebtID], Owner: person},
					Amount: int64(x.Amount), Code: "recovery", Ref: string(pm.id), Time: at, Flags: ledger.Linked})
				p.Deducted += x.Amount
				p.Recoveries = append(p.Recoveries, Recovery{DebtBenefit: x.DebtID, Amount: x.Amount})
			}
		}
		slices.SortFunc(p.Recoveries, func(a, b Recovery) int { return strings.Compare(a.DebtBenefit, b.DebtBenefit) })
		p.Amount = pm.owed - p.Deducted
		transfers = append(transfers, ledger.Transfer{ID: pm.id, Debit: payable, Credit: ledger.AccountID{Kind: ledger.Clearing, Benefit: g.code},
			Amount: int64(p.Amount), Code: "payment", Ref: "payrun-" + date.String(), Time: at, Flags: ledger.Pending, Timeout: 14 * 24 * time.Hour})
		pays = append(pays, p)
	}
	return pays, holds, transfers, nil
}

// recoveryID names the transfer by which payment id recovers the debt for
// debtBenefit from the payment of benefit: id/recovery for the benefit's
// own debt, id/recovery/<code> for another's.
func recoveryID(id ledger.ID, benefit, debtBenefit string) ledger.ID {
	if debtBenefit == benefit {
		return id + "/recovery"
	}
	return id + "/recovery/" + ledger.ID(benefitCodes[debtBenefit])
}

// homeOf says which of the benefits paid now recovers the person's debt for
// benefit b, or "" for none in this run. The debt's own benefit recovers it
// when the person still has it, on its own pay day; a debt of a benefit
// the person no longer has goes to the first of the home benefits
// (recovery_order.yaml) the person has a live award of, or failing that the
// first paid now. So a debt is never recovered from two payments at once.
func homeOf(b string, homes homeValue, paying map[string]*payment, waiting, live map[string]bool) string {
	switch {
	case paying[b] != nil:
		return b
	case waiting[b] || live[b] || !slices.Contains(homes.debtsOf, b):
		return ""
	}
	for _, h := range homes.benefits {
		if h != b && live[h] {
			if paying[h] != nil {
				return h
			}
			return "" // its pay day is another day
		}
	}
	for _, h := range homes.benefits {
		if h != b && paying[h] != nil {
			return h
		}
	}
	return ""
}

// prepare works out one payment before deductions: what the person is
// owed, or why it is held; or the payment as an earlier attempt at the run
// made it. It returns nothing when nothing is owed.
func (r *Runner) prepare(ctx context.Context, date rules.Date, g *group, gs []*group) (*payment, *Hold, error) {
	person := g.payee.PersonID
	id := ledger.ID(fmt.Sprintf("pay/%s/%s/%s", date, g.code, person))
	payable := ledger.AccountID{Kind: ledger.Payable, Benefit: g.code, Owner: person}
	p := &Payment{ID: string(id), PersonID: person, Benefit: g.benefit, Reference: g.code + " " + strings.ReplaceAll(g.payee.NINO, " ", "")}
	if g.payee.Bank != nil {
		p.SortCode, p.Account, p.Name = g.payee.Bank.SortCode, g.payee.Bank.AccountNumber, g.payee.Bank.HolderName
	}
	if rec, ok, err := r.Ledger.Transfer(ctx, id); err != nil {
		return nil, nil, err
	} else if ok { // paid by an earlier attempt at this run
		p.Amount, p.repeat = rules.Money(rec.Transfer.Amount), true
		for _, d := range gs { // what it recovered, of each debt it could have
			drec, ok, err := r.Ledger.Transfer(ctx, recoveryID(id, g.benefit, d.benefit))
			if err != nil {
				return nil, nil, err
			}
			if ok {
				p.Deducted += rules.Money(drec.Transfer.Amount)
				p.Recoveries = append(p.Recoveries, Recovery{DebtBenefit: d.benefit, Amount: rules.Money(drec.Transfer.Amount)})
			}
		}
		return &payment{g: g, p: p, id: id}, nil, nil
	}
	bal, err := r.Ledger.Balance(ctx, payable)
	if err != nil {
		return nil, nil, err
	}
	owed := rules.Money(bal.Available())
	if owed <= 0 {
		return nil, nil, nil
	}
	hold := func(reason string) (*payment, *Hold, error) {
		return nil, &Hold{PersonID: person, Benefit: g.benefit, Amount: owed, Reason: reason}, nil
	}
	switch b := g.payee.Bank; {
	case g.payee.DiedOn != 0 && g.payee.DiedOn < date:
		return hold("the person has died: what is owed is paid to their estate, by hand")
	case b == nil:
		return hold("no bank account is recorded")
	case modulus.Validate(b.SortCode, b.AccountNumber) != nil:
		return hold("the account fails the modulus check")
	case g.payee.BankChangedOn != 0 && !g.payee.BankVerified && g.payee.BankChangedOn.AddDays(r.CoolingOff) > date:
		return hold(fmt.Sprintf("bank details changed on %s and not verified: held for %d days' cooling-off", g.payee.BankChangedOn, r.CoolingOff))
	}
	return &payment{g: g, p: p, id: id, owed: owed}, nil, nil
}

// write writes the run's files: BACS Standard 18, ISO 20022 pain.001 and a
// manifest, each replaced whole (written aside, then renamed).
func (r *Runner) write(date rules.Date, paid []Payment) ([]string, error) {
	dir := filepath.Join(r.Dir, "payrun-"+date.String())
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	slices.SortFunc(paid, func(a, b Payment) int { return strings.Compare(a.ID, b.ID) })
	// Bacs processes a file on the working day before the pay day and must
	// have it the working day before that: the run is made, and the file
	// dated, then. A fixed time keeps a rerun's files identical.
	created, err := workingDayBefore(date, 2)
	if err != nil {
		return nil, err
	}
	sub := Submission{ID: "LIFELINE-" + strings.ReplaceAll(date.String(), "-", ""), CreatedAt: created.String() + "T06:00:00Z", PayDate: date, Originator: r.Originator}
	for _, p := range paid {
		sub.Instructions = append(sub.Instructions, Instruction{ID: instructionID(p.ID), Payee: Account{SortCode: p.SortCode, Number: p.Account, Name: p.Name}, Amount: p.Amount, Reference: p.Reference})
	}
	var files []string
	put := func(name string, write func(f *os.File) error) error {
		path := filepath.Join(dir, name)
		tmp := path + ".tmp"
		f, err := os.OpenFile(tmp, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
		if err != nil {
			return err
		}
		if err := write(f); err != nil {
			f.Close()
			return err
		}
		if err := f.Sync(); err != nil {
			f.Close()
			return err
		}
		if err := f.Close(); err != nil {
			return err
		}
		files = append(files, path)
		return os.Rename(tmp, path)
	}
	if len(sub.Instructions) > 0 {
		if err := put("standard18.txt", func(f *os.File) error { return WriteStandard18(f, sub) }); err != nil {
			return nil, err
		}
		if err := put("pain001.xml", func(f *os.File) error { return WritePain001(f, sub) }); err != nil {
			return nil, err
		}
	}
	err = put("manifest.json", func(f *os.File) error {
		enc := json.NewEncoder(f)
		enc.SetIndent("", "  ")
		return enc.Encode(struct {
			Date     rules.Date `json:"date"`
			Payments []Payment  `json:"payments"`
		}{date, append([]Payment{}, paid...)})
	})
	return files, err
}

// instructionID fits a payment's id into the 35 characters ISO 20022
// allows for an end-to-end id: the person's id without hyphens is 32.
func instructionID(paymentID string) string {
	parts := strings.Split(paymentID, "/")
	id := parts[2] + strings.ReplaceAll(parts[3], "-", "")
	if len(id) > 35 {
		id = id[:35]
	}
	return id
}

// workingDayBefore is the n-th working day before d.
func workingDayBefore(d rules.Date, n int) (rules.Date, error) {
	for range n {
		var err error
		if d, err = PayDay(d.AddDays(-1)); err != nil {
			return 0, err
		}
	}
	return d, nil
}
