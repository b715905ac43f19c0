-- +goose Up
-- Serves reads of one event by its id (ReadEvent), and makes a repeated id
-- an error rather than an ambiguity.
CREATE UNIQUE INDEX events_id ON events (id);

-- +goose Down
DROP INDEX events_id;
