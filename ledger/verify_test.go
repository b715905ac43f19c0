package ledger

import (
	"strings"
	"testing"
	"time"
)

// TestTamperEvidence changes history in each way an insider might and shows
// how it is caught: by Verify alone, or by comparing the head with the one
// committed earlier (to the provenance log), or by replaying balances.
func TestTamperEvidence(t *testing.T) {
	l := sample(t)
	committed := l.Head()
	if h, err := Verify(l.Entries(1)); err != nil || h != committed {
		t.Fatalf("untouched chain: head %+v, err %v; want %+v", h, err, committed)
	}
	// rehash recomputes every hash from entry i on, as a careful forger would.
	rehash := func(es []Entry, i int) {
		for ; i < len(es); i++ {
			if i > 0 {
				es[i].Prev = es[i-1].Hash
			}
			es[i].Hash, _ = es[i].computeHash(nil)
		}
	}
	tests := []struct {
		name   string
		change func(es []Entry) []Entry
		want   string // from Verify; "" when Verify passes and only the head shows it
	}{
		{"amount changed", func(es []Entry) []Entry { es[0].Postings[1].Amount++; return es },
			"ledger: entry 1 does not match its hash: it was changed after it was written"},
		{"account changed", func(es []Entry) []Entry { es[0].Postings[1].Credit = payable("p3"); return es },
			"ledger: entry 1 does not match its hash: it was changed after it was written"},
		{"time changed", func(es []Entry) []Entry {
			es[2].Postings[0].Time = es[2].Postings[0].Time.Add(time.Nanosecond)
			return es
		},
			"ledger: entry 3 does not match its hash: it was changed after it was written"},
		{"reference changed", func(es []Entry) []Entry { es[0].Postings[1].Ref = "award-revision 8"; return es },
			"ledger: entry 1 does not match its hash: it was changed after it was written"},
		{"code changed", func(es []Entry) []Entry { es[2].Postings[1].Code = "refund"; return es },
			"ledger: entry 3 does not match its hash: it was changed after it was written"},
		{"postings swapped", func(es []Entry) []Entry {
			p := es[0].Postings
			p[0], p[1] = p[1], p[0]
			return es
		}, "ledger: entry 1 does not match its hash: it was changed after it was written"},
		{"posting removed", func(es []Entry) []Entry { es[2].Postings = es[2].Postings[:1]; return es },
			"ledger: entry 3 does not match its hash: it was changed after it was written"},
		{"entry changed and its hash recomputed", func(es []Entry) []Entry {
			es[1].Postings[0].Amount = 1
			es[1].Hash, _ = es[1].computeHash(nil)
			return es
		}, "ledger: entry 3 names " + l.Entries(1)[1].Hash.String() + " as the hash before it, but entry 2's hash is "},
		{"entry removed", func(es []Entry) []Entry { return append(es[:1], es[2:]...) },
			"ledger: entry 3 found where entry 2 should be: an entry is missing or out of order"},
		{"entries swapped", func(es []Entry) []Entry { es[1], es[2] = es[2], es[1]; return es },
			"ledger: entry 3 found where entry 2 should be: an entry is missing or out of order"},
		{"last entry dropped", func(es []Entry) []Entry { return es[:len(es)-1] }, ""},
		{"whole tail rewritten and rehashed", func(es []Entry) []Entry {
			es[4].Postings[0].Amount = 4_00
			rehash(es, 4)
			return es
		}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			es := tt.change(clone(l.Entries(1)))
			h, err := Verify(es)
			if tt.want == "" {
				if err != nil {
					t.Fatalf("Verify: %v", err)
				}
				if h == committed {
					t.Fatalf("head unchanged: the change went unseen")
				}
				return
			}
			if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
				t.Fatalf("got %v\nwant %s", err, tt.want)
			}
			if _, err := Rebuild(es); err == nil {
				t.Fatalf("Rebuild accepted a tampered chain")
			}
		})
	}
	// The original entries were shared, not changed.
	if h, err := Verify(l.Entries(1)); err != nil || h != committed {
		t.Fatalf("the ledger's own history changed: %v", err)
	}
}

// TestReplayCatchesConsistentForgery: a forger who rehashes the whole chain
// passes Verify, but a forged posting that breaks the ledger's rules does not
// replay, and one that keeps them yields a head that differs from the one
// committed.
func TestReplayCatchesConsistentForgery(t *testing.T) {
	l := sample(t)
	es := clone(l.Entries(1))
	es[2].Postings[0].Amount = 200_00 // post more than was reserved
	for i := 2; i < len(es); i++ {
		es[i].Prev = es[i-1].Hash
		es[i].Hash, _ = es[i].computeHash(nil)
	}
	if _, err := Verify(es); err != nil {
		t.Fatalf("Verify: %v (a consistent forgery should pass it)", err)
	}
	_, err := Rebuild(es)
	want := "ledger: entry 3 posting 5 does not replay: lifeline: invalid: transfer s1: amount £200.00 is more than the pending amount £60.00 (field amount)"
	if err == nil || err.Error() != want {
		t.Fatalf("Rebuild: %v\nwant %s", err, want)
	}
}

func TestReplayRefusesEntriesOutOfPlace(t *testing.T) {
	es := sample(t).Entries(1)
	l := New()
	err := l.Replay(es[1])
	if err == nil || err.Error() != "ledger: entry 2 found where entry 1 should be: an entry is missing or out of order" {
		t.Fatalf("Replay: %v", err)
	}
	if _, err2 := l.Apply(Batch{xfer("x", expenseUC, payable("p1"), 1)}); err2 != err {
		t.Fatalf("a ledger whose replay failed must refuse writes, got %v", err2)
	}
}
