package ledger

import (
	"cmp"
	"slices"
	"time"

	"github.com/lifeline-gov/lifeline"
)

// settle applies a post or void of the pending transfer p.
func (r *run) settle(n *Transfer, p *Record, found bool) *lifeline.Error {
	phase := n.phase()
	switch {
	case !found:
		return fieldErr(lifeline.ENOTFOUND, n.ID, "pending_id", "pending transfer %s does not exist", n.PendingID)
	case p.Flags&Pending == 0:
		return fieldErr(lifeline.EINVALID, n.ID, "pending_id", "transfer %s is not a pending transfer, so it cannot be posted or voided", n.PendingID)
	case p.Status != Reserved:
		return fieldErr(lifeline.ECONFLICT, n.ID, "pending_id", "pending transfer %s was already %s", n.PendingID, p.Status)
	}
	if d := p.deadline(); d != 0 && n.Time.UnixNano() >= d {
		return fieldErr(lifeline.ECONFLICT, n.ID, "pending_id", "pending transfer %s expired at %s", n.PendingID,
			time.Unix(0, d).UTC().Format(time.RFC3339Nano))
	}
	if n.Debit != p.Debit {
		return fieldErr(lifeline.EINVALID, n.ID, "debit", "debit account %s is not the pending transfer's (%s): leave it empty or match it", n.Debit, p.Debit)
	}
	if n.Credit != p.Credit {
		return fieldErr(lifeline.EINVALID, n.ID, "credit", "credit account %s is not the pending transfer's (%s): leave it empty or match it", n.Credit, p.Credit)
	}
	if phase == Post && n.Amount > p.Amount {
		return fieldErr(lifeline.EINVALID, n.ID, "amount", "amount %s is more than the pending amount %s", pence(n.Amount), pence(p.Amount))
	}
	if phase == Void && n.Amount != p.Amount {
		return fieldErr(lifeline.EINVALID, n.ID, "amount", "a void releases the whole pending amount %s: leave amount 0", pence(p.Amount))
	}
	dr, pd, cr, pc, err := r.release(n.ID, p)
	if err != nil {
		return err
	}
	status := Voided
	if phase == Post {
		// Posting at most what was reserved keeps every constraint and every
		// total within the bounds checked when it was reserved.
		dr.DebitsPosted += n.Amount
		cr.CreditsPosted += n.Amount
		status = Posted
	}
	r.setAccount(p.Debit, pd, dr)
	r.setAccount(p.Credit, pc, cr)
	r.setStatus(p, status)
	r.post(n, Final, dr, cr)
	return nil
}

// release returns p's accounts with its reservation taken off.
func (r *run) release(id ID, p *Record) (dr Balance, pd *Balance, cr Balance, pc *Balance, err *lifeline.Error) {
	dr, pd = r.balance(p.Debit)
	cr, pc = r.balance(p.Credit)
	if dr.DebitsPending < p.Amount || cr.CreditsPending < p.Amount {
		// Only a store that loaded too little can get here.
		return dr, pd, cr, pc, fieldErr(lifeline.EINTERNAL, id, "pending_id", "the accounts of pending transfer %s hold less pending than it reserved: were they loaded?", p.ID)
	}
	dr.DebitsPending -= p.Amount
	cr.CreditsPending -= p.Amount
	return dr, pd, cr, pc, nil
}

// Expire releases the pending transfers among ids whose deadline is at or
// before t, oldest deadline first, at most MaxBatch of them (call again
// while Entry is not nil). Each becomes an expiry posting dated t, since
// history is in time order. ids not reserved, or not yet due, are skipped.
// A store passes the ids its own query found due; Ledger passes all.
func (s *State) Expire(t time.Time, ids []ID) (Applied, error) {
	if msg := timeProblem(t); msg != "" {
		return Applied{}, lifeline.FieldErrorf(lifeline.EINVALID, "time", "expiry %s", msg)
	}
	tn := t.UnixNano()
	if tn < s.Head.Time {
		return Applied{}, lifeline.FieldErrorf(lifeline.ECONFLICT, "time", "cannot expire as at %s, before the ledger's latest posting (%s)",
			t.UTC().Format(time.RFC3339Nano), time.Unix(0, s.Head.Time).UTC().Format(time.RFC3339Nano))
	}
	s.init()
	due := make([]*Record, 0, len(ids))
	for _, id := range ids {
		if p := s.Transfers[id]; p != nil && p.Status == Reserved {
			if d := p.deadline(); d != 0 && d <= tn {
				due = append(due, p)
			}
		}
	}
	slices.SortFunc(due, func(a, b *Record) int {
		return cmp.Or(cmp.Compare(a.deadline(), b.deadline()), cmp.Compare(a.Seq, b.Seq))
	})
	due = slices.Compact(due)
	if len(due) > MaxBatch {
		due = due[:MaxBatch]
	}
	r := run{s: s, start: s.Head, postings: make([]Posting, 0, len(due)), after: make([]After, 0, len(due)), saving: true}
	for i := range due {
		p := due[i]
		dr, pd, cr, pc, err := r.release(p.ID, p)
		if err != nil {
			r.rollback(r.start, 0)
			return Applied{}, err
		}
		r.setAccount(p.Debit, pd, dr)
		r.setAccount(p.Credit, pc, cr)
		r.setStatus(p, Expired)
		r.post(&Transfer{PendingID: p.ID, Debit: p.Debit, Credit: p.Credit, Amount: p.Amount,
			Code: expiryCode, Time: t.UTC(), Flags: Expire}, Final, dr, cr)
	}
	return r.finish(), nil
}

// ExpireBefore expires every reservation in the State due at or before t
// (see Expire).
func (s *State) ExpireBefore(t time.Time) (Applied, error) {
	var ids []ID
	for id, rec := range s.Transfers {
		if rec.Status == Reserved && rec.Timeout != 0 {
			ids = append(ids, id)
		}
	}
	return s.Expire(t, ids)
}

// sameContent reports, for a transfer id seen before, whether the new
// transfer says the same thing; if not, which field differs.
func sameContent(old, n *Transfer) *lifeline.Error {
	diff := func(field, was, now string) *lifeline.Error {
		return fieldErr(lifeline.ECONFLICT, n.ID, field,
			"this id was already used for a transfer with %s %s, not %s: a new transfer needs a new id", field, was, now)
	}
	switch {
	case old.Flags != n.Flags:
		return diff("flags", old.Flags.String(), n.Flags.String())
	case old.PendingID != n.PendingID:
		return diff("pending_id", quote(string(old.PendingID)), quote(string(n.PendingID)))
	case old.Debit != n.Debit:
		return diff("debit", old.Debit.String(), n.Debit.String())
	case old.Credit != n.Credit:
		return diff("credit", old.Credit.String(), n.Credit.String())
	case old.Amount != n.Amount:
		return diff("amount", pence(old.Amount), pence(n.Amount))
	case old.Timeout != n.Timeout:
		return diff("timeout", old.Timeout.String(), n.Timeout.String())
	case old.Code != n.Code:
		return diff("code", quote(old.Code), quote(n.Code))
	case old.Ref != n.Ref:
		return diff("ref", quote(truncate(old.Ref)), quote(truncate(n.Ref)))
	case !old.Time.Equal(n.Time):
		return diff("time", old.Time.UTC().Format(time.RFC3339Nano), n.Time.UTC().Format(time.RFC3339Nano))
	}
	return nil
}

func quote(s string) string { return `"` + s + `"` }
