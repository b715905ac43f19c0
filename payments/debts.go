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
	st := DebtState{DebtDecision: DebtDecision{Cause: CauseClaimantError, Recoverable: true}}
	events, err := d.Log.ReadStream(ctx, debtStream(person, benefit), lifeline.StreamQuery{Limit: lifeline.MaxReadLimit})
	if err != nil {
		return st, err
	}
	for _, e := range events {
		if e.Type != "debt-decided" || e.Erased {
			continue
		}
		var dec DebtDecision // each decision replaces the last whole
		if err := json.Unmarshal(e.Data, &dec); err != nil {
			return st, err
		}
		st.DebtDecision = dec
		st.Decided = true
	}
	return st, nil
}

// WriteOff writes off part or all of a debt: it is no longer recovered.
// id names the write-off, so recording it again moves nothing.
func (d *Debts) WriteOff(ctx context.Context, person, benefit string, amount rules.Money, id, reason string) error {
	return d.move(ctx, person, benefit, amount, "write-off/"+id, ledger.AccountID{Kind: ledger.WriteOff, Benefit: benefitCodes[benefit]}, "debt-written-off", reason)
}

// Repaid records a repayment the person made directly (by a repayment plan
// or at once): the money reached the bank account and reduces the debt.
func (d *Debts) Repaid(ctx context.Context, person, benefit string, amount rules.Money, id, ref string) error {
	return d.move(ctx, person, benefit, amount, "repaid/"+id, ledger.AccountID{Kind: ledger.Clearing, Benefit: benefitCodes[benefit]}, "debt-repaid", ref)
}

func (d *Debts) move(ctx context.Context, person, benefit string, amount rules.Money, id string, debit ledger.AccountID, code, ref string) error {
	if _, ok := benefitCodes[benefit]; !ok {
		return lifeline.FieldErrorf(lifeline.EINVALID, "benefit", "no benefit %q", benefit)
	}
	if amount <= 0 {
		return lifeline.FieldErrorf(lifeline.EINVALID, "amount", "the amount must be above zero")
	}
	// A retry finds the movement already recorded: it is dated afresh, so
	// posting it again would be a different transfer under the same id.
	if rec, ok, err := d.Ledger.Transfer(ctx, ledger.ID(id)); err != nil {
		return err
	} else if ok {
		if rec.Amount != int64(amount) {
			return lifeline.FieldErrorf(lifeline.ECONFLICT, "amount", "%s was recorded for %s, not %s: use a new key for a new movement", id, rules.Money(rec.Amount), amount)
		}
		return nil
	}
	now := time.Now
	if d.Now != nil {
		now = d.Now
	}
	applied, err := d.Ledger.Post(ctx, ledger.Batch{{ID: ledger.ID(id), Debit: debit,
		Credit: ledger.AccountID{Kind: ledger.Debt, Benefit: benefitCodes[benefit], Owner: person},
		Amount: int64(amount), Code: code, Ref: ref, Time: now().UTC()}})
	if err != nil {
		return err
	}
	if err := applied.Err(); err != nil {
		return fmt.Errorf("%w", err)
	}
	return nil
}
