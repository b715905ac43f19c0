package modulus

import (
	_ "embed"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// valacdos.txt is Vocalink's modulus weight table and scsubtab.txt its sort code
// substitution table, both byte for byte as published (see SOURCES.md).
var (
	//go:embed valacdos.txt
	weightTableData string
	//go:embed scsubtab.txt
	substitutionTableData string
)

// method is the arithmetic a weight table row asks for.
type method uint8

const (
	mod10 method = iota + 1 // weighted sum divisible by 10
	mod11                   // weighted sum divisible by 11
	dblal                   // double alternate: the digits of each product summed, divisible by 10
)

// weights hold one multiplier per digit of sort code and account number,
// in the spec's order u v w x y z a b c d e f g h.
type weights [14]int

// rule is one row of the weight table: a sort code range, a method, weights
// and an optional exception number (0 for none).
type rule struct {
	start, end int // sort codes as integers, inclusive
	method     method
	weights    weights
	exception  int
}

// The tables are parsed once when the package loads; the data is embedded,
// so a failure here is a broken build, caught by the tests.
var (
	rules         = mustParseWeightTable(weightTableData)
	substitutions = mustParseSubstitutionTable(substitutionTableData)
)

func mustParseWeightTable(data string) []rule {
	rs, err := parseWeightTable(data)
	if err != nil {
		panic("modulus: embedded valacdos.txt: " + err.Error())
	}
	return rs
}

func mustParseSubstitutionTable(data string) map[int]int {
	m, err := parseSubstitutionTable(data)
	if err != nil {
		panic("modulus: embedded scsubtab.txt: " + err.Error())
	}
	return m
}

// parseWeightTable reads valacdos.txt: per line two sort codes, a method,
// fourteen weights and an optional exception. File order is kept, because
// where a range has two rows the spec performs them in that order.
func parseWeightTable(data string) ([]rule, error) {
	var rs []rule
	for n, line := range strings.Split(data, "\n") {
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		if len(f) != 17 && len(f) != 18 {
			return nil, fmt.Errorf("line %d: %d fields, want 17 or 18", n+1, len(f))
		}
		var r rule
		var err error
		if r.start, err = parseSortCodeField(f[0]); err != nil {
			return nil, fmt.Errorf("line %d: %w", n+1, err)
		}
		if r.end, err = parseSortCodeField(f[1]); err != nil {
			return nil, fmt.Errorf("line %d: %w", n+1, err)
		}
		if r.end < r.start {
			return nil, fmt.Errorf("line %d: range ends before it starts", n+1)
		}
		switch f[2] {
		case "MOD10":
			r.method = mod10
		case "MOD11":
			r.method = mod11
		case "DBLAL":
			r.method = dblal
		default:
			return nil, fmt.Errorf("line %d: unknown method %q", n+1, f[2])
		}
		for i := range r.weights {
			if r.weights[i], err = strconv.Atoi(f[3+i]); err != nil {
				return nil, fmt.Errorf("line %d: weight %d: %w", n+1, i+1, err)
			}
		}
		if len(f) == 18 {
			if r.exception, err = strconv.Atoi(f[17]); err != nil || r.exception < 1 || r.exception > 14 {
				return nil, fmt.Errorf("line %d: exception %q is not 1 to 14", n+1, f[17])
			}
		}
		rs = append(rs, r)
	}
	// Stable, so the two rows of a range keep their published order.
	slices.SortStableFunc(rs, func(a, b rule) int { return a.start - b.start })
	return rs, nil
}

// parseSubstitutionTable reads scsubtab.txt: an original sort code and the
// sort code to use in its place for exception 5.
func parseSubstitutionTable(data string) (map[int]int, error) {
	m := make(map[int]int)
	for n, line := range strings.Split(data, "\n") {
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		if len(f) != 2 {
			return nil, fmt.Errorf("line %d: %d fields, want 2", n+1, len(f))
		}
		from, err := parseSortCodeField(f[0])
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", n+1, err)
		}
		to, err := parseSortCodeField(f[1])
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", n+1, err)
		}
		m[from] = to
	}
	return m, nil
}

func parseSortCodeField(s string) (int, error) {
	if len(s) != 6 || !allDigits(s) {
		return 0, fmt.Errorf("sort code %q is not six digits", s)
	}
	n, _ := strconv.Atoi(s)
	return n, nil
}

// rulesFor returns the rows that apply to a sort code, in published order:
// none (the sort code cannot be checked), one, or two.
func rulesFor(sortCode int) []rule {
	// i is the first row starting after sortCode; the candidates are the rows
	// just before it that share the greatest start at or below sortCode.
	i, _ := slices.BinarySearchFunc(rules, sortCode+1, func(r rule, target int) int { return r.start - target })
	j := i
	for j > 0 && rules[j-1].start == rules[i-1].start {
		j--
	}
	if j == i || rules[j].end < sortCode {
		return nil
	}
	return rules[j:i]
}
