package postgres_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lifeline-gov/lifeline"
	"github.com/lifeline-gov/lifeline/postgres"
)

// BenchmarkAppend measures durable appends with 64 concurrent producers, each
// appending one ~300-byte event to a person's stream and naming the person as
// subject (so it is sealed), as `lifeline bench events` does:
//
//	scripts/with-postgres.sh go test ./postgres/ -run '^$' -bench Append -benchtime 40000x
//
// With 100,000 people most events are a person's first, so most also create
// and store a data key; with 1,000 people keys and streams are reused.
func BenchmarkAppend(b *testing.B) {
	tests := []struct {
		name        string
		people      int
		idempotency bool
	}{
		{"people=100000", 100_000, false},
		{"people=1000", 1000, false},
		{"people=1000/idempotency-key", 1000, true},
	}
	for _, tt := range tests {
		b.Run(tt.name, func(b *testing.B) {
			u, _ := createDatabase(b)
			var batches, requests atomic.Int64
			db := openDB(b, u, postgres.Options{OnCommit: func(r, _ int, _ time.Duration) {
				batches.Add(1)
				requests.Add(int64(r))
			}})
			ctx := context.Background()
			pad := strings.Repeat("x", 230) // makes the payload ~300 bytes
			var producers atomic.Int64
			b.SetParallelism(max(1, 64/runtime.GOMAXPROCS(0)))
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				p := producers.Add(1)
				r := rand.New(rand.NewPCG(uint64(p), 1))
				n := 0
				for pb.Next() {
					n++
					person := fmt.Sprintf("person-%d", r.IntN(tt.people))
					req := lifeline.AppendRequest{Stream: person, Expected: lifeline.ExpectAny,
						Events: []lifeline.NewEvent{{Type: "address-changed", Subject: person,
							Data:     fmt.Appendf(nil, `{"producer":%d,"n":%d,"postcode":"SW1A 1AA","note":"%s"}`, p, n, pad),
							Metadata: lifeline.Metadata{Actor: "bench", Channel: "api"}}}}
					if tt.idempotency {
						req.IdempotencyKey = fmt.Sprintf("bench-%d-%d", p, n)
					}
					if _, err := db.Append(ctx, req); err != nil {
						b.Error(err)
						return
					}
				}
			})
			b.StopTimer()
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "appends/s")
			if n := batches.Load(); n > 0 {
				b.ReportMetric(float64(requests.Load())/float64(n), "requests/batch")
			}
		})
	}
}
