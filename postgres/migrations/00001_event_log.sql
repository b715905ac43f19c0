-- +goose Up

-- log_head holds the position of the last committed event. Every append
-- transaction locks this one row first and moves it last, which serialises
-- position assignment and commit across all instances; see commitBatch in
-- append.go for why that makes positions visible strictly in order. The row is
-- updated once per batch, so leave room for HOT updates.
CREATE TABLE log_head (
    id       boolean PRIMARY KEY DEFAULT true CHECK (id),
    position bigint  NOT NULL
) WITH (fillfactor = 10);
INSERT INTO log_head (id, position) VALUES (true, 0);

-- events is the log. data is the payload's JSON bytes exactly as appended, or,
-- when subject is not empty, those bytes sealed (AES-256-GCM, the event id as
-- associated data) under the subject key numbered key_id.
CREATE TABLE events (
    position       bigint      PRIMARY KEY,
    version        bigint      NOT NULL,
    key_id         bigint,
    occurred_at    timestamptz NOT NULL,
    recorded_at    timestamptz NOT NULL,
    id             uuid        NOT NULL,
    stream         text        NOT NULL,
    type           text        NOT NULL,
    subject        text        NOT NULL,
    actor          text        NOT NULL,
    channel        text        NOT NULL,
    correlation_id text        NOT NULL,
    causation_id   text        NOT NULL,
    data           bytea       NOT NULL
);
-- Serves version lookups, stream reads and as-at reads (a filter on the scan).
CREATE UNIQUE INDEX events_stream_version ON events (stream, version);
-- Sealed bytes do not compress: do not spend time trying.
ALTER TABLE events ALTER COLUMN data SET STORAGE EXTERNAL;

-- subject_keys holds each subject's current data key, wrapped by the master
-- key. key_id is the position of the first event sealed with the key, so it is
-- unique for ever: after an erasure a subject's new key gets a new id, and the
-- old events, whose (subject, key_id) now matches no row, read as erased.
CREATE TABLE subject_keys (
    subject text   PRIMARY KEY,
    key_id  bigint NOT NULL,
    wrapped bytea  NOT NULL
);

-- idempotency_keys remembers the result of every append that carried a key.
CREATE TABLE idempotency_keys (
    key            text        PRIMARY KEY,
    fingerprint    bytea       NOT NULL,
    stream         text        NOT NULL,
    first_version  bigint      NOT NULL,
    last_version   bigint      NOT NULL,
    first_position bigint      NOT NULL,
    last_position  bigint      NOT NULL,
    recorded_at    timestamptz NOT NULL
);

-- subscriptions holds each named consumer's checkpoint and lease.
CREATE TABLE subscriptions (
    name        text        PRIMARY KEY,
    position    bigint      NOT NULL DEFAULT 0,
    holder      text        NOT NULL DEFAULT '',
    lease_until timestamptz
);

-- +goose Down
DROP TABLE subscriptions;
DROP TABLE idempotency_keys;
DROP TABLE subject_keys;
DROP TABLE events;
DROP TABLE log_head;
