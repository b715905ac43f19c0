package postgres

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/lifeline-gov/lifeline"
	"github.com/lifeline-gov/lifeline/groupcommit"
	"github.com/lifeline-gov/lifeline/ledger"
)

// Ledger transactions. Every ledger transaction on every instance first
// locks the ledger_head row, so batches apply one at a time in chain order
// and every read that decides a constraint or a repeat happens under the
// lock: that is what makes constraints atomic and posting exactly once.
// Account rows are therefore not locked one by one (doc.go's step 2): only a
// holder of the head lock writes them, and row locks on thousands of
// accounts per batch would cost a write each. The unique keys on transfer
// id, posting seq and entry seq back the core up.
//
// Group commit: concurrent Posts and Expires on an instance join a group;
// the group's leader (a goroutine started by its first request) begins a
// transaction and waits for the head lock, which is held by the transaction
// before it; only then does it close the group and apply every request in
// it, each as its own entry, and commits once: one WAL flush for the group.
// While one group commits the next gathers.
//
// Per batch: one round trip loads the transfers it names and the accounts
// it can change (= ANY); the pure core applies it; COPY writes its postings
// and new history rows (far cheaper per row than INSERT ... unnest), and one
// more round trip upserts the balances (unnest), settles pending transfers,
// and writes the entry and the head.

var _ ledger.Store = (*DB)(nil)

const (
	ledgerTimeout  = 60 * time.Second // one group, including the wait for the head lock
	maxTxTransfers = 4 * ledger.MaxBatch
)

const postingColumns = `seq, id, time, flags, pending_id, debit, credit, amount, timeout, code, ref, status`

// Post applies a batch durably, perhaps in one transaction with concurrent
// Posts; see ledger.Store.
func (db *DB) Post(ctx context.Context, b ledger.Batch) (ledger.Applied, error) {
	if len(b) == 0 || len(b) > ledger.MaxBatch {
		return ledger.NewState().Apply(b) // the core's error, without a transaction
	}
	ids := make([]string, 0, len(b))
	for _, id := range b.IDs() {
		ids = append(ids, string(id))
	}
	var names, pendings []string
	for _, a := range b.Accounts(nil) {
		names = append(names, a.String())
	}
	for i := range b {
		if b[i].PendingID != "" {
			pendings = append(pendings, string(b[i].PendingID))
		}
	}
	return db.ledgerDo(ctx, len(b), func(lt *ledgerTx, q *pgx.Batch) {
		lt.queueTransfers(q, `SELECT `+postingColumns+` FROM ledger_postings WHERE id = ANY($1::text[])`, ids)
		const accounts = `SELECT id, debits_pending, debits_posted, credits_pending, credits_posted FROM ledger_accounts `
		if len(pendings) == 0 {
			lt.queueAccounts(q, accounts+`WHERE id = ANY($1::text[])`, names)
			return
		}
		// The accounts named, and those of the pending transfers settled.
		lt.queueAccounts(q, accounts+`WHERE id IN (SELECT unnest($1::text[])
			UNION SELECT debit FROM ledger_postings WHERE id = ANY($2::text[])
			UNION SELECT credit FROM ledger_postings WHERE id = ANY($2::text[]))`, names, pendings)
	}, func(lt *ledgerTx) (ledger.Applied, error) {
		return lt.st.Apply(b)
	})
}

// Expire releases reservations due at or before t; see ledger.Store.
func (db *DB) Expire(ctx context.Context, t time.Time) (ledger.Applied, error) {
	const due = `SELECT ` + postingColumns + ` FROM ledger_postings WHERE deadline IS NOT NULL AND deadline <= $1
		ORDER BY deadline, seq LIMIT $2`
	return db.ledgerDo(ctx, ledger.MaxBatch, func(lt *ledgerTx, q *pgx.Batch) {
		lt.queueTransfers(q, due, t.UnixNano(), ledger.MaxBatch)
		lt.queueAccounts(q, `SELECT id, debits_pending, debits_posted, credits_pending, credits_posted FROM ledger_accounts
			WHERE id IN (SELECT debit FROM (`+due+`) d UNION SELECT credit FROM (`+due+`) c)`, t.UnixNano(), ledger.MaxBatch)
	}, func(lt *ledgerTx) (ledger.Applied, error) {
		ids := make([]ledger.ID, 0, len(lt.st.Transfers))
		for id := range lt.st.Transfers {
			ids = append(ids, id)
		}
		return lt.st.Expire(t, ids)
	})
}

// ledgerTx is one request's part of a ledger transaction: the state it
// loaded, and the status each loaded transfer had, to find the ones the
// batch settled.
type ledgerTx struct {
	st     *ledger.State
	loaded map[ledger.ID]ledger.Status
	start  int64 // the head's time before the batch
}

func (lt *ledgerTx) queueTransfers(q *pgx.Batch, sql string, args ...any) {
	q.Queue(sql, args...).Query(func(rows pgx.Rows) error {
		for rows.Next() {
			r, err := scanRecord(rows)
			if err != nil {
				return err
			}
			lt.st.Transfers[r.ID] = r
			lt.loaded[r.ID] = r.Status
		}
		return rows.Err()
	})
}

func (lt *ledgerTx) queueAccounts(q *pgx.Batch, sql string, args ...any) {
	q.Queue(sql, args...).Query(func(rows pgx.Rows) error {
		for rows.Next() {
			var name string
			var b ledger.Balance
			if err := rows.Scan(&name, &b.DebitsPending, &b.DebitsPosted, &b.CreditsPending, &b.CreditsPosted); err != nil {
				return err
			}
			a, err := ledger.ParseAccountID(name)
			if err != nil {
				return fmt.Errorf("account %q: %v", name, err)
			}
			lt.st.Accounts[a] = &b
		}
		return rows.Err()
	})
}

// ledgerReq is a Post or Expire waiting for its group's transaction: load
// queues the queries that fill lt.st, apply applies; both run on the queue's
// goroutine.
type ledgerReq struct {
	size  int // transfers, to bound a transaction
	load  func(*ledgerTx, *pgx.Batch)
	apply func(*ledgerTx) (ledger.Applied, error)
}

type ledgerOp = groupcommit.Op[*ledgerReq, ledger.Applied]

// ledgerDo queues a request and waits for its group to commit. If ctx ends
// first the request may still commit: callers retry with the same ids.
func (db *DB) ledgerDo(ctx context.Context, size int, load func(*ledgerTx, *pgx.Batch), apply func(*ledgerTx) (ledger.Applied, error)) (ledger.Applied, error) {
	res, err := db.ledgerQueue.Do(ctx, &ledgerReq{size: size, load: load, apply: apply})
	if errors.Is(err, groupcommit.ErrClosed) {
		return res, lifeline.Errorf(lifeline.EUNAVAILABLE, "the ledger is shutting down; retry on another instance")
	}
	return res, err
}

// ledgerCommitGroup commits a group of requests, at most maxTxTransfers per
// transaction.
func (db *DB) ledgerCommitGroup(ops []*ledgerOp) {
	ctx, cancel := context.WithTimeout(context.Background(), ledgerTimeout)
	defer cancel()
	conn, err := db.pool.Acquire(ctx)
	if err != nil {
		for _, op := range ops {
			op.Err = fmt.Errorf("postgres: ledger: %w", err)
		}
		return
	}
	defer conn.Release()
	for rest := ops; len(rest) > 0; {
		n, size := 0, 0
		for n < len(rest) && (n == 0 || size+rest[n].Req.size <= maxTxTransfers) {
			size += rest[n].Req.size
			n++
		}
		chunk := rest[:n]
		rest = rest[n:]
		if err := db.ledgerCommit(ctx, conn, chunk); err != nil && len(chunk) > 1 {
			// Whatever failed, it must not fail the others: each alone.
			for i := range chunk {
				db.ledgerCommit(ctx, conn, chunk[i:i+1])
			}
		}
	}
}

// ledgerCommit begins a transaction, locks the head, then applies reqs,
// each to the head the one before it left, and commits. It sets every
// request's result; an error of the transaction is set on all of them and
// returned.
func (db *DB) ledgerCommit(ctx context.Context, conn *pgxpool.Conn, reqs []*ledgerOp) (err error) {
	for _, r := range reqs {
		r.Res, r.Err = ledger.Applied{}, nil
	}
	defer func() {
		if err != nil {
			err = fmt.Errorf("postgres: ledger: %w", err)
			for _, r := range reqs {
				r.Res, r.Err = ledger.Applied{}, err
			}
		}
	}()
	committed := false
	defer rollbackUnlessCommitted(conn, &committed)
	var head ledger.Head
	q := &pgx.Batch{}
	q.Queue("begin")
	q.Queue(`SELECT entries, postings, hash, time FROM ledger_head FOR UPDATE`).QueryRow(func(row pgx.Row) error {
		var hash []byte
		if err := row.Scan(&head.Seq, &head.Postings, &hash, &head.Time); err != nil {
			return err
		}
		copy(head.Hash[:], hash)
		return nil
	})
	if err := conn.SendBatch(ctx, q).Close(); err != nil {
		return fmt.Errorf("lock the head: %w", err)
	}
	for _, r := range reqs {
		lt := &ledgerTx{st: ledger.NewState(), loaded: map[ledger.ID]ledger.Status{}, start: head.Time}
		lt.st.Head = head
		q := &pgx.Batch{}
		r.Req.load(lt, q)
		if err := conn.SendBatch(ctx, q).Close(); err != nil {
			return fmt.Errorf("load: %w", err)
		}
		a, err := r.Req.apply(lt)
		if err != nil {
			if _, ok := errors.AsType[*lifeline.Error](err); ok {
				r.Err = err // the batch as a whole is refused; the others go on
				continue
			}
			return err
		}
		if a.Entry != nil {
			if err := lt.write(ctx, conn, a); err != nil {
				return fmt.Errorf("write entry %d: %w", a.Entry.Seq, err)
			}
			head = lt.st.Head
		}
		r.Res = a
	}
	if _, err := conn.Exec(ctx, "commit"); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	committed = true
	return nil
}

// write stores what a.Entry changed: its postings (with each transfer's
// status), by COPY, then in one round trip the settled transfers' new
// status, the accounts' balances and history, the entry and the head.
func (lt *ledgerTx) write(ctx context.Context, conn *pgxpool.Conn, a ledger.Applied) error {
	e, st := a.Entry, lt.st
	n := len(e.Postings)
	rows := make([][]any, n)
	for i := range e.Postings {
		x := &e.Postings[i]
		status := ledger.Final
		var id, deadline any
		if x.ID != "" {
			id = string(x.ID)
			r := st.Transfers[x.ID]
			status = r.Status
			if d, ok := r.Deadline(); ok && status == ledger.Reserved {
				deadline = d.UnixNano()
			}
		}
		rows[i] = []any{int64(x.Seq), id, x.Time.UnixNano(), int16(x.Flags), string(x.PendingID), x.Debit.String(), x.Credit.String(),
			x.Amount, int64(x.Timeout), x.Code, x.Ref, int16(status), deadline}
	}
	if _, err := conn.CopyFrom(ctx, pgx.Identifier{"ledger_postings"}, []string{"seq", "id", "time", "flags", "pending_id",
		"debit", "credit", "amount", "timeout", "code", "ref", "status", "deadline"}, pgx.CopyFromRows(rows)); err != nil {
		return fmt.Errorf("copy postings: %w", err)
	}
	q := &pgx.Batch{}
	var settled []string
	var statuses []int16
	for id, was := range lt.loaded {
		if now := st.Transfers[id].Status; now != was {
			settled, statuses = append(settled, string(id)), append(statuses, int16(now))
		}
	}
	if len(settled) > 0 {
		q.Queue(`UPDATE ledger_postings p SET status = u.status, deadline = NULL
			FROM unnest($1::text[], $2::smallint[]) AS u(id, status) WHERE p.id = u.id`, settled, statuses)
	}

	accts := e.Accounts()
	names := make([]string, len(accts))
	var dp, dP, cp, cP []int64
	for i, id := range accts {
		b := st.Accounts[id]
		names[i] = id.String()
		dp, dP, cp, cP = append(dp, b.DebitsPending), append(dP, b.DebitsPosted), append(cp, b.CreditsPending), append(cP, b.CreditsPosted)
	}
	q.Queue(`INSERT INTO ledger_accounts (id, debits_pending, debits_posted, credits_pending, credits_posted)
		SELECT * FROM unnest($1::text[], $2::bigint[], $3::bigint[], $4::bigint[], $5::bigint[])
		ON CONFLICT (id) DO UPDATE SET debits_pending = excluded.debits_pending, debits_posted = excluded.debits_posted,
			credits_pending = excluded.credits_pending, credits_posted = excluded.credits_posted`, names, dp, dP, cp, cP)

	// History rows dated after the last entry are new: COPY them. Only
	// those at its instant may exist already (an earlier entry at the same
	// time), and the later balance replaces them.
	var fresh [][]any
	var hAcct []string
	var hTime []int64
	dp, dP, cp, cP = nil, nil, nil, nil // new slices: a batch encodes its arguments when sent
	for _, h := range historyOf(a) {
		b := h.balance
		if h.time > lt.start {
			fresh = append(fresh, []any{h.account, h.time, b.DebitsPending, b.DebitsPosted, b.CreditsPending, b.CreditsPosted})
			continue
		}
		hAcct, hTime = append(hAcct, h.account), append(hTime, h.time)
		dp, dP, cp, cP = append(dp, b.DebitsPending), append(dP, b.DebitsPosted), append(cp, b.CreditsPending), append(cP, b.CreditsPosted)
	}
	if len(fresh) > 0 {
		if _, err := conn.CopyFrom(ctx, pgx.Identifier{"ledger_history"}, []string{"account", "time", "debits_pending", "debits_posted",
			"credits_pending", "credits_posted"}, pgx.CopyFromRows(fresh)); err != nil {
			return fmt.Errorf("copy history: %w", err)
		}
	}
	if len(hAcct) > 0 {
		q.Queue(`INSERT INTO ledger_history (account, time, debits_pending, debits_posted, credits_pending, credits_posted)
			SELECT * FROM unnest($1::text[], $2::bigint[], $3::bigint[], $4::bigint[], $5::bigint[], $6::bigint[])
			ON CONFLICT (account, time) DO UPDATE SET debits_pending = excluded.debits_pending, debits_posted = excluded.debits_posted,
				credits_pending = excluded.credits_pending, credits_posted = excluded.credits_posted`, hAcct, hTime, dp, dP, cp, cP)
	}

	q.Queue(`INSERT INTO ledger_entries (seq, prev, hash, first_posting, last_posting) VALUES ($1, $2, $3, $4, $5)`,
		int64(e.Seq), e.Prev[:], e.Hash[:], int64(e.Postings[0].Seq), int64(e.Postings[n-1].Seq))
	h := st.Head
	q.Queue(`UPDATE ledger_head SET entries = $1, postings = $2, hash = $3, time = $4`,
		int64(h.Seq), int64(h.Postings), h.Hash[:], h.Time)
	return conn.SendBatch(ctx, q).Close()
}

// point is an account's balance from an instant on.
type point struct {
	account string
	time    int64
	balance ledger.Balance
}

// historyOf returns the balance of each account after the last of its
// postings at each instant in a's entry, sorted by account and time.
func historyOf(a ledger.Applied) []point {
	type key struct {
		account ledger.AccountID
		time    int64
	}
	last := make(map[key]int, len(a.Entry.Postings))
	pts := make([]point, 0, len(a.Entry.Postings))
	set := func(acct ledger.AccountID, t int64, b ledger.Balance) {
		if i, ok := last[key{acct, t}]; ok {
			pts[i].balance = b
			return
		}
		last[key{acct, t}] = len(pts)
		pts = append(pts, point{acct.String(), t, b})
	}
	for i := range a.Entry.Postings {
		p := &a.Entry.Postings[i]
		t := p.Time.UnixNano()
		set(p.Debit, t, a.After[i].Debit)
		set(p.Credit, t, a.After[i].Credit)
	}
	slices.SortFunc(pts, func(x, y point) int { return cmp.Or(cmp.Compare(x.account, y.account), cmp.Compare(x.time, y.time)) })
	return pts
}

// scanRecord reads a row of postingColumns.
func scanRecord(row pgx.Row) (*ledger.Record, error) {
	var r ledger.Record
	var id *string
	var pendingID, debit, credit string
	var at, timeout int64
	var flags, status int16
	var seq int64
	if err := row.Scan(&seq, &id, &at, &flags, &pendingID, &debit, &credit, &r.Amount, &timeout, &r.Code, &r.Ref, &status); err != nil {
		return nil, err
	}
	r.Seq = uint64(seq)
	var err error
	if r.Debit, err = ledger.ParseAccountID(debit); err != nil {
		return nil, fmt.Errorf("posting %d: %v", r.Seq, err)
	}
	if r.Credit, err = ledger.ParseAccountID(credit); err != nil {
		return nil, fmt.Errorf("posting %d: %v", r.Seq, err)
	}
	if id != nil {
		r.ID = ledger.ID(*id)
	}
	r.PendingID = ledger.ID(pendingID)
	r.Time = time.Unix(0, at).UTC()
	r.Flags, r.Timeout, r.Status = ledger.Flags(flags), time.Duration(timeout), ledger.Status(status)
	return &r, nil
}

// Balance returns an account's balance now; see ledger.Store.
func (db *DB) Balance(ctx context.Context, a ledger.AccountID) (ledger.Balance, error) {
	var b ledger.Balance
	err := db.pool.QueryRow(ctx, `SELECT debits_pending, debits_posted, credits_pending, credits_posted
		FROM ledger_accounts WHERE id = $1`, a.String()).Scan(&b.DebitsPending, &b.DebitsPosted, &b.CreditsPending, &b.CreditsPosted)
	if errors.Is(err, pgx.ErrNoRows) {
		return ledger.Balance{}, nil
	}
	if err != nil {
		return b, fmt.Errorf("postgres: ledger: balance of %s: %w", a, err)
	}
	return b, nil
}

// BalanceAt returns an account's balance as at t: after its last change
// dated at or before t.
func (db *DB) BalanceAt(ctx context.Context, a ledger.AccountID, t time.Time) (ledger.Balance, error) {
	var b ledger.Balance
	err := db.pool.QueryRow(ctx, `SELECT debits_pending, debits_posted, credits_pending, credits_posted
		FROM ledger_history WHERE account = $1 AND time <= $2 ORDER BY time DESC LIMIT 1`, a.String(), t.UnixNano()).
		Scan(&b.DebitsPending, &b.DebitsPosted, &b.CreditsPending, &b.CreditsPosted)
	if errors.Is(err, pgx.ErrNoRows) {
		return ledger.Balance{}, nil
	}
	if err != nil {
		return b, fmt.Errorf("postgres: ledger: balance of %s at %s: %w", a, t, err)
	}
	return b, nil
}

// TrialBalance lists every account's balance; see ledger.Store.
func (db *DB) TrialBalance(ctx context.Context) (ledger.TrialBalance, error) {
	var tb ledger.TrialBalance
	rows, err := db.pool.Query(ctx, `SELECT id, debits_pending, debits_posted, credits_pending, credits_posted FROM ledger_accounts`)
	if err != nil {
		return tb, fmt.Errorf("postgres: ledger: trial balance: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var name string
		var b ledger.Balance
		if err := rows.Scan(&name, &b.DebitsPending, &b.DebitsPosted, &b.CreditsPending, &b.CreditsPosted); err != nil {
			return tb, fmt.Errorf("postgres: ledger: trial balance: %w", err)
		}
		a, err := ledger.ParseAccountID(name)
		if err != nil {
			return tb, fmt.Errorf("postgres: ledger: trial balance: %v", err)
		}
		tb.Add(a, b)
	}
	if err := rows.Err(); err != nil {
		return tb, fmt.Errorf("postgres: ledger: trial balance: %w", err)
	}
	tb.Sort()
	return tb, nil
}

// Transfer returns a transfer and its status; see ledger.Store.
func (db *DB) Transfer(ctx context.Context, id ledger.ID) (ledger.Record, bool, error) {
	r, err := scanRecord(db.pool.QueryRow(ctx, `SELECT `+postingColumns+` FROM ledger_postings WHERE id = $1`, string(id)))
	if errors.Is(err, pgx.ErrNoRows) {
		return ledger.Record{}, false, nil
	}
	if err != nil {
		return ledger.Record{}, false, fmt.Errorf("postgres: ledger: transfer %s: %w", id, err)
	}
	return *r, true, nil
}

// LedgerHead returns where the chain stands; see ledger.Store.
func (db *DB) LedgerHead(ctx context.Context) (ledger.Head, error) {
	var h ledger.Head
	var hash []byte
	if err := db.pool.QueryRow(ctx, `SELECT entries, postings, hash, time FROM ledger_head`).
		Scan(&h.Seq, &h.Postings, &hash, &h.Time); err != nil {
		return h, fmt.Errorf("postgres: ledger: head: %w", err)
	}
	copy(h.Hash[:], hash)
	return h, nil
}

// maxEntriesRead bounds one LedgerEntries call: an entry may hold 8,190
// postings.
const maxEntriesRead = 64

// LedgerEntries returns stored entries, rebuilt from their rows, with the
// hash each was stored with: Verify recomputes it and so finds any row
// changed since. An entry commits with its postings and postings never
// change (but for status), so two statements read a consistent history.
func (db *DB) LedgerEntries(ctx context.Context, from uint64, limit int) ([]ledger.Entry, error) {
	if limit <= 0 || limit > maxEntriesRead {
		limit = maxEntriesRead
	}
	rows, err := db.pool.Query(ctx, `SELECT seq, prev, hash, first_posting, last_posting FROM ledger_entries
		WHERE seq >= $1 ORDER BY seq LIMIT $2`, int64(max(from, 1)), limit)
	if err != nil {
		return nil, fmt.Errorf("postgres: ledger: entries: %w", err)
	}
	var entries []ledger.Entry
	var ranges [][2]int64
	for rows.Next() {
		var e ledger.Entry
		var seq, first, last int64
		var prev, hash []byte
		if err := rows.Scan(&seq, &prev, &hash, &first, &last); err != nil {
			rows.Close()
			return nil, fmt.Errorf("postgres: ledger: entries: %w", err)
		}
		e.Seq = uint64(seq)
		copy(e.Prev[:], prev)
		copy(e.Hash[:], hash)
		entries = append(entries, e)
		ranges = append(ranges, [2]int64{first, last})
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("postgres: ledger: entries: %w", err)
	}
	if len(entries) == 0 {
		return nil, nil
	}
	rows, err = db.pool.Query(ctx, `SELECT `+postingColumns+` FROM ledger_postings WHERE seq BETWEEN $1 AND $2 ORDER BY seq`,
		ranges[0][0], ranges[len(ranges)-1][1])
	if err != nil {
		return nil, fmt.Errorf("postgres: ledger: entries: %w", err)
	}
	defer rows.Close()
	i := 0
	for rows.Next() {
		r, err := scanRecord(rows)
		if err != nil {
			return nil, fmt.Errorf("postgres: ledger: entries: %w", err)
		}
		for i < len(ranges) && int64(r.Seq) > ranges[i][1] {
			i++
		}
		if i < len(ranges) && int64(r.Seq) >= ranges[i][0] {
			entries[i].Postings = append(entries[i].Postings, r.Posting)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("postgres: ledger: entries: %w", err)
	}
	return entries, nil
}
