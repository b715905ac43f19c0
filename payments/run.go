package payments

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
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
	ID        string      `json:"id"`
	PersonID  string      `json:"person_id"`
	Benefit   string      `json:"benefit"`
	Amount    rules.Money `json:"amount"`
	Deducted  rules.Money `json:"deducted"`
	SortCode  string      `json:"sort_code"`
	Account   string      `json:"account_number"`
	Name      string      `json:"name"`
	Reference string      `json:"reference"`
	repeat    bool        // made by an earlier attempt at the run
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
	// (each reads its own accounts) and posted in batches.
	rep := &Report{Date: date, Held: []Hold{}}
	type outcome struct {
		pay       *Payment
		hold      *Hold
		transfers []ledger.Transfer
	}
	outcomes := make([]outcome, len(keys))
	const workers = 8
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := w; i < len(keys) && errs[w] == nil; i += workers {
				o := &outcomes[i]
				o.pay, o.hold, o.transfers, errs[w] = r.pay(ctx, date, at, groups[keys[i]])
			}
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	var paid []Payment
	for _, o := range outcomes {
		if o.hold != nil {
			rep.Held = append(rep.Held, *o.hold)
		}
		if o.pay != nil {
			paid = append(paid, *o.pay)
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
	g := &group{benefit: a.Benefit, code: benefitCodes[a.Benefit], payee: payee}
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

// pay works out one person's payment of one benefit: what they are owed,
// less deductions for debts, if it is safe to pay.
func (r *Runner) pay(ctx context.Context, date rules.Date, at time.Time, g *group) (*Payment, *Hold, []ledger.Transfer, error) {
	person := g.payee.PersonID
	id := ledger.ID(fmt.Sprintf("pay/%s/%s/%s", date, g.code, person))
	payable := ledger.AccountID{Kind: ledger.Payable, Benefit: g.code, Owner: person}
	clearing := ledger.AccountID{Kind: ledger.Clearing, Benefit: g.code}
	debtAcct := ledger.AccountID{Kind: ledger.Debt, Benefit: g.code, Owner: person}
	p := &Payment{ID: string(id), PersonID: person, Benefit: g.benefit, Reference: g.code + " " + strings.ReplaceAll(g.payee.NINO, " ", "")}
	if g.payee.Bank != nil {
		p.SortCode, p.Account, p.Name = g.payee.Bank.SortCode, g.payee.Bank.AccountNumber, g.payee.Bank.HolderName
	}
	if rec, ok, err := r.Ledger.Transfer(ctx, id); err != nil {
		return nil, nil, nil, err
	} else if ok { // paid by an earlier attempt at this run
		p.Amount, p.repeat = rules.Money(rec.Transfer.Amount), true
		if drec, ok, err := r.Ledger.Transfer(ctx, id+"/recovery"); err == nil && ok {
			p.Deducted = rules.Money(drec.Transfer.Amount)
		}
		return p, nil, nil, nil
	}
	bal, err := r.Ledger.Balance(ctx, payable)
	if err != nil {
		return nil, nil, nil, err
	}
	owed := rules.Money(bal.Available())
	if owed <= 0 {
		return nil, nil, nil, nil
	}
	hold := func(reason string) (*Payment, *Hold, []ledger.Transfer, error) {
		return nil, &Hold{PersonID: person, Benefit: g.benefit, Amount: owed, Reason: reason}, nil, nil
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
	debt, err := r.Ledger.Balance(ctx, debtAcct)
	if err != nil {
		return nil, nil, nil, err
	}
	if outstanding := rules.Money(debt.Net() - debt.CreditsPending); outstanding > 0 {
		capDay := date
		if g.standardFrom != 0 {
			capDay = g.standardFrom
		}
		state := DebtState{DebtDecision: DebtDecision{Cause: CauseClaimantError, Recoverable: true}}
		if r.Debts != nil {
			if state, err = r.Debts.State(ctx, person, g.benefit); err != nil {
				return nil, nil, nil, err
			}
		}
		debts := []Debt{{ID: string(debtAcct.Owner), Outstanding: outstanding, Cause: state.Cause, Priority: 1, Paused: state.PausedUntil >= date}}
		if !state.Recoverable {
			debts = nil
		}
		ds, err := Deductions(g.benefit, capDay, owed, g.standard, debts)
		if err != nil {
			return nil, nil, nil, err
		}
		for _, d := range ds {
			p.Deducted += d.Amount
		}
	}
	var transfers []ledger.Transfer
	if p.Deducted > 0 {
		transfers = append(transfers, ledger.Transfer{ID: id + "/recovery", Debit: payable, Credit: debtAcct, Amount: int64(p.Deducted),
			Code: "recovery", Ref: string(id), Time: at, Flags: ledger.Linked})
	}
	p.Amount = owed - p.Deducted
	transfers = append(transfers, ledger.Transfer{ID: id, Debit: payable, Credit: clearing, Amount: int64(p.Amount),
		Code: "payment", Ref: "payrun-" + date.String(), Time: at, Flags: ledger.Pending, Timeout: 14 * 24 * time.Hour})
	return p, nil, transfers, nil
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
