-- +goose Up
-- The double-entry ledger (package ledger). Times are Unix nanoseconds
-- (UTC), money integer pence, accounts their text form (ledger.AccountID).

-- One row: where the hash chain stands. Every ledger transaction locks it
-- first and moves it last, which serialises batches across instances and
-- keeps the chain linear; see postgres/ledger.go. Leave room for HOT updates.
CREATE TABLE ledger_head (
    id       boolean PRIMARY KEY DEFAULT true CHECK (id),
    entries  bigint  NOT NULL,
    postings bigint  NOT NULL,
    hash     bytea   NOT NULL,
    time     bigint  NOT NULL
) WITH (fillfactor = 10);
INSERT INTO ledger_head (id, entries, postings, hash, time) VALUES (true, 0, 0, '\x0000000000000000000000000000000000000000000000000000000000000000', 0);

-- Each account's four totals now. Rewritten by every batch that touches
-- the account: room on each page lets the update be HOT (no index write).
CREATE TABLE ledger_accounts (
    id              text   PRIMARY KEY,
    debits_pending  bigint NOT NULL,
    debits_posted   bigint NOT NULL,
    credits_pending bigint NOT NULL,
    credits_posted  bigint NOT NULL
) WITH (fillfactor = 70);

-- One row per entry (batch): its place in the chain and its postings.
CREATE TABLE ledger_entries (
    seq           bigint PRIMARY KEY,
    prev          bytea  NOT NULL,
    hash          bytea  NOT NULL,
    first_posting bigint NOT NULL,
    last_posting  bigint NOT NULL
);

-- One row per posting: the transfer as applied (the fields the entry hash
-- covers), its status (a pending transfer's changes when it is settled) and
-- the deadline of a live reservation. id is NULL for expiry records.
CREATE TABLE ledger_postings (
    seq        bigint   PRIMARY KEY,
    id         text     UNIQUE,
    time       bigint   NOT NULL,
    flags      smallint NOT NULL,
    pending_id text     NOT NULL,
    debit      text     NOT NULL,
    credit     text     NOT NULL,
    amount     bigint   NOT NULL,
    timeout    bigint   NOT NULL,
    code       text     NOT NULL,
    ref        text     NOT NULL,
    status     smallint NOT NULL,
    deadline   bigint
);
-- Reservations that can expire.
CREATE INDEX ledger_postings_due ON ledger_postings (deadline) WHERE deadline IS NOT NULL;

-- Balances as at a time: an account's totals from time on, one row per
-- account and instant it changed (at one instant only the last balance is
-- visible), so the balance as at t is the last row dated at or before t.
CREATE TABLE ledger_history (
    account         text   NOT NULL,
    time            bigint NOT NULL,
    debits_pending  bigint NOT NULL,
    debits_posted   bigint NOT NULL,
    credits_pending bigint NOT NULL,
    credits_posted  bigint NOT NULL,
    PRIMARY KEY (account, time)
);

-- +goose Down
DROP TABLE ledger_history;
DROP TABLE ledger_postings;
DROP TABLE ledger_entries;
DROP TABLE ledger_accounts;
DROP TABLE ledger_head;
