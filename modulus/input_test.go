package modulus

import (
	"strings"
	"testing"

	"github.com/lifeline-gov/lifeline"
)

func TestParseSortCode(t *testing.T) {
	tests := []struct {
		in, want  string
		errSubstr string
	}{
		{"123456", "123456", ""},
		{"12-34-56", "123456", ""},
		{"12 34 56", "123456", ""},
		{"  12-34-56 ", "123456", ""},
		{"", "", "missing"},
		{"   ", "", "missing"},
		{"12345", "", "has 5 digits"},
		{"1234567", "", "has 7 digits"},
		{"12-34 56", "", "only digits"},
		{"12/34/56", "", "only digits"},
		{"1-23456", "", "only digits"},
		{"12345a", "", "only digits"},
		{"١٢٣٤٥٦", "", "only digits"}, // Arabic-Indic digits are not ASCII digits
	}
	for _, tt := range tests {
		got, err := ParseSortCode(tt.in)
		if tt.errSubstr == "" {
			if err != nil || got != tt.want {
				t.Errorf("ParseSortCode(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
			}
			continue
		}
		assertFieldError(t, err, "sort_code", tt.errSubstr)
		if !strings.Contains(lifeline.ErrorMessage(err), "12-34-56") {
			t.Errorf("ParseSortCode(%q): message %q does not show how to write a sort code", tt.in, lifeline.ErrorMessage(err))
		}
	}
}

func TestParseAccountNumber(t *testing.T) {
	tests := []struct {
		in, want  string
		errSubstr string
	}{
		{"12345678", "12345678", ""},
		{"123456", "123456", ""},
		{"1234567890", "1234567890", ""},
		{" 1234 5678 ", "12345678", ""},
		{"1234-5678", "12345678", ""},
		{"", "", "missing"},
		{"12345", "", "has 5 digits"},
		{"12345678901", "", "has 11 digits"},
		{"1234567X", "", "only digits"},
		{"+12345678", "", "only digits"},
	}
	for _, tt := range tests {
		got, err := ParseAccountNumber(tt.in)
		if tt.errSubstr == "" {
			if err != nil || got != tt.want {
				t.Errorf("ParseAccountNumber(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
			}
			continue
		}
		assertFieldError(t, err, "account_number", tt.errSubstr)
	}
}

func TestCheckRejectsMalformedInput(t *testing.T) {
	tests := []struct{ sortCode, account, field string }{
		{"12345", "12345678", "sort_code"},
		{"123456", "1234", "account_number"},
		{"", "", "sort_code"}, // the sort code is reported first
	}
	for _, tt := range tests {
		res, err := Check(tt.sortCode, tt.account)
		assertFieldError(t, err, tt.field, "")
		if res != (Result{}) {
			t.Errorf("Check(%q, %q) = %+v with an error; want the zero Result", tt.sortCode, tt.account, res)
		}
	}
}

func assertFieldError(t *testing.T, err error, field, substr string) {
	t.Helper()
	if err == nil {
		t.Fatalf("got no error, want one on %s", field)
	}
	if code := lifeline.ErrorCode(err); code != lifeline.EINVALID {
		t.Errorf("error code = %q, want %q", code, lifeline.EINVALID)
	}
	if got := lifeline.ErrorField(err); got != field {
		t.Errorf("error field = %q, want %q", got, field)
	}
	if !strings.Contains(lifeline.ErrorMessage(err), substr) {
		t.Errorf("error message %q does not contain %q", lifeline.ErrorMessage(err), substr)
	}
}
