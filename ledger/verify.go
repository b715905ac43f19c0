package ledger

// Verify checks a chain from its first entry and returns its head. Compare
// the head with one committed earlier (to the provenance log) to detect a
// rewritten or truncated tail, which no chain can detect on its own.
func Verify(entries []Entry) (Head, error) { return VerifyFrom(Head{}, entries) }

// VerifyFrom checks that entries continue the chain at h: numbered on from
// it, each naming the hash of the one before, each hash matching the
// entry's content, postings numbered on without gaps and never dated before
// the ones before them, every field well formed. It detects any change to
// any posting. It does not check balances; State.Replay does.
func VerifyFrom(h Head, entries []Entry) (Head, error) {
	var buf []byte
	for i := range entries {
		e := &entries[i]
		if e.Seq != h.Seq+1 {
			return h, errorf("ledger: entry %d found where entry %d should be: an entry is missing or out of order", e.Seq, h.Seq+1)
		}
		if e.Prev != h.Hash {
			return h, errorf("ledger: entry %d names %s as the hash before it, but entry %d's hash is %s", e.Seq, e.Prev, h.Seq, h.Hash)
		}
		var sum Hash
		sum, buf = e.computeHash(buf)
		if sum != e.Hash {
			return h, errorf("ledger: entry %d does not match its hash: it was changed after it was written", e.Seq)
		}
		if err := e.check(h); err != nil {
			return h, err
		}
		last := &e.Postings[len(e.Postings)-1]
		h = Head{Seq: e.Seq, Postings: last.Seq, Hash: e.Hash, Time: last.Time.UnixNano()}
	}
	return h, nil
}

// check validates e's fields and that its postings continue from h.
func (e *Entry) check(h Head) error {
	if len(e.Postings) == 0 || len(e.Postings) > MaxBatch {
		return errorf("ledger: entry %d has %d postings; want 1 to %d", e.Seq, len(e.Postings), MaxBatch)
	}
	first := &e.Postings[0]
	if first.Seq != h.Postings+1 {
		return errorf("ledger: entry %d starts at posting %d, not %d", e.Seq, first.Seq, h.Postings+1)
	}
	if first.Time.UnixNano() < h.Time {
		return errorf("ledger: entry %d starts with a posting dated before the previous entry's last", e.Seq)
	}
	for i := range e.Postings {
		if err := e.Postings[i].checkPosting(); err != nil {
			return errorf("ledger: entry %d posting %d: %v", e.Seq, e.Postings[i].Seq, err)
		}
	}
	return e.checkShape()
}

// Replay re-applies an entry written earlier (by Apply or Expire on a state
// equal to this one) and checks that it continues the chain and reproduces
// exactly. A store rebuilds a Ledger, or checks its own rows, this way.
// After an error the State is in an unknown condition and must be discarded.
func (s *State) Replay(e Entry) (Applied, error) {
	if _, err := VerifyFrom(s.Head, []Entry{e}); err != nil {
		return Applied{}, err
	}
	var a Applied
	var err error
	if e.expiry() {
		ids := make([]ID, len(e.Postings))
		for i := range e.Postings {
			ids[i] = e.Postings[i].PendingID
		}
		a, err = s.Expire(e.Postings[0].Time, ids)
	} else {
		b := make(Batch, len(e.Postings))
		for i := range e.Postings {
			b[i] = e.Postings[i].Transfer
		}
		a, err = s.Apply(b)
		for i := 0; err == nil && i < len(a.Results); i++ {
			switch r := a.Results[i]; {
			case r.Err != nil:
				err = errorf("ledger: entry %d posting %d does not replay: %v", e.Seq, e.Postings[i].Seq, r.Err)
			case r.Repeat:
				err = errorf("ledger: entry %d posting %d repeats transfer %s posted earlier", e.Seq, e.Postings[i].Seq, r.ID)
			}
		}
	}
	if err != nil {
		return Applied{}, err
	}
	if a.Entry == nil || a.Entry.Hash != e.Hash {
		return Applied{}, errorf("ledger: entry %d replays to different postings: it does not belong after entry %d", e.Seq, e.Seq-1)
	}
	return a, nil
}
