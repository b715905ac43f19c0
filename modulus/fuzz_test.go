package modulus

import (
	"fmt"
	"testing"

	"github.com/lifeline-gov/lifeline"
)

// FuzzCheck feeds arbitrary text: Check must never panic, and must either
// return an EINVALID error on one of the two fields or a complete Result.
func FuzzCheck(f *testing.F) {
	for _, tc := range publishedCases {
		f.Add(tc.sortCode, tc.account)
	}
	for _, seed := range [][2]string{
		{"12-34-56", "1234567890"}, {"12 34 56", "123456789"}, {"999999", "123456"},
		{"", ""}, {"12-34-5", "1234567"}, {"12--3456", "12345678"}, {"١٢٣٤٥٦", "12345678"},
		{"180002", "00000199"}, {"938600", "\x00\xff"}, {" 938063 ", "1576-4273"},
	} {
		f.Add(seed[0], seed[1])
	}
	f.Fuzz(func(t *testing.T, sortCode, account string) {
		res, err := Check(sortCode, account)
		if err != nil {
			if lifeline.ErrorCode(err) != lifeline.EINVALID {
				t.Fatalf("Check(%q, %q): error code %q, want %q", sortCode, account, lifeline.ErrorCode(err), lifeline.EINVALID)
			}
			if f := lifeline.ErrorField(err); f != "sort_code" && f != "account_number" {
				t.Fatalf("Check(%q, %q): error on field %q", sortCode, account, f)
			}
			return
		}
		if len(res.SortCode) != 6 || len(res.AccountNumber) != 8 || !allDigits(res.SortCode+res.AccountNumber) {
			t.Fatalf("Check(%q, %q) = %+v: not six and eight digits", sortCode, account, res)
		}
		if !res.Checked && !res.Valid {
			t.Fatalf("Check(%q, %q) = %+v: an unchecked account must be presumed valid", sortCode, account, res)
		}
	})
}

// FuzzCheckDigits explores well-formed numbers, which reach every exception
// branch far more often than arbitrary text does.
func FuzzCheckDigits(f *testing.F) {
	for _, tc := range publishedCases {
		var sc uint32
		var ac uint64
		fmt.Sscan(tc.sortCode, &sc)
		fmt.Sscan(tc.account, &ac)
		f.Add(sc, ac, uint8(8))
	}
	f.Add(uint32(89999), uint64(6637495812), uint8(10))
	f.Add(uint32(720000), uint64(312345678), uint8(9))
	f.Fuzz(func(t *testing.T, sc uint32, ac uint64, length uint8) {
		digits := 6 + int(length%5) // 6 to 10
		sortCode := fmt.Sprintf("%06d", sc%1000000)
		account := fmt.Sprintf("%0*d", digits, ac%pow10(digits))
		res, err := Check(sortCode, account)
		if err != nil {
			t.Fatalf("Check(%s, %s): %v", sortCode, account, err)
		}
		if res.Reason == "" {
			t.Fatalf("Check(%s, %s) = %+v: no reason", sortCode, account, res)
		}
	})
}

func pow10(n int) uint64 {
	p := uint64(1)
	for range n {
		p *= 10
	}
	return p
}
