package modulus

import (
	"testing"

	"github.com/lifeline-gov/lifeline"
)

// Cases beyond the published ones, for branches those do not reach.
func TestCheckEdgeCases(t *testing.T) {
	tests := []struct {
		name              string
		sortCode, account string
		valid, checked    bool
	}{
		{"sort code not in the table is presumed valid, unchecked", "999999", "12345678", true, false},
		{"gap inside the table is presumed valid, unchecked", "938697", "12345678", true, false},
		{"formatted sort code checks as the plain one", "08-99-99", "66374958", true, true},
		{"spaced sort code checks as the plain one", "08 99 99", "66374959", false, true},
		// Exception 6: a is 4 to 8 and g equals h marks a foreign currency
		// account; otherwise both checks apply as usual.
		{"exception 6 with a=9 is checked as usual and fails", "200915", "91011166", false, true},
		{"exception 6 with g<>h is checked as usual and fails", "200915", "41011165", false, true},
		// Exception 14: after a failed first check, h must be 0, 1 or 9.
		{"exception 14 second check needs h of 0, 1 or 9", "180002", "00000192", false, true},
		{"exception 14 first check passes", "180002", "00000019", true, true},
		// Exception 2 & 9: both checks failing is invalid.
		{"exception 2 & 9 both checks fail", "309070", "12345678", false, true},
		// Exception 10 & 11: both checks failing is invalid.
		{"exception 10 & 11 both checks fail", "871427", "46238511", false, true},
		// Exception 3: with c not 6 or 9 the double alternate check can fail it.
		{"exception 3 with c<>6 or 9 and the second check failing", "827101", "28748353", false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := Check(tt.sortCode, tt.account)
			if err != nil {
				t.Fatal(err)
			}
			if res.Valid != tt.valid || res.Checked != tt.checked {
				t.Errorf("Check(%s, %s) = %+v; want Valid %v, Checked %v", tt.sortCode, tt.account, res, tt.valid, tt.checked)
			}
			if res.Reason == "" || len(res.SortCode) != 6 || len(res.AccountNumber) != 8 {
				t.Errorf("Check(%s, %s) = %+v; want a reason and the six and eight digits checked", tt.sortCode, tt.account, res)
			}
		})
	}
}

func TestValidate(t *testing.T) {
	if err := Validate("08-99-99", "66374958"); err != nil {
		t.Errorf("valid account: %v", err)
	}
	if err := Validate("99-99-99", "12345678"); err != nil {
		t.Errorf("unchecked account is presumed valid: %v", err)
	}
	err := Validate("08-99-99", "66374959")
	if lifeline.ErrorCode(err) != lifeline.EINVALID || lifeline.ErrorField(err) != "account_number" {
		t.Errorf("failing account: got %v, want EINVALID on account_number", err)
	}
	err = Validate("08-99-9", "66374958")
	if lifeline.ErrorField(err) != "sort_code" {
		t.Errorf("malformed sort code: got %v, want an error on sort_code", err)
	}
}

func TestDigitSumAndRemainder(t *testing.T) {
	for _, tt := range []struct{ in, want int }{{0, 0}, {7, 7}, {18, 9}, {128, 11}, {-12, 3}} {
		if got := digitSum(tt.in); got != tt.want {
			t.Errorf("digitSum(%d) = %d, want %d", tt.in, got, tt.want)
		}
	}
	for _, tt := range []struct{ total, modulus, want int }{{22, 11, 0}, {23, 11, 1}, {-1, 11, 10}, {-10, 10, 0}} {
		if got := remainder(tt.total, tt.modulus); got != tt.want {
			t.Errorf("remainder(%d, %d) = %d, want %d", tt.total, tt.modulus, got, tt.want)
		}
	}
}
