package ledger

import (
	"time"

	"github.com/lifeline-gov/lifeline"
)

// State is the part of the ledger a batch reads and changes: the chain head,
// account balances and transfers. The in-memory Ledger holds all of it. A
// store fills a State with just what one batch needs (Batch.IDs, then
// Batch.Accounts), calls Apply, and writes back what changed; an account or
// transfer missing from the maps is taken not to exist.
//
// A State is not safe for concurrent use.
type State struct {
	Head      Head
	Accounts  map[AccountID]*Balance // Apply updates balances in place
	Transfers map[ID]*Record         // and records too (a pending's status)

	buf []byte // encoding scratch for the entry hash, reused between batches
}

// NewState returns an empty State: a ledger before its first entry.
func NewState() *State {
	return &State{Accounts: make(map[AccountID]*Balance), Transfers: make(map[ID]*Record)}
}

// Applied is what a batch did.
type Applied struct {
	Results []Result // one per transfer, in batch order (none for an expiry)
	// Entry is the new step of history, chained to the previous head; nil
	// when nothing moved (every transfer failed or was a repeat).
	Entry *Entry
	// After holds each posting's account balances just after it, in
	// Entry.Postings order: what a store keeps for balances as at a time.
	After []After
}

// After is the balances of a posting's two accounts just after it.
type After struct{ Debit, Credit Balance }

// Result is the outcome of one transfer.
type Result struct {
	ID  ID
	Seq uint64 // the posting's sequence number, or the original's for a repeat; 0 on failure
	// Repeat is true when the id was already posted with the same content:
	// the original result is returned and nothing moves.
	Repeat bool
	Err    error // a *lifeline.Error naming the transfer and why; nil on success
}

// Err returns the first failure in the batch, or nil.
func (a Applied) Err() error {
	for i := range a.Results {
		if a.Results[i].Err != nil {
			return a.Results[i].Err
		}
	}
	return nil
}

// Apply applies a batch: in order, each transfer or linked chain succeeding
// or failing on its own. The error is for a batch that cannot be applied at
// all (empty, too large, ending inside a linked chain); then nothing changes.
// Apply is pure: the same state and batch always give the same result.
func (s *State) Apply(b Batch) (Applied, error) {
	if err := b.check(); err != nil {
		return Applied{}, err
	}
	s.init()
	r := run{s: s, start: s.Head, postings: make([]Posting, 0, len(b)), after: make([]After, 0, len(b)),
		records: make([]Record, 0, len(b)), balances: make([]Balance, 0, 2*len(b))}
	results := make([]Result, len(b))
	for i := 0; i < len(b); {
		end := i // the chain is b[i:end+1]; a lone transfer is a chain of one
		for b[end].Flags&Linked != 0 {
			end++
		}
		if end == i {
			results[i] = r.one(&b[i])
			i++
			continue
		}
		r.saving = true
		head, mark := s.Head, len(r.postings)
		for k := i; k <= end; k++ {
			results[k] = r.one(&b[k])
			if results[k].Err != nil {
				r.rollback(head, mark)
				failChain(results[i:end+1], b[i:end+1], k-i, head.Postings)
				break
			}
		}
		r.saving = false
		r.undoAccounts, r.undoTransfers = r.undoAccounts[:0], r.undoTransfers[:0]
		i = end + 1
	}
	a := r.finish()
	a.Results = results
	return a, nil
}

func (s *State) init() {
	if s.Accounts == nil {
		s.Accounts = make(map[AccountID]*Balance)
	}
	if s.Transfers == nil {
		s.Transfers = make(map[ID]*Record)
	}
}

// failChain marks every transfer of a failed chain as failed, naming the
// transfer that broke it and why. A repeat of a transfer posted before the
// chain (at or below seq) keeps its result: the chain did not move it.
func failChain(results []Result, chain Batch, failed int, seq uint64) {
	cause := results[failed].Err.(*lifeline.Error)
	name := string(chain[failed].ID)
	if idProblem(chain[failed].ID) != "" {
		name = "(with a bad id)"
	}
	reason := cause.Message
	if prefix := "transfer " + name + ": "; len(reason) > len(prefix) && reason[:len(prefix)] == prefix {
		reason = reason[len(prefix):]
	}
	for k := range chain {
		if k < failed && results[k].Repeat && results[k].Seq <= seq {
			continue
		}
		if k != failed {
			e := fieldErr(cause.Code, chain[k].ID, "", "not applied because linked transfer %s failed: %s", name, reason)
			results[k] = Result{ID: chain[k].ID, Err: e}
		}
	}
}

// run is one Apply or Expire in progress.
type run struct {
	s        *State
	start    Head // the head before the batch
	postings []Posting
	after    []After
	// New records and balances are allocated together: one allocation per
	// batch, not one per transfer.
	records  []Record
	balances []Balance

	// While inside a linked chain, the values each change overwrote, so a
	// failed chain can be undone. Lone transfers change nothing until all
	// their checks pass, so they need no undo.
	saving        bool
	undoAccounts  []savedAccount
	undoTransfers []savedTransfer
}

type savedAccount struct {
	id      AccountID
	balance Balance
	existed bool
}

type savedTransfer struct {
	id      ID
	record  Record
	existed bool
}

// balance returns an account's balance and where it is kept (nil if new).
func (r *run) balance(id AccountID) (Balance, *Balance) {
	if p := r.s.Accounts[id]; p != nil {
		return *p, p
	}
	return Balance{}, nil
}

// setAccount stores b at p, the place balance returned for id.
func (r *run) setAccount(id AccountID, p *Balance, b Balance) {
	if p != nil {
		if r.saving {
			r.undoAccounts = append(r.undoAccounts, savedAccount{id, *p, true})
		}
		*p = b
		return
	}
	if r.saving {
		r.undoAccounts = append(r.undoAccounts, savedAccount{id: id})
	}
	if len(r.balances) == cap(r.balances) {
		r.balances = make([]Balance, 0, max(16, cap(r.balances)))
	}
	r.balances = append(r.balances, b)
	r.s.Accounts[id] = &r.balances[len(r.balances)-1]
}

// addTransfer stores the record of a transfer id not seen before.
func (r *run) addTransfer(id ID, rec Record) {
	if r.saving {
		r.undoTransfers = append(r.undoTransfers, savedTransfer{id: id})
	}
	if len(r.records) == cap(r.records) {
		r.records = make([]Record, 0, max(16, cap(r.records)))
	}
	r.records = append(r.records, rec)
	r.s.Transfers[id] = &r.records[len(r.records)-1]
}

// setStatus changes the status of a pending transfer's record.
func (r *run) setStatus(p *Record, s Status) {
	if r.saving {
		r.undoTransfers = append(r.undoTransfers, savedTransfer{p.ID, *p, true})
	}
	p.Status = s
}

// rollback undoes a failed chain, newest change first.
func (r *run) rollback(head Head, mark int) {
	s := r.s
	for i := len(r.undoAccounts) - 1; i >= 0; i-- {
		u := r.undoAccounts[i]
		if u.existed {
			*s.Accounts[u.id] = u.balance
		} else {
			delete(s.Accounts, u.id)
		}
	}
	for i := len(r.undoTransfers) - 1; i >= 0; i-- {
		u := r.undoTransfers[i]
		if u.existed {
			*s.Transfers[u.id] = u.record
		} else {
			delete(s.Transfers, u.id)
		}
	}
	s.Head = head
	r.postings, r.after = r.postings[:mark], r.after[:mark]
}

// one applies a single transfer, or says why not.
func (r *run) one(t *Transfer) Result {
	if err := t.check(false); err != nil {
		return Result{ID: t.ID, Err: err}
	}
	s := r.s
	n := *t
	n.Time = n.Time.UTC()
	// Linking is how a batch groups transfers, not part of what each one
	// says: history records what moved, and a repeat may come in any chain.
	n.Flags &^= Linked
	phase := n.phase()
	var pending *Record
	var found bool
	if phase == Post || phase == Void {
		pending, found = s.Transfers[n.PendingID]
		if found && pending.Flags&Pending != 0 {
			fillFromPending(&n, &pending.Transfer)
		}
	}
	if old := s.Transfers[n.ID]; old != nil {
		if err := sameContent(&old.Transfer, &n); err != nil {
			return Result{ID: n.ID, Err: err}
		}
		return Result{ID: n.ID, Seq: old.Seq, Repeat: true}
	}
	if n.Time.UnixNano() < s.Head.Time {
		return Result{ID: n.ID, Err: fieldErr(lifeline.ECONFLICT, n.ID, "time",
			"dated %s, before the ledger's latest posting (%s): history is kept in time order, so date it again and retry",
			n.Time.Format(time.RFC3339Nano), time.Unix(0, s.Head.Time).UTC().Format(time.RFC3339Nano))}
	}
	var err *lifeline.Error
	if phase == Post || phase == Void {
		err = r.settle(&n, pending, found)
	} else {
		err = r.move(&n)
	}
	if err != nil {
		return Result{ID: n.ID, Err: err}
	}
	return Result{ID: n.ID, Seq: s.Head.Postings}
}

// fillFromPending completes a post or void from the transfer it settles, so
// that a repeat compares and history reads the same either way.
func fillFromPending(n, p *Transfer) {
	if n.Debit == (AccountID{}) {
		n.Debit = p.Debit
	}
	if n.Credit == (AccountID{}) {
		n.Credit = p.Credit
	}
	if n.Amount == 0 {
		n.Amount = p.Amount
	}
}

// move applies a single-phase or pending transfer.
func (r *run) move(n *Transfer) *lifeline.Error {
	dr, pd := r.balance(n.Debit)
	cr, pc := r.balance(n.Credit)
	if !fits(dr.DebitsPending+dr.DebitsPosted, n.Amount) {
		return fieldErr(lifeline.EINVALID, n.ID, "amount", "would overflow the debits of %s", n.Debit)
	}
	if !fits(cr.CreditsPending+cr.CreditsPosted, n.Amount) {
		return fieldErr(lifeline.EINVALID, n.ID, "amount", "would overflow the credits of %s", n.Credit)
	}
	status := Final
	if n.Flags&Pending != 0 {
		dr.DebitsPending += n.Amount
		cr.CreditsPending += n.Amount
		status = Reserved
	} else {
		dr.DebitsPosted += n.Amount
		cr.CreditsPosted += n.Amount
	}
	if msg := dr.breaks(n.Debit.Kind.Constraint()); msg != "" {
		return fieldErr(lifeline.ECONFLICT, n.ID, "amount", "%s may not go below zero: %s", n.Debit, msg)
	}
	if msg := cr.breaks(n.Credit.Kind.Constraint()); msg != "" {
		return fieldErr(lifeline.ECONFLICT, n.ID, "amount", "%s may not go below zero: %s", n.Credit, msg)
	}
	r.setAccount(n.Debit, pd, dr)
	r.setAccount(n.Credit, pc, cr)
	r.post(n, status, dr, cr)
	return nil
}

// post records n as the next posting.
func (r *run) post(n *Transfer, status Status, dr, cr Balance) {
	s := r.s
	s.Head.Postings++
	s.Head.Time = n.Time.UnixNano()
	p := Posting{Seq: s.Head.Postings, Transfer: *n}
	if n.ID != "" { // expiry records have no id of their own
		r.addTransfer(n.ID, Record{Posting: p, Status: status})
	}
	r.postings = append(r.postings, p)
	r.after = append(r.after, After{Debit: dr, Credit: cr})
}

// finish turns the run's postings into the next entry of the chain.
func (r *run) finish() Applied {
	if len(r.postings) == 0 {
		return Applied{}
	}
	s := r.s
	e := &Entry{Seq: r.start.Seq + 1, Prev: r.start.Hash, Postings: r.postings}
	e.Hash, s.buf = e.computeHash(s.buf)
	s.Head.Seq, s.Head.Hash = e.Seq, e.Hash
	return Applied{Entry: e, After: r.after}
}
