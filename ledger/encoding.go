package ledger

import (
	"encoding/binary"
	"fmt"
	"time"
)

// errorf builds an internal error: damaged history is an operator's problem,
// logged in full, never a message for the person at the screen.
var errorf = fmt.Errorf

// entryMagic starts every encoded entry and names the encoding's version.
const entryMagic = "LLE1"

// AppendBinary appends e's canonical encoding to b. The encoding is what the
// hash chain covers (e.Hash = SHA-256 of it) and what a store may keep as
// the durable form of an entry. All integers are big-endian.
//
//	entry   = "LLE1" seq:u64 prev:32 bytes count:u32 posting*count
//	posting = seq:u64 time:i64 flags:u8 id:str pending_id:str
//	          debit:account credit:account amount:i64 timeout:i64
//	          code:str ref:str
//	account = kind:u8 benefit:str owner:str
//	str     = length:u16 bytes
//
// time is Unix nanoseconds (UTC) and timeout nanoseconds. e.Hash itself is
// not encoded; because prev is, each hash commits to all history before it.
func (e *Entry) AppendBinary(b []byte) ([]byte, error) { return e.appendBinary(b), nil }

// MarshalBinary returns e's canonical encoding (see AppendBinary).
func (e *Entry) MarshalBinary() ([]byte, error) { return e.appendBinary(nil), nil }

func (e *Entry) appendBinary(b []byte) []byte {
	b = append(b, entryMagic...)
	b = binary.BigEndian.AppendUint64(b, e.Seq)
	b = append(b, e.Prev[:]...)
	b = binary.BigEndian.AppendUint32(b, uint32(len(e.Postings)))
	for i := range e.Postings {
		p := &e.Postings[i]
		b = binary.BigEndian.AppendUint64(b, p.Seq)
		b = binary.BigEndian.AppendUint64(b, uint64(p.Time.UnixNano()))
		b = append(b, byte(p.Flags))
		b = appendStr(b, string(p.ID))
		b = appendStr(b, string(p.PendingID))
		b = appendAccount(b, p.Debit)
		b = appendAccount(b, p.Credit)
		b = binary.BigEndian.AppendUint64(b, uint64(p.Amount))
		b = binary.BigEndian.AppendUint64(b, uint64(p.Timeout))
		b = appendStr(b, p.Code)
		b = appendStr(b, p.Ref)
	}
	return b
}

func appendStr(b []byte, s string) []byte {
	b = binary.BigEndian.AppendUint16(b, uint16(len(s)))
	return append(b, s...)
}

func appendAccount(b []byte, a AccountID) []byte {
	b = append(b, byte(a.Kind))
	b = appendStr(b, a.Benefit)
	return appendStr(b, a.Owner)
}

// UnmarshalBinary decodes an entry written by AppendBinary and sets e.Hash
// to the SHA-256 of data. It is strict: every field must be valid, postings
// numbered without gaps and in time order, and nothing may follow the last
// posting, so that any accepted input re-encodes to exactly itself. Whether
// the entry continues a given chain is for VerifyFrom and State.Replay.
func (e *Entry) UnmarshalBinary(data []byte) error {
	d := decoder{b: data}
	if string(d.take(len(entryMagic))) != entryMagic {
		return errorf("ledger: entry does not start with %q", entryMagic)
	}
	var out Entry
	out.Seq = d.u64()
	copy(out.Prev[:], d.take(32))
	n := d.u32()
	if d.err != nil {
		return d.err
	}
	if out.Seq == 0 {
		return errorf("ledger: entry seq is 0; entries count from 1")
	}
	if n == 0 || n > MaxBatch {
		return errorf("ledger: entry %d has %d postings; want 1 to %d", out.Seq, n, MaxBatch)
	}
	if uint64(n) > uint64(len(d.b))/minPostingLen {
		return errorf("ledger: entry %d claims %d postings but has only %d bytes", out.Seq, n, len(d.b))
	}
	out.Postings = make([]Posting, n)
	for i := range out.Postings {
		p := &out.Postings[i]
		p.Seq = d.u64()
		p.Time = time.Unix(0, int64(d.u64())).UTC()
		p.Flags = Flags(d.u8())
		p.ID = ID(d.str())
		p.PendingID = ID(d.str())
		p.Debit = d.account()
		p.Credit = d.account()
		p.Amount = int64(d.u64())
		p.Timeout = time.Duration(d.u64())
		p.Code = d.str()
		p.Ref = d.str()
		if d.err != nil {
			return errorf("ledger: entry %d posting %d: %w", out.Seq, i, d.err)
		}
		if err := p.checkPosting(); err != nil {
			return errorf("ledger: entry %d posting %d: %v", out.Seq, i, err)
		}
	}
	if len(d.b) != 0 {
		return errorf("ledger: entry %d has %d bytes after its last posting", out.Seq, len(d.b))
	}
	if err := out.checkShape(); err != nil {
		return err
	}
	out.Hash, _ = out.computeHash(nil)
	*e = out
	return nil
}

// minPostingLen is the fewest bytes a posting can take, to refuse a huge
// count before allocating for it.
const minPostingLen = 8 + 8 + 1 + 2 + 2 + 5 + 5 + 8 + 8 + 2 + 2

// checkPosting validates one posting's fields on their own.
func (p *Posting) checkPosting() error {
	if p.Flags&Linked != 0 {
		return errorf("a posting carries no linked flag: history records what moved, not how it was grouped")
	}
	if p.Flags&Expire != 0 {
		if err := p.check(true); err != nil {
			return err
		}
		return nil
	}
	if err := p.check(false); err != nil {
		return err
	}
	if p.Amount <= 0 {
		return errorf("amount %d is not positive", p.Amount)
	}
	if err := p.checkAccounts(); err != nil {
		return err
	}
	return nil
}

// checkShape checks what holds across an entry's postings.
func (e *Entry) checkShape() error {
	expiry := e.expiry()
	for i := range e.Postings {
		p := &e.Postings[i]
		if (p.Flags&Expire != 0) != expiry {
			return errorf("ledger: entry %d mixes expiry records with transfers", e.Seq)
		}
		if i > 0 {
			q := &e.Postings[i-1]
			if p.Seq != q.Seq+1 {
				return errorf("ledger: entry %d: posting %d follows posting %d", e.Seq, p.Seq, q.Seq)
			}
			if p.Time.Before(q.Time) {
				return errorf("ledger: entry %d: posting %d is dated before posting %d", e.Seq, p.Seq, q.Seq)
			}
		}
	}
	return nil
}

// decoder reads big-endian fields, remembering the first error.
type decoder struct {
	b   []byte
	err error
}

func (d *decoder) take(n int) []byte {
	if d.err != nil {
		return nil
	}
	if len(d.b) < n {
		d.err = errorf("ledger: entry is truncated")
		d.b = nil
		return nil
	}
	v := d.b[:n]
	d.b = d.b[n:]
	return v
}

func (d *decoder) u8() uint8 {
	if v := d.take(1); v != nil {
		return v[0]
	}
	return 0
}

func (d *decoder) u32() uint32 {
	if v := d.take(4); v != nil {
		return binary.BigEndian.Uint32(v)
	}
	return 0
}

func (d *decoder) u64() uint64 {
	if v := d.take(8); v != nil {
		return binary.BigEndian.Uint64(v)
	}
	return 0
}

func (d *decoder) str() string {
	v := d.take(2)
	if v == nil {
		return ""
	}
	return string(d.take(int(binary.BigEndian.Uint16(v))))
}

func (d *decoder) account() AccountID {
	k := Kind(d.u8())
	return AccountID{Kind: k, Benefit: d.str(), Owner: d.str()}
}
