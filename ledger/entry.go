package ledger

import (
	"crypto/sha256"
	"encoding/hex"
	"slices"
)

// Posting is one transfer as the ledger applied it: numbered, and with a
// post's or void's accounts and amount filled in from its pending transfer,
// so that history reads on its own. A void's or expiry's Amount is what it
// released.
type Posting struct {
	Seq uint64 // position in the whole history: 1, 2, 3, ... without gaps
	Transfer
}

// Status is where a transfer stands.
type Status uint8

const (
	Final    Status = iota // a single-phase transfer, or a post or void
	Reserved               // a pending transfer not yet settled
	Posted                 // a pending transfer that was posted
	Voided                 // a pending transfer that was voided
	Expired                // a pending transfer that ran out of time
)

func (s Status) String() string {
	switch s {
	case Final:
		return "final"
	case Reserved:
		return "reserved"
	case Posted:
		return "posted"
	case Voided:
		return "voided"
	case Expired:
		return "expired"
	}
	return "status(" + itoa(int64(s)) + ")"
}

// Record is a transfer the ledger holds, with its status.
type Record struct {
	Posting
	Status Status
}

// Hash is a SHA-256 digest.
type Hash [32]byte

func (h Hash) String() string { return hex.EncodeToString(h[:]) }

// Entry is one step of history: the postings of one batch (or of one expiry
// sweep), chained to the entry before it by hash. Entries are immutable.
type Entry struct {
	Seq      uint64 // 1 for the first entry, then +1
	Prev     Hash   // the Hash of entry Seq-1; zero for the first
	Postings []Posting
	Hash     Hash // SHA-256 of the entry's encoding (see AppendBinary)
}

// expiry reports whether e records expired reservations (rather than a batch).
func (e *Entry) expiry() bool {
	return len(e.Postings) > 0 && e.Postings[0].Flags&Expire != 0
}

// Accounts returns, sorted and without repeats, the accounts e changed: the
// balance rows a store rewrites when it commits e.
func (e *Entry) Accounts() []AccountID {
	accts := make([]AccountID, 0, 2*len(e.Postings))
	for i := range e.Postings {
		accts = append(accts, e.Postings[i].Debit, e.Postings[i].Credit)
	}
	slices.SortFunc(accts, AccountID.Compare)
	return slices.Compact(accts)
}

// computeHash returns SHA-256 over e's canonical encoding.
func (e *Entry) computeHash(buf []byte) (Hash, []byte) {
	buf = e.appendBinary(buf[:0])
	return sha256.Sum256(buf), buf
}

// Head is where the chain stands: what a store keeps in one row and what is
// committed to the provenance log. The hash binds every posting before it.
type Head struct {
	Seq      uint64 // entries so far
	Postings uint64 // postings so far: the last posting's Seq
	Hash     Hash   // the last entry's hash; zero before the first
	// Time is the latest posting's time in Unix nanoseconds (0 before the
	// first). Later postings may not be dated before it.
	Time int64
}

// headPrefix starts the text form of a Head.
const headPrefix = "lifeline-ledger-head v1 "

// MarshalText writes "lifeline-ledger-head v1 <entries> <postings> <hash hex>",
// the line a provenance log commits to.
func (h Head) MarshalText() ([]byte, error) {
	b := []byte(headPrefix)
	b = appendUintText(b, h.Seq)
	b = append(b, ' ')
	b = appendUintText(b, h.Postings)
	b = append(b, ' ')
	return hex.AppendEncode(b, h.Hash[:]), nil
}

func appendUintText(b []byte, u uint64) []byte {
	var d [20]byte
	i := len(d)
	for {
		i--
		d[i] = byte('0' + u%10)
		u /= 10
		if u == 0 {
			break
		}
	}
	return append(b, d[i:]...)
}

// UnmarshalText parses the form written by MarshalText, strictly. Time is
// not part of the text form and is left zero.
func (h *Head) UnmarshalText(text []byte) error {
	s := string(text)
	bad := errorf("ledger: head %q is not %q followed by entries, postings and a 64-digit hex hash", truncate(s), headPrefix)
	if len(s) < len(headPrefix) || s[:len(headPrefix)] != headPrefix {
		return bad
	}
	s = s[len(headPrefix):]
	seq, s, ok := cutUint(s)
	if !ok || len(s) == 0 || s[0] != ' ' {
		return bad
	}
	postings, s, ok := cutUint(s[1:])
	if !ok || len(s) != 1+64 || s[0] != ' ' {
		return bad
	}
	var hash Hash
	if n, err := hex.Decode(hash[:], []byte(s[1:])); err != nil || n != 32 || s[1:] != hash.String() {
		return bad // uppercase hex is refused so the text form is canonical
	}
	*h = Head{Seq: seq, Postings: postings, Hash: hash}
	return nil
}

// cutUint reads a canonical decimal uint64 from the front of s.
func cutUint(s string) (uint64, string, bool) {
	i := 0
	var u uint64
	for i < len(s) && '0' <= s[i] && s[i] <= '9' {
		d := uint64(s[i] - '0')
		if u > (1<<64-1-d)/10 {
			return 0, s, false
		}
		u = u*10 + d
		i++
	}
	if i == 0 || (i > 1 && s[0] == '0') {
		return 0, s, false
	}
	return u, s[i:], true
}
