package ledger

import (
	"testing"
	"time"
)

func TestTwoPhasePartialPost(t *testing.T) {
	l := funded(t)
	mustApply(t, l, Batch{reserve("r1", payable("p1"), clearing, 60_00, 72*time.Hour)})
	if got, want := l.Balance(payable("p1")), (Balance{DebitsPending: 60_00, CreditsPosted: 100_00}); got != want {
		t.Fatalf("after reserving: payable %+v, want %+v", got, want)
	}
	if got := l.Balance(payable("p1")).Available(); got != 40_00 {
		t.Fatalf("available %d, want 4000", got)
	}
	a := mustApply(t, l, Batch{with(settle("s1", "r1", Post, 50_00), func(t *Transfer) { t.Time = t0.Add(time.Hour) })})
	p := a.Entry.Postings[0]
	if p.Debit != payable("p1") || p.Credit != clearing || p.Amount != 50_00 {
		t.Fatalf("post recorded as %+v; want the pending's accounts and 5000", p.Transfer)
	}
	if got, want := l.Balance(payable("p1")), (Balance{DebitsPosted: 50_00, CreditsPosted: 100_00}); got != want {
		t.Fatalf("after posting: payable %+v, want %+v", got, want)
	}
	if got, want := l.Balance(clearing), (Balance{CreditsPosted: 50_00}); got != want {
		t.Fatalf("after posting: clearing %+v, want %+v", got, want)
	}
	if r, _ := l.Transfer("r1"); r.Status != Posted {
		t.Fatalf("r1 is %s, want posted", r.Status)
	}
	// As at before the post, the reservation still shows.
	if got := l.BalanceAt(payable("p1"), t0.Add(30*time.Minute)); got.DebitsPending != 60_00 || got.DebitsPosted != 0 {
		t.Fatalf("as at 09:30: %+v", got)
	}
}

func TestTwoPhaseVoid(t *testing.T) {
	l := funded(t)
	mustApply(t, l, Batch{reserve("r1", payable("p1"), clearing, 60_00, 0)})
	a := mustApply(t, l, Batch{settle("v1", "r1", Void, 0)})
	if got := a.Entry.Postings[0].Amount; got != 60_00 {
		t.Fatalf("void recorded amount %d, want the 6000 it released", got)
	}
	if got, want := l.Balance(payable("p1")), (Balance{CreditsPosted: 100_00}); got != want {
		t.Fatalf("after void: %+v, want %+v", got, want)
	}
	if r, _ := l.Transfer("r1"); r.Status != Voided {
		t.Fatalf("r1 is %s, want voided", r.Status)
	}
}

func TestExpireBefore(t *testing.T) {
	l := funded(t)
	mustApply(t, l, Batch{
		reserve("r-late", payable("p1"), clearing, 20_00, 2*time.Hour),
		reserve("r-soon", payable("p1"), clearing, 30_00, time.Hour),
		reserve("r-never", payable("p1"), clearing, 10_00, 0),
	})
	head := l.Head()
	a, err := l.ExpireBefore(t0.Add(time.Hour - 1))
	if err != nil || a.Entry != nil || l.Head() != head {
		t.Fatalf("before any deadline: entry %v, err %v; want nothing to happen", a.Entry, err)
	}
	// At the deadline a reservation has expired; both due ones go, oldest deadline first.
	a, err = l.ExpireBefore(t0.Add(3 * time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	var got []ID
	for _, p := range a.Entry.Postings {
		got = append(got, p.PendingID)
		if p.Flags != Expire || !p.Time.Equal(t0.Add(3*time.Hour)) || p.Code != "expired" {
			t.Errorf("expiry posting %+v", p)
		}
	}
	if len(got) != 2 || got[0] != "r-soon" || got[1] != "r-late" {
		t.Fatalf("expired %v, want [r-soon r-late]", got)
	}
	if b := l.Balance(payable("p1")); b.DebitsPending != 10_00 {
		t.Fatalf("pending left %d, want 1000 (the reservation without a timeout)", b.DebitsPending)
	}
	if r, _ := l.Transfer("r-soon"); r.Status != Expired {
		t.Fatalf("r-soon is %s", r.Status)
	}
	a, _ = l.Apply(Batch{with(settle("s1", "r-soon", Post, 0), func(t *Transfer) { t.Time = t0.Add(3 * time.Hour) })})
	want := "lifeline: conflict: transfer s1: pending transfer r-soon was already expired (field pending_id)"
	if err := a.Err(); err == nil || err.Error() != want {
		t.Fatalf("post after expiry: %v, want %s", err, want)
	}
	if _, err := l.ExpireBefore(t0); err == nil || err.Error() != "lifeline: conflict: cannot expire as at 2026-11-23T09:00:00Z, before the ledger's latest posting (2026-11-23T12:00:00Z) (field time)" {
		t.Fatalf("expiring in the past: %v", err)
	}
	if _, err := l.ExpireBefore(time.Time{}); err == nil || err.Error() != "lifeline: invalid: expiry time is not set: the caller dates every transfer (field time)" {
		t.Fatalf("expiring at the zero time: %v", err)
	}
	// Nothing left to expire: a second sweep changes nothing.
	head = l.Head()
	if a, err := l.ExpireBefore(t0.Add(4 * time.Hour)); err != nil || a.Entry != nil || l.Head() != head {
		t.Fatalf("second sweep: %v %v", a.Entry, err)
	}
}

func TestBalanceAt(t *testing.T) {
	l := New()
	day := func(d int) time.Time { return t0.AddDate(0, 0, d) }
	mustApply(t, l, Batch{with(xfer("due-1", expenseUC, payable("p1"), 100_00), func(t *Transfer) { t.Time = day(1) })})
	mustApply(t, l, Batch{with(xfer("due-2", expenseUC, payable("p1"), 50_00), func(t *Transfer) { t.Time = day(2) })})
	mustApply(t, l, Batch{with(xfer("paid", payable("p1"), clearing, 150_00), func(t *Transfer) { t.Time = day(3) })})
	for _, c := range []struct {
		at   time.Time
		want int64 // the payable's Net: negative while we owe
	}{
		{day(0), 0},
		{day(1).Add(-1), 0},
		{day(1), -100_00},
		{day(2).Add(-1), -100_00},
		{day(2), -150_00},
		{day(3), 0},
		{day(30), 0},
	} {
		if got := l.BalanceAt(payable("p1"), c.at).Net(); got != c.want {
			t.Errorf("as at %s: %d, want %d", c.at.Format(time.RFC3339Nano), got, c.want)
		}
		tb := l.TrialBalanceAt(c.at)
		if tb.Total.Net() != 0 {
			t.Errorf("trial balance as at %s does not sum to zero: %+v", c.at, tb.Total)
		}
	}
	tb := l.TrialBalanceAt(day(2))
	if len(tb.Lines) != 2 || tb.Lines[0].Account != expenseUC || tb.Lines[0].Net() != 150_00 {
		t.Fatalf("trial balance as at day 2: %+v", tb.Lines)
	}
}

// TestStateExpireBefore: a bare State (as a store builds) expires what it holds.
func TestStateExpireBefore(t *testing.T) {
	s := NewState()
	r := reserve("r1", payable("p1"), clearing, 10_00, time.Hour)
	a, err := s.Apply(Batch{xfer("due-1", expenseUC, payable("p1"), 10_00), r})
	if err != nil || a.Err() != nil {
		t.Fatal(err, a.Err())
	}
	if d, ok := r.Deadline(); !ok || !d.Equal(t0.Add(time.Hour)) {
		t.Fatalf("deadline %s %v", d, ok)
	}
	if _, ok := (&Transfer{Flags: Pending, Time: t0}).Deadline(); ok {
		t.Fatalf("a reservation without a timeout has no deadline")
	}
	a, err = s.ExpireBefore(t0.Add(time.Hour))
	if err != nil || a.Entry == nil || len(a.Entry.Postings) != 1 {
		t.Fatalf("ExpireBefore: %v %+v", err, a.Entry)
	}
	if got := *s.Accounts[payable("p1")]; got != (Balance{CreditsPosted: 10_00}) {
		t.Fatalf("payable after expiry %+v", got)
	}
	if s.Transfers["r1"].Status != Expired || s.Head.Seq != 2 || s.Head.Postings != 3 {
		t.Fatalf("status %s, head %+v", s.Transfers["r1"].Status, s.Head)
	}
}
