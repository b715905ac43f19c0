package payments

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/lifeline-gov/lifeline"
	"github.com/lifeline-gov/lifeline/ledger"
	"github.com/lifeline-gov/lifeline/rules"
)

// Return is a payment the bank could not apply and sent back.
type Return struct {
	InstructionID string      // the end-to-end id in the file
	Amount        rules.Money // what came back
	Code          string      // the bank's reason code, e.g. "B"
	Reason        string      // e.g. "account closed"
}

// ReadReturns reads a returns file: one returned payment per line,
//
//	instruction_id,amount,reason_code,reason
//
// with the amount in pounds and pence ("123.45"); blank lines and lines
// starting with '#' are skipped. It is the shape the bank's return advice
// (ARUCS/ADDACS) is turned into before it reaches us: one line an item.
// Errors name the line and say what is wrong.
func ReadReturns(r io.Reader) ([]Return, error) {
	var out []Return
	sc := bufio.NewScanner(r)
	for line := 1; sc.Scan(); line++ {
		text := strings.TrimSpace(sc.Text())
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		f := strings.SplitN(text, ",", 4)
		if len(f) != 4 {
			return nil, lifeline.Errorf(lifeline.EINVALID, "returns line %d: want instruction_id,amount,reason_code,reason", line)
		}
		amt, err := rules.ParseMoney(strings.TrimSpace(f[1]))
		if err != nil || amt <= 0 {
			return nil, lifeline.Errorf(lifeline.EINVALID, "returns line %d: amount %q must be pounds and pence above zero, like 123.45", line, f[1])
		}
		id := strings.TrimSpace(f[0])
		if id == "" || len(id) > 35 {
			return nil, lifeline.Errorf(lifeline.EINVALID, "returns line %d: the instruction id must be 1 to 35 characters", line)
		}
		out = append(out, Return{InstructionID: id, Amount: amt, Code: strings.TrimSpace(f[2]), Reason: strings.TrimSpace(f[3])})
	}
	return out, sc.Err()
}

// Tasks receives work for agents: a returned payment needs new bank details.
type Tasks interface {
	OpenTask(ctx context.Context, id, kind, personID, description string) error
}

// Settlement says what settling a run did.
type Settlement struct {
	Date     rules.Date  `json:"date"`
	Settled  int         `json:"settled"`
	Returned int         `json:"returned"`
	Paid     rules.Money `json:"paid"`
	Back     rules.Money `json:"returned_amount"` // now in suspense
}

func (r *Runner) manifest(date rules.Date) ([]Payment, error) {
	b, err := os.ReadFile(filepath.Join(r.Dir, "payrun-"+date.String(), "manifest.json"))
	if os.IsNotExist(err) {
		return nil, lifeline.Errorf(lifeline.ENOTFOUND, "no payment run for %s: run lifeline payrun --date %s first", date, date)
	}
	if err != nil {
		return nil, err
	}
	var m struct{ Payments []Payment }
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("payments: manifest of %s: %w", date, err)
	}
	return m.Payments, nil
}

// Settle records the bank's answer to a run: every payment it made is
// posted (the reservation becomes a payment), and every returned one is
// posted and its money moved from the bank clearing account to suspense,
// with a task to get new bank details. Settling again changes nothing.
func (r *Runner) Settle(ctx context.Context, date rules.Date, returns []Return, tasks Tasks) (*Settlement, error) {
	paid, err := r.manifest(date)
	if err != nil {
		return nil, err
	}
	byInstruction := map[string]Payment{}
	for _, p := range paid {
		byInstruction[instructionID(p.ID)] = p
	}
	returned := map[string]Return{}
	for _, ret := range returns {
		p, ok := byInstruction[ret.InstructionID]
		if !ok {
			return nil, lifeline.Errorf(lifeline.EINVALID, "returned instruction %s is not in the run of %s", ret.InstructionID, date)
		}
		if ret.Amount != p.Amount {
			return nil, lifeline.Errorf(lifeline.EINVALID, "returned instruction %s: %s came back but %s was paid", ret.InstructionID, ret.Amount, p.Amount)
		}
		returned[p.ID] = ret
	}
	at := time.Date(date.Year(), time.Month(date.Month()), date.Day(), 18, 0, 0, 0, time.UTC)
	st := &Settlement{Date: date}
	before, err := r.Ledger.LedgerHead(ctx)
	if err != nil {
		return nil, err
	}
	var batch ledger.Batch
	for _, p := range paid {
		code := benefitCodes[p.Benefit]
		batch = append(batch, ledger.Transfer{ID: ledger.ID("settle/" + p.ID), PendingID: ledger.ID(p.ID), Code: "payment-settled",
			Ref: "payrun-" + date.String(), Time: at, Flags: ledger.Post})
		ret, back := returned[p.ID]
		if !back {
			st.Settled++
			st.Paid += p.Amount
			continue
		}
		batch[len(batch)-1].Flags |= ledger.Linked
		batch = append(batch, ledger.Transfer{ID: ledger.ID("return/" + p.ID), Debit: ledger.AccountID{Kind: ledger.Clearing, Benefit: code},
			Credit: ledger.AccountID{Kind: ledger.Suspense, Benefit: code}, Amount: int64(p.Amount), Code: "payment-returned",
			Ref: ret.Code + " " + ret.Reason, Time: at})
		st.Returned++
		st.Back += p.Amount
		if tasks != nil {
			desc := fmt.Sprintf("The payment of %s on %s came back (%s %s): get new bank details; the money is in suspense until it is paid again.", p.Amount, date, ret.Code, ret.Reason)
			if err := tasks.OpenTask(ctx, "returned/"+p.ID, "returned-payment", p.PersonID, desc); err != nil {
				return nil, err
			}
		}
	}
	for len(batch) > 0 {
		n := min(len(batch), ledger.MaxBatch)
		if n < len(batch) && batch[n-1].Flags&ledger.Linked != 0 {
			n-- // keep a post and its return together
		}
		applied, err := r.Ledger.Post(ctx, batch[:n])
		if err != nil {
			return nil, err
		}
		if err := applied.Err(); err != nil {
			return nil, err
		}
		batch = batch[n:]
	}
	_, err = r.commitHead(ctx, before)
	return st, err
}

// Reconciliation matches a run's manifest, its ledger transfers and its
// returns. Mismatches lists anything that does not agree; empty is clean.
type Reconciliation struct {
	Date       rules.Date  `json:"date"`
	Payments   int         `json:"payments"`
	FileTotal  rules.Money `json:"file_total"`
	Reserved   rules.Money `json:"reserved"` // awaiting the bank
	Posted     rules.Money `json:"posted"`
	Returned   rules.Money `json:"returned"`
	Mismatches []string    `json:"mismatches"`
}

// Reconcile checks a run: every payment in the file is in the ledger with
// the same amount, reserved or posted, and every return is in suspense.
func (r *Runner) Reconcile(ctx context.Context, date rules.Date) (*Reconciliation, error) {
	paid, err := r.manifest(date)
	if err != nil {
		return nil, err
	}
	rec := &Reconciliation{Date: date, Payments: len(paid), Mismatches: []string{}}
	for _, p := range paid {
		rec.FileTotal += p.Amount
		t, ok, err := r.Ledger.Transfer(ctx, ledger.ID(p.ID))
		if err != nil {
			return nil, err
		}
		switch {
		case !ok:
			rec.Mismatches = append(rec.Mismatches, fmt.Sprintf("%s is in the file but not in the ledger", p.ID))
			continue
		case t.Amount != int64(p.Amount):
			rec.Mismatches = append(rec.Mismatches, fmt.Sprintf("%s: the file pays %s but the ledger reserved %s", p.ID, p.Amount, rules.Money(t.Amount)))
		}
		switch t.Status {
		case ledger.Reserved:
			rec.Reserved += p.Amount
		case ledger.Posted:
			rec.Posted += p.Amount
		default:
			rec.Mismatches = append(rec.Mismatches, fmt.Sprintf("%s is %s in the ledger", p.ID, t.Status))
		}
		if ret, ok, err := r.Ledger.Transfer(ctx, ledger.ID("return/"+p.ID)); err != nil {
			return nil, err
		} else if ok {
			rec.Returned += rules.Money(ret.Amount)
		}
	}
	return rec, nil
}
