-- +goose Up
-- The provenance log (package provenance). All tables are append-only.

-- One row: the number of entries. Every append locks it first and moves it
-- last, as log_head does for events, so indexes are gap-free and a snapshot
-- that sees index i sees every index below it; see postgres/provenance.go.
CREATE TABLE provenance_head (
    id   boolean PRIMARY KEY DEFAULT true CHECK (id),
    size bigint  NOT NULL
) WITH (fillfactor = 10);
INSERT INTO provenance_head (id, size) VALUES (true, 0);

-- Entries by 0-based index, as encoded by the provenance core.
CREATE TABLE provenance_entries (
    idx   bigint PRIMARY KEY,
    entry bytea  NOT NULL
);

-- RFC 6962 hashes by stored hash index (tlog.StoredHashIndex): tiles,
-- tree hashes and proofs are all read from here.
CREATE TABLE provenance_hashes (
    idx  bigint PRIMARY KEY,
    hash bytea  NOT NULL CHECK (length(hash) = 32)
);

-- Signed checkpoints (C2SP signed notes) by tree size.
CREATE TABLE provenance_checkpoints (
    size   bigint PRIMARY KEY,
    signed bytea  NOT NULL
);

-- Witness cosignature lines (C2SP tlog-cosignature) per checkpoint size.
CREATE TABLE provenance_cosignatures (
    seq  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    size bigint NOT NULL,
    line text   NOT NULL,
    UNIQUE (size, line)
);

-- +goose Down
DROP TABLE provenance_cosignatures;
DROP TABLE provenance_checkpoints;
DROP TABLE provenance_hashes;
DROP TABLE provenance_entries;
DROP TABLE provenance_head;
