package storetest

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/lifeline-gov/lifeline"
	"github.com/lifeline-gov/lifeline/ledger"
)

// Tamperer is a Database whose rows a test may change behind the store's
// back, to show that the hash chain finds it. Backends that cannot skip the
// tamper test.
type Tamperer interface {
	Tamper(t *testing.T, sql string)
}

// RunLedger runs the ledger suite against b: its stores must implement
// ledger.Store.
func RunLedger(t *testing.T, b Backend) {
	tests := []struct {
		name string
		fn   func(*testing.T, Backend)
	}{
		{"PostsOnce", testLedgerPostsOnce},
		{"LinkedAllOrNothing", testLedgerLinked},
		{"TwoPhase", testLedgerTwoPhase},
		{"ConcurrentConstraint", testLedgerConcurrentConstraint},
		{"ConcurrentBatches", testLedgerConcurrentBatches},
		{"BalanceAt", testLedgerBalanceAt},
		{"Restart", testLedgerRestart},
		{"HashChain", testLedgerHashChain},
		{"MatchesMemory", testLedgerMatchesMemory},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.fn(t, b) })
	}
}

var (
	lt0       = time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	expenseUC = ledger.AccountID{Kind: ledger.Expense, Benefit: "UC"}
	clearing  = ledger.AccountID{Kind: ledger.Clearing}
	suspense  = ledger.AccountID{Kind: ledger.Suspense}
	writeOff  = ledger.AccountID{Kind: ledger.WriteOff}
)

func payable(p string) ledger.AccountID {
	return ledger.AccountID{Kind: ledger.Payable, Benefit: "UC", Owner: p}
}

func debt(p string) ledger.AccountID { return ledger.AccountID{Kind: ledger.Debt, Owner: p} }

func xfer(id string, debit, credit ledger.AccountID, amount int64, at time.Time) ledger.Transfer {
	return ledger.Transfer{ID: ledger.ID(id), Debit: debit, Credit: credit, Amount: amount, Code: "test", Time: at}
}

func ledgerOf(t *testing.T, s Store) ledger.Store {
	t.Helper()
	l, ok := s.(ledger.Store)
	if !ok {
		t.Fatalf("%T does not implement ledger.Store", s)
	}
	return l
}

func newLedger(t *testing.T, b Backend) (Database, ledger.Store) {
	d := b.New(t, Config{})
	return d, ledgerOf(t, d.Store())
}

// post applies a batch and fails the test on a batch-level error.
func post(t *testing.T, s ledger.Store, b ledger.Batch) ledger.Applied {
	t.Helper()
	a, err := s.Post(ctx(t), b)
	if err != nil {
		t.Fatalf("Post: %v", err)
	}
	return a
}

// mustPost applies a batch every transfer of which must succeed.
func mustPost(t *testing.T, s ledger.Store, b ...ledger.Transfer) ledger.Applied {
	t.Helper()
	a := post(t, s, b)
	if err := a.Err(); err != nil {
		t.Fatalf("Post: %v", err)
	}
	return a
}

func balance(t *testing.T, s ledger.Store, a ledger.AccountID) ledger.Balance {
	t.Helper()
	b, err := s.Balance(ctx(t), a)
	if err != nil {
		t.Fatalf("Balance(%s): %v", a, err)
	}
	return b
}

func ledgerHead(t *testing.T, s ledger.Store) ledger.Head {
	t.Helper()
	h, err := s.LedgerHead(ctx(t))
	if err != nil {
		t.Fatalf("LedgerHead: %v", err)
	}
	return h
}

func transfer(t *testing.T, s ledger.Store, id string) ledger.Record {
	t.Helper()
	r, ok, err := s.Transfer(ctx(t), ledger.ID(id))
	if err != nil || !ok {
		t.Fatalf("Transfer(%s) = %v, %v", id, ok, err)
	}
	return r
}

func allEntries(t *testing.T, s ledger.Store) []ledger.Entry {
	t.Helper()
	var all []ledger.Entry
	for {
		es, err := s.LedgerEntries(ctx(t), uint64(len(all))+1, 3)
		if err != nil {
			t.Fatalf("LedgerEntries: %v", err)
		}
		if len(es) == 0 {
			return all
		}
		all = append(all, es...)
	}
}

func testLedgerPostsOnce(t *testing.T, b Backend) {
	_, s := newLedger(t, b)
	due := xfer("due-1", expenseUC, payable("p1"), 100_00, lt0)
	first := mustPost(t, s, due)
	again := mustPost(t, s, due)
	if r := again.Results[0]; !r.Repeat || r.Seq != first.Results[0].Seq || again.Entry != nil {
		t.Fatalf("second post = %+v (entry %v), want a repeat of seq %d and no entry", r, again.Entry, first.Results[0].Seq)
	}
	if got := balance(t, s, payable("p1")).Net(); got != -100_00 {
		t.Fatalf("payable net = %d after posting twice, want -10000", got)
	}
	changed := due
	changed.Amount = 200_00
	a := post(t, s, ledger.Batch{changed})
	wantCode(t, a.Results[0].Err, lifeline.ECONFLICT)
	// A repeat in the same batch as new work, and the same id twice in one batch.
	a = post(t, s, ledger.Batch{due, xfer("due-2", expenseUC, payable("p1"), 5_00, lt0), xfer("due-2", expenseUC, payable("p1"), 5_00, lt0)})
	if !a.Results[0].Repeat || a.Results[1].Repeat || !a.Results[2].Repeat || a.Err() != nil {
		t.Fatalf("results = %+v", a.Results)
	}
	if h := ledgerHead(t, s); h.Seq != 2 || h.Postings != 2 {
		t.Fatalf("head = %+v, want 2 entries and 2 postings", h)
	}
	if got := balance(t, s, payable("p1")).Net(); got != -105_00 {
		t.Fatalf("payable net = %d, want -10500", got)
	}
	if _, ok, err := s.Transfer(ctx(t), "nope"); ok || err != nil {
		t.Fatalf("Transfer(nope) = %v, %v", ok, err)
	}
	if _, err := s.Post(ctx(t), nil); lifeline.ErrorCode(err) != lifeline.EINVALID {
		t.Fatalf("empty batch: %v", err)
	}
}

func testLedgerLinked(t *testing.T, b Backend) {
	_, s := newLedger(t, b)
	mustPost(t, s, xfer("due-1", expenseUC, payable("p1"), 100_00, lt0))
	before := ledgerHead(t, s)
	pay := xfer("pay-1", payable("p1"), clearing, 60_00, lt0)
	pay.Flags = ledger.Linked
	a := post(t, s, ledger.Batch{pay, xfer("pay-2", payable("p1"), clearing, 60_00, lt0)})
	if a.Results[0].Err == nil || a.Results[1].Err == nil || a.Entry != nil {
		t.Fatalf("an overdrawing chain posted: %+v", a.Results)
	}
	if h := ledgerHead(t, s); h != before {
		t.Fatalf("head moved from %+v to %+v", before, h)
	}
	if _, ok, _ := s.Transfer(ctx(t), "pay-1"); ok {
		t.Fatal("a transfer of a failed chain was stored")
	}
	// A failed id may be used again.
	mustPost(t, s, xfer("pay-1", payable("p1"), clearing, 60_00, lt0))
	if got := balance(t, s, payable("p1")).Available(); got != 40_00 {
		t.Fatalf("available = %d, want 4000", got)
	}
}

func testLedgerTwoPhase(t *testing.T, b Backend) {
	_, s := newLedger(t, b)
	mustPost(t, s, xfer("due-1", expenseUC, payable("p1"), 100_00, lt0))
	reserve := func(id string, amount int64, timeout time.Duration) ledger.Transfer {
		tr := xfer(id, payable("p1"), clearing, amount, lt0.Add(time.Minute))
		tr.Flags, tr.Timeout = ledger.Pending, timeout
		return tr
	}
	settle := func(id, pending string, f ledger.Flags, amount int64) ledger.Transfer {
		return ledger.Transfer{ID: ledger.ID(id), PendingID: ledger.ID(pending), Flags: f, Amount: amount, Code: "test", Time: lt0.Add(2 * time.Minute)}
	}
	mustPost(t, s, reserve("r1", 30_00, time.Hour), reserve("r2", 30_00, time.Hour), reserve("r3", 30_00, time.Hour))
	if a := post(t, s, ledger.Batch{reserve("r4", 30_00, 0)}); lifeline.ErrorCode(a.Results[0].Err) != lifeline.ECONFLICT {
		t.Fatalf("reserving more than is owed: %v", a.Results[0].Err)
	}
	if got := balance(t, s, payable("p1")); got.DebitsPending != 90_00 || got.Available() != 10_00 {
		t.Fatalf("after reserving: %+v", got)
	}
	mustPost(t, s, settle("s1", "r1", ledger.Post, 20_00), settle("v2", "r2", ledger.Void, 0))
	if a := post(t, s, ledger.Batch{settle("s1b", "r1", ledger.Post, 0)}); lifeline.ErrorCode(a.Results[0].Err) != lifeline.ECONFLICT {
		t.Fatalf("posting a pending transfer twice: %v", a.Results[0].Err)
	}
	a, err := s.Expire(ctx(t), lt0.Add(2*time.Hour))
	if err != nil || a.Entry == nil || len(a.Entry.Postings) != 1 || a.Entry.Postings[0].PendingID != "r3" {
		t.Fatalf("Expire = %+v, %v; want r3 expired", a.Entry, err)
	}
	if a, err := s.Expire(ctx(t), lt0.Add(3*time.Hour)); err != nil || a.Entry != nil {
		t.Fatalf("second Expire = %+v, %v; want nothing", a.Entry, err)
	}
	for id, want := range map[string]ledger.Status{"r1": ledger.Posted, "r2": ledger.Voided, "r3": ledger.Expired, "s1": ledger.Final} {
		if got := transfer(t, s, id).Status; got != want {
			t.Errorf("%s is %s, want %s", id, got, want)
		}
	}
	want := ledger.Balance{DebitsPosted: 20_00, CreditsPosted: 100_00}
	if got := balance(t, s, payable("p1")); got != want {
		t.Fatalf("payable = %+v, want %+v", got, want)
	}
	if r := transfer(t, s, "s1"); r.Debit != payable("p1") || r.Amount != 20_00 {
		t.Fatalf("s1 = %+v: a post's accounts are filled in from its pending transfer", r)
	}
}

// testLedgerConcurrentConstraint: many callers paying from one payable at
// once never pay out more than it holds.
func testLedgerConcurrentConstraint(t *testing.T, b Backend) {
	d, s := newLedger(t, b)
	mustPost(t, s, xfer("due-1", expenseUC, payable("p1"), 100_00, lt0))
	stores := []ledger.Store{s}
	if d.MultiInstance() { // and from a second instance
		stores = append(stores, ledgerOf(t, d.Open(t, Config{})))
	}
	const callers = 24
	var wg sync.WaitGroup
	var mu sync.Mutex
	paid := 0
	for i := range callers {
		wg.Go(func() {
			a, err := stores[i%len(stores)].Post(ctx(t), ledger.Batch{xfer(fmt.Sprintf("pay-%d", i), payable("p1"), clearing, 10_00, lt0)})
			if err != nil {
				t.Errorf("Post: %v", err)
				return
			}
			switch err := a.Results[0].Err; lifeline.ErrorCode(err) {
			case "":
				mu.Lock()
				paid++
				mu.Unlock()
			case lifeline.ECONFLICT:
			default:
				t.Errorf("pay-%d: %v", i, err)
			}
		})
	}
	wg.Wait()
	got := balance(t, s, payable("p1"))
	if paid != 10 || got.Available() != 0 {
		t.Fatalf("%d of %d payments of £10 from £100 went through, leaving %+v", paid, callers, got)
	}
	checkTrialBalance(t, s)
}

// testLedgerConcurrentBatches: batches posted at once (which a store may
// commit together) each post once, see each other's transfers, and a bad
// batch among them fails alone.
func testLedgerConcurrentBatches(t *testing.T, b Backend) {
	_, s := newLedger(t, b)
	const callers, each = 16, 50
	var wg sync.WaitGroup
	var mu sync.Mutex
	sharedPosted := 0
	for i := range callers {
		wg.Go(func() {
			batch := ledger.Batch{xfer("shared", expenseUC, payable("p0"), 7_00, lt0)}
			for j := range each {
				batch = append(batch, xfer(fmt.Sprintf("t-%d-%d", i, j), expenseUC, payable(fmt.Sprint("p", i)), 1_00, lt0))
			}
			if i == 0 { // ends inside a linked chain: refused as a whole
				batch[len(batch)-1].Flags = ledger.Linked
			}
			a, err := s.Post(ctx(t), batch)
			if i == 0 {
				if lifeline.ErrorCode(err) != lifeline.EINVALID {
					t.Errorf("bad batch: %v", err)
				}
				return
			}
			if err == nil {
				err = a.Err()
			}
			if err != nil {
				t.Errorf("batch %d: %v", i, err)
				return
			}
			if !a.Results[0].Repeat {
				mu.Lock()
				sharedPosted++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if sharedPosted != 1 {
		t.Fatalf("the shared transfer was posted %d times", sharedPosted)
	}
	if h := ledgerHead(t, s); h.Postings != (callers-1)*each+1 {
		t.Fatalf("head = %+v, want %d postings", h, (callers-1)*each+1)
	}
	if got := balance(t, s, payable("p0")); got.CreditsPosted != 7_00 {
		t.Fatalf("p0 = %+v", got)
	}
	if _, err := ledger.Verify(allEntries(t, s)); err != nil {
		t.Fatal(err)
	}
	checkTrialBalance(t, s)
}

func checkTrialBalance(t *testing.T, s ledger.Store) ledger.TrialBalance {
	t.Helper()
	tb, err := s.TrialBalance(ctx(t))
	if err != nil {
		t.Fatalf("TrialBalance: %v", err)
	}
	if tb.Total.DebitsPosted != tb.Total.CreditsPosted || tb.Total.DebitsPending != tb.Total.CreditsPending {
		t.Fatalf("trial balance does not balance: %+v", tb.Total)
	}
	return tb
}

func testLedgerBalanceAt(t *testing.T, b Backend) {
	_, s := newLedger(t, b)
	at := func(h int) time.Time { return lt0.Add(time.Duration(h) * time.Hour) }
	mustPost(t, s, xfer("due-1", expenseUC, payable("p1"), 100_00, at(1)))
	mustPost(t, s, xfer("pay-1", payable("p1"), clearing, 30_00, at(2)), xfer("pay-2", payable("p1"), clearing, 20_00, at(2)))
	mustPost(t, s, xfer("due-2", expenseUC, payable("p1"), 5_00, at(3)))
	tests := []struct {
		at   time.Time
		want int64 // payable's net
	}{
		{at(0), 0},
		{at(1).Add(-1), 0},
		{at(1), -100_00},
		{at(2), -50_00}, // both postings at the same instant
		{at(3).Add(-1), -50_00},
		{at(3), -55_00},
		{at(99), -55_00},
	}
	for _, tt := range tests {
		got, err := s.BalanceAt(ctx(t), payable("p1"), tt.at)
		if err != nil {
			t.Fatal(err)
		}
		if got.Net() != tt.want {
			t.Errorf("BalanceAt(%s) net = %d, want %d", tt.at, got.Net(), tt.want)
		}
	}
	if got, _ := s.BalanceAt(ctx(t), payable("nobody"), at(9)); got != (ledger.Balance{}) {
		t.Errorf("unused account = %+v", got)
	}
}

func testLedgerRestart(t *testing.T, b Backend) {
	d, s := newLedger(t, b)
	due := xfer("due-1", expenseUC, payable("p1"), 100_00, lt0)
	mustPost(t, s, due)
	head := ledgerHead(t, s)
	if err := d.Store().Close(); err != nil {
		t.Fatal(err)
	}
	s = ledgerOf(t, d.Open(t, Config{}))
	if got := ledgerHead(t, s); got != head {
		t.Fatalf("head after restart = %+v, want %+v", got, head)
	}
	if a := mustPost(t, s, due); !a.Results[0].Repeat {
		t.Fatal("a transfer posted before the restart posted again")
	}
	if got := balance(t, s, payable("p1")).Net(); got != -100_00 {
		t.Fatalf("net after restart = %d", got)
	}
}

func testLedgerHashChain(t *testing.T, b Backend) {
	d, s := newLedger(t, b)
	for i := range 5 {
		mustPost(t, s, xfer(fmt.Sprintf("due-%d", i), expenseUC, payable("p1"), 10_00, lt0),
			xfer(fmt.Sprintf("pay-%d", i), payable("p1"), clearing, 5_00, lt0))
	}
	entries := allEntries(t, s)
	h, err := ledger.Verify(entries)
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	if stored := ledgerHead(t, s); h != stored {
		t.Fatalf("verified head %+v, stored head %+v", h, stored)
	}
	if _, err := ledger.Rebuild(entries); err != nil {
		t.Fatalf("Rebuild: %v", err)
	}
	tam, ok := d.(Tamperer)
	if !ok {
		t.Skip("the backend cannot change its rows behind the store's back")
	}
	tam.Tamper(t, "UPDATE ledger_postings SET amount = amount + 1 WHERE seq = 4")
	if _, err := ledger.Verify(allEntries(t, s)); err == nil {
		t.Fatal("Verify accepted a changed posting")
	}
}

// testLedgerMatchesMemory applies random batches to the store and to the
// in-memory ledger: results, balances, head and history must agree.
func testLedgerMatchesMemory(t *testing.T, b Backend) {
	_, s := newLedger(t, b)
	mem := ledger.New()
	g := &ledgerGen{r: rand.New(rand.NewPCG(1, 2)), now: lt0}
	var repeats, failures, expiries int
	for step := range 60 {
		if step%7 == 6 {
			want, err := mem.ExpireBefore(g.now)
			if err != nil {
				t.Fatal(err)
			}
			got, err := s.Expire(ctx(t), g.now)
			if err != nil {
				t.Fatal(err)
			}
			if (want.Entry == nil) != (got.Entry == nil) || want.Entry != nil && want.Entry.Hash != got.Entry.Hash {
				t.Fatalf("step %d: expiry differs", step)
			}
			if got.Entry != nil {
				expiries++
			}
			continue
		}
		batch := g.batch()
		want, werr := mem.Apply(batch)
		got, gerr := s.Post(ctx(t), batch)
		if lifeline.ErrorCode(werr) != lifeline.ErrorCode(gerr) {
			t.Fatalf("step %d: error %v, memory %v", step, gerr, werr)
		}
		for i := range want.Results {
			w, r := want.Results[i], got.Results[i]
			if w.ID != r.ID || w.Seq != r.Seq || w.Repeat != r.Repeat || lifeline.ErrorMessage(w.Err) != lifeline.ErrorMessage(r.Err) {
				t.Fatalf("step %d transfer %d: %+v, memory %+v", step, i, r, w)
			}
			switch {
			case w.Repeat:
				repeats++
			case w.Err != nil:
				failures++
			default:
				g.posted = append(g.posted, batch[i])
			}
		}
	}
	if repeats == 0 || failures == 0 || expiries == 0 {
		t.Fatalf("the generator made %d repeats, %d failures, %d expiries: want some of each", repeats, failures, expiries)
	}
	if h := ledgerHead(t, s); h != mem.Head() {
		t.Fatalf("head %+v, memory %+v", h, mem.Head())
	}
	tb := checkTrialBalance(t, s)
	if want := mem.TrialBalance(); !slices.Equal(tb.Lines, want.Lines) || tb.Total != want.Total {
		t.Fatalf("trial balance %+v\nmemory %+v", tb, want)
	}
	for _, l := range tb.Lines {
		for _, at := range []time.Time{lt0, lt0.Add(3 * time.Hour), g.now} {
			got, err := s.BalanceAt(ctx(t), l.Account, at)
			if err != nil {
				t.Fatal(err)
			}
			if want := mem.BalanceAt(l.Account, at); got != want {
				t.Fatalf("%s at %s: %+v, memory %+v", l.Account, at, got, want)
			}
		}
	}
	entries := allEntries(t, s)
	if _, err := ledger.Verify(entries); err != nil {
		t.Fatal(err)
	}
	if want := mem.Entries(1); len(entries) != len(want) {
		t.Fatalf("%d entries, memory %d", len(entries), len(want))
	}
}

// ledgerGen makes random, plausible batches: awards, payments, reservations
// and their settlement, overpayments, recoveries, write-offs, repeats (some
// with changed content), malformed and back-dated transfers, linked chains.
type ledgerGen struct {
	r        *rand.Rand
	now      time.Time
	next     int
	posted   []ledger.Transfer
	pendings []ledger.ID
}

func (g *ledgerGen) transfer() ledger.Transfer {
	g.next++
	p := []string{"p0", "p1", "p2"}[g.r.IntN(3)]
	pay := payable(p)
	t := xfer(fmt.Sprintf("t%d", g.next), expenseUC, pay, 1+g.r.Int64N(20_000), g.now)
	switch n := g.r.IntN(100); {
	case n < 25: // award due
	case n < 40: // payment, which may overdraw and fail
		t.Debit, t.Credit = pay, clearing
	case n < 52: // reservation
		t.Debit, t.Credit, t.Flags = pay, clearing, ledger.Pending
		if g.r.IntN(2) == 0 {
			t.Timeout = time.Duration(1+g.r.IntN(4)) * time.Hour
		}
		g.pendings = append(g.pendings, t.ID)
	case n < 64 && len(g.pendings) > 0: // post, part post or void
		t.Debit, t.Credit, t.Amount = ledger.AccountID{}, ledger.AccountID{}, 0
		t.PendingID, t.Flags = g.pendings[g.r.IntN(len(g.pendings))], ledger.Post
		switch g.r.IntN(3) {
		case 0:
			t.Flags = ledger.Void
		case 1:
			t.Amount = 1 + g.r.Int64N(5_000)
		}
	case n < 70: // overpayment
		t.Debit, t.Credit = debt(p), expenseUC
	case n < 76: // recovery by deduction
		t.Debit, t.Credit = pay, debt(p)
	case n < 79:
		t.Debit, t.Credit = writeOff, debt(p)
	case n < 82:
		t.Debit, t.Credit = clearing, suspense
	case n < 90 && len(g.posted) > 0: // a repeat
		t = g.posted[g.r.IntN(len(g.posted))]
		t.Flags &^= ledger.Linked
		if g.r.IntN(3) == 0 {
			t.Code = "changed"
		}
	case n < 94: // malformed
		t.Amount = 0
	case n < 97: // back-dated
		t.Time = lt0.Add(-time.Hour)
	}
	return t
}

func (g *ledgerGen) batch() ledger.Batch {
	g.now = g.now.Add(time.Duration(1+g.r.IntN(90)) * time.Minute)
	n := 1 + g.r.IntN(12)
	b := make(ledger.Batch, n)
	for i := range b {
		b[i] = g.transfer()
		if i < n-1 && g.r.IntN(5) == 0 {
			b[i].Flags |= ledger.Linked
		}
	}
	return b
}

// BenchLedgerPost posts batches of ledger.MaxBatch transfers shaped like a
// payment run among people's payables: per person an award credited to
// their payable, then a payment out of it to bank clearing, so the payable's
// constraint is checked every time. Every account is opened first, untimed,
// so the figure is for a ledger in use. Each op is one durable batch; it
// reports transfers/s. Building the batches is not timed.
func BenchLedgerPost(b *testing.B, s ledger.Store, people int) {
	const perBatch = ledger.MaxBatch / 2
	batch := make(ledger.Batch, ledger.MaxBatch)
	c := b.Context()
	run := 0
	next := func() {
		at := lt0.Add(time.Duration(run) * time.Second)
		for j := range perBatch {
			person := fmt.Sprintf("person-%d", (run*perBatch+j)%people)
			pay := payable(person)
			id := fmt.Sprintf("run-%d/%s", run, person)
			batch[2*j] = ledger.Transfer{ID: ledger.ID(id + "/due"), Debit: expenseUC, Credit: pay, Amount: 400_00, Code: "award-due", Time: at}
			batch[2*j+1] = ledger.Transfer{ID: ledger.ID(id + "/pay"), Debit: pay, Credit: clearing, Amount: 400_00, Code: "payment", Time: at}
		}
		run++
	}
	postBatch := func() {
		a, err := s.Post(c, batch)
		if err == nil {
			err = a.Err()
		}
		if err != nil {
			b.Fatal(err)
		}
	}
	for range (people + perBatch - 1) / perBatch {
		next()
		postBatch()
	}
	for b.Loop() {
		b.StopTimer()
		next()
		b.StartTimer()
		postBatch()
	}
	b.ReportMetric(float64(b.N)*ledger.MaxBatch/b.Elapsed().Seconds(), "transfers/s")
}

// BenchLedgerPostSmall posts one-transfer batches from 16 callers at once,
// as an API taking single payments would: the figure is what group commit
// makes of many small durable writes. It reports posts/s.
func BenchLedgerPostSmall(b *testing.B, s ledger.Store) {
	const callers = 16
	c := b.Context()
	var next sync.Mutex
	n := 0
	b.SetParallelism(callers / max(1, runtime.GOMAXPROCS(0)))
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			next.Lock()
			n++
			i := n
			next.Unlock()
			a, err := s.Post(c, ledger.Batch{xfer(fmt.Sprint("small-", i), expenseUC, payable(fmt.Sprint("p", i%100)), 1_00, lt0)})
			if err == nil {
				err = a.Err()
			}
			if err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "posts/s")
}
