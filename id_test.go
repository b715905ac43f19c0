package lifeline_test

import (
	"crypto/rand"
	"testing"
	"time"

	"github.com/lifeline-gov/lifeline"
)

func TestParseIDRoundTrip(t *testing.T) {
	id, err := lifeline.NewID(time.Now(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	u, err := lifeline.ParseID(id)
	if err != nil || lifeline.FormatID(u) != id {
		t.Fatalf("ParseID(%q) = %x, %v; does not round-trip", id, u, err)
	}
	for _, bad := range []string{"", "0190c8a4-0000-7000-8000", "0190c8a4x0000-7000-8000-000000000000", "0190c8a4-0000-7000-8000-00000000000g"} {
		if _, err := lifeline.ParseID(bad); err == nil {
			t.Errorf("ParseID(%q) succeeded", bad)
		}
	}
}
