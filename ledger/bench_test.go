package ledger

import (
	"strconv"
	"testing"
	"time"
)

// benchPopulation is how many people the benchmark pays: each appears in
// every fourth batch, as in successive payment runs, so most transfers find
// their accounts already open while every transfer id is new.
const benchPopulation = 4 * MaxBatch / 2

// benchBatches returns n batches of MaxBatch transfers shaped like a payment
// run: per person, an award credited to their payable, then a payment out of
// it to bank clearing (so the payable's constraint is checked every time).
func benchBatches(n int) []Batch {
	batches := make([]Batch, n)
	for i := range batches {
		b := make(Batch, MaxBatch)
		at := t0.Add(time.Duration(i) * time.Second)
		for j := 0; j < MaxBatch; j += 2 {
			person := "person-" + strconv.Itoa((i*MaxBatch/2+j/2)%benchPopulation)
			pay := AccountID{Kind: Payable, Benefit: "UC", Owner: person}
			id := "run-" + strconv.Itoa(i) + "/" + person
			b[j] = Transfer{ID: ID(id + "/due"), Debit: expenseUC, Credit: pay, Amount: 400_00, Code: "award-due", Time: at}
			b[j+1] = Transfer{ID: ID(id + "/pay"), Debit: pay, Credit: clearing, Amount: 400_00, Code: "payment", Time: at}
		}
		batches[i] = b
	}
	return batches
}

// BenchmarkPost measures the pure core: one op is one batch of 8,190
// transfers, applied to the in-memory Ledger (history and as-at index
// included) or to a bare State (what a store's writer runs). The ledger is
// replaced, untimed, every len(batches) ops so memory stays bounded.
func BenchmarkPost(b *testing.B) {
	batches := benchBatches(16)
	b.Run("ledger", func(b *testing.B) {
		b.ReportAllocs()
		var l *Ledger
		for i := 0; b.Loop(); i++ {
			if i%len(batches) == 0 {
				b.StopTimer()
				l = New()
				b.StartTimer()
			}
			if _, err := l.Apply(batches[i%len(batches)]); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.N)*MaxBatch/b.Elapsed().Seconds(), "transfers/s")
	})
	b.Run("state", func(b *testing.B) {
		b.ReportAllocs()
		var s *State
		for i := 0; b.Loop(); i++ {
			if i%len(batches) == 0 {
				b.StopTimer()
				s = NewState()
				b.StartTimer()
			}
			if _, err := s.Apply(batches[i%len(batches)]); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.N)*MaxBatch/b.Elapsed().Seconds(), "transfers/s")
	})
}
