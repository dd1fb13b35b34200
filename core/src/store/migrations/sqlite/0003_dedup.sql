-- Deduplicate state: hashes of the values an event_transform `deduplicate` action has seen,
-- per workflow and action. Values are stored as SHA-256 hashes, never in clear.
CREATE TABLE dedup_seen (
    scope TEXT    NOT NULL,
    hash  TEXT    NOT NULL,
    seq   INTEGER NOT NULL,
    PRIMARY KEY (scope, hash)
);
CREATE INDEX dedup_seen_by_seq ON dedup_seen (scope, seq);
