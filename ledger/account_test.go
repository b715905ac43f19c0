package ledger

import "testing"

func TestAccountIDString(t *testing.T) {
	for _, c := range []struct {
		id   AccountID
		text string
	}{
		{expenseUC, "expense/UC"},
		{payable("person-42"), "payable/UC@person-42"},
		{debt("person-42"), "debt@person-42"},
		{clearing, "clearing"},
		{AccountID{Kind: Suspense, Benefit: "PIP"}, "suspense/PIP"},
		{writeOff, "write-off"},
		{AccountID{Kind: Recovered}, "recovered"},
	} {
		if got := c.id.String(); got != c.text {
			t.Errorf("%+v: String %q, want %q", c.id, got, c.text)
		}
		got, err := ParseAccountID(c.text)
		if err != nil || got != c.id {
			t.Errorf("ParseAccountID(%q) = %+v, %v; want %+v", c.text, got, err, c.id)
		}
		if err := c.id.Validate(); err != nil {
			t.Errorf("%s: %v", c.text, err)
		}
	}
}

func TestParseAccountIDErrors(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"", `lifeline: invalid: account "": unknown kind "" (want one of expense, payable, debt, clearing, suspense, write-off, recovered)`},
		{"asset", `lifeline: invalid: account "asset": unknown kind "asset" (want one of expense, payable, debt, clearing, suspense, write-off, recovered)`},
		{"expense", `lifeline: invalid: account "expense": an expense account needs a benefit`},
		{"payable/UC", `lifeline: invalid: account "payable/UC": a payable account needs an owner (the person)`},
		{"payable/UC@", `lifeline: invalid: account "payable/UC@": the owner after @ is empty`},
		{"debt/@p1", `lifeline: invalid: account "debt/@p1": the benefit after / is empty`},
		{"clearing@p1", `lifeline: invalid: account "clearing@p1": a clearing account has no owner`},
		{"debt@p 1", `lifeline: invalid: account "debt@p 1": the owner may use only letters, digits, '.', '_' and '-'`},
	} {
		_, err := ParseAccountID(c.in)
		if err == nil || err.Error() != c.want {
			t.Errorf("ParseAccountID(%q):\n got %v\nwant %s", c.in, err, c.want)
		}
	}
}

func TestKindRules(t *testing.T) {
	for _, c := range []struct {
		kind         Kind
		constraint   Constraint
		creditNormal bool
	}{
		{Expense, 0, false},
		{Payable, DebitsMustNotExceedCredits, true},
		{Debt, CreditsMustNotExceedDebits, false},
		{Clearing, 0, true},
		{Suspense, 0, false},
		{WriteOff, CreditsMustNotExceedDebits, false},
		{Recovered, DebitsMustNotExceedCredits, true},
	} {
		if c.kind.Constraint() != c.constraint || c.kind.CreditNormal() != c.creditNormal {
			t.Errorf("%s: constraint %d, credit-normal %v", c.kind, c.kind.Constraint(), c.kind.CreditNormal())
		}
	}
}

func TestPence(t *testing.T) {
	for in, want := range map[int64]string{0: "£0.00", 5: "£0.05", -5: "-£0.05", 123456: "£1234.56", -1 << 63: "-£92233720368547758.08"} {
		if got := pence(in); got != want {
			t.Errorf("pence(%d) = %s, want %s", in, got, want)
		}
	}
}
