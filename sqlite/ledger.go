package sqlite

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/lifeline-gov/lifeline"
	"github.com/lifeline-gov/lifeline/groupcommit"
	"github.com/lifeline-gov/lifeline/ledger"
)

// Ledger writes and SQLite's one writer. The event log's writer goroutine
// holds one of the two write connections for good; ledger transactions run
// on the other (the spare that leases, checkpoints and the provenance log
// also use), which orders them among themselves in Go. Against the event
// writer SQLite orders them: each side starts with BEGIN IMMEDIATE, which
// takes SQLite's write lock, and the other side's BEGIN waits for it
// (busy_timeout, 10s). So there is still one writer at a time, the event
// log's writer is untouched, and a large ledger batch delays event appends
// by about its own commit time rather than failing them.
//
// Group commit: concurrent Posts and Expires join a group; the group's
// leader (a goroutine started by the group's first request) waits for the
// spare connection, closes the group, and commits every request in it in one
// transaction, each as its own entry of the chain, with one fsync. While one
// group commits the next gathers, so small batches from many callers share
// fsyncs, and a lone caller does not wait for company.
//
// Durability: a ledger transaction runs with synchronous=FULL, so its commit
// fsyncs the write-ahead log before SQLite makes it visible to readers:
// nothing is shown or acknowledged before it is durable, as for events.

var _ ledger.Store = (*DB)(nil)

// Post applies a batch durably, perhaps in one transaction with concurrent
// Posts; see ledger.Store.
func (db *DB) Post(ctx context.Context, b ledger.Batch) (ledger.Applied, error) {
	if len(b) == 0 || len(b) > ledger.MaxBatch {
		return ledger.NewState().Apply(b) // the core's error, without a transaction
	}
	return db.ledgerDo(ctx, len(b), func(ctx context.Context, lt *ledgerTx) (ledger.Applied, error) {
		if err := lt.loadTransfers(ctx, b.IDs()); err != nil {
			return ledger.Applied{}, err
		}
		if err := lt.loadAccounts(ctx, b.Accounts(lt.st.Transfers)); err != nil {
			return ledger.Applied{}, err
		}
		return lt.st.Apply(b)
	})
}

// Expire releases reservations due at or before t; see ledger.Store.
func (db *DB) Expire(ctx context.Context, t time.Time) (ledger.Applied, error) {
	return db.ledgerDo(ctx, ledger.MaxBatch, func(ctx context.Context, lt *ledgerTx) (ledger.Applied, error) {
		rows, err := lt.conn.QueryContext(ctx, `SELECT id FROM ledger_postings WHERE deadline IS NOT NULL AND deadline <= ?
			ORDER BY deadline, seq LIMIT ?`, t.UnixNano(), ledger.MaxBatch)
		if err != nil {
			return ledger.Applied{}, err
		}
		var ids []ledger.ID
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return ledger.Applied{}, err
			}
			ids = append(ids, ledger.ID(id))
		}
		if err := rows.Close(); err != nil {
			return ledger.Applied{}, err
		}
		if err := lt.loadTransfers(ctx, ids); err != nil {
			return ledger.Applied{}, err
		}
		var accts []ledger.AccountID
		for _, r := range lt.st.Transfers {
			accts = append(accts, r.Debit, r.Credit)
		}
		slices.SortFunc(accts, ledger.AccountID.Compare)
		if err := lt.loadAccounts(ctx, slices.Compact(accts)); err != nil {
			return ledger.Applied{}, err
		}
		return lt.st.Expire(t, ids)
	})
}

// ledgerTx is one request's part of a ledger transaction: the state it
// loaded, and the status each loaded transfer had, to find the ones the
// batch settled.
type ledgerTx struct {
	conn   *sql.Conn
	st     *ledger.State
	loaded map[ledger.ID]ledger.Status
}

// ledgerReq is a Post or Expire waiting for its group's transaction. apply
// loads what it needs into lt.st and applies; it runs on the queue's
// goroutine.
type ledgerReq struct {
	size  int // transfers, to bound a transaction
	apply func(context.Context, *ledgerTx) (ledger.Applied, error)
}

type ledgerOp = groupcommit.Op[*ledgerReq, ledger.Applied]

const (
	ledgerTimeout  = 60 * time.Second // one group, including the wait for the connection
	maxTxTransfers = 4 * ledger.MaxBatch
)

// ledgerDo queues a request and waits for its group to commit. If ctx ends
// first the request may still commit: callers retry with the same ids.
func (db *DB) ledgerDo(ctx context.Context, size int, apply func(context.Context, *ledgerTx) (ledger.Applied, error)) (ledger.Applied, error) {
	if err := db.broken.Load(); err != nil {
		return ledger.Applied{}, *err
	}
	res, err := db.ledgerQueue.Do(ctx, &ledgerReq{size: size, apply: apply})
	if errors.Is(err, groupcommit.ErrClosed) {
		return res, errClosed
	}
	return res, err
}

// ledgerCommitGroup commits a group of requests on the spare write
// connection, at most maxTxTransfers per transaction.
func (db *DB) ledgerCommitGroup(ops []*ledgerOp) {
	ctx, cancel := context.WithTimeout(context.Background(), ledgerTimeout)
	defer cancel()
	conn, err := db.write.Conn(ctx)
	if err != nil {
		for _, op := range ops {
			op.Err = fmt.Errorf("sqlite: ledger: %w", err)
		}
		return
	}
	defer conn.Close()
	for rest := ops; len(rest) > 0; {
		n, size := 0, 0
		for n < len(rest) && (n == 0 || size+rest[n].Req.size <= maxTxTransfers) {
			size += rest[n].Req.size
			n++
		}
		chunk := rest[:n]
		rest = rest[n:]
		if err := db.ledgerCommit(ctx, conn, chunk); err != nil && len(chunk) > 1 && db.broken.Load() == nil {
			// Whatever failed, it must not fail the others: each alone.
			for i := range chunk {
				db.ledgerCommit(ctx, conn, chunk[i:i+1])
			}
		}
	}
}

// ledgerCommit runs reqs in one transaction holding SQLite's write lock,
// each applying to the head the one before it left, and commits durably.
// It sets every request's result; an error of the transaction is set on all
// of them and returned.
func (db *DB) ledgerCommit(ctx context.Context, conn *sql.Conn, reqs []*ledgerOp) (err error) {
	for _, r := range reqs {
		r.Res, r.Err = ledger.Applied{}, nil
	}
	defer func() {
		if err != nil {
			for _, r := range reqs {
				r.Res, r.Err = ledger.Applied{}, err
			}
		}
	}()
	if err := db.broken.Load(); err != nil {
		return *err
	}
	if _, err := conn.ExecContext(ctx, `PRAGMA synchronous=FULL`); err != nil {
		return fmt.Errorf("sqlite: ledger: %w", err)
	}
	// bg finishes or undoes the transaction whatever happens to ctx.
	bg := context.WithoutCancel(ctx)
	defer conn.ExecContext(bg, `PRAGMA synchronous=NORMAL`) // as the connection's other users expect
	if _, err := conn.ExecContext(ctx, `BEGIN IMMEDIATE`); err != nil {
		return fmt.Errorf("sqlite: ledger: begin: %w", err)
	}
	committed := false
	defer func() {
		if !committed {
			conn.ExecContext(bg, `ROLLBACK`)
		}
	}()
	var head ledger.Head
	var hash []byte
	if err := conn.QueryRowContext(ctx, `SELECT entries, postings, hash, time FROM ledger_head WHERE id = 1`).
		Scan(&head.Seq, &head.Postings, &hash, &head.Time); err != nil {
		return fmt.Errorf("sqlite: ledger: read head: %w", err)
	}
	copy(head.Hash[:], hash)
	for _, r := range reqs {
		lt := &ledgerTx{conn: conn, st: ledger.NewState(), loaded: map[ledger.ID]ledger.Status{}}
		lt.st.Head = head
		a, err := r.Req.apply(ctx, lt)
		if err != nil {
			if _, ok := errors.AsType[*lifeline.Error](err); ok {
				r.Err = err // the batch as a whole is refused; the others go on
				continue
			}
			return fmt.Errorf("sqlite: ledger: %w", err)
		}
		if a.Entry != nil {
			if err := lt.write(ctx, a); err != nil {
				return fmt.Errorf("sqlite: ledger: write entry %d: %w", a.Entry.Seq, err)
			}
			head = lt.st.Head
		}
		r.Res = a
	}
	committed = true
	if _, err := conn.ExecContext(bg, `COMMIT`); err != nil {
		// Most likely a failed fsync: what reached the disk is unknown, so
		// stop taking writes, as the event log does.
		db.opts.Logger.Error("sqlite: ledger commit failed; refusing further writes", "err", err)
		var stop error = lifeline.Errorf(lifeline.EUNAVAILABLE, "the store could not write to disk and has stopped taking writes; an operator must restart it")
		db.broken.Store(&stop)
		return stop
	}
	return nil
}

// jsonList encodes values as a JSON array, for `IN (SELECT value FROM
// json_each(?))`: one statement looks up a whole batch's keys.
func jsonList[T ~string](vs []T) (string, error) {
	b, err := json.Marshal(vs)
	return string(b), err
}

const postingColumns = `seq, id, time, flags, pending_id, debit, credit, amount, timeout, code, ref, status`

// loadTransfers reads the transfers with the given ids into the state.
func (lt *ledgerTx) loadTransfers(ctx context.Context, ids []ledger.ID) error {
	if len(ids) == 0 {
		return nil
	}
	list, err := jsonList(ids)
	if err != nil {
		return err
	}
	rows, err := lt.conn.QueryContext(ctx, `SELECT `+postingColumns+` FROM ledger_postings
		WHERE id IN (SELECT value FROM json_each(?))`, list)
	if err != nil {
		return fmt.Errorf("load transfers: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		r, err := scanRecord(rows)
		if err != nil {
			return err
		}
		lt.st.Transfers[r.ID] = r
		lt.loaded[r.ID] = r.Status
	}
	return rows.Err()
}

// loadAccounts reads the balances of the given accounts into the state.
func (lt *ledgerTx) loadAccounts(ctx context.Context, accts []ledger.AccountID) error {
	if len(accts) == 0 {
		return nil
	}
	byName := make(map[string]ledger.AccountID, len(accts))
	names := make([]string, len(accts))
	for i, a := range accts {
		names[i] = a.String()
		byName[names[i]] = a
	}
	list, err := jsonList(names)
	if err != nil {
		return err
	}
	rows, err := lt.conn.QueryContext(ctx, `SELECT id, debits_pending, debits_posted, credits_pending, credits_posted
		FROM ledger_accounts WHERE id IN (SELECT value FROM json_each(?))`, list)
	if err != nil {
		return fmt.Errorf("load accounts: %w", err)
	}
	defer rows.Close()
	bals := make([]ledger.Balance, 0, len(accts)) // one allocation for all
	for rows.Next() {
		var name string
		var b ledger.Balance
		if err := rows.Scan(&name, &b.DebitsPending, &b.DebitsPosted, &b.CreditsPending, &b.CreditsPosted); err != nil {
			return err
		}
		bals = append(bals, b)
		lt.st.Accounts[byName[name]] = &bals[len(bals)-1]
	}
	return rows.Err()
}

// write stores what a.Entry changed: its postings (with each transfer's
// status and the balances after it), the settled transfers' new status, the
// accounts' balances, the entry and the head.
func (lt *ledgerTx) write(ctx context.Context, a ledger.Applied) error {
	e, st := a.Entry, lt.st
	postings := rows{insert: `INSERT INTO ledger_postings (` + postingColumns + `, deadline) VALUES `,
		cols: 13, stmts: map[int]*sql.Stmt{}, values: make([]any, 0, 13*len(e.Postings))}
	defer postings.close()
	for i := range e.Postings {
		p := &e.Postings[i]
		var id, deadline any
		status := ledger.Final
		if p.ID != "" {
			id = string(p.ID)
			r := st.Transfers[p.ID]
			status = r.Status
			if d, ok := r.Deadline(); ok && status == ledger.Reserved {
				deadline = d.UnixNano()
			}
		}
		postings.add(p.Seq, id, p.Time.UnixNano(), int64(p.Flags), string(p.PendingID), p.Debit.String(), p.Credit.String(),
			p.Amount, int64(p.Timeout), p.Code, p.Ref, int64(status), deadline)
	}
	if err := postings.flush(ctx, lt.conn); err != nil {
		return fmt.Errorf("insert postings: %w", err)
	}
	for id, was := range lt.loaded {
		if now := st.Transfers[id].Status; now != was {
			if _, err := lt.conn.ExecContext(ctx, `UPDATE ledger_postings SET status = ?, deadline = NULL WHERE id = ?`,
				int64(now), string(id)); err != nil {
				return fmt.Errorf("update status of %s: %w", id, err)
			}
		}
	}
	accounts := rows{insert: `INSERT OR REPLACE INTO ledger_accounts (id, debits_pending, debits_posted, credits_pending, credits_posted) VALUES `,
		cols: 5, stmts: map[int]*sql.Stmt{}}
	defer accounts.close()
	for _, id := range e.Accounts() {
		b := st.Accounts[id]
		accounts.add(id.String(), b.DebitsPending, b.DebitsPosted, b.CreditsPending, b.CreditsPosted)
	}
	if err := accounts.flush(ctx, lt.conn); err != nil {
		return fmt.Errorf("write balances: %w", err)
	}
	history := rows{insert: `INSERT OR REPLACE INTO ledger_history (account, time, debits_pending, debits_posted, credits_pending, credits_posted) VALUES `,
		cols: 6, stmts: map[int]*sql.Stmt{}}
	defer history.close()
	for _, h := range historyOf(a) {
		b := h.balance
		history.add(h.account, h.time, b.DebitsPending, b.DebitsPosted, b.CreditsPending, b.CreditsPosted)
	}
	if err := history.flush(ctx, lt.conn); err != nil {
		return fmt.Errorf("write history: %w", err)
	}
	first, last := e.Postings[0].Seq, e.Postings[len(e.Postings)-1].Seq
	if _, err := lt.conn.ExecContext(ctx, `INSERT INTO ledger_entries (seq, prev, hash, first_posting, last_posting) VALUES (?, ?, ?, ?, ?)`,
		e.Seq, e.Prev[:], e.Hash[:], first, last); err != nil {
		return fmt.Errorf("insert entry: %w", err)
	}
	h := st.Head
	_, err := lt.conn.ExecContext(ctx, `UPDATE ledger_head SET entries = ?, postings = ?, hash = ?, time = ? WHERE id = 1`,
		h.Seq, h.Postings, h.Hash[:], h.Time)
	return err
}

// point is an account's balance from an instant on.
type point struct {
	account string
	time    int64
	balance ledger.Balance
}

// historyOf returns the balance of each account after the last of its
// postings at each instant in a's entry, sorted by account and time so the
// rows go into the index in order.
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

type scanner interface{ Scan(dest ...any) error }

// scanRecord reads a row of postingColumns.
func scanRecord(s scanner) (*ledger.Record, error) {
	var r ledger.Record
	var id sql.NullString
	var pendingID, debit, credit string
	var at, flags, timeout, status int64
	if err := s.Scan(&r.Seq, &id, &at, &flags, &pendingID, &debit, &credit, &r.Amount, &timeout, &r.Code, &r.Ref, &status); err != nil {
		return nil, err
	}
	var err error
	if r.Debit, err = ledger.ParseAccountID(debit); err != nil {
		return nil, fmt.Errorf("posting %d: %v", r.Seq, err)
	}
	if r.Credit, err = ledger.ParseAccountID(credit); err != nil {
		return nil, fmt.Errorf("posting %d: %v", r.Seq, err)
	}
	r.ID, r.PendingID = ledger.ID(id.String), ledger.ID(pendingID)
	r.Time = time.Unix(0, at).UTC()
	r.Flags, r.Timeout, r.Status = ledger.Flags(flags), time.Duration(timeout), ledger.Status(status)
	return &r, nil
}

// Balance returns an account's balance now; see ledger.Store.
func (db *DB) Balance(ctx context.Context, a ledger.AccountID) (ledger.Balance, error) {
	var b ledger.Balance
	err := db.read.QueryRowContext(ctx, `SELECT debits_pending, debits_posted, credits_pending, credits_posted
		FROM ledger_accounts WHERE id = ?`, a.String()).Scan(&b.DebitsPending, &b.DebitsPosted, &b.CreditsPending, &b.CreditsPosted)
	if errors.Is(err, sql.ErrNoRows) {
		return ledger.Balance{}, nil
	}
	if err != nil {
		return b, fmt.Errorf("sqlite: ledger: balance of %s: %w", a, err)
	}
	return b, nil
}

// BalanceAt returns an account's balance as at t: after its last change
// dated at or before t.
func (db *DB) BalanceAt(ctx context.Context, a ledger.AccountID, t time.Time) (ledger.Balance, error) {
	var b ledger.Balance
	err := db.read.QueryRowContext(ctx, `SELECT debits_pending, debits_posted, credits_pending, credits_posted
		FROM ledger_history WHERE account = ? AND time <= ? ORDER BY time DESC LIMIT 1`, a.String(), t.UnixNano()).
		Scan(&b.DebitsPending, &b.DebitsPosted, &b.CreditsPending, &b.CreditsPosted)
	if errors.Is(err, sql.ErrNoRows) {
		return ledger.Balance{}, nil
	}
	if err != nil {
		return b, fmt.Errorf("sqlite: ledger: balance of %s at %s: %w", a, t, err)
	}
	return b, nil
}

// TrialBalance lists every account's balance; see ledger.Store.
func (db *DB) TrialBalance(ctx context.Context) (ledger.TrialBalance, error) {
	var tb ledger.TrialBalance
	rows, err := db.read.QueryContext(ctx, `SELECT id, debits_pending, debits_posted, credits_pending, credits_posted FROM ledger_accounts`)
	if err != nil {
		return tb, fmt.Errorf("sqlite: ledger: trial balance: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var name string
		var b ledger.Balance
		if err := rows.Scan(&name, &b.DebitsPending, &b.DebitsPosted, &b.CreditsPending, &b.CreditsPosted); err != nil {
			return tb, fmt.Errorf("sqlite: ledger: trial balance: %w", err)
		}
		a, err := ledger.ParseAccountID(name)
		if err != nil {
			return tb, fmt.Errorf("sqlite: ledger: trial balance: %v", err)
		}
		tb.Add(a, b)
	}
	if err := rows.Err(); err != nil {
		return tb, fmt.Errorf("sqlite: ledger: trial balance: %w", err)
	}
	tb.Sort()
	return tb, nil
}

// Transfer returns a transfer and its status; see ledger.Store.
func (db *DB) Transfer(ctx context.Context, id ledger.ID) (ledger.Record, bool, error) {
	r, err := scanRecord(db.read.QueryRowContext(ctx, `SELECT `+postingColumns+` FROM ledger_postings WHERE id = ?`, string(id)))
	if errors.Is(err, sql.ErrNoRows) {
		return ledger.Record{}, false, nil
	}
	if err != nil {
		return ledger.Record{}, false, fmt.Errorf("sqlite: ledger: transfer %s: %w", id, err)
	}
	return *r, true, nil
}

// LedgerHead returns where the chain stands; see ledger.Store.
func (db *DB) LedgerHead(ctx context.Context) (ledger.Head, error) {
	var h ledger.Head
	var hash []byte
	if err := db.read.QueryRowContext(ctx, `SELECT entries, postings, hash, time FROM ledger_head WHERE id = 1`).
		Scan(&h.Seq, &h.Postings, &hash, &h.Time); err != nil {
		return h, fmt.Errorf("sqlite: ledger: head: %w", err)
	}
	copy(h.Hash[:], hash)
	return h, nil
}

// LedgerEntries returns stored entries, rebuilt from their rows, with the
// hash each was stored with: Verify recomputes it and so finds any row
// changed since. An entry commits with its postings, and postings never
// change (but for status), so two statements read a consistent history
// without a transaction (BEGIN here would be IMMEDIATE: see the DSN).
func (db *DB) LedgerEntries(ctx context.Context, from uint64, limit int) ([]ledger.Entry, error) {
	if limit <= 0 || limit > maxEntriesRead {
		limit = maxEntriesRead
	}
	entries, err := readEntries(ctx, db.read, from, limit)
	if err != nil {
		return nil, fmt.Errorf("sqlite: ledger: entries: %w", err)
	}
	return entries, nil
}

// maxEntriesRead bounds one LedgerEntries call: an entry may hold 8,190
// postings.
const maxEntriesRead = 64

func readEntries(ctx context.Context, db *sql.DB, from uint64, limit int) ([]ledger.Entry, error) {
	rows, err := db.QueryContext(ctx, `SELECT seq, prev, hash, first_posting, last_posting FROM ledger_entries
		WHERE seq >= ? ORDER BY seq LIMIT ?`, max(from, 1), limit)
	if err != nil {
		return nil, err
	}
	var entries []ledger.Entry
	var ranges [][2]uint64
	for rows.Next() {
		var e ledger.Entry
		var prev, hash []byte
		var first, last uint64
		if err := rows.Scan(&e.Seq, &prev, &hash, &first, &last); err != nil {
			rows.Close()
			return nil, err
		}
		copy(e.Prev[:], prev)
		copy(e.Hash[:], hash)
		entries = append(entries, e)
		ranges = append(ranges, [2]uint64{first, last})
	}
	if err := rows.Close(); err != nil {
		return nil, err
	}
	if len(entries) == 0 {
		return nil, nil
	}
	rows, err = db.QueryContext(ctx, `SELECT `+postingColumns+` FROM ledger_postings WHERE seq BETWEEN ? AND ? ORDER BY seq`,
		ranges[0][0], ranges[len(ranges)-1][1])
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	i := 0
	for rows.Next() {
		r, err := scanRecord(rows)
		if err != nil {
			return nil, err
		}
		for i < len(ranges) && r.Seq > ranges[i][1] {
			i++
		}
		if i == len(ranges) {
			break
		}
		if r.Seq >= ranges[i][0] {
			entries[i].Postings = append(entries[i].Postings, r.Posting)
		}
	}
	return entries, rows.Err()
}
