-- +goose Up
-- The event log. Times are Unix nanoseconds, UTC. data is sealed with the
-- subject's key when subject is set, plain JSON otherwise.
CREATE TABLE events (
    position       INTEGER PRIMARY KEY,
    id             TEXT    NOT NULL,
    stream         TEXT    NOT NULL,
    version        INTEGER NOT NULL,
    type           TEXT    NOT NULL,
    occurred_at    INTEGER NOT NULL,
    recorded_at    INTEGER NOT NULL,
    subject        TEXT,
    data           BLOB    NOT NULL,
    actor          TEXT,
    channel        TEXT,
    correlation_id TEXT,
    causation_id   TEXT
);
CREATE UNIQUE INDEX events_stream_version ON events (stream, version);

-- One row per idempotency key: the first result, returned to every retry.
CREATE TABLE idempotency (
    key            TEXT    PRIMARY KEY,
    fingerprint    BLOB    NOT NULL,
    stream         TEXT    NOT NULL,
    first_version  INTEGER NOT NULL,
    last_version   INTEGER NOT NULL,
    first_position INTEGER NOT NULL,
    last_position  INTEGER NOT NULL,
    recorded_at    INTEGER NOT NULL
) WITHOUT ROWID;

-- Data keys, wrapped by the master key. Deleting a row erases a subject.
CREATE TABLE subject_keys (
    subject TEXT PRIMARY KEY,
    wrapped BLOB NOT NULL
) WITHOUT ROWID;

CREATE TABLE subscriptions (
    name        TEXT    PRIMARY KEY,
    position    INTEGER NOT NULL DEFAULT 0,
    holder      TEXT    NOT NULL DEFAULT '',
    lease_until INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;

-- +goose Down
DROP TABLE subscriptions;
DROP TABLE subject_keys;
DROP TABLE idempotency;
DROP TABLE events;
