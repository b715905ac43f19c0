package modulus

import "strconv"

// Result is the outcome of checking one sort code and account number.
type Result struct {
	// Valid is true when the account passed, or could not be checked and the
	// specification says to presume it valid (see Checked).
	Valid bool
	// Checked is false when the specification gives no way to check this
	// account: its sort code is not in the weight table, or it is a foreign
	// currency account under exception 6. Such accounts are presumed valid;
	// callers that need more assurance must verify them some other way.
	Checked bool
	// SortCode and AccountNumber are the six and eight digits that were
	// checked, after the conversions for non-standard account numbers.
	SortCode      string
	AccountNumber string
	// Reason says in a few words why, for logs and caseworkers.
	Reason string
}

// Check validates a UK sort code and account number with Vocalink's modulus
// checking rules. The inputs are parsed with ParseSortCode and
// ParseAccountNumber; malformed input is an EINVALID *lifeline.Error and a
// zero Result. An account that fails the check is not an error: it is a
// Result with Valid false.
func Check(sortCode, accountNumber string) (Result, error) {
	sc, err := ParseSortCode(sortCode)
	if err != nil {
		return Result{}, err
	}
	acct, err := ParseAccountNumber(accountNumber)
	if err != nil {
		return Result{}, err
	}
	sc, acct = standardise(sc, acct)
	sortCodeInt, _ := strconv.Atoi(sc)
	res := evaluate(sortCodeInt, newNumber(sc, acct))
	res.SortCode, res.AccountNumber = sc, acct
	return res, nil
}

// evaluate applies the rows for a sort code: the specification's flow for
// one or two checks and the exceptions that join them.
func evaluate(sortCode int, n number) Result {
	rs := rulesFor(sortCode)
	if len(rs) == 0 {
		return Result{Valid: true, Checked: false, Reason: "sort code not in the modulus weight table: cannot be checked, presumed valid"}
	}
	first := &rs[0]
	if first.exception == 6 && n[posA] >= 4 && n[posA] <= 8 && n[posG] == n[posH] {
		return Result{Valid: true, Checked: false, Reason: "foreign currency account (exception 6): cannot be checked, presumed valid"}
	}
	firstPassed := first.passes(n)
	if len(rs) == 1 {
		if !firstPassed && first.exception == 14 {
			return verdict(exception14Second(first, n), "second Coutts check (exception 14)")
		}
		return verdict(firstPassed, "single check")
	}
	second := &rs[1]
	switch pair := [2]int{first.exception, second.exception}; {
	case pair == [2]int{2, 9}:
		// A sterling account passes the first check; a Lloyds euro account
		// quoted with its sterling sort code passes the second.
		if firstPassed {
			return verdict(true, "first check (exception 2)")
		}
		return verdict(second.passes(n), "second check against 309634 (exception 9)")
	case pair == [2]int{10, 11}, pair == [2]int{12, 13}:
		// Either check passing is enough.
		if firstPassed {
			return verdict(true, "first of two checks, either may pass (exceptions "+strconv.Itoa(pair[0])+" and "+strconv.Itoa(pair[1])+")")
		}
		return verdict(second.passes(n), "second of two checks, either may pass (exceptions "+strconv.Itoa(pair[0])+" and "+strconv.Itoa(pair[1])+")")
	case !firstPassed:
		return verdict(false, "first of two checks")
	case second.exception == 3 && (n[posC] == 6 || n[posC] == 9):
		return verdict(true, "first check; second not needed as c is 6 or 9 (exception 3)")
	default:
		return verdict(second.passes(n), "both checks")
	}
}

func verdict(passed bool, which string) Result {
	if passed {
		return Result{Valid: true, Checked: true, Reason: "passed: " + which}
	}
	return Result{Valid: false, Checked: true, Reason: "failed: " + which}
}

// Weights that replace a row's for exception 2 (Lloyds), by whether g is 9.
var (
	exception2Weights  = weights{0, 0, 1, 2, 5, 3, 6, 4, 8, 7, 10, 9, 3, 1}
	exception2G9Weight = weights{0, 0, 0, 0, 0, 0, 0, 0, 8, 7, 10, 9, 3, 1}
)

// Sort codes the specification substitutes for check purposes only.
const (
	exception8SortCode = 90126  // 09-01-26
	exception9SortCode = 309634 // 30-96-34, where Lloyds euro accounts are held
)

// passes performs one row's check with the adjustments its exception makes.
func (r *rule) passes(n number) bool {
	w := r.weights
	switch r.exception {
	case 2:
		if n[posA] != 0 {
			if n[posG] == 9 {
				w = exception2G9Weight
			} else {
				w = exception2Weights
			}
		}
	case 5:
		if sub, ok := substitutions[sortCodeOf(n)]; ok {
			n = n.withSortCode(sub)
		}
	case 7:
		if n[posG] == 9 {
			zeroUToB(&w)
		}
	case 8:
		n = n.withSortCode(exception8SortCode)
	case 9:
		n = n.withSortCode(exception9SortCode)
	case 10:
		if (n[posA] == 0 || n[posA] == 9) && n[posB] == 9 && n[posG] == 9 {
			zeroUToB(&w)
		}
	}

	t := total(r.method, n, w)
	switch {
	case r.exception == 1:
		t += 27
	case r.exception == 4:
		// The remainder must equal the two-digit check digit gh.
		return remainder(t, 11) == n[posG]*10+n[posH]
	case r.exception == 5 && r.method == mod11:
		return exception5Mod11(remainder(t, 11), n[posG])
	case r.exception == 5 && r.method == dblal:
		return exception5DoubleAlternate(remainder(t, 10), n[posH])
	}
	return remainder(t, r.method.modulus()) == 0
}

// exception5Mod11: the check digit is g; a remainder of 1 can never match.
func exception5Mod11(rem, g int) bool {
	switch rem {
	case 0:
		return g == 0
	case 1:
		return false
	}
	return 11-rem == g
}

// exception5DoubleAlternate: the check digit is h.
func exception5DoubleAlternate(rem, h int) bool {
	if rem == 0 {
		return h == 0
	}
	return 10-rem == h
}

// exception14Second is Coutts' second check: if h is 0, 1 or 9, drop it and
// shift a to g one place right behind a new leading 0, then check again.
func exception14Second(r *rule, n number) bool {
	if h := n[posH]; h != 0 && h != 1 && h != 9 {
		return false
	}
	copy(n[posB:], n[posA:posH])
	n[posA] = 0
	return remainder(total(r.method, n, r.weights), r.method.modulus()) == 0
}

func zeroUToB(w *weights) {
	for i := posU; i <= posB; i++ {
		w[i] = 0
	}
}

func sortCodeOf(n number) int {
	sc := 0
	for i := posU; i <= posZ; i++ {
		sc = sc*10 + n[i]
	}
	return sc
}
