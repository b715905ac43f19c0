package modulus

// Positions of the spec's letters in a number: the sort code is u to z and
// the account number a to h.
const (
	posU = iota
	posV
	posW
	posX
	posY
	posZ
	posA
	posB
	posC
	posD
	posE
	posF
	posG
	posH
)

// number is a sort code followed by an eight-digit account number, one digit
// per element.
type number [14]int

func newNumber(sortCode, account string) number {
	var n number
	for i := range 6 {
		n[i] = int(sortCode[i] - '0')
	}
	for i := range 8 {
		n[6+i] = int(account[i] - '0')
	}
	return n
}

// withSortCode replaces u to z, for the exceptions that check against a
// different sort code from the one given.
func (n number) withSortCode(sortCode int) number {
	for i := posZ; i >= posU; i-- {
		n[i] = sortCode % 10
		sortCode /= 10
	}
	return n
}

// total is the weighted sum the method divides: for double alternate, the
// digits of each product are added rather than the products themselves.
func total(m method, n number, w weights) int {
	sum := 0
	for i := range n {
		p := n[i] * w[i]
		if m == dblal {
			p = digitSum(p)
		}
		sum += p
	}
	return sum
}

func digitSum(p int) int {
	if p < 0 {
		p = -p
	}
	s := 0
	for p > 0 {
		s += p % 10
		p /= 10
	}
	return s
}

func (m method) modulus() int {
	if m == mod11 {
		return 11
	}
	return 10
}

// remainder is always in [0, modulus), even for the negative totals the -1
// weights in the table could in principle produce.
func remainder(total, modulus int) int {
	r := total % modulus
	if r < 0 {
		r += modulus
	}
	return r
}
