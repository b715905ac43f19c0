package lifeline_test

import (
	"testing"

	"github.com/lifeline-gov/lifeline"
)

func TestParseNINO(t *testing.T) {
	tests := []struct {
		in            string
		allowSpecimen bool
		want          lifeline.NINO // "" means refused
	}{
		{"AB123456C", false, "AB123456C"},
		{"ab 12 34 56 c", false, "AB123456C"}, // spaces and case are forgiven
		{"JG103759A", false, "JG103759A"},
		{"AB123456", false, ""},           // no suffix
		{"AB123456E", false, ""},          // suffix beyond D
		{"A1123456C", false, ""},          // digit in the prefix
		{"AB12345XC", false, ""},          // letter among the digits
		{"DA123456A", false, ""},          // D never first
		{"AO123456A", false, ""},          // O never second
		{"OA123456A", false, "OA123456A"}, // O may be first
		{"GB123456A", false, ""},          // unallocated prefix
		{"NK123456A", false, ""},          // unallocated prefix
		{"ZZ123456A", false, ""},          // unallocated prefix
		{"QQ123456C", false, ""},          // the specimen prefix is never issued
		{"QQ123456C", true, "QQ123456C"},
		{"", false, ""},
	}
	for _, tt := range tests {
		got, err := lifeline.ParseNINO(tt.in, tt.allowSpecimen)
		if got != tt.want {
			t.Errorf("ParseNINO(%q, %v) = %q, %v; want %q", tt.in, tt.allowSpecimen, got, err, tt.want)
		}
		if tt.want == "" && (lifeline.ErrorCode(err) != lifeline.EINVALID || lifeline.ErrorField(err) != "nino") {
			t.Errorf("ParseNINO(%q): error %v, want an invalid nino error", tt.in, err)
		}
	}
}

func TestParsePostcode(t *testing.T) {
	tests := []struct {
		in, want string // want "" means refused
	}{
		{"SW1A 1AA", "SW1A 1AA"}, // AA9A 9AA
		{"sw1a1aa", "SW1A 1AA"},
		{"M1 1AE", "M1 1AE"},     // A9 9AA
		{"B33 8TH", "B33 8TH"},   // A99 9AA
		{"W1A 0AX", "W1A 0AX"},   // A9A 9AA
		{"CR2 6XH", "CR2 6XH"},   // AA9 9AA
		{"DN55 1PT", "DN55 1PT"}, // AA99 9AA
		{"GIR 0AA", "GIR 0AA"},
		{"QA1 1AA", ""},   // Q never first
		{"AJ1 1AA", ""},   // J never second
		{"W1I 0AX", ""},   // I never third in A9A
		{"EC1C 1AA", ""},  // C never fourth in AA9A
		{"SW1A 1AC", ""},  // C never in the inward code
		{"SW1A1A", ""},    // too short an inward code
		{"SW1A 1AAA", ""}, // too long
		{"12345", ""},
		{"", ""},
	}
	for _, tt := range tests {
		got, err := lifeline.ParsePostcode(tt.in)
		if string(got) != tt.want {
			t.Errorf("ParsePostcode(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
		if tt.want == "" && lifeline.ErrorField(err) != "postcode" {
			t.Errorf("ParsePostcode(%q): error %v, want one naming postcode", tt.in, err)
		}
	}
}

func FuzzParseIdentifiers(f *testing.F) {
	for _, s := range []string{"AB123456C", "QQ 12 34 56 C", "SW1A 1AA", "GIR0AA", "", "\xff\xfe"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if n, err := lifeline.ParseNINO(s, true); err == nil {
			if again, err := lifeline.ParseNINO(string(n), true); err != nil || again != n {
				t.Fatalf("normal form %q does not parse to itself", n)
			}
		}
		if p, err := lifeline.ParsePostcode(s); err == nil {
			if again, err := lifeline.ParsePostcode(string(p)); err != nil || again != p {
				t.Fatalf("normal form %q does not parse to itself", p)
			}
		}
	})
}
