package postgres_test

import (
	"testing"

	"github.com/lifeline-gov/lifeline"
	"github.com/lifeline-gov/lifeline/postgres"
	"github.com/lifeline-gov/lifeline/storetest"
)

func TestProvenanceConformance(t *testing.T) {
	storetest.RunProvenance(t, backend{})
}

// BenchmarkProvenanceAppend: see storetest.BenchmarkProvenanceAppend.
//
//	scripts/with-postgres.sh go test ./postgres -run '^$' -bench ProvenanceAppend -benchtime 200000x
func BenchmarkProvenanceAppend(b *testing.B) {
	storetest.BenchmarkProvenanceAppend(b, func(b *testing.B) (lifeline.ProvenanceLog, lifeline.SubscriptionStore) {
		url, _ := createDatabase(b)
		db := openDB(b, url, postgres.Options{})
		return db, db
	})
}
