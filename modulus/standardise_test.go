package modulus

import "testing"

func TestStandardise(t *testing.T) {
	tests := []struct {
		name                 string
		sortCode, account    string
		wantSortCode, wantAc string
	}{
		{"eight digits are used as they are", "107999", "88837491", "107999", "88837491"},
		{"six digits are prefixed with 00", "107999", "837491", "107999", "00837491"},
		{"seven digits are prefixed with 0", "107999", "8837491", "107999", "08837491"},
		{"Santander nine digits: first digit ends the sort code", "720000", "312345678", "720003", "12345678"},
		{"Co-operative Bank ten digits: the first eight", "089999", "6637495812", "089999", "66374958"},
		{"NatWest ten digits: the last eight", "601613", "1231234567", "601613", "31234567"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sc, ac := standardise(tt.sortCode, tt.account)
			if sc != tt.wantSortCode || ac != tt.wantAc {
				t.Errorf("standardise(%q, %q) = %q, %q; want %q, %q", tt.sortCode, tt.account, sc, ac, tt.wantSortCode, tt.wantAc)
			}
		})
	}
}

// Short account numbers check exactly as their zero-padded eight digits do.
func TestShortAccountsMatchPaddedEquivalent(t *testing.T) {
	for _, tc := range publishedCases {
		for _, short := range []string{tc.account[1:], tc.account[2:]} {
			padded := "00000000"[:8-len(short)] + short
			got, err1 := Check(tc.sortCode, short)
			want, err2 := Check(tc.sortCode, padded)
			if err1 != nil || err2 != nil {
				t.Fatalf("Check(%s, %s / %s): %v / %v", tc.sortCode, short, padded, err1, err2)
			}
			if got != want {
				t.Errorf("Check(%s, %s) = %+v; want the result for %s, %+v", tc.sortCode, short, got, padded, want)
			}
		}
	}
}

func TestLongAccountsUseTheConvertedDigits(t *testing.T) {
	tests := []struct {
		name              string
		sortCode, account string
		valid             bool
	}{
		// Published case 1's account, with two digits of a Co-operative Bank
		// ten-digit number after it.
		{"Co-operative Bank ten digits, valid", "089999", "6637495812", true},
		{"Co-operative Bank ten digits, invalid", "089999", "6637495912", false},
		// Published case 2's account, two leading digits added.
		{"other ten digits keep the last eight", "107999", "1288837491", true},
		{"other ten digits keep the last eight, invalid", "107999", "1288837493", false},
		// Santander: 10799 + first digit 9 makes 107999, then the last eight.
		{"nine digits move the first digit to the sort code", "107990", "988837491", true},
		{"nine digits, invalid", "107990", "988837493", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := Check(tt.sortCode, tt.account)
			if err != nil {
				t.Fatal(err)
			}
			if res.Valid != tt.valid || !res.Checked {
				t.Errorf("Check(%s, %s) = %+v; want Valid %v and Checked", tt.sortCode, tt.account, res, tt.valid)
			}
		})
	}
}
