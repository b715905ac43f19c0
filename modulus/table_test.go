package modulus

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"strings"
	"testing"
)

// The embedded files must stay byte for byte as Vocalink published them;
// SOURCES.md records the same digests.
const (
	weightTableSHA256       = "374727f78e4a60a1dc0080f00853d8e574443908e1509ad552aa75e1be5a872e"
	substitutionTableSHA256 = "6fd3c99f13cbb736e740fbd449c77732e1d7647120a74b941774be2fb27e989d"
)

func TestDataFilesAreUnchanged(t *testing.T) {
	sources, err := os.ReadFile("SOURCES.md")
	if err != nil {
		t.Fatal(err)
	}
	for name, c := range map[string]struct{ data, digest string }{
		"valacdos.txt": {weightTableData, weightTableSHA256},
		"scsubtab.txt": {substitutionTableData, substitutionTableSHA256},
	} {
		sum := sha256.Sum256([]byte(c.data))
		if got := hex.EncodeToString(sum[:]); got != c.digest {
			t.Errorf("%s: SHA-256 %s, want %s: replace it only with a file Vocalink published, and update SOURCES.md", name, got, c.digest)
		}
		if !strings.Contains(string(sources), c.digest) {
			t.Errorf("SOURCES.md does not record the SHA-256 of %s", name)
		}
	}
}

func TestWeightTableShape(t *testing.T) {
	if len(rules) != 1166 {
		t.Errorf("weight table has %d rows, want the 1166 published", len(rules))
	}
	if len(substitutions) != 21 {
		t.Errorf("substitution table has %d rows, want the 21 published", len(substitutions))
	}
	// Ranges never overlap; a range has one row, or two with the same range.
	for i := 1; i < len(rules); i++ {
		prev, r := rules[i-1], rules[i]
		if r.start == prev.start {
			if r.end != prev.end {
				t.Errorf("rows for %06d end at %06d and %06d", r.start, prev.end, r.end)
			}
			if i >= 2 && rules[i-2].start == r.start {
				t.Errorf("more than two rows for %06d", r.start)
			}
			continue
		}
		if r.start <= prev.end {
			t.Errorf("range %06d-%06d overlaps %06d-%06d", prev.start, prev.end, r.start, r.end)
		}
	}
}

// evaluate's flow assumes these combinations and no others: it must be
// revisited if a new table brings a different one.
func TestExceptionCombinationsAreTheOnesEvaluateKnows(t *testing.T) {
	singles := map[int]bool{0: true, 1: true, 4: true, 7: true, 8: true, 14: true}
	pairs := map[[2]int]bool{{0, 0}: true, {0, 3}: true, {2, 9}: true, {5, 5}: true, {6, 6}: true, {10, 11}: true, {12, 13}: true}
	for _, r := range rules {
		switch rs := rulesFor(r.start); len(rs) {
		case 1:
			if !singles[rs[0].exception] {
				t.Errorf("%06d: exception %d alone", r.start, rs[0].exception)
			}
		case 2:
			if pair := [2]int{rs[0].exception, rs[1].exception}; !pairs[pair] {
				t.Errorf("%06d: exceptions %v together", r.start, pair)
			}
		default:
			t.Errorf("%06d: %d rows", r.start, len(rs))
		}
	}
}

func TestRulesFor(t *testing.T) {
	tests := []struct {
		sortCode int
		rows     int
	}{
		{0, 0},
		{10003, 0},
		{10004, 1},  // 01-00-04, start of the first range
		{16715, 1},  // end of the first range
		{16716, 0},  // just after it
		{40010, 2},  // a range with two rows
		{938697, 0}, // a one-code gap between two exception 5 ranges
		{989999, 2}, // end of the last range
		{999999, 0},
	}
	for _, tt := range tests {
		if got := len(rulesFor(tt.sortCode)); got != tt.rows {
			t.Errorf("rulesFor(%06d) gives %d rows, want %d", tt.sortCode, got, tt.rows)
		}
	}
}

func TestParseTablesRejectBadData(t *testing.T) {
	for _, data := range []string{
		"010004 016715 MOD11 0 0 0 0 0 0 8 7 6 5 4 3 2",      // 13 weights
		"010004 016715 MOD12 0 0 0 0 0 0 8 7 6 5 4 3 2 1",    // unknown method
		"016715 010004 MOD11 0 0 0 0 0 0 8 7 6 5 4 3 2 1",    // range backwards
		"010004 016715 MOD11 0 0 0 0 0 0 8 7 6 5 4 3 2 1 15", // no exception 15
		"01004 016715 MOD11 0 0 0 0 0 0 8 7 6 5 4 3 2 1",     // five-digit sort code
		"010004 016715 MOD11 0 0 0 0 0 0 8 7 6 5 4 3 2 x",    // weight not a number
	} {
		if _, err := parseWeightTable(data); err == nil {
			t.Errorf("parseWeightTable(%q) accepted bad data", data)
		}
	}
	for _, data := range []string{"938173", "938173 93801", "938173 938017 1"} {
		if _, err := parseSubstitutionTable(data); err == nil {
			t.Errorf("parseSubstitutionTable(%q) accepted bad data", data)
		}
	}
}
