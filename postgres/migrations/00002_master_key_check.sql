-- +goose Up
-- One row: a check value of the master key the data is sealed under, so a
-- store started with another key refuses to run (seal.KeyCheck).
CREATE TABLE master_key_check (
    id    INTEGER PRIMARY KEY CHECK (id = 1),
    value BYTEA NOT NULL
);

-- +goose Down
DROP TABLE master_key_check;
