package ledger

import (
	"testing"
	"time"
)

// t0 is the day the tests' history starts.
var t0 = time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)

var (
	expenseUC = AccountID{Kind: Expense, Benefit: "UC"}
	clearing  = AccountID{Kind: Clearing}
	suspense  = AccountID{Kind: Suspense}
	writeOff  = AccountID{Kind: WriteOff}
)

func payable(person string) AccountID { return AccountID{Kind: Payable, Benefit: "UC", Owner: person} }
func debt(person string) AccountID    { return AccountID{Kind: Debt, Owner: person} }

// xfer is a single-phase transfer dated t0.
func xfer(id string, debit, credit AccountID, amount int64) Transfer {
	return Transfer{ID: ID(id), Debit: debit, Credit: credit, Amount: amount, Code: "test", Time: t0}
}

// reserve is a pending transfer dated t0.
func reserve(id string, debit, credit AccountID, amount int64, timeout time.Duration) Transfer {
	t := xfer(id, debit, credit, amount)
	t.Flags, t.Timeout = Pending, timeout
	return t
}

// settle is a post (or void) of a pending transfer, naming no accounts.
func settle(id, pending string, flag Flags, amount int64) Transfer {
	return Transfer{ID: ID(id), PendingID: ID(pending), Amount: amount, Code: "test", Time: t0, Flags: flag}
}

func with(t Transfer, f func(*Transfer)) Transfer { f(&t); return t }

func linked(ts ...Transfer) Batch {
	for i := range ts[:len(ts)-1] {
		ts[i].Flags |= Linked
	}
	return ts
}

// mustApply applies a batch that must succeed in full.
func mustApply(tb testing.TB, l *Ledger, b Batch) Applied {
	tb.Helper()
	a, err := l.Apply(b)
	if err != nil {
		tb.Fatalf("Apply: %v", err)
	}
	if err := a.Err(); err != nil {
		tb.Fatalf("Apply: %v", err)
	}
	return a
}

// funded returns a ledger in which person p1 is owed £100.00 of UC.
func funded(tb testing.TB) *Ledger {
	l := New()
	mustApply(tb, l, Batch{xfer("due-1", expenseUC, payable("p1"), 100_00)})
	return l
}

// sample returns a ledger with five entries using every kind of posting:
// awards, reservations, a post, a linked overpayment and recovery, an
// expiry, and a void.
func sample(tb testing.TB) *Ledger {
	tb.Helper()
	l := New()
	at := func(t Transfer, d time.Duration) Transfer { t.Time = t0.Add(d); return t }
	mustApply(tb, l, Batch{
		xfer("due-1", expenseUC, payable("p1"), 100_00),
		with(xfer("due-2", expenseUC, payable("p2"), 50_00), func(t *Transfer) { t.Ref = "award-revision 7 ✓" }),
	})
	mustApply(tb, l, Batch{
		at(reserve("r1", payable("p1"), clearing, 60_00, 72*time.Hour), time.Minute),
		at(reserve("r2", payable("p2"), clearing, 50_00, time.Hour), time.Minute),
	})
	mustApply(tb, l, append(Batch{at(settle("s1", "r1", Post, 0), 2*time.Minute)},
		linked(at(xfer("op-1", debt("p1"), expenseUC, 30_00), 2*time.Minute),
			at(xfer("rec-1", payable("p1"), debt("p1"), 10_00), 2*time.Minute))...))
	if _, err := l.ExpireBefore(t0.Add(2 * time.Hour)); err != nil {
		tb.Fatal(err)
	}
	mustApply(tb, l, Batch{
		at(reserve("r3", payable("p2"), clearing, 5_00, 0), 3*time.Hour),
		at(settle("v3", "r3", Void, 0), 3*time.Hour),
	})
	return l
}

// clone deep-copies entries so a test can change them.
func clone(entries []Entry) []Entry {
	out := make([]Entry, len(entries))
	for i, e := range entries {
		e.Postings = append([]Posting(nil), e.Postings...)
		out[i] = e
	}
	return out
}
