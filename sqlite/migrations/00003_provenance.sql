-- +goose Up
-- The provenance log (package provenance). All tables are append-only.

-- One row: the number of entries. Appends move it in the same transaction
-- as their rows.
CREATE TABLE provenance_head (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    size INTEGER NOT NULL
);
INSERT INTO provenance_head (id, size) VALUES (1, 0);

-- Entries by 0-based index, as encoded by the provenance core.
CREATE TABLE provenance_entries (
    idx   INTEGER PRIMARY KEY,
    entry BLOB NOT NULL
);

-- RFC 6962 hashes by stored hash index (tlog.StoredHashIndex): tiles,
-- tree hashes and proofs are all read from here.
CREATE TABLE provenance_hashes (
    idx  INTEGER PRIMARY KEY,
    hash BLOB NOT NULL
);

-- Signed checkpoints (C2SP signed notes) by tree size. Readers see a commit
-- before the store has fsynced it (see sqlite.go), so a checkpoint is
-- served only once durable is set, after the sync that covers it and every
-- entry below it: a checkpoint lost in a power cut was never shown.
CREATE TABLE provenance_checkpoints (
    size    INTEGER PRIMARY KEY,
    signed  BLOB NOT NULL,
    durable INTEGER NOT NULL DEFAULT 0
);

-- Witness cosignature lines (C2SP tlog-cosignature) per checkpoint size.
CREATE TABLE provenance_cosignatures (
    size INTEGER NOT NULL,
    seq  INTEGER PRIMARY KEY AUTOINCREMENT,
    line TEXT NOT NULL,
    UNIQUE (size, line)
);

-- +goose Down
DROP TABLE provenance_cosignatures;
DROP TABLE provenance_checkpoints;
DROP TABLE provenance_hashes;
DROP TABLE provenance_entries;
DROP TABLE provenance_head;
