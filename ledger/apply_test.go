package ledger

import (
	"strings"
	"testing"
	"time"
)

// TestTransferErrors lists every way a transfer can fail, with the error a
// caller sees: code, message and field. Each case starts from a ledger in
// which p1 is owed £100.00 (transfer "due-1", see funded).
func TestTransferErrors(t *testing.T) {
	pay := func(id string, amount int64) Transfer { return xfer(id, payable("p1"), clearing, amount) }
	tests := []struct {
		name  string
		setup Batch // applied first; must succeed
		batch Batch
		want  []string // one per transfer: "ok", "repeat", or the error
	}{
		// Fields.
		{"empty id", nil, Batch{pay("", 1)},
			[]string{`lifeline: invalid: transfer id "" is empty (field id)`}},
		{"id with a space", nil, Batch{pay("a b", 1)},
			[]string{`lifeline: invalid: transfer id "a b" may use only printable ASCII without spaces (field id)`}},
		{"id too long", nil, Batch{pay(strings.Repeat("x", 129), 1)},
			[]string{`lifeline: invalid: transfer id "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx..." is longer than 128 bytes (field id)`}},
		{"zero amount", nil, Batch{pay("t1", 0)},
			[]string{`lifeline: invalid: transfer t1: amount 0 is not positive: amounts are in pence and at least 1 (field amount)`}},
		{"negative amount", nil, Batch{pay("t1", -5)},
			[]string{`lifeline: invalid: transfer t1: amount -5 is not positive: amounts are in pence and at least 1 (field amount)`}},
		{"no debit account", nil, Batch{xfer("t1", AccountID{}, clearing, 1)},
			[]string{`lifeline: invalid: transfer t1: debit account kind(0): the kind is not set (field debit)`}},
		{"expense without a benefit", nil, Batch{xfer("t1", AccountID{Kind: Expense}, clearing, 1)},
			[]string{`lifeline: invalid: transfer t1: debit account expense: an expense account needs a benefit (field debit)`}},
		{"expense with an owner", nil, Batch{xfer("t1", AccountID{Kind: Expense, Benefit: "UC", Owner: "p1"}, clearing, 1)},
			[]string{`lifeline: invalid: transfer t1: debit account expense/UC@p1: an expense account has no owner (field debit)`}},
		{"payable without an owner", nil, Batch{xfer("t1", expenseUC, AccountID{Kind: Payable}, 1)},
			[]string{`lifeline: invalid: transfer t1: credit account payable: a payable account needs an owner (the person) (field credit)`}},
		{"clearing with an owner", nil, Batch{xfer("t1", expenseUC, AccountID{Kind: Clearing, Owner: "p1"}, 1)},
			[]string{`lifeline: invalid: transfer t1: credit account clearing@p1: a clearing account has no owner (field credit)`}},
		{"owner with a slash", nil, Batch{xfer("t1", expenseUC, payable("p/1"), 1)},
			[]string{`lifeline: invalid: transfer t1: credit account payable/UC@p/1: the owner may use only letters, digits, '.', '_' and '-' (field credit)`}},
		{"same account both sides", nil, Batch{xfer("t1", clearing, clearing, 1)},
			[]string{`lifeline: invalid: transfer t1: debit and credit are the same account (clearing) (field credit)`}},
		{"no code", nil, Batch{with(pay("t1", 1), func(t *Transfer) { t.Code = "" })},
			[]string{`lifeline: invalid: transfer t1: code is empty: say why the money moves, e.g. "award-due" (field code)`}},
		{"code in capitals", nil, Batch{with(pay("t1", 1), func(t *Transfer) { t.Code = "PAY" })},
			[]string{`lifeline: invalid: transfer t1: code "PAY" may use only a-z, 0-9 and '-' (field code)`}},
		{"ref with a newline", nil, Batch{with(pay("t1", 1), func(t *Transfer) { t.Ref = "a\nb" })},
			[]string{`lifeline: invalid: transfer t1: ref must be valid UTF-8 without control characters, at most 256 bytes (field ref)`}},
		{"no time", nil, Batch{with(pay("t1", 1), func(t *Transfer) { t.Time = time.Time{} })},
			[]string{`lifeline: invalid: transfer t1: time is not set: the caller dates every transfer (field time)`}},
		{"time before 1970", nil, Batch{with(pay("t1", 1), func(t *Transfer) { t.Time = time.Date(1969, 12, 31, 0, 0, 0, 0, time.UTC) })},
			[]string{`lifeline: invalid: transfer t1: time 1969-12-31T00:00:00Z is outside 1970 to 2199 (field time)`}},
		{"pending and post", nil, Batch{with(pay("t1", 1), func(t *Transfer) { t.Flags = Pending | Post })},
			[]string{`lifeline: invalid: transfer t1: flags pending|post: pending, post and void are exclusive (field flags)`}},
		{"unknown flag", nil, Batch{with(pay("t1", 1), func(t *Transfer) { t.Flags = 1 << 7 })},
			[]string{`lifeline: invalid: transfer t1: unknown flags 0x80 (field flags)`}},
		{"expire set by a caller", nil, Batch{with(pay("t1", 1), func(t *Transfer) { t.Flags = Expire })},
			[]string{`lifeline: invalid: transfer t1: the expire flag is for the ledger's own expiry records; to release a pending transfer, void it (field flags)`}},
		{"timeout without pending", nil, Batch{with(pay("t1", 1), func(t *Transfer) { t.Timeout = time.Hour })},
			[]string{`lifeline: invalid: transfer t1: timeout is only for pending transfers (field timeout)`}},
		{"negative timeout", nil, Batch{reserve("t1", payable("p1"), clearing, 1, -time.Hour)},
			[]string{`lifeline: invalid: transfer t1: timeout -1h0m0s must be between 0 (never expires) and 8784h0m0s (field timeout)`}},
		{"post without pending_id", nil, Batch{settle("t1", "", Post, 0)},
			[]string{`lifeline: invalid: transfer t1: a post names the pending transfer it settles in pending_id (field pending_id)`}},
		{"pending_id on a plain transfer", nil, Batch{with(pay("t1", 1), func(t *Transfer) { t.PendingID = "r1" })},
			[]string{`lifeline: invalid: transfer t1: pending_id is only for a post or a void (field pending_id)`}},
		{"post of itself", nil, Batch{settle("t1", "t1", Post, 0)},
			[]string{`lifeline: invalid: transfer t1: a transfer cannot settle itself (field pending_id)`}},
		{"post of a negative amount", nil, Batch{settle("t1", "r1", Post, -1)},
			[]string{`lifeline: invalid: transfer t1: amount -1 is negative: use 0 for the whole pending amount (field amount)`}},

		// Constraints.
		{"payable overdrawn", nil, Batch{pay("t1", 100_01)},
			[]string{`lifeline: conflict: transfer t1: payable/UC@p1 may not go below zero: debits £100.01 (posted £100.01, pending £0.00) would exceed credits £100.00 (field amount)`}},
		{"payable paid in full", nil, Batch{pay("t1", 100_00)}, []string{"ok"}},
		{"reservation counts against the payable", Batch{reserve("r1", payable("p1"), clearing, 60_00, 0)}, Batch{pay("t1", 40_01)},
			[]string{`lifeline: conflict: transfer t1: payable/UC@p1 may not go below zero: debits £100.01 (posted £40.01, pending £60.00) would exceed credits £100.00 (field amount)`}},
		{"debt over-recovered", Batch{xfer("op-1", debt("p1"), expenseUC, 30_00)}, Batch{xfer("t1", payable("p1"), debt("p1"), 30_01)},
			[]string{`lifeline: conflict: transfer t1: debt@p1 may not go below zero: credits £30.01 (posted £30.01, pending £0.00) would exceed debits £30.00 (field amount)`}},
		{"write-off reversed beyond what was written off", nil, Batch{xfer("t1", debt("p1"), writeOff, 1)},
			[]string{`lifeline: conflict: transfer t1: write-off may not go below zero: credits £0.01 (posted £0.01, pending £0.00) would exceed debits £0.00 (field amount)`}},
		{"overflow", Batch{xfer("big", clearing, suspense, 1<<62)}, Batch{xfer("t1", clearing, suspense, 1<<62)},
			[]string{`lifeline: invalid: transfer t1: would overflow the debits of clearing (field amount)`}},
		{"each transfer sees those before it", nil, Batch{pay("t1", 60_00), pay("t2", 60_00), pay("t3", 40_00)},
			[]string{"ok", `lifeline: conflict: transfer t2: payable/UC@p1 may not go below zero: debits £120.00 (posted £120.00, pending £0.00) would exceed credits £100.00 (field amount)`, "ok"}},

		// Repeats.
		{"same id, same content", nil, Batch{xfer("due-1", expenseUC, payable("p1"), 100_00)}, []string{"repeat"}},
		{"same id twice in a batch", nil, Batch{pay("t1", 1), pay("t1", 1)}, []string{"ok", "repeat"}},
		{"same id, different amount", nil, Batch{xfer("due-1", expenseUC, payable("p1"), 99_00)},
			[]string{`lifeline: conflict: transfer due-1: this id was already used for a transfer with amount £100.00, not £99.00: a new transfer needs a new id (field amount)`}},
		{"same id, different account", nil, Batch{xfer("due-1", expenseUC, payable("p2"), 100_00)},
			[]string{`lifeline: conflict: transfer due-1: this id was already used for a transfer with credit payable/UC@p1, not payable/UC@p2: a new transfer needs a new id (field credit)`}},
		{"same id, different time", nil, Batch{with(xfer("due-1", expenseUC, payable("p1"), 100_00), func(t *Transfer) { t.Time = t0.Add(time.Second) })},
			[]string{`lifeline: conflict: transfer due-1: this id was already used for a transfer with time 2026-11-23T09:00:00Z, not 2026-11-23T09:00:01Z: a new transfer needs a new id (field time)`}},
		{"same id, now pending", nil, Batch{with(xfer("due-1", expenseUC, payable("p1"), 100_00), func(t *Transfer) { t.Flags = Pending })},
			[]string{`lifeline: conflict: transfer due-1: this id was already used for a transfer with flags none, not pending: a new transfer needs a new id (field flags)`}},

		// Time.
		{"dated before the latest posting", nil, Batch{with(pay("t1", 1), func(t *Transfer) { t.Time = t0.Add(-time.Nanosecond) })},
			[]string{`lifeline: conflict: transfer t1: dated 2026-11-23T08:59:59.999999999Z, before the ledger's latest posting (2026-11-23T09:00:00Z): history is kept in time order, so date it again and retry (field time)`}},

		// Two-phase.
		{"post of an unknown transfer", nil, Batch{settle("t1", "r1", Post, 0)},
			[]string{`lifeline: not_found: transfer t1: pending transfer r1 does not exist (field pending_id)`}},
		{"post of a plain transfer", nil, Batch{settle("t1", "due-1", Post, 0)},
			[]string{`lifeline: invalid: transfer t1: transfer due-1 is not a pending transfer, so it cannot be posted or voided (field pending_id)`}},
		{"post twice", Batch{reserve("r1", payable("p1"), clearing, 10_00, 0), settle("s1", "r1", Post, 0)}, Batch{settle("s2", "r1", Post, 0)},
			[]string{`lifeline: conflict: transfer s2: pending transfer r1 was already posted (field pending_id)`}},
		{"void after post", Batch{reserve("r1", payable("p1"), clearing, 10_00, 0), settle("s1", "r1", Post, 0)}, Batch{settle("s2", "r1", Void, 0)},
			[]string{`lifeline: conflict: transfer s2: pending transfer r1 was already posted (field pending_id)`}},
		{"post after void", Batch{reserve("r1", payable("p1"), clearing, 10_00, 0), settle("s1", "r1", Void, 0)}, Batch{settle("s2", "r1", Post, 0)},
			[]string{`lifeline: conflict: transfer s2: pending transfer r1 was already voided (field pending_id)`}},
		{"post at the deadline", Batch{reserve("r1", payable("p1"), clearing, 10_00, time.Hour)},
			Batch{with(settle("s1", "r1", Post, 0), func(t *Transfer) { t.Time = t0.Add(time.Hour) })},
			[]string{`lifeline: conflict: transfer s1: pending transfer r1 expired at 2026-11-23T10:00:00Z (field pending_id)`}},
		{"post more than reserved", Batch{reserve("r1", payable("p1"), clearing, 10_00, 0)}, Batch{settle("s1", "r1", Post, 10_01)},
			[]string{`lifeline: invalid: transfer s1: amount £10.01 is more than the pending amount £10.00 (field amount)`}},
		{"post naming another account", Batch{reserve("r1", payable("p1"), clearing, 10_00, 0)},
			Batch{with(settle("s1", "r1", Post, 0), func(t *Transfer) { t.Credit = suspense })},
			[]string{`lifeline: invalid: transfer s1: credit account suspense is not the pending transfer's (clearing): leave it empty or match it (field credit)`}},
		{"void of part", Batch{reserve("r1", payable("p1"), clearing, 10_00, 0)}, Batch{settle("s1", "r1", Void, 5_00)},
			[]string{`lifeline: invalid: transfer s1: a void releases the whole pending amount £10.00: leave amount 0 (field amount)`}},
		{"post repeated with the amount spelled out", Batch{reserve("r1", payable("p1"), clearing, 10_00, 0), settle("s1", "r1", Post, 0)},
			Batch{with(settle("s1", "r1", Post, 10_00), func(t *Transfer) { t.Debit, t.Credit = payable("p1"), clearing })},
			[]string{"repeat"}},

		// Linked chains: all or nothing, and the first failure names the cause.
		{"chain fails in the middle", nil, linked(pay("a", 50_00), pay("b", 60_00), pay("c", 1)),
			[]string{
				`lifeline: conflict: transfer a: not applied because linked transfer b failed: payable/UC@p1 may not go below zero: debits £110.00 (posted £110.00, pending £0.00) would exceed credits £100.00`,
				`lifeline: conflict: transfer b: payable/UC@p1 may not go below zero: debits £110.00 (posted £110.00, pending £0.00) would exceed credits £100.00 (field amount)`,
				`lifeline: conflict: transfer c: not applied because linked transfer b failed: payable/UC@p1 may not go below zero: debits £110.00 (posted £110.00, pending £0.00) would exceed credits £100.00`,
			}},
		{"chain with a bad field", nil, append(linked(pay("a", 1), pay("b", 0)), pay("c", 1)),
			[]string{
				`lifeline: invalid: transfer a: not applied because linked transfer b failed: amount 0 is not positive: amounts are in pence and at least 1`,
				`lifeline: invalid: transfer b: amount 0 is not positive: amounts are in pence and at least 1 (field amount)`,
				"ok", // c is not in the chain
			}},
		{"chain with a repeat before the failure", nil, linked(xfer("due-1", expenseUC, payable("p1"), 100_00), pay("b", 100_01)),
			[]string{
				"repeat", // posted by an earlier batch, so the chain's failure does not undo it
				`lifeline: conflict: transfer b: payable/UC@p1 may not go below zero: debits £100.01 (posted £100.01, pending £0.00) would exceed credits £100.00 (field amount)`,
			}},
		{"chain repeating its own transfer", nil, linked(pay("a", 1), pay("a", 1), pay("b", 100_00)),
			[]string{
				`lifeline: conflict: transfer a: not applied because linked transfer b failed: payable/UC@p1 may not go below zero: debits £100.01 (posted £100.01, pending £0.00) would exceed credits £100.00`,
				`lifeline: conflict: transfer a: not applied because linked transfer b failed: payable/UC@p1 may not go below zero: debits £100.01 (posted £100.01, pending £0.00) would exceed credits £100.00`,
				`lifeline: conflict: transfer b: payable/UC@p1 may not go below zero: debits £100.01 (posted £100.01, pending £0.00) would exceed credits £100.00 (field amount)`,
			}},
		{"chain that succeeds", nil, linked(pay("a", 50_00), pay("b", 50_00)), []string{"ok", "ok"}},
		{"chain whose pending is posted within it", nil,
			linked(reserve("r1", payable("p1"), clearing, 10_00, 0), settle("s1", "r1", Post, 4_00)), []string{"ok", "ok"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := funded(t)
			if tt.setup != nil {
				mustApply(t, l, tt.setup)
			}
			before, beforeHead := l.TrialBalance(), l.Head()
			a, err := l.Apply(tt.batch)
			if err != nil {
				t.Fatalf("Apply: %v", err)
			}
			if len(a.Results) != len(tt.want) {
				t.Fatalf("got %d results, want %d", len(a.Results), len(tt.want))
			}
			moved := false
			for i, r := range a.Results {
				got := "ok"
				switch {
				case r.Err != nil:
					got = r.Err.Error()
				case r.Repeat:
					got = "repeat"
				}
				if got != tt.want[i] {
					t.Errorf("transfer %d:\n got %s\nwant %s", i, got, tt.want[i])
				}
				if (r.Err == nil) != (r.Seq != 0) {
					t.Errorf("transfer %d: Seq %d with error %v", i, r.Seq, r.Err)
				}
				moved = moved || got == "ok"
			}
			if !moved && (l.Head() != beforeHead || !sameTrial(l.TrialBalance(), before)) {
				t.Errorf("nothing succeeded, yet the ledger changed")
			}
		})
	}
}

func sameTrial(a, b TrialBalance) bool {
	if a.Total != b.Total || len(a.Lines) != len(b.Lines) {
		return false
	}
	for i := range a.Lines {
		if a.Lines[i] != b.Lines[i] {
			return false
		}
	}
	return true
}

// TestBatchErrors lists what makes a whole batch unusable; then nothing applies.
func TestBatchErrors(t *testing.T) {
	big := make(Batch, MaxBatch+1)
	tests := []struct {
		name  string
		batch Batch
		want  string
	}{
		{"empty", Batch{}, `lifeline: invalid: the batch has no transfers`},
		{"too large", big, `lifeline: too_large: the batch has 8191 transfers; at most 8190 are allowed`},
		{"ends inside a chain", Batch{with(xfer("t1", expenseUC, payable("p1"), 1), func(t *Transfer) { t.Flags = Linked })},
			`lifeline: invalid: the last transfer (t1) is linked to a next one that is not in the batch: clear its linked flag (field flags)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := New()
			_, err := l.Apply(tt.batch)
			if err == nil || err.Error() != tt.want {
				t.Fatalf("got %v\nwant %s", err, tt.want)
			}
			if l.Head() != (Head{}) {
				t.Fatalf("head moved: %+v", l.Head())
			}
		})
	}
}
