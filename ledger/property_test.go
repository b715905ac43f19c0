package ledger

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/lifeline-gov/lifeline"
)

// gen makes random but plausible batches: awards, payments, reservations and
// their settlement, overpayments, recoveries, write-offs, repeats, conflicts,
// malformed transfers, linked chains and back-dated transfers.
type gen struct {
	r        *rand.Rand
	now      time.Time
	next     int
	posted   []Transfer // transfers that succeeded, as submitted
	pendings []ID
}

var (
	people   = []string{"p0", "p1", "p2", "p3"}
	benefits = []string{"UC", "PIP"}
)

func (g *gen) person() string  { return people[g.r.IntN(len(people))] }
func (g *gen) benefit() string { return benefits[g.r.IntN(len(benefits))] }
func (g *gen) amount() int64   { return 1 + g.r.Int64N(20_000) }

func (g *gen) transfer() Transfer {
	g.next++
	id := ID(fmt.Sprintf("t%d", g.next))
	p, b := g.person(), g.benefit()
	pay := AccountID{Kind: Payable, Benefit: b, Owner: p}
	t := Transfer{ID: id, Amount: g.amount(), Code: "prop", Time: g.now}
	switch n := g.r.IntN(100); {
	case n < 25: // award due
		t.Debit, t.Credit = AccountID{Kind: Expense, Benefit: b}, pay
	case n < 40: // direct payment (may overdraw and fail)
		t.Debit, t.Credit = pay, clearing
	case n < 52: // reservation for a payment file
		t.Debit, t.Credit, t.Flags = pay, clearing, Pending
		if g.r.IntN(2) == 0 {
			t.Timeout = time.Duration(1+g.r.IntN(4)) * time.Hour
		}
		g.pendings = append(g.pendings, id)
	case n < 64 && len(g.pendings) > 0: // post or void
		t.PendingID = g.pendings[g.r.IntN(len(g.pendings))]
		t.Flags, t.Amount = Post, 0
		switch g.r.IntN(4) {
		case 0:
			t.Flags = Void
		case 1:
			t.Amount = 1 + g.r.Int64N(5_000)
		}
	case n < 70: // overpayment
		t.Debit, t.Credit = debt(p), AccountID{Kind: Expense, Benefit: b}
	case n < 76: // recovery by deduction
		t.Debit, t.Credit = pay, debt(p)
	case n < 79: // write-off
		t.Debit, t.Credit = writeOff, debt(p)
	case n < 82: // returned payment
		t.Debit, t.Credit = clearing, suspense
	case n < 90 && len(g.posted) > 0: // a repeat, sometimes with changed content
		t = g.posted[g.r.IntN(len(g.posted))]
		if g.r.IntN(3) == 0 {
			t.Code = "changed"
		}
	case n < 94: // malformed
		t.Debit, t.Credit, t.Amount = pay, clearing, 0
	case n < 97: // back-dated
		t.Debit, t.Credit = AccountID{Kind: Expense, Benefit: b}, pay
		t.Time = t0.Add(-time.Hour)
	default:
		t.Debit, t.Credit = suspense, clearing
	}
	return t
}

func (g *gen) batch() Batch {
	g.now = g.now.Add(time.Duration(1+g.r.IntN(90)) * time.Minute)
	var b Batch
	for n := 1 + g.r.IntN(12); len(b) < n; {
		t := g.transfer()
		if g.r.IntN(5) == 0 && len(b)+1 < n {
			t.Flags |= Linked
		}
		b = append(b, t)
	}
	b[len(b)-1].Flags &^= Linked
	return b
}

// checkInvariants checks what must hold after every step.
func checkInvariants(t *testing.T, l *Ledger) {
	t.Helper()
	tb := l.TrialBalance()
	if tb.Total.DebitsPosted != tb.Total.CreditsPosted || tb.Total.DebitsPending != tb.Total.CreditsPending {
		t.Fatalf("trial balance does not balance: %+v", tb.Total)
	}
	for _, line := range tb.Lines {
		b := line.Balance
		if b.DebitsPending < 0 || b.DebitsPosted < 0 || b.CreditsPending < 0 || b.CreditsPosted < 0 {
			t.Fatalf("%s has a negative total: %+v", line.Account, b)
		}
		if msg := b.breaks(line.Account.Kind.Constraint()); msg != "" {
			t.Fatalf("%s breaks its constraint: %s", line.Account, msg)
		}
	}
	// Balances are exactly history folded up.
	folded := fold(l.Entries(1))
	for _, line := range tb.Lines {
		if folded[line.Account] != line.Balance {
			t.Fatalf("%s: balance %+v, history says %+v", line.Account, line.Balance, folded[line.Account])
		}
	}
}

// fold recomputes balances from postings alone, independently of State.
func fold(entries []Entry) map[AccountID]Balance {
	bal := make(map[AccountID]Balance)
	reserved := make(map[ID]int64)
	for _, e := range entries {
		for _, p := range e.Postings {
			dr, cr := bal[p.Debit], bal[p.Credit]
			switch p.phase() {
			case 0:
				dr.DebitsPosted += p.Amount
				cr.CreditsPosted += p.Amount
			case Pending:
				dr.DebitsPending += p.Amount
				cr.CreditsPending += p.Amount
				reserved[p.ID] = p.Amount
			case Post, Void, Expire:
				dr.DebitsPending -= reserved[p.PendingID]
				cr.CreditsPending -= reserved[p.PendingID]
				if p.phase() == Post {
					dr.DebitsPosted += p.Amount
					cr.CreditsPosted += p.Amount
				}
			}
			bal[p.Debit], bal[p.Credit] = dr, cr
		}
	}
	return bal
}

// TestProperties runs random histories and checks, for each: the trial
// balance is zero and no constrained account goes negative after every step
// and as at every past step; balances equal history folded up; a fresh ledger
// replaying the entries reaches the same balances and head; and re-posting
// every transfer that succeeded changes nothing.
func TestProperties(t *testing.T) {
	seen := make(map[string]int) // what the runs exercised, to be sure the generator reaches every path
	defer func() {
		t.Logf("exercised: %v", seen)
		for _, what := range []string{"ok", "repeat", "invalid", "conflict", "not_found", "post", "void", "expire", "chain-failed"} {
			if seen[what] == 0 {
				t.Errorf("no run exercised %s: %v", what, seen)
			}
		}
	}()
	for seed := uint64(1); seed <= 40; seed++ {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			g := &gen{r: rand.New(rand.NewPCG(seed, 2026)), now: t0}
			l := New()
			type snapshot struct {
				at time.Time
				tb TrialBalance
			}
			var snaps []snapshot
			for step := 0; step < 60; step++ {
				b := g.batch() // moves the clock on
				if g.r.IntN(8) == 0 {
					a, err := l.ExpireBefore(g.now)
					if err != nil {
						t.Fatal(err)
					}
					if a.Entry != nil {
						seen["expire"] += len(a.Entry.Postings)
					}
				}
				a, err := l.Apply(b)
				if err != nil {
					t.Fatalf("step %d: %v", step, err)
				}
				for i, r := range a.Results {
					switch {
					case r.Repeat:
						seen["repeat"]++
					case r.Err != nil:
						seen[lifeline.ErrorCode(r.Err)]++
						if strings.Contains(r.Err.Error(), "not applied because linked") {
							seen["chain-failed"]++
						}
					default:
						seen["ok"]++
						g.posted = append(g.posted, b[i])
					}
				}
				if a.Entry != nil {
					for _, p := range a.Entry.Postings {
						seen[p.phase().String()]++
					}
				}
				checkInvariants(t, l)
				snaps = append(snaps, snapshot{g.now, l.TrialBalance()})
			}
			for _, s := range snaps {
				if got := l.TrialBalanceAt(s.at); !sameTrialNonZero(got, s.tb) {
					t.Fatalf("trial balance as at %s differs from the one taken then", s.at)
				}
			}

			head, trial := l.Head(), l.TrialBalance()
			if h, err := Verify(l.Entries(1)); err != nil || h != head {
				t.Fatalf("Verify: %v (head %+v, want %+v)", err, h, head)
			}
			re, err := Rebuild(l.Entries(1))
			if err != nil {
				t.Fatalf("Rebuild: %v", err)
			}
			if re.Head() != head || !sameTrial(re.TrialBalance(), trial) {
				t.Fatalf("replay gives a different ledger")
			}

			for i := 0; i < len(g.posted); i += MaxBatch {
				chunk := g.posted[i:min(i+MaxBatch, len(g.posted))]
				batch := make(Batch, len(chunk))
				for j, tr := range chunk {
					tr.Flags &^= Linked // a repeat may come in any grouping
					batch[j] = tr
				}
				a, err := l.Apply(batch)
				if err != nil {
					t.Fatal(err)
				}
				for j, r := range a.Results {
					if !r.Repeat || r.Err != nil {
						t.Fatalf("re-posting %s: repeat %v, err %v", batch[j].ID, r.Repeat, r.Err)
					}
				}
			}
			if l.Head() != head || !sameTrial(l.TrialBalance(), trial) {
				t.Fatalf("re-posting changed the ledger")
			}
		})
	}
}

// sameTrialNonZero compares trial balances ignoring accounts whose totals
// are all zero (an account used only by a failed chain).
func sameTrialNonZero(a, b TrialBalance) bool {
	strip := func(tb TrialBalance) TrialBalance {
		var out TrialBalance
		for _, l := range tb.Lines {
			if l.Balance != (Balance{}) {
				out.Add(l.Account, l.Balance)
			}
		}
		return out
	}
	return sameTrial(strip(a), strip(b))
}

// TestStoreStateMatchesLedger plays the part of a store: for each batch it
// loads only what Batch.IDs and Batch.Accounts name into a fresh State and
// applies the batch there too. Results, entries and the balances written
// back must match the in-memory ledger's exactly.
func TestStoreStateMatchesLedger(t *testing.T) {
	for seed := uint64(1); seed <= 10; seed++ {
		g := &gen{r: rand.New(rand.NewPCG(seed, 7)), now: t0}
		l := New()
		for step := 0; step < 60; step++ {
			b := g.batch()
			if g.r.IntN(6) == 0 {
				// The store finds due reservations with its own query.
				var due []ID
				for id, rec := range l.state.Transfers {
					if d := rec.deadline(); rec.Status == Reserved && d != 0 && d <= g.now.UnixNano() {
						due = append(due, id)
					}
				}
				s := load(l, due, nil)
				got, err1 := s.Expire(g.now, due)
				want, err2 := l.ExpireBefore(g.now)
				compareApplied(t, l, s, got, want, err1, err2)
			}
			loaded := make(map[ID]*Record)
			for _, id := range b.IDs() {
				if r := l.state.Transfers[id]; r != nil {
					loaded[id] = r
				}
			}
			s := load(l, b.IDs(), b.Accounts(loaded))
			got, err1 := s.Apply(b)
			want, err2 := l.Apply(b)
			compareApplied(t, l, s, got, want, err1, err2)
			for i, r := range want.Results {
				if r.Err == nil && !r.Repeat {
					g.posted = append(g.posted, b[i])
				}
			}
		}
	}
}

// load builds the State a store would: the head row, and the named rows.
func load(l *Ledger, ids []ID, accts []AccountID) *State {
	s := &State{Head: l.state.Head, Accounts: make(map[AccountID]*Balance), Transfers: make(map[ID]*Record)}
	for _, id := range ids {
		if r := l.state.Transfers[id]; r != nil {
			c := *r // a store's rows are its own copies
			s.Transfers[id] = &c
			accts = append(accts, r.Debit, r.Credit)
		}
	}
	for _, a := range accts {
		if b := l.state.Accounts[a]; b != nil {
			c := *b
			s.Accounts[a] = &c
		}
	}
	return s
}

func compareApplied(t *testing.T, l *Ledger, s *State, got, want Applied, err1, err2 error) {
	t.Helper()
	if fmt.Sprint(err1) != fmt.Sprint(err2) || fmt.Sprint(got.Results) != fmt.Sprint(want.Results) {
		t.Fatalf("store state and ledger disagree:\n%v %v\n%v %v", err1, got.Results, err2, want.Results)
	}
	if (got.Entry == nil) != (want.Entry == nil) || got.Entry != nil && got.Entry.Hash != want.Entry.Hash {
		t.Fatalf("store state and ledger wrote different entries")
	}
	if s.Head != l.Head() {
		t.Fatalf("heads differ: %+v, %+v", s.Head, l.Head())
	}
	if got.Entry != nil {
		for _, a := range got.Entry.Accounts() {
			if *s.Accounts[a] != l.Balance(a) {
				t.Fatalf("%s: store state %+v, ledger %+v", a, s.Accounts[a], l.Balance(a))
			}
		}
	}
}
