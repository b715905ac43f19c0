package payments

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/lifeline-gov/lifeline"
	"github.com/lifeline-gov/lifeline/ledger"
	"github.com/lifeline-gov/lifeline/rules"
)

// DebtLog is where decisions about a person's debts are recorded: the
// event log, in the stream debt-<person>-<benefit>, sealed with the
// person's key.
type DebtLog interface {
	Append(ctx context.Context, req lifeline.AppendRequest) (lifeline.AppendResult, error)
	ReadStream(ctx context.Context, stream string, q lifeline.StreamQuery) ([]lifeline.Event, error)
}

// Debts records what agents decide about overpayments and moves the money
// those decisions move. The debt itself (what is owed) is the ledger's
// debt account; the decisions say how it may be recovered.
type Debts struct {
	Log    DebtLog
	Ledger ledger.Store
	Now    func() time.Time // default time.Now
}

// DebtDecision is a decision about one person's debt for one benefit.
type DebtDecision struct {
	Cause       string     `json:"cause"`                  // claimant-error, official-error or fraud
	Recoverable bool       `json:"recoverable"`            // may be recovered at all
	PausedUntil rules.Date `json:"paused_until,omitempty"` // hardship: no deductions until after this day
	Note        string     `json:"note,omitempty"`
}

// DebtState is the latest decision, or the default for a debt nobody has
// decided on yet: recoverable, at the rate for claimant error.
type DebtState struct {
	DebtDecision
	Decided bool `json:"decided"`
}

var causes = []string{CauseClaimantError, CauseOfficialError, CauseFraud}

func debtStream(person, benefit string) string { return "debt-" + person + "-" + benefit }

// Decide records a decision. Every Universal Credit overpayment is
// recoverable whatever caused it (Social Security Administration Act 1992
// s71ZB), so a UC debt cannot be decided otherwise.
func (d *Debts) Decide(ctx context.Context, person, benefit string, dec DebtDecision) error {
	if !slices.Contains(causes, dec.Cause) {
		return lifeline.FieldErrorf(lifeline.EINVALID, "cause", "cause %q: use claimant-error, official-error or fraud", dec.Cause)
	}
	if benefit == "universal_credit" && !dec.Recoverable {
		return lifeline.FieldErrorf(lifeline.EINVALID, "recoverable", "every Universal Credit overpayment is recoverable (SSAA 1992 s71ZB): write it off instead if recovery should not go ahead")
	}
	if _, ok := benefitCodes[benefit]; !ok {
		return lifeline.FieldErrorf(lifeline.EINVALID, "benefit", "no benefit %q", benefit)
	}
	if len(dec.Note) > 500 {
		return lifeline.FieldErrorf(lifeline.EINVALID, "note", "the note is over 500 characters")
	}
	raw, _ := json.Marshal(dec)
	_, err := d.Log.Append(ctx, lifeline.AppendRequest{Stream: debtStream(person, benefit), Expected: lifeline.ExpectAny,
		Events: []lifeline.NewEvent{{Type: "debt-decided", Subject: person, Data: raw}}})
	return err
}

// State returns the latest decision about a debt.
func (d *Debts) State(ctx context.Context, person, benefit string) (DebtState, error) {
	rec, err := d.read(ctx, person, benefit)
	if err != nil {
		return DebtState{DebtDecision: DebtDecision{Cause: CauseClaimantError, Recoverable: true}}, err
	}
	return rec.state, nil
}

// WriteOff writes off part or all of a debt: it is no longer recovered.
// id names the write-off, so recording it again moves nothing.
func (d *Debts) WriteOff(ctx context.Context, person, benefit string, amount rules.Money, id, reason string) error {
	_, err := d.move(ctx, person, benefit, amount, "write-off/"+id, ledger.AccountID{Kind: ledger.WriteOff, Benefit: benefitCodes[benefit]}, "debt-written-off", reason)
	return err
}

// Repaid records a repayment the person made directly (by a repayment plan
// or at once): the money reached the bank account and reduces the debt.
// The ledger moves the money; a debt-repaid event in the debt's stream,
// naming the transfer and the day, lets it count against a repayment plan
// (see plans.go). A retry under the same id moves nothing and records the
// event if a failure had left it out.
func (d *Debts) Repaid(ctx context.Context, person, benefit string, amount rules.Money, id, ref string) error {
	tid := "repaid/" + id
	at, err := d.move(ctx, person, benefit, amount, tid, ledger.AccountID{Kind: ledger.Clearing, Benefit: benefitCodes[benefit]}, "debt-repaid", ref)
	if err != nil {
		return err
	}
	raw, _ := json.Marshal(moneyMoved{Transfer: tid, On: civil(at)})
	_, err = d.Log.Append(ctx, lifeline.AppendRequest{Stream: debtStream(person, benefit), Expected: lifeline.ExpectAny,
		IdempotencyKey: eventRepaid + "/" + tid,
		Events:         []lifeline.NewEvent{{Type: eventRepaid, Subject: person, Data: raw}}})
	return err
}

// move posts a movement out of the debt once, and returns when it is dated.
func (d *Debts) move(ctx context.Context, person, benefit string, amount rules.Money, id string, debit ledger.AccountID, code, ref string) (time.Time, error) {
	if _, ok := benefitCodes[benefit]; !ok {
		return time.Time{}, lifeline.FieldErrorf(lifeline.EINVALID, "benefit", "no benefit %q", benefit)
	}
	if amount <= 0 {
		return time.Time{}, lifeline.FieldErrorf(lifeline.EINVALID, "amount", "the amount must be above zero")
	}
	// A retry finds the movement already recorded: it is dated afresh, so
	// posting it again would be a different transfer under the same id.
	if rec, ok, err := d.Ledger.Transfer(ctx, ledger.ID(id)); err != nil {
		return time.Time{}, err
	} else if ok {
		if rec.Amount != int64(amount) {
			return time.Time{}, lifeline.FieldErrorf(lifeline.ECONFLICT, "amount", "%s was recorded for %s, not %s: use a new key for a new movement", id, rules.Money(rec.Amount), amount)
		}
		return rec.Time, nil
	}
	now := time.Now
	if d.Now != nil {
		now = d.Now
	}
	at := now().UTC()
	applied, err := d.Ledger.Post(ctx, ledger.Batch{{ID: ledger.ID(id), Debit: debit,
		Credit: ledger.AccountID{Kind: ledger.Debt, Benefit: benefitCodes[benefit], Owner: person},
		Amount: int64(amount), Code: code, Ref: ref, Time: at}})
	if err != nil {
		return time.Time{}, err
	}
	if err := applied.Err(); err != nil {
		return time.Time{}, fmt.Errorf("%w", err)
	}
	return at, nil
}
