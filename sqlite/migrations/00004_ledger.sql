-- +goose Up
-- The double-entry ledger (package ledger). Times are Unix nanoseconds
-- (UTC), money integer pence, accounts their text form (ledger.AccountID).

-- One row: where the hash chain stands. Written with every entry.
CREATE TABLE ledger_head (
    id       INTEGER PRIMARY KEY CHECK (id = 1),
    entries  INTEGER NOT NULL,
    postings INTEGER NOT NULL,
    hash     BLOB    NOT NULL,
    time     INTEGER NOT NULL
);
INSERT INTO ledger_head (id, entries, postings, hash, time) VALUES (1, 0, 0, zeroblob(32), 0);

-- Each account's four totals now.
CREATE TABLE ledger_accounts (
    id              TEXT    PRIMARY KEY,
    debits_pending  INTEGER NOT NULL,
    debits_posted   INTEGER NOT NULL,
    credits_pending INTEGER NOT NULL,
    credits_posted  INTEGER NOT NULL
) WITHOUT ROWID;

-- One row per entry (batch): its place in the chain and its postings.
CREATE TABLE ledger_entries (
    seq           INTEGER PRIMARY KEY,
    prev          BLOB    NOT NULL,
    hash          BLOB    NOT NULL,
    first_posting INTEGER NOT NULL,
    last_posting  INTEGER NOT NULL
);

-- One row per posting: the transfer as applied (the fields the entry hash
-- covers), its status (a pending transfer's changes when it is settled) and
-- the deadline of a live reservation. id is NULL for expiry records.
CREATE TABLE ledger_postings (
    seq        INTEGER PRIMARY KEY,
    id         TEXT UNIQUE,
    time       INTEGER NOT NULL,
    flags      INTEGER NOT NULL,
    pending_id TEXT    NOT NULL,
    debit      TEXT    NOT NULL,
    credit     TEXT    NOT NULL,
    amount     INTEGER NOT NULL,
    timeout    INTEGER NOT NULL,
    code       TEXT    NOT NULL,
    ref        TEXT    NOT NULL,
    status     INTEGER NOT NULL,
    deadline   INTEGER
);
-- Reservations that can expire.
CREATE INDEX ledger_postings_due ON ledger_postings (deadline) WHERE deadline IS NOT NULL;

-- Balances as at a time: an account's totals from time on, one row per
-- account and instant it changed (at one instant only the last balance is
-- visible), so the balance as at t is the last row dated at or before t.
CREATE TABLE ledger_history (
    account         TEXT    NOT NULL,
    time            INTEGER NOT NULL,
    debits_pending  INTEGER NOT NULL,
    debits_posted   INTEGER NOT NULL,
    credits_pending INTEGER NOT NULL,
    credits_posted  INTEGER NOT NULL,
    PRIMARY KEY (account, time)
) WITHOUT ROWID;

-- +goose Down
DROP TABLE ledger_history;
DROP TABLE ledger_postings;
DROP TABLE ledger_entries;
DROP TABLE ledger_accounts;
DROP TABLE ledger_head;
