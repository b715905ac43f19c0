package lifeline

import "strings"

// NINO is a National Insurance number in its normal form, e.g. "AB123456C".
type NINO string

// ParseNINO checks a National Insurance number and returns it normalised:
// upper case, no spaces. The rules are HMRC's (National Insurance Manual
// NIM39110): two prefix letters, six digits, a suffix A to D; the first
// letter is not D, F, I, Q, U or V; the second is not D, F, I, O, Q, U or V;
// the prefixes BG, GB, KN, NK, NT, TN and ZZ are never allocated.
//
// QQ is the specimen prefix that HMRC uses in examples and never issues;
// it is accepted only when allowSpecimen is set, for demonstration and test
// data, so that no real person can be named.
func ParseNINO(s string, allowSpecimen bool) (NINO, error) {
	n := strings.ToUpper(strings.Join(strings.Fields(s), ""))
	bad := func(why string) (NINO, error) {
		return "", FieldErrorf(EINVALID, "nino", "%q is not a valid National Insurance number: %s", truncate(s, 20), why)
	}
	if len(n) != 9 {
		return bad("it must be 2 letters, 6 digits and a letter A, B, C or D, like QQ 12 34 56 C")
	}
	for i := 0; i < 9; i++ {
		c := n[i]
		switch {
		case i < 2 && (c < 'A' || c > 'Z'):
			return bad("it must start with two letters")
		case i >= 2 && i < 8 && (c < '0' || c > '9'):
			return bad("the middle six characters must be digits")
		case i == 8 && (c < 'A' || c > 'D'):
			return bad("the last character must be A, B, C or D")
		}
	}
	prefix := n[:2]
	if prefix == "QQ" {
		if allowSpecimen {
			return NINO(n), nil
		}
		return bad("QQ is the specimen prefix, which is never issued")
	}
	if strings.ContainsRune("DFIQUV", rune(n[0])) || strings.ContainsRune("DFIOQUV", rune(n[1])) {
		return bad("the prefix " + prefix + " is never issued")
	}
	switch prefix {
	case "BG", "GB", "KN", "NK", "NT", "TN", "ZZ":
		return bad("the prefix " + prefix + " is never issued")
	}
	return NINO(n), nil
}

// Postcode is a UK postcode in its normal form: upper case, one space
// before the inward code, e.g. "SW1A 1AA".
type Postcode string

// ParsePostcode checks a UK postcode and returns it normalised. The format
// is Royal Mail's, as the GOV.UK data standard describes it: an outward code
// in one of the forms A9, A99, A9A, AA9, AA99 or AA9A, then an inward code
// 9AA. Letters are restricted by position: the first is not Q, V or X; the
// second not I, J or Z; a letter third (A9A) is one of ABCDEFGHJKPSTUW; a
// letter fourth (AA9A) one of ABEHMNPRVWXY; the inward letters are never C,
// I, K, M, O or V. GIR 0AA is the one historical exception.
func ParsePostcode(s string) (Postcode, error) {
	p := strings.ToUpper(strings.Join(strings.Fields(s), ""))
	bad := func(why string) (Postcode, error) {
		return "", FieldErrorf(EINVALID, "postcode", "%q is not a valid UK postcode: %s", truncate(s, 20), why)
	}
	if p == "GIR0AA" {
		return "GIR 0AA", nil
	}
	if len(p) < 5 || len(p) > 7 {
		return bad("it must be 5 to 7 letters and digits, like SW1A 1AA")
	}
	out, in := p[:len(p)-3], p[len(p)-3:]
	if !isDigit(in[0]) || !strings.ContainsRune("ABDEFGHJLNPQRSTUWXYZ", rune(in[1])) || !strings.ContainsRune("ABDEFGHJLNPQRSTUWXYZ", rune(in[2])) {
		return bad("the last part must be a digit and two letters, like 1AA")
	}
	if !validOutward(out) {
		return bad("the first part must be like A9, A99, A9A, AA9, AA99 or AA9A")
	}
	return Postcode(out + " " + in), nil
}

func validOutward(o string) bool {
	letter := func(i int, allowed string) bool { return strings.ContainsRune(allowed, rune(o[i])) }
	const first = "ABCDEFGHIJKLMNOPRSTUWYZ"  // not Q, V, X
	const second = "ABCDEFGHKLMNOPQRSTUVWXY" // not I, J, Z
	if !letter(0, first) {
		return false
	}
	switch len(o) {
	case 2: // A9
		return isDigit(o[1])
	case 3: // A99, A9A, AA9
		return (isDigit(o[1]) && isDigit(o[2])) ||
			(isDigit(o[1]) && letter(2, "ABCDEFGHJKPSTUW")) ||
			(letter(1, second) && isDigit(o[2]))
	case 4: // AA99, AA9A
		return letter(1, second) && isDigit(o[2]) && (isDigit(o[3]) || letter(3, "ABEHMNPRVWXY"))
	}
	return false
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }
