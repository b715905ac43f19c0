package ledger

import (
	"slices"
	"time"
	"unicode/utf8"

	"github.com/lifeline-gov/lifeline"
)

// ID is a transfer's caller-chosen identifier: 1 to 128 bytes of printable
// ASCII (a UUID, or a derived key such as "payrun-2026-11-23/person-42/UC").
// Choosing it before posting is what makes a retry safe.
type ID string

const maxIDLen = 128

// Flags say what a transfer does.
type Flags uint8

const (
	// Linked joins a transfer to the next one in the batch: the chain up to
	// and including the first transfer without Linked posts all or nothing.
	Linked Flags = 1 << iota
	// Pending reserves the amount; a later Post or Void settles it.
	Pending
	// Post settles the pending transfer named by PendingID, moving the
	// full pending amount (Amount 0) or part of it.
	Post
	// Void releases the pending transfer named by PendingID.
	Void
	// Expire marks the ledger's own record of a pending transfer that ran
	// out of time. Callers cannot set it.
	Expire

	phaseFlags = Pending | Post | Void | Expire
	allFlags   = Linked | phaseFlags
)

func (f Flags) String() string {
	if f == 0 {
		return "none"
	}
	s := ""
	for i, name := range [...]string{"linked", "pending", "post", "void", "expire"} {
		if f&(1<<i) != 0 {
			if s != "" {
				s += "|"
			}
			s += name
		}
	}
	if f&^allFlags != 0 {
		s += "|unknown"
	}
	return s
}

// Limits on a transfer's fields.
const (
	MaxBatch   = 8190                 // transfers in one batch
	MaxTimeout = 366 * 24 * time.Hour // a reservation is for days, not years
	maxCodeLen = 32
	maxRefLen  = 256
)

// The ledger dates postings from 1970 to 2199, inside what Unix nanoseconds
// can hold even with a timeout added.
var (
	minTime = time.Unix(0, 0).UTC()
	maxTime = time.Date(2200, 1, 1, 0, 0, 0, 0, time.UTC)
)

// Transfer moves Amount pence from the Debit account to the Credit account.
type Transfer struct {
	ID     ID
	Debit  AccountID // the account debited (its Net rises)
	Credit AccountID // the account credited (its Net falls)
	Amount int64     // pence; 0 on a Post or Void means the whole pending amount
	// PendingID names the pending transfer a Post or Void settles. A Post or
	// Void may leave Debit and Credit zero to mean "as the pending transfer".
	PendingID ID
	// Timeout, on a Pending transfer, is how long the reservation lasts from
	// Time; zero means until it is posted or voided.
	Timeout time.Duration
	Code    string    // why the money moves: a-z, 0-9 and '-', e.g. "award-due"
	Ref     string    // the caller's reference, e.g. an award revision id
	Time    time.Time // when, as the caller says; the core has no clock
	Flags   Flags
}

// phase is the transfer's phase flag (0 for a single-phase transfer).
func (t *Transfer) phase() Flags { return t.Flags & phaseFlags }

// deadline is when a pending transfer expires, in Unix nanoseconds, or 0.
func (t *Transfer) deadline() int64 {
	if t.Flags&Pending == 0 || t.Timeout == 0 {
		return 0
	}
	return t.Time.UnixNano() + int64(t.Timeout)
}

// Deadline returns when a pending transfer expires, and false if it never does.
func (t *Transfer) Deadline() (time.Time, bool) {
	if d := t.deadline(); d != 0 {
		return time.Unix(0, d).UTC(), true
	}
	return time.Time{}, false
}

// fieldErr builds a per-transfer error that names the transfer.
func fieldErr(code string, id ID, field, format string, args ...any) *lifeline.Error {
	e := lifeline.FieldErrorf(code, field, format, args...)
	e.Message = "transfer " + string(id) + ": " + e.Message
	return e
}

// check reports the first field of t that is malformed, whatever the
// ledger's state. expire is true only when replaying the ledger's own
// expiry records.
func (t *Transfer) check(expire bool) *lifeline.Error {
	phase := t.phase()
	if phase == Expire && expire {
		return t.checkExpiry()
	}
	if msg := idProblem(t.ID); msg != "" {
		return lifeline.FieldErrorf(lifeline.EINVALID, "id", "transfer id %q %s", truncate(string(t.ID)), msg)
	}
	id := t.ID
	switch {
	case t.Flags&^allFlags != 0:
		return fieldErr(lifeline.EINVALID, id, "flags", "unknown flags %#x", uint8(t.Flags&^allFlags))
	case phase == Expire:
		return fieldErr(lifeline.EINVALID, id, "flags", "the expire flag is for the ledger's own expiry records; to release a pending transfer, void it")
	case phase != 0 && phase&(phase-1) != 0:
		return fieldErr(lifeline.EINVALID, id, "flags", "flags %s: pending, post and void are exclusive", phase)
	}
	if err := t.checkTime(); err != nil {
		return err
	}
	if t.Code == "" {
		return fieldErr(lifeline.EINVALID, id, "code", "code is empty: say why the money moves, e.g. \"award-due\"")
	}
	if msg := codeProblem(t.Code); msg != "" {
		return fieldErr(lifeline.EINVALID, id, "code", "code %q %s", truncate(t.Code), msg)
	}
	if len(t.Ref) > maxRefLen || !utf8.ValidString(t.Ref) || hasControl(t.Ref) {
		return fieldErr(lifeline.EINVALID, id, "ref", "ref must be valid UTF-8 without control characters, at most 256 bytes")
	}
	if t.Timeout != 0 && phase != Pending {
		return fieldErr(lifeline.EINVALID, id, "timeout", "timeout is only for pending transfers")
	}
	if t.Timeout < 0 || t.Timeout > MaxTimeout {
		return fieldErr(lifeline.EINVALID, id, "timeout", "timeout %s must be between 0 (never expires) and %s", t.Timeout, MaxTimeout)
	}
	settles := phase == Post || phase == Void
	switch {
	case settles && t.PendingID == "":
		return fieldErr(lifeline.EINVALID, id, "pending_id", "a %s names the pending transfer it settles in pending_id", phase)
	case !settles && t.PendingID != "":
		return fieldErr(lifeline.EINVALID, id, "pending_id", "pending_id is only for a post or a void")
	case t.PendingID == t.ID:
		return fieldErr(lifeline.EINVALID, id, "pending_id", "a transfer cannot settle itself")
	case settles && idProblem(t.PendingID) != "":
		return fieldErr(lifeline.EINVALID, id, "pending_id", "pending_id %q %s", truncate(string(t.PendingID)), idProblem(t.PendingID))
	}
	if settles {
		if t.Amount < 0 {
			return fieldErr(lifeline.EINVALID, id, "amount", "amount %d is negative: use 0 for the whole pending amount", t.Amount)
		}
		// Accounts are optional on a settlement; when given they must match.
		if t.Debit != (AccountID{}) {
			if msg := t.Debit.problem(); msg != "" {
				return fieldErr(lifeline.EINVALID, id, "debit", "debit account %s: %s", t.Debit, msg)
			}
		}
		if t.Credit != (AccountID{}) {
			if msg := t.Credit.problem(); msg != "" {
				return fieldErr(lifeline.EINVALID, id, "credit", "credit account %s: %s", t.Credit, msg)
			}
		}
		return nil
	}
	if t.Amount <= 0 {
		return fieldErr(lifeline.EINVALID, id, "amount", "amount %d is not positive: amounts are in pence and at least 1", t.Amount)
	}
	return t.checkAccounts()
}

func (t *Transfer) checkAccounts() *lifeline.Error {
	if msg := t.Debit.problem(); msg != "" {
		return fieldErr(lifeline.EINVALID, t.ID, "debit", "debit account %s: %s", t.Debit, msg)
	}
	if msg := t.Credit.problem(); msg != "" {
		return fieldErr(lifeline.EINVALID, t.ID, "credit", "credit account %s: %s", t.Credit, msg)
	}
	if t.Debit == t.Credit {
		return fieldErr(lifeline.EINVALID, t.ID, "credit", "debit and credit are the same account (%s)", t.Debit)
	}
	return nil
}

func (t *Transfer) checkTime() *lifeline.Error {
	if msg := timeProblem(t.Time); msg != "" {
		return fieldErr(lifeline.EINVALID, t.ID, "time", "%s", msg)
	}
	return nil
}

func timeProblem(t time.Time) string {
	if t.IsZero() {
		return "time is not set: the caller dates every transfer"
	}
	if t.Before(minTime) || !t.Before(maxTime) {
		return "time " + t.UTC().Format(time.RFC3339Nano) + " is outside 1970 to 2199"
	}
	return ""
}

// checkExpiry validates the ledger's own record of an expired reservation.
func (t *Transfer) checkExpiry() *lifeline.Error {
	if t.ID != "" || t.Flags != Expire || t.Timeout != 0 || t.Code != expiryCode || t.Ref != "" {
		return lifeline.Errorf(lifeline.EINVALID, "an expiry record has only pending_id, accounts, amount and time")
	}
	if msg := idProblem(t.PendingID); msg != "" {
		return lifeline.Errorf(lifeline.EINVALID, "expiry pending_id %s", msg)
	}
	if err := t.checkTime(); err != nil {
		return err
	}
	if t.Amount <= 0 {
		return lifeline.Errorf(lifeline.EINVALID, "expiry amount %d is not positive", t.Amount)
	}
	return t.checkAccounts()
}

// expiryCode is the code of the ledger's own expiry records.
const expiryCode = "expired"

func idProblem(id ID) string {
	if id == "" {
		return "is empty"
	}
	if len(id) > maxIDLen {
		return "is longer than 128 bytes"
	}
	for i := 0; i < len(id); i++ {
		if id[i] <= ' ' || id[i] > '~' {
			return "may use only printable ASCII without spaces"
		}
	}
	return ""
}

func codeProblem(code string) string {
	if len(code) > maxCodeLen {
		return "is longer than 32 bytes"
	}
	for i := 0; i < len(code); i++ {
		c := code[i]
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-') {
			return "may use only a-z, 0-9 and '-'"
		}
	}
	return ""
}

func hasControl(s string) bool {
	for _, r := range s {
		if r < ' ' || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			return true
		}
	}
	return false
}

func truncate(s string) string {
	if len(s) > 40 {
		return s[:40] + "..."
	}
	return s
}

// Batch is the unit the ledger applies: up to MaxBatch transfers, in order.
// Each transfer (or linked chain) succeeds or fails on its own and sees the
// effects of those before it; the batch as a whole is one step of history.
type Batch []Transfer

// check finds what makes the whole batch unusable.
func (b Batch) check() error {
	switch {
	case len(b) == 0:
		return lifeline.Errorf(lifeline.EINVALID, "the batch has no transfers")
	case len(b) > MaxBatch:
		return lifeline.Errorf(lifeline.ETOOLARGE, "the batch has %d transfers; at most %d are allowed", len(b), MaxBatch)
	case b[len(b)-1].Flags&Linked != 0:
		return lifeline.FieldErrorf(lifeline.EINVALID, "flags", "the last transfer (%s) is linked to a next one that is not in the batch: clear its linked flag", truncate(string(b[len(b)-1].ID)))
	}
	return nil
}

// IDs returns, sorted and without repeats, every transfer id the batch
// reads: its own ids (to recognise repeats) and the pending transfers it
// settles. A store loads these into State.Transfers before State.Apply.
func (b Batch) IDs() []ID {
	ids := make([]ID, 0, len(b))
	for i := range b {
		ids = append(ids, b[i].ID)
		if b[i].PendingID != "" {
			ids = append(ids, b[i].PendingID)
		}
	}
	slices.Sort(ids)
	return slices.Compact(ids)
}

// Accounts returns, sorted and without repeats, every account the batch can
// change: those it names, and those of the pending transfers (already
// loaded, from IDs) that a post or void settles without naming accounts.
// The order is the one stores lock in.
func (b Batch) Accounts(loaded map[ID]*Record) []AccountID {
	accts := make([]AccountID, 0, 2*len(b))
	for i := range b {
		t := &b[i]
		if t.Debit.Kind != 0 {
			accts = append(accts, t.Debit)
		}
		if t.Credit.Kind != 0 {
			accts = append(accts, t.Credit)
		}
		if r := loaded[t.PendingID]; r != nil && t.PendingID != "" {
			accts = append(accts, r.Debit, r.Credit)
		}
	}
	slices.SortFunc(accts, AccountID.Compare)
	return slices.Compact(accts)
}
