package ledger

import (
	"cmp"
	"strings"

	"github.com/lifeline-gov/lifeline"
)

// Kind says what an account is for. The kind fixes which parts of an
// AccountID are required and which constraint the account carries.
type Kind uint8

const (
	Expense   Kind = 1 + iota // a benefit's expense; one per benefit
	Payable                   // what we owe a person; may not go below zero
	Debt                      // what a person owes us; may not be over-recovered
	Clearing                  // money sent to, or returned by, the bank
	Suspense                  // money we cannot place yet, e.g. a returned payment
	WriteOff                  // debts we have written off
	Recovered                 // money recovered from debts
	maxKind   = Recovered
)

var kindNames = [...]string{Expense: "expense", Payable: "payable", Debt: "debt",
	Clearing: "clearing", Suspense: "suspense", WriteOff: "write-off", Recovered: "recovered"}

func (k Kind) String() string {
	if k == 0 || k > maxKind {
		return "kind(" + itoa(int64(k)) + ")"
	}
	return kindNames[k]
}

// Constraint is a rule an account's balance must keep after every transfer.
// Pending debits count against DebitsMustNotExceedCredits and pending credits
// against CreditsMustNotExceedDebits, so a reservation cannot be spent twice.
type Constraint uint8

const (
	// DebitsMustNotExceedCredits keeps a credit-normal account at or above
	// zero: debits posted + pending <= credits posted.
	DebitsMustNotExceedCredits Constraint = 1 << iota
	// CreditsMustNotExceedDebits keeps a debit-normal account at or above
	// zero: credits posted + pending <= debits posted.
	CreditsMustNotExceedDebits
)

// Constraint returns the rule every account of kind k carries. It is a
// property of the kind, not of each account, so a batch never needs an
// account to be opened first and replay cannot disagree about the rules.
func (k Kind) Constraint() Constraint {
	switch k {
	case Payable, Recovered:
		return DebitsMustNotExceedCredits
	case Debt, WriteOff:
		return CreditsMustNotExceedDebits
	}
	return 0 // expense, clearing and suspense may swing either way
}

// CreditNormal reports whether accounts of kind k normally carry a credit
// balance (a negative Net), as a payable does.
func (k Kind) CreditNormal() bool {
	return k == Payable || k == Recovered || k == Clearing
}

// AccountID names an account: its kind, the person who owns it (payable and
// debt accounts) and the benefit it belongs to (required for expense,
// optional elsewhere). Owner and Benefit use the characters A-Z a-z 0-9 . _ -
// and are at most 64 bytes, so the string form below is unambiguous.
type AccountID struct {
	Kind    Kind
	Benefit string // e.g. "UC"
	Owner   string // e.g. a person id
}

// maxNamePart bounds Owner and Benefit.
const maxNamePart = 64

// String formats the id as kind[/benefit][@owner], e.g. "expense/UC",
// "payable/UC@person-42", "debt@person-42", "clearing".
func (a AccountID) String() string {
	s := a.Kind.String()
	if a.Benefit != "" {
		s += "/" + a.Benefit
	}
	if a.Owner != "" {
		s += "@" + a.Owner
	}
	return s
}

// ParseAccountID parses the form written by AccountID.String and validates it.
func ParseAccountID(s string) (AccountID, error) {
	var a AccountID
	rest := s
	if i := strings.IndexByte(rest, '@'); i >= 0 {
		a.Owner, rest = rest[i+1:], rest[:i]
		if a.Owner == "" {
			return AccountID{}, lifeline.Errorf(lifeline.EINVALID, "account %q: the owner after @ is empty", s)
		}
	}
	if i := strings.IndexByte(rest, '/'); i >= 0 {
		a.Benefit, rest = rest[i+1:], rest[:i]
		if a.Benefit == "" {
			return AccountID{}, lifeline.Errorf(lifeline.EINVALID, "account %q: the benefit after / is empty", s)
		}
	}
	for k := Expense; k <= maxKind; k++ {
		if kindNames[k] == rest {
			a.Kind = k
		}
	}
	if a.Kind == 0 {
		return AccountID{}, lifeline.Errorf(lifeline.EINVALID, "account %q: unknown kind %q (want one of expense, payable, debt, clearing, suspense, write-off, recovered)", s, rest)
	}
	if msg := a.problem(); msg != "" {
		return AccountID{}, lifeline.Errorf(lifeline.EINVALID, "account %q: %s", s, msg)
	}
	return a, nil
}

// Validate reports whether the id is well formed for its kind.
func (a AccountID) Validate() error {
	if msg := a.problem(); msg != "" {
		return lifeline.Errorf(lifeline.EINVALID, "account %s: %s", a, msg)
	}
	return nil
}

// problem returns why a is malformed, or "". It allocates only on failure.
func (a AccountID) problem() string {
	if a.Kind == 0 || a.Kind > maxKind {
		return "the kind is not set"
	}
	if msg := namePartProblem("benefit", a.Benefit); msg != "" {
		return msg
	}
	if msg := namePartProblem("owner", a.Owner); msg != "" {
		return msg
	}
	switch a.Kind {
	case Expense:
		if a.Benefit == "" {
			return "an expense account needs a benefit"
		}
		if a.Owner != "" {
			return "an expense account has no owner"
		}
	case Payable, Debt:
		if a.Owner == "" {
			return "a " + a.Kind.String() + " account needs an owner (the person)"
		}
	default:
		if a.Owner != "" {
			return "a " + a.Kind.String() + " account has no owner"
		}
	}
	return ""
}

func namePartProblem(field, s string) string {
	if len(s) > maxNamePart {
		return "the " + field + " is longer than 64 bytes"
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '.' || c == '_' || c == '-') {
			return "the " + field + " may use only letters, digits, '.', '_' and '-'"
		}
	}
	return ""
}

// Compare orders accounts by kind, benefit, then owner. Stores lock accounts
// in this order so that concurrent writers cannot deadlock.
func (a AccountID) Compare(b AccountID) int {
	if c := cmp.Compare(a.Kind, b.Kind); c != 0 {
		return c
	}
	if c := cmp.Compare(a.Benefit, b.Benefit); c != 0 {
		return c
	}
	return cmp.Compare(a.Owner, b.Owner)
}
