package payments

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lifeline-gov/lifeline"
	"github.com/lifeline-gov/lifeline/claims"
	"github.com/lifeline-gov/lifeline/ledger"
	"github.com/lifeline-gov/lifeline/postgres"
	"github.com/lifeline-gov/lifeline/postgres/pgtest"
	"github.com/lifeline-gov/lifeline/rules"
	"github.com/lifeline-gov/lifeline/sqlite"
)

// A department on the embedded store with its clock at noon on 23 November
// 2026: people, claims decided, and a payment runner.
type dept struct {
	t   *testing.T
	st  deptStore
	svc *claims.Service
	run *Runner
	n   int
}

// deptStore is what a department needs of its store.
type deptStore interface {
	lifeline.EventLog
	lifeline.ProvenanceLog
	ledger.Store
}

// stores opens a fresh store of each kind.
var stores = []struct {
	name string
	open func(t *testing.T) deptStore
}{
	{"sqlite", func(t *testing.T) deptStore {
		db, err := sqlite.Open(context.Background(), t.TempDir(), sqlite.Options{MasterKey: bytes.Repeat([]byte{7}, 32), Logger: slog.New(slog.DiscardHandler)})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	}},
	{"postgres", func(t *testing.T) deptStore {
		url, _ := pgtest.NewDatabase(t)
		db, err := postgres.Open(context.Background(), url, postgres.Options{MasterKey: bytes.Repeat([]byte{7}, 32), Logger: slog.New(slog.DiscardHandler)})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	}},
}

// eachStore runs f with a department on each store.
func eachStore(t *testing.T, f func(t *testing.T, d *dept)) {
	for _, s := range stores {
		t.Run(s.name, func(t *testing.T) { f(t, newDept(t, s.open(t))) })
	}
}

func newDept(t *testing.T, db deptStore) *dept {
	svc := claims.New(db, claims.Config{IndexKey: []byte("k"), AllowSpecimenNINO: true,
		Now: func() time.Time { return time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC) }})
	r := &Runner{Claims: svc, Ledger: db, Dir: t.TempDir(), Provenance: db,
		Originator: Originator{Name: "LIFELINE TEST", ServiceUserNumber: "999999", Account: Account{SortCode: "089999", Number: "66374958", Name: "LIFELINE TEST"}}}
	return &dept{t: t, st: db, svc: svc, run: r}
}

// process runs the reassessment over everything in the log.
func (d *dept) process() {
	d.t.Helper()
	for after := int64(0); ; {
		events, err := d.st.ReadAll(d.t.Context(), after, 1000)
		if err != nil {
			d.t.Fatal(err)
		}
		if len(events) == 0 {
			return
		}
		if err := d.svc.HandleBatch(d.t.Context(), events); err != nil {
			d.t.Fatal(err)
		}
		after = events[len(events)-1].Position
	}
}

// claimant registers someone with a bank account and an award of Universal
// Credit from claimDate.
func (d *dept) claimant(claimDate string) string {
	d.t.Helper()
	d.n++
	p, err := d.svc.RegisterPerson(d.t.Context(), claims.Registration{NINO: fmt.Sprintf("QQ%06dB", d.n), GivenNames: "Pay", FamilyName: fmt.Sprint("Test", d.n),
		DateOfBirth: "1985-05-05", Address: claims.Address{Lines: []string{"1 Road"}, Postcode: "LS1 1AA"}, IdentityConfidence: "high",
		BankAccount: &claims.BankAccount{SortCode: "08-99-99", AccountNumber: "66374958", HolderName: "P TEST"}}, "")
	if err != nil {
		d.t.Fatal(err)
	}
	if _, err := d.svc.SubmitClaim(d.t.Context(), claims.ClaimRequest{Benefit: "universal_credit", Claimants: []string{p.ID}, ClaimDate: claimDate, Channel: "online"}, ""); err != nil {
		d.t.Fatal(err)
	}
	d.process()
	return p.ID
}

func day(s string) rules.Date {
	d, err := rules.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

func (d *dept) payrun(date string) *Report {
	d.t.Helper()
	rep, err := d.run.Run(d.t.Context(), day(date))
	if err != nil {
		d.t.Fatal(err)
	}
	return rep
}

func (d *dept) balance(kind ledger.Kind, owner string) ledger.Balance {
	d.t.Helper()
	b, err := d.st.Balance(d.t.Context(), ledger.AccountID{Kind: kind, Benefit: "UC", Owner: owner})
	if err != nil {
		d.t.Fatal(err)
	}
	return b
}

func readAll(t *testing.T, files []string) map[string][]byte {
	out := map[string][]byte{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		out[filepath.Base(f)] = b
	}
	return out
}

// A payment run pays each person what is due once: running it again posts
// nothing new and writes the same files; the ledger balances.
func TestPayrunPaysOnce(t *testing.T) {
	eachStore(t, func(t *testing.T, d *dept) {
		a := d.claimant("2026-08-03")
		b := d.claimant("2026-09-14")
		first := d.payrun("2026-11-23")
		if first.Payments != 2 || first.Total == 0 {
			t.Fatalf("first run: %+v", first)
		}
		// Ann's periods from 3 August, 3 September and 3 October ended by 2
		// November and were due seven days later; Ben's from 14 September and
		// 14 October.
		for _, c := range []struct {
			person  string
			periods int
		}{{a, 3}, {b, 2}} {
			awards, _ := d.svc.PersonAwards(t.Context(), c.person)
			var want rules.Money
			for _, p := range awards[0].Periods[:c.periods] {
				want += p.Amount
			}
			if got := -d.balance(ledger.Payable, c.person).CreditsPosted; -got != int64(want) {
				t.Errorf("person %s: accrued %d, want %d (%d periods)", c.person, -got, want, c.periods)
			}
			if avail := d.balance(ledger.Payable, c.person).Available(); avail != 0 {
				t.Errorf("person %s: %d still owed after the run", c.person, avail)
			}
		}
		head, _ := d.st.LedgerHead(t.Context())
		files := readAll(t, first.Files)
		again := d.payrun("2026-11-23")
		if again.Payments != 2 || again.Repeated != 2 || again.Total != first.Total {
			t.Errorf("second run %+v, want the same two payments", again)
		}
		if head2, _ := d.st.LedgerHead(t.Context()); head2 != head {
			t.Errorf("the second run moved money: ledger head %v then %v", head, head2)
		}
		for name, b := range readAll(t, again.Files) {
			if !bytes.Equal(b, files[name]) {
				t.Errorf("%s differs between the two runs", name)
			}
		}
		// Each run that moved money committed the ledger's head to the
		// provenance log; the repeat moved nothing and committed nothing.
		if n, err := d.st.ProvenanceSize(t.Context()); err != nil || n != 1 {
			t.Errorf("provenance log has %d entries (%v), want 1", n, err)
		} else {
			entries, _ := d.st.ProvenanceEntries(t.Context(), 0, 1)
			if !bytes.Contains(entries[0], []byte("ledger-batch")) || !bytes.Contains(entries[0], []byte(fmt.Sprint("sequence ", head.Seq))) {
				t.Errorf("provenance entry %q does not commit to the ledger head %+v", entries[0], head)
			}
		}
		tb, err := d.st.TrialBalance(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		if tb.Total.Net() != 0 || tb.Total.DebitsPending != tb.Total.CreditsPending {
			t.Errorf("trial balance totals %+v, want debits equal to credits", tb.Total)
		}
		// The bank's file validates against the ISO 20022 schema.
		t.Run("schema", func(t *testing.T) {
			lint := xmllint(t)
			var xml string
			for _, f := range first.Files {
				if strings.HasSuffix(f, ".xml") {
					xml = f
				}
			}
			if out, err := exec.Command(lint, "--noout", "--schema", pain001Schema, xml).CombinedOutput(); err != nil {
				t.Errorf("pain.001 from the run does not validate: %v\n%s", err, out)
			}
		})
		var manifest struct{ Payments []Payment }
		if err := json.Unmarshal(files["manifest.json"], &manifest); err != nil || len(manifest.Payments) != 2 {
			t.Errorf("manifest: %v %+v", err, manifest)
		}
	})
}

// failingLedger fails the first post of payments, as a crash part way.
type failingLedger struct {
	ledger.Store
	failed bool
}

func (f *failingLedger) Post(ctx context.Context, b ledger.Batch) (ledger.Applied, error) {
	for _, t := range b {
		if t.Code == "payment" && !f.failed {
			f.failed = true
			return ledger.Applied{}, errors.New("crash")
		}
	}
	return f.Store.Post(ctx, b)
}

// A run that dies after the accruals and before the payments, resumed,
// pays everyone once.
func TestPayrunResumesAfterACrash(t *testing.T) {
	eachStore(t, func(t *testing.T, d *dept) {
		a := d.claimant("2026-08-03")
		crashing := *d.run
		crashing.Ledger = &failingLedger{Store: d.st}
		if _, err := crashing.Run(t.Context(), day("2026-11-23")); err == nil {
			t.Fatal("the crashing run did not fail")
		}
		rep := d.payrun("2026-11-23")
		if rep.Payments != 1 {
			t.Fatalf("resumed run: %+v", rep)
		}
		pay := d.balance(ledger.Payable, a)
		if pay.Available() != 0 || pay.DebitsPending != int64(rep.Total) {
			t.Errorf("payable %+v, want everything reserved once for the payment of %d", pay, rep.Total)
		}
	})
}

// An overpayment found after a period was paid becomes a debt, recovered
// from later payments no faster than the cap allows.
func TestOverpaymentIsRecoveredWithinTheCap(t *testing.T) {
	eachStore(t, func(t *testing.T, d *dept) {
		a := d.claimant("2026-08-03")
		d.payrun("2026-10-12") // pays the periods from 3 August and 3 September
		_, err := d.svc.RecordLifeEvent(t.Context(), claims.LifeEventReport{Type: claims.EarningsReported, PersonID: a, OccurredOn: "2026-08-20",
			Data: json.RawMessage(`{"employer_paye_reference":"1/A","amount":"400.00"}`)}, "")
		if err != nil {
			t.Fatal(err)
		}
		d.process()
		rep := d.payrun("2026-11-23")
		debt := d.balance(ledger.Debt, a)
		if debt.DebitsPosted != 22000 {
			t.Errorf("debt raised %d, want 22000 (55%% of the £400 earned in a paid period)", debt.DebitsPosted)
		}
		// The cap is 15% of the standard allowance (£424.90 from April 2026):
		// £63.73, rounded down.
		if rep.Deducted == 0 || rep.Deducted > 6373 {
			t.Errorf("deducted %s, want something up to the cap of 63.73", rep.Deducted)
		}
		if got := debt.CreditsPosted + debt.CreditsPending; got != int64(rep.Deducted) {
			t.Errorf("debt recovered %d, want %d", got, rep.Deducted)
		}
	})
}

// After a change of bank details that was not verified, the next payment
// waits for the cooling-off period; a verified change does not.
func TestBankChangeCoolingOff(t *testing.T) {
	eachStore(t, func(t *testing.T, d *dept) {
		a := d.claimant("2026-08-03")
		_, err := d.svc.RecordLifeEvent(t.Context(), claims.LifeEventReport{Type: claims.BankDetailsChanged, PersonID: a, OccurredOn: "2026-11-20",
			Data: json.RawMessage(`{"bank_account":{"sort_code":"08-99-99","account_number":"66374958","holder_name":"P TEST"}}`)}, "")
		if err != nil {
			t.Fatal(err)
		}
		d.process()
		rep := d.payrun("2026-11-23")
		if rep.Payments != 0 || len(rep.Held) != 1 || !strings.Contains(rep.Held[0].Reason, "cooling-off") {
			t.Fatalf("report %+v, want the payment held for cooling-off", rep)
		}
		notices, err := d.svc.Notices(t.Context(), a)
		if err != nil || len(notices) != 1 || notices[0].Channel != "post" {
			t.Errorf("notices %+v (%v), want one letter to the previous address", notices, err)
		}
		if rep := d.payrun("2026-11-27"); rep.Payments != 1 {
			t.Errorf("after the cooling-off: %+v", rep)
		}
	})
}

// The bank's answer settles a run: paid payments are posted, a returned one
// goes to suspense with a task for an agent, and the reconciliation agrees.
func TestSettleReturnsAndReconcile(t *testing.T) {
	eachStore(t, func(t *testing.T, d *dept) {
		a := d.claimant("2026-08-03")
		b := d.claimant("2026-09-14")
		rep := d.payrun("2026-11-23")
		var back Payment
		for _, p := range mustManifest(t, rep) {
			if p.PersonID == b {
				back = p
			}
		}
		returns, err := ReadReturns(strings.NewReader("# returned by the bank\n" + instructionID(back.ID) + "," + back.Amount.String() + ",B,account closed\n"))
		if err != nil {
			t.Fatal(err)
		}
		for range 2 { // settling again changes nothing
			st, err := d.run.Settle(t.Context(), day("2026-11-23"), returns, d.svc)
			if err != nil {
				t.Fatal(err)
			}
			if st.Settled != 1 || st.Returned != 1 || st.Back != back.Amount {
				t.Errorf("settlement %+v", st)
			}
		}
		if pay := d.balance(ledger.Payable, a); pay.DebitsPending != 0 || pay.Net() != 0 {
			t.Errorf("Ann's payable after settling: %+v, want paid in full", pay)
		}
		susp, _ := d.st.Balance(t.Context(), ledger.AccountID{Kind: ledger.Suspense, Benefit: "UC"})
		if -susp.Net() != int64(back.Amount) {
			t.Errorf("suspense holds %d, want the returned %d", -susp.Net(), back.Amount)
		}
		tasks, _ := d.svc.Tasks(t.Context(), "open")
		if len(tasks) != 1 || tasks[0].Kind != "returned-payment" || tasks[0].PersonID != b {
			t.Errorf("tasks %+v, want one for the returned payment", tasks)
		}
		rec, err := d.run.Reconcile(t.Context(), day("2026-11-23"))
		if err != nil {
			t.Fatal(err)
		}
		if len(rec.Mismatches) != 0 || rec.Posted != rec.FileTotal || rec.Returned != back.Amount || rec.Reserved != 0 {
			t.Errorf("reconciliation %+v", rec)
		}
		if _, err := ReadReturns(strings.NewReader("x,abc,B,closed\n")); lifeline.ErrorCode(err) != lifeline.EINVALID {
			t.Errorf("a bad amount: %v", err)
		}
	})
}

func mustManifest(t *testing.T, rep *Report) []Payment {
	t.Helper()
	var m struct{ Payments []Payment }
	for _, f := range rep.Files {
		if strings.HasSuffix(f, "manifest.json") {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(b, &m); err != nil {
				t.Fatal(err)
			}
		}
	}
	return m.Payments
}

// A statement adds up: what was due and what was found overpaid is what
// was paid, what was deducted and what is still owed.
func TestStatementAddsUp(t *testing.T) {
	eachStore(t, func(t *testing.T, d *dept) {
		a := d.claimant("2026-08-03")
		d.payrun("2026-10-12")
		if _, err := d.svc.RecordLifeEvent(t.Context(), claims.LifeEventReport{Type: claims.EarningsReported, PersonID: a, OccurredOn: "2026-08-20",
			Data: json.RawMessage(`{"employer_paye_reference":"1/A","amount":"400.00"}`)}, ""); err != nil {
			t.Fatal(err)
		}
		d.process()
		d.payrun("2026-11-23")
		st, err := d.run.Statement(t.Context(), d.svc, a, day("2026-11-23"))
		if err != nil {
			t.Fatal(err)
		}
		if len(st.Totals) != 1 || len(st.Periods) != 3 || len(st.Runs) != 2 {
			t.Fatalf("statement %+v", st)
		}
		tot := st.Totals[0]
		if tot.Due+tot.Overpaid != tot.Paid+tot.Deducted+tot.OwedToYou {
			t.Errorf("due %s + overpaid %s != paid %s + deducted %s + owed %s", tot.Due, tot.Overpaid, tot.Paid, tot.Deducted, tot.OwedToYou)
		}
		if tot.Overpaid != 22000 || tot.YouOwe != tot.Overpaid-tot.Deducted {
			t.Errorf("overpaid %s, you owe %s, deducted %s", tot.Overpaid, tot.YouOwe, tot.Deducted)
		}
	})
}

// Decisions about a debt change its recovery: a hardship pause stops it,
// fraud allows the higher rate, a write-off reduces it, and a repayment the
// person makes directly counts.
func TestDebtDecisions(t *testing.T) {
	eachStore(t, func(t *testing.T, d *dept) {
		debts := &Debts{Log: d.st, Ledger: d.st, Now: func() time.Time { return time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC) }}
		d.run.Debts = debts
		paused, fraud := d.claimant("2026-08-03"), d.claimant("2026-08-03")
		d.payrun("2026-10-12") // pays the periods from 3 August and 3 September
		for _, p := range []string{paused, fraud} {
			if _, err := d.svc.RecordLifeEvent(t.Context(), claims.LifeEventReport{Type: claims.EarningsReported, PersonID: p, OccurredOn: "2026-08-20",
				Data: json.RawMessage(`{"employer_paye_reference":"1/A","amount":"1000.00"}`)}, ""); err != nil {
				t.Fatal(err)
			}
		}
		d.process()
		if err := debts.Decide(t.Context(), paused, "universal_credit", DebtDecision{Cause: CauseOfficialError, Recoverable: false}); lifeline.ErrorCode(err) != lifeline.EINVALID {
			t.Errorf("a UC debt decided not recoverable: %v, want refused", err)
		}
		if err := debts.Decide(t.Context(), paused, "universal_credit", DebtDecision{Cause: CauseClaimantError, Recoverable: true, PausedUntil: day("2026-11-30")}); err != nil {
			t.Fatal(err)
		}
		if err := debts.Decide(t.Context(), fraud, "universal_credit", DebtDecision{Cause: CauseClaimantError, Recoverable: true, PausedUntil: day("2026-11-30")}); err != nil {
			t.Fatal(err)
		}
		// A later decision replaces the earlier one whole: no longer paused.
		if err := debts.Decide(t.Context(), fraud, "universal_credit", DebtDecision{Cause: CauseFraud, Recoverable: true}); err != nil {
			t.Fatal(err)
		}
		deducted := map[string]rules.Money{}
		for _, p := range mustManifest(t, d.payrun("2026-11-09")) { // pays the period from 3 October
			deducted[p.PersonID] = p.Deducted
		}
		if deducted[paused] != 0 {
			t.Errorf("paused for hardship, yet %s was deducted", deducted[paused])
		}
		if deducted[fraud] <= 6373 {
			t.Errorf("fraud: deducted %s, want more than the 15%% (63.73) allowed for other debts", deducted[fraud])
		}
		debt := d.balance(ledger.Debt, paused)
		owed := debt.Net() - debt.CreditsPending
		if err := debts.WriteOff(t.Context(), paused, "universal_credit", 1000, "w1", "agreed"); err != nil {
			t.Fatal(err)
		}
		// The same repayment recorded twice, at two times, moves money once.
		for _, dd := range []*Debts{debts, {Log: d.st, Ledger: d.st}} {
			if err := dd.Repaid(t.Context(), paused, "universal_credit", 500, "r1", "card payment"); err != nil {
				t.Fatal(err)
			}
		}
		after := d.balance(ledger.Debt, paused)
		if got := after.Net() - after.CreditsPending; got != owed-1500 {
			t.Errorf("debt %d after a write-off of 10.00 and a repayment of 5.00, want %d", got, owed-1500)
		}
		if err := debts.WriteOff(t.Context(), paused, "universal_credit", rules.Money(owed), "w2", "too much"); err == nil {
			t.Error("writing off more than is owed was accepted")
		}
	})
}
