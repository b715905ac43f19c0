// Package ledger is Lifeline's double-entry ledger core: accounts in integer
// pence, transfers between them that post exactly once, linked transfers that
// post all or nothing, two-phase transfers for payment runs, balances now and
// as at any time, and a hash chain over history. It is pure: no I/O, no clock,
// no database. The ideas follow TigerBeetle's published design (debits and
// credits, pending and posted totals, account constraints, linked events,
// pending/post/void with timeouts, a deterministic state machine); the code is
// our own.
//
// # Accounts and the sign convention
//
// An AccountID is structured: a Kind (expense, payable, debt, clearing,
// suspense, write-off, recovered), the Benefit it belongs to and the Owner
// (the person) where the kind has one. Accounts need not be opened: an
// account exists once a transfer touches it. Each keeps four totals
// (Balance): debits and credits, each pending and posted.
//
// One sign convention holds everywhere: Net = debits posted - credits posted.
// A debit makes Net go up, a credit makes it go down, for every kind. Expense,
// debt and write-off accounts are normally positive; payable, recovered and
// clearing accounts normally negative (a payable of -£100.00 means we owe the
// person £100.00). The Nets of all accounts sum to zero.
//
// Constraints belong to the kind (Kind.Constraint), so that no batch depends
// on an account having been set up and replay cannot disagree about rules:
//
//	payable, recovered  DebitsMustNotExceedCredits  (never pay out more than is owed)
//	debt, write-off     CreditsMustNotExceedDebits  (never recover more than is owed)
//	expense, clearing, suspense                     unconstrained
//
// Pending debits count against DebitsMustNotExceedCredits (and pending
// credits against the other), so money reserved for a payment file cannot be
// paid twice.
//
// # Transfers
//
// A Transfer moves Amount pence from Debit to Credit. Its ID is chosen by the
// caller; Code says why (e.g. "award-due"), Ref points at the caller's record,
// and Time is when, as the caller says: the core has no clock. History is kept
// in time order, so a transfer may not be dated before the latest posting
// (ECONFLICT: date it again and retry).
//
// Posting an id again returns the original result (Result.Repeat, the
// original Seq) and moves nothing; the same id with different content is an
// ECONFLICT naming the field. Failed transfers are not recorded, so an id that
// failed may be used again.
//
// A Batch (up to MaxBatch = 8,190 transfers) applies in order: each transfer
// sees the ones before it. Linked joins a transfer to the next; a chain posts
// all or nothing, the failing transfer's error says why and every other
// member's error names it. Outside chains, transfers succeed or fail alone.
// A batch is one step of history (one Entry) and, in a store, one
// transaction; constraints are checked against the state inside it.
//
// Two-phase transfers: Pending reserves the amount (it shows in the pending
// totals); a later Post moves all of it (Amount 0) or part of it, or a Void
// releases it. A Timeout on the pending transfer sets a deadline: from that
// instant a post or void fails, and ExpireBefore(t) (Expire for a store)
// releases every reservation due at or before t, as postings dated t. Expiry
// is driven by the caller's time, never a clock; run it before batches dated
// after t, since an overdue reservation holds its funds until expired.
//
// # History, balances as at a time, trial balance
//
// Every change is a Posting with a sequence number (1, 2, 3, ... over the
// whole ledger) and the caller's time, in an Entry per batch. A post's or
// void's accounts and amount are filled in from its pending transfer, so
// history reads on its own. Because postings are in time order, the balance
// as at t is that after the last posting dated at or before t
// (Ledger.BalanceAt, Ledger.TrialBalanceAt); it is final once the ledger has
// a posting dated after t. TrialBalance totals always have equal debits and
// credits, posted and pending.
//
// # Hash chain
//
// Each Entry's Hash is SHA-256 over its canonical encoding (Entry.AppendBinary
// documents it byte by byte), which includes the previous entry's hash: so the
// Head (entries, postings, hash) commits to all history. Verify recomputes a
// chain from its postings and finds any changed, removed or reordered posting
// or entry; a rewritten tail is found by comparing the head with one committed
// earlier. Head.MarshalText is the line to commit to the provenance log; until
// that log exists, a store keeps the head in its own row and payments can log
// it with each run. State.Replay re-applies an entry and checks it reproduces
// exactly, which also catches a forger who rehashed a consistent chain but
// broke a rule.
//
// # The two ways to use it
//
// Ledger is the whole ledger in memory: Apply, ExpireBefore, Replay (Rebuild
// replays a list of entries into a fresh ledger), Head, Balance, BalanceAt,
// TrialBalance, Transfer, Entries. State is the same state machine over just
// the rows one batch needs, for the SQLite and PostgreSQL stores:
//
//  1. In one transaction, read and lock the head row (the chain makes writes
//     a single sequence anyway; with batches of thousands that is cheap).
//  2. Load the transfers named by Batch.IDs (its ids, for repeats, and the
//     pending ids it settles), then the accounts named by
//     Batch.Accounts(loaded), in that sorted order, locking them
//     (SELECT ... FOR UPDATE on PostgreSQL). Missing rows mean "new".
//  3. Build State{Head, Accounts, Transfers} and call Apply (or Expire with
//     the ids of reservations your query finds due: status reserved and
//     deadline <= t, using Record.Deadline).
//  4. If Applied.Entry is nil, nothing changed: commit nothing. Otherwise
//     insert the entry (its encoding, or one row per posting plus the
//     entry's seq, prev and hash), upsert the balances of Entry.Accounts()
//     from State.Accounts, insert the new transfers and update the status of
//     each pending transfer a posting settled (State.Transfers holds both),
//     store Applied.After per posting if you serve balances as at a time
//     (then "as at t" is the last row for the account dated <= t), and write
//     State.Head. Commit, then answer.
//  5. Unique keys back up the core: transfer id, posting seq, entry seq.
//
// To rebuild or audit, read entries in order and Replay them into a Ledger
// (or a State); Verify checks the chain alone, without balances.
//
// Errors a person may see are *lifeline.Error values (EINVALID, ECONFLICT,
// ENOTFOUND, ETOOLARGE) that name the transfer and the field. Errors about
// damaged history (Verify, Replay, UnmarshalBinary) are plain errors: they
// are for operators and are reported as internal.
package ledger
