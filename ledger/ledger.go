package ledger

import (
	"slices"
	"sort"
	"sync"
	"time"
)

// Ledger is the whole ledger in memory: a State holding every account and
// transfer, plus the history of entries and each account's balance after
// every change, for balances as at any time. It is safe for concurrent use;
// writes are serialised, as a hash chain requires.
type Ledger struct {
	mu      sync.RWMutex
	state   State
	entries []Entry
	points  map[AccountID]*[]point // each account's balance after each change, in time order
	live    map[ID]struct{}        // reservations that can expire
	broken  error                  // set when a Replay failed part way
}

// point is an account's balance from time on.
type point struct {
	time int64 // Unix nanoseconds
	bal  Balance
}

// New returns an empty ledger.
func New() *Ledger {
	return &Ledger{state: *NewState(), points: make(map[AccountID]*[]point), live: make(map[ID]struct{})}
}

// Rebuild replays entries into a new ledger, checking each as it goes.
func Rebuild(entries []Entry) (*Ledger, error) {
	l := New()
	for _, e := range entries {
		if err := l.Replay(e); err != nil {
			return nil, err
		}
	}
	return l, nil
}

// Apply applies a batch (see State.Apply) and keeps its entry.
func (l *Ledger) Apply(b Batch) (Applied, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.broken != nil {
		return Applied{}, l.broken
	}
	a, err := l.state.Apply(b)
	if err == nil {
		l.keep(a)
	}
	return a, err
}

// ExpireBefore releases every reservation whose deadline is at or before t,
// up to MaxBatch per call (see State.Expire). Call it before applying
// batches dated after t: until then an overdue reservation still holds funds.
func (l *Ledger) ExpireBefore(t time.Time) (Applied, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.broken != nil {
		return Applied{}, l.broken
	}
	ids := make([]ID, 0, len(l.live))
	for id := range l.live {
		ids = append(ids, id)
	}
	a, err := l.state.Expire(t, ids)
	if err == nil {
		l.keep(a)
	}
	return a, err
}

// Replay re-applies an entry written earlier (see State.Replay). After an
// error the ledger refuses all further writes.
func (l *Ledger) Replay(e Entry) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.broken != nil {
		return l.broken
	}
	a, err := l.state.Replay(e)
	if err != nil {
		l.broken = err
		return err
	}
	l.keep(a)
	return nil
}

// keep records a new entry in the history and the as-at index.
func (l *Ledger) keep(a Applied) {
	if a.Entry == nil {
		return
	}
	l.entries = append(l.entries, *a.Entry)
	var fresh []freshHistory // new accounts' histories, allocated together
	for i := range a.Entry.Postings {
		p := &a.Entry.Postings[i]
		t := p.Time.UnixNano()
		fresh = l.mark(p.Debit, t, a.After[i].Debit, fresh)
		fresh = l.mark(p.Credit, t, a.After[i].Credit, fresh)
		switch p.phase() {
		case Pending:
			if p.Timeout != 0 {
				l.live[p.ID] = struct{}{}
			}
		case Post, Void, Expire:
			delete(l.live, p.PendingID)
		}
	}
}

// freshHistory is a new account's history with room for its first point.
type freshHistory struct {
	pts   []point
	first [1]point
}

func (l *Ledger) mark(a AccountID, t int64, b Balance, fresh []freshHistory) []freshHistory {
	pts := l.points[a]
	if pts == nil {
		if len(fresh) == cap(fresh) {
			fresh = make([]freshHistory, 0, 256)
		}
		fresh = append(fresh, freshHistory{})
		h := &fresh[len(fresh)-1]
		h.first[0] = point{t, b}
		h.pts = h.first[:]
		l.points[a] = &h.pts
		return fresh
	}
	if n := len(*pts); (*pts)[n-1].time == t {
		(*pts)[n-1].bal = b // same instant: only the last balance is visible
	} else {
		*pts = append(*pts, point{t, b})
	}
	return fresh
}

// Head returns where the chain stands.
func (l *Ledger) Head() Head {
	l.mu.RLock()
	defer l.mu.RUnlock()
	return l.state.Head
}

// Entries returns the history from entry from (1-based) on. Entries are
// shared, not copied: do not modify them.
func (l *Ledger) Entries(from uint64) []Entry {
	l.mu.RLock()
	defer l.mu.RUnlock()
	if from < 1 {
		from = 1
	}
	if from > uint64(len(l.entries)) {
		return nil
	}
	return slices.Clone(l.entries[from-1:])
}

// Transfer returns the transfer with the given id and its status.
func (l *Ledger) Transfer(id ID) (Record, bool) {
	l.mu.RLock()
	defer l.mu.RUnlock()
	if r := l.state.Transfers[id]; r != nil {
		return *r, true
	}
	return Record{}, false
}

// Balance returns an account's balance now (zero if it was never used).
func (l *Ledger) Balance(a AccountID) Balance {
	l.mu.RLock()
	defer l.mu.RUnlock()
	if b := l.state.Accounts[a]; b != nil {
		return *b
	}
	return Balance{}
}

// BalanceAt returns an account's balance as at t: after every posting dated
// at or before t. History is in time order, so this is a prefix of it.
func (l *Ledger) BalanceAt(a AccountID, t time.Time) Balance {
	l.mu.RLock()
	defer l.mu.RUnlock()
	if pts := l.points[a]; pts != nil {
		return balanceAt(*pts, t.UnixNano())
	}
	return Balance{}
}

func balanceAt(pts []point, t int64) Balance {
	i := sort.Search(len(pts), func(i int) bool { return pts[i].time > t })
	if i == 0 {
		return Balance{}
	}
	return pts[i-1].bal
}

// Line is one account in a trial balance.
type Line struct {
	Account AccountID
	Balance
}

// TrialBalance lists every account's balance, sorted by account, and their
// totals. Double entry means Total.DebitsPosted equals Total.CreditsPosted
// (so Total.Net() is zero) and the pending totals are equal too.
type TrialBalance struct {
	Lines []Line
	Total Balance
}

// TrialBalance returns the trial balance now.
func (l *Ledger) TrialBalance() TrialBalance {
	l.mu.RLock()
	defer l.mu.RUnlock()
	var tb TrialBalance
	for a, b := range l.state.Accounts {
		tb.Add(a, *b)
	}
	tb.Sort()
	return tb
}

// TrialBalanceAt returns the trial balance as at t.
func (l *Ledger) TrialBalanceAt(t time.Time) TrialBalance {
	l.mu.RLock()
	defer l.mu.RUnlock()
	var tb TrialBalance
	tn := t.UnixNano()
	for a, pts := range l.points {
		if (*pts)[0].time <= tn {
			tb.Add(a, balanceAt(*pts, tn))
		}
	}
	tb.Sort()
	return tb
}

// Add appends a line and adds it to the totals; stores that read balances
// build their trial balance with Add and Sort. Totals wrap rather than
// overflow, which keeps the difference of two totals exact.
func (tb *TrialBalance) Add(a AccountID, b Balance) {
	tb.Lines = append(tb.Lines, Line{a, b})
	tb.Total.DebitsPending += b.DebitsPending
	tb.Total.DebitsPosted += b.DebitsPosted
	tb.Total.CreditsPending += b.CreditsPending
	tb.Total.CreditsPosted += b.CreditsPosted
}

// Sort orders the lines by account.
func (tb *TrialBalance) Sort() {
	slices.SortFunc(tb.Lines, func(x, y Line) int { return x.Account.Compare(y.Account) })
}
