package payments

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/lifeline-gov/lifeline"
	"github.com/lifeline-gov/lifeline/ledger"
	"github.com/lifeline-gov/lifeline/rules"
)

// Repayment plans by direct payment.
//
// A person who owes a debt can agree to repay it directly: an amount, a
// frequency (weekly, 4-weekly or monthly) and the day the first instalment
// is due. The plan is a schedule: instalments of the amount, the last one
// smaller, until the debt as it stood when the plan was agreed (the plan's
// total) is repaid. Everything is events in the debt's stream
// (debt-<person>-<benefit>), folded on read:
//
//	debt-plan-agreed     the terms, the total, the day agreed
//	debt-plan-cancelled  the plan ends without being repaid
//	debt-repaid          a direct repayment (Debts.Repaid) reached the bank
//	debt-deducted        a payment run deducted from benefit for the debt
//
// The last two name a ledger transfer; its amount is read from the ledger,
// and one the ledger does not hold (a run that failed before posting) counts
// for nothing. Payments recorded after a plan was agreed count against it,
// the oldest instalment not yet paid first, so a payment made early pays
// ahead and a late one makes good a missed instalment.
//
// A plan ends when what counted against it reaches its total, when the
// ledger says the debt is cleared (repaid, recovered or written off), or
// when an agent cancels it. One plan at a time: another may be agreed once
// the last has ended.
//
// A plan and benefit at once (our decision; GOV.UK, "Benefit overpayments:
// how to make a repayment", https://www.gov.uk/benefit-overpayments/how-to-make-a-repayment,
// says a person still getting benefits repays by deductions and one no
// longer getting them repays directly, but not what happens when a person
// with a plan comes back onto benefit): while a plan is active the payment
// run deducts nothing for the debt while the plan is up to date, and when
// an instalment is missed by more than recovery.plan_grace_days it deducts
// at most the arrears, within the usual caps and priority order. Those
// deductions count against the plan like a repayment, so the person never
// pays an instalment twice, and the plan keeps its agreed pace. A debt
// found after the plan was agreed is not in the plan's total; it waits
// until the plan ends (or an agent cancels it and agrees a new one covering
// the whole debt).

// Frequencies of a repayment plan.
const (
	FrequencyWeekly     = "weekly"
	FrequencyFourWeekly = "4-weekly"
	FrequencyMonthly    = "monthly"
)

var frequencies = []string{FrequencyWeekly, FrequencyFourWeekly, FrequencyMonthly}

// Statuses of a repayment plan.
const (
	PlanActive    = "active"
	PlanCompleted = "completed"
	PlanCancelled = "cancelled"
)

// Statuses of an instalment as at a day.
const (
	InstalmentPaid     = "paid"     // fully paid, perhaps ahead of time
	InstalmentMissed   = "missed"   // due before the day and not fully paid
	InstalmentDue      = "due"      // due on the day
	InstalmentUpcoming = "upcoming" // due after the day
)

// Event types in a debt's stream.
const (
	eventPlanAgreed   = "debt-plan-agreed"
	eventPlanCanceled = "debt-plan-cancelled"
	eventRepaid       = "debt-repaid"
	eventDeducted     = "debt-deducted"
)

// maxInstalments bounds a plan: a hundred years of weekly instalments. Our
// decision, so that a plan of a penny a week for a large debt is refused as
// a mistake rather than scheduled past the end of the calendar.
const maxInstalments = 5200

// PlanTerms is what a person agrees to repay, and when.
type PlanTerms struct {
	Amount    rules.Money `json:"amount"`    // each instalment; the last may be less
	Frequency string      `json:"frequency"` // weekly, 4-weekly or monthly
	Start     rules.Date  `json:"start"`     // the day the first instalment is due
	Note      string      `json:"note,omitempty"`
}

// Plan is a repayment plan as it stands on a day.
type Plan struct {
	ID int `json:"id"` // 1 for the debt's first plan, then 2, ...
	PlanTerms
	Total             rules.Money   `json:"total"` // what the plan repays: the debt when it was agreed
	AgreedOn          rules.Date    `json:"agreed_on"`
	Status            string        `json:"status"` // active, completed or cancelled
	EndedOn           rules.Date    `json:"ended_on,omitempty"`
	EndReason         string        `json:"end_reason,omitempty"`
	AsAt              rules.Date    `json:"as_at"`
	Paid              rules.Money   `json:"paid"`      // counted against the plan up to AsAt
	Remaining         rules.Money   `json:"remaining"` // Total less Paid
	Arrears           rules.Money   `json:"arrears"`   // the unpaid part of missed instalments
	InstalmentCount   int           `json:"instalment_count"`
	InstalmentsPaid   int           `json:"instalments_paid"`
	InstalmentsMissed int           `json:"instalments_missed"`
	FinalDue          rules.Date    `json:"final_due"`
	NextDue           *Instalment   `json:"next_due,omitempty"` // the first instalment due on or after AsAt not yet paid
	Instalments       []Instalment  `json:"instalments"`        // every instalment due up to AsAt, then the next
	Payments          []PlanPayment `json:"payments"`           // what counted, up to AsAt
	DebtOutstanding   rules.Money   `json:"debt_outstanding"`   // the whole debt now, as the ledger holds it
}

// Instalment is one expected payment of a plan.
type Instalment struct {
	N      int         `json:"n"` // 1 for the first
	Due    rules.Date  `json:"due"`
	Amount rules.Money `json:"amount"`
	Paid   rules.Money `json:"paid"`
	Status string      `json:"status"`
}

// PlanPayment is a payment that counted against a plan.
type PlanPayment struct {
	On       rules.Date  `json:"on"`
	Amount   rules.Money `json:"amount"`
	Kind     string      `json:"kind"` // repayment or deduction
	Transfer string      `json:"transfer"`
}

// Event data.
type planAgreed struct {
	ID int `json:"id"`
	PlanTerms
	Total    rules.Money `json:"total"`
	AgreedOn rules.Date  `json:"agreed_on"`
	Key      string      `json:"key,omitempty"` // the caller's idempotency key
}

type planCancelled struct {
	ID     int        `json:"id"`
	Reason string     `json:"reason"`
	On     rules.Date `json:"on"`
}

// moneyMoved names the ledger transfer of a repayment or a deduction.
type moneyMoved struct {
	Transfer string     `json:"transfer"`
	On       rules.Date `json:"on"`
}

// debtRecord is a debt's stream, folded.
type debtRecord struct {
	state   DebtState
	version int64
	plans   []*planRecord
}

// planRecord is one plan as its events say.
type planRecord struct {
	planAgreed
	cancelled *planCancelled
	payments  []PlanPayment // in the order recorded
}

// active returns the plan that payments count against, or nil.
func (r *debtRecord) active() *planRecord {
	if len(r.plans) == 0 {
		return nil
	}
	p := r.plans[len(r.plans)-1]
	if p.cancelled != nil || p.counted() >= p.Total {
		return nil
	}
	return p
}

func (p *planRecord) counted() rules.Money {
	var sum rules.Money
	for _, x := range p.payments {
		sum += x.Amount
	}
	return sum
}

// read folds a debt's stream: the decision in force and the plans, with
// the amounts of the payments that counted against them read from the
// ledger.
func (d *Debts) read(ctx context.Context, person, benefit string) (*debtRecord, error) {
	rec := &debtRecord{state: DebtState{DebtDecision: DebtDecision{Cause: CauseClaimantError, Recoverable: true}}}
	seen := map[string]bool{}
	for from := int64(1); ; {
		events, err := d.Log.ReadStream(ctx, debtStream(person, benefit), lifeline.StreamQuery{FromVersion: from, Limit: lifeline.MaxReadLimit})
		if err != nil {
			return nil, err
		}
		for _, e := range events {
			rec.version = e.Version
			if e.Erased {
				continue
			}
			if err := d.fold(ctx, rec, e, seen); err != nil {
				return nil, err
			}
		}
		if len(events) < lifeline.MaxReadLimit {
			return rec, nil
		}
		from = events[len(events)-1].Version + 1
	}
}

func (d *Debts) fold(ctx context.Context, rec *debtRecord, e lifeline.Event, seen map[string]bool) error {
	switch e.Type {
	case "debt-decided":
		var dec DebtDecision // each decision replaces the last whole
		if err := json.Unmarshal(e.Data, &dec); err != nil {
			return err
		}
		rec.state = DebtState{DebtDecision: dec, Decided: true}
	case eventPlanAgreed:
		var a planAgreed
		if err := json.Unmarshal(e.Data, &a); err != nil {
			return err
		}
		if a.Amount <= 0 || a.Total <= 0 || a.count() > maxInstalments || !slices.Contains(frequencies, a.Frequency) {
			return fmt.Errorf("payments: %s event %s: malformed plan %+v", e.Type, e.ID, a)
		}
		rec.plans = append(rec.plans, &planRecord{planAgreed: a})
	case eventPlanCanceled:
		var c planCancelled
		if err := json.Unmarshal(e.Data, &c); err != nil {
			return err
		}
		for _, p := range rec.plans {
			if p.ID == c.ID && p.cancelled == nil {
				p.cancelled = &c
			}
		}
	case eventRepaid, eventDeducted:
		var m moneyMoved
		if err := json.Unmarshal(e.Data, &m); err != nil {
			return err
		}
		p := rec.active()
		if p == nil || seen[m.Transfer] {
			return nil
		}
		t, ok, err := d.Ledger.Transfer(ctx, ledger.ID(m.Transfer))
		if err != nil || !ok {
			return err // not posted: it counts for nothing
		}
		seen[m.Transfer] = true
		kind := "repayment"
		if e.Type == eventDeducted {
			kind = "deduction"
		}
		p.payments = append(p.payments, PlanPayment{On: m.On, Amount: rules.Money(t.Amount), Kind: kind, Transfer: m.Transfer})
	}
	return nil
}

// count is how many instalments the plan has.
func (p *planAgreed) count() int {
	return int((p.Total + p.Amount - 1) / p.Amount)
}

// instalment returns the k-th instalment (0 first) as expected.
func (p *planAgreed) instalment(k int) Instalment {
	due := p.Start
	switch p.Frequency {
	case FrequencyWeekly:
		due = p.Start.AddDays(7 * k)
	case FrequencyFourWeekly:
		due = p.Start.AddDays(28 * k)
	case FrequencyMonthly:
		due = p.Start.AddMonths(k) // from the start each time: 31 January, 28 February, 31 March
	}
	amount := p.Amount
	if n := p.count(); k == n-1 {
		amount = p.Total - rules.Money(n-1)*p.Amount
	}
	return Instalment{N: k + 1, Due: due, Amount: amount}
}

// expectedBy is what the plan expects to have been paid by instalments due
// on or before day.
func (p *planAgreed) expectedBy(day rules.Date) rules.Money {
	var sum rules.Money
	for k, n := 0, p.count(); k < n; k++ {
		in := p.instalment(k)
		if in.Due > day {
			break
		}
		sum += in.Amount
	}
	return sum
}

// at works out the plan as it stands on asAt, given the debt outstanding
// now.
func (p *planRecord) at(asAt rules.Date, outstanding rules.Money) Plan {
	pl := Plan{ID: p.ID, PlanTerms: p.PlanTerms, Total: p.Total, AgreedOn: p.AgreedOn, Status: PlanActive, AsAt: asAt,
		InstalmentCount: p.count(), Instalments: []Instalment{}, Payments: []PlanPayment{}, DebtOutstanding: outstanding}
	pl.FinalDue = p.instalment(pl.InstalmentCount - 1).Due
	pays := slices.Clone(p.payments)
	slices.SortStableFunc(pays, func(a, b PlanPayment) int { return cmp.Compare(a.On, b.On) })
	for _, x := range pays {
		if x.On > asAt {
			break
		}
		pl.Payments = append(pl.Payments, x)
		pl.Paid += x.Amount
		if pl.Paid >= p.Total && pl.EndedOn == 0 {
			pl.Status, pl.EndedOn, pl.EndReason = PlanCompleted, x.On, "repaid under the plan"
		}
	}
	pl.Remaining = max(0, p.Total-pl.Paid)
	switch {
	case p.cancelled != nil && p.cancelled.On <= asAt && pl.Status == PlanActive:
		pl.Status, pl.EndedOn, pl.EndReason = PlanCancelled, p.cancelled.On, p.cancelled.Reason
	case pl.Status == PlanActive && outstanding <= 0:
		pl.Status, pl.EndReason = PlanCompleted, "the debt is cleared"
	}
	if pl.Paid >= p.Total {
		pl.InstalmentsPaid = pl.InstalmentCount
	} else {
		pl.InstalmentsPaid = min(pl.InstalmentCount-1, int(pl.Paid/p.Amount))
	}
	pool := pl.Paid
	for k := 0; k < pl.InstalmentCount; k++ {
		in := p.instalment(k)
		in.Paid = min(in.Amount, pool)
		pool -= in.Paid
		switch {
		case in.Paid == in.Amount:
			in.Status = InstalmentPaid
		case in.Due < asAt:
			in.Status = InstalmentMissed
			pl.InstalmentsMissed++
			pl.Arrears += in.Amount - in.Paid
		case in.Due == asAt:
			in.Status = InstalmentDue
		default:
			in.Status = InstalmentUpcoming
		}
		pl.Instalments = append(pl.Instalments, in)
		if in.Due > asAt {
			break // the next one is listed; the rest are to come
		}
	}
	if pl.Status == PlanActive {
		// Instalments are paid in order: the first not fully paid is
		// InstalmentsPaid; the next due is the first from there not yet
		// past.
		for k := pl.InstalmentsPaid; k < pl.InstalmentCount; k++ {
			if in := p.instalment(k); in.Due >= asAt {
				in.Paid = max(0, min(in.Amount, pl.Paid-rules.Money(k)*p.Amount))
				in.Status = InstalmentUpcoming
				if in.Due == asAt {
					in.Status = InstalmentDue
				}
				pl.NextDue = &in
				break
			}
		}
	} else {
		pl.Arrears, pl.InstalmentsMissed = 0, 0 // an ended plan owes no instalments
	}
	return pl
}

// arrearsForRun is what deductions from benefit may make good of an active
// plan: the part of the instalments due on or before dueBy that nothing
// recorded so far has paid, and never more than the debt.
func (p *planRecord) arrearsForRun(outstanding rules.Money, dueBy rules.Date) rules.Money {
	return max(0, min(outstanding, p.expectedBy(dueBy)-p.counted()))
}

// today is the civil date of the Debts' clock, in UTC.
func (d *Debts) today() rules.Date {
	now := time.Now
	if d.Now != nil {
		now = d.Now
	}
	return civil(now())
}

// outstanding is what the ledger says a debt is now.
func (d *Debts) outstanding(ctx context.Context, person, benefit string) (rules.Money, error) {
	b, err := d.Ledger.Balance(ctx, ledger.AccountID{Kind: ledger.Debt, Benefit: benefitCodes[benefit], Owner: person})
	if err != nil {
		return 0, err
	}
	return rules.Money(b.Net() - b.CreditsPending), nil
}

func checkBenefit(benefit string) error {
	if _, ok := benefitCodes[benefit]; !ok {
		return lifeline.FieldErrorf(lifeline.EINVALID, "benefit", "no benefit %q", benefit)
	}
	return nil
}

// AgreePlan records a repayment plan for a person's debt for a benefit and
// returns it as it stands today. key, if not empty, names the request: the
// same terms agreed again under the same key return the plan already
// agreed. It refuses a plan for a debt with nothing owed (ECONFLICT), or
// while another plan is active (ECONFLICT: cancel that one first), and
// terms that are not valid (EINVALID); none of those records anything.
func (d *Debts) AgreePlan(ctx context.Context, person, benefit string, terms PlanTerms, key string) (*Plan, error) {
	if err := checkBenefit(benefit); err != nil {
		return nil, err
	}
	if len(key) > lifeline.MaxIdempotencyKey {
		return nil, lifeline.FieldErrorf(lifeline.EINVALID, "Idempotency-Key", "the key is %d bytes; the limit is %d", len(key), lifeline.MaxIdempotencyKey)
	}
	today := d.today()
	rec, err := d.read(ctx, person, benefit)
	if err != nil {
		return nil, err
	}
	owed, err := d.outstanding(ctx, person, benefit)
	if err != nil {
		return nil, err
	}
	// A retry finds its plan, even a day later when the start has passed.
	if key != "" {
		for _, p := range rec.plans {
			if p.Key != key {
				continue
			}
			if p.PlanTerms != terms {
				return nil, lifeline.FieldErrorf(lifeline.EIDEMPOTENCY, "Idempotency-Key", "key %q was already used to agree plan %d on other terms: use a new key for a new plan", key, p.ID)
			}
			pl := p.at(today, owed)
			return &pl, nil
		}
	}
	switch {
	case terms.Amount <= 0:
		return nil, lifeline.FieldErrorf(lifeline.EINVALID, "amount", "each instalment must be above zero, like \"25.00\"")
	case !slices.Contains(frequencies, terms.Frequency):
		return nil, lifeline.FieldErrorf(lifeline.EINVALID, "frequency", "frequency %q: use weekly, 4-weekly or monthly", terms.Frequency)
	case terms.Start == 0:
		return nil, lifeline.FieldErrorf(lifeline.EINVALID, "start", "start is required: the day the first instalment is due, YYYY-MM-DD")
	case terms.Start < today:
		return nil, lifeline.FieldErrorf(lifeline.EINVALID, "start", "start %s is before today (%s): the first instalment must fall due today or later", terms.Start, today)
	case terms.Start > today.AddDays(366):
		return nil, lifeline.FieldErrorf(lifeline.EINVALID, "start", "start %s is more than a year away: agree the plan nearer the time", terms.Start)
	case len(terms.Note) > 500:
		return nil, lifeline.FieldErrorf(lifeline.EINVALID, "note", "the note is over 500 characters")
	}
	if n := len(rec.plans); n > 0 {
		if last := rec.plans[n-1].at(today, owed); last.Status == PlanActive {
			return nil, lifeline.Errorf(lifeline.ECONFLICT, "plan %d for this debt is active: cancel it before agreeing another", last.ID)
		}
	}
	if owed <= 0 {
		return nil, lifeline.Errorf(lifeline.ECONFLICT, "nothing is owed for %s: there is no debt to repay", benefit)
	}
	a := planAgreed{ID: len(rec.plans) + 1, PlanTerms: terms, Total: owed, AgreedOn: today, Key: key}
	if n := a.count(); n > maxInstalments {
		return nil, lifeline.FieldErrorf(lifeline.EINVALID, "amount", "%s of %s is %d instalments; at most %d are allowed: raise the amount", owed, terms.Amount, n, maxInstalments)
	}
	raw, _ := json.Marshal(a)
	if _, err := d.Log.Append(ctx, lifeline.AppendRequest{Stream: debtStream(person, benefit), Expected: lifeline.Expected(rec.version),
		Events: []lifeline.NewEvent{{Type: eventPlanAgreed, Subject: person, Data: raw}}}); err != nil {
		if lifeline.ErrorCode(err) == lifeline.ECONFLICT {
			return nil, lifeline.Errorf(lifeline.ECONFLICT, "the debt changed while the plan was being agreed: look at it again and retry")
		}
		return nil, err
	}
	pl := (&planRecord{planAgreed: a}).at(today, owed)
	return &pl, nil
}

// CancelPlan ends an active plan without its being repaid. Cancelling a
// plan already cancelled changes nothing and returns it; a plan that was
// completed cannot be cancelled (ECONFLICT).
func (d *Debts) CancelPlan(ctx context.Context, person, benefit string, id int, reason string) (*Plan, error) {
	if err := checkBenefit(benefit); err != nil {
		return nil, err
	}
	switch {
	case len(reason) == 0:
		return nil, lifeline.FieldErrorf(lifeline.EINVALID, "reason", "say why the plan is cancelled, for the record")
	case len(reason) > 500:
		return nil, lifeline.FieldErrorf(lifeline.EINVALID, "reason", "the reason is over 500 characters")
	}
	rec, err := d.read(ctx, person, benefit)
	if err != nil {
		return nil, err
	}
	owed, err := d.outstanding(ctx, person, benefit)
	if err != nil {
		return nil, err
	}
	i := slices.IndexFunc(rec.plans, func(p *planRecord) bool { return p.ID == id })
	if i < 0 {
		return nil, lifeline.FieldErrorf(lifeline.ENOTFOUND, "plan", "no plan %d for this debt", id)
	}
	today := d.today()
	p := rec.plans[i]
	if p.cancelled != nil {
		pl := p.at(max(today, p.cancelled.On), owed)
		return &pl, nil
	}
	if pl := p.at(today, owed); pl.Status != PlanActive {
		return nil, lifeline.Errorf(lifeline.ECONFLICT, "plan %d has ended (%s): there is nothing to cancel", id, pl.EndReason)
	}
	c := planCancelled{ID: id, Reason: reason, On: today}
	raw, _ := json.Marshal(c)
	if _, err := d.Log.Append(ctx, lifeline.AppendRequest{Stream: debtStream(person, benefit), Expected: lifeline.Expected(rec.version),
		Events: []lifeline.NewEvent{{Type: eventPlanCanceled, Subject: person, Data: raw}}}); err != nil {
		if lifeline.ErrorCode(err) == lifeline.ECONFLICT {
			return nil, lifeline.Errorf(lifeline.ECONFLICT, "the debt changed while the plan was being cancelled: look at it again and retry")
		}
		return nil, err
	}
	p.cancelled = &c
	pl := p.at(today, owed)
	return &pl, nil
}

// Plans returns every plan for a person's debt for a benefit, the first
// agreed first, as they stand on asAt (0 means today).
func (d *Debts) Plans(ctx context.Context, person, benefit string, asAt rules.Date) ([]Plan, error) {
	if err := checkBenefit(benefit); err != nil {
		return nil, err
	}
	if asAt == 0 {
		asAt = d.today()
	}
	rec, err := d.read(ctx, person, benefit)
	if err != nil {
		return nil, err
	}
	owed, err := d.outstanding(ctx, person, benefit)
	if err != nil {
		return nil, err
	}
	out := make([]Plan, len(rec.plans))
	for i, p := range rec.plans {
		out[i] = p.at(asAt, owed)
	}
	return out, nil
}

// ParsePlanID reads a plan's id from a path.
func ParsePlanID(s string) (int, error) {
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 {
		return 0, lifeline.FieldErrorf(lifeline.EINVALID, "plan", "plan %q: use the plan's number, 1 or more", s)
	}
	return n, nil
}

// recordDeduction records that the payment run's transfer recovered money
// for the debt on day, so that it counts against the plan. It is recorded
// before the transfer is posted, under a key the transfer names, so a
// rerun records it once; until the ledger holds the transfer it counts for
// nothing.
func (d *Debts) recordDeduction(ctx context.Context, person, benefit string, transfer ledger.ID, day rules.Date) error {
	raw, _ := json.Marshal(moneyMoved{Transfer: string(transfer), On: day})
	_, err := d.Log.Append(ctx, lifeline.AppendRequest{Stream: debtStream(person, benefit), Expected: lifeline.ExpectAny,
		IdempotencyKey: eventDeducted + "/" + string(transfer),
		Events:         []lifeline.NewEvent{{Type: eventDeducted, Subject: person, Data: raw}}})
	return err
}
